import { describe, expect, it } from 'vitest';
import { exportUrl, parseHeaderLines, replayBody, replayFormFrom } from './replay';
import type { Entry } from './types';

const entry: Entry = {
  id: '7',
  protocol: { name: 'http', version: '1.1', abbr: 'HTTP' },
  src: { ip: '10.0.0.2', port: '50000', name: '' },
  dst: { ip: '10.0.0.1', port: '8080', name: '' },
  timestamp: 0,
  request: {
    method: 'POST',
    url: 'http://api.local/users?x=1',
    targetUri: '/users?x=1',
    path: '/users',
    httpVersion: 'HTTP/1.1',
    headers: { Host: 'api.local', 'Content-Length': '2', 'Content-Type': 'application/json', Connection: 'keep-alive' },
    postData: { mimeType: 'application/json', text: '{}' },
  },
};

describe('replay form', () => {
  it('prefills from the entry: server address, path and query, headers without hop-by-hop ones', () => {
    const f = replayFormFrom(entry);
    expect(f.method).toBe('POST');
    expect(f.url).toBe('http://10.0.0.1:8080/users?x=1');
    expect(f.headers).toBe('Host: api.local\nContent-Type: application/json');
    expect(f.body).toBe('{}');
    expect(f.http2).toBe(false);
  });

  it('brackets IPv6 and marks HTTP/2', () => {
    const f = replayFormFrom({ ...entry, dst: { ip: 'fd00::1', port: '80', name: '' }, request: { ...entry.request, httpVersion: 'HTTP/2.0' } });
    expect(f.url).toBe('http://[fd00::1]:80/users?x=1');
    expect(f.http2).toBe(true);
  });

  it('parses header lines and names a bad one', () => {
    expect(parseHeaderLines('A: 1\n\nB:two: x')).toEqual({ headers: [{ name: 'A', value: '1' }, { name: 'B', value: 'two: x' }] });
    expect(parseHeaderLines('A: 1\nnope').error).toBe('header line 2 has no "Name: value": nope');
  });

  it('builds the POST /replay/ body with `body` (not Mizu\'s dropped `data`)', () => {
    const r = replayBody(replayFormFrom(entry));
    expect(r.body).toEqual({
      method: 'POST',
      url: 'http://10.0.0.1:8080/users?x=1',
      headers: [
        { name: 'Host', value: 'api.local' },
        { name: 'Content-Type', value: 'application/json' },
      ],
      body: '{}',
      http2: false,
    });
    expect(replayBody({ ...replayFormFrom(entry), url: 'ftp://x' }).error).toMatch(/http:\/\//);
    // https:// is sent as is; `insecure` only when ticked, and only for https.
    const tls = { ...replayFormFrom(entry), url: 'https://10.0.0.1:8443/users' };
    expect(replayBody(tls).body).not.toHaveProperty('insecure');
    expect(replayBody({ ...tls, insecure: true }).body).toMatchObject({ url: 'https://10.0.0.1:8443/users', insecure: true });
    expect(replayBody({ ...replayFormFrom(entry), insecure: true }).body).not.toHaveProperty('insecure');
  });

  it('export URLs carry the filter and the limit', () => {
    expect(exportUrl('har', 'http and response.status == 500', 1000)).toBe('/entries/har?query=http+and+response.status+%3D%3D+500&limit=1000');
    expect(exportUrl('pcap', '', 10)).toBe('/entries/pcap?query=&limit=10');
  });
});
