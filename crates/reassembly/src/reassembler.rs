//! The flow table: lookup, orientation, SYN/FIN/RST handling, LRU eviction, idle
//! expiry and the "recently closed" memory.
//!
//! Flows live in a slab (`Vec<Option<Flow>>` plus a free list) indexed from a hash map
//! keyed by the unordered endpoint pair. An intrusive doubly linked list through the
//! slab keeps flows in least-recently-active order, so eviction is O(1). `tick` and
//! `finish` scan the slab and act in flow-id order, which keeps every callback sequence
//! deterministic.

use std::collections::{HashMap, VecDeque};

use mizu_model::{Direction, Nanos};

use crate::half::{Core, Half, MAX_AHEAD, Sink};
use crate::key::{FlowKey, FxBuildHasher};
use crate::{CloseReason, FlowInfo, ReassemblyConfig, ReassemblyStats, StreamHandler, TcpSegment};

/// End of the LRU list.
const NIL: u32 = u32::MAX;
/// How many FIN/RST-closed flows are remembered, so that their stragglers are ignored.
const RECENTLY_CLOSED: usize = 4096;

/// Mid-stream orientation guess: is the destination of this first segment the server?
fn guess_dst_is_server(server_ports: &[u16], src_port: u16, dst_port: u16) -> bool {
    let well_known = |p: u16| p < 1024 || server_ports.binary_search(&p).is_ok();
    let (ws, wd) = (well_known(src_port), well_known(dst_port));
    if ws != wd {
        wd
    } else if src_port != dst_port {
        dst_port < src_port
    } else {
        true
    }
}

struct Flow<S> {
    key: FlowKey,
    /// The client is `key.lo`.
    client_is_lo: bool,
    info: FlowInfo,
    state: S,
    halves: [Half; 2],
    last_ts: Nanos,
    prev: u32,
    next: u32,
}

impl<S> Flow<S> {
    #[inline]
    fn dir(&self, src_is_lo: bool) -> Direction {
        if src_is_lo == self.client_is_lo {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        }
    }
}

/// What to do with a SYN on an existing flow.
enum SynCheck {
    /// Consistent with the flow: take its ISN.
    Accept,
    /// A retransmission of the SYN we have.
    Duplicate,
    /// A new connection on the same ports: close the old flow, open a new one.
    Restart,
}

/// Reassembles TCP streams; see the crate docs. `S` is the handler's per-flow state.
pub struct TcpReassembler<S> {
    core: Core,
    map: HashMap<FlowKey, u32, FxBuildHasher>,
    slab: Vec<Option<Flow<S>>>,
    free: Vec<u32>,
    /// Most recently active flow.
    head: u32,
    /// Least recently active flow.
    tail: u32,
    next_id: u64,
    closed: HashMap<FlowKey, (u64, Nanos), FxBuildHasher>,
    closed_ring: VecDeque<(FlowKey, u64)>,
    closed_gen: u64,
    /// Latest capture time seen (segments and ticks).
    last_ts: Nanos,
}

impl<S> TcpReassembler<S> {
    /// A reassembler with the given limits.
    /// Takes the next flow id, for a flow the caller tracks itself (a UDP pseudo-flow), so
    /// every flow of one capture has a distinct id.
    pub fn allocate_flow_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub fn new(mut config: ReassemblyConfig) -> Self {
        config.server_ports.sort_unstable();
        config.server_ports.dedup();
        TcpReassembler {
            core: Core {
                config,
                stats: ReassemblyStats::default(),
                buffered_total: 0,
            },
            map: HashMap::with_hasher(FxBuildHasher),
            slab: Vec::new(),
            free: Vec::new(),
            head: NIL,
            tail: NIL,
            next_id: 1,
            closed: HashMap::with_hasher(FxBuildHasher),
            closed_ring: VecDeque::new(),
            closed_gen: 0,
            last_ts: 0,
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> &ReassemblyStats {
        &self.core.stats
    }

    /// Flows currently tracked.
    pub fn active_flows(&self) -> usize {
        self.map.len()
    }

    /// Out-of-order bytes currently buffered, across all flows.
    pub fn buffered_bytes(&self) -> usize {
        self.core.buffered_total
    }

    /// Feeds one segment.
    pub fn segment<H: StreamHandler<S>>(&mut self, seg: &TcpSegment<'_>, handler: &mut H) {
        self.core.stats.segments += 1;
        self.last_ts = self.last_ts.max(seg.ts);
        let (key, src_is_lo) = FlowKey::new(seg.src, seg.dst);
        let mut idx = match self.map.get(&key) {
            Some(&idx) => idx,
            None => match self.open(key, src_is_lo, seg, handler) {
                Some(idx) => idx,
                None => return,
            },
        };
        if seg.flags.syn {
            match self.check_syn(idx, src_is_lo, seg) {
                SynCheck::Accept => {}
                SynCheck::Duplicate => {
                    self.core.stats.duplicate_segments += 1;
                    self.core.stats.duplicate_bytes += seg.payload.len() as u64;
                    self.touch(idx);
                    if let Some(flow) = self.flow_mut(idx) {
                        flow.last_ts = flow.last_ts.max(seg.ts);
                    }
                    return;
                }
                SynCheck::Restart => {
                    self.close(idx, seg.ts, CloseReason::Evicted, false, handler);
                    idx = match self.open(key, src_is_lo, seg, handler) {
                        Some(idx) => idx,
                        None => return,
                    };
                }
            }
        }
        self.touch(idx);
        let Some(flow) = self.slab.get_mut(idx as usize).and_then(Option::as_mut) else {
            return;
        };
        if let Some(reason) = process(flow, &mut self.core, src_is_lo, seg, handler) {
            self.close(idx, seg.ts, reason, true, handler);
        }
    }

    /// Expires by capture time: idle flows are closed, holes older than `ooo_timeout`
    /// become gaps. Flows are handled in flow-id order.
    pub fn tick<H: StreamHandler<S>>(&mut self, now: Nanos, handler: &mut H) {
        self.last_ts = self.last_ts.max(now);
        let (idle_timeout, ooo_timeout) =
            (self.core.config.idle_timeout, self.core.config.ooo_timeout);
        let mut idle = Vec::new();
        let mut holes = Vec::new();
        for (idx, slot) in self.slab.iter().enumerate() {
            let Some(flow) = slot else { continue };
            if now.saturating_sub(flow.last_ts) >= idle_timeout {
                idle.push((flow.info.id, idx as u32));
            } else if flow.halves.iter().any(|h| h.hole_expired(now, ooo_timeout)) {
                holes.push((flow.info.id, idx as u32));
            }
        }
        holes.sort_unstable();
        for (_, idx) in holes {
            let Some(flow) = self.slab.get_mut(idx as usize).and_then(Option::as_mut) else {
                continue;
            };
            let Flow {
                info,
                state,
                halves,
                ..
            } = flow;
            let mut sink = Sink {
                core: &mut self.core,
                handler,
                state,
                info,
            };
            let [client, server] = halves;
            client.expire(Direction::ClientToServer, &mut sink, now, ooo_timeout);
            server.expire(Direction::ServerToClient, &mut sink, now, ooo_timeout);
            if client.fin_done && server.fin_done {
                self.close(idx, now, CloseReason::Fin, true, handler);
            }
        }
        idle.sort_unstable();
        for (_, idx) in idle {
            self.close(idx, now, CloseReason::Idle, false, handler);
        }
    }

    /// End of input: flushes every buffered byte (holes become gaps) and closes all flows
    /// with [`CloseReason::EndOfInput`], in flow-id order.
    pub fn finish<H: StreamHandler<S>>(&mut self, handler: &mut H) {
        let mut all: Vec<(u64, u32)> = self
            .slab
            .iter()
            .enumerate()
            .filter_map(|(idx, slot)| slot.as_ref().map(|f| (f.info.id, idx as u32)))
            .collect();
        all.sort_unstable();
        let ts = self.last_ts;
        for (_, idx) in all {
            self.close(idx, ts, CloseReason::EndOfInput, false, handler);
        }
    }

    /// Closes one flow to free memory (a global budget is exceeded): among the `window`
    /// least recently active flows, the one whose `weight` (the handler's bytes for its
    /// state) plus out-of-order bytes is largest, the older on a tie. Its buffered bytes are
    /// flushed (holes become gaps) and it closes with [`CloseReason::Evicted`] without being
    /// remembered, so later segments reopen it mid-stream. Returns the freed flow's id, or
    /// `None` when no flow is tracked. Cost: `window` steps along the LRU list.
    pub fn shed<H: StreamHandler<S>>(
        &mut self,
        ts: Nanos,
        window: usize,
        weight: impl Fn(&S) -> usize,
        handler: &mut H,
    ) -> Option<u64> {
        let (mut idx, mut best, mut best_weight) = (self.tail, None, 0);
        for _ in 0..window.max(1) {
            let Some(flow) = self.slab.get(idx as usize).and_then(Option::as_ref) else {
                break;
            };
            let w = weight(&flow.state) + flow.halves[0].buffered() + flow.halves[1].buffered();
            if best.is_none() || w > best_weight {
                best = Some((idx, flow.info.id));
                best_weight = w;
            }
            idx = flow.prev;
        }
        let (idx, id) = best?;
        self.close(
            idx,
            ts.max(self.last_ts),
            CloseReason::Evicted,
            false,
            handler,
        );
        Some(id)
    }

    #[inline]
    fn flow_mut(&mut self, idx: u32) -> Option<&mut Flow<S>> {
        self.slab.get_mut(idx as usize).and_then(Option::as_mut)
    }

    /// Opens a flow for a segment that matched none; None if the segment is to be ignored.
    fn open<H: StreamHandler<S>>(
        &mut self,
        key: FlowKey,
        src_is_lo: bool,
        seg: &TcpSegment<'_>,
        handler: &mut H,
    ) -> Option<u32> {
        let flags = seg.flags;
        if let Some(&(_, closed_ts)) = self.closed.get(&key) {
            let recent = seg.ts.saturating_sub(closed_ts) < self.core.config.idle_timeout;
            if recent && !flags.syn {
                self.core.stats.ignored_segments += 1;
                return None;
            }
            self.closed.remove(&key);
        }
        if flags.rst {
            self.core.stats.ignored_segments += 1;
            return None;
        }
        let src_is_client = match (flags.syn, flags.ack) {
            (true, false) => true,
            (true, true) => false,
            _ => guess_dst_is_server(
                &self.core.config.server_ports,
                seg.src.port(),
                seg.dst.port(),
            ),
        };
        let client_is_lo = src_is_lo == src_is_client;
        let max_flows = self.core.config.max_flows.clamp(1, (NIL - 1) as usize);
        while self.map.len() >= max_flows && self.tail != NIL {
            self.core.stats.flows_evicted += 1;
            self.close(self.tail, seg.ts, CloseReason::Evicted, false, handler);
        }
        let (client, server) = if src_is_client {
            (seg.src, seg.dst)
        } else {
            (seg.dst, seg.src)
        };
        let info = FlowInfo {
            id: self.next_id,
            client,
            server,
            handshake_seen: flags.syn,
            first_ts: seg.ts,
        };
        self.next_id += 1;
        self.core.stats.flows_opened += 1;
        if !flags.syn {
            self.core.stats.midstream_pickups += 1;
        }
        let state = handler.open(&info);
        let flow = Flow {
            key,
            client_is_lo,
            info,
            state,
            halves: [Half::default(), Half::default()],
            last_ts: seg.ts,
            prev: NIL,
            next: NIL,
        };
        let idx = match self.free.pop() {
            Some(idx) => {
                if let Some(slot) = self.slab.get_mut(idx as usize) {
                    *slot = Some(flow);
                }
                idx
            }
            None => {
                self.slab.push(Some(flow));
                (self.slab.len() - 1) as u32
            }
        };
        self.map.insert(key, idx);
        self.link_front(idx);
        Some(idx)
    }

    fn check_syn(&self, idx: u32, src_is_lo: bool, seg: &TcpSegment<'_>) -> SynCheck {
        let Some(flow) = self.slab.get(idx as usize).and_then(Option::as_ref) else {
            return SynCheck::Restart;
        };
        let dir = flow.dir(src_is_lo);
        let expected = if seg.flags.ack {
            Direction::ServerToClient
        } else {
            Direction::ClientToServer
        };
        if dir != expected {
            return SynCheck::Restart;
        }
        let half = &flow.halves[dir.index()];
        if half.syn_seen {
            return if half.isn == seg.seq {
                SynCheck::Duplicate
            } else {
                SynCheck::Restart
            };
        }
        // A late SYN (the SYN-ACK or data came first) is fine if the stream started right after it.
        if !half.seen || half.start_seq == seg.seq.wrapping_add(1) {
            SynCheck::Accept
        } else {
            SynCheck::Restart
        }
    }

    /// Flushes and closes a flow. `remember`: its stragglers are to be ignored.
    fn close<H: StreamHandler<S>>(
        &mut self,
        idx: u32,
        ts: Nanos,
        reason: CloseReason,
        remember: bool,
        handler: &mut H,
    ) {
        self.unlink(idx);
        let Some(mut flow) = self.slab.get_mut(idx as usize).and_then(Option::take) else {
            return;
        };
        self.free.push(idx);
        self.map.remove(&flow.key);
        {
            let Flow {
                info,
                state,
                halves,
                ..
            } = &mut flow;
            let mut sink = Sink {
                core: &mut self.core,
                handler,
                state,
                info,
            };
            let [client, server] = halves;
            client.flush(Direction::ClientToServer, &mut sink, ts);
            server.flush(Direction::ServerToClient, &mut sink, ts);
        }
        let Flow {
            key, info, state, ..
        } = flow;
        handler.close(state, &info, ts, reason);
        self.core.stats.flows_closed += 1;
        if remember {
            self.remember_closed(key, ts);
        }
    }

    fn remember_closed(&mut self, key: FlowKey, ts: Nanos) {
        self.closed_gen += 1;
        let generation = self.closed_gen;
        self.closed.insert(key, (generation, ts));
        self.closed_ring.push_back((key, generation));
        while self.closed_ring.len() > RECENTLY_CLOSED {
            if let Some((old, g)) = self.closed_ring.pop_front()
                && self.closed.get(&old).is_some_and(|&(cg, _)| cg == g)
            {
                self.closed.remove(&old);
            }
        }
    }

    fn link_front(&mut self, idx: u32) {
        let old = self.head;
        if let Some(flow) = self.flow_mut(idx) {
            flow.prev = NIL;
            flow.next = old;
        }
        if let Some(head) = self.flow_mut(old) {
            head.prev = idx;
        } else {
            self.tail = idx;
        }
        self.head = idx;
    }

    fn unlink(&mut self, idx: u32) {
        let Some(flow) = self.flow_mut(idx) else {
            return;
        };
        let (prev, next) = (flow.prev, flow.next);
        flow.prev = NIL;
        flow.next = NIL;
        match self.flow_mut(prev) {
            Some(p) => p.next = next,
            None => self.head = next,
        }
        match self.flow_mut(next) {
            Some(n) => n.prev = prev,
            None => self.tail = prev,
        }
    }

    #[inline]
    fn touch(&mut self, idx: u32) {
        if self.head != idx {
            self.unlink(idx);
            self.link_front(idx);
        }
    }
}

/// Applies one segment to its flow. Returns a reason if the flow is to be closed.
fn process<S, H: StreamHandler<S>>(
    flow: &mut Flow<S>,
    core: &mut Core,
    src_is_lo: bool,
    seg: &TcpSegment<'_>,
    handler: &mut H,
) -> Option<CloseReason> {
    let dir = flow.dir(src_is_lo);
    flow.last_ts = flow.last_ts.max(seg.ts);
    let Flow {
        info,
        state,
        halves,
        ..
    } = flow;
    let [client, server] = halves;
    let (mine, other) = match dir {
        Direction::ClientToServer => (client, server),
        Direction::ServerToClient => (server, client),
    };
    let mut sink = Sink {
        core,
        handler,
        state,
        info,
    };
    let flags = seg.flags;
    let ts = seg.ts;
    if flags.syn && !mine.syn_seen {
        // check_syn accepted it.
        mine.syn_seen = true;
        mine.isn = seg.seq;
        if !mine.seen {
            mine.init(seg.seq.wrapping_add(1));
        }
        if flags.ack && !other.seen {
            other.init(seg.ack);
        }
    }
    let data_seq = seg.seq.wrapping_add(u32::from(flags.syn));
    if !mine.seen {
        mine.init(data_seq);
    }
    let timeout = sink.core.config.ooo_timeout;
    mine.expire(dir, &mut sink, ts, timeout);
    other.expire(dir.reverse(), &mut sink, ts, timeout);
    if flags.ack {
        other.ack_to(dir.reverse(), &mut sink, ts, seg.ack);
    }
    if flags.rst {
        if !seg.payload.is_empty() {
            sink.core.stats.ignored_segments += 1;
        }
        let (client, server) = match dir {
            Direction::ClientToServer => (mine, other),
            Direction::ServerToClient => (other, mine),
        };
        client.flush(Direction::ClientToServer, &mut sink, ts);
        server.flush(Direction::ServerToClient, &mut sink, ts);
        return Some(CloseReason::Rst);
    }
    let rel = mine.rel(data_seq);
    let missing = u64::from(seg.missing);
    if flags.fin {
        let fin_rel = rel + seg.payload.len() as i64 + missing as i64;
        if (0..=MAX_AHEAD).contains(&fin_rel) {
            mine.on_fin(sink.core, mine.next_off + fin_rel as u64, ts);
        }
    }
    mine.on_data(dir, &mut sink, ts, rel, seg.payload, missing);
    mine.settle(ts);
    mine.check_fin(dir, &mut sink, ts);
    if mine.fin_done && other.fin_done {
        Some(CloseReason::Fin)
    } else {
        None
    }
}
