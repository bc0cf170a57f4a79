//! [`EngineConfig`]: every tunable of the data path, and the constants the counters use.

use mizu_dissect::Limits;
use mizu_model::Nanos;
use mizu_reassembly::ReassemblyConfig;
use mizu_wire::DecoderConfig;

/// Most distinct reasons kept in [`EngineStats::unparsed_reasons`].
pub const MAX_UNPARSED_REASONS: usize = 32;
/// `unparsed_reasons` key of connections no dissector recognised.
pub const NOT_RECOGNISED: &str = "protocol not recognised";
/// `unparsed_reasons` key of bytes a session was still holding when its connection ended
/// (a message never completed), or received after an upgrade to an undissected protocol.
pub const UNFINISHED: &str = "unfinished message or undissected upgrade at close";

/// Tunables of the whole path. Defaults suit a capture of a busy node.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub decoder: DecoderConfig,
    pub reassembly: ReassemblyConfig,
    pub limits: Limits,
    /// Unconsumed bytes a session may leave buffered per direction before they are dropped.
    pub max_session_buffer: usize,
    /// Bytes per connection examined before its protocol is declared unknown.
    pub max_probe_bytes: usize,
    /// How the packets were captured, written to every entry's `capture` field. It comes
    /// from the packet source (`PacketSource::capture_kind`: `pcap` for files,
    /// `af_packet` for the live ring, later `ebpf`), not from a constant.
    pub capture: &'static str,
    /// The one budget for everything the engine buffers across all connections: bytes
    /// recorded while probing, unconsumed session bytes, what sessions hold (pending
    /// requests, bodies being received, decompression output), out-of-order bytes (at most
    /// a quarter of it: `reassembly.max_buffered_total` is lowered to fit) and a fixed
    /// estimate per tracked connection. Over it, whole connections are shed, the largest
    /// of the least recently active first, until usage is back under 7/8 of it; their
    /// unfinished entries are emitted marked `gap` with a diagnostic and counted
    /// (`EngineStats::memory_shed_*`). 0: no budget. Default 512 MiB (`mizu read`); a live
    /// agent sets about half its container's memory limit.
    pub max_memory: usize,
    /// UDP pseudo-flows tracked at once for datagram protocols; a new one beyond it
    /// evicts the least recently active (`EngineStats::datagrams.flows_evicted`).
    pub max_datagram_flows: usize,
    /// A pseudo-flow with no datagram for this long (capture time) is closed.
    pub datagram_idle_timeout: Nanos,
    /// Datagrams of one pseudo-flow probed before it is declared unrecognised.
    pub max_datagram_probes: u32,
}

/// Estimated heap bytes of one tracked connection beyond its buffers: the flow table slot
/// and index, the engine's per-flow state and a session's fixed state.
pub const FLOW_OVERHEAD: usize = 2048;

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            decoder: DecoderConfig::default(),
            reassembly: ReassemblyConfig::default(),
            limits: Limits::default(),
            max_session_buffer: 4 << 20,
            max_probe_bytes: 64 << 10,
            capture: "pcap",
            max_memory: 512 << 20,
            max_datagram_flows: 4096,
            datagram_idle_timeout: 30_000_000_000,
            max_datagram_probes: 4,
        }
    }
}
