//! Test helpers every protocol's tests share: drive a conversation through the real
//! [`Driver`] (exactly as the engine does) and check that the result does not depend on how
//! TCP happened to cut the byte streams.
//!
//! A conversation is a list of [`Event`]s in capture order. [`run`] returns the entries;
//! [`run_detailed`] also returns diagnostics, upgrades and the driver's counters.
//! [`assert_split_invariant`] re-runs a conversation with every `Data` event re-cut into
//! single bytes, at every split point (for conversations under [`EXHAUSTIVE_SPLIT_LIMIT`]
//! bytes), and into a few hundred seeded random cuttings, and asserts the entries are
//! identical to the uncut run. Pieces keep their event's timestamp, so nothing may differ.

use crate::{Dissector, Driver, DriverStats, Limits, Output, SessionContext, Upgrade};
use mizu_model::{Direction, Entry, Nanos};

/// Per-direction buffer cap the helpers give the driver (the engine's default).
pub const DRIVER_BUFFER: usize = 4 << 20;

/// Conversations up to this many payload bytes are also split at every position.
pub const EXHAUSTIVE_SPLIT_LIMIT: usize = 4096;

/// Random cuttings tried by [`assert_split_invariant`].
pub const RANDOM_CUTTINGS: usize = 200;

/// One thing that happens on a connection, in capture order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// In-order bytes in one direction, captured at a time.
    Data(Direction, Nanos, Vec<u8>),
    /// `len` bytes of one direction were never captured.
    Gap(Direction, Nanos, u64),
    /// One direction sent FIN.
    Fin(Direction, Nanos),
    /// The connection is gone.
    Close(Nanos),
}

/// Everything a run produced.
#[derive(Debug, Default)]
pub struct Run {
    pub entries: Vec<Entry>,
    /// The diagnostics' texts, in order.
    pub diagnostics: Vec<String>,
    /// The kind of each diagnostic (same order as `diagnostics`).
    pub diagnostic_kinds: Vec<crate::DiagKind>,
    pub upgrades: Vec<Upgrade>,
    pub stats: DriverStats,
    /// What the session reported as skipped without an entry ([`Output::skipped`]).
    pub skipped: Vec<crate::Skipped>,
    /// Bytes still unconsumed in the driver when the events ran out (0 after a `Close`).
    pub pending_bytes: u64,
}

/// Runs `events` through a fresh session of `dissector` and returns the entries.
pub fn run(dissector: &dyn Dissector, ctx: SessionContext, events: &[Event]) -> Vec<Entry> {
    run_detailed(dissector, ctx, events).entries
}

/// Runs `events` and returns entries, diagnostics, upgrades and driver counters. After an
/// upgrade the conversation continues in `dissector.upgrade_session(token)` when it offers
/// one, else the remaining bytes are counted as unparsed (as in the engine).
pub fn run_detailed(dissector: &dyn Dissector, ctx: SessionContext, events: &[Event]) -> Run {
    let mut driver = Driver::new(Some(dissector.new_session(ctx)), DRIVER_BUFFER);
    let mut out = Output::default();
    let mut result = Run::default();
    for event in events {
        match event {
            Event::Data(dir, ts, data) => driver.data(*dir, *ts, data, &mut out),
            Event::Gap(dir, ts, len) => driver.gap(*dir, *ts, *len, &mut out),
            Event::Fin(dir, ts) => driver.fin(*dir, *ts, &mut out),
            Event::Close(ts) => driver.close(*ts, &mut out),
        }
        while let Some(mut up) = out.upgrade.take() {
            let next = dissector.upgrade_session_from(&mut up, ctx);
            if next.is_none()
                && let Some(h) = up.request.take()
            {
                // As the engine does: nobody continues the request, so show it as it is.
                let mut e = h.entry;
                e.diagnostics.push(format!(
                    "connection switched to {}: response not decoded",
                    up.protocol
                ));
                out.emit(e);
            }
            result.upgrades.push(up);
            driver.switch_session(next, &mut out);
        }
        result.entries.append(&mut out.entries);
        for d in out.diagnostics.drain(..) {
            result.diagnostic_kinds.push(d.kind);
            result.diagnostics.push(d.message);
        }
        result.skipped.append(&mut out.skipped);
    }
    result.stats = driver.stats().clone();
    result.pending_bytes = driver.pending_bytes();
    result
}

/// Asserts the accounting invariant of a run: every `Data` byte of `events` was consumed
/// by the session, counted as unparsed, discarded into a gap, or is still pending; and what
/// a session reports as skipped is no more than what it consumed. Fuzz targets call this,
/// so a fuzzer finds lost bytes, not only panics.
pub fn assert_accounted(events: &[Event], run: &Run) {
    let st = &run.stats;
    assert_eq!(
        st.data_bytes,
        payload_len(events) as u64,
        "the driver saw a different byte count than the events hold: {st:?}"
    );
    let off = st.unaccounted(run.pending_bytes);
    assert_eq!(
        off, 0,
        "{off} bytes unaccounted: in {} = consumed {} + unparsed {} + discarded {} + pending {}",
        st.data_bytes, st.consumed_bytes, st.unparsed_bytes, st.discarded_bytes, run.pending_bytes
    );
    let skipped: u64 = run.skipped.iter().map(|s| s.bytes).sum();
    assert!(
        skipped <= st.consumed_bytes,
        "skipped {skipped} bytes but consumed only {}",
        st.consumed_bytes
    );
}

/// Total payload bytes of the `Data` events.
fn payload_len(events: &[Event]) -> usize {
    events
        .iter()
        .map(|e| match e {
            Event::Data(_, _, d) => d.len(),
            _ => 0,
        })
        .sum()
}

/// Replaces every `Data` event by pieces of the sizes `cut` chooses (`cut(event_index,
/// remaining_len)` returns the next piece length, at least 1).
fn recut(events: &[Event], mut cut: impl FnMut(usize, usize) -> usize) -> Vec<Event> {
    let mut out = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        match e {
            Event::Data(dir, ts, data) => {
                let mut rest = &data[..];
                while !rest.is_empty() {
                    let n = cut(i, rest.len()).clamp(1, rest.len());
                    let (piece, tail) = rest.split_at(n);
                    out.push(Event::Data(*dir, *ts, piece.to_vec()));
                    rest = tail;
                }
            }
            other => out.push(other.clone()),
        }
    }
    out
}

/// A small deterministic PRNG (xorshift64*), so cuttings are reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn check_same(base: &Run, got: &Run, how: &str) {
    if base.entries.len() != got.entries.len() {
        panic!(
            "{how}: {} entries instead of {}\nuncut: {:#?}\ncut: {:#?}",
            got.entries.len(),
            base.entries.len(),
            base.entries,
            got.entries
        );
    }
    for (i, (a, b)) in base.entries.iter().zip(&got.entries).enumerate() {
        if a != b {
            panic!("{how}: entry {i} differs\nuncut: {a:#?}\ncut: {b:#?}");
        }
    }
    assert_eq!(base.upgrades, got.upgrades, "{how}: upgrades differ");
    assert_eq!(
        base.stats.unparsed_bytes, got.stats.unparsed_bytes,
        "{how}: unparsed byte counts differ"
    );
}

/// Asserts that re-cutting the `Data` events (single bytes; every two-piece split of every
/// event for small conversations; [`RANDOM_CUTTINGS`] seeded random cuttings) yields the
/// same entries, upgrades and unparsed-byte count as the uncut conversation. Returns the
/// uncut run for further assertions.
pub fn assert_split_invariant(
    dissector: &dyn Dissector,
    ctx: SessionContext,
    events: &[Event],
) -> Run {
    let base = run_detailed(dissector, ctx, events);
    assert_accounted(events, &base);

    let bytes = recut(events, |_, _| 1);
    let single = run_detailed(dissector, ctx, &bytes);
    assert_accounted(&bytes, &single);
    check_same(&base, &single, "single-byte pieces");

    if payload_len(events) <= EXHAUSTIVE_SPLIT_LIMIT {
        for (i, e) in events.iter().enumerate() {
            let Event::Data(_, _, data) = e else { continue };
            for k in 1..data.len() {
                let mut first = true;
                let cut = recut(events, |j, rest| {
                    if j != i {
                        rest
                    } else if first {
                        first = false;
                        k
                    } else {
                        rest
                    }
                });
                check_same(
                    &base,
                    &run_detailed(dissector, ctx, &cut),
                    &format!("event {i} split at {k}"),
                );
            }
        }
    }

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..RANDOM_CUTTINGS {
        // Mix piece-size scales: tiny pieces, MSS-like pieces, and everything between.
        let scale = 1usize << rng.below(12);
        let cut = recut(events, |_, rest| 1 + rng.below(scale.min(rest)));
        check_same(
            &base,
            &run_detailed(dissector, ctx, &cut),
            &format!("random cutting {round} (scale {scale})"),
        );
    }
    base
}

/// Turns fuzzer input into a conversation: byte 0 seeds the cutting; each following event
/// takes 1..=64 payload bytes and a direction from the seed stream, and a payload byte
/// `0xFE` at an event start makes it a gap, `0xFD` a FIN. Ends with a close. Every
/// protocol's fuzz target uses this, so they all explore gaps, FINs and interleaving.
pub fn fuzz_events(data: &[u8]) -> Vec<Event> {
    let Some((&seed, mut rest)) = data.split_first() else {
        return Vec::new();
    };
    let mut state = u32::from(seed) | 0x100;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    let mut events = Vec::new();
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
    events
}

/// The session context fuzz targets use: small limits so caps are reached quickly.
pub fn fuzz_context(server_port: u16) -> SessionContext {
    SessionContext {
        flow: 1,
        client: std::net::SocketAddr::from(([10, 0, 0, 1], 40000)),
        server: std::net::SocketAddr::from(([10, 0, 0, 2], server_port)),
        limits: Limits {
            max_body: 4096,
            max_head: 2048,
            max_pending: 16,
            max_pending_bytes: 4096,
        },
    }
}
