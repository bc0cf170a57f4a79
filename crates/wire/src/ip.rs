//! IPv4 (with fragment reassembly through `frag`), IPv6 with extension headers, and the
//! TCP/UDP headers on top.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use etherparse::{IpNumber, LaxIpv4Slice, LaxIpv6Slice, TcpHeaderSlice, UdpHeaderSlice, ip_number};

use crate::decoder::malformed;
use crate::frag::{FragKey, FragTable, Fragment, Outcome};
use crate::{DecodeStats, Decoded, DecoderConfig, Nanos, TcpFlags, TcpSegment, UdpDatagram};

pub(crate) fn ipv4<'a>(
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

pub(crate) fn ipv6<'a>(stats: &mut DecodeStats, ts: Nanos, l3: &'a [u8], cut: bool) -> Decoded<'a> {
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
pub(crate) fn transport<'a>(
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
