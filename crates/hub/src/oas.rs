//! OpenAPI documents inferred at ingest (Mizu's `/oas`): every stored HTTP entry is fed
//! to [`mizu_analysis::oas::Oas`] (bounded by its caps); the routes render documents on
//! request.
//!
//! - `GET /oas` (and `/oas/`): the services with a document, as Mizu (`["svc", …]`);
//!   `?details=true` gives `[{service, operations, entries, failures, firstSeen, lastSeen}]`.
//! - `GET /oas/all`: `{service: document}`.
//! - `GET /oas/{service}`: one OpenAPI 3.1 document; `?download=true` adds
//!   `Content-Disposition: attachment`.

use crate::Hub;
use crate::error::ApiError;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mizu_analysis::oas::Oas;
use serde::Deserialize;
use std::fmt::Write;
use std::sync::{Mutex, MutexGuard};

pub(crate) fn lock(m: &Mutex<Oas>) -> MutexGuard<'_, Oas> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn routes() -> Router<Hub> {
    Router::new()
        .route("/oas", get(services))
        .route("/oas/", get(services))
        .route("/oas/all", get(all))
        .route("/oas/{service}", get(document))
}

fn oas(hub: &Hub) -> Result<&Mutex<Oas>, ApiError> {
    hub.inner.oas.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "OpenAPI inference is off (config key oas.enable)",
        )
    })
}

#[derive(Deserialize, Default)]
struct Opts {
    details: Option<String>,
    download: Option<String>,
}

fn flag(v: &Option<String>) -> bool {
    v.as_deref()
        .is_some_and(|v| matches!(v, "" | "1" | "true" | "yes"))
}

async fn services(State(hub): State<Hub>, Query(q): Query<Opts>) -> Response {
    let m = match oas(&hub) {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    let o = lock(m);
    if flag(&q.details) {
        axum::Json(o.summary()).into_response()
    } else {
        axum::Json(o.services()).into_response()
    }
}

async fn all(State(hub): State<Hub>) -> Response {
    match oas(&hub) {
        Ok(m) => {
            let docs = lock(m).all();
            axum::Json(docs).into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn document(
    State(hub): State<Hub>,
    Path(service): Path<String>,
    Query(q): Query<Opts>,
) -> Response {
    let m = match oas(&hub) {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    let doc = lock(m).document(&service);
    let Some(doc) = doc else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no OpenAPI document for service {service:?}: GET /oas lists the services"),
        )
        .into_response();
    };
    let mut r = axum::Json(doc).into_response();
    if flag(&q.download) {
        let file: String = service
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if let Ok(v) =
            HeaderValue::from_str(&format!("attachment; filename=\"{file}.openapi.json\""))
        {
            r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
    }
    r
}

/// `mizu_hub_oas_*` gauges and counters.
pub(crate) fn render_metrics(m: &Mutex<Oas>, o: &mut String) {
    let s = lock(m).stats().clone();
    for (name, kind, help, v) in [
        (
            "mizu_hub_oas_services",
            "gauge",
            "Services with an OpenAPI document.",
            s.services,
        ),
        (
            "mizu_hub_oas_operations",
            "gauge",
            "Operations (path template + method) in the OpenAPI documents.",
            s.operations,
        ),
        (
            "mizu_hub_oas_entries_total",
            "counter",
            "HTTP entries added to an OpenAPI document.",
            s.entries,
        ),
        (
            "mizu_hub_oas_ignored_total",
            "counter",
            "HTTP entries skipped by OpenAPI inference (OPTIONS, static files, 301/308, 502-504, no response).",
            s.ignored,
        ),
        (
            "mizu_hub_oas_overflow_total",
            "counter",
            "HTTP entries not added because the service or operation caps were reached.",
            s.overflow_services + s.overflow_operations,
        ),
        (
            "mizu_hub_oas_collapsed_segments_total",
            "counter",
            "Path segments turned into a parameter because a path node or service was full.",
            s.collapsed_segments,
        ),
        (
            "mizu_hub_oas_details_dropped_total",
            "counter",
            "Schema properties, parameters, statuses, media types or examples not kept (caps).",
            s.overflow_details,
        ),
    ] {
        let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
    }
}
