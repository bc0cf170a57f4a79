//! [`Store`]: opening (recovery from the segment log), appending, lookups and stats.

use crate::id::{format_id, splice_id};
use crate::log;
use crate::mem::Mem;
use crate::record::{NewEntry, RECORD_OVERHEAD, Record};
use crate::{RecoveryReport, StoreConfig, StoreError};
use serde::Serialize;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

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

pub(crate) struct Writer {
    pub(crate) next_id: u64,
    pub(crate) log: Option<log::Log>,
}

/// The store. Share it behind an `Arc`; every method takes `&self`.
pub struct Store {
    pub(crate) max_bytes: u64,
    pub(crate) writer: Mutex<Writer>,
    pub(crate) mem: RwLock<Mem>,
    pub(crate) recovery: Option<RecoveryReport>,
    pub(crate) data_dir: Option<PathBuf>,
    /// What records' facets are made with ([`StoreConfig::facets`]).
    pub(crate) facets: mizu_query::FacetTable,
}

pub(crate) fn lock_err<T>(e: std::sync::PoisonError<T>) -> T {
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
                    Arc::new(Record::new(
                        r.id,
                        r.timestamp,
                        r.base_len,
                        data,
                        &config.facets,
                    )),
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
            facets: config.facets,
        })
    }

    /// The table records' facets are made with: filters scanning this store must be
    /// compiled with it (`mizu_query::compile_with`).
    pub fn facet_table(&self) -> &mizu_query::FacetTable {
        &self.facets
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
                &self.facets,
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
