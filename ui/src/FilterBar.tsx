// The filter bar: a one-line CodeMirror editor with Mizu-language highlighting, live
// validation through POST /query/validate (green/red, the error position underlined),
// Enter / Ctrl+Enter / Apply, a history and a cheatsheet.

import { useEffect, useRef, useState } from 'react';
import { EditorState, StateEffect, StateField, type Extension } from '@codemirror/state';
import { Decoration, type DecorationSet, EditorView, keymap, placeholder } from '@codemirror/view';
import { HighlightStyle, StreamLanguage, syntaxHighlighting } from '@codemirror/language';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { tags } from '@lezer/highlight';
import { validateQuery } from './api';

const KEYWORDS = new Set(['and', 'or', 'true', 'false', 'nil']);
const MACROS = new Set(['http', 'http2', 'grpc', 'gql', 'amqp', 'kafka', 'redis', 'dns']);

/** A tokenizer for highlighting only; the hub's parser is the judge of validity. */
const bfl = StreamLanguage.define<null>({
  token(stream) {
    if (stream.eatSpace()) return null;
    if (stream.match(/^r?"(?:[^"\\]|\\.)*"?/) || stream.match(/^r?'(?:[^'\\]|\\.)*'?/) || stream.match(/^r?`[^`]*`?/)) {
      return 'string';
    }
    if (stream.match(/^-?\d+(\.\d+)?([eE][-+]?\d+)?/)) return 'number';
    if (stream.match(/^(==|!=|>=|<=|&&|\|\||[<>!])/)) return 'operator';
    const word = stream.match(/^[A-Za-z_$][A-Za-z0-9_$]*/) as RegExpMatchArray | null;
    if (word) {
      const w = word[0];
      if (KEYWORDS.has(w)) return 'keyword';
      if (MACROS.has(w)) return 'macroName';
      if (stream.peek() === '(') return 'function';
      return 'propertyName';
    }
    stream.next();
    return null;
  },
});

const highlight = HighlightStyle.define([
  { tag: tags.string, color: 'var(--hl-string)' },
  { tag: tags.number, color: 'var(--hl-number)' },
  { tag: tags.operator, color: 'var(--hl-op)' },
  { tag: tags.keyword, color: 'var(--hl-keyword)', fontWeight: 'bold' },
  { tag: tags.macroName, color: 'var(--hl-macro)', fontWeight: 'bold' },
  { tag: tags.function(tags.variableName), color: 'var(--hl-fn)' },
  { tag: tags.propertyName, color: 'var(--fg)' },
]);

const setError = StateEffect.define<{ from: number; to: number } | null>();
const errorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (e.is(setError)) {
        deco = e.value
          ? Decoration.set([Decoration.mark({ class: 'cm-filter-error' }).range(e.value.from, e.value.to)])
          : Decoration.none;
      }
    }
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

const HISTORY_KEY = 'mizu.filterHistory';

function loadHistory(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export const CHEATSHEET: [string, string][] = [
  ['http', 'every HTTP/1, HTTP/2 and gRPC entry (macros: http, http2, grpc, amqp, kafka, redis)'],
  ['response.status >= 500', 'server errors'],
  ['request.method == "POST" and request.path.startsWith("/api")', 'POSTs under /api'],
  ['request.headers["content-type"] == r"json"', 'header by name (case-insensitive), regex value'],
  ['response.content.text.json().error != nil', 'a JSON body with an "error" member'],
  ['(kafka or redis) and elapsedTime > 100', 'slow Kafka or Redis calls; use parentheses to mix and/or'],
  ['dst.port == "6379"', 'ports are strings'],
  ['src.ip == "10.0.0.5" and !(request.path == "/healthz")', 'from one client, minus health checks'],
  ['timestamp >= minutes(-5)', 'the last five minutes'],
  ['truncated or gap', 'entries missing bytes'],
  ['grpc and request.grpc.method == "SayHello"', 'one gRPC method'],
  ['kafka and request.apiKeyName == "Produce"', 'Kafka produce requests'],
  ['redis and request.command == "SET"', 'Redis SETs'],
  ['http and limit(100)', 'at most 100 matches'],
];

export type Validity = { state: 'empty' | 'checking' | 'valid' } | { state: 'invalid'; message: string };

interface Props {
  value: string;
  applied: string;
  onChange: (v: string) => void;
  onApply: (v: string) => void;
  focusRef: React.RefObject<{ focus: () => void } | null>;
}

export function FilterBar({ value, applied, onChange, onApply, focusRef }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const apply = useRef(onApply);
  const change = useRef(onChange);
  const [validity, setValidity] = useState<Validity>({ state: 'empty' });
  const [hist, setHist] = useState<string[]>(loadHistory);
  const [showHist, setShowHist] = useState(false);
  const [showHelp, setShowHelp] = useState(false);

  useEffect(() => {
    apply.current = onApply;
    change.current = onChange;
  });

  useEffect(() => {
    if (!host.current) return;
    const run = (v: EditorView) => {
      apply.current(v.state.doc.toString());
      return true;
    };
    const extensions: Extension[] = [
      history(),
      keymap.of([{ key: 'Mod-Enter', run }, { key: 'Enter', run }, ...historyKeymap, ...defaultKeymap]),
      // One line: newlines (pasted or typed) become spaces.
      EditorState.transactionFilter.of((tr) => {
        if (!tr.docChanged || tr.newDoc.lines === 1) return tr;
        return [tr, { changes: { from: 0, to: tr.newDoc.length, insert: tr.newDoc.toString().replace(/\n/g, ' ') }, sequential: true }];
      }),
      bfl,
      syntaxHighlighting(highlight),
      errorField,
      placeholder('filter: http and response.status >= 400  (/ focuses, Enter applies)'),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) change.current(u.state.doc.toString());
      }),
      EditorView.contentAttributes.of({ 'aria-label': 'filter', 'data-testid': 'filter-input' }),
    ];
    const v = new EditorView({ state: EditorState.create({ doc: value, extensions }), parent: host.current });
    view.current = v;
    focusRef.current = {
      focus: () => {
        v.focus();
        v.dispatch({ selection: { anchor: v.state.doc.length } });
      },
    };
    return () => v.destroy();
    // The editor is created once; `value` changes are pushed in below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Outside changes (the "+" buttons, history, permalinks) replace the text.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
    }
  }, [value]);

  // Validate 300 ms after the last keystroke.
  useEffect(() => {
    if (value.trim() === '') {
      setValidity({ state: 'empty' });
      view.current?.dispatch({ effects: setError.of(null) });
      return;
    }
    setValidity({ state: 'checking' });
    const ctl = new AbortController();
    const t = setTimeout(() => {
      validateQuery(value, ctl.signal)
        .then((r) => {
          const v = view.current;
          if (r.valid) {
            setValidity({ state: 'valid' });
            v?.dispatch({ effects: setError.of(null) });
          } else {
            setValidity({ state: 'invalid', message: r.message ?? 'invalid filter' });
            if (v && r.offset !== undefined) {
              const len = v.state.doc.length;
              const from = Math.min(utf16Offset(value, r.offset), len);
              const to = Math.min(from + 1, len);
              v.dispatch({ effects: setError.of(from < to ? { from, to } : len > 0 ? { from: len - 1, to: len } : null) });
            }
          }
        })
        .catch(() => {
          /* aborted or hub unreachable: the status bar says so */
        });
    }, 300);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [value]);

  // Remember applied filters (most recent first, 30 kept).
  useEffect(() => {
    if (!applied.trim()) return;
    setHist((h) => {
      const next = [applied, ...h.filter((x) => x !== applied)].slice(0, 30);
      try {
        localStorage.setItem(HISTORY_KEY, JSON.stringify(next));
      } catch {
        /* storage full or disabled */
      }
      return next;
    });
  }, [applied]);

  const cls = `filter-bar v-${validity.state}`;
  return (
    <div className="filter-wrap">
      <div className={cls} data-testid="filter-bar" data-validity={validity.state}>
        <div className="filter-editor" ref={host} />
        <button className="btn" title="Filter history" onClick={() => setShowHist((s) => !s)} aria-label="history">
          ▾
        </button>
        <button className="btn" title="Examples" onClick={() => setShowHelp(true)} data-testid="cheatsheet-button">
          ?
        </button>
        <button className="btn primary" data-testid="apply" onClick={() => onApply(view.current?.state.doc.toString() ?? value)}>
          Apply
        </button>
      </div>
      {validity.state === 'invalid' && (
        <div className="filter-error" data-testid="filter-error" role="alert">
          {validity.message}
        </div>
      )}
      {showHist && (
        <ul className="dropdown" role="listbox">
          {hist.length === 0 && <li className="muted">no filters applied yet</li>}
          {hist.map((h) => (
            <li key={h}>
              <button
                className="link"
                onClick={() => {
                  setShowHist(false);
                  onChange(h);
                  onApply(h);
                }}
              >
                {h}
              </button>
            </li>
          ))}
        </ul>
      )}
      {showHelp && (
        <div className="modal-back" onClick={() => setShowHelp(false)}>
          <div className="modal" onClick={(e) => e.stopPropagation()} data-testid="cheatsheet">
            <h2>Filter examples</h2>
            <p className="muted">
              Mizu&apos;s filter language: <code>and</code>/<code>or</code> share one precedence and group to the right, so
              use parentheses when you mix them. Click an example to use it.
            </p>
            <table>
              <tbody>
                {CHEATSHEET.map(([q, what]) => (
                  <tr key={q}>
                    <td>
                      <button
                        className="link code"
                        onClick={() => {
                          setShowHelp(false);
                          onChange(q);
                        }}
                      >
                        {q}
                      </button>
                    </td>
                    <td>{what}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <button className="btn" onClick={() => setShowHelp(false)}>
              Close
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

/** The hub reports byte offsets into the UTF-8 text; CodeMirror counts UTF-16 units. */
export function utf16Offset(text: string, byteOffset: number): number {
  const enc = new TextEncoder();
  let bytes = 0;
  let i = 0;
  for (const ch of text) {
    if (bytes >= byteOffset) break;
    bytes += enc.encode(ch).length;
    i += ch.length;
  }
  return i;
}
