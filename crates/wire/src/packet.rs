//! The decoder's vocabulary: link types, the captured frame going in ([`RawPacket`]) and
//! what comes out ([`Decoded`]: TCP segments, UDP datagrams, errors).

use std::fmt;
use std::net::SocketAddr;

use crate::Nanos;

/// The link-layer header type of a capture (pcap `LINKTYPE_*` / `DLT_*` values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// Ethernet II (`LINKTYPE_ETHERNET`, 1).
    Ethernet,
    /// BSD loopback (`DLT_NULL`, 0): 4-byte address family in the capturing host's
    /// byte order.
    Null,
    /// OpenBSD loopback (`DLT_LOOP`, 108): 4-byte address family in network order.
    Loop,
    /// Raw IP (`LINKTYPE_RAW` 101, and `DLT_RAW` values 12 and 14): the version
    /// nibble decides IPv4 or IPv6.
    Raw,
    /// Raw IPv4 (`LINKTYPE_IPV4`, 228).
    Ipv4,
    /// Raw IPv6 (`LINKTYPE_IPV6`, 229).
    Ipv6,
    /// Linux cooked capture v1 (`LINKTYPE_LINUX_SLL`, 113).
    LinuxSll,
    /// Linux cooked capture v2 (`LINKTYPE_LINUX_SLL2`, 276).
    LinuxSll2,
    /// Any other link type; its packets are counted as `unsupported_link`.
    Unknown(u32),
}

impl LinkType {
    /// Maps a pcap link-type number to a [`LinkType`].
    pub fn from_dlt(dlt: u32) -> LinkType {
        match dlt {
            0 => LinkType::Null,
            1 => LinkType::Ethernet,
            12 | 14 | 101 => LinkType::Raw,
            108 => LinkType::Loop,
            113 => LinkType::LinuxSll,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            276 => LinkType::LinuxSll2,
            other => LinkType::Unknown(other),
        }
    }

    /// The pcap link-type number (`LINKTYPE_*`; raw IP is 101).
    pub fn dlt(self) -> u32 {
        match self {
            LinkType::Null => 0,
            LinkType::Ethernet => 1,
            LinkType::Raw => 101,
            LinkType::Loop => 108,
            LinkType::LinuxSll => 113,
            LinkType::Ipv4 => 228,
            LinkType::Ipv6 => 229,
            LinkType::LinuxSll2 => 276,
            LinkType::Unknown(n) => n,
        }
    }

    /// A short human name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            LinkType::Ethernet => "Ethernet",
            LinkType::Null => "BSD loopback",
            LinkType::Loop => "OpenBSD loopback",
            LinkType::Raw => "raw IP",
            LinkType::Ipv4 => "raw IPv4",
            LinkType::Ipv6 => "raw IPv6",
            LinkType::LinuxSll => "Linux cooked v1",
            LinkType::LinuxSll2 => "Linux cooked v2",
            LinkType::Unknown(_) => "unknown",
        }
    }
}

/// One captured frame, as a packet source hands it over.
#[derive(Clone, Copy, Debug)]
pub struct RawPacket<'a> {
    /// Capture timestamp.
    pub ts: Nanos,
    /// Link-layer type of `data`.
    pub link: LinkType,
    /// The captured bytes (possibly fewer than `orig_len`).
    pub data: &'a [u8],
    /// Length of the frame on the wire.
    pub orig_len: u32,
}

/// The TCP flags mizu cares about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpFlags {
    /// SYN.
    pub syn: bool,
    /// ACK.
    pub ack: bool,
    /// FIN.
    pub fin: bool,
    /// RST.
    pub rst: bool,
    /// PSH.
    pub psh: bool,
}

/// A decoded TCP segment.
#[derive(Clone, Copy, Debug)]
pub struct TcpSegment<'a> {
    /// Capture timestamp (of the last fragment for a reassembled datagram).
    pub ts: Nanos,
    /// Source address and port.
    pub src: SocketAddr,
    /// Destination address and port.
    pub dst: SocketAddr,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number.
    pub ack: u32,
    /// Flags.
    pub flags: TcpFlags,
    /// Window (not scaled).
    pub window: u16,
    /// The captured payload bytes.
    pub payload: &'a [u8],
    /// payload bytes the IP/TCP headers announce but the capture did not keep (snaplen). 0 normally.
    pub missing: u32,
}

/// A decoded UDP datagram.
#[derive(Clone, Copy, Debug)]
pub struct UdpDatagram<'a> {
    /// Capture timestamp (of the last fragment for a reassembled datagram).
    pub ts: Nanos,
    /// Source address and port.
    pub src: SocketAddr,
    /// Destination address and port.
    pub dst: SocketAddr,
    /// The captured payload bytes.
    pub payload: &'a [u8],
    /// Payload bytes announced by the headers but not captured (snaplen). 0 normally.
    pub missing: u32,
}

/// What one packet turned out to be.
#[derive(Debug)]
pub enum Decoded<'a> {
    /// A TCP segment.
    Tcp(TcpSegment<'a>),
    /// A UDP datagram.
    Udp(UdpDatagram<'a>),
    /// IP but neither TCP nor UDP (ICMP…), or non-IP (ARP…): counted, ignored
    Other,
    /// an IPv4 fragment was stored; the datagram is not complete yet
    Pending,
    /// The packet could not be decoded.
    Malformed(DecodeError),
}

/// Why a packet could not be decoded. Displays as `malformed <layer>: <reason>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// The layer that failed, e.g. `"ethernet"`, `"ipv4"`, `"tcp"`.
    pub layer: &'static str,
    /// What was wrong.
    pub reason: String,
}

impl DecodeError {
    pub(crate) fn new(layer: &'static str, reason: String) -> DecodeError {
        DecodeError { layer, reason }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed {}: {}", self.layer, self.reason)
    }
}

impl std::error::Error for DecodeError {}
