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

/// 100 connections each left holding an unfinished 4 KiB upload, through a dispatcher with
/// a 64 KiB budget: usage never stays over the budget after an event, whole flows are shed
/// and counted, and their cut requests come out marked `gap` with the budget named.
#[test]
fn dispatcher_keeps_the_global_memory_budget() {
    const FLOWS: u64 = 100;
    const BUDGET: usize = 64 << 10;
    let run = |max_memory: usize| {
        let config = EngineConfig {
            max_memory,
            ..EngineConfig::default()
        };
        let mut d = Dispatcher::new(config, mizu_dissectors::Registry::default().dissectors());
        let s = "10.0.0.2:8080".parse().expect("addr");
        let head = b"POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n";
        let body = [b'x'; 1024];
        let mut peak_after_event = 0;
        let mut ts = 1_000;
        for flow in 0..FLOWS {
            let c = std::net::SocketAddr::new([10, 0, 0, 1].into(), 40_000 + flow as u16);
            ts += 1_000;
            d.open(flow, c, s, true, ts);
            d.data(flow, Direction::ClientToServer, ts, head);
            peak_after_event = peak_after_event.max(d.memory_used());
            for _ in 0..4 {
                ts += 1_000;
                d.data(flow, Direction::ClientToServer, ts, &body);
                peak_after_event = peak_after_event.max(d.memory_used());
            }
        }
        let stats = d.stats();
        d.finish(ts + 1);
        let mut out = Vec::new();
        d.drain(&mut |e| out.push(e));
        (stats, peak_after_event, out)
    };

    let (free, free_peak, free_out) = run(0);
    assert_eq!(free.memory_shed_flows, 0);
    assert!(
        free_peak > 4 * BUDGET,
        "without a budget the 100 uploads hold {free_peak} bytes"
    );
    assert_eq!(free_out.len(), FLOWS as usize);

    let (stats, peak, out) = run(BUDGET);
    assert!(
        peak <= BUDGET,
        "usage after an event {peak} > budget {BUDGET}"
    );
    assert!(stats.memory_peak >= peak as u64);
    assert_eq!(stats.memory_budget, BUDGET as u64);
    assert!(
        stats.memory_shed_flows >= FLOWS / 2,
        "shed {} flows",
        stats.memory_shed_flows
    );
    assert!(stats.active_flows < FLOWS);
    // Every connection still yields its (cut) request; the shed ones say why.
    assert_eq!(out.len(), FLOWS as usize);
    let shed: Vec<&Entry> = out
        .iter()
        .filter(|e| e.diagnostics.iter().any(|d| d.contains("memory budget")))
        .collect();
    assert_eq!(shed.len() as u64, stats.memory_shed_flows);
    assert!(shed.iter().all(|e| e.gap));
}
