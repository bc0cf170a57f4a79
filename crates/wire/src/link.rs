//! Link-layer parsing: finds where the IP header starts inside a captured frame.
//!
//! Ethernet II headers and 802.1Q / 802.1ad / QinQ tags are read with `etherparse`
//! header slices. The pseudo-headers that `etherparse` lacks or handles too strictly
//! are parsed by hand:
//!
//! * Linux cooked capture v1 (SLL, 16 bytes): `etherparse`'s `LinuxSllHeaderSlice`
//!   rejects ARPHRD types other than Ethernet/netlink/GRE/802.11/FRAD, but
//!   `tcpdump -i any` also records loopback (`ARPHRD_LOOPBACK`) and tun devices
//!   (`ARPHRD_NONE`), whose protocol field is still an EtherType. So we read the
//!   protocol at offset 14 ourselves, for every hardware type except netlink.
//! * Linux cooked capture v2 (SLL2, 20 bytes, protocol at offset 0).
//! * BSD loopback `DLT_NULL` (4-byte address family in the *capturing host's* byte
//!   order, so both orders are tried) and OpenBSD `DLT_LOOP` (network order).
//! * Raw IP (`DLT_RAW`, `LINKTYPE_IPV4`, `LINKTYPE_IPV6`): the version nibble decides.

use etherparse::{Ethernet2HeaderSlice, SingleVlanHeaderSlice};

use crate::{DecodeError, LinkType};

/// EtherType of IPv4.
const ETH_IPV4: u16 = 0x0800;
/// EtherType of IPv6.
const ETH_IPV6: u16 = 0x86dd;
/// 802.1Q customer VLAN tag.
const ETH_VLAN: u16 = 0x8100;
/// 802.1ad provider bridging (QinQ outer tag).
const ETH_QINQ: u16 = 0x88a8;
/// Pre-standard QinQ outer tag.
const ETH_QINQ_OLD: u16 = 0x9100;
/// `ARPHRD_NETLINK`: the SLL protocol field is a netlink family, not an EtherType.
const ARPHRD_NETLINK: u16 = 824;
/// More VLAN tags than this on one frame is treated as malformed.
const MAX_VLAN_TAGS: usize = 8;

/// Which network layer a frame carries.
#[derive(Debug)]
pub(crate) enum Network<'a> {
    /// Bytes starting at an IPv4 header.
    Ipv4(&'a [u8]),
    /// Bytes starting at an IPv6 header.
    Ipv6(&'a [u8]),
    /// Not IP (ARP, LLDP, 802.3 LLC, netlink, ...).
    NonIp,
}

/// Result of link-layer parsing.
#[derive(Debug)]
pub(crate) struct Link<'a> {
    /// The network layer found.
    pub net: Network<'a>,
    /// True if at least one VLAN tag was skipped.
    pub vlan: bool,
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

fn too_short(layer: &'static str, len: usize, need: usize) -> DecodeError {
    DecodeError::new(
        layer,
        format!("frame is {len} bytes, the header needs {need}"),
    )
}

/// Parses the link layer of `data` according to `link`.
///
/// `LinkType::Unknown` must be filtered out by the caller; it yields `NonIp` here.
pub(crate) fn parse(link: LinkType, data: &[u8]) -> Result<Link<'_>, DecodeError> {
    match link {
        LinkType::Ethernet => {
            let eth = Ethernet2HeaderSlice::from_slice(data)
                .map_err(|_| too_short("ethernet", data.len(), 14))?;
            let rest = data.get(eth.slice().len()..).unwrap_or_default();
            by_ether_type(eth.ether_type().0, rest)
        }
        LinkType::LinuxSll => {
            let (Some(hatype), Some(proto), Some(rest)) =
                (be16(data, 2), be16(data, 14), data.get(16..))
            else {
                return Err(too_short("linux_sll", data.len(), 16));
            };
            if hatype == ARPHRD_NETLINK {
                return Ok(non_ip());
            }
            by_ether_type(proto, rest)
        }
        LinkType::LinuxSll2 => {
            let (Some(proto), Some(hatype), Some(rest)) =
                (be16(data, 0), be16(data, 8), data.get(20..))
            else {
                return Err(too_short("linux_sll2", data.len(), 20));
            };
            if hatype == ARPHRD_NETLINK {
                return Ok(non_ip());
            }
            by_ether_type(proto, rest)
        }
        LinkType::Null | LinkType::Loop => {
            let (Some(fam), Some(rest)) = (data.get(..4), data.get(4..)) else {
                return Err(too_short("loopback", data.len(), 4));
            };
            let fam: [u8; 4] = [fam[0], fam[1], fam[2], fam[3]];
            let be = u32::from_be_bytes(fam);
            let family = if link == LinkType::Null && !is_af_ip(be) {
                // DLT_NULL is written in the capturing host's byte order.
                u32::from_le_bytes(fam)
            } else {
                be
            };
            Ok(match family {
                2 => ip_link(Network::Ipv4(rest)),
                24 | 28 | 30 => ip_link(Network::Ipv6(rest)),
                _ => non_ip(),
            })
        }
        LinkType::Raw | LinkType::Ipv4 | LinkType::Ipv6 => {
            let Some(first) = data.first() else {
                return Err(DecodeError::new("ip", "empty packet".to_string()));
            };
            match first >> 4 {
                4 => Ok(ip_link(Network::Ipv4(data))),
                6 => Ok(ip_link(Network::Ipv6(data))),
                v => Err(DecodeError::new(
                    "ip",
                    format!("IP version {v} is not 4 or 6"),
                )),
            }
        }
        LinkType::Unknown(_) => Ok(non_ip()),
    }
}

fn is_af_ip(family: u32) -> bool {
    matches!(family, 2 | 24 | 28 | 30)
}

fn non_ip() -> Link<'static> {
    Link {
        net: Network::NonIp,
        vlan: false,
    }
}

fn ip_link(net: Network<'_>) -> Link<'_> {
    Link { net, vlan: false }
}

/// Dispatches on an EtherType, skipping any number (up to [`MAX_VLAN_TAGS`]) of
/// VLAN tags first.
fn by_ether_type(mut ether_type: u16, mut rest: &[u8]) -> Result<Link<'_>, DecodeError> {
    let mut vlan = false;
    let mut tags = 0usize;
    while matches!(ether_type, ETH_VLAN | ETH_QINQ | ETH_QINQ_OLD) {
        tags += 1;
        if tags > MAX_VLAN_TAGS {
            return Err(DecodeError::new(
                "vlan",
                format!("more than {MAX_VLAN_TAGS} VLAN tags"),
            ));
        }
        let tag = SingleVlanHeaderSlice::from_slice(rest).map_err(|_| {
            DecodeError::new(
                "vlan",
                format!("{} bytes left, a VLAN tag needs 4", rest.len()),
            )
        })?;
        vlan = true;
        ether_type = tag.ether_type().0;
        rest = rest.get(tag.slice().len()..).unwrap_or_default();
    }
    let net = match ether_type {
        ETH_IPV4 => Network::Ipv4(rest),
        ETH_IPV6 => Network::Ipv6(rest),
        _ => Network::NonIp,
    };
    Ok(Link { net, vlan })
}
