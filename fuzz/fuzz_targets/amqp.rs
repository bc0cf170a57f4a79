//! Fuzzes the AMQP 0-9-1 session through the real driver: the input is cut into events for
//! both directions, with occasional gaps and FINs (`mizu_dissect::testing::fuzz_events`
//! describes the layout), and must never make the session panic or lose count of a byte (`testing::assert_accounted`). The probe sees the
//! input as well. Seeds: the payloads of `testdata/amqp/*.pcap`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mizu_dissect::{Dissector, ProbeContext, testing};
use mizu_dissectors::amqp::Amqp;
use mizu_model::Direction;

fuzz_target!(|data: &[u8]| {
    let ctx = testing::fuzz_context(5672);
    let _ = Amqp.probe(
        data,
        &ProbeContext {
            client: ctx.client,
            server: ctx.server,
            dir: Direction::ClientToServer,
            handshake_seen: false,
        },
    );
    let events = testing::fuzz_events(data);
    let run = testing::run_detailed(&Amqp, ctx, &events);
    testing::assert_accounted(&events, &run);
});
