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
use mizu_model::{Entry, Node};
use mizu_proto::{
    Ack, AckError, AgentMessage, DecodeError, ErrorReply, HubMessage, RawValue, TargetList, VERSION,
};
use serde::Deserialize;
use serde_json::Value;
use std::net::SocketAddr;

/// A pcap export's request to one agent: the connections, the size cap, and where the
/// agent's [`mizu_proto::PacketsReply`] goes.
pub(crate) type PacketJob = (
    Vec<mizu_proto::ConnectionRef>,
    u64,
    tokio::sync::oneshot::Sender<mizu_proto::PacketsReply>,
);

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

fn text(m: &HubMessage) -> Message {
    Message::Text(Utf8Bytes::from(
        String::from_utf8(m.to_vec()).unwrap_or_default(),
    ))
}

fn error(seq: Option<u64>, retry: bool, message: String) -> HubMessage {
    HubMessage::Error(ErrorReply {
        v: VERSION,
        seq,
        message,
        retry,
    })
}

impl Hub {
    /// Replaces the target list of `list.node` (an empty node name: every node without
    /// a list of its own) and pushes it to the agents of that node now connected; agents
    /// connecting later get it on connect.
    pub fn set_targets(&self, mut list: TargetList) {
        list.v = VERSION;
        self.inner.targets.send_modify(|m| {
            m.insert(list.node.clone(), list);
        });
    }

    /// The target list agents of `node` get.
    pub fn targets_for(&self, node: &str) -> Option<TargetList> {
        let m = self.inner.targets.borrow();
        m.get(node).or_else(|| m.get("")).cloned()
    }
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
    let mut targets = inner.targets.subscribe();
    // The node entries are tagged with: `?node=`, a `hello`, or a `status` naming one;
    // the agent's name when none did.
    let mut node = node;
    let mut sent_targets: Option<TargetList> = None;
    targets.mark_changed();
    // Packet requests for this agent (pcap export), and the ones awaiting its reply.
    let (job_tx, mut job_rx) = tokio::sync::mpsc::channel::<PacketJob>(4);
    let mut pending: std::collections::HashMap<
        u64,
        tokio::sync::oneshot::Sender<mizu_proto::PacketsReply>,
    > = std::collections::HashMap::new();
    let mut next_request = 0u64;
    loop {
        let msg = tokio::select! {
            m = socket.recv() => m,
            Some((connections, max_bytes, reply)) = job_rx.recv() => {
                next_request += 1;
                // Replies that will never come (a dropped export) free their slot here.
                pending.retain(|_, r| !r.is_closed());
                pending.insert(next_request, reply);
                let req = HubMessage::Packets(mizu_proto::PacketsRequest {
                    v: VERSION,
                    id: next_request,
                    connections,
                    max_bytes,
                });
                if socket.send(text(&req)).await.is_err() {
                    break;
                }
                continue;
            }
            _ = shutdown.changed() => {
                close(&mut socket, 1001, "hub shutting down").await;
                break;
            }
            r = targets.changed() => {
                if r.is_err() {
                    continue;
                }
                let name = if node.is_empty() { &agent } else { &node };
                let list = hub.targets_for(name);
                if list.is_some() && list != sent_targets {
                    if let Some(l) = &list
                        && socket.send(text(&HubMessage::Targets(l.clone()))).await.is_err()
                    {
                        break;
                    }
                    sent_targets = list;
                }
                continue;
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
        let reply = match AgentMessage::from_slice(&data) {
            Err(e) => {
                metrics::inc(&inner.metrics.agent_errors);
                update(hub, &agent, |a| a.errors += 1);
                let seq = serde_json::from_slice::<Value>(&data)
                    .ok()
                    .and_then(|v| v.get("seq").and_then(Value::as_u64));
                let hint = match e {
                    DecodeError::Version(_) => String::new(),
                    _ => ": expected {\"type\":\"entries\",\"seq\":N,\"entries\":[…]}, {\"type\":\"status\",…} or {\"type\":\"hello\",…}".to_owned(),
                };
                Some(error(seq, false, format!("bad message ({e}){hint}")))
            }
            Ok(AgentMessage::Packets(r)) => {
                if let Some(tx) = pending.remove(&r.id) {
                    let _ = tx.send(r);
                }
                None
            }
            Ok(AgentMessage::Hello(h)) => {
                if h.packets {
                    inner
                        .packet_peers
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(agent.clone(), job_tx.clone());
                }
                if !h.node.is_empty() {
                    node = crate::roster::bounded_name(h.node.clone());
                }
                let n = node.clone();
                update(hub, &agent, |a| a.node = n);
                // Re-send the targets for the (possibly new) node name.
                sent_targets = None;
                targets.mark_changed();
                None
            }
            Ok(AgentMessage::Status(st)) => {
                if let Some(n) = st.node.as_ref().filter(|n| !n.is_empty()) {
                    node = crate::roster::bounded_name(n.clone());
                }
                let n = node.clone();
                update(hub, &agent, |a| {
                    a.packets = st.packets;
                    a.drops = st.drops;
                    a.entries = st.entries;
                    a.node = n;
                    a.report = Some(st);
                });
                None
            }
            Ok(AgentMessage::Entries(b)) => {
                let tag = if node.is_empty() { &agent } else { &node };
                Some(
                    ingest_batch(hub, &agent, tag, b.seq, b.entries, limits.max_batch_entries)
                        .await,
                )
            }
        };
        if let Some(r) = reply
            && socket.send(text(&r)).await.is_err()
        {
            break;
        }
    }
    inner
        .packet_peers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&agent);
    update(hub, &agent, |a| a.connected = false);
}

async fn ingest_batch(
    hub: &Hub,
    agent: &str,
    node: &str,
    seq: Option<u64>,
    entries: Vec<Box<RawValue>>,
    max_batch: usize,
) -> HubMessage {
    let inner = &hub.inner;
    if entries.len() > max_batch {
        metrics::inc(&inner.metrics.agent_errors);
        update(hub, agent, |a| a.errors += 1);
        return error(
            seq,
            false,
            format!(
                "batch of {} entries is over the limit of {max_batch}: split it",
                entries.len()
            ),
        );
    }
    let mut valid = Vec::with_capacity(entries.len());
    let mut errors = Vec::new();
    let mut invalid = 0u64;
    for (i, v) in entries.into_iter().enumerate() {
        match serde_json::from_str::<Entry>(v.get()) {
            Ok(mut e) => {
                // Tag with the node the agent runs on, so entries of several agents
                // stay apart in the merged view (`node.name` + `flow` is unique).
                if e.node.as_ref().is_none_or(|n| n.name.is_empty()) {
                    e.node = Some(Node {
                        name: node.into(),
                        ip: e.node.take().map(|n| n.ip).unwrap_or_default(),
                    });
                }
                valid.push(e);
            }
            Err(e) => {
                invalid += 1;
                if errors.len() < 10 {
                    errors.push(AckError {
                        index: i,
                        message: format!("not an entry: {e}"),
                    });
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
            HubMessage::Ack(Ack {
                v: VERSION,
                seq,
                stored: r.stored,
                filtered: r.filtered,
                too_large: r.too_large,
                invalid,
                merged: r.merged,
                first_id: r.first_id,
                last_id: r.last_id,
                errors,
            })
        }
        Ok(Err(e)) => {
            metrics::inc(&inner.metrics.agent_errors);
            update(hub, agent, |a| a.errors += 1);
            error(seq, true, format!("not stored, retry: {e}"))
        }
        Err(_) => error(seq, true, "not stored, retry: internal error".to_owned()),
    }
}
