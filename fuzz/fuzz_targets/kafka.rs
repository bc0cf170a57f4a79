//! Fuzzes the Kafka session through the real driver: the input is cut into events for
//! both directions, with occasional gaps and FINs (`mizu_dissect::testing::fuzz_events`
//! describes the layout), and must never make the session panic or lose count of a byte (`testing::assert_accounted`), abort on an allocation
//! sized by a corrupt count, or grow without bound (`fuzz_context` uses small limits).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mizu_dissect::testing;
use mizu_dissectors::kafka::Kafka;

fuzz_target!(|data: &[u8]| {
    let events = testing::fuzz_events(data);
    let run = testing::run_detailed(&Kafka, testing::fuzz_context(9092), &events);
    testing::assert_accounted(&events, &run);
});
