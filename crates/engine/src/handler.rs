//! The per-connection machinery the reassembler (and the [`crate::Dispatcher`]) drive:
//! [`FlowState`] in the flow table, and the `Handler` that records events while a
//! connection's protocol is unknown, detects it by probing (port hints, then priority),
//! drives the chosen session through its `Driver`, follows upgrades, keeps the memory
//! accounting per flow and counts everything in [`crate::EngineStats`].

use mizu_dissect::{Dissector, Driver, Output, Probe, ProbeContext, SessionContext, Transport};
use mizu_model::{Direction, Entry, Nanos};
use mizu_reassembly::{CloseReason, FlowInfo, StreamHandler};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::{
    EngineConfig, EngineStats, MAX_UNPARSED_REASONS, NOT_RECOGNISED, UNFINISHED, datagram,
};

/// Where an event came from, recorded while the protocol is not known yet.
pub(crate) enum Pending {
    Data(Direction, Nanos, Vec<u8>),
    Gap(Direction, Nanos, u64),
    Fin(Direction, Nanos),
}

pub(crate) enum FlowMode {
    /// Protocol not known yet: events are recorded and probed.
    Probing {
        events: Vec<Pending>,
        bytes: usize,
        /// Leading events whose verdict can no longer change (no dissector matched
        /// bytes that more input cannot extend): later passes start after them.
        settled: usize,
    },
    /// A dissector (or none, for unknown protocols) drives the flow.
    Driving(Driver),
}

/// Per-connection state kept inside the reassembler's flow table.
pub struct FlowState {
    pub(crate) mode: FlowMode,
    /// The dissector's verdict contradicted the reassembler's client/server guess.
    pub(crate) flipped: bool,
    /// The reassembler saw the SYN, so its orientation is not a guess.
    pub(crate) handshake_seen: bool,
    pub(crate) ctx: SessionContext,
    /// Index of the dissector driving the flow.
    pub(crate) protocol: Option<usize>,
    /// Heap bytes this flow held when last measured (its share of `Handler::mem_flows`).
    pub(crate) mem: usize,
}

/// The reassembler's callback target: owns everything except the flow table.
pub(crate) struct Handler {
    pub(crate) dissectors: Vec<Arc<dyn Dissector>>,
    pub(crate) config: EngineConfig,
    /// Server endpoint -> index of the dissector that matched there last.
    pub(crate) endpoint_cache: HashMap<SocketAddr, usize>,
    pub(crate) out: Output,
    pub(crate) ready: Vec<Entry>,
    pub(crate) stats: EngineStats,
    /// Sum of every flow's `FlowState::mem`, kept up to date per event.
    pub(crate) mem_flows: usize,
    /// Closes happening now are the memory budget's doing.
    pub(crate) shedding: bool,
    /// UDP pseudo-flows (see `datagram.rs`).
    pub(crate) datagrams: datagram::Datagrams,
    /// Some dissector speaks datagrams (else UDP is only counted).
    pub(crate) has_datagram_dissectors: bool,
}

impl Handler {
    pub(crate) fn new(config: EngineConfig, dissectors: &[Arc<dyn Dissector>]) -> Handler {
        let mut stats = EngineStats::default();
        for d in dissectors {
            stats.protocols.entry(d.info().id.to_owned()).or_default();
        }
        if config.max_memory > 0 {
            stats.memory_budget = config.max_memory as u64;
        }
        let has_datagram_dissectors = dissectors
            .iter()
            .any(|d| d.transport() == mizu_dissect::Transport::Datagram);
        Handler {
            datagrams: datagram::Datagrams::default(),
            has_datagram_dissectors,
            dissectors: dissectors.to_vec(),
            config,
            endpoint_cache: HashMap::new(),
            out: Output::default(),
            ready: Vec::new(),
            stats,
            mem_flows: 0,
            shedding: false,
        }
    }

    /// Re-measures a flow's heap bytes and updates the total (a few loads and one virtual
    /// call: this runs after every event).
    pub(crate) fn account(&mut self, state: &mut FlowState) {
        let now = match &state.mode {
            FlowMode::Probing { events, bytes, .. } => {
                bytes + events.capacity() * std::mem::size_of::<Pending>()
            }
            FlowMode::Driving(driver) => driver.buffered_bytes(),
        };
        self.mem_flows = self.mem_flows.saturating_sub(state.mem) + now;
        state.mem = now;
    }

    pub(crate) fn drain(&mut self, sink: &mut dyn FnMut(Entry)) {
        for e in self.ready.drain(..) {
            sink(e);
        }
    }

    /// Moves a session's output into the ready queue, counting it.
    pub(crate) fn collect(&mut self, proto: Option<usize>) {
        let id = proto
            .and_then(|i| self.dissectors.get(i))
            .map_or("unknown", |d| d.info().id);
        self.stats
            .count_output(id, self.out.entries.len(), &self.out.diagnostics);
        self.out.diagnostics.clear();
        let skipped = std::mem::take(&mut self.out.skipped);
        for sk in skipped {
            self.unparsed(sk.reason, sk.bytes);
        }
        if self.config.capture != "pcap" {
            for e in &mut self.out.entries {
                e.capture = std::borrow::Cow::Borrowed(self.config.capture);
            }
        }
        self.ready.append(&mut self.out.entries);
    }

    /// Counts `bytes` as unparsed for `reason` (see [`EngineStats::unparsed_reasons`]).
    pub(crate) fn unparsed(&mut self, reason: &'static str, bytes: u64) {
        if bytes == 0 {
            return;
        }
        self.stats.unparsed_bytes += bytes;
        let reasons = &mut self.stats.unparsed_reasons;
        let key = if reasons.len() >= MAX_UNPARSED_REASONS && !reasons.contains_key(reason) {
            "other"
        } else {
            reason
        };
        match reasons.get_mut(key) {
            Some(n) => *n += bytes,
            None => {
                reasons.insert(key.to_owned(), bytes);
            }
        }
    }

    /// Handles upgrades announced by the session until none is left.
    pub(crate) fn settle_upgrades(&mut self, state: &mut FlowState) {
        while let Some(mut up) = self.out.upgrade.take() {
            let FlowMode::Driving(driver) = &mut state.mode else {
                return;
            };
            let next = self
                .dissectors
                .iter()
                .enumerate()
                .find_map(|(i, d)| d.upgrade_session_from(&mut up, state.ctx).map(|s| (i, s)));
            if next.is_none()
                && let Some(h) = up.request.take()
            {
                // Nobody continues the handed-over request: show it as the old protocol saw it.
                let mut e = h.entry;
                let msg = format!(
                    "connection switched to {}: response not decoded",
                    up.protocol
                );
                self.out
                    .diagnostic(mizu_dissect::DiagKind::Unsupported, msg.clone());
                e.diagnostics.push(msg);
                self.out.emit(e);
            }
            self.stats.upgrades += 1;
            match next {
                Some((d, s)) => {
                    state.protocol = Some(d);
                    driver.switch_session(Some(s), &mut self.out);
                }
                None => {
                    *self
                        .stats
                        .upgrades_unparsed
                        .entry(up.protocol.clone())
                        .or_default() += 1;
                    driver.switch_session(None, &mut self.out);
                }
            }
            let proto = state.protocol;
            self.collect(proto);
        }
    }

    /// Candidate dissector indexes for a server endpoint, in probing order.
    pub(crate) fn candidates(&self, server: SocketAddr) -> Vec<usize> {
        let mut order: Vec<usize> = Vec::with_capacity(self.dissectors.len());
        if let Some(&i) = self.endpoint_cache.get(&server) {
            order.push(i);
        }
        let mut rest: Vec<usize> = (0..self.dissectors.len())
            .filter(|&i| !order.contains(&i) && self.dissectors[i].transport() == Transport::Stream)
            .collect();
        rest.sort_by_key(|&i| {
            let info = self.dissectors[i].info();
            (!info.ports.contains(&server.port()), info.priority)
        });
        order.extend(rest);
        order
    }

    /// Tries to pick a protocol from the recorded events, starting at event `from` (the
    /// ones before are settled). Returns (dissector index, event index where its first
    /// message starts, flip orientation), or how many leading events are now settled.
    fn detect(&self, state: &FlowState, events: &[Pending], from: usize) -> Detect {
        let (client, server) = (state.ctx.client, state.ctx.server);
        let order = self.candidates(server);
        let mut undecided = false;
        let mut settled = from;
        let mut prefix_settled = true;
        for (k, ev) in events.iter().enumerate().skip(from) {
            let Pending::Data(dir, _, bytes) = ev else {
                if prefix_settled {
                    settled = k + 1;
                }
                continue;
            };
            let pctx = ProbeContext {
                client,
                server,
                dir: *dir,
                handshake_seen: state.handshake_seen,
            };
            // Probe the segment start, extended with the following same-direction bytes
            // so a message start split over segments is still recognised.
            let joined;
            let data: &[u8] = if bytes.len() < 16 {
                let mut v = bytes.clone();
                for later in &events[k + 1..] {
                    if let Pending::Data(d2, _, b2) = later
                        && d2 == dir
                    {
                        v.extend_from_slice(b2);
                        if v.len() >= 64 {
                            break;
                        }
                    }
                }
                joined = v;
                &joined
            } else {
                bytes
            };
            let mut need_more = false;
            for &i in &order {
                match self.dissectors[i].probe(data, &pctx) {
                    Probe::Match { from_client } => {
                        let flip = from_client != (*dir == Direction::ClientToServer);
                        return Detect::Found(i, k, flip);
                    }
                    Probe::NeedMore => need_more = true,
                    Probe::NoMatch => {}
                }
            }
            undecided |= need_more;
            // A verdict is final when nobody asked for more and the probed bytes cannot
            // grow (the segment itself, or a join that already reached its 64 bytes).
            let fixed = !need_more && (bytes.len() >= 16 || data.len() >= 64);
            prefix_settled &= fixed;
            if prefix_settled {
                settled = k + 1;
            }
        }
        if undecided {
            Detect::Wait(settled)
        } else {
            Detect::NotYet(settled)
        }
    }

    /// Feeds one event to a driving flow.
    pub(crate) fn feed(&mut self, state: &mut FlowState, ev: Pending) {
        let FlowMode::Driving(driver) = &mut state.mode else {
            return;
        };
        match ev {
            Pending::Data(dir, ts, bytes) => {
                let dir = if state.flipped { dir.reverse() } else { dir };
                driver.data(dir, ts, &bytes, &mut self.out);
            }
            Pending::Gap(dir, ts, len) => {
                let dir = if state.flipped { dir.reverse() } else { dir };
                driver.gap(dir, ts, len, &mut self.out);
            }
            Pending::Fin(dir, ts) => {
                let dir = if state.flipped { dir.reverse() } else { dir };
                driver.fin(dir, ts, &mut self.out);
            }
        }
        let proto = state.protocol;
        self.collect(proto);
        self.settle_upgrades(state);
    }

    /// Records an event of a probing flow and decides its protocol when possible.
    pub(crate) fn record(&mut self, state: &mut FlowState, ev: Pending) {
        let FlowMode::Probing {
            events,
            bytes,
            settled,
        } = &mut state.mode
        else {
            self.feed(state, ev);
            return;
        };
        let is_data = matches!(ev, Pending::Data(..));
        if let Pending::Data(_, _, b) = &ev {
            *bytes += b.len();
        }
        events.push(ev);
        if !is_data {
            return;
        }
        let events_taken = std::mem::take(events);
        let total = *bytes;
        let from = *settled;
        match self.detect(state, &events_taken, from) {
            Detect::Found(i, k, flip) => self.start(state, i, k, flip, events_taken),
            Detect::Wait(now_settled) | Detect::NotYet(now_settled)
                if total < self.config.max_probe_bytes =>
            {
                if let FlowMode::Probing {
                    events, settled, ..
                } = &mut state.mode
                {
                    *events = events_taken;
                    *settled = now_settled;
                }
            }
            _ => {
                // Nobody recognises it: count it and stop looking.
                self.stats.flows_unparsed += 1;
                let mut driver = Driver::new(None, 0);
                for ev in events_taken {
                    if let Pending::Data(_, _, b) = ev {
                        driver.data(Direction::ClientToServer, 0, &b, &mut self.out);
                    }
                }
                state.mode = FlowMode::Driving(driver);
            }
        }
    }

    /// Starts dissector `i` on a probing flow; event `k` holds its first message start.
    pub(crate) fn start(
        &mut self,
        state: &mut FlowState,
        i: usize,
        k: usize,
        flip: bool,
        events: Vec<Pending>,
    ) {
        let Some(d) = self.dissectors.get(i).cloned() else {
            return;
        };
        if flip {
            state.flipped = true;
            std::mem::swap(&mut state.ctx.client, &mut state.ctx.server);
        }
        self.endpoint_cache.insert(state.ctx.server, i);
        self.stats.flows_dissected += 1;
        self.stats
            .protocols
            .entry(d.info().id.to_owned())
            .or_default()
            .flows += 1;
        state.protocol = Some(i);
        let session = d.new_session(state.ctx);
        let mut driver = Driver::new(Some(session), self.config.max_session_buffer);
        // Bytes before the first recognised message start (a capture that joined mid-stream)
        // are skipped: tell the session they are missing rather than feed it garbage.
        let mut skipped = [0u64; 2];
        let mut skipped_ts = [0 as Nanos; 2];
        for ev in &events[..k] {
            let (dir, ts, len) = match ev {
                Pending::Data(dir, ts, b) => (*dir, *ts, b.len() as u64),
                Pending::Gap(dir, ts, len) => (*dir, *ts, *len),
                Pending::Fin(..) => continue,
            };
            let dir = if flip { dir.reverse() } else { dir };
            skipped[dir.index()] += len;
            skipped_ts[dir.index()] = ts;
        }
        self.stats.midstream_skipped_bytes += skipped[0] + skipped[1];
        for dir in [Direction::ClientToServer, Direction::ServerToClient] {
            if skipped[dir.index()] > 0 {
                driver.gap(
                    dir,
                    skipped_ts[dir.index()],
                    skipped[dir.index()],
                    &mut self.out,
                );
            }
        }
        state.mode = FlowMode::Driving(driver);
        for ev in events.into_iter().skip(k) {
            self.feed(state, ev);
        }
        let proto = state.protocol;
        self.collect(proto);
    }
}

enum Detect {
    Found(usize, usize, bool),
    /// Some probe wants more bytes; the count is the settled prefix.
    Wait(usize),
    /// Nobody matched yet; the count is the settled prefix.
    NotYet(usize),
}

impl StreamHandler<FlowState> for Handler {
    fn open(&mut self, info: &FlowInfo) -> FlowState {
        self.stats.flows += 1;
        FlowState {
            mode: FlowMode::Probing {
                events: Vec::new(),
                bytes: 0,
                settled: 0,
            },
            flipped: false,
            handshake_seen: info.handshake_seen,
            ctx: SessionContext {
                flow: info.id,
                client: info.client,
                server: info.server,
                limits: self.config.limits,
            },
            protocol: None,
            mem: 0,
        }
    }

    fn data(
        &mut self,
        state: &mut FlowState,
        _info: &FlowInfo,
        dir: Direction,
        ts: Nanos,
        data: &[u8],
    ) {
        if let FlowMode::Driving(driver) = &mut state.mode {
            // Hot path: no copy, no event allocation.
            let d = if state.flipped { dir.reverse() } else { dir };
            driver.data(d, ts, data, &mut self.out);
            if !self.out.entries.is_empty()
                || !self.out.diagnostics.is_empty()
                || !self.out.skipped.is_empty()
                || self.out.upgrade.is_some()
            {
                let proto = state.protocol;
                self.collect(proto);
                self.settle_upgrades(state);
            }
            self.account(state);
            return;
        }
        self.record(state, Pending::Data(dir, ts, data.to_vec()));
        self.account(state);
    }

    fn gap(
        &mut self,
        state: &mut FlowState,
        _info: &FlowInfo,
        dir: Direction,
        ts: Nanos,
        len: u64,
    ) {
        self.record(state, Pending::Gap(dir, ts, len));
        self.account(state);
    }

    fn fin(&mut self, state: &mut FlowState, _info: &FlowInfo, dir: Direction, ts: Nanos) {
        self.record(state, Pending::Fin(dir, ts));
        self.account(state);
    }

    fn close(&mut self, mut state: FlowState, _info: &FlowInfo, ts: Nanos, reason: CloseReason) {
        self.mem_flows = self.mem_flows.saturating_sub(state.mem);
        let reason_name = match reason {
            _ if self.shedding => "shed",
            CloseReason::Fin => "fin",
            CloseReason::Rst => "rst",
            CloseReason::Idle => "idle",
            CloseReason::Evicted => "evicted",
            CloseReason::EndOfInput => "endofinput",
        };
        // Allocates the key once per reason, not once per closed flow.
        match self.stats.flows_closed.get_mut(reason_name) {
            Some(n) => *n += 1,
            None => {
                self.stats.flows_closed.insert(reason_name.to_owned(), 1);
            }
        }
        if let FlowMode::Probing { events, .. } = &mut state.mode {
            // Closed before any protocol was recognised.
            let bytes: u64 = events
                .iter()
                .map(|e| match e {
                    Pending::Data(_, _, b) => b.len() as u64,
                    _ => 0,
                })
                .sum();
            if self.shedding {
                self.stats.memory_shed_flows += 1;
                self.stats.memory_shed_bytes += bytes;
            }
            if bytes > 0 {
                self.stats.flows_unparsed += 1;
                self.unparsed(NOT_RECOGNISED, bytes);
            } else {
                self.stats.flows_empty += 1;
            }
            return;
        }
        let mut shed_note = None;
        if let FlowMode::Driving(driver) = &mut state.mode {
            if self.shedding {
                // Salvage and mark what was being parsed, as for a capture gap.
                let dropped = driver.shed(ts, &mut self.out);
                self.stats.memory_shed_flows += 1;
                self.stats.memory_shed_bytes += dropped;
                shed_note = Some(format!(
                    "connection dropped to keep the {} byte memory budget: {dropped} buffered bytes discarded, unfinished messages cut",
                    self.config.max_memory
                ));
            }
            driver.close(ts, &mut self.out);
            let ds = driver.stats().clone();
            // A session's leftover at close, or a flow no dissector took.
            let why = if state.protocol.is_some() {
                UNFINISHED
            } else {
                NOT_RECOGNISED
            };
            self.unparsed(why, ds.unparsed_bytes);
            self.stats.session_overflow_bytes += ds.overflow_bytes;
            self.stats.session_gaps += ds.gaps;
            self.stats.session_gap_bytes += ds.gap_bytes;
        }
        if let Some(note) = shed_note {
            for e in &mut self.out.entries {
                e.gap = true;
                e.diagnostics.push(note.clone());
            }
            self.out.diagnostic(mizu_dissect::DiagKind::Limit, note);
        }
        let proto = state.protocol;
        self.collect(proto);
    }
}
