//! The one place the hub touches the filter language (`mizu-query`): compile, validate,
//! match on stored JSON bytes, and apply `redact(...)`. Keeping it behind this adapter
//! lets the rest of the hub stay independent of the language's internals.

use serde_json::Value;

/// A compiled filter. The empty filter matches everything.
pub struct Filter {
    q: mizu_query::Query,
}

/// An invalid filter: message and where (byte offset, 1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub message: String,
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}:{}", self.message, self.line, self.column)
    }
}

impl From<mizu_query::QueryError> for FilterError {
    fn from(e: mizu_query::QueryError) -> Self {
        FilterError {
            message: e.message,
            offset: e.offset,
            line: e.line,
            column: e.column,
        }
    }
}

/// Milliseconds since the epoch (the filter language's `now`).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Filter {
    pub fn compile(src: &str) -> Result<Filter, FilterError> {
        Ok(Filter {
            q: mizu_query::compile(src)?,
        })
    }

    /// Matches an entry's compact JSON bytes (no parsing for most filters).
    pub fn matches_json(&self, json: &[u8], now_ms: i64) -> bool {
        self.q
            .matches_json(json, &mizu_query::EvalContext { now_ms })
    }

    /// Matches a stored record through its top-level member index (same answer as
    /// [`Filter::matches_json`] on its entry bytes, without skipping members).
    pub fn matches_record(&self, r: &mizu_store::Record, now_ms: i64) -> bool {
        self.q.matches_json_indexed(
            r.entry_json(),
            r.top_index(),
            &mizu_query::EvalContext { now_ms },
        )
    }

    /// Pulls into the cache what [`Filter::matches_record`] will read of `r` (for scans,
    /// a few records ahead).
    pub fn prefetch_record(&self, r: &mizu_store::Record) {
        self.q.prefetch_indexed(r.entry_json(), r.top_index());
    }

    /// Matches a parsed entry.
    pub fn matches(&self, entry: &Value, now_ms: i64) -> bool {
        self.q.matches(entry, &mizu_query::EvalContext { now_ms })
    }

    /// `limit(n)` in the filter, if any.
    pub fn limit(&self) -> Option<usize> {
        self.q.limit()
    }

    pub fn is_empty(&self) -> bool {
        self.q.is_empty()
    }

    pub fn source(&self) -> &str {
        self.q.source()
    }

    /// Paths named by `redact(...)`.
    pub fn redactions(&self) -> &[String] {
        self.q.redactions()
    }

    /// Masks the `redact(...)` paths in `entry`.
    pub fn redact(&self, entry: &mut Value) {
        if !self.q.redactions().is_empty() {
            self.q.redact(entry);
        }
    }
}

/// Checks a filter without keeping it.
pub fn validate(src: &str) -> Result<(), FilterError> {
    mizu_query::validate(src).map_err(FilterError::from)
}
