// The service map view (issue 17): GET /servicemap/get drawn with cytoscape (breadthfirst
// layout with avoidOverlap and label sizes counted: callers above callees, nodes and their
// labels never overlap). Edge width by request rate, colour a gradient by error rate; protocol and namespace checkboxes; clicking an edge
// (in the graph or in the table under it) sets the list's filter to that edge's clause.

import cytoscape from 'cytoscape';
import { useEffect, useMemo, useRef, useState } from 'react';

export interface MapNode {
  id: number;
  name: string;
  entry: { ip: string; port: string; name: string };
  namespace: string;
  count: number;
  resolved: boolean;
}
export interface MapEdge {
  source: number;
  destination: number;
  protocol: { name: string; abbr: string };
  count: number;
  errors: number;
  errorRate: number;
  rate: number;
  bytes: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  filter: string;
}
export interface MapView {
  status: { entriesProcessedCount: number; nodeCount: number; edgeCount: number; groupBy: string; overflow: { entries: number } };
  nodes: MapNode[];
  edges: MapEdge[];
  scan?: { matched: number; capped: boolean; timedOut: boolean; scanLimit: number };
}

/** Grey without errors; otherwise a gradient by error rate from amber (a few errors) to
 * red (half of the requests or more failing), so 1% and 60% do not look the same. */
export function errorColor(rate: number): string {
  if (!(rate > 0)) return '#9ca3af';
  const t = Math.min(rate / 0.5, 1);
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t).toString(16).padStart(2, '0');
  // #f59e0b (amber) → #dc2626 (red)
  return `#${mix(0xf5, 0xdc)}${mix(0x9e, 0x26)}${mix(0x0b, 0x26)}`;
}

/** 1..9 px, logarithmic in the rate relative to the busiest edge. */
export function edgeWidth(rate: number, maxRate: number): number {
  if (maxRate <= 0) return 1;
  return 1 + 8 * (Math.log1p(rate) / Math.log1p(maxRate));
}

export function ServiceMap({ query, dark, onFilter }: { query: string; dark: boolean; onFilter: (f: string) => void }) {
  const [groupBy, setGroupBy] = useState('name');
  const [useQuery, setUseQuery] = useState(false);
  const [data, setData] = useState<MapView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [hiddenProtos, setHiddenProtos] = useState<Set<string>>(new Set());
  const [hiddenNs, setHiddenNs] = useState<Set<string>>(new Set());
  const [tick, setTick] = useState(0);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const p = new URLSearchParams({ groupBy });
    if (useQuery && query) p.set('query', query);
    const ac = new AbortController();
    fetch(`/servicemap/get?${p.toString()}`, { signal: ac.signal })
      .then(async (r) => {
        const body = (await r.json()) as MapView & { error?: string };
        if (!r.ok) throw new Error(body.error ?? `HTTP ${r.status}`);
        setData(body);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (!ac.signal.aborted) setError(String(e));
      });
    return () => ac.abort();
  }, [groupBy, useQuery, query, tick]);

  const protocols = useMemo(() => [...new Set((data?.edges ?? []).map((e) => e.protocol.abbr))].sort(), [data]);
  const namespaces = useMemo(() => [...new Set((data?.nodes ?? []).map((n) => n.namespace))].sort(), [data]);
  const visible = useMemo(() => {
    if (!data) return { nodes: [] as MapNode[], edges: [] as MapEdge[] };
    const nodes = data.nodes.filter((n) => !hiddenNs.has(n.namespace));
    const ids = new Set(nodes.map((n) => n.id));
    const edges = data.edges.filter((e) => !hiddenProtos.has(e.protocol.abbr) && ids.has(e.source) && ids.has(e.destination));
    const used = new Set(edges.flatMap((e) => [e.source, e.destination]));
    return { nodes: nodes.filter((n) => used.has(n.id) || edges.length === 0), edges };
  }, [data, hiddenProtos, hiddenNs]);

  useEffect(() => {
    if (!box.current) return;
    const maxRate = Math.max(0, ...visible.edges.map((e) => e.rate));
    const maxCount = Math.max(1, ...visible.nodes.map((n) => n.count));
    const fg = dark ? '#e6e6e6' : '#1f2328';
    const cy = cytoscape({
      container: box.current,
      elements: [
        ...visible.nodes.map((n) => ({
          data: {
            id: `n${n.id}`,
            label: n.resolved && n.entry.ip && n.name !== n.entry.ip ? `${n.name}\n(${n.entry.ip})` : n.name,
            size: 24 + 36 * Math.sqrt(n.count / maxCount),
            resolved: n.resolved ? 1 : 0,
          },
        })),
        ...visible.edges.map((e, i) => ({
          data: {
            id: `e${i}`,
            source: `n${e.source}`,
            target: `n${e.destination}`,
            label: `${e.protocol.abbr} ${e.count}${e.errors ? ` ✗${e.errors}` : ''} · p99 ${e.latencyMs.p99} ms`,
            width: edgeWidth(e.rate, maxRate),
            color: errorColor(e.errorRate),
            filter: e.filter,
          },
        })),
      ],
      style: [
        {
          selector: 'node',
          style: {
            label: 'data(label)',
            width: 'data(size)',
            height: 'data(size)',
            'background-color': '#3b82f6',
            color: fg,
            'font-size': 11,
            'text-wrap': 'wrap',
            'text-valign': 'bottom',
            'text-margin-y': 4,
          },
        },
        { selector: 'node[resolved = 0]', style: { 'background-color': '#9ca3af' } },
        {
          selector: 'edge',
          style: {
            width: 'data(width)',
            'line-color': 'data(color)',
            'target-arrow-color': 'data(color)',
            'target-arrow-shape': 'triangle',
            'curve-style': 'bezier',
            label: 'data(label)',
            'font-size': 10,
            color: fg,
            'text-rotation': 'autorotate',
            'text-background-color': dark ? '#0f1115' : '#ffffff',
            'text-background-opacity': 0.8,
            // Edge labels sit beside the line rather than across it, so the labels of
            // parallel edges between collinear nodes do not cover each other.
            'text-margin-y': -8,
          },
        },
      ],
      // Label sizes count as node sizes, so the layout keeps labels of neighbouring
      // (also collinear) nodes apart, not only their circles.
      layout: {
        name: 'breadthfirst',
        directed: true,
        avoidOverlap: true,
        nodeDimensionsIncludeLabels: true,
        spacingFactor: 1.3,
        padding: 30,
      },
      wheelSensitivity: 0.3,
    });
    // A straight edge that would run through a third node (breadthfirst puts callers of one
    // depth on one row) reads as two edges; bend such edges around the nodes in the way.
    const bendAroundNodes = () => {
      let side = 1;
      cy.edges().forEach((e) => {
        const a = e.source().position();
        const b = e.target().position();
        const len = Math.hypot(b.x - a.x, b.y - a.y);
        if (len === 0) return;
        const blocked =
          cy.nodes().filter((n) => {
          if (n.same(e.source()) || n.same(e.target())) return false;
          const p = n.position();
          const t = ((p.x - a.x) * (b.x - a.x) + (p.y - a.y) * (b.y - a.y)) / (len * len);
          if (t <= 0 || t >= 1) return false;
          const dist = Math.abs((b.x - a.x) * (a.y - p.y) - (a.x - p.x) * (b.y - a.y)) / len;
          return dist < n.outerWidth() / 2 + 12;
        }).length > 0;
        if (blocked) {
          const d = side * Math.max(70, Math.min(160, len / 4));
          side = -side;
          e.style({
            'curve-style': 'unbundled-bezier',
            'control-point-distances': [d],
            'control-point-weights': [0.5],
          });
          e.data('bent', 1);
        }
      });
    };
    cy.one('layoutstop', bendAroundNodes);
    if (cy.nodes().length > 0) bendAroundNodes();
    cy.on('tap', 'edge', (ev) => onFilter(String(ev.target.data('filter'))));
    (window as unknown as { __mizuCy?: cytoscape.Core }).__mizuCy = cy;
    return () => cy.destroy();
  }, [visible, dark, onFilter]);

  const toggle = (set: Set<string>, v: string, put: (s: Set<string>) => void) => {
    const s = new Set(set);
    if (s.has(v)) s.delete(v);
    else s.add(v);
    put(s);
  };
  const name = (id: number) => data?.nodes.find((n) => n.id === id)?.name ?? String(id);

  return (
    <div className="analysis-view" data-testid="servicemap">
      <div className="analysis-bar">
        <b>Service map</b>
        <label>
          group by{' '}
          <select data-testid="map-group" value={groupBy} onChange={(e) => setGroupBy(e.target.value)}>
            <option value="name">service / IP</option>
            <option value="workload">workload (replicas merged)</option>
            <option value="host">HTTP Host</option>
          </select>
        </label>
        <label title="Map only the stored entries the list's filter selects">
          <input type="checkbox" checked={useQuery} onChange={(e) => setUseQuery(e.target.checked)} /> only the current filter
        </label>
        <span className="sep" />
        {protocols.map((p) => (
          <label key={p}>
            <input type="checkbox" data-testid={`map-proto-${p}`} checked={!hiddenProtos.has(p)} onChange={() => toggle(hiddenProtos, p, setHiddenProtos)} /> {p}
          </label>
        ))}
        <span className="sep" />
        {namespaces.map((n) => (
          <label key={n || '-'}>
            <input type="checkbox" checked={!hiddenNs.has(n)} onChange={() => toggle(hiddenNs, n, setHiddenNs)} /> {n || '(no namespace)'}
          </label>
        ))}
        <span className="spacer" />
        <button className="btn" onClick={() => setTick((t) => t + 1)}>
          ↻ Refresh
        </button>
      </div>
      {error && <div className="empty error">{error}</div>}
      {data && (
        <div className="muted small analysis-meta" data-testid="map-meta">
          {visible.nodes.length} nodes, {visible.edges.length} edges from {(data.scan?.matched ?? data.status.entriesProcessedCount).toLocaleString('en-US')} entries
          {data.status.overflow.entries > 0 && ` · ${data.status.overflow.entries} entries over the map's bounds`}
          {data.scan?.capped && ` · only the newest ${data.scan.scanLimit.toLocaleString('en-US')} matching entries`}
          {data.scan?.timedOut && ' · the scan timed out (partial)'}
        </div>
      )}
      <div className="map-graph" ref={box} data-testid="map-graph" data-node-count={visible.nodes.length} data-edge-count={visible.edges.length} />
      <table className="analysis-table" data-testid="map-edges">
        <thead>
          <tr>
            <th>source</th>
            <th>destination</th>
            <th>protocol</th>
            <th>requests</th>
            <th>errors</th>
            <th>rate/s</th>
            <th>p50 ms</th>
            <th>p95 ms</th>
            <th>p99 ms</th>
          </tr>
        </thead>
        <tbody>
          {visible.edges.map((e, i) => (
            <tr key={i} className="clickable" data-testid="map-edge" title={`Show these entries: ${e.filter}`} onClick={() => onFilter(e.filter)}>
              <td>{name(e.source)}</td>
              <td>{name(e.destination)}</td>
              <td>{e.protocol.abbr}</td>
              <td>{e.count}</td>
              <td style={{ color: e.errors ? errorColor(e.errorRate) : undefined }}>{e.errors}</td>
              <td>{e.rate}</td>
              <td>{e.latencyMs.p50}</td>
              <td>{e.latencyMs.p95}</td>
              <td>{e.latencyMs.p99}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
