//! [`SourceError`]: what can go wrong reading packets, as one-line messages that
//! name the source, the problem and the next step.

use std::io;

/// Coarse classes of [`SourceError`], for mapping to exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceErrorKind {
    /// The bytes are not a pcap or pcapng capture.
    NotACapture,
    /// The file has no bytes at all.
    Empty,
    /// The file ends in the middle of a header or packet.
    Truncated,
    /// Reading failed (open, permission, device error…).
    Io,
    /// The file is a capture but its structure is broken.
    Corrupt,
}

/// An error from a packet source.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The first bytes match no known capture format.
    #[error(
        "{name}: not a pcap or pcapng file (first bytes {first}); give a file written by tcpdump -w or Wireshark"
    )]
    NotACapture {
        /// Source name (path).
        name: String,
        /// The first bytes, as space-separated hex.
        first: String,
    },
    /// Zero bytes.
    #[error("{name}: file is empty (0 bytes); capture with tcpdump -w FILE first")]
    Empty {
        /// Source name (path).
        name: String,
    },
    /// The input ended inside a header or a packet. Reported only after every
    /// complete packet before it was returned.
    #[error("{name}: file truncated {} (needed {needed} bytes, {left} left); {}",
        if *.packets == 0 { "before the first packet".to_string() } else { format!("after packet {}", .packets) },
        if *.packets == 0 { "no packets could be read" } else { "the packets before it were read" })]
    Truncated {
        /// Source name (path).
        name: String,
        /// Complete packets read before the cut.
        packets: u64,
        /// Bytes the header or packet needed.
        needed: u64,
        /// Bytes that were left in the input.
        left: u64,
    },
    /// An I/O error.
    #[error("{name}: {action}: {source}; check the path and its permissions")]
    Io {
        /// Source name (path).
        name: String,
        /// What was being done, e.g. "cannot open" or "read error".
        action: &'static str,
        /// The underlying error.
        source: io::Error,
    },
    /// A live capture could not be set up or read (socket, ring, namespace).
    #[error("{name}: {action}: {source}{hint}")]
    Live {
        /// Interface or namespace.
        name: String,
        /// What was being done, e.g. "cannot open an AF_PACKET socket".
        action: &'static str,
        /// The underlying error.
        source: io::Error,
        /// The next step, starting with "; " (or empty).
        hint: String,
    },
    /// A structural error inside a capture file.
    #[error(
        "{name}: corrupt capture after packet {packets}: {reason}; the packets before it were read"
    )]
    Corrupt {
        /// Source name (path).
        name: String,
        /// Complete packets read before the problem.
        packets: u64,
        /// What is wrong.
        reason: String,
    },
}

impl SourceError {
    /// The class of this error.
    pub fn kind(&self) -> SourceErrorKind {
        match self {
            SourceError::NotACapture { .. } => SourceErrorKind::NotACapture,
            SourceError::Empty { .. } => SourceErrorKind::Empty,
            SourceError::Truncated { .. } => SourceErrorKind::Truncated,
            SourceError::Io { .. } | SourceError::Live { .. } => SourceErrorKind::Io,
            SourceError::Corrupt { .. } => SourceErrorKind::Corrupt,
        }
    }
}
