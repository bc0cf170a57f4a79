//! Segmentation independence, end to end: every committed capture is replayed with its
//! TCP payloads re-cut (into single bytes, at seeded random points, and — for the `-i any`
//! capture — each duplicate copy cut differently, so copies overlap at other boundaries).
//! The entries must be identical to those of the original packets: what mizu shows must
//! not depend on how TCP, the NIC or the capture cut the stream.

use etherparse::PacketBuilder;
use mizu_engine::{Engine, EngineConfig};
use mizu_source::{FileSource, PacketSource};
use mizu_wire::{Decoded, Decoder, LinkType, RawPacket, TcpSegment};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/http1");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("testdata/http1")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    v.sort();
    v
}

/// One captured packet, owned.
struct Pkt {
    ts: u64,
    link: LinkType,
    data: Vec<u8>,
    orig_len: u32,
}

fn load(path: &Path) -> Vec<Pkt> {
    let mut src = FileSource::open(path).expect("open fixture");
    let mut out = Vec::new();
    while let Some(p) = src.next_packet().expect("read fixture") {
        out.push(Pkt {
            ts: p.ts,
            link: p.link,
            data: p.data.to_vec(),
            orig_len: p.orig_len,
        });
    }
    out
}

fn entries(pkts: &[Pkt]) -> Vec<String> {
    let mut engine = Engine::new(
        EngineConfig::default(),
        mizu_dissectors::Registry::default().dissectors(),
    );
    let mut out = Vec::new();
    let mut sink = |e: mizu_model::Entry| {
        let mut v = serde_json::to_value(&e).expect("entry JSON");
        // The capture-time flow id is an artefact of packet order, not of content.
        v["flow"] = serde_json::Value::Null;
        out.push(v.to_string());
    };
    for p in pkts {
        let raw = RawPacket {
            ts: p.ts,
            link: p.link,
            data: &p.data,
            orig_len: p.orig_len,
        };
        engine.push(&raw, &mut sink);
    }
    engine.finish(&mut sink);
    out
}

/// Rebuilds a TCP segment as a raw IP packet carrying `payload` at `seq`.
fn build(seg: &TcpSegment<'_>, seq: u32, payload: &[u8], first: bool, last: bool) -> Vec<u8> {
    let ip = match (seg.src, seg.dst) {
        (SocketAddr::V4(s), SocketAddr::V4(d)) => {
            PacketBuilder::ipv4(s.ip().octets(), d.ip().octets(), 64)
        }
        (SocketAddr::V6(s), SocketAddr::V6(d)) => {
            PacketBuilder::ipv6(s.ip().octets(), d.ip().octets(), 64)
        }
        _ => unreachable!("mixed address families in one segment"),
    };
    let mut b = ip.tcp(seg.src.port(), seg.dst.port(), seq, seg.window);
    if seg.flags.ack {
        b = b.ack(seg.ack);
    }
    if seg.flags.syn && first {
        b = b.syn();
    }
    if seg.flags.rst && last {
        b = b.rst();
    }
    if seg.flags.fin && last {
        b = b.fin();
    }
    if seg.flags.psh && last {
        b = b.psh();
    }
    let mut out = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut out, payload).expect("build packet");
    out
}

/// A tiny deterministic generator (xorshift) for reproducible cuts.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Re-cuts every complete TCP payload with `cut(len) -> piece sizes`.
fn resegment(pkts: &[Pkt], mut cut: impl FnMut(usize) -> Vec<usize>) -> Vec<Pkt> {
    let mut decoder = Decoder::default();
    let mut out = Vec::new();
    for p in pkts {
        let raw = RawPacket {
            ts: p.ts,
            link: p.link,
            data: &p.data,
            orig_len: p.orig_len,
        };
        let pieces = match decoder.decode(&raw) {
            Decoded::Tcp(seg) if seg.missing == 0 && seg.payload.len() > 1 => {
                let sizes = cut(seg.payload.len());
                let mut at = 0usize;
                let mut v = Vec::new();
                for (i, n) in sizes.iter().enumerate() {
                    let piece = &seg.payload[at..at + n];
                    let seq = seg.seq.wrapping_add(at as u32);
                    v.push(build(&seg, seq, piece, i == 0, i + 1 == sizes.len()));
                    at += n;
                }
                Some(v)
            }
            _ => None,
        };
        match pieces {
            Some(v) => out.extend(v.into_iter().map(|data| Pkt {
                ts: p.ts,
                link: LinkType::Raw,
                orig_len: data.len() as u32,
                data,
            })),
            None => out.push(Pkt {
                ts: p.ts,
                link: p.link,
                data: p.data.clone(),
                orig_len: p.orig_len,
            }),
        }
    }
    out
}

fn random_cuts(rng: &mut Rng, len: usize) -> Vec<usize> {
    let mut v = Vec::new();
    let mut left = len;
    while left > 0 {
        let n = 1 + (rng.next() as usize % left.min(1460));
        v.push(n);
        left -= n;
    }
    v
}

#[test]
fn entries_do_not_depend_on_segmentation() {
    let files = fixtures();
    assert!(files.len() >= 10);
    for f in files {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_owned();
        let pkts = load(&f);
        let want = entries(&pkts);
        assert!(!want.is_empty(), "{name}: no entries");
        // Single bytes (the big-body capture is cut into 64-byte pieces to stay fast).
        let unit = if name.contains("big") { 64 } else { 1 };
        let bytes = resegment(&pkts, |len| {
            let mut v = vec![unit; len / unit];
            if len % unit > 0 {
                v.push(len % unit);
            }
            v
        });
        assert_eq!(
            entries(&bytes),
            want,
            "{name}: cut into {unit}-byte segments"
        );
        for seed in 1..=5u64 {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
            let cut = resegment(&pkts, |len| random_cuts(&mut rng, len));
            assert_eq!(entries(&cut), want, "{name}: random cuts, seed {seed}");
        }
    }
}
