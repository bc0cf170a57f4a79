//! `mizu-hub`: the hub. Stores entries ([`mizu_store`]), serves them over REST and
//! WebSocket (axum 0.8), takes batches from agents over an authenticated WebSocket, pushes
//! live matches to browsers, and exports Prometheus metrics. The API is described in
//! `docs/api.md` and `docs/openapi.yaml`.
//!
//! Data path of one entry: agent batch (or [`Hub::ingest`] in-process) → ignored user
//! agents dropped → default/user redaction → insertion filter (drop, `redact(...)`) →
//! summary + BaseEntry computed once → [`mizu_store::Store::append`] (durable with a data
//! dir) → acknowledgement to the agent → live broadcast to WebSocket clients.
//!
//! Everything is bounded: message size, batch size, WebSocket clients (total, per
//! address, idle ones time out or make room), agents and the agent list in `/status`,
//! per-client live queue (a slow client loses entries, counted and told with a `toast`,
//! instead of growing memory), query limits and timeouts. Every error is JSON.
//!
//! Modules: each route group exposes `routes()` (`api`: REST, `ws`: browser WebSocket,
//! `agents`: agent ingest); [`Hub::router`] merges them behind the shared layers (UI
//! token, JSON errors, panic catcher). `error` holds `ApiError`, `resolve` the query
//! parameters REST and WebSocket share, `conn` the listener that turns hyper's own
//! parse-error answers into JSON, `auth` the UI token, `roster` the agent list bounds.

mod agents;
mod api;
mod auth;
pub mod base;
mod conn;
mod error;
pub mod filter;
pub mod metrics;
pub mod names;
mod resolve;
mod roster;
mod ws;

pub use auth::UI_COOKIE;

use axum::response::IntoResponse;
use filter::Filter;
use metrics::Metrics;
use mizu_model::Entry;
use mizu_store::redact::{RedactPatterns, Redactor, user_agent_ignored};
use mizu_store::{NewEntry, Record, Store, StoreConfig, StoreError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, broadcast, watch};

/// Mizu's UI/API port; `mizu hub` and `mizu read --serve` default to it.
pub const DEFAULT_PORT: u16 = 8899;

/// Hard bounds on what clients can make the hub hold.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest WebSocket message or request body (default 16 MiB).
    pub max_message_bytes: usize,
    /// Most entries in one agent batch (default 10 000).
    pub max_batch_entries: usize,
    /// Concurrent browser WebSocket clients (default 256).
    pub max_ws_clients: usize,
    /// Concurrent browser WebSocket clients from one IP address (default 32).
    pub max_ws_per_address: usize,
    /// A browser WebSocket that sent no query within this is closed (default 30 s).
    pub ws_idle_timeout: Duration,
    /// Concurrent agent connections (default 256).
    pub max_agents: usize,
    /// Agents listed in `/status`, connected or not (default 1024; connected agents are
    /// always listed).
    pub max_agent_records: usize,
    /// A disconnected agent leaves `/status` after this (default 1 hour).
    pub agent_expiry: Duration,
    /// Live entries buffered per WebSocket client before it starts losing them (4096).
    pub live_queue: usize,
    /// Largest `limit` of one query (default 10 000).
    pub max_query_limit: usize,
    /// Default and largest `timeoutMs` of one query (3 000 and 60 000).
    pub default_timeout_ms: u64,
    pub max_timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 16 << 20,
            max_batch_entries: 10_000,
            max_ws_clients: 256,
            max_ws_per_address: 32,
            ws_idle_timeout: Duration::from_secs(30),
            max_agents: 256,
            max_agent_records: 1024,
            agent_expiry: Duration::from_secs(3600),
            live_queue: 4096,
            max_query_limit: 10_000,
            default_timeout_ms: 3_000,
            max_timeout_ms: 60_000,
        }
    }
}

/// Everything `mizu hub` can be told.
#[derive(Clone, Debug, Default)]
pub struct HubConfig {
    pub store: StoreConfig,
    /// Shared secret agents present as `Authorization: Bearer <token>`. Without one, agent
    /// ingest is refused (in-process ingest, as `mizu read --serve` uses, needs none).
    pub token: Option<String>,
    /// Secret browsers and API clients must present (bearer header, `?token=` or the
    /// `mizu_ui_token` cookie) for every route but agent ingest, version and metrics.
    /// `None`: open (fine on loopback, the default listen address).
    pub ui_token: Option<String>,
    /// Mask the default list of sensitive names (`--redact`).
    pub redact: bool,
    /// User redaction patterns (Mizu's `redact-patterns.*`).
    pub redact_patterns: RedactPatterns,
    /// Drop HTTP entries whose User-Agent contains one of these (case-insensitive).
    pub ignored_user_agents: Vec<String>,
    /// Store only entries matching this filter; its `redact(...)` paths are masked.
    pub insertion_filter: Option<String>,
    pub limits: Limits,
    /// Two copies of one request (client side to a Service, server side to its endpoint)
    /// within this many milliseconds are stored once (see [`names::Merger`]; 0 is
    /// replaced by the default, 500 ms).
    pub merge_window_ms: i64,
}

/// A hub that could not start.
#[derive(Debug)]
pub enum HubError {
    Store(StoreError),
    InsertionFilter(filter::FilterError),
}

impl std::fmt::Display for HubError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HubError::Store(e) => write!(f, "store: {e}"),
            HubError::InsertionFilter(e) => write!(f, "invalid insertion filter: {e}"),
        }
    }
}

impl std::error::Error for HubError {}

/// Per-agent counters shown by `/status`: what the agent reports (packets, drops,
/// entries) and what the hub counted.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentStatus {
    pub agent: String,
    pub node: String,
    pub remote: String,
    pub connected: bool,
    pub connected_at: i64,
    pub last_seen: i64,
    /// Reported by the agent's last `status` message.
    pub packets: u64,
    pub drops: u64,
    pub entries: u64,
    /// The agent's last `status` message in full (`mizu_proto::StatusReport`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<mizu_proto::StatusReport>,
    /// Counted by the hub.
    pub batches: u64,
    pub ingested: u64,
    pub dropped: u64,
    pub errors: u64,
}

/// What one ingest call did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestReport {
    pub stored: u64,
    /// Dropped by the insertion filter or an ignored user agent (not errors).
    pub filtered: u64,
    /// Too large for the store.
    pub too_large: u64,
    /// Second copies of a request already stored (client and server side of a Service).
    pub merged: u64,
    pub first_id: Option<String>,
    pub last_id: Option<String>,
}

pub(crate) struct Inner {
    pub store: Store,
    pub config: HubConfig,
    pub insertion: Option<Filter>,
    pub redactor: Redactor,
    pub live: broadcast::Sender<Arc<Record>>,
    pub metrics: Metrics,
    pub agents: Mutex<BTreeMap<String, AgentStatus>>,
    pub started_ms: i64,
    pub ws_slots: Arc<ws::Slots>,
    pub agent_slots: Arc<Semaphore>,
    /// Target lists per node, pushed to that node's agents (see [`Hub::set_targets`]).
    pub targets: watch::Sender<BTreeMap<String, mizu_proto::TargetList>>,
    /// Endpoint names applied at ingest (see [`Hub::names`]).
    pub names: names::NameTable,
    /// Finds the second copy of a request seen on both sides of a Service.
    merger: Mutex<names::Merger>,
    /// Keeps append + broadcast in id order across concurrent agents.
    ingest_lock: Mutex<()>,
    pub shutdown: watch::Sender<bool>,
}

/// The hub. Cheap to clone (an `Arc`).
#[derive(Clone)]
pub struct Hub {
    pub(crate) inner: Arc<Inner>,
}

enum Prepared {
    Keep(NewEntry),
    Filtered,
    TooLarge,
    Merged,
}

impl Hub {
    /// Opens the store (recovering a data dir) and compiles the insertion filter.
    pub fn new(config: HubConfig) -> Result<Hub, HubError> {
        let insertion = match config.insertion_filter.as_deref().map(str::trim) {
            Some(src) if !src.is_empty() => {
                Some(Filter::compile(src).map_err(HubError::InsertionFilter)?)
            }
            _ => None,
        };
        let store = Store::open(config.store.clone()).map_err(HubError::Store)?;
        let (live, _) = broadcast::channel(config.limits.live_queue.max(16));
        let redactor = Redactor::new(config.redact, &config.redact_patterns);
        let (shutdown, _) = watch::channel(false);
        Ok(Hub {
            inner: Arc::new(Inner {
                store,
                insertion,
                redactor,
                live,
                metrics: Metrics::default(),
                agents: Mutex::new(BTreeMap::new()),
                started_ms: filter::now_ms(),
                ws_slots: Arc::new(ws::Slots::new(
                    config.limits.max_ws_clients,
                    config.limits.max_ws_per_address,
                )),
                agent_slots: Arc::new(Semaphore::new(config.limits.max_agents)),
                ingest_lock: Mutex::new(()),
                names: names::NameTable::default(),
                merger: Mutex::new(names::Merger::new(if config.merge_window_ms > 0 {
                    config.merge_window_ms
                } else {
                    names::DEFAULT_MERGE_WINDOW_MS
                })),
                targets: watch::channel(BTreeMap::new()).0,
                shutdown,
                config,
            }),
        })
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The endpoint names ingest applies: publish a new [`names::Names`] snapshot with
    /// `hub.names().set(..)` (`mizu-kube` from its watches, `mizu tap --local` from the
    /// network namespaces). An address in the table gets its name (`src.name`,
    /// `dst.name`) and, when the entry has none, its namespace.
    pub fn names(&self) -> &names::NameTable {
        &self.inner.names
    }

    /// Stores entries (in-process ingest: `mizu read --serve`), pushing them to live
    /// subscribers. Blocking (with a data dir it waits for the disk): call it from a
    /// plain thread or `spawn_blocking`.
    pub fn ingest(&self, entries: Vec<Entry>) -> Result<IngestReport, StoreError> {
        let mut report = IngestReport::default();
        let mut batch = Vec::with_capacity(entries.len());
        let names = self.inner.names.get();
        let mut merger = (!names.is_empty())
            .then(|| self.inner.merger.lock().unwrap_or_else(|e| e.into_inner()));
        for e in entries {
            match self.prepare(e, &names, merger.as_deref_mut()) {
                Prepared::Keep(n) => batch.push(n),
                Prepared::Filtered => report.filtered += 1,
                Prepared::TooLarge => report.too_large += 1,
                Prepared::Merged => report.merged += 1,
            }
        }
        drop(merger);
        metrics::add(&self.inner.metrics.merged_duplicates, report.merged);
        let bytes: u64 = batch.iter().map(|n| n.entry.len() as u64).sum();
        let records = {
            let _order = self
                .inner
                .ingest_lock
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let records = self.inner.store.append(batch)?;
            for r in &records {
                // No receivers is fine: nobody is watching live.
                let _ = self.inner.live.send(r.clone());
            }
            records
        };
        let m = &self.inner.metrics;
        metrics::add(&m.ingested_entries, records.len() as u64);
        metrics::add(&m.ingested_bytes, bytes);
        report.stored = records.len() as u64;
        report.first_id = records.first().map(|r| mizu_store::format_id(r.id()));
        report.last_id = records.last().map(|r| mizu_store::format_id(r.id()));
        Ok(report)
    }

    /// Names, filters, redacts, summarises and serialises one entry.
    fn prepare(
        &self,
        mut entry: Entry,
        names: &names::Names,
        merger: Option<&mut names::Merger>,
    ) -> Prepared {
        let inner = &self.inner;
        let m = &inner.metrics;
        entry.id.clear();
        let dst = names.apply(&mut entry);
        let summary = mizu_dissectors::registry::summarize(&entry);
        if let Some(merger) = merger
            && merger.is_duplicate(&entry, dst, &summary.method, &summary.summary)
        {
            return Prepared::Merged;
        }
        let base = base::base_entry_json(&entry, &summary);
        let slow_path = inner.redactor.is_active()
            || inner.insertion.is_some()
            || !inner.config.ignored_user_agents.is_empty();
        let json = if slow_path {
            let Ok(mut v) = serde_json::to_value(&entry) else {
                metrics::inc(&m.dropped_invalid);
                return Prepared::Filtered;
            };
            if user_agent_ignored(&v, &inner.config.ignored_user_agents) {
                metrics::inc(&m.dropped_user_agent);
                return Prepared::Filtered;
            }
            let n = inner.redactor.apply(&mut v);
            metrics::add(&m.redacted_values, n as u64);
            if let Some(f) = &inner.insertion {
                if !f.matches(&v, filter::now_ms()) {
                    metrics::inc(&m.dropped_filter);
                    return Prepared::Filtered;
                }
                f.redact(&mut v);
            }
            serde_json::to_vec(&v).unwrap_or_default()
        } else {
            let mut out = Vec::with_capacity(1024);
            if entry.write_json(&mut out).is_err() {
                metrics::inc(&m.dropped_invalid);
                return Prepared::Filtered;
            }
            out
        };
        if (json.len() + base.len() + 128) as u64 + mizu_store::RECORD_OVERHEAD
            > inner.store.max_record_bytes()
        {
            metrics::inc(&m.dropped_too_large);
            return Prepared::TooLarge;
        }
        Prepared::Keep(NewEntry {
            timestamp: entry.timestamp,
            base,
            entry: json,
        })
    }

    /// The axum router with every route (REST, `/ws`, `/agents/ws`, `/metrics`) and a
    /// JSON 404 for anything else.
    pub fn router(&self) -> axum::Router {
        self.router_with_fallback(axum::Router::new().fallback(api::fallback))
    }

    /// The same routes with `fallback` serving every other path (the web UI mounts
    /// itself here). The hub's layers (UI token, JSON errors, panic catcher) wrap it too:
    /// its error responses that are not JSON become JSON.
    pub fn router_with_fallback(&self, fallback: axum::Router) -> axum::Router {
        let max = self.inner.config.limits.max_message_bytes;
        axum::Router::new()
            .merge(api::routes())
            .merge(ws::routes())
            .merge(agents::routes())
            .fallback_service(fallback)
            .method_not_allowed_fallback(|| async {
                error::ApiError::new(
                    axum::http::StatusCode::METHOD_NOT_ALLOWED,
                    error::message_for(axum::http::StatusCode::METHOD_NOT_ALLOWED, ""),
                )
            })
            .layer(axum::extract::DefaultBodyLimit::max(max))
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                auth::ui_token,
            ))
            .layer(axum::middleware::map_response(error::json_errors))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                |_: Box<dyn std::any::Any + Send>| {
                    error::ApiError::new(
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                        "internal error",
                    )
                    .into_response()
                },
            ))
            .with_state(self.clone())
    }

    /// Serves until `shutdown` resolves, then closes WebSockets (code 1001) and returns
    /// once in-flight requests are done.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.serve_router(listener, self.router(), shutdown).await
    }

    /// [`Hub::serve`] with a router of the caller's (e.g. [`Hub::router_with_fallback`]).
    /// Connections go through the hub's listener, which also answers requests hyper
    /// cannot parse (raw 0xFF in the URL, URL or head too long) with JSON.
    pub async fn serve_router(
        &self,
        listener: tokio::net::TcpListener,
        router: axum::Router,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        use axum::serve::ListenerExt;
        let hub = self.clone();
        let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        // `tap_io` only so axum hands handlers the peer address (`ConnectInfo`).
        let listener = conn::HubListener(listener).tap_io(|_| {});
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                let _ = hub.inner.shutdown.send(true);
            })
            .await
    }

    /// Live WebSocket clients.
    pub fn ws_clients(&self) -> u64 {
        self.inner.metrics.ws_clients.load(Ordering::Relaxed)
    }

    /// Browser WebSocket slots in use (idle sockets included).
    pub fn ws_slots_used(&self) -> usize {
        self.inner.ws_slots.used()
    }
}
