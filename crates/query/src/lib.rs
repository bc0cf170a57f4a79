//! mizu's filter language: Mizu's BFL (Basenine Filter Language), so Mizu users'
//! filters keep working.
//!
//! ```
//! use mizu_query::{compile, EvalContext};
//! let q = compile(r#"http and response.status >= 400"#).expect("valid filter");
//! let entry = serde_json::json!({
//!     "protocol": {"name": "http", "version": "1.1", "abbr": "HTTP"},
//!     "response": {"status": 404},
//! });
//! let ctx = EvalContext { now_ms: 0 };
//! assert!(q.matches(&entry, &ctx));
//! assert!(q.matches_json(entry.to_string().as_bytes(), &ctx));
//! ```
//!
//! [`compile`] expands macros ([`default_macros`]), parses, checks helpers and compiles
//! regexes once; a [`Query`] is then evaluated against entries either as parsed
//! `serde_json::Value`s ([`Query::matches`]) or straight on their compact JSON bytes
//! ([`Query::matches_json`]), which walks only the parts a filter looks at. The crate is
//! pure: no I/O, no threads, and the clock comes in through [`EvalContext`].
//!
//! For scans over many stored entries: [`top_index`] indexes an entry's top-level
//! members ([`Query::matches_json_indexed`]), [`facets`] summarises its hot fields in 32
//! bytes ([`Facets`]), and [`Query::prefilter`] answers [`Tri::True`] / [`Tri::False`]
//! from the facets alone where that is certain (exactly what evaluation would say),
//! [`Tri::Unknown`] elsewhere ([`Query::matches_faceted`] combines the two).
//!
//! ```
//! use mizu_query::{compile, facets, Tri};
//! let q = compile(r#"http and response.status >= 400"#).expect("valid filter");
//! let json = br#"{"protocol":{"name":"redis","version":"2","abbr":"REDIS"}}"#;
//! assert_eq!(q.prefilter(&facets(json)), Tri::False);
//! ```
//!
//! The language is described in `docs/query.md`.

pub mod ast;
mod compile;
mod datetime;
mod decode;
mod error;
mod eval;
mod facets;
mod lexer;
mod macros;
mod parser;
mod prefilter;
mod raw;
mod redact;

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

pub use error::QueryError;
pub use facets::{Facets, facets, facets_indexed};
pub use macros::default_macros;
pub use prefilter::Tri;
pub use raw::{TopIndex, top_index};
pub use redact::{REDACTED, redact};

use compile::{CExpr, Collected, Step};
use eval::Eval;

/// What evaluation needs from the outside world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvalContext {
    /// The current time, milliseconds since the epoch (for `now()`, `minutes(-5)`, …).
    pub now_ms: i64,
}

struct Inner {
    source: String,
    expr: Option<CExpr>,
    limit: Option<usize>,
    redactions: Vec<String>,
    redaction_steps: Vec<Vec<Step>>,
    /// Top-level keys the filter's paths start with (for [`Query::prefetch_indexed`]).
    top_keys: Vec<String>,
    /// The facet prefilter; `None` when it could never tell anything.
    prefilter: Option<prefilter::PExpr>,
}

/// Collects the distinct first keys of `e`'s paths.
fn top_keys(e: &CExpr, out: &mut Vec<String>) {
    match e {
        CExpr::Sel(steps) => {
            if let Some(Step::Key { name, ci: false }) = steps.first()
                && !out.contains(name)
            {
                out.push(name.clone());
            }
        }
        CExpr::Not(a) | CExpr::Neg(a) | CExpr::Match(a, _, _) => top_keys(a, out),
        CExpr::And(a, b)
        | CExpr::Or(a, b)
        | CExpr::Eq(a, b, _)
        | CExpr::Ord(_, a, b)
        | CExpr::Pred(_, a, b, _) => {
            top_keys(a, out);
            top_keys(b, out);
        }
        CExpr::Const(_) | CExpr::Pattern(_) | CExpr::Now(_) | CExpr::True => {}
    }
}

/// A compiled filter: `Send + Sync`, and cloning it is a reference-count bump.
#[derive(Clone)]
pub struct Query {
    inner: Arc<Inner>,
}

impl fmt::Debug for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query")
            .field("source", &self.inner.source)
            .field("limit", &self.inner.limit)
            .field("redactions", &self.inner.redactions)
            .finish()
    }
}

/// Compiles a filter with the built-in macros. An empty (or all-whitespace) filter
/// matches everything.
pub fn compile(src: &str) -> Result<Query, QueryError> {
    compile_with_macros(src, default_macros())
}

/// Compiles a filter with the given macros (name → expansion), e.g. those the dissector
/// registry declares.
pub fn compile_with_macros(src: &str, macros: &[(&str, &str)]) -> Result<Query, QueryError> {
    let mut collected = Collected::default();
    let expr = if src.trim().is_empty() {
        None
    } else {
        let ast = parser::parse_expr(src, macros)?;
        Some(compile::compile(&ast, &mut collected).map_err(|m| QueryError::at(src, 0, m))?)
    };
    let mut keys = Vec::new();
    if let Some(e) = &expr {
        top_keys(e, &mut keys);
    }
    let pre = expr
        .as_ref()
        .map(prefilter::build)
        .filter(|p| !p.is_useless());
    Ok(Query {
        inner: Arc::new(Inner {
            top_keys: keys,
            prefilter: pre,
            source: src.to_string(),
            expr,
            limit: collected.limit,
            redactions: collected.redactions,
            redaction_steps: collected.redaction_steps,
        }),
    })
}

/// Checks a filter without keeping it: `Ok` or the first error with its position.
pub fn validate(src: &str) -> Result<(), QueryError> {
    compile(src).map(|_| ())
}

impl Query {
    /// Whether `entry` passes the filter.
    pub fn matches(&self, entry: &Value, ctx: &EvalContext) -> bool {
        match &self.inner.expr {
            None => true,
            Some(e) => Eval { root: entry, ctx }.truthy(e),
        }
    }

    /// Whether the entry whose compact JSON is `json` passes the filter, without parsing
    /// it first: only the values the filter looks at are located and decoded. Gives the
    /// same answer as [`Query::matches`] on the parsed value (for JSON without
    /// duplicate keys). Bytes that are not JSON simply match nothing they lack.
    pub fn matches_json(&self, json: &[u8], ctx: &EvalContext) -> bool {
        match &self.inner.expr {
            None => true,
            Some(e) => {
                raw::touch(json);
                Eval {
                    root: raw::Raw::new(json),
                    ctx,
                }
                .truthy(e)
            }
        }
    }

    /// [`Query::matches_json`] with the entry's top-level member index (built by
    /// [`top_index`] from the same bytes), so the first segment of each path jumps
    /// straight to its member. Same answer as [`Query::matches_json`]; an index built
    /// from other bytes gives wrong answers (never a panic).
    pub fn matches_json_indexed(&self, json: &[u8], index: &TopIndex, ctx: &EvalContext) -> bool {
        match &self.inner.expr {
            None => true,
            Some(e) => Eval {
                root: raw::Raw::with_index(json, index),
                ctx,
            }
            .truthy(e),
        }
    }

    /// What the facet prefilter says about an entry with these [`Facets`] (built by
    /// [`facets`] from the same bytes): [`Tri::True`] and [`Tri::False`] are exactly
    /// what [`Query::matches_json`] would answer; [`Tri::Unknown`] means evaluate. The
    /// empty filter says `True`; a filter the facets cannot help with always says
    /// `Unknown` (see [`Query::has_prefilter`]). Cheap: no allocation, a few table
    /// lookups.
    #[inline]
    pub fn prefilter(&self, facets: &Facets) -> Tri {
        match (&self.inner.expr, &self.inner.prefilter) {
            (None, _) => Tri::True,
            (Some(_), None) => Tri::Unknown,
            (Some(_), Some(p)) => p.eval(facets),
        }
    }

    /// Whether [`Query::prefilter`] can ever answer something other than `Unknown`.
    pub fn has_prefilter(&self) -> bool {
        self.inner.expr.is_none() || self.inner.prefilter.is_some()
    }

    /// [`Query::prefilter`], then [`Query::matches_json_indexed`] when it cannot tell:
    /// the same answer as [`Query::matches_json`] on `json`, given `index` and `facets`
    /// built from those bytes.
    pub fn matches_faceted(
        &self,
        json: &[u8],
        index: &TopIndex,
        facets: &Facets,
        ctx: &EvalContext,
    ) -> bool {
        match self.prefilter(facets) {
            Tri::True => true,
            Tri::False => false,
            Tri::Unknown => self.matches_json_indexed(json, index, ctx),
        }
    }

    #[cfg(test)]
    pub(crate) fn prefilter_expr(&self) -> Option<&prefilter::PExpr> {
        self.inner.prefilter.as_ref()
    }

    /// Pulls into the cache the parts of an entry that [`Query::matches_json_indexed`]
    /// will read first: the values of the top-level members this filter's paths start
    /// with (up to 1 KiB each), as independent loads. For scans, a few entries ahead of
    /// the one being matched, so the memory latency overlaps with matching. Reads the
    /// index itself, so it pays to have fetched that (and the record) earlier still.
    pub fn prefetch_indexed(&self, json: &[u8], index: &TopIndex) {
        let root = raw::Raw::with_index(json, index);
        for k in &self.inner.top_keys {
            raw::touch_member(root, index, k);
        }
    }

    /// The `n` of a `limit(n)` in the filter (the smallest, if several).
    pub fn limit(&self) -> Option<usize> {
        self.inner.limit
    }

    /// Whether the filter is empty (matches everything).
    pub fn is_empty(&self) -> bool {
        self.inner.expr.is_none()
    }

    /// The filter as written.
    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// The paths of the filter's `redact(...)` calls, as written.
    pub fn redactions(&self) -> &[String] {
        &self.inner.redactions
    }

    /// Replaces the values at this filter's redaction paths with `"[REDACTED]"`.
    pub fn redact(&self, entry: &mut Value) {
        for steps in &self.inner.redaction_steps {
            redact::redact_steps(entry, steps, 0);
        }
    }
}

/// Applies `query`'s `redact(...)` paths to `entry` (same as [`Query::redact`]).
pub fn redact_value(entry: &mut Value, query: &Query) {
    query.redact(entry);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn query_is_send_sync() {
        assert_send_sync::<Query>();
    }
}
