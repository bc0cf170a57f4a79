//! `mizu hub` (the hub alone) and the hub-related options of `mizu read`: `--serve`
//! (load the captures into an in-process hub and serve the API until Ctrl-C) and
//! `--filter` (keep only entries matching a filter, with the hub's filter engine).
//! The hub itself lives in `mizu-hub`; this file only turns flags into its config.

use clap::Args;
use mizu_hub::filter::Filter;
use mizu_hub::{Hub, HubConfig};
use mizu_model::Entry;
use mizu_model::redact::RedactPatterns;
use mizu_store::{StoreConfig, parse_size};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_USAGE: u8 = 2;
const EXIT_START: u8 = 3;

pub(crate) fn size(s: &str) -> Result<u64, String> {
    parse_size(s)
}

/// `mizu hub`.
#[derive(Args)]
#[command(
    after_help = "Exit status: 0 stopped by Ctrl-C/SIGTERM; 2 bad usage (e.g. an invalid \
--insertion-filter); 3 the hub could not start (port in use, data dir unreadable).\n\n\
Sizes: KB, MB, GB are powers of ten (200MB = 200 000 000 bytes); KiB, MiB, GiB and K, M, G \
powers of two.\n\n\
Agents stream entries to ws://HOST:PORT/agents/ws with `Authorization: Bearer TOKEN`; \
without --token (or MIZU_HUB_TOKEN) agent ingest is refused. API: docs/api.md.\n\n\
Examples:\n  mizu hub --token s3cret --data-dir /var/lib/mizu\n  \
mizu hub --redact --ignored-user-agents kube-probe,Prometheus --max-entries-db-size 1GiB"
)]
pub struct HubArgs {
    #[command(flatten)]
    listen: Listen,

    /// Byte budget of the store; the oldest entries are evicted beyond it.
    #[arg(long, default_value = "200MB", value_parser = size, value_name = "SIZE")]
    max_entries_db_size: u64,

    /// Keep entries on disk here (crash-safe segment log); restarts resume from it.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Shared secret agents must send (`Authorization: Bearer TOKEN`). Default: env
    /// MIZU_HUB_TOKEN. Prefer the environment variable: flags show up in `ps`.
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,

    /// Secret the web UI and API clients must present, for a hub reachable beyond
    /// loopback: open http://HOST:PORT/?token=TOKEN once in the browser (a cookie keeps
    /// it), or send `Authorization: Bearer TOKEN`. Default: env MIZU_UI_TOKEN; none means
    /// the UI and API are open to whoever reaches the port.
    #[arg(long, value_name = "TOKEN")]
    ui_token: Option<String>,

    #[command(flatten)]
    ingest: IngestOptions,

    /// Largest agent message (WebSocket) or request body.
    #[arg(long, default_value = "16MiB", value_parser = size, value_name = "SIZE")]
    max_message_size: u64,

    #[command(flatten)]
    kube: KubeArgs,
}

/// `mizu hub --kube`: the hub in a cluster targets pods and names addresses.
#[derive(Args)]
struct KubeArgs {
    /// Watch the Kubernetes cluster (in a pod: its service account; else KUBECONFIG or
    /// ~/.kube/config): send each node's agents their node's target pods and name
    /// addresses `service.namespace` / `pod.namespace` from Pods, Services and
    /// EndpointSlices.
    // Its own id: `kube` is a config section, not a flag key.
    #[arg(long = "kube", id = "kube_watch")]
    kube: bool,

    /// Tap pods whose name matches this regex (unanchored; default: every pod).
    #[arg(long, value_name = "REGEX", requires = "kube_watch")]
    pod_regex: Option<String>,

    /// Tap pods in this namespace (repeatable). Default: the config's `tap.namespaces`
    /// (what `mizu tap` resolved; empty: all).
    #[arg(
        short = 'n',
        long = "namespace",
        value_name = "NS",
        requires = "kube_watch"
    )]
    namespaces: Vec<String>,

    /// Tap pods in every namespace.
    #[arg(short = 'A', long, requires = "kube_watch")]
    all_namespaces: bool,

    /// Kubeconfig file (Mizu's kube-config-path); default KUBECONFIG, ~/.kube/config.
    #[arg(long, value_name = "FILE", requires = "kube_watch")]
    kube_config_path: Option<PathBuf>,

    /// Kubeconfig context (Mizu's kube-context); default the current one.
    #[arg(long, value_name = "NAME", requires = "kube_watch")]
    kube_context: Option<String>,

    /// mizu's own namespace (never tapped).
    #[arg(long, value_name = "NS", requires = "kube_watch")]
    mizu_resources_namespace: Option<String>,

    /// Two copies of one request (client side to a Service address, server side after
    /// kube-proxy's DNAT to the pod) this close in time are stored once.
    #[arg(long, value_name = "MS", default_value_t = mizu_hub::names::DEFAULT_MERGE_WINDOW_MS)]
    merge_window_ms: i64,
}

#[derive(Args)]
struct Listen {
    /// Address to listen on. The default is loopback only: the API shows captured
    /// traffic, so exposing it is a deliberate choice.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,

    /// Port for the API and WebSockets (Mizu's UI port).
    #[arg(long, default_value_t = mizu_hub::DEFAULT_PORT)]
    port: u16,
}

/// What is done to entries before they are stored (hub and `read --serve`).
#[derive(Args)]
pub(crate) struct IngestOptions {
    /// Mask sensitive values (authorization, cookie, token, password, secret, api-key, …
    /// in headers, query strings and JSON/XML/form bodies) as "[REDACTED]".
    #[arg(long)]
    pub(crate) redact: bool,

    /// Also mask these names: PART=NAME[,NAME…], PART one of request-headers,
    /// response-headers, request-body, response-body, request-query-params (Mizu's
    /// redact-patterns keys). Repeatable.
    #[arg(long, value_name = "PART=NAMES")]
    pub(crate) redact_pattern: Vec<String>,

    /// Drop HTTP entries whose User-Agent contains one of these (case-insensitive).
    #[arg(long, value_delimiter = ',', value_name = "AGENT,…")]
    pub(crate) ignored_user_agents: Vec<String>,

    /// Store only entries matching this filter (its redact(...) paths are masked).
    #[arg(long, value_name = "EXPR")]
    pub(crate) insertion_filter: Option<String>,

    /// Check every HTTP entry against these rules (Mizu's YAML `rules:` list of json,
    /// header and slo rules; docs/rules.md). Failures get `rules.status == false`; the
    /// file is reloaded when it changes.
    #[arg(long, value_name = "FILE")]
    pub(crate) traffic_validation_file: Option<std::path::PathBuf>,
    /// Allow `POST /replay/` (the UI's Replay button): the hub sends edited copies of
    /// captured HTTP requests on your behalf (10 s timeout, 1 MiB response cap, 5 at
    /// once). Config key `tap.replay`.
    #[arg(long)]
    pub(crate) enable_replay: bool,
}

/// `mizu read` options for the hub and filtering (flattened into `ReadArgs`).
#[derive(Args)]
pub struct ReadHubArgs {
    /// Keep only entries matching this filter (the hub's filter language), e.g.
    /// 'http and response.status >= 500'.
    #[arg(long, value_name = "EXPR")]
    filter: Option<String>,

    /// Instead of printing, load the entries into an in-process hub and serve its API
    /// (and live WebSocket) until Ctrl-C.
    #[arg(long)]
    serve: bool,

    /// With --serve: address to listen on.
    #[arg(long, default_value = "127.0.0.1", requires = "serve")]
    host: String,

    /// With --serve: port.
    #[arg(long, default_value_t = mizu_hub::DEFAULT_PORT, requires = "serve")]
    port: u16,

    /// With --serve: byte budget of the in-memory store.
    #[arg(long, default_value = "200MB", value_parser = size, value_name = "SIZE", requires = "serve")]
    max_entries_db_size: u64,

    /// Check every HTTP entry against these rules (docs/rules.md): printed entries (and,
    /// with --serve, stored ones) get a `rules` object; `rules.status == false` marks a
    /// failed rule.
    #[arg(long, value_name = "FILE")]
    pub(crate) traffic_validation_file: Option<std::path::PathBuf>,
    /// With --serve: allow `POST /replay/` (the UI's Replay button) to send edited
    /// copies of captured HTTP requests from this process.
    #[arg(long, requires = "serve")]
    enable_replay: bool,
    /// With --serve: the `analysis.*` keys of the config file and `--set` (set by `main`).
    #[arg(skip)]
    pub(crate) analysis: Option<mizu_hub::AnalysisConfig>,
}

pub(crate) fn patterns(list: &[String]) -> Result<RedactPatterns, String> {
    let mut p = RedactPatterns::default();
    for item in list {
        let Some((part, names)) = item.split_once('=') else {
            return Err(format!(
                "--redact-pattern `{item}`: write PART=NAME, e.g. request-headers=X-Secret"
            ));
        };
        let target = match part.trim() {
            "request-headers" => &mut p.request_headers,
            "response-headers" => &mut p.response_headers,
            "request-body" => &mut p.request_body,
            "response-body" => &mut p.response_body,
            "request-query-params" => &mut p.request_query_params,
            other => {
                return Err(format!(
                    "--redact-pattern: unknown part `{other}` (request-headers, response-headers, request-body, response-body, request-query-params)"
                ));
            }
        };
        target.extend(
            names
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
    }
    Ok(p)
}

pub(crate) fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// Sets `stop` on Ctrl-C or SIGTERM, or after `duration` seconds when given: how `tap` and
/// `agent` end a live capture.
pub(crate) fn stop_on_signal_or_after(
    rt: &tokio::runtime::Runtime,
    stop: &std::sync::Arc<std::sync::atomic::AtomicBool>,
    duration: Option<u64>,
) {
    use std::sync::atomic::Ordering;
    let flag = stop.clone();
    rt.spawn(async move {
        shutdown_signal().await;
        flag.store(true, Ordering::Relaxed);
    });
    if let Some(secs) = duration {
        let flag = stop.clone();
        rt.spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
            flag.store(true, Ordering::Relaxed);
        });
    }
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

pub(crate) fn bind(
    rt: &tokio::runtime::Runtime,
    host: &str,
    port: u16,
) -> Result<tokio::net::TcpListener, ExitCode> {
    let addr = format!("{host}:{port}");
    rt.block_on(tokio::net::TcpListener::bind(&addr))
        .map_err(|e| {
            eprintln!("mizu: cannot listen on {addr}: {e}");
            ExitCode::from(EXIT_START)
        })
}

pub(crate) fn url(listener: &tokio::net::TcpListener, host: &str, port: u16) -> String {
    let a: Option<SocketAddr> = listener.local_addr().ok();
    match a {
        Some(a) if a.ip().is_ipv6() => format!("http://[{}]:{}", a.ip(), a.port()),
        Some(a) => format!("http://{}:{}", a.ip(), a.port()),
        None => format!("http://{host}:{port}"),
    }
}

/// `mizu hub`: runs until Ctrl-C or SIGTERM. Settings come from `cfg` (defaults <
/// config file < these flags < `--set`, see `config.rs`); the flags were folded in there.
pub fn run_hub(args: HubArgs, cfg: &crate::config::MizuConfig) -> ExitCode {
    // Validate --redact-pattern syntax (its values reached `cfg` already).
    if let Err(e) = patterns(&args.ingest.redact_pattern) {
        eprintln!("mizu: {e}");
        return ExitCode::from(EXIT_USAGE);
    }
    let token = args
        .token
        .or_else(|| std::env::var("MIZU_HUB_TOKEN").ok())
        .filter(|t| !t.is_empty());
    let config = match cfg.hub_config(token) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mizu: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let (host, port) = (cfg.hub.host.clone(), cfg.hub_port());
    let ui_token = args
        .ui_token
        .or_else(|| std::env::var("MIZU_UI_TOKEN").ok())
        .filter(|t| !t.is_empty());
    let ui_token_set = ui_token.is_some();
    let config = HubConfig {
        ui_token,
        merge_window_ms: args.kube.merge_window_ms,
        ..config
    };
    let hub = match Hub::new(config) {
        Ok(h) => h,
        Err(e @ mizu_hub::HubError::InsertionFilter(_)) => {
            eprintln!("mizu: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
        Err(e) => {
            eprintln!("mizu: {e}");
            return ExitCode::from(EXIT_START);
        }
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mizu: cannot start: {e}");
            return ExitCode::from(EXIT_START);
        }
    };
    let listener = match bind(&rt, &host, port) {
        Ok(l) => l,
        Err(code) => return code,
    };
    if args.kube.kube
        && let Err(e) = rt.block_on(start_kube(&args.kube, cfg, &hub))
    {
        eprintln!("mizu hub: {e}");
        return ExitCode::from(EXIT_START);
    }
    let st = hub.store().stats();
    let recovered = st
        .recovery
        .as_ref()
        .map(|r| {
            let mut s = format!(
                ", {} entries recovered from {} segments",
                r.records, r.segments
            );
            if r.damaged_files > 0 {
                s.push_str(&format!(
                    ", {} damaged: {} bytes skipped, {} records lost, {} bytes cut off the end",
                    r.damaged_files, r.skipped_bytes, r.lost_records, r.truncated_bytes
                ));
            }
            s
        })
        .unwrap_or_default();
    // Exactly what recovery skipped, file by file.
    for line in st.recovery.iter().flat_map(|r| r.messages()) {
        eprintln!("mizu hub: {line}");
    }
    eprintln!(
        "mizu hub: listening on {} (store {} entries, budget {}{recovered}; agent ingest {}) — Ctrl-C to stop",
        url(&listener, &host, port),
        st.entries,
        mizu_store::format_size(st.budget),
        if hub.store().stats().persistent {
            "durable"
        } else {
            "in memory"
        },
    );
    let loopback = listener.local_addr().is_ok_and(|a| a.ip().is_loopback());
    if !loopback && !ui_token_set {
        eprintln!(
            "mizu hub: warning: listening beyond loopback without --ui-token: anyone who reaches the port can read the captured traffic"
        );
    }
    match rt.block_on(hub.serve(listener, shutdown_signal())) {
        Ok(()) => {
            eprintln!("mizu hub: stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mizu hub: {e}");
            ExitCode::from(EXIT_START)
        }
    }
}

/// Connects to the cluster and starts the target and name watches (on the hub's runtime).
/// Flags win; else the config file's `tap.regex` and `tap.namespaces` (what `mizu tap`
/// writes into the hub's ConfigMap: the resolved namespaces, `[]` for all).
async fn start_kube(
    k: &KubeArgs,
    cfg: &crate::config::MizuConfig,
    hub: &Hub,
) -> Result<(), String> {
    let cluster = mizu_kube::cluster::connect(&mizu_kube::cluster::ConnectOptions {
        kubeconfig: k.kube_config_path.clone(),
        context: k.kube_context.clone(),
    })
    .await
    .map_err(|e| format!("{e:#}"))?;
    let regex = k
        .pod_regex
        .clone()
        .or_else(|| Some(cfg.tap.regex.clone()).filter(|r| !r.is_empty()));
    let from_flags = k.all_namespaces || !k.namespaces.is_empty();
    let (all, namespaces) = if from_flags {
        (k.all_namespaces, k.namespaces.clone())
    } else {
        (cfg.tap.namespaces.is_empty(), cfg.tap.namespaces.clone())
    };
    let mut sel = mizu_kube::target::Selection::new(
        regex.as_deref(),
        all,
        &namespaces,
        Some(&cluster.default_namespace),
    )?;
    sel.own_namespace = Some(
        k.mizu_resources_namespace
            .clone()
            .unwrap_or_else(|| cfg.mizu_resources_namespace.clone()),
    );
    eprintln!(
        "mizu hub: watching the cluster: tapping pods{} in {}; naming addresses from Pods, Services, EndpointSlices",
        sel.pod_regex
            .as_ref()
            .map(|r| format!(" matching /{}/", r.as_str()))
            .unwrap_or_default(),
        sel.namespaces.describe()
    );
    // Restricted mode (Mizu's rule: mizu's namespace is not `mizu`) has a Role in that
    // namespace only: watch just the tapped namespaces there.
    let restricted = sel.own_namespace.as_deref().is_some_and(|n| n != "mizu");
    let scope = if restricted {
        sel.namespaces.clone()
    } else {
        mizu_kube::target::Namespaces::All
    };
    mizu_kube::watch::start(
        &cluster.client,
        hub,
        mizu_kube::watch::Options {
            selection: Some(sel),
            names: true,
            scope,
            debounce: mizu_kube::watch::DEFAULT_DEBOUNCE,
        },
    );
    Ok(())
}

/// The `--filter` of `mizu read`: serialises an entry once into a reused buffer and runs
/// the filter on the bytes.
pub struct ReadFilter {
    filter: Filter,
    buf: Vec<u8>,
    now: i64,
    /// Entries kept so far (for `limit(n)`).
    kept: usize,
}

impl ReadFilter {
    /// Whether `e` passes the filter; once `limit(n)` entries passed, nothing does.
    pub fn keep(&mut self, e: &Entry) -> bool {
        if self.exhausted() {
            return false;
        }
        self.buf.clear();
        if e.write_json(&mut self.buf).is_err() {
            return false;
        }
        let keep = self.filter.matches_json(&self.buf, self.now);
        self.kept += usize::from(keep);
        keep
    }

    /// The filter's `limit(n)` is reached: reading can stop.
    pub fn exhausted(&self) -> bool {
        self.filter.limit().is_some_and(|n| self.kept >= n)
    }
}

/// A hub being filled by `mizu read --serve`.
pub struct Serving {
    hub: Hub,
    rt: tokio::runtime::Runtime,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    batch: Vec<Entry>,
    url: String,
    errors: u64,
}

impl Serving {
    /// Answers `GET /entries/pcap` by re-reading these capture files.
    pub fn export_packets_from(&self, paths: Vec<PathBuf>) {
        self.hub
            .set_packet_archive(std::sync::Arc::new(crate::packets::FileArchive { paths }));
    }

    pub fn push(&mut self, e: Entry) {
        self.batch.push(e);
        if self.batch.len() >= 1024 {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        if let Err(e) = self.hub.ingest(batch) {
            self.errors += 1;
            if self.errors == 1 {
                eprintln!("mizu: store: {e}");
            }
        }
    }

    /// Stores what is left and serves until Ctrl-C.
    pub fn finish(mut self) -> ExitCode {
        self.flush();
        let st = self.hub.store().stats();
        eprintln!(
            "mizu: {} entries loaded ({} evicted to stay within {}); serving {} — Ctrl-C to stop",
            st.entries,
            st.evicted,
            mizu_store::format_size(st.budget),
            self.url
        );
        match self.rt.block_on(self.server) {
            Ok(Ok(())) => ExitCode::SUCCESS,
            Ok(Err(e)) => {
                eprintln!("mizu: {e}");
                ExitCode::from(EXIT_START)
            }
            Err(e) => {
                eprintln!("mizu: {e}");
                ExitCode::from(EXIT_START)
            }
        }
    }
}

impl ReadHubArgs {
    /// Whether `--serve` was given.
    pub fn serve(&self) -> bool {
        self.serve
    }

    /// Compiles `--filter`; on error prints it (with the position) and returns exit 2.
    pub fn filter(&self) -> Result<Option<ReadFilter>, ExitCode> {
        match self.filter.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(src) => match Filter::compile(
                src,
                &mizu_hub::filter::Language::new(
                    &mizu_dissectors::registry::default_registry().table(),
                ),
            ) {
                Ok(filter) => Ok(Some(ReadFilter {
                    filter,
                    buf: Vec::with_capacity(1 << 14),
                    now: mizu_hub::filter::now_ms(),
                    kept: 0,
                })),
                Err(e) => {
                    eprintln!("mizu: invalid --filter: {e}");
                    eprintln!("  {src}");
                    eprintln!(
                        "  {}^",
                        " ".repeat(src[..e.offset.min(src.len())].chars().count())
                    );
                    Err(ExitCode::from(EXIT_USAGE))
                }
            },
        }
    }

    /// `--traffic-validation-file` compiled for printing (`None` without the flag or with
    /// --serve, where the hub applies it); on error prints it and returns exit 2.
    pub fn rules(&self) -> Result<Option<std::sync::Arc<mizu_analysis::rules::RuleSet>>, ExitCode> {
        match &self.traffic_validation_file {
            Some(p) if !self.serve => match mizu_hub::load_rules_file(p) {
                Ok(set) => Ok(Some(std::sync::Arc::new(set))),
                Err(e) => {
                    eprintln!("mizu: {e}");
                    Err(ExitCode::from(EXIT_USAGE))
                }
            },
            _ => Ok(None),
        }
    }

    /// With `--serve`: starts the server (entries stream in live while files are read).
    pub fn start(&self) -> Result<Option<Serving>, ExitCode> {
        if !self.serve {
            return Ok(None);
        }
        let config = HubConfig {
            store: StoreConfig {
                max_bytes: self.max_entries_db_size,
                ..StoreConfig::default()
            },
            oas: Some(mizu_analysis::oas::OasConfig::default()),
            analysis: self.analysis.unwrap_or_default(),
            rules_file: self.traffic_validation_file.clone(),
            replay: mizu_hub::replay::ReplayConfig {
                enabled: self.enable_replay,
                ..Default::default()
            },
            protocols: mizu_dissectors::registry::default_registry().table(),
            ..HubConfig::default()
        };
        let hub = Hub::new(config).map_err(|e| {
            eprintln!("mizu: {e}");
            ExitCode::from(EXIT_START)
        })?;
        let rt = runtime().map_err(|e| {
            eprintln!("mizu: cannot start: {e}");
            ExitCode::from(EXIT_START)
        })?;
        let listener = bind(&rt, &self.host, self.port)?;
        let url = url(&listener, &self.host, self.port);
        eprintln!("mizu: serving on {url} (loading captures…)");
        let h = hub.clone();
        let server = rt.spawn(async move { h.serve(listener, shutdown_signal()).await });
        Ok(Some(Serving {
            hub,
            rt,
            server,
            batch: Vec::with_capacity(1024),
            url,
            errors: 0,
        }))
    }
}
