//! `/ws`: the browser WebSocket (Mizu's, mizu.md §3.3). On connect the hub sends
//! `startTime` and `status`. Each client message `{leftOff, query, limit}` (Mizu's
//! `{leftOff, query, enableFullEntries, fetch, timeoutMs}` too) starts a query that
//! replaces the previous one: first the stored matches from `leftOff` (sent oldest first),
//! then `queryMetadata`, then live matches as they are stored. Every message is
//! `{"messageType": "entry"|"fullEntry"|"queryMetadata"|"toast"|"status"|"startTime",
//! "data": …}`.
//!
//! Bounds: client messages up to 1 MiB; each client has a bounded live queue — when it
//! falls behind, entries are skipped, counted, and the client gets a `toast`; a send that
//! takes over 10 s closes it.
//!
//! Nobody can lock `/ws` for everyone ([`Slots`]): at most `max_ws_clients` sockets and
//! `max_ws_per_address` from one client address. A socket that has not started a valid
//! query yet is *idle*: it is closed (code 1008) after `ws_idle_timeout`, and when the slots (or its
//! address's share) are full, a new client takes the slot of the oldest idle socket
//! instead of being refused. Only when every slot is held by a client that did send a
//! query is a new one refused: 503 (all slots) or 429 (its address's share), JSON.

use crate::error::ApiError;
use crate::filter::{self, Filter};
use crate::resolve::{self, Params, Refused};
use crate::{Hub, metrics};
use axum::Router;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mizu_store::{Deadline, Direction, Position, QuerySpec, Record};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::sync::broadcast::{self, error::RecvError};

const SEND_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_CLIENT_MESSAGE: usize = 1 << 20;

/// The browser WebSocket route (state: the hub).
pub(crate) fn routes() -> Router<Hub> {
    Router::new().route("/ws", get(handler))
}

/// The browser WebSocket slots: a total, a per-address share, and the idle sockets (no
/// query yet) oldest first, which a new client may displace.
pub(crate) struct Slots {
    max: usize,
    per_address: usize,
    state: Mutex<SlotState>,
}

#[derive(Default)]
struct SlotState {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
    /// Idle sockets by arrival order.
    idle: BTreeMap<u64, (IpAddr, Arc<SlotShared>)>,
    next: u64,
}

#[derive(Default)]
struct SlotShared {
    /// Set once the slot was given back (by its socket ending, or by displacement).
    released: AtomicBool,
    displaced: Notify,
}

/// One socket's slot; gives it back when dropped.
pub(crate) struct Slot {
    slots: Arc<Slots>,
    id: u64,
    address: IpAddr,
    shared: Arc<SlotShared>,
}

impl SlotState {
    fn release(&mut self, address: IpAddr, shared: &SlotShared) {
        if shared.released.swap(true, Ordering::AcqRel) {
            return;
        }
        self.total = self.total.saturating_sub(1);
        if let Some(n) = self.by_address.get_mut(&address) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.by_address.remove(&address);
            }
        }
    }

    /// Closes the oldest idle socket (from `address` if given); false if there is none.
    fn displace(&mut self, address: Option<IpAddr>) -> bool {
        let victim = self
            .idle
            .iter()
            .find(|(_, (a, _))| address.is_none_or(|x| x == *a))
            .map(|(id, _)| *id);
        let Some((a, shared)) = victim.and_then(|id| self.idle.remove(&id)) else {
            return false;
        };
        self.release(a, &shared);
        shared.displaced.notify_one();
        true
    }
}

impl Slots {
    pub(crate) fn new(max: usize, per_address: usize) -> Slots {
        Slots {
            max: max.max(1),
            per_address: per_address.max(1),
            state: Mutex::new(SlotState::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for a new socket from `address`, displacing idle sockets if needed.
    /// Returns how many were displaced, or the refusal.
    pub(crate) fn acquire(self: &Arc<Self>, address: IpAddr) -> Result<(Slot, u64), ApiError> {
        let mut st = self.lock();
        let mut displaced = 0;
        if st.by_address.get(&address).copied().unwrap_or(0) >= self.per_address {
            if !st.displace(Some(address)) {
                return Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "too many WebSocket clients from {address} (max {} per address): close some tabs",
                        self.per_address
                    ),
                ));
            }
            displaced += 1;
        }
        if st.total >= self.max {
            if !st.displace(None) {
                return Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!(
                        "too many WebSocket clients (max {}): try again later",
                        self.max
                    ),
                ));
            }
            displaced += 1;
        }
        st.total += 1;
        *st.by_address.entry(address).or_insert(0) += 1;
        st.next += 1;
        let id = st.next;
        let shared = Arc::new(SlotShared::default());
        st.idle.insert(id, (address, shared.clone()));
        Ok((
            Slot {
                slots: self.clone(),
                id,
                address,
                shared,
            },
            displaced,
        ))
    }

    /// Sockets holding a slot.
    pub(crate) fn used(&self) -> usize {
        self.lock().total
    }
}

impl Slot {
    /// The socket sent a query: it can no longer be displaced.
    fn activate(&self) {
        self.slots.lock().idle.remove(&self.id);
    }

    /// Resolves when a new client took this (idle) socket's slot.
    async fn displaced(&self) {
        self.shared.displaced.notified().await;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut st = self.slots.lock();
        st.idle.remove(&self.id);
        st.release(self.address, &self.shared);
    }
}

pub(crate) async fn handler(
    State(hub): State<Hub>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let ws = match ws {
        Ok(ws) => ws,
        Err(e) => {
            return ApiError::bad(format!("/ws is a WebSocket endpoint: {}", e.body_text()))
                .into_response();
        }
    };
    let m = &hub.inner.metrics;
    let slot = match hub.inner.ws_slots.acquire(remote.ip()) {
        Ok((slot, displaced)) => {
            metrics::add(&m.ws_idle_closed, displaced);
            slot
        }
        Err(e) => {
            metrics::inc(&m.ws_rejected);
            return e.into_response();
        }
    };
    ws.max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| async move {
            let m = &hub.inner.metrics;
            metrics::inc(&m.ws_clients);
            metrics::inc(&m.ws_connections);
            client(&hub, socket, &slot).await;
            metrics::dec(&hub.inner.metrics.ws_clients);
            drop(slot);
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

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = tokio::time::timeout(
        SEND_TIMEOUT,
        socket.send(Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        }))),
    )
    .await;
}

async fn client(hub: &Hub, mut socket: WebSocket, slot: &Slot) {
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
    // Until the first query: closed after the idle timeout, or when displaced.
    let mut idle = true;
    let idle_timeout = tokio::time::sleep(inner.config.limits.ws_idle_timeout);
    tokio::pin!(idle_timeout);
    loop {
        tokio::select! {
            () = &mut idle_timeout, if idle => {
                metrics::inc(&inner.metrics.ws_idle_closed);
                close(&mut socket, 1008, "no query received in time: send {\"leftOff\":\"latest\",\"query\":\"\"} after connecting").await;
                break;
            }
            () = slot.displaced(), if idle => {
                close(&mut socket, 1008, "closed to make room for a new client: this socket sent no query").await;
                break;
            }
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
                        // A valid query: no longer idle (garbage does not count).
                        if idle {
                            idle = false;
                            slot.activate();
                        }
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
                close(&mut socket, 1001, "hub shutting down").await;
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
    let left_off = match &msg.left_off {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(()),
    };
    let resolved = match left_off {
        Err(()) => Err(Refused::Bad(
            "`leftOff` must be an entry id or `latest`".into(),
        )),
        Ok(l) => resolve::resolve(
            hub,
            &Params {
                left_off: Some(&l),
                direction: msg.direction,
                query: &msg.query,
                limit: msg.limit.or(msg.fetch),
                timeout_ms: msg.timeout_ms,
            },
            0,
        ),
    };
    let r = match resolved {
        Ok(r) => r,
        Err(Refused::Bad(m)) => {
            let ok = send(socket, toast("error", &m)).await;
            return if ok { Ok(None) } else { Err(()) };
        }
        Err(Refused::Filter(e)) => {
            let meta = json!({ "query": msg.query, "error": e.to_string(), "offset": e.offset,
                "line": e.line, "column": e.column });
            let ok = send(socket, toast("error", &format!("invalid query: {e}"))).await
                && send(socket, envelope_value("queryMetadata", &meta)).await;
            return if ok { Ok(None) } else { Err(()) };
        }
    };
    let (filter, left_off, direction, limit) = (r.filter, r.left_off, r.direction, r.limit);
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
        deadline: Some(Deadline::after(r.timeout)),
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
