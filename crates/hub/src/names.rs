//! Endpoint names the hub gives entries at ingest, and the merge of the two copies of one
//! request a cluster shows (client side to the Service address, server side after
//! kube-proxy's DNAT to a pod address).
//!
//! The hub knows nothing of Kubernetes: whoever knows the addresses fills a [`Names`]
//! snapshot and publishes it in the hub's [`NameTable`] (`mizu-kube` from its Pod, Service
//! and EndpointSlice watches; `mizu tap --local` from the network namespaces). Ingest
//! reads the current snapshot once per batch (an `Arc` clone) and looks each endpoint up
//! in two hash maps: no lock per entry, no allocation per lookup.

use mizu_model::{Entry, Short};
use std::collections::{HashMap, VecDeque};
use std::fmt::Write;
use std::sync::{Arc, RwLock};

/// How an address got its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// A Service's own address (ClusterIP, ClusterIP:port, load balancer IP).
    Service,
    /// An endpoint address of a Service (a pod behind it), from its EndpointSlices.
    Endpoint,
    /// A pod address that belongs to no Service.
    Pod,
    /// Anything else (a local network namespace).
    Other,
}

/// What an address is called: `name` becomes `src.name`/`dst.name`, `namespace` the
/// entry's `namespace` (empty: leave it alone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameInfo {
    pub name: Short,
    pub namespace: Short,
    pub source: Source,
}

impl NameInfo {
    pub fn new(name: &str, namespace: &str, source: Source) -> NameInfo {
        NameInfo {
            name: name.into(),
            namespace: namespace.into(),
            source,
        }
    }

    /// True when the address is a Service or one of its endpoints.
    pub fn is_service(&self) -> bool {
        matches!(self.source, Source::Service | Source::Endpoint)
    }
}

/// FNV-1a: keys are short address strings from our own watches (not attacker-chosen
/// keys the way request headers are), and SipHash costs more than the rest of a lookup.
#[derive(Clone, Copy, Debug)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type Map = HashMap<Short, Arc<NameInfo>, std::hash::BuildHasherDefault<Fnv>>;

/// One snapshot of names: by `ip:port` first (a Service port, an endpoint port), then by
/// `ip`. Built whole and replaced whole.
#[derive(Clone, Debug, Default)]
pub struct Names {
    by_ip: Map,
    by_ip_port: Map,
}

/// `ip:port` as the key of [`Names`] (IPv6 in brackets); inline, no allocation for IPv4.
fn ip_port_key(ip: &str, port: &str) -> Short {
    let mut k = Short::default();
    if ip.contains(':') {
        let _ = write!(k, "[{ip}]:{port}");
    } else {
        k.push_str(ip);
        k.push(':');
        k.push_str(port);
    }
    k
}

impl Names {
    pub fn is_empty(&self) -> bool {
        self.by_ip.is_empty() && self.by_ip_port.is_empty()
    }

    /// Addresses and address:port pairs named.
    pub fn len(&self) -> usize {
        self.by_ip.len() + self.by_ip_port.len()
    }

    /// Names `ip`. A name already there wins if it is a Service's (or an endpoint's and the
    /// new one is only a pod's): callers insert in any order and services still win.
    pub fn insert_ip(&mut self, ip: &str, info: NameInfo) {
        insert_ranked(&mut self.by_ip, Short::from(ip), info);
    }

    /// Names `ip:port` (more specific than `ip` alone).
    pub fn insert_ip_port(&mut self, ip: &str, port: u16, info: NameInfo) {
        let key = ip_port_key(ip, &port.to_string());
        insert_ranked(&mut self.by_ip_port, key, info);
    }

    /// The name of an address seen as a destination: `ip:port`, else `ip`.
    pub fn lookup(&self, ip: &str, port: &str) -> Option<&NameInfo> {
        if !self.by_ip_port.is_empty()
            && !port.is_empty()
            && let Some(n) = self.by_ip_port.get(&ip_port_key(ip, port))
        {
            return Some(n);
        }
        self.by_ip.get(ip).map(|n| &**n)
    }

    /// The name of an address seen as a source (its port is ephemeral): `ip` only.
    pub fn lookup_ip(&self, ip: &str) -> Option<&NameInfo> {
        self.by_ip.get(ip).map(|n| &**n)
    }

    /// Names an entry: `dst` by `ip:port` then `ip`, `src` by `ip`; the entry's namespace
    /// is the destination's, else the source's (as Mizu did). Returns the destination's
    /// name info (for [`Merger`]).
    pub fn apply<'a>(&'a self, e: &mut Entry) -> Option<&'a NameInfo> {
        if self.is_empty() {
            return None;
        }
        let dst = self.lookup(&e.dst.ip, &e.dst.port);
        let src = self.lookup_ip(&e.src.ip);
        if let Some(d) = dst {
            e.dst.name.clone_from(&d.name);
        }
        if let Some(s) = src {
            e.src.name.clone_from(&s.name);
        }
        if e.namespace.is_empty()
            && let Some(ns) = [dst, src]
                .into_iter()
                .flatten()
                .map(|n| &n.namespace)
                .find(|ns| !ns.is_empty())
        {
            e.namespace.push_str(ns);
        }
        dst
    }
}

fn rank(s: Source) -> u8 {
    match s {
        Source::Service => 3,
        Source::Endpoint => 2,
        Source::Pod => 1,
        Source::Other => 0,
    }
}

fn insert_ranked(map: &mut Map, key: Short, info: NameInfo) {
    match map.get(&key) {
        // Equal rank: the first one stays (callers insert in a stable, sorted order).
        Some(old) if rank(old.source) >= rank(info.source) => {}
        _ => {
            map.insert(key, Arc::new(info));
        }
    }
}

/// The hub's current [`Names`], replaced whole by whoever watches the addresses.
#[derive(Debug, Default)]
pub struct NameTable {
    current: RwLock<Arc<Names>>,
}

impl NameTable {
    /// Publishes a new snapshot; batches ingested from now on use it.
    pub fn set(&self, names: Names) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(names);
    }

    /// The current snapshot.
    pub fn get(&self) -> Arc<Names> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Default window within which two copies of a request count as one.
pub const DEFAULT_MERGE_WINDOW_MS: i64 = 500;
/// Copies remembered while waiting for their twin.
const MERGE_CAPACITY: usize = 1 << 16;

/// Stores a request once when a cluster shows it twice: at the client pod (destination:
/// the Service address) and at the server pod (destination: the endpoint address the
/// Service's traffic was DNATed to). Two entries are the same request when the same
/// client address and port talks to the same Service, one copy through a Service address
/// and the other through an endpoint of that Service (what the watches tell), with the
/// same protocol, method and path, status and sizes, within `window_ms` of each other.
/// The first copy is stored; the second is dropped and counted. Memory: at most
/// [`MERGE_CAPACITY`] remembered copies, oldest forgotten first.
#[derive(Debug)]
pub struct Merger {
    window_ms: i64,
    seen: HashMap<u64, Seen>,
    order: VecDeque<(u64, i64)>,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    timestamp: i64,
    via: Source,
}

impl Default for Merger {
    fn default() -> Self {
        Merger::new(DEFAULT_MERGE_WINDOW_MS)
    }
}

impl Merger {
    pub fn new(window_ms: i64) -> Merger {
        Merger {
            window_ms: window_ms.max(0),
            seen: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// True when `e` (already named, `dst` its destination's name info) is the second copy
    /// of a request already stored: drop it.
    pub fn is_duplicate(
        &mut self,
        e: &Entry,
        dst: Option<&NameInfo>,
        method: &str,
        path: &str,
    ) -> bool {
        let Some(dst) = dst.filter(|d| d.is_service()) else {
            return false;
        };
        let key = {
            use std::hash::Hasher;
            // Fixed keys: the same request hashes the same in every batch.
            let mut h = std::hash::DefaultHasher::new();
            for part in [
                e.src.ip.as_str(),
                e.src.port.as_str(),
                dst.name.as_str(),
                dst.namespace.as_str(),
                &e.protocol.name,
                method,
                path,
            ] {
                h.write(part.as_bytes());
                h.write_u8(0xff);
            }
            h.write_u64(e.request_size);
            h.write_u64(e.response_size);
            h.finish()
        };
        if let Some(s) = self.seen.get(&key)
            && s.via != dst.source
            && (s.timestamp - e.timestamp).abs() <= self.window_ms
        {
            self.seen.remove(&key);
            return true;
        }
        self.seen.insert(
            key,
            Seen {
                timestamp: e.timestamp,
                via: dst.source,
            },
        );
        self.order.push_back((key, e.timestamp));
        while self.order.len() > MERGE_CAPACITY {
            if let Some((k, ts)) = self.order.pop_front()
                && self.seen.get(&k).is_some_and(|s| s.timestamp == ts)
            {
                self.seen.remove(&k);
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mizu_model::Endpoint;

    fn entry(src: (&str, &str), dst: (&str, &str), ts: i64) -> Entry {
        let mut e: Entry = serde_json::from_value(serde_json::json!({
            "protocol": {"name": "http", "version": "1.1", "abbr": "HTTP"},
            "capture": "af_packet",
            "src": {"ip": "", "port": ""}, "dst": {"ip": "", "port": ""},
            "timestamp": ts, "startTime": "", "elapsedTime": 1,
            "request": null, "requestSize": 90, "responseSize": 120
        }))
        .expect("entry");
        e.src = Endpoint {
            ip: src.0.into(),
            port: src.1.into(),
            name: Short::default(),
        };
        e.dst = Endpoint {
            ip: dst.0.into(),
            port: dst.1.into(),
            name: Short::default(),
        };
        e
    }

    fn cluster() -> Names {
        let mut n = Names::default();
        let svc = NameInfo::new("api.shop", "shop", Source::Service);
        n.insert_ip("10.96.0.10", svc.clone());
        n.insert_ip_port("10.96.0.10", 80, svc);
        n.insert_ip_port(
            "10.244.1.7",
            8080,
            NameInfo::new("api.shop", "shop", Source::Endpoint),
        );
        n.insert_ip(
            "10.244.1.7",
            NameInfo::new("api.shop", "shop", Source::Endpoint),
        );
        // Inserted after: a pod name must not replace the endpoint's service name.
        n.insert_ip(
            "10.244.1.7",
            NameInfo::new("api-7f9.shop", "shop", Source::Pod),
        );
        n.insert_ip(
            "10.244.2.3",
            NameInfo::new("client-1.web", "web", Source::Pod),
        );
        n
    }

    #[test]
    fn services_win_over_pods_and_namespace_comes_from_the_destination() {
        let n = cluster();
        let mut e = entry(("10.244.2.3", "40000"), ("10.96.0.10", "80"), 1);
        let d = n.apply(&mut e).cloned();
        assert_eq!(e.dst.name, "api.shop");
        assert_eq!(e.src.name, "client-1.web");
        assert_eq!(e.namespace, "shop");
        assert_eq!(d.map(|d| d.source), Some(Source::Service));

        let mut e = entry(("10.244.2.3", "40000"), ("10.244.1.7", "8080"), 1);
        assert_eq!(n.apply(&mut e).map(|d| d.source), Some(Source::Endpoint));
        assert_eq!(e.dst.name, "api.shop");

        // Unknown destination: namespace from the source.
        let mut e = entry(("10.244.2.3", "40000"), ("1.1.1.1", "443"), 1);
        assert!(n.apply(&mut e).is_none());
        assert_eq!(e.dst.name, "");
        assert_eq!(e.namespace, "web");
    }

    #[test]
    fn empty_table_changes_nothing() {
        let n = Names::default();
        let mut e = entry(("10.0.0.1", "1"), ("10.0.0.2", "2"), 1);
        let before = e.clone();
        assert!(n.apply(&mut e).is_none());
        assert_eq!(e, before);
    }

    #[test]
    fn ipv6_keys() {
        let mut n = Names::default();
        n.insert_ip_port("fd00::1", 80, NameInfo::new("a.b", "b", Source::Service));
        assert_eq!(
            n.lookup("fd00::1", "80").map(|i| i.name.as_str()),
            Some("a.b")
        );
        assert!(n.lookup("fd00::1", "81").is_none());
    }

    #[test]
    fn table_swaps_snapshots() {
        let t = NameTable::default();
        assert!(t.get().is_empty());
        t.set(cluster());
        assert_eq!(t.get().len(), 5);
    }

    #[test]
    fn merges_client_and_server_copies_once() {
        let n = cluster();
        let mut m = Merger::new(500);
        let mut client = entry(("10.244.2.3", "40000"), ("10.96.0.10", "80"), 1000);
        let mut server = entry(("10.244.2.3", "40000"), ("10.244.1.7", "8080"), 1003);
        let d = n.apply(&mut client).cloned();
        assert!(!m.is_duplicate(&client, d.as_ref(), "GET", "/x"));
        let d = n.apply(&mut server).cloned();
        assert!(m.is_duplicate(&server, d.as_ref(), "GET", "/x"));

        // The same request again on the same connection (a real repeat, seen once at the
        // service address): not merged.
        let mut again = entry(("10.244.2.3", "40000"), ("10.96.0.10", "80"), 1100);
        let d = n.apply(&mut again).cloned();
        assert!(!m.is_duplicate(&again, d.as_ref(), "GET", "/x"));
        let mut again2 = entry(("10.244.2.3", "40000"), ("10.96.0.10", "80"), 1101);
        let d = n.apply(&mut again2).cloned();
        assert!(!m.is_duplicate(&again2, d.as_ref(), "GET", "/x"));

        // Other path, or outside the window: not merged.
        let mut other = entry(("10.244.2.3", "40000"), ("10.244.1.7", "8080"), 1101);
        let d = n.apply(&mut other).cloned();
        assert!(!m.is_duplicate(&other, d.as_ref(), "GET", "/y"));
        let mut late = entry(("10.244.2.3", "40000"), ("10.244.1.7", "8080"), 5000);
        let d = n.apply(&mut late).cloned();
        assert!(!m.is_duplicate(&late, d.as_ref(), "GET", "/x"));

        // Pod-to-pod without a service: never merged.
        let mut p = entry(("10.244.1.7", "5000"), ("10.244.2.3", "80"), 1);
        let d = n.apply(&mut p).cloned();
        assert!(!m.is_duplicate(&p, d.as_ref(), "GET", "/"));
        assert!(!m.is_duplicate(&p, d.as_ref(), "GET", "/"));
    }
}
