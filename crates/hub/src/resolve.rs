//! One resolver for the query parameters REST (`GET /entries`) and the browser WebSocket
//! (`/ws`) share: `leftOff`, `direction`, `query`, `limit`, `timeoutMs`. Both reject a bad
//! `leftOff` or `direction` and an invalid filter the same way, clamp `limit` to
//! `max_query_limit` (and to the filter's own `limit(n)`), and clamp `timeoutMs` to
//! `max_timeout_ms`. The only difference is the caller's: REST returns at least one
//! entry (`limit` 0 reads as 1), a WebSocket may ask for none (live entries only).

use crate::error::ApiError;
use crate::filter::{Filter, FilterError};
use crate::{Hub, metrics};
use axum::http::StatusCode;
use mizu_store::{Direction, Position};
use serde_json::json;
use std::time::Duration;

/// The parameters as the client gave them (already typed; absent = `None`).
#[derive(Default)]
pub(crate) struct Params<'a> {
    pub left_off: Option<&'a str>,
    pub direction: Option<i64>,
    pub query: &'a str,
    pub limit: Option<usize>,
    pub timeout_ms: Option<u64>,
}

/// A query ready to run.
pub(crate) struct Resolved {
    pub filter: Option<Filter>,
    pub left_off: Position,
    pub direction: Direction,
    pub limit: usize,
    pub timeout: Duration,
}

/// Why a query was refused.
pub(crate) enum Refused {
    /// A parameter is wrong; the message names it and what it accepts.
    Bad(String),
    /// The filter does not compile.
    Filter(FilterError),
}

impl From<Refused> for ApiError {
    fn from(r: Refused) -> ApiError {
        match r {
            Refused::Bad(m) => ApiError::bad(m),
            Refused::Filter(e) => {
                ApiError::new(StatusCode::BAD_REQUEST, format!("invalid query: {e}")).with(json!({
                    "message": e.message,
                    "offset": e.offset,
                    "line": e.line,
                    "column": e.column,
                }))
            }
        }
    }
}

/// Compiles a filter (counted in the query metrics); the empty filter is `None`.
pub(crate) fn compile(hub: &Hub, src: &str) -> Result<Option<Filter>, FilterError> {
    metrics::inc(&hub.inner.metrics.queries);
    if src.trim().is_empty() {
        return Ok(None);
    }
    Filter::compile(src, &hub.inner.language)
        .map(Some)
        .inspect_err(|_| {
            metrics::inc(&hub.inner.metrics.query_errors);
        })
}

/// Checks and clamps `p`. `min_limit` is 1 for REST, 0 for the WebSocket.
pub(crate) fn resolve(hub: &Hub, p: &Params<'_>, min_limit: usize) -> Result<Resolved, Refused> {
    let limits = &hub.inner.config.limits;
    let left_off = Position::parse(p.left_off.unwrap_or(""))
        .ok_or_else(|| Refused::Bad("`leftOff` must be an entry id or `latest`".into()))?;
    let direction = match p.direction {
        None => Direction::Older,
        Some(d) => Direction::from_mizu(d).ok_or_else(|| {
            Refused::Bad(format!(
                "`direction` must be 1 (newer) or -1 (older), got {d}"
            ))
        })?,
    };
    let filter = compile(hub, p.query).map_err(Refused::Filter)?;
    let mut limit = p.limit.unwrap_or(100);
    if let Some(l) = filter.as_ref().and_then(Filter::limit) {
        limit = limit.min(l);
    }
    let limit = limit.clamp(min_limit, limits.max_query_limit.max(min_limit));
    let timeout = p
        .timeout_ms
        .unwrap_or(limits.default_timeout_ms)
        .min(limits.max_timeout_ms);
    Ok(Resolved {
        filter,
        left_off,
        direction,
        limit,
        timeout: Duration::from_millis(timeout),
    })
}
