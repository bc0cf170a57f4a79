//! `mizu tap [REGEX] --local`: capture this machine (or its network namespaces whose
//! names match REGEX) and serve the hub at http://127.0.0.1:8899, in one process.
//!
//! Threads: the capture thread runs the shared pipeline (`mizu_pipeline::run`: live
//! AF_PACKET rings → engine → [`TapSink`]); the sink names endpoints after namespaces
//! and hands batches to an ingest thread that stores them in the in-process hub (no
//! WebSocket hop); the hub's HTTP server runs on a small tokio runtime. Ctrl-C (or
//! SIGTERM) stops the capture, flushes every open connection into entries, prints the
//! totals and stops the server.

use crate::names::NetnsNames;
use clap::Args;
use mizu_dissect::Limits as BodyLimits;
use mizu_engine::{Engine, EngineConfig};
use mizu_hub::Hub;
use mizu_model::Entry;
use mizu_pipeline::{Options, Progress, Sink};
use mizu_source::live::{
    CaptureFilter, Exclude, Interfaces, LiveConfig, LiveSource, RingConfig, Target,
};
use mizu_source::pcapng::PcapNgWriter;
use mizu_source::{PacketSource, RawPacket};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

const EXIT_USAGE: u8 = 2;
const EXIT_START: u8 = 3;

/// `mizu tap`.
#[derive(Args)]
#[command(
    after_help = "Without REGEX, mizu captures this machine's interfaces; with one, \
every network namespace under /var/run/netns whose name matches it (namespaces that appear \
later are picked up within seconds). Addresses that belong to a namespace are shown with \
its name (src.name / dst.name).\n\n\
Live capture needs root, or once: sudo setcap cap_net_raw,cap_net_admin,cap_sys_admin+ep $(which mizu)\n\n\
Exit status: 0 stopped by Ctrl-C/SIGTERM; 2 bad usage; 3 capture or hub could not start.\n\n\
Examples:\n  sudo mizu tap\n  sudo mizu tap 'web|db' --headless\n  \
sudo mizu tap --netns /proc/1234/ns/net --pcap-out calls.pcapng"
)]
pub struct TapArgs {
    /// Capture the network namespaces whose names match this regex (default: the host).
    #[arg(value_name = "REGEX")]
    regex: Option<String>,

    /// Run hub and capture on this machine even when a kubeconfig is found (without
    /// one, this is what `mizu tap` does).
    #[arg(long)]
    local: bool,

    /// Cluster: tap pods in this namespace (repeatable; default: the context's namespace).
    #[arg(short = 'n', long = "namespace", value_name = "NAMESPACE")]
    namespace: Vec<String>,

    /// Cluster: tap pods in every namespace.
    #[arg(short = 'A', long)]
    all_namespaces: bool,

    /// Cluster: print the pods that would be tapped (+NAME lines), change nothing; with
    /// -o yaml, print every manifest instead.
    #[arg(long)]
    dry_run: bool,

    /// Cluster, with --dry-run: print the manifests as yaml or json.
    #[arg(short = 'o', long, value_name = "FORMAT")]
    output: Option<String>,

    /// Cluster: leave the hub and agents running on exit (mizu view, mizu clean).
    #[arg(long)]
    keep: bool,

    /// Also capture this network namespace (a name under /var/run/netns or a path such
    /// as /proc/PID/ns/net). Repeatable.
    #[arg(long, value_name = "NAME_OR_PATH")]
    netns: Vec<String>,

    /// Host interfaces: `all` (each interface once; bridge members are left to their
    /// bridge), `any` (Linux's any device), or names. Repeatable.
    #[arg(long, short = 'i', value_delimiter = ',', default_value = "all")]
    interface: Vec<String>,

    /// Capture only packets from or to these addresses (comma separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "IP")]
    capture_host: Vec<IpAddr>,

    /// Capture only TCP/UDP packets from or to these ports (comma separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "PORT")]
    capture_port: Vec<u16>,

    /// Port of the UI/API (Mizu's `tap.gui-port`).
    #[arg(long = "gui-port", visible_alias = "port", default_value_t = mizu_hub::DEFAULT_PORT)]
    gui_port: u16,

    /// Address the UI/API listens on (Mizu's `tap.proxy-host`).
    #[arg(long, default_value = "127.0.0.1")]
    proxy_host: String,

    /// Do not open a browser.
    #[arg(long)]
    headless: bool,

    /// Byte budget of the in-memory store; the oldest entries are evicted beyond it.
    #[arg(long, default_value = "200MB", value_parser = crate::serve::size, value_name = "SIZE")]
    max_entries_db_size: u64,

    /// Also write every captured packet here (pcapng: `mizu read` and Wireshark open it).
    #[arg(long, value_name = "FILE")]
    pcap_out: Option<PathBuf>,

    /// Recent packets kept per connection for pcap export from the UI/API
    /// (`GET /entries/pcap`): one byte budget for all connections (each gets at most a
    /// sixteenth; the least recently active are dropped first). 0 keeps none.
    #[arg(long, default_value = "64M", value_parser = crate::read::parse_size, value_name = "SIZE")]
    pcap_ring: usize,

    /// Kernel ring per socket (K/M/G suffixes). Bigger rings ride out bursts.
    #[arg(long, default_value = "32M", value_parser = crate::read::parse_size, value_name = "SIZE")]
    ring_size: usize,

    /// Body bytes kept per message (bigger bodies are cut and marked `truncated`).
    #[arg(long, default_value = "1M", value_parser = crate::read::parse_size)]
    max_body: usize,

    /// Seconds between status lines (default: 1 on a terminal, 10 in a log).
    #[arg(long, value_name = "SECONDS")]
    status_every: Option<u64>,

    /// Stop after this many seconds (scripts, benchmarks). Default: until Ctrl-C.
    #[arg(long, value_name = "SECONDS")]
    duration: Option<u64>,

    #[command(flatten)]
    ingest: crate::serve::IngestOptions,
}

fn not_permitted() -> ExitCode {
    eprintln!(
        "mizu tap: live capture needs root or the CAP_NET_RAW capability (and CAP_NET_ADMIN, \
plus CAP_SYS_ADMIN to enter network namespaces), which this process does not have.\n  \
run it as root:   sudo mizu tap …\n  \
or allow it once: sudo setcap cap_net_raw,cap_net_admin,cap_sys_admin+ep $(which mizu)\n  \
(or read a capture file instead: mizu read capture.pcap)"
    );
    ExitCode::from(EXIT_START)
}

/// What the tap captures at a given moment.
struct Targets {
    regex: Option<regex::Regex>,
    /// Namespaces opened because they match the regex.
    matched: BTreeSet<String>,
}

impl Targets {
    /// Opens namespaces that appeared, closes those that went away. Returns lines to log.
    fn rescan(&mut self, src: &mut LiveSource) -> Vec<String> {
        let Some(re) = &self.regex else {
            return Vec::new();
        };
        let mut log = Vec::new();
        let now: BTreeSet<String> = mizu_source::live::list_netns()
            .into_iter()
            .filter(|n| re.is_match(n))
            .collect();
        for gone in self.matched.difference(&now).cloned().collect::<Vec<_>>() {
            src.remove(&gone);
            self.matched.remove(&gone);
            log.push(format!("namespace {gone} is gone: stopped capturing it"));
        }
        for new in now.difference(&self.matched).cloned().collect::<Vec<_>>() {
            match src.open(&Target::netns(&new)) {
                Ok(_) => {
                    self.matched.insert(new.clone());
                    log.push(format!("capturing namespace {new}"));
                }
                // It may be half set up (or already gone): try again next scan.
                Err(e) => log.push(format!("cannot capture namespace {new} yet: {e}")),
            }
        }
        log
    }
}

/// Runs `mizu tap` with `cfg`, the configuration resolved from defaults, the config file,
/// these flags and `--set` (flags are named like their keys: `--gui-port` is
/// `tap.gui-port`, `--netns` is `tap.namespaces`, ...).
pub fn run(args: TapArgs, cfg: &crate::config::MizuConfig) -> ExitCode {
    if !args.local && crate::kube_cmd::cluster_mode(cfg) {
        return crate::kube_cmd::tap(
            crate::kube_cmd::TapCluster {
                namespaces: args.namespace,
                all_namespaces: args.all_namespaces,
                dry_run: args.dry_run,
                output: args.output,
                keep: args.keep,
                headless: args.headless,
            },
            cfg,
        );
    }
    if !args.namespace.is_empty()
        || args.all_namespaces
        || args.dry_run
        || args.keep
        || args.output.is_some()
    {
        eprintln!(
            "mizu tap: -n, -A, --dry-run, -o and --keep are for a cluster, and no kubeconfig was found \
             (KUBECONFIG, ~/.kube/config or --set kube-config-path=FILE); local capture takes --netns"
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let regex = match Some(cfg.tap.regex.as_str())
        .filter(|r| !r.is_empty())
        .map(regex::Regex::new)
    {
        None => None,
        Some(Ok(r)) => Some(r),
        Some(Err(e)) => {
            eprintln!("mizu tap: invalid REGEX (tap.regex): {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if !mizu_source::live::can_capture() {
        return not_permitted();
    }
    let max_body = match crate::read::parse_size(&cfg.tap.max_body) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("mizu tap: tap.max-body: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let hub_config = match cfg.hub_config(None) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mizu tap: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let args = TapArgs {
        gui_port: cfg.gui_port(),
        proxy_host: cfg.tap.proxy_host.clone(),
        headless: cfg.headless,
        netns: cfg.tap.namespaces.clone(),
        max_body,
        ..args
    };
    let hub = match Hub::new(hub_config) {
        Ok(h) => h,
        Err(e @ mizu_hub::HubError::InsertionFilter(_)) => {
            eprintln!("mizu tap: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
        Err(e) => {
            eprintln!("mizu tap: {e}");
            return ExitCode::from(EXIT_START);
        }
    };
    let rt = match crate::serve::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mizu tap: cannot start: {e}");
            return ExitCode::from(EXIT_START);
        }
    };
    let listener = match crate::serve::bind(&rt, &args.proxy_host, args.gui_port) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let bound_port = listener.local_addr().map_or(args.gui_port, |a| a.port());
    let url = crate::serve::url(&listener, &args.proxy_host, args.gui_port);

    // mizu's own traffic: the hub's port (on its address, or any if it listens on all).
    let hub_ip: Option<IpAddr> = args
        .proxy_host
        .parse()
        .ok()
        .filter(|ip: &IpAddr| !ip.is_unspecified());
    let interfaces = match args.interface.as_slice() {
        [one] if one == "all" => Interfaces::All,
        [one] if one == "any" => Interfaces::Any,
        names => Interfaces::Named(names.to_vec()),
    };
    let block_size: u32 = 1 << 20;
    let config = LiveConfig {
        ring: RingConfig {
            block_size,
            block_count: u32::try_from(args.ring_size / block_size as usize)
                .unwrap_or(u32::MAX)
                .max(2),
            ..RingConfig::default()
        },
        filter: CaptureFilter {
            hosts: args.capture_host.clone(),
            ports: args.capture_port.clone(),
            exclude: vec![Exclude {
                ip: hub_ip,
                port: bound_port,
            }],
            nothing: false,
        },
        ..LiveConfig::default()
    };
    let mut source = LiveSource::new(config);
    let mut opened = Vec::new();
    if regex.is_none() && args.netns.is_empty() {
        match source.open(&Target::host(interfaces)) {
            Ok(n) => opened.push(format!("host ({n} sockets)")),
            Err(e) => {
                eprintln!("mizu tap: {e}");
                return ExitCode::from(EXIT_START);
            }
        }
    }
    for ns in &args.netns {
        match source.open(&Target::netns(ns)) {
            Ok(_) => opened.push(format!("namespace {ns}")),
            Err(e) => {
                eprintln!("mizu tap: {e}");
                return ExitCode::from(EXIT_START);
            }
        }
    }
    let mut targets = Targets {
        regex,
        matched: BTreeSet::new(),
    };
    let scan_log = targets.rescan(&mut source);

    let stop = source.stop_handle();
    let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
    let h = hub.clone();
    let server = rt.spawn(async move {
        h.serve(listener, async {
            let _ = shutdown_rx.await;
        })
        .await
    });
    crate::serve::stop_on_signal_or_after(&rt, &stop, args.duration);

    let pcap = match &args.pcap_out {
        None => None,
        Some(p) => match std::fs::File::create(p)
            .and_then(|f| PcapNgWriter::new(std::io::BufWriter::with_capacity(1 << 20, f)))
        {
            Ok(w) => Some(w),
            Err(e) => {
                eprintln!("mizu tap: --pcap-out {}: {e}", p.display());
                return ExitCode::from(EXIT_START);
            }
        },
    };

    eprintln!("mizu tap: UI and API at {url}");
    if let Some(re) = &targets.regex {
        opened.push(format!("namespaces matching /{}/", re.as_str()));
    }
    eprintln!("mizu tap: capturing {} — Ctrl-C to stop", opened.join(", "));
    for l in scan_log {
        eprintln!("mizu tap: {l}");
    }
    if !args.headless {
        open_browser(&url);
    }

    let engine_config = EngineConfig {
        capture: source.capture_kind(),
        limits: BodyLimits {
            max_body: args.max_body,
            ..BodyLimits::default()
        },
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(
        engine_config,
        mizu_dissectors::Registry::default().dissectors(),
    );
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Entry>>(16);
    // Stored batches go back to the capture thread, which allocated their entries and
    // frees them far more cheaply than this thread could (see `Hub::ingest_from`).
    let (back_tx, back_rx) = std::sync::mpsc::sync_channel::<Vec<Entry>>(17);
    let ingest_hub = hub.clone();
    let ingest = std::thread::Builder::new()
        .name("mizu-ingest".into())
        .spawn(move || {
            let mut errors = 0u64;
            for mut batch in rx {
                if let Err(e) = ingest_hub.ingest_from(&mut batch) {
                    errors += 1;
                    if errors == 1 {
                        eprintln!("mizu tap: store: {e}");
                    }
                }
                // Big entries are freed here at once; full or gone: all of it.
                batch.retain(|e| e.request_size + e.response_size < 64 << 10);
                let _ = back_tx.try_send(batch);
            }
            errors
        });
    let ingest = match ingest {
        Ok(h) => h,
        Err(e) => {
            eprintln!("mizu tap: cannot start: {e}");
            return ExitCode::from(EXIT_START);
        }
    };
    let mut names = NetnsNames::default();
    names.refresh(hub.names());
    let ring = (args.pcap_ring > 0).then(|| {
        let r = Arc::new(std::sync::Mutex::new(mizu_agent::packets::PacketRing::new(
            args.pcap_ring,
        )));
        hub.set_packet_archive(Arc::new(crate::packets::RingArchive(r.clone())));
        r
    });
    let mut sink = TapSink {
        ring,
        hub: hub.clone(),
        tx: Some(tx),
        stored: back_rx,
        batch: Vec::with_capacity(BATCH),
        names,
        pcap,
        pcap_error: false,
        targets,
        tty: std::io::stderr().is_terminal(),
        status_every: args.status_every,
        started: Instant::now(),
        last_status: Instant::now(),
        last_entries: 0,
        entries: 0,
        ticks: 0,
        stop: stop.clone(),
    };
    let end = mizu_pipeline::run(&mut source, &mut engine, &mut sink, &Options::live());
    let mut status = 0u8;
    if let Err(e) = end {
        eprintln!("mizu tap: {e}");
        status = EXIT_START;
    }
    engine.finish(&mut |e| sink.push(e));
    sink.flush();
    if sink.tty {
        eprintln!();
    }
    if let Some(w) = sink.pcap.take() {
        let n = w.packets();
        match w.finish() {
            Ok(_) => eprintln!(
                "mizu tap: wrote {n} packets to {}",
                args.pcap_out
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            ),
            Err(e) => eprintln!("mizu tap: --pcap-out: {e}"),
        }
    }
    drop(sink.tx.take());
    let store_errors = ingest.join().unwrap_or(1);
    let live = source.live_stats();
    let st = engine.stats();
    let store = hub.store().stats();
    let mut per_proto: Vec<String> = st
        .protocols
        .iter()
        .filter(|(_, p)| p.entries > 0)
        .map(|(k, p)| format!("{k} {}", p.entries))
        .collect();
    if per_proto.is_empty() {
        per_proto.push("none".into());
    }
    eprintln!(
        "mizu tap: stopped after {:.1}s: {} packets ({} bytes), {} entries ({}), {} stored; \
kernel drops {}, filtered {}, own traffic excluded {}, duplicates {}, loopback copies {}; \
flows {}, unparsed {}, gaps {}",
        sink.started.elapsed().as_secs_f64(),
        live.packets,
        live.bytes,
        st.entries,
        per_proto.join(", "),
        store.entries,
        live.kernel_drops,
        live.filtered,
        live.excluded,
        live.duplicates,
        live.loopback_outgoing,
        st.flows,
        st.flows_unparsed,
        st.reassembly.gaps,
    );
    if store_errors > 0 {
        status = status.max(EXIT_START);
    }
    let _ = shutdown_tx.send(());
    match rt.block_on(server) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            eprintln!("mizu tap: {e}");
            status = status.max(EXIT_START);
        }
        Err(e) => {
            eprintln!("mizu tap: {e}");
            status = status.max(EXIT_START);
        }
    }
    ExitCode::from(status)
}

pub(crate) fn open_browser(url: &str) {
    let gui =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if gui {
        "xdg-open"
    } else {
        eprintln!("mizu tap: no display: open {url} in a browser (--headless hides this)");
        return;
    };
    let spawned = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if spawned.is_err() {
        eprintln!("mizu tap: could not start {opener}: open {url} in a browser");
    }
}

/// Entries per batch handed to the ingest thread (also flushed every tick).
const BATCH: usize = 512;
/// Namespace rescan and name refresh interval, in ticks (seconds).
const RESCAN_TICKS: u64 = 2;

struct TapSink {
    /// Recent packets per connection (`--pcap-ring`) for pcap export.
    ring: Option<Arc<std::sync::Mutex<mizu_agent::packets::PacketRing>>>,
    /// Its name table is refreshed from the namespaces (the hub names entries at ingest).
    hub: Hub,
    tx: Option<std::sync::mpsc::SyncSender<Vec<Entry>>>,
    /// Batches the ingest thread has stored, back to be freed (and reused) here.
    stored: std::sync::mpsc::Receiver<Vec<Entry>>,
    batch: Vec<Entry>,
    names: NetnsNames,
    pcap: Option<PcapNgWriter<std::io::BufWriter<std::fs::File>>>,
    pcap_error: bool,
    targets: Targets,
    tty: bool,
    status_every: Option<u64>,
    started: Instant,
    last_status: Instant,
    last_entries: u64,
    entries: u64,
    ticks: u64,
    stop: Arc<AtomicBool>,
}

impl TapSink {
    fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        // Free every stored batch that came back; reuse one of them.
        let mut next = None;
        while let Ok(mut stored) = self.stored.try_recv() {
            stored.clear();
            next = Some(stored);
        }
        let next = next.unwrap_or_else(|| Vec::with_capacity(BATCH));
        let batch = std::mem::replace(&mut self.batch, next);
        if let Some(tx) = &self.tx
            && tx.send(batch).is_err()
        {
            self.tx = None;
        }
    }

    fn status(&mut self, p: &mut Progress<'_>) {
        // Reads the kernel's drop counters now.
        if let Some(live) = p.source.as_live() {
            live.live_stats();
        }
        let secs = self.last_status.elapsed().as_secs_f64().max(0.001);
        let rate = (self.entries - self.last_entries) as f64 / secs;
        self.last_entries = self.entries;
        self.last_status = Instant::now();
        let s = p.source_stats();
        let line = format!(
            "{} packets, {} entries ({rate:.0}/s), {} kernel drops, {} flows open",
            s.packets,
            self.entries,
            s.dropped,
            p.engine.stats().active_flows
        );
        if self.tty {
            eprint!("\r\x1b[Kmizu tap: {line}");
            let _ = std::io::stderr().flush();
        } else {
            eprintln!("mizu tap: {line}");
        }
    }
}

impl Sink for TapSink {
    fn push(&mut self, e: Entry) {
        self.entries += 1;
        self.batch.push(e);
        if self.batch.len() >= BATCH {
            self.flush();
        }
    }

    fn packet(&mut self, pkt: &RawPacket<'_>) {
        if let Some(r) = &self.ring {
            r.lock().unwrap_or_else(|e| e.into_inner()).push(pkt);
        }
        if let Some(w) = &mut self.pcap
            && let Err(e) = w.write(pkt)
            && !self.pcap_error
        {
            self.pcap_error = true;
            eprintln!("mizu tap: --pcap-out: {e} (no longer written)");
        }
    }

    fn tick(&mut self, p: &mut Progress<'_>) {
        self.flush();
        self.ticks += 1;
        if self.ticks.is_multiple_of(RESCAN_TICKS) {
            self.names.refresh(self.hub.names());
            // The source behind the pipeline is ours: a LiveSource.
            if let Some(live) = p.source.as_live() {
                for l in self.targets.rescan(live) {
                    if self.tty {
                        eprintln!();
                    }
                    eprintln!("mizu tap: {l}");
                }
            }
        }
        let every = self
            .status_every
            .unwrap_or(if self.tty { 1 } else { 10 })
            .max(1);
        if self.ticks.is_multiple_of(every) {
            self.status(p);
        }
    }

    fn stopped(&self) -> bool {
        self.tx.is_none() || self.stop.load(Ordering::Relaxed)
    }
}
