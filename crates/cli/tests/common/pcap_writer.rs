//! A small pcap writer for generated test captures: Ethernet + IPv4 + TCP frames with
//! the sequence numbers tracked per connection, so a test can describe traffic as
//! "client sends these bytes" instead of hand-building packets. Checksums are left 0
//! (mizu does not verify them, like captures taken with checksum offload).
#![allow(dead_code)]

use std::io::{self, Write};
use std::net::SocketAddrV4;

pub const SYN: u8 = 0x02;
pub const ACK: u8 = 0x10;
pub const PSH: u8 = 0x08;
pub const FIN: u8 = 0x01;
pub const RST: u8 = 0x04;

/// Writes a classic pcap (microsecond timestamps, Ethernet link type).
pub struct PcapWriter<W: Write> {
    out: W,
    frame: Vec<u8>,
}

impl<W: Write> PcapWriter<W> {
    pub fn new(mut out: W) -> io::Result<PcapWriter<W>> {
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&4u16.to_le_bytes());
        h.extend_from_slice(&0i32.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&262_144u32.to_le_bytes());
        h.extend_from_slice(&1u32.to_le_bytes());
        out.write_all(&h)?;
        Ok(PcapWriter {
            out,
            frame: Vec::new(),
        })
    }

    /// One TCP segment at capture time `ts_us` (microseconds).
    #[allow(clippy::too_many_arguments)]
    pub fn tcp(
        &mut self,
        ts_us: u64,
        src: SocketAddrV4,
        dst: SocketAddrV4,
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &[u8],
    ) -> io::Result<()> {
        let f = &mut self.frame;
        f.clear();
        f.extend_from_slice(&[0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
        let ip_len = (20 + 20 + payload.len()) as u16;
        f.extend_from_slice(&[0x45, 0]);
        f.extend_from_slice(&ip_len.to_be_bytes());
        f.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
        f.extend_from_slice(&src.ip().octets());
        f.extend_from_slice(&dst.ip().octets());
        f.extend_from_slice(&src.port().to_be_bytes());
        f.extend_from_slice(&dst.port().to_be_bytes());
        f.extend_from_slice(&seq.to_be_bytes());
        f.extend_from_slice(&ack.to_be_bytes());
        f.extend_from_slice(&[0x50, flags]);
        f.extend_from_slice(&65_535u16.to_be_bytes());
        f.extend_from_slice(&[0, 0, 0, 0]);
        f.extend_from_slice(payload);
        let mut rec = [0u8; 16];
        rec[0..4].copy_from_slice(&((ts_us / 1_000_000) as u32).to_le_bytes());
        rec[4..8].copy_from_slice(&((ts_us % 1_000_000) as u32).to_le_bytes());
        rec[8..12].copy_from_slice(&(f.len() as u32).to_le_bytes());
        rec[12..16].copy_from_slice(&(f.len() as u32).to_le_bytes());
        self.out.write_all(&rec)?;
        self.out.write_all(f)
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// One TCP connection's sequence state, for writing its packets in order.
pub struct Conn {
    pub client: SocketAddrV4,
    pub server: SocketAddrV4,
    /// Next sequence number of each side.
    pub cseq: u32,
    pub sseq: u32,
}

impl Conn {
    pub fn new(client: SocketAddrV4, server: SocketAddrV4) -> Conn {
        Conn {
            client,
            server,
            cseq: 1000,
            sseq: 5000,
        }
    }

    /// SYN, SYN-ACK, ACK.
    pub fn handshake<W: Write>(&mut self, w: &mut PcapWriter<W>, ts_us: u64) -> io::Result<()> {
        w.tcp(ts_us, self.client, self.server, self.cseq, 0, SYN, &[])?;
        self.cseq = self.cseq.wrapping_add(1);
        w.tcp(
            ts_us,
            self.server,
            self.client,
            self.sseq,
            self.cseq,
            SYN | ACK,
            &[],
        )?;
        self.sseq = self.sseq.wrapping_add(1);
        w.tcp(
            ts_us,
            self.client,
            self.server,
            self.cseq,
            self.sseq,
            ACK,
            &[],
        )
    }

    /// The client sends `data` in segments of at most `mss` bytes.
    pub fn client_sends<W: Write>(
        &mut self,
        w: &mut PcapWriter<W>,
        ts_us: u64,
        data: &[u8],
        mss: usize,
    ) -> io::Result<()> {
        for part in data.chunks(mss.max(1)) {
            w.tcp(
                ts_us,
                self.client,
                self.server,
                self.cseq,
                self.sseq,
                ACK | PSH,
                part,
            )?;
            self.cseq = self.cseq.wrapping_add(part.len() as u32);
        }
        Ok(())
    }

    /// The server sends `data` in segments of at most `mss` bytes.
    pub fn server_sends<W: Write>(
        &mut self,
        w: &mut PcapWriter<W>,
        ts_us: u64,
        data: &[u8],
        mss: usize,
    ) -> io::Result<()> {
        for part in data.chunks(mss.max(1)) {
            w.tcp(
                ts_us,
                self.server,
                self.client,
                self.sseq,
                self.cseq,
                ACK | PSH,
                part,
            )?;
            self.sseq = self.sseq.wrapping_add(part.len() as u32);
        }
        Ok(())
    }
}
