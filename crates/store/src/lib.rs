//! `mizu-store`: the hub's capped store of entries. No network code.
//!
//! * **Records.** Each entry is kept as its compact JSON bytes (what `serde_json::to_vec`
//!   writes) next to its list-row form (the BaseEntry JSON), behind a small fixed header
//!   (id, timestamp in ms, size, the entry's top-level member index and its [`Facets`],
//!   both rebuilt from the bytes, never persisted). Filters run on those bytes
//!   (`mizu-query`'s `matches_json`), so a full scan parses nothing.
//! * **Facets in the scan array.** The array of records (oldest first) holds each
//!   record's 32-byte facets inline next to its pointer. [`Store::query_faceted`] scans a
//!   chunk in two passes: the facets alone (a sequential read) through the caller's
//!   three-valued prefilter (`mizu_query::Query::prefilter`: false skips the record
//!   untouched, true takes it), then the undecided records through the predicate, a
//!   group at a time with read-ahead on the next groups. A filter like
//!   `http and response.status >= 400` then never touches a record's JSON.
//! * **Ids** are assigned here, monotonic from 1, never reused: also not across restarts
//!   with a data dir (the next id is one past the highest id found on disk). In the JSON
//!   the id is a string zero-padded to 24 digits, as Mizu wrote it ([`format_id`]).
//! * **Byte budget** (`max-entries-db-size`, default 200 MB, [`parse_size`]): every record
//!   is accounted with its real bytes plus [`RECORD_OVERHEAD`] for the allocations, the
//!   facets and the scan-array slot around it (and its member index); appending past the
//!   budget evicts the oldest records first. Queries report `truncatedTimestamp` (one past the newest evicted timestamp) so users
//!   know what is gone. Memory stays near the budget whatever the input.
//! * **Queries** run from a position (`leftOff`: an id, or latest) towards newer or older
//!   entries with a limit and a deadline, in chunks so writers are never blocked for
//!   long, and report progress ([`Progress`]).
//! * **Persistence** (optional `data_dir`): an append-only segment log of our own (see
//!   `log.rs`): length-framed records with a CRC32 each, one file per id range, deleted
//!   whole when eviction has passed it. A batch is acknowledged ([`Store::append`]
//!   returns) only after it was written and `fdatasync`ed; after a crash (`kill -9`,
//!   power loss) every acknowledged entry is back and a torn tail is cut off.
//!
//! Why our own log rather than fjall or redb: the workload is exactly a ring — append at
//! the head, drop whole ranges at the tail, scan in id order — which a segment log does
//! with one sequential write + one fsync per batch and O(1) file deletion for eviction,
//! with no compaction, no write amplification, and no second copy of the data in a page
//! cache we do not control. The live set is memory-resident anyway (queries scan it), so a
//! database would only duplicate it. ~300 lines and one small dependency (`crc32fast`).
//!
//! The insertion-side helpers (default and user redaction, ignored user agents) are in
//! [`redact`]; the filter language is applied by the caller through the prefilter and
//! predicate passed to [`Store::query_faceted`] (or the predicate of [`Store::query`]).

mod log;
mod size;

pub use log::RecoveryReport;
pub use mizu_query::{Facets, TopIndex, Tri};
pub use size::{format_size, parse_size};

use serde::Serialize;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

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

/// Default budget: Mizu's `max-entries-db-size` default, `200MB`.
pub const DEFAULT_MAX_BYTES: u64 = 200_000_000;

/// Records scanned per read-lock hold during queries.
const SCAN_CHUNK: usize = 4096;

/// Candidates matched per group in a scan; the read-ahead runs one to three groups
/// ahead (see [`match_candidates`]).
const GROUP: usize = 8;

/// Formats an id as Mizu did: a decimal string zero-padded to 24 digits.
pub fn format_id(id: u64) -> String {
    format!("{id:024}")
}

/// Parses an id string (padded or not).
pub fn parse_id(s: &str) -> Option<u64> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// Store settings.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// Byte budget (`max-entries-db-size`): accounted bytes of all kept records.
    pub max_bytes: u64,
    /// Persist to this directory (segment log); `None` keeps everything in memory only.
    pub data_dir: Option<PathBuf>,
    /// `fdatasync` every batch before acknowledging it (default true). Off only for
    /// benchmarks and tests that do not test durability.
    pub sync: bool,
    /// Segment file size; default budget/8 clamped to 1 MiB..64 MiB.
    pub segment_bytes: Option<u64>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            max_bytes: DEFAULT_MAX_BYTES,
            data_dir: None,
            sync: true,
            segment_bytes: None,
        }
    }
}

/// Why an append or open failed.
#[derive(Debug)]
pub enum StoreError {
    /// One record is bigger than a quarter of the budget (it would evict too much).
    TooLarge { size: u64, max: u64 },
    /// The bytes given are not a compact JSON object (`{…}`).
    NotAnObject,
    /// The data dir could not be read or written.
    Io(std::io::Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::TooLarge { size, max } => write!(
                f,
                "entry of {size} bytes is larger than the store accepts ({max} bytes: a quarter of max-entries-db-size)"
            ),
            StoreError::NotAnObject => f.write_str("entry is not a JSON object"),
            StoreError::Io(e) => write!(f, "data dir: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Io(e)
    }
}

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
    id: u64,
    timestamp: i64,
    base_len: u32,
    data: Box<[u8]>,
    top: TopIndex,
    facets: Facets,
}

/// One record in the scan array: its facets inline (so a scan streams through them
/// without following pointers) and the record.
struct Slot {
    facets: Facets,
    rec: Arc<Record>,
}

/// Bytes accounted for a record's [`TopIndex`] allocation on top of its slots: allocator
/// header and rounding (an empty index allocates nothing).
const INDEX_ALLOC_OVERHEAD: u64 = 16;

impl Record {
    fn new(id: u64, timestamp: i64, base_len: u32, data: Box<[u8]>) -> Record {
        let entry = data.get(base_len as usize..).unwrap_or(&[]);
        let top = mizu_query::top_index(entry);
        let facets = mizu_query::facets(entry);
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

/// Where a query starts (exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// The newest end: older queries start at the newest entry, newer ones see nothing
    /// stored yet (only what a live tail brings).
    Latest,
    /// After (newer) or before (older) this id. Newer from an evicted id starts at the
    /// oldest kept entry.
    Id(u64),
}

impl Position {
    /// `latest`, an empty string, or an id.
    pub fn parse(s: &str) -> Option<Position> {
        let t = s.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("latest") {
            Some(Position::Latest)
        } else {
            parse_id(t).map(Position::Id)
        }
    }
}

/// Scan direction: Mizu's `direction` 1 (newer) and -1 (older).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Newer,
    Older,
}

impl Direction {
    pub fn from_mizu(d: i64) -> Option<Direction> {
        match d {
            1 => Some(Direction::Newer),
            -1 => Some(Direction::Older),
            _ => None,
        }
    }
}

/// A wall-clock deadline (a clock step can only end a scan early or late, never corrupt
/// it: a page is then shorter or longer).
#[derive(Clone, Copy, Debug)]
pub struct Deadline(SystemTime);

impl Deadline {
    pub fn after(d: Duration) -> Deadline {
        Deadline(SystemTime::now() + d)
    }
    pub fn expired(&self) -> bool {
        SystemTime::now() >= self.0
    }
}

/// A query over stored records.
#[derive(Clone, Copy, Debug)]
pub struct QuerySpec {
    pub left_off: Position,
    pub direction: Direction,
    /// Stop after this many matches.
    pub limit: usize,
    pub deadline: Option<Deadline>,
}

/// Progress of a query, as Mizu's `queryMetadata` / `meta` reported it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Records scanned.
    pub current: u64,
    /// Records in the store.
    pub total: u64,
    /// Continue from here (the last scanned id; `latest` if nothing was scanned from
    /// latest).
    pub left_off: String,
    /// Entries with timestamps before this (ms) were evicted; 0 when nothing was.
    pub truncated_timestamp: i64,
    /// Matches returned.
    pub matched: u64,
    /// The deadline ended the scan before `limit` or the end.
    pub timed_out: bool,
    /// The scan reached the end in its direction.
    pub no_more_data: bool,
}

/// Matches (in scan order) and progress.
#[derive(Debug)]
pub struct QueryResult {
    pub records: Vec<Arc<Record>>,
    pub progress: Progress,
}

/// Result of looking up one id.
#[derive(Debug)]
pub enum Lookup {
    Found(Arc<Record>),
    /// The id existed but was evicted to keep the store within its budget.
    Evicted,
    /// No entry ever had this id.
    NotFound,
}

/// Counters and usage, for `/status` and `/metrics`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreStats {
    pub entries: u64,
    /// Accounted bytes (JSON + per-record overhead).
    pub bytes: u64,
    pub budget: u64,
    pub oldest_timestamp: Option<i64>,
    pub newest_timestamp: Option<i64>,
    pub first_id: Option<String>,
    pub last_id: Option<String>,
    /// Entries appended since start (this process).
    pub appended: u64,
    /// Entries evicted since start (this process).
    pub evicted: u64,
    pub evicted_bytes: u64,
    /// Entries before this timestamp (ms) are gone; `None` when nothing was evicted.
    pub truncated_timestamp: Option<i64>,
    pub persistent: bool,
    pub data_dir: Option<String>,
    pub disk_bytes: u64,
    pub segments: u64,
    pub recovery: Option<RecoveryReport>,
}

struct Mem {
    /// Oldest first, ids increasing.
    records: VecDeque<Slot>,
    bytes: u64,
    appended: u64,
    evicted: u64,
    evicted_bytes: u64,
    truncated_ts: Option<i64>,
    /// Highest id ever assigned (also those evicted), 0 before the first.
    last_assigned: u64,
}

impl Mem {
    fn push(&mut self, r: Arc<Record>, max: u64) {
        self.bytes += r.size();
        self.last_assigned = self.last_assigned.max(r.id);
        self.records.push_back(Slot {
            facets: r.facets,
            rec: r,
        });
        while self.bytes > max {
            let Some(Slot { rec: old, .. }) = self.records.pop_front() else {
                break;
            };
            self.bytes -= old.size();
            self.evicted += 1;
            self.evicted_bytes += old.size();
            let t = old.timestamp.saturating_add(1);
            self.truncated_ts = Some(self.truncated_ts.map_or(t, |x| x.max(t)));
        }
    }

    fn first_id(&self) -> Option<u64> {
        self.records.front().map(|s| s.rec.id)
    }

    /// Index of the first record with id > `id`.
    fn after(&self, id: u64) -> usize {
        self.records.partition_point(|s| s.rec.id <= id)
    }
}

struct Writer {
    next_id: u64,
    log: Option<log::Log>,
}

/// The store. Share it behind an `Arc`; every method takes `&self`.
pub struct Store {
    max_bytes: u64,
    writer: Mutex<Writer>,
    mem: RwLock<Mem>,
    recovery: Option<RecoveryReport>,
    data_dir: Option<PathBuf>,
}

fn splice_id(id: &str, json: &[u8], out: &mut Vec<u8>) -> Result<(), StoreError> {
    if json.len() < 2 || json[0] != b'{' || json[json.len() - 1] != b'}' {
        return Err(StoreError::NotAnObject);
    }
    out.extend_from_slice(b"{\"id\":\"");
    out.extend_from_slice(id.as_bytes());
    out.push(b'"');
    if json[1] != b'}' {
        out.push(b',');
    }
    out.extend_from_slice(&json[1..]);
    Ok(())
}

/// The candidates of `cands` (index into `slots`, whether `pred` must decide) in order,
/// pushing matches to `out` until it holds `limit`; returns the index of the record that
/// reached the limit, if one did.
///
/// Read-ahead: without `unsafe` there is no prefetch instruction, only loads, and a load
/// that misses stalls the core once its reorder window is full. So loads are issued a
/// group at a time, where they overlap: before matching group `g`, the record headers
/// of group `g+3` are read, the member index and entry start of group `g+2` (their
/// addresses come from headers read one group earlier), and what `prefetch` wants of
/// group `g+1` (e.g. `Query::prefetch_indexed`, which reads the index read one group
/// earlier). One memory round trip per group instead of three per record.
fn match_candidates(
    cands: &[(usize, bool)],
    slots: &VecDeque<Slot>,
    limit: usize,
    out: &mut Vec<Arc<Record>>,
    prefetch: &mut dyn FnMut(&Record),
    pred: &mut dyn FnMut(&Record) -> bool,
) -> Option<usize> {
    let group = |g: usize| {
        cands
            .get(g.min(cands.len())..(g + GROUP).min(cands.len()))
            .unwrap_or(&[])
            .iter()
            .filter_map(|&(i, eval)| slots.get(i).map(|s| (&s.rec, eval)))
    };
    for g in (0..cands.len()).step_by(GROUP) {
        for (r, _) in group(g + 3 * GROUP) {
            // Matches are cloned (a write to this line) whether evaluated or not.
            std::hint::black_box(r.id);
        }
        for (r, eval) in group(g + 2 * GROUP) {
            if eval {
                r.top.prefetch();
                std::hint::black_box(r.entry_json().first().copied());
            }
        }
        for (r, eval) in group(g + GROUP) {
            if eval {
                prefetch(r);
            }
        }
        for k in g..(g + GROUP).min(cands.len()) {
            let Some((&(i, eval), r)) = cands
                .get(k)
                .and_then(|c| slots.get(c.0).map(|s| (c, &s.rec)))
            else {
                continue;
            };
            if !eval || pred(r) {
                out.push(r.clone());
                if out.len() >= limit {
                    return Some(i);
                }
            }
        }
    }
    None
}

fn lock_err<T>(e: std::sync::PoisonError<T>) -> T {
    // A panic while holding a lock leaves consistent data (all mutations are simple
    // pushes/pops): keep serving.
    e.into_inner()
}

impl Store {
    /// Opens a store; with a data dir, recovers what is on disk (cutting a torn tail).
    pub fn open(config: StoreConfig) -> Result<Store, StoreError> {
        let max_bytes = config.max_bytes.max(1);
        let mut mem = Mem {
            records: VecDeque::new(),
            bytes: 0,
            appended: 0,
            evicted: 0,
            evicted_bytes: 0,
            truncated_ts: None,
            last_assigned: 0,
        };
        let mut recovery = None;
        let mut log = None;
        let mut next_id = 1;
        if let Some(dir) = &config.data_dir {
            let seg = config
                .segment_bytes
                .unwrap_or(max_bytes / 8)
                .clamp(1 << 20, 64 << 20);
            let (mut l, next, report) = log::Log::open(dir, seg, config.sync, |r| {
                let data = r.data.into_boxed_slice();
                mem.push(
                    Arc::new(Record::new(r.id, r.timestamp, r.base_len, data)),
                    max_bytes,
                );
            })?;
            // Evicted while loading: not evicted "in this run" but before; count as gone.
            mem.appended = 0;
            mem.evicted = 0;
            mem.evicted_bytes = 0;
            if let Some(first) = mem.first_id() {
                l.drop_before(first)?;
            }
            // Entries deleted in an earlier run: their ids are below the first kept one.
            if mem.truncated_ts.is_none()
                && l.first_segment_id().is_some_and(|f| f > 1)
                && let Some(front) = mem.records.front()
            {
                mem.truncated_ts = Some(front.rec.timestamp);
            }
            next_id = next;
            mem.last_assigned = next.saturating_sub(1);
            recovery = Some(report);
            log = Some(l);
        }
        Ok(Store {
            max_bytes,
            writer: Mutex::new(Writer { next_id, log }),
            mem: RwLock::new(mem),
            recovery,
            data_dir: config.data_dir,
        })
    }

    /// Largest record accepted: a quarter of the budget.
    pub fn max_record_bytes(&self) -> u64 {
        self.max_bytes / 4
    }

    /// Appends a batch, assigning consecutive ids. Returns the stored records once they
    /// are durable (written and flushed with a data dir) and visible to queries. On an
    /// error nothing of the batch was stored.
    pub fn append(&self, batch: Vec<NewEntry>) -> Result<Vec<Arc<Record>>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut w = self.writer.lock().unwrap_or_else(lock_err);
        let mut out = Vec::with_capacity(batch.len());
        let mut id = w.next_id;
        let mut data = Vec::new();
        for e in batch {
            let ids = format_id(id);
            data.clear();
            data.reserve(e.base.len() + e.entry.len() + 2 * (ids.len() + 8));
            splice_id(&ids, &e.base, &mut data)?;
            let base_len = data.len();
            splice_id(&ids, &e.entry, &mut data)?;
            let size = data.len() as u64 + RECORD_OVERHEAD;
            if size > self.max_record_bytes() {
                return Err(StoreError::TooLarge {
                    size,
                    max: self.max_record_bytes(),
                });
            }
            out.push(Arc::new(Record::new(
                id,
                e.timestamp,
                base_len as u32,
                data.as_slice().into(),
            )));
            id += 1;
        }
        if let Some(log) = &mut w.log {
            log.append(
                out.iter()
                    .map(|r| (r.id, r.timestamp, r.base_len, &r.data[..])),
            )?;
        }
        w.next_id = id;
        let first_live = {
            let mut mem = self.mem.write().unwrap_or_else(lock_err);
            for r in &out {
                mem.push(r.clone(), self.max_bytes);
            }
            mem.appended += out.len() as u64;
            mem.first_id()
        };
        if let (Some(log), Some(first)) = (&mut w.log, first_live) {
            // Failing to delete an old file wastes disk but loses nothing: keep going.
            let _ = log.drop_before(first);
        }
        Ok(out)
    }

    /// The record with this id.
    pub fn get(&self, id: u64) -> Lookup {
        let mem = self.mem.read().unwrap_or_else(lock_err);
        let i = mem.records.partition_point(|s| s.rec.id < id);
        match mem.records.get(i) {
            Some(s) if s.rec.id == id => Lookup::Found(s.rec.clone()),
            _ if id >= 1 && id <= mem.last_assigned => Lookup::Evicted,
            _ => Lookup::NotFound,
        }
    }

    /// Highest id assigned so far (0 before the first entry).
    pub fn last_id(&self) -> u64 {
        self.mem.read().unwrap_or_else(lock_err).last_assigned
    }

    /// Entries before this timestamp (ms) were evicted.
    pub fn truncated_timestamp(&self) -> Option<i64> {
        self.mem.read().unwrap_or_else(lock_err).truncated_ts
    }

    /// Scans from `spec.left_off` in `spec.direction`, returning records for which `pred`
    /// is true, up to `spec.limit`, until the end or the deadline. The read lock is taken
    /// per chunk of records, so appends are never blocked for long.
    pub fn query(&self, spec: &QuerySpec, pred: &mut dyn FnMut(&Record) -> bool) -> QueryResult {
        self.query_prefetching(spec, &mut |_| {}, pred)
    }

    /// [`Store::query`] with a look-ahead hook: `prefetch` is called on records a few
    /// places ahead (in scan order) of the one `pred` is matching, to pull what `pred`
    /// will read into the cache (e.g. `mizu_query::Query::prefetch_indexed`). A full
    /// scan is bound by memory latency, not by matching; this overlaps the two.
    pub fn query_prefetching(
        &self,
        spec: &QuerySpec,
        prefetch: &mut dyn FnMut(&Record),
        pred: &mut dyn FnMut(&Record) -> bool,
    ) -> QueryResult {
        self.query_faceted(spec, &mut |_| Tri::Unknown, prefetch, pred)
    }

    /// [`Store::query_prefetching`] with a prefilter on each record's [`Facets`]
    /// (`mizu_query::Query::prefilter`): [`Tri::False`] skips the record without
    /// touching it, [`Tri::True`] takes it as a match without calling `pred`, and only
    /// [`Tri::Unknown`] records are prefetched and given to `pred`. `facet` must never
    /// answer `True` or `False` where `pred` would answer otherwise.
    ///
    /// Each chunk is scanned in two passes: the facets (a dense array, read
    /// sequentially) pick the candidates, then the candidates are matched in order with
    /// read-ahead over the next candidates only.
    pub fn query_faceted(
        &self,
        spec: &QuerySpec,
        facet: &mut dyn FnMut(&Facets) -> Tri,
        prefetch: &mut dyn FnMut(&Record),
        pred: &mut dyn FnMut(&Record) -> bool,
    ) -> QueryResult {
        let mut out = Vec::new();
        let mut current = 0u64;
        let mut timed_out = false;
        let mut no_more_data = false;
        // Exclusive cursor: ids strictly after (newer) or before (older) it.
        let mut cursor: Option<u64> = match (spec.left_off, spec.direction) {
            (Position::Id(id), _) => Some(id),
            (Position::Latest, Direction::Newer) => Some(self.last_id()),
            (Position::Latest, Direction::Older) => None,
        };
        let mut scanned_any = false;
        // Candidates of the current chunk, in scan order: (index, needs `pred`).
        let mut cands: Vec<(usize, bool)> = Vec::new();
        loop {
            if out.len() >= spec.limit {
                break;
            }
            let mem = self.mem.read().unwrap_or_else(lock_err);
            let (start, end) = match spec.direction {
                Direction::Newer => {
                    let s = mem.after(cursor.unwrap_or(0));
                    (s, (s + SCAN_CHUNK).min(mem.records.len()))
                }
                Direction::Older => {
                    let e = match cursor {
                        None => mem.records.len(),
                        Some(c) => mem.records.partition_point(|s| s.rec.id < c),
                    };
                    (e.saturating_sub(SCAN_CHUNK), e)
                }
            };
            if start >= end {
                no_more_data = true;
                break;
            }
            let slots = &mem.records;
            // Pass 1: facets only.
            cands.clear();
            let mut pick = |i: usize| {
                if let Some(s) = slots.get(i) {
                    match facet(&s.facets) {
                        Tri::False => {}
                        Tri::True => cands.push((i, false)),
                        Tri::Unknown => cands.push((i, true)),
                    }
                }
            };
            match spec.direction {
                Direction::Newer => (start..end).for_each(&mut pick),
                Direction::Older => (start..end).rev().for_each(&mut pick),
            }
            // Pass 2: the candidates, in groups, reading ahead over the next groups.
            let stopped_at = match_candidates(&cands, slots, spec.limit, &mut out, prefetch, pred);
            // Scanned: from the chunk's first record (in scan order) to where we stopped.
            let (last, scanned) = match (spec.direction, stopped_at) {
                (Direction::Newer, Some(i)) => (i, i + 1 - start),
                (Direction::Newer, None) => (end - 1, end - start),
                (Direction::Older, Some(i)) => (i, end - i),
                (Direction::Older, None) => (start, end - start),
            };
            current += scanned as u64;
            scanned_any = true;
            cursor = slots.get(last).map(|s| s.rec.id).or(cursor);
            drop(mem);
            if stopped_at.is_some() {
                break;
            }
            if spec.deadline.is_some_and(|d| d.expired()) {
                timed_out = true;
                break;
            }
        }
        let mem = self.mem.read().unwrap_or_else(lock_err);
        let left_off = match (cursor, scanned_any, spec.left_off) {
            (_, false, Position::Latest) if spec.direction == Direction::Older => {
                "latest".to_owned()
            }
            (Some(c), _, _) => format_id(c),
            (None, _, _) => "latest".to_owned(),
        };
        QueryResult {
            progress: Progress {
                current,
                total: mem.records.len() as u64,
                left_off,
                truncated_timestamp: mem.truncated_ts.unwrap_or(0),
                matched: out.len() as u64,
                timed_out,
                no_more_data,
            },
            records: out,
        }
    }

    /// Usage and counters.
    pub fn stats(&self) -> StoreStats {
        let (disk_bytes, segments) = {
            let w = self.writer.lock().unwrap_or_else(lock_err);
            w.log.as_ref().map_or((0, 0), |l| {
                debug_assert!(l.dir() == self.data_dir.as_deref().unwrap_or(l.dir()));
                (l.disk_bytes(), l.segment_count() as u64)
            })
        };
        let mem = self.mem.read().unwrap_or_else(lock_err);
        StoreStats {
            entries: mem.records.len() as u64,
            bytes: mem.bytes,
            budget: self.max_bytes,
            oldest_timestamp: mem.records.front().map(|s| s.rec.timestamp),
            newest_timestamp: mem.records.back().map(|s| s.rec.timestamp),
            first_id: mem.records.front().map(|s| format_id(s.rec.id)),
            last_id: mem.records.back().map(|s| format_id(s.rec.id)),
            appended: mem.appended,
            evicted: mem.evicted,
            evicted_bytes: mem.evicted_bytes,
            truncated_timestamp: mem.truncated_ts,
            persistent: self.data_dir.is_some(),
            data_dir: self.data_dir.as_ref().map(|d| d.display().to_string()),
            disk_bytes,
            segments,
            recovery: self.recovery.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_format_and_parse() {
        assert_eq!(format_id(42), "000000000000000000000042");
        assert_eq!(parse_id("000000000000000000000042"), Some(42));
        assert_eq!(parse_id("7"), Some(7));
        assert_eq!(parse_id("0000"), Some(0));
        assert_eq!(parse_id("x1"), None);
        assert_eq!(parse_id(""), None);
        assert_eq!(Position::parse("latest"), Some(Position::Latest));
        assert_eq!(Position::parse(""), Some(Position::Latest));
        assert_eq!(Position::parse("12"), Some(Position::Id(12)));
        assert_eq!(Position::parse("-3"), None);
    }

    #[test]
    fn id_is_spliced_first() {
        let mut out = Vec::new();
        splice_id("01", b"{\"a\":1}", &mut out).expect("object");
        assert_eq!(out, b"{\"id\":\"01\",\"a\":1}");
        out.clear();
        splice_id("01", b"{}", &mut out).expect("object");
        assert_eq!(out, b"{\"id\":\"01\"}");
        assert!(splice_id("01", b"[1]", &mut Vec::new()).is_err());
        assert!(splice_id("01", b"", &mut Vec::new()).is_err());
    }
}
