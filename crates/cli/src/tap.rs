//! `mizu tap [REGEX] --local`: capture this machine (or its network namespaces whose
//! names match REGEX) and serve the hub at http://127.0.0.1:8899, in one process.
//!
//! Threads: each capture worker (`--workers N`, default 1) runs the shared pipeline
//! (`mizu_pipeline::run`: its AF_PACKET rings from a [`Fanout`] → its own engine →
//! [`TapSink`]) and hands batches to one ingest thread that stores them in the
//! in-process hub (no WebSocket hop); the main thread ([`Control`]) rescans namespaces,
//! names endpoints after them, prints the status line and publishes the capture
//! counters in `/status`; the hub's HTTP server runs on a small tokio runtime. Ctrl-C
//! (or SIGTERM) stops the capture, flushes every open connection into entries, prints
//! the totals and stops the server.

use crate::names::NetnsNames;
use clap::Args;
use mizu_dissect::Limits as BodyLimits;
use mizu_engine::EngineStats;
use mizu_engine::{Engine, EngineConfig};
use mizu_hub::Hub;
use mizu_model::Entry;
use mizu_pipeline::{Options, Progress, Sink};
use mizu_source::live::{
    CaptureFilter, Exclude, Fanout, Interfaces, LiveConfig, LiveSource, LiveStats, RingConfig,
    Target,
};
use mizu_source::pcapng::PcapNgWriter;
use mizu_source::{PacketSource, RawPacket};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
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

    /// Capture worker threads (config `tap.workers`, 1..64). Each has its own ring per
    /// capture point (interface or namespace), all joined in one PACKET_FANOUT group per
    /// point so a flow always reaches the same worker, and its own engine. Use more than
    /// one when a single core cannot keep up (kernel drops in the status line).
    #[arg(long, default_value_t = 1, value_name = "N")]
    workers: usize,

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
    fn rescan(&mut self, src: &mut Fanout) -> Vec<String> {
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
    let workers = cfg.workers();
    let (mut fanout, sources) = Fanout::new(config, workers);
    let mut opened = Vec::new();
    if regex.is_none() && args.netns.is_empty() {
        match fanout.open(&Target::host(interfaces)) {
            Ok(n) => opened.push(format!("host ({} sockets)", n * workers)),
            Err(e) => {
                eprintln!("mizu tap: {e}");
                return ExitCode::from(EXIT_START);
            }
        }
    }
    for ns in &args.netns {
        match fanout.open(&Target::netns(ns)) {
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
    let scan_log = targets.rescan(&mut fanout);

    let stop = fanout.stop_handle();
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
            Ok(w) => Some(Mutex::new(PcapOut {
                writer: w,
                error: false,
            })),
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
    let with_workers = if workers > 1 {
        format!(" with {workers} capture workers")
    } else {
        String::new()
    };
    eprintln!(
        "mizu tap: capturing {}{with_workers} — Ctrl-C to stop",
        opened.join(", ")
    );
    for l in scan_log {
        eprintln!("mizu tap: {l}");
    }
    if !args.headless {
        open_browser(&url);
    }

    let engine_config = EngineConfig {
        capture: CAPTURE_KIND,
        limits: BodyLimits {
            max_body: args.max_body,
            ..BodyLimits::default()
        },
        // One memory budget for the process, shared out between the workers' engines.
        max_memory: EngineConfig::default().max_memory / workers,
        ..EngineConfig::default()
    };
    // Batches from every worker, tagged with the worker that made them.
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Vec<Entry>)>(16);
    // Stored batches go back to the capture thread that made them, which allocated their
    // entries and frees them far more cheaply than this thread could (see
    // `Hub::ingest_from`).
    let mut back_txs = Vec::with_capacity(workers);
    let mut back_rxs = Vec::with_capacity(workers);
    for _ in 0..workers {
        let (t, r) = std::sync::mpsc::sync_channel::<Vec<Entry>>(17);
        back_txs.push(t);
        back_rxs.push(r);
    }
    let ingest_hub = hub.clone();
    let ingest = std::thread::Builder::new()
        .name("mizu-ingest".into())
        .spawn(move || {
            let mut errors = 0u64;
            for (worker, mut batch) in rx {
                if let Err(e) = ingest_hub.ingest_from(&mut batch) {
                    errors += 1;
                    if errors == 1 {
                        eprintln!("mizu tap: store: {e}");
                    }
                }
                // Big entries are freed here at once; full or gone: all of it.
                batch.retain(|e| e.request_size + e.response_size < 64 << 10);
                if let Some(back) = back_txs.get(worker) {
                    let _ = back.try_send(batch);
                }
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
        let r = Arc::new(Mutex::new(mizu_agent::packets::PacketRing::new(
            args.pcap_ring,
        )));
        hub.set_packet_archive(Arc::new(crate::packets::RingArchive(r.clone())));
        r
    });
    let reports: Vec<Mutex<WorkerReport>> = (0..workers)
        .map(|_| Mutex::new(WorkerReport::default()))
        .collect();
    let mut control = Control {
        hub: hub.clone(),
        names,
        targets,
        tty: std::io::stderr().is_terminal(),
        status_every: args.status_every,
        started: Instant::now(),
        last_status: Instant::now(),
        last_entries: 0,
        ticks: 0,
    };
    let mut status = 0u8;
    let mut finals: Vec<(LiveStats, EngineStats)> = Vec::with_capacity(workers);
    std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(workers);
        for (i, (mut source, stored)) in sources.into_iter().zip(back_rxs).enumerate() {
            let mut sink = TapSink {
                worker: i,
                workers,
                ring: ring.clone(),
                tx: Some(tx.clone()),
                stored,
                batch: Vec::with_capacity(BATCH),
                pcap: pcap.as_ref(),
                report: &reports[i],
                entries: 0,
                stop: stop.clone(),
            };
            let engine_config = engine_config.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("mizu-capture-{i}"))
                .spawn_scoped(scope, move || {
                    let mut engine = Engine::new(
                        engine_config,
                        mizu_dissectors::Registry::default().dissectors(),
                    );
                    let end =
                        mizu_pipeline::run(&mut source, &mut engine, &mut sink, &Options::live());
                    engine.finish(&mut |e| sink.push(e));
                    sink.flush();
                    sink.publish(&mut source, &engine);
                    (end.err(), source.live_stats(), engine.stats())
                });
            match spawned {
                Ok(h) => handles.push(h),
                Err(e) => {
                    eprintln!("mizu tap: cannot start a capture thread: {e}");
                    stop.store(true, Ordering::Relaxed);
                    status = EXIT_START;
                }
            }
        }
        drop(tx);
        // This thread: namespace rescans, names, the status line, /status.
        let mut next = Instant::now() + std::time::Duration::from_secs(1);
        while !stop.load(Ordering::Relaxed) {
            if handles.iter().any(|h| h.is_finished()) {
                // A worker ended on its own (its source failed, or storing did): stop all.
                stop.store(true, Ordering::Relaxed);
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
            if Instant::now() >= next {
                next = Instant::now() + std::time::Duration::from_secs(1);
                control.tick(&mut fanout, &reports);
            }
        }
        for h in handles {
            match h.join() {
                Ok((err, live, st)) => {
                    if let Some(e) = err {
                        eprintln!("mizu tap: {e}");
                        status = EXIT_START;
                    }
                    finals.push((live, st));
                }
                Err(_) => {
                    eprintln!("mizu tap: a capture thread failed");
                    status = EXIT_START;
                }
            }
        }
    });
    control.publish(&reports);
    if control.tty {
        eprintln!();
    }
    if let Some(out) = pcap {
        let out = out.into_inner().unwrap_or_else(|e| e.into_inner());
        let n = out.writer.packets();
        match out.writer.finish() {
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
    let store_errors = ingest.join().unwrap_or(1);
    let live = mizu_source::live::sum_stats(finals.iter().map(|(l, _)| l));
    let mut entries = 0;
    let mut flows = 0;
    let mut unparsed = 0;
    let mut gaps = 0;
    let mut by_proto: BTreeMap<String, u64> = BTreeMap::new();
    for (_, st) in &finals {
        entries += st.entries;
        flows += st.flows;
        unparsed += st.flows_unparsed;
        gaps += st.reassembly.gaps;
        for (k, p) in &st.protocols {
            *by_proto.entry(k.clone()).or_default() += p.entries;
        }
    }
    let store = hub.store().stats();
    let mut per_proto: Vec<String> = by_proto
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    if per_proto.is_empty() {
        per_proto.push("none".into());
    }
    let per_worker = if workers > 1 {
        let p: Vec<String> = finals.iter().map(|(l, _)| l.packets.to_string()).collect();
        format!("; {workers} workers, packets {}", p.join("/"))
    } else {
        String::new()
    };
    eprintln!(
        "mizu tap: stopped after {:.1}s: {} packets ({} bytes), {} entries ({}), {} stored; \
kernel drops {}, filtered {}, own traffic excluded {}, duplicates {}, loopback copies {}; \
flows {}, unparsed {}, gaps {}{per_worker}",
        control.started.elapsed().as_secs_f64(),
        live.packets,
        live.bytes,
        entries,
        per_proto.join(", "),
        store.entries,
        live.kernel_drops,
        live.filtered,
        live.excluded,
        live.duplicates,
        live.loopback_outgoing,
        flows,
        unparsed,
        gaps,
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
/// What live entries' `capture` field says.
const CAPTURE_KIND: &str = "af_packet";

/// `--pcap-out`, shared by the capture workers.
struct PcapOut {
    writer: PcapNgWriter<std::io::BufWriter<std::fs::File>>,
    error: bool,
}

/// What a capture worker last reported (about once a second, and when it ends).
#[derive(Default)]
struct WorkerReport {
    live: LiveStats,
    entries: u64,
    flows_open: u64,
}

/// One capture worker's sink: its entries in batches to the ingest thread, its packets
/// to the pcap ring and `--pcap-out`.
struct TapSink<'a> {
    /// This worker's index, and how many there are (flow ids are made unique across
    /// workers: `flow * workers + worker`).
    worker: usize,
    workers: usize,
    /// Recent packets per connection (`--pcap-ring`) for pcap export.
    ring: Option<Arc<Mutex<mizu_agent::packets::PacketRing>>>,
    tx: Option<std::sync::mpsc::SyncSender<(usize, Vec<Entry>)>>,
    /// Batches the ingest thread has stored, back to be freed (and reused) here.
    stored: std::sync::mpsc::Receiver<Vec<Entry>>,
    batch: Vec<Entry>,
    pcap: Option<&'a Mutex<PcapOut>>,
    report: &'a Mutex<WorkerReport>,
    entries: u64,
    stop: Arc<AtomicBool>,
}

impl TapSink<'_> {
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
            && tx.send((self.worker, batch)).is_err()
        {
            self.tx = None;
        }
    }

    /// Publishes this worker's counters (the kernel's drop counters read now).
    fn publish(&mut self, source: &mut dyn PacketSource, engine: &Engine) {
        let live = source
            .as_live()
            .map(LiveSource::live_stats)
            .unwrap_or_default();
        let mut r = self.report.lock().unwrap_or_else(|e| e.into_inner());
        r.live = live;
        r.entries = self.entries;
        r.flows_open = engine.stats().active_flows;
    }
}

/// Makes a worker's flow id unique across `workers` capture workers (`flow × N + worker`;
/// unchanged with one worker). Shared by the tap and agent sinks.
pub(crate) fn worker_flow(e: &mut Entry, worker: usize, workers: usize) {
    if workers > 1 {
        e.flow = e.flow * workers as u64 + worker as u64;
    }
}

impl Sink for TapSink<'_> {
    fn push(&mut self, mut e: Entry) {
        worker_flow(&mut e, self.worker, self.workers);
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
        if let Some(out) = self.pcap {
            let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = out.writer.write(pkt)
                && !out.error
            {
                out.error = true;
                eprintln!("mizu tap: --pcap-out: {e} (no longer written)");
            }
        }
    }

    fn tick(&mut self, p: &mut Progress<'_>) {
        self.flush();
        self.publish(p.source, p.engine);
    }

    fn stopped(&self) -> bool {
        self.tx.is_none() || self.stop.load(Ordering::Relaxed)
    }
}

/// The main thread while the workers capture: namespace rescans, endpoint names, the
/// status line and the hub's `/status` `capture` section.
struct Control {
    /// Its name table is refreshed from the namespaces (the hub names entries at ingest).
    hub: Hub,
    names: NetnsNames,
    targets: Targets,
    tty: bool,
    status_every: Option<u64>,
    started: Instant,
    last_status: Instant,
    last_entries: u64,
    ticks: u64,
}

impl Control {
    /// About once a second.
    fn tick(&mut self, fanout: &mut Fanout, reports: &[Mutex<WorkerReport>]) {
        self.ticks += 1;
        if self.ticks.is_multiple_of(RESCAN_TICKS) {
            self.names.refresh(self.hub.names());
            for l in self.targets.rescan(fanout) {
                if self.tty {
                    eprintln!();
                }
                eprintln!("mizu tap: {l}");
            }
        }
        let (live, entries, flows_open) = self.publish(reports);
        let every = self
            .status_every
            .unwrap_or(if self.tty { 1 } else { 10 })
            .max(1);
        if self.ticks.is_multiple_of(every) {
            let secs = self.last_status.elapsed().as_secs_f64().max(0.001);
            let rate = entries.saturating_sub(self.last_entries) as f64 / secs;
            self.last_entries = entries;
            self.last_status = Instant::now();
            let per_worker = if reports.len() > 1 {
                let p: Vec<String> = reports
                    .iter()
                    .map(|r| {
                        r.lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .live
                            .packets
                            .to_string()
                    })
                    .collect();
                format!(", workers {} packets", p.join("/"))
            } else {
                String::new()
            };
            let line = format!(
                "{} packets, {entries} entries ({rate:.0}/s), {} kernel drops, {flows_open} flows open{per_worker}",
                live.packets, live.kernel_drops,
            );
            if self.tty {
                eprint!("\r\x1b[Kmizu tap: {line}");
                let _ = std::io::stderr().flush();
            } else {
                eprintln!("mizu tap: {line}");
            }
        }
    }

    /// Sums the workers' reports, publishes them as the hub's `/status` `capture`, and
    /// returns the totals (capture counters, entries, open flows).
    fn publish(&self, reports: &[Mutex<WorkerReport>]) -> (LiveStats, u64, u64) {
        let mut per = Vec::with_capacity(reports.len());
        let mut all = Vec::with_capacity(reports.len());
        let (mut entries, mut flows_open) = (0, 0);
        for (i, r) in reports.iter().enumerate() {
            let r = r.lock().unwrap_or_else(|e| e.into_inner());
            entries += r.entries;
            flows_open += r.flows_open;
            per.push(serde_json::json!({
                "worker": i,
                "packets": r.live.packets,
                "kernelDrops": r.live.kernel_drops,
                "sockets": r.live.sockets,
                "entries": r.entries,
                "flowsOpen": r.flows_open,
            }));
            all.push(r.live.clone());
        }
        let t = mizu_source::live::sum_stats(&all);
        self.hub.set_capture_status(serde_json::json!({
            "kind": CAPTURE_KIND,
            "packets": t.packets,
            "bytes": t.bytes,
            "kernelPackets": t.kernel_packets,
            "kernelDrops": t.kernel_drops,
            "filtered": t.filtered,
            "excluded": t.excluded,
            "duplicates": t.duplicates,
            "loopbackOutgoing": t.loopback_outgoing,
            "bridgePortsSkipped": t.bridge_ports_skipped,
            "badBlocks": t.bad_blocks,
            "sockets": t.sockets,
            "entries": entries,
            "flowsOpen": flows_open,
            "workers": per,
        }));
        (t, entries, flows_open)
    }
}
