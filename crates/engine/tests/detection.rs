//! Detection properties (issue 14), end to end through the engine:
//!
//! - every entry of every committed capture carries the protocol of its directory, and
//!   has something to show in the list (a method, a path/summary or a status): an entry
//!   with none of them is never the output of a successful decode;
//! - random bytes on the ports real protocols use produce no entries at all, only
//!   "unparsed" counters;
//! - byte-level conversations built here (Kafka with an empty client id, oversized Kafka
//!   frames) are detected and accounted for as the issues ask.

use etherparse::PacketBuilder;
use mizu_engine::{Engine, EngineConfig, EngineStats};
use mizu_model::Entry;
use mizu_source::{FileSource, PacketSource};
use mizu_wire::{LinkType, RawPacket};
use std::path::{Path, PathBuf};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// Every capture under `testdata/<protocol>/` (and its `large/`), with the directory name.
fn fixtures() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(testdata()).expect("testdata").flatten() {
        let proto = dir.file_name().to_string_lossy().into_owned();
        for sub in [dir.path(), dir.path().join("large")] {
            let Ok(files) = std::fs::read_dir(&sub) else {
                continue;
            };
            for f in files.flatten() {
                let p = f.path();
                if p.extension().is_some_and(|x| x == "pcap" || x == "pcapng") {
                    out.push((proto.clone(), p));
                }
            }
        }
    }
    out.sort();
    out
}

/// Runs raw packets through a default engine: (entries, counters).
fn run(pkts: impl IntoIterator<Item = (u64, LinkType, Vec<u8>)>) -> (Vec<Entry>, EngineStats) {
    let mut engine = Engine::new(
        EngineConfig::default(),
        mizu_dissectors::Registry::default().dissectors(),
    );
    let mut entries = Vec::new();
    let mut sink = |e: Entry| entries.push(e);
    for (ts, link, data) in pkts {
        let raw = RawPacket {
            ts,
            link,
            data: &data,
            orig_len: data.len() as u32,
        };
        engine.push(&raw, &mut sink);
    }
    engine.finish(&mut sink);
    let stats = engine.stats();
    (entries, stats)
}

/// Every unparsed byte has a reason.
fn reasons_add_up(stats: &EngineStats) {
    assert_eq!(
        stats.unparsed_reasons.values().sum::<u64>(),
        stats.unparsed_bytes,
        "{stats:#?}"
    );
}

fn run_file(path: &Path) -> (Vec<Entry>, EngineStats) {
    let mut src = FileSource::open(path).expect("open fixture");
    let mut pkts = Vec::new();
    while let Some(p) = src.next_packet().expect("read fixture") {
        pkts.push((p.ts, p.link, p.data.to_vec()));
    }
    run(pkts)
}

/// `protocol.name`s a directory's captures may produce.
fn allowed(dir: &str) -> Vec<&'static str> {
    match dir {
        // The HTTP/1 captures include a WebSocket upgrade (a `websocket` dissector may
        // take the connection over after the 101).
        "http1" => vec!["http", "websocket"],
        // The upgrade request is HTTP; every message after the 101 is a WebSocket entry.
        "websocket" => vec!["http", "websocket"],
        // Otherwise `testdata/<id>/` holds the protocol registered as `<id>` (a new
        // protocol needs no line here).
        id => mizu_dissectors::Registry::default()
            .by_id(id)
            .map(|d| vec![d.info().name])
            .unwrap_or_default(),
    }
}

#[test]
fn every_fixture_entry_has_its_protocol_and_something_to_show() {
    let files = fixtures();
    assert!(files.len() >= 40, "fixtures missing: {}", files.len());
    let mut bad = Vec::new();
    for (dir, path) in &files {
        let (entries, stats) = run_file(path);
        reasons_add_up(&stats);
        assert!(!entries.is_empty(), "{}: no entries", path.display());
        for (i, e) in entries.iter().enumerate() {
            let name: &str = &e.protocol.name;
            if !allowed(dir).contains(&name) {
                bad.push(format!("{}#{i}: protocol {name}", path.display()));
            }
            let s = mizu_dissectors::registry::summarize(e);
            if s.method.is_empty() && s.summary.is_empty() && s.status.is_none() {
                bad.push(format!(
                    "{}#{i}: empty method, summary and status: {}",
                    path.display(),
                    serde_json::to_string(e)
                        .unwrap_or_default()
                        .chars()
                        .take(300)
                        .collect::<String>()
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} bad entries:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// A TCP conversation as raw IPv4 packets: handshake (optional), data both ways with
/// consistent sequence numbers, FIN both ways.
struct Conv {
    client: ([u8; 4], u16),
    server: ([u8; 4], u16),
    seq: [u32; 2],
    ts: u64,
    pkts: Vec<(u64, LinkType, Vec<u8>)>,
}

impl Conv {
    fn new(client_port: u16, server_port: u16, handshake: bool) -> Conv {
        let mut c = Conv {
            client: ([10, 9, 0, 1], client_port),
            server: ([10, 9, 0, 2], server_port),
            seq: [1000, 5000],
            ts: 1_700_000_000_000_000_000,
            pkts: Vec::new(),
        };
        if handshake {
            c.packet(0, &[], |b| b.syn());
            c.seq[0] += 1;
            c.packet(1, &[], |b| b.syn());
            c.seq[1] += 1;
        }
        c
    }

    fn packet(
        &mut self,
        from: usize,
        payload: &[u8],
        flags: impl Fn(
            etherparse::PacketBuilderStep<etherparse::TcpHeader>,
        ) -> etherparse::PacketBuilderStep<etherparse::TcpHeader>,
    ) {
        let (src, dst) = if from == 0 {
            (self.client, self.server)
        } else {
            (self.server, self.client)
        };
        let b = PacketBuilder::ipv4(src.0, dst.0, 64).tcp(src.1, dst.1, self.seq[from], 65535);
        let b = flags(b.ack(self.seq[1 - from]));
        let mut out = Vec::with_capacity(b.size(payload.len()));
        b.write(&mut out, payload).expect("build packet");
        self.ts += 1_000_000;
        self.pkts.push((self.ts, LinkType::Raw, out));
    }

    /// `data` from the client (`from` 0) or the server (1), in segments of at most 1400.
    fn send(&mut self, from: usize, data: &[u8]) -> &mut Conv {
        for piece in data.chunks(1400) {
            self.packet(from, piece, |b| b.psh());
            self.seq[from] = self.seq[from].wrapping_add(piece.len() as u32);
        }
        self
    }

    fn close(mut self) -> Vec<(u64, LinkType, Vec<u8>)> {
        self.packet(0, &[], |b| b.fin());
        self.seq[0] += 1;
        self.packet(1, &[], |b| b.fin());
        self.pkts
    }
}

/// xorshift64*: reproducible random bytes without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn random_bytes_on_common_ports_produce_no_entries() {
    let ports = [80u16, 443, 8080, 3000, 6379, 9092, 5672, 50051, 8443];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut pkts = Vec::new();
    let mut sent = 0u64;
    for (i, &port) in ports.iter().enumerate() {
        for k in 0..24u16 {
            let mut c = Conv::new(40_000 + i as u16 * 100 + k, port, k % 2 == 0);
            for _ in 0..3 {
                let n = 1 + (rng.next() % 3000) as usize;
                let d = rng.bytes(n);
                sent += n as u64;
                c.send(0, &d);
                let n = 1 + (rng.next() % 3000) as usize;
                let d = rng.bytes(n);
                sent += n as u64;
                c.send(1, &d);
            }
            pkts.extend(c.close());
        }
    }
    let (entries, stats) = run(pkts);
    let shown: Vec<String> = entries
        .iter()
        .take(5)
        .map(|e| {
            serde_json::to_string(e)
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect()
        })
        .collect();
    assert!(
        entries.is_empty(),
        "{} entries from random bytes, e.g.:\n{}",
        entries.len(),
        shown.join("\n")
    );
    assert!(stats.flows >= ports.len() as u64 * 24, "{stats:#?}");
    reasons_add_up(&stats);
    assert_eq!(stats.flows_dissected, 0, "{stats:#?}");
    // Every byte is accounted for as unparsed (no entry shows any of it).
    assert_eq!(
        stats.unparsed_bytes + stats.midstream_skipped_bytes + stats.session_gap_bytes,
        sent,
        "{stats:#?}"
    );
}

/// A Kafka frame: length prefix + `body`.
fn kframe(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

/// Issue 14 item 1: `ApiVersions v0` with an empty client id (the hex of the issue), then
/// `Metadata v8` with an empty client id, and the broker's answers.
fn kafka_empty_client_id() -> (Vec<u8>, Vec<u8>) {
    let mut client = vec![
        0x00, 0x00, 0x00, 0x0a, 0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    ];
    // Metadata v8: key 3, version 8, correlation 2, client id "", all topics (null),
    // allow auto-creation, no authorized-operations flags.
    client.extend(kframe(&[
        0, 3, 0, 8, 0, 0, 0, 2, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0,
    ]));
    let mut server = kframe(&[
        0, 0, 0, 1, // correlation 1
        0, 0, // no error
        0, 0, 0, 2, // two API keys
        0, 0, 0, 0, 0, 9, // Produce 0..9
        0, 3, 0, 0, 0, 12, // Metadata 0..12
    ]);
    let mut meta = vec![0, 0, 0, 2, 0, 0, 0, 0]; // correlation 2, throttle 0
    meta.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 0, 5]); // one broker: id 1, host
    meta.extend_from_slice(b"kafka");
    meta.extend_from_slice(&[0, 0, 0x23, 0x84, 0xff, 0xff]); // port 9092, rack null
    meta.extend_from_slice(&[0, 2, b'c', b'1']); // cluster id
    meta.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0]); // controller 1, no topics
    meta.extend_from_slice(&[0x80, 0, 0, 0]); // cluster authorized operations: unset
    server.extend(kframe(&meta));
    (client, server)
}

fn kafka_checks(entries: &[Entry]) {
    assert_eq!(entries.len(), 2, "{entries:#?}");
    for (e, (name, cid)) in entries.iter().zip([("ApiVersions", 1), ("Metadata", 2)]) {
        assert_eq!(&*e.protocol.name, "kafka");
        let req = e.request.json().expect("request JSON");
        assert_eq!(req["apiKeyName"], name);
        assert_eq!(req["clientID"], "");
        assert_eq!(req["correlationID"], cid);
        assert!(!e.response.is_none(), "{name}: no response");
        assert!(e.diagnostics.is_empty(), "{name}: {:?}", e.diagnostics);
        let s = mizu_dissectors::registry::summarize(e);
        assert_eq!(s.method, name);
    }
}

#[test]
fn kafka_with_an_empty_client_id_is_detected() {
    let (client, server) = kafka_empty_client_id();
    // With the handshake, and joined mid-stream (no SYN seen), on Kafka's port and off it.
    for (port, handshake) in [(9092, true), (9092, false), (19092, true), (19092, false)] {
        let mut c = Conv::new(45_000, port, handshake);
        let (a, b) = client.split_at(14);
        c.send(0, a);
        c.send(1, &server[..26]);
        c.send(0, b);
        c.send(1, &server[26..]);
        let (entries, stats) = run(c.close());
        kafka_checks(&entries);
        assert_eq!(stats.unparsed_bytes, 0, "port {port}: {stats:#?}");
    }
}

/// Issue 12 item 4: a Kafka frame claiming 2^31-1 bytes after valid traffic: its bytes
/// are counted, with the reason, when no entry can carry them; on the next request's
/// diagnostics when one follows.
#[test]
fn oversized_kafka_frames_are_accounted_for() {
    let (client, server) = kafka_empty_client_id();
    let mut junk = vec![0x7f, 0xff, 0xff, 0xff];
    junk.extend_from_slice(&[0x42; 200]);

    let mut c = Conv::new(45_001, 9092, true);
    c.send(0, &client[..14]).send(1, &server[..26]);
    c.send(0, &client[14..]).send(1, &server[26..]);
    c.send(0, &junk);
    let (entries, stats) = run(c.close());
    kafka_checks(&entries);
    assert_eq!(stats.unparsed_bytes, 204, "{stats:#?}");
    // The last 3 bytes are too short to be judged as a frame start: the session still
    // holds them at close; the rest was skipped by Kafka, with its reason.
    assert_eq!(
        stats
            .unparsed_reasons
            .get("kafka: malformed or oversized frames"),
        Some(&201),
        "{stats:#?}"
    );
    assert_eq!(
        stats.unparsed_reasons.get(mizu_engine::UNFINISHED),
        Some(&3),
        "{stats:#?}"
    );

    // The same junk between the two requests: the skipped bytes are on the next entry.
    let mut c = Conv::new(45_002, 9092, true);
    c.send(0, &client[..14]).send(1, &server[..26]);
    c.send(0, &junk);
    c.send(0, &client[14..]).send(1, &server[26..]);
    let (entries, stats) = run(c.close());
    assert_eq!(entries.len(), 2, "{entries:#?}");
    assert_eq!(
        entries[1].diagnostics,
        ["kafka: skipped 204 client bytes (malformed or oversized frames) to find the next frame"]
    );
    assert_eq!(stats.unparsed_bytes, 0, "{stats:#?}");
}

/// Issue 14 item 2: inline commands with bare LF line ends, at the connection start (with
/// and without the handshake) and after a capture that joined mid-stream (the first
/// segments are the end of an earlier value and its reply).
#[test]
fn redis_inline_commands_with_line_feeds_are_detected() {
    for (handshake, midstream) in [(true, false), (false, false), (false, true)] {
        let mut c = Conv::new(46_000, 6379, handshake);
        if midstream {
            c.send(0, b"lue-7\r\n").send(1, b"+OK\r\n");
        }
        c.send(0, b"SET p1 1\nGET p1\n");
        c.send(1, b"+OK\r\n$1\r\n1\r\n");
        let (entries, stats) = run(c.close());
        let got: Vec<(String, String)> = entries
            .iter()
            .filter(|e| !e.request.is_none())
            .map(|e| {
                let s = mizu_dissectors::registry::summarize(e);
                (s.method, s.summary)
            })
            .collect();
        assert_eq!(
            got,
            [("SET".into(), "p1".into()), ("GET".into(), "p1".into())],
            "handshake {handshake}, mid-stream {midstream}: {entries:#?}"
        );
        for e in &entries {
            assert_eq!(&*e.protocol.name, "redis");
            let s = mizu_dissectors::registry::summarize(e);
            assert!(!s.method.is_empty() || !s.summary.is_empty(), "{e:#?}");
        }
        reasons_add_up(&stats);
    }
}
