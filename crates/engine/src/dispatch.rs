//! The stream-level entry into the engine: for sources that deliver reassembled byte
//! streams rather than packets (eBPF TLS plaintext later, and the chunk-split tests now).
//!
//! A [`Dispatcher`] is the same detection → dissection → upgrade machinery the packet path
//! uses (the very `Handler` the reassembler calls), with the flow table keyed by the
//! caller's flow id. The caller reports `open`, then `data`/`gap`/`fin` per direction, then
//! `close`; [`Dispatcher::tick`] with the caller's clock closes flows idle for longer than
//! the configured `idle_timeout`. Entries come out through [`Dispatcher::drain`].
//!
//! The global memory budget (`EngineConfig::max_memory`) holds here as on the packet
//! path: after each event the dispatcher counts every flow's buffered bytes plus
//! `FLOW_OVERHEAD` per open flow, and over the budget it sheds whole flows (the heaviest
//! of the 16 least recently active) until usage is under 7/8 of it; their unfinished
//! entries are marked `gap` and `EngineStats::memory_shed_*` count them.
//!
//! ```
//! use mizu_engine::{Dispatcher, EngineConfig};
//! use mizu_model::Direction;
//! let mut d = Dispatcher::new(EngineConfig::default(), &[]);
//! let c = "10.0.0.1:40000".parse().unwrap();
//! let s = "10.0.0.2:80".parse().unwrap();
//! d.open(7, c, s, true, 1);
//! d.data(7, Direction::ClientToServer, 2, b"GET / HTTP/1.1\r\n\r\n");
//! d.close(7, 3);
//! let mut out = Vec::new();
//! d.drain(&mut |e| out.push(e));
//! ```

use crate::{EngineConfig, FLOW_OVERHEAD, FlowState, Handler, SHED_WINDOW};
use mizu_dissect::Dissector;
use mizu_model::{Direction, Entry, Nanos};
use mizu_reassembly::{CloseReason, FlowInfo, StreamHandler};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

struct Flow {
    info: FlowInfo,
    state: FlowState,
    last: Nanos,
}

/// Stream events in, entries out. See the module docs.
pub struct Dispatcher {
    handler: Handler,
    flows: HashMap<u64, Flow>,
    idle_timeout: Nanos,
    /// Events for flow ids that were never opened (or already closed).
    unknown_flow_events: u64,
    /// Id of the next recognised datagram pseudo-flow.
    next_datagram_flow: u64,
}

impl Dispatcher {
    /// A dispatcher using `dissectors` (normally `Registry::dissectors()` of `mizu_dissectors`).
    pub fn new(config: EngineConfig, dissectors: &[Arc<dyn Dissector>]) -> Dispatcher {
        let idle_timeout = config.reassembly.idle_timeout;
        Dispatcher {
            handler: Handler::new(config, dissectors),
            flows: HashMap::new(),
            idle_timeout,
            unknown_flow_events: 0,
            next_datagram_flow: u64::MAX,
        }
    }

    /// A new connection `flow` between `client` and `server` (`handshake_seen`: the
    /// orientation is known, not guessed). Re-opening a live id closes the old flow first.
    pub fn open(
        &mut self,
        flow: u64,
        client: SocketAddr,
        server: SocketAddr,
        handshake_seen: bool,
        ts: Nanos,
    ) {
        self.close_with(flow, ts, CloseReason::Evicted);
        let info = FlowInfo {
            id: flow,
            client,
            server,
            handshake_seen,
            first_ts: ts,
        };
        let state = self.handler.open(&info);
        self.flows.insert(
            flow,
            Flow {
                info,
                state,
                last: ts,
            },
        );
    }

    /// In-order bytes of one direction.
    pub fn data(&mut self, flow: u64, dir: Direction, ts: Nanos, bytes: &[u8]) {
        match self.flows.get_mut(&flow) {
            Some(f) => {
                f.last = f.last.max(ts);
                self.handler.data(&mut f.state, &f.info, dir, ts, bytes);
                self.keep_budget(ts);
            }
            None => self.unknown_flow_events += 1,
        }
    }

    /// `len` bytes of one direction were never seen.
    pub fn gap(&mut self, flow: u64, dir: Direction, ts: Nanos, len: u64) {
        match self.flows.get_mut(&flow) {
            Some(f) => {
                f.last = f.last.max(ts);
                self.handler.gap(&mut f.state, &f.info, dir, ts, len);
                self.keep_budget(ts);
            }
            None => self.unknown_flow_events += 1,
        }
    }

    /// One direction ended (FIN).
    pub fn fin(&mut self, flow: u64, dir: Direction, ts: Nanos) {
        match self.flows.get_mut(&flow) {
            Some(f) => {
                f.last = f.last.max(ts);
                self.handler.fin(&mut f.state, &f.info, dir, ts);
                self.keep_budget(ts);
            }
            None => self.unknown_flow_events += 1,
        }
    }

    /// The connection is gone: pending requests become entries.
    pub fn close(&mut self, flow: u64, ts: Nanos) {
        if !self.close_with(flow, ts, CloseReason::Fin) {
            self.unknown_flow_events += 1;
        }
    }

    /// Bytes counted against the memory budget now: what every flow buffers plus a fixed
    /// overhead per open flow (no reassembler here: the caller delivers in-order bytes).
    pub fn memory_used(&self) -> usize {
        self.handler.mem_flows + self.flows.len() * FLOW_OVERHEAD
    }

    /// After an event: records the peak and, over the budget, sheds whole flows.
    fn keep_budget(&mut self, ts: Nanos) {
        let used = self.memory_used();
        let stats = &mut self.handler.stats;
        stats.memory_peak = stats.memory_peak.max(used as u64);
        let budget = self.handler.config.max_memory;
        if budget == 0 || used <= budget {
            return;
        }
        let target = budget - budget / 8;
        self.handler.shedding = true;
        while self.memory_used() > target {
            // The heaviest of the SHED_WINDOW least recently active flows (ties: lowest id,
            // so the choice does not depend on the hash map's order).
            let mut oldest: Vec<(Nanos, u64, usize)> = self
                .flows
                .iter()
                .map(|(id, f)| (f.last, *id, f.state.mem))
                .collect();
            oldest.sort_unstable();
            oldest.truncate(SHED_WINDOW);
            let Some(&(_, id, _)) = oldest
                .iter()
                .min_by_key(|(_, id, mem)| (std::cmp::Reverse(*mem), *id))
            else {
                break;
            };
            self.close_with(id, ts, CloseReason::Evicted);
        }
        self.handler.shedding = false;
    }

    fn close_with(&mut self, flow: u64, ts: Nanos, reason: CloseReason) -> bool {
        match self.flows.remove(&flow) {
            Some(f) => {
                self.handler.close(f.state, &f.info, ts, reason);
                true
            }
            None => false,
        }
    }

    /// One whole datagram (UDP) from `src` to `dst`: the same pseudo-flow table and
    /// datagram dissectors as the packet path. Recognised pseudo-flows get ids counting
    /// down from `u64::MAX`, apart from the caller's stream ids.
    pub fn datagram(&mut self, src: SocketAddr, dst: SocketAddr, ts: Nanos, payload: &[u8]) {
        let next = &mut self.next_datagram_flow;
        let dg = crate::Datagram {
            src,
            dst,
            ts,
            payload,
            missing: 0,
        };
        self.handler.datagram(&dg, &mut || {
            let id = *next;
            *next -= 1;
            id
        });
    }

    /// Closes flows with no event for `idle_timeout` as of `now` (the caller's clock), and
    /// pseudo-flows idle for the datagram timeout.
    pub fn tick(&mut self, now: Nanos) {
        self.handler.expire_datagrams(now);
        let timeout = self.idle_timeout;
        let mut idle: Vec<u64> = self
            .flows
            .iter()
            .filter(|(_, f)| now.saturating_sub(f.last) >= timeout)
            .map(|(id, _)| *id)
            .collect();
        idle.sort_unstable();
        for id in idle {
            self.close_with(id, now, CloseReason::Idle);
        }
    }

    /// Closes every flow (end of input).
    pub fn finish(&mut self, ts: Nanos) {
        let mut ids: Vec<u64> = self.flows.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            self.close_with(id, ts, CloseReason::EndOfInput);
        }
        self.handler.finish_datagrams();
    }

    /// Passes the finished entries to `sink`, in completion order.
    pub fn drain(&mut self, sink: &mut dyn FnMut(Entry)) {
        self.handler.drain(sink);
    }

    /// Open flows.
    pub fn active_flows(&self) -> usize {
        self.flows.len()
    }

    /// Events that named a flow id that was not open.
    pub fn unknown_flow_events(&self) -> u64 {
        self.unknown_flow_events
    }

    /// Detection/dissection counters (the decode and reassembly parts stay zero).
    pub fn stats(&self) -> crate::EngineStats {
        let mut s = self.handler.stats.clone();
        s.active_flows = self.flows.len() as u64;
        s.datagrams.active_flows = self.handler.datagrams.active() as u64;
        s.memory_used = self.memory_used() as u64;
        s
    }
}
