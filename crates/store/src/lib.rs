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
//! `mizu_model::redact`, applied by the hub's ingest; the filter language is applied by the caller through the prefilter and
//! predicate passed to [`Store::query_faceted`] (or the predicate of [`Store::query`]).
//!
//! Modules: `config` ([`StoreConfig`], [`StoreError`]), `id` ([`format_id`], [`parse_id`]
//! and the id splice), `record` ([`NewEntry`], [`Record`], the scan slot and
//! [`RECORD_OVERHEAD`]), `mem` (the in-memory ring and its eviction), `store` ([`Store`]:
//! open/recover, append, get, stats; [`Lookup`], [`StoreStats`]), `query` ([`Position`],
//! [`Direction`], [`QuerySpec`], [`Progress`] and the faceted scan), `log` (the segment
//! log), `size` (budget strings).

mod config;
mod id;
mod log;
mod mem;
mod query;
mod record;
mod size;
mod store;

pub use config::{DEFAULT_MAX_BYTES, StoreConfig, StoreError};
pub use id::{format_id, parse_id};
pub use log::RecoveryReport;
pub use mizu_query::{Facets, TopIndex, Tri};
pub use query::{Deadline, Direction, Position, Progress, QueryResult, QuerySpec};
pub use record::{NewEntry, RECORD_OVERHEAD, Record};
pub use size::{format_size, parse_size};
pub use store::{Lookup, Store, StoreStats};
