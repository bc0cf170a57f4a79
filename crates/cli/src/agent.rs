//! `mizu agent --hub URL`: entries to a hub's `/agents/ws` (crate `mizu-agent`).
//! Until the live source lands, entries come from `--read FILE…` (a pcap replay;
//! `-` reads a pcap stream from stdin, e.g. `tcpdump -w - | mizu agent --read -`).

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
Exit status: 0 done; 2 bad usage; 3 an input could not be read; 6 entries were dropped \
or left unsent.\n\n\
Examples:\n  MIZU_HUB_TOKEN=s3cret mizu agent --hub ws://hub:8899 --node node-a --read capture.pcap\n  \
tcpdump -i any -w - | MIZU_HUB_TOKEN=s3cret mizu agent --hub 10.0.0.5:8899 --read -"
)]
pub struct AgentArgs {
    /// The hub: ws://HOST:PORT (http:// and HOST:PORT work too). Config: agent.hub.
    #[arg(long, value_name = "URL")]
    pub hub: Option<String>,

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
    if args.read.is_empty() {
        eprintln!(
            "mizu agent: live capture is not in this build yet: give --read FILE (or --read - \
             with `tcpdump -w -` on stdin)"
        );
        return ExitCode::from(2);
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
    let r = agent.replay(&args.read, engine);
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
        backoff_min: a.backoff_min,
        backoff_max: a.backoff_max,
        drain_timeout: a.drain_timeout,
    };
    let token = std::env::var("MIZU_HUB_TOKEN").unwrap_or_default();
    if token.is_empty() {
        eprintln!("mizu agent: MIZU_HUB_TOKEN is not set: the hub will refuse the connection");
    }
    Ok(AgentConfig {
        hub: a.hub.clone().unwrap_or_default(),
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
        ..AgentConfig::default()
    })
}
