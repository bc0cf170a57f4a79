//! Unit tests for the decoder, with packets built by `etherparse::PacketBuilder`
//! or by hand.
#![allow(clippy::unwrap_used)]

use super::*;
use etherparse::{IpFragOffset, Ipv4Header, PacketBuilder, ip_number};
use proptest::prelude::*;
use std::net::SocketAddr;

const SRC4: [u8; 4] = [10, 0, 0, 1];
const DST4: [u8; 4] = [10, 0, 0, 2];
const SRC6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const DST6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
const MAC_A: [u8; 6] = [1, 2, 3, 4, 5, 6];
const MAC_B: [u8; 6] = [7, 8, 9, 10, 11, 12];

fn pkt(link: LinkType, data: &[u8]) -> RawPacket<'_> {
    RawPacket {
        ts: 1_000,
        link,
        data,
        orig_len: data.len() as u32,
    }
}

/// IPv4 + TCP (no link header).
fn ipv4_tcp(payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ipv4(SRC4, DST4, 64)
        .tcp(1234, 80, 1000, 4096)
        .syn()
        .ack(77)
        .psh();
    let mut v = Vec::new();
    b.write(&mut v, payload).unwrap();
    v
}

/// IPv6 + TCP (no link header).
fn ipv6_tcp(payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ipv6(SRC6, DST6, 64)
        .tcp(443, 5555, 9, 100)
        .fin();
    let mut v = Vec::new();
    b.write(&mut v, payload).unwrap();
    v
}

/// IPv4 + UDP (no link header).
fn ipv4_udp(payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ipv4(SRC4, DST4, 64).udp(53, 5353);
    let mut v = Vec::new();
    b.write(&mut v, payload).unwrap();
    v
}

fn eth(ether_type: u16, l3: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&MAC_B);
    v.extend_from_slice(&MAC_A);
    v.extend_from_slice(&ether_type.to_be_bytes());
    v.extend_from_slice(l3);
    v
}

fn expect_tcp<'a>(d: Decoded<'a>) -> TcpSegment<'a> {
    match d {
        Decoded::Tcp(t) => t,
        other => panic!("expected TCP, got {other:?}"),
    }
}

fn expect_udp<'a>(d: Decoded<'a>) -> UdpDatagram<'a> {
    match d {
        Decoded::Udp(u) => u,
        other => panic!("expected UDP, got {other:?}"),
    }
}

fn check_v4_tcp(t: &TcpSegment<'_>, payload: &[u8]) {
    assert_eq!(t.src, "10.0.0.1:1234".parse::<SocketAddr>().unwrap());
    assert_eq!(t.dst, "10.0.0.2:80".parse::<SocketAddr>().unwrap());
    assert_eq!(t.seq, 1000);
    assert_eq!(t.ack, 77);
    assert_eq!(t.window, 4096);
    assert_eq!(
        t.flags,
        TcpFlags {
            syn: true,
            ack: true,
            psh: true,
            fin: false,
            rst: false
        }
    );
    assert_eq!(t.payload, payload);
    assert_eq!(t.missing, 0);
}

#[test]
fn ethernet_ipv4_tcp_zero_copy() {
    let frame = eth(0x0800, &ipv4_tcp(b"GET / HTTP/1.1\r\n\r\n"));
    let mut d = Decoder::default();
    let p = pkt(LinkType::Ethernet, &frame);
    let t = expect_tcp(d.decode(&p));
    check_v4_tcp(&t, b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(t.ts, 1_000);
    // The payload borrows the frame.
    let range = frame.as_ptr_range();
    assert!(range.contains(&t.payload.as_ptr()));
    let s = d.stats();
    assert_eq!(
        (s.packets, s.ipv4, s.tcp, s.truncated, s.malformed),
        (1, 1, 1, 0, 0)
    );
    assert_eq!(s.bytes, frame.len() as u64);
}

#[test]
fn ethernet_padding_is_ignored() {
    // 14 + 20 + 8 + 2 = 44 bytes, padded to 60 with junk.
    let mut frame = eth(0x0800, &ipv4_udp(b"hi"));
    frame.resize(60, 0xee);
    let mut d = Decoder::default();
    let u = expect_udp(d.decode(&pkt(LinkType::Ethernet, &frame)));
    assert_eq!(u.payload, b"hi");
    assert_eq!(u.missing, 0);
    assert_eq!(u.src, "10.0.0.1:53".parse::<SocketAddr>().unwrap());

    let mut frame = eth(0x0800, &ipv4_tcp(b""));
    frame.resize(60, 0xee);
    let t = expect_tcp(d.decode(&pkt(LinkType::Ethernet, &frame)));
    assert!(t.payload.is_empty());
    assert_eq!(d.stats().truncated, 0);
}

#[test]
fn vlan_single_double_and_qinq() {
    let l3 = ipv4_tcp(b"x");
    let mut d = Decoder::default();
    for outer in [0x8100u16, 0x88a8, 0x9100] {
        // single tag
        let mut tagged = vec![0x00, 0x05];
        tagged.extend_from_slice(&0x0800u16.to_be_bytes());
        tagged.extend_from_slice(&l3);
        let frame = eth(outer, &tagged);
        check_v4_tcp(
            &expect_tcp(d.decode(&pkt(LinkType::Ethernet, &frame))),
            b"x",
        );
        // outer + inner 802.1Q
        let mut two = vec![0x00, 0x07];
        two.extend_from_slice(&0x8100u16.to_be_bytes());
        two.extend_from_slice(&[0x00, 0x05]);
        two.extend_from_slice(&0x0800u16.to_be_bytes());
        two.extend_from_slice(&l3);
        let frame = eth(outer, &two);
        check_v4_tcp(
            &expect_tcp(d.decode(&pkt(LinkType::Ethernet, &frame))),
            b"x",
        );
    }
    assert_eq!(d.stats().vlan_tagged, 6);
    assert_eq!(d.stats().tcp, 6);

    // Built with etherparse's builder too.
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .double_vlan(
            etherparse::VlanId::try_new(1).unwrap(),
            etherparse::VlanId::try_new(2).unwrap(),
        )
        .ipv4(SRC4, DST4, 5)
        .tcp(1234, 80, 1000, 4096)
        .syn()
        .ack(77)
        .psh();
    let mut frame = Vec::new();
    b.write(&mut frame, b"q").unwrap();
    check_v4_tcp(
        &expect_tcp(d.decode(&pkt(LinkType::Ethernet, &frame))),
        b"q",
    );

    // A tag cut in half is malformed.
    let frame = eth(0x8100, &[0, 5]);
    assert!(matches!(
        d.decode(&pkt(LinkType::Ethernet, &frame)),
        Decoded::Malformed(DecodeError { layer: "vlan", .. })
    ));
    // Endless tags are malformed.
    let mut many = Vec::new();
    for _ in 0..20 {
        many.extend_from_slice(&[0, 1, 0x81, 0x00]);
    }
    let frame = eth(0x8100, &many);
    assert!(matches!(
        d.decode(&pkt(LinkType::Ethernet, &frame)),
        Decoded::Malformed(_)
    ));
}

#[test]
fn non_ip_and_short_frames() {
    let mut d = Decoder::default();
    let arp = eth(0x0806, &[0u8; 28]);
    assert!(matches!(
        d.decode(&pkt(LinkType::Ethernet, &arp)),
        Decoded::Other
    ));
    assert_eq!(d.stats().non_ip, 1);
    let e = match d.decode(&pkt(LinkType::Ethernet, &[1, 2, 3])) {
        Decoded::Malformed(e) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(e.layer, "ethernet");
    assert_eq!(
        e.to_string(),
        "malformed ethernet: frame is 3 bytes, the header needs 14"
    );
    assert_eq!(d.stats().malformed, 1);
}

#[test]
fn ipv4_with_options_and_bad_version() {
    let mut h = Ipv4Header::new(0, 64, ip_number::TCP, SRC4, DST4).unwrap();
    h.options = [1u8, 1, 1, 1, 1, 1, 1, 0][..].try_into().unwrap();
    let tcp = &ipv4_tcp(b"opt")[20..];
    h.set_payload_len(tcp.len()).unwrap();
    let mut l3 = h.to_bytes().to_vec();
    assert_eq!(l3.len(), 28);
    l3.extend_from_slice(tcp);
    let mut d = Decoder::default();
    check_v4_tcp(&expect_tcp(d.decode(&pkt(LinkType::Raw, &l3))), b"opt");

    let mut bad = eth(0x0800, &ipv4_tcp(b"x"));
    bad[14] = 0x55; // version 5
    assert!(matches!(
        d.decode(&pkt(LinkType::Ethernet, &bad)),
        Decoded::Malformed(DecodeError { layer: "ipv4", .. })
    ));
}

#[test]
fn icmp_is_other() {
    let b = PacketBuilder::ipv4(SRC4, DST4, 64).icmpv4_echo_request(1, 2);
    let mut l3 = Vec::new();
    b.write(&mut l3, b"ping").unwrap();
    let mut d = Decoder::default();
    assert!(matches!(
        d.decode(&pkt(LinkType::Ipv4, &l3)),
        Decoded::Other
    ));
    assert_eq!(d.stats().other, 1);
    assert_eq!(d.stats().ipv4, 1);
}

#[test]
fn ipv6_tcp_and_udp() {
    let frame = eth(0x86dd, &ipv6_tcp(b"v6 data"));
    let mut d = Decoder::default();
    let t = expect_tcp(d.decode(&pkt(LinkType::Ethernet, &frame)));
    assert_eq!(t.src, "[2001:db8::1]:443".parse::<SocketAddr>().unwrap());
    assert_eq!(t.dst, "[2001:db8::2]:5555".parse::<SocketAddr>().unwrap());
    assert!(t.flags.fin && !t.flags.syn);
    assert_eq!(t.payload, b"v6 data");

    let b = PacketBuilder::ipv6(SRC6, DST6, 64).udp(1, 2);
    let mut l3 = Vec::new();
    b.write(&mut l3, b"dns?").unwrap();
    let u = expect_udp(d.decode(&pkt(LinkType::Ipv6, &l3)));
    assert_eq!(u.payload, b"dns?");
    assert_eq!(d.stats().ipv6, 2);
}

/// IPv6 header + hop-by-hop + routing + destination options + TCP.
fn ipv6_with_exts(frag: Option<(u16, bool)>) -> Vec<u8> {
    let tcp_full = ipv4_tcp(b"ext");
    let tcp = &tcp_full[20..];
    let mut exts = Vec::new();
    // hop-by-hop (0) -> routing (43)
    exts.extend_from_slice(&[43, 0, 1, 4, 0, 0, 0, 0]);
    // routing (43) -> destination options (60); type 4 (SRH-ish), 0 segments left
    exts.extend_from_slice(&[60, 0, 4, 0, 0, 0, 0, 0]);
    match frag {
        None => {
            // destination options (60) -> TCP (6)
            exts.extend_from_slice(&[6, 0, 1, 4, 0, 0, 0, 0]);
        }
        Some((off, more)) => {
            // destination options (60) -> fragment (44) -> TCP
            exts.extend_from_slice(&[44, 0, 1, 4, 0, 0, 0, 0]);
            let fo = (off << 3) | u16::from(more);
            exts.extend_from_slice(&[6, 0]);
            exts.extend_from_slice(&fo.to_be_bytes());
            exts.extend_from_slice(&[0, 0, 0, 9]);
        }
    }
    let plen = (exts.len() + tcp.len()) as u16;
    let mut v = vec![0x60, 0, 0, 0];
    v.extend_from_slice(&plen.to_be_bytes());
    v.push(0); // next header: hop-by-hop
    v.push(64);
    v.extend_from_slice(&SRC6);
    v.extend_from_slice(&DST6);
    v.extend_from_slice(&exts);
    v.extend_from_slice(tcp);
    v
}

#[test]
fn ipv6_extension_headers() {
    let mut d = Decoder::default();
    let l3 = ipv6_with_exts(None);
    let t = expect_tcp(d.decode(&pkt(LinkType::Raw, &l3)));
    assert_eq!(t.payload, b"ext");
    assert_eq!(t.src.port(), 1234);

    // An "atomic" fragment header (offset 0, no more fragments) is decoded normally.
    let l3 = ipv6_with_exts(Some((0, false)));
    let t = expect_tcp(d.decode(&pkt(LinkType::Raw, &l3)));
    assert_eq!(t.payload, b"ext");

    // Real v6 fragments are counted and dropped, never misparsed as TCP.
    for f in [(0, true), (10, false), (10, true)] {
        let l3 = ipv6_with_exts(Some(f));
        assert!(matches!(d.decode(&pkt(LinkType::Raw, &l3)), Decoded::Other));
    }
    let s = d.stats();
    assert_eq!(
        (s.fragments, s.fragments_dropped, s.other, s.tcp),
        (3, 3, 3, 2)
    );

    // An extension header cut by the capture is malformed.
    let l3 = ipv6_with_exts(None);
    let cut = &l3[..44];
    let p = RawPacket {
        orig_len: l3.len() as u32,
        ..pkt(LinkType::Raw, cut)
    };
    assert!(matches!(
        d.decode(&p),
        Decoded::Malformed(DecodeError { layer: "ipv6", .. })
    ));
    assert_eq!(d.stats().truncated, 1);
}

#[test]
fn linux_sll_v1() {
    let b = PacketBuilder::linux_sll(
        etherparse::LinuxSllPacketType::OUTGOING,
        6,
        [1, 2, 3, 4, 5, 6, 0, 0],
    )
    .ipv4(SRC4, DST4, 64)
    .tcp(1234, 80, 1000, 4096)
    .syn()
    .ack(77)
    .psh();
    let mut frame = Vec::new();
    b.write(&mut frame, b"sll").unwrap();
    let mut d = Decoder::default();
    check_v4_tcp(
        &expect_tcp(d.decode(&pkt(LinkType::LinuxSll, &frame))),
        b"sll",
    );

    // Hand-built: loopback hardware type (772), as `tcpdump -i any` writes for lo.
    let mut frame = vec![0, 0, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00];
    frame.extend_from_slice(&ipv4_tcp(b"lo"));
    check_v4_tcp(
        &expect_tcp(d.decode(&pkt(LinkType::LinuxSll, &frame))),
        b"lo",
    );

    // IPv6 over SLL, and netlink (non-IP).
    let mut frame = vec![0, 4, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x86, 0xdd];
    frame.extend_from_slice(&ipv6_tcp(b"6"));
    assert_eq!(
        expect_tcp(d.decode(&pkt(LinkType::LinuxSll, &frame))).payload,
        b"6"
    );
    let mut frame = vec![0, 4, 0x03, 0x38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00];
    frame.extend_from_slice(&ipv4_tcp(b"nl"));
    assert!(matches!(
        d.decode(&pkt(LinkType::LinuxSll, &frame)),
        Decoded::Other
    ));
    assert_eq!(d.stats().non_ip, 1);

    assert!(matches!(
        d.decode(&pkt(LinkType::LinuxSll, &[0; 15])),
        Decoded::Malformed(DecodeError {
            layer: "linux_sll",
            ..
        })
    ));
}

#[test]
fn linux_sll_v2() {
    // protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) addrlen(1) addr(8)
    let mut frame = vec![
        0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 4, 6, 1, 2, 3, 4, 5, 6, 0, 0,
    ];
    frame.extend_from_slice(&ipv4_tcp(b"sll2"));
    let mut d = Decoder::default();
    check_v4_tcp(
        &expect_tcp(d.decode(&pkt(LinkType::LinuxSll2, &frame))),
        b"sll2",
    );

    let mut frame = vec![
        0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0,
    ];
    frame.extend_from_slice(&ipv6_tcp(b"v6"));
    assert_eq!(
        expect_tcp(d.decode(&pkt(LinkType::LinuxSll2, &frame))).payload,
        b"v6"
    );

    // VLAN-tagged protocol inside SLL2.
    let mut frame = vec![
        0x81, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0,
    ];
    frame.extend_from_slice(&[0, 9, 0x08, 0x00]);
    frame.extend_from_slice(&ipv4_tcp(b"v"));
    check_v4_tcp(
        &expect_tcp(d.decode(&pkt(LinkType::LinuxSll2, &frame))),
        b"v",
    );
    assert_eq!(d.stats().vlan_tagged, 1);

    assert!(matches!(
        d.decode(&pkt(LinkType::LinuxSll2, &[0x08, 0x00, 0, 0])),
        Decoded::Malformed(DecodeError {
            layer: "linux_sll2",
            ..
        })
    ));
}

#[test]
fn null_and_loop() {
    let mut d = Decoder::default();
    // DLT_NULL, little-endian host.
    let mut f = 2u32.to_le_bytes().to_vec();
    f.extend_from_slice(&ipv4_tcp(b"le"));
    check_v4_tcp(&expect_tcp(d.decode(&pkt(LinkType::Null, &f))), b"le");
    // DLT_NULL, big-endian host.
    let mut f = 2u32.to_be_bytes().to_vec();
    f.extend_from_slice(&ipv4_tcp(b"be"));
    check_v4_tcp(&expect_tcp(d.decode(&pkt(LinkType::Null, &f))), b"be");
    // IPv6 families of the BSDs and macOS, both orders.
    for fam in [24u32, 28, 30] {
        for bytes in [fam.to_le_bytes(), fam.to_be_bytes()] {
            let mut f = bytes.to_vec();
            f.extend_from_slice(&ipv6_tcp(b"6"));
            assert_eq!(expect_tcp(d.decode(&pkt(LinkType::Null, &f))).payload, b"6");
        }
    }
    // DLT_LOOP: network order only.
    let mut f = 2u32.to_be_bytes().to_vec();
    f.extend_from_slice(&ipv4_tcp(b"loop"));
    check_v4_tcp(&expect_tcp(d.decode(&pkt(LinkType::Loop, &f))), b"loop");
    let mut f = 2u32.to_le_bytes().to_vec();
    f.extend_from_slice(&ipv4_tcp(b"loop"));
    assert!(matches!(d.decode(&pkt(LinkType::Loop, &f)), Decoded::Other));
    // Unknown family.
    let mut f = 7u32.to_le_bytes().to_vec();
    f.extend_from_slice(&ipv4_tcp(b"?"));
    assert!(matches!(d.decode(&pkt(LinkType::Null, &f)), Decoded::Other));
    assert_eq!(d.stats().non_ip, 2);
    assert!(matches!(
        d.decode(&pkt(LinkType::Null, &[2, 0])),
        Decoded::Malformed(_)
    ));
}

#[test]
fn raw_ip_link_types() {
    let mut d = Decoder::default();
    for link in [
        LinkType::Raw,
        LinkType::Ipv4,
        LinkType::from_dlt(12),
        LinkType::from_dlt(14),
    ] {
        check_v4_tcp(&expect_tcp(d.decode(&pkt(link, &ipv4_tcp(b"r")))), b"r");
    }
    for link in [LinkType::Raw, LinkType::Ipv6] {
        assert_eq!(
            expect_tcp(d.decode(&pkt(link, &ipv6_tcp(b"r6")))).payload,
            b"r6"
        );
    }
    assert!(matches!(
        d.decode(&pkt(LinkType::Raw, &[])),
        Decoded::Malformed(_)
    ));
    assert!(matches!(
        d.decode(&pkt(LinkType::Raw, &[0x50; 40])),
        Decoded::Malformed(DecodeError { layer: "ip", .. })
    ));
}

#[test]
fn unknown_link_type() {
    let mut d = Decoder::default();
    let l = LinkType::from_dlt(147);
    assert_eq!(l, LinkType::Unknown(147));
    assert!(matches!(d.decode(&pkt(l, &[1, 2, 3])), Decoded::Other));
    assert_eq!(d.stats().unsupported_link, 1);
}

#[test]
fn link_type_numbers_round_trip() {
    for (dlt, lt) in [
        (0, LinkType::Null),
        (1, LinkType::Ethernet),
        (101, LinkType::Raw),
        (108, LinkType::Loop),
        (113, LinkType::LinuxSll),
        (228, LinkType::Ipv4),
        (229, LinkType::Ipv6),
        (276, LinkType::LinuxSll2),
        (9999, LinkType::Unknown(9999)),
    ] {
        assert_eq!(LinkType::from_dlt(dlt), lt);
        assert_eq!(lt.dlt(), dlt);
        assert!(!lt.name().is_empty());
    }
    assert_eq!(LinkType::from_dlt(12).dlt(), 101);
    assert_eq!(LinkType::Ethernet.name(), "Ethernet");
}

#[test]
fn truncated_payload_reports_missing() {
    let payload = vec![b'a'; 1000];
    let frame = eth(0x0800, &ipv4_tcp(&payload));
    let snap = 14 + 20 + 20 + 100;
    let p = RawPacket {
        ts: 5,
        link: LinkType::Ethernet,
        data: &frame[..snap],
        orig_len: frame.len() as u32,
    };
    let mut d = Decoder::default();
    let t = expect_tcp(d.decode(&p));
    assert_eq!(t.payload.len(), 100);
    assert_eq!(t.missing, 900);
    assert_eq!(d.stats().truncated, 1);

    // Same, but the source claims orig_len == captured: IP length still tells.
    let p = RawPacket {
        orig_len: snap as u32,
        ..p
    };
    let t = expect_tcp(d.decode(&p));
    assert_eq!((t.payload.len(), t.missing), (100, 900));
    assert_eq!(d.stats().truncated, 2);

    // IPv6.
    let frame = eth(0x86dd, &ipv6_tcp(&payload));
    let p = pkt(LinkType::Ethernet, &frame[..14 + 40 + 20 + 10]);
    let t = expect_tcp(d.decode(&p));
    assert_eq!((t.payload.len(), t.missing), (10, 990));

    // UDP.
    let frame = eth(0x0800, &ipv4_udp(&payload));
    let p = pkt(LinkType::Ethernet, &frame[..14 + 20 + 8 + 1]);
    let u = expect_udp(d.decode(&p));
    assert_eq!((u.payload.len(), u.missing), (1, 999));
    assert_eq!(d.stats().truncated, 4);
    assert_eq!(d.stats().malformed, 0);
}

#[test]
fn truncated_tcp_header_is_malformed() {
    let frame = eth(0x0800, &ipv4_tcp(b"hello"));
    let p = RawPacket {
        ts: 0,
        link: LinkType::Ethernet,
        data: &frame[..14 + 20 + 12],
        orig_len: frame.len() as u32,
    };
    let mut d = Decoder::default();
    match d.decode(&p) {
        Decoded::Malformed(e) => assert_eq!(e.layer, "tcp"),
        other => panic!("{other:?}"),
    }
    // IPv4 header itself cut.
    let p = RawPacket {
        data: &frame[..14 + 10],
        ..p
    };
    assert!(matches!(
        d.decode(&p),
        Decoded::Malformed(DecodeError { layer: "ipv4", .. })
    ));
    let s = d.stats();
    assert_eq!((s.malformed, s.truncated, s.tcp), (2, 2, 0));

    // A TCP data offset below 5 is malformed.
    let mut l3 = ipv4_tcp(b"");
    l3[20 + 12] = 0x40;
    assert!(matches!(
        d.decode(&pkt(LinkType::Raw, &l3)),
        Decoded::Malformed(DecodeError { layer: "tcp", .. })
    ));
    // UDP header cut.
    let l3 = ipv4_udp(b"abc");
    assert!(matches!(
        d.decode(&pkt(LinkType::Raw, &l3[..24])),
        Decoded::Malformed(DecodeError { layer: "udp", .. })
    ));
}

#[test]
fn udp_length_field_shortens_payload() {
    let mut l3 = ipv4_udp(b"abcdef");
    // UDP length says 3 bytes of payload.
    l3[24..26].copy_from_slice(&11u16.to_be_bytes());
    let mut d = Decoder::default();
    let u = expect_udp(d.decode(&pkt(LinkType::Raw, &l3)));
    assert_eq!(u.payload, b"abc");
    assert_eq!(u.missing, 0);
}

// ---------- IPv4 fragments ----------

/// Splits an IPv4 packet (no link header) into fragments carrying `chunk` payload
/// bytes each (a multiple of 8, except the last).
fn fragment(l3: &[u8], chunk: usize, id: u16) -> Vec<Vec<u8>> {
    let (hdr, payload) = Ipv4Header::from_slice(l3).unwrap();
    let mut out = Vec::new();
    let mut off = 0;
    while off < payload.len() {
        let end = (off + chunk).min(payload.len());
        out.push(frag_packet(
            &hdr,
            id,
            off,
            end < payload.len(),
            &payload[off..end],
        ));
        off = end;
    }
    out
}

fn frag_packet(hdr: &Ipv4Header, id: u16, off: usize, more: bool, data: &[u8]) -> Vec<u8> {
    let mut h = hdr.clone();
    h.identification = id;
    h.more_fragments = more;
    h.fragment_offset = IpFragOffset::try_new((off / 8) as u16).unwrap();
    h.set_payload_len(data.len()).unwrap();
    h.header_checksum = h.calc_header_checksum();
    let mut v = h.to_bytes().to_vec();
    v.extend_from_slice(data);
    v
}

fn big_payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

fn at(ts: Nanos, data: &[u8]) -> RawPacket<'_> {
    RawPacket {
        ts,
        link: LinkType::Raw,
        data,
        orig_len: data.len() as u32,
    }
}

#[test]
fn fragments_in_order() {
    let payload = big_payload(3000);
    let frags = fragment(&ipv4_udp(&payload), 1480, 7);
    assert_eq!(frags.len(), 3);
    let mut d = Decoder::default();
    assert!(matches!(d.decode(&at(1, &frags[0])), Decoded::Pending));
    assert!(matches!(d.decode(&at(2, &frags[1])), Decoded::Pending));
    let u = expect_udp(d.decode(&at(3, &frags[2])));
    assert_eq!(u.payload, &payload[..]);
    assert_eq!(u.ts, 3);
    assert_eq!(u.src.port(), 53);
    let s = d.stats();
    assert_eq!(
        (
            s.fragments,
            s.fragments_reassembled,
            s.fragments_dropped,
            s.udp
        ),
        (3, 1, 0, 1)
    );
    assert_eq!(d.frags.len(), 0);
    assert_eq!(d.frags.buffered_bytes(), 0);
}

#[test]
fn fragments_reversed_tcp() {
    let payload = big_payload(5000);
    let frags = fragment(&ipv4_tcp(&payload), 1000, 8);
    let mut d = Decoder::default();
    let n = frags.len();
    for (i, f) in frags.iter().rev().enumerate() {
        let r = d.decode(&at(i as u64, f));
        if i + 1 < n {
            assert!(matches!(r, Decoded::Pending), "{r:?}");
        } else {
            let t = expect_tcp(r);
            check_v4_tcp(&t, &payload);
            assert_eq!(t.ts, (n - 1) as u64);
        }
    }
    assert_eq!(d.stats().fragments_reassembled, 1);
}

#[test]
fn fragments_duplicated() {
    let payload = big_payload(3000);
    let frags = fragment(&ipv4_udp(&payload), 1480, 9);
    let mut d = Decoder::default();
    assert!(matches!(d.decode(&at(1, &frags[0])), Decoded::Pending));
    assert!(matches!(d.decode(&at(2, &frags[0])), Decoded::Pending));
    assert!(matches!(d.decode(&at(3, &frags[1])), Decoded::Pending));
    assert!(matches!(d.decode(&at(4, &frags[1])), Decoded::Pending));
    let u = expect_udp(d.decode(&at(5, &frags[2])));
    assert_eq!(u.payload, &payload[..]);
    // A duplicate of the last fragment after completion starts a new datagram.
    assert!(matches!(d.decode(&at(6, &frags[2])), Decoded::Pending));
    let s = d.stats();
    assert_eq!(
        (s.fragments, s.fragments_dropped, s.fragments_reassembled),
        (6, 2, 1)
    );
}

#[test]
fn fragments_overlap_keeps_first() {
    let payload = big_payload(2000);
    let l3 = ipv4_udp(&payload);
    let (hdr, ip_payload) = Ipv4Header::from_slice(&l3).unwrap();
    // [0, 1008) original, then [800, 1600) with different bytes, then [1000, end).
    let a = frag_packet(&hdr, 3, 0, true, &ip_payload[..1008]);
    let junk = vec![0xffu8; 800];
    let b = frag_packet(&hdr, 3, 800, true, &junk);
    let c = frag_packet(&hdr, 3, 1000, false, &ip_payload[1000..]);
    let mut d = Decoder::default();
    assert!(matches!(d.decode(&at(1, &a)), Decoded::Pending));
    assert!(matches!(d.decode(&at(2, &b)), Decoded::Pending));
    let u = expect_udp(d.decode(&at(3, &c)));
    // IP payload bytes 1008..1600 came from the junk fragment (first there); the
    // UDP payload starts 8 bytes into the IP payload.
    assert_eq!(u.payload.len(), payload.len());
    assert_eq!(&u.payload[..1000], &payload[..1000]);
    assert!(u.payload[1000..1592].iter().all(|&b| b == 0xff));
    assert_eq!(&u.payload[1592..], &payload[1592..]);
    assert_eq!(d.stats().fragments_dropped, 0);
}

#[test]
fn fragments_conflicting_end_drop_datagram() {
    let payload = big_payload(2000);
    let l3 = ipv4_udp(&payload);
    let (hdr, ip_payload) = Ipv4Header::from_slice(&l3).unwrap();
    let a = frag_packet(&hdr, 4, 0, true, &ip_payload[..1000]);
    let last = frag_packet(&hdr, 4, 1000, false, &ip_payload[1000..]);
    let early_last = frag_packet(&hdr, 4, 1000, false, &ip_payload[1000..1500]);
    let mut d = Decoder::default();
    assert!(matches!(d.decode(&at(1, &a)), Decoded::Pending));
    // IP payload is 2008 bytes (UDP header + 2000): `a` and `last` complete it.
    assert_eq!(expect_udp(d.decode(&at(2, &last))).payload, &payload[..]);
    assert_eq!(d.stats().fragments_reassembled, 1);

    let mut d = Decoder::default();
    assert!(matches!(d.decode(&at(1, &last)), Decoded::Pending));
    // A second "last" fragment ending elsewhere: conflict, datagram dropped.
    assert!(matches!(d.decode(&at(2, &early_last)), Decoded::Other));
    assert_eq!(d.stats().fragments_dropped, 2);
    assert_eq!(d.frags.len(), 0);
    assert_eq!(d.frags.buffered_bytes(), 0);

    // Data beyond a known end: conflict.
    let mut d = Decoder::default();
    assert!(matches!(d.decode(&at(1, &early_last)), Decoded::Pending));
    let beyond = frag_packet(&hdr, 4, 1504, true, &ip_payload[1504..1600]);
    assert!(matches!(d.decode(&at(2, &beyond)), Decoded::Other));
    assert_eq!(d.stats().fragments_dropped, 2);
}

#[test]
fn fragments_time_out() {
    let payload = big_payload(3000);
    let frags = fragment(&ipv4_udp(&payload), 1480, 11);
    let cfg = DecoderConfig::default();
    let mut d = Decoder::new(cfg.clone());
    let t0 = 1_700_000_000_000_000_000u64;
    assert!(matches!(d.decode(&at(t0, &frags[0])), Decoded::Pending));
    assert!(matches!(d.decode(&at(t0 + 1, &frags[1])), Decoded::Pending));
    // Any packet past the timeout evicts the datagram.
    let other = ipv4_tcp(b"x");
    let _ = d.decode(&at(t0 + cfg.fragment_timeout, &other));
    assert_eq!(d.stats().fragments_dropped, 2);
    assert_eq!(d.frags.len(), 0);
    // The last fragment alone does not complete anything.
    assert!(matches!(
        d.decode(&at(t0 + cfg.fragment_timeout + 1, &frags[2])),
        Decoded::Pending
    ));
    assert_eq!(d.stats().fragments_reassembled, 0);
}

#[test]
fn fragments_datagram_cap_evicts_oldest() {
    let payload = big_payload(3000);
    let cfg = DecoderConfig {
        max_fragment_datagrams: 2,
        ..DecoderConfig::default()
    };
    let mut d = Decoder::new(cfg);
    let l3 = ipv4_udp(&payload);
    let f1 = fragment(&l3, 1480, 1);
    let f2 = fragment(&l3, 1480, 2);
    let f3 = fragment(&l3, 1480, 3);
    assert!(matches!(d.decode(&at(1, &f1[0])), Decoded::Pending));
    assert!(matches!(d.decode(&at(2, &f2[0])), Decoded::Pending));
    assert!(matches!(d.decode(&at(3, &f3[0])), Decoded::Pending)); // evicts id 1
    assert_eq!(d.stats().fragments_dropped, 1);
    assert_eq!(d.frags.len(), 2);
    // id 2 and 3 still complete; id 1 does not.
    for f in [&f2, &f3] {
        assert!(matches!(d.decode(&at(4, &f[1])), Decoded::Pending));
        expect_udp(d.decode(&at(5, &f[2])));
    }
    assert!(matches!(d.decode(&at(6, &f1[1])), Decoded::Pending));
    assert!(matches!(d.decode(&at(7, &f1[2])), Decoded::Pending));
    assert_eq!(d.stats().fragments_reassembled, 2);

    // Disabled reassembly drops every fragment.
    let mut d = Decoder::new(DecoderConfig {
        max_fragment_datagrams: 0,
        ..DecoderConfig::default()
    });
    assert!(matches!(d.decode(&at(1, &f1[0])), Decoded::Other));
    assert_eq!(d.stats().fragments_dropped, 1);
}

#[test]
fn fragments_byte_cap() {
    let payload = big_payload(3000);
    let cfg = DecoderConfig {
        max_fragment_bytes: 4000,
        ..DecoderConfig::default()
    };
    let mut d = Decoder::new(cfg);
    let l3 = ipv4_udp(&payload);
    let f1 = fragment(&l3, 1480, 1);
    let f2 = fragment(&l3, 1480, 2);
    assert!(matches!(d.decode(&at(1, &f1[0])), Decoded::Pending));
    assert!(matches!(d.decode(&at(1, &f1[1])), Decoded::Pending)); // 2960 bytes
    assert!(matches!(d.decode(&at(2, &f2[0])), Decoded::Pending)); // evicts id 1
    assert_eq!(d.stats().fragments_dropped, 2);
    assert!(d.frags.buffered_bytes() <= 4000);
    // A single datagram larger than the cap is dropped.
    let mut d = Decoder::new(DecoderConfig {
        max_fragment_bytes: 1000,
        ..DecoderConfig::default()
    });
    assert!(matches!(d.decode(&at(1, &f1[0])), Decoded::Other));
    assert_eq!(d.stats().fragments_dropped, 1);
    assert_eq!(d.frags.buffered_bytes(), 0);
}

#[test]
fn truncated_fragment_is_dropped() {
    let payload = big_payload(3000);
    let frags = fragment(&ipv4_udp(&payload), 1480, 12);
    let mut d = Decoder::default();
    let cut = &frags[0][..100];
    assert!(matches!(d.decode(&at(1, cut)), Decoded::Other));
    let s = d.stats();
    assert_eq!((s.fragments, s.fragments_dropped, s.truncated), (1, 1, 1));
}

#[test]
fn garbage_never_panics() {
    let garbage: Vec<u8> = (0..200u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let mut d = Decoder::default();
    for dlt in [0, 1, 12, 101, 108, 113, 228, 229, 276, 147] {
        for len in 0..garbage.len() {
            let _ = d.decode(&pkt(LinkType::from_dlt(dlt), &garbage[..len]));
        }
    }
    assert_eq!(d.stats().packets, 2000);
}

#[test]
fn decode_error_display() {
    let e = DecodeError {
        layer: "tcp",
        reason: "too short".to_string(),
    };
    assert_eq!(e.to_string(), "malformed tcp: too short");
}

const DLTS: [u32; 10] = [0, 1, 12, 101, 108, 113, 228, 229, 276, 9];

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..256), which in 0usize..DLTS.len()) {
        let mut d = Decoder::default();
        let link = LinkType::from_dlt(DLTS[which]);
        let _ = d.decode(&pkt(link, &data));
        prop_assert_eq!(d.stats().packets, 1);
    }

    /// Arbitrary bytes after a valid link header and IP version nibble, so the deeper
    /// layers get exercised too.
    #[test]
    fn arbitrary_ip_never_panics(mut data in proptest::collection::vec(any::<u8>(), 1..256), v6 in any::<bool>()) {
        data[0] = if v6 { 0x60 | (data[0] & 0x0f) } else { 0x45 };
        let mut d = Decoder::default();
        let _ = d.decode(&pkt(LinkType::Raw, &data));
        let frame = eth(if v6 { 0x86dd } else { 0x0800 }, &data);
        let _ = d.decode(&pkt(LinkType::Ethernet, &frame));
    }

    /// Random fragment soup: never panics, caps always hold.
    #[test]
    fn fragment_soup_respects_caps(
        frags in proptest::collection::vec((0u16..4, 0u16..40, any::<bool>(), 0usize..300, any::<u8>(), 0u64..5_000_000_000), 1..80)
    ) {
        let cfg = DecoderConfig { max_fragment_datagrams: 3, max_fragment_bytes: 1000, fragment_timeout: 1_000_000_000 };
        let mut d = Decoder::new(cfg);
        let hdr = Ipv4Header::new(0, 64, ip_number::UDP, SRC4, DST4).unwrap();
        let mut ts = 0u64;
        for (id, off8, more, len, fill, dt) in frags {
            ts += dt / 10;
            let data = vec![fill; len];
            let p = frag_packet(&hdr, id, usize::from(off8) * 8, more, &data);
            let _ = d.decode(&at(ts, &p));
            prop_assert!(d.frags.len() <= 3);
            prop_assert!(d.frags.buffered_bytes() <= 1000);
        }
    }

    /// Any order of fragments, with duplicates, reassembles the original payload.
    #[test]
    fn fragments_any_order(order in Just((0..6usize).collect::<Vec<_>>()).prop_shuffle(), dup in 0usize..6) {
        let payload = big_payload(2900);
        let frags = fragment(&ipv4_udp(&payload), 496, 77);
        prop_assert_eq!(frags.len(), 6);
        let mut d = Decoder::default();
        let mut seq: Vec<usize> = order.clone();
        let pos = seq.iter().position(|&i| i == dup).unwrap_or(0);
        if pos > 0 { seq.insert(pos - 1, dup); } // duplicate before the original only if not last
        let mut done = None;
        for (n, &i) in seq.iter().enumerate() {
            if let Decoded::Udp(u) = d.decode(&at(n as u64, &frags[i])) {
                done = Some(u.payload.to_vec());
            }
        }
        prop_assert_eq!(done, Some(payload));
        prop_assert_eq!(d.stats().fragments_reassembled, 1);
    }
}
