// The traffic stats view (issue 17): GET /status/trafficStats. Share per protocol and
// method (bars), a timeline of at most 30 bars (uPlot, stacked per protocol; the range
// selector zooms), status classes over time, and the top endpoints by count, errors and
// p99 latency.

import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatBytes } from './logic';

interface MethodStats {
  name: string;
  entriesCount: number;
  volumeSizeBytes: number;
}
interface ProtocolStats extends MethodStats {
  color: string;
  methods: MethodStats[];
}
interface Endpoint {
  protocol: string;
  service: string;
  method: string;
  path: string;
  count: number;
  errors: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
}
export interface StatsView {
  protocols: string[];
  pie: ProtocolStats[];
  timeline: { timestamp: number; protocols: ProtocolStats[] }[];
  statusClasses: { timestamp: number; classes: Record<string, number> }[];
  topEndpoints: { byCount: Endpoint[]; byErrors: Endpoint[]; byP99: Endpoint[] };
  barMs: number;
  startTimeMs: number;
  endTimeMs: number;
  entriesCount: number;
}

const CLASS_COLORS: Record<string, string> = {
  '1xx': '#6b7280',
  '2xx': '#16a34a',
  '3xx': '#0ea5e9',
  '4xx': '#f59e0b',
  '5xx': '#dc2626',
  ok: '#22c55e',
  error: '#b91c1c',
};

/** Stacked series: for each x, the running sum of the series before and including it. */
export function stack(series: number[][]): number[][] {
  const out: number[][] = [];
  let prev: number[] | undefined;
  for (const s of series) {
    const below = prev;
    prev = s.map((v, j) => v + (below?.[j] ?? 0));
    out.push(prev);
  }
  return out;
}

function Chart({ xs, barMs, series, testid }: { xs: number[]; barMs: number; series: { label: string; color: string; values: number[] }[]; testid: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current || xs.length === 0) return;
    const stacked = stack(series.map((s) => s.values));
    // Draw the largest cumulative first so smaller ones stay visible in front.
    const order = series.map((s, i) => ({ s, values: stacked[i] ?? [] })).reverse();
    const bars = uPlot.paths.bars?.({ size: [0.7, 60] });
    const u = new uPlot(
      {
        width: Math.max(300, el.current.clientWidth),
        height: 180,
        scales: {
          // Half a bar of room on each side, and counts from 0.
          x: { time: true, range: [(xs[0] ?? 0) / 1000 - barMs / 2000, (xs[xs.length - 1] ?? 0) / 1000 + barMs / 2000] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
        },
        series: [{}, ...order.map(({ s }) => ({ label: s.label, fill: s.color, stroke: s.color, paths: bars, points: { show: false } }))],
        axes: [{}, { size: 50 }],
        legend: { show: true },
      },
      [xs.map((x) => x / 1000), ...order.map(({ values }) => values)],
      el.current,
    );
    return () => u.destroy();
  }, [xs, barMs, series]);
  return <div ref={el} data-testid={testid} className="chart" />;
}

const RANGES: [string, number][] = [
  ['all', 0],
  ['last 6 h', 360],
  ['last 1 h', 60],
  ['last 30 min', 30],
  ['last 15 min', 15],
];

export function Stats({ onFilter }: { onFilter: (f: string) => void }) {
  const [minutes, setMinutes] = useState(0);
  const [metric, setMetric] = useState<'entriesCount' | 'volumeSizeBytes'>('entriesCount');
  const [data, setData] = useState<StatsView | undefined>();
  const [latest, setLatest] = useState<number | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const p = new URLSearchParams();
    // Ranges count back from the newest data (a capture read from a file is not "now").
    if (minutes && latest) {
      p.set('startTimeMs', String(latest - minutes * 60000));
      p.set('endTimeMs', String(latest));
    }
    const ac = new AbortController();
    fetch(`/status/trafficStats?${p.toString()}`, { signal: ac.signal })
      .then(async (r) => {
        const body = (await r.json()) as StatsView & { error?: string };
        if (!r.ok) throw new Error(body.error ?? `HTTP ${r.status}`);
        setData(body);
        if (!minutes) setLatest(body.endTimeMs);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (!ac.signal.aborted) setError(String(e));
      });
    return () => ac.abort();
  }, [minutes, latest, tick]);

  const timeline = useMemo(() => {
    if (!data) return { xs: [] as number[], series: [] };
    const xs = data.timeline.map((b) => b.timestamp);
    const series = data.protocols.map((p) => ({
      label: p,
      color: data.pie.find((x) => x.name === p)?.color ?? '#888',
      values: data.timeline.map((b) => b.protocols.find((x) => x.name === p)?.[metric] ?? 0),
    }));
    return { xs, series };
  }, [data, metric]);
  const classes = useMemo(() => {
    if (!data) return { xs: [] as number[], series: [] };
    const names = Object.keys(CLASS_COLORS).filter((c) => data.statusClasses.some((b) => b.classes[c]));
    return {
      xs: data.statusClasses.map((b) => b.timestamp),
      series: names.map((c) => ({ label: c, color: CLASS_COLORS[c] ?? '#888', values: data.statusClasses.map((b) => b.classes[c] ?? 0) })),
    };
  }, [data]);

  const total = data ? data.pie.reduce((a, p) => a + p[metric], 0) : 0;
  const fmt = (v: number) => (metric === 'volumeSizeBytes' ? formatBytes(v) : v.toLocaleString('en-US'));
  const endpointFilter = (e: Endpoint) => {
    const q = (s: string) => JSON.stringify(s);
    const parts = [`protocol.abbr == ${q(e.protocol)}`];
    if (e.path) parts.push(`request.path == ${q(e.path)}`);
    return parts.join(' and ');
  };

  return (
    <div className="analysis-view" data-testid="stats">
      <div className="analysis-bar">
        <b>Traffic stats</b>
        <label>
          <select data-testid="stats-range" value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
            {RANGES.map(([l, m]) => (
              <option key={m} value={m}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          <select value={metric} onChange={(e) => setMetric(e.target.value as typeof metric)}>
            <option value="entriesCount">requests</option>
            <option value="volumeSizeBytes">volume</option>
          </select>
        </label>
        <span className="spacer" />
        <button className="btn" onClick={() => setTick((t) => t + 1)}>
          ↻ Refresh
        </button>
      </div>
      {error && <div className="empty error">{error}</div>}
      {data && (
        <>
          <div className="muted small analysis-meta">
            {data.entriesCount.toLocaleString('en-US')} entries
            {data.startTimeMs ? ` · ${new Date(data.startTimeMs).toISOString()} – ${new Date(data.endTimeMs).toISOString()}` : ''} · bars of{' '}
            {data.barMs / 60000} min
          </div>
          <div className="stats-share" data-testid="stats-protocols">
            {data.pie.map((p) => (
              <div key={p.name} className="share-row" data-testid="stats-protocol" data-protocol={p.name}>
                <span className="share-name">{p.name}</span>
                <span className="share-bar">
                  <span style={{ width: `${total ? (100 * p[metric]) / total : 0}%`, background: p.color }} />
                </span>
                <span className="share-val">{fmt(p[metric])}</span>
                <span className="share-methods muted">
                  {p.methods.slice(0, 8).map((m) => `${m.name} ${fmt(m[metric])}`).join(' · ')}
                  {p.methods.length > 8 ? ` · +${p.methods.length - 8}` : ''}
                </span>
              </div>
            ))}
          </div>
          <h4>Timeline per protocol</h4>
          <Chart xs={timeline.xs} barMs={data.barMs} series={timeline.series} testid="stats-timeline" />
          <h4>Status classes</h4>
          <Chart xs={classes.xs} barMs={data.barMs} series={classes.series} testid="stats-classes" />
          {(
            [
              ['Top endpoints by requests', data.topEndpoints.byCount],
              ['Top endpoints by errors', data.topEndpoints.byErrors],
              ['Top endpoints by p99 latency', data.topEndpoints.byP99],
            ] as [string, Endpoint[]][]
          ).map(([title, list]) => (
            <div key={title}>
              <h4>{title}</h4>
              <table className="analysis-table">
                <thead>
                  <tr>
                    <th>protocol</th>
                    <th>service</th>
                    <th>method</th>
                    <th>path</th>
                    <th>requests</th>
                    <th>errors</th>
                    <th>p50 ms</th>
                    <th>p99 ms</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((e, i) => (
                    <tr key={i} className="clickable" onClick={() => onFilter(endpointFilter(e))}>
                      <td>{e.protocol}</td>
                      <td>{e.service}</td>
                      <td>{e.method}</td>
                      <td>{e.path}</td>
                      <td>{e.count}</td>
                      <td>{e.errors}</td>
                      <td>{e.latencyMs.p50}</td>
                      <td>{e.latencyMs.p99}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </>
      )}
    </div>
  );
}
