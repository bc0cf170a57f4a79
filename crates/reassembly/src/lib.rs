//! TCP stream reassembly for mizu.
//!
//! [`TcpReassembler`] takes decoded [`TcpSegment`]s in capture order and hands a
//! [`StreamHandler`] each connection's two byte streams in order, exactly once, with
//! explicit [gaps](StreamHandler::gap) where bytes were lost, were never captured, or
//! had to be given up on. It handles:
//!
//! * flow lookup by the unordered endpoint pair (one hash lookup per segment);
//! * orientation from the handshake, or a port-based guess for mid-stream pickups;
//! * 32-bit sequence wraparound (all positions become 64-bit stream offsets);
//! * retransmissions and duplicated packets (e.g. `-i any` captures), with
//!   "first copy wins" for overlaps;
//! * out-of-order segments, buffered within per-direction and global budgets;
//! * holes closed by timeout, by buffer pressure, or immediately when the peer
//!   acknowledges bytes that were never captured;
//! * snaplen-truncated segments (captured bytes, then a gap);
//! * FIN / RST / idle / eviction / end-of-input closes.
//!
//! Everything is driven by packet timestamps: no I/O, no threads, no wall clock.
//! The same segments in the same order always produce the same callbacks.
//!
//! ```
//! use mizu_reassembly::*;
//!
//! /// Collects each flow's client-to-server bytes.
//! struct Collect(Vec<Vec<u8>>);
//! impl StreamHandler<Vec<u8>> for Collect {
//!     fn open(&mut self, _: &FlowInfo) -> Vec<u8> { Vec::new() }
//!     fn data(&mut self, s: &mut Vec<u8>, _: &FlowInfo, dir: Direction, _: Nanos, d: &[u8]) {
//!         if dir == Direction::ClientToServer { s.extend_from_slice(d) }
//!     }
//!     fn gap(&mut self, _: &mut Vec<u8>, _: &FlowInfo, _: Direction, _: Nanos, _: u64) {}
//!     fn close(&mut self, s: Vec<u8>, _: &FlowInfo, _: Nanos, _: CloseReason) { self.0.push(s) }
//! }
//!
//! let (client, server) = ("10.0.0.1:40000".parse().expect("addr"), "10.0.0.2:80".parse().expect("addr"));
//! let seg = |ts, seq, payload: &'static [u8]| TcpSegment {
//!     ts, src: client, dst: server, seq, ack: 0,
//!     flags: TcpFlags { ack: true, ..TcpFlags::default() }, window: 512, payload, missing: 0,
//! };
//! let mut r = TcpReassembler::new(ReassemblyConfig::default());
//! let mut h = Collect(Vec::new());
//! r.segment(&seg(1, 100, b"hello"), &mut h); // mid-stream pickup
//! r.segment(&seg(3, 110, b"!"), &mut h);     // ahead of a hole: buffered
//! r.segment(&seg(2, 105, b" you"), &mut h);  // still one byte short
//! r.finish(&mut h);                          // the hole becomes a gap
//! assert_eq!(h.0, vec![b"hello you!".to_vec()]);
//! assert_eq!(r.stats().gap_bytes, 1);
//! ```

mod half;
mod key;
mod reassembler;
pub mod segment;

use std::net::SocketAddr;

pub use mizu_model::{Direction, Nanos};
pub use reassembler::TcpReassembler;
pub use segment::{TcpFlags, TcpSegment};

/// Limits and timeouts of a [`TcpReassembler`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReassemblyConfig {
    /// Most flows tracked at once; beyond it the least-recently-active flow is
    /// closed with [`CloseReason::Evicted`] (counted in `flows_evicted`).
    pub max_flows: usize,
    /// Out-of-order bytes held per direction before holes are given up on.
    pub max_buffered_per_direction: usize,
    /// Out-of-order bytes held across all flows.
    pub max_buffered_total: usize,
    /// How long (capture time) a hole may wait for its bytes.
    pub ooo_timeout: Nanos,
    /// A flow with no packets for this long (capture time) is closed on [`TcpReassembler::tick`].
    pub idle_timeout: Nanos,
    /// Ports (besides everything below 1024) that are almost always the server side, for
    /// orienting a connection whose handshake was not captured. The default names common
    /// services mizu does not dissect; the engine adds every dissector's usual ports
    /// (`ProtocolInfo::ports`), so they are written down once.
    pub server_ports: Vec<u16>,
}

/// Server ports of common services no dissector names (databases, caches, search,
/// container and cluster APIs): [`ReassemblyConfig::server_ports`]' default.
pub const OTHER_SERVER_PORTS: &[u16] = &[
    1433, 1521, 2375, 2379, 3306, 4000, 5432, 8008, 8443, 9042, 9090, 9200, 9300, 11211, 15672,
    27017,
];

impl Default for ReassemblyConfig {
    fn default() -> Self {
        ReassemblyConfig {
            max_flows: 100_000,
            max_buffered_per_direction: 1 << 20,
            max_buffered_total: 256 << 20,
            ooo_timeout: 5_000_000_000,
            idle_timeout: 120_000_000_000,
            server_ports: OTHER_SERVER_PORTS.to_vec(),
        }
    }
}

/// What the reassembler knows about a flow; passed to every callback.
#[derive(Clone, Debug)]
pub struct FlowInfo {
    /// Unique and increasing; never reused within one reassembler.
    pub id: u64,
    /// The side that opened the connection (or the best guess).
    pub client: SocketAddr,
    /// The side that accepted it (or the best guess).
    pub server: SocketAddr,
    /// True if orientation came from a SYN; false if it was guessed from the ports.
    pub handshake_seen: bool,
    /// Timestamp of the flow's first segment.
    pub first_ts: Nanos,
}

/// Why a flow was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum CloseReason {
    /// Both directions sent FIN.
    Fin,
    /// Either side sent RST.
    Rst,
    /// No packets for `idle_timeout`.
    Idle,
    /// Pushed out by `max_flows`, or replaced by a new connection on the same ports
    /// (a SYN with a different initial sequence number).
    Evicted,
    /// [`TcpReassembler::finish`] was called.
    EndOfInput,
}

/// Receives the reassembled streams. `S` is the per-flow state the handler keeps.
pub trait StreamHandler<S> {
    /// A new flow; returns its state.
    fn open(&mut self, info: &FlowInfo) -> S;
    /// In-order bytes of one direction. `ts` = timestamp of the packet that carried them
    /// (for bytes released from the out-of-order buffer: the packet that filled the hole).
    fn data(&mut self, state: &mut S, info: &FlowInfo, dir: Direction, ts: Nanos, data: &[u8]);
    /// `len` bytes of this direction are missing and will never be delivered (lost, not
    /// captured, buffer overflow, snaplen cut). Delivery continues after them.
    fn gap(&mut self, state: &mut S, info: &FlowInfo, dir: Direction, ts: Nanos, len: u64);
    /// This direction sent FIN (all its bytes before the FIN were delivered or gapped).
    fn fin(&mut self, _state: &mut S, _info: &FlowInfo, _dir: Direction, _ts: Nanos) {}
    /// The flow is gone; state is handed back for final flushing.
    fn close(&mut self, state: S, info: &FlowInfo, ts: Nanos, reason: CloseReason);
}

/// Counters, cumulative over the reassembler's life.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ReassemblyStats {
    /// Segments passed to [`TcpReassembler::segment`].
    pub segments: u64,
    /// Flows opened (handshake or mid-stream).
    pub flows_opened: u64,
    /// Flows closed, for any reason (evictions included).
    pub flows_closed: u64,
    /// Flows closed because `max_flows` was reached.
    pub flows_evicted: u64,
    /// Flows opened without a SYN (orientation guessed).
    pub midstream_pickups: u64,
    /// Bytes passed to [`StreamHandler::data`].
    pub bytes_delivered: u64,
    /// Segments whose bytes had all been seen already (retransmissions, the same packet
    /// on several interfaces of an `-i any` capture, repeated SYNs).
    pub duplicate_segments: u64,
    /// Bytes of those segments.
    pub duplicate_bytes: u64,
    /// Already-seen bytes trimmed from partially new segments ("first copy wins").
    pub overlap_bytes: u64,
    /// Segments that arrived ahead of a hole and were buffered.
    pub out_of_order_segments: u64,
    /// Gaps reported.
    pub gaps: u64,
    /// Total length of those gaps.
    pub gap_bytes: u64,
    /// Bytes that arrived for a hole after it had been given up on (because buffers were
    /// full, it timed out, or the peer's ACK passed it); they are dropped, the gap stands.
    pub ooo_dropped_bytes: u64,
    /// Segments ignored: data after RST or FIN, segments of closed flows, RSTs of
    /// unknown flows, sequence numbers implausibly far ahead.
    pub ignored_segments: u64,
}

#[cfg(test)]
mod tests;
