//! The buffering driver between the reassembler and a [`Session`].
//!
//! Per direction it keeps the bytes the session has not consumed yet, with a capture-time
//! mark per arriving packet. In the common case (a message inside one segment) nothing is
//! copied: the segment slice is offered directly and only a leftover is buffered.

use crate::{Chunk, Output, Session};
use mizu_model::{Direction, Nanos};

/// Counters for what a driver did not hand to a session.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DriverStats {
    /// Bytes received with no session to take them (unknown protocol, or after an
    /// upgrade to a protocol nobody dissects).
    pub unparsed_bytes: u64,
    /// Bytes discarded because a session left more than the buffer cap unconsumed.
    pub overflow_bytes: u64,
    /// Gap events passed on, and the bytes they covered (including discarded buffers).
    pub gaps: u64,
    pub gap_bytes: u64,
    /// Every stream byte handed to [`Driver::data`].
    pub data_bytes: u64,
    /// Bytes the session consumed (the sum of what `on_data` returned).
    pub consumed_bytes: u64,
    /// Unconsumed buffered bytes discarded and reported to the session inside a gap
    /// (a capture gap, the buffer cap, or shedding for the memory budget).
    pub discarded_bytes: u64,
}

impl DriverStats {
    /// The accounting invariant: every byte in was consumed by the session, counted as
    /// unparsed, discarded into a gap, or is still `pending` in the buffers. Returns the
    /// difference (0 when it holds) so callers can report it.
    pub fn unaccounted(&self, pending: u64) -> i128 {
        i128::from(self.data_bytes)
            - i128::from(self.consumed_bytes)
            - i128::from(self.unparsed_bytes)
            - i128::from(self.discarded_bytes)
            - i128::from(pending)
    }
}

/// A buffer emptied with more capacity than this gives it back, so a flow that once held a
/// large unfinished message does not keep its peak allocation for the rest of its life.
const KEEP_CAPACITY: usize = 64 << 10;

#[derive(Default)]
struct DirBuf {
    data: Vec<u8>,
    marks: Vec<(usize, Nanos)>,
    fin: bool,
}

impl DirBuf {
    /// Drops every buffered byte (releasing a large allocation).
    fn clear(&mut self) {
        if self.data.capacity() > KEEP_CAPACITY {
            self.data = Vec::new();
            self.marks = Vec::new();
        } else {
            self.data.clear();
            self.marks.clear();
        }
    }

    /// Heap bytes held.
    fn heap_bytes(&self) -> usize {
        self.data.capacity() + self.marks.capacity() * std::mem::size_of::<(usize, Nanos)>()
    }

    fn consume(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        if n >= self.data.len() {
            self.clear();
            return;
        }
        self.data.drain(..n);
        // Keep the mark covering the new first byte, re-based to offset 0.
        let keep_from = self
            .marks
            .partition_point(|&(o, _)| o <= n)
            .saturating_sub(1);
        self.marks.drain(..keep_from);
        for m in &mut self.marks {
            m.0 = m.0.saturating_sub(n);
        }
    }
}

/// Feeds one connection's bytes to one session (or counts them, when there is none).
pub struct Driver {
    session: Option<Box<dyn Session>>,
    bufs: [DirBuf; 2],
    max_buffer: usize,
    /// The session announced an upgrade: hold bytes until [`Driver::switch_session`].
    paused: bool,
    stats: DriverStats,
}

impl Driver {
    /// `max_buffer`: most unconsumed bytes kept per direction before they are discarded
    /// and reported to the session as a gap.
    pub fn new(session: Option<Box<dyn Session>>, max_buffer: usize) -> Driver {
        Driver {
            session,
            bufs: [DirBuf::default(), DirBuf::default()],
            max_buffer,
            paused: false,
            stats: DriverStats::default(),
        }
    }

    pub fn stats(&self) -> &DriverStats {
        &self.stats
    }

    /// Heap bytes held for this connection: unconsumed bytes (by allocation, not length),
    /// their time marks, and what the session reports ([`Session::buffered_bytes`]).
    /// Constant time: the engine asks after every packet to keep its memory budget.
    pub fn buffered_bytes(&self) -> usize {
        self.bufs[0].heap_bytes()
            + self.bufs[1].heap_bytes()
            + self.session.as_ref().map_or(0, |s| s.buffered_bytes())
    }

    /// Sheds this connection's buffers for a memory budget: the unconsumed bytes of each
    /// direction are discarded as a gap (the session salvages and marks what it was
    /// parsing, as for a capture gap). Returns the stream bytes dropped. The caller closes
    /// the connection next, which frees the session's own state.
    pub fn shed(&mut self, ts: Nanos, out: &mut Output) -> u64 {
        let mut dropped = 0;
        for dir in [Direction::ClientToServer, Direction::ServerToClient] {
            let n = self.bufs[dir.index()].data.len() as u64;
            if n > 0 {
                dropped += n;
                self.gap(dir, ts, 0, out);
            }
        }
        dropped
    }

    /// Stream bytes waiting in the buffers, not yet consumed (0 after [`Driver::close`]).
    pub fn pending_bytes(&self) -> u64 {
        (self.bufs[0].data.len() + self.bufs[1].data.len()) as u64
    }

    /// True when bytes go to a session (false: counted as unparsed).
    pub fn has_session(&self) -> bool {
        self.session.is_some()
    }

    /// In-order bytes of `dir` captured at `ts`.
    pub fn data(&mut self, dir: Direction, ts: Nanos, data: &[u8], out: &mut Output) {
        if data.is_empty() {
            return;
        }
        self.stats.data_bytes += data.len() as u64;
        if self.session.is_none() {
            self.stats.unparsed_bytes += data.len() as u64;
            return;
        }
        let i = dir.index();
        if self.bufs[i].data.is_empty() && !self.paused {
            // Fast path: offer the segment itself; buffer only the leftover.
            let marks = [(0usize, ts)];
            let used = self.offer_slice(dir, data, &marks, out);
            if used < data.len() {
                let buf = &mut self.bufs[i];
                buf.data.extend_from_slice(&data[used..]);
                buf.marks.push((0, ts));
            }
        } else {
            let buf = &mut self.bufs[i];
            buf.marks.push((buf.data.len(), ts));
            buf.data.extend_from_slice(data);
            self.offer_buffer(dir, out);
        }
        self.enforce_cap(dir, ts, out);
    }

    /// `len` bytes of `dir` are lost. Unconsumed buffered bytes of `dir` are discarded and
    /// reported in the same gap.
    pub fn gap(&mut self, dir: Direction, ts: Nanos, len: u64, out: &mut Output) {
        let buf = &mut self.bufs[dir.index()];
        if !buf.data.is_empty()
            && !self.paused
            && let Some(s) = &mut self.session
        {
            let chunk = Chunk {
                dir,
                data: &buf.data,
                marks: &buf.marks,
            };
            s.on_cut(&chunk, out);
        }
        let dropped = buf.data.len() as u64;
        buf.clear();
        let total = len + dropped;
        self.stats.gaps += 1;
        self.stats.gap_bytes += total;
        match (&mut self.session, self.paused) {
            (Some(s), false) => {
                self.stats.discarded_bytes += dropped;
                s.on_gap(dir, total, ts, out);
            }
            _ => self.stats.unparsed_bytes += dropped,
        }
    }

    /// `dir` sent FIN.
    pub fn fin(&mut self, dir: Direction, ts: Nanos, out: &mut Output) {
        self.bufs[dir.index()].fin = true;
        if self.paused {
            return;
        }
        if let Some(s) = &mut self.session {
            s.on_fin(dir, ts, out);
        }
    }

    /// The connection ended: the session flushes what it holds. Bytes still unconsumed are
    /// counted as unparsed (the session saw them and could not finish a message).
    pub fn close(&mut self, ts: Nanos, out: &mut Output) {
        for buf in &mut self.bufs {
            self.stats.unparsed_bytes += buf.data.len() as u64;
            buf.clear();
        }
        if let Some(s) = &mut self.session {
            s.on_close(ts, out);
        }
    }

    /// After an upgrade: continue with `session` (or none: count the rest as unparsed).
    /// Bytes buffered since the upgrade are offered to it right away.
    pub fn switch_session(&mut self, session: Option<Box<dyn Session>>, out: &mut Output) {
        self.session = session;
        self.paused = false;
        if self.session.is_none() {
            for buf in &mut self.bufs {
                self.stats.unparsed_bytes += buf.data.len() as u64;
                buf.clear();
            }
            return;
        }
        // The server side first: after a 101 the server speaks the new protocol first for
        // h2c (its SETTINGS), and the order between directions is not known here anyway.
        for dir in [Direction::ServerToClient, Direction::ClientToServer] {
            if !self.bufs[dir.index()].data.is_empty() {
                self.offer_buffer(dir, out);
            }
        }
    }

    /// Offers `data` (not in a buffer) repeatedly while the session makes progress.
    fn offer_slice(
        &mut self,
        dir: Direction,
        data: &[u8],
        marks: &[(usize, Nanos)],
        out: &mut Output,
    ) -> usize {
        let Some(session) = &mut self.session else {
            return 0;
        };
        let mut used = 0;
        while used < data.len() {
            let chunk = Chunk {
                dir,
                data: &data[used..],
                marks,
            };
            let n = session.on_data(&chunk, out).min(data.len() - used);
            used += n;
            self.stats.consumed_bytes += n as u64;
            if out.upgrade.is_some() {
                self.paused = true;
                break;
            }
            if n == 0 {
                break;
            }
        }
        used
    }

    fn offer_buffer(&mut self, dir: Direction, out: &mut Output) {
        let i = dir.index();
        while !self.paused {
            let Some(session) = &mut self.session else {
                return;
            };
            let buf = &self.bufs[i];
            if buf.data.is_empty() {
                return;
            }
            let chunk = Chunk {
                dir,
                data: &buf.data,
                marks: &buf.marks,
            };
            let n = session.on_data(&chunk, out).min(buf.data.len());
            self.stats.consumed_bytes += n as u64;
            self.bufs[i].consume(n);
            if out.upgrade.is_some() {
                self.paused = true;
                return;
            }
            if n == 0 {
                return;
            }
        }
    }

    fn enforce_cap(&mut self, dir: Direction, ts: Nanos, out: &mut Output) {
        let buf = &mut self.bufs[dir.index()];
        if buf.data.len() <= self.max_buffer {
            return;
        }
        let dropped = buf.data.len() as u64;
        buf.clear();
        self.stats.overflow_bytes += dropped;
        if self.paused {
            self.stats.unparsed_bytes += dropped;
            return;
        }
        out.diagnostic(
            crate::DiagKind::Limit,
            format!(
                "{dropped} unconsumed bytes exceeded the {} byte buffer cap and were dropped",
                self.max_buffer
            ),
        );
        self.stats.gaps += 1;
        self.stats.gap_bytes += dropped;
        self.stats.discarded_bytes += dropped;
        if let Some(s) = &mut self.session {
            s.on_gap(dir, dropped, ts, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Upgrade;

    /// A line protocol: consumes complete `\n`-terminated lines, records them with the
    /// time of their first byte, and upgrades on the line "UPGRADE".
    #[derive(Default)]
    struct Lines {
        seen: std::sync::Arc<std::sync::Mutex<Vec<(Direction, String, Nanos)>>>,
        gaps: std::sync::Arc<std::sync::Mutex<Vec<u64>>>,
    }

    impl Session for Lines {
        fn on_data(&mut self, chunk: &Chunk<'_>, out: &mut Output) -> usize {
            let Some(pos) = chunk.data.iter().position(|&b| b == b'\n') else {
                return 0;
            };
            let line = String::from_utf8_lossy(&chunk.data[..pos]).into_owned();
            if line == "UPGRADE" {
                out.upgrade = Some(Upgrade::new("x", chunk.ts_at(0)));
            }
            if let Ok(mut seen) = self.seen.lock() {
                seen.push((chunk.dir, line, chunk.ts_at(0)));
            }
            pos + 1
        }
        fn on_gap(&mut self, _: Direction, len: u64, _: Nanos, _: &mut Output) {
            if let Ok(mut g) = self.gaps.lock() {
                g.push(len);
            }
        }
        fn on_close(&mut self, _: Nanos, _: &mut Output) {}
    }

    fn lines_of(s: &Lines) -> Vec<(Direction, String, Nanos)> {
        s.seen.lock().map(|v| v.clone()).unwrap_or_default()
    }

    const C2S: Direction = Direction::ClientToServer;

    #[test]
    fn split_lines_keep_first_byte_time() {
        let s = Lines::default();
        let seen = Lines {
            seen: s.seen.clone(),
            gaps: s.gaps.clone(),
        };
        let mut d = Driver::new(Some(Box::new(s)), 1024);
        let mut out = Output::default();
        d.data(C2S, 1, b"hel", &mut out);
        d.data(C2S, 2, b"lo\nwor", &mut out);
        d.data(C2S, 3, b"ld\n!\n", &mut out);
        assert_eq!(
            lines_of(&seen),
            vec![
                (C2S, "hello".into(), 1),
                (C2S, "world".into(), 2),
                (C2S, "!".into(), 3)
            ]
        );
    }

    #[test]
    fn gap_discards_unconsumed_bytes_and_reports_them() {
        let s = Lines::default();
        let probe = Lines {
            seen: s.seen.clone(),
            gaps: s.gaps.clone(),
        };
        let mut d = Driver::new(Some(Box::new(s)), 1024);
        let mut out = Output::default();
        d.data(C2S, 1, b"partial", &mut out);
        d.gap(C2S, 2, 10, &mut out);
        d.data(C2S, 3, b"next\n", &mut out);
        assert_eq!(
            probe.gaps.lock().map(|g| g.clone()).unwrap_or_default(),
            vec![17]
        );
        assert_eq!(lines_of(&probe), vec![(C2S, "next".into(), 3)]);
        assert_eq!(d.stats().gap_bytes, 17);
    }

    #[test]
    fn overflow_is_counted_and_reported_as_gap() {
        let s = Lines::default();
        let probe = Lines {
            seen: s.seen.clone(),
            gaps: s.gaps.clone(),
        };
        let mut d = Driver::new(Some(Box::new(s)), 8);
        let mut out = Output::default();
        d.data(C2S, 1, b"0123456789", &mut out);
        assert_eq!(d.stats().overflow_bytes, 10);
        assert_eq!(
            probe.gaps.lock().map(|g| g.clone()).unwrap_or_default(),
            vec![10]
        );
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].kind, crate::DiagKind::Limit);
    }

    #[test]
    fn upgrade_pauses_then_switch_replays_buffered_bytes() {
        let s = Lines::default();
        let first = Lines {
            seen: s.seen.clone(),
            gaps: s.gaps.clone(),
        };
        let mut d = Driver::new(Some(Box::new(s)), 1024);
        let mut out = Output::default();
        d.data(C2S, 1, b"a\nUPGRADE\nb\nc\n", &mut out);
        assert!(out.upgrade.is_some());
        assert_eq!(lines_of(&first).len(), 2);
        d.data(C2S, 2, b"d\n", &mut out);
        assert_eq!(lines_of(&first).len(), 2, "paused session is not fed");
        let s2 = Lines::default();
        let second = Lines {
            seen: s2.seen.clone(),
            gaps: s2.gaps.clone(),
        };
        out.upgrade = None;
        d.switch_session(Some(Box::new(s2)), &mut out);
        let got: Vec<String> = lines_of(&second).into_iter().map(|l| l.1).collect();
        assert_eq!(got, vec!["b", "c", "d"]);
    }

    #[test]
    fn buffered_bytes_follow_the_buffers_and_shed_drops_them_as_a_gap() {
        let s = Lines::default();
        let probe = Lines {
            seen: s.seen.clone(),
            gaps: s.gaps.clone(),
        };
        let mut d = Driver::new(Some(Box::new(s)), 1 << 20);
        let mut out = Output::default();
        assert_eq!(d.buffered_bytes(), 0);
        for i in 0..100 {
            d.data(C2S, i, &[b'x'; 1000], &mut out);
        }
        assert!(d.buffered_bytes() >= 100_000, "{}", d.buffered_bytes());
        assert_eq!(d.shed(200, &mut out), 100_000);
        assert_eq!(
            probe.gaps.lock().map(|g| g.clone()).unwrap_or_default(),
            vec![100_000]
        );
        // A large buffer is given back once emptied.
        assert_eq!(d.buffered_bytes(), 0);
        assert_eq!(d.shed(201, &mut out), 0);
        d.data(C2S, 202, b"a\n", &mut out);
        assert_eq!(lines_of(&probe), vec![(C2S, "a".into(), 202)]);
    }

    #[test]
    fn no_session_counts_unparsed() {
        let mut d = Driver::new(None, 1024);
        let mut out = Output::default();
        d.data(C2S, 1, b"abc", &mut out);
        d.close(2, &mut out);
        assert_eq!(d.stats().unparsed_bytes, 3);
    }

    /// Every byte in is consumed, unparsed, discarded into a gap or still pending, through
    /// partial lines, a gap with buffered bytes, the buffer cap, an upgrade to nobody and
    /// the close.
    #[test]
    fn every_byte_is_accounted_for() {
        let mut d = Driver::new(Some(Box::new(Lines::default())), 8);
        let mut out = Output::default();
        let check = |d: &Driver, what: &str| {
            assert_eq!(
                d.stats().unaccounted(d.pending_bytes()),
                0,
                "{what}: {:?}",
                d.stats()
            );
        };
        d.data(C2S, 1, b"one\ntw", &mut out);
        check(&d, "a line and a partial one");
        assert_eq!((d.stats().consumed_bytes, d.pending_bytes()), (4, 2));
        d.gap(C2S, 2, 100, &mut out);
        check(&d, "a gap discards the partial line");
        assert_eq!(d.stats().discarded_bytes, 2);
        d.data(C2S, 3, b"no line end for a while", &mut out);
        check(&d, "over the 8 byte cap");
        assert_eq!(d.stats().discarded_bytes, 25);
        d.data(C2S, 4, b"UPGRADE\nafter", &mut out);
        assert!(out.upgrade.take().is_some());
        check(&d, "paused by the upgrade");
        d.switch_session(None, &mut out);
        check(&d, "nobody continues");
        d.data(C2S, 5, b"more", &mut out);
        d.close(6, &mut out);
        check(&d, "closed");
        let st = d.stats();
        assert_eq!(st.data_bytes, 6 + 23 + 13 + 4);
        assert_eq!(st.unparsed_bytes, 5 + 4);
        assert_eq!(d.pending_bytes(), 0);
    }
}
