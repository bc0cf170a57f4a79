//! Packet sources for mizu: where captured frames come from.
//!
//! A [`PacketSource`] hands out one [`RawPacket`] at a time, borrowing its own buffer
//! until the next call. [`FileSource`] reads pcap and pcapng files (or any byte
//! stream, such as standard input) with constant memory; a live AF_PACKET source
//! will implement the same trait.
//!
//! Errors are [`SourceError`]s whose messages fit on one line, name the file and
//! the problem, and say what to do next. [`SourceError::kind`] lets a command-line
//! front end map them to exit codes.

mod error;
mod file;

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
