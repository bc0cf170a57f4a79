//! Fuzzes StatsD both ways it is fed: the input as UDP datagrams (split at `0xff` bytes,
//! with the first byte as a snaplen cut of the last one) through the datagram session,
//! and as a byte stream through the real driver (`mizu_dissect::testing::fuzz_events`).
//! Neither may panic; on the stream every byte must be accounted for, and every datagram
//! line with content must become exactly one entry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mizu_dissect::{Dissector, Output, testing};
use mizu_dissectors::statsd::{MAX_LINES, StatsD};
use mizu_model::Direction;

fuzz_target!(|data: &[u8]| {
    let ctx = testing::fuzz_context(8125);
    if let Some(mut s) = StatsD.new_datagram_session(ctx) {
        let mut out = Output::default();
        let missing = u32::from(data.first().copied().unwrap_or(0) % 4);
        for (i, dg) in data.split(|&b| b == 0xff).enumerate() {
            let dir = if i % 7 == 6 {
                Direction::ServerToClient
            } else {
                Direction::ClientToServer
            };
            let before = out.entries.len();
            s.on_datagram(dir, i as u64, dg, missing, &mut out);
            let lines = dg
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty() && *l != b"\r")
                .count();
            let want = if dir == Direction::ClientToServer {
                lines.min(MAX_LINES)
            } else {
                0
            };
            assert_eq!(out.entries.len() - before, want);
        }
        s.on_close(u64::MAX, &mut out);
    }
    let events = testing::fuzz_events(data);
    let run = testing::run_detailed(&StatsD, ctx, &events);
    testing::assert_accounted(&events, &run);
});
