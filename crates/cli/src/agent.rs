//! `mizu agent --hub URL`: entries to a hub's `/agents/ws` (crate `mizu-agent`).
//! Live capture (AF_PACKET, the host's interfaces or `--netns` namespaces, plus the
//! namespaces the hub's target list names) through the shared pipeline, or a replay
//! of capture files with `--read FILE…` (`-` reads a pcap stream from stdin).

use clap::Args;
use mizu_agent::{Agent, AgentConfig};
use mizu_dissect::Limits;
use mizu_engine::EngineConfig;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args)]
#[command(
    after_help = "The token comes from MIZU_HUB_TOKEN (the hub's --token).\n\n\
Entries wait in a bounded buffer until the hub acknowledges them; after a disconnect the \
unacknowledged ones are sent again. When the buffer is full, new entries are dropped and \
counted (status `bufferDrops`, and the totals printed at exit).\n\n\
Exit status: 0 done; 2 bad usage; 3 an input could not be read or capture could not start; \
6 entries were dropped or left unsent.\n\n\
Live capture needs root, or once: sudo setcap cap_net_raw,cap_net_admin,cap_sys_admin+ep $(which mizu)\n\n\
Examples:\n  sudo MIZU_HUB_TOKEN=s3cret mizu agent --hub ws://hub:8899 --node node-a\n  \
sudo MIZU_HUB_TOKEN=s3cret mizu agent --hub wss://hub.example:443 --hub-ca ca.pem\n  \
sudo MIZU_HUB_TOKEN=s3cret mizu agent --hub hub:8899 --netns web --netns db\n  \
MIZU_HUB_TOKEN=s3cret mizu agent --hub ws://hub:8899 --node node-a --read capture.pcap"
)]
pub struct AgentArgs {
    /// The hub: ws://HOST:PORT (http:// and HOST:PORT work too), or wss:// (https://)
    /// through TLS. Config: agent.hub.
    #[arg(long, value_name = "URL")]
    pub hub: Option<String>,

    /// For a wss:// hub: also trust the CA certificates in this PEM file (a private CA or
    /// the one that signed a self-signed hub certificate). Default: MIZU_HUB_CA; the
    /// system's roots are always trusted.
    #[arg(long, value_name = "FILE")]
    pub hub_ca: Option<PathBuf>,

    /// Node name entries are tagged with (`node.name`). Default: the host name.
    #[arg(long, value_name = "NAME")]
    pub node: Option<String>,

    /// Node address (`node.ip`).
    #[arg(long, value_name = "IP")]
    pub node_ip: Option<String>,

    /// Agent name on the hub's /status. Default: NODE-PID.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Replay capture files (pcap/pcapng; `-` is stdin) instead of capturing live.
    #[arg(long = "read", value_name = "FILE", num_args = 1..)]
    pub read: Vec<PathBuf>,

    /// Live: capture in this network namespace (name under /var/run/netns, or a path)
    /// instead of the host's; repeatable. The hub's target list can add more.
    #[arg(long, value_name = "NAME_OR_PATH")]
    pub netns: Vec<String>,

    /// Live: interfaces (`any`, `all`, or names).
    #[arg(long, short = 'i', default_value = "any", value_delimiter = ',')]
    pub interface: Vec<String>,

    /// Live, Kubernetes: also capture inside each target pod's network namespace, found
    /// from its container ids through /proc/PID/cgroup (needs CAP_SYS_ADMIN and the
    /// host's PID namespace or /proc). Default: capture the pods' addresses on the node.
    #[arg(long)]
    pub pod_netns: bool,

    /// The host's /proc (mounted read-only in the agent's pod), for --pod-netns.
    /// Default: env MIZU_HOST_PROC, else /proc.
    #[arg(long, value_name = "DIR", default_value = "/proc")]
    pub host_proc: PathBuf,

    /// Live: stop after this many seconds (default: until Ctrl-C / SIGTERM).
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<u64>,

    /// Most entries held while the hub is away or slow (default: 30 s of 10k/s).
    #[arg(long, default_value_t = mizu_agent::DEFAULT_BUFFER_ENTRIES, value_name = "N")]
    pub buffer_entries: usize,

    /// Most bytes of entry JSON held.
    #[arg(long, default_value = "512MiB", value_parser = size, value_name = "SIZE")]
    pub buffer_size: u64,

    /// Entries per batch.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub batch_entries: usize,

    /// Seconds between status reports.
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
    pub status_interval: f64,

    /// First reconnect delay in seconds (doubles up to --backoff-max, with jitter).
    #[arg(long, default_value_t = 0.5, value_name = "SECONDS")]
    pub backoff_min: f64,

    /// Longest reconnect delay in seconds.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub backoff_max: f64,

    /// After the input ends: how long to keep trying to deliver what is buffered.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub drain_timeout: f64,

    /// Body bytes kept per message (as `mizu read --max-body`).
    #[arg(long, default_value = "1M", value_parser = crate::read::parse_size)]
    pub max_body: usize,

    /// Live: capture worker threads (config `tap.workers`, 1..64), each with its own
    /// ring per capture point in one PACKET_FANOUT group (a flow always reaches the same
    /// worker) and its own engine.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub workers: usize,

    /// Recent packets kept per connection so the hub can export the packets behind a
    /// filter as pcap (`GET /entries/pcap`): one byte budget for all connections; 0
    /// keeps none.
    #[arg(long, default_value = "64M", value_parser = crate::read::parse_size, value_name = "SIZE")]
    pub pcap_ring: usize,
}

fn size(s: &str) -> Result<u64, String> {
    mizu_store::parse_size(s)
}

fn secs(v: f64, what: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(v)
        .map_err(|_| format!("--{what} {v}: give a number of seconds >= 0"))
}

pub fn run(args: AgentArgs, file: &crate::config::MizuConfig) -> ExitCode {
    let cfg = match config(&args, file) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mizu agent: {e}");
            return ExitCode::from(2);
        }
    };
    if args.read.is_empty() && !mizu_source::live::can_capture() {
        eprintln!(
            "mizu agent: live capture needs root or the CAP_NET_RAW capability (and \
CAP_NET_ADMIN, plus CAP_SYS_ADMIN for --netns), which this process does not have.\n  \
run it as root:   sudo mizu agent …\n  \
or allow it once: sudo setcap cap_net_raw,cap_net_admin,cap_sys_admin+ep $(which mizu)\n  \
(or replay a capture: mizu agent --read capture.pcap)"
        );
        return ExitCode::from(3);
    }
    let max_body = crate::read::parse_size(&file.tap.max_body).unwrap_or(args.max_body);
    let drain = secs(args.drain_timeout, "drain-timeout").unwrap_or(Duration::from_secs(60));
    let agent = match Agent::start(cfg) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("mizu agent: cannot start: {e}");
            return ExitCode::from(3);
        }
    };
    let engine = EngineConfig {
        limits: Limits {
            max_body,
            ..Limits::default()
        },
        ..EngineConfig::default()
    };
    let r = if args.read.is_empty() {
        match live::run(&agent, &args, engine, file.workers()) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("mizu agent: {e}");
                let _ = agent.finish(Duration::ZERO);
                return ExitCode::from(3);
            }
        }
    } else {
        agent.replay(&args.read, engine)
    };
    for e in &r.errors {
        eprintln!("mizu agent: {e}");
    }
    let t = agent.finish(drain);
    eprintln!(
        "mizu agent: done: {} packets, {} entries, {} acknowledged by the hub ({} stored), \
         {} dropped (buffer full), {} filtered by targets, {} rejected by the hub, {} unsent; \
         {} connections",
        r.packets,
        t.entries,
        t.acked,
        t.stored,
        t.buffer_drops,
        t.target_filtered,
        t.rejected,
        t.unsent,
        t.connects
    );
    if !r.errors.is_empty() && r.packets == 0 {
        ExitCode::from(3)
    } else if t.buffer_drops + t.unsent + t.rejected > 0 {
        ExitCode::from(6)
    } else {
        ExitCode::SUCCESS
    }
}

/// Flags that are config keys (`agent.*`, `tap.max-body`) come from `c`, where they
/// were folded in with the file and `--set`.
fn config(a: &AgentArgs, c: &crate::config::MizuConfig) -> Result<AgentConfig, String> {
    let a = &AgentArgs {
        hub: Some(c.agent.hub.clone()),
        hub_ca: a
            .hub_ca
            .clone()
            .or_else(|| std::env::var_os("MIZU_HUB_CA").map(PathBuf::from))
            .filter(|p| !p.as_os_str().is_empty()),
        node: Some(c.agent.node.clone()).filter(|n| !n.is_empty()),
        buffer_entries: usize::try_from(c.agent.buffer_entries)
            .map_err(|_| "agent.buffer-entries must be >= 0".to_owned())?,
        buffer_size: mizu_store::parse_size(&c.agent.buffer_size)
            .map_err(|e| format!("agent.buffer-size: {e}"))?,
        batch_entries: usize::try_from(c.agent.batch_entries)
            .map_err(|_| "agent.batch-entries must be >= 0".to_owned())?,
        status_interval: c.agent.status_interval,
        max_body: crate::read::parse_size(&c.tap.max_body)
            .map_err(|e| format!("tap.max-body: {e}"))?,
        node_ip: a.node_ip.clone(),
        name: a.name.clone(),
        read: Vec::new(),
        netns: Vec::new(),
        interface: Vec::new(),
        pod_netns: false,
        host_proc: PathBuf::from("/proc"),
        duration: None,
        backoff_min: a.backoff_min,
        backoff_max: a.backoff_max,
        drain_timeout: a.drain_timeout,
        pcap_ring: a.pcap_ring,
        workers: c.workers(),
    };
    let token = std::env::var("MIZU_HUB_TOKEN").unwrap_or_default();
    if token.is_empty() {
        eprintln!("mizu agent: MIZU_HUB_TOKEN is not set: the hub will refuse the connection");
    }
    Ok(AgentConfig {
        hub: a.hub.clone().unwrap_or_default(),
        hub_ca: a.hub_ca.clone(),
        token,
        agent: a.name.clone().unwrap_or_default(),
        node: a.node.clone().unwrap_or_default(),
        node_ip: a.node_ip.clone().unwrap_or_default(),
        buffer_entries: a.buffer_entries,
        buffer_bytes: usize::try_from(a.buffer_size).unwrap_or(usize::MAX),
        batch_entries: a.batch_entries,
        status_interval: secs(a.status_interval, "status-interval")?
            .max(Duration::from_millis(100)),
        backoff_min: secs(a.backoff_min, "backoff-min")?,
        backoff_max: secs(a.backoff_max, "backoff-max")?,
        packet_ring: a.pcap_ring,
        ..AgentConfig::default()
    })
}

/// Live capture into the agent: the pipeline every live capture shares, on `--workers`
/// capture threads.
mod live {
    use super::AgentArgs;
    use mizu_agent::{Agent, CaptureStats, ReplayStats};
    use mizu_engine::{Engine, EngineConfig};
    use mizu_model::Entry;
    use mizu_pipeline::{Options, Progress, Sink};
    use mizu_proto::TargetList;
    use mizu_source::live::{
        CaptureFilter, Exclude, Fanout, Interfaces, LiveConfig, LiveSource, LiveStats, Target,
    };
    use std::collections::BTreeSet;
    use std::net::{IpAddr, ToSocketAddrs};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    /// What a capture worker last reported (about once a second, and when it ends).
    #[derive(Default)]
    struct WorkerReport {
        live: LiveStats,
        capture: CaptureStats,
    }

    /// One capture worker's sink: entries to the agent's buffer, packets to its ring.
    struct AgentSink<'a> {
        agent: &'a Agent,
        stop: Arc<AtomicBool>,
        /// This worker and how many there are (flow ids: `flow * workers + worker`).
        worker: usize,
        workers: usize,
        entries: u64,
        ring: Option<Arc<Mutex<mizu_agent::packets::PacketRing>>>,
        report: &'a Mutex<WorkerReport>,
    }

    impl AgentSink<'_> {
        fn publish(&mut self, source: &mut dyn mizu_source::PacketSource, engine: &Engine) {
            let live = source
                .as_live()
                .map(LiveSource::live_stats)
                .unwrap_or_default();
            let capture =
                mizu_agent::capture_stats(live.packets, live.kernel_drops, 0, &engine.stats());
            let mut r = self.report.lock().unwrap_or_else(|e| e.into_inner());
            r.live = live;
            r.capture = capture;
        }
    }

    impl Sink for AgentSink<'_> {
        fn push(&mut self, mut e: Entry) {
            crate::tap::worker_flow(&mut e, self.worker, self.workers);
            self.entries += 1;
            self.agent.push(e);
        }

        fn packet(&mut self, pkt: &mizu_source::RawPacket<'_>) {
            if let Some(r) = &self.ring {
                r.lock().unwrap_or_else(|e| e.into_inner()).push(pkt);
            }
        }

        fn tick(&mut self, p: &mut Progress<'_>) {
            self.publish(p.source, p.engine);
        }

        fn stopped(&self) -> bool {
            self.stop.load(Ordering::Relaxed)
        }
    }

    /// The main thread while the workers capture: the hub's target list (namespaces to
    /// open, addresses to keep) and the summed counters for the status reports.
    struct Control {
        targets: tokio::sync::watch::Receiver<Option<TargetList>>,
        /// Namespaces opened because the hub's target list named them.
        from_targets: BTreeSet<String>,
        interfaces: Interfaces,
        /// `--pod-netns`: the host's /proc to find pods' namespaces in.
        pod_netns: Option<std::path::PathBuf>,
    }

    impl Control {
        fn apply_targets(&mut self, live: &mut Fanout) {
            let Some(list) = self.targets.borrow_and_update().clone() else {
                return;
            };
            // Only the targets' addresses from now on (none at all for an exclusive list
            // without targets; any address for a list that names none).
            let hosts: Vec<IpAddr> = list.addresses().filter_map(|a| a.parse().ok()).collect();
            let n = hosts.len();
            if !hosts.is_empty() || list.exclusive {
                live.set_hosts(Some(hosts));
            } else {
                live.set_hosts(None);
            }
            eprintln!(
                "mizu agent: target list {}: {} targets, capture filter {n} addresses",
                list.generation,
                list.targets.len()
            );
            let mut want = BTreeSet::new();
            for t in &list.targets {
                let mut target = if !t.netns.is_empty() {
                    Target::netns(&t.netns)
                } else if let Some(proc_root) = &self.pod_netns
                    && !t.container_ids.is_empty()
                {
                    let Some(path) =
                        mizu_agent::netns::netns_of_containers(proc_root, &t.container_ids)
                    else {
                        eprintln!(
                            "mizu agent: target {}: no process of its containers in {} yet",
                            t.name,
                            proc_root.display()
                        );
                        continue;
                    };
                    let mut target = Target::netns(&path.to_string_lossy());
                    target.label = format!("pod {}", t.name);
                    target
                } else {
                    continue;
                };
                if !t.interfaces.is_empty() {
                    target.interfaces = match t.interfaces.as_slice() {
                        [one] if one == "any" => Interfaces::Any,
                        [one] if one == "all" => Interfaces::All,
                        names => Interfaces::Named(names.to_vec()),
                    };
                } else {
                    target.interfaces = self.interfaces.clone();
                }
                want.insert(target.label.clone());
                if !self.from_targets.contains(&target.label) {
                    match live.open(&target) {
                        Ok(n) => {
                            eprintln!(
                                "mizu agent: target {}: capturing in {} ({} sockets)",
                                t.name,
                                target.label,
                                n * live.workers()
                            );
                            self.from_targets.insert(target.label.clone());
                        }
                        Err(e) => eprintln!("mizu agent: target {}: {e}", t.name),
                    }
                }
            }
            let gone: Vec<String> = self.from_targets.difference(&want).cloned().collect();
            for label in gone {
                live.remove(&label);
                self.from_targets.remove(&label);
                eprintln!("mizu agent: no longer capturing in {label} (not in the target list)");
            }
        }
    }

    /// The workers' counters summed (per-worker packets when there are several).
    fn sum(reports: &[Mutex<WorkerReport>]) -> CaptureStats {
        let mut t = CaptureStats::default();
        for r in reports {
            let r = r.lock().unwrap_or_else(|e| e.into_inner());
            let c = &r.capture;
            t.packets += c.packets;
            t.kernel_drops += c.kernel_drops;
            t.flows += c.flows;
            t.parse_errors += c.parse_errors;
            t.queue_drops += c.queue_drops;
            for (k, v) in &c.entries_by_protocol {
                *t.entries_by_protocol.entry(k.clone()).or_default() += v;
            }
            for (k, v) in &c.diagnostics_by_kind {
                *t.diagnostics_by_kind.entry(k.clone()).or_default() += v;
            }
            if reports.len() > 1 {
                t.worker_packets.push(r.live.packets);
            }
        }
        t
    }

    /// The hub's endpoint, never captured (agent↔hub traffic).
    fn hub_endpoint(hub: &str) -> Option<(Option<IpAddr>, u16)> {
        let rest = hub.split_once("://").map_or(hub, |(_, r)| r);
        let hostport = rest.split('/').next()?;
        let addr = if hostport.contains(':') {
            hostport.to_owned()
        } else {
            format!("{hostport}:8899")
        };
        let a = addr.to_socket_addrs().ok()?.next()?;
        Some((Some(a.ip()).filter(|ip| !ip.is_loopback()), a.port()))
    }

    pub(super) fn run(
        agent: &Agent,
        args: &AgentArgs,
        mut engine_config: EngineConfig,
        workers: usize,
    ) -> Result<ReplayStats, String> {
        let interfaces = match args.interface.as_slice() {
            [] => Interfaces::Any,
            [one] if one == "all" => Interfaces::All,
            [one] if one == "any" => Interfaces::Any,
            names => Interfaces::Named(names.to_vec()),
        };
        let exclude = hub_endpoint(&agent.config().hub)
            .map(|(ip, port)| vec![Exclude { ip, port }])
            .unwrap_or_default();
        let (mut fanout, sources) = Fanout::new(
            LiveConfig {
                filter: CaptureFilter {
                    exclude,
                    ..CaptureFilter::default()
                },
                ..LiveConfig::default()
            },
            workers,
        );
        if args.netns.is_empty() {
            let n = fanout
                .open(&Target::host(interfaces.clone()))
                .map_err(|e| e.to_string())?;
            eprintln!(
                "mizu agent: capturing on the host ({} sockets)",
                n * workers
            );
        }
        for ns in &args.netns {
            let mut t = Target::netns(ns);
            t.interfaces = interfaces.clone();
            let n = fanout.open(&t).map_err(|e| e.to_string())?;
            eprintln!(
                "mizu agent: capturing in namespace {ns} ({} sockets)",
                n * workers
            );
        }
        if workers > 1 {
            eprintln!("mizu agent: {workers} capture workers");
        }
        engine_config.capture = "af_packet";
        // One memory budget for the process, shared out between the workers' engines.
        engine_config.max_memory /= workers.max(1);
        let stop = fanout.stop_handle();
        // Ctrl-C / SIGTERM / --duration end the capture; the agent then drains.
        let rt = crate::serve::runtime().map_err(|e| format!("cannot start: {e}"))?;
        crate::serve::stop_on_signal_or_after(&rt, &stop, args.duration);
        let mut control = Control {
            targets: {
                // A list that arrived before the capture opened is applied at once.
                let mut rx = agent.targets();
                rx.mark_changed();
                rx
            },
            from_targets: BTreeSet::new(),
            interfaces,
            // The DaemonSet mounts the host's /proc at MIZU_HOST_PROC.
            pod_netns: args.pod_netns.then(|| {
                std::env::var_os("MIZU_HOST_PROC")
                    .filter(|_| args.host_proc == std::path::Path::new("/proc"))
                    .map_or_else(|| args.host_proc.clone(), std::path::PathBuf::from)
            }),
        };
        let reports: Vec<Mutex<WorkerReport>> = (0..workers)
            .map(|_| Mutex::new(WorkerReport::default()))
            .collect();
        let ring = agent.packet_ring();
        let mut errors = Vec::new();
        let mut entries = 0;
        let mut finals = Vec::with_capacity(workers);
        std::thread::scope(|scope| {
            let mut handles = Vec::with_capacity(workers);
            for (i, mut source) in sources.into_iter().enumerate() {
                let mut sink = AgentSink {
                    agent,
                    stop: stop.clone(),
                    worker: i,
                    workers,
                    entries: 0,
                    ring: ring.clone(),
                    report: &reports[i],
                };
                let engine_config = engine_config.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("mizu-capture-{i}"))
                    .spawn_scoped(scope, move || {
                        let mut engine = Engine::new(
                            engine_config,
                            mizu_dissectors::Registry::default().dissectors(),
                        );
                        let end = mizu_pipeline::run(
                            &mut source,
                            &mut engine,
                            &mut sink,
                            &Options::live(),
                        );
                        engine.finish(&mut |e| sink.push(e));
                        sink.publish(&mut source, &engine);
                        (end.err(), sink.entries, source.live_stats())
                    });
                match spawned {
                    Ok(h) => handles.push(h),
                    Err(e) => {
                        errors.push(format!("cannot start a capture thread: {e}"));
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            }
            let mut next = Instant::now() + Duration::from_secs(1);
            while !stop.load(Ordering::Relaxed) {
                if handles.iter().any(|h| h.is_finished()) {
                    stop.store(true, Ordering::Relaxed);
                    break;
                }
                if control.targets.has_changed().unwrap_or(false) {
                    control.apply_targets(&mut fanout);
                }
                std::thread::sleep(Duration::from_millis(100));
                if Instant::now() >= next {
                    next = Instant::now() + Duration::from_secs(1);
                    agent.set_capture_stats(sum(&reports));
                }
            }
            for h in handles {
                match h.join() {
                    Ok((err, n, live)) => {
                        if let Some(e) = err {
                            errors.push(e.to_string());
                        }
                        entries += n;
                        finals.push(live);
                    }
                    Err(_) => errors.push("a capture thread failed".to_owned()),
                }
            }
        });
        agent.set_capture_stats(sum(&reports));
        let st = mizu_source::live::sum_stats(&finals);
        let per_worker = if workers > 1 {
            let p: Vec<String> = finals.iter().map(|l| l.packets.to_string()).collect();
            format!(" ({workers} workers: {})", p.join("/"))
        } else {
            String::new()
        };
        eprintln!(
            "mizu agent: capture stopped: {} packets{per_worker}, {} kernel drops, {} own packets excluded",
            st.packets, st.kernel_drops, st.excluded
        );
        rt.shutdown_background();
        Ok(ReplayStats {
            packets: st.packets,
            entries,
            errors,
        })
    }
}
