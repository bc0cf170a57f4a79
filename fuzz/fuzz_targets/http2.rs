//! Fuzzes the HTTP/2 session (frames, HPACK, gRPC bodies) through the real driver: the input is cut into events for
//! both directions, with occasional gaps and FINs, and must never make the session panic.
//!
//! Input layout: byte 0 seeds the cutting; the rest is payload. Each event takes a length
//! from the seed stream (1..=64 bytes) and a direction; a payload byte `0xFE` right at an
//! event start turns it into a gap, `0xFD` into a FIN. The client side starts with the
//! connection preface so most inputs reach the frame parser in sync.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mizu_dissect::testing::{self, Event};
use mizu_dissect::{Limits, SessionContext};
use mizu_dissectors::http2::HTTP2;
use mizu_model::Direction;

fuzz_target!(|data: &[u8]| {
    let Some((&seed, mut rest)) = data.split_first() else {
        return;
    };
    let mut state = u32::from(seed) | 0x100;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    let mut events = vec![Event::Data(
        Direction::ClientToServer,
        1,
        mizu_dissectors::http2::frame::PREFACE.to_vec(),
    )];
    let mut ts = 1_000_000_000u64;
    while !rest.is_empty() {
        let r = next();
        let dir = if r & 1 == 0 {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        let len = ((r >> 1) as usize % 64 + 1).min(rest.len());
        let (piece, tail) = rest.split_at(len);
        rest = tail;
        ts += u64::from(r >> 24);
        match piece.first() {
            Some(0xFE) => events.push(Event::Gap(dir, ts, piece.len() as u64)),
            Some(0xFD) => events.push(Event::Fin(dir, ts)),
            _ => events.push(Event::Data(dir, ts, piece.to_vec())),
        }
    }
    events.push(Event::Close(ts + 1));
    let ctx = SessionContext {
        flow: 1,
        client: "10.0.0.1:40000".parse().expect("literal address"),
        server: "10.0.0.2:8083".parse().expect("literal address"),
        limits: Limits {
            max_body: 4096,
            max_head: 2048,
            max_pending: 16,
        },
    };
    let _ = testing::run(&HTTP2, ctx, &events);
});
