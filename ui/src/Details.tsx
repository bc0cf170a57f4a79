// The details pane: one entry's request and response, per protocol.

import { useEffect, useState, type ReactNode } from 'react';
import { JsonView, allExpanded, collapseAllNested, darkStyles, defaultStyles } from 'react-json-view-lite';
import 'react-json-view-lite/dist/index.css';
import { fetchEntry } from './api';
import { RulesTab } from './RulesTab';
import { Plus } from './TrafficList';
import { ReplayButton, ReplayPanel } from './Replay';
import type { BaseEntry, Body, Entry } from './types';
import {
  bodyKind,
  bodyBytes,
  childSelector,
  decodeBase64,
  endpointLabel,
  fieldClause,
  flatten,
  formatBytes,
  formatLatency,
  hexDump,
  permalink,
  prettyJson,
  prettyXml,
  statusClass,
  toCurl,
  toHar,
} from './logic';

type Add = (clause: string) => void;

interface Props {
  id: string;
  query: string;
  dark: boolean;
  onAddClause: Add;
  onClose: () => void;
}

export function Details({ id, query, dark, onAddClause, onClose }: Props) {
  const [state, setState] = useState<{ id: string; entry?: Entry; base?: BaseEntry; error?: string }>({ id });
  const [tab, setTab] = useState<'request' | 'response' | 'rules' | 'raw'>('request');
  const [copied, setCopied] = useState('');
  const [replaying, setReplaying] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    fetchEntry(id, query)
      .then((r) => live && setState({ id, entry: r.data, base: r.base }))
      .catch((e: unknown) => live && setState({ id, error: e instanceof Error ? e.message : String(e) }));
    return () => {
      live = false;
    };
  }, [id, query]);

  const { entry, base } = state.id === id ? state : { entry: undefined, base: undefined };
  const error = state.id === id ? state.error : undefined;

  const copy = (what: string, text: string) => {
    const done = () => {
      setCopied(what);
      setTimeout(() => setCopied(''), 1500);
    };
    if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text, done));
    else fallbackCopy(text, done);
  };

  if (error) {
    return (
      <section className="details" data-testid="details">
        <div className="empty error">Could not load entry {id}: {error}</div>
      </section>
    );
  }
  if (!entry || !base) {
    return (
      <section className="details" data-testid="details">
        <div className="empty muted">loading…</div>
      </section>
    );
  }
  const isHttp = entry.protocol.name === 'http';
  return (
    <section className="details" data-testid="details" data-entry-id={entry.id}>
      <header className="details-head">
        <span className="badge big" style={{ background: base.proto.backgroundColor, color: base.proto.foregroundColor }}>
          {base.proto.abbr}
        </span>
        <div className="details-title">
          <div>
            {base.proto.referenceLink ? (
              <a href={base.proto.referenceLink} target="_blank" rel="noreferrer noopener">
                {base.proto.longName}
              </a>
            ) : (
              base.proto.longName
            )}{' '}
            <span className="muted">{entry.protocol.version}</span>
          </div>
          <div className="summary-line">
            <span className={`status s-${statusClass(base.status, base.proto.name)}`}>{base.status || '–'}</span>{' '}
            <b>{base.method}</b> {base.summary}
          </div>
          <div className="muted small">
            {endpointLabel(entry.src)} → {endpointLabel(entry.dst)} · {new Date(entry.timestamp).toISOString()}
          </div>
        </div>
        <button className="btn" onClick={onClose} aria-label="close details" title="Close (Esc)">
          ✕
        </button>
      </header>
      <div className="facts">
        <Fact label="elapsed" value={formatLatency(entry.elapsedTime ?? base.latency, entry.elapsedMicros)} clause={`elapsedTime >= ${entry.elapsedTime ?? 0}`} onAdd={onAddClause} />
        <Fact label="request" value={formatBytes(entry.requestSize)} clause={`requestSize == ${entry.requestSize ?? 0}`} onAdd={onAddClause} />
        <Fact label="response" value={formatBytes(entry.responseSize)} clause={`responseSize == ${entry.responseSize ?? 0}`} onAdd={onAddClause} />
        {entry.namespace && <Fact label="namespace" value={entry.namespace} clause={fieldClause('namespace', entry.namespace)} onAdd={onAddClause} />}
        {entry.node?.name && <Fact label="node" value={entry.node.name} clause={fieldClause('node.name', entry.node.name)} onAdd={onAddClause} />}
        {entry.truncated && <span className="mark warn">✂ truncated</span>}
        {entry.gap && <span className="mark err">⚠ gap</span>}
      </div>
      {entry.diagnostics && entry.diagnostics.length > 0 && (
        <ul className="diagnostics" data-testid="diagnostics">
          {entry.diagnostics.map((d, i) => (
            <li key={i}>⚠ {d}</li>
          ))}
        </ul>
      )}
      <div className="actions">
        {isHttp && (
          <button className="btn" onClick={() => copy('curl', toCurl(entry))} data-testid="copy-curl">
            Copy as curl
          </button>
        )}
        {isHttp && (
          <button className="btn" onClick={() => download(`mizu-${entry.id}.har`, JSON.stringify(toHar([entry]), null, 2))}>
            Download as HAR
          </button>
        )}
        <button className="btn" onClick={() => copy('link', permalink(location.origin, entry.id, query))} data-testid="permalink">
          Copy permalink
        </button>
        {isHttp && <ReplayButton open={replaying === entry.id} onOpen={() => setReplaying((r) => (r === entry.id ? undefined : entry.id))} />}
        {copied && <span className="muted">copied {copied}</span>}
      </div>
      {isHttp && replaying === entry.id && <ReplayPanel key={entry.id} entry={entry} />}
      <nav className="tabs" role="tablist">
        {(entry.rules ? (['request', 'response', 'rules', 'raw'] as const) : (['request', 'response', 'raw'] as const)).map((t) => (
          <button key={t} role="tab" aria-selected={tab === t} className={tab === t ? 'tab active' : 'tab'} onClick={() => setTab(t)} data-testid={`tab-${t}`}>
            {t === 'raw' ? 'Raw JSON' : t === 'rules' ? `Rules (${entry.rules?.numberOfRules ?? 0})` : t[0]?.toUpperCase() + t.slice(1)}
          </button>
        ))}
      </nav>
      <div className="tab-body" data-testid="tab-body">
        {tab === 'raw' ? (
          <JsonView data={entry} shouldExpandNode={collapseAllNested} style={dark ? darkStyles : defaultStyles} />
        ) : tab === 'rules' ? (
          <RulesTab rules={entry.rules} />
        ) : isHttp ? (
          <HttpSide entry={entry} side={tab} onAdd={onAddClause} dark={dark} />
        ) : (
          <GenericSide entry={entry} side={tab} onAdd={onAddClause} dark={dark} />
        )}
      </div>
    </section>
  );
}

function fallbackCopy(text: string, done: () => void) {
  const ta = document.createElement('textarea');
  ta.value = text;
  document.body.appendChild(ta);
  ta.select();
  try {
    document.execCommand('copy');
    done();
  } finally {
    ta.remove();
  }
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function Fact({ label, value, clause, onAdd }: { label: string; value: string; clause: string; onAdd: Add }) {
  return (
    <span className="fact">
      <span className="muted">{label}</span> {value}
      <Plus clause={clause} onAdd={onAdd} />
    </span>
  );
}

function Section({ title, children, testid }: { title: string; children: ReactNode; testid?: string }) {
  return (
    <section className="section" data-testid={testid}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}

/** Rows of `[label, value, selector]`: each value with a "+" for `selector == value`. */
function KvTable({ rows, onAdd }: { rows: [string, unknown, string][]; onAdd: Add }) {
  if (rows.length === 0) return <div className="muted small">none</div>;
  return (
    <table className="kv">
      <tbody>
        {rows.map(([k, v, sel], i) => (
          <tr key={`${k}-${i}`}>
            <th>{k}</th>
            <td>
              <span className="val">{typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}</span>
              {sel && (typeof v !== 'object' || v === null) && <Plus clause={fieldClause(sel, v)} onAdd={onAdd} />}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function objRows(obj: unknown, selector: string): [string, unknown, string][] {
  if (!obj || typeof obj !== 'object') return [];
  const out: [string, unknown, string][] = [];
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if (Array.isArray(v)) v.forEach((x, i) => out.push([k, x, childSelector(childSelector(selector, k), i)]));
    else out.push([k, v, childSelector(selector, k)]);
  }
  return out;
}

function HttpSide({ entry, side, onAdd, dark }: { entry: Entry; side: 'request' | 'response'; onAdd: Add; dark: boolean }) {
  const m = (side === 'request' ? entry.request : entry.response) ?? {};
  type Grpc = { service?: string; method?: string; messages?: GrpcMessage[] };
  const grpc = m.grpc as Grpc | undefined;
  const reqGrpc = (entry.request?.grpc as Grpc | undefined) ?? grpc;
  const summary: [string, unknown, string][] =
    side === 'request'
      ? [
          ['method', m.method, 'request.method'],
          ['url', m.url, 'request.url'],
          ['path', m.path, 'request.path'],
          ['version', m.httpVersion, 'request.httpVersion'],
        ]
      : [
          ['status', m.status, 'response.status'],
          ['status text', m.statusText, 'response.statusText'],
          ['version', m.httpVersion, 'response.httpVersion'],
        ];
  const body = (side === 'request' ? m.postData : m.content) as Body | undefined;
  const bodySel = side === 'request' ? 'request.postData' : 'response.content';
  return (
    <div data-testid={`side-${side}`}>
      <Section title="Summary">
        <KvTable rows={summary.filter(([, v]) => v !== undefined && v !== '')} onAdd={onAdd} />
      </Section>
      <Section title="Headers" testid="headers">
        <KvTable rows={objRows(m.headers, `${side}.headers`)} onAdd={onAdd} />
      </Section>
      {m.cookies !== undefined && Object.keys(m.cookies as object).length > 0 && (
        <Section title="Cookies">
          <KvTable rows={objRows(m.cookies, `${side}.cookies`)} onAdd={onAdd} />
        </Section>
      )}
      {side === 'request' && m.queryString !== undefined && Object.keys(m.queryString as object).length > 0 && (
        <Section title="Query string">
          <KvTable rows={objRows(m.queryString, 'request.queryString')} onAdd={onAdd} />
        </Section>
      )}
      {m.trailers !== undefined && (
        <Section title="Trailers">
          <KvTable rows={objRows(m.trailers, `${side}.trailers`)} onAdd={onAdd} />
        </Section>
      )}
      {grpc && (
        <Section title={`gRPC messages · ${reqGrpc?.service ?? ''}/${reqGrpc?.method ?? ''}`} testid="grpc">
          {(grpc.messages ?? []).length === 0 && <div className="muted small">no messages</div>}
          {(grpc.messages ?? []).map((msg, i) => (
            <div key={i} className="grpc-msg" data-testid="grpc-message">
              <div className="muted small">
                #{i + 1} · {msg.time ?? new Date(msg.timestamp ?? 0).toISOString()} · {msg.length ?? 0} bytes
                {msg.compressed ? ' · compressed' : ''}
                {msg.truncated ? ' · truncated' : ''}
              </div>
              {msg.data !== undefined ? (
                <JsonView data={msg.data as object} shouldExpandNode={allExpanded} style={dark ? darkStyles : defaultStyles} />
              ) : (
                <pre className="code">{hexDump(decodeBase64(msg.raw ?? ''))}</pre>
              )}
            </div>
          ))}
        </Section>
      )}
      <Section title={`Body${body?.size !== undefined ? ` (${formatBytes(body.size)})` : ''}`} testid="body">
        <BodyView body={body} selector={bodySel} onAdd={onAdd} dark={dark} />
      </Section>
    </div>
  );
}

interface GrpcMessage {
  timestamp?: number;
  time?: string;
  compressed?: boolean;
  length?: number;
  data?: unknown;
  raw?: string;
  truncated?: boolean;
}

const PRETTY_LIMIT = 1024 * 1024;

export function BodyView({ body, selector, onAdd, dark }: { body: Body | undefined; selector: string; onAdd: Add; dark: boolean }) {
  const [mode, setMode] = useState<'pretty' | 'raw'>('pretty');
  const kind = bodyKind(body);
  if (!body || kind === 'none') return <div className="muted small">no body</div>;
  const text = body.text ?? '';
  const big = text.length > PRETTY_LIMIT;
  let view: ReactNode;
  if (mode === 'raw' || big) {
    view = <pre className="code">{body.encoding === 'base64' ? hexDump(decodeBase64(text)) : text}</pre>;
  } else {
    switch (kind) {
      case 'json': {
        let data: unknown = null;
        try {
          data = JSON.parse(text);
        } catch {
          data = text;
        }
        view =
          data !== null && typeof data === 'object' ? (
            <JsonView data={data as object} shouldExpandNode={allExpanded} style={dark ? darkStyles : defaultStyles} />
          ) : (
            <pre className="code">{prettyJson(text)}</pre>
          );
        break;
      }
      case 'xml':
      case 'html':
        view = <Markup text={prettyXml(text)} />;
        break;
      case 'image':
        view = <img className="preview" alt="body" src={`data:${body.mimeType ?? 'image/png'};base64,${text}`} />;
        break;
      case 'binary':
        view = <pre className="code">{hexDump(bodyBytes(body))}</pre>;
        break;
      case 'form':
      case 'multipart':
        view = (
          <table className="kv">
            <tbody>
              {(body.params ?? []).map((p, i) => (
                <tr key={i}>
                  <th>{p.name}</th>
                  <td>
                    {p.fileName && <span className="muted">{p.fileName} </span>}
                    {p.contentType && <span className="muted">({p.contentType}) </span>}
                    <span className="val">{p.value ?? ''}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        );
        break;
      default:
        view = <pre className="code">{text}</pre>;
    }
  }
  return (
    <div className="body">
      <div className="body-bar small muted">
        {body.mimeType}
        {body.compression && ` · ${body.compression}`}
        {body.encoding === 'base64' && ' · binary'}
        {body.truncated && ' · truncated'}
        {big && ' · over 1 MiB, shown raw'}
        <Plus clause={fieldClause(`${selector}.mimeType`, body.mimeType ?? '')} onAdd={onAdd} />
        <span className="spacer" />
        <button className={`link${mode === 'pretty' ? ' on' : ''}`} onClick={() => setMode('pretty')}>
          pretty
        </button>
        <button className={`link${mode === 'raw' ? ' on' : ''}`} onClick={() => setMode('raw')}>
          raw
        </button>
      </div>
      {view}
    </div>
  );
}

/** XML/HTML with tags, attributes and text in colour (display only). */
function Markup({ text }: { text: string }) {
  const parts = text.split(/(<[^>]*>)/);
  return (
    <pre className="code">
      {parts.map((p, i) => {
        if (!p.startsWith('<')) return <span key={i}>{p}</span>;
        const m = /^(<\/?[!?]?[\w:.-]*)([\s\S]*?)(\/?>)$/.exec(p);
        if (!m) return <span key={i} className="hl-tag">{p}</span>;
        const attrs = (m[2] ?? '').split(/("[^"]*"|'[^']*')/);
        return (
          <span key={i}>
            <span className="hl-tag">{m[1]}</span>
            {attrs.map((a, j) => (
              <span key={j} className={a.startsWith('"') || a.startsWith("'") ? 'hl-string' : 'hl-attr'}>
                {a}
              </span>
            ))}
            <span className="hl-tag">{m[3]}</span>
          </span>
        );
      })}
    </pre>
  );
}

/** Kafka, AMQP, Redis (and anything else): decoded fields as a table, then raw JSON. */
function GenericSide({ entry, side, onAdd, dark }: { entry: Entry; side: 'request' | 'response'; onAdd: Add; dark: boolean }) {
  const m = side === 'request' ? entry.request : entry.response;
  if (!m) {
    return (
      <div className="empty muted" data-testid={`side-${side}`}>
        No {side} captured{side === 'response' ? ' (one-way message, or the answer was never seen)' : ''}.
      </div>
    );
  }
  const body = m.body as Body | undefined;
  const fields = flatten(
    Object.fromEntries(Object.entries(m).filter(([k]) => k !== 'body')),
    side,
  ).map(([sel, v]) => [sel.slice(side.length + 1), v, sel] as [string, unknown, string]);
  return (
    <div data-testid={`side-${side}`}>
      <Section title="Fields" testid="fields">
        <KvTable rows={fields} onAdd={onAdd} />
      </Section>
      {body && typeof body === 'object' && 'text' in body && (
        <Section title="Body" testid="body">
          <BodyView body={body} selector={`${side}.body`} onAdd={onAdd} dark={dark} />
        </Section>
      )}
      <Section title="JSON">
        <JsonView data={m} shouldExpandNode={collapseAllNested} style={dark ? darkStyles : defaultStyles} />
      </Section>
    </div>
  );
}
