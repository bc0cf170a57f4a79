//! Fuzzes the HTTP/2 session (frames, HPACK, gRPC bodies) through the real driver: the
//! input is cut into events for both directions, with occasional gaps and FINs
//! (`mizu_dissect::testing::fuzz_events`), and must never make the session panic or lose count of a byte (`testing::assert_accounted`). The
//! client side starts with the connection preface so most inputs reach the frame parser
//! in sync.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mizu_dissect::testing::{self, Event};
use mizu_dissectors::http2::HTTP2;
use mizu_model::Direction;

fuzz_target!(|data: &[u8]| {
    let mut events = vec![Event::Data(
        Direction::ClientToServer,
        1,
        mizu_dissectors::http2::frame::PREFACE.to_vec(),
    )];
    events.extend(testing::fuzz_events(data));
    let run = testing::run_detailed(&HTTP2, testing::fuzz_context(8083), &events);
    testing::assert_accounted(&events, &run);
});
