//! [`PacketRing`]: the recent packets of each TCP connection, kept so the hub can export
//! the packets behind the entries a filter selects as pcap (`GET /entries/pcap`).
//!
//! Bounded by configuration, never by traffic: one byte budget for everything kept
//! (`max_bytes`, packet bytes plus a fixed per-packet overhead), and a per-connection
//! share (`max_bytes / 16`). A connection over its share loses its oldest packets and is
//! marked partial (an export then starts mid-stream, which `mizu read` picks up at the
//! next message); over the total budget the least recently active connection is
//! dropped whole. What was asked for but is gone is counted in the export, never
//! silent. Non-TCP packets are not kept.

use mizu_source::pcapng::PcapNgWriter;
use mizu_source::{LinkType, Nanos, RawPacket};
use mizu_wire::{Decoded, Decoder, DecoderConfig};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;

/// Bytes accounted per kept packet on top of its data (the record, the deque slot and
/// the allocation's header).
pub const PACKET_OVERHEAD: usize = 64;
/// Bytes accounted per connection (map entries, LRU slot, the deque).
pub const CONN_OVERHEAD: usize = 160;

type Key = (SocketAddr, SocketAddr);

fn key(a: SocketAddr, b: SocketAddr) -> Key {
    if a <= b { (a, b) } else { (b, a) }
}

struct Kept {
    ts: Nanos,
    link: LinkType,
    orig_len: u32,
    data: Box<[u8]>,
}

struct Conn {
    packets: VecDeque<Kept>,
    bytes: usize,
    /// LRU position (a stamp in `lru`).
    stamp: u64,
    /// Older packets of this connection were dropped to stay within its share.
    partial: bool,
}

/// Counters of a [`PacketRing`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RingStats {
    pub connections: usize,
    pub packets: usize,
    /// Bytes accounted (packet data + overheads), at most the budget.
    pub bytes: usize,
    pub budget: usize,
    /// Connections dropped whole to stay within the budget.
    pub evicted_connections: u64,
    /// Packets dropped from connections over their share.
    pub trimmed_packets: u64,
}

/// What an export found.
#[derive(Clone, Debug, Default)]
pub struct RingExport {
    pub pcap: Vec<u8>,
    pub found: usize,
    pub missing: usize,
    /// Found, but their oldest packets had been dropped.
    pub partial: usize,
    pub packets: u64,
    pub truncated: bool,
}

/// The recent packets per TCP connection.
pub struct PacketRing {
    decoder: Decoder,
    conns: HashMap<Key, Conn>,
    lru: BTreeMap<u64, Key>,
    next_stamp: u64,
    bytes: usize,
    budget: usize,
    per_conn: usize,
    evicted: u64,
    trimmed: u64,
}

impl PacketRing {
    /// A ring of at most `max_bytes` (0: keeps nothing).
    pub fn new(max_bytes: usize) -> PacketRing {
        PacketRing {
            // The 4-tuple is all a packet is needed for: no fragment reassembly.
            decoder: Decoder::new(DecoderConfig {
                max_fragment_datagrams: 0,
                ..DecoderConfig::default()
            }),
            conns: HashMap::new(),
            lru: BTreeMap::new(),
            next_stamp: 0,
            bytes: 0,
            budget: max_bytes,
            per_conn: (max_bytes / 16).max(1),
            evicted: 0,
            trimmed: 0,
        }
    }

    pub fn stats(&self) -> RingStats {
        RingStats {
            connections: self.conns.len(),
            packets: self.conns.values().map(|c| c.packets.len()).sum(),
            bytes: self.bytes,
            budget: self.budget,
            evicted_connections: self.evicted,
            trimmed_packets: self.trimmed,
        }
    }

    /// Keeps a packet if it is TCP.
    pub fn push(&mut self, pkt: &RawPacket<'_>) {
        if self.budget == 0 {
            return;
        }
        let k = match self.decoder.decode(pkt) {
            Decoded::Tcp(seg) => key(seg.src, seg.dst),
            _ => return,
        };
        let cost = pkt.data.len() + PACKET_OVERHEAD;
        if cost + CONN_OVERHEAD > self.per_conn {
            return;
        }
        let newest = self.next_stamp;
        let conn = match self.conns.get_mut(&k) {
            // Already the most recently active (a connection's packets usually come in
            // runs): its place in the LRU order would not change.
            Some(c) if c.stamp == newest => c,
            Some(c) => {
                self.lru.remove(&c.stamp);
                self.next_stamp += 1;
                c.stamp = self.next_stamp;
                self.lru.insert(c.stamp, k);
                c
            }
            None => {
                self.next_stamp += 1;
                self.bytes += CONN_OVERHEAD;
                self.lru.insert(self.next_stamp, k);
                self.conns.entry(k).or_insert(Conn {
                    packets: VecDeque::new(),
                    bytes: CONN_OVERHEAD,
                    stamp: self.next_stamp,
                    partial: false,
                })
            }
        };
        conn.packets.push_back(Kept {
            ts: pkt.ts,
            link: pkt.link,
            orig_len: pkt.orig_len,
            data: pkt.data.into(),
        });
        conn.bytes += cost;
        self.bytes += cost;
        while conn.bytes > self.per_conn {
            let Some(old) = conn.packets.pop_front() else {
                break;
            };
            let c = old.data.len() + PACKET_OVERHEAD;
            conn.bytes -= c;
            self.bytes -= c;
            conn.partial = true;
            self.trimmed += 1;
        }
        while self.bytes > self.budget {
            let Some((_, oldest)) = self.lru.pop_first() else {
                break;
            };
            if let Some(c) = self.conns.remove(&oldest) {
                self.bytes -= c.bytes;
                self.evicted += 1;
            }
        }
    }

    /// A pcapng of the kept packets of these connections (by client/server address, both
    /// directions), in capture order, at most `max_bytes`.
    pub fn export(&self, conns: &[(SocketAddr, SocketAddr)], max_bytes: u64) -> RingExport {
        let mut out = RingExport::default();
        let mut wanted: Vec<Key> = conns.iter().map(|(a, b)| key(*a, *b)).collect();
        wanted.sort();
        wanted.dedup();
        let mut packets: Vec<&Kept> = Vec::new();
        for k in &wanted {
            match self.conns.get(k) {
                Some(c) if !c.packets.is_empty() => {
                    out.found += 1;
                    out.partial += usize::from(c.partial);
                    packets.extend(c.packets.iter());
                }
                _ => out.missing += 1,
            }
        }
        packets.sort_by_key(|p| p.ts);
        let Ok(mut w) = PcapNgWriter::new(Vec::new()) else {
            return out;
        };
        for p in packets {
            if w.bytes() + p.data.len() as u64 + 64 > max_bytes {
                out.truncated = true;
                break;
            }
            let raw = RawPacket {
                ts: p.ts,
                link: p.link,
                data: &p.data,
                orig_len: p.orig_len,
            };
            if w.write(&raw).is_err() {
                break;
            }
        }
        out.packets = w.packets();
        out.pcap = w.finish().unwrap_or_default();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(sport: u16, dport: u16, payload_len: usize) -> Vec<u8> {
        // Port 80 is the server at 10.0.0.2; its replies go back to 10.0.0.1.
        let (s, d) = if sport == 80 { (2, 1) } else { (1, 2) };
        let total = 40 + payload_len;
        let mut p = vec![0u8; 14];
        p[12] = 0x08; // IPv4
        p.extend_from_slice(&[
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0x40,
            0,
            64,
            6,
            0,
            0,
            10,
            0,
            0,
            s,
            10,
            0,
            0,
            d,
        ]);
        p.extend_from_slice(&sport.to_be_bytes());
        p.extend_from_slice(&dport.to_be_bytes());
        p.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
        p.extend(std::iter::repeat_n(b'x', payload_len));
        p
    }

    fn push(r: &mut PacketRing, ts: Nanos, sport: u16, dport: u16, len: usize) {
        let f = frame(sport, dport, len);
        r.push(&RawPacket {
            ts,
            link: LinkType::Ethernet,
            data: &f,
            orig_len: f.len() as u32,
        });
    }

    fn sa(port: u16, last: u8) -> SocketAddr {
        SocketAddr::from(([10, 0, 0, last], port))
    }

    #[test]
    fn keeps_both_directions_and_exports_in_capture_order() {
        let mut r = PacketRing::new(1 << 20);
        push(&mut r, 1, 5000, 80, 10);
        push(&mut r, 2, 6000, 80, 10);
        push(&mut r, 3, 80, 5000, 10); // a reply: src/dst swapped (same addresses)
        let e = r.export(
            &[(sa(5000, 1), sa(80, 2)), (sa(7000, 1), sa(80, 2))],
            u64::MAX,
        );
        assert_eq!((e.found, e.missing, e.partial, e.packets), (1, 1, 0, 2));
        let (_, recs) = {
            let mut src = mizu_source::FileSource::from_reader(
                "export".into(),
                Box::new(std::io::Cursor::new(e.pcap)),
            )
            .expect("pcapng");
            let mut ts = Vec::new();
            while let Ok(Some(p)) = mizu_source::PacketSource::next_packet(&mut src) {
                ts.push(p.ts);
            }
            ((), ts)
        };
        assert_eq!(recs, [1, 3]);
    }

    #[test]
    fn the_least_recently_active_connection_goes_first() {
        // Sixteen one-packet connections fill the budget exactly (each its full share).
        let per = frame(1, 80, 100).len() + PACKET_OVERHEAD + CONN_OVERHEAD;
        let mut r = PacketRing::new(16 * per);
        push(&mut r, 0, 1000, 80, 100);
        push(&mut r, 1, 1000, 80, 100); // a run on one connection
        for i in 1..16u16 {
            push(&mut r, u64::from(i) + 1, 1000 + i, 80, 100);
        }
        push(&mut r, 20, 1000, 80, 100); // 1000 the newest again: 1001 is now the oldest
        assert_eq!(r.stats().evicted_connections, 0, "{:?}", r.stats());
        push(&mut r, 21, 2000, 80, 100);
        let found = |r: &PacketRing, port| r.export(&[(sa(port, 1), sa(80, 2))], u64::MAX).found;
        assert_eq!(r.stats().evicted_connections, 1, "{:?}", r.stats());
        assert_eq!(found(&r, 1001), 0);
        for port in [1000, 1002, 1015, 2000] {
            assert_eq!(found(&r, port), 1, "{port}");
        }
    }

    #[test]
    fn memory_stays_within_the_budget_and_losses_are_counted() {
        let budget = 64 << 10;
        let mut r = PacketRing::new(budget);
        for i in 0..10_000u64 {
            push(&mut r, i, 1000 + (i % 500) as u16, 80, 200);
            assert!(r.stats().bytes <= budget, "at packet {i}: {:?}", r.stats());
        }
        let s = r.stats();
        assert!(s.evicted_connections > 0, "{s:?}");
        // One long connection is cut to its share and marked partial.
        let mut r = PacketRing::new(budget);
        for i in 0..1000u64 {
            push(&mut r, i, 4000, 80, 500);
        }
        assert!(r.stats().bytes <= budget / 16);
        assert!(r.stats().trimmed_packets > 0);
        let e = r.export(&[(sa(4000, 1), sa(80, 2))], u64::MAX);
        assert_eq!((e.found, e.partial), (1, 1));
        let e = r.export(&[(sa(4000, 1), sa(80, 2))], 2000);
        assert!(e.truncated && e.pcap.len() <= 2000);
        // Zero keeps nothing.
        let mut r = PacketRing::new(0);
        push(&mut r, 1, 5000, 80, 10);
        assert_eq!(r.stats().packets, 0);
    }
}
