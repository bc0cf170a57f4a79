//! Unit tests: every behaviour of the reassembler checked through the callbacks it makes.

use std::net::SocketAddr;

use super::*;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ev {
    Open(u64, bool),
    Data(u64, Direction, Nanos, Vec<u8>),
    Gap(u64, Direction, Nanos, u64),
    Fin(u64, Direction),
    Close(u64, CloseReason),
}

#[derive(Default)]
struct Rec {
    ev: Vec<Ev>,
    infos: Vec<FlowInfo>,
}

impl StreamHandler<u64> for Rec {
    fn open(&mut self, info: &FlowInfo) -> u64 {
        self.ev.push(Ev::Open(info.id, info.handshake_seen));
        self.infos.push(info.clone());
        info.id
    }
    fn data(&mut self, state: &mut u64, info: &FlowInfo, dir: Direction, ts: Nanos, data: &[u8]) {
        assert_eq!(*state, info.id);
        assert!(!data.is_empty(), "empty data callback");
        self.ev.push(Ev::Data(info.id, dir, ts, data.to_vec()));
    }
    fn gap(&mut self, state: &mut u64, info: &FlowInfo, dir: Direction, ts: Nanos, len: u64) {
        assert_eq!(*state, info.id);
        assert!(len > 0, "empty gap callback");
        self.ev.push(Ev::Gap(info.id, dir, ts, len));
    }
    fn fin(&mut self, _state: &mut u64, info: &FlowInfo, dir: Direction, _ts: Nanos) {
        self.ev.push(Ev::Fin(info.id, dir));
    }
    fn close(&mut self, state: u64, info: &FlowInfo, _ts: Nanos, reason: CloseReason) {
        assert_eq!(state, info.id);
        self.ev.push(Ev::Close(info.id, reason));
    }
}

impl Rec {
    fn stream(&self, id: u64, dir: Direction) -> Vec<u8> {
        let mut out = Vec::new();
        for e in &self.ev {
            if let Ev::Data(i, d, _, bytes) = e
                && *i == id
                && *d == dir
            {
                out.extend_from_slice(bytes);
            }
        }
        out
    }
    fn gaps(&self, id: u64, dir: Direction) -> Vec<u64> {
        self.ev
            .iter()
            .filter_map(|e| match e {
                Ev::Gap(i, d, _, len) if *i == id && *d == dir => Some(*len),
                _ => None,
            })
            .collect()
    }
    fn closes(&self) -> Vec<(u64, CloseReason)> {
        self.ev
            .iter()
            .filter_map(|e| match e {
                Ev::Close(i, r) => Some((*i, *r)),
                _ => None,
            })
            .collect()
    }
    fn opens(&self) -> usize {
        self.ev.iter().filter(|e| matches!(e, Ev::Open(..))).count()
    }
    /// The events of one kind other than Open, in order, as a compact string for
    /// sequence assertions: D/G/F/C with direction letters c (client) / s (server).
    fn trace(&self) -> String {
        let d = |dir: &Direction| match dir {
            Direction::ClientToServer => 'c',
            Direction::ServerToClient => 's',
        };
        self.ev
            .iter()
            .map(|e| match e {
                Ev::Open(i, _) => format!("O{i}"),
                Ev::Data(_, dir, _, b) => format!("D{}{}", d(dir), b.len()),
                Ev::Gap(_, dir, _, l) => format!("G{}{}", d(dir), l),
                Ev::Fin(_, dir) => format!("F{}", d(dir)),
                Ev::Close(i, r) => format!("C{i}{r:?}"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

const C2S: Direction = Direction::ClientToServer;
const S2C: Direction = Direction::ServerToClient;
const SEC: Nanos = 1_000_000_000;

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("test address")
}

fn flags(s: &str) -> TcpFlags {
    TcpFlags {
        syn: s.contains('S'),
        ack: s.contains('A'),
        fin: s.contains('F'),
        rst: s.contains('R'),
        psh: s.contains('P'),
    }
}

/// A client (40000) / server (80) conversation builder.
struct Conv {
    c: SocketAddr,
    s: SocketAddr,
}

impl Conv {
    fn new() -> Self {
        Conv {
            c: addr("10.0.0.1:40000"),
            s: addr("10.0.0.2:80"),
        }
    }
    fn seg<'a>(
        &self,
        dir: Direction,
        ts: Nanos,
        seq: u32,
        ack: u32,
        f: &str,
        payload: &'a [u8],
    ) -> TcpSegment<'a> {
        let (src, dst) = match dir {
            Direction::ClientToServer => (self.c, self.s),
            Direction::ServerToClient => (self.s, self.c),
        };
        TcpSegment {
            ts,
            src,
            dst,
            seq,
            ack,
            flags: flags(f),
            window: 65535,
            payload,
            missing: 0,
        }
    }
}

fn new_r() -> TcpReassembler<u64> {
    TcpReassembler::new(ReassemblyConfig::default())
}

const CISN: u32 = 1000;
const SISN: u32 = 5000;

/// SYN, SYN-ACK, ACK with client ISN 1000 and server ISN 5000.
fn handshake(r: &mut TcpReassembler<u64>, h: &mut Rec, c: &Conv) {
    r.segment(&c.seg(C2S, 1, CISN, 0, "S", b""), h);
    r.segment(&c.seg(S2C, 2, SISN, CISN + 1, "SA", b""), h);
    r.segment(&c.seg(C2S, 3, CISN + 1, SISN + 1, "A", b""), h);
}

#[test]
fn handshake_and_both_directions() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    let req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    let req_len = req.len() as u32;
    let resp_len = resp.len() as u32;
    r.segment(&c.seg(C2S, 10, CISN + 1, SISN + 1, "PA", req), &mut h);
    r.segment(
        &c.seg(S2C, 20, SISN + 1, CISN + 1 + req_len, "PA", resp),
        &mut h,
    );
    r.segment(
        &c.seg(C2S, 30, CISN + 1 + req_len, SISN + 1 + resp_len, "FA", b""),
        &mut h,
    );
    assert_eq!(r.active_flows(), 1);
    r.segment(
        &c.seg(S2C, 40, SISN + 1 + resp_len, CISN + 2 + req_len, "FA", b""),
        &mut h,
    );
    assert_eq!(
        h.ev,
        vec![
            Ev::Open(1, true),
            Ev::Data(1, C2S, 10, req.to_vec()),
            Ev::Data(1, S2C, 20, resp.to_vec()),
            Ev::Fin(1, C2S),
            Ev::Fin(1, S2C),
            Ev::Close(1, CloseReason::Fin),
        ]
    );
    assert_eq!(h.infos[0].client, c.c);
    assert_eq!(h.infos[0].server, c.s);
    assert_eq!(h.infos[0].first_ts, 1);
    let st = r.stats();
    assert_eq!(st.segments, 7);
    assert_eq!(st.flows_opened, 1);
    assert_eq!(st.flows_closed, 1);
    assert_eq!(st.bytes_delivered, u64::from(req_len + resp_len));
    assert_eq!(st.gaps, 0);
    assert_eq!(r.active_flows(), 0);
}

#[test]
fn syn_ack_first_orients_and_seeds_client() {
    // The SYN was not captured: the SYN-ACK still orients the flow and its ACK number
    // tells where the client's stream starts.
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    r.segment(&c.seg(S2C, 1, SISN, CISN + 1, "SA", b""), &mut h);
    r.segment(&c.seg(C2S, 2, CISN + 1, SISN + 1, "PA", b"hello"), &mut h);
    assert_eq!(h.infos[0].client, c.c);
    assert!(h.infos[0].handshake_seen);
    assert_eq!(h.stream(1, C2S), b"hello");
    // A late copy of the SYN is consistent and absorbed.
    r.segment(&c.seg(C2S, 3, CISN, 0, "S", b""), &mut h);
    assert_eq!(h.opens(), 1);
}

#[test]
fn midstream_pickup_guesses_server() {
    // The engine adds the dissectors' ports (gRPC's 50051 among them) to the defaults.
    let mut config = ReassemblyConfig::default();
    config.server_ports.push(50051);
    let (c, mut r, mut h) = (Conv::new(), TcpReassembler::new(config), Rec::default());
    // First segment seen goes server -> client.
    r.segment(
        &c.seg(S2C, 5, 777, 123, "PA", b"HTTP/1.1 200 OK\r\n"),
        &mut h,
    );
    r.segment(&c.seg(C2S, 6, 123, 794, "PA", b"GET /next"), &mut h);
    assert_eq!(h.ev[0], Ev::Open(1, false));
    assert_eq!(h.infos[0].server, c.s);
    assert_eq!(h.infos[0].client, c.c);
    assert_eq!(h.stream(1, S2C), b"HTTP/1.1 200 OK\r\n");
    assert_eq!(h.stream(1, C2S), b"GET /next");
    assert_eq!(r.stats().midstream_pickups, 1);

    // Well-known port beats a lower ephemeral one (gRPC 50051 vs 50000).
    let g = Conv {
        c: addr("10.0.0.3:50000"),
        s: addr("10.0.0.4:50051"),
    };
    r.segment(&g.seg(C2S, 7, 1, 1, "A", b"x"), &mut h);
    assert_eq!(h.infos[1].server, g.s);
    // Two unknown ports: the lower one is the server.
    let u = Conv {
        c: addr("10.0.0.5:45000"),
        s: addr("10.0.0.6:33000"),
    };
    r.segment(&u.seg(S2C, 8, 1, 1, "A", b"y"), &mut h);
    assert_eq!(h.infos[2].server, u.s);
    assert_eq!(h.infos[2].client, u.c);
}

#[test]
fn retransmission_delivered_once() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    r.segment(&c.seg(C2S, 10, CISN + 1, SISN + 1, "PA", b"abcdef"), &mut h);
    r.segment(&c.seg(C2S, 11, CISN + 1, SISN + 1, "PA", b"abcdef"), &mut h);
    r.segment(&c.seg(C2S, 12, CISN + 7, SISN + 1, "PA", b"gh"), &mut h);
    assert_eq!(h.stream(1, C2S), b"abcdefgh");
    assert_eq!(r.stats().duplicate_segments, 1);
    assert_eq!(r.stats().duplicate_bytes, 6);
    assert_eq!(r.stats().bytes_delivered, 8);
}

#[test]
fn triplicated_packets_counted_once() {
    // `-i any`: every packet seen on three interfaces.
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    let segs = [
        c.seg(C2S, 1, CISN, 0, "S", b""),
        c.seg(S2C, 2, SISN, CISN + 1, "SA", b""),
        c.seg(C2S, 3, CISN + 1, SISN + 1, "A", b""),
        c.seg(C2S, 4, CISN + 1, SISN + 1, "PA", b"request"),
        c.seg(S2C, 5, SISN + 1, CISN + 8, "PA", b"response"),
        c.seg(C2S, 6, CISN + 8, SISN + 9, "PA", b"again"),
    ];
    for s in &segs {
        for _ in 0..3 {
            r.segment(s, &mut h);
        }
    }
    assert_eq!(h.stream(1, C2S), b"requestagain");
    assert_eq!(h.stream(1, S2C), b"response");
    assert_eq!(h.opens(), 1);
    let st = r.stats();
    // SYN and SYN-ACK copies are duplicate SYNs; data copies are duplicate segments; pure
    // ACK copies carry nothing to count.
    assert_eq!(st.duplicate_segments, 2 * 5);
    assert_eq!(st.duplicate_bytes, 2 * (7 + 8 + 5));
    assert_eq!(st.bytes_delivered, 7 + 8 + 5);
}

#[test]
fn partial_overlap_trims_old_part() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    r.segment(&c.seg(C2S, 10, CISN + 1, 0, "A", b"0123456789"), &mut h);
    // Overlaps 5 old bytes; the new copy says XXXXX for them but the first copy wins.
    r.segment(&c.seg(C2S, 11, CISN + 6, 0, "A", b"XXXXXabcde"), &mut h);
    assert_eq!(h.stream(1, C2S), b"0123456789abcde");
    assert_eq!(r.stats().overlap_bytes, 5);
}

#[test]
fn overlap_in_out_of_order_buffer_first_copy_wins() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    let base = CISN + 1;
    r.segment(&c.seg(C2S, 10, base + 10, 0, "A", b"KLMNOPQRST"), &mut h);
    r.segment(&c.seg(C2S, 11, base + 15, 0, "A", b"xxxxxUVWXY"), &mut h);
    r.segment(&c.seg(C2S, 12, base + 10, 0, "A", b"yyyyyyyyyy"), &mut h);
    assert_eq!(r.stats().duplicate_segments, 1);
    // The in-order segment overlaps the buffer at its tail: buffered bytes win.
    r.segment(&c.seg(C2S, 13, base, 0, "A", b"ABCDEFGHIJzz"), &mut h);
    assert_eq!(h.stream(1, C2S), b"ABCDEFGHIJKLMNOPQRSTUVWXY");
    assert_eq!(r.stats().overlap_bytes, 5 + 2);
    assert_eq!(r.buffered_bytes(), 0);
}

#[test]
fn out_of_order_fill_releases_in_order() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    let base = CISN + 1;
    r.segment(&c.seg(C2S, 10, base + 8, 0, "A", b"third"), &mut h);
    r.segment(&c.seg(C2S, 11, base + 4, 0, "A", b"2nd_"), &mut h);
    assert_eq!(r.buffered_bytes(), 9);
    assert_eq!(h.stream(1, C2S), b"");
    r.segment(&c.seg(C2S, 12, base, 0, "A", b"1st_"), &mut h);
    assert_eq!(h.stream(1, C2S), b"1st_2nd_third");
    // Released bytes carry the timestamp of the packet that filled the hole.
    let ts: Vec<Nanos> =
        h.ev.iter()
            .filter_map(|e| match e {
                Ev::Data(_, _, ts, _) => Some(*ts),
                _ => None,
            })
            .collect();
    assert_eq!(ts, vec![12, 12, 12]);
    assert_eq!(r.stats().out_of_order_segments, 2);
    assert_eq!(r.buffered_bytes(), 0);
    assert_eq!(r.stats().gaps, 0);
}

#[test]
fn hole_becomes_gap_after_timeout_on_tick() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    let base = CISN + 1;
    r.segment(&c.seg(C2S, SEC, base, 0, "A", b"0123456789"), &mut h);
    r.segment(&c.seg(C2S, SEC, base + 20, 0, "A", b"after"), &mut h);
    r.tick(5 * SEC, &mut h);
    assert!(h.gaps(1, C2S).is_empty(), "hole not old enough yet");
    r.tick(6 * SEC, &mut h);
    assert_eq!(h.gaps(1, C2S), vec![10]);
    assert_eq!(h.stream(1, C2S), b"0123456789after");
    assert!(h.ev.contains(&Ev::Gap(1, C2S, 6 * SEC, 10)));
    // The missing bytes arriving late are dropped, not delivered out of place.
    r.segment(
        &c.seg(C2S, 7 * SEC, base + 10, 0, "A", b"late late "),
        &mut h,
    );
    assert_eq!(h.stream(1, C2S), b"0123456789after");
    assert_eq!(r.stats().ooo_dropped_bytes, 10);
    assert_eq!(r.stats().duplicate_segments, 0);
}

#[test]
fn hole_becomes_gap_after_timeout_on_next_segment() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    let base = CISN + 1;
    r.segment(&c.seg(C2S, SEC, base + 3, 0, "A", b"def"), &mut h);
    // A packet of the same flow 6 s later (the other direction, even) expires the hole.
    r.segment(&c.seg(S2C, 7 * SEC, SISN + 1, 0, "A", b"pong"), &mut h);
    assert_eq!(h.trace(), "O1 Gc3 Dc3 Ds4");
}

#[test]
fn hole_becomes_gap_on_buffer_overflow() {
    let (c, mut h) = (Conv::new(), Rec::default());
    let mut r = TcpReassembler::new(ReassemblyConfig {
        max_buffered_per_direction: 100,
        ..ReassemblyConfig::default()
    });
    handshake(&mut r, &mut h, &c);
    let base = CISN + 1;
    let block = [b'x'; 50];
    r.segment(&c.seg(C2S, 10, base + 10, 0, "A", &block), &mut h);
    r.segment(&c.seg(C2S, 11, base + 60, 0, "A", &block), &mut h);
    assert_eq!(r.buffered_bytes(), 100);
    assert!(h.gaps(1, C2S).is_empty());
    // No room for a third: the 10-byte hole is given up on and everything flows.
    r.segment(&c.seg(C2S, 12, base + 110, 0, "A", &block), &mut h);
    assert_eq!(h.gaps(1, C2S), vec![10]);
    assert_eq!(h.stream(1, C2S).len(), 150);
    assert_eq!(r.buffered_bytes(), 0);
    assert_eq!(r.stats().gap_bytes, 10);
}

#[test]
fn global_buffer_budget_is_respected() {
    let (mut h, mut r) = (
        Rec::default(),
        TcpReassembler::new(ReassemblyConfig {
            max_buffered_total: 120,
            ..ReassemblyConfig::default()
        }),
    );
    let block = [b'y'; 50];
    for port in 0..5u16 {
        let c = Conv {
            c: SocketAddr::new(addr("10.0.0.1:1").ip(), 40000 + port),
            s: addr("10.0.0.2:80"),
        };
        handshake(&mut r, &mut h, &c);
        r.segment(&c.seg(C2S, 10, CISN + 11, 0, "A", &block), &mut h);
        assert!(r.buffered_bytes() <= 120);
    }
    assert_eq!(r.buffered_bytes(), 100);
    assert_eq!(r.stats().gaps, 3);
}

#[test]
fn ack_beyond_data_declares_gap_immediately() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    let base = CISN + 1;
    r.segment(&c.seg(C2S, 10, base, SISN + 1, "PA", b"0123456789"), &mut h);
    // Bytes 10..20 were never captured, but the server acknowledges them.
    r.segment(&c.seg(S2C, 11, SISN + 1, base + 20, "A", b""), &mut h);
    assert_eq!(h.gaps(1, C2S), vec![10]);
    assert!(h.ev.contains(&Ev::Gap(1, C2S, 11, 10)));
    r.segment(&c.seg(C2S, 12, base + 20, SISN + 1, "PA", b"next"), &mut h);
    assert_eq!(h.stream(1, C2S), b"0123456789next");

    // With buffered data beyond the hole: gap, then the buffered bytes, at the ACK.
    r.segment(
        &c.seg(C2S, 13, base + 30, SISN + 1, "PA", b"buffered"),
        &mut h,
    );
    r.segment(&c.seg(S2C, 14, SISN + 1, base + 38, "A", b""), &mut h);
    assert_eq!(h.gaps(1, C2S), vec![10, 6]);
    assert_eq!(h.stream(1, C2S), b"0123456789nextbuffered");
    assert_eq!(r.buffered_bytes(), 0);
    // A server response acknowledging exactly what was seen declares nothing.
    r.segment(&c.seg(S2C, 15, SISN + 1, base + 38, "PA", b"ok"), &mut h);
    assert_eq!(r.stats().gaps, 2);
}

#[test]
fn fin_waits_for_hole_then_closes() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    let base = CISN + 1;
    r.segment(&c.seg(C2S, 10, base + 5, 0, "FA", b"world"), &mut h);
    assert!(!h.ev.iter().any(|e| matches!(e, Ev::Fin(..))));
    r.segment(&c.seg(C2S, 11, base, 0, "A", b"hello"), &mut h);
    assert_eq!(h.trace(), "O1 Dc5 Dc5 Fc");
    // Data after the FIN is ignored.
    r.segment(&c.seg(C2S, 12, base + 11, 0, "A", b"junk"), &mut h);
    assert_eq!(r.stats().ignored_segments, 1);
    r.segment(&c.seg(S2C, 13, SISN + 1, base + 11, "FA", b"bye"), &mut h);
    assert_eq!(h.trace(), "O1 Dc5 Dc5 Fc Ds3 Fs C1Fin");
}

#[test]
fn rst_flushes_and_closes() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    let base = CISN + 1;
    r.segment(&c.seg(C2S, 10, base, 0, "A", b"abc"), &mut h);
    r.segment(&c.seg(C2S, 11, base + 6, 0, "A", b"ghi"), &mut h);
    r.segment(&c.seg(S2C, 12, SISN + 1, 0, "R", b""), &mut h);
    assert_eq!(h.trace(), "O1 Dc3 Gc3 Dc3 C1Rst");
    assert_eq!(r.active_flows(), 0);
    assert_eq!(r.buffered_bytes(), 0);
    // Data after the RST belongs to a closed flow: ignored, no mid-stream flow.
    r.segment(&c.seg(C2S, 13, base + 9, 0, "PA", b"more"), &mut h);
    assert_eq!(h.opens(), 1);
    assert_eq!(r.stats().ignored_segments, 1);
}

#[test]
fn idle_flow_closed_on_tick() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    r.segment(&c.seg(C2S, SEC, CISN + 1, 0, "PA", b"x"), &mut h);
    r.tick(100 * SEC, &mut h);
    assert_eq!(r.active_flows(), 1);
    r.tick(122 * SEC, &mut h);
    assert_eq!(h.closes(), vec![(1, CloseReason::Idle)]);
    assert_eq!(r.active_flows(), 0);
    // An idle close is not a real end: a later packet picks the flow up again.
    r.segment(&c.seg(C2S, 200 * SEC, CISN + 2, 0, "PA", b"y"), &mut h);
    assert_eq!(
        h.ev.last(),
        Some(&Ev::Data(2, C2S, 200 * SEC, b"y".to_vec()))
    );
}

#[test]
fn snaplen_missing_becomes_gap() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    let base = CISN + 1;
    let mut s = c.seg(C2S, 10, base, 0, "A", b"0123456789");
    s.missing = 20;
    r.segment(&s, &mut h);
    r.segment(&c.seg(C2S, 11, base + 30, 0, "A", b"tail"), &mut h);
    assert_eq!(h.trace(), "O1 Dc10 Gc20 Dc4");

    // Out of order: the truncated segment is buffered with its missing tail.
    let mut s = c.seg(C2S, 12, base + 40, 0, "A", b"ab");
    s.missing = 3;
    r.segment(&s, &mut h);
    r.segment(&c.seg(C2S, 13, base + 34, 0, "A", b"MIDDLE"), &mut h);
    r.segment(&c.seg(C2S, 14, base + 45, 0, "A", b"end"), &mut h);
    assert_eq!(h.trace(), "O1 Dc10 Gc20 Dc4 Dc6 Dc2 Gc3 Dc3");
}

#[test]
fn sequence_wraparound() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    let isn = u32::MAX - 5;
    r.segment(&c.seg(C2S, 1, isn, 0, "S", b""), &mut h);
    r.segment(&c.seg(S2C, 2, 7, isn.wrapping_add(1), "SA", b""), &mut h);
    let base = isn.wrapping_add(1);
    // Out of order across the wrap: the second segment (seq near 0) arrives first.
    r.segment(
        &c.seg(C2S, 3, base.wrapping_add(8), 8, "A", b"WXYZ"),
        &mut h,
    );
    r.segment(&c.seg(C2S, 4, base, 8, "A", b"abcdefgh"), &mut h);
    r.segment(&c.seg(C2S, 5, base, 8, "A", b"abcd"), &mut h);
    r.segment(&c.seg(C2S, 6, base.wrapping_add(12), 8, "A", b"!"), &mut h);
    assert_eq!(h.stream(1, C2S), b"abcdefghWXYZ!");
    assert_eq!(r.stats().duplicate_segments, 1);
    // An ACK across the wrap for bytes not captured.
    r.segment(&c.seg(S2C, 7, 8, base.wrapping_add(20), "A", b""), &mut h);
    assert_eq!(h.gaps(1, C2S), vec![7]);
}

#[test]
fn max_flows_evicts_least_recently_active() {
    let mut h = Rec::default();
    let mut r = TcpReassembler::new(ReassemblyConfig {
        max_flows: 2,
        ..ReassemblyConfig::default()
    });
    let conv = |p: u16| Conv {
        c: SocketAddr::new(addr("10.0.0.1:1").ip(), p),
        s: addr("10.0.0.2:80"),
    };
    let (a, b, d) = (conv(40001), conv(40002), conv(40003));
    r.segment(&a.seg(C2S, 1, 100, 0, "A", b"a"), &mut h);
    r.segment(&b.seg(C2S, 2, 100, 0, "A", b"b"), &mut h);
    r.segment(&a.seg(C2S, 3, 101, 0, "A", b"a"), &mut h); // a is now the most recent
    r.segment(&d.seg(C2S, 4, 100, 0, "A", b"d"), &mut h);
    assert_eq!(h.closes(), vec![(2, CloseReason::Evicted)]);
    assert_eq!(r.active_flows(), 2);
    assert_eq!(r.stats().flows_evicted, 1);
    assert_eq!(r.stats().flows_closed, 1);
    r.segment(&b.seg(C2S, 5, 101, 0, "A", b"b"), &mut h);
    assert_eq!(
        h.closes(),
        vec![(2, CloseReason::Evicted), (1, CloseReason::Evicted)]
    );
}

#[test]
fn late_ack_after_close_ignored_and_new_syn_opens() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    r.segment(&c.seg(C2S, 10, CISN + 1, SISN + 1, "FA", b""), &mut h);
    r.segment(&c.seg(S2C, 11, SISN + 1, CISN + 2, "FA", b""), &mut h);
    assert_eq!(h.closes(), vec![(1, CloseReason::Fin)]);
    // Last ACK, a retransmitted FIN: ignored, no mid-stream flow appears.
    r.segment(&c.seg(C2S, 12, CISN + 2, SISN + 2, "A", b""), &mut h);
    r.segment(&c.seg(S2C, 13, SISN + 1, CISN + 2, "FA", b""), &mut h);
    assert_eq!(h.opens(), 1);
    assert_eq!(r.active_flows(), 0);
    assert_eq!(r.stats().ignored_segments, 2);
    // Port reuse with a fresh SYN: a new flow with a new id.
    r.segment(&c.seg(C2S, 20, 9000, 0, "S", b""), &mut h);
    assert_eq!(h.ev.last(), Some(&Ev::Open(2, true)));
}

#[test]
fn syn_retransmit_and_port_reuse() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    r.segment(&c.seg(C2S, 1, CISN, 0, "S", b""), &mut h);
    r.segment(&c.seg(C2S, 2, CISN, 0, "S", b""), &mut h);
    assert_eq!(h.opens(), 1);
    assert_eq!(r.stats().duplicate_segments, 1);
    r.segment(&c.seg(S2C, 3, SISN, CISN + 1, "SA", b""), &mut h);
    r.segment(&c.seg(S2C, 4, SISN, CISN + 1, "SA", b""), &mut h);
    assert_eq!(r.stats().duplicate_segments, 2);
    r.segment(&c.seg(C2S, 5, CISN + 1, SISN + 1, "PA", b"old"), &mut h);
    // Same ports, new ISN: the old flow is closed and a new one opened.
    r.segment(&c.seg(C2S, 6, 77_777, 0, "S", b""), &mut h);
    r.segment(&c.seg(C2S, 7, 77_778, 0, "PA", b"new"), &mut h);
    assert_eq!(h.closes(), vec![(1, CloseReason::Evicted)]);
    assert_eq!(h.stream(1, C2S), b"old");
    assert_eq!(h.stream(2, C2S), b"new");
    assert_eq!(r.active_flows(), 1);
    assert_eq!(r.stats().flows_evicted, 0);
}

#[test]
fn pure_acks_and_zero_length_never_deliver() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    for i in 0..5 {
        r.segment(&c.seg(C2S, 10 + i, CISN + 1, SISN + 1, "A", b""), &mut h);
        r.segment(&c.seg(S2C, 10 + i, SISN + 1, CISN + 1, "A", b""), &mut h);
    }
    // A keep-alive: one old byte at next-1.
    r.segment(&c.seg(C2S, 20, CISN, SISN + 1, "A", b"\0"), &mut h);
    assert_eq!(h.trace(), "O1");
    assert_eq!(r.stats().bytes_delivered, 0);
    assert_eq!(r.stats().gaps, 0);
}

#[test]
fn finish_flushes_and_closes_in_id_order() {
    let (mut r, mut h) = (new_r(), Rec::default());
    let conv = |p: u16| Conv {
        c: SocketAddr::new(addr("10.0.0.1:1").ip(), p),
        s: addr("10.0.0.2:443"),
    };
    // Ports chosen so that hash order is unlikely to match id order.
    for (i, p) in [40009u16, 40001, 40005, 40003].iter().enumerate() {
        let cv = conv(*p);
        r.segment(&cv.seg(C2S, i as u64, 10, 0, "A", b"in"), &mut h);
        r.segment(&cv.seg(C2S, i as u64, 14, 0, "A", b"ooo"), &mut h);
    }
    r.finish(&mut h);
    assert_eq!(
        h.closes(),
        (1..=4)
            .map(|i| (i, CloseReason::EndOfInput))
            .collect::<Vec<_>>()
    );
    for id in 1..=4 {
        assert_eq!(h.stream(id, C2S), b"inooo");
        assert_eq!(h.gaps(id, C2S), vec![2]);
    }
    assert_eq!(r.active_flows(), 0);
    assert_eq!(r.buffered_bytes(), 0);
}

#[test]
fn rst_of_unknown_flow_and_implausible_seq_ignored() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    r.segment(&c.seg(C2S, 1, 5, 0, "R", b""), &mut h);
    assert_eq!(h.opens(), 0);
    handshake(&mut r, &mut h, &c);
    r.segment(
        &c.seg(C2S, 2, CISN + 1 + (1 << 31) - 7, 0, "A", b"far"),
        &mut h,
    );
    assert_eq!(r.stats().ignored_segments, 2);
    assert_eq!(r.buffered_bytes(), 0);
}

#[test]
fn deterministic_replay() {
    let c = Conv::new();
    let base = CISN + 1;
    let segs = [
        c.seg(C2S, 1, CISN, 0, "S", b""),
        c.seg(S2C, 2, SISN, CISN + 1, "SA", b""),
        c.seg(C2S, 3, base + 4, SISN + 1, "A", b"efgh"),
        c.seg(C2S, 4, base, SISN + 1, "A", b"abcd"),
        c.seg(S2C, 5, SISN + 1, base + 20, "A", b"resp"),
        c.seg(C2S, 6 * SEC, base + 30, SISN + 5, "A", b"zz"),
    ];
    let run = || {
        let (mut r, mut h) = (new_r(), Rec::default());
        for s in &segs {
            r.segment(s, &mut h);
        }
        r.tick(20 * SEC, &mut h);
        r.finish(&mut h);
        h.ev
    };
    let first = run();
    assert_eq!(first, run());
    assert!(first.len() > 5);
}

#[test]
fn ack_of_uncaptured_fin_is_not_a_gap() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    r.segment(&c.seg(C2S, 10, CISN + 1, SISN + 1, "PA", b"abc"), &mut h);
    // The client's FIN was not captured; the server acknowledges it (one past the data).
    r.segment(&c.seg(S2C, 11, SISN + 1, CISN + 5, "A", b""), &mut h);
    assert_eq!(r.stats().gaps, 0);
}

#[test]
fn pending_fin_behind_a_hole_times_out_into_gap_and_fin() {
    let (c, mut r, mut h) = (Conv::new(), new_r(), Rec::default());
    handshake(&mut r, &mut h, &c);
    r.segment(&c.seg(C2S, SEC, CISN + 1, 0, "A", b"abc"), &mut h);
    // A bare FIN 4 bytes past the data: the 4 bytes never show up.
    r.segment(&c.seg(C2S, SEC, CISN + 8, 0, "FA", b""), &mut h);
    assert_eq!(h.trace(), "O1 Dc3");
    r.tick(7 * SEC, &mut h);
    assert_eq!(h.trace(), "O1 Dc3 Gc4 Fc");
    assert_eq!(r.active_flows(), 1);
}

#[test]
fn shed_closes_the_heaviest_of_the_least_recently_active() {
    let mut h = Rec::default();
    let mut r = new_r();
    let conv = |p: u16| Conv {
        c: SocketAddr::new(addr("10.0.0.1:1").ip(), p),
        s: addr("10.0.0.2:80"),
    };
    let (a, b, d) = (conv(40001), conv(40002), conv(40003));
    r.segment(&a.seg(C2S, 1, 100, 0, "A", b"a"), &mut h);
    r.segment(&b.seg(C2S, 2, 100, 0, "A", b"b"), &mut h);
    r.segment(&d.seg(C2S, 3, 100, 0, "A", b"d"), &mut h);
    // Ahead of a hole: buffered out of order, flushed as data after a gap when shed.
    r.segment(&d.seg(C2S, 4, 110, 0, "A", b"later"), &mut h);
    r.segment(&a.seg(C2S, 5, 101, 0, "A", b"a"), &mut h); // LRU order now: b, d, a
    // Among the two oldest, d weighs more (its out-of-order bytes).
    assert_eq!(r.shed(6, 2, |_| 0, &mut h), Some(3));
    assert_eq!(h.stream(3, C2S), b"dlater");
    assert_eq!(h.gaps(3, C2S), vec![9]);
    assert_eq!(r.buffered_bytes(), 0);
    // The handler's weight counts too; a window of one is plain LRU.
    assert_eq!(r.shed(7, 16, |&id| usize::from(id == 1), &mut h), Some(1));
    assert_eq!(r.shed(8, 1, |_| 0, &mut h), Some(2));
    assert_eq!(r.shed(9, 16, |_| 0, &mut h), None);
    assert_eq!(
        h.closes(),
        vec![
            (3, CloseReason::Evicted),
            (1, CloseReason::Evicted),
            (2, CloseReason::Evicted)
        ]
    );
    assert_eq!(
        r.stats().flows_evicted,
        0,
        "the caller counts what it sheds"
    );
    // A shed flow is not remembered: its next segment reopens it mid-stream.
    r.segment(&b.seg(C2S, 10, 102, 0, "A", b"b"), &mut h);
    assert_eq!(r.active_flows(), 1);
}
