//! Service map, traffic stats and RED metrics (issue 17) over HTTP: the incremental state
//! of `mizu-analysis` fed at ingest ([`Analysis::observe`], one call in
//! `Hub::prepare`), and its routes:
//!
//! - `GET /servicemap/get?groupBy=&query=&startTimeMs=&endTimeMs=&scanLimit=` (Mizu's,
//!   extended): the live map; with a filter, a time range or `groupBy=host`, a map built
//!   from the stored entries that match (newest first, at most `scanLimit`; the answer's
//!   `scan` says how many were read and whether the cap or the deadline cut it).
//! - `GET /servicemap/status`, `GET|POST /servicemap/reset`.
//! - `GET /status/trafficStats?startTimeMs=&endTimeMs=&top=&query=`: the stats of the
//!   minutes in the range (live state), or of the matching stored entries with `query`.
//! - RED series per edge on `/metrics` ([`render_metrics`]).

use crate::api::parse_num;
use crate::error::ApiError;
use crate::filter::{self, Filter};
use crate::{Hub, resolve};
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use mizu_analysis::classify;
use mizu_analysis::servicemap::{GroupBy, MapConfig, ServiceMap};
use mizu_analysis::stats::{StatsConfig, TrafficStats};
use mizu_model::Entry;
use mizu_store::{Deadline, Direction, Position, QuerySpec, Tri};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Mutex;
use std::time::Duration;

/// Bounds of the analyses (`HubConfig::analysis`).
#[derive(Clone, Copy, Debug)]
pub struct AnalysisConfig {
    /// Keep the service map and stats at ingest (default on).
    pub enabled: bool,
    pub map: MapConfig,
    pub stats: StatsConfig,
    /// Most edges exported as RED series on `/metrics` (the busiest; default 500).
    pub red_max_series: usize,
    /// Default and largest number of stored entries a filtered map/stats request reads
    /// (100 000 and 1 000 000).
    pub scan_limit: usize,
    pub max_scan_limit: usize,
    /// Deadline of one such scan (10 s).
    pub scan_timeout: Duration,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            enabled: true,
            map: MapConfig::default(),
            stats: StatsConfig::default(),
            red_max_series: 500,
            scan_limit: 100_000,
            max_scan_limit: 1_000_000,
            scan_timeout: Duration::from_secs(10),
        }
    }
}

/// The live analyses.
pub(crate) struct Analysis {
    cfg: AnalysisConfig,
    map: Mutex<ServiceMap>,
    stats: Mutex<TrafficStats>,
}

/// The name the stats file an entry's endpoints under: its destination node.
fn service_of(e: &Entry) -> &str {
    if e.dst.name.is_empty() {
        &e.dst.ip
    } else {
        &e.dst.name
    }
}

impl Analysis {
    pub(crate) fn new(cfg: AnalysisConfig) -> Analysis {
        Analysis {
            cfg,
            map: Mutex::new(ServiceMap::new(cfg.map, GroupBy::Name)),
            stats: Mutex::new(TrafficStats::new(cfg.stats)),
        }
    }

    /// Feeds one entry that is about to be stored.
    pub(crate) fn observe(&self, e: &Entry) {
        if !self.cfg.enabled {
            return;
        }
        let error = classify::is_error(e);
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .observe_with(e, error);
        self.stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .observe_with(e, service_of(e), error);
    }
}

pub(crate) fn routes() -> Router<Hub> {
    Router::new()
        .route("/servicemap/get", get(map_get))
        .route("/servicemap/status", get(map_status))
        .route("/servicemap/reset", get(map_reset).post(map_reset))
        .route("/status/trafficStats", get(traffic_stats))
}

/// Appends the RED series to the `/metrics` text.
pub(crate) fn render_metrics(hub: &Hub, out: &mut String) {
    let a = &hub.inner.analysis;
    if !a.cfg.enabled {
        return;
    }
    a.map
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .render_prometheus(a.cfg.red_max_series, out);
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Params {
    query: Option<String>,
    start_time_ms: Option<String>,
    end_time_ms: Option<String>,
    group_by: Option<String>,
    scan_limit: Option<String>,
    top: Option<String>,
}

/// What a scan of the store read.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScanInfo {
    /// Stored entries matching the filter and range that were analysed.
    matched: u64,
    /// Records read.
    scanned: u64,
    /// The scan stopped at `scanLimit` matches: older entries are not included.
    capped: bool,
    timed_out: bool,
    scan_limit: usize,
}

struct Range {
    start: Option<i64>,
    end: Option<i64>,
}

impl Range {
    fn parse(p: &Params) -> Result<Range, ApiError> {
        let r = Range {
            start: parse_num(p.start_time_ms.as_deref(), "startTimeMs")?,
            end: parse_num(p.end_time_ms.as_deref(), "endTimeMs")?,
        };
        if let (Some(s), Some(e)) = (r.start, r.end)
            && s >= e
        {
            return Err(ApiError::bad(format!(
                "`startTimeMs` ({s}) must be before `endTimeMs` ({e})"
            )));
        }
        Ok(r)
    }
    fn is_all(&self) -> bool {
        self.start.is_none() && self.end.is_none()
    }
    fn contains(&self, ts: i64) -> bool {
        self.start.is_none_or(|s| ts >= s) && self.end.is_none_or(|e| ts < e)
    }
}

/// Reads matching stored entries (newest first) into `sink`. Blocking.
fn scan(
    hub: &Hub,
    filter: Option<&Filter>,
    range: &Range,
    limit: usize,
    sink: &mut dyn FnMut(&Entry),
) -> ScanInfo {
    let cfg = &hub.inner.analysis.cfg;
    let spec = QuerySpec {
        left_off: Position::Latest,
        direction: Direction::Older,
        limit,
        deadline: Some(Deadline::after(cfg.scan_timeout)),
    };
    let now = filter::now_ms();
    let result = hub.inner.store.query_faceted(
        &spec,
        &mut |fa| filter.map_or(Tri::True, |f| f.prefilter(fa)),
        &mut |r| {
            if let Some(f) = filter {
                f.prefetch_record(r);
            }
        },
        &mut |r| range.contains(r.timestamp()) && filter.is_none_or(|f| f.eval_record(r, now)),
    );
    let mut matched = 0u64;
    // Oldest first, as at ingest: node ids come out as in the live map.
    for r in result.records.iter().rev() {
        // A record the facets matched still has to be in the range.
        if !range.contains(r.timestamp()) {
            continue;
        }
        if let Ok(e) = serde_json::from_slice::<Entry>(r.entry_json()) {
            matched += 1;
            sink(&e);
        }
    }
    ScanInfo {
        matched,
        scanned: result.progress.current,
        capped: result.records.len() >= limit && !result.progress.no_more_data,
        timed_out: result.progress.timed_out,
        scan_limit: limit,
    }
}

fn prepare(hub: &Hub, p: &Params) -> Result<(Option<Filter>, Range, usize), ApiError> {
    let filter = resolve::compile(hub, p.query.as_deref().unwrap_or("")).map_err(|e| {
        ApiError::bad(format!("invalid query: {e}")).with(json!({
            "message": e.message, "offset": e.offset, "line": e.line, "column": e.column,
        }))
    })?;
    let range = Range::parse(p)?;
    let cfg = &hub.inner.analysis.cfg;
    let limit = parse_num::<usize>(p.scan_limit.as_deref(), "scanLimit")?
        .unwrap_or(cfg.scan_limit)
        .clamp(1, cfg.max_scan_limit);
    Ok((filter, range, limit))
}

async fn map_get(
    State(hub): State<Hub>,
    params: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad(format!("bad query string: {e}")))?;
    let group = match p.group_by.as_deref() {
        None => GroupBy::Name,
        Some(g) => GroupBy::parse(g).ok_or_else(|| {
            ApiError::bad(format!(
                "`groupBy` must be `name`, `workload` or `host`, got `{g}`"
            ))
        })?,
    };
    let (filter, range, limit) = prepare(&hub, &p)?;
    let a = &hub.inner.analysis;
    if filter.is_none() && range.is_all() && group != GroupBy::Host && a.cfg.enabled {
        let m = a.map.lock().unwrap_or_else(|p| p.into_inner());
        let view = if group == GroupBy::Name {
            m.view()
        } else {
            m.regrouped(group).view()
        };
        drop(m);
        return Ok(Json(view).into_response());
    }
    let h = hub.clone();
    let cfg = a.cfg.map;
    let (view, info) = tokio::task::spawn_blocking(move || {
        let mut m = ServiceMap::new(cfg, group);
        let info = scan(&h, filter.as_ref(), &range, limit, &mut |e| m.observe(e));
        (m.view(), info)
    })
    .await
    .map_err(|_| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "scan failed"))?;
    let mut v = serde_json::to_value(view).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "scan".into(),
            serde_json::to_value(info).unwrap_or(Value::Null),
        );
    }
    Ok(Json(v).into_response())
}

async fn map_status(State(hub): State<Hub>) -> Response {
    let a = &hub.inner.analysis;
    let mut st = a.map.lock().unwrap_or_else(|p| p.into_inner()).status();
    if !a.cfg.enabled {
        st.status = "disabled";
    }
    Json(st).into_response()
}

async fn map_reset(State(hub): State<Hub>) -> Response {
    let a = &hub.inner.analysis;
    a.map.lock().unwrap_or_else(|p| p.into_inner()).reset();
    Json(json!({"status": "reset"})).into_response()
}

async fn traffic_stats(
    State(hub): State<Hub>,
    params: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad(format!("bad query string: {e}")))?;
    let (filter, range, limit) = prepare(&hub, &p)?;
    let top = parse_num::<usize>(p.top.as_deref(), "top")?
        .unwrap_or(10)
        .clamp(1, 100);
    let a = &hub.inner.analysis;
    if filter.is_none() && a.cfg.enabled {
        let s = a.stats.lock().unwrap_or_else(|p| p.into_inner());
        return Ok(Json(s.view(range.start, range.end, top)).into_response());
    }
    let h = hub.clone();
    let cfg = a.cfg.stats;
    let (view, info) = tokio::task::spawn_blocking(move || {
        let mut s = TrafficStats::new(cfg);
        let info = scan(&h, filter.as_ref(), &range, limit, &mut |e| {
            s.observe(e, service_of(e))
        });
        (s.view(range.start, range.end, top), info)
    })
    .await
    .map_err(|_| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "scan failed"))?;
    let mut v = serde_json::to_value(view).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "scan".into(),
            serde_json::to_value(info).unwrap_or(Value::Null),
        );
    }
    Ok(Json(v).into_response())
}
