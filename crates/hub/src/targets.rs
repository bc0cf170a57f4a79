//! `/agents/targets`: the REST side of the target lists the hub pushes to agents
//! (`mizu_proto::TargetList`; the same lists [`Hub::set_targets`] sets in-process).
//!
//! * `PUT /agents/targets/{node}` with a `TargetList` JSON body (`v` and `node` may be left
//!   out: the node comes from the path) replaces that node's list and pushes it to the
//!   node's connected agents at once; agents connecting later get it on connect.
//!   `PUT /agents/targets` sets the default list, for nodes without one of their own.
//!   The hub makes `generation` increase: a body's generation not above the stored one
//!   becomes the stored one + 1. Answers the stored list.
//! * `GET /agents/targets/{node}`: the list that node's agents get (its own or the
//!   default; 404 if neither); `GET /agents/targets`: every list, by node (`""`: default).
//!
//! Changing what agents capture is the control plane's job, so these routes need the
//! agents' token (`Authorization: Bearer <hub --token>`), not the UI token; without a
//! hub token they answer 403 like `/agents/ws`.

use crate::auth::constant_time_eq;
use crate::error::ApiError;
use crate::{Hub, metrics};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mizu_proto::TargetList;

/// The routes (state: the hub).
pub(crate) fn routes() -> Router<Hub> {
    Router::new()
        .route("/agents/targets", get(list).put(put_default))
        .route("/agents/targets/{node}", get(get_node).put(put_node))
}

/// The path prefix these routes share (the UI-token layer leaves them to [`authorize`]).
pub(crate) const PREFIX: &str = "/agents/targets";

/// `None`: authorized; `Some`: the answer to send instead.
fn authorize(hub: &Hub, headers: &HeaderMap) -> Option<Response> {
    let Some(token) = hub.inner.config.token.as_deref() else {
        return Some(ApiError::new(
            StatusCode::FORBIDDEN,
            "agent targets are disabled: start the hub with --token TOKEN (or MIZU_HUB_TOKEN) and send `Authorization: Bearer TOKEN`",
        )
        .into_response());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if constant_time_eq(given.trim().as_bytes(), token.as_bytes()) {
        return None;
    }
    metrics::inc(&hub.inner.metrics.auth_failures);
    let mut r = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "missing or wrong token: send `Authorization: Bearer <token>` with the hub's --token",
    )
    .into_response();
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    Some(r)
}

async fn list(State(hub): State<Hub>, headers: HeaderMap) -> Response {
    if let Some(r) = authorize(&hub, &headers) {
        return r;
    }
    let all = hub.inner.targets.borrow().clone();
    axum::Json(serde_json::json!({ "data": all })).into_response()
}

async fn get_node(
    State(hub): State<Hub>,
    Path(node): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = authorize(&hub, &headers) {
        return r;
    }
    match hub.targets_for(&node) {
        Some(l) => axum::Json(l).into_response(),
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no target list for node {node:?} and no default: PUT /agents/targets/{node} sets one"),
        )
        .into_response(),
    }
}

async fn put_default(State(hub): State<Hub>, headers: HeaderMap, body: Bytes) -> Response {
    put(&hub, String::new(), &headers, &body)
}

async fn put_node(
    State(hub): State<Hub>,
    Path(node): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    put(&hub, node, &headers, &body)
}

fn put(hub: &Hub, node: String, headers: &HeaderMap, body: &[u8]) -> Response {
    if let Some(r) = authorize(hub, headers) {
        return r;
    }
    let mut list: TargetList = match serde_json::from_slice(body) {
        Ok(l) => l,
        Err(e) => {
            return ApiError::bad(format!(
                "the body must be a target list: {{\"targets\": [{{\"netns\": …, \"addresses\": […], …}}]}} (docs/api.md): {e}"
            ))
            .into_response();
        }
    };
    if !list.node.is_empty() && list.node != node {
        return ApiError::bad(format!(
            "the body names node {:?} but the path names {node:?}: leave `node` out of the body",
            list.node
        ))
        .into_response();
    }
    if node.len() > 253 {
        return ApiError::bad("node name longer than 253 bytes").into_response();
    }
    let previous = hub
        .inner
        .targets
        .borrow()
        .get(&node)
        .map_or(0, |l| l.generation);
    list.generation = list.generation.max(previous + 1);
    list.node = node.clone();
    hub.set_targets(list);
    match hub.inner.targets.borrow().get(&node) {
        Some(l) => axum::Json(l.clone()).into_response(),
        None => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "target list not stored")
            .into_response(),
    }
}
