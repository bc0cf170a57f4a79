//! A small pcapng writer: what `mizu tap --pcap-out FILE` saved, readable by
//! `mizu read`, Wireshark and tcpdump. pcapng (not pcap) because a live capture mixes
//! link types (Ethernet devices, loopback, tun): each gets its own interface block.
//! Timestamps are written in nanoseconds (`if_tsresol` = 9).

use mizu_wire::{LinkType, RawPacket};
use std::io::{self, Write};

/// Writes packets as pcapng.
pub struct PcapNgWriter<W: Write> {
    out: W,
    /// Link types in interface-block order (index = interface id).
    links: Vec<LinkType>,
    packets: u64,
    bytes: u64,
}

fn pad4(n: usize) -> usize {
    (4 - n % 4) % 4
}

impl<W: Write> PcapNgWriter<W> {
    /// Writes the section header.
    pub fn new(mut out: W) -> io::Result<PcapNgWriter<W>> {
        let mut b = Vec::with_capacity(28);
        b.extend_from_slice(&0x0A0D_0D0Au32.to_le_bytes());
        b.extend_from_slice(&28u32.to_le_bytes());
        b.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&(-1i64).to_le_bytes());
        b.extend_from_slice(&28u32.to_le_bytes());
        out.write_all(&b)?;
        Ok(PcapNgWriter {
            out,
            links: Vec::new(),
            packets: 0,
            bytes: 28,
        })
    }

    fn interface(&mut self, link: LinkType) -> io::Result<u32> {
        if let Some(i) = self.links.iter().position(|l| *l == link) {
            return Ok(i as u32);
        }
        // IDB with one option: if_tsresol = 9 (nanoseconds), then opt_endofopt.
        let mut b = Vec::with_capacity(32);
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&32u32.to_le_bytes());
        b.extend_from_slice(&(link.dlt() as u16).to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes()); // snaplen: unlimited
        b.extend_from_slice(&9u16.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&[9, 0, 0, 0]);
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&32u32.to_le_bytes());
        self.out.write_all(&b)?;
        self.bytes += b.len() as u64;
        self.links.push(link);
        Ok(self.links.len() as u32 - 1)
    }

    /// Appends one packet (an Enhanced Packet Block).
    pub fn write(&mut self, pkt: &RawPacket<'_>) -> io::Result<()> {
        let iface = self.interface(pkt.link)?;
        let cap = pkt.data.len();
        let total = 32 + cap + pad4(cap);
        let mut h = Vec::with_capacity(28);
        h.extend_from_slice(&6u32.to_le_bytes());
        h.extend_from_slice(&(total as u32).to_le_bytes());
        h.extend_from_slice(&iface.to_le_bytes());
        h.extend_from_slice(&((pkt.ts >> 32) as u32).to_le_bytes());
        h.extend_from_slice(&(pkt.ts as u32).to_le_bytes());
        h.extend_from_slice(&(cap as u32).to_le_bytes());
        h.extend_from_slice(&pkt.orig_len.max(cap as u32).to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(pkt.data)?;
        self.out.write_all(&[0u8; 3][..pad4(cap)])?;
        self.out.write_all(&(total as u32).to_le_bytes())?;
        self.packets += 1;
        self.bytes += total as u64;
        Ok(())
    }

    /// Bytes written so far (headers included).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Packets written so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FileSource, PacketSource};

    #[test]
    fn written_packets_read_back_with_link_types_and_nanosecond_times() {
        let mut w = PcapNgWriter::new(Vec::new()).expect("header");
        let a = [1u8, 2, 3, 4, 5];
        let b = [0x45u8, 0, 0, 20];
        w.write(&RawPacket {
            ts: 1_700_000_000_123_456_789,
            link: LinkType::Ethernet,
            data: &a,
            orig_len: 60,
        })
        .expect("write");
        w.write(&RawPacket {
            ts: 1_700_000_001_000_000_001,
            link: LinkType::Raw,
            data: &b,
            orig_len: 4,
        })
        .expect("write");
        assert_eq!(w.packets(), 2);
        let bytes = w.finish().expect("finish");
        let mut src = FileSource::from_reader("t".into(), Box::new(std::io::Cursor::new(bytes)))
            .expect("open");
        let p = src.next_packet().expect("read").expect("packet");
        assert_eq!(
            (p.ts, p.link, p.data, p.orig_len),
            (1_700_000_000_123_456_789, LinkType::Ethernet, &a[..], 60)
        );
        let p = src.next_packet().expect("read").expect("packet");
        assert_eq!(
            (p.ts, p.link, p.data),
            (1_700_000_001_000_000_001, LinkType::Raw, &b[..])
        );
        assert!(src.next_packet().expect("read").is_none());
    }
}
