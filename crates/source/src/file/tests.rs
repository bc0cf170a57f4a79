//! Tests for [`FileSource`]: pcap files written with `pcap-file`, pcapng files
//! built byte by byte, and broken inputs.
#![allow(clippy::unwrap_used)]

use std::io::Cursor;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::{DataLink, Endianness, TsResolution};
use proptest::prelude::*;

use super::*;
use crate::SourceErrorKind;

fn source(bytes: Vec<u8>) -> Result<FileSource, SourceError> {
    FileSource::from_reader("x.pcap".to_string(), Box::new(Cursor::new(bytes)))
}

/// Reads every packet: (ts, link, data, orig_len), then the final result.
type Pkt = (Nanos, LinkType, Vec<u8>, u32);
fn read_all(src: &mut FileSource) -> (Vec<Pkt>, Result<(), SourceError>) {
    let mut out = Vec::new();
    loop {
        match src.next_packet() {
            Ok(Some(p)) => out.push((p.ts, p.link, p.data.to_vec(), p.orig_len)),
            Ok(None) => return (out, Ok(())),
            Err(e) => return (out, Err(e)),
        }
    }
}

fn frames() -> Vec<Vec<u8>> {
    (0..3u8)
        .map(|i| {
            (0..(60 + usize::from(i) * 7))
                .map(|j| j as u8 ^ i)
                .collect()
        })
        .collect()
}

fn write_pcap(res: TsResolution, endianness: Endianness, datalink: DataLink) -> Vec<u8> {
    let header = PcapHeader {
        ts_resolution: res,
        endianness,
        datalink,
        snaplen: 65535,
        ..PcapHeader::default()
    };
    let mut w = PcapWriter::with_header(Vec::new(), header).unwrap();
    for (i, f) in frames().iter().enumerate() {
        let ts = Duration::new(1_700_000_000 + i as u64, 123_456_789);
        w.write_packet(&PcapPacket::new(ts, f.len() as u32 + 10, f))
            .unwrap();
    }
    w.into_writer()
}

#[test]
fn pcap_microseconds_little_endian() {
    let bytes = write_pcap(
        TsResolution::MicroSecond,
        Endianness::Little,
        DataLink::ETHERNET,
    );
    assert_eq!(&bytes[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
    let mut src = source(bytes).unwrap();
    let (pkts, end) = read_all(&mut src);
    end.unwrap();
    assert_eq!(pkts.len(), 3);
    for (i, (p, f)) in pkts.iter().zip(frames()).enumerate() {
        assert_eq!(
            p.0,
            (1_700_000_000 + i as u64) * 1_000_000_000 + 123_456_000
        );
        assert_eq!(p.1, LinkType::Ethernet);
        assert_eq!(p.2, f);
        assert_eq!(p.3, f.len() as u32 + 10);
    }
    let s = src.stats();
    assert_eq!(s.packets, 3);
    assert_eq!(
        s.bytes,
        frames().iter().map(|f| f.len() as u64).sum::<u64>()
    );
    assert_eq!(src.name(), "x.pcap");
    // Fused after the end.
    assert!(src.next_packet().unwrap().is_none());
}

#[test]
fn pcap_nanoseconds_big_endian() {
    let bytes = write_pcap(TsResolution::NanoSecond, Endianness::Big, DataLink::RAW);
    assert_eq!(&bytes[..4], &[0xa1, 0xb2, 0x3c, 0x4d]);
    let mut src = source(bytes).unwrap();
    let (pkts, end) = read_all(&mut src);
    end.unwrap();
    assert_eq!(pkts.len(), 3);
    assert_eq!(pkts[2].0, 1_700_000_002 * 1_000_000_000 + 123_456_789);
    assert_eq!(pkts[2].1, LinkType::Raw);
    assert_eq!(pkts[2].2, frames()[2]);
}

#[test]
fn pcap_other_combinations() {
    for (res, end, dl, lt) in [
        (
            TsResolution::MicroSecond,
            Endianness::Big,
            DataLink::LINUX_SLL,
            LinkType::LinuxSll,
        ),
        (
            TsResolution::NanoSecond,
            Endianness::Little,
            DataLink::NULL,
            LinkType::Null,
        ),
        (
            TsResolution::NanoSecond,
            Endianness::Little,
            DataLink::LINUX_SLL2,
            LinkType::LinuxSll2,
        ),
    ] {
        let mut src = source(write_pcap(res, end, dl)).unwrap();
        let (pkts, r) = read_all(&mut src);
        r.unwrap();
        assert_eq!(pkts.len(), 3);
        assert!(pkts.iter().all(|p| p.1 == lt));
    }
}

/// A pcap header by hand.
fn pcap_header(magic: u32, big: bool, linktype: u32) -> Vec<u8> {
    let mut v = Vec::new();
    let w32 = |v: &mut Vec<u8>, x: u32| {
        v.extend_from_slice(&if big {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        })
    };
    w32(&mut v, magic);
    v.extend_from_slice(&if big { [0, 2, 0, 4] } else { [2, 0, 4, 0] });
    w32(&mut v, 0);
    w32(&mut v, 0);
    w32(&mut v, 262144);
    w32(&mut v, linktype);
    v
}

fn pcap_record(v: &mut Vec<u8>, big: bool, sec: u32, frac: u32, data: &[u8], orig: u32) {
    for x in [sec, frac, data.len() as u32, orig] {
        v.extend_from_slice(&if big {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        });
    }
    v.extend_from_slice(data);
}

#[test]
fn pcap_fcs_bits_and_modified_format() {
    // Link type with FCS-length bits set in the upper nibble.
    let mut v = pcap_header(PCAP_MAGIC_US, true, 0x1000_0000 | 1);
    pcap_record(&mut v, true, 1, 2, b"abc", 3);
    let mut src = source(v).unwrap();
    let p = src.next_packet().unwrap().unwrap();
    assert_eq!(p.link, LinkType::Ethernet);
    assert_eq!(p.ts, 1_000_002_000);

    // Modified pcap (a1b2cd34): 24-byte records.
    let mut v = pcap_header(PCAP_MAGIC_MODIFIED, false, 1);
    for x in [5u32, 6, 2, 2] {
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.extend_from_slice(&[9; 8]);
    v.extend_from_slice(b"hi");
    let mut src = source(v).unwrap();
    let (pkts, r) = read_all(&mut src);
    r.unwrap();
    assert_eq!(
        pkts,
        vec![(5_000_006_000, LinkType::Ethernet, b"hi".to_vec(), 2)]
    );
}

// ---------- pcapng, built by hand ----------

struct Ng {
    big: bool,
    out: Vec<u8>,
}

impl Ng {
    fn new(big: bool) -> Ng {
        Ng {
            big,
            out: Vec::new(),
        }
    }
    fn u16(&self, x: u16) -> [u8; 2] {
        if self.big {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        }
    }
    fn u32(&self, x: u32) -> [u8; 4] {
        if self.big {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        }
    }
    fn u64(&self, x: u64) -> [u8; 8] {
        if self.big {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        }
    }
    fn block(&mut self, btype: u32, body: &[u8]) {
        let mut body = body.to_vec();
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
        let total = body.len() as u32 + 12;
        let (t, l) = (self.u32(btype), self.u32(total));
        self.out.extend_from_slice(&t);
        self.out.extend_from_slice(&l);
        self.out.extend_from_slice(&body);
        self.out.extend_from_slice(&l);
    }
    fn option(&self, body: &mut Vec<u8>, code: u16, value: &[u8]) {
        body.extend_from_slice(&self.u16(code));
        body.extend_from_slice(&self.u16(value.len() as u16));
        body.extend_from_slice(value);
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
    }
    fn shb(&mut self) {
        let mut body = Vec::new();
        body.extend_from_slice(&self.u32(0x1a2b_3c4d));
        body.extend_from_slice(&self.u16(1));
        body.extend_from_slice(&self.u16(0));
        body.extend_from_slice(&self.u64(u64::MAX));
        self.option(&mut body, 4, b"mizu test"); // shb_userappl
        body.extend_from_slice(&[0; 4]); // opt_endofopt
        self.block(0x0a0d_0d0a, &body);
    }
    fn idb(&mut self, link: u16, snaplen: u32, tsresol: Option<u8>, tsoffset: Option<i64>) {
        let mut body = Vec::new();
        body.extend_from_slice(&self.u16(link));
        body.extend_from_slice(&self.u16(0));
        body.extend_from_slice(&self.u32(snaplen));
        self.option(&mut body, 2, b"eth0"); // if_name
        if let Some(r) = tsresol {
            self.option(&mut body, 9, &[r]);
        }
        if let Some(o) = tsoffset {
            let v = self.u64(o as u64);
            self.option(&mut body, 14, &v);
        }
        body.extend_from_slice(&[0; 4]);
        self.block(1, &body);
    }
    fn epb(&mut self, iface: u32, ticks: u64, data: &[u8], orig: u32) {
        let mut body = Vec::new();
        body.extend_from_slice(&self.u32(iface));
        body.extend_from_slice(&self.u32((ticks >> 32) as u32));
        body.extend_from_slice(&self.u32(ticks as u32));
        body.extend_from_slice(&self.u32(data.len() as u32));
        body.extend_from_slice(&self.u32(orig));
        body.extend_from_slice(data);
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
        self.option(&mut body, 1, b"a comment");
        body.extend_from_slice(&[0; 4]);
        self.block(6, &body);
    }
    fn pb(&mut self, iface: u16, ticks: u64, data: &[u8]) {
        let mut body = Vec::new();
        body.extend_from_slice(&self.u16(iface));
        body.extend_from_slice(&self.u16(0));
        body.extend_from_slice(&self.u32((ticks >> 32) as u32));
        body.extend_from_slice(&self.u32(ticks as u32));
        body.extend_from_slice(&self.u32(data.len() as u32));
        body.extend_from_slice(&self.u32(data.len() as u32));
        body.extend_from_slice(data);
        self.block(2, &body);
    }
    fn spb(&mut self, orig: u32, data: &[u8]) {
        let mut body = self.u32(orig).to_vec();
        body.extend_from_slice(data);
        self.block(3, &body);
    }
    fn isb(&mut self, iface: u32, ifdrop: u64) {
        let mut body = Vec::new();
        body.extend_from_slice(&self.u32(iface));
        body.extend_from_slice(&self.u32(0));
        body.extend_from_slice(&self.u32(0));
        let v = self.u64(ifdrop);
        self.option(&mut body, 5, &v);
        body.extend_from_slice(&[0; 4]);
        self.block(5, &body);
    }
}

#[test]
fn pcapng_two_interfaces_and_sections() {
    let mut ng = Ng::new(false);
    ng.shb();
    ng.idb(1, 65535, None, None); // Ethernet, default µs
    ng.idb(101, 0, Some(9), None); // raw IP, ns
    ng.block(4, &[0, 0, 0, 0]); // name resolution block: skipped
    ng.block(0x0bad_cafe, &[1, 2, 3, 4, 5, 6, 7, 8]); // unknown: skipped
    ng.epb(0, 1_700_000_000_123_456, b"eth-frame", 100);
    ng.epb(1, 1_700_000_000_123_456_789, b"raw-ip-packet", 13);
    ng.isb(0, 5);
    ng.isb(1, 2);
    ng.isb(0, 7); // the latest counter wins
    ng.pb(1, 42, b"obsolete");
    ng.spb(13, b"simple-packet");
    let mut second = Ng::new(true);
    second.shb();
    second.idb(113, 4, Some(0x80 | 20), Some(10)); // SLL, 2^-20 s, +10 s, snaplen 4
    second.idb(276, 0, Some(3), None); // SLL2, ms
    second.epb(0, 3 << 20, b"cooked", 6); // 3 s + 10 s offset
    second.epb(1, 5, b"cooked2", 7); // 5 ms
    second.spb(10, b"snapped-by-idb"); // snaplen of interface 0 is 4
    second.isb(1, 100);
    ng.out.extend_from_slice(&second.out);

    let mut src =
        FileSource::from_reader("a.pcapng".into(), Box::new(Cursor::new(ng.out))).unwrap();
    let (pkts, end) = read_all(&mut src);
    end.unwrap();
    let expect: Vec<Pkt> = vec![
        (
            1_700_000_000_123_456_000,
            LinkType::Ethernet,
            b"eth-frame".to_vec(),
            100,
        ),
        (
            1_700_000_000_123_456_789,
            LinkType::Raw,
            b"raw-ip-packet".to_vec(),
            13,
        ),
        (42, LinkType::Raw, b"obsolete".to_vec(), 8),
        // SPB: interface 0, timestamp of the previous packet; padding dropped.
        (42, LinkType::Ethernet, b"simple-packet".to_vec(), 13),
        (13_000_000_000, LinkType::LinuxSll, b"cooked".to_vec(), 6),
        (5_000_000, LinkType::LinuxSll2, b"cooked2".to_vec(), 7),
        (5_000_000, LinkType::LinuxSll, b"snap".to_vec(), 10),
    ];
    assert_eq!(pkts, expect);
    let s = src.stats();
    assert_eq!(s.packets, 7);
    assert_eq!(s.dropped, 7 + 2 + 100);
}

#[test]
fn pcapng_big_endian_first() {
    let mut ng = Ng::new(true);
    ng.shb();
    ng.idb(1, 0, Some(6), None);
    ng.epb(0, 1_000_001, b"x", 1);
    let mut src = source(ng.out).unwrap();
    let p = src.next_packet().unwrap().unwrap();
    assert_eq!(p.ts, 1_000_001_000);
    assert_eq!(p.data, b"x");
}

#[test]
fn pcapng_errors() {
    // Packet of an interface that was never described.
    let mut ng = Ng::new(false);
    ng.shb();
    ng.idb(1, 0, None, None);
    ng.epb(0, 1, b"ok", 2);
    ng.epb(3, 1, b"bad", 3);
    let mut src = source(ng.out).unwrap();
    let (pkts, end) = read_all(&mut src);
    assert_eq!(pkts.len(), 1);
    let e = end.unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::Corrupt);
    assert_eq!(
        e.to_string(),
        "x.pcap: corrupt capture after packet 1: packet refers to interface 3, but the section \
         describes 1; the packets before it were read"
    );
    assert!(src.next_packet().unwrap().is_none());

    // Cut in the middle of a block.
    let mut ng = Ng::new(false);
    ng.shb();
    ng.idb(1, 0, None, None);
    ng.epb(0, 1, b"ok", 2);
    ng.epb(0, 1, &[7; 100], 100);
    let cut = ng.out.len() - 50;
    ng.out.truncate(cut);
    let mut src = source(ng.out).unwrap();
    let (pkts, end) = read_all(&mut src);
    assert_eq!(pkts.len(), 1);
    let e = end.unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::Truncated);
    assert!(
        matches!(
            e,
            SourceError::Truncated {
                packets: 1,
                needed: 152,
                left: 102,
                ..
            }
        ),
        "{e}"
    );

    // Block length not a multiple of 4.
    let mut ng = Ng::new(false);
    ng.shb();
    ng.out.extend_from_slice(&[6, 0, 0, 0, 13, 0, 0, 0]);
    let mut src = source(ng.out).unwrap();
    assert_eq!(
        src.next_packet().unwrap_err().kind(),
        SourceErrorKind::Corrupt
    );

    // Bad byte-order magic.
    let mut v = PCAPNG_SHB.to_vec();
    v.extend_from_slice(&[28, 0, 0, 0, 1, 2, 3, 4]);
    v.extend_from_slice(&[0; 16]);
    assert_eq!(source(v).unwrap_err().kind(), SourceErrorKind::Corrupt);

    // Section header cut short.
    let v = [0x0a, 0x0d, 0x0d, 0x0a, 28, 0].to_vec();
    let e = source(v).unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::Truncated);
    assert!(e.to_string().contains("before the first packet"), "{e}");
}

#[test]
fn tsresol_conversions() {
    let ts = |opt: u8, ticks: u64| {
        Iface {
            link: LinkType::Ethernet,
            snaplen: 0,
            res: TsRes::from_option(opt),
            offset_ns: 0,
        }
        .ts(ticks)
    };
    assert_eq!(ts(6, 5), 5_000);
    assert_eq!(ts(9, 5), 5);
    assert_eq!(ts(0, 5), 5_000_000_000);
    assert_eq!(ts(12, 5_000), 5);
    assert_eq!(ts(0x80 | 10, 1024), 1_000_000_000);
    assert_eq!(ts(0x80 | 30, 1 << 30), 1_000_000_000);
    assert_eq!(ts(0x80, 1), 1_000_000_000);
    // Extreme values saturate instead of overflowing.
    assert_eq!(ts(0, u64::MAX), u64::MAX);
    assert!(ts(127, u64::MAX) <= 1);
    assert_eq!(ts(0xff, u64::MAX), 0);
}

// ---------- broken inputs ----------

#[test]
fn empty_file() {
    let e = source(Vec::new()).unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::Empty);
    assert_eq!(
        e.to_string(),
        "x.pcap: file is empty (0 bytes); capture with tcpdump -w FILE first"
    );
}

#[test]
fn random_bytes_and_text() {
    let e = source(vec![0x13, 0x37, 0, 1, 2, 3, 4, 5, 6, 7]).unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::NotACapture);
    assert!(e.to_string().contains("(first bytes 13 37 00 01)"), "{e}");

    let e = FileSource::from_reader(
        "capture.txt".into(),
        Box::new(Cursor::new(b"HTTP/1.1 200 OK\r\n\r\n".to_vec())),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "capture.txt: not a pcap or pcapng file (first bytes 48 54 54 50); give a file written by \
         tcpdump -w or Wireshark"
    );
    let e = source(b"ab".to_vec()).unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::NotACapture);
    assert!(e.to_string().contains("(first bytes 61 62)"));
}

#[test]
fn cut_mid_packet_returns_earlier_packets_then_truncated() {
    let bytes = write_pcap(
        TsResolution::MicroSecond,
        Endianness::Little,
        DataLink::ETHERNET,
    );
    let third_len = frames()[2].len();
    let cut = bytes.len() - third_len + 20; // 20 bytes of the third packet's data
    let mut src = source(bytes[..cut].to_vec()).unwrap();
    let (pkts, end) = read_all(&mut src);
    assert_eq!(pkts.len(), 2);
    let e = end.unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::Truncated);
    assert_eq!(
        e.to_string(),
        format!(
            "x.pcap: file truncated after packet 2 (needed {third_len} bytes, 20 left); the \
             packets before it were read"
        )
    );
    assert!(src.next_packet().unwrap().is_none());
    assert_eq!(src.stats().packets, 2);
}

#[test]
fn cut_mid_record_header() {
    let bytes = write_pcap(
        TsResolution::MicroSecond,
        Endianness::Big,
        DataLink::ETHERNET,
    );
    let third_len = frames()[2].len();
    let cut = bytes.len() - third_len - 16 + 7; // 7 bytes of the third record header
    let mut src = source(bytes[..cut].to_vec()).unwrap();
    let (pkts, end) = read_all(&mut src);
    assert_eq!(pkts.len(), 2);
    let e = end.unwrap_err();
    assert!(
        matches!(
            e,
            SourceError::Truncated {
                packets: 2,
                needed: 16,
                left: 7,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn cut_mid_file_header() {
    let bytes = write_pcap(
        TsResolution::MicroSecond,
        Endianness::Big,
        DataLink::ETHERNET,
    );
    let e = source(bytes[..10].to_vec()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "x.pcap: file truncated before the first packet (needed 24 bytes, 10 left); no packets \
         could be read"
    );
}

#[test]
fn absurd_capture_length_is_corrupt() {
    let mut v = pcap_header(PCAP_MAGIC_US, false, 1);
    pcap_record(&mut v, false, 1, 1, b"ok", 2);
    for x in [1u32, 1, u32::MAX, u32::MAX] {
        v.extend_from_slice(&x.to_le_bytes());
    }
    let mut src = source(v).unwrap();
    let (pkts, end) = read_all(&mut src);
    assert_eq!(pkts.len(), 1);
    let e = end.unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::Corrupt);
    assert!(e.to_string().contains("4294967295 captured bytes"), "{e}");
}

#[test]
fn open_files() {
    let e = FileSource::open(Path::new("/nonexistent/dir/x.pcap")).unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::Io);
    let msg = e.to_string();
    assert!(
        msg.starts_with("/nonexistent/dir/x.pcap: cannot open: "),
        "{msg}"
    );
    assert!(!msg.contains('\n'));

    let dir = std::env::temp_dir().join(format!("mizu-source-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ok.pcap");
    std::fs::write(
        &path,
        write_pcap(
            TsResolution::NanoSecond,
            Endianness::Little,
            DataLink::ETHERNET,
        ),
    )
    .unwrap();
    let mut src = FileSource::open(&path).unwrap();
    assert_eq!(src.name(), path.display().to_string());
    let (pkts, end) = read_all(&mut src);
    end.unwrap();
    assert_eq!(pkts.len(), 3);
    let empty = dir.join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(
        FileSource::open(&empty).unwrap_err().kind(),
        SourceErrorKind::Empty
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A reader that fails after some bytes.
struct Failing(usize);
impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0 == 0 {
            return Err(io::Error::other("disk on fire"));
        }
        let n = buf.len().min(self.0);
        for b in &mut buf[..n] {
            *b = 0xd4;
        }
        self.0 -= n;
        Ok(n)
    }
}

#[test]
fn io_errors_name_the_source() {
    let e = FileSource::from_reader("dev.pcap".into(), Box::new(Failing(0))).unwrap_err();
    assert_eq!(e.kind(), SourceErrorKind::Io);
    assert_eq!(
        e.to_string(),
        "dev.pcap: read error: disk on fire; check the path and its permissions"
    );
}

#[test]
fn decodes_end_to_end() {
    let b = etherparse::PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .tcp(40000, 80, 1, 1000);
    let mut frame = Vec::new();
    b.write(&mut frame, b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let mut v = pcap_header(PCAP_MAGIC_NS, false, 1);
    pcap_record(&mut v, false, 7, 9, &frame, frame.len() as u32);
    let mut src = source(v).unwrap();
    let mut dec = mizu_wire::Decoder::default();
    let p = src.next_packet().unwrap().unwrap();
    match dec.decode(&p) {
        mizu_wire::Decoded::Tcp(t) => {
            assert_eq!(t.payload, b"GET / HTTP/1.1\r\n\r\n");
            assert_eq!(t.ts, 7_000_000_009);
        }
        other => panic!("{other:?}"),
    }
}

proptest! {
    /// Arbitrary bytes after valid pcap / pcapng headers never panic.
    #[test]
    fn arbitrary_records_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..512), ng in any::<bool>(), big in any::<bool>()) {
        let mut v = if ng {
            let mut n = Ng::new(big);
            n.shb();
            n.idb(1, 0, None, None);
            n.out
        } else {
            pcap_header(PCAP_MAGIC_US, big, 1)
        };
        v.extend_from_slice(&tail);
        let mut src = source(v).unwrap();
        let mut count = 0;
        while let Ok(Some(_)) = src.next_packet() {
            count += 1;
            prop_assert!(count < 1000);
        }
    }

    /// Arbitrary whole inputs never panic.
    #[test]
    fn arbitrary_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(mut src) = source(data) {
            while let Ok(Some(_)) = src.next_packet() {}
        }
    }
}

// ---------- reading through the window in tiny pieces ----------

/// A reader that hands out 1..=7 bytes per `read` and sometimes fails with
/// `Interrupted`, driven by a xorshift generator.
struct Trickle {
    data: Vec<u8>,
    at: usize,
    rng: u64,
}

/// Counts the `read` calls of a reader.
struct Counted<R>(R, Arc<AtomicU64>);

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.1.fetch_add(1, Ordering::Relaxed);
        self.0.read(buf)
    }
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        if self.rng.is_multiple_of(13) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = (1 + (self.rng >> 8) % 7) as usize;
        let n = n.min(buf.len()).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Frames of varied sizes, two of them larger than the initial window.
fn window_frames() -> Vec<Vec<u8>> {
    let sizes = [
        60,
        1514,
        WINDOW + 12_345,
        0,
        61,
        WINDOW - 3,
        9000,
        2 * WINDOW + 7,
        62,
    ];
    sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| (0..n).map(|j| (j * 31 + i * 7) as u8).collect())
        .collect()
}

/// Reads `bytes` normally and in tiny pieces; both must give the same packets,
/// stats and end; returns the packets.
fn read_both_ways(bytes: &[u8], seed: u64) -> Vec<Pkt> {
    let mut normal = source(bytes.to_vec()).unwrap();
    let (want, end) = read_all(&mut normal);
    end.unwrap();
    let trickle = Trickle {
        data: bytes.to_vec(),
        at: 0,
        rng: seed,
    };
    let calls = Arc::new(AtomicU64::new(0));
    let mut tiny = FileSource::from_reader(
        "x.pcap".into(),
        Box::new(Counted(trickle, Arc::clone(&calls))),
    )
    .unwrap();
    let (got, end) = read_all(&mut tiny);
    end.unwrap();
    // It really was read in tiny pieces.
    assert!(calls.load(Ordering::Relaxed) > bytes.len() as u64 / 7);
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            g == w,
            "packet {i} differs ({} vs {} bytes)",
            g.2.len(),
            w.2.len()
        );
    }
    let (s, t) = (normal.stats(), tiny.stats());
    assert_eq!(
        (s.packets, s.bytes, s.dropped),
        (t.packets, t.bytes, t.dropped)
    );
    want
}

#[test]
fn tiny_reads_pcap_match_normal_reads() {
    for (seed, big) in [
        (0x9e37_79b9_7f4a_7c15, false),
        (0x2545_f491_4f6c_dd1d, true),
    ] {
        let header = PcapHeader {
            ts_resolution: TsResolution::NanoSecond,
            endianness: if big {
                Endianness::Big
            } else {
                Endianness::Little
            },
            datalink: DataLink::ETHERNET,
            snaplen: MAX_PACKET as u32,
            ..PcapHeader::default()
        };
        let mut w = PcapWriter::with_header(Vec::new(), header).unwrap();
        for (i, f) in window_frames().iter().enumerate() {
            let ts = Duration::new(1_700_000_000 + i as u64, 5 + i as u32);
            w.write_packet(&PcapPacket::new(ts, f.len() as u32, f))
                .unwrap();
        }
        let pkts = read_both_ways(&w.into_writer(), seed);
        let datas: Vec<Vec<u8>> = pkts.iter().map(|p| p.2.clone()).collect();
        assert_eq!(datas, window_frames());
        assert_eq!(pkts[3].0, 1_700_000_003_000_000_008);
    }
}

#[test]
fn tiny_reads_pcapng_match_normal_reads() {
    use pcap_file::pcapng::PcapNgWriter;
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
    use pcap_file::pcapng::blocks::interface_description::{
        InterfaceDescriptionBlock, InterfaceDescriptionOption,
    };
    use std::borrow::Cow;

    for (seed, endianness) in [(7, Endianness::Little), (0xdead_beef, Endianness::Big)] {
        let mut w = PcapNgWriter::with_endianness(Vec::new(), endianness).unwrap();
        w.write_pcapng_block(InterfaceDescriptionBlock {
            linktype: DataLink::ETHERNET,
            snaplen: 0,
            options: vec![InterfaceDescriptionOption::IfTsResol(9)],
        })
        .unwrap();
        for (i, f) in window_frames().iter().enumerate() {
            w.write_pcapng_block(EnhancedPacketBlock {
                interface_id: 0,
                timestamp: Duration::new(1_700_000_000 + i as u64, 5),
                original_len: f.len() as u32,
                data: Cow::Borrowed(f),
                options: vec![],
            })
            .unwrap();
        }
        let bytes = w.into_inner();
        let pkts = read_both_ways(&bytes, seed);
        let datas: Vec<Vec<u8>> = pkts.iter().map(|p| p.2.clone()).collect();
        assert_eq!(datas, window_frames());
        assert_eq!(pkts[1].0, 1_700_000_001_000_000_005);
    }

    // Hand-built: an unknown block larger than the window (read and discarded),
    // a second section, SPB, PB and ISB around large packets.
    let big_frame: Vec<u8> = (0..WINDOW + 100).map(|j| (j % 251) as u8).collect();
    let mut ng = Ng::new(false);
    ng.shb();
    ng.idb(1, 0, Some(6), None);
    ng.block(0x0bad_cafe, &vec![0x55; 3 * WINDOW + 8]);
    ng.epb(0, 1_000_001, &big_frame, 70_000);
    ng.isb(0, 3);
    ng.spb(5000, &big_frame[..5000]);
    let mut second = Ng::new(true);
    second.shb();
    second.idb(101, 0, Some(9), Some(2));
    second.pb(0, 77, b"obsolete");
    second.block(4, &vec![0; WINDOW]);
    second.epb(0, 1, &big_frame, big_frame.len() as u32);
    ng.out.extend_from_slice(&second.out);
    let pkts = read_both_ways(&ng.out, 42);
    let expect: Vec<Pkt> = vec![
        (1_000_001_000, LinkType::Ethernet, big_frame.clone(), 70_000),
        (
            1_000_001_000,
            LinkType::Ethernet,
            big_frame[..5000].to_vec(),
            5000,
        ),
        (2_000_000_077, LinkType::Raw, b"obsolete".to_vec(), 8),
        (
            2_000_000_001,
            LinkType::Raw,
            big_frame.clone(),
            big_frame.len() as u32,
        ),
    ];
    assert_eq!(pkts, expect);
}

#[test]
fn tiny_reads_keep_truncation_errors() {
    // Cut inside a packet larger than the window.
    let big: Vec<u8> = vec![3; WINDOW + 500];
    let mut v = pcap_header(PCAP_MAGIC_US, false, 1);
    pcap_record(&mut v, false, 1, 1, b"ok", 2);
    pcap_record(&mut v, false, 1, 1, &big, big.len() as u32);
    v.truncate(v.len() - 100);
    let trickle = Trickle {
        data: v,
        at: 0,
        rng: 99,
    };
    let mut src = FileSource::from_reader("x.pcap".into(), Box::new(trickle)).unwrap();
    let (pkts, end) = read_all(&mut src);
    assert_eq!(pkts.len(), 1);
    let e = end.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "x.pcap: file truncated after packet 1 (needed {} bytes, {} left); the packets \
             before it were read",
            WINDOW + 500,
            WINDOW + 400
        )
    );

    // Cut inside an unknown pcapng block larger than the window.
    let mut ng = Ng::new(false);
    ng.shb();
    ng.block(0x0bad_cafe, &vec![1; 2 * WINDOW]);
    ng.out.truncate(ng.out.len() - 10);
    let e = source(ng.out).unwrap().next_packet().unwrap_err();
    assert!(
        matches!(
            e,
            SourceError::Truncated { packets: 0, needed, left, .. }
                if needed == 2 * WINDOW as u64 + 12 && left == 2 * WINDOW as u64 + 2
        ),
        "{e}"
    );
}

#[test]
fn window_grows_only_for_large_records() {
    let mut v = pcap_header(PCAP_MAGIC_US, false, 1);
    for _ in 0..2000 {
        pcap_record(&mut v, false, 1, 1, &[1; 1500], 1500);
    }
    let mut src = source(v).unwrap();
    let (pkts, end) = read_all(&mut src);
    end.unwrap();
    assert_eq!(pkts.len(), 2000);
    assert_eq!(src.win.buf.len(), WINDOW);
}
