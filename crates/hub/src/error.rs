//! [`ApiError`]: every error the hub answers is JSON `{"error": "…", …}` with a 4xx/5xx
//! status (docs/api.md). Also the two safety nets that keep that promise for errors the
//! hub's handlers never see: [`json_errors`] rewrites any non-JSON error response a route,
//! extractor or layer produced (405, 413, …), and [`crate::conn`] rewrites the empty
//! responses hyper writes itself for requests it cannot parse (400, 414, 431).
//!
//! Its own module so that `api`, `agents` and `ws` all depend on it and not on each other.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A JSON error response.
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: json!({ "error": message.into() }),
        }
    }

    pub(crate) fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// An error with more members than `error` (they are merged into the object).
    pub(crate) fn with(mut self, extra: Value) -> ApiError {
        if let (Some(o), Value::Object(e)) = (self.body.as_object_mut(), extra) {
            o.extend(e);
        }
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

fn is_json(r: &Response) -> bool {
    r.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// What the hub says for an error status that came without a JSON body.
pub(crate) fn message_for(status: StatusCode, detail: &str) -> String {
    let detail = detail.trim();
    let what = match status.as_u16() {
        400 => "bad request",
        404 => "no such route: see docs/api.md",
        405 => "method not allowed for this route: see docs/api.md",
        408 => "request timed out",
        413 => "request body too large (the hub's --max-message-size)",
        414 => "URL too long (more than 65534 bytes): shorten the query",
        415 => "unsupported content type: send JSON",
        431 => "request head too large: send fewer or smaller headers",
        _ => status.canonical_reason().unwrap_or("error"),
    };
    if detail.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {detail}")
    }
}

/// Middleware: an error response that is not JSON (axum's plain-text rejections, an empty
/// 405, a fallback service's page) becomes `{"error": "<what>: <its text>"}` with the
/// same status and headers (`Allow` stays).
pub(crate) async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&resp) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let body = json!({ "error": message_for(status, &text) }).to_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}
