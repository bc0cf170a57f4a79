//! HTTP/2 session tests: hand-built frames through the real driver, every conversation
//! also checked with `assert_split_invariant` (frames split at every byte).

use super::frame::*;
use super::*;
use mizu_dissect::testing::{Event, Run, assert_split_invariant, run_detailed};
use mizu_dissect::{Limits, SessionContext};
use mizu_model::{Direction, HttpRequest, HttpResponse, Nanos};

const T0: Nanos = 1_700_000_000_000_000_000;
const MS: Nanos = 1_000_000;
const C2S: Direction = Direction::ClientToServer;
const S2C: Direction = Direction::ServerToClient;

fn ctx() -> SessionContext {
    SessionContext {
        flow: 7,
        client: "10.0.0.1:40000".parse().expect("addr"),
        server: "10.0.0.2:8083".parse().expect("addr"),
        limits: Limits::default(),
    }
}

fn f(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![
        (payload.len() >> 16) as u8,
        (payload.len() >> 8) as u8,
        payload.len() as u8,
        kind,
        flags,
    ];
    v.extend_from_slice(&stream.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// HPACK: literal without indexing, new name.
fn lit(out: &mut Vec<u8>, n: &str, v: &str) {
    out.push(0x00);
    out.push(n.len() as u8);
    out.extend_from_slice(n.as_bytes());
    out.push(v.len() as u8);
    out.extend_from_slice(v.as_bytes());
}

/// HPACK: literal with incremental indexing, new name.
fn lit_idx(out: &mut Vec<u8>, n: &str, v: &str) {
    out.push(0x40);
    out.push(n.len() as u8);
    out.extend_from_slice(n.as_bytes());
    out.push(v.len() as u8);
    out.extend_from_slice(v.as_bytes());
}

fn block(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut b = Vec::new();
    for (n, v) in fields {
        lit(&mut b, n, v);
    }
    b
}

fn get_headers(path: &str) -> Vec<u8> {
    block(&[
        (":method", "GET"),
        (":scheme", "http"),
        (":authority", "h2.test"),
        (":path", path),
    ])
}

fn settings() -> Vec<u8> {
    f(SETTINGS, 0, 0, &[0, 3, 0, 0, 0, 100])
}

fn preface() -> Vec<u8> {
    let mut v = PREFACE.to_vec();
    v.extend(settings());
    v
}

fn c(ts: Nanos, d: Vec<u8>) -> Event {
    Event::Data(C2S, ts, d)
}
fn s(ts: Nanos, d: Vec<u8>) -> Event {
    Event::Data(S2C, ts, d)
}

fn req(e: &mizu_model::Entry) -> &HttpRequest {
    e.request.as_http_request().expect("request")
}
fn resp(e: &mizu_model::Entry) -> &HttpResponse {
    e.response.as_http_response().expect("response")
}

fn split(events: &[Event]) -> Run {
    assert_split_invariant(&HTTP2, ctx(), events)
}

#[test]
fn prior_knowledge_get_with_body() {
    let mut client = preface();
    client.extend(f(
        HEADERS,
        FLAG_END_HEADERS | FLAG_END_STREAM,
        1,
        &get_headers("/a%20b?x=1"),
    ));
    let mut server = settings();
    server.extend(f(SETTINGS, FLAG_ACK, 0, &[]));
    server.extend(f(
        HEADERS,
        FLAG_END_HEADERS,
        1,
        &block(&[(":status", "200"), ("content-type", "text/plain")]),
    ));
    server.extend(f(DATA, FLAG_END_STREAM, 1, b"hello"));
    let r = split(&[
        c(T0, client),
        s(T0 + 3 * MS, server),
        Event::Close(T0 + 4 * MS),
    ]);
    assert_eq!(r.entries.len(), 1);
    let e = &r.entries[0];
    assert_eq!(e.protocol.version, "2.0");
    assert_eq!(e.protocol.abbr, "HTTP/2");
    let q = req(e);
    assert_eq!(q.method, "GET");
    assert_eq!(q.url, "http://h2.test/a%20b?x=1");
    assert_eq!(q.path, "/a b");
    assert_eq!(q.http_version, "HTTP/2.0");
    assert_eq!(q.header(":path"), Some("/a%20b?x=1"));
    assert_eq!(q.query_string, vec![mizu_model::Header::new("x", "1")]);
    let p = resp(e);
    assert_eq!(p.status, 200);
    assert_eq!(p.header(":status"), Some("200"));
    assert_eq!(p.content.text, "hello");
    assert_eq!(p.body_size, 5);
    assert_eq!(e.elapsed_time, 3);
    assert!(e.diagnostics.is_empty(), "{:?}", e.diagnostics);
    assert!(!e.gap);
}

#[test]
fn concurrent_streams_interleave_and_finish_in_any_order() {
    let mut c1 = preface();
    c1.extend(f(
        HEADERS,
        FLAG_END_HEADERS | FLAG_END_STREAM,
        1,
        &get_headers("/one"),
    ));
    let c3 = f(
        HEADERS,
        FLAG_END_HEADERS | FLAG_END_STREAM,
        3,
        &get_headers("/three"),
    );
    let h = |st: &str| block(&[(":status", st)]);
    let events = [
        c(T0, c1),
        c(T0 + MS, c3),
        s(
            T0 + 2 * MS,
            [
                f(HEADERS, FLAG_END_HEADERS, 3, &h("404")),
                f(HEADERS, FLAG_END_HEADERS, 1, &h("200")),
            ]
            .concat(),
        ),
        s(
            T0 + 5 * MS,
            [
                f(DATA, 0, 1, b"on"),
                f(DATA, FLAG_END_STREAM, 3, b"three"),
                f(DATA, FLAG_END_STREAM, 1, b"e"),
            ]
            .concat(),
        ),
    ];
    let r = split(&events);
    assert_eq!(r.entries.len(), 2);
    assert_eq!(req(&r.entries[0]).path, "/three");
    assert_eq!(resp(&r.entries[0]).status, 404);
    assert_eq!(
        r.entries[0].elapsed_time, 1,
        "stream 3: request at +1 ms, response at +2 ms"
    );
    assert_eq!(req(&r.entries[1]).path, "/one");
    assert_eq!(resp(&r.entries[1]).content.text, "one");
    assert_eq!(r.entries[1].elapsed_time, 2);
}

#[test]
fn padding_continuation_and_trailers() {
    let hb = get_headers("/padded");
    let (a, b) = hb.split_at(10);
    let mut padded_headers = vec![3u8];
    padded_headers.extend_from_slice(a);
    padded_headers.extend_from_slice(&[0, 0, 0]);
    let mut client = preface();
    client.extend(f(
        HEADERS,
        FLAG_PADDED | FLAG_END_STREAM,
        1,
        &padded_headers,
    ));
    client.extend(f(CONTINUATION, FLAG_END_HEADERS, 1, b));
    let mut pdata = vec![4u8];
    pdata.extend_from_slice(b"body");
    pdata.extend_from_slice(&[0; 4]);
    let server = [
        f(
            HEADERS,
            FLAG_END_HEADERS | FLAG_PRIORITY,
            1,
            &[&[0, 0, 0, 0, 16][..], &block(&[(":status", "200")])].concat(),
        ),
        f(DATA, FLAG_PADDED, 1, &pdata),
        f(PING, 0, 0, &[0; 8]),
        f(WINDOW_UPDATE, 0, 1, &[0, 0, 1, 0]),
        f(PRIORITY, 0, 1, &[0, 0, 0, 0, 9]),
        f(
            HEADERS,
            FLAG_END_HEADERS | FLAG_END_STREAM,
            1,
            &block(&[("x-checksum", "abc")]),
        ),
    ]
    .concat();
    let r = split(&[c(T0, client), s(T0 + MS, server)]);
    assert_eq!(r.entries.len(), 1);
    let e = &r.entries[0];
    assert_eq!(req(e).path, "/padded");
    assert_eq!(resp(e).content.text, "body");
    assert_eq!(resp(e).body_size, 4);
    assert_eq!(
        resp(e).trailers,
        vec![mizu_model::Header::new("x-checksum", "abc")]
    );
    assert!(e.diagnostics.is_empty(), "{:?}", e.diagnostics);
}

#[test]
fn dynamic_table_across_requests_and_informational() {
    let mut b1 = Vec::new();
    lit_idx(&mut b1, ":method", "GET");
    lit_idx(&mut b1, ":path", "/dyn");
    lit_idx(&mut b1, "x-token", "secret");
    // Second request: all three from the dynamic table (63 = :path? newest first).
    let b2 = vec![0x80 | 64, 0x80 | 63, 0x80 | 62];
    let mut client = preface();
    client.extend(f(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 1, &b1));
    client.extend(f(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 3, &b2));
    let server = [
        f(HEADERS, FLAG_END_HEADERS, 1, &block(&[(":status", "103")])),
        f(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 1, &[0x88]),
        f(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 3, &[0x8d]),
    ]
    .concat();
    let r = split(&[c(T0, client), s(T0 + MS, server)]);
    assert_eq!(r.entries.len(), 2);
    assert_eq!(req(&r.entries[1]).path, "/dyn");
    assert_eq!(req(&r.entries[1]).header("x-token"), Some("secret"));
    assert_eq!(resp(&r.entries[0]).informational, vec![103]);
    assert_eq!(resp(&r.entries[0]).status, 200);
    assert_eq!(resp(&r.entries[1]).status, 404);
}

#[test]
fn rst_stream_and_goaway_end_streams_with_an_error() {
    let mut client = preface();
    client.extend(f(
        HEADERS,
        FLAG_END_HEADERS | FLAG_END_STREAM,
        1,
        &get_headers("/reset"),
    ));
    client.extend(f(
        HEADERS,
        FLAG_END_HEADERS | FLAG_END_STREAM,
        3,
        &get_headers("/ok"),
    ));
    client.extend(f(
        HEADERS,
        FLAG_END_HEADERS | FLAG_END_STREAM,
        5,
        &get_headers("/refused"),
    ));
    let server = [
        f(RST_STREAM, 0, 1, &[0, 0, 0, 8]),
        f(GOAWAY, 0, 0, &[0, 0, 0, 3, 0, 0, 0, 0, b'b', b'y', b'e']),
        f(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 3, &[0x88]),
    ]
    .concat();
    let r = split(&[c(T0, client), s(T0 + MS, server), Event::Close(T0 + 2 * MS)]);
    assert_eq!(r.entries.len(), 3);
    let e = &r.entries[0];
    assert_eq!(req(e).path, "/reset");
    assert_eq!(resp(e).status, 0);
    assert_eq!(resp(e).status_text, "RST_STREAM CANCEL from the server");
    assert!(
        e.diagnostics
            .iter()
            .any(|d| d.contains("RST_STREAM CANCEL"))
    );
    assert_eq!(req(&r.entries[1]).path, "/refused");
    assert!(
        resp(&r.entries[1])
            .status_text
            .starts_with("GOAWAY NO_ERROR from the server (bye)")
    );
    assert_eq!(req(&r.entries[2]).path, "/ok");
    assert_eq!(resp(&r.entries[2]).status, 200);
}

#[test]
fn unanswered_stream_is_emitted_at_close() {
    let mut client = preface();
    client.extend(f(
        HEADERS,
        FLAG_END_HEADERS | FLAG_END_STREAM,
        1,
        &get_headers("/slow"),
    ));
    let r = split(&[c(T0, client), Event::Close(T0 + MS)]);
    assert_eq!(r.entries.len(), 1);
    assert!(r.entries[0].response.is_none());
    assert!(
        r.entries[0]
            .diagnostics
            .iter()
            .any(|d| d == "no response captured")
    );
}

fn grpc_msg(m: &[u8]) -> Vec<u8> {
    let mut v = vec![0];
    v.extend_from_slice(&(m.len() as u32).to_be_bytes());
    v.extend_from_slice(m);
    v
}

#[test]
fn grpc_unary_and_trailers_only_error() {
    let h = block(&[
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "g.test"),
        (":path", "/helloworld.Greeter/SayHello"),
        ("content-type", "application/grpc"),
        ("te", "trailers"),
    ]);
    let mut client = preface();
    client.extend(f(HEADERS, FLAG_END_HEADERS, 1, &h));
    let mut m = vec![0x0a, 0x03];
    m.extend_from_slice(b"bob");
    let body = grpc_msg(&m);
    client.extend(f(DATA, 0, 1, &body[..4]));
    client.extend(f(DATA, FLAG_END_STREAM, 1, &body[4..]));
    client.extend(f(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 3, &h));
    let mut reply = vec![0x0a, 0x09];
    reply.extend_from_slice(b"hello bob");
    let server = [
        f(
            HEADERS,
            FLAG_END_HEADERS,
            1,
            &block(&[(":status", "200"), ("content-type", "application/grpc")]),
        ),
        f(DATA, 0, 1, &grpc_msg(&reply)),
        f(
            HEADERS,
            FLAG_END_HEADERS | FLAG_END_STREAM,
            1,
            &block(&[("grpc-status", "0"), ("grpc-message", "")]),
        ),
        f(
            HEADERS,
            FLAG_END_HEADERS | FLAG_END_STREAM,
            3,
            &block(&[
                (":status", "200"),
                ("content-type", "application/grpc"),
                ("grpc-status", "3"),
                ("grpc-message", "bad%20name"),
            ]),
        ),
    ]
    .concat();
    let r = split(&[c(T0, client), s(T0 + MS, server)]);
    assert_eq!(r.entries.len(), 2);
    let e = &r.entries[0];
    assert_eq!(e.protocol.abbr, "gRPC");
    let g = req(e).grpc.as_ref().expect("grpc request");
    assert_eq!(
        (g.service.as_str(), g.method.as_str()),
        ("helloworld.Greeter", "SayHello")
    );
    assert_eq!(g.messages.len(), 1);
    assert_eq!(g.messages[0].data, serde_json::json!({"1": "bob"}));
    let g = resp(e).grpc.as_ref().expect("grpc response");
    assert_eq!(g.status, Some(0));
    assert_eq!(g.messages[0].data, serde_json::json!({"1": "hello bob"}));
    let s = HTTP2.summarize(e).expect("summary");
    assert_eq!(s.summary, "/helloworld.Greeter/SayHello");
    assert_eq!(s.status, Some(0));
    let g = resp(&r.entries[1]).grpc.as_ref().expect("grpc error");
    assert_eq!(g.status, Some(3));
    assert_eq!(g.status_name, "INVALID_ARGUMENT");
    assert_eq!(g.message.as_deref(), Some("bad name"));
}

#[test]
fn midstream_pickup_flags_unknown_dynamic_entries() {
    // The capture starts after the preface and after the client put `x-token` in its table.
    let mut b = Vec::new();
    b.extend_from_slice(&[0x82, 0x86]); // :method GET, :scheme http
    lit(&mut b, ":path", "/later");
    b.push(0x80 | 62); // dynamic entry from before the capture
    let client = [
        f(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 5, &b),
        f(WINDOW_UPDATE, 0, 0, &[0, 0, 1, 0]),
    ]
    .concat();
    let server = [
        f(DATA, FLAG_END_STREAM, 3, b"tail of an earlier response"),
        f(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 5, &[0x88]),
        f(PING, 0, 0, &[0; 8]),
    ]
    .concat();
    let events = [
        Event::Gap(C2S, T0, 500),
        Event::Gap(S2C, T0, 900),
        c(T0 + MS, client),
        s(T0 + 2 * MS, server),
        Event::Close(T0 + 3 * MS),
    ];
    let r = split(&events);
    assert_eq!(r.entries.len(), 1, "{:#?}", r.entries);
    // Stream 3 was first seen from the server and only its body's tail was captured:
    // no method, no path, no status. It is counted, never shown as an empty entry.
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.starts_with("stream 3: neither request nor response headers captured")),
        "{:?}",
        r.diagnostics
    );
    let e = &r.entries[0];
    assert_eq!(req(e).path, "/later");
    assert!(e.gap, "a field was left out");
    assert!(
        e.diagnostics.iter().any(|d| d.contains("dynamic-table")),
        "{:?}",
        e.diagnostics
    );
    assert_eq!(resp(e).status, 200);
    // The probe recognises the frames without a preface, and tells client from server.
    let pctx = mizu_dissect::ProbeContext {
        client: ctx().client,
        server: ctx().server,
        dir: S2C,
        handshake_seen: false,
    };
    assert_eq!(
        HTTP2.probe(&f(HEADERS, FLAG_END_HEADERS, 5, &b), &pctx),
        mizu_dissect::Probe::Match { from_client: true }
    );
}

#[test]
fn gap_inside_a_connection_resyncs_on_frames() {
    let mut client = preface();
    client.extend(f(
        HEADERS,
        FLAG_END_HEADERS | FLAG_END_STREAM,
        1,
        &get_headers("/first"),
    ));
    let mut server = settings();
    server.extend(f(
        HEADERS,
        FLAG_END_HEADERS,
        1,
        &block(&[(":status", "200")]),
    ));
    server.extend(f(DATA, 0, 1, b"part"));
    let after = [
        b"junk-bytes".to_vec(),
        f(DATA, FLAG_END_STREAM, 1, b"end"),
        f(PING, FLAG_ACK, 0, &[0; 8]),
    ]
    .concat();
    let r = split(&[
        c(T0, client),
        s(T0 + MS, server),
        Event::Gap(S2C, T0 + 2 * MS, 1000),
        s(T0 + 3 * MS, after),
    ]);
    assert_eq!(r.entries.len(), 1);
    assert!(r.entries[0].gap);
    assert_eq!(resp(&r.entries[0]).content.text, "partend");
    assert!(r.diagnostics.iter().any(|d| d.contains("skipped 10 bytes")));
}

/// HTTP/1 first, switching to HTTP/2 on `Upgrade: h2c` as the engine does.
struct H1ThenH2;

impl mizu_dissect::Dissector for H1ThenH2 {
    fn info(&self) -> &'static mizu_dissect::ProtocolInfo {
        &crate::http1::INFO
    }
    fn probe(&self, data: &[u8], ctx: &mizu_dissect::ProbeContext) -> mizu_dissect::Probe {
        crate::http1::Http1.probe(data, ctx)
    }
    fn new_session(&self, ctx: SessionContext) -> Box<dyn mizu_dissect::Session> {
        crate::http1::Http1.new_session(ctx)
    }
    fn upgrade_session_from(
        &self,
        up: &mut mizu_dissect::Upgrade,
        ctx: SessionContext,
    ) -> Option<Box<dyn mizu_dissect::Session>> {
        HTTP2.upgrade_session_from(up, ctx)
    }
    fn summarize(&self, _: &mizu_model::Entry) -> Option<mizu_dissect::Summary> {
        None
    }
}

#[test]
fn h1_upgrade_request_becomes_stream_one() {
    let request = b"GET /up HTTP/1.1\r\nHost: h2.test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n";
    let head = b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
    let mut client = request.to_vec();
    client.extend(preface());
    client.extend(f(
        HEADERS,
        FLAG_END_HEADERS | FLAG_END_STREAM,
        3,
        &get_headers("/next"),
    ));
    let server = [
        head.to_vec(),
        settings(),
        f(HEADERS, FLAG_END_HEADERS, 1, &block(&[(":status", "200")])),
        f(DATA, FLAG_END_STREAM, 1, b"upgraded"),
        f(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 3, &[0x89]),
    ]
    .concat();
    let events = [
        c(T0, client),
        s(T0 + 2 * MS, server),
        Event::Close(T0 + 3 * MS),
    ];
    let r = assert_split_invariant(&H1ThenH2, ctx(), &events);
    assert_eq!(r.upgrades.len(), 1);
    assert_eq!(r.entries.len(), 2, "{:#?}", r.entries);
    let e = &r.entries[0];
    assert_eq!(e.protocol.version, "2.0");
    assert_eq!(req(e).path, "/up");
    assert_eq!(req(e).http_version, "HTTP/1.1");
    assert_eq!(resp(e).status, 200);
    assert_eq!(resp(e).informational, vec![101]);
    assert_eq!(resp(e).content.text, "upgraded");
    assert_eq!(e.elapsed_time, 2);
    assert!(e.diagnostics.is_empty(), "{:?}", e.diagnostics);
    assert_eq!(req(&r.entries[1]).path, "/next");
    assert_eq!(resp(&r.entries[1]).status, 204);
}

#[test]
fn body_cap_and_stream_cap_are_enforced() {
    let mut cx = ctx();
    cx.limits.max_body = 4;
    cx.limits.max_pending = 2;
    let mut client = preface();
    for id in [1u32, 3, 5] {
        client.extend(f(
            HEADERS,
            FLAG_END_HEADERS | FLAG_END_STREAM,
            id,
            &get_headers("/x"),
        ));
    }
    let server = [
        f(HEADERS, FLAG_END_HEADERS, 5, &[0x88]),
        f(DATA, FLAG_END_STREAM, 5, b"0123456789"),
    ]
    .concat();
    let r = run_detailed(
        &HTTP2,
        cx,
        &[c(T0, client), s(T0 + MS, server), Event::Close(T0 + 2 * MS)],
    );
    assert_eq!(r.entries.len(), 3);
    assert!(
        r.entries[0]
            .diagnostics
            .iter()
            .any(|d| d.contains("concurrent streams"))
    );
    let e = r
        .entries
        .iter()
        .find(|e| {
            e.response
                .as_http_response()
                .is_some_and(|p| p.status == 200)
        })
        .expect("stream 5");
    assert_eq!(resp(e).content.text, "0123");
    assert_eq!(resp(e).body_size, 10);
    assert!(e.truncated);
}

#[test]
fn garbage_never_panics() {
    let mut seed = 0x1234_5678_u64;
    for round in 0..300 {
        let mut data = preface();
        for _ in 0..(round % 40) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            data.push(seed as u8);
            if seed.is_multiple_of(7) {
                data.extend(f(
                    (seed % 11) as u8,
                    (seed >> 8) as u8,
                    (seed >> 16) as u32 % 8,
                    &[0x82, 0x84, 0xbe, 0x3f],
                ));
            }
        }
        let _ = run_detailed(
            &HTTP2,
            ctx(),
            &[c(T0, data.clone()), s(T0, data), Event::Close(T0)],
        );
    }
}

#[test]
fn grpc_web_over_http1_is_decoded() {
    let mut body = grpc_msg(&[0x0a, 0x01, b'z']);
    let trailer = b"grpc-status: 0\r\n";
    body.push(0x80);
    body.extend_from_slice(&(trailer.len() as u32).to_be_bytes());
    body.extend_from_slice(trailer);
    let req_body = grpc_msg(&[0x08, 0x05]);
    let mut request = format!(
        "POST /pkg.Svc/Do HTTP/1.1\r\nHost: w.test\r\nContent-Type: application/grpc-web+proto\r\nContent-Length: {}\r\n\r\n",
        req_body.len()
    )
    .into_bytes();
    request.extend_from_slice(&req_body);
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/grpc-web+proto\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(&body);
    let r = assert_split_invariant(
        &crate::http1::Http1,
        ctx(),
        &[c(T0, request), s(T0 + MS, response)],
    );
    assert_eq!(r.entries.len(), 1);
    let e = &r.entries[0];
    assert_eq!(e.protocol.abbr, "gRPC");
    assert_eq!(e.protocol.version, "1.1");
    let g = req(e).grpc.as_ref().expect("request grpc");
    assert!(g.web);
    assert_eq!(g.messages[0].data, serde_json::json!({"1": 5}));
    let g = resp(e).grpc.as_ref().expect("response grpc");
    assert_eq!(g.status, Some(0));
    assert_eq!(g.messages[0].data, serde_json::json!({"1": "z"}));
}

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Issue 14: a Kafka connection whose client id is empty (the exact `ApiVersions v0` bytes
/// of the issue, then `Metadata v8`) used to be decoded as HTTP/2 picked up mid-stream,
/// giving entries with an empty method, no path and no status. The guess never confirms
/// itself (no header block yields `:method` or `:status`), so nothing is emitted.
#[test]
fn kafka_bytes_never_confirm_an_http2_guess() {
    let client = unhex(
        "00 00 00 0a 00 12 00 00 00 00 00 01 00 00
         00000017 0003 0008 00000002 0000 00000001 0004 74657374 01 00 00",
    );
    let server =
        unhex("00000018 00000001 0000 00000003 0000 0000 0009 0001 0000 000d 0003 0000 000c");
    let events = [c(T0, client), s(T0 + MS, server), Event::Close(T0 + 2 * MS)];
    let r = split(&events);
    assert!(r.entries.is_empty(), "{:#?}", r.entries);
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.contains("never confirmed itself")),
        "{:?}",
        r.diagnostics
    );
}

/// A guess refuted by an implausible frame header drops what it held and skips the rest;
/// a guess confirmed by a decodable request head releases what it held, in order.
#[test]
fn midstream_guess_is_held_until_confirmed_or_refuted() {
    // Refuted: plausible SETTINGS + PING, then a frame of unknown type 0x42.
    let client = [
        f(SETTINGS, 0, 0, &[0, 3, 0, 0, 0, 100]),
        f(PING, 0, 0, &[0; 8]),
        f(DATA, 0, 7, b"abc"),
        f(0x42, 0, 0, b"junk"),
        f(
            HEADERS,
            FLAG_END_HEADERS | FLAG_END_STREAM,
            9,
            &get_headers("/x"),
        ),
    ]
    .concat();
    let r = split(&[c(T0, client), Event::Close(T0 + MS)]);
    assert!(r.entries.is_empty(), "{:#?}", r.entries);
    assert!(
        r.diagnostics.iter().any(|d| d.starts_with(
            "not HTTP/2 after all (client sent an implausible frame header (type 0x42"
        )),
        "{:?}",
        r.diagnostics
    );
    // Confirmed: the server's response head on stream 3 comes before anything proves
    // HTTP/2 on the client side; it is held, then released once confirmed.
    let server = [
        f(HEADERS, FLAG_END_HEADERS, 3, &[0x88]),
        f(DATA, FLAG_END_STREAM, 3, b"ok"),
    ]
    .concat();
    let client = [
        f(WINDOW_UPDATE, 0, 0, &[0, 0, 1, 0]),
        f(
            HEADERS,
            FLAG_END_HEADERS | FLAG_END_STREAM,
            5,
            &get_headers("/y"),
        ),
    ]
    .concat();
    let server2 = f(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 5, &[0x88]);
    let r = split(&[
        s(T0, server),
        c(T0 + MS, client),
        s(T0 + 2 * MS, server2),
        Event::Close(T0 + 3 * MS),
    ]);
    assert_eq!(r.entries.len(), 2, "{:#?}", r.entries);
    assert_eq!(resp(&r.entries[0]).status, 200);
    assert_eq!(resp(&r.entries[0]).content.text, "ok");
    assert_eq!(req(&r.entries[1]).path, "/y");
}

/// Issue 14 item 10: a client stream that ends 96 bytes into a 15,968-byte DATA frame
/// counts the bytes that were sent, not the bytes the frame header declared.
#[test]
fn request_size_counts_captured_bytes_not_declared_ones() {
    let headers = f(
        HEADERS,
        FLAG_END_HEADERS,
        1,
        &block(&[
            (":method", "POST"),
            (":scheme", "http"),
            (":authority", "h2.test"),
            (":path", "/upload"),
        ]),
    );
    let mut data = f(DATA, FLAG_END_STREAM, 1, &vec![b'x'; 15_968]);
    data.truncate(HEADER_LEN + 96);
    let mut client = preface();
    let sent_after_preface = headers.len() + data.len();
    client.extend(headers);
    client.extend(data);
    let r = run_detailed(&HTTP2, ctx(), &[c(T0, client), Event::Close(T0 + MS)]);
    assert_eq!(r.entries.len(), 1);
    let e = &r.entries[0];
    assert_eq!(e.request_size, sent_after_preface as u64);
    assert_eq!(req(e).body_size, 96);
}

/// Issue 14 item 9: the JSON codec (`application/grpc+json`) shows messages as JSON; a
/// protobuf message that does not parse shows as `raw`, never as `{"_undecoded": …}`.
#[test]
fn grpc_json_codec_and_raw_fallback() {
    let call = |ct: &str, req_msg: &[u8], resp_msg: &[u8]| {
        let h = block(&[
            (":method", "POST"),
            (":scheme", "http"),
            (":authority", "g.test"),
            (":path", "/helloworld.Greeter/SayHello"),
            ("content-type", ct),
        ]);
        let mut client = preface();
        client.extend(f(HEADERS, FLAG_END_HEADERS, 1, &h));
        client.extend(f(DATA, FLAG_END_STREAM, 1, &grpc_msg(req_msg)));
        let server = [
            f(
                HEADERS,
                FLAG_END_HEADERS,
                1,
                &block(&[(":status", "200"), ("content-type", ct)]),
            ),
            f(DATA, 0, 1, &grpc_msg(resp_msg)),
            f(
                HEADERS,
                FLAG_END_HEADERS | FLAG_END_STREAM,
                1,
                &block(&[("grpc-status", "0")]),
            ),
        ]
        .concat();
        split(&[c(T0, client), s(T0 + MS, server), Event::Close(T0 + 2 * MS)])
    };
    let r = call(
        "application/grpc+json",
        br#"{"name":"bob"}"#,
        br#"{"message":"hello bob","n":[1,2]}"#,
    );
    let e = &r.entries[0];
    let g = req(e).grpc.as_ref().expect("grpc request");
    assert_eq!(g.messages[0].data, serde_json::json!({"name": "bob"}));
    assert!(g.messages[0].raw.is_none());
    let g = resp(e).grpc.as_ref().expect("grpc response");
    assert_eq!(
        g.messages[0].data,
        serde_json::json!({"message": "hello bob", "n": [1, 2]})
    );
    assert_eq!(HTTP2.summarize(e).expect("summary").status, Some(0));

    let r = call(
        "application/grpc",
        &[0x0a, 0x03, b'b', b'o', b'b'],
        &[0xff, 0xff],
    );
    let g = resp(&r.entries[0]).grpc.as_ref().expect("grpc response");
    assert_eq!(g.messages[0].data, serde_json::Value::Null);
    assert_eq!(g.messages[0].raw.as_deref(), Some("//8="));
    assert_eq!(g.message_type, "");
}
