//! REST routes (Mizu-compatible where Mizu had them, mizu.md §3.2): entries list and
//! detail, query validation, status, version, metrics. Errors are JSON
//! `{"error": "...", …}` with a 4xx status; nothing a client sends can stop the hub.

use crate::filter::{self, Filter, FilterError};
use crate::{Hub, agents, metrics, ws};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use mizu_store::{Deadline, Direction, Lookup, Position, QuerySpec};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

/// A JSON error response.
pub(crate) struct ApiError {
    status: StatusCode,
    body: Value,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: json!({ "error": message.into() }),
        }
    }

    fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    fn query(e: &FilterError) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: json!({
                "error": format!("invalid query: {e}"),
                "message": e.message,
                "offset": e.offset,
                "line": e.line,
                "column": e.column,
            }),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

pub(crate) fn router(hub: Hub) -> Router {
    let max = hub.inner.config.limits.max_message_bytes;
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
        .route("/ws", get(ws::handler))
        .route("/agents/ws", get(agents::handler))
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(max))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            },
        ))
        .with_state(hub)
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
];

/// Unknown routes: a GET/HEAD outside the API gets the web UI (`mizu-ui`: the file, else
/// index.html for client-side routing); everything else a JSON 404.
async fn fallback(req: axum::extract::Request) -> Response {
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
        "no such route: see docs/api.md (GET /entries, /entries/{id}, /status, /version, /metrics; POST /query/validate; WebSocket /ws, /agents/ws)",
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

pub(crate) fn compile(hub: &Hub, src: &str) -> Result<Option<Filter>, ApiError> {
    metrics::inc(&hub.inner.metrics.queries);
    if src.trim().is_empty() {
        return Ok(None);
    }
    Filter::compile(src).map(Some).map_err(|e| {
        metrics::inc(&hub.inner.metrics.query_errors);
        ApiError::query(&e)
    })
}

async fn list(
    State(hub): State<Hub>,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad(format!("bad query string: {e}")))?;
    let limits = &hub.inner.config.limits;
    let left_off = Position::parse(p.left_off.as_deref().unwrap_or(""))
        .ok_or_else(|| ApiError::bad("`leftOff` must be an entry id or `latest`"))?;
    let direction = match parse_num::<i64>(p.direction.as_deref(), "direction")? {
        None => Direction::Older,
        Some(d) => Direction::from_mizu(d)
            .ok_or_else(|| ApiError::bad("`direction` must be 1 (newer) or -1 (older)"))?,
    };
    let filter = compile(&hub, p.query.as_deref().unwrap_or(""))?;
    let mut limit = parse_num::<usize>(p.limit.as_deref(), "limit")?.unwrap_or(100);
    if let Some(l) = filter.as_ref().and_then(Filter::limit) {
        limit = limit.min(l);
    }
    let limit = limit.clamp(1, limits.max_query_limit);
    let timeout = parse_num::<u64>(p.timeout_ms.as_deref(), "timeoutMs")?
        .unwrap_or(limits.default_timeout_ms)
        .min(limits.max_timeout_ms);
    let spec = QuerySpec {
        left_off,
        direction,
        limit,
        deadline: Some(Deadline::after(Duration::from_millis(timeout))),
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
            return Err(ApiError {
                status: StatusCode::GONE,
                body: json!({
                    "error": format!("entry {id} was evicted to keep the store within max-entries-db-size; entries before {t} (ms) are gone"),
                    "truncatedTimestamp": t,
                }),
            });
        }
        Lookup::NotFound => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("no entry with id {id}"),
            ));
        }
    };
    let filter = compile(&hub, p.query.as_deref().unwrap_or(""))?;
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

async fn validate(State(hub): State<Hub>, body: Bytes) -> Result<Response, ApiError> {
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
    let v = match filter::validate(&req.query) {
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
    let agents: Vec<crate::AgentStatus> = inner
        .agents
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .cloned()
        .collect();
    let connected = agents.iter().filter(|a| a.connected).count();
    let now = filter::now_ms();
    let c = &inner.config;
    axum::Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "startTime": inner.started_ms,
        "uptimeMs": now - inner.started_ms,
        "agentsConnected": connected,
        "agents": agents,
        "store": inner.store.stats(),
        "wsClients": hub.ws_clients(),
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
    let text = hub.inner.metrics.render(&hub.inner.store.stats());
    let mut r = Response::new(Body::from(text));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}
