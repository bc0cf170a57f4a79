//! Fuzz target for `mizu-reassembly`: the input is a tiny configuration followed by a
//! sequence of 8-byte segment descriptors (flow, direction, flags, sequence/ack offsets,
//! payload length, snaplen-missing length, time step). Sequence numbers start near
//! 2^32 so that wraparound is exercised constantly. Nothing may panic, and a few cheap
//! invariants are checked on every callback.

#![no_main]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use libfuzzer_sys::fuzz_target;
use mizu_model::{Direction, Nanos};
use mizu_reassembly::{
    CloseReason, FlowInfo, ReassemblyConfig, StreamHandler, TcpFlags, TcpReassembler, TcpSegment,
};

#[derive(Default)]
struct Sink {
    open: u64,
    closed: u64,
}

impl StreamHandler<u64> for Sink {
    fn open(&mut self, info: &FlowInfo) -> u64 {
        self.open += 1;
        info.id
    }
    fn data(&mut self, state: &mut u64, info: &FlowInfo, _: Direction, _: Nanos, data: &[u8]) {
        assert_eq!(*state, info.id);
        assert!(!data.is_empty());
    }
    fn gap(&mut self, state: &mut u64, info: &FlowInfo, _: Direction, _: Nanos, len: u64) {
        assert_eq!(*state, info.id);
        assert!(len > 0);
    }
    fn close(&mut self, state: u64, info: &FlowInfo, _: Nanos, _: CloseReason) {
        assert_eq!(state, info.id);
        self.closed += 1;
    }
}

const PAYLOAD: [u8; 256] = {
    let mut p = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        p[i] = i as u8;
        i += 1;
    }
    p
};

fuzz_target!(|input: &[u8]| {
    let Some((cfg, rest)) = input.split_first_chunk::<4>() else {
        return;
    };
    let config = ReassemblyConfig {
        max_flows: 1 + usize::from(cfg[0] & 7),
        max_buffered_per_direction: usize::from(cfg[1]) * 16,
        max_buffered_total: usize::from(cfg[2]) * 32,
        ooo_timeout: u64::from(cfg[3] & 15) * 1_000,
        idle_timeout: u64::from(cfg[3] >> 4) * 10_000 + 1,
        server_ports: mizu_reassembly::OTHER_SERVER_PORTS.to_vec(),
    };
    let mut r: TcpReassembler<u64> = TcpReassembler::new(config);
    let mut sink = Sink::default();
    let ip = |n: u8| IpAddr::V4(Ipv4Addr::new(10, 0, 0, n));
    let mut ts: Nanos = 1_000_000;
    let isn = [u32::MAX - 300, u32::MAX - 40];
    for d in rest.chunks_exact(8) {
        let flow = d[0] & 7;
        let to_server = d[0] & 8 != 0;
        let client = SocketAddr::new(ip(1), 40_000 + u16::from(flow));
        let server = SocketAddr::new(ip(2), if flow & 1 == 0 { 80 } else { 45_000 });
        let (src, dst) = if to_server {
            (client, server)
        } else {
            (server, client)
        };
        let dir = usize::from(!to_server);
        let flags = TcpFlags {
            syn: d[1] & 1 != 0,
            ack: d[1] & 2 != 0,
            fin: d[1] & 4 != 0,
            rst: d[1] & 8 != 0 && d[1] & 0xf0 == 0xf0,
            psh: d[1] & 16 != 0,
        };
        let seq_off = u32::from(u16::from_le_bytes([d[2], d[3]]));
        let seq = if d[0] & 0x80 != 0 {
            u32::from_le_bytes([d[2], d[3], d[4], d[5]])
        } else {
            isn[dir].wrapping_add(seq_off)
        };
        let ack = isn[1 - dir].wrapping_add(u32::from(u16::from_le_bytes([d[4], d[5]])));
        let len = usize::from(d[6]);
        let missing = if d[0] & 0x40 != 0 { u32::from(d[7]) } else { 0 };
        ts += u64::from(d[7] & 0x0f) * 500;
        if d[0] & 0x30 == 0x30 {
            r.tick(ts, &mut sink);
        }
        let seg = TcpSegment {
            ts,
            src,
            dst,
            seq,
            ack,
            flags,
            window: 1024,
            payload: &PAYLOAD[..len],
            missing,
        };
        r.segment(&seg, &mut sink);
        assert!(r.active_flows() <= 8);
    }
    r.finish(&mut sink);
    assert_eq!(r.active_flows(), 0);
    assert_eq!(r.buffered_bytes(), 0);
    assert_eq!(sink.open, sink.closed);
});
