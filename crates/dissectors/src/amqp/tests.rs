//! Conversation tests: frames built by hand (`wire::enc`), run through the real driver
//! (`mizu_dissect::testing`), entries checked field by field, and split invariance checked
//! for every conversation.

use std::net::SocketAddr;

use mizu_dissect::testing::{self, Event, Run};
use mizu_dissect::{Dissector, Limits, Probe, ProbeContext, SessionContext};
use mizu_model::{Direction, Entry, Payload};
use serde_json::{Value, json};

use super::Amqp;
use super::wire::{self, PROTOCOL_HEADER, enc};

const C: Direction = Direction::ClientToServer;
const S: Direction = Direction::ServerToClient;
const MS: u64 = 1_000_000;
const T0: u64 = 1_700_000_000_000_000_000;

fn ctx_with(limits: Limits) -> SessionContext {
    SessionContext {
        flow: 3,
        client: SocketAddr::from(([10, 0, 0, 1], 40000)),
        server: SocketAddr::from(([10, 0, 0, 2], 5672)),
        limits,
    }
}

fn ctx() -> SessionContext {
    ctx_with(Limits::default())
}

fn split_run(events: &[Event]) -> Run {
    testing::assert_split_invariant(&Amqp, ctx(), events)
}

fn c(ts: u64, bytes: Vec<u8>) -> Event {
    Event::Data(C, T0 + ts * MS, bytes)
}
fn s(ts: u64, bytes: Vec<u8>) -> Event {
    Event::Data(S, T0 + ts * MS, bytes)
}

fn req(e: &Entry) -> Value {
    match &e.request {
        Payload::Raw(r) => r.to_value(),
        other => panic!("not JSON: {other:?}"),
    }
}
fn resp(e: &Entry) -> Value {
    match &e.response {
        Payload::Raw(r) => r.to_value(),
        other => panic!("no response: {other:?}"),
    }
}
fn methods(r: &Run) -> Vec<(String, String)> {
    r.entries
        .iter()
        .map(|e| {
            let m = req(e)["method"].as_str().unwrap_or("").to_owned();
            let r = match &e.response {
                Payload::Raw(v) => v.to_value()["method"].as_str().unwrap_or("").to_owned(),
                _ => String::new(),
            };
            (m, r)
        })
        .collect()
}

// ---- argument encoders --------------------------------------------------------

fn ss(v: &mut Vec<u8>, s: &str) {
    enc::shortstr(v, s);
}
fn short(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_be_bytes());
}
fn long(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_be_bytes());
}
fn table(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, val) in entries {
        ss(&mut body, k);
        body.extend_from_slice(val);
    }
    let mut v = (body.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(&body);
    v
}

fn handshake() -> Vec<Event> {
    let mut start = vec![0, 9];
    start.extend(table(&[("product", {
        let mut v = vec![b'S'];
        enc::longstr(&mut v, b"RabbitMQ");
        v
    })]));
    enc::longstr(&mut start, b"PLAIN AMQPLAIN");
    enc::longstr(&mut start, b"en_US");
    let mut start_ok = table(&[]);
    ss(&mut start_ok, "PLAIN");
    enc::longstr(&mut start_ok, b"\0guest\0guest");
    ss(&mut start_ok, "en_US");
    let mut tune = Vec::new();
    short(&mut tune, 2047);
    long(&mut tune, 131072);
    short(&mut tune, 60);
    let mut open = Vec::new();
    ss(&mut open, "/");
    ss(&mut open, "");
    open.push(0);
    vec![
        c(0, PROTOCOL_HEADER.to_vec()),
        s(1, enc::method(0, 10, 10, &start)),
        c(2, enc::method(0, 10, 11, &start_ok)),
        s(3, enc::method(0, 10, 30, &tune)),
        c(
            3,
            [enc::method(0, 10, 31, &tune), enc::method(0, 10, 40, &open)].concat(),
        ),
        s(4, enc::method(0, 10, 41, &[0])),
        c(4, enc::method(1, 20, 10, &[0])),
        s(5, enc::method(1, 20, 11, &[0, 0, 0, 0])),
    ]
}

fn publish_args(exchange: &str, rk: &str) -> Vec<u8> {
    let mut a = Vec::new();
    short(&mut a, 0);
    ss(&mut a, exchange);
    ss(&mut a, rk);
    a.push(0);
    a
}

fn deliver_args(tag: &str, dtag: u64, exchange: &str, rk: &str) -> Vec<u8> {
    let mut a = Vec::new();
    ss(&mut a, tag);
    a.extend_from_slice(&dtag.to_be_bytes());
    a.push(1);
    ss(&mut a, exchange);
    ss(&mut a, rk);
    a
}

fn queue_declare(q: &str) -> Vec<u8> {
    let mut a = Vec::new();
    short(&mut a, 0);
    ss(&mut a, q);
    a.push(0b0000_0010); // durable
    a.extend(table(&[("x-max-length", {
        let mut v = vec![b'I'];
        long(&mut v, 1000);
        v
    })]));
    a
}

fn declare_ok(q: &str, n: u32) -> Vec<u8> {
    let mut a = Vec::new();
    ss(&mut a, q);
    long(&mut a, n);
    long(&mut a, 0);
    a
}

// ---- field tables -----------------------------------------------------------

#[test]
fn field_table_decodes_every_value_type() {
    let mut nested_arr = Vec::new();
    for v in [vec![b'I', 0, 0, 0, 1], vec![b'V'], vec![b't', 0]] {
        nested_arr.extend(v);
    }
    let mut arr = vec![b'A'];
    arr.extend((nested_arr.len() as u32).to_be_bytes());
    arr.extend(&nested_arr);
    let mut long_s = vec![b'S'];
    enc::longstr(&mut long_s, "héllo".as_bytes());
    let mut bin_s = vec![b'S'];
    enc::longstr(&mut bin_s, &[0xff, 0xfe]);
    let mut bytes_x = vec![b'x'];
    enc::longstr(&mut bytes_x, &[0, 1, 2]);
    let mut inner = vec![b'F'];
    inner.extend(table(&[("k", vec![b'u', 0, 7])]));
    let t = table(&[
        ("t", vec![b't', 1]),
        ("b", vec![b'b', 0xff]),
        ("B", vec![b'B', 0xff]),
        ("U", vec![b'U', 0xff, 0xfe]),
        ("u", vec![b'u', 0xff, 0xfe]),
        ("I", [vec![b'I'], (-5i32).to_be_bytes().to_vec()].concat()),
        (
            "i",
            [vec![b'i'], 4_000_000_000u32.to_be_bytes().to_vec()].concat(),
        ),
        ("L", [vec![b'L'], (-9i64).to_be_bytes().to_vec()].concat()),
        (
            "l",
            [vec![b'l'], (1i64 << 40).to_be_bytes().to_vec()].concat(),
        ),
        (
            "f",
            [vec![b'f'], 1.5f32.to_bits().to_be_bytes().to_vec()].concat(),
        ),
        (
            "d",
            [vec![b'd'], 2.25f64.to_bits().to_be_bytes().to_vec()].concat(),
        ),
        ("D", [vec![b'D', 2], 314i32.to_be_bytes().to_vec()].concat()),
        ("s", vec![b's', 0xff, 0xff]),
        ("S", long_s),
        ("Sbin", bin_s),
        ("A", arr),
        (
            "T",
            [vec![b'T'], 1_795_420_800u64.to_be_bytes().to_vec()].concat(),
        ),
        ("F", inner),
        ("V", vec![b'V']),
        ("x", bytes_x),
    ]);
    let mut r = wire::Reader::new(&t);
    let v = r.table(0).expect("table decodes");
    assert_eq!(r.remaining(), 0);
    assert_eq!(
        v,
        json!({
            "t": true, "b": -1, "B": 255, "U": -2, "u": 65534, "I": -5, "i": 4_000_000_000u32,
            "L": -9, "l": 1i64 << 40, "f": 1.5, "d": 2.25, "D": "3.14", "s": -1,
            "S": "héllo", "Sbin": {"base64": "//4="}, "A": [1, null, false],
            "T": 1_795_420_800u64, "F": {"k": 7}, "V": null, "x": {"base64": "AAEC"}
        })
    );
}

#[test]
fn field_tables_are_bounded() {
    // Unknown type, truncated table, nesting beyond MAX_DEPTH: errors, never panics.
    assert_eq!(
        wire::Reader::new(&table(&[("k", vec![b'Z'])])).table(0),
        Err(wire::WireError::BadType(b'Z'))
    );
    assert_eq!(
        wire::Reader::new(&[0, 0, 0, 9, 1]).table(0),
        Err(wire::WireError::Short)
    );
    let mut t = table(&[]);
    for _ in 0..40 {
        let mut v = vec![b'F'];
        v.extend(&t);
        t = table(&[("n", v)]);
    }
    assert_eq!(
        wire::Reader::new(&t).table(0),
        Err(wire::WireError::TooDeep)
    );
    // More items than MAX_TABLE_ITEMS: cut and flagged.
    let items: Vec<(String, Vec<u8>)> = (0..wire::MAX_TABLE_ITEMS + 10)
        .map(|i| (format!("k{i}"), vec![b'V']))
        .collect();
    let refs: Vec<(&str, Vec<u8>)> = items.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let big = table(&refs);
    let mut r = wire::Reader::new(&big);
    let v = r.table(0).expect("decodes");
    assert_eq!(v.as_object().map(|m| m.len()), Some(wire::MAX_TABLE_ITEMS));
    assert!(r.capped);
    assert_eq!(wire::decimal(-5, 3), "-0.005");
    assert_eq!(wire::decimal(12345, 0), "12345");
}

// ---- conversations ----------------------------------------------------------

#[test]
fn handshake_pairs_and_redacts_credentials() {
    let mut ev = handshake();
    ev.push(c(
        10,
        enc::method(0, 10, 50, &{
            let mut a = Vec::new();
            short(&mut a, 200);
            ss(&mut a, "bye");
            short(&mut a, 0);
            short(&mut a, 0);
            a
        }),
    ));
    ev.push(s(11, enc::frame(8, 0, &[])));
    ev.push(s(12, enc::method(0, 10, 51, &[])));
    ev.push(Event::Close(T0 + 13 * MS));
    let r = split_run(&ev);
    assert_eq!(
        methods(&r),
        vec![
            ("Connection.Start".into(), "Connection.Start-Ok".into()),
            ("Connection.Tune".into(), "Connection.Tune-Ok".into()),
            ("Connection.Open".into(), "Connection.Open-Ok".into()),
            ("Channel.Open".into(), "Channel.Open-Ok".into()),
            ("Connection.Close".into(), "Connection.Close-Ok".into()),
        ]
    );
    let start = &r.entries[0];
    assert_eq!(start.protocol.name, "amqp");
    assert_eq!(start.protocol.version, "0-9-1");
    assert_eq!(start.protocol.abbr, "AMQP");
    assert_eq!(req(start)["serverProperties"]["product"], "RabbitMQ");
    assert_eq!(req(start)["versionMinor"], 9);
    assert_eq!(resp(start)["mechanism"], "PLAIN");
    assert_eq!(resp(start)["response"], "[12 bytes redacted]");
    assert_eq!(start.elapsed_time, 1);
    assert_eq!(req(&r.entries[1])["frameMax"], 131072);
    assert_eq!(req(&r.entries[2])["virtualHost"], "/");
    assert_eq!(req(&r.entries[3])["channel"], 1);
    let close = &r.entries[4];
    assert_eq!(req(close)["replyText"], "bye");
    assert_eq!(req(close)["heartbeats"], json!({"client": 0, "server": 1}));
    assert!(r.entries.iter().all(|e| e.diagnostics.is_empty() && !e.gap));
    let sum = Amqp.summarize(&r.entries[2]).expect("amqp");
    assert_eq!(sum.method, "Connection.Open");
    assert_eq!(sum.summary, "virtualHost=/");
}

fn props_header(channel: u16, body_size: u64) -> Vec<u8> {
    // Every basic property: flags bits 15..2.
    let mut p = Vec::new();
    ss(&mut p, "application/json");
    ss(&mut p, "utf-8");
    p.extend(table(&[("x-trace", {
        let mut v = vec![b'S'];
        enc::longstr(&mut v, b"abc");
        v
    })]));
    p.push(2);
    p.push(5);
    ss(&mut p, "corr-1");
    ss(&mut p, "replies");
    ss(&mut p, "60000");
    ss(&mut p, "msg-1");
    p.extend_from_slice(&1_795_420_800u64.to_be_bytes());
    ss(&mut p, "order.created");
    ss(&mut p, "guest");
    ss(&mut p, "app");
    ss(&mut p, "cluster");
    enc::header(channel, body_size, 0xFFFC, &p)
}

#[test]
fn publish_and_deliver_carry_properties_and_body() {
    let body = br#"{"order":1}"#;
    let mut ev = handshake();
    let mut publish = enc::method(1, 60, 40, &publish_args("mz.orders", "order.created"));
    publish.extend(props_header(1, body.len() as u64));
    publish.extend(enc::body(1, body));
    ev.push(c(10, publish));
    let mut deliver = enc::method(
        1,
        60,
        60,
        &deliver_args("ctag", 7, "mz.orders", "order.created"),
    );
    deliver.extend(enc::header(1, 5, 0, &[]));
    deliver.extend(enc::body(1, &[0xff, 0, 1, 2, 3]));
    ev.push(s(11, deliver));
    let mut ack = Vec::new();
    ack.extend_from_slice(&7u64.to_be_bytes());
    ack.push(0);
    ev.push(c(12, enc::method(1, 60, 80, &ack)));
    ev.push(Event::Close(T0 + 20 * MS));
    let r = split_run(&ev);
    let tail = &r.entries[4..];
    assert_eq!(tail.len(), 3, "{:#?}", tail);
    let p = req(&tail[0]);
    assert_eq!(p["method"], "Basic.Publish");
    assert_eq!(p["exchange"], "mz.orders");
    assert_eq!(p["routingKey"], "order.created");
    assert_eq!(p["mandatory"], false);
    assert_eq!(
        p["properties"],
        json!({
            "contentType": "application/json", "contentEncoding": "utf-8",
            "headers": {"x-trace": "abc"}, "deliveryMode": 2, "priority": 5,
            "correlationId": "corr-1", "replyTo": "replies", "expiration": "60000",
            "messageId": "msg-1", "timestamp": 1_795_420_800u64, "type": "order.created",
            "userId": "guest", "appId": "app", "clusterId": "cluster"
        })
    );
    assert_eq!(p["body"], json!({"text": "{\"order\":1}", "size": 11}));
    assert!(tail[0].response.is_none());
    assert_eq!(tail[0].timestamp, ((T0 + 10 * MS) / MS) as i64);
    let d = req(&tail[1]);
    assert_eq!(d["method"], "Basic.Deliver");
    assert_eq!(d["deliveryTag"], 7);
    assert_eq!(d["redelivered"], true);
    assert_eq!(d["consumerTag"], "ctag");
    assert_eq!(
        d["body"],
        json!({"text": "/wABAgM=", "encoding": "base64", "size": 5})
    );
    assert_eq!(req(&tail[2])["method"], "Basic.Ack");
    let sum = Amqp.summarize(&tail[0]).expect("amqp");
    assert_eq!(sum.summary, "exchange=mz.orders routingKey=order.created");
}

#[test]
fn content_assembles_across_frames_and_interleaved_channels() {
    // Channel 1 and 2 publish at once; their frames interleave. Body cap 10 bytes.
    let limits = Limits {
        max_body: 10,
        ..Limits::default()
    };
    let a = enc::method(1, 60, 40, &publish_args("", "q1"));
    let b = enc::method(2, 60, 40, &publish_args("", "q2"));
    let mut bytes = PROTOCOL_HEADER.to_vec();
    bytes.extend(a);
    bytes.extend(b);
    bytes.extend(enc::header(2, 6, 0, &[]));
    bytes.extend(enc::header(1, 17, 0, &[]));
    bytes.extend(enc::body(1, b"hello "));
    bytes.extend(enc::frame(8, 0, &[]));
    bytes.extend(enc::body(2, b"abc"));
    bytes.extend(enc::body(1, b"world, long"));
    bytes.extend(enc::body(2, b"def"));
    let ev = vec![c(1, bytes), Event::Close(T0 + 5 * MS)];
    let r = testing::assert_split_invariant(&Amqp, ctx_with(limits), &ev);
    assert_eq!(r.entries.len(), 2);
    let first = req(&r.entries[0]);
    assert_eq!(first["routingKey"], "q1");
    assert_eq!(
        first["body"],
        json!({"text": "hello worl", "size": 17, "truncated": true})
    );
    assert!(r.entries[0].truncated);
    let second = req(&r.entries[1]);
    assert_eq!(second["routingKey"], "q2");
    assert_eq!(second["body"], json!({"text": "abcdef", "size": 6}));
    assert!(!r.entries[1].truncated);
}

fn get_args(q: &str) -> Vec<u8> {
    let mut a = Vec::new();
    short(&mut a, 0);
    ss(&mut a, q);
    a.push(0);
    a
}

#[test]
fn synchronous_methods_pair_with_their_answers() {
    let mut ev = handshake();
    ev.push(c(10, enc::method(1, 50, 10, &queue_declare("test.q"))));
    // Basic.Consume on channel 2 while channel 1 waits: answers pair by channel.
    let mut consume = Vec::new();
    short(&mut consume, 0);
    ss(&mut consume, "test.q");
    ss(&mut consume, "");
    consume.push(0);
    consume.extend(table(&[]));
    ev.push(c(11, enc::method(2, 60, 20, &consume)));
    let mut cok = Vec::new();
    ss(&mut cok, "amq.ctag-1");
    ev.push(s(12, enc::method(2, 60, 21, &cok)));
    ev.push(s(13, enc::method(1, 50, 11, &declare_ok("test.q", 3))));
    // Basic.Get -> Get-Ok with content, then Get -> Get-Empty.
    ev.push(c(14, enc::method(1, 60, 70, &get_args("test.q"))));
    let mut getok = Vec::new();
    getok.extend_from_slice(&1u64.to_be_bytes());
    getok.push(0);
    ss(&mut getok, "");
    ss(&mut getok, "test.q");
    long(&mut getok, 2);
    let mut m = enc::method(1, 60, 71, &getok);
    m.extend(enc::header(1, 3, 0, &[]));
    m.extend(enc::body(1, b"msg"));
    ev.push(s(15, m));
    ev.push(c(16, enc::method(1, 60, 70, &get_args("test.q"))));
    ev.push(s(17, enc::method(1, 60, 72, &[0])));
    // Nack and Reject: one-way.
    ev.push(c(
        18,
        enc::method(1, 60, 120, &[0, 0, 0, 0, 0, 0, 0, 1, 0b10]),
    ));
    ev.push(c(19, enc::method(1, 60, 90, &[0, 0, 0, 0, 0, 0, 0, 2, 0])));
    // Tx and Confirm.
    ev.push(c(20, enc::method(3, 90, 10, &[])));
    ev.push(s(21, enc::method(3, 90, 11, &[])));
    ev.push(c(22, enc::method(3, 90, 20, &[])));
    ev.push(s(23, enc::method(3, 90, 21, &[])));
    ev.push(c(24, enc::method(3, 90, 30, &[])));
    ev.push(s(25, enc::method(3, 90, 31, &[])));
    ev.push(c(26, enc::method(4, 85, 10, &[0])));
    ev.push(s(27, enc::method(4, 85, 11, &[])));
    // Confirm.Select with no-wait: one-way.
    ev.push(c(28, enc::method(5, 85, 10, &[1])));
    // Channel.Close by the client, Close-Ok by the server.
    let mut close = Vec::new();
    short(&mut close, 200);
    ss(&mut close, "Normal shutdown");
    short(&mut close, 0);
    short(&mut close, 0);
    ev.push(c(29, enc::method(1, 20, 40, &close)));
    ev.push(s(30, enc::method(1, 20, 41, &[])));
    ev.push(Event::Close(T0 + 40 * MS));
    let r = split_run(&ev);
    let got = methods(&r);
    let want: Vec<(String, String)> = [
        ("Basic.Consume", "Basic.Consume-Ok"),
        ("Queue.Declare", "Queue.Declare-Ok"),
        ("Basic.Get", "Basic.Get-Ok"),
        ("Basic.Get", "Basic.Get-Empty"),
        ("Basic.Nack", ""),
        ("Basic.Reject", ""),
        ("Tx.Select", "Tx.Select-Ok"),
        ("Tx.Commit", "Tx.Commit-Ok"),
        ("Tx.Rollback", "Tx.Rollback-Ok"),
        ("Confirm.Select", "Confirm.Select-Ok"),
        ("Confirm.Select", ""),
        ("Channel.Close", "Channel.Close-Ok"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(&got[4..], &want[..]);
    let decl = &r.entries[5];
    assert_eq!(req(decl)["queue"], "test.q");
    assert_eq!(req(decl)["durable"], true);
    assert_eq!(req(decl)["arguments"], json!({"x-max-length": 1000}));
    assert_eq!(resp(decl)["messageCount"], 3);
    assert_eq!(decl.elapsed_time, 3);
    let get = &r.entries[6];
    assert_eq!(resp(get)["body"]["text"], "msg");
    assert_eq!(resp(get)["messageCount"], 2);
    assert_eq!(req(&r.entries[8])["requeue"], true);
    assert_eq!(req(&r.entries[8])["multiple"], false);
    assert!(r.entries.iter().all(|e| e.diagnostics.is_empty()));
    assert_eq!(Amqp.summarize(decl).expect("amqp").summary, "queue=test.q");
}

#[test]
fn unanswered_requests_and_channel_errors() {
    let mut ev = handshake();
    ev.push(c(10, enc::method(1, 50, 10, &queue_declare("missing"))));
    let mut close = Vec::new();
    short(&mut close, 404);
    ss(&mut close, "NOT_FOUND - no queue 'missing'");
    short(&mut close, 50);
    short(&mut close, 10);
    ev.push(s(11, enc::method(1, 20, 40, &close)));
    ev.push(c(12, enc::method(1, 20, 41, &[])));
    ev.push(c(13, enc::method(2, 60, 70, &get_args("q"))));
    ev.push(Event::Close(T0 + 20 * MS));
    let r = split_run(&ev);
    let tail = &r.entries[4..];
    assert_eq!(tail.len(), 3);
    assert_eq!(req(&tail[0])["method"], "Queue.Declare");
    assert!(tail[0].response.is_none());
    assert_eq!(
        tail[0].diagnostics,
        vec!["no response: Channel.Close by the server (404 NOT_FOUND - no queue 'missing')"]
    );
    assert_eq!(req(&tail[1])["method"], "Channel.Close");
    assert_eq!(req(&tail[1])["replyCode"], 404);
    assert_eq!(resp(&tail[1])["method"], "Channel.Close-Ok");
    assert_eq!(req(&tail[2])["method"], "Basic.Get");
    assert_eq!(tail[2].diagnostics, vec!["no response captured"]);
}

#[test]
fn midstream_pickup_resynchronises_on_frame_boundaries() {
    // The capture starts inside a body frame on the client side and inside a method
    // frame on the server side: later frames still decode.
    let body = vec![b'x'; 300];
    let mut publish = enc::method(1, 60, 40, &publish_args("", "q"));
    publish.extend(enc::header(1, 300, 0, &[]));
    publish.extend(enc::body(1, &body));
    let mut client = publish[publish.len() - 100..].to_vec(); // tail of the body frame
    let mut publish2 = enc::method(1, 60, 40, &publish_args("ex", "rk"));
    publish2.extend(enc::header(1, 2, 0, &[]));
    publish2.extend(enc::body(1, b"ok"));
    client.extend(&publish2);
    let declare_ok_frame = enc::method(1, 50, 11, &declare_ok("q", 1));
    let mut server = declare_ok_frame[5..].to_vec();
    let deliver = [
        enc::method(1, 60, 60, &deliver_args("t", 1, "ex", "rk")),
        enc::header(1, 2, 0, &[]),
        enc::body(1, b"hi"),
    ]
    .concat();
    server.extend(&deliver);
    let ev = vec![c(1, client), s(2, server), Event::Close(T0 + 9 * MS)];
    let r = split_run(&ev);
    assert_eq!(
        methods(&r),
        vec![
            ("Basic.Publish".into(), String::new()),
            ("Basic.Deliver".into(), String::new())
        ]
    );
    assert_eq!(req(&r.entries[0])["body"]["text"], "ok");
    assert_eq!(req(&r.entries[1])["body"]["text"], "hi");
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.contains("bytes skipped to resynchronise"))
    );
}

#[test]
fn gap_inside_a_body_is_counted_not_spliced() {
    let mut first = PROTOCOL_HEADER.to_vec();
    first.extend(enc::method(1, 60, 40, &publish_args("", "q")));
    first.extend(enc::header(1, 20, 0, &[]));
    let frame = enc::body(1, b"0123456789abcdefghij");
    first.extend(&frame[..12]); // header + "01234"
    let rest = frame[17..].to_vec(); // "fghij" + end octet
    let ev = vec![
        c(1, first),
        Event::Gap(C, T0 + 2 * MS, 5),
        c(3, rest),
        c(4, enc::method(1, 60, 80, &[0, 0, 0, 0, 0, 0, 0, 1, 0])),
        Event::Close(T0 + 5 * MS),
    ];
    let r = split_run(&ev);
    assert_eq!(r.entries.len(), 2);
    let e = &r.entries[0];
    assert!(e.gap);
    assert!(e.truncated);
    assert_eq!(
        req(e)["body"],
        json!({"text": "01234", "size": 20, "truncated": true})
    );
    assert_eq!(req(&r.entries[1])["method"], "Basic.Ack");
}

#[test]
fn gap_across_frames_resynchronises() {
    let mut first = PROTOCOL_HEADER.to_vec();
    first.extend(enc::method(1, 60, 40, &publish_args("", "q")));
    first.extend(enc::header(1, 4, 0, &[]));
    let ev = vec![
        c(1, first),
        // The body frame and half of the next method are lost.
        Event::Gap(C, T0 + 2 * MS, 20),
        c(3, enc::method(1, 50, 10, &queue_declare("x"))[3..].to_vec()),
        c(4, enc::method(1, 50, 10, &queue_declare("after"))),
        s(5, enc::method(1, 50, 11, &declare_ok("after", 0))),
        Event::Close(T0 + 6 * MS),
    ];
    let r = split_run(&ev);
    assert_eq!(r.entries.len(), 2, "{:#?}", r.entries);
    assert_eq!(req(&r.entries[0])["method"], "Basic.Publish");
    assert!(r.entries[0].gap);
    assert_eq!(req(&r.entries[1])["queue"], "after");
    assert_eq!(resp(&r.entries[1])["queue"], "after");
}

#[test]
fn garbage_and_unknown_methods_never_panic() {
    let mut bytes = PROTOCOL_HEADER.to_vec();
    bytes.extend(enc::method(1, 99, 1, &[1, 2, 3]));
    bytes.extend([1, 0, 1, 0xff, 0xff, 0xff, 0xff, 0]); // implausible size
    bytes.extend(enc::method(1, 60, 80, &[0, 0, 0, 0, 0, 0, 0, 9, 0]));
    let ev = vec![c(1, bytes), Event::Close(T0 + 2 * MS)];
    let r = split_run(&ev);
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.contains("unknown AMQP method 99.1"))
    );
    assert_eq!(methods(&r), vec![("Basic.Ack".into(), String::new())]);
    for seed in 0..=255u8 {
        let mut data = vec![seed];
        data.extend((0..2000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> (seed % 24)) as u8));
        let _ = testing::run(
            &Amqp,
            testing::fuzz_context(5672),
            &testing::fuzz_events(&data),
        );
    }
}

#[test]
fn probe_recognises_header_and_frames() {
    let pctx = |dir| ProbeContext {
        client: SocketAddr::from(([10, 0, 0, 1], 40000)),
        server: SocketAddr::from(([10, 0, 0, 2], 5672)),
        dir,
        handshake_seen: false,
    };
    let p = |d: &[u8], dir| Amqp.probe(d, &pctx(dir));
    assert_eq!(p(PROTOCOL_HEADER, C), Probe::Match { from_client: true });
    assert_eq!(p(b"AMQP\x00", C), Probe::NeedMore);
    assert_eq!(p(b"AMQP\x00\x01\x00\x00", C), Probe::NoMatch);
    assert_eq!(p(b"GET / HTTP/1.1\r\n", C), Probe::NoMatch);
    // A deliver seen in the "client" direction: the server sent it (flip).
    let deliver = enc::method(1, 60, 60, &deliver_args("t", 1, "", "q"));
    assert_eq!(p(&deliver, C), Probe::Match { from_client: false });
    assert_eq!(p(&deliver[..10], S), Probe::NeedMore);
    // A lone heartbeat is too weak; a body frame followed by a heartbeat is enough.
    let hb = enc::frame(8, 0, &[]);
    assert_eq!(p(&hb, C), Probe::NoMatch);
    let two = [enc::body(1, b"abc"), hb].concat();
    assert_eq!(p(&two, S), Probe::Match { from_client: false });
    assert_eq!(
        p(&[3, 0, 1, 0, 0, 0, 3, b'a', b'b', b'c', 0], S),
        Probe::NoMatch
    );
    let mut unknown = deliver.clone();
    unknown[7] = 77;
    assert_eq!(p(&unknown, C), Probe::NoMatch);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(96))]

    /// A real-looking conversation with bytes flipped, cut and repeated: never panics
    /// (debug builds also check that JSON members are written in key order).
    #[test]
    fn mutated_conversations_never_panic(
        flips in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::any::<u8>()), 0..6),
        cut in proptest::prelude::any::<proptest::sample::Index>(),
        dup in proptest::option::of((proptest::prelude::any::<proptest::sample::Index>(), 1usize..40)),
    ) {
        let mut client = PROTOCOL_HEADER.to_vec();
        let mut server = Vec::new();
        for ev in handshake().into_iter().skip(1) {
            match ev {
                Event::Data(C, _, b) => client.extend(b),
                Event::Data(_, _, b) => server.extend(b),
                _ => {}
            }
        }
        client.extend(enc::method(1, 50, 10, &queue_declare("q")));
        server.extend(enc::method(1, 50, 11, &declare_ok("q", 3)));
        let body = br#"{"order":1,"note":"a \"quoted\" word"}"#;
        client.extend(enc::method(1, 60, 40, &publish_args("ex", "rk")));
        client.extend(props_header(1, body.len() as u64));
        client.extend(enc::body(1, &body[..10]));
        client.extend(enc::body(1, &body[10..]));
        server.extend(enc::method(1, 60, 60, &deliver_args("ctag", 7, "ex", "rk")));
        server.extend(props_header(1, 3));
        server.extend(enc::body(1, &[0xff, 0xfe, 0]));
        let mut close = Vec::new();
        short(&mut close, 200);
        ss(&mut close, "bye");
        short(&mut close, 0);
        short(&mut close, 0);
        client.extend(enc::method(0, 10, 50, &close));
        client.extend(enc::frame(8, 0, &[]));
        server.extend(enc::method(0, 10, 51, &[]));
        let all = client.len() + server.len();
        let mut bytes = [client, server].concat();
        for (at, v) in &flips {
            let i = at.index(bytes.len());
            bytes[i] ^= v;
        }
        if let Some((at, n)) = dup {
            let i = at.index(bytes.len());
            let piece = bytes[i..(i + n).min(bytes.len())].to_vec();
            bytes.splice(i..i, piece);
        }
        let split = (all - body.len()).min(bytes.len());
        let (client, server) = bytes.split_at(split);
        let client = &client[..cut.index(client.len() + 1)];
        let ev = vec![
            c(1, client.to_vec()),
            s(2, server.to_vec()),
            Event::Close(T0 + 3 * MS),
        ];
        for e in testing::run(&Amqp, ctx(), &ev) {
            for p in [&e.request, &e.response] {
                if let Payload::Raw(r) = p {
                    proptest::prop_assert!(serde_json::from_str::<Value>(r.as_str()).is_ok());
                }
            }
            let _ = Amqp.summarize(&e);
        }
    }
}

/// A method frame header claiming 2^32-1 bytes, then `ids` (class, method) and filler.
fn oversized_frame(ids: [u16; 2]) -> Vec<u8> {
    let mut v = vec![1, 0, 1, 0xff, 0xff, 0xff, 0xff];
    v.extend_from_slice(&ids[0].to_be_bytes());
    v.extend_from_slice(&ids[1].to_be_bytes());
    v.extend_from_slice(&[0x55; 40]);
    v
}

/// Issue 12 item 4: a server frame of 2^32-1 bytes between two Declare-Oks. Its answer
/// still answers the first Declare (marked truncated, with the reason), the next
/// Declare-Ok pairs with its own Declare, and the skipped bytes are on that entry.
#[test]
fn oversized_server_frame_does_not_shift_declare_oks() {
    let mut ev = handshake();
    ev.push(c(
        10,
        [
            enc::method(1, 50, 10, &queue_declare("q1")),
            enc::method(1, 50, 10, &queue_declare("q2")),
        ]
        .concat(),
    ));
    ev.push(s(11, oversized_frame([50, 11])));
    ev.push(s(12, enc::method(1, 50, 11, &declare_ok("q2", 7))));
    ev.push(Event::Close(T0 + 13 * MS));
    let r = split_run(&ev);
    let decl: Vec<&Entry> = r
        .entries
        .iter()
        .filter(|e| req(e)["method"] == "Queue.Declare")
        .collect();
    assert_eq!(decl.len(), 2, "{:#?}", r.entries);
    assert_eq!(req(decl[0])["queue"], "q1");
    assert!(decl[0].response.is_none() && decl[0].truncated);
    assert_eq!(
        decl[0].diagnostics,
        [
            "its answer (Queue.Declare-Ok) came in an AMQP frame of 4294967295 bytes, over the \
          131072 byte limit: skipped"
                .replace("131072", &wire::MAX_FRAME.to_string())
        ]
    );
    assert_eq!(req(decl[1])["queue"], "q2");
    assert_eq!(resp(decl[1])["queue"], "q2");
    assert_eq!(resp(decl[1])["messageCount"], 7);
    assert_eq!(
        decl[1].diagnostics,
        [format!(
            "AMQP frame of 4294967295 bytes exceeds {}: 51 bytes skipped to resynchronise on \
             a frame boundary",
            wire::MAX_FRAME
        )]
    );
    assert!(r.skipped.is_empty());
}

/// Same, when the skipped frame's method cannot be read: the Declare-Ok after it names
/// its queue, so it still pairs with its own Declare (not the first one waiting).
#[test]
fn declare_ok_pairs_by_queue_name_after_skipped_bytes() {
    let mut ev = handshake();
    ev.push(c(
        10,
        [
            enc::method(1, 50, 10, &queue_declare("q1")),
            enc::method(1, 50, 10, &queue_declare("q2")),
        ]
        .concat(),
    ));
    ev.push(s(11, oversized_frame([0xdead, 0xbeef])));
    ev.push(s(12, enc::method(1, 50, 11, &declare_ok("q2", 7))));
    ev.push(Event::Close(T0 + 13 * MS));
    let r = split_run(&ev);
    let decl: Vec<&Entry> = r
        .entries
        .iter()
        .filter(|e| req(e)["method"] == "Queue.Declare")
        .collect();
    assert_eq!(decl.len(), 2, "{:#?}", r.entries);
    assert_eq!(req(decl[0])["queue"], "q2");
    assert_eq!(resp(decl[0])["queue"], "q2");
    assert_eq!(req(decl[1])["queue"], "q1");
    assert!(decl[1].response.is_none());
    assert!(
        decl[1]
            .diagnostics
            .contains(&"no response captured".to_owned())
    );
}

/// Issue 12 item 4: a client frame of 2^32-1 bytes after valid traffic, with no entry
/// open to carry it: every skipped byte is reported as unparsed, with the reason.
#[test]
fn oversized_client_frame_is_counted_with_a_reason() {
    let mut ev = handshake();
    ev.push(c(10, oversized_frame([60, 40])));
    ev.push(Event::Close(T0 + 11 * MS));
    let r = split_run(&ev);
    assert_eq!(r.entries.len(), 4, "{:#?}", r.entries);
    let total: u64 = r.skipped.iter().map(|s| s.bytes).sum();
    assert_eq!(
        total + r.stats.unparsed_bytes,
        51,
        "{:?} {:?}",
        r.skipped,
        r.stats
    );
    assert!(
        r.skipped
            .iter()
            .all(|s| s.reason == "amqp: unframeable or unattributable frames")
    );
    assert!(total > 0);
}
