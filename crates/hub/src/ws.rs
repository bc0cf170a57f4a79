//! `/ws`: the browser WebSocket (Mizu's, mizu.md §3.3). On connect the hub sends
//! `startTime` and `status`. Each client message `{leftOff, query, limit}` (Mizu's
//! `{leftOff, query, enableFullEntries, fetch, timeoutMs}` too) starts a query that
//! replaces the previous one: first the stored matches from `leftOff` (sent oldest first),
//! then `queryMetadata`, then live matches as they are stored. Every message is
//! `{"messageType": "entry"|"fullEntry"|"queryMetadata"|"toast"|"status"|"startTime",
//! "data": …}`.
//!
//! Bounds: at most `max_ws_clients` sockets (503 beyond); client messages up to 1 MiB;
//! each client has a bounded live queue — when it falls behind, entries are skipped,
//! counted, and the client gets a `toast`; a send that takes over 10 s closes it.

use crate::filter::{self, Filter};
use crate::{Hub, api, metrics};
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mizu_store::{Deadline, Direction, Position, QuerySpec, Record};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};

const SEND_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_CLIENT_MESSAGE: usize = 1 << 20;

pub(crate) async fn handler(State(hub): State<Hub>, ws: WebSocketUpgrade) -> Response {
    let Ok(permit) = hub.inner.ws_slots.clone().try_acquire_owned() else {
        return api::ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "too many WebSocket clients (max {})",
                hub.inner.config.limits.max_ws_clients
            ),
        )
        .into_response();
    };
    ws.max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| async move {
            let m = &hub.inner.metrics;
            metrics::inc(&m.ws_clients);
            metrics::inc(&m.ws_connections);
            client(&hub, socket).await;
            metrics::dec(&hub.inner.metrics.ws_clients);
            drop(permit);
        })
}

/// A client's query message. Unknown fields are ignored (Mizu sends a few more).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct QueryMsg {
    left_off: Option<Value>,
    query: String,
    limit: Option<usize>,
    fetch: Option<usize>,
    timeout_ms: Option<u64>,
    enable_full_entries: bool,
    direction: Option<i64>,
}

struct Active {
    filter: Option<Filter>,
    full: bool,
    /// Live entries with ids above this are new to the client.
    after: u64,
}

fn envelope(kind: &str, data: &[u8]) -> Message {
    let mut s = String::with_capacity(data.len() + kind.len() + 32);
    s.push_str("{\"messageType\":\"");
    s.push_str(kind);
    s.push_str("\",\"data\":");
    s.push_str(std::str::from_utf8(data).unwrap_or("null"));
    s.push('}');
    Message::Text(Utf8Bytes::from(s))
}

fn envelope_value(kind: &str, data: &Value) -> Message {
    envelope(kind, data.to_string().as_bytes())
}

fn toast(kind: &str, text: &str) -> Message {
    envelope_value(
        "toast",
        &json!({ "type": kind, "text": text, "autoClose": 5000 }),
    )
}

async fn send(socket: &mut WebSocket, msg: Message) -> bool {
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(msg)).await,
        Ok(Ok(()))
    )
}

/// The entry message for one record: BaseEntry, or the full entry (with the query's
/// `redact(...)` paths masked).
fn entry_message(rec: &Record, a: &Active) -> Message {
    if !a.full {
        return envelope("entry", rec.base_json());
    }
    match a.filter.as_ref().filter(|f| !f.redactions().is_empty()) {
        None => envelope("fullEntry", rec.entry_json()),
        Some(f) => match serde_json::from_slice::<Value>(rec.entry_json()) {
            Ok(mut v) => {
                f.redact(&mut v);
                envelope_value("fullEntry", &v)
            }
            Err(_) => envelope("fullEntry", rec.entry_json()),
        },
    }
}

async fn client(hub: &Hub, mut socket: WebSocket) {
    let inner = &hub.inner;
    let mut shutdown = inner.shutdown.subscribe();
    if !send(
        &mut socket,
        envelope_value("startTime", &json!(inner.started_ms)),
    )
    .await
    {
        return;
    }
    let st = inner.store.stats();
    let status = json!({ "entries": st.entries, "bytes": st.bytes, "budget": st.budget,
        "truncatedTimestamp": st.truncated_timestamp.unwrap_or(0) });
    if !send(&mut socket, envelope_value("status", &status)).await {
        return;
    }
    let mut live: Option<broadcast::Receiver<Arc<Record>>> = None;
    let mut active: Option<Active> = None;
    loop {
        tokio::select! {
            msg = socket.recv() => {
                let text = match msg {
                    None | Some(Err(_)) => break,
                    Some(Ok(Message::Text(t))) => t.to_string(),
                    Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
                    Some(Ok(Message::Close(_))) => break,
                    Some(Ok(_)) => continue,
                };
                active = None;
                live = None;
                match start_query(hub, &mut socket, &text).await {
                    Ok(Some((a, rx))) => {
                        active = Some(a);
                        live = Some(rx);
                    }
                    Ok(None) => {}
                    Err(()) => break,
                }
            }
            r = async {
                match live.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => {
                let Some(a) = active.as_mut() else { continue };
                match r {
                    Ok(rec) => {
                        if rec.id() <= a.after {
                            continue;
                        }
                        a.after = rec.id();
                        let hit = a.filter.as_ref().is_none_or(|f| f.matches_record(&rec, filter::now_ms()));
                        if hit && !send(&mut socket, entry_message(&rec, a)).await {
                            break;
                        }
                    }
                    Err(RecvError::Lagged(n)) => {
                        metrics::add(&inner.metrics.ws_live_dropped, n);
                        let text = format!("{n} live entries were skipped: this client could not keep up (narrow the query or pause)");
                        if !send(&mut socket, toast("warning", &text)).await {
                            break;
                        }
                    }
                    Err(RecvError::Closed) => break,
                }
            }
            _ = shutdown.changed() => {
                let _ = socket.send(Message::Close(Some(CloseFrame {
                    code: 1001,
                    reason: Utf8Bytes::from_static("hub shutting down"),
                }))).await;
                break;
            }
        }
    }
}

/// Runs the historical part of a query and returns the live state, or `Ok(None)` after
/// telling the client what was wrong, or `Err` when the socket is gone.
async fn start_query(
    hub: &Hub,
    socket: &mut WebSocket,
    text: &str,
) -> Result<Option<(Active, broadcast::Receiver<Arc<Record>>)>, ()> {
    let inner = &hub.inner;
    let limits = &inner.config.limits;
    let msg: QueryMsg = match serde_json::from_str(text) {
        Ok(m) => m,
        Err(e) => {
            let t = format!(
                "bad query message (expected {{\"leftOff\":\"latest\",\"query\":\"\",\"limit\":100}}): {e}"
            );
            return if send(socket, toast("error", &t)).await {
                Ok(None)
            } else {
                Err(())
            };
        }
    };
    metrics::inc(&inner.metrics.queries);
    let filter = if msg.query.trim().is_empty() {
        None
    } else {
        match Filter::compile(&msg.query) {
            Ok(f) => Some(f),
            Err(e) => {
                metrics::inc(&inner.metrics.query_errors);
                let meta = json!({ "query": msg.query, "error": e.to_string(), "offset": e.offset,
                    "line": e.line, "column": e.column });
                let ok = send(socket, toast("error", &format!("invalid query: {e}"))).await
                    && send(socket, envelope_value("queryMetadata", &meta)).await;
                return if ok { Ok(None) } else { Err(()) };
            }
        }
    };
    let left_off = match &msg.left_off {
        None | Some(Value::Null) => Some(Position::Latest),
        Some(Value::String(s)) => Position::parse(s),
        Some(Value::Number(n)) => n.as_u64().map(Position::Id),
        Some(_) => None,
    };
    let Some(left_off) = left_off else {
        let ok = send(
            socket,
            toast("error", "`leftOff` must be an entry id or \"latest\""),
        )
        .await;
        return if ok { Ok(None) } else { Err(()) };
    };
    let direction = msg
        .direction
        .and_then(Direction::from_mizu)
        .unwrap_or(Direction::Older);
    let mut limit = msg.limit.or(msg.fetch).unwrap_or(100);
    if let Some(l) = filter.as_ref().and_then(Filter::limit) {
        limit = limit.min(l);
    }
    let limit = limit.min(limits.max_query_limit);
    let timeout = msg
        .timeout_ms
        .unwrap_or(limits.default_timeout_ms)
        .min(limits.max_timeout_ms);
    // Subscribe before reading the newest id: nothing falls between history and live.
    let rx = inner.live.subscribe();
    let newest = inner.store.last_id();
    let left_off = match (left_off, direction) {
        (Position::Latest, Direction::Older) => Position::Id(newest.saturating_add(1)),
        (p, _) => p,
    };
    let spec = QuerySpec {
        left_off,
        direction,
        limit,
        deadline: Some(Deadline::after(Duration::from_millis(timeout))),
    };
    let mut active = Active {
        filter,
        full: msg.enable_full_entries,
        after: newest,
    };
    let result = if limit == 0 {
        None
    } else {
        let h = hub.clone();
        let f = active.filter.take();
        let (f, result) = tokio::task::spawn_blocking(move || {
            let r = filter::scan(&h.inner.store, &spec, f.as_ref());
            (f, r)
        })
        .await
        .map_err(|_| ())?;
        active.filter = f;
        Some(result)
    };
    let mut meta = json!({ "query": msg.query, "current": 0, "total": inner.store.stats().entries,
        "leftOff": mizu_store::format_id(newest), "truncatedTimestamp": inner.store.truncated_timestamp().unwrap_or(0) });
    if let Some(mut result) = result {
        if direction == Direction::Older {
            result.records.reverse();
        }
        for rec in &result.records {
            active.after = active.after.max(rec.id());
            if !send(socket, entry_message(rec, &active)).await {
                return Err(());
            }
        }
        if let Ok(Value::Object(p)) = serde_json::to_value(&result.progress)
            && let Some(m) = meta.as_object_mut()
        {
            m.extend(p);
        }
    }
    if !send(socket, envelope_value("queryMetadata", &meta)).await {
        return Err(());
    }
    Ok(Some((active, rx)))
}
