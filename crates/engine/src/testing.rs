//! The chunk-split harness through the engine's [`Dispatcher`]: a conversation
//! ([`mizu_dissect::testing::Event`]s) goes through protocol detection, dissection and
//! upgrades exactly as captured traffic does, and [`assert_split_invariant`] checks that
//! how TCP cut the byte streams changes nothing. (`mizu_dissect::testing` drives one
//! dissector's session directly; this one lets the registry decide, as production does.)

use crate::{Dispatcher, EngineConfig};
use mizu_dissect::Dissector;
use mizu_dissect::testing::Event;
use mizu_model::Entry;
use std::net::SocketAddr;
use std::sync::Arc;

/// Runs `events` as one connection from `client` to `server` (handshake seen) through a
/// fresh dispatcher and returns the entries.
pub fn run(
    dissectors: &[Arc<dyn Dissector>],
    client: SocketAddr,
    server: SocketAddr,
    events: &[Event],
) -> Vec<Entry> {
    let mut d = Dispatcher::new(EngineConfig::default(), dissectors);
    let first = events
        .iter()
        .map(|e| match e {
            Event::Data(_, ts, _) | Event::Gap(_, ts, _) | Event::Fin(_, ts) | Event::Close(ts) => {
                *ts
            }
        })
        .next()
        .unwrap_or(0);
    d.open(1, client, server, true, first);
    let mut last = first;
    for e in events {
        match e {
            Event::Data(dir, ts, data) => {
                d.data(1, *dir, *ts, data);
                last = *ts;
            }
            Event::Gap(dir, ts, len) => {
                d.gap(1, *dir, *ts, *len);
                last = *ts;
            }
            Event::Fin(dir, ts) => {
                d.fin(1, *dir, *ts);
                last = *ts;
            }
            Event::Close(ts) => {
                d.close(1, *ts);
                last = *ts;
            }
        }
    }
    d.finish(last);
    let mut out = Vec::new();
    d.drain(&mut |e| out.push(e));
    out
}

/// Every `Data` event re-cut into pieces chosen by `cut(remaining)` (at least 1 byte).
fn recut(events: &[Event], cut: &mut dyn FnMut(usize) -> usize) -> Vec<Event> {
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        match e {
            Event::Data(dir, ts, data) => {
                let mut rest = &data[..];
                while !rest.is_empty() {
                    let n = cut(rest.len()).clamp(1, rest.len());
                    out.push(Event::Data(*dir, *ts, rest[..n].to_vec()));
                    rest = &rest[n..];
                }
            }
            other => out.push(other.clone()),
        }
    }
    out
}

/// Asserts that the entries do not depend on segmentation: single bytes, fixed piece
/// sizes and seeded random cuttings all give the entries of the uncut conversation.
/// Returns those entries.
pub fn assert_split_invariant(
    dissectors: &[Arc<dyn Dissector>],
    client: SocketAddr,
    server: SocketAddr,
    events: &[Event],
) -> Vec<Entry> {
    let whole = run(dissectors, client, server, events);
    let json = |es: &[Entry]| -> Vec<String> {
        es.iter()
            .map(|e| {
                let mut b = Vec::new();
                let _ = e.write_json(&mut b);
                String::from_utf8_lossy(&b).into_owned()
            })
            .collect()
    };
    let want = json(&whole);
    for size in [1usize, 2, 3, 7, 64] {
        let cut = recut(events, &mut |_| size);
        assert_eq!(
            json(&run(dissectors, client, server, &cut)),
            want,
            "pieces of {size} bytes"
        );
    }
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..50 {
        let cut = recut(events, &mut |left| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            1 + (state % left as u64) as usize
        });
        assert_eq!(
            json(&run(dissectors, client, server, &cut)),
            want,
            "random cutting {round}"
        );
    }
    whole
}
