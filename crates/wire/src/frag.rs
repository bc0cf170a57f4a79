//! IPv4 fragment reassembly (RFC 791 with RFC 815 hole tracking).
//!
//! Datagrams in progress are keyed by (source, destination, protocol, identification).
//! Each keeps its payload buffer and a list of *holes* (byte ranges not received yet).
//! A new fragment only fills bytes that are still holes, so on overlap the data that
//! arrived first wins, and a fragment that fills nothing (a duplicate) is discarded.
//!
//! Memory is bounded by [`DecoderConfig`](crate::DecoderConfig): the number of
//! datagrams in progress and their total buffered bytes. When a cap would be
//! exceeded, the oldest datagram (by arrival of its first fragment) is evicted.
//! Datagrams older than the timeout, measured with packet timestamps (never the wall
//! clock), are evicted as packets go by. Every discarded fragment is counted in
//! `fragments_dropped`.
//!
//! A datagram whose fragments disagree on where it ends (two different last
//! fragments, or data past the end) is dropped entirely.

use std::collections::{BTreeMap, HashMap};

use crate::{DecodeStats, DecoderConfig, Nanos};

/// Largest IPv4 payload end offset accepted (total length 65535 minus a 20-byte header).
const MAX_PAYLOAD_END: u32 = 65_515;
/// A datagram split into more fragments than this is dropped (bounds hole-list work).
const MAX_FRAGS_PER_DATAGRAM: u32 = 1024;
/// How many spare buffers are kept for reuse.
const POOL_SIZE: usize = 8;

/// Identifies one IPv4 datagram being reassembled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FragKey {
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub proto: u8,
    pub id: u16,
}

/// One fragment as seen on the wire.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fragment<'a> {
    /// Byte offset of `data` in the datagram payload (fragment offset × 8).
    pub offset: u32,
    /// True if the More Fragments flag is set.
    pub more: bool,
    /// The fragment's payload bytes.
    pub data: &'a [u8],
    /// Packet timestamp.
    pub ts: Nanos,
}

/// What happened to a fragment.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Stored; the datagram is still incomplete.
    Pending,
    /// The datagram is complete; its payload is in [`FragTable::done`].
    Complete,
    /// The fragment (and possibly its datagram) was discarded.
    Dropped,
}

#[derive(Debug)]
struct Datagram {
    /// Creation sequence number (key into `FragTable::order`).
    seq: u64,
    /// Timestamp of the first fragment seen.
    first_ts: Nanos,
    /// Payload received so far; `data.len()` is the highest end offset seen.
    data: Vec<u8>,
    /// Byte ranges `[start, end)` not received yet, sorted.
    holes: Vec<(u32, u32)>,
    /// Payload length, known once the last fragment (MF = 0) arrived.
    end: Option<u32>,
    /// Fragments stored in this datagram.
    frags: u32,
}

/// The table of datagrams being reassembled.
#[derive(Debug, Default)]
pub(crate) struct FragTable {
    map: HashMap<FragKey, Datagram>,
    /// Creation order, for oldest-first eviction and timeouts.
    order: BTreeMap<u64, FragKey>,
    next_seq: u64,
    /// Bytes buffered across all datagrams.
    bytes: usize,
    /// Payload of the datagram most recently completed.
    pub done: Vec<u8>,
    pool: Vec<Vec<u8>>,
}

impl FragTable {
    /// True if no datagram is in progress.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Number of datagrams in progress.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Bytes buffered across all datagrams in progress.
    #[cfg(test)]
    pub fn buffered_bytes(&self) -> usize {
        self.bytes
    }

    /// Evicts every datagram whose first fragment is older than the timeout at `now`.
    pub fn expire(&mut self, now: Nanos, cfg: &DecoderConfig, stats: &mut DecodeStats) {
        while let Some((_, key)) = self.order.first_key_value() {
            let key = *key;
            let Some(dg) = self.map.get(&key) else {
                // Cannot happen (order and map are kept in step); repair and go on.
                self.order.pop_first();
                continue;
            };
            if now.saturating_sub(dg.first_ts) < cfg.fragment_timeout {
                break;
            }
            self.remove(&key, stats);
        }
    }

    /// Removes a datagram, counting its fragments as dropped.
    fn remove(&mut self, key: &FragKey, stats: &mut DecodeStats) {
        if let Some(dg) = self.map.remove(key) {
            self.order.remove(&dg.seq);
            self.bytes = self.bytes.saturating_sub(dg.data.len());
            stats.fragments_dropped += u64::from(dg.frags);
            self.recycle(dg.data);
        }
    }

    /// Evicts the oldest datagram other than `keep`. Returns false if there is none.
    fn evict_oldest(&mut self, keep: &FragKey, stats: &mut DecodeStats) -> bool {
        let victim = self.order.values().find(|k| *k != keep).copied();
        match victim {
            Some(k) => {
                self.remove(&k, stats);
                true
            }
            None => false,
        }
    }

    fn recycle(&mut self, mut buf: Vec<u8>) {
        if self.pool.len() < POOL_SIZE {
            buf.clear();
            self.pool.push(buf);
        }
    }

    /// Adds one fragment. `stats.fragments` is counted by the caller; this counts
    /// `fragments_dropped` and `fragments_reassembled`.
    pub fn add(
        &mut self,
        key: FragKey,
        frag: Fragment<'_>,
        cfg: &DecoderConfig,
        stats: &mut DecodeStats,
    ) -> Outcome {
        let len = u32::try_from(frag.data.len()).unwrap_or(u32::MAX);
        let start = frag.offset;
        let end = start.saturating_add(len);
        if end > MAX_PAYLOAD_END || (len == 0 && frag.more) || cfg.max_fragment_datagrams == 0 {
            stats.fragments_dropped += 1;
            return Outcome::Dropped;
        }

        // Find or create the datagram.
        if !self.map.contains_key(&key) {
            while self.map.len() >= cfg.max_fragment_datagrams {
                if !self.evict_oldest(&key, stats) {
                    break;
                }
            }
            let seq = self.next_seq;
            self.next_seq += 1;
            let data = self.pool.pop().unwrap_or_default();
            self.map.insert(
                key,
                Datagram {
                    seq,
                    first_ts: frag.ts,
                    data,
                    holes: vec![(0, u32::MAX)],
                    end: None,
                    frags: 0,
                },
            );
            self.order.insert(seq, key);
        }

        // Consistency of the datagram's end.
        let Some(dg) = self.map.get(&key) else {
            stats.fragments_dropped += 1;
            return Outcome::Dropped;
        };
        let conflict = match (dg.end, frag.more) {
            (Some(e), false) => e != end,
            (Some(e), true) => end > e,
            // The last fragment must not end before data already received.
            (None, false) => dg.data.len() > end as usize,
            (None, true) => false,
        };
        if conflict || dg.frags >= MAX_FRAGS_PER_DATAGRAM {
            self.remove(&key, stats);
            stats.fragments_dropped += 1;
            return Outcome::Dropped;
        }

        // Memory cap: grow the buffer only if the total stays within bounds.
        let growth = (end as usize).saturating_sub(dg.data.len());
        if growth > 0 {
            while self.bytes.saturating_add(growth) > cfg.max_fragment_bytes {
                if !self.evict_oldest(&key, stats) {
                    break;
                }
            }
            if self.bytes.saturating_add(growth) > cfg.max_fragment_bytes {
                self.remove(&key, stats);
                stats.fragments_dropped += 1;
                return Outcome::Dropped;
            }
        }

        let Some(dg) = self.map.get_mut(&key) else {
            stats.fragments_dropped += 1;
            return Outcome::Dropped;
        };
        if growth > 0 {
            dg.data.resize(end as usize, 0);
            self.bytes += growth;
        }
        let end_is_new = !frag.more && dg.end.is_none();
        if !frag.more {
            dg.end = Some(end);
            dg.holes.retain_mut(|h| {
                h.1 = h.1.min(end);
                h.0 < h.1
            });
        }

        // Fill the holes this fragment covers (RFC 815), keeping data already there.
        let mut filled = false;
        let mut i = 0;
        while i < dg.holes.len() {
            let Some(&(hs, he)) = dg.holes.get(i) else {
                break;
            };
            if he <= start || hs >= end {
                i += 1;
                continue;
            }
            let (fs, fe) = (hs.max(start), he.min(end));
            let (Some(dst), Some(src)) = (
                dg.data.get_mut(fs as usize..fe as usize),
                frag.data.get((fs - start) as usize..(fe - start) as usize),
            ) else {
                break;
            };
            dst.copy_from_slice(src);
            filled = true;
            dg.holes.remove(i);
            let mut insert_at = i;
            if hs < fs {
                dg.holes.insert(insert_at, (hs, fs));
                insert_at += 1;
            }
            if fe < he {
                dg.holes.insert(insert_at, (fe, he));
                insert_at += 1;
            }
            i = insert_at;
        }

        if !filled && !end_is_new {
            // Nothing new: a duplicate (or fully overlapped) fragment.
            stats.fragments_dropped += 1;
            return Outcome::Pending;
        }
        dg.frags += 1;

        if dg.end.is_some()
            && dg.holes.is_empty()
            && let Some(dg) = self.map.remove(&key)
        {
            self.order.remove(&dg.seq);
            self.bytes = self.bytes.saturating_sub(dg.data.len());
            let old = std::mem::replace(&mut self.done, dg.data);
            self.recycle(old);
            stats.fragments_reassembled += 1;
            return Outcome::Complete;
        }
        Outcome::Pending
    }
}
