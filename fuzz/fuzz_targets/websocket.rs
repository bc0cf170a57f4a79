//! Fuzzes the WebSocket session (frames, fragments, masking, control frames, and
//! permessage-deflate with and without context takeover) through the real driver: byte 0
//! picks the negotiated extensions, the rest is cut into events for both directions with
//! occasional gaps and FINs (`mizu_dissect::testing::fuzz_events`). The session must
//! never panic, and every emitted entry must carry its message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mizu_dissect::testing;
use mizu_dissect::{Dissector, Probe, ProbeContext, ProtocolInfo, Session, SessionContext, Summary};
use mizu_dissectors::websocket::{self, WebSocket};
use mizu_model::Entry;

/// WebSocket sessions as if a `101` had negotiated these extensions.
struct Ws(&'static str);

impl Dissector for Ws {
    fn info(&self) -> &'static ProtocolInfo {
        &websocket::INFO
    }
    fn probe(&self, data: &[u8], ctx: &ProbeContext) -> Probe {
        WebSocket.probe(data, ctx)
    }
    fn new_session(&self, ctx: SessionContext) -> Box<dyn Session> {
        websocket::session_with_extensions(ctx, self.0)
    }
    fn summarize(&self, entry: &Entry) -> Option<Summary> {
        WebSocket.summarize(entry)
    }
}

const EXTENSIONS: [&str; 3] = [
    "",
    "permessage-deflate; client_max_window_bits=12",
    "permessage-deflate; client_no_context_takeover; server_no_context_takeover",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let ws = Ws(EXTENSIONS[usize::from(pick) % EXTENSIONS.len()]);
    let events = testing::fuzz_events(rest);
    let run = testing::run_detailed(&ws, testing::fuzz_context(8765), &events);
    testing::assert_accounted(&events, &run);
    for e in &run.entries {
        assert!(e.request.json().is_some(), "an entry without its message");
        let _ = ws.summarize(e);
    }
});
