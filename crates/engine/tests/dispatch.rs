//! The stream-level dispatcher goes through detection and upgrades exactly as packets do:
//! a conversation cut into any pieces gives the same entries as the uncut one.

use mizu_engine::{Dispatcher, EngineConfig};
use mizu_model::{Direction, Entry};

const REQ: &[u8] = b"GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n";
const RESP: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello";
const REQ2: &[u8] = b"POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
const RESP2: &[u8] = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";

fn run(cut: &dyn Fn(usize) -> usize) -> Vec<Entry> {
    let mut d = Dispatcher::new(
        EngineConfig::default(),
        mizu_dissectors::Registry::default().dissectors(),
    );
    let c = "10.0.0.1:40000".parse().expect("addr");
    let s = "10.0.0.2:8080".parse().expect("addr");
    d.open(1, c, s, true, 1_000);
    let mut ts = 1_000;
    for (dir, bytes) in [
        (Direction::ClientToServer, REQ),
        (Direction::ServerToClient, RESP),
        (Direction::ClientToServer, REQ2),
        (Direction::ServerToClient, RESP2),
    ] {
        ts += 1_000;
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = cut(rest.len()).clamp(1, rest.len());
            d.data(1, dir, ts, &rest[..n]);
            rest = &rest[n..];
        }
    }
    d.close(1, ts + 1);
    let mut out = Vec::new();
    d.drain(&mut |e| out.push(e));
    out
}

fn json(es: &[Entry]) -> Vec<String> {
    es.iter()
        .map(|e| serde_json::to_string(e).expect("json"))
        .collect()
}

#[test]
fn dispatcher_detects_and_dissects_whatever_the_cutting() {
    let whole = run(&|n| n);
    assert_eq!(whole.len(), 2, "two exchanges");
    let v: serde_json::Value = serde_json::to_value(&whole[0]).expect("json");
    assert_eq!(v["protocol"]["name"], "http");
    assert_eq!(v["request"]["path"], "/a");
    assert_eq!(v["response"]["status"], 200);
    assert_eq!(v["capture"], "pcap");
    let v2: serde_json::Value = serde_json::to_value(&whole[1]).expect("json");
    assert_eq!(v2["request"]["method"], "POST");
    assert_eq!(v2["response"]["status"], 201);
    for size in [1usize, 2, 3, 5, 7, 16] {
        assert_eq!(json(&run(&|_| size)), json(&whole), "pieces of {size}");
    }
}

#[test]
fn tick_closes_idle_flows_by_the_callers_clock() {
    let mut d = Dispatcher::new(
        EngineConfig::default(),
        mizu_dissectors::Registry::default().dissectors(),
    );
    let c = "10.0.0.1:40000".parse().expect("addr");
    let s = "10.0.0.2:8080".parse().expect("addr");
    d.open(9, c, s, true, 1);
    d.data(9, Direction::ClientToServer, 2, REQ);
    assert_eq!(d.active_flows(), 1);
    d.tick(3);
    assert_eq!(d.active_flows(), 1, "not idle yet");
    d.tick(2 + EngineConfig::default().reassembly.idle_timeout);
    assert_eq!(d.active_flows(), 0, "closed as idle");
    let mut out = Vec::new();
    d.drain(&mut |e| out.push(e));
    assert_eq!(out.len(), 1, "the unanswered request is emitted on close");
    d.data(9, Direction::ClientToServer, 5, b"x");
    assert_eq!(d.unknown_flow_events(), 1);
}

#[test]
fn capture_kind_comes_from_the_config() {
    let config = EngineConfig {
        capture: "af_packet",
        ..EngineConfig::default()
    };
    let mut d = Dispatcher::new(config, mizu_dissectors::Registry::default().dissectors());
    let c = "10.0.0.1:40000".parse().expect("addr");
    let s = "10.0.0.2:8080".parse().expect("addr");
    d.open(1, c, s, true, 1);
    d.data(1, Direction::ClientToServer, 2, REQ);
    d.data(1, Direction::ServerToClient, 3, RESP);
    d.close(1, 4);
    let mut out = Vec::new();
    d.drain(&mut |e| out.push(e));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].capture, "af_packet");
}

#[test]
fn websocket_upgrade_goes_through_detection_under_any_cutting() {
    use mizu_dissect::testing::Event;
    let c2s = Direction::ClientToServer;
    let s2c = Direction::ServerToClient;
    let events = vec![
        Event::Data(
            c2s,
            10,
            b"GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                .to_vec(),
        ),
        Event::Data(
            s2c,
            20,
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
                .to_vec(),
        ),
        // A masked client text frame "hi", then the server's unmasked "ok".
        Event::Data(c2s, 30, vec![0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2]),
        Event::Data(s2c, 40, vec![0x81, 0x02, b'o', b'k']),
        Event::Fin(c2s, 50),
        Event::Fin(s2c, 51),
        Event::Close(52),
    ];
    let c = "10.0.0.1:40000".parse().expect("addr");
    let s = "10.0.0.2:8080".parse().expect("addr");
    let entries = mizu_engine::testing::assert_split_invariant(
        mizu_dissectors::Registry::default().dissectors(),
        c,
        s,
        &events,
    );
    assert!(!entries.is_empty());
    let first: serde_json::Value = serde_json::to_value(&entries[0]).expect("json");
    assert_eq!(first["request"]["path"], "/chat");
    assert_eq!(first["response"]["status"], 101);
}
