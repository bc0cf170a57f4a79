//! `/agents/ws`: the authenticated ingest stream agents (and tests) use.
//!
//! The upgrade request must carry `Authorization: Bearer <token>` (compared in constant
//! time); `?agent=NAME&node=NODE` name the agent in `/status`. With no token configured
//! on the hub, ingest is refused (403) — there is no unauthenticated mode. Then, per text
//! (or binary) message, one JSON object:
//!
//! * `{"type":"entries","seq":7,"entries":[Entry, …]}` — at most `max_batch_entries`.
//!   The hub answers `{"type":"ack","seq":7,"stored":n,"filtered":f,"invalid":i,
//!   "firstId":…,"lastId":…,"errors":[{"index":…,"message":…}]}` **after** the stored
//!   entries are durable (written and fsynced with a data dir). Invalid entries are
//!   skipped and listed; the rest of the batch is stored.
//! * `{"type":"status","agent":…,"node":…,"packets":…,"drops":…,"entries":…}` — the
//!   agent's counters, shown in `/status`; answered with nothing.
//!
//! A message that is not JSON or not one of these gets `{"type":"error","seq":…,
//! "message":…}` and the connection stays open. A message over `max_message_bytes` closes
//! the connection with code 1009 (message too big).

use crate::auth::constant_time_eq;
use crate::error::ApiError;
use crate::{AgentStatus, Hub, filter, metrics};
use axum::Router;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mizu_model::Entry;
use serde::Deserialize;
use serde_json::{Value, json};
use std::net::SocketAddr;

/// The agent ingest route (state: the hub).
pub(crate) fn routes() -> Router<Hub> {
    Router::new().route("/agents/ws", get(handler))
}

#[derive(Deserialize, Default)]
pub(crate) struct AgentParams {
    agent: Option<String>,
    node: Option<String>,
}

pub(crate) async fn handler(
    State(hub): State<Hub>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    params: Result<Query<AgentParams>, axum::extract::rejection::QueryRejection>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let inner = &hub.inner;
    let Some(token) = inner.config.token.as_deref() else {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "agent ingest is disabled: start the hub with --token TOKEN (or MIZU_HUB_TOKEN) and give agents the same token",
        )
        .into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !constant_time_eq(given.trim().as_bytes(), token.as_bytes()) {
        metrics::inc(&inner.metrics.auth_failures);
        let mut r = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing or wrong token: send `Authorization: Bearer <token>` with the hub's --token",
        )
        .into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer"),
        );
        return r;
    }
    let ws = match ws {
        Ok(ws) => ws,
        Err(e) => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("/agents/ws is a WebSocket endpoint: {e}"),
            )
            .into_response();
        }
    };
    let Ok(permit) = inner.agent_slots.clone().try_acquire_owned() else {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "too many agents connected (max {})",
                inner.config.limits.max_agents
            ),
        )
        .into_response();
    };
    let p = params.map(|q| q.0).unwrap_or_default();
    let agent = crate::roster::bounded_name(p.agent.unwrap_or_else(|| remote.to_string()));
    let node = crate::roster::bounded_name(p.node.unwrap_or_default());
    let max = inner.config.limits.max_message_bytes;
    // tungstenite's own cap is a backstop; our check below answers 1009 politely.
    ws.max_message_size(max.saturating_mul(2))
        .max_frame_size(max.saturating_mul(2))
        .on_upgrade(move |socket| async move {
            metrics::inc(&hub.inner.metrics.agents_connected);
            agent_loop(&hub, socket, agent, node, remote).await;
            metrics::dec(&hub.inner.metrics.agents_connected);
            drop(permit);
        })
}

fn update(hub: &Hub, agent: &str, f: impl FnOnce(&mut AgentStatus)) {
    let mut map = hub.inner.agents.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(a) = map.get_mut(agent) {
        f(a);
        a.last_seen = filter::now_ms();
    }
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum AgentMessage {
    Entries {
        #[serde(default)]
        seq: Option<u64>,
        entries: Vec<Value>,
    },
    Status {
        #[serde(default)]
        node: Option<String>,
        #[serde(default)]
        packets: u64,
        #[serde(default)]
        drops: u64,
        #[serde(default)]
        entries: u64,
    },
}

fn text(v: Value) -> Message {
    Message::Text(Utf8Bytes::from(v.to_string()))
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let mut r = reason.to_owned();
    // A close reason is at most 123 bytes.
    while r.len() > 120 {
        r.pop();
    }
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from(r),
        })))
        .await;
}

async fn agent_loop(
    hub: &Hub,
    mut socket: WebSocket,
    agent: String,
    node: String,
    remote: SocketAddr,
) {
    let inner = &hub.inner;
    let now = filter::now_ms();
    {
        let mut agents = inner.agents.lock().unwrap_or_else(|e| e.into_inner());
        let room = usize::from(!agents.contains_key(&agent));
        let expired = crate::roster::prune(&mut agents, now, &inner.config.limits, room);
        metrics::add(&inner.metrics.agents_expired, expired);
        agents
            .entry(agent.clone())
            .and_modify(|a| {
                a.connected = true;
                a.connected_at = now;
                a.remote = remote.to_string();
            })
            .or_insert_with(|| AgentStatus {
                agent: agent.clone(),
                node: node.clone(),
                remote: remote.to_string(),
                connected: true,
                connected_at: now,
                last_seen: now,
                ..AgentStatus::default()
            });
    }
    let limits = inner.config.limits.clone();
    let mut shutdown = inner.shutdown.subscribe();
    loop {
        let msg = tokio::select! {
            m = socket.recv() => m,
            _ = shutdown.changed() => {
                close(&mut socket, 1001, "hub shutting down").await;
                break;
            }
        };
        let data: Vec<u8> = match msg {
            None => break,
            Some(Err(e)) => {
                metrics::inc(&inner.metrics.agent_errors);
                let s = e.to_string();
                let code = if s.contains("too long") || s.contains("limit") {
                    1009
                } else {
                    1002
                };
                close(&mut socket, code, &s).await;
                break;
            }
            Some(Ok(Message::Text(t))) => t.as_bytes().to_vec(),
            Some(Ok(Message::Binary(b))) => b.to_vec(),
            Some(Ok(Message::Close(_))) => break,
            Some(Ok(_)) => continue,
        };
        metrics::inc(&inner.metrics.agent_messages);
        if data.len() > limits.max_message_bytes {
            metrics::inc(&inner.metrics.agent_errors);
            update(hub, &agent, |a| a.errors += 1);
            let reason = format!(
                "message of {} bytes is over the limit of {} bytes",
                data.len(),
                limits.max_message_bytes
            );
            close(&mut socket, 1009, &reason).await;
            break;
        }
        let reply = match serde_json::from_slice::<AgentMessage>(&data) {
            Err(e) => {
                metrics::inc(&inner.metrics.agent_errors);
                update(hub, &agent, |a| a.errors += 1);
                let seq = serde_json::from_slice::<Value>(&data)
                    .ok()
                    .and_then(|v| v.get("seq").cloned())
                    .unwrap_or(Value::Null);
                Some(json!({ "type": "error", "seq": seq, "message": format!(
                    "bad message ({e}): expected {{\"type\":\"entries\",\"seq\":N,\"entries\":[…]}} or {{\"type\":\"status\",…}}"
                ) }))
            }
            Ok(AgentMessage::Status {
                node: n,
                packets,
                drops,
                entries,
            }) => {
                update(hub, &agent, |a| {
                    a.packets = packets;
                    a.drops = drops;
                    a.entries = entries;
                    if let Some(n) = n {
                        a.node = crate::roster::bounded_name(n);
                    }
                });
                None
            }
            Ok(AgentMessage::Entries { seq, entries }) => {
                Some(ingest_batch(hub, &agent, seq, entries, limits.max_batch_entries).await)
            }
        };
        if let Some(r) = reply
            && socket.send(text(r)).await.is_err()
        {
            break;
        }
    }
    update(hub, &agent, |a| a.connected = false);
}

async fn ingest_batch(
    hub: &Hub,
    agent: &str,
    seq: Option<u64>,
    entries: Vec<Value>,
    max_batch: usize,
) -> Value {
    let inner = &hub.inner;
    if entries.len() > max_batch {
        metrics::inc(&inner.metrics.agent_errors);
        update(hub, agent, |a| a.errors += 1);
        return json!({ "type": "error", "seq": seq, "message": format!(
            "batch of {} entries is over the limit of {max_batch}: split it", entries.len()) });
    }
    let mut valid = Vec::with_capacity(entries.len());
    let mut errors = Vec::new();
    let mut invalid = 0u64;
    for (i, v) in entries.into_iter().enumerate() {
        match serde_json::from_value::<Entry>(v) {
            Ok(e) => valid.push(e),
            Err(e) => {
                invalid += 1;
                if errors.len() < 10 {
                    errors.push(json!({ "index": i, "message": format!("not an entry: {e}") }));
                }
            }
        }
    }
    metrics::add(&inner.metrics.dropped_invalid, invalid);
    let h = hub.clone();
    let result = tokio::task::spawn_blocking(move || h.ingest(valid)).await;
    match result {
        Ok(Ok(r)) => {
            update(hub, agent, |a| {
                a.batches += 1;
                a.ingested += r.stored;
                a.dropped += r.filtered + r.too_large + invalid;
                a.errors += invalid;
            });
            json!({ "type": "ack", "seq": seq, "stored": r.stored, "filtered": r.filtered,
                "tooLarge": r.too_large, "invalid": invalid, "firstId": r.first_id,
                "lastId": r.last_id, "errors": errors })
        }
        Ok(Err(e)) => {
            metrics::inc(&inner.metrics.agent_errors);
            update(hub, agent, |a| a.errors += 1);
            json!({ "type": "error", "seq": seq, "message": format!("not stored, retry: {e}") })
        }
        Err(_) => {
            json!({ "type": "error", "seq": seq, "message": "not stored, retry: internal error" })
        }
    }
}
