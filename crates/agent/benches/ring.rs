//! Cost of keeping recent packets for pcap export (`PacketRing::push`, what `mizu tap`
//! does per captured packet with `--pcap-ring`), and of one export. Real frames: every
//! packet of `testdata/http1/11-nginx-keepalive.pcap`, copied onto 10,000 connections
//! (client ports rewritten) so the ring evicts like a busy node. Also prints the
//! process's resident memory after filling a 64 MiB ring (allocator slack included).
//!
//! `cargo bench -p mizu-agent --bench ring`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mizu_agent::packets::PacketRing;
use mizu_source::{FileSource, LinkType, PacketSource, RawPacket};
use std::hint::black_box;

fn frames() -> Vec<(LinkType, Vec<u8>)> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/http1/11-nginx-keepalive.pcap");
    let mut src = FileSource::open(&p).expect("fixture");
    let mut out = Vec::new();
    while let Ok(Some(pkt)) = src.next_packet() {
        out.push((pkt.link, pkt.data.to_vec()));
    }
    out
}

/// Rewrites the client (ephemeral, larger) port of an Ethernet + IPv4 + TCP frame so
/// each copy is another connection.
fn with_port(f: &[u8], i: u16) -> Vec<u8> {
    let mut f = f.to_vec();
    if f.len() > 38 {
        let (s, d) = (
            u16::from_be_bytes([f[34], f[35]]),
            u16::from_be_bytes([f[36], f[37]]),
        );
        let at = if s > d { 34 } else { 36 };
        f[at..at + 2].copy_from_slice(&(20000 + i).to_be_bytes());
    }
    f
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn fill(r: &mut PacketRing, packets: &[(LinkType, Vec<u8>)]) {
    for (i, (link, f)) in packets.iter().enumerate() {
        r.push(&RawPacket {
            ts: i as u64,
            link: *link,
            data: f,
            orig_len: f.len() as u32,
        });
    }
}

fn ring(c: &mut Criterion) {
    let base = frames();
    let mut packets = Vec::new();
    for i in 0..10_000u16 {
        for (link, f) in &base {
            packets.push((*link, with_port(f, i)));
        }
    }
    let bytes: usize = packets.iter().map(|(_, f)| f.len()).sum();
    let before = rss_kib();
    let mut r = PacketRing::new(64 << 20);
    fill(&mut r, &packets);
    let after = rss_kib();
    println!(
        "ring 64 MiB: {} packets ({} MiB of frames) pushed over 10000 connections, {:?}; RSS +{} MiB",
        packets.len(),
        bytes >> 20,
        r.stats(),
        after.saturating_sub(before) >> 10
    );
    let conns: Vec<_> = (0..100u16)
        .map(|i| {
            (
                std::net::SocketAddr::from(([10, 250, 0, 12], 20000 + 9_900 + i)),
                std::net::SocketAddr::from(([10, 250, 0, 11], 8081)),
            )
        })
        .collect();
    let e = r.export(&conns, u64::MAX);
    println!(
        "export of the 100 newest connections: found {}, missing {}, {} packets, {} KiB",
        e.found,
        e.missing,
        e.packets,
        e.pcap.len() >> 10
    );
    c.bench_function("export 100 connections", |b| {
        b.iter(|| black_box(r.export(&conns, u64::MAX).packets));
    });
    drop(r);

    let mut g = c.benchmark_group("packet ring");
    g.throughput(Throughput::Elements(packets.len() as u64));
    g.sample_size(10);
    g.bench_function("push into a 64 MiB ring", |b| {
        b.iter(|| {
            let mut r = PacketRing::new(64 << 20);
            fill(&mut r, &packets);
            black_box(r.stats())
        });
    });
    g.finish();
}

criterion_group!(benches, ring);
criterion_main!(benches);
