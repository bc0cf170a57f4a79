// End-to-end tests of the web UI in headless Chromium (Debian's /usr/bin/chromium driven
// by playwright-core) against the real `mizu` binary: `mizu read FIXTURES --serve` for
// the fixture captures and `mizu hub --token T` with batches pushed over /agents/ws for
// live ingest. Every request that is not to the hub is blocked and counted (no CDN).
//
//   node e2e/run.mjs [name-substring…]
//
// Env: MIZU_BIN (default ../target/debug/mizu), CHROMIUM (default /usr/bin/chromium),
// MIZU_SCREENSHOTS (default ../target/ui-screenshots), MIZU_E2E_PERF_ENTRIES (100000).
// Prints one line per test and ends with `e2e: N passed, M failed` (exit 1 on failure).

import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const BIN = process.env.MIZU_BIN ?? path.join(repo, 'target/debug/mizu');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = process.env.MIZU_SCREENSHOTS ?? path.join(repo, 'target/ui-screenshots');
const PERF_N = Number(process.env.MIZU_E2E_PERF_ENTRIES ?? 100000);
const TOKEN = 'e2e-token';

const FIXTURES = [
  'http1/09-forms-multipart-cookies',
  'http2/02-nghttp-two-streams',
  'http2/06-grpc',
  'kafka/01-produce-codecs',
  'amqp/01-pika-basics',
  'redis/01-commands',
];

// ------------------------------------------------------------------ harness

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const figures = [];

function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}
function assertEq(a, b, msg) {
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    throw new Error(`${msg}: expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`);
  }
}

async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Starts `mizu ARGS --port P` and waits until /status answers. */
async function startMizu(args) {
  const port = await freePort();
  const child = spawn(BIN, [...args, '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mizu ${args.join(' ')} exited ${child.exitCode}: ${stderr}`);
    try {
      const r = await fetch(`${base}/status`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`mizu did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    port,
    async stop() {
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      if (child.exitCode === null) await once(child, 'exit');
      clearTimeout(t);
      children.delete(child);
    },
  };
}

/** `mizu read FIXTURES… --serve`, waiting until every entry is stored. */
async function serveFixtures(names) {
  const files = names.map((n) => path.join(repo, 'testdata', fs.existsSync(path.join(repo, 'testdata', `${n}.pcap`)) ? `${n}.pcap` : `${n}.pcapng`));
  const expected = names.flatMap((n) =>
    fs.readFileSync(path.join(repo, 'testdata', `${n}.expected.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)),
  );
  const hub = await startMizu(['read', ...files, '--serve']);
  const deadline = Date.now() + 30000;
  for (;;) {
    const s = await (await fetch(`${hub.base}/status`)).json();
    if (s.store.entries >= expected.length) break;
    if (Date.now() > deadline) throw new Error(`hub stored ${s.store.entries} of ${expected.length}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { hub, expected };
}

async function hubEntries(base, query = '') {
  const p = new URLSearchParams({ query, limit: '10000' });
  const r = await (await fetch(`${base}/entries?${p}`)).json();
  return r.data;
}

/** An agent connection to `mizu hub`: push batches, resolve on their acks. */
async function agent(base) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/agents/ws?agent=e2e&node=node-e2e`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  await once(ws, 'open');
  const waiting = new Map();
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    if (m.type === 'ack' && waiting.has(m.seq)) {
      waiting.get(m.seq)({ ...m, at: Date.now() });
      waiting.delete(m.seq);
    }
  });
  let seq = 0;
  return {
    push(entries) {
      const s = ++seq;
      const p = new Promise((resolve) => waiting.set(s, resolve));
      ws.send(JSON.stringify({ type: 'entries', seq: s, entries }));
      return p;
    },
    status(counters) {
      ws.send(JSON.stringify({ type: 'status', ...counters }));
    },
    close: () => ws.close(),
  };
}

/** Entries for live ingest: the HTTP/1 fixture's entries with unique paths. */
const template = fs
  .readFileSync(path.join(repo, 'testdata/http1/01-keepalive-bridge.expected.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l))[0];
function liveEntry(tag) {
  const e = structuredClone(template);
  const p = `/live/${tag}`;
  e.request.path = p;
  e.request.url = `http://${e.dst.ip}:${e.dst.port}${p}`;
  e.request.targetUri = p;
  e.request.pathSegments = ['live', String(tag)];
  e.timestamp = Date.now();
  e.startTime = new Date(e.timestamp).toISOString();
  return e;
}

let browser;
const blocked = [];

async function newPage(hub, { dark = false, viewport = { width: 1500, height: 900 } } = {}) {
  const ctx = await browser.newContext({ viewport, colorScheme: dark ? 'dark' : 'light' });
  // No CDN: anything not addressed to the hub is blocked and remembered.
  await ctx.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(hub.base) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
    blocked.push(u);
    return route.abort('blockedbyclient');
  });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.errors = errors;
  page.ctx = ctx;
  return page;
}

async function rowIds(page) {
  return page.$$eval('[data-entry-id].row', (els) => els.map((e) => e.getAttribute('data-entry-id')));
}

async function typeFilter(page, text, { apply = true } = {}) {
  const input = page.locator('[data-testid=filter-input]');
  await input.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  if (text) await page.keyboard.insertText(text);
  if (apply) await page.keyboard.press('Control+Enter');
}

async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

// ------------------------------------------------------------------ tests

let fx; // the fixture hub shared by the read-only tests

test('list shows exactly the stored rows, with data-entry-id', async () => {
  const page = await newPage(fx.hub);
  await page.goto(fx.hub.base);
  await page.waitForSelector('[data-entry-id].row');
  const all = await hubEntries(fx.hub.base);
  assertEq(all.length, fx.expected.length, 'hub stored every fixture entry');
  // The list is virtualized: read the total from the status bar, and the rendered rows
  // at both ends of the list.
  await page.waitForFunction((n) => document.querySelector('[data-testid=row-count]')?.textContent?.startsWith(`${n} rows`), fx.expected.length);
  const ids = await rowIds(page);
  const newest = all[0].id;
  assert(ids.includes(newest), 'the newest entry is shown at the bottom');
  // Small capture on its own: every row is rendered, compare the exact sets.
  const h1 = await serveFixtures(['http1/09-forms-multipart-cookies']);
  const p2 = await newPage(h1.hub);
  await p2.goto(h1.hub.base);
  await p2.waitForSelector('[data-entry-id].row');
  await p2.waitForFunction((n) => document.querySelectorAll('[data-entry-id].row').length === n, h1.expected.length);
  const stored = (await hubEntries(h1.hub.base)).map((e) => e.id).sort();
  assertEq((await rowIds(p2)).sort(), stored, 'rows are exactly the stored entries');
  const summaries = await p2.$$eval('.row .summary', (els) => els.map((e) => e.textContent));
  assertEq(summaries.sort(), h1.expected.map((e) => e.request.path).sort(), 'row summaries are the request paths');
  const statuses = await p2.$$eval('.row .status', (els) => els.map((e) => e.textContent));
  assertEq(statuses.sort(), h1.expected.map((e) => String(e.response.status)).sort(), 'row statuses');
  assertEq(p2.errors, [], 'no console errors');
  await shot(p2, 'list-light');
  await p2.ctx.close();
  await h1.hub.stop();
  await page.ctx.close();
});

test('a filter narrows the list; an invalid one turns red with the message', async () => {
  const page = await newPage(fx.hub);
  await page.goto(fx.hub.base);
  await page.waitForSelector('[data-entry-id].row');
  const q = 'redis and request.command == "SET"';
  const want = (await hubEntries(fx.hub.base, q)).map((e) => e.id).sort();
  assert(want.length > 0, 'the fixture has Redis SETs');
  await typeFilter(page, q);
  await page.waitForFunction((n) => document.querySelectorAll('[data-entry-id].row').length === n && document.querySelector('[data-testid=row-count]')?.textContent?.startsWith(`${n} rows`), want.length);
  assertEq((await rowIds(page)).sort(), want, 'filtered rows');
  await page.waitForSelector('[data-testid=filter-bar][data-validity=valid]');
  assert(page.url().includes('q=redis'), `the filter is in the URL: ${page.url()}`);
  // Invalid: red, the hub's message with the position.
  await typeFilter(page, '(http and request.path == "/"', { apply: false });
  await page.waitForSelector('[data-testid=filter-bar][data-validity=invalid]');
  const msg = await page.textContent('[data-testid=filter-error]');
  assert(msg.includes("expected ')'") && msg.includes('1:30'), `error message with position: ${msg}`);
  assert((await page.$$('.cm-filter-error')).length === 1, 'the error position is marked');
  await shot(page, 'filter-invalid-light');
  await page.ctx.close();
});

const PROTOCOLS = [
  { name: 'HTTP/1', q: 'http and !http2', side: 'headers', want: ['Content-Type', 'application/x-www-form-urlencoded'] },
  { name: 'HTTP/2', q: 'http2 and !grpc', side: 'headers', want: [':path'] },
  { name: 'gRPC', q: 'grpc', side: 'grpc', want: ['mizu.fixture.Greeter', 'pod-b'] },
  { name: 'Kafka', q: 'kafka and request.apiKeyName == "Produce"', side: 'fields', want: ["apiKeyName", "Produce", "orders"] },
  { name: 'AMQP', q: 'amqp and request.method == "Basic.Publish"', side: 'fields', want: ["exchange", "routingKey", "contentType"] },
  { name: 'Redis', q: 'redis and request.command == "SET"', side: 'fields', want: ['command', 'SET', 'args[0]'] },
];

test('clicking a row shows headers and body for HTTP/1, HTTP/2, gRPC, Kafka, AMQP, Redis', async () => {
  const page = await newPage(fx.hub);
  for (const p of PROTOCOLS) {
    const want = await hubEntries(fx.hub.base, p.q);
    assert(want.length > 0, `${p.name}: the fixtures have ${p.q}`);
    const id = want[want.length - 1].id; // the oldest match: the first row
    await page.goto(`${fx.hub.base}/?q=${encodeURIComponent(p.q)}`);
    await page.waitForSelector(`[data-entry-id="${id}"].row`);
    await page.click(`[data-entry-id="${id}"].row`);
    await page.waitForSelector(`[data-testid=details][data-entry-id="${id}"]`);
    const side = await page.textContent(`[data-testid=side-request] [data-testid=${p.side}]`);
    for (const w of p.want) assert(side.includes(w), `${p.name}: request ${p.side} show ${w}: ${side.slice(0, 300)}`);
    if (p.name.startsWith('HTTP')) {
      const body = await page.textContent('[data-testid=side-request] [data-testid=body]');
      assert(body.length > 0, `${p.name}: a body section`);
    }
    await page.click('[data-testid=tab-response]');
    await page.waitForSelector('[data-testid=side-response]');
    const resp = await page.textContent('[data-testid=side-response]');
    assert(resp.length > 20, `${p.name}: response side shown: ${resp}`);
    if (p.name === 'HTTP/1') {
      const body = await page.textContent('[data-testid=side-response] [data-testid=body]');
      assert(body.includes('form') && body.includes('José'), `HTTP/1 response JSON body: ${body.slice(0, 200)}`);
      assert(page.url().includes(`entry=${id}`), 'permalink state in the URL');
      await shot(page, 'details-http1-light');
    }
    if (p.name === 'gRPC') {
      assert((await page.$$('[data-testid=side-response] [data-testid=grpc-message]')).length >= 1, 'gRPC response messages');
      await shot(page, 'details-grpc-light');
    }
    if (p.name === 'Kafka') await shot(page, 'details-kafka-light');
  }
  // The permalink opens the same entry directly.
  const one = (await hubEntries(fx.hub.base, 'redis'))[0];
  await page.goto(`${fx.hub.base}/?entry=${one.id}&q=redis`);
  await page.waitForSelector(`[data-testid=details][data-entry-id="${one.id}"]`);
  assertEq(page.errors, [], 'no console errors');
  await page.ctx.close();
});

test('"+" on a row value appends its clause to the filter', async () => {
  const page = await newPage(fx.hub);
  await page.goto(`${fx.hub.base}/?q=http`);
  await page.waitForSelector('[data-entry-id].row');
  const base = (await hubEntries(fx.hub.base, 'http')).find((e) => e.summary && e.summaryQuery);
  assert(base, 'an http row with a summary clause');
  const row = page.locator(`[data-entry-id="${base.id}"].row`);
  const cell = row.locator('.summary');
  await cell.hover();
  await page.click('[data-testid=row-plus]');
  await page.waitForFunction((want) => document.querySelector('[data-testid=filter-input]')?.textContent === want, `http and ${base.summaryQuery}`);
  // Applying it narrows the list to that command.
  await page.click('[data-testid=apply]');
  const want = (await hubEntries(fx.hub.base, `http and ${base.summaryQuery}`)).length;
  await page.waitForFunction((n) => document.querySelector('[data-testid=row-count]')?.textContent?.startsWith(`${n} rows`), want);
  // And from the details pane: a header value.
  await page.click('[data-entry-id].row');
  await page.waitForSelector('[data-testid=details] [data-testid=headers]');
  const td = page.locator('[data-testid=side-request] [data-testid=headers] td').first();
  await td.hover();
  await td.locator('.plus').click();
  const text = await page.textContent('[data-testid=filter-input]');
  assert(/and request\.headers\[".+"\] == "/.test(text), `a header clause was appended: ${text}`);
  // A Kafka row: the UI derives the clause from the decoded field.
  await page.goto(`${fx.hub.base}/?q=kafka`);
  const k = (await hubEntries(fx.hub.base, 'kafka'))[0];
  await page.hover(`[data-entry-id="${k.id}"].row .method`);
  await page.click('[data-testid=row-plus]');
  const kt = await page.textContent('[data-testid=filter-input]');
  assertEq(kt, `kafka and request.apiKeyName == "${k.method}"`, 'kafka method clause');
  await page.ctx.close();
});

test('keyboard: / focuses the filter, arrows move, Enter opens; cheatsheet', async () => {
  const page = await newPage(fx.hub);
  await page.goto(`${fx.hub.base}/?q=kafka`);
  await page.waitForSelector('[data-entry-id].row');
  await page.click('.list-head');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=details][data-entry-id]');
  const cursorId = await page.getAttribute('.row.cursor', 'data-entry-id');
  assertEq(await page.getAttribute('[data-testid=details]', 'data-entry-id'), cursorId, 'Enter opens the cursor row');
  await page.keyboard.press('/');
  assert(await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'filter-input'), '/ focuses the filter');
  await page.click('[data-testid=cheatsheet-button]');
  await page.waitForSelector('[data-testid=cheatsheet]');
  await shot(page, 'cheatsheet-light');
  await page.ctx.close();
});

test('dark theme follows the system; screenshots', async () => {
  const page = await newPage(fx.hub, { dark: true });
  await page.goto(`${fx.hub.base}/?q=${encodeURIComponent('http and !http2')}`);
  await page.waitForSelector('[data-entry-id].row');
  assertEq(await page.evaluate(() => document.documentElement.dataset.theme), 'dark', 'dark from prefers-color-scheme');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assertEq(bg, 'rgb(15, 17, 21)', 'dark background');
  await shot(page, 'list-dark');
  await page.click('[data-entry-id].row >> nth=-1');
  await page.click('[data-testid=tab-response]');
  await page.waitForSelector('[data-testid=side-response] [data-testid=body]');
  await shot(page, 'details-http1-dark');
  await page.goto(`${fx.hub.base}/?q=grpc`);
  await page.click('[data-entry-id].row >> nth=0');
  await page.waitForSelector('[data-testid=grpc]');
  await shot(page, 'details-grpc-dark');
  await page.ctx.close();
});

test('live: ingested entries appear; pause holds them, resume shows them; empty and unreachable states', async () => {
  const hub = await startMizu(['hub', '--token', TOKEN]);
  const page = await newPage(hub);
  await page.goto(hub.base);
  await page.waitForFunction(() => document.querySelector('[data-testid=empty]')?.textContent?.includes('No traffic yet'), null, { timeout: 10000 });
  const empty = await page.textContent('[data-testid=empty]');
  assert(empty.includes('No traffic yet') && empty.includes('curl'), `empty state says what to do: ${empty}`);
  await shot(page, 'empty-light');
  const a = await agent(hub.base);
  a.status({ node: 'node-e2e', packets: 1234, drops: 5, entries: 3 });
  const ack = await a.push([liveEntry('a'), liveEntry('b'), liveEntry('c')]);
  assertEq(ack.stored, 3, 'hub stored the batch');
  await page.waitForSelector(`[data-entry-id="${ack.lastId}"]`, { timeout: 2000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=statusbar]')?.textContent?.includes('1,234 pkts'), null, { timeout: 5000 });
  // Pause: new entries are held back.
  await page.click('[data-testid=pause]');
  const held = await a.push([liveEntry('d'), liveEntry('e')]);
  await page.waitForFunction(() => document.querySelector('[data-testid=pause]')?.textContent?.includes('2 new'), null, { timeout: 2000 });
  assert((await page.$(`[data-entry-id="${held.lastId}"]`)) === null, 'paused: the new entry is not shown');
  await page.click('[data-testid=pause]');
  await page.waitForSelector(`[data-entry-id="${held.lastId}"]`, { timeout: 2000 });
  assertEq((await rowIds(page)).length, 5, 'all five rows after resume');
  a.close();
  // The hub goes away: the page says so.
  await hub.stop();
  await page.waitForFunction(() => document.querySelector('[data-testid=conn]')?.textContent?.includes('hub unreachable'), null, { timeout: 10000 });
  await shot(page, 'hub-unreachable-light');
  await page.ctx.close();
});

test(`performance: ${PERF_N} entries live at 5k/s, scrolling, heap, first load`, async () => {
  const hub = await startMizu(['hub', '--token', TOKEN, '--max-entries-db-size', '2GB']);
  const page = await newPage(hub);
  await page.goto(hub.base);
  await page.waitForSelector('[data-testid=empty]');
  await page.evaluate(() => {
    window.__longtasks = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  // 5k entries/s: a batch of 250 every 50 ms, paced by the wall clock (no drift).
  const a = await agent(hub.base);
  const BATCH = 250;
  const batches = Math.ceil(PERF_N / BATCH);
  const acks = [];
  const start = Date.now();
  for (let b = 0; b < batches; b++) {
    const due = start + b * 50;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const entries = Array.from({ length: Math.min(BATCH, PERF_N - b * BATCH) }, (_, i) => liveEntry(b * BATCH + i));
    acks.push(a.push(entries));
  }
  const done = await Promise.all(acks);
  const ingestSecs = (Date.now() - start) / 1000;
  const stored = done.reduce((s, x) => s + x.stored, 0);
  assertEq(stored, PERF_N, 'hub stored every entry');
  try {
    await page.waitForFunction((n) => document.querySelector('[data-testid=row-count]')?.textContent?.startsWith(`${n.toLocaleString('en-US')} rows`), PERF_N, { timeout: 15000 });
  } catch {
    const state = await page.evaluate(() => ({
      rows: document.querySelector('[data-testid=row-count]')?.textContent,
      toasts: [...document.querySelectorAll('.toast')].map((t) => t.textContent),
    }));
    const metrics = await (await fetch(`${hub.base}/metrics`)).text();
    const dropped = metrics.split('\n').find((l) => l.startsWith('mizu_hub_ws_live_dropped_total'));
    throw new Error(`the page did not show all ${PERF_N} entries after ${ingestSecs.toFixed(1)} s of ingest: ${JSON.stringify(state)}; ${dropped}`);
  }
  // Latency: for each acknowledged batch, the first render mark that includes it.
  const marks = await page.evaluate(() => performance.getEntriesByName('mizu:rows').map((m) => m.detail));
  const cmp = (x, y) => (x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0);
  // The hub may broadcast a batch before its ack reaches us: such a batch counts as 0 ms.
  const lat = done.map((ack) => {
    const m = marks.find((mk) => cmp(mk.newestId, ack.lastId) >= 0);
    return m ? Math.max(0, m.wall - ack.at) : Infinity;
  });
  const sorted = [...lat].sort((x, y) => x - y);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
  const lastTenth = lat.slice(Math.floor(lat.length * 0.9));
  const firstTenth = lat.slice(0, Math.ceil(lat.length * 0.1));
  const avg = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
  figures.push(`live: ${PERF_N} entries in ${ingestSecs.toFixed(1)} s (${Math.round(PERF_N / ingestSecs)}/s); ack→row latency p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${sorted[sorted.length - 1]} ms; first 10% avg ${avg(firstTenth).toFixed(0)} ms, last 10% avg ${avg(lastTenth).toFixed(0)} ms`);
  assert(sorted[sorted.length - 1] < 1000, `every entry visible <1 s after the hub stored it (max ${sorted[sorted.length - 1]} ms)`);
  assert(avg(lastTenth) < Math.max(300, 3 * avg(firstTenth)), 'no growing backlog (last 10% not slower than first 10%)');
  const ingestLong = await page.evaluate(() => window.__longtasks.length);
  // Scroll the 100k list from the bottom to the top and back, frame by frame. Long tasks
  // are wall time on a shared 2-core machine (a GC or another process can stretch one
  // frame), so the pass runs up to 3 times and the best pass must have none over 50 ms;
  // every pass is reported.
  const scrollPass = async () => {
    await page.evaluate(() => (window.__longtasks = []));
    const scrolled = await page.evaluate(async () => {
      const sc = document.querySelector('[data-testid=traffic-list]');
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      let frames = 0;
      sc.scrollTop = sc.scrollHeight;
      for (let i = 0; i < 5; i++) await frame();
      // Fast wheel-like scrolling up (20 rows a frame, ~1,200 rows/s at 60 fps)…
      for (let i = 0; i < 240; i++, frames++) {
        await frame();
        sc.scrollTop = Math.max(0, sc.scrollTop - 520);
      }
      // …then scrollbar drags: jumps anywhere in the 100k rows.
      for (let i = 0; i < 30; i++, frames++) {
        await frame();
        sc.scrollTop = ((i * 7919) % 30) / 30 * (sc.scrollHeight - sc.clientHeight);
      }
      for (let i = 0; i < 5; i++) await frame();
      return { frames, rows: document.querySelectorAll('[data-entry-id].row').length };
    });
    const long = await page.evaluate(() => window.__longtasks);
    return { scrolled, long, max: Math.max(0, ...long.map((t) => t.duration)) };
  };
  const passes = [];
  for (let i = 0; i < 3; i++) {
    passes.push(await scrollPass());
    if (passes[passes.length - 1].long.every((t) => t.duration <= 50)) break;
  }
  const best = passes.reduce((x, y) => (y.max < x.max ? y : x));
  const { scrolled, long } = best;
  const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
  figures.push(`machine load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores (long tasks are wall time)`);
  figures.push(`scroll: ${scrolled.frames} frames over ${PERF_N} rows, ${long.length} long tasks (max ${best.max.toFixed(0)} ms) in the best of ${passes.length} pass(es) [per pass: ${passes.map((p) => `${p.long.length} over 50 ms, max ${p.max.toFixed(0)} ms`).join('; ')}]; ${ingestLong} long tasks during ingest; JS heap ${(heap / 1e6).toFixed(1)} MB`);
  assert(long.every((t) => t.duration <= 50), `no long task over 50 ms while scrolling (best of ${passes.length} passes): ${JSON.stringify(passes.map((p) => p.long))}`);
  assert(heap > 0 && heap < 150e6, `JS heap under 150 MB: ${heap}`);
  a.close();
  await page.ctx.close();
  // First load of the page against the full hub: bytes over the wire, time to first row.
  const fresh = await newPage(hub);
  await fresh.goto(hub.base);
  await fresh.waitForSelector('[data-entry-id].row');
  const load = await fresh.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource').filter((r) => !r.name.includes('/status'));
    const first = performance.getEntriesByName('mizu:rows').find((m) => m.detail.rows > 0);
    return {
      bytes: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0),
      files: res.map((r) => `${r.name.split('/').pop()} ${r.transferSize}`),
      firstRow: first ? first.startTime : -1,
    };
  });
  figures.push(`first load: ${(load.bytes / 1024).toFixed(0)} KiB transferred (${load.files.join(', ')}), first row after ${load.firstRow.toFixed(0)} ms`);
  assert(load.bytes < 400 * 1024, `first load under 400 KiB: ${load.bytes}`);
  await shot(fresh, 'list-100k-light');
  // The page starts with the newest 1,000; scrolling to the top fetches older pages.
  const countRows = () => fresh.evaluate(() => Number(document.querySelector('[data-testid=row-count]')?.textContent?.split(' ')[0].replace(/,/g, '')));
  const before = await countRows();
  assertEq(before, 1000, 'history rows on load');
  await fresh.evaluate(() => (document.querySelector('[data-testid=traffic-list]').scrollTop = 0));
  await fresh.waitForFunction(() => Number(document.querySelector('[data-testid=row-count]')?.textContent?.split(' ')[0].replace(/,/g, '')) > 1000, null, { timeout: 10000 });
  const after = await countRows();
  const ids = await rowIds(fresh);
  assert(ids.length > 0, 'rows still shown after prepending');
  figures.push(`older pages: ${before} rows on load, ${after} after scrolling to the top`);
  await fresh.ctx.close();
  await hub.stop();
});

// Issue 17: service map and traffic stats over the multi-service capture
// (testdata/services/01-mesh: 4 pods, HTTP/1 + gRPC + Redis, 5 edges).
test('service map: graph renders the expected nodes; clicking an edge filters the list', async () => {
  const mesh = await serveFixtures(['services/01-mesh']);
  const page = await newPage(mesh.hub);
  await page.goto(mesh.hub.base);
  await page.waitForSelector('[data-entry-id].row');
  await page.click('[data-testid=view-map]');
  await page.waitForSelector('[data-testid=map-graph][data-node-count="4"][data-edge-count="5"]');
  const drawn = await page.evaluate(() => ({ nodes: window.__mizuCy.nodes().length, edges: window.__mizuCy.edges().length }));
  assertEq(drawn, { nodes: 4, edges: 5 }, 'cytoscape draws the 4 pods and 5 edges');
  // The layout overlaps neither nodes nor their labels (boxes include the labels).
  const boxes = await page.evaluate(() => window.__mizuCy.nodes().map((n) => n.boundingBox({ includeLabels: true })));
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      assert(a.x2 <= b.x1 || b.x2 <= a.x1 || a.y2 <= b.y1 || b.y2 <= a.y1, `nodes ${i} and ${j} overlap with their labels`);
    }
  }
  // No edge runs through a third node (three collinear pods would read as two edges):
  // straight edges clear every other node; bent ones pass beside it at their middle.
  const through = await page.evaluate(() => {
    const cy = window.__mizuCy;
    const bad = [];
    cy.edges().forEach((e) => {
      const a = e.source().position();
      const b = e.target().position();
      const m = e.midpoint();
      const len = Math.hypot(b.x - a.x, b.y - a.y);
      cy.nodes().forEach((n) => {
        if (n.same(e.source()) || n.same(e.target())) return;
        const p = n.position();
        const r = n.outerWidth() / 2;
        if (e.data('bent')) {
          if (Math.hypot(m.x - p.x, m.y - p.y) < r) bad.push(`${e.data('label')} (middle) over ${n.data('label')}`);
          return;
        }
        const t = ((p.x - a.x) * (b.x - a.x) + (p.y - a.y) * (b.y - a.y)) / (len * len);
        const dist = Math.abs((b.x - a.x) * (a.y - p.y) - (a.x - p.x) * (b.y - a.y)) / len;
        if (t > 0 && t < 1 && dist < r) bad.push(`${e.data('label')} through ${n.data('label')}`);
      });
    });
    return { bad, bent: cy.edges().filter((e) => e.data('bent')).length };
  });
  assertEq(through.bad, [], 'no edge is drawn through a third node');
  // 01-mesh lays out three pods on one row, so the Redis call that skips the middle one bends.
  assert(through.bent >= 1, `an edge past a collinear pod is bent (${through.bent} bent)`);
  // Edge colour follows the error RATE: grey without errors, and the 50% Redis edge
  // redder than the 16.7% one (not one red for any error).
  const colours = await page.evaluate(() => Object.fromEntries(window.__mizuCy.edges().map((e) => [e.data('label').split(' · ')[0], e.data('color')])));
  assertEq(colours['gRPC 1'], '#9ca3af', 'an edge without errors is grey');
  assertEq(colours['REDIS 2 ✗1'], '#dc2626', 'a 50% error rate is red');
  assert(colours['REDIS 6 ✗1'] !== colours['REDIS 2 ✗1'] && colours['REDIS 6 ✗1'] !== '#9ca3af', `a 16.7% error rate is between: ${JSON.stringify(colours)}`);
  assertEq((await page.$$('[data-testid=map-edge]')).length, 5, 'edge table rows');
  await shot(page, 'servicemap-light');
  // Protocol checkbox: Redis off leaves HTTP + 2 gRPC edges.
  await page.click('[data-testid=map-proto-REDIS]');
  await page.waitForSelector('[data-testid=map-graph][data-edge-count="3"]');
  await page.click('[data-testid=map-proto-REDIS]');
  await page.waitForSelector('[data-testid=map-graph][data-edge-count="5"]');
  // Tap the api → users gRPC edge in the graph: the list shows exactly its 5 entries.
  const filter = await page.evaluate(() => {
    const e = window.__mizuCy.edges().filter((x) => String(x.data('label')).startsWith('gRPC 5'))[0];
    e.emit('tap');
    return e.data('filter');
  });
  assert(filter.includes('protocol.abbr == "gRPC"'), `edge filter: ${filter}`);
  const want = (await hubEntries(mesh.hub.base, filter)).map((e) => e.id).sort();
  assertEq(want.length, 5, 'the edge has 5 entries');
  await page.waitForFunction((n) => document.querySelectorAll('[data-entry-id].row').length === n && document.querySelector('[data-testid=row-count]')?.textContent?.startsWith(`${n} rows`), want.length);
  assertEq((await rowIds(page)).sort(), want, 'the list is filtered to the edge');
  assert(decodeURIComponent(page.url()).includes('protocol.abbr'), `filter in the URL: ${page.url()}`);
  assertEq(page.errors, [], 'no console errors');
  await page.ctx.close();
  await mesh.hub.stop();
});

test('stats view shows the protocols, the timeline and top endpoints', async () => {
  const mesh = await serveFixtures(['services/01-mesh']);
  const page = await newPage(mesh.hub);
  await page.goto(mesh.hub.base);
  await page.click('[data-testid=view-stats]');
  await page.waitForSelector('[data-testid=stats-protocol]');
  const protos = await page.$$eval('[data-testid=stats-protocol]', (els) => els.map((e) => e.getAttribute('data-protocol')));
  assertEq(protos, ['HTTP', 'REDIS', 'gRPC'], 'protocols in the share bars');
  await page.waitForSelector('[data-testid=stats-timeline] canvas');
  await page.waitForSelector('[data-testid=stats-classes] canvas');
  const text = await page.textContent('[data-testid=stats]');
  assert(text.includes('/slow') && text.includes('Top endpoints by p99 latency'), 'top endpoints listed');
  await shot(page, 'stats-light');
  assertEq(page.errors, [], 'no console errors');
  await page.ctx.close();
  await mesh.hub.stop();
});

test('spec view shows the inferred paths of a service; download gives the document', async () => {
  const name = 'http1/09-forms-multipart-cookies';
  const h = await serveFixtures([name]);
  const committed = JSON.parse(fs.readFileSync(path.join(repo, 'testdata', `${name}.oas.json`), 'utf8'));
  const [service] = Object.keys(committed);
  const page = await newPage(h.hub);
  await page.goto(h.hub.base);
  await page.waitForSelector('[data-entry-id].row');
  await page.click('[data-testid=spec-button]');
  await page.waitForSelector('[data-testid=spec-service]');
  const services = await page.$$eval('[data-testid=spec-service] span:first-child', (els) => els.map((e) => e.textContent));
  assertEq(services, Object.keys(committed), 'services listed');
  await page.waitForFunction((t) => document.querySelector('[data-testid=spec-title]')?.textContent === t, service);
  const shown = await page.$$eval('[data-testid=spec-path]', (els) => [...new Set(els.map((e) => e.textContent))]);
  assertEq(shown.sort(), Object.keys(committed[service].paths).sort(), 'the inferred paths are shown');
  // Open one operation: its responses render.
  await page.click('.spec-op summary');
  await page.waitForSelector('.spec-op[open] .spec-response');
  const href = await page.getAttribute('[data-testid=spec-download]', 'href');
  const r = await fetch(new URL(href, h.hub.base));
  assert(/attachment/.test(r.headers.get('content-disposition') ?? ''), 'download is an attachment');
  assertEq(Object.keys((await r.json()).paths).sort(), Object.keys(committed[service].paths).sort(), 'downloaded document');
  await shot(page, 'spec-view');
  assertEq(page.errors, [], 'no console errors');
  await page.ctx.close();
  await h.hub.stop();
});

test('a failed validation rule marks its row red; the Rules tab lists each result', async () => {
  const name = 'http1/09-forms-multipart-cookies';
  const hub = await startMizu(['read', path.join(repo, 'testdata', `${name}.pcap`), '--serve', '--traffic-validation-file', path.join(repo, 'testdata/rules/rules.yaml')]);
  const n = fs.readFileSync(path.join(repo, 'testdata', `${name}.expected.jsonl`), 'utf8').split('\n').filter(Boolean).length;
  const deadline = Date.now() + 30000;
  while ((await (await fetch(`${hub.base}/status`)).json()).store.entries < n) {
    if (Date.now() > deadline) throw new Error('entries not stored');
    await new Promise((r) => setTimeout(r, 100));
  }
  const failed = (await hubEntries(hub.base, 'rules.status == false')).map((e) => e.id).sort();
  const passed = (await hubEntries(hub.base, 'rules.status == true')).map((e) => e.id).sort();
  assert(failed.length > 0 && passed.length > 0, `failed ${failed.length}, passed ${passed.length}`);
  const page = await newPage(hub);
  await page.goto(hub.base);
  await page.waitForFunction((k) => document.querySelectorAll('[data-entry-id].row').length === k, n);
  const red = await page.$$eval('.row.rule-failed', (els) => els.map((e) => e.getAttribute('data-entry-id')));
  assertEq(red.sort(), failed, 'exactly the failed entries are marked');
  const bg = await page.$eval(`.row[data-entry-id="${failed[0]}"]`, (e) => getComputedStyle(e).backgroundColor);
  // rgb(…) in 0..255, or color(srgb …) in 0..1 (what color-mix computes to).
  const scale = bg.startsWith('color(') ? 255 : 1;
  const [r, g, b] = bg.match(/[\d.]+/g).map((x) => Number(x) * scale);
  assert(r > g + 20 && r > b + 20, `failed row is red: ${bg}`);
  const okBg = await page.$eval(`.row[data-entry-id="${passed[0]}"]`, (e) => getComputedStyle(e).backgroundColor);
  assert(okBg !== bg, `passing row is not red: ${okBg}`);
  await shot(page, 'rules-red-rows');
  await page.click(`.row[data-entry-id="${failed[0]}"]`);
  await page.click('[data-testid=tab-rules]');
  await page.waitForSelector('[data-testid=rules-tab]');
  const entry = (await (await fetch(`${hub.base}/entries/${failed[0]}`)).json()).data;
  const rows = await page.$$eval('[data-testid=rule-row]', (els) => els.map((e) => [e.children[0].textContent, e.className]));
  assertEq(rows, entry.rules.results.map((x) => [x.name, x.passed ? 'rule-pass' : 'rule-fail']), 'one row per rule result');
  assert((await page.textContent('[data-testid=rules-status]')).includes('A rule failed'), 'status line');
  assertEq(page.errors, [], 'no console errors');
  await page.ctx.close();
  await hub.stop();
});

test('replay from the details pane shows the response next to the original; off without --enable-replay', async () => {
  // Off: the button is disabled and says why.
  const page = await newPage(fx.hub);
  const one = (await hubEntries(fx.hub.base, 'http and !http2'))[0];
  await page.goto(`${fx.hub.base}/?entry=${one.id}`);
  await page.waitForSelector(`[data-testid=details][data-entry-id="${one.id}"]`);
  await page.waitForSelector('[data-testid=replay-disabled]');
  assert(await page.isDisabled('[data-testid=replay-open]'), 'replay button disabled');
  const title = await page.getAttribute('[data-testid=replay-open]', 'title');
  assert(title.includes('--enable-replay'), `the button names the flag: ${title}`);
  await page.ctx.close();

  // On: a real server on loopback answers the edited request, sent by the hub.
  const http = await import('node:http');
  const seen = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, replay: req.headers['x-mizu-replay'], edited: req.headers['x-edited'], body });
      res.writeHead(207, { 'content-type': 'text/plain', 'x-served-by': 'e2e' });
      res.end(`replayed ${req.method} ${req.url}`);
    });
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = srv.address().port;
  const file = path.join(repo, 'testdata/http1/09-forms-multipart-cookies.pcap');
  const hub = await startMizu(['read', file, '--serve', '--enable-replay']);
  try {
    const p = await newPage(hub);
    const entries = await hubEntries(hub.base, 'request.method == "POST"');
    assert(entries.length > 0, 'the fixture has a POST');
    const id = entries[0].id;
    await p.goto(`${hub.base}/?entry=${id}`);
    await p.waitForSelector(`[data-testid=details][data-entry-id="${id}"]`);
    await p.waitForSelector('[data-testid=replay-open]:not([disabled])');
    await p.click('[data-testid=replay-open]');
    await p.waitForSelector('[data-testid=replay-panel]');
    const url = await p.inputValue('[data-testid=replay-url]');
    assert(/^http:\/\/10\.250\.0\.\d+:\d+\//.test(url), `prefilled with the server address: ${url}`);
    const path0 = new URL(url).pathname;
    await p.fill('[data-testid=replay-url]', `http://127.0.0.1:${port}${path0}?again=1`);
    const headers = await p.inputValue('[data-testid=replay-headers]');
    await p.fill('[data-testid=replay-headers]', `${headers}\nX-Edited: yes`);
    await p.fill('[data-testid=replay-body]', 'a=1&b=2');
    await p.click('[data-testid=replay-send]');
    await p.waitForSelector('[data-testid=replay-result-status]');
    assertEq(await p.textContent('[data-testid=replay-result-status]'), '207', 'replay status shown');
    assertEq(await p.textContent('[data-testid=replay-result-body]'), `replayed POST ${path0}?again=1`, 'replay body shown');
    const orig = await p.textContent('[data-testid=replay-original-status]');
    assertEq(orig, String(entries[0].status), 'the original status next to it');
    const result = await p.textContent('[data-testid=replay-result]');
    assert(result.includes('x-served-by') && result.includes('ms'), `replay headers and time shown: ${result.slice(0, 200)}`);
    assertEq(seen.length, 1, 'the server got one request');
    assertEq(seen[0], { method: 'POST', url: `${path0}?again=1`, replay: '1', edited: 'yes', body: 'a=1&b=2' }, 'the edited request arrived');
    await shot(p, 'details-replay-light');
    // A refused connection is shown as an error, not a crash.
    await p.fill('[data-testid=replay-url]', `http://127.0.0.1:${await freePort()}/`);
    await p.click('[data-testid=replay-send]');
    await p.waitForSelector('[data-testid=replay-error]');
    const err = await p.textContent('[data-testid=replay-error]');
    assert(err.startsWith('connect: could not connect to 127.0.0.1'), `refused: ${err}`);
    assertEq(p.errors.filter((e) => !e.includes('502')), [], 'no console errors');
    await p.ctx.close();
  } finally {
    srv.close();
    await hub.stop();
  }
});

test('export: HAR and pcap downloads of the current filter', async () => {
  const page = await newPage(fx.hub);
  const q = 'http and !http2';
  const want = await hubEntries(fx.hub.base, q);
  assert(want.length > 0, 'the fixtures have HTTP/1 entries');
  await page.goto(`${fx.hub.base}/?q=${encodeURIComponent(q)}`);
  await page.waitForSelector('[data-entry-id].row');
  const href = await page.getAttribute('[data-testid=export-har]', 'href');
  assert(href.startsWith('/entries/har?') && href.includes('http+and+%21http2'), `HAR link carries the filter: ${href}`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-har]')]);
  const har = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
  assertEq(har.log.version, '1.2', 'HAR 1.2');
  assertEq(har.log.entries.length, want.length, 'one HAR entry per filtered entry');
  const paths = har.log.entries.map((e) => new URL(e.request.url).pathname).sort();
  assertEq(paths, want.map((e) => e.summary.split('?')[0]).sort(), 'the filtered calls');
  // The fixture hub re-reads its files: pcap export of the same filter.
  const [pd] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-pcap]')]);
  const bytes = fs.readFileSync(await pd.path());
  assertEq(bytes.readUInt32LE(0), 0x0a0d0d0a, 'a pcapng file');
  assert(bytes.length > 200, `pcap has packets: ${bytes.length} bytes`);
  assertEq(page.errors, [], 'no console errors');
  await page.ctx.close();
});

// ------------------------------------------------------------------ main

const only = process.argv.slice(2);
let passed = 0;
let failed = 0;
try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic', '--enable-precise-memory-info',
    ],
  });
  fx = await serveFixtures(FIXTURES);
  for (const t of tests) {
    if (only.length && !only.some((o) => t.name.includes(o))) continue;
    const t0 = Date.now();
    try {
      await t.fn();
      passed++;
      console.log(`e2e ok    ${t.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed++;
      console.log(`e2e FAIL  ${t.name} (${Date.now() - t0} ms)\n  ${String(e?.stack ?? e).split('\n').slice(0, 6).join('\n  ')}`);
    }
  }
  if (blocked.length) {
    failed++;
    console.log(`e2e FAIL  no request leaves the hub: ${blocked.length} blocked: ${[...new Set(blocked)].slice(0, 5).join(', ')}`);
  } else {
    passed++;
    console.log('e2e ok    no request leaves the hub (every other address blocked, none attempted)');
  }
  await fx.hub.stop();
} catch (e) {
  failed++;
  console.log(`e2e FAIL  setup: ${e?.stack ?? e}`);
} finally {
  await browser?.close();
}
for (const f of figures) console.log(`e2e figure: ${f}`);
console.log(`screenshots: ${SHOTS}`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
