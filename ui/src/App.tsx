import { useCallback, useEffect, useRef, useState } from 'react';
import { EntryStream, fetchOlder, fetchStatus, type Toast } from './api';
import { Details } from './Details';
import { ExportButtons } from './Export';
import { FilterBar } from './FilterBar';
import { ServiceMap } from './ServiceMap';
import { Stats } from './Stats';
import { SpecView } from './SpecView';
import { LiveBuffer, RowStore, appendClause, formatBytes, parseUrl } from './logic';
import { TrafficList, type ListHandle } from './TrafficList';
import type { HubStatus, Meta } from './types';

type Theme = 'system' | 'light' | 'dark';
type Conn = 'connecting' | 'open' | 'closed';

/** How often buffered live entries are rendered (ms): one React update per tick at most. */
const FLUSH_MS = 100;
/** History rows fetched with a query; older ones load as you scroll up. */
const HISTORY = 1000;
const PAGE = 2000;

function useSystemDark(): boolean {
  const mq = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
  const [dark, setDark] = useState(mq?.matches ?? false);
  useEffect(() => {
    if (!mq) return;
    const f = (e: MediaQueryListEvent) => setDark(e.matches);
    mq.addEventListener('change', f);
    return () => mq.removeEventListener('change', f);
  }, [mq]);
  return dark;
}

export function App() {
  const initial = useRef(parseUrl(location.search));
  const [draft, setDraft] = useState(initial.current.q);
  const [query, setQuery] = useState(initial.current.q);
  const [openId, setOpenId] = useState<string | undefined>(initial.current.entry);
  const [cursor, setCursor] = useState(-1);
  const [version, setVersion] = useState(0);
  const [paused, setPaused] = useState(false);
  const [specs, setSpecs] = useState(false);
  const [held, setHeld] = useState(0);
  const [atBottom, setAtBottom] = useState(true);
  const [conn, setConn] = useState<Conn>('connecting');
  const [meta, setMeta] = useState<Meta | undefined>();
  const [status, setStatus] = useState<HubStatus | undefined>();
  const [statusErr, setStatusErr] = useState(false);
  const [toasts, setToasts] = useState<(Toast & { id: number })[]>([]);
  const [olderState, setOlderState] = useState<'idle' | 'loading' | 'done'>('idle');
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem('mizu.theme') as Theme | null) ?? 'system');
  const systemDark = useSystemDark();
  const dark = theme === 'dark' || (theme === 'system' && systemDark);

  const store = useRef(new RowStore()).current;
  const buffer = useRef(new LiveBuffer()).current;
  const list = useRef<ListHandle>(null);
  const filterFocus = useRef<{ focus: () => void } | null>(null);
  const stream = useRef<EntryStream | null>(null);

  useEffect(() => {
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
    localStorage.setItem('mizu.theme', theme);
  }, [dark, theme]);

  const toast = useCallback((t: Toast) => {
    const id = Date.now() + Math.random();
    setToasts((ts) => [...ts.slice(-3), { ...t, id }]);
    setTimeout(() => setToasts((ts) => ts.filter((x) => x.id !== id)), 6000);
  }, []);

  // The WebSocket: entries go to the buffer; a timer renders them in batches.
  useEffect(() => {
    const s = new EntryStream({
      onEntries: (es) => buffer.pushAll(es),
      onMeta: (m) => setMeta(m),
      onToast: toast,
      onState: setConn,
    });
    stream.current = s;
    return () => s.stop();
  }, [buffer, toast]);

  useEffect(() => {
    store.clear();
    buffer.clear();
    setMeta(undefined);
    setCursor(-1);
    setOlderState('idle');
    setVersion((v) => v + 1);
    stream.current?.start(query, HISTORY);
    const u = new URL(location.href);
    if (query) u.searchParams.set('q', query);
    else u.searchParams.delete('q');
    history.replaceState(null, '', u);
  }, [query, store, buffer]);

  useEffect(() => {
    const u = new URL(location.href);
    if (openId) u.searchParams.set('entry', openId);
    else u.searchParams.delete('entry');
    history.replaceState(null, '', u);
  }, [openId]);

  useEffect(() => {
    const t = setInterval(() => {
      const batch = buffer.take();
      if (batch.length) {
        store.append(batch);
        setVersion(store.version);
      }
      setHeld(buffer.paused ? buffer.size : 0);
    }, FLUSH_MS);
    return () => clearInterval(t);
  }, [buffer, store]);

  // A mark per rendered batch, so tests (and users' scripts) can measure live latency.
  useEffect(() => {
    const newest = store.newestId;
    if (newest) performance.mark('mizu:rows', { detail: { newestId: newest, rows: store.rows.length, wall: Date.now() } });
  }, [version, store]);

  useEffect(() => {
    buffer.paused = paused;
  }, [paused, buffer]);

  // Hub status every 2 s.
  useEffect(() => {
    let live = true;
    const poll = () =>
      fetchStatus()
        .then((s) => {
          if (!live) return;
          setStatus(s);
          setStatusErr(false);
        })
        .catch(() => live && setStatusErr(true));
    void poll();
    const t = setInterval(poll, 2000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, []);

  const loadOlder = useCallback(() => {
    const oldest = store.oldestId;
    if (!oldest || olderState !== 'idle' || !meta) return;
    setOlderState('loading');
    fetchOlder(oldest, query, PAGE)
      .then((r) => {
        store.prependOlder(r.data);
        setVersion(store.version);
        setCursor((c) => (c >= 0 ? c + r.data.length : c));
        setOlderState(r.meta.noMoreData && !r.meta.timedOut ? 'done' : 'idle');
      })
      .catch(() => setOlderState('idle'));
  }, [store, olderState, meta, query]);

  const addClause = useCallback((c: string) => setDraft((d) => appendClause(d, c)), []);
  const apply = useCallback((q: string) => setQuery(q.trim()), []);
  const [view, setView] = useState<'list' | 'map' | 'stats'>('list');
  const showInList = useCallback((f: string) => {
    setDraft(f);
    setQuery(f.trim());
    setView('list');
  }, []);
  const select = useCallback(
    (i: number) => {
      setCursor(i);
      setOpenId(store.rows[i]?.id);
    },
    [store],
  );

  // Keyboard: up/down move, Enter opens, Esc closes, / focuses the filter.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      const typing = t && (t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA');
      if (e.key === '/' && !typing) {
        e.preventDefault();
        filterFocus.current?.focus();
        return;
      }
      if (typing) return;
      const n = store.rows.length;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setCursor((c) => {
          const start = c < 0 ? n - 1 : c;
          const next = Math.max(0, Math.min(n - 1, start + (e.key === 'ArrowDown' ? 1 : -1)));
          list.current?.scrollTo(next);
          return next;
        });
      } else if (e.key === 'Enter') {
        setCursor((c) => {
          if (c >= 0) setOpenId(store.rows[c]?.id);
          return c;
        });
      } else if (e.key === 'Escape') {
        setOpenId(undefined);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  const rows = store.rows.length;
  const hubDown = conn === 'closed' || statusErr;
  const truncatedTs = meta?.truncatedTimestamp || status?.store.truncatedTimestamp || 0;

  return (
    <div className="app">
      <header className="top">
        <div className="brand">
          <svg className="logo" width="18" height="14" viewBox="0 0 18 14" aria-hidden>
            <path d="M1 4c2-2 4-2 6 0s4 2 6 0 3-2 4-1M1 10c2-2 4-2 6 0s4 2 6 0 3-2 4-1" fill="none" stroke="currentColor" strokeWidth="2" />
          </svg>{' '}
          mizu
        </div>
        <FilterBar value={draft} applied={query} onChange={setDraft} onApply={apply} focusRef={filterFocus} />
        <div className="top-actions">
          <button className={`btn ${view === 'map' ? 'primary' : ''}`} data-testid="view-map" onClick={() => setView((v) => (v === 'map' ? 'list' : 'map'))}>
            Service Map
          </button>
          <button className={`btn ${view === 'stats' ? 'primary' : ''}`} data-testid="view-stats" onClick={() => setView((v) => (v === 'stats' ? 'list' : 'stats'))}>
            Traffic Stats
          </button>
          <button className="btn" data-testid="spec-button" onClick={() => setSpecs(true)} title="OpenAPI documents inferred from the HTTP traffic, per service">
            API specs
          </button>
          <ExportButtons query={query} />
          <button
            className={`btn ${paused ? 'primary' : ''}`}
            data-testid="pause"
            onClick={() => setPaused((p) => !p)}
            title={paused ? 'Resume the live stream' : 'Pause the live stream (entries are held, not lost)'}
          >
            {paused ? `▶ Resume${held ? ` (${held} new)` : ''}` : '❚❚ Pause'}
          </button>
          <button
            className="btn"
            title="Theme: system, light, dark"
            data-testid="theme"
            onClick={() => setTheme((t) => (t === 'system' ? (systemDark ? 'light' : 'dark') : t === 'dark' ? 'light' : 'dark'))}
          >
            {dark ? '☾' : '☀'}
          </button>
        </div>
      </header>
      {view === 'map' && <ServiceMap query={query} dark={dark} onFilter={showInList} />}
      {view === 'stats' && <Stats onFilter={showInList} />}
      <main className={`panes ${openId ? 'with-details' : ''}`} style={view === 'list' ? undefined : { display: 'none' }}>
        <div className="list-pane">
          <div className="list-head" aria-hidden>
            <span className="badge">proto</span>
            <span className="status">status</span>
            <span className="method">method</span>
            <span className="summary">path / summary</span>
            <span className="marks" />
            <span className="endpoints">source → destination</span>
            <span className="node">node</span>
            <span className="latency">latency</span>
            <span className="time">time (UTC)</span>
          </div>
          {olderState === 'loading' && <div className="loading-older muted small">loading older entries…</div>}
          {rows === 0 ? (
            <EmptyState conn={conn} hubDown={hubDown} meta={meta} query={query} />
          ) : (
            <TrafficList
              store={store}
              version={version}
              cursor={cursor}
              selectedId={openId}
              follow={!paused}
              onSelect={select}
              onAddClause={addClause}
              onAtBottom={setAtBottom}
              onStartReached={loadOlder}
              handle={list}
            />
          )}
          {!atBottom && rows > 0 && (
            <button className="btn primary jump" data-testid="jump-newest" onClick={() => list.current?.scrollToEnd()}>
              ↓ Jump to newest
            </button>
          )}
        </div>
        {openId && (
          <Details id={openId} query={query} dark={dark} onAddClause={addClause} onClose={() => setOpenId(undefined)} />
        )}
      </main>
      <footer className="statusbar" data-testid="statusbar">
        <span className={`dot ${hubDown ? 'down' : conn === 'open' ? 'up' : 'wait'}`} />
        <span data-testid="conn">
          {hubDown ? 'hub unreachable: is mizu still running? retrying…' : conn === 'open' ? (paused ? 'paused' : 'live') : 'connecting…'}
        </span>
        <span data-testid="row-count">
          {rows.toLocaleString('en-US')} rows
          {status ? ` · ${status.store.entries.toLocaleString('en-US')} stored` : meta ? ` · ${meta.total.toLocaleString('en-US')} stored` : ''}
        </span>
        {status && (
          <span title={`${status.store.bytes} of ${status.store.budget} bytes`}>
            store {formatBytes(status.store.bytes)} / {formatBytes(status.store.budget)}
            {status.store.persistent ? ' (on disk)' : ''}
          </span>
        )}
        {truncatedTs > 0 && (
          <span className="warn" data-testid="evicted">
            entries before {new Date(truncatedTs).toISOString()} were evicted
          </span>
        )}
        {status?.agents.map((a) => (
          <span key={`${a.agent}-${a.node}`} className="agent" title={`${a.remote}: ${a.ingested} stored, ${a.dropped} dropped, ${a.errors} errors`}>
            <span className={`dot ${a.connected ? 'up' : 'down'}`} /> {a.node || a.agent}: {a.packets.toLocaleString('en-US')} pkts,{' '}
            {a.drops.toLocaleString('en-US')} drops, {a.entries.toLocaleString('en-US')} entries
          </span>
        ))}
        <span className="spacer" />
        <span className="muted">{status ? `mizu ${status.version}` : ''}</span>
      </footer>
      {specs && <SpecView dark={dark} onClose={() => setSpecs(false)} />}
      <div className="toasts">
        {toasts.map((t) => (
          <div key={t.id} className={`toast ${t.type}`} role="status">
            {t.text}
          </div>
        ))}
      </div>
    </div>
  );
}

function EmptyState({ conn, hubDown, meta, query }: { conn: Conn; hubDown: boolean; meta?: Meta; query: string }) {
  if (hubDown) {
    return (
      <div className="empty error" data-testid="empty">
        <b>Hub unreachable: is mizu still running?</b>
        <p>Start it again (<code>mizu hub</code>, <code>mizu tap</code> or <code>mizu read FILE --serve</code>); this page reconnects by itself.</p>
      </div>
    );
  }
  if (conn !== 'open' || !meta) return <div className="empty muted" data-testid="empty">loading…</div>;
  if (meta.error) {
    return (
      <div className="empty error" data-testid="empty">
        <b>The filter is invalid:</b> {meta.error}
      </div>
    );
  }
  if (query) {
    return (
      <div className="empty" data-testid="empty">
        <b>No entries match this filter</b> (of {meta.total.toLocaleString('en-US')} stored). New matches appear here as
        they arrive.
      </div>
    );
  }
  return (
    <div className="empty" data-testid="empty">
      <b>No traffic yet.</b>
      <p>
        Generate some: run <code>curl http://SERVICE/</code> against a captured service, start an agent with{' '}
        <code>mizu tap</code>, or load a capture with <code>mizu read capture.pcap --serve</code>. Entries appear here live.
      </p>
    </div>
  );
}
