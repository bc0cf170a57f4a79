//! The in-memory ring: the scan array of [`Slot`]s, oldest first, and the byte budget that
//! evicts from its front.

use crate::record::{Record, Slot};
use std::collections::VecDeque;
use std::sync::Arc;

pub(crate) struct Mem {
    /// Oldest first, ids increasing.
    pub(crate) records: VecDeque<Slot>,
    pub(crate) bytes: u64,
    pub(crate) appended: u64,
    pub(crate) evicted: u64,
    pub(crate) evicted_bytes: u64,
    pub(crate) truncated_ts: Option<i64>,
    /// Highest id ever assigned (also those evicted), 0 before the first.
    pub(crate) last_assigned: u64,
}

impl Mem {
    pub(crate) fn push(&mut self, r: Arc<Record>, max: u64) {
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

    pub(crate) fn first_id(&self) -> Option<u64> {
        self.records.front().map(|s| s.rec.id)
    }

    /// Index of the first record with id > `id`.
    pub(crate) fn after(&self, id: u64) -> usize {
        self.records.partition_point(|s| s.rec.id <= id)
    }
}
