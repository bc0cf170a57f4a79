//! What is stored: [`NewEntry`] in, [`Record`] kept (header, the two JSON documents, the
//! member index and facets), the scan-array [`Slot`] and the accounting per record.

use mizu_query::{Facets, TopIndex};
use std::sync::Arc;

/// Bytes accounted per record on top of its JSON: the `Arc<Record>` allocation (counts,
/// header fields, facets, allocator header and rounding), the data allocation's
/// allocator header and rounding, and the record's slot in the scan array counted twice
/// (a `VecDeque` may hold up to twice its length). Follows the layout (computed from the
/// types' sizes); checked against real RSS by the `rss` test.
pub const RECORD_OVERHEAD: u64 = {
    let arc = (2 * 8 + std::mem::size_of::<Record>() + 8).next_multiple_of(16);
    let data = 16;
    let slot = 2 * std::mem::size_of::<Slot>();
    (arc + data + slot) as u64
};

/// An entry to append: both JSON objects compact and **without** an `id` key (the store
/// adds it as the first key).
#[derive(Clone, Debug)]
pub struct NewEntry {
    /// Request time, ms since the epoch (the entry's `timestamp`).
    pub timestamp: i64,
    /// The list-row form (BaseEntry).
    pub base: Vec<u8>,
    /// The full entry.
    pub entry: Vec<u8>,
}

/// A stored entry: fixed header plus the two JSON documents, each starting with its id,
/// the full entry's top-level member index and its [`Facets`] (both in memory only:
/// rebuilt on recovery).
#[derive(Debug)]
pub struct Record {
    pub(crate) id: u64,
    pub(crate) timestamp: i64,
    pub(crate) base_len: u32,
    pub(crate) data: Box<[u8]>,
    pub(crate) top: TopIndex,
    pub(crate) facets: Facets,
}

/// One record in the scan array: its facets inline (so a scan streams through them
/// without following pointers) and the record.
pub(crate) struct Slot {
    pub(crate) facets: Facets,
    pub(crate) rec: Arc<Record>,
}

/// Bytes accounted for a record's [`TopIndex`] allocation on top of its slots: allocator
/// header and rounding (an empty index allocates nothing).
const INDEX_ALLOC_OVERHEAD: u64 = 16;

impl Record {
    pub(crate) fn new(
        id: u64,
        timestamp: i64,
        base_len: u32,
        data: Box<[u8]>,
        table: &mizu_query::FacetTable,
    ) -> Record {
        let entry = data.get(base_len as usize..).unwrap_or(&[]);
        let top = mizu_query::top_index(entry);
        let facets = table.facets_indexed(entry, &top);
        Record {
            id,
            timestamp,
            base_len,
            data,
            top,
            facets,
        }
    }

    /// The full entry's [`Facets`], for `mizu_query::Query::prefilter(r.facets())`.
    pub fn facets(&self) -> &Facets {
        &self.facets
    }

    /// The full entry's top-level member index, for
    /// `mizu_query::Query::matches_json_indexed(r.entry_json(), r.top_index(), …)`.
    pub fn top_index(&self) -> &TopIndex {
        &self.top
    }
    pub fn id(&self) -> u64 {
        self.id
    }
    /// Request time, ms since the epoch.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }
    /// The full entry's compact JSON (with `"id"` first).
    pub fn entry_json(&self) -> &[u8] {
        self.data.get(self.base_len as usize..).unwrap_or(&[])
    }
    /// The BaseEntry's compact JSON (with `"id"` first).
    pub fn base_json(&self) -> &[u8] {
        self.data.get(..self.base_len as usize).unwrap_or(&[])
    }
    /// Accounted size: data, member index, plus [`RECORD_OVERHEAD`] (which covers the
    /// header, the facets and the scan slot).
    pub fn size(&self) -> u64 {
        let index = self.top.heap_bytes() as u64;
        let index = if index == 0 {
            0
        } else {
            index.next_multiple_of(16) + INDEX_ALLOC_OVERHEAD
        };
        self.data.len() as u64 + index + RECORD_OVERHEAD
    }
}
