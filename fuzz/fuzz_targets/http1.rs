//! Fuzzes the HTTP/1 session through the real driver: the input is cut into events for
//! both directions, with occasional gaps and FINs (`mizu_dissect::testing::fuzz_events`
//! describes the layout), and must never make the session panic or lose count of a byte (`testing::assert_accounted`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mizu_dissect::testing;
use mizu_dissectors::http1::Http1;

fuzz_target!(|data: &[u8]| {
    let events = testing::fuzz_events(data);
    let run = testing::run_detailed(&Http1, testing::fuzz_context(80), &events);
    testing::assert_accounted(&events, &run);
});
