//! Packets for the hub's pcap export (`GET /entries/pcap`).
//!
//! `mizu read --serve` keeps no packets in memory: [`FileArchive`] re-reads its capture
//! files and copies out the frames of the asked connections (matched by their address
//! pair, both directions), so an export costs nothing until it is asked for and always
//! has every packet the file had. Captures read from stdin cannot be re-read: the hub
//! then says pcap export is unavailable. `mizu tap` keeps recent packets per connection
//! in a [`mizu_agent::packets::PacketRing`] instead ([`RingArchive`]).

use mizu_hub::{ConnKey, PacketArchive, PacketExport};
use mizu_source::pcapng::PcapNgWriter;
use mizu_source::{FileSource, PacketSource};
use mizu_wire::{Decoded, Decoder, DecoderConfig};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Re-reads capture files for pcap export.
pub struct FileArchive {
    pub paths: Vec<PathBuf>,
}

/// Both directions of a connection as one key.
fn pair(a: SocketAddr, b: SocketAddr) -> (SocketAddr, SocketAddr) {
    if a <= b { (a, b) } else { (b, a) }
}

impl PacketArchive for FileArchive {
    fn export(&self, conns: &[ConnKey], max_bytes: u64) -> Result<PacketExport, String> {
        let mut wanted: HashMap<(SocketAddr, SocketAddr), bool> = conns
            .iter()
            .map(|c| (pair(c.client, c.server), false))
            .collect();
        let mut w = PcapNgWriter::new(Vec::new()).map_err(|e| e.to_string())?;
        let mut truncated = false;
        'files: for path in &self.paths {
            let mut src = FileSource::open(path)
                .map_err(|e| format!("re-reading {}: {e}", path.display()))?;
            let mut decoder = Decoder::new(DecoderConfig::default());
            loop {
                let pkt = match src.next_packet() {
                    Ok(Some(p)) => p,
                    Ok(None) => break,
                    // Damage part-way: everything before it was exported.
                    Err(_) => break,
                };
                let key = match decoder.decode(&pkt) {
                    Decoded::Tcp(seg) => pair(seg.src, seg.dst),
                    _ => continue,
                };
                let Some(found) = wanted.get_mut(&key) else {
                    continue;
                };
                if w.bytes() + pkt.data.len() as u64 + 64 > max_bytes {
                    truncated = true;
                    break 'files;
                }
                *found = true;
                w.write(&pkt).map_err(|e| e.to_string())?;
            }
        }
        let packets = w.packets();
        let found = wanted.values().filter(|f| **f).count();
        Ok(PacketExport {
            pcap: w.finish().map_err(|e| e.to_string())?,
            found,
            missing: wanted.len() - found,
            partial: 0,
            packets,
            truncated,
        })
    }
}

/// `mizu tap`'s packets: the ring the capture loop fills.
pub struct RingArchive(pub std::sync::Arc<std::sync::Mutex<mizu_agent::packets::PacketRing>>);

impl PacketArchive for RingArchive {
    fn export(&self, conns: &[ConnKey], max_bytes: u64) -> Result<PacketExport, String> {
        let pairs: Vec<(SocketAddr, SocketAddr)> =
            conns.iter().map(|c| (c.client, c.server)).collect();
        let e = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .export(&pairs, max_bytes);
        Ok(PacketExport {
            pcap: e.pcap,
            found: e.found,
            missing: e.missing,
            partial: e.partial,
            packets: e.packets,
            truncated: e.truncated,
        })
    }
}
