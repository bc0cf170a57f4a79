// The API spec view: the OpenAPI 3.1 documents the hub infers from HTTP traffic
// (GET /oas, /oas/{service}; docs/api.md), one per service, rendered compactly here
// (paths, methods, parameters, bodies' JSON Schemas and examples, status codes, counters)
// with a download button for the document itself. An own renderer rather than Redoc or
// swagger-ui: those bundles are each larger than this whole UI (see docs/api.md).

import { useEffect, useState } from 'react';
import { JsonView, collapseAllNested, darkStyles, defaultStyles } from 'react-json-view-lite';

type Json = Record<string, unknown>;

interface ServiceSummary {
  service: string;
  operations: number;
  entries: number;
  failures: number;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'trace'];

function obj(v: unknown): Json {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

function schemaType(s: unknown): string {
  const t = obj(s).type;
  const f = obj(s).format;
  const base = Array.isArray(t) ? t.join(' | ') : typeof t === 'string' ? t : 'any';
  return typeof f === 'string' ? `${base} (${f})` : base;
}

export function SpecView({ dark, onClose }: { dark: boolean; onClose: () => void }) {
  const [services, setServices] = useState<ServiceSummary[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [selected, setSelected] = useState<string | undefined>();
  const [doc, setDoc] = useState<Json | undefined>();

  useEffect(() => {
    let live = true;
    fetch('/oas?details=true')
      .then(async (r) => {
        const body = (await r.json()) as unknown;
        if (!r.ok) throw new Error(String(obj(body).error ?? `HTTP ${r.status}`));
        return body as ServiceSummary[];
      })
      .then((list) => {
        if (!live) return;
        setServices(list);
        setSelected((s) => s ?? list[0]?.service);
      })
      .catch((e: unknown) => live && setError(String(e instanceof Error ? e.message : e)));
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (!selected) return;
    let live = true;
    setDoc(undefined);
    fetch(`/oas/${encodeURIComponent(selected)}`)
      .then((r) => r.json() as Promise<Json>)
      .then((d) => live && setDoc(d))
      .catch((e: unknown) => live && setError(String(e)));
    return () => {
      live = false;
    };
  }, [selected]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  return (
    <div className="spec-back" onClick={onClose}>
      <section className="spec" data-testid="spec-view" onClick={(e) => e.stopPropagation()}>
        <header className="spec-head">
          <h2>API specs (inferred OpenAPI 3.1)</h2>
          {selected && (
            <a className="btn" data-testid="spec-download" href={`/oas/${encodeURIComponent(selected)}?download=true`} download>
              Download {selected}.openapi.json
            </a>
          )}
          <button className="btn" onClick={onClose} title="Close (Esc)">
            ✕
          </button>
        </header>
        <div className="spec-body">
          <nav className="spec-services">
            {error && <p className="error">{error}</p>}
            {services?.length === 0 && <p className="muted">No HTTP service seen yet.</p>}
            {services?.map((s) => (
              <button
                key={s.service}
                className={`spec-service${s.service === selected ? ' active' : ''}`}
                data-testid="spec-service"
                onClick={() => setSelected(s.service)}
                title={`${s.entries} requests, ${s.failures} failures`}
              >
                <span>{s.service}</span>
                <span className="muted small">
                  {s.operations} ops · {s.entries} req
                </span>
              </button>
            ))}
          </nav>
          <div className="spec-doc">{doc ? <Document doc={doc} dark={dark} /> : selected ? <p className="muted">loading…</p> : null}</div>
        </div>
      </section>
    </div>
  );
}

function Document({ doc, dark }: { doc: Json; dark: boolean }) {
  const info = obj(doc.info);
  const paths = obj(doc.paths);
  const total = obj(doc['x-counters-total']);
  const servers = Array.isArray(doc.servers) ? (doc.servers as Json[]) : [];
  return (
    <div>
      <h3 data-testid="spec-title">{String(info.title ?? '')}</h3>
      <p className="muted small">
        {servers.map((s) => String(s.url)).join(', ')} · {String(total.entries ?? 0)} requests · {String(total.failures ?? 0)} failures ·{' '}
        {Object.keys(paths).length} paths
      </p>
      {Object.entries(paths).map(([p, item]) => (
        <PathItem key={p} path={p} item={obj(item)} dark={dark} />
      ))}
    </div>
  );
}

function PathItem({ path, item, dark }: { path: string; item: Json; dark: boolean }) {
  const shared = Array.isArray(item.parameters) ? (item.parameters as Json[]) : [];
  return (
    <div className="spec-path">
      {METHODS.filter((m) => item[m]).map((m) => {
        const op = obj(item[m]);
        const c = obj(op['x-counters-total']);
        const lat = obj(op['x-latency-ms']);
        const params = [...shared, ...(Array.isArray(op.parameters) ? (op.parameters as Json[]) : [])];
        const responses = obj(op.responses);
        const body = obj(obj(op.requestBody).content);
        return (
          <details key={m} className="spec-op">
            <summary>
              <span className={`spec-method m-${m}`}>{m.toUpperCase()}</span>{' '}
              <code data-testid="spec-path">{path}</code>
              <span className="muted small">
                {' '}
                {String(c.entries ?? 0)} req · {String(c.failures ?? 0)} failed · p50 {String(lat.p50 ?? 0)} ms · p99 {String(lat.p99 ?? 0)} ms ·{' '}
                {Object.keys(responses).join(', ')}
              </span>
            </summary>
            {params.length > 0 && (
              <table className="kv">
                <thead>
                  <tr>
                    <th>parameter</th>
                    <th>in</th>
                    <th>type</th>
                    <th>required</th>
                    <th>example</th>
                  </tr>
                </thead>
                <tbody>
                  {params.map((p) => (
                    <tr key={`${String(p.in)}-${String(p.name)}`}>
                      <td>
                        <code>{String(p.name)}</code>
                      </td>
                      <td>{String(p.in)}</td>
                      <td>{schemaType(p.schema)}</td>
                      <td>{p.required ? 'yes' : 'no'}</td>
                      <td>
                        <code>{p.example === undefined ? '' : String(p.example)}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {Object.entries(body).map(([mt, media]) => (
              <Media key={`req-${mt}`} label={`request body · ${mt}`} media={obj(media)} dark={dark} />
            ))}
            {Object.entries(responses).map(([code, r]) => (
              <div key={code} className="spec-response">
                <b>{code}</b> {String(obj(r).description ?? '')}
                {Object.entries(obj(obj(r).content)).map(([mt, media]) => (
                  <Media key={mt} label={mt} media={obj(media)} dark={dark} />
                ))}
              </div>
            ))}
          </details>
        );
      })}
    </div>
  );
}

function Media({ label, media, dark }: { label: string; media: Json; dark: boolean }) {
  const style = dark ? darkStyles : defaultStyles;
  return (
    <div className="spec-media">
      <div className="muted small">
        {label} · schema {schemaType(media.schema)}
      </div>
      <JsonView data={obj(media.schema)} shouldExpandNode={collapseAllNested} style={style} />
      {media.example !== undefined && (
        <>
          <div className="muted small">example</div>
          {typeof media.example === 'object' && media.example !== null ? (
            <JsonView data={media.example as Json} shouldExpandNode={collapseAllNested} style={style} />
          ) : (
            <pre className="spec-example">{String(media.example)}</pre>
          )}
        </>
      )}
    </div>
  );
}
