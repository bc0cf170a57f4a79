// The virtualized traffic list (react-virtuoso, fixed-height rows). Rows live in a
// mutable RowStore; `version` tells this component to re-render after a batch.

import { memo, useCallback, useImperativeHandle, useRef, useState, type Ref } from 'react';
import { Virtuoso, type VirtuosoHandle } from 'react-virtuoso';
import type { BaseEntry } from './types';
import type { RowStore } from './logic';
import { endpointLabel, fieldClause, rowClauses, formatLatency, formatTime, statusClass, timestampClause } from './logic';

/** Virtuoso's index of the first row; decreases as older rows are prepended. */
const FIRST = 1_000_000_000;
export const ROW_HEIGHT = 26;

export interface ListHandle {
  scrollTo: (i: number) => void;
  scrollToEnd: () => void;
}

interface Props {
  store: RowStore;
  version: number;
  cursor: number;
  selectedId?: string;
  follow: boolean;
  onSelect: (i: number) => void;
  onAddClause: (clause: string) => void;
  onAtBottom: (b: boolean) => void;
  onStartReached: () => void;
  handle: Ref<ListHandle>;
}

export const TrafficList = memo(function TrafficList({ store, version, cursor, selectedId, follow, onSelect, onAddClause, onAtBottom, onStartReached, handle }: Props) {
  const ref = useRef<VirtuosoHandle>(null);
  const first = FIRST - store.prepended;
  useImperativeHandle(handle, () => ({
    scrollTo: (i) => ref.current?.scrollIntoView({ index: i, behavior: 'auto' }),
    scrollToEnd: () => ref.current?.scrollToIndex({ index: store.rows.length - 1, align: 'end', behavior: 'auto' }),
  }));
  const rows = store.rows;
  const item = useCallback(
    (index: number) => {
      const e = rows[index - first];
      if (!e) return <div className="row" style={{ height: ROW_HEIGHT }} />;
      const i = index - first;
      return (
        <Row
          e={e}
          index={i}
          selected={e.id === selectedId}
          cursor={i === cursor}
          onSelect={onSelect}
        />
      );
    },
    // `version` changes whenever rows were added in place.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [rows, first, selectedId, cursor, onSelect, version],
  );
  const [plus, setPlus] = useState<{ clause: string; top: number; left: number } | null>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const onOver = (ev: React.MouseEvent) => {
    const t = ev.target as HTMLElement;
    if (t.classList.contains('plus')) return;
    const el = t.closest<HTMLElement>('[data-clause]');
    const w = wrap.current;
    if (!el || !w) {
      setPlus(null);
      return;
    }
    const r = el.getBoundingClientRect();
    const wr = w.getBoundingClientRect();
    const clause = el.dataset.clause ?? '';
    setPlus({ clause, top: r.top - wr.top + (r.height - 16) / 2, left: Math.min(r.right, wr.right - 20) - wr.left + 1 });
  };
  return (
    <div className="list-wrap" ref={wrap} onMouseOver={onOver} onMouseLeave={() => setPlus(null)}>
      <Virtuoso
        ref={ref}
        className="list"
        data-testid="traffic-list"
        totalCount={rows.length}
        firstItemIndex={first}
        initialTopMostItemIndex={Math.max(0, rows.length - 1)}
        fixedItemHeight={ROW_HEIGHT}
        computeItemKey={(index) => rows[index - first]?.id ?? index}
        itemContent={item}
        followOutput={(atBottom) => (follow && atBottom ? 'auto' : false)}
        atBottomStateChange={onAtBottom}
        atBottomThreshold={ROW_HEIGHT * 2}
        startReached={onStartReached}
        isScrolling={(s) => s && setPlus(null)}
        increaseViewportBy={{ top: ROW_HEIGHT * 4, bottom: ROW_HEIGHT * 4 }}
      />
      {plus && (
        <button
          className="plus floating"
          data-testid="row-plus"
          style={{ top: plus.top, left: plus.left }}
          title={`add to filter: ${plus.clause}`}
          aria-label={`add ${plus.clause} to the filter`}
          onClick={(ev) => {
            ev.stopPropagation();
            onAddClause(plus.clause);
          }}
        >
          +
        </button>
      )}
    </div>
  );
});

interface RowProps {
  e: BaseEntry;
  index: number;
  selected: boolean;
  cursor: boolean;
  onSelect: (i: number) => void;
}

/** A value with a "+" that appends its filter clause. */
export function Plus({ clause, onAdd }: { clause: string; onAdd: (c: string) => void }) {
  return (
    <button
      className="plus"
      title={`add to filter: ${clause}`}
      aria-label={`add ${clause} to the filter`}
      onClick={(ev) => {
        ev.stopPropagation();
        onAdd(clause);
      }}
    >
      +
    </button>
  );
}

const Row = memo(function Row({ e, index, selected, cursor, onSelect }: RowProps) {
  const sc = statusClass(e.status, e.proto.name);
  const src = endpointLabel(e.src);
  const dst = endpointLabel(e.dst);
  const srcClause = e.src.name ? fieldClause('src.name', e.src.name) : fieldClause('src.ip', e.src.ip);
  const dstClause = e.dst.name ? fieldClause('dst.name', e.dst.name) : fieldClause('dst.ip', e.dst.ip);
  const q = rowClauses(e);
  // Values carry their filter clause in data-clause; one shared "+" button (see
  // TrafficList) appears over the hovered value, so rows stay a dozen DOM nodes.
  return (
    <div
      className={`row${selected ? ' selected' : ''}${cursor ? ' cursor' : ''}${e.rules ? (e.rules.status ? ' rule-passed' : ' rule-failed') : ''}`}
      style={{ height: ROW_HEIGHT }}
      data-entry-id={e.id}
      role="row"
      aria-selected={selected}
      onClick={() => onSelect(index)}
    >
      <span
        className="badge"
        style={{ background: e.proto.backgroundColor, color: e.proto.foregroundColor }}
        title={`${e.proto.longName} ${e.proto.version}`}
        data-clause={e.proto.macro || e.proto.name}
      >
        {e.proto.abbr}
      </span>
      <span className={`status s-${sc}`} data-clause={q.status || undefined}>
        {e.status || '–'}
      </span>
      <span className="method" data-clause={q.method || undefined}>
        {e.method}
      </span>
      <span className="summary" title={e.summary} data-clause={q.summary || undefined}>
        {e.summary}
      </span>
      <span className="marks">
        {e.truncated && (
          <span className="mark warn" title="truncated: a body was cut (body cap or snaplen)">
            ✂
          </span>
        )}
        {e.gap && (
          <span className="mark err" title="gap: bytes of this exchange were never captured">
            ⚠
          </span>
        )}
        {e.rules && (
          <span
            className={`mark rules ${e.rules.status ? 'ok' : 'err'}`}
            data-testid="rules-mark"
            title={`${e.rules.numberOfRules} traffic validation rule(s): ${e.rules.status ? 'all passed' : 'a rule failed'} (Rules tab in the details)`}
          >
            R{e.rules.numberOfRules}
          </span>
        )}
        {!!e.diagnostics && (
          <span className="mark diag" title={`${e.diagnostics} diagnostic(s): open the entry to read them`}>
            ⓘ
          </span>
        )}
      </span>
      <span className="endpoints" title={`${src} → ${dst}`}>
        <span data-clause={srcClause}>{src}</span>
        <span className="arrow">→</span>
        <span data-clause={dstClause}>{dst}</span>
      </span>
      <span className="node" title="node / namespace">
        {e.node?.name || e.namespace}
      </span>
      <span className="latency">{formatLatency(e.latency, e.elapsedMicros)}</span>
      <span className="time" title={new Date(e.timestamp).toISOString()} data-clause={timestampClause(e.timestamp)}>
        {formatTime(e.timestamp)}
      </span>
    </div>
  );
});
