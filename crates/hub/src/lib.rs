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

pub(crate) mod agents;
mod api;
mod auth;
pub mod base;
mod conn;
mod error;
mod export;
pub mod filter;
mod map;
pub mod metrics;
pub mod names;
mod oas;
pub mod replay;
mod resolve;
mod roster;
mod rules;
mod targets;
mod ws;

pub use auth::UI_COOKIE;
pub use map::AnalysisConfig;
pub use rules::load_rules_file;

use axum::response::IntoResponse;
use filter::Filter;
use metrics::Metrics;
use mizu_model::Entry;
use mizu_model::redact::{RedactPatterns, Redactor, user_agent_ignored};
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
    /// Largest pcap `GET /entries/pcap` returns (default 256 MiB); past it the export
    /// stops and says so (`X-Mizu-Truncated: 1`).
    pub max_export_bytes: u64,
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
            max_export_bytes: 256 << 20,
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
    /// Service map, traffic stats and RED metrics kept at ingest (`map` module).
    pub analysis: AnalysisConfig,
    /// OpenAPI inference (`GET /oas`) with these caps; `None`: off.
    pub oas: Option<mizu_analysis::oas::OasConfig>,
    /// Traffic validation rules file (`--traffic-validation-file`), reloaded when it changes.
    pub rules_file: Option<std::path::PathBuf>,
    /// `POST /replay/` (`--enable-replay`, `tap.replay`): off unless set, since it sends
    /// traffic on the user's behalf.
    pub replay: replay::ReplayConfig,
    /// Two copies of one request (client side to a Service, server side to its endpoint)
    /// within this many milliseconds are stored once (see [`names::Merger`]; 0 is
    /// replaced by the default, 500 ms).
    pub merge_window_ms: i64,
    /// The protocols entries may be of: colours and descriptors for the BaseEntry, the
    /// filter macros and the list-row summaries. Whoever builds the hub fills it from the
    /// registry (`mizu_dissectors::Registry::table`); the default knows no protocol.
    pub protocols: mizu_dissect::ProtocolTable,
}

/// One TCP connection a pcap export asks packets for: the entry's client and server
/// addresses, the node that captured it (empty for in-process capture) and the entry's
/// time (ms; an archive may use it to tell reused port pairs apart).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnKey {
    pub node: String,
    pub client: std::net::SocketAddr,
    pub server: std::net::SocketAddr,
    pub timestamp_ms: i64,
}

/// The packets of some connections as one capture file.
#[derive(Clone, Debug, Default)]
pub struct PacketExport {
    /// A pcapng file (`mizu read`, tshark and Wireshark open it).
    pub pcap: Vec<u8>,
    /// Connections with at least one packet in the file.
    pub found: usize,
    /// Connections asked for whose packets are gone (aged out of the ring, or never kept).
    pub missing: usize,
    /// Found, but their oldest packets had aged out (the file starts mid-connection).
    pub partial: usize,
    pub packets: u64,
    /// `max_bytes` stopped the export early.
    pub truncated: bool,
}

/// Where `GET /entries/pcap` gets packets: `mizu read --serve` re-reads its capture
/// files, `mizu tap` keeps a bounded ring of recent packets per connection. Blocking
/// (called on a blocking thread).
pub trait PacketArchive: Send + Sync {
    fn export(&self, conns: &[ConnKey], max_bytes: u64) -> Result<PacketExport, String>;
}

/// A hub that could not start.
#[derive(Debug)]
pub enum HubError {
    Store(StoreError),
    InsertionFilter(filter::FilterError),
    /// The traffic validation file (message names the file, rule and field).
    Rules(String),
}

impl std::fmt::Display for HubError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HubError::Store(e) => write!(f, "store: {e}"),
            HubError::InsertionFilter(e) => write!(f, "invalid insertion filter: {e}"),
            HubError::Rules(e) => write!(f, "{e}"),
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
    /// The filter language of this hub (the protocol table's macros and facet table).
    pub language: filter::Language,
    pub redactor: Redactor,
    pub oas: Option<Mutex<mizu_analysis::oas::Oas>>,
    pub rules: Option<rules::Rules>,
    pub live: broadcast::Sender<Arc<Record>>,
    pub metrics: Metrics,
    pub(crate) analysis: map::Analysis,
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
    /// Packets for pcap export (set once by the process that captures in-process).
    pub packets: std::sync::OnceLock<Arc<dyn PacketArchive>>,
    /// Connected agents that keep packets (their `hello` said `packets: true`), by agent
    /// name: where `GET /entries/pcap` asks when this process captures nothing itself.
    pub packet_peers: Mutex<BTreeMap<String, tokio::sync::mpsc::Sender<agents::PacketJob>>>,
    pub replay_slots: Arc<Semaphore>,
    pub shutdown: watch::Sender<bool>,
    /// What an in-process capture (`mizu tap --local`) reports: `/status`'s `capture`.
    pub capture: Mutex<Option<serde_json::Value>>,
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
        let language = filter::Language::new(&config.protocols);
        let insertion = match config.insertion_filter.as_deref().map(str::trim) {
            Some(src) if !src.is_empty() => {
                Some(Filter::compile(src, &language).map_err(HubError::InsertionFilter)?)
            }
            _ => None,
        };
        let rules = match &config.rules_file {
            Some(p) => Some(rules::Rules::open(p).map_err(HubError::Rules)?),
            None => None,
        };
        let oas = config
            .oas
            .clone()
            .map(|c| Mutex::new(mizu_analysis::oas::Oas::new(c)));
        let store = Store::open(StoreConfig {
            facets: language.facet_table().clone(),
            ..config.store.clone()
        })
        .map_err(HubError::Store)?;
        let (live, _) = broadcast::channel(config.limits.live_queue.max(16));
        let redactor = Redactor::new(config.redact, &config.redact_patterns);
        let (shutdown, _) = watch::channel(false);
        Ok(Hub {
            inner: Arc::new(Inner {
                store,
                insertion,
                language,
                redactor,
                oas,
                rules,
                live,
                metrics: Metrics::default(),
                analysis: map::Analysis::new(config.analysis),
                agents: Mutex::new(BTreeMap::new()),
                started_ms: filter::now_ms(),
                ws_slots: Arc::new(ws::Slots::new(
                    config.limits.max_ws_clients,
                    config.limits.max_ws_per_address,
                )),
                agent_slots: Arc::new(Semaphore::new(config.limits.max_agents)),
                ingest_lock: Mutex::new(()),
                packets: std::sync::OnceLock::new(),
                packet_peers: Mutex::new(BTreeMap::new()),
                replay_slots: Arc::new(Semaphore::new(config.replay.max_parallel.max(1))),
                names: names::NameTable::default(),
                merger: Mutex::new(names::Merger::new(if config.merge_window_ms > 0 {
                    config.merge_window_ms
                } else {
                    names::DEFAULT_MERGE_WINDOW_MS
                })),
                targets: watch::channel(BTreeMap::new()).0,
                shutdown,
                capture: Mutex::new(None),
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

    /// Makes `GET /entries/pcap` available, answered from `archive`. Only the first call
    /// takes effect.
    pub fn set_packet_archive(&self, archive: Arc<dyn PacketArchive>) {
        let _ = self.inner.packets.set(archive);
    }

    /// Publishes the in-process capture's counters (`mizu tap --local`: packets, kernel
    /// drops, per capture worker), shown as `capture` in `GET /status`.
    pub fn set_capture_status(&self, status: serde_json::Value) {
        *self.inner.capture.lock().unwrap_or_else(|e| e.into_inner()) = Some(status);
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
    pub fn ingest(&self, mut entries: Vec<Entry>) -> Result<IngestReport, StoreError> {
        self.ingest_from(&mut entries)
    }

    /// [`Hub::ingest`] leaving the entries with the caller (their `id`s cleared), so the
    /// thread that allocated them can free them: with mimalloc, frees from another thread
    /// take a much slower path (`mizu tap` hands the batch back to its capture thread).
    pub fn ingest_from(&self, entries: &mut [Entry]) -> Result<IngestReport, StoreError> {
        let mut report = IngestReport::default();
        let mut batch = Vec::with_capacity(entries.len());
        let names = self.inner.names.get();
        let mut merger = (!names.is_empty())
            .then(|| self.inner.merger.lock().unwrap_or_else(|e| e.into_inner()));
        for e in entries.iter_mut() {
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
        entry: &mut Entry,
        names: &names::Names,
        merger: Option<&mut names::Merger>,
    ) -> Prepared {
        let inner = &self.inner;
        let m = &inner.metrics;
        entry.id.clear();
        let dst = names.apply(entry);
        let summary = inner.config.protocols.summarize(entry);
        if let Some(merger) = merger
            && merger.is_duplicate(entry, dst, &summary.method, &summary.summary)
        {
            return Prepared::Merged;
        }
        let mut base = base::base_entry_json(entry, &summary, &inner.config.protocols);
        let slow_path = inner.redactor.is_active()
            || inner.insertion.is_some()
            || !inner.config.ignored_user_agents.is_empty();
        let mut json = if slow_path {
            let Ok(mut v) = serde_json::to_value(&*entry) else {
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
        // Analyses of stored entries: validation rules annotate the entry, OpenAPI learns.
        if let Some(r) = &inner.rules {
            r.annotate(entry, &mut json, &mut base);
        }
        if let Some(o) = &inner.oas {
            oas::lock(o).add(entry);
        }
        if (json.len() + base.len() + 128) as u64 + mizu_store::RECORD_OVERHEAD
            > inner.store.max_record_bytes()
        {
            metrics::inc(&m.dropped_too_large);
            return Prepared::TooLarge;
        }
        inner.analysis.observe(entry);
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
            .merge(map::routes())
            .merge(targets::routes())
            .merge(oas::routes())
            .merge(rules::routes())
            .merge(export::routes())
            .merge(replay::routes())
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

    /// The OpenAPI and validation-rule lines of `/metrics`.
    fn render_analysis_metrics(&self, out: &mut String) {
        if let Some(o) = &self.inner.oas {
            oas::render_metrics(o, out);
        }
        if let Some(r) = &self.inner.rules {
            r.render_metrics(out);
        }
    }

    /// The OpenAPI document inferred for `service` so far (tests, `mizu read`).
    pub fn oas_document(&self, service: &str) -> Option<serde_json::Value> {
        self.inner
            .oas
            .as_ref()
            .and_then(|o| oas::lock(o).document(service))
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
