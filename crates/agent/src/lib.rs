//! `mizu-agent`: ships entries to a hub over `/agents/ws` (`mizu agent --hub URL`).
//!
//! ```text
//!  capture thread                         sender thread (tokio, one socket)
//!  source → engine → Agent::push ──▶ Buffer ──▶ batches (seq) ──▶ hub
//!                     (targets filter,   │  pending ▸ in flight ▸ acked (freed)
//!                      render JSON once) │  on reconnect: in flight → resent first
//! ```
//!
//! * **Bounded.** The buffer holds at most `buffer_entries` entries and `buffer_bytes`
//!   bytes of rendered JSON, counting both what waits and what was sent but not yet
//!   acknowledged. The default (300 000 entries) holds 30 s of 10k requests/s. When it
//!   is full (the hub is away or slower than capture), new entries are dropped and
//!   counted (`bufferDrops` in the status, and in the totals), never silently.
//! * **Back-pressure.** At most `window` batches are unacknowledged on the socket; the
//!   rest waits in the buffer, so a slow hub slows the sender, not the capture.
//! * **Nothing that fit is lost.** A batch is freed only when the hub acknowledges it
//!   (after it is durable on a hub with `--data-dir`). After a disconnect, every
//!   unacknowledged batch is sent again, with its `seq`, before new ones.
//! * **Reconnects** with exponential backoff (`backoff_min` doubling to `backoff_max`)
//!   and jitter (each delay is 50–100 % of the step), logging why: a refused token (401)
//!   names `MIZU_HUB_TOKEN`.
//! * **Status** every `status_interval`: packets, kernel drops, flows, entries per
//!   protocol, parse errors, queue and buffer drops, RSS, CPU ([`StatusReport`]).
//! * **Targets.** The hub's [`TargetList`] for this node is applied to entries (only
//!   those touching a target address are kept; endpoints at a target's address get its
//!   name) and published on [`Agent::targets`] for the capture layer (namespaces,
//!   interfaces).

pub mod netns;
pub mod packets;
mod replay;
mod sender;
pub mod tls;

pub use replay::{ReplayStats, capture_stats};

use mizu_model::{Entry, Node};
use mizu_proto::{StatusReport, TargetList};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, watch};

/// Everything `mizu agent` can be told.
#[derive(Clone, Debug)]
pub struct AgentConfig {
    /// The hub: `ws://HOST:PORT` (or `http://`, or `HOST:PORT`); the path defaults to
    /// `/agents/ws`.
    pub hub: String,
    /// Bearer token (`MIZU_HUB_TOKEN`).
    pub token: String,
    /// Extra CA certificates (PEM) trusted for a `wss://` hub, besides the system's
    /// (`--hub-ca`, `MIZU_HUB_CA`).
    pub hub_ca: Option<std::path::PathBuf>,
    /// This agent's name on the hub (default: `NODE-PID`).
    pub agent: String,
    /// The node entries are tagged with (default: the host name).
    pub node: String,
    pub node_ip: String,
    /// Most entries held (waiting + unacknowledged).
    pub buffer_entries: usize,
    /// Most bytes of rendered entry JSON held.
    pub buffer_bytes: usize,
    /// Entries per batch (at most; a batch also closes at `batch_bytes`).
    pub batch_entries: usize,
    pub batch_bytes: usize,
    /// Longest an entry waits for its batch to fill.
    pub linger: Duration,
    /// Unacknowledged batches on the socket.
    pub window: usize,
    pub status_interval: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// No acknowledgement for this long while batches are out: the connection is
    /// considered dead and re-made.
    pub ack_timeout: Duration,
    /// Bytes of recent packets kept per connection for the hub's pcap export
    /// ([`packets::PacketRing`]); 0 keeps none (and the hello says so).
    pub packet_ring: usize,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            hub: format!("ws://127.0.0.1:{}", 8899),
            token: String::new(),
            hub_ca: None,
            agent: String::new(),
            node: String::new(),
            node_ip: String::new(),
            buffer_entries: DEFAULT_BUFFER_ENTRIES,
            buffer_bytes: DEFAULT_BUFFER_BYTES,
            batch_entries: 1000,
            batch_bytes: 1 << 20,
            linger: Duration::from_millis(100),
            window: 8,
            status_interval: Duration::from_secs(5),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            ack_timeout: Duration::from_secs(30),
            packet_ring: 0,
        }
    }
}

/// 30 s of 10 000 entries/s.
pub const DEFAULT_BUFFER_ENTRIES: usize = 300_000;
/// 512 MiB of entry JSON (about 1.7 KiB per entry at the entry bound).
pub const DEFAULT_BUFFER_BYTES: usize = 512 << 20;

/// What the capture side knows, copied into every status report.
#[derive(Clone, Debug, Default)]
pub struct CaptureStats {
    pub packets: u64,
    pub kernel_drops: u64,
    pub flows: u64,
    pub entries_by_protocol: BTreeMap<String, u64>,
    pub parse_errors: u64,
    /// The engine's diagnostics by kind.
    pub diagnostics_by_kind: BTreeMap<String, u64>,
    pub queue_drops: u64,
    /// Packets per capture worker (only with more than one).
    pub worker_packets: Vec<u64>,
}

/// Totals since the agent started (what `mizu agent` prints when it stops).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Entries given to [`Agent::push`].
    pub entries: u64,
    /// Left out by the target list.
    pub target_filtered: u64,
    /// Dropped because the buffer was full.
    pub buffer_drops: u64,
    /// Acknowledged by the hub (stored, or filtered/invalid there: see below).
    pub acked: u64,
    /// Of the acknowledged: stored by the hub.
    pub stored: u64,
    /// Refused by the hub for good (a batch it will never take).
    pub rejected: u64,
    /// Still in the buffer when the agent stopped (the hub never acknowledged them).
    pub unsent: u64,
    pub batches: u64,
    pub connects: u64,
    pub auth_failures: u64,
}

#[derive(Default)]
pub(crate) struct Counters {
    entries: AtomicU64,
    target_filtered: AtomicU64,
    buffer_drops: AtomicU64,
    acked: AtomicU64,
    stored: AtomicU64,
    rejected: AtomicU64,
    batches: AtomicU64,
    connects: AtomicU64,
    auth_failures: AtomicU64,
}

/// One batch: rendered entries and their total size.
#[derive(Default)]
pub(crate) struct Batch {
    entries: Vec<Vec<u8>>,
    bytes: usize,
}

#[derive(Default)]
pub(crate) struct Buffer {
    pending: VecDeque<Vec<u8>>,
    pending_bytes: usize,
    /// Sent on an earlier connection, not acknowledged: sent first, in `seq` order.
    resend: BTreeMap<u64, Batch>,
    /// Sent on this connection, not yet acknowledged.
    inflight: BTreeMap<u64, Batch>,
    /// Entries and bytes in all three.
    entries: usize,
    bytes: usize,
    next_seq: u64,
}

impl Buffer {
    fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Takes the next batch of waiting entries (up to the limits).
    fn take_batch(&mut self, max_entries: usize, max_bytes: usize) -> Option<(u64, Batch)> {
        if self.pending.is_empty() {
            return None;
        }
        let mut b = Batch::default();
        while let Some(e) = self.pending.front() {
            if !b.entries.is_empty()
                && (b.entries.len() >= max_entries || b.bytes + e.len() > max_bytes)
            {
                break;
            }
            let Some(e) = self.pending.pop_front() else {
                break;
            };
            b.bytes += e.len();
            self.pending_bytes -= e.len();
            b.entries.push(e);
        }
        self.next_seq += 1;
        Some((self.next_seq, b))
    }

    /// Frees an acknowledged batch.
    fn release(&mut self, seq: u64) -> Option<Batch> {
        let b = self
            .inflight
            .remove(&seq)
            .or_else(|| self.resend.remove(&seq))?;
        self.entries -= b.entries.len();
        self.bytes -= b.bytes;
        Some(b)
    }
}

/// Address filter and names derived from the current target list.
#[derive(Default)]
pub(crate) struct TargetFilter {
    /// An exclusive list with no address: this node has no target, keep nothing.
    nothing: bool,
    addresses: HashSet<String>,
    names: HashMap<String, (String, String)>,
}

pub(crate) struct Shared {
    pub(crate) cfg: AgentConfig,
    pub(crate) buf: Mutex<Buffer>,
    pub(crate) wake: Notify,
    pub(crate) closing: AtomicBool,
    pub(crate) deadline: Mutex<Option<Instant>>,
    pub(crate) counters: Counters,
    pub(crate) capture: Mutex<CaptureStats>,
    pub(crate) targets: watch::Sender<Option<TargetList>>,
    filter: RwLock<Option<Arc<TargetFilter>>>,
    pub(crate) connected: AtomicBool,
    /// TLS settings for a `wss://` hub (built once at start).
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
    /// Recent packets for the hub's pcap export (`packet_ring` bytes).
    pub(crate) ring: Option<Arc<Mutex<packets::PacketRing>>>,
}

impl Shared {
    pub(crate) fn log(&self, msg: &str) {
        eprintln!("mizu agent: {msg}");
    }

    /// Applies a target list from the hub (one for another node is ignored).
    pub(crate) fn apply_targets(&self, list: TargetList) {
        if !list.node.is_empty() && list.node != self.cfg.node {
            return;
        }
        let mut f = TargetFilter::default();
        for t in &list.targets {
            for a in &t.addresses {
                f.addresses.insert(a.clone());
                if !t.name.is_empty() || !t.namespace.is_empty() {
                    f.names
                        .insert(a.clone(), (t.name.clone(), t.namespace.clone()));
                }
            }
        }
        f.nothing = list.exclusive && f.addresses.is_empty();
        self.log(&format!(
            "target list {} from the hub: {} targets, {} addresses",
            list.generation,
            list.targets.len(),
            f.addresses.len()
        ));
        *self.filter.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(f));
        self.targets.send_replace(Some(list));
    }

    pub(crate) fn status(&self) -> StatusReport {
        let c = self
            .capture
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let buffered = self.buf.lock().map(|b| b.entries).unwrap_or(0) as u64;
        let (rss, cpu) = process_usage();
        let n = &self.counters;
        StatusReport {
            v: mizu_proto::VERSION,
            node: Some(self.cfg.node.clone()),
            packets: c.packets,
            drops: c.kernel_drops,
            flows: c.flows,
            entries: n.entries.load(Ordering::Relaxed),
            entries_by_protocol: c.entries_by_protocol,
            parse_errors: c.parse_errors,
            diagnostics_by_kind: c.diagnostics_by_kind,
            queue_drops: c.queue_drops,
            buffer_drops: n.buffer_drops.load(Ordering::Relaxed),
            target_filtered: n.target_filtered.load(Ordering::Relaxed),
            buffered,
            acked: n.acked.load(Ordering::Relaxed),
            rss_bytes: rss,
            cpu_seconds: cpu,
            targets_generation: self.targets.borrow().as_ref().map_or(0, |t| t.generation),
            worker_packets: c.worker_packets,
        }
    }
}

/// RSS (bytes) and CPU time (user + system, seconds) of this process, from /proc.
fn process_usage() -> (u64, f64) {
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024);
    // Fields 14 and 15 of /proc/self/stat (after the parenthesised command name), in
    // clock ticks of 1/100 s (USER_HZ is 100 on every Linux architecture mizu runs on).
    let cpu = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let u: f64 = f.get(11)?.parse().ok()?;
            let sy: f64 = f.get(12)?.parse().ok()?;
            Some((u + sy) / 100.0)
        })
        .unwrap_or(0.0);
    (rss, cpu)
}

/// A running agent: [`Agent::push`] entries from any thread; a background thread sends
/// them. [`Agent::finish`] drains and stops it.
pub struct Agent {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Agent {
    /// Starts the sender thread (it connects in the background).
    pub fn start(mut cfg: AgentConfig) -> std::io::Result<Agent> {
        if cfg.node.is_empty() {
            cfg.node = hostname();
        }
        if cfg.agent.is_empty() {
            cfg.agent = format!("{}-{}", cfg.node, std::process::id());
        }
        cfg.batch_entries = cfg.batch_entries.max(1);
        cfg.window = cfg.window.max(1);
        let tls = if agent_url(&cfg.hub, "", "").starts_with("wss://") || cfg.hub_ca.is_some() {
            Some(
                tls::client_config(cfg.hub_ca.as_deref())
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
            )
        } else {
            None
        };
        let ring = (cfg.packet_ring > 0)
            .then(|| Arc::new(Mutex::new(packets::PacketRing::new(cfg.packet_ring))));
        let shared = Arc::new(Shared {
            ring,
            cfg,
            buf: Mutex::new(Buffer::default()),
            wake: Notify::new(),
            closing: AtomicBool::new(false),
            deadline: Mutex::new(None),
            counters: Counters::default(),
            capture: Mutex::new(CaptureStats::default()),
            targets: watch::channel(None).0,
            filter: RwLock::new(None),
            connected: AtomicBool::new(false),
            tls,
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("mizu-agent-send".into())
            .spawn(move || sender::run(s))?;
        Ok(Agent {
            shared,
            thread: Some(thread),
        })
    }

    /// The packet ring the capture fills (`AgentConfig::packet_ring` > 0).
    pub fn packet_ring(&self) -> Option<Arc<Mutex<packets::PacketRing>>> {
        self.shared.ring.clone()
    }

    pub fn config(&self) -> &AgentConfig {
        &self.shared.cfg
    }

    /// Queues one entry. Never blocks on the network: when the buffer is full the entry
    /// is dropped and counted.
    pub fn push(&self, mut e: Entry) {
        let sh = &*self.shared;
        sh.counters.entries.fetch_add(1, Ordering::Relaxed);
        let filter = sh.filter.read().ok().and_then(|f| f.clone());
        if let Some(f) = filter {
            if f.nothing
                || (!f.addresses.is_empty()
                    && !f.addresses.contains(e.src.ip.as_str())
                    && !f.addresses.contains(e.dst.ip.as_str()))
            {
                sh.counters.target_filtered.fetch_add(1, Ordering::Relaxed);
                return;
            }
            for ep in [&mut e.src, &mut e.dst] {
                if ep.name.is_empty()
                    && let Some((name, _)) = f.names.get(ep.ip.as_str())
                {
                    ep.name = name.as_str().into();
                }
            }
            if e.namespace.is_empty()
                && let Some((_, ns)) = f
                    .names
                    .get(e.dst.ip.as_str())
                    .or_else(|| f.names.get(e.src.ip.as_str()))
            {
                e.namespace.clone_from(ns);
            }
        }
        if e.node.is_none() {
            e.node = Some(Node {
                name: sh.cfg.node.as_str().into(),
                ip: sh.cfg.node_ip.as_str().into(),
            });
        }
        let mut json = Vec::with_capacity(1024);
        if e.write_json(&mut json).is_err() {
            sh.counters.buffer_drops.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let mut b = sh.buf.lock().unwrap_or_else(|e| e.into_inner());
        if b.entries >= sh.cfg.buffer_entries || b.bytes + json.len() > sh.cfg.buffer_bytes {
            drop(b);
            let n = sh.counters.buffer_drops.fetch_add(1, Ordering::Relaxed);
            if n.is_power_of_two() || n == 0 {
                sh.log(&format!(
                    "buffer full ({} entries / {} bytes held, hub {}): dropping entries, {} so far",
                    sh.cfg.buffer_entries,
                    sh.cfg.buffer_bytes,
                    if sh.connected.load(Ordering::Relaxed) {
                        "slower than capture"
                    } else {
                        "not connected"
                    },
                    n + 1
                ));
            }
            return;
        }
        b.entries += 1;
        b.bytes += json.len();
        b.pending_bytes += json.len();
        b.pending.push_back(json);
        let full = b.pending.len() == sh.cfg.batch_entries;
        drop(b);
        if full {
            sh.wake.notify_one();
        }
    }

    /// Replaces the capture counters sent in the next status report.
    pub fn set_capture_stats(&self, s: CaptureStats) {
        *self
            .shared
            .capture
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = s;
    }

    /// The target list the hub sent last (`None` until one arrives): the capture layer
    /// watches it to pick namespaces and interfaces.
    pub fn targets(&self) -> watch::Receiver<Option<TargetList>> {
        self.shared.targets.subscribe()
    }

    /// The status report the agent would send now.
    pub fn status(&self) -> StatusReport {
        self.shared.status()
    }

    pub fn totals(&self) -> Totals {
        let n = &self.shared.counters;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Totals {
            entries: l(&n.entries),
            target_filtered: l(&n.target_filtered),
            buffer_drops: l(&n.buffer_drops),
            acked: l(&n.acked),
            stored: l(&n.stored),
            rejected: l(&n.rejected),
            unsent: self.shared.buf.lock().map_or(0, |b| b.entries as u64),
            batches: l(&n.batches),
            connects: l(&n.connects),
            auth_failures: l(&n.auth_failures),
        }
    }

    /// Whether a hub connection is up.
    pub fn connected(&self) -> bool {
        self.shared.connected.load(Ordering::Relaxed)
    }

    /// Sends what is buffered (waiting up to `timeout` for the hub to acknowledge it,
    /// reconnecting as needed), then stops. Entries still unacknowledged are counted in
    /// [`Totals::unsent`].
    pub fn finish(mut self, timeout: Duration) -> Totals {
        *self
            .shared
            .deadline
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(Instant::now() + timeout);
        self.shared.closing.store(true, Ordering::SeqCst);
        self.shared.wake.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.totals()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        if self.thread.is_some() {
            *self
                .shared
                .deadline
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
            self.shared.closing.store(true, Ordering::SeqCst);
            self.shared.wake.notify_one();
        }
    }
}

/// The host name (`/proc/sys/kernel/hostname`), or `localhost`.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// `ws://HOST:PORT/agents/ws?agent=…&node=…` from what the user gave.
pub fn agent_url(hub: &str, agent: &str, node: &str) -> String {
    let hub = hub.trim();
    let (scheme, rest) = match hub.split_once("://") {
        Some(("http" | "ws", r)) => ("ws", r),
        Some(("https" | "wss", r)) => ("wss", r),
        Some((_, r)) => ("ws", r),
        None => ("ws", hub),
    };
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let path = if path.is_empty() || path == "/" {
        "/agents/ws"
    } else {
        path
    };
    let sep = if path.contains('?') { '&' } else { '?' };
    format!(
        "{scheme}://{host}{path}{sep}agent={}&node={}",
        encode(agent),
        encode(node)
    )
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            agent_url("127.0.0.1:8899", "a", "n 1"),
            "ws://127.0.0.1:8899/agents/ws?agent=a&node=n%201"
        );
        assert_eq!(
            agent_url("http://h:1/", "a", "n"),
            "ws://h:1/agents/ws?agent=a&node=n"
        );
        assert_eq!(
            agent_url("ws://h:1/x/agents/ws", "a", "n"),
            "ws://h:1/x/agents/ws?agent=a&node=n"
        );
    }

    #[test]
    fn batches_respect_limits_and_release_frees() {
        let mut b = Buffer::default();
        for i in 0..5u8 {
            let e = vec![b'x'; 10 + usize::from(i)];
            b.entries += 1;
            b.bytes += e.len();
            b.pending_bytes += e.len();
            b.pending.push_back(e);
        }
        let (s1, b1) = b.take_batch(2, 1000).expect("batch");
        assert_eq!((s1, b1.entries.len(), b1.bytes), (1, 2, 21));
        // Byte limit: one entry always fits, even over the limit.
        let (s2, b2) = b.take_batch(10, 5).expect("batch");
        assert_eq!((s2, b2.entries.len()), (2, 1));
        b.inflight.insert(s1, b1);
        b.resend.insert(s2, b2);
        assert_eq!(b.entries, 5);
        assert_eq!(b.release(1).map(|x| x.entries.len()), Some(2));
        assert_eq!(b.release(2).map(|x| x.entries.len()), Some(1));
        assert!(b.release(2).is_none());
        assert_eq!(b.entries, 2);
        assert_eq!(b.pending.len(), 2);
    }
}
