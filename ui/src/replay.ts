// Pure helpers of the replay panel and the export buttons (Vitest-tested in replay.test.ts).

import type { Body, Entry } from './types';

/** What the replay form edits (and `POST /replay/` takes). */
export interface ReplayForm {
  method: string;
  url: string;
  /** One `Name: value` per line. */
  headers: string;
  body: string;
  /** The captured body was base64 (binary): sent back as such. */
  bodyBase64: boolean;
  http2: boolean;
  /** https:// without checking the server's certificate (self-signed targets). */
  insecure: boolean;
}

/** The hub's answer to a replay (docs/api.md). */
export interface ReplayResult {
  request: { method: string; url: string; httpVersion: string; headers: { name: string; value: string }[] };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    headers: { name: string; value: string }[];
    content: { mimeType: string; text: string; size: number; encoding?: string };
  };
  truncated: boolean;
  maxResponseBytes: number;
  elapsedMs: number;
}

/** Headers the hub sets itself or that make no sense to replay. */
const SKIP = new Set(['content-length', 'connection', 'transfer-encoding', 'keep-alive', 'te', 'upgrade', 'x-mizu-replay']);

function pairs(h: unknown): [string, string][] {
  if (!h || typeof h !== 'object') return [];
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
    if (Array.isArray(v)) for (const x of v) out.push([k, String(x)]);
    else out.push([k, String(v)]);
  }
  return out;
}

/**
 * The form prefilled from a captured HTTP entry: the request goes to the server's
 * address (dst ip:port, what is reachable from the hub) with the captured path and
 * query; the captured Host header is kept, so virtual hosts still match.
 */
export function replayFormFrom(entry: Entry): ReplayForm {
  const req = (entry.request ?? {}) as Record<string, unknown>;
  const ip = entry.dst.ip.includes(':') ? `[${entry.dst.ip}]` : entry.dst.ip;
  const target = String(req.targetUri ?? req.path ?? '/');
  const path = target.startsWith('/') ? target : `/${target}`;
  const headers = pairs(req.headers)
    .filter(([k]) => !k.startsWith(':') && !SKIP.has(k.toLowerCase()))
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  const body = req.postData as Body | undefined;
  return {
    method: String(req.method ?? 'GET'),
    url: `http://${ip}:${entry.dst.port}${path}`,
    headers,
    body: body?.text ?? '',
    bodyBase64: body?.encoding === 'base64',
    http2: String(req.httpVersion ?? '').includes('2'),
    insecure: false,
  };
}

/** `Name: value` lines → pairs; a line without a colon is an error naming it. */
export function parseHeaderLines(text: string): { headers: { name: string; value: string }[]; error?: string } {
  const headers: { name: string; value: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (!line) continue;
    const colon = line.indexOf(':', line.startsWith(':') ? 1 : 0);
    if (colon <= 0) return { headers, error: `header line ${i + 1} has no "Name: value": ${line}` };
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return { headers };
}

/** The JSON body of `POST /replay/` for a form (or an error to show instead). */
export function replayBody(f: ReplayForm): { body?: object; error?: string } {
  const h = parseHeaderLines(f.headers);
  if (h.error) return { error: h.error };
  if (!/^https?:\/\/[^/]+/i.test(f.url.trim())) return { error: 'the URL must start with http://HOST:PORT or https://' };
  return {
    body: {
      method: f.method.trim() || 'GET',
      url: f.url.trim(),
      headers: h.headers,
      body: f.body,
      ...(f.bodyBase64 ? { bodyEncoding: 'base64' } : {}),
      http2: f.http2,
      ...(f.insecure && /^https:/i.test(f.url.trim()) ? { insecure: true } : {}),
    },
  };
}

/** The export URL of a filter: `/entries/har?query=…&limit=…` (or pcap). */
export function exportUrl(kind: 'har' | 'pcap', query: string, limit: number): string {
  const p = new URLSearchParams({ query, limit: String(limit) });
  return `/entries/${kind}?${p.toString()}`;
}
