//! Pure L2–L4 packet decoding for mizu: no I/O, no threads.
//!
//! A [`Decoder`] turns one captured frame ([`RawPacket`]) into a [`Decoded`] value:
//! a TCP segment, a UDP datagram, something else that is counted and ignored, a
//! stored IPv4 fragment, or a malformed packet. It never panics on any input.
//!
//! * Link layers: Ethernet II (with any number of 802.1Q / 802.1ad / QinQ tags),
//!   Linux cooked SLL and SLL2, BSD `DLT_NULL`, OpenBSD `DLT_LOOP`, raw IP.
//! * Network: IPv4 (with fragment reassembly, see the `frag` module) and IPv6 with
//!   extension headers. IPv6 fragments are counted and dropped, not reassembled.
//! * Transport: TCP and UDP. Checksums are not verified (offloading makes them
//!   wrong in most captures taken on a sending host).
//!
//! Lengths come from the IP header, not the frame, so Ethernet padding is ignored.
//! When the capture kept fewer bytes than the IP header announces (snaplen), the
//! segment is still returned with the captured part of the payload and
//! [`TcpSegment::missing`] set; a cut TCP or UDP *header* is reported as malformed.
//!
//! Unfragmented packets are decoded without allocating: payloads borrow the
//! packet's bytes. `etherparse` slices the Ethernet, VLAN, IP and transport headers;
//! the pseudo-headers it lacks are parsed by hand (see the `link` module).

mod frag;
mod link;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use etherparse::{IpNumber, LaxIpv4Slice, LaxIpv6Slice, TcpHeaderSlice, UdpHeaderSlice, ip_number};

pub use mizu_model::Nanos;

use frag::{FragKey, FragTable, Fragment, Outcome};
use link::Network;

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
    fn new(layer: &'static str, reason: String) -> DecodeError {
        DecodeError { layer, reason }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed {}: {}", self.layer, self.reason)
    }
}

impl std::error::Error for DecodeError {}

/// Limits of the [`Decoder`]'s IPv4 fragment reassembly.
#[derive(Clone, Debug)]
pub struct DecoderConfig {
    /// Datagrams reassembled at once; the oldest is evicted beyond this. 0 disables
    /// reassembly (every fragment is dropped).
    pub max_fragment_datagrams: usize,
    /// Bytes buffered across all datagrams in reassembly.
    pub max_fragment_bytes: usize,
    /// A datagram still incomplete this long after its first fragment (by packet
    /// timestamps) is dropped.
    pub fragment_timeout: Nanos,
}

impl Default for DecoderConfig {
    fn default() -> DecoderConfig {
        DecoderConfig {
            max_fragment_datagrams: 1024,
            max_fragment_bytes: 16 * 1024 * 1024,
            fragment_timeout: 30_000_000_000,
        }
    }
}

/// Counters kept by a [`Decoder`].
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct DecodeStats {
    /// Packets given to [`Decoder::decode`].
    pub packets: u64,
    /// Captured bytes of those packets.
    pub bytes: u64,
    /// Packets with a valid IPv4 header.
    pub ipv4: u64,
    /// Packets with a valid IPv6 header.
    pub ipv6: u64,
    /// TCP segments returned (a reassembled datagram counts once).
    pub tcp: u64,
    /// UDP datagrams returned.
    pub udp: u64,
    /// IP packets that are neither TCP nor UDP (and IPv6 fragments).
    pub other: u64,
    /// Frames that do not carry IP (ARP, LLDP…).
    pub non_ip: u64,
    /// Frames with at least one VLAN tag.
    pub vlan_tagged: u64,
    /// Packets cut by snaplen (captured length below the frame or IP length).
    pub truncated: u64,
    /// Packets returned as [`Decoded::Malformed`].
    pub malformed: u64,
    /// Packets of a link type this decoder does not know.
    pub unsupported_link: u64,
    /// IP fragments seen (IPv4 and IPv6).
    pub fragments: u64,
    /// IPv4 datagrams completed by reassembly.
    pub fragments_reassembled: u64,
    /// Fragments discarded: timeout, caps, overlap conflicts, duplicates, cut by
    /// snaplen, and IPv6 fragments (not reassembled).
    pub fragments_dropped: u64,
}

/// Decodes packets; holds the IPv4 reassembly state and the counters.
#[derive(Debug, Default)]
pub struct Decoder {
    config: DecoderConfig,
    stats: DecodeStats,
    frags: FragTable,
}

impl Decoder {
    /// A decoder with the given reassembly limits.
    pub fn new(config: DecoderConfig) -> Decoder {
        Decoder {
            config,
            stats: DecodeStats::default(),
            frags: FragTable::default(),
        }
    }

    /// Decode one packet. Zero-copy for unfragmented packets (payload borrows pkt.data);
    /// a reassembled IPv4 datagram borrows an internal buffer of the decoder.
    pub fn decode<'a>(&'a mut self, pkt: &RawPacket<'a>) -> Decoded<'a> {
        let Decoder {
            config,
            stats,
            frags,
        } = self;
        decode_packet(config, stats, frags, pkt)
    }

    /// The counters so far.
    pub fn stats(&self) -> &DecodeStats {
        &self.stats
    }
}

fn malformed(stats: &mut DecodeStats, layer: &'static str, reason: String) -> Decoded<'static> {
    stats.malformed += 1;
    Decoded::Malformed(DecodeError::new(layer, reason))
}

fn decode_packet<'a>(
    config: &DecoderConfig,
    stats: &mut DecodeStats,
    frags: &'a mut FragTable,
    pkt: &RawPacket<'a>,
) -> Decoded<'a> {
    stats.packets += 1;
    stats.bytes += pkt.data.len() as u64;
    if !frags.is_empty() {
        frags.expire(pkt.ts, config, stats);
    }
    let cut = pkt.orig_len as usize > pkt.data.len();
    if cut {
        stats.truncated += 1;
    }
    if let LinkType::Unknown(_) = pkt.link {
        stats.unsupported_link += 1;
        return Decoded::Other;
    }
    let link = match link::parse(pkt.link, pkt.data) {
        Ok(l) => l,
        Err(e) => {
            stats.malformed += 1;
            return Decoded::Malformed(e);
        }
    };
    if link.vlan {
        stats.vlan_tagged += 1;
    }
    match link.net {
        Network::Ipv4(l3) => ipv4(config, stats, frags, pkt.ts, l3, cut),
        Network::Ipv6(l3) => ipv6(stats, pkt.ts, l3, cut),
        Network::NonIp => {
            stats.non_ip += 1;
            Decoded::Other
        }
    }
}

fn ipv4<'a>(
    config: &DecoderConfig,
    stats: &mut DecodeStats,
    frags: &'a mut FragTable,
    ts: Nanos,
    l3: &'a [u8],
    cut: bool,
) -> Decoded<'a> {
    let (ip, ext_err) = match LaxIpv4Slice::from_slice(l3) {
        Ok(v) => v,
        Err(e) => return malformed(stats, "ipv4", e.to_string()),
    };
    stats.ipv4 += 1;
    let hdr = ip.header();
    let total_len = usize::from(hdr.total_len());
    let incomplete = ip.payload().incomplete;
    if incomplete && !cut {
        stats.truncated += 1;
    }
    let src = IpAddr::V4(Ipv4Addr::from(hdr.source()));
    let dst = IpAddr::V4(Ipv4Addr::from(hdr.destination()));

    if hdr.is_fragmenting_payload() {
        stats.fragments += 1;
        if incomplete {
            // Part of the fragment was not captured: the datagram can never complete.
            stats.fragments_dropped += 1;
            return Decoded::Other;
        }
        // The fragment's bytes right after the IPv4 header (an AH header, if any,
        // belongs to the reassembled payload).
        let hl = hdr.slice().len();
        let end = total_len.max(hl).min(l3.len());
        let data = l3.get(hl..end).unwrap_or_default();
        let key = FragKey {
            src: hdr.source(),
            dst: hdr.destination(),
            proto: hdr.protocol().0,
            id: hdr.identification(),
        };
        let frag = Fragment {
            offset: u32::from(hdr.fragments_offset().value()) * 8,
            more: hdr.more_fragments(),
            data,
            ts,
        };
        return match frags.add(key, frag, config, stats) {
            Outcome::Pending => Decoded::Pending,
            Outcome::Dropped => Decoded::Other,
            Outcome::Complete => {
                transport(stats, ts, src, dst, IpNumber(key.proto), &frags.done, 0)
            }
        };
    }

    if let Some(e) = ext_err {
        return malformed(stats, "ipv4", format!("authentication header: {e}"));
    }
    let payload = ip.payload();
    let missing = if incomplete {
        u32::try_from(total_len.saturating_sub(l3.len())).unwrap_or(u32::MAX)
    } else {
        0
    };
    transport(
        stats,
        ts,
        src,
        dst,
        payload.ip_number,
        payload.payload,
        missing,
    )
}

fn ipv6<'a>(stats: &mut DecodeStats, ts: Nanos, l3: &'a [u8], cut: bool) -> Decoded<'a> {
    let (ip, ext_err) = match LaxIpv6Slice::from_slice(l3) {
        Ok(v) => v,
        Err(e) => return malformed(stats, "ipv6", e.to_string()),
    };
    stats.ipv6 += 1;
    let hdr = ip.header();
    let payload = ip.payload();
    if payload.incomplete && !cut {
        stats.truncated += 1;
    }
    if let Some((e, _)) = ext_err {
        return malformed(stats, "ipv6", format!("extension header: {e}"));
    }
    if payload.fragmented {
        // IPv6 fragments are not reassembled.
        stats.fragments += 1;
        stats.fragments_dropped += 1;
        stats.other += 1;
        return Decoded::Other;
    }
    let missing = if payload.incomplete {
        let expected = 40 + usize::from(hdr.payload_length());
        u32::try_from(expected.saturating_sub(l3.len())).unwrap_or(u32::MAX)
    } else {
        0
    };
    let src = IpAddr::V6(Ipv6Addr::from(hdr.source()));
    let dst = IpAddr::V6(Ipv6Addr::from(hdr.destination()));
    transport(
        stats,
        ts,
        src,
        dst,
        payload.ip_number,
        payload.payload,
        missing,
    )
}

/// Decodes the transport layer. `missing` is how many bytes of `payload` the IP
/// header announced but the capture did not keep.
fn transport<'a>(
    stats: &mut DecodeStats,
    ts: Nanos,
    src: IpAddr,
    dst: IpAddr,
    proto: IpNumber,
    payload: &'a [u8],
    missing: u32,
) -> Decoded<'a> {
    match proto {
        ip_number::TCP => {
            let tcp = match TcpHeaderSlice::from_slice(payload) {
                Ok(t) => t,
                Err(e) => return malformed(stats, "tcp", e.to_string()),
            };
            stats.tcp += 1;
            Decoded::Tcp(TcpSegment {
                ts,
                src: SocketAddr::new(src, tcp.source_port()),
                dst: SocketAddr::new(dst, tcp.destination_port()),
                seq: tcp.sequence_number(),
                ack: tcp.acknowledgment_number(),
                flags: TcpFlags {
                    syn: tcp.syn(),
                    ack: tcp.ack(),
                    fin: tcp.fin(),
                    rst: tcp.rst(),
                    psh: tcp.psh(),
                },
                window: tcp.window_size(),
                payload: payload.get(tcp.slice().len()..).unwrap_or_default(),
                missing,
            })
        }
        ip_number::UDP => {
            let udp = match UdpHeaderSlice::from_slice(payload) {
                Ok(u) => u,
                Err(e) => return malformed(stats, "udp", e.to_string()),
            };
            let body = payload.get(udp.slice().len()..).unwrap_or_default();
            // Payload length announced by IP; the UDP length may shorten it.
            let ip_len = body.len().saturating_add(missing as usize);
            let udp_len = usize::from(udp.length());
            let declared = if udp_len >= 8 {
                (udp_len - 8).min(ip_len)
            } else {
                ip_len // 0 in IPv6 jumbograms
            };
            let body = body.get(..declared.min(body.len())).unwrap_or_default();
            let missing = u32::try_from(declared.saturating_sub(body.len())).unwrap_or(u32::MAX);
            stats.udp += 1;
            Decoded::Udp(UdpDatagram {
                ts,
                src: SocketAddr::new(src, udp.source_port()),
                dst: SocketAddr::new(dst, udp.destination_port()),
                payload: body,
                missing,
            })
        }
        _ => {
            stats.other += 1;
            Decoded::Other
        }
    }
}

#[cfg(test)]
mod tests;
