//! Fuzzes the Redis (RESP2/RESP3) session through the real driver: the input is cut into
//! events for both directions, with occasional gaps and FINs
//! (`mizu_dissect::testing::fuzz_events` describes the layout), and must never make the
//! session panic or grow without bound (`fuzz_context` uses small limits).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mizu_dissect::testing;
use mizu_dissectors::redis::Redis;

fuzz_target!(|data: &[u8]| {
    let events = testing::fuzz_events(data);
    let run = testing::run_detailed(&Redis, testing::fuzz_context(6379), &events);
    testing::assert_accounted(&events, &run);
});
