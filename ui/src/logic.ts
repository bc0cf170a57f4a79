// Pure UI logic (no DOM, no React): tested with Vitest in logic.test.ts.

import type { BaseEntry, Body, Endpoint, Entry } from './types';

// ---------------------------------------------------------------- filters

/** True when `q` has an `or` (or `||`) outside parentheses and strings. */
export function hasTopLevelOr(q: string): boolean {
  let depth = 0;
  for (let i = 0; i < q.length; i++) {
    const c = q[i];
    if (c === '"' || c === "'" || c === '`') {
      const end = skipString(q, i);
      i = end;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0) {
      if (q.startsWith('||', i)) return true;
      if (
        q.startsWith('or', i) &&
        !isNameChar(q[i - 1]) &&
        !isNameChar(q[i + 2]) &&
        q[i - 1] !== '.'
      ) {
        return true;
      }
    }
  }
  return false;
}

function isNameChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$]/.test(c);
}

function skipString(q: string, start: number): number {
  const quote = q[start];
  for (let i = start + 1; i < q.length; i++) {
    if (q[i] === '\\' && quote !== '`') {
      i++;
      continue;
    }
    if (q[i] === quote) return i;
  }
  return q.length;
}

/**
 * Appends `clause` to the filter with `and`. `and` and `or` share one precedence and
 * group to the right in Mizu's language, so a filter with a top-level `or` is
 * parenthesised first (`a or b` + `c` = `(a or b) and c`).
 */
export function appendClause(filter: string, clause: string): string {
  const f = filter.trim();
  if (f === '') return clause;
  if (f.includes(clause)) return f;
  return hasTopLevelOr(f) ? `(${f}) and ${clause}` : `${f} and ${clause}`;
}

/** A filter literal for a JSON value: strings quoted, numbers/booleans as is, null as nil. */
export function literal(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(String(v));
}

/** `selector == literal`. */
export function fieldClause(selector: string, value: unknown): string {
  return `${selector} == ${literal(value)}`;
}

/** The selector of `key` under `parent`: dotted when it is a plain name, else `["key"]`. */
export function childSelector(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** Flattens an object into `[selector, leaf value]` rows (for the readable tables). */
export function flatten(
  value: unknown,
  prefix: string,
  out: [string, unknown][] = [],
  maxRows = 500,
): [string, unknown][] {
  if (out.length >= maxRows) return out;
  if (Array.isArray(value)) {
    if (value.length === 0) out.push([prefix, '[]']);
    value.forEach((v, i) => flatten(v, childSelector(prefix, i), out, maxRows));
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) out.push([prefix, '{}']);
    for (const [k, v] of entries) flatten(v, childSelector(prefix, k), out, maxRows);
  } else {
    out.push([prefix, value]);
  }
  return out;
}

// ---------------------------------------------------------------- rows

/**
 * The row's clauses: the hub's ready-made `*Query` (HTTP), else ones derived from the
 * protocol's decoded fields (Kafka apiKeyName, Redis command and key, AMQP method).
 */
export function rowClauses(e: BaseEntry): { method: string; summary: string; status: string } {
  let method = e.methodQuery;
  let summary = e.summaryQuery;
  if (!method && e.method) {
    if (e.proto.name === 'kafka') method = fieldClause('request.apiKeyName', e.method);
    else if (e.proto.name === 'redis') method = fieldClause('request.command', e.method);
    else if (e.proto.name === 'amqp') method = fieldClause('request.method', e.method);
  }
  if (!summary && e.summary && e.proto.name === 'redis') summary = fieldClause('request.args[0]', e.summary);
  return { method, summary, status: e.statusQuery };
}

export type StatusClass = 'none' | 'info' | 'ok' | 'redirect' | 'client' | 'server';

/** Colour class of a status: Mizu counts 200–399 as success, ≥400 as failure. */
export function statusClass(status: number, proto = 'http'): StatusClass {
  if (!status) return 'none';
  if (proto !== 'http') return status >= 400 ? 'client' : 'ok';
  if (status < 200) return 'info';
  if (status < 300) return 'ok';
  if (status < 400) return 'redirect';
  if (status < 500) return 'client';
  return 'server';
}

export function endpointLabel(ep: Endpoint): string {
  if (ep.name) return ep.name;
  if (!ep.ip) return '[unresolved]';
  return ep.ip.includes(':') ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
}

export function formatLatency(ms: number, micros?: number): string {
  if (micros !== undefined && micros < 1000) return `${micros} µs`;
  if (ms < 1000) return `${ms} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

/** `HH:MM:SS.mmm` in UTC (captures come from anywhere; the tooltip has the full date). */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  return d.toISOString().slice(11, 23);
}

/** Mizu's `datetime("M/D/YYYY, h:mm:ss.mmm AM")` clause for a timestamp (UTC). */
export function timestampClause(ms: number, op = '>='): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const ampm = h >= 12 ? 'PM' : 'AM';
  const h12 = h % 12 === 0 ? 12 : h % 12;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const s = `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}, ${h12}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)} ${ampm}`;
  return `timestamp ${op} datetime("${s}")`;
}

/** Compares two hub ids (24-digit zero-padded decimal strings, or shorter numbers). */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------- the row store

/**
 * The list's rows, oldest first. Appends and prepends are amortised O(batch): the
 * array is mutated in place and a version number tells React to re-render (Mizu copied
 * the whole list on every message). Ids are kept unique.
 */
export class RowStore {
  rows: BaseEntry[] = [];
  /** Number of rows ever prepended: the virtual list's `firstItemIndex` base. */
  prepended = 0;
  version = 0;
  private ids = new Set<string>();
  /** One shared `proto` object per protocol: 100k rows carry the same dozen fields. */
  private protos = new Map<string, BaseEntry['proto']>();

  private intern(e: BaseEntry): BaseEntry {
    const key = `${e.proto.name}\u0000${e.proto.version}\u0000${e.proto.abbr}`;
    const p = this.protos.get(key);
    if (p) e.proto = p;
    else this.protos.set(key, e.proto);
    return e;
  }

  clear(): void {
    this.rows = [];
    this.ids.clear();
    this.prepended = 0;
    this.version++;
  }

  /** Appends newer rows (oldest first); returns how many were new. */
  append(batch: readonly BaseEntry[]): number {
    let n = 0;
    for (const e of batch) {
      if (this.ids.has(e.id)) continue;
      this.ids.add(e.id);
      this.rows.push(this.intern(e));
      n++;
    }
    if (n) this.version++;
    return n;
  }

  /** Prepends older rows given newest first (as `GET /entries?direction=-1` returns them). */
  prependOlder(newestFirst: readonly BaseEntry[]): number {
    const fresh: BaseEntry[] = [];
    for (const e of newestFirst) {
      if (this.ids.has(e.id)) continue;
      this.ids.add(e.id);
      fresh.push(this.intern(e));
    }
    if (fresh.length === 0) return 0;
    fresh.reverse();
    this.rows = fresh.concat(this.rows);
    this.prepended += fresh.length;
    this.version++;
    return fresh.length;
  }

  get oldestId(): string | undefined {
    return this.rows[0]?.id;
  }

  get newestId(): string | undefined {
    return this.rows[this.rows.length - 1]?.id;
  }
}

/**
 * Holds live entries between WebSocket messages and the next render. While paused the
 * entries wait here (and are counted); `take` hands the whole backlog over at once.
 */
export class LiveBuffer {
  private pending: BaseEntry[] = [];
  paused = false;

  push(e: BaseEntry): void {
    this.pending.push(e);
  }

  pushAll(es: BaseEntry[]): void {
    if (this.pending.length === 0) this.pending = es;
    else for (const e of es) this.pending.push(e);
  }

  get size(): number {
    return this.pending.length;
  }

  /** The buffered entries, unless paused. */
  take(): BaseEntry[] {
    if (this.paused || this.pending.length === 0) return [];
    const out = this.pending;
    this.pending = [];
    return out;
  }

  clear(): void {
    this.pending = [];
  }
}

// ---------------------------------------------------------------- details

export type BodyKind = 'none' | 'json' | 'xml' | 'html' | 'image' | 'binary' | 'text' | 'form' | 'multipart';

export function bodyKind(body: Body | undefined): BodyKind {
  if (!body || (body.text ?? '') === '') return 'none';
  const mime = (body.mimeType ?? '').toLowerCase();
  if (mime.startsWith('image/')) return 'image';
  if (mime.includes('multipart/')) return body.params?.length ? 'multipart' : 'text';
  if (mime.includes('x-www-form-urlencoded') && body.params?.length) return 'form';
  if (body.encoding === 'base64') return 'binary';
  const text = body.text ?? '';
  // Text with control characters (gRPC frames, protobuf) reads better as hex.
  // eslint-disable-next-line no-control-regex
  if (mime.includes('grpc') || mime.includes('protobuf') || /[\u0000-\u0008\u000e-\u001f]/.test(text.slice(0, 4096))) return 'binary';
  if (mime.includes('json') || /^\s*[{[]/.test(text)) {
    try {
      JSON.parse(text);
      return 'json';
    } catch {
      /* not JSON after all */
    }
  }
  if (mime.includes('html')) return 'html';
  if (mime.includes('xml') || /^\s*<\?xml/.test(text)) return 'xml';
  return 'text';
}

/** The body's bytes: base64-decoded, or the UTF-8 of its text. */
export function bodyBytes(body: Body): Uint8Array {
  return body.encoding === 'base64' ? decodeBase64(body.text ?? '') : new TextEncoder().encode(body.text ?? '');
}

export function decodeBase64(text: string): Uint8Array {
  try {
    const bin = atob(text.replace(/\s+/g, ''));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return new Uint8Array();
  }
}

/** Classic 16-bytes-per-line hex dump, at most `max` bytes. */
export function hexDump(bytes: Uint8Array, max = 64 * 1024): string {
  const lines: string[] = [];
  const n = Math.min(bytes.length, max);
  for (let off = 0; off < n; off += 16) {
    const chunk = bytes.subarray(off, Math.min(off + 16, n));
    const hex = Array.from(chunk, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(chunk, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > n) lines.push(`… ${bytes.length - n} more bytes`);
  return lines.join('\n');
}

/** Indents XML/HTML one element per line (a display aid; the text is not validated). */
export function prettyXml(text: string): string {
  const tokens = text.replace(/>\s+</g, '><').split(/(<[^>]+>)/).filter((t) => t.trim() !== '');
  let depth = 0;
  const out: string[] = [];
  for (const t of tokens) {
    const isTag = t.startsWith('<');
    const closing = isTag && t.startsWith('</');
    const selfClosing =
      isTag && (t.endsWith('/>') || t.startsWith('<?') || t.startsWith('<!') || /^<(br|hr|img|meta|link|input)\b/i.test(t));
    if (closing) depth = Math.max(0, depth - 1);
    out.push('  '.repeat(depth) + t.trim());
    if (isTag && !closing && !selfClosing) depth++;
  }
  // Put `<a>text</a>` back on one line.
  return out.join('\n').replace(/(<[^/!?][^>]*>)\n\s*([^<\n]+)\n\s*(<\/[^>]+>)/g, '$1$2$3');
}

export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function headerPairs(h: unknown): [string, string][] {
  if (!h || typeof h !== 'object') return [];
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
    if (Array.isArray(v)) for (const x of v) out.push([k, String(x)]);
    else out.push([k, String(v)]);
  }
  return out;
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** "Copy as curl" for an HTTP entry (HTTP/2 pseudo-headers become the URL and method). */
export function toCurl(entry: Entry): string {
  const req = (entry.request ?? {}) as Record<string, unknown>;
  const method = String(req.method ?? 'GET');
  const url = String(req.url ?? `http://${entry.dst.ip}:${entry.dst.port}${String(req.path ?? '/')}`);
  const parts = ['curl'];
  if (method !== 'GET') parts.push('-X', method);
  parts.push(shellQuote(url));
  const skip = new Set(['content-length', 'host', 'connection', 'transfer-encoding']);
  for (const [k, v] of headerPairs(req.headers)) {
    if (k.startsWith(':') || skip.has(k.toLowerCase())) continue;
    parts.push('-H', shellQuote(`${k}: ${v}`));
  }
  const body = req.postData as Body | undefined;
  if (body?.text) {
    if (body.encoding === 'base64') {
      parts.push('--data-binary', `@<(printf %s ${shellQuote(body.text)} | base64 -d)`);
    } else {
      parts.push('--data-raw', shellQuote(body.text));
    }
  }
  if (String(req.httpVersion ?? '').includes('2')) parts.push('--http2-prior-knowledge');
  return parts.join(' ');
}

/** A HAR 1.2 document with the given HTTP entries (others are skipped). */
export function toHar(entries: Entry[]): object {
  const pairs = (h: unknown) => headerPairs(h).map(([name, value]) => ({ name, value }));
  return {
    log: {
      version: '1.2',
      creator: { name: 'mizu', version: '0.1' },
      entries: entries
        .filter((e) => e.protocol.name === 'http')
        .map((e) => {
          const req = (e.request ?? {}) as Record<string, unknown>;
          const res = (e.response ?? {}) as Record<string, unknown>;
          const post = req.postData as Body | undefined;
          const content = (res.content as Body | undefined) ?? { size: 0, mimeType: '' };
          const query = req.queryString as Record<string, unknown> | undefined;
          return {
            startedDateTime: new Date(e.timestamp).toISOString(),
            time: e.elapsedTime ?? 0,
            request: {
              method: String(req.method ?? ''),
              url: String(req.url ?? ''),
              httpVersion: String(req.httpVersion ?? ''),
              headers: pairs(req.headers),
              cookies: pairs(req.cookies),
              queryString: pairs(query),
              ...(post ? { postData: { mimeType: post.mimeType ?? '', text: post.text ?? '' } } : {}),
              headersSize: Number(req.headersSize ?? -1),
              bodySize: Number(req.bodySize ?? -1),
            },
            response: {
              status: Number(res.status ?? 0),
              statusText: String(res.statusText ?? ''),
              httpVersion: String(res.httpVersion ?? ''),
              headers: pairs(res.headers),
              cookies: pairs(res.cookies),
              content: {
                size: content.size ?? 0,
                mimeType: content.mimeType ?? '',
                text: content.text ?? '',
                ...(content.encoding ? { encoding: content.encoding } : {}),
              },
              redirectURL: '',
              headersSize: Number(res.headersSize ?? -1),
              bodySize: Number(res.bodySize ?? -1),
            },
            cache: {},
            timings: { send: 0, wait: e.elapsedTime ?? 0, receive: 0 },
            serverIPAddress: e.dst.ip,
          };
        }),
    },
  };
}

// ---------------------------------------------------------------- URL state

export interface UrlState {
  entry?: string;
  q: string;
}

export function parseUrl(search: string): UrlState {
  const p = new URLSearchParams(search);
  return { entry: p.get('entry') ?? undefined, q: p.get('q') ?? '' };
}

export function permalink(origin: string, entry: string | undefined, q: string): string {
  const p = new URLSearchParams();
  if (entry) p.set('entry', entry);
  if (q) p.set('q', q);
  const s = p.toString();
  return `${origin}/${s ? `?${s}` : ''}`;
}
