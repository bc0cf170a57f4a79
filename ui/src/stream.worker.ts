// The /ws stream runs in this worker: thousands of WebSocket messages a second are
// received and parsed off the page's main thread and handed over in batches (one
// postMessage per FLUSH_MS), so the list stays smooth at high live rates.

import type { BaseEntry } from './types';

export type ToWorker =
  | { type: 'start'; url: string; query: string; historyLimit: number; gen: number }
  | { type: 'stop' };

/** Every message carries the generation of the `start` it belongs to. */
export type FromWorker = { gen: number } & (
  | { type: 'entries'; entries: BaseEntry[] }
  | { type: 'meta'; data: unknown }
  | { type: 'toast'; data: unknown }
  | { type: 'state'; state: 'connecting' | 'open' | 'closed' }
);
type Payload = FromWorker extends infer T ? (T extends { gen: number } ? Omit<T, 'gen'> : never) : never;

const FLUSH_MS = 50;

let ws: WebSocket | undefined;
let url = '';
let query = '';
let historyLimit = 200;
let lastId: string | undefined;
let retry = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
let pending: BaseEntry[] = [];
let stopped = false;
let gen = 0;

const post = (m: Payload) => (self as unknown as Worker).postMessage({ ...m, gen });

setInterval(() => {
  if (pending.length === 0) return;
  const entries = pending;
  pending = [];
  post({ type: 'entries', entries });
}, FLUSH_MS);

function flushNow() {
  if (pending.length) {
    post({ type: 'entries', entries: pending });
    pending = [];
  }
}

function connect() {
  post({ type: 'state', state: 'connecting' });
  const sock = new WebSocket(url);
  ws = sock;
  sock.onopen = () => {
    retry = 0;
    post({ type: 'state', state: 'open' });
    // A reconnect continues after the newest entry received instead of reloading.
    const msg = lastId
      ? { leftOff: lastId, direction: 1, query, limit: 10000 }
      : { leftOff: 'latest', query, limit: historyLimit };
    sock.send(JSON.stringify(msg));
  };
  sock.onmessage = (ev: MessageEvent<string>) => {
    if (ws !== sock) return;
    let msg: { messageType?: string; data?: unknown };
    try {
      msg = JSON.parse(ev.data) as { messageType?: string; data?: unknown };
    } catch {
      return;
    }
    if (msg.messageType === 'entry') {
      const e = msg.data as BaseEntry;
      lastId = e.id;
      pending.push(e);
    } else if (msg.messageType === 'queryMetadata') {
      flushNow(); // history first, then its metadata
      post({ type: 'meta', data: msg.data });
    } else if (msg.messageType === 'toast') {
      post({ type: 'toast', data: msg.data });
    }
  };
  sock.onclose = () => {
    if (ws !== sock) return;
    post({ type: 'state', state: 'closed' });
    if (stopped) return;
    const delay = Math.min(5000, 250 * 2 ** retry++);
    timer = setTimeout(connect, delay);
  };
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type === 'start') {
    // A new socket per query: nothing of the previous query can arrive after this.
    url = m.url;
    gen = m.gen;
    query = m.query;
    historyLimit = m.historyLimit;
    lastId = undefined;
    pending = [];
    stopped = false;
    const old = ws;
    ws = undefined;
    old?.close();
    if (timer) clearTimeout(timer);
    connect();
  } else if (m.type === 'stop') {
    stopped = true;
    if (timer) clearTimeout(timer);
    ws?.close();
  }
};
