// Replay from the details pane: edit the captured HTTP request (method, URL, headers,
// body), send it from the hub (`POST /replay/`) and show the response next to the
// original. Off unless the hub was started with --enable-replay: the button then says so.

import { useEffect, useState } from 'react';
import type { Body, Entry } from './types';
import { replayBody, replayFormFrom, type ReplayForm, type ReplayResult } from './replay';

interface ReplayInfo {
  enabled: boolean;
  flag?: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

/** The hub's replay settings (`/status`), fetched once per page. */
let info: Promise<ReplayInfo> | undefined;
function replayInfo(): Promise<ReplayInfo> {
  info ??= fetch('/status')
    .then((r) => r.json() as Promise<{ replay?: ReplayInfo }>)
    .then((s) => s.replay ?? { enabled: false })
    .catch(() => {
      info = undefined;
      return { enabled: false };
    });
  return info;
}

export function ReplayButton({ open, onOpen }: { open: boolean; onOpen: () => void }) {
  const [ri, setRi] = useState<ReplayInfo | undefined>();
  useEffect(() => {
    let live = true;
    void replayInfo().then((r) => live && setRi(r));
    return () => {
      live = false;
    };
  }, []);
  const why = `Replay is off: start mizu with ${ri?.flag ?? '--enable-replay'} (or --set tap.replay=true) to let the hub send requests on your behalf`;
  const enabled = ri?.enabled === true;
  return (
    <>
      <button
        className={open ? 'btn primary' : 'btn'}
        onClick={onOpen}
        disabled={!enabled}
        title={enabled ? 'Edit and resend this request from the hub' : why}
        data-testid="replay-open"
      >
        Replay
      </button>
      {ri && !enabled && (
        <span className="muted small" data-testid="replay-disabled">
          replay off (--enable-replay)
        </span>
      )}
    </>
  );
}

type Outcome = { ok: ReplayResult } | { error: string; kind?: string; elapsedMs?: number };

export function ReplayPanel({ entry }: { entry: Entry }) {
  const [form, setForm] = useState<ReplayForm>(() => replayFormFrom(entry));
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const set = (k: keyof ReplayForm) => (e: { target: { value: string; checked?: boolean } }) =>
    setForm((f) => ({ ...f, [k]: k === 'http2' || k === 'insecure' ? Boolean(e.target.checked) : e.target.value }));

  const send = async () => {
    const b = replayBody(form);
    if (b.error || !b.body) {
      setOutcome({ error: b.error ?? 'invalid request' });
      return;
    }
    setBusy(true);
    try {
      const r = await fetch('/replay/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b.body) });
      const v = (await r.json()) as ReplayResult & { error?: string; kind?: string; elapsedMs?: number };
      setOutcome(r.ok ? { ok: v } : { error: v.error ?? `HTTP ${r.status}`, kind: v.kind, elapsedMs: v.elapsedMs });
    } catch (e) {
      setOutcome({ error: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };

  const resp = (entry.response ?? {}) as Record<string, unknown>;
  const content = resp.content as Body | undefined;
  const origHeaders = Object.entries((resp.headers ?? {}) as Record<string, unknown>).map(([name, value]) => ({ name, value: String(value) }));
  return (
    <section className="replay" data-testid="replay-panel">
      <div className="replay-line">
        <input className="replay-method" value={form.method} onChange={set('method')} aria-label="method" data-testid="replay-method" />
        <input className="replay-url" value={form.url} onChange={set('url')} aria-label="URL" data-testid="replay-url" spellCheck={false} />
        <label className="small">
          <input type="checkbox" checked={form.http2} onChange={set('http2')} data-testid="replay-http2" /> HTTP/2
        </label>
        {/^https:/i.test(form.url.trim()) && (
          <label className="small" title="Do not check the server's certificate (self-signed targets)">
            <input type="checkbox" checked={form.insecure} onChange={set('insecure')} data-testid="replay-insecure" /> insecure TLS
          </label>
        )}
        <button className="btn primary" onClick={() => void send()} disabled={busy} data-testid="replay-send">
          {busy ? 'Sending…' : 'Send'}
        </button>
      </div>
      <label className="small muted">headers (Name: value per line)</label>
      <textarea className="replay-headers" value={form.headers} onChange={set('headers')} rows={4} spellCheck={false} data-testid="replay-headers" />
      <label className="small muted">body{form.bodyBase64 ? ' (base64)' : ''}</label>
      <textarea className="replay-body" value={form.body} onChange={set('body')} rows={3} spellCheck={false} data-testid="replay-body" />
      {outcome && (
        <div className="replay-compare">
          <ResponseColumn
            title="Original"
            testid="replay-original"
            status={Number(resp.status ?? 0)}
            statusText={String(resp.statusText ?? '')}
            ms={entry.elapsedTime}
            headers={origHeaders}
            text={content?.text ?? ''}
            encoding={content?.encoding}
          />
          {'ok' in outcome ? (
            <ResponseColumn
              title="Replay"
              testid="replay-result"
              status={outcome.ok.response.status}
              statusText={outcome.ok.response.statusText}
              ms={outcome.ok.elapsedMs}
              headers={outcome.ok.response.headers}
              text={outcome.ok.response.content.text}
              encoding={outcome.ok.response.content.encoding}
              note={outcome.ok.truncated ? `body cut at ${outcome.ok.maxResponseBytes} bytes` : undefined}
            />
          ) : (
            <div className="replay-col" data-testid="replay-result">
              <h3>Replay</h3>
              <div className="error" data-testid="replay-error">
                {outcome.kind ? `${outcome.kind}: ` : ''}
                {outcome.error}
              </div>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

function ResponseColumn(p: {
  title: string;
  testid: string;
  status: number;
  statusText: string;
  ms?: number;
  headers: { name: string; value: string }[];
  text: string;
  encoding?: string;
  note?: string;
}) {
  return (
    <div className="replay-col" data-testid={p.testid}>
      <h3>{p.title}</h3>
      <div>
        <b data-testid={`${p.testid}-status`}>{p.status || '–'}</b> {p.statusText}{' '}
        {p.ms !== undefined && <span className="muted">{p.ms.toFixed(p.ms < 10 ? 2 : 0)} ms</span>}
      </div>
      <table className="kv">
        <tbody>
          {p.headers.map((h, i) => (
            <tr key={i}>
              <th>{h.name}</th>
              <td>{h.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <pre className="replay-text" data-testid={`${p.testid}-body`}>
        {p.encoding === 'base64' ? `(base64) ${p.text}` : p.text}
      </pre>
      {p.note && <div className="mark warn">{p.note}</div>}
    </div>
  );
}
