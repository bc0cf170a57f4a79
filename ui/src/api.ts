// Talks to the hub that served the page (same origin): REST and the browser WebSocket.

import type { BaseEntry, Entry, HubStatus, Meta, ValidateResult } from './types';

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
  onEntry: (e: BaseEntry) => void;
  onMeta: (m: Meta) => void;
  onToast: (t: Toast) => void;
  onState: (s: 'connecting' | 'open' | 'closed') => void;
  onStartTime?: (ms: number) => void;
}

/**
 * The `/ws` stream: sends the query on open, delivers every message to the handlers
 * (the caller buffers and renders in batches), reconnects with backoff, and re-sends
 * the query (continuing after the newest entry it has) on reconnect.
 */
export class EntryStream {
  private ws?: WebSocket;
  private closed = false;
  private retry = 0;
  private timer?: ReturnType<typeof setTimeout>;
  private query = '';
  private historyLimit = 200;
  /** Newest entry id seen: a reconnect continues from there instead of reloading. */
  lastId?: string;
  private handlers: StreamHandlers;

  constructor(handlers: StreamHandlers) {
    this.handlers = handlers;
  }

  start(query: string, historyLimit: number): void {
    this.query = query;
    this.historyLimit = historyLimit;
    this.lastId = undefined;
    // A new socket per query: nothing of the previous query can arrive after this.
    const old = this.ws;
    this.ws = undefined;
    old?.close();
    if (this.timer) clearTimeout(this.timer);
    this.connect();
  }

  stop(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close();
  }

  private sendQuery(): void {
    const msg = this.lastId
      ? { leftOff: this.lastId, direction: 1, query: this.query, limit: 10000 }
      : { leftOff: 'latest', query: this.query, limit: this.historyLimit };
    this.ws?.send(JSON.stringify(msg));
  }

  private connect(): void {
    this.handlers.onState('connecting');
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/ws`);
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 0;
      this.handlers.onState('open');
      this.sendQuery();
    };
    ws.onmessage = (ev: MessageEvent<string>) => {
      if (this.ws !== ws) return;
      let msg: { messageType?: string; data?: unknown };
      try {
        msg = JSON.parse(ev.data) as { messageType?: string; data?: unknown };
      } catch {
        return;
      }
      switch (msg.messageType) {
        case 'entry': {
          const e = msg.data as BaseEntry;
          this.lastId = e.id;
          this.handlers.onEntry(e);
          break;
        }
        case 'queryMetadata':
          this.handlers.onMeta(msg.data as Meta);
          break;
        case 'toast':
          this.handlers.onToast(msg.data as Toast);
          break;
        case 'startTime':
          this.handlers.onStartTime?.(Number(msg.data));
          break;
        default:
          break;
      }
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.handlers.onState('closed');
      if (this.closed) return;
      const delay = Math.min(5000, 250 * 2 ** this.retry++);
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }
}
