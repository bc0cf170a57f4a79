//! The datagram path: UDP pseudo-flows for datagram protocols
//! ([`mizu_dissect::Transport::Datagram`]).
//!
//! UDP has no connection, so the engine makes one up: the datagrams between one pair of
//! endpoints form a pseudo-flow, kept in a small table bounded by
//! [`EngineConfig::max_datagram_flows`](crate::EngineConfig::max_datagram_flows). A new
//! pair while the table is full evicts the least recently active one (counted); a pair
//! quiet for [`EngineConfig::datagram_idle_timeout`](crate::EngineConfig::datagram_idle_timeout)
//! of capture time is closed on the engine's tick; the end of input closes the rest. The
//! first datagrams of a pair are probed by the datagram dissectors (port hints first, then
//! priority); after [`EngineConfig::max_datagram_probes`](crate::EngineConfig::max_datagram_probes)
//! unrecognised datagrams the pair is left alone, and every byte nobody parsed is counted
//! ([`DatagramStats::unrecognised_bytes`]). Each pseudo-flow costs `FLOW_OVERHEAD` plus
//! what its session reports in the engine's one memory budget.

use crate::Handler;
use mizu_dissect::{DatagramSession, Probe, ProbeContext, SessionContext, Transport};
use mizu_model::{Direction, Nanos};
use serde::Serialize;
use std::collections::HashMap;
use std::net::SocketAddr;

/// Counters of the datagram path (`EngineStats::datagrams`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct DatagramStats {
    /// UDP datagrams seen.
    pub datagrams: u64,
    /// Pseudo-flows opened, and how many a dissector recognised.
    pub flows: u64,
    pub flows_dissected: u64,
    /// Pseudo-flows open now.
    pub active_flows: u64,
    /// Pseudo-flows closed because the table was full, or idle.
    pub flows_evicted: u64,
    pub flows_idle: u64,
    /// Payload bytes of datagrams no dissector recognised.
    pub unrecognised_bytes: u64,
}

enum State {
    /// Datagrams probed so far without a match.
    Probing(u32),
    /// A dissector (its index) drives the pseudo-flow.
    Driving(usize, Box<dyn DatagramSession>),
    /// Nobody recognised it: its datagrams are only counted.
    Unknown,
}

struct Flow {
    client: SocketAddr,
    server: SocketAddr,
    /// Creation order, so closing several at once is deterministic.
    seq: u64,
    last: Nanos,
    /// Heap bytes the session reported last.
    mem: usize,
    state: State,
}

/// The pseudo-flow table (see the module docs).
#[derive(Default)]
pub(crate) struct Datagrams {
    flows: HashMap<(SocketAddr, SocketAddr), Flow>,
    next_seq: u64,
    /// Sum of every flow's `mem`.
    pub(crate) mem: usize,
}

impl Datagrams {
    pub(crate) fn active(&self) -> usize {
        self.flows.len()
    }
}

fn key(a: SocketAddr, b: SocketAddr) -> (SocketAddr, SocketAddr) {
    if a <= b { (a, b) } else { (b, a) }
}

/// One UDP datagram, as the wire decoder or a stream source reports it.
pub struct Datagram<'a> {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub ts: Nanos,
    pub payload: &'a [u8],
    /// Payload bytes not captured (snaplen).
    pub missing: u32,
}

impl Handler {
    /// Feeds one datagram; `new_flow_id` hands out a flow id for a recognised pseudo-flow.
    pub(crate) fn datagram(&mut self, dg: &Datagram<'_>, new_flow_id: &mut dyn FnMut() -> u64) {
        self.stats.datagrams.datagrams += 1;
        let len = dg.payload.len() as u64;
        if !self.has_datagram_dissectors {
            self.stats.datagrams.unrecognised_bytes += len;
            return;
        }
        let k = key(dg.src, dg.dst);
        if !self.datagrams.flows.contains_key(&k) {
            let max = self.config.max_datagram_flows.max(1);
            while self.datagrams.flows.len() >= max {
                let Some(oldest) = self
                    .datagrams
                    .flows
                    .iter()
                    .min_by_key(|(_, f)| (f.last, f.seq))
                    .map(|(k, _)| *k)
                else {
                    break;
                };
                self.stats.datagrams.flows_evicted += 1;
                self.close_datagram_flow(oldest, dg.ts);
            }
            let seq = self.datagrams.next_seq;
            self.datagrams.next_seq += 1;
            self.stats.datagrams.flows += 1;
            self.datagrams.flows.insert(
                k,
                Flow {
                    client: dg.src,
                    server: dg.dst,
                    seq,
                    last: dg.ts,
                    mem: 0,
                    state: State::Probing(0),
                },
            );
        }
        let Some(mut flow) = self.datagrams.flows.remove(&k) else {
            return;
        };
        flow.last = flow.last.max(dg.ts);
        if let State::Probing(tried) = flow.state {
            flow.state = match self.probe_datagram(&mut flow, dg, new_flow_id) {
                Some(state) => state,
                None if tried + 1 >= self.config.max_datagram_probes => State::Unknown,
                None => State::Probing(tried + 1),
            };
        }
        match &mut flow.state {
            State::Driving(proto, session) => {
                let dir = if dg.src == flow.client {
                    Direction::ClientToServer
                } else {
                    Direction::ServerToClient
                };
                session.on_datagram(dir, dg.ts, dg.payload, dg.missing, &mut self.out);
                let now = session.buffered_bytes();
                self.datagrams.mem = self.datagrams.mem.saturating_sub(flow.mem) + now;
                flow.mem = now;
                let proto = Some(*proto);
                self.collect(proto);
            }
            State::Probing(_) | State::Unknown => {
                self.stats.datagrams.unrecognised_bytes += len;
            }
        }
        self.datagrams.flows.insert(k, flow);
    }

    /// Asks the datagram dissectors about `dg`; on a match orients the flow and starts a
    /// session.
    fn probe_datagram(
        &mut self,
        flow: &mut Flow,
        dg: &Datagram<'_>,
        new_flow_id: &mut dyn FnMut() -> u64,
    ) -> Option<State> {
        let mut order: Vec<usize> = (0..self.dissectors.len())
            .filter(|&i| self.dissectors[i].transport() == Transport::Datagram)
            .collect();
        order.sort_by_key(|&i| {
            let info = self.dissectors[i].info();
            let hinted = info.ports.contains(&flow.server.port())
                || info.ports.contains(&flow.client.port());
            (!hinted, info.priority)
        });
        let sender_is_client = dg.src == flow.client;
        let pctx = ProbeContext {
            client: flow.client,
            server: flow.server,
            dir: if sender_is_client {
                Direction::ClientToServer
            } else {
                Direction::ServerToClient
            },
            handshake_seen: false,
        };
        for i in order {
            let d = self.dissectors[i].clone();
            let Probe::Match { from_client } = d.probe(dg.payload, &pctx) else {
                continue;
            };
            if from_client != sender_is_client {
                std::mem::swap(&mut flow.client, &mut flow.server);
            }
            let ctx = SessionContext {
                flow: new_flow_id(),
                client: flow.client,
                server: flow.server,
                limits: self.config.limits,
            };
            let Some(session) = d.new_datagram_session(ctx) else {
                continue;
            };
            self.stats.datagrams.flows_dissected += 1;
            self.stats
                .protocols
                .entry(d.info().id.to_owned())
                .or_default()
                .flows += 1;
            return Some(State::Driving(i, session));
        }
        None
    }

    fn close_datagram_flow(&mut self, k: (SocketAddr, SocketAddr), ts: Nanos) {
        let Some(flow) = self.datagrams.flows.remove(&k) else {
            return;
        };
        self.datagrams.mem = self.datagrams.mem.saturating_sub(flow.mem);
        if let State::Driving(proto, mut session) = flow.state {
            session.on_close(ts.max(flow.last), &mut self.out);
            self.collect(Some(proto));
        }
    }

    /// Closes pseudo-flows quiet for the idle timeout as of `now`, oldest first.
    pub(crate) fn expire_datagrams(&mut self, now: Nanos) {
        let timeout = self.config.datagram_idle_timeout;
        let mut idle: Vec<_> = self
            .datagrams
            .flows
            .iter()
            .filter(|(_, f)| now.saturating_sub(f.last) >= timeout)
            .map(|(k, f)| (f.seq, *k))
            .collect();
        idle.sort_unstable_by_key(|(seq, _)| *seq);
        for (_, k) in idle {
            self.stats.datagrams.flows_idle += 1;
            self.close_datagram_flow(k, now);
        }
    }

    /// Closes every pseudo-flow (end of input), oldest first, each at its last datagram.
    pub(crate) fn finish_datagrams(&mut self) {
        let mut all: Vec<_> = self
            .datagrams
            .flows
            .iter()
            .map(|(k, f)| (f.seq, *k, f.last))
            .collect();
        all.sort_unstable_by_key(|(seq, _, _)| *seq);
        for (_, k, last) in all {
            self.close_datagram_flow(k, last);
        }
    }
}
