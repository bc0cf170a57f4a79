//! Queries: where they start ([`Position`]), which way they go ([`Direction`]), their
//! limits ([`QuerySpec`], [`Deadline`]), what they report ([`Progress`]), and the two-pass
//! chunked scan of [`Store::query_faceted`] with its read-ahead ([`match_candidates`]).

use crate::id::{format_id, parse_id};
use crate::record::{Record, Slot};
use crate::store::{Store, lock_err};
use mizu_query::{Facets, Tri};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Records scanned per read-lock hold during queries.
const SCAN_CHUNK: usize = 4096;

/// Candidates matched per group in a scan; the read-ahead runs one to three groups
/// ahead (see [`match_candidates`]).
const GROUP: usize = 8;

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

impl Store {
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
}
