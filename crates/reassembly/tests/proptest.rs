//! Property tests: random byte streams cut into random segments, reordered within a
//! window, duplicated (and, in the second property, dropped or truncated) must come out
//! as exactly the original bytes at exactly the right offsets.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;

use mizu_reassembly::{
    CloseReason, Direction, FlowInfo, Nanos, ReassemblyConfig, ReassemblyStats, StreamHandler,
    TcpFlags, TcpReassembler, TcpSegment,
};
use proptest::prelude::*;

/// Checks every callback against the original streams as it happens.
struct Checker {
    orig: [Vec<u8>; 2],
    cursor: [u64; 2],
    delivered: [Vec<u8>; 2],
    gap_bytes: [u64; 2],
    fins: [u32; 2],
    opens: u32,
    closes: Vec<CloseReason>,
    errors: Vec<String>,
}

impl Checker {
    fn new(orig: [Vec<u8>; 2]) -> Self {
        Checker {
            orig,
            cursor: [0; 2],
            delivered: [Vec::new(), Vec::new()],
            gap_bytes: [0; 2],
            fins: [0; 2],
            opens: 0,
            closes: Vec::new(),
            errors: Vec::new(),
        }
    }
}

impl StreamHandler<()> for Checker {
    fn open(&mut self, _info: &FlowInfo) {
        self.opens += 1;
    }
    fn data(&mut self, _: &mut (), _: &FlowInfo, dir: Direction, _: Nanos, data: &[u8]) {
        let d = dir.index();
        let at = self.cursor[d] as usize;
        let want = self.orig[d].get(at..at + data.len());
        if want != Some(data) {
            self.errors.push(format!(
                "{dir:?}: {} bytes at {at} do not match",
                data.len()
            ));
        }
        self.cursor[d] += data.len() as u64;
        self.delivered[d].extend_from_slice(data);
    }
    fn gap(&mut self, _: &mut (), _: &FlowInfo, dir: Direction, _: Nanos, len: u64) {
        let d = dir.index();
        self.cursor[d] += len;
        self.gap_bytes[d] += len;
        if self.cursor[d] > self.orig[d].len() as u64 {
            self.errors
                .push(format!("{dir:?}: gap of {len} runs past the end"));
        }
    }
    fn fin(&mut self, _: &mut (), _: &FlowInfo, dir: Direction, _: Nanos) {
        let d = dir.index();
        self.fins[d] += 1;
        if self.cursor[d] != self.orig[d].len() as u64 {
            self.errors.push(format!(
                "{dir:?}: FIN at {} of {}",
                self.cursor[d],
                self.orig[d].len()
            ));
        }
    }
    fn close(&mut self, _: (), _: &FlowInfo, _: Nanos, reason: CloseReason) {
        self.closes.push(reason);
    }
}

/// splitmix64: the test's own deterministic randomness, seeded by proptest.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One planned segment: direction, stream offset, length, FIN, captured length.
#[derive(Clone, Copy, Debug)]
struct Plan {
    dir: usize,
    off: u64,
    len: u64,
    fin: bool,
    captured: u64,
    dropped: bool,
}

struct Scenario {
    streams: [Vec<u8>; 2],
    isn: [u32; 2],
    seed: u64,
    max_seg: u64,
    window: u64,
    dup_pct: u64,
    overlap_pct: u64,
    drop_pct: u64,
    trunc_pct: u64,
}

/// Runs a scenario; returns the checker and the reassembler's final counters.
fn run(sc: &Scenario) -> (Checker, ReassemblyStats) {
    let mut rng = Rng(sc.seed);
    let mut per_dir: [Vec<Plan>; 2] = [Vec::new(), Vec::new()];
    for (d, list) in per_dir.iter_mut().enumerate() {
        let total = sc.streams[d].len() as u64;
        let mut off = 0;
        while off < total {
            let len = (1 + rng.below(sc.max_seg)).min(total - off);
            list.push(Plan {
                dir: d,
                off,
                len,
                fin: false,
                captured: len,
                dropped: false,
            });
            // A repacketised retransmission overlapping earlier data.
            if rng.chance(sc.overlap_pct) {
                let back = rng.below(off + 1);
                let l = (1 + rng.below(2 * sc.max_seg)).min(total - (off - back));
                list.push(Plan {
                    dir: d,
                    off: off - back,
                    len: l,
                    fin: false,
                    captured: l,
                    dropped: false,
                });
            }
            off += len;
        }
        list.push(Plan {
            dir: d,
            off: total,
            len: 0,
            fin: true,
            captured: 0,
            dropped: false,
        });
    }
    // Interleave the directions, keeping each in order.
    let mut order = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < per_dir[0].len() || j < per_dir[1].len() {
        let take0 = j >= per_dir[1].len() || (i < per_dir[0].len() && rng.chance(50));
        if take0 {
            order.push(per_dir[0][i]);
            i += 1;
        } else {
            order.push(per_dir[1][j]);
            j += 1;
        }
    }
    // Reorder within a window.
    for k in 0..order.len() {
        let w = rng.below(sc.window) as usize;
        let other = (k + w).min(order.len() - 1);
        order.swap(k, other);
    }
    // Duplicate: a copy shortly after the original.
    let mut k = 0;
    while k < order.len() {
        if rng.chance(sc.dup_pct) {
            let at = (k + 1 + rng.below(sc.window) as usize).min(order.len());
            order.insert(at, order[k]);
        }
        k += 1;
    }
    // Drop or truncate data segments (never a FIN).
    for p in order.iter_mut().filter(|p| !p.fin) {
        if rng.chance(sc.drop_pct) {
            p.dropped = true;
        } else if p.len > 0 && rng.chance(sc.trunc_pct) {
            p.captured = rng.below(p.len);
        }
    }

    let client: SocketAddr = "192.168.1.10:51000".parse().expect("addr");
    let server: SocketAddr = "192.168.1.20:8080".parse().expect("addr");
    let ends = [client, server];
    let mut checker = Checker::new(sc.streams.clone());
    let mut r: TcpReassembler<()> = TcpReassembler::new(ReassemblyConfig::default());
    let flags = |syn, ack, fin| TcpFlags {
        syn,
        ack,
        fin,
        rst: false,
        psh: false,
    };
    let mk = |d: usize, ts, seq, ack, f, payload| TcpSegment {
        ts,
        src: ends[d],
        dst: ends[1 - d],
        seq,
        ack,
        flags: f,
        window: 1000,
        payload,
        missing: 0,
    };
    let data_start = [sc.isn[0].wrapping_add(1), sc.isn[1].wrapping_add(1)];
    r.segment(
        &mk(0, 1, sc.isn[0], 0, flags(true, false, false), &[]),
        &mut checker,
    );
    r.segment(
        &mk(
            1,
            2,
            sc.isn[1],
            data_start[0],
            flags(true, true, false),
            &[],
        ),
        &mut checker,
    );
    r.segment(
        &mk(
            0,
            3,
            data_start[0],
            data_start[1],
            flags(false, true, false),
            &[],
        ),
        &mut checker,
    );

    // What each direction's receiver has got (captured or not), for ACK numbers: the
    // contiguous prefix, plus the ranges beyond it in a min-heap.
    let mut prefix = [0u64; 2];
    let mut pending: [BinaryHeap<Reverse<(u64, u64)>>; 2] = [BinaryHeap::new(), BinaryHeap::new()];
    let mut fin_sent = [false; 2];
    for (n, p) in order.iter().enumerate() {
        let d = p.dir;
        let peer = 1 - d;
        let peer_total = sc.streams[peer].len() as u64;
        let ack_off = prefix[peer] + u64::from(fin_sent[peer] && prefix[peer] >= peer_total);
        let ack = data_start[peer].wrapping_add(ack_off as u32);
        pending[d].push(Reverse((p.off, p.off + p.len)));
        while let Some(&Reverse((s, e))) = pending[d].peek() {
            if s > prefix[d] {
                break;
            }
            prefix[d] = prefix[d].max(e);
            pending[d].pop();
        }
        if p.fin {
            fin_sent[d] = true;
        }
        if p.dropped {
            continue;
        }
        let bytes = &sc.streams[d][p.off as usize..(p.off + p.captured) as usize];
        let mut seg = mk(
            d,
            10 + n as u64 * 1000,
            data_start[d].wrapping_add(p.off as u32),
            ack,
            flags(false, true, p.fin),
            bytes,
        );
        seg.missing = (p.len - p.captured) as u32;
        r.segment(&seg, &mut checker);
    }
    r.finish(&mut checker);
    assert_eq!(r.active_flows(), 0);
    assert_eq!(r.buffered_bytes(), 0);
    (checker, r.stats().clone())
}

fn isn() -> impl Strategy<Value = u32> {
    prop_oneof![any::<u32>(), (u32::MAX - 40_000)..=u32::MAX]
}

fn stream() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..20_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn reordered_duplicated_streams_come_out_exact(
        c2s in stream(), s2c in stream(), isn_c in isn(), isn_s in isn(), seed in any::<u64>(),
        max_seg in 1u64..1600, window in 1u64..24, dup_pct in 0u64..40, overlap_pct in 0u64..20,
    ) {
        let sc = Scenario {
            streams: [c2s, s2c], isn: [isn_c, isn_s], seed, max_seg, window, dup_pct,
            overlap_pct, drop_pct: 0, trunc_pct: 0,
        };
        let (ch, st) = run(&sc);
        prop_assert!(ch.errors.is_empty(), "{:?}", ch.errors);
        prop_assert_eq!(&ch.delivered[0], &sc.streams[0]);
        prop_assert_eq!(&ch.delivered[1], &sc.streams[1]);
        prop_assert_eq!(st.gaps, 0);
        prop_assert_eq!(st.ooo_dropped_bytes, 0);
        prop_assert_eq!(st.bytes_delivered, (sc.streams[0].len() + sc.streams[1].len()) as u64);
        prop_assert_eq!(ch.gap_bytes, [0, 0]);
        prop_assert_eq!(ch.fins, [1, 1]);
        prop_assert_eq!(ch.opens, 1);
        prop_assert_eq!(ch.closes, vec![CloseReason::Fin]);
    }

    #[test]
    fn lossy_streams_account_for_every_byte(
        c2s in stream(), s2c in stream(), isn_c in isn(), isn_s in isn(), seed in any::<u64>(),
        max_seg in 1u64..1600, window in 1u64..24, dup_pct in 0u64..30, overlap_pct in 0u64..20,
        drop_pct in 0u64..30, trunc_pct in 0u64..15,
    ) {
        let sc = Scenario {
            streams: [c2s, s2c], isn: [isn_c, isn_s], seed, max_seg, window, dup_pct,
            overlap_pct, drop_pct, trunc_pct,
        };
        let (ch, _) = run(&sc);
        prop_assert!(ch.errors.is_empty(), "{:?}", ch.errors);
        for d in 0..2 {
            let total = sc.streams[d].len() as u64;
            prop_assert_eq!(ch.delivered[d].len() as u64 + ch.gap_bytes[d], total);
            prop_assert_eq!(ch.cursor[d], total);
            prop_assert_eq!(ch.fins[d], 1);
        }
        prop_assert_eq!(ch.opens, 1);
        prop_assert_eq!(ch.closes.len(), 1);
    }
}

fn fixed_streams() -> [Vec<u8>; 2] {
    let mut rng = Rng(42);
    let mk = |rng: &mut Rng, n: usize| (0..n).map(|_| rng.next() as u8).collect::<Vec<u8>>();
    [mk(&mut rng, 20_000), mk(&mut rng, 15_000)]
}

/// The generator really produces what the properties claim to survive.
#[test]
fn generator_exercises_reordering_duplicates_and_overlaps() {
    let sc = Scenario {
        streams: fixed_streams(),
        isn: [u32::MAX - 3000, 17],
        seed: 7,
        max_seg: 1460,
        window: 8,
        dup_pct: 30,
        overlap_pct: 15,
        drop_pct: 0,
        trunc_pct: 0,
    };
    let (ch, st) = run(&sc);
    assert!(ch.errors.is_empty(), "{:?}", ch.errors);
    assert_eq!(ch.delivered, sc.streams);
    assert!(st.out_of_order_segments > 0, "{st:?}");
    assert!(st.duplicate_segments > 0, "{st:?}");
    assert!(st.overlap_bytes > 0, "{st:?}");
    assert_eq!(st.gaps, 0);
}

#[test]
fn generator_exercises_loss() {
    let sc = Scenario {
        streams: fixed_streams(),
        isn: [5, u32::MAX - 100],
        seed: 9,
        max_seg: 1000,
        window: 6,
        dup_pct: 10,
        overlap_pct: 5,
        drop_pct: 15,
        trunc_pct: 10,
    };
    let (ch, st) = run(&sc);
    assert!(ch.errors.is_empty(), "{:?}", ch.errors);
    assert!(st.gaps > 0, "{st:?}");
    for d in 0..2 {
        assert_eq!(
            ch.delivered[d].len() as u64 + ch.gap_bytes[d],
            sc.streams[d].len() as u64
        );
    }
    assert_eq!(ch.closes, vec![CloseReason::Fin]);
}
