//! Packet sources for mizu: where captured frames come from.
//!
//! A [`PacketSource`] hands out one [`RawPacket`] at a time, borrowing its own buffer
//! until the next call. [`FileSource`] reads pcap and pcapng files (or any byte
//! stream, such as standard input) with constant memory; [`live::LiveSource`] merges
//! AF_PACKET TPACKET_V3 rings (interfaces, network namespaces) behind the same trait.
//! [`pcapng::PcapNgWriter`] writes what a live capture saw (`mizu tap --pcap-out`).
//!
//! Errors are [`SourceError`]s whose messages fit on one line, name the file and
//! the problem, and say what to do next. [`SourceError::kind`] lets a command-line
//! front end map them to exit codes.

mod error;
mod file;
#[cfg(target_os = "linux")]
pub mod live;
pub mod pcapng;

pub use error::{SourceError, SourceErrorKind};
pub use file::FileSource;
pub use mizu_wire::{LinkType, Nanos, RawPacket};

/// Something that yields captured packets.
pub trait PacketSource {
    /// Next packet, or Ok(None) at the end. The packet borrows the source's buffer until the next call.
    fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, SourceError>;
    /// Counters so far (packets read, bytes, and for live sources kernel drops).
    fn stats(&self) -> SourceStats;
    /// Human name for messages, e.g. the file path or "eth0".
    fn name(&self) -> &str;
    /// Waits at most `timeout_ms` for a packet. Live sources return [`Next::Idle`] when
    /// none came, so the caller can expire flows and report status; files never wait.
    fn poll_packet(&mut self, timeout_ms: u32) -> Result<Next<'_>, SourceError> {
        let _ = timeout_ms;
        Ok(match self.next_packet()? {
            Some(p) => Next::Packet(p),
            None => Next::End,
        })
    }
    /// How this source captures, written to each entry's `capture` field: `pcap` for
    /// files, `af_packet` for the live ring (later `ebpf`).
    fn capture_kind(&self) -> &'static str {
        "pcap"
    }
    /// The live source behind this one, so a pipeline's sink can add or remove
    /// namespaces and interfaces while it runs.
    #[cfg(target_os = "linux")]
    fn as_live(&mut self) -> Option<&mut live::LiveSource> {
        None
    }
}

/// What [`PacketSource::poll_packet`] found.
pub enum Next<'a> {
    Packet(RawPacket<'a>),
    /// Nothing within the timeout (live sources only).
    Idle,
    /// The source is exhausted (end of file, or a live source was stopped).
    End,
}

/// Counters of a [`PacketSource`].
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct SourceStats {
    /// Packets returned so far.
    pub packets: u64,
    /// Captured bytes of those packets.
    pub bytes: u64,
    /// Packets the capture lost: kernel drops for live sources; for pcapng files,
    /// the interface drop counters recorded in Interface Statistics Blocks.
    pub dropped: u64,
}
