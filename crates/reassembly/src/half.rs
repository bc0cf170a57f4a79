//! One direction of a TCP connection: sequence tracking, the out-of-order buffer,
//! hole timers and FIN position.
//!
//! Sequence numbers are converted to 64-bit *stream offsets* relative to the next
//! expected byte (`next_seq` ↔ `next_off`) with wrapping 32-bit arithmetic, so nothing
//! below this point cares about wraparound. A segment more than 2^30 bytes ahead (the
//! largest possible TCP window) is implausible and ignored.
//!
//! The out-of-order buffer is a `BTreeMap` from stream offset to [`Chunk`]. Chunks
//! never overlap: a new segment only fills the ranges no earlier copy covered ("first
//! copy wins"). A chunk is either captured bytes or a run of known-missing bytes (the
//! uncaptured tail of a snaplen-truncated segment), which becomes a gap when released.

use std::collections::BTreeMap;

use mizu_model::{Direction, Nanos};

use crate::{FlowInfo, ReassemblyConfig, ReassemblyStats, StreamHandler};

/// Segments further ahead than this (in bytes) are ignored: no TCP window is larger.
pub(crate) const MAX_AHEAD: i64 = 1 << 30;
/// Upper bound on buffered chunks per direction, so that floods of tiny segments (or
/// payload-less truncated ones) cannot grow the map without bound.
const MAX_CHUNKS: usize = 8192;

/// State shared by all flows: configuration, counters and the global buffer budget.
pub(crate) struct Core {
    pub config: ReassemblyConfig,
    pub stats: ReassemblyStats,
    pub buffered_total: usize,
}

/// Everything a direction needs to report to the handler.
pub(crate) struct Sink<'a, S, H> {
    pub core: &'a mut Core,
    pub handler: &'a mut H,
    pub state: &'a mut S,
    pub info: &'a FlowInfo,
}

impl<S, H: StreamHandler<S>> Sink<'_, S, H> {
    #[inline]
    fn data(&mut self, dir: Direction, ts: Nanos, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.core.stats.bytes_delivered += bytes.len() as u64;
        self.handler.data(self.state, self.info, dir, ts, bytes);
    }

    fn gap(&mut self, dir: Direction, ts: Nanos, len: u64) {
        if len == 0 {
            return;
        }
        self.core.stats.gaps += 1;
        self.core.stats.gap_bytes += len;
        self.handler.gap(self.state, self.info, dir, ts, len);
    }

    fn fin(&mut self, dir: Direction, ts: Nanos) {
        self.handler.fin(self.state, self.info, dir, ts);
    }
}

/// A buffered piece of the stream.
enum Chunk {
    /// Captured bytes, with the timestamp of the packet that brought them.
    Data { ts: Nanos, bytes: Vec<u8> },
    /// Bytes known to exist but not captured (snaplen); released as a gap.
    Missing { ts: Nanos, len: u64 },
}

impl Chunk {
    fn len(&self) -> u64 {
        match self {
            Chunk::Data { bytes, .. } => bytes.len() as u64,
            Chunk::Missing { len, .. } => *len,
        }
    }
    fn ts(&self) -> Nanos {
        match self {
            Chunk::Data { ts, .. } | Chunk::Missing { ts, .. } => *ts,
        }
    }
    /// Bytes of memory charged to the buffer budgets.
    fn cost(&self) -> usize {
        match self {
            Chunk::Data { bytes, .. } => bytes.len(),
            Chunk::Missing { .. } => 0,
        }
    }
}

/// Drops the first `n` bytes of a segment's range (captured part first).
fn trim_front(payload: &mut &[u8], missing: &mut u64, n: u64) {
    let plen = payload.len() as u64;
    if n <= plen {
        *payload = payload.get(n as usize..).unwrap_or_default();
    } else {
        *missing = missing.saturating_sub(n - plen);
        *payload = &[];
    }
}

/// Keeps only the first `n` bytes of a segment's range.
fn keep_front(payload: &mut &[u8], missing: &mut u64, n: u64) {
    let plen = payload.len() as u64;
    if n <= plen {
        *payload = payload.get(..n as usize).unwrap_or_default();
        *missing = 0;
    } else {
        *missing = (*missing).min(n - plen);
    }
}

/// Length of the intersection of `[a0, a1)` and `[b0, b1)`.
fn intersect(a0: u64, a1: u64, b0: u64, b1: u64) -> u64 {
    a1.min(b1).saturating_sub(a0.max(b0))
}

/// One direction's reassembly state.
#[derive(Default)]
pub(crate) struct Half {
    /// The next expected sequence number is known.
    pub seen: bool,
    /// This direction's SYN was seen (`isn` is valid).
    pub syn_seen: bool,
    /// Initial sequence number from the SYN.
    pub isn: u32,
    /// Sequence number of the next expected byte.
    pub next_seq: u32,
    /// Stream offset of the next expected byte (= bytes delivered + gapped).
    pub next_off: u64,
    /// Sequence number of stream offset 0.
    pub start_seq: u32,
    buf: BTreeMap<u64, Chunk>,
    buffered: usize,
    /// When the hole at `hole_at` started waiting (None: nothing is waiting).
    hole_since: Option<Nanos>,
    hole_at: u64,
    /// Stream offset of the FIN, once seen.
    pub fin_off: Option<u64>,
    fin_ts: Nanos,
    /// `fin()` was reported.
    pub fin_done: bool,
    /// The most recent gap range, to tell late bytes for an abandoned hole from duplicates.
    last_gap: (u64, u64),
}

impl Half {
    /// Out-of-order bytes held (what counts against the buffer limits).
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    /// Starts tracking at `seq` (stream offset 0).
    pub fn init(&mut self, seq: u32) {
        self.seen = true;
        self.next_seq = seq;
        self.start_seq = seq;
        self.next_off = 0;
    }

    /// Signed distance from the next expected byte to `seq`.
    #[inline]
    pub fn rel(&self, seq: u32) -> i64 {
        i64::from(seq.wrapping_sub(self.next_seq) as i32)
    }

    #[inline]
    fn advance(&mut self, n: u64) {
        self.next_off += n;
        self.next_seq = self.next_seq.wrapping_add(n as u32);
    }

    #[inline]
    fn emit_data<S, H: StreamHandler<S>>(
        &mut self,
        dir: Direction,
        sink: &mut Sink<'_, S, H>,
        ts: Nanos,
        bytes: &[u8],
    ) {
        sink.data(dir, ts, bytes);
        self.advance(bytes.len() as u64);
    }

    fn emit_gap<S, H: StreamHandler<S>>(
        &mut self,
        dir: Direction,
        sink: &mut Sink<'_, S, H>,
        ts: Nanos,
        len: u64,
    ) {
        if len == 0 {
            return;
        }
        sink.gap(dir, ts, len);
        if self.last_gap.1 == self.next_off && self.last_gap.1 > self.last_gap.0 {
            self.last_gap.1 += len;
        } else {
            self.last_gap = (self.next_off, self.next_off + len);
        }
        self.advance(len);
    }

    /// Delivers every buffered chunk that starts at or before the next expected byte.
    fn release_ready<S, H: StreamHandler<S>>(
        &mut self,
        dir: Direction,
        sink: &mut Sink<'_, S, H>,
        ts: Nanos,
    ) {
        while let Some(entry) = self.buf.first_entry() {
            let key = *entry.key();
            if key > self.next_off {
                break;
            }
            let chunk = entry.remove();
            let cost = chunk.cost();
            self.buffered = self.buffered.saturating_sub(cost);
            sink.core.buffered_total = sink.core.buffered_total.saturating_sub(cost);
            let skip = self.next_off - key;
            if skip >= chunk.len() {
                continue;
            }
            match chunk {
                Chunk::Data { bytes, .. } => {
                    let rest = bytes.get(skip as usize..).unwrap_or_default();
                    self.emit_data(dir, sink, ts, rest);
                }
                Chunk::Missing { len, .. } => self.emit_gap(dir, sink, ts, len - skip),
            }
        }
    }

    /// Something beyond the next expected byte is waiting for a hole to fill.
    fn waiting(&self) -> bool {
        !self.buf.is_empty() || self.fin_off.is_some_and(|f| f > self.next_off)
    }

    /// Starts, restarts or stops the hole timer after a change.
    pub fn settle(&mut self, now: Nanos) {
        if !self.waiting() {
            self.hole_since = None;
            return;
        }
        if self.hole_since.is_none() || self.hole_at != self.next_off {
            // The hole now at the front has been known since the first thing after it arrived.
            let since = self
                .buf
                .first_key_value()
                .map_or(self.fin_ts, |(_, c)| c.ts())
                .min(now);
            self.hole_since = Some(since);
            self.hole_at = self.next_off;
        }
    }

    /// Reports `fin()` once everything before the FIN is through.
    pub fn check_fin<S, H: StreamHandler<S>>(
        &mut self,
        dir: Direction,
        sink: &mut Sink<'_, S, H>,
        ts: Nanos,
    ) {
        if let Some(f) = self.fin_off
            && !self.fin_done
            && self.next_off >= f
        {
            self.fin_done = true;
            sink.fin(dir, ts);
        }
    }

    /// Gives up on the first hole (ending no later than `limit`): reports it as a gap and
    /// releases what follows. Returns false if there was no hole to give up on.
    fn force_hole<S, H: StreamHandler<S>>(
        &mut self,
        dir: Direction,
        sink: &mut Sink<'_, S, H>,
        ts: Nanos,
        limit: Option<u64>,
    ) -> bool {
        self.release_ready(dir, sink, ts);
        let mut target = u64::MAX;
        if let Some((&k, _)) = self.buf.first_key_value() {
            target = k;
        }
        if let Some(f) = self.fin_off
            && f > self.next_off
        {
            target = target.min(f);
        }
        if let Some(l) = limit {
            target = target.min(l);
        }
        if target == u64::MAX || target <= self.next_off {
            return false;
        }
        self.emit_gap(dir, sink, ts, target - self.next_off);
        self.release_ready(dir, sink, ts);
        true
    }

    /// The current hole has waited at least `timeout` by `now`.
    pub fn hole_expired(&self, now: Nanos, timeout: Nanos) -> bool {
        self.hole_since
            .is_some_and(|since| now.saturating_sub(since) >= timeout)
    }

    /// Turns holes that waited `timeout` or longer into gaps.
    pub fn expire<S, H: StreamHandler<S>>(
        &mut self,
        dir: Direction,
        sink: &mut Sink<'_, S, H>,
        now: Nanos,
        timeout: Nanos,
    ) {
        if !self.hole_expired(now, timeout) {
            return;
        }
        while self.hole_expired(now, timeout) {
            if !self.force_hole(dir, sink, now, None) {
                self.hole_since = None;
                break;
            }
            self.settle(now);
        }
        self.check_fin(dir, sink, now);
    }

    /// Releases everything: holes become gaps, a pending FIN is reported.
    pub fn flush<S, H: StreamHandler<S>>(
        &mut self,
        dir: Direction,
        sink: &mut Sink<'_, S, H>,
        ts: Nanos,
    ) {
        while self.force_hole(dir, sink, ts, None) {}
        self.settle(ts);
        self.check_fin(dir, sink, ts);
    }

    /// The peer acknowledged everything before `ack`: bytes of this direction before it
    /// that we have not seen were lost by the capture, so the holes become gaps now.
    pub fn ack_to<S, H: StreamHandler<S>>(
        &mut self,
        dir: Direction,
        sink: &mut Sink<'_, S, H>,
        ts: Nanos,
        ack: u32,
    ) {
        if !self.seen || self.fin_done {
            return;
        }
        let rel = self.rel(ack);
        if rel <= 0 || rel > MAX_AHEAD {
            return;
        }
        // An ACK one past everything might acknowledge a FIN we did not capture.
        if rel == 1 && self.buf.is_empty() && self.fin_off.is_none() {
            return;
        }
        let mut target = self.next_off + rel as u64;
        if let Some(f) = self.fin_off {
            target = target.min(f);
        }
        while self.next_off < target {
            if !self.force_hole(dir, sink, ts, Some(target)) {
                break;
            }
        }
        self.settle(ts);
        self.check_fin(dir, sink, ts);
    }

    /// Records the FIN at stream offset `off` (the first one wins) and drops anything
    /// buffered beyond it.
    pub fn on_fin(&mut self, core: &mut Core, off: u64, ts: Nanos) {
        if self.fin_off.is_some() {
            return;
        }
        self.fin_off = Some(off);
        self.fin_ts = ts;
        let tail = self.buf.split_off(&off);
        let mut freed: usize = tail.values().map(Chunk::cost).sum();
        if let Some(mut last) = self.buf.last_entry() {
            let key = *last.key();
            let keep = off.saturating_sub(key);
            match last.get_mut() {
                Chunk::Data { bytes, .. } if bytes.len() as u64 > keep => {
                    freed += bytes.len() - keep as usize;
                    bytes.truncate(keep as usize);
                }
                Chunk::Missing { len, .. } => *len = (*len).min(keep),
                Chunk::Data { .. } => {}
            }
        }
        self.buffered = self.buffered.saturating_sub(freed);
        core.buffered_total = core.buffered_total.saturating_sub(freed);
    }

    /// Counts `len` already-passed bytes starting at stream offset `start` (None: before
    /// the stream's start) as duplicates/overlap, or as dropped if they fall in the last gap.
    fn count_stale(&self, core: &mut Core, start: Option<u64>, len: u64, whole: bool) {
        let dropped = start.map_or(0, |s| {
            intersect(s, s.saturating_add(len), self.last_gap.0, self.last_gap.1)
        });
        let stats = &mut core.stats;
        stats.ooo_dropped_bytes += dropped;
        let rest = len - dropped;
        if whole {
            if dropped == 0 {
                stats.duplicate_segments += 1;
            }
            stats.duplicate_bytes += rest;
        } else {
            stats.overlap_bytes += rest;
        }
    }

    /// Handles a segment's payload (and its uncaptured tail) starting `rel` bytes after
    /// the next expected byte.
    pub fn on_data<S, H: StreamHandler<S>>(
        &mut self,
        dir: Direction,
        sink: &mut Sink<'_, S, H>,
        ts: Nanos,
        rel: i64,
        payload: &[u8],
        missing: u64,
    ) {
        let (mut payload, mut missing) = (payload, missing);
        let total = payload.len() as u64 + missing;
        if total == 0 {
            return;
        }
        if rel > MAX_AHEAD {
            sink.core.stats.ignored_segments += 1;
            return;
        }
        let start = if rel < 0 {
            let behind = rel.unsigned_abs();
            let orig = self.next_off.checked_sub(behind);
            if behind >= total {
                self.count_stale(sink.core, orig, total, true);
                return;
            }
            self.count_stale(sink.core, orig, behind, false);
            trim_front(&mut payload, &mut missing, behind);
            self.next_off
        } else {
            self.next_off + rel as u64
        };
        if let Some(f) = self.fin_off {
            if start >= f {
                sink.core.stats.ignored_segments += 1;
                return;
            }
            keep_front(&mut payload, &mut missing, f - start);
        }
        if start == self.next_off && self.buf.is_empty() {
            // The common case: in order, nothing buffered, straight from the packet.
            self.emit_data(dir, sink, ts, payload);
            self.emit_gap(dir, sink, ts, missing);
            return;
        }
        loop {
            if start <= self.next_off {
                let behind = self.next_off - start;
                if behind > 0 {
                    let len = behind.min(payload.len() as u64 + missing);
                    self.count_stale(sink.core, Some(start), len, false);
                    trim_front(&mut payload, &mut missing, behind);
                }
                if !payload.is_empty() || missing > 0 {
                    self.merge_in_order(dir, sink, ts, payload, missing);
                }
                break;
            }
            if self.try_buffer(sink.core, ts, start, payload, missing) {
                break;
            }
            // Over budget: give up on the first hole and try again.
            if !self.force_hole(dir, sink, ts, Some(start)) {
                break;
            }
        }
    }

    /// Delivers a segment that starts exactly at the next expected byte while the buffer
    /// is not empty: buffered chunks win where they overlap it.
    fn merge_in_order<S, H: StreamHandler<S>>(
        &mut self,
        dir: Direction,
        sink: &mut Sink<'_, S, H>,
        ts: Nanos,
        payload: &[u8],
        missing: u64,
    ) {
        let seg_start = self.next_off;
        let plen = payload.len() as u64;
        let seg_end = seg_start + plen + missing;
        let mut taken = 0u64;
        loop {
            self.release_ready(dir, sink, ts);
            if self.next_off >= seg_end {
                break;
            }
            let limit = self
                .buf
                .first_key_value()
                .map_or(seg_end, |(&k, _)| k.min(seg_end));
            if limit <= self.next_off || self.next_off < seg_start {
                break;
            }
            let a = self.next_off - seg_start;
            let b = limit - seg_start;
            if a < plen {
                let e = b.min(plen);
                let piece = payload.get(a as usize..e as usize).unwrap_or_default();
                self.emit_data(dir, sink, ts, piece);
            }
            if b > plen {
                self.emit_gap(dir, sink, ts, b - a.max(plen));
            }
            taken += b - a;
        }
        sink.core.stats.overlap_bytes += (seg_end - seg_start).saturating_sub(taken);
    }

    /// The sub-ranges of `[s, e)` not covered by buffered chunks.
    fn uncovered(&self, s: u64, e: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        let mut pos = s;
        if let Some((&k, c)) = self.buf.range(..=s).next_back() {
            pos = pos.max(k + c.len());
        }
        if pos < e {
            for (&k, c) in self.buf.range(s..e) {
                if pos >= e {
                    break;
                }
                if k > pos {
                    out.push((pos, k));
                }
                pos = pos.max(k + c.len());
            }
        }
        if pos < e {
            out.push((pos, e));
        }
        out
    }

    /// Buffers the new parts of an out-of-order segment. Returns false (and changes
    /// nothing) if they do not fit the budgets.
    fn try_buffer(
        &mut self,
        core: &mut Core,
        ts: Nanos,
        start: u64,
        payload: &[u8],
        missing: u64,
    ) -> bool {
        let plen = payload.len() as u64;
        let data_end = start + plen;
        let end = data_end + missing;
        let pieces = self.uncovered(start, end);
        if pieces.is_empty() {
            core.stats.duplicate_segments += 1;
            core.stats.duplicate_bytes += end - start;
            return true;
        }
        let mut cost = 0usize;
        let mut chunks = 0usize;
        let mut fresh = 0u64;
        for &(a, b) in &pieces {
            fresh += b - a;
            if a < data_end {
                cost += (b.min(data_end) - a) as usize;
                chunks += 1;
            }
            if b > data_end {
                chunks += 1;
            }
        }
        let cfg = &core.config;
        if self.buffered + cost > cfg.max_buffered_per_direction
            || core.buffered_total + cost > cfg.max_buffered_total
            || self.buf.len() + chunks > MAX_CHUNKS
        {
            return false;
        }
        core.stats.overlap_bytes += (end - start) - fresh;
        core.stats.out_of_order_segments += 1;
        self.buffered += cost;
        core.buffered_total += cost;
        for (a, b) in pieces {
            if a < data_end {
                let e = b.min(data_end);
                let bytes = payload
                    .get((a - start) as usize..(e - start) as usize)
                    .unwrap_or_default()
                    .to_vec();
                self.buf.insert(a, Chunk::Data { ts, bytes });
            }
            if b > data_end {
                let from = a.max(data_end);
                self.buf.insert(from, Chunk::Missing { ts, len: b - from });
            }
        }
        true
    }
}
