//! The service map (Mizu's `GET /servicemap/get`, extended): nodes are resolved names
//! (`src.name` / `dst.name`, else the IP), edges are (source, destination, protocol) with
//! request count, error count, error rate, request rate, bytes and latency quantiles from
//! a [`Sketch`]. Fed one entry at a time ([`ServiceMap::observe`]); bounded in nodes and
//! edges ([`MapConfig`]): entries that would need a node or edge past the bounds are
//! counted in [`Overflow`] instead. Grouping by workload ([`GroupBy::Workload`]) merges
//! replicas (`api-7d9f8b6c5-x2x9z` → `api`); by HTTP Host ([`GroupBy::Host`]) names the
//! destination of an HTTP request by its `Host` header.
//!
//! Also renders the edges as Prometheus RED series ([`ServiceMap::render_prometheus`]).

use crate::classify;
use crate::sketch::{Quantiles, Sketch};
use crate::{ProtoId, Protocols};
use mizu_model::{Endpoint, Entry};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write;

/// Bounds of one map.
#[derive(Clone, Copy, Debug)]
pub struct MapConfig {
    pub max_nodes: usize,
    pub max_edges: usize,
}

impl Default for MapConfig {
    fn default() -> Self {
        MapConfig {
            max_nodes: 2_000,
            max_edges: 10_000,
        }
    }
}

/// What a node stands for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum GroupBy {
    /// The resolved name, else the IP (Mizu's map).
    #[default]
    Name,
    /// Replicas of one workload are one node: the random suffixes of pod names
    /// (ReplicaSet pod-template-hash, pod id, StatefulSet ordinal) are stripped.
    Workload,
    /// HTTP requests go to a node named by their `Host` header.
    Host,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "name" | "service" => Some(GroupBy::Name),
            "workload" => Some(GroupBy::Workload),
            "host" => Some(GroupBy::Host),
            _ => None,
        }
    }
}

/// Latency bucket bounds (seconds) of the RED histogram.
pub const RED_BUCKETS_S: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Clone, Debug)]
struct NodeAcc {
    key: String,
    /// The name (resolved) or empty.
    name: String,
    ip: String,
    port: String,
    namespace: String,
    resolved: bool,
    count: u64,
}

#[derive(Clone, Debug, Default)]
struct EdgeAcc {
    count: u64,
    errors: u64,
    bytes: u64,
    first_ms: i64,
    last_ms: i64,
    sketch: Sketch,
    /// Cumulative-free counts per [`RED_BUCKETS_S`] bound (+Inf last).
    red: [u64; RED_BUCKETS_S.len() + 1],
    sum_us: u64,
}

/// Entries, nodes and edges that did not fit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Overflow {
    /// Entries not on the map because a node or an edge was over the bound.
    pub entries: u64,
    /// Distinct nodes refused (counted once per refused entry's new node).
    pub nodes: u64,
    pub edges: u64,
}

/// The incremental service map.
#[derive(Clone, Debug)]
pub struct ServiceMap {
    cfg: MapConfig,
    group: GroupBy,
    protocols: Protocols,
    index: HashMap<String, u32>,
    nodes: Vec<NodeAcc>,
    edges: HashMap<(u32, u32, u16), EdgeAcc>,
    entries: u64,
    overflow: Overflow,
    first_ms: Option<i64>,
    last_ms: Option<i64>,
    scratch: String,
}

/// One node as the API shows it (Mizu's fields plus `namespace`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeView {
    pub id: u32,
    pub name: String,
    pub entry: NodeEntry,
    pub namespace: String,
    /// Entries to or from this node.
    pub count: u64,
    pub resolved: bool,
}

/// Mizu's `entry{ip,port,name}` of a node.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeEntry {
    pub ip: String,
    pub port: String,
    pub name: String,
}

/// One edge: source → destination over one protocol.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EdgeView {
    pub source: u32,
    pub destination: u32,
    pub protocol: ProtoId,
    pub count: u64,
    pub errors: u64,
    /// errors / count.
    pub error_rate: f64,
    /// Requests per second between this edge's first and last entry (at least 1 s).
    pub rate: f64,
    /// Request + response bytes.
    pub bytes: u64,
    pub latency_ms: Quantiles,
    /// A filter selecting this edge's entries (the UI sets it when an edge is clicked).
    pub filter: String,
}

/// `/servicemap/status`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MapStatus {
    pub status: &'static str,
    pub group_by: GroupBy,
    pub entries_processed_count: u64,
    pub node_count: usize,
    pub edge_count: usize,
    pub max_nodes: usize,
    pub max_edges: usize,
    pub overflow: Overflow,
    /// Timestamps (ms) of the earliest and latest entry seen (0 when none).
    pub first_timestamp: i64,
    pub last_timestamp: i64,
}

/// `/servicemap/get`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MapView {
    pub status: MapStatus,
    pub nodes: Vec<NodeView>,
    pub edges: Vec<EdgeView>,
}

/// The workload of a pod-style name (first label only, see [`workload_key`]): in its first DNS label, a trailing
/// ReplicaSet pod-template-hash + pod id (`-7d9f8b6c5-x2x9z`), a lone pod id or hash
/// (`-x2x9z`, DaemonSet/Job pods) or a StatefulSet ordinal (`-0`) is dropped. Labels
/// after the first (`.namespace`) are kept.
pub fn workload_of(name: &str) -> &str {
    let (first, _) = name.split_once('.').unwrap_or((name, ""));
    let mut head = first;
    // Pod id: 5 chars of [a-z0-9] from Kubernetes' safe alphabet, one digit or more
    // is not required; a hash: 6-10 such chars with at least one digit.
    let is_suffix = |s: &str, min: usize, max: usize, need_digit: bool| {
        (min..=max).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && (!need_digit || s.bytes().any(|b| b.is_ascii_digit()))
    };
    for _ in 0..2 {
        let Some((h, tail)) = head.rsplit_once('-') else {
            break;
        };
        if h.is_empty() {
            break;
        }
        let ordinal =
            !tail.is_empty() && tail.len() <= 4 && tail.bytes().all(|b| b.is_ascii_digit());
        if ordinal || is_suffix(tail, 5, 5, false) || is_suffix(tail, 6, 10, true) {
            head = h;
            if ordinal {
                break;
            }
        } else {
            break;
        }
    }
    // Unchanged: the whole name; else the stripped first label only.
    if head.len() == first.len() {
        name
    } else {
        head
    }
}

/// [`workload_of`] keeping the labels after the first (`api.default`).
pub fn workload_key(name: &str) -> String {
    let head = workload_of(name);
    match name.split_once('.') {
        Some((_, rest)) if head.len() < name.len() && !head.contains('.') => {
            format!("{head}.{rest}")
        }
        _ => head.to_owned(),
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

fn prom_label(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '"' => o.push_str("\\\""),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o
}

impl ServiceMap {
    pub fn new(cfg: MapConfig, group: GroupBy) -> ServiceMap {
        ServiceMap {
            cfg,
            group,
            protocols: Protocols::default(),
            index: HashMap::new(),
            nodes: Vec::new(),
            edges: HashMap::new(),
            entries: 0,
            overflow: Overflow::default(),
            first_ms: None,
            last_ms: None,
            scratch: String::new(),
        }
    }

    pub fn group_by(&self) -> GroupBy {
        self.group
    }

    /// Forgets everything (`/servicemap/reset`), keeping the bounds and grouping.
    pub fn reset(&mut self) {
        *self = ServiceMap::new(self.cfg, self.group);
    }

    /// The node id of an endpoint, creating it if there is room.
    fn node(
        &mut self,
        ep: &Endpoint,
        host: Option<&str>,
        entry_ns: &str,
        is_dst: bool,
    ) -> Option<u32> {
        let resolved = !ep.name.is_empty();
        let key: &str = match (host, self.group) {
            (Some(h), GroupBy::Host) => h,
            (_, GroupBy::Workload) if resolved => {
                self.scratch = workload_key(&ep.name);
                self.scratch.as_str()
            }
            _ if resolved => ep.name.as_str(),
            _ => ep.ip.as_str(),
        };
        if let Some(&id) = self.index.get(key) {
            if let Some(n) = self.nodes.get_mut(id as usize) {
                n.count += 1;
                if is_dst && n.port.is_empty() {
                    n.port = ep.port.to_string();
                }
            }
            return Some(id);
        }
        if self.nodes.len() >= self.cfg.max_nodes {
            self.overflow.nodes += 1;
            return None;
        }
        let key = key.to_owned();
        let id = self.nodes.len() as u32;
        let named = resolved || host.is_some() && self.group == GroupBy::Host;
        let namespace = if !entry_ns.is_empty() && resolved {
            entry_ns.to_owned()
        } else if resolved {
            key.split_once('.')
                .map(|(_, ns)| ns.split('.').next().unwrap_or("").to_owned())
                .unwrap_or_default()
        } else {
            String::new()
        };
        self.nodes.push(NodeAcc {
            name: if named { key.clone() } else { String::new() },
            key: key.clone(),
            ip: ep.ip.to_string(),
            port: if is_dst {
                ep.port.to_string()
            } else {
                String::new()
            },
            namespace,
            resolved: named,
            count: 1,
        });
        self.index.insert(key, id);
        Some(id)
    }

    /// Adds one entry.
    pub fn observe(&mut self, e: &Entry) {
        self.observe_with(e, classify::is_error(e));
    }

    /// [`ServiceMap::observe`] with the error classification already made.
    pub fn observe_with(&mut self, e: &Entry, error: bool) {
        self.entries += 1;
        self.first_ms = Some(self.first_ms.map_or(e.timestamp, |t| t.min(e.timestamp)));
        self.last_ms = Some(self.last_ms.map_or(e.timestamp, |t| t.max(e.timestamp)));
        let host = if self.group == GroupBy::Host {
            // An IP literal in Host names nothing more than the address does.
            classify::http_host(e).filter(|h| h.parse::<std::net::IpAddr>().is_err())
        } else {
            None
        };
        // The namespace field names the entry's (captured pod's) namespace; use it only
        // for names that carry none.
        let Some(src) = self.node(&e.src, None, "", false) else {
            self.overflow.entries += 1;
            return;
        };
        let Some(dst) = self.node(&e.dst, host, "", true) else {
            self.overflow.entries += 1;
            return;
        };
        let proto = self.protocols.intern(&e.protocol.name, &e.protocol.abbr);
        let key = (src, dst, proto);
        let edges_full = self.edges.len() >= self.cfg.max_edges;
        let edge = match self.edges.get_mut(&key) {
            Some(edge) => edge,
            None if edges_full => {
                self.overflow.edges += 1;
                self.overflow.entries += 1;
                return;
            }
            None => self.edges.entry(key).or_insert_with(|| EdgeAcc {
                first_ms: e.timestamp,
                last_ms: e.timestamp,
                ..EdgeAcc::default()
            }),
        };
        let us = classify::latency_us(e);
        edge.count += 1;
        edge.errors += u64::from(error);
        edge.bytes += e.request_size + e.response_size;
        edge.first_ms = edge.first_ms.min(e.timestamp);
        edge.last_ms = edge.last_ms.max(e.timestamp);
        edge.sketch.add(us);
        edge.sum_us += us;
        let s = us as f64 / 1e6;
        let b = RED_BUCKETS_S
            .iter()
            .position(|&le| s <= le)
            .unwrap_or(RED_BUCKETS_S.len());
        edge.red[b] += 1;
    }

    /// Merges `other` into `self` (nodes by key, edges by node keys and protocol); the
    /// bounds of `self` apply.
    pub fn merge(&mut self, other: &ServiceMap) {
        self.entries += other.entries;
        self.overflow.entries += other.overflow.entries;
        self.overflow.nodes += other.overflow.nodes;
        self.overflow.edges += other.overflow.edges;
        for t in [other.first_ms, other.last_ms].into_iter().flatten() {
            self.first_ms = Some(self.first_ms.map_or(t, |f| f.min(t)));
            self.last_ms = Some(self.last_ms.map_or(t, |l| l.max(t)));
        }
        let mut ids = Vec::with_capacity(other.nodes.len());
        for n in &other.nodes {
            let key = if self.group == GroupBy::Workload && n.resolved {
                workload_key(&n.key)
            } else {
                n.key.clone()
            };
            let id = match self.index.get(&key) {
                Some(&id) => {
                    if let Some(m) = self.nodes.get_mut(id as usize) {
                        m.count += n.count;
                    }
                    Some(id)
                }
                None if self.nodes.len() >= self.cfg.max_nodes => {
                    self.overflow.nodes += 1;
                    None
                }
                None => {
                    let id = self.nodes.len() as u32;
                    let mut m = n.clone();
                    if m.resolved {
                        m.name = key.clone();
                    }
                    m.key = key.clone();
                    self.nodes.push(m);
                    self.index.insert(key, id);
                    Some(id)
                }
            };
            ids.push(id);
        }
        let mut keys: Vec<_> = other.edges.keys().copied().collect();
        keys.sort_unstable();
        for k in keys {
            let Some(e) = other.edges.get(&k) else {
                continue;
            };
            let (Some(Some(s)), Some(Some(d))) = (ids.get(k.0 as usize), ids.get(k.1 as usize))
            else {
                self.overflow.entries += e.count;
                continue;
            };
            let p = other.protocols.get(k.2);
            let p = self.protocols.intern(&p.name, &p.abbr);
            let key = (*s, *d, p);
            let full = self.edges.len() >= self.cfg.max_edges;
            let acc = match self.edges.get_mut(&key) {
                Some(a) => a,
                None if full => {
                    self.overflow.edges += 1;
                    self.overflow.entries += e.count;
                    continue;
                }
                None => self.edges.entry(key).or_insert_with(|| EdgeAcc {
                    first_ms: e.first_ms,
                    last_ms: e.last_ms,
                    ..EdgeAcc::default()
                }),
            };
            acc.count += e.count;
            acc.errors += e.errors;
            acc.bytes += e.bytes;
            acc.first_ms = acc.first_ms.min(e.first_ms);
            acc.last_ms = acc.last_ms.max(e.last_ms);
            acc.sketch.merge(&e.sketch);
            acc.sum_us += e.sum_us;
            for (a, b) in acc.red.iter_mut().zip(e.red.iter()) {
                *a += b;
            }
        }
    }

    /// This map with nodes regrouped (only [`GroupBy::Workload`] can be derived from a
    /// [`GroupBy::Name`] map; Host needs the entries).
    pub fn regrouped(&self, group: GroupBy) -> ServiceMap {
        let mut m = ServiceMap::new(self.cfg, group);
        m.merge(self);
        m
    }

    pub fn status(&self) -> MapStatus {
        MapStatus {
            status: "enabled",
            group_by: self.group,
            entries_processed_count: self.entries,
            node_count: self.nodes.len(),
            edge_count: self.edges.len(),
            max_nodes: self.cfg.max_nodes,
            max_edges: self.cfg.max_edges,
            overflow: self.overflow,
            first_timestamp: self.first_ms.unwrap_or(0),
            last_timestamp: self.last_ms.unwrap_or(0),
        }
    }

    fn clause(&self, side: &str, n: &NodeAcc) -> String {
        if !n.resolved {
            return format!("{side}.ip == {}", quote(&n.ip));
        }
        match self.group {
            GroupBy::Name => format!("{side}.name == {}", quote(&n.key)),
            GroupBy::Workload => {
                let head = n.key.split('.').next().unwrap_or("");
                format!("{side}.name.startsWith({})", quote(head))
            }
            GroupBy::Host => format!("{side}.ip == {}", quote(&n.ip)),
        }
    }

    /// Edges sorted by (source, destination, protocol).
    fn sorted_edges(&self) -> Vec<(&(u32, u32, u16), &EdgeAcc, ProtoId)> {
        let mut v: Vec<_> = self
            .edges
            .iter()
            .map(|(k, e)| (k, e, self.protocols.get(k.2)))
            .collect();
        v.sort_by(|a, b| (a.0.0, a.0.1, &a.2).cmp(&(b.0.0, b.0.1, &b.2)));
        v
    }

    pub fn view(&self) -> MapView {
        let nodes = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| NodeView {
                id: i as u32,
                name: if n.resolved {
                    n.name.clone()
                } else {
                    n.ip.clone()
                },
                entry: NodeEntry {
                    ip: n.ip.clone(),
                    port: n.port.clone(),
                    name: n.name.clone(),
                },
                namespace: n.namespace.clone(),
                count: n.count,
                resolved: n.resolved,
            })
            .collect();
        let edges = self
            .sorted_edges()
            .into_iter()
            .map(|(k, e, protocol)| {
                let span_s = ((e.last_ms - e.first_ms) as f64 / 1000.0).max(1.0);
                let filter = match (self.nodes.get(k.0 as usize), self.nodes.get(k.1 as usize)) {
                    (Some(s), Some(d)) => format!(
                        "{} and {} and protocol.abbr == {}",
                        self.clause("src", s),
                        self.clause("dst", d),
                        quote(&protocol.abbr)
                    ),
                    _ => String::new(),
                };
                EdgeView {
                    source: k.0,
                    destination: k.1,
                    count: e.count,
                    errors: e.errors,
                    error_rate: round4(e.errors as f64 / e.count.max(1) as f64),
                    rate: round4(e.count as f64 / span_s),
                    bytes: e.bytes,
                    latency_ms: e.sketch.quantiles(),
                    filter,
                    protocol,
                }
            })
            .collect();
        MapView {
            status: self.status(),
            nodes,
            edges,
        }
    }

    /// Prometheus RED series per edge (requests, errors, latency histogram), at most
    /// `max_series` edges (the busiest); the rest are counted in
    /// `mizu_edge_series_overflow`.
    pub fn render_prometheus(&self, max_series: usize, out: &mut String) {
        let mut edges = self.sorted_edges();
        edges.sort_by_key(|e| std::cmp::Reverse(e.1.count));
        let hidden = edges.len().saturating_sub(max_series);
        edges.truncate(max_series);
        let name = |id: u32| {
            self.nodes
                .get(id as usize)
                .map(|n| prom_label(if n.resolved { &n.key } else { &n.ip }))
                .unwrap_or_default()
        };
        let labels: Vec<String> = edges
            .iter()
            .map(|(k, _, p)| {
                format!(
                    "source=\"{}\",destination=\"{}\",protocol=\"{}\"",
                    name(k.0),
                    name(k.1),
                    prom_label(&p.abbr)
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "# HELP mizu_edge_requests_total Requests per service-map edge (source, destination, protocol)."
        );
        let _ = writeln!(out, "# TYPE mizu_edge_requests_total counter");
        for (l, (_, e, _)) in labels.iter().zip(&edges) {
            let _ = writeln!(out, "mizu_edge_requests_total{{{l}}} {}", e.count);
        }
        let _ = writeln!(
            out,
            "# HELP mizu_edge_errors_total Failed requests per edge (HTTP >= 500 or no response, gRPC status != 0, Redis error, Kafka errorCode != 0, AMQP close with an error)."
        );
        let _ = writeln!(out, "# TYPE mizu_edge_errors_total counter");
        for (l, (_, e, _)) in labels.iter().zip(&edges) {
            let _ = writeln!(out, "mizu_edge_errors_total{{{l}}} {}", e.errors);
        }
        let _ = writeln!(
            out,
            "# HELP mizu_edge_latency_seconds Request latency per edge."
        );
        let _ = writeln!(out, "# TYPE mizu_edge_latency_seconds histogram");
        for (l, (_, e, _)) in labels.iter().zip(&edges) {
            let mut cum = 0u64;
            for (i, le) in RED_BUCKETS_S.iter().enumerate() {
                cum += e.red[i];
                let _ = writeln!(
                    out,
                    "mizu_edge_latency_seconds_bucket{{{l},le=\"{le}\"}} {cum}"
                );
            }
            let _ = writeln!(
                out,
                "mizu_edge_latency_seconds_bucket{{{l},le=\"+Inf\"}} {}",
                e.count
            );
            let _ = writeln!(
                out,
                "mizu_edge_latency_seconds_sum{{{l}}} {}",
                e.sum_us as f64 / 1e6
            );
            let _ = writeln!(out, "mizu_edge_latency_seconds_count{{{l}}} {}", e.count);
        }
        let _ = writeln!(
            out,
            "# HELP mizu_edge_series_overflow Edges not exported as series (over the cardinality cap)."
        );
        let _ = writeln!(out, "# TYPE mizu_edge_series_overflow gauge");
        let _ = writeln!(out, "mizu_edge_series_overflow {hidden}");
        let _ = writeln!(
            out,
            "# HELP mizu_servicemap_overflow_entries_total Entries left off the service map (node or edge bound reached)."
        );
        let _ = writeln!(out, "# TYPE mizu_servicemap_overflow_entries_total counter");
        let _ = writeln!(
            out,
            "mizu_servicemap_overflow_entries_total {}",
            self.overflow.entries
        );
    }

    /// Approximate heap bytes held (for the memory-bound tests).
    pub fn heap_bytes(&self) -> usize {
        let nodes: usize = self
            .nodes
            .iter()
            .map(|n| {
                std::mem::size_of::<NodeAcc>()
                    + 2 * n.key.capacity()
                    + n.name.capacity()
                    + n.ip.capacity()
                    + n.port.capacity()
                    + n.namespace.capacity()
                    + 16
            })
            .sum();
        let edges: usize = self
            .edges
            .values()
            .map(|e| std::mem::size_of::<EdgeAcc>() + 16 + e.sketch.heap_bytes())
            .sum();
        nodes + edges
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(
        src: (&str, &str),
        dst: (&str, &str),
        abbr: &str,
        status: u16,
        ms: i64,
        ts: i64,
    ) -> Entry {
        let name = if abbr == "REDIS" { "redis" } else { "http" };
        let (req, resp) = if name == "http" {
            (
                json!({"method": "GET", "url": "/x", "targetUri": "/x", "path": "/x", "httpVersion": "HTTP/1.1",
                       "headers": {"Host": "shop.example:80"}, "queryString": {}, "cookies": {}}),
                json!({"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                       "headers": {}, "cookies": {}, "content": {"size": 0, "mimeType": "", "text": ""}}),
            )
        } else {
            (
                json!({"command": "GET"}),
                json!({"type": if status >= 500 { "error" } else { "bulk" }}),
            )
        };
        serde_json::from_value(json!({
            "protocol": {"name": name, "version": "1", "abbr": abbr},
            "capture": "pcap",
            "src": {"ip": src.0, "port": "40000", "name": src.1},
            "dst": {"ip": dst.0, "port": "80", "name": dst.1},
            "timestamp": ts, "startTime": "", "elapsedTime": ms,
            "request": req, "response": resp, "requestSize": 100, "responseSize": 50
        }))
        .expect("entry")
    }

    #[test]
    fn edges_count_errors_rate_and_latency() {
        let mut m = ServiceMap::new(MapConfig::default(), GroupBy::Name);
        for i in 0..10 {
            let status = if i < 2 { 503 } else { 200 };
            m.observe(&entry(
                ("10.0.0.1", "web.shop"),
                ("10.0.0.2", "api.shop"),
                "HTTP",
                status,
                i + 1,
                1_000 + i * 1000,
            ));
        }
        m.observe(&entry(
            ("10.0.0.2", "api.shop"),
            ("10.0.0.3", ""),
            "REDIS",
            600,
            0,
            5_000,
        ));
        let v = m.view();
        assert_eq!(v.nodes.len(), 3);
        assert_eq!(v.nodes[2].name, "10.0.0.3");
        assert!(!v.nodes[2].resolved);
        assert_eq!(v.nodes[0].namespace, "shop");
        assert_eq!(v.edges.len(), 2);
        let e = &v.edges[0];
        assert_eq!((e.count, e.errors, e.error_rate), (10, 2, 0.2));
        assert_eq!(e.rate, 1.1111); // 10 requests over 9 s
        assert_eq!(e.bytes, 1500);
        assert!((e.latency_ms.p50 - 5.0).abs() < 0.2, "{:?}", e.latency_ms);
        assert_eq!(
            e.filter,
            r#"src.name == "web.shop" and dst.name == "api.shop" and protocol.abbr == "HTTP""#
        );
        assert_eq!(v.edges[1].errors, 1);
        assert_eq!(
            v.edges[1].filter,
            r#"src.name == "api.shop" and dst.ip == "10.0.0.3" and protocol.abbr == "REDIS""#
        );
        m.reset();
        assert_eq!(m.view().nodes.len(), 0);
    }

    #[test]
    fn workload_names() {
        for (name, want) in [
            ("api-7d9f8b6c5-x2x9z", "api"),
            ("api-7d9f8b6c5-x2x9z.default", "api.default"),
            ("node-exporter-x2x9z", "node-exporter"),
            ("redis-0.cache", "redis.cache"),
            ("web.shop", "web.shop"),
            ("payment-service", "payment-service"),
            ("10.0.0.1", "10.0.0.1"),
            ("-abcde", "-abcde"),
        ] {
            assert_eq!(workload_key(name), want, "{name}");
        }
    }

    #[test]
    fn grouping_by_workload_and_host() {
        let mut m = ServiceMap::new(MapConfig::default(), GroupBy::Name);
        m.observe(&entry(
            ("10.0.0.1", "web-5f6b7c8d9-aaaaa.shop"),
            ("10.0.0.9", "api.shop"),
            "HTTP",
            200,
            1,
            1,
        ));
        m.observe(&entry(
            ("10.0.0.2", "web-5f6b7c8d9-bbbbb.shop"),
            ("10.0.0.9", "api.shop"),
            "HTTP",
            500,
            1,
            2,
        ));
        assert_eq!(m.view().nodes.len(), 3);
        let w = m.regrouped(GroupBy::Workload).view();
        assert_eq!(w.nodes.len(), 2);
        assert_eq!(w.nodes[0].name, "web.shop");
        assert_eq!((w.edges[0].count, w.edges[0].errors), (2, 1));
        assert_eq!(
            w.edges[0].filter,
            r#"src.name.startsWith("web") and dst.name.startsWith("api") and protocol.abbr == "HTTP""#
        );
        let mut h = ServiceMap::new(MapConfig::default(), GroupBy::Host);
        h.observe(&entry(
            ("10.0.0.1", ""),
            ("10.0.0.9", ""),
            "HTTP",
            200,
            1,
            1,
        ));
        let v = h.view();
        assert_eq!(v.nodes[1].name, "shop.example");
        assert!(v.nodes[1].resolved);
    }

    #[test]
    fn bounded_nodes_and_edges_with_overflow_counted() {
        let cfg = MapConfig {
            max_nodes: 10,
            max_edges: 4,
        };
        let mut m = ServiceMap::new(cfg, GroupBy::Name);
        for i in 0..1000 {
            let s = format!("10.1.{}.{}", i / 250, i % 250);
            m.observe(&entry((&s, ""), ("10.0.0.1", ""), "HTTP", 200, 1, i));
        }
        let st = m.status();
        assert_eq!(st.node_count, 10);
        assert_eq!(st.edge_count, 4);
        assert_eq!(st.entries_processed_count, 1000);
        assert_eq!(st.overflow.entries, 996);
        assert!(st.overflow.nodes > 0 && st.overflow.edges > 0);
    }

    #[test]
    fn prometheus_red_series_are_capped() {
        let mut m = ServiceMap::new(MapConfig::default(), GroupBy::Name);
        m.observe(&entry(
            ("10.0.0.1", "a\"b"),
            ("10.0.0.2", "api"),
            "HTTP",
            500,
            3,
            1,
        ));
        m.observe(&entry(
            ("10.0.0.1", "a\"b"),
            ("10.0.0.2", "api"),
            "HTTP",
            200,
            300,
            2,
        ));
        m.observe(&entry(
            ("10.0.0.3", ""),
            ("10.0.0.2", "api"),
            "HTTP",
            200,
            1,
            2,
        ));
        let mut out = String::new();
        m.render_prometheus(1, &mut out);
        let l = r#"source="a\"b",destination="api",protocol="HTTP""#;
        assert!(
            out.contains(&format!("mizu_edge_requests_total{{{l}}} 2\n")),
            "{out}"
        );
        assert!(out.contains(&format!("mizu_edge_errors_total{{{l}}} 1\n")));
        assert!(out.contains(&format!(
            "mizu_edge_latency_seconds_bucket{{{l},le=\"0.005\"}} 1\n"
        )));
        assert!(out.contains(&format!(
            "mizu_edge_latency_seconds_bucket{{{l},le=\"0.5\"}} 2\n"
        )));
        assert!(out.contains(&format!("mizu_edge_latency_seconds_count{{{l}}} 2\n")));
        assert!(!out.contains("10.0.0.3"));
        assert!(out.contains("mizu_edge_series_overflow 1\n"));
    }
}
