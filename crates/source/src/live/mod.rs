//! Live capture: AF_PACKET sockets with TPACKET_V3 rings (see `ring.rs`, the only
//! `unsafe` in mizu), in this network namespace or others, merged into one
//! [`PacketSource`].
//!
//! ```no_run
//! use mizu_source::live::{LiveConfig, LiveSource, Target, Interfaces};
//! use mizu_source::{Next, PacketSource};
//! let mut src = LiveSource::new(LiveConfig::default());
//! src.open(&Target::host(Interfaces::All))?;            // this namespace
//! src.open(&Target::netns("/var/run/netns/web"))?;      // a pod's namespace
//! loop {
//!     match src.poll_packet(100)? {
//!         Next::Packet(pkt) => { /* engine.push(&pkt, ..) */ }
//!         Next::Idle => { /* engine.tick(now, ..); status */ }
//!         Next::End => break,
//!     }
//! }
//! # Ok::<(), mizu_source::SourceError>(())
//! ```
//!
//! What the source does before a packet reaches the engine, each step counted in
//! [`LiveStats`]: the capture filter (hosts, ports: applied here, in user space, never
//! ignored), the exclusion of mizu's own traffic (the hub's port, agent↔hub
//! connections), the loopback copy of outgoing packets (`lo` shows each packet twice),
//! and duplicate suppression: the same packet seen on several sockets (a pod's
//! namespace and its peer's, a bridge and a member) is passed on once.

mod ring;

pub use ring::RingConfig;

use crate::{Next, PacketSource, SourceError, SourceStats};
use mizu_wire::{LinkType, RawPacket};
use std::collections::{HashSet, VecDeque};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Which interfaces of a namespace to capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Interfaces {
    /// One socket on every interface at once (Linux's `any`). A packet crossing a
    /// bridge is seen on each device it passes: duplicate suppression removes the copies.
    Any,
    /// One socket per interface, except bridge members (the bridge is captured in
    /// promiscuous mode instead), so each bridged packet is seen once.
    All,
    /// These interfaces.
    Named(Vec<String>),
}

/// An endpoint whose traffic is never captured (mizu's own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exclude {
    /// `None`: any address.
    pub ip: Option<IpAddr>,
    pub port: u16,
}

/// Which packets to keep. Empty lists keep everything.
#[derive(Clone, Debug, Default)]
pub struct CaptureFilter {
    /// Keep packets from or to one of these addresses.
    pub hosts: Vec<IpAddr>,
    /// Keep TCP/UDP packets from or to one of these ports.
    pub ports: Vec<u16>,
    /// Drop (and count) packets from or to these endpoints.
    pub exclude: Vec<Exclude>,
    /// Keep nothing (a Kubernetes target list with no target on this node): every
    /// packet is counted as filtered.
    pub nothing: bool,
}

/// Live capture settings.
#[derive(Clone, Debug)]
pub struct LiveConfig {
    pub ring: RingConfig,
    pub filter: CaptureFilter,
    /// Recent packets remembered for duplicate suppression (0 turns it off).
    pub dedup_window: usize,
}

impl Default for LiveConfig {
    fn default() -> LiveConfig {
        LiveConfig {
            ring: RingConfig::default(),
            filter: CaptureFilter::default(),
            dedup_window: 1 << 16,
        }
    }
}

/// Where to open sockets.
#[derive(Clone, Debug)]
pub struct Target {
    /// Name shown in messages and used by [`LiveSource::remove`]: `host` or the namespace name.
    pub label: String,
    /// A network namespace file (`/var/run/netns/NAME`, `/proc/PID/ns/net`); `None` = ours.
    pub netns: Option<PathBuf>,
    pub interfaces: Interfaces,
}

impl Target {
    /// This process's namespace.
    pub fn host(interfaces: Interfaces) -> Target {
        Target {
            label: "host".to_owned(),
            netns: None,
            interfaces,
        }
    }

    /// Every interface of a namespace, given by name (looked up in `/var/run/netns`) or path.
    pub fn netns(name_or_path: &str) -> Target {
        let path = if name_or_path.contains('/') {
            PathBuf::from(name_or_path)
        } else {
            Path::new(NETNS_DIR).join(name_or_path)
        };
        let label = path.file_name().map_or_else(
            || name_or_path.to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        Target {
            label,
            netns: Some(path),
            interfaces: Interfaces::Any,
        }
    }
}

/// Where `ip netns add` puts named namespaces.
pub const NETNS_DIR: &str = "/var/run/netns";

/// Names of the namespaces under [`NETNS_DIR`] (sorted; empty if there is none).
pub fn list_netns() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(NETNS_DIR)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Counters of a [`LiveSource`].
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct LiveStats {
    /// Packets passed on to the engine, and their captured bytes.
    pub packets: u64,
    pub bytes: u64,
    /// Packets the kernel delivered to our sockets (before the steps below).
    pub kernel_packets: u64,
    /// Packets the kernel dropped because a ring was full (PACKET_STATISTICS).
    pub kernel_drops: u64,
    /// Left out by the capture filter (hosts, ports).
    pub filtered: u64,
    /// mizu's own traffic (hub port, agent↔hub), never captured.
    pub excluded: u64,
    /// Second copies of a packet seen on another socket or device.
    pub duplicates: u64,
    /// Outgoing copies on loopback (each loopback packet is seen twice).
    pub loopback_outgoing: u64,
    /// Bridge member interfaces not opened because their bridge is captured.
    pub bridge_ports_skipped: u64,
    /// Ring blocks whose layout did not parse (their packets are lost and counted here).
    pub bad_blocks: u64,
    /// Sockets open now.
    pub sockets: u64,
}

struct Member {
    ring: ring::Ring,
    /// `label` of the target that opened it.
    target: String,
    block: usize,
    open: bool,
    left: u32,
    off: usize,
}

/// Many AF_PACKET rings (interfaces, namespaces) merged into one packet source.
pub struct LiveSource {
    members: Vec<Member>,
    cursor: usize,
    config: LiveConfig,
    dedup: Dedup,
    stats: LiveStats,
    stop: Arc<AtomicBool>,
    name: String,
    /// Where the last returned packet lies: (member, offset, len, ts, orig_len, link).
    last: Option<(usize, usize, usize, u64, u32, LinkType)>,
    /// Set for a worker of a [`Fanout`]: sockets to add or remove, filter changes.
    inbox: Option<Arc<Inbox>>,
}

impl LiveSource {
    pub fn new(config: LiveConfig) -> LiveSource {
        LiveSource {
            members: Vec::new(),
            cursor: 0,
            dedup: Dedup::new(config.dedup_window),
            config,
            stats: LiveStats::default(),
            stop: Arc::new(AtomicBool::new(false)),
            name: "live".to_owned(),
            last: None,
            inbox: None,
        }
    }

    /// Replaces the host part of the capture filter while capturing (the agent applies
    /// the hub's target list: the pod IPs of its node). `None`: every host; an empty list:
    /// nothing.
    pub fn set_hosts(&mut self, hosts: Option<Vec<IpAddr>>) {
        let f = &mut self.config.filter;
        f.nothing = hosts.as_ref().is_some_and(Vec::is_empty);
        f.hosts = hosts.unwrap_or_default();
    }

    /// Set to true (from a signal handler or another thread) to make the source end.
    pub fn stop_handle(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// Opens the sockets of `target`; a namespace is entered on a dedicated OS thread
    /// (`setns` switches only the calling thread), the socket stays bound to it. Returns
    /// the number of sockets opened.
    pub fn open(&mut self, target: &Target) -> Result<usize, SourceError> {
        let rings = open_target(target, &self.config.ring, 1)?;
        let n = rings.rings.len();
        self.stats.bridge_ports_skipped += rings.bridge_ports_skipped;
        for r in rings.rings.into_iter().flatten() {
            self.add_ring(&target.label, r);
        }
        Ok(n)
    }

    fn add_ring(&mut self, label: &str, ring: ring::Ring) {
        self.members.push(Member {
            ring,
            target: label.to_owned(),
            block: 0,
            open: false,
            left: 0,
            off: 0,
        });
        self.stats.sockets = self.members.len() as u64;
    }

    /// Applies what the [`Fanout`] controlling this worker asked for since last time.
    fn take_inbox(&mut self) {
        let Some(inbox) = &self.inbox else {
            return;
        };
        if !inbox.dirty.swap(false, Ordering::Acquire) {
            return;
        }
        let ops = std::mem::take(&mut *inbox.ops.lock().unwrap_or_else(|e| e.into_inner()));
        for op in ops {
            match op {
                Op::Add(label, ring, skipped) => {
                    self.stats.bridge_ports_skipped += skipped;
                    self.add_ring(&label, ring);
                }
                Op::Remove(label) => {
                    self.remove(&label);
                }
                Op::Hosts(hosts) => self.set_hosts(hosts),
            }
        }
    }

    /// Closes the sockets opened for target `label` (a namespace that went away).
    /// Returns how many were closed.
    pub fn remove(&mut self, label: &str) -> usize {
        self.last = None;
        let mut closed = 0;
        let mut i = 0;
        while i < self.members.len() {
            if self.members[i].target == label {
                let m = self.members.remove(i);
                self.collect_kernel(&m);
                closed += 1;
            } else {
                i += 1;
            }
        }
        self.cursor = 0;
        self.stats.sockets = self.members.len() as u64;
        closed
    }

    /// Labels of the targets with open sockets.
    pub fn targets(&self) -> Vec<String> {
        let mut v: Vec<String> = self.members.iter().map(|m| m.target.clone()).collect();
        v.dedup();
        v
    }

    fn collect_kernel(&mut self, m: &Member) {
        if let Ok((p, d)) = m.ring.take_stats() {
            self.stats.kernel_packets += p;
            self.stats.kernel_drops += d;
        }
    }

    /// Counters, with the kernel's drop counters read now.
    pub fn live_stats(&mut self) -> LiveStats {
        for i in 0..self.members.len() {
            if let Ok((p, d)) = self.members[i].ring.take_stats() {
                self.stats.kernel_packets += p;
                self.stats.kernel_drops += d;
            }
        }
        self.stats.clone()
    }

    /// Finds the next packet to return; leaves its location in `self.last`.
    fn find(&mut self) -> bool {
        let n = self.members.len();
        let LiveSource {
            members,
            cursor,
            config,
            dedup,
            stats,
            last,
            ..
        } = self;
        // A round ends early when a socket used up a block; a second round then looks
        // at its next one (bounded: every extra round retires a block).
        let rounds = 1 + members.iter().map(|m| m.ring.blocks()).sum::<usize>();
        for _ in 0..rounds {
            let mut released = false;
            for step in 0..n {
                let mi = (*cursor + step) % n;
                let m = &mut members[mi];
                loop {
                    if !m.open {
                        let Some(block) = m.ring.user_block(m.block) else {
                            break;
                        };
                        match ring::block_header(block) {
                            Some((num, first)) => {
                                m.left = num;
                                m.off = first;
                            }
                            None => {
                                stats.bad_blocks += 1;
                                m.left = 0;
                            }
                        }
                        m.open = true;
                    }
                    if m.left == 0 {
                        m.ring.release(m.block);
                        m.block = (m.block + 1) % m.ring.blocks();
                        m.open = false;
                        // One block per socket in turn, so copies of a packet on two sockets
                        // reach the duplicate filter close together.
                        *cursor = (mi + 1) % n;
                        released = true;
                        break;
                    }
                    let Some(block) = m.ring.user_block(m.block) else {
                        m.open = false;
                        break;
                    };
                    let Some(meta) = ring::packet_at(block, m.off) else {
                        stats.bad_blocks += 1;
                        m.left = 0;
                        continue;
                    };
                    m.left -= 1;
                    if meta.next == 0 {
                        m.left = 0;
                    } else {
                        m.off += meta.next;
                    }
                    let link = link_of(meta.hatype);
                    if meta.hatype == ARPHRD_LOOPBACK && meta.pkttype == ring::PACKET_OUTGOING {
                        stats.loopback_outgoing += 1;
                        continue;
                    }
                    let data = &block[meta.data_off..meta.data_off + meta.snaplen];
                    let parsed = parse(link, data);
                    if let Some(p) = &parsed {
                        match config.filter.verdict(p) {
                            Verdict::Keep => {}
                            Verdict::Filtered => {
                                stats.filtered += 1;
                                continue;
                            }
                            Verdict::Excluded => {
                                stats.excluded += 1;
                                continue;
                            }
                        }
                        if dedup.seen(data, p) {
                            stats.duplicates += 1;
                            continue;
                        }
                    } else if config.filter.nothing
                        || !config.filter.hosts.is_empty()
                        || !config.filter.ports.is_empty()
                    {
                        // Not IP: a host/port filter cannot match it.
                        stats.filtered += 1;
                        continue;
                    }
                    stats.packets += 1;
                    stats.bytes += meta.snaplen as u64;
                    *last = Some((
                        mi,
                        meta.data_off,
                        meta.snaplen,
                        meta.ts,
                        meta.orig_len,
                        link,
                    ));
                    return true;
                }
            }
            if !released {
                return false;
            }
        }
        false
    }
}

/// What a [`Fanout`] asks one of its workers to do (applied at the worker's next poll).
enum Op {
    /// Add this socket, opened for target `label` (and count bridge members skipped).
    Add(String, ring::Ring, u64),
    /// Close the sockets of target `label`.
    Remove(String),
    /// [`LiveSource::set_hosts`].
    Hosts(Option<Vec<IpAddr>>),
}

#[derive(Default)]
struct Inbox {
    dirty: AtomicBool,
    ops: std::sync::Mutex<Vec<Op>>,
}

impl Inbox {
    fn post(&self, op: Op) {
        self.ops.lock().unwrap_or_else(|e| e.into_inner()).push(op);
        self.dirty.store(true, Ordering::Release);
    }
}

/// Capture spread over several worker threads (`mizu tap --workers N`): N
/// [`LiveSource`]s, one per worker, each with its own socket at every capture point
/// (interface or namespace). With N > 1 the N sockets of a capture point form one
/// `PACKET_FANOUT` group in hash mode (a new group id per capture point: the kernel
/// matches a group per bound device), so all packets of a flow reach the same worker,
/// and because every group is joined in worker order and the hash is the kernel's
/// symmetric flow hash, a packet seen at two capture points (a client pod's namespace
/// and the server pod's) reaches the same worker at both: that worker's duplicate
/// filter and engine see both copies, as with one worker.
///
/// The controller opens and closes targets (namespaces appearing and going) from any
/// thread; each worker picks its sockets up at its next poll (within its poll timeout).
/// ```no_run
/// use mizu_source::live::{Fanout, LiveConfig, Target, Interfaces};
/// let (mut fanout, workers) = Fanout::new(LiveConfig::default(), 2);
/// fanout.open(&Target::host(Interfaces::All))?;
/// for mut src in workers {
///     std::thread::spawn(move || { /* mizu_pipeline::run(&mut src, ..) */ });
/// }
/// # Ok::<(), mizu_source::SourceError>(())
/// ```
pub struct Fanout {
    workers: usize,
    ring: RingConfig,
    inboxes: Vec<Arc<Inbox>>,
    stop: Arc<AtomicBool>,
    /// Labels of the open targets, in opening order.
    open: Vec<String>,
}

impl Fanout {
    /// The controller and its `workers` sources (at least one), which share one stop flag.
    pub fn new(config: LiveConfig, workers: usize) -> (Fanout, Vec<LiveSource>) {
        let workers = workers.max(1);
        let stop = Arc::new(AtomicBool::new(false));
        let mut sources = Vec::with_capacity(workers);
        let mut inboxes = Vec::with_capacity(workers);
        for i in 0..workers {
            let inbox = Arc::new(Inbox::default());
            let mut src = LiveSource::new(config.clone());
            src.stop = stop.clone();
            src.inbox = Some(inbox.clone());
            if workers > 1 {
                src.name = format!("live worker {i}");
            }
            sources.push(src);
            inboxes.push(inbox);
        }
        let fanout = Fanout {
            workers,
            ring: config.ring,
            inboxes,
            stop,
            open: Vec::new(),
        };
        (fanout, sources)
    }

    /// Number of workers.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Set to true to make every worker's source end.
    pub fn stop_handle(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// Opens `target`'s sockets, one per worker at each of its capture points, and hands
    /// them to the workers. Returns the number of capture points.
    pub fn open(&mut self, target: &Target) -> Result<usize, SourceError> {
        let opened = open_target(target, &self.ring, self.workers)?;
        let n = opened.rings.len();
        let mut skipped = opened.bridge_ports_skipped;
        for point in opened.rings {
            for (inbox, ring) in self.inboxes.iter().zip(point) {
                inbox.post(Op::Add(target.label.clone(), ring, skipped));
                skipped = 0;
            }
        }
        if !self.open.contains(&target.label) {
            self.open.push(target.label.clone());
        }
        Ok(n)
    }

    /// Closes target `label`'s sockets in every worker.
    pub fn remove(&mut self, label: &str) {
        for inbox in &self.inboxes {
            inbox.post(Op::Remove(label.to_owned()));
        }
        self.open.retain(|l| l != label);
    }

    /// [`LiveSource::set_hosts`] in every worker.
    pub fn set_hosts(&mut self, hosts: Option<Vec<IpAddr>>) {
        for inbox in &self.inboxes {
            inbox.post(Op::Hosts(hosts.clone()));
        }
    }

    /// Labels of the open targets.
    pub fn targets(&self) -> Vec<String> {
        self.open.clone()
    }
}

/// Sums the counters of several workers (sockets, packets, drops: everything adds up).
pub fn sum_stats<'a>(all: impl IntoIterator<Item = &'a LiveStats>) -> LiveStats {
    let mut t = LiveStats::default();
    for s in all {
        t.packets += s.packets;
        t.bytes += s.bytes;
        t.kernel_packets += s.kernel_packets;
        t.kernel_drops += s.kernel_drops;
        t.filtered += s.filtered;
        t.excluded += s.excluded;
        t.duplicates += s.duplicates;
        t.loopback_outgoing += s.loopback_outgoing;
        t.bridge_ports_skipped += s.bridge_ports_skipped;
        t.bad_blocks += s.bad_blocks;
        t.sockets += s.sockets;
    }
    t
}

const ARPHRD_ETHER: u16 = 1;
const ARPHRD_LOOPBACK: u16 = 772;

fn link_of(hatype: u16) -> LinkType {
    match hatype {
        ARPHRD_ETHER | ARPHRD_LOOPBACK => LinkType::Ethernet,
        // ARPHRD_NONE (tun, wireguard), IP tunnels: the frame starts at the IP header.
        0xFFFE | 768 | 776 | 778 | 823 => LinkType::Raw,
        other => LinkType::Unknown(u32::from(other) | 0x1_0000),
    }
}

impl PacketSource for LiveSource {
    fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, SourceError> {
        loop {
            match self.poll_step(200)? {
                Step::Packet => return Ok(self.current()),
                Step::Idle => continue,
                Step::End => return Ok(None),
            }
        }
    }

    fn poll_packet(&mut self, timeout_ms: u32) -> Result<Next<'_>, SourceError> {
        Ok(match self.poll_step(timeout_ms)? {
            Step::Packet => match self.current() {
                Some(p) => Next::Packet(p),
                None => Next::Idle,
            },
            Step::Idle => Next::Idle,
            Step::End => Next::End,
        })
    }

    fn stats(&self) -> SourceStats {
        SourceStats {
            packets: self.stats.packets,
            bytes: self.stats.bytes,
            dropped: self.stats.kernel_drops,
        }
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn capture_kind(&self) -> &'static str {
        "af_packet"
    }

    fn as_live(&mut self) -> Option<&mut LiveSource> {
        Some(self)
    }
}

enum Step {
    Packet,
    Idle,
    End,
}

impl LiveSource {
    fn poll_step(&mut self, timeout_ms: u32) -> Result<Step, SourceError> {
        self.last = None;
        self.take_inbox();
        let mut polled = false;
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Ok(Step::End);
            }
            if self.find() {
                return Ok(Step::Packet);
            }
            if polled {
                return Ok(Step::Idle);
            }
            let timeout = i32::try_from(timeout_ms).unwrap_or(i32::MAX);
            if self.members.is_empty() {
                std::thread::sleep(std::time::Duration::from_millis(u64::from(timeout_ms)));
            } else {
                let fds: Vec<_> = self.members.iter().map(|m| m.ring.fd()).collect();
                ring::poll_fds(&fds, timeout).map_err(|e| SourceError::Live {
                    name: self.name.clone(),
                    action: "poll failed",
                    source: e,
                    hint: String::new(),
                })?;
            }
            polled = true;
        }
    }

    fn current(&self) -> Option<RawPacket<'_>> {
        let (mi, off, len, ts, orig_len, link) = self.last?;
        let m = self.members.get(mi)?;
        let block = m.ring.user_block(m.block)?;
        Some(RawPacket {
            ts,
            link,
            data: block.get(off..off + len)?,
            orig_len,
        })
    }
}

struct Parsed {
    src: IpAddr,
    dst: IpAddr,
    /// TCP/UDP ports (None for other protocols and non-first fragments).
    ports: Option<(u16, u16)>,
    /// Where the IP header starts in the frame.
    l3: usize,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Just enough decoding for the filter and the duplicate check.
fn parse(link: LinkType, data: &[u8]) -> Option<Parsed> {
    let mut l3 = 0;
    if link == LinkType::Ethernet {
        let mut et = be16(data, 12)?;
        l3 = 14;
        while et == 0x8100 || et == 0x88a8 {
            et = be16(data, l3 + 2)?;
            l3 += 4;
        }
        if et != 0x0800 && et != 0x86dd {
            return None;
        }
    } else if link != LinkType::Raw {
        return None;
    }
    let ip = data.get(l3..)?;
    match ip.first()? >> 4 {
        4 => {
            let ihl = usize::from(ip.first()? & 0x0f) * 4;
            let src: [u8; 4] = ip.get(12..16)?.try_into().ok()?;
            let dst: [u8; 4] = ip.get(16..20)?.try_into().ok()?;
            let frag_off = be16(ip, 6)? & 0x1fff;
            let proto = *ip.get(9)?;
            let ports = if frag_off == 0 && (proto == 6 || proto == 17) {
                Some((be16(ip, ihl)?, be16(ip, ihl + 2)?))
            } else {
                None
            };
            Some(Parsed {
                src: IpAddr::from(src),
                dst: IpAddr::from(dst),
                ports,
                l3,
            })
        }
        6 => {
            let src: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
            let dst: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
            let next = *ip.get(6)?;
            let ports = if next == 6 || next == 17 {
                Some((be16(ip, 40)?, be16(ip, 42)?))
            } else {
                None
            };
            Some(Parsed {
                src: IpAddr::from(src),
                dst: IpAddr::from(dst),
                ports,
                l3,
            })
        }
        _ => None,
    }
}

enum Verdict {
    Keep,
    Filtered,
    Excluded,
}

impl CaptureFilter {
    fn verdict(&self, p: &Parsed) -> Verdict {
        if let Some((sp, dp)) = p.ports {
            for x in &self.exclude {
                let hit = |ip: IpAddr, port: u16| port == x.port && x.ip.is_none_or(|a| a == ip);
                if hit(p.src, sp) || hit(p.dst, dp) {
                    return Verdict::Excluded;
                }
            }
        }
        if self.nothing
            || (!self.hosts.is_empty() && !self.hosts.iter().any(|h| *h == p.src || *h == p.dst))
        {
            return Verdict::Filtered;
        }
        if !self.ports.is_empty() {
            match p.ports {
                Some((sp, dp)) if self.ports.iter().any(|x| *x == sp || *x == dp) => {}
                _ => return Verdict::Filtered,
            }
        }
        Verdict::Keep
    }
}

/// Remembers fingerprints of the last `window` packets.
struct Dedup {
    window: usize,
    set: HashSet<u64, IdBuild>,
    order: VecDeque<u64>,
}

impl Dedup {
    fn new(window: usize) -> Dedup {
        Dedup {
            window,
            set: HashSet::with_capacity_and_hasher(window.min(1 << 20), IdBuild::default()),
            order: VecDeque::with_capacity(window.min(1 << 20)),
        }
    }

    /// True if the same IP packet went by recently (TTL/hop limit and the IPv4 header
    /// checksum are left out, so a routed copy also matches).
    fn seen(&mut self, frame: &[u8], p: &Parsed) -> bool {
        if self.window == 0 {
            return false;
        }
        let Some(ip) = frame.get(p.l3..) else {
            return false;
        };
        let mut h = Fingerprint::default();
        if ip.first().is_some_and(|b| b >> 4 == 4) {
            let ihl = usize::from(ip[0] & 0x0f) * 4;
            h.write(ip.get(..8).unwrap_or(ip));
            h.write(ip.get(12..ihl).unwrap_or(&[]));
            h.write(ip.get(ihl..(ihl + 64).min(ip.len())).unwrap_or(&[]));
        } else {
            h.write(ip.get(..7).unwrap_or(ip));
            h.write(ip.get(8..(40 + 64).min(ip.len())).unwrap_or(&[]));
        }
        h.write(&(ip.len() as u64).to_le_bytes());
        let fp = h.finish();
        if !self.set.insert(fp) {
            return true;
        }
        self.order.push_back(fp);
        if self.order.len() > self.window
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        false
    }
}

/// A 64-bit fingerprint hash that takes eight bytes per step (a packet is hashed on
/// every socket it shows up on, so this is on the per-packet path).
struct Fingerprint(u64);

impl Default for Fingerprint {
    fn default() -> Fingerprint {
        Fingerprint(0xcbf2_9ce4_8422_2325)
    }
}

const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

impl Fingerprint {
    fn word(&mut self, w: u64) {
        self.0 = (self.0 ^ w).wrapping_mul(MIX).rotate_left(29);
    }

    fn write(&mut self, b: &[u8]) {
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.word(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.word(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
        }
    }

    /// The final avalanche (murmur3's fmix64), so the set can use the value as is.
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// Fingerprints are already hashes: the set uses them directly.
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type IdBuild = std::hash::BuildHasherDefault<IdHasher>;

struct Opened {
    /// Per capture point (device), one ring per worker, in worker order.
    rings: Vec<Vec<ring::Ring>>,
    bridge_ports_skipped: u64,
}

fn live_err(name: &str, action: &'static str, e: std::io::Error) -> SourceError {
    let hint = if e.kind() == std::io::ErrorKind::PermissionDenied || e.raw_os_error() == Some(1) {
        "; live capture needs CAP_NET_RAW: run with sudo, or once: sudo setcap cap_net_raw,cap_net_admin,cap_sys_admin+ep $(which mizu)".to_owned()
    } else {
        String::new()
    };
    SourceError::Live {
        name: name.to_owned(),
        action,
        source: e,
        hint,
    }
}

/// The sockets of one capture point (device `ifindex`, 0 = any): one per worker. With
/// several workers they join one new fanout group: all rings are made first, then each
/// is bound and joined in worker order, so member `i` (the kernel scales the flow hash onto the members, in
/// join order) is worker `i` at every capture point. Until the group is complete every
/// socket drops all packets (a filter): a socket bound but not yet in the group would
/// otherwise get every packet of the device, and a partial group would put flows on the
/// wrong worker. The filters come off once all have joined (what arrives in that
/// moment for a socket still filtered is lost, as if the capture started a moment later).
fn open_point(
    ifindex: i32,
    promisc: bool,
    cfg: &RingConfig,
    workers: usize,
) -> std::io::Result<Vec<ring::Ring>> {
    if workers <= 1 {
        return Ok(vec![ring::Ring::open(ifindex, promisc, cfg)?]);
    }
    let rings = (0..workers)
        .map(|_| ring::Ring::create(ifindex, promisc, cfg))
        .collect::<std::io::Result<Vec<_>>>()?;
    let mut group = None;
    for r in &rings {
        r.drop_all()?;
        r.bind(ifindex)?;
        group = Some(r.join_fanout(group)?);
    }
    for r in &rings {
        r.accept_all()?;
    }
    Ok(rings)
}

/// Opens the sockets of `t` in the calling thread's namespace, `workers` per capture point.
fn open_here(t: &Target, cfg: &RingConfig, workers: usize) -> Result<Opened, SourceError> {
    let mut out = Opened {
        rings: Vec::new(),
        bridge_ports_skipped: 0,
    };
    match &t.interfaces {
        Interfaces::Any => {
            let r = open_point(0, false, cfg, workers)
                .map_err(|e| live_err(&t.label, "cannot open an AF_PACKET socket", e))?;
            out.rings.push(r);
        }
        Interfaces::Named(names) => {
            for n in names {
                let idx = ring::if_index(n);
                if idx == 0 {
                    return Err(SourceError::Live {
                        name: format!("{}/{n}", t.label),
                        action: "no such interface",
                        source: std::io::Error::from(std::io::ErrorKind::NotFound),
                        hint: "; list them with `ip link`, or use --interface any".to_owned(),
                    });
                }
                let bridge = Path::new("/sys/class/net").join(n).join("bridge").exists();
                let r = open_point(idx as i32, bridge, cfg, workers)
                    .map_err(|e| live_err(&format!("{}/{n}", t.label), "cannot open", e))?;
                out.rings.push(r);
            }
        }
        Interfaces::All => {
            let mut names: Vec<String> = std::fs::read_dir("/sys/class/net")
                .map_err(|e| live_err(&t.label, "cannot list interfaces", e))?
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            for n in names {
                let dir = Path::new("/sys/class/net").join(&n);
                if dir.join("brport").exists() {
                    out.bridge_ports_skipped += 1;
                    continue;
                }
                let idx = ring::if_index(&n);
                if idx == 0 {
                    continue;
                }
                let bridge = dir.join("bridge").exists();
                let r = open_point(idx as i32, bridge, cfg, workers)
                    .map_err(|e| live_err(&format!("{}/{n}", t.label), "cannot open", e))?;
                out.rings.push(r);
            }
        }
    }
    Ok(out)
}

/// Opens `target`'s sockets (`workers` per capture point), entering its namespace on a
/// dedicated OS thread (`setns` switches only the calling thread).
fn open_target(target: &Target, cfg: &RingConfig, workers: usize) -> Result<Opened, SourceError> {
    let Some(path) = &target.netns else {
        return open_here(target, cfg, workers);
    };
    let file = std::fs::File::open(path).map_err(|e| SourceError::Live {
        name: target.label.clone(),
        action: "cannot open the network namespace",
        source: e,
        hint: format!("; is {} a namespace (ip netns list)?", path.display()),
    })?;
    let t = target.clone();
    let cfg = cfg.clone();
    let joined = std::thread::Builder::new()
        .name("mizu-netns".into())
        .spawn(move || {
            ring::enter_netns(&file).map_err(|e| SourceError::Live {
                name: t.label.clone(),
                action: "cannot enter the network namespace",
                source: e,
                hint: "; this needs CAP_SYS_ADMIN (run as root)".to_owned(),
            })?;
            open_here(&t, &cfg, workers)
        })
        .map_err(|e| SourceError::Live {
            name: target.label.clone(),
            action: "cannot start a thread",
            source: e,
            hint: String::new(),
        })?
        .join();
    match joined {
        Ok(r) => r,
        Err(_) => Err(SourceError::Live {
            name: target.label.clone(),
            action: "namespace thread failed",
            source: std::io::Error::other("panicked"),
            hint: String::new(),
        }),
    }
}

/// True when this process may open AF_PACKET sockets (root or CAP_NET_RAW).
pub fn can_capture() -> bool {
    ring::have_net_raw()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eth_ipv4_tcp(src: [u8; 4], dst: [u8; 4], sp: u16, dp: u16, ttl: u8) -> Vec<u8> {
        let mut f = vec![0u8; 14];
        f[12] = 0x08;
        let mut ip = vec![0x45, 0, 0, 40, 0, 1, 0x40, 0, ttl, 6, 0xaa, 0xbb];
        ip.extend_from_slice(&src);
        ip.extend_from_slice(&dst);
        ip.extend_from_slice(&sp.to_be_bytes());
        ip.extend_from_slice(&dp.to_be_bytes());
        ip.extend_from_slice(&[0u8; 16]);
        f.extend_from_slice(&ip);
        f
    }

    #[test]
    fn filter_keeps_hosts_and_ports_and_excludes_own_traffic() {
        let f = CaptureFilter {
            hosts: vec!["10.0.0.2".parse().expect("ip")],
            ports: vec![80],
            exclude: vec![Exclude {
                ip: None,
                port: 8899,
            }],
            ..CaptureFilter::default()
        };
        let nothing = CaptureFilter {
            nothing: true,
            ..CaptureFilter::default()
        };
        let keep = parse(
            LinkType::Ethernet,
            &eth_ipv4_tcp([10, 0, 0, 1], [10, 0, 0, 2], 5000, 80, 64),
        )
        .expect("parsed");
        assert!(matches!(f.verdict(&keep), Verdict::Keep));
        assert!(matches!(nothing.verdict(&keep), Verdict::Filtered));
        let other_port = parse(
            LinkType::Ethernet,
            &eth_ipv4_tcp([10, 0, 0, 1], [10, 0, 0, 2], 5000, 81, 64),
        )
        .expect("parsed");
        assert!(matches!(f.verdict(&other_port), Verdict::Filtered));
        let other_host = parse(
            LinkType::Ethernet,
            &eth_ipv4_tcp([10, 0, 0, 1], [10, 0, 0, 3], 5000, 80, 64),
        )
        .expect("parsed");
        assert!(matches!(f.verdict(&other_host), Verdict::Filtered));
        let own = parse(
            LinkType::Ethernet,
            &eth_ipv4_tcp([10, 0, 0, 1], [10, 0, 0, 2], 8899, 80, 64),
        )
        .expect("parsed");
        assert!(matches!(f.verdict(&own), Verdict::Excluded));
    }

    #[test]
    fn dedup_matches_a_routed_copy_but_not_another_packet() {
        let mut d = Dedup::new(4);
        let a = eth_ipv4_tcp([10, 0, 0, 1], [10, 0, 0, 2], 5000, 80, 64);
        let a_routed = eth_ipv4_tcp([10, 0, 0, 1], [10, 0, 0, 2], 5000, 80, 63);
        let b = eth_ipv4_tcp([10, 0, 0, 1], [10, 0, 0, 2], 5001, 80, 64);
        let pa = parse(LinkType::Ethernet, &a).expect("parsed");
        let pb = parse(LinkType::Ethernet, &b).expect("parsed");
        assert!(!d.seen(&a, &pa));
        assert!(d.seen(&a_routed, &pa));
        assert!(!d.seen(&b, &pb));
        // The window forgets.
        for p in 6000..6010u16 {
            let x = eth_ipv4_tcp([10, 0, 0, 1], [10, 0, 0, 2], p, 80, 64);
            let px = parse(LinkType::Ethernet, &x).expect("parsed");
            assert!(!d.seen(&x, &px));
        }
        assert!(!d.seen(&a, &pa));
    }
}
