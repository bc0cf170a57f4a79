//! The [`Decoder`]: configuration, counters, and one frame through the link layer to the
//! network layer (`ip.rs` takes it from there).

use crate::frag::FragTable;
use crate::ip::{ipv4, ipv6};
use crate::link::{self, Network};
use crate::{DecodeError, Decoded, LinkType, Nanos, RawPacket};

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
    pub(crate) frags: FragTable,
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

pub(crate) fn malformed(
    stats: &mut DecodeStats,
    layer: &'static str,
    reason: String,
) -> Decoded<'static> {
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
