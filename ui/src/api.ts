// Talks to the hub that served the page (same origin): REST and the browser WebSocket.

import type { BaseEntry, Entry, HubStatus, Meta, ValidateResult } from './types';
import type { FromWorker, ToWorker } from './stream.worker';

export async function validateQuery(query: string, signal?: AbortSignal): Promise<ValidateResult> {
  const r = await fetch('/query/validate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
    signal,
  });
  return (await r.json()) as ValidateResult;
}

export async function fetchEntry(id: string, query: string): Promise<{ data: Entry; base: BaseEntry }> {
  const q = query ? `?query=${encodeURIComponent(query)}` : '';
  const r = await fetch(`/entries/${encodeURIComponent(id)}${q}`);
  if (!r.ok) {
    const body = (await r.json().catch(() => ({}))) as { error?: string };
    throw new Error(
      r.status === 410
        ? 'This entry was evicted from the hub (the store keeps the newest entries within its size budget).'
        : (body.error ?? `HTTP ${r.status}`),
    );
  }
  return (await r.json()) as { data: Entry; base: BaseEntry };
}

/** Older entries than `leftOff`, newest first. */
export async function fetchOlder(
  leftOff: string,
  query: string,
  limit: number,
): Promise<{ data: BaseEntry[]; meta: Meta }> {
  const p = new URLSearchParams({ leftOff, direction: '-1', query, limit: String(limit) });
  const r = await fetch(`/entries?${p.toString()}`);
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return (await r.json()) as { data: BaseEntry[]; meta: Meta };
}

export async function fetchStatus(signal?: AbortSignal): Promise<HubStatus> {
  const r = await fetch('/status', { signal });
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return (await r.json()) as HubStatus;
}

export interface Toast {
  type: string;
  text: string;
}

export interface StreamHandlers {
  /** A batch of entries, oldest first. */
  onEntries: (e: BaseEntry[]) => void;
  onMeta: (m: Meta) => void;
  onToast: (t: Toast) => void;
  onState: (s: 'connecting' | 'open' | 'closed') => void;
}

/**
 * The `/ws` stream, run in a Web Worker (stream.worker.ts): it sends the query, parses
 * every message off the main thread, reconnects with backoff, and delivers entries here
 * in batches.
 */
export class EntryStream {
  private worker: Worker;
  /** Set when the stream's query changed: batches of the previous query are dropped. */
  private generation = 0;

  constructor(handlers: StreamHandlers) {
    this.worker = new Worker(new URL('./stream.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      const m = ev.data;
      if (m.gen !== this.generation) return; // from a previous query
      switch (m.type) {
        case 'entries':
          handlers.onEntries(m.entries);
          break;
        case 'meta':
          handlers.onMeta(m.data as Meta);
          break;
        case 'toast':
          handlers.onToast(m.data as Toast);
          break;
        case 'state':
          handlers.onState(m.state);
          break;
      }
    };
  }

  start(query: string, historyLimit: number): void {
    this.generation++;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const msg: ToWorker = { type: 'start', url: `${proto}//${location.host}/ws`, query, historyLimit, gen: this.generation };
    this.worker.postMessage(msg);
  }

  stop(): void {
    const msg: ToWorker = { type: 'stop' };
    this.worker.postMessage(msg);
    this.worker.terminate();
  }
}
