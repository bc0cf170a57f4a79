//! The datagram path: UDP pseudo-flows reach datagram dissectors through the same
//! handler as streams; the table is bounded (evictions counted), idle pairs expire by
//! the caller's clock, unrecognised bytes are counted, stream dissectors never see UDP
//! and datagram dissectors never see TCP.

use std::net::SocketAddr;
use std::sync::Arc;

use mizu_dissect::{
    DatagramSession, Dissector, Output, Probe, ProbeContext, ProtocolInfo, Session, SessionContext,
    Summary, Transport,
};
use mizu_engine::{Dispatcher, EngineConfig};
use mizu_model::{Direction, Entry, Nanos, Payload};

static TOY: ProtocolInfo = ProtocolInfo {
    id: "toy",
    name: "toy",
    version: "1",
    abbr: "TOY",
    long_name: "a test datagram protocol",
    macro_name: "toy",
    macros: &[("toy", r#"protocol.name == "toy""#)],
    background_color: "#000000",
    foreground_color: "#ffffff",
    reference_link: "",
    ports: &[7777],
    priority: 9,
};

/// Datagrams starting with `TOY` are requests, `ACK` answers; one entry per pair.
struct Toy;

struct ToySession {
    ctx: SessionContext,
    pending: Option<(Nanos, String)>,
}

impl ToySession {
    fn flush(&mut self, out: &mut Output) {
        if let Some((ts, text)) = self.pending.take() {
            let mut e: Entry = self.ctx.new_entry(TOY.protocol());
            e.set_times(ts, None);
            e.request = Payload::Json(serde_json::json!({ "text": text }));
            out.emit(e);
        }
    }
}

impl DatagramSession for ToySession {
    fn on_datagram(&mut self, dir: Direction, ts: Nanos, data: &[u8], _m: u32, out: &mut Output) {
        self.flush(out);
        if dir == Direction::ClientToServer {
            self.pending = Some((ts, String::from_utf8_lossy(data).into_owned()));
        } else if let Some(last) = out.entries.last_mut() {
            last.response = Payload::Json(serde_json::json!({ "ack": true }));
        }
    }
    fn on_close(&mut self, _ts: Nanos, out: &mut Output) {
        self.flush(out);
    }
}

impl Dissector for Toy {
    fn info(&self) -> &'static ProtocolInfo {
        &TOY
    }
    fn probe(&self, data: &[u8], _ctx: &ProbeContext) -> Probe {
        if data.starts_with(b"TOY") {
            Probe::Match { from_client: true }
        } else if data.starts_with(b"ACK") {
            Probe::Match { from_client: false }
        } else {
            Probe::NoMatch
        }
    }
    fn new_session(&self, _ctx: SessionContext) -> Box<dyn Session> {
        unreachable!("the engine never opens a stream session of a datagram protocol")
    }
    fn transport(&self) -> Transport {
        Transport::Datagram
    }
    fn new_datagram_session(&self, ctx: SessionContext) -> Option<Box<dyn DatagramSession>> {
        Some(Box::new(ToySession { ctx, pending: None }))
    }
    fn summarize(&self, _entry: &Entry) -> Option<Summary> {
        None
    }
}

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("addr")
}

fn dispatcher(config: EngineConfig) -> Dispatcher {
    let mut list = mizu_dissectors::Registry::default().dissectors().to_vec();
    list.push(Arc::new(Toy));
    Dispatcher::new(config, &list)
}

fn drain(d: &mut Dispatcher) -> Vec<Entry> {
    let mut v = Vec::new();
    d.drain(&mut |e| v.push(e));
    v
}

#[test]
fn datagrams_become_entries_oriented_by_the_probe() {
    let mut d = dispatcher(EngineConfig::default());
    let (c, s) = (addr("10.0.0.1:40000"), addr("10.0.0.2:7777"));
    // The answer was captured first: the probe says its sender is the server.
    d.datagram(s, c, 1_000, b"ACK early");
    d.datagram(c, s, 2_000, b"TOY one");
    d.datagram(s, c, 3_000, b"ACK");
    d.datagram(c, s, 4_000, b"TOY two");
    d.finish(5_000);
    let entries = drain(&mut d);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].src.port, "40000");
    assert_eq!(entries[0].dst.port, "7777");
    assert_eq!(
        entries[0].request.json().expect("json")["text"],
        serde_json::json!("TOY one")
    );
    assert_eq!(entries[1].flow, entries[0].flow);
    let st = d.stats();
    assert_eq!(st.datagrams.datagrams, 4);
    assert_eq!(st.datagrams.flows, 1);
    assert_eq!(st.datagrams.flows_dissected, 1);
    assert_eq!(st.protocols["toy"].flows, 1);
    assert_eq!(st.protocols["toy"].entries, 2);
}

#[test]
fn the_table_is_bounded_and_idle_pairs_expire() {
    let config = EngineConfig {
        max_datagram_flows: 2,
        datagram_idle_timeout: 10_000,
        ..EngineConfig::default()
    };
    let mut d = dispatcher(config);
    let s = addr("10.0.0.9:7777");
    for i in 0..5u16 {
        let c = addr(&format!("10.0.0.1:{}", 40000 + i));
        d.datagram(c, s, 1_000 + u64::from(i), b"TOY x");
    }
    let st = d.stats();
    assert_eq!(st.datagrams.flows, 5);
    assert_eq!(st.datagrams.flows_evicted, 3);
    assert_eq!(st.datagrams.active_flows, 2);
    // Evicted pairs emitted their pending request when they were closed.
    assert_eq!(drain(&mut d).len(), 3);
    d.tick(1_004 + 10_000);
    let st = d.stats();
    assert_eq!(st.datagrams.flows_idle, 2);
    assert_eq!(st.datagrams.active_flows, 0);
    assert_eq!(drain(&mut d).len(), 2);
}

#[test]
fn unrecognised_datagrams_are_counted_and_probing_stops() {
    let mut d = dispatcher(EngineConfig::default());
    let (c, s) = (addr("10.0.0.1:5353"), addr("10.0.0.2:53"));
    for i in 0..10 {
        // Even an HTTP request over UDP: stream dissectors never see datagrams.
        d.datagram(c, s, 1_000 + i, b"GET / HTTP/1.1\r\n\r\n");
    }
    // After the probe limit the pair is left alone, even when a later datagram matches.
    d.datagram(c, s, 2_000, b"TOY late");
    d.finish(3_000);
    assert!(drain(&mut d).is_empty());
    let st = d.stats();
    assert_eq!(st.datagrams.unrecognised_bytes, 10 * 18 + 8);
    assert_eq!(st.datagrams.flows_dissected, 0);
    assert_eq!(st.entries, 0);
}

#[test]
fn datagram_dissectors_are_never_probed_on_streams() {
    let mut d = dispatcher(EngineConfig::default());
    let (c, s) = (addr("10.0.0.1:40000"), addr("10.0.0.2:7777"));
    d.open(1, c, s, true, 1);
    d.data(1, Direction::ClientToServer, 2, b"TOY over tcp");
    d.close(1, 3);
    assert!(drain(&mut d).is_empty());
    assert_eq!(d.stats().flows_unparsed, 1);
}
