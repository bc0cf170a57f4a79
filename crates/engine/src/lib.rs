//! The data path every capture shares after its packet source: link/IP decoding
//! ([`mizu_wire`]), TCP reassembly ([`mizu_reassembly`]), protocol detection by content, and
//! dissection ([`mizu_dissect`]) into [`Entry`]s.
//!
//! `mizu read` (pcap files) and live capture both push [`RawPacket`]s into an [`Engine`]
//! and receive entries from it. The engine does no I/O, spawns nothing and reads no clock:
//! time is the packets' capture time, so the same packets always give the same entries.
//!
//! Protocol detection: while a connection's protocol is unknown, the engine records its
//! first events and asks each dissector's `probe` about the start of every segment (a
//! capture that joins a connection mid-stream finds the next message start that way).
//! Candidates are tried in this order: the protocol already seen on the same server
//! endpoint, then dissectors whose usual ports include the server port, then the rest by
//! priority. A probe also says which side is the client, which fixes connections whose
//! handshake was not captured.

//!
//! Modules: `config` ([`EngineConfig`]), `handler` (per-connection detection, dissection,
//! upgrades and accounting: what the reassembler calls), `datagram` (UDP pseudo-flows),
//! `dispatch` ([`Dispatcher`], the stream-level entry), `stats` ([`EngineStats`]).

mod config;
mod datagram;
mod dispatch;
mod handler;
mod stats;
pub mod testing;

pub use config::{EngineConfig, FLOW_OVERHEAD, MAX_UNPARSED_REASONS, NOT_RECOGNISED, UNFINISHED};
pub use datagram::{Datagram, DatagramStats};
pub use dispatch::Dispatcher;
pub use handler::FlowState;
pub use stats::{EngineStats, ProtocolStats};

use handler::Handler;
use mizu_dissect::Dissector;
use mizu_model::{Entry, Nanos};
use mizu_reassembly::TcpReassembler;
use mizu_wire::{Decoded, Decoder, RawPacket};
use std::sync::Arc;

/// Connections compared when one must be shed: the largest of this many least recently
/// active ones goes.
const SHED_WINDOW: usize = 16;

/// decode → reassemble → detect → dissect. See the crate docs.
pub struct Engine {
    decoder: Decoder,
    reassembler: TcpReassembler<FlowState>,
    handler: Handler,
    last_tick: Nanos,
}

impl Engine {
    /// An engine using `dissectors` (normally `Registry::dissectors()` of
    /// `mizu_dissectors`; their usual ports become the reassembler's server-port hints).
    pub fn new(mut config: EngineConfig, dissectors: &[Arc<dyn Dissector>]) -> Engine {
        add_port_hints(&mut config, dissectors);
        if config.max_memory > 0 {
            // Out-of-order bytes get a quarter of the one budget.
            let r = &mut config.reassembly;
            r.max_buffered_total = r.max_buffered_total.min(config.max_memory / 4);
        }
        Engine {
            decoder: Decoder::new(config.decoder.clone()),
            reassembler: TcpReassembler::new(config.reassembly.clone()),
            handler: Handler::new(config, dissectors),
            last_tick: 0,
        }
    }

    /// Processes one captured packet; finished entries are passed to `sink` in completion order.
    pub fn push(&mut self, pkt: &RawPacket<'_>, sink: &mut dyn FnMut(Entry)) {
        self.step(pkt);
        self.handler.drain(sink);
    }

    /// One packet through every stage; finished entries land in `handler.ready`.
    fn step(&mut self, pkt: &RawPacket<'_>) {
        match self.decoder.decode(pkt) {
            Decoded::Tcp(seg) => self.reassembler.segment(&seg, &mut self.handler),
            Decoded::Udp(dg) => {
                let reassembler = &mut self.reassembler;
                self.handler.datagram(
                    &Datagram {
                        src: dg.src,
                        dst: dg.dst,
                        ts: dg.ts,
                        payload: dg.payload,
                        missing: dg.missing,
                    },
                    &mut || reassembler.allocate_flow_id(),
                );
            }
            Decoded::Other | Decoded::Pending | Decoded::Malformed(_) => {}
        }
        // Expire idle flows and stale holes by capture time, about once a second.
        if pkt.ts >= self.last_tick.saturating_add(1_000_000_000) {
            if self.last_tick != 0 {
                self.reassembler.tick(pkt.ts, &mut self.handler);
                self.handler.expire_datagrams(pkt.ts);
            }
            self.last_tick = pkt.ts;
        }
        let used = self.memory_used();
        let stats = &mut self.handler.stats;
        stats.memory_peak = stats.memory_peak.max(used as u64);
        let budget = self.handler.config.max_memory;
        if budget > 0 && used > budget {
            self.shed(pkt.ts, budget - budget / 8);
        }
    }

    /// Bytes counted against the memory budget now (see [`EngineConfig::max_memory`]).
    pub fn memory_used(&self) -> usize {
        self.handler.mem_flows
            + self.reassembler.buffered_bytes()
            + self.reassembler.active_flows() * FLOW_OVERHEAD
            + self.handler.datagrams.mem
            + self.handler.datagrams.active() * FLOW_OVERHEAD
    }

    /// Closes connections, the largest of the least recently active first, until the
    /// memory in use is at most `target`.
    fn shed(&mut self, ts: Nanos, target: usize) {
        self.handler.shedding = true;
        while self.memory_used() > target {
            let freed =
                self.reassembler
                    .shed(ts, SHED_WINDOW, |s: &FlowState| s.mem, &mut self.handler);
            if freed.is_none() {
                break;
            }
        }
        self.handler.shedding = false;
    }

    /// [`Engine::push`] appending finished entries to `out` instead: one bulk move per
    /// session output rather than one call per entry (entries are large; a batch is a
    /// cheap place for them to land).
    pub fn push_into(&mut self, pkt: &RawPacket<'_>, out: &mut Vec<Entry>) {
        // `ready` is empty between calls: lend it the caller's vector meanwhile.
        out.append(&mut self.handler.ready);
        std::mem::swap(&mut self.handler.ready, out);
        self.step(pkt);
        std::mem::swap(&mut self.handler.ready, out);
    }

    /// Expires idle flows and stale holes as of `now` (capture-clock nanoseconds) and
    /// passes the entries this completes to `sink`. Packets already tick the engine by
    /// their own timestamps; a live capture also calls this about once a second from
    /// its wall clock, so a quiet connection's last exchange still comes out. The engine
    /// reads no clock itself: `now` is the caller's.
    pub fn tick(&mut self, now: Nanos, sink: &mut dyn FnMut(Entry)) {
        if now > self.last_tick {
            self.reassembler.tick(now, &mut self.handler);
            self.handler.expire_datagrams(now);
            self.last_tick = now;
        }
        self.handler.drain(sink);
    }

    /// End of input: flushes every connection (pending requests become entries).
    pub fn finish(&mut self, sink: &mut dyn FnMut(Entry)) {
        self.reassembler.finish(&mut self.handler);
        self.handler.finish_datagrams();
        self.handler.drain(sink);
    }

    /// Counters of every stage so far.
    pub fn stats(&self) -> EngineStats {
        let mut s = self.handler.stats.clone();
        s.decode = self.decoder.stats().clone();
        s.reassembly = self.reassembler.stats().clone();
        s.active_flows = self.reassembler.active_flows() as u64;
        s.memory_used = self.memory_used() as u64;
        s.datagrams.active_flows = self.handler.datagrams.active() as u64;
        s
    }
}

/// Adds the dissectors' usual server ports to the reassembler's orientation hints.
fn add_port_hints(config: &mut EngineConfig, dissectors: &[Arc<dyn Dissector>]) {
    let ports = &mut config.reassembly.server_ports;
    for d in dissectors {
        ports.extend_from_slice(d.info().ports);
    }
    ports.sort_unstable();
    ports.dedup();
}
