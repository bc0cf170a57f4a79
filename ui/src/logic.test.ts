import { describe, expect, it } from 'vitest';
import {
  LiveBuffer,
  RowStore,
  appendClause,
  bodyKind,
  bodyBytes,
  childSelector,
  compareIds,
  decodeBase64,
  endpointLabel,
  fieldClause,
  flatten,
  hasTopLevelOr,
  hexDump,
  parseUrl,
  permalink,
  prettyXml,
  rowClauses,
  statusClass,
  timestampClause,
  toCurl,
  toHar,
} from './logic';
import type { BaseEntry, Entry } from './types';

function base(id: number): BaseEntry {
  return {
    id: String(id).padStart(24, '0'),
    proto: {
      name: 'http', version: '1.1', abbr: 'HTTP', longName: 'HTTP', macro: 'http',
      backgroundColor: '#205cf5', foregroundColor: '#fff', fontSize: 12, referenceLink: '', ports: [], priority: 0,
    },
    capture: 'pcap', summary: '/x', summaryQuery: 'request.path == "/x"', method: 'GET',
    methodQuery: 'request.method == "GET"', status: 200, statusQuery: 'response.status == 200',
    timestamp: 0, src: { ip: '10.0.0.1', port: '1', name: '' }, dst: { ip: '10.0.0.2', port: '80', name: '' },
    isOutgoing: false, latency: 1, elapsedMicros: 1000, namespace: '', requestSize: 1, responseSize: 1,
  };
}

describe('filters', () => {
  it('finds a top-level or outside strings and parentheses', () => {
    expect(hasTopLevelOr('http or redis')).toBe(true);
    expect(hasTopLevelOr('a || b')).toBe(true);
    expect(hasTopLevelOr('(a or b) and c')).toBe(false);
    expect(hasTopLevelOr('request.path == "x or y"')).toBe(false);
    expect(hasTopLevelOr('request.or == 1')).toBe(false);
    expect(hasTopLevelOr('color == 1 and order == 2')).toBe(false);
  });

  it('appends clauses respecting right-grouping of and/or', () => {
    expect(appendClause('', 'http')).toBe('http');
    expect(appendClause('  ', 'http')).toBe('http');
    expect(appendClause('http', 'response.status == 200')).toBe('http and response.status == 200');
    expect(appendClause('kafka or redis', 'src.ip == "1.2.3.4"')).toBe('(kafka or redis) and src.ip == "1.2.3.4"');
    expect(appendClause('http and response.status == 200', 'response.status == 200')).toBe(
      'http and response.status == 200',
    );
  });

  it('builds selectors and literals', () => {
    expect(childSelector('request.headers', 'Content-Type')).toBe('request.headers["Content-Type"]');
    expect(childSelector('request', 'path')).toBe('request.path');
    expect(childSelector('request.args', 2)).toBe('request.args[2]');
    expect(fieldClause('request.headers[":path"]', '/a"b')).toBe('request.headers[":path"] == "/a\\"b"');
    expect(fieldClause('response.status', 404)).toBe('response.status == 404');
    expect(fieldClause('gap', true)).toBe('gap == true');
    expect(fieldClause('x', null)).toBe('x == nil');
  });

  it('flattens nested objects into selector rows', () => {
    expect(flatten({ a: 1, b: { 'c-d': [true, 'x'] }, e: [] }, 'request')).toEqual([
      ['request.a', 1],
      ['request.b["c-d"][0]', true],
      ['request.b["c-d"][1]', 'x'],
      ['request.e', '[]'],
    ]);
    expect(flatten({ big: Array.from({ length: 1000 }, (_, i) => i) }, 'r').length).toBe(500);
  });

  it("formats Mizu's datetime() in UTC", () => {
    expect(timestampClause(1635455582905)).toBe('timestamp >= datetime("10/28/2021, 9:13:02.905 PM")');
    expect(timestampClause(Date.UTC(2021, 0, 2, 0, 5, 6, 7), '<')).toBe(
      'timestamp < datetime("1/2/2021, 12:05:06.007 AM")',
    );
  });
});

describe('rows', () => {
  it('classifies statuses', () => {
    expect(statusClass(0)).toBe('none');
    expect(statusClass(101)).toBe('info');
    expect(statusClass(204)).toBe('ok');
    expect(statusClass(304)).toBe('redirect');
    expect(statusClass(404)).toBe('client');
    expect(statusClass(503)).toBe('server');
    expect(statusClass(35, 'kafka')).toBe('ok');
  });

  it('derives clauses for protocols without ready-made ones', () => {
    const h = base(1);
    expect(rowClauses(h)).toEqual({ method: 'request.method == "GET"', summary: 'request.path == "/x"', status: 'response.status == 200' });
    const k = { ...h, proto: { ...h.proto, name: 'kafka' }, method: 'Produce', methodQuery: '', summaryQuery: '', statusQuery: '' };
    expect(rowClauses(k).method).toBe('request.apiKeyName == "Produce"');
    const r = { ...k, proto: { ...h.proto, name: 'redis' }, method: 'SET', summary: 'k1' };
    expect(rowClauses(r)).toEqual({ method: 'request.command == "SET"', summary: 'request.args[0] == "k1"', status: '' });
  });

  it('labels endpoints by name, else ip:port', () => {
    expect(endpointLabel({ ip: '10.0.0.1', port: '80', name: 'web' })).toBe('web');
    expect(endpointLabel({ ip: '10.0.0.1', port: '80', name: '' })).toBe('10.0.0.1:80');
    expect(endpointLabel({ ip: 'fe80::1', port: '80', name: '' })).toBe('[fe80::1]:80');
  });

  it('compares zero-padded and short ids numerically', () => {
    expect(compareIds('000000000000000000000009', '000000000000000000000010')).toBeLessThan(0);
    expect(compareIds('10', '9')).toBeGreaterThan(0);
    expect(compareIds('7', '7')).toBe(0);
  });

  it('appends in place, de-duplicates, prepends older pages', () => {
    const s = new RowStore();
    expect(s.append([base(5), base(6)])).toBe(2);
    const arr = s.rows;
    expect(s.append([base(6), base(7)])).toBe(1);
    expect(s.rows).toBe(arr); // no copy of the list per message
    expect(s.prependOlder([base(4), base(3), base(5)])).toBe(2);
    expect(s.rows.map((r) => Number(r.id))).toEqual([3, 4, 5, 6, 7]);
    expect(s.prepended).toBe(2);
    expect(s.rows[0]?.proto).toBe(s.rows[4]?.proto); // one shared protocol object
    expect(s.oldestId).toBe(base(3).id);
    expect(s.newestId).toBe(base(7).id);
    const v = s.version;
    s.clear();
    expect(s.rows.length).toBe(0);
    expect(s.version).toBe(v + 1);
  });

  it('holds live entries while paused and hands them over on resume', () => {
    const b = new LiveBuffer();
    b.push(base(1));
    b.paused = true;
    b.push(base(2));
    expect(b.take()).toEqual([]);
    expect(b.size).toBe(2);
    b.paused = false;
    expect(b.take().map((e) => Number(e.id))).toEqual([1, 2]);
    expect(b.size).toBe(0);
    b.pushAll([base(3), base(4)]);
    b.pushAll([base(5)]);
    expect(b.take().map((e) => Number(e.id))).toEqual([3, 4, 5]);
  });
});

describe('details', () => {
  it('recognises body kinds', () => {
    expect(bodyKind(undefined)).toBe('none');
    expect(bodyKind({ mimeType: 'application/json', text: '{"a":1}' })).toBe('json');
    expect(bodyKind({ mimeType: 'text/plain', text: '[1,2]' })).toBe('json');
    expect(bodyKind({ mimeType: 'application/json', text: '{broken' })).toBe('text');
    expect(bodyKind({ mimeType: 'text/html; charset=utf-8', text: '<p>x</p>' })).toBe('html');
    expect(bodyKind({ mimeType: 'application/soap+xml', text: '<a/>' })).toBe('xml');
    expect(bodyKind({ mimeType: 'image/png', text: 'iVBO', encoding: 'base64' })).toBe('image');
    expect(bodyKind({ mimeType: 'application/octet-stream', text: 'AAE=', encoding: 'base64' })).toBe('binary');
    expect(bodyKind({ mimeType: 'application/grpc', text: '\u0000\u0000\u0000\u0000\u000f\n\u0005pod-b' })).toBe('binary');
    expect(bodyKind({ mimeType: 'text/plain', text: 'a\u0001b' })).toBe('binary');
    expect(Array.from(bodyBytes({ text: 'é' }))).toEqual([0xc3, 0xa9]);
    expect(bodyKind({ mimeType: 'application/x-www-form-urlencoded', text: 'a=1', params: [{ name: 'a', value: '1' }] })).toBe('form');
    expect(bodyKind({ mimeType: 'multipart/form-data; boundary=x', text: '--x', params: [{ name: 'f' }] })).toBe('multipart');
  });

  it('hex-dumps binary bodies', () => {
    const bytes = decodeBase64('AAFyYXc=');
    expect(Array.from(bytes)).toEqual([0, 1, 0x72, 0x61, 0x77]);
    expect(hexDump(bytes)).toBe('00000000  00 01 72 61 77' + ' '.repeat(33) + '  ..raw');
    expect(hexDump(new Uint8Array(40), 16).split('\n')).toHaveLength(2);
    expect(decodeBase64('!!!').length).toBe(0);
  });

  it('indents XML', () => {
    expect(prettyXml('<a><b>x</b><c/></a>')).toBe('<a>\n  <b>x</b>\n  <c/>\n</a>');
  });

  it('copies HTTP entries as curl', () => {
    const e: Entry = {
      id: '1', protocol: { name: 'http', version: '1.1', abbr: 'HTTP' }, timestamp: 0,
      src: { ip: '10.0.0.1', port: '1', name: '' }, dst: { ip: '10.0.0.2', port: '80', name: '' },
      request: {
        method: 'POST', url: 'http://10.0.0.2/form', httpVersion: 'HTTP/1.1',
        headers: { Host: '10.0.0.2', 'Content-Type': 'text/plain', 'X-Q': "it's" },
        postData: { mimeType: 'text/plain', text: 'a b' },
      },
    };
    expect(toCurl(e)).toBe(
      "curl -X POST 'http://10.0.0.2/form' -H 'Content-Type: text/plain' -H 'X-Q: it'\\''s' --data-raw 'a b'",
    );
    const har = toHar([e, { ...e, protocol: { name: 'redis', version: '2', abbr: 'REDIS' } }]) as {
      log: { entries: { request: { method: string; headers: unknown[] } }[] };
    };
    expect(har.log.entries).toHaveLength(1);
    expect(har.log.entries[0]?.request.method).toBe('POST');
    expect(har.log.entries[0]?.request.headers).toHaveLength(3);
  });

  it('round-trips permalinks', () => {
    const url = permalink('http://h:1', '000000000000000000000042', 'http and response.status == 200');
    expect(url).toBe('http://h:1/?entry=000000000000000000000042&q=http+and+response.status+%3D%3D+200');
    expect(parseUrl(new URL(url).search)).toEqual({
      entry: '000000000000000000000042',
      q: 'http and response.status == 200',
    });
    expect(parseUrl('')).toEqual({ entry: undefined, q: '' });
  });
});
