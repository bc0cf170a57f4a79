//! The one place the hub touches the filter language (`mizu-query`): compile, validate,
//! match on stored records (facet prefilter first, then the JSON bytes), and apply
//! `redact(...)`. Keeping it behind this adapter lets the rest of the hub stay
//! independent of the language's internals.
//!
//! Scans go through [`crate::Hub`]'s store with [`Filter::prefilter`] as the facet
//! pass, [`Filter::prefetch_record`] as read-ahead and [`Filter::eval_record`] for the
//! records the facets cannot decide ([`scan`]).

use mizu_store::{Facets, QueryResult, QuerySpec, Store, Tri};
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

/// The filter language of one hub: the protocol table's macros (so a new protocol's macro
/// needs no edit here), then the filter language's built-in ones it does not define, and
/// the facet table derived from the same protocols (names, abbreviations, versions and
/// what the macros compare), which the hub's store summarises records with. Built once
/// from [`mizu_dissect::ProtocolTable`]; cheap to clone.
#[derive(Clone, Debug)]
pub struct Language {
    macros: std::sync::Arc<[(&'static str, &'static str)]>,
    facets: mizu_query::FacetTable,
}

impl Language {
    /// The language of a hub showing these protocols.
    pub fn new(protocols: &mizu_dissect::ProtocolTable) -> Language {
        let mut m = protocols.macros().to_vec();
        for &(name, expansion) in mizu_query::default_macros() {
            if !m.iter().any(|(n, _)| *n == name) {
                m.push((name, expansion));
            }
        }
        let names: Vec<mizu_query::ProtocolNames> = protocols
            .infos()
            .iter()
            .map(|i| mizu_query::ProtocolNames {
                name: i.name,
                abbr: i.abbr,
                version: i.version,
            })
            .collect();
        Language {
            facets: mizu_query::FacetTable::new(&names, &m),
            macros: m.into(),
        }
    }

    /// The macros (`name → expansion`) filters are compiled with.
    pub fn macros(&self) -> &[(&'static str, &'static str)] {
        &self.macros
    }

    /// The facet table the store must summarise records with for these filters'
    /// prefilters (see [`Filter::prefilter`]).
    pub fn facet_table(&self) -> &mizu_query::FacetTable {
        &self.facets
    }
}

impl Filter {
    pub fn compile(src: &str, language: &Language) -> Result<Filter, FilterError> {
        Ok(Filter {
            q: mizu_query::compile_with(src, language.macros(), language.facet_table())?,
        })
    }

    /// Matches an entry's compact JSON bytes (no parsing for most filters).
    pub fn matches_json(&self, json: &[u8], now_ms: i64) -> bool {
        self.q
            .matches_json(json, &mizu_query::EvalContext { now_ms })
    }

    /// Matches a stored record: its facets first, its JSON only if they cannot tell
    /// (same answer as [`Filter::matches_json`] on its entry bytes).
    pub fn matches_record(&self, r: &mizu_store::Record, now_ms: i64) -> bool {
        self.q.matches_faceted(
            r.entry_json(),
            r.top_index(),
            r.facets(),
            &mizu_query::EvalContext { now_ms },
        )
    }

    /// What the facet prefilter says about a record with these facets (made with the
    /// language's [`Language::facet_table`], as the hub's store makes them).
    pub fn prefilter(&self, f: &Facets) -> Tri {
        self.q.prefilter(f)
    }

    /// Evaluates the filter on a record's JSON through its member index, without the
    /// prefilter (for records it left `Unknown`).
    pub fn eval_record(&self, r: &mizu_store::Record, now_ms: i64) -> bool {
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

/// Scans `store` with `filter` (`None` matches everything): facets decide what they can,
/// the rest is read ahead and evaluated on its JSON. Blocking: run it off the runtime.
pub fn scan(store: &Store, spec: &QuerySpec, filter: Option<&Filter>) -> QueryResult {
    let now = now_ms();
    match filter {
        None => store.query_faceted(spec, &mut |_| Tri::True, &mut |_| {}, &mut |_| true),
        Some(f) => store.query_faceted(
            spec,
            &mut |fa| f.prefilter(fa),
            &mut |r| f.prefetch_record(r),
            &mut |r| f.eval_record(r, now),
        ),
    }
}

/// Checks a filter without keeping it.
pub fn validate(src: &str, language: &Language) -> Result<(), FilterError> {
    mizu_query::compile_with(src, language.macros(), language.facet_table())
        .map(|_| ())
        .map_err(FilterError::from)
}
