//! REST routes (Mizu-compatible where Mizu had them, mizu.md §3.2): entries list and
//! detail, query validation, status, version, metrics. Errors are JSON
//! `{"error": "...", …}` with a 4xx status; nothing a client sends can stop the hub.

use crate::error::ApiError;
use crate::filter;
use crate::resolve::{self, Params};
use crate::{Hub, metrics};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use mizu_store::{Deadline, Direction, Lookup, QuerySpec};
use serde::Deserialize;
use serde_json::{Value, json};

fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The REST routes (state: the hub).
pub(crate) fn routes() -> Router<Hub> {
    Router::new()
        .route("/entries", get(list))
        .route("/entries/", get(list))
        .route("/entries/{id}", get(entry))
        .route("/query/validate", post(validate))
        .route("/status", get(status))
        .route("/version", get(version))
        .route("/metadata/version", get(version))
        .route("/echo", get(|| async { "Here is Mizu agent" }))
        .route("/metrics", get(prometheus))
}

/// Paths under these prefixes are the API: unknown ones get a JSON 404, never the UI.
const API_PREFIXES: &[&str] = &[
    "/entries",
    "/query",
    "/status",
    "/version",
    "/metadata",
    "/echo",
    "/metrics",
    "/ws",
    "/agents",
    "/servicemap",
    "/replay",
    "/api",
    "/oas",
    "/rules",
];

/// Unknown routes: a GET/HEAD outside the API gets the web UI (`mizu-ui`: the file, else
/// index.html for client-side routing); everything else a JSON 404.
pub(crate) async fn fallback(req: axum::extract::Request) -> Response {
    let path = req.uri().path();
    let api = API_PREFIXES.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    });
    if !api && (req.method() == axum::http::Method::GET || req.method() == axum::http::Method::HEAD)
    {
        return mizu_ui::serve(req).await;
    }
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such route: see docs/api.md (GET /entries, /entries/{id}, /entries/har, /entries/pcap, /status, /status/trafficStats, /servicemap/get, /oas, /rules, /version, /metrics; POST /query/validate, /replay/; WebSocket /ws, /agents/ws)",
    )
    .into_response()
}

/// Query string of `GET /entries` (all optional; strings so errors are ours).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListParams {
    left_off: Option<String>,
    direction: Option<String>,
    query: Option<String>,
    limit: Option<String>,
    timeout_ms: Option<String>,
}

pub(crate) fn parse_num<T: std::str::FromStr>(
    v: Option<&str>,
    name: &str,
) -> Result<Option<T>, ApiError> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| ApiError::bad(format!("`{name}` must be a number, got `{s}`"))),
    }
}

async fn list(
    State(hub): State<Hub>,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad(format!("bad query string: {e}")))?;
    let r = resolve::resolve(
        &hub,
        &Params {
            left_off: p.left_off.as_deref(),
            direction: parse_num::<i64>(p.direction.as_deref(), "direction")?,
            query: p.query.as_deref().unwrap_or(""),
            limit: parse_num::<usize>(p.limit.as_deref(), "limit")?,
            timeout_ms: parse_num::<u64>(p.timeout_ms.as_deref(), "timeoutMs")?,
        },
        1,
    )?;
    let direction = r.direction;
    let filter = r.filter;
    let spec = QuerySpec {
        left_off: r.left_off,
        direction,
        limit: r.limit,
        deadline: Some(Deadline::after(r.timeout)),
    };
    let h = hub.clone();
    let result =
        tokio::task::spawn_blocking(move || filter::scan(&h.inner.store, &spec, filter.as_ref()))
            .await
            .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "query failed"))?;
    let mut body = Vec::with_capacity(
        result
            .records
            .iter()
            .map(|r| r.base_json().len() + 1)
            .sum::<usize>()
            + 256,
    );
    body.extend_from_slice(b"{\"data\":[");
    for (i, r) in result.records.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(r.base_json());
    }
    body.extend_from_slice(b"],\"meta\":");
    let mut meta = serde_json::to_value(&result.progress).unwrap_or(Value::Null);
    if let Some(m) = meta.as_object_mut() {
        m.insert(
            "direction".into(),
            json!(if direction == Direction::Newer { 1 } else { -1 }),
        );
    }
    body.extend_from_slice(meta.to_string().as_bytes());
    body.push(b'}');
    Ok(json_bytes(StatusCode::OK, body))
}

#[derive(Deserialize, Default)]
pub(crate) struct EntryParams {
    query: Option<String>,
}

async fn entry(
    State(hub): State<Hub>,
    Path(id): Path<String>,
    params: Result<Query<EntryParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad(format!("bad query string: {e}")))?;
    let n = mizu_store::parse_id(&id)
        .ok_or_else(|| ApiError::bad(format!("`{id}` is not an entry id (digits)")))?;
    let rec = match hub.inner.store.get(n) {
        Lookup::Found(r) => r,
        Lookup::Evicted => {
            let t = hub.inner.store.truncated_timestamp().unwrap_or(0);
            return Err(ApiError::new(
                StatusCode::GONE,
                format!("entry {id} was evicted to keep the store within max-entries-db-size; entries before {t} (ms) are gone"),
            )
            .with(json!({ "truncatedTimestamp": t })));
        }
        Lookup::NotFound => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("no entry with id {id}"),
            ));
        }
    };
    let filter = resolve::compile(&hub, p.query.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::from(resolve::Refused::Filter(e)))?;
    match filter.filter(|f| !f.redactions().is_empty()) {
        None => {
            let mut body = Vec::with_capacity(rec.entry_json().len() + rec.base_json().len() + 32);
            body.extend_from_slice(b"{\"data\":");
            body.extend_from_slice(rec.entry_json());
            body.extend_from_slice(b",\"base\":");
            body.extend_from_slice(rec.base_json());
            body.push(b'}');
            Ok(json_bytes(StatusCode::OK, body))
        }
        Some(f) => {
            let mut v: Value = serde_json::from_slice(rec.entry_json()).map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("stored entry: {e}"),
                )
            })?;
            f.redact(&mut v);
            let base: Value = serde_json::from_slice(rec.base_json()).unwrap_or(Value::Null);
            Ok(axum::Json(json!({ "data": v, "base": base })).into_response())
        }
    }
}

async fn validate(
    State(hub): State<Hub>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| {
        let status = e.status();
        let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!("over {} bytes", hub.inner.config.limits.max_message_bytes)
        } else {
            e.body_text()
        };
        ApiError::new(status, crate::error::message_for(status, &detail))
    })?;
    #[derive(Deserialize)]
    struct Req {
        query: String,
    }
    let req: Req = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad(format!(
            "body must be JSON like {{\"query\": \"http and response.status == 500\"}}: {e}"
        ))
    })?;
    metrics::inc(&hub.inner.metrics.queries);
    let v = match filter::validate(&req.query, &hub.inner.language) {
        Ok(()) => json!({ "valid": true, "message": "" }),
        Err(e) => {
            metrics::inc(&hub.inner.metrics.query_errors);
            json!({
                "valid": false,
                "message": e.to_string(),
                "offset": e.offset,
                "line": e.line,
                "column": e.column,
            })
        }
    };
    Ok(axum::Json(v).into_response())
}

async fn status(State(hub): State<Hub>) -> Response {
    let inner = &hub.inner;
    let now = filter::now_ms();
    let agents: Vec<crate::AgentStatus> = {
        let mut map = inner.agents.lock().unwrap_or_else(|e| e.into_inner());
        let n = crate::roster::prune(&mut map, now, &inner.config.limits, 0);
        metrics::add(&inner.metrics.agents_expired, n);
        map.values().cloned().collect()
    };
    let connected = agents.iter().filter(|a| a.connected).count();
    let c = &inner.config;
    axum::Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "startTime": inner.started_ms,
        "uptimeMs": now - inner.started_ms,
        "agentsConnected": connected,
        "agents": agents,
        "agentsExpired": inner.metrics.agents_expired.load(std::sync::atomic::Ordering::Relaxed),
        "store": inner.store.stats(),
        "wsClients": hub.ws_clients(),
        "uiTokenConfigured": c.ui_token.is_some(),
        "replay": {
            "enabled": c.replay.enabled,
            "flag": "--enable-replay",
            "timeoutMs": c.replay.timeout.as_millis() as u64,
            "maxResponseBytes": c.replay.max_response_bytes,
            "maxParallel": c.replay.max_parallel,
        },
        "pcapExport": inner.packets.get().is_some(),
        "capture": inner.capture.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        "ingest": {
            "tokenConfigured": c.token.is_some(),
            "redact": c.redact,
            "redactPatterns": !c.redact_patterns.is_empty(),
            "insertionFilter": c.insertion_filter.clone().unwrap_or_default(),
            "ignoredUserAgents": c.ignored_user_agents,
            "maxMessageBytes": c.limits.max_message_bytes,
            "maxBatchEntries": c.limits.max_batch_entries,
        },
    }))
    .into_response()
}

async fn version() -> Response {
    axum::Json(json!({ "ver": env!("CARGO_PKG_VERSION"), "name": "mizu" })).into_response()
}

async fn prometheus(State(hub): State<Hub>) -> Response {
    let mut text = hub.inner.metrics.render(&hub.inner.store.stats());
    {
        let agents = hub.inner.agents.lock().unwrap_or_else(|e| e.into_inner());
        metrics::render_agent_diagnostics(
            &mut text,
            agents.values().filter_map(|a| a.report.as_ref()),
        );
    }
    crate::map::render_metrics(&hub, &mut text);
    hub.render_analysis_metrics(&mut text);
    let mut r = Response::new(Body::from(text));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}
