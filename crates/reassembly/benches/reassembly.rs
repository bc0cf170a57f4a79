//! Throughput of the reassembler: in-order bidirectional traffic with 1460-byte
//! segments (the common case, zero-copy), the same traffic with every pair of segments
//! swapped (exercises the out-of-order buffer), and many interleaved flows.

use std::hint::black_box;
use std::net::SocketAddr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mizu_reassembly::{
    CloseReason, Direction, FlowInfo, Nanos, ReassemblyConfig, StreamHandler, TcpFlags,
    TcpReassembler, TcpSegment,
};

struct Count(u64);

impl StreamHandler<u64> for Count {
    fn open(&mut self, _: &FlowInfo) -> u64 {
        0
    }
    fn data(&mut self, s: &mut u64, _: &FlowInfo, _: Direction, _: Nanos, data: &[u8]) {
        *s += data.len() as u64 + u64::from(data[0]);
    }
    fn gap(&mut self, _: &mut u64, _: &FlowInfo, _: Direction, _: Nanos, _: u64) {}
    fn close(&mut self, s: u64, _: &FlowInfo, _: Nanos, _: CloseReason) {
        self.0 += s;
    }
}

const MSS: usize = 1460;

/// `per_dir` data segments each way on `flows` connections, interleaved round-robin.
fn build(payload: &[u8], flows: u16, per_dir: u32) -> Vec<TcpSegment<'_>> {
    let mut segs = Vec::new();
    let server: SocketAddr = "10.1.0.1:80".parse().expect("addr");
    let clients: Vec<SocketAddr> = (0..flows)
        .map(|i| SocketAddr::new("10.2.0.1".parse().expect("ip"), 20_000 + i))
        .collect();
    let (cisn, sisn) = (u32::MAX - 100_000, 7u32);
    let mut ts = 1_000;
    for &c in &clients {
        let syn = TcpFlags {
            syn: true,
            ..TcpFlags::default()
        };
        let synack = TcpFlags {
            syn: true,
            ack: true,
            ..TcpFlags::default()
        };
        let mk = |ts, src, dst, seq, ack, flags| TcpSegment {
            ts,
            src,
            dst,
            seq,
            ack,
            flags,
            window: 65535,
            payload: &[],
            missing: 0,
        };
        segs.push(mk(ts, c, server, cisn, 0, syn));
        segs.push(mk(ts, server, c, sisn, cisn.wrapping_add(1), synack));
    }
    for i in 0..per_dir {
        for &c in &clients {
            ts += 1_000;
            let off = i.wrapping_mul(MSS as u32);
            let cs = cisn.wrapping_add(1).wrapping_add(off);
            let ss = sisn.wrapping_add(1).wrapping_add(off);
            let mk = |src, dst, seq, ack| TcpSegment {
                ts,
                src,
                dst,
                seq,
                ack,
                flags: ack_flags(),
                window: 65535,
                payload,
                missing: 0,
            };
            // ACKs lag a round behind, so that the reordered variant never has an ACK
            // for bytes not yet seen (which would rightly be declared a gap).
            let lag = MSS as u32;
            segs.push(mk(c, server, cs, ss.wrapping_sub(lag)));
            segs.push(mk(server, c, ss, cs.wrapping_sub(lag)));
        }
    }
    segs
}

fn ack_flags() -> TcpFlags {
    TcpFlags {
        ack: true,
        ..TcpFlags::default()
    }
}

fn run(segs: &[TcpSegment<'_>]) -> u64 {
    let mut r: TcpReassembler<u64> = TcpReassembler::new(ReassemblyConfig::default());
    let mut h = Count(0);
    for s in segs {
        r.segment(s, &mut h);
    }
    r.finish(&mut h);
    h.0
}

fn benches(c: &mut Criterion) {
    let payload = vec![b'x'; MSS];
    let in_order = build(&payload, 1, 5_000);
    // Swap neighbouring segments of the same direction: every other one arrives early.
    let mut reordered = in_order.clone();
    let mut i = 2;
    while i + 2 < reordered.len() {
        reordered.swap(i, i + 2);
        i += 4;
    }
    let many = build(&payload, 1_000, 5);

    let mut g = c.benchmark_group("reassembly");
    for (name, segs) in [
        ("in_order_2dir_1460", &in_order),
        ("reordered_2dir_1460", &reordered),
        ("1000_flows_interleaved", &many),
    ] {
        // Every data byte is delivered exactly once.
        let data_segs = segs.iter().filter(|s| !s.payload.is_empty()).count() as u64;
        assert_eq!(run(segs), data_segs * (MSS as u64 + u64::from(b'x')));
        g.throughput(Throughput::Elements(segs.len() as u64));
        g.bench_function(name, |b| b.iter(|| run(black_box(segs))));
    }
    g.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
