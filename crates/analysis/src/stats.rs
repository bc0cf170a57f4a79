//! Traffic stats (Mizu's `GET /status/trafficStats?startTimeMs&endTimeMs`, extended):
//! entries and bytes per protocol and method in 1-minute buckets (pie + timeline of at
//! most [`MAX_BARS`] bars: wider ranges merge neighbouring minutes), status classes over
//! time, and top endpoints by count, errors and p99 latency.
//!
//! Bounded: at most [`StatsConfig::max_buckets`] minutes (the oldest are dropped),
//! [`StatsConfig::max_methods`] (protocol, method) pairs per minute and
//! [`StatsConfig::max_endpoints`] endpoints (paths cut at
//! [`StatsConfig::max_path_len`]); whatever does not fit is counted in
//! [`StatsOverflow`] (and methods over the bound are folded into `other`).

use crate::classify;
use crate::sketch::{Quantiles, Sketch};
use crate::{ProtoId, Protocols};
use mizu_model::Entry;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub const BUCKET_MS: i64 = 60_000;
/// Most timeline bars in one answer.
pub const MAX_BARS: i64 = 30;
/// Status classes: `1xx`..`5xx` for HTTP, `ok` / `error` for the other protocols.
pub const CLASSES: [&str; 7] = ["1xx", "2xx", "3xx", "4xx", "5xx", "ok", "error"];

#[derive(Clone, Copy, Debug)]
pub struct StatsConfig {
    pub max_buckets: usize,
    pub max_methods: usize,
    pub max_endpoints: usize,
    pub max_path_len: usize,
}

impl Default for StatsConfig {
    fn default() -> Self {
        StatsConfig {
            max_buckets: 24 * 60,
            max_methods: 256,
            max_endpoints: 10_000,
            max_path_len: 256,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    count: u64,
    bytes: u64,
}

#[derive(Clone, Debug, Default)]
struct Bucket {
    /// Key: protocol index, `\0`, method (looked up without allocating).
    methods: HashMap<String, Counts>,
    classes: [u64; CLASSES.len()],
}

#[derive(Clone, Debug, Default)]
struct EndpointAcc {
    count: u64,
    errors: u64,
    sketch: Sketch,
}

/// What did not fit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsOverflow {
    /// Minutes dropped (oldest first) to stay within `max_buckets`.
    pub buckets: u64,
    /// Entries counted under method `other` (too many methods in their minute).
    pub methods: u64,
    /// Entries of endpoints not tracked (too many endpoints).
    pub endpoints: u64,
}

/// The incremental traffic stats.
#[derive(Clone, Debug)]
pub struct TrafficStats {
    cfg: StatsConfig,
    protocols: Protocols,
    buckets: BTreeMap<i64, Bucket>,
    /// Key: protocol index, `\0`, service, `\0`, method, `\0`, path.
    endpoints: HashMap<String, EndpointAcc>,
    overflow: StatsOverflow,
    entries: u64,
    scratch: String,
}

/// Counts of one method.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodStats {
    pub name: String,
    pub entries_count: u64,
    pub volume_size_bytes: u64,
}

/// Counts of one protocol (pie slice, or one protocol of a timeline bar).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtocolStats {
    pub name: String,
    pub protocol: ProtoId,
    pub color: &'static str,
    pub entries_count: u64,
    pub volume_size_bytes: u64,
    pub methods: Vec<MethodStats>,
}

/// One timeline bar.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bar {
    /// Start of the bar (ms).
    pub timestamp: i64,
    pub protocols: Vec<ProtocolStats>,
}

/// Status classes of one bar.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassBar {
    pub timestamp: i64,
    pub classes: BTreeMap<&'static str, u64>,
}

/// One endpoint in a top list.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointStats {
    pub protocol: String,
    pub service: String,
    pub method: String,
    pub path: String,
    pub count: u64,
    pub errors: u64,
    pub latency_ms: Quantiles,
}

/// Top endpoints (over all minutes kept: endpoints are not kept per minute).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopEndpoints {
    pub by_count: Vec<EndpointStats>,
    pub by_errors: Vec<EndpointStats>,
    pub by_p99: Vec<EndpointStats>,
}

/// `/status/trafficStats`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsView {
    /// Protocol names (badge abbreviations) present in the range.
    pub protocols: Vec<String>,
    pub pie: Vec<ProtocolStats>,
    pub timeline: Vec<Bar>,
    pub status_classes: Vec<ClassBar>,
    pub top_endpoints: TopEndpoints,
    /// Width of one timeline bar (a multiple of one minute).
    pub bar_ms: i64,
    pub start_time_ms: i64,
    pub end_time_ms: i64,
    pub entries_count: u64,
    pub overflow: StatsOverflow,
}

/// Badge colours the UI uses per protocol (Mizu's palette where it had one).
pub fn color_of(abbr: &str) -> &'static str {
    match abbr {
        "HTTP" => "#205cf5",
        "HTTP/2" => "#244c5a",
        "gRPC" => "#244c5a",
        "REDIS" => "#a41e11",
        "KAFKA" => "#000000",
        "AMQP" => "#ff6600",
        "WS" => "#4caf50",
        _ => "#808080",
    }
}

/// `n` in decimal, as `write!(s, "{n}")` but without the formatting machinery (per entry).
fn push_u16(s: &mut String, n: u16) {
    let mut buf = [0u8; 5];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.push_str(std::str::from_utf8(&buf[i..]).unwrap_or("0"));
}

fn minute(ts: i64) -> i64 {
    ts.div_euclid(BUCKET_MS) * BUCKET_MS
}

impl TrafficStats {
    pub fn new(cfg: StatsConfig) -> TrafficStats {
        TrafficStats {
            cfg,
            protocols: Protocols::default(),
            buckets: BTreeMap::new(),
            endpoints: HashMap::new(),
            overflow: StatsOverflow::default(),
            entries: 0,
            scratch: String::new(),
        }
    }

    pub fn reset(&mut self) {
        *self = TrafficStats::new(self.cfg);
    }

    /// Adds one entry; `service` names its destination (the service map's node name).
    pub fn observe(&mut self, e: &Entry, service: &str) {
        self.observe_with(e, service, classify::is_error(e));
    }

    pub fn observe_with(&mut self, e: &Entry, service: &str, error: bool) {
        self.entries += 1;
        let p = self.protocols.intern(&e.protocol.name, &e.protocol.abbr);
        let method = classify::method_of(e);
        let bytes = e.request_size + e.response_size;
        let m = minute(e.timestamp);
        if !self.buckets.contains_key(&m) && self.buckets.len() >= self.cfg.max_buckets {
            match self.buckets.keys().next().copied() {
                Some(oldest) if oldest < m => {
                    self.buckets.remove(&oldest);
                    self.overflow.buckets += 1;
                }
                // Older than everything kept: not in the timeline.
                _ => {
                    self.overflow.buckets += 1;
                    self.endpoint(e, p, service, &method, error);
                    return;
                }
            }
        }
        let max_methods = self.cfg.max_methods;
        let b = self.buckets.entry(m).or_default();
        self.scratch.clear();
        push_u16(&mut self.scratch, p);
        self.scratch.push('\0');
        self.scratch.push_str(&method);
        let c = match b.methods.get_mut(self.scratch.as_str()) {
            Some(c) => c,
            None => {
                if b.methods.len() >= max_methods {
                    self.overflow.methods += 1;
                    self.scratch.clear();
                    push_u16(&mut self.scratch, p);
                    self.scratch.push_str("\0other");
                }
                b.methods.entry(self.scratch.clone()).or_default()
            }
        };
        c.count += 1;
        c.bytes += bytes;
        let class = match classify::http_status(e) {
            Some(s @ 100..=599) => usize::from(s / 100) - 1,
            _ if error => 6,
            _ => 5,
        };
        b.classes[class] += 1;
        self.endpoint(e, p, service, &method, error);
    }

    fn endpoint(&mut self, e: &Entry, p: u16, service: &str, method: &str, error: bool) {
        let mut path = classify::path_of(e);
        if path.len() > self.cfg.max_path_len {
            let mut cut = self.cfg.max_path_len;
            while !path.is_char_boundary(cut) {
                cut -= 1;
            }
            path = &path[..cut];
        }
        self.scratch.clear();
        push_u16(&mut self.scratch, p);
        for part in [service, method, path] {
            self.scratch.push('\0');
            self.scratch.push_str(part);
        }
        let us = classify::latency_us(e);
        let acc = match self.endpoints.get_mut(self.scratch.as_str()) {
            Some(acc) => acc,
            None => {
                if self.endpoints.len() >= self.cfg.max_endpoints {
                    self.overflow.endpoints += 1;
                    return;
                }
                self.endpoints.entry(self.scratch.clone()).or_default()
            }
        };
        acc.count += 1;
        acc.errors += u64::from(error);
        acc.sketch.add(us);
    }

    /// The stats of the minutes in `[start_ms, end_ms)` (`None`: unbounded), with top
    /// lists of `top` endpoints.
    pub fn view(&self, start_ms: Option<i64>, end_ms: Option<i64>, top: usize) -> StatsView {
        let lo = start_ms.map_or(i64::MIN, minute);
        let hi = end_ms.unwrap_or(i64::MAX);
        let range: Vec<(&i64, &Bucket)> = self
            .buckets
            .range(lo..)
            .take_while(|(t, _)| **t < hi)
            .collect();
        let first = range.first().map_or(0, |(t, _)| **t);
        let last = range.last().map_or(0, |(t, _)| **t);
        let start = start_ms.map_or(first, minute);
        let end = end_ms.unwrap_or(last + BUCKET_MS);
        let minutes = ((end - start) + BUCKET_MS - 1).div_euclid(BUCKET_MS).max(1);
        let bar_ms = ((minutes + MAX_BARS - 1) / MAX_BARS).max(1) * BUCKET_MS;

        let mut pie: BTreeMap<u16, BTreeMap<String, Counts>> = BTreeMap::new();
        let mut bars: BTreeMap<i64, BTreeMap<u16, BTreeMap<String, Counts>>> = BTreeMap::new();
        let mut classes: BTreeMap<i64, [u64; CLASSES.len()]> = BTreeMap::new();
        let mut total = 0u64;
        for (t, b) in &range {
            let bar = start + (**t - start).div_euclid(bar_ms) * bar_ms;
            for (k, c) in &b.methods {
                let (p, m) = k.split_once('\0').unwrap_or(("0", k));
                let p: u16 = p.parse().unwrap_or(0);
                let m = m.to_owned();
                total += c.count;
                for target in [
                    pie.entry(p).or_default(),
                    bars.entry(bar).or_default().entry(p).or_default(),
                ] {
                    let x = target.entry(m.clone()).or_default();
                    x.count += c.count;
                    x.bytes += c.bytes;
                }
            }
            let cl = classes.entry(bar).or_default();
            for (a, b) in cl.iter_mut().zip(b.classes.iter()) {
                *a += b;
            }
        }
        let protos = |m: &BTreeMap<u16, BTreeMap<String, Counts>>| -> Vec<ProtocolStats> {
            let mut v: Vec<ProtocolStats> = m
                .iter()
                .map(|(p, methods)| {
                    let protocol = self.protocols.get(*p);
                    let mut ms: Vec<MethodStats> = methods
                        .iter()
                        .map(|(name, c)| MethodStats {
                            name: name.clone(),
                            entries_count: c.count,
                            volume_size_bytes: c.bytes,
                        })
                        .collect();
                    ms.sort_by(|a, b| {
                        b.entries_count
                            .cmp(&a.entries_count)
                            .then(a.name.cmp(&b.name))
                    });
                    ProtocolStats {
                        name: protocol.abbr.clone(),
                        color: color_of(&protocol.abbr),
                        entries_count: ms.iter().map(|m| m.entries_count).sum(),
                        volume_size_bytes: ms.iter().map(|m| m.volume_size_bytes).sum(),
                        methods: ms,
                        protocol,
                    }
                })
                .collect();
            v.sort_by(|a, b| a.name.cmp(&b.name));
            v
        };
        let pie = protos(&pie);
        StatsView {
            protocols: pie.iter().map(|p| p.name.clone()).collect(),
            timeline: bars
                .iter()
                .map(|(t, m)| Bar {
                    timestamp: *t,
                    protocols: protos(m),
                })
                .collect(),
            status_classes: classes
                .iter()
                .map(|(t, c)| ClassBar {
                    timestamp: *t,
                    classes: CLASSES
                        .iter()
                        .zip(c.iter())
                        .filter(|(_, n)| **n > 0)
                        .map(|(k, n)| (*k, *n))
                        .collect(),
                })
                .collect(),
            pie,
            top_endpoints: self.top(top),
            bar_ms,
            start_time_ms: if range.is_empty() && start_ms.is_none() {
                0
            } else {
                start
            },
            end_time_ms: if range.is_empty() && end_ms.is_none() {
                0
            } else {
                end
            },
            entries_count: total,
            overflow: self.overflow,
        }
    }

    fn top(&self, n: usize) -> TopEndpoints {
        let mut all: Vec<EndpointStats> = self
            .endpoints
            .iter()
            .map(|(k, a)| {
                let mut parts = k.splitn(4, '\0');
                let p: u16 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
                EndpointStats {
                    protocol: self.protocols.get(p).abbr,
                    service: parts.next().unwrap_or("").to_owned(),
                    method: parts.next().unwrap_or("").to_owned(),
                    path: parts.next().unwrap_or("").to_owned(),
                    count: a.count,
                    errors: a.errors,
                    latency_ms: a.sketch.quantiles(),
                }
            })
            .collect();
        let tie = |a: &EndpointStats, b: &EndpointStats| {
            (&a.protocol, &a.service, &a.method, &a.path).cmp(&(
                &b.protocol,
                &b.service,
                &b.method,
                &b.path,
            ))
        };
        all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| tie(a, b)));
        let by_count = all.iter().take(n).cloned().collect();
        let mut errs: Vec<&EndpointStats> = all.iter().filter(|e| e.errors > 0).collect();
        errs.sort_by(|a, b| b.errors.cmp(&a.errors).then_with(|| tie(a, b)));
        let by_errors = errs.into_iter().take(n).cloned().collect();
        all.sort_by(|a, b| {
            b.latency_ms
                .p99
                .total_cmp(&a.latency_ms.p99)
                .then_with(|| tie(a, b))
        });
        all.truncate(n);
        TopEndpoints {
            by_count,
            by_errors,
            by_p99: all,
        }
    }

    pub fn entries(&self) -> u64 {
        self.entries
    }

    pub fn endpoint_count(&self) -> usize {
        self.endpoints.len()
    }

    /// Approximate heap bytes held (for the memory-bound tests).
    pub fn heap_bytes(&self) -> usize {
        let buckets: usize = self
            .buckets
            .values()
            .map(|b| {
                std::mem::size_of::<Bucket>()
                    + 48
                    + b.methods
                        .keys()
                        .map(|k| k.capacity() + std::mem::size_of::<(String, Counts)>() + 8)
                        .sum::<usize>()
            })
            .sum();
        let endpoints: usize = self
            .endpoints
            .iter()
            .map(|(k, a)| {
                k.capacity()
                    + std::mem::size_of::<(String, EndpointAcc)>()
                    + 8
                    + a.sketch.heap_bytes()
            })
            .sum();
        buckets + endpoints
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn http(path: &str, status: u16, ts: i64, ms: i64) -> Entry {
        serde_json::from_value(json!({
            "protocol": {"name": "http", "version": "1.1", "abbr": "HTTP"},
            "capture": "pcap",
            "src": {"ip": "10.0.0.1", "port": "40000"},
            "dst": {"ip": "10.0.0.2", "port": "80"},
            "timestamp": ts, "startTime": "", "elapsedTime": ms,
            "request": {"method": if status == 201 { "POST" } else { "GET" }, "url": path, "targetUri": path, "path": path,
                        "httpVersion": "HTTP/1.1", "headers": {}, "queryString": {}, "cookies": {}},
            "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                         "headers": {}, "cookies": {}, "content": {"size": 0, "mimeType": "", "text": ""}},
            "requestSize": 100, "responseSize": 10
        }))
        .expect("entry")
    }

    #[test]
    fn pie_timeline_classes_and_top_endpoints() {
        let mut s = TrafficStats::new(StatsConfig::default());
        let t0 = 1_800_000_000_000 - 1_800_000_000_000 % BUCKET_MS;
        s.observe(&http("/a?x=1", 200, t0, 1), "api");
        s.observe(&http("/a", 500, t0 + 1000, 100), "api");
        s.observe(&http("/b", 201, t0 + 61_000, 5), "api");
        s.observe(&http("/b", 404, t0 + 125_000, 5), "api");
        let v = s.view(None, None, 10);
        assert_eq!(v.protocols, ["HTTP"]);
        assert_eq!(v.entries_count, 4);
        assert_eq!(v.pie[0].entries_count, 4);
        assert_eq!(v.pie[0].volume_size_bytes, 440);
        assert_eq!(v.pie[0].methods[0].name, "GET");
        assert_eq!(v.pie[0].methods[0].entries_count, 3);
        assert_eq!(v.bar_ms, BUCKET_MS);
        assert_eq!(v.timeline.len(), 3);
        assert_eq!(v.timeline[1].timestamp, t0 + BUCKET_MS);
        assert_eq!(v.status_classes[0].classes.get("5xx"), Some(&1));
        assert_eq!(v.status_classes[2].classes.get("4xx"), Some(&1));
        let top = &v.top_endpoints;
        assert_eq!(top.by_count[0].path, "/a");
        assert_eq!(top.by_count[0].count, 2);
        assert_eq!(top.by_errors.len(), 1);
        assert_eq!(top.by_p99[0].path, "/a");
        // A range selects minutes.
        let v = s.view(Some(t0 + BUCKET_MS), Some(t0 + 2 * BUCKET_MS), 10);
        assert_eq!(v.entries_count, 1);
        assert_eq!(v.pie[0].methods[0].name, "POST");
    }

    #[test]
    fn at_most_thirty_bars() {
        let mut s = TrafficStats::new(StatsConfig::default());
        for i in 0..120 {
            s.observe(&http("/", 200, i * BUCKET_MS, 1), "api");
        }
        let v = s.view(None, None, 5);
        assert_eq!(v.bar_ms, 4 * BUCKET_MS);
        assert_eq!(v.timeline.len(), 30);
        assert!(v.timeline.iter().all(|b| b.protocols[0].entries_count == 4));
    }

    #[test]
    fn buckets_are_bounded() {
        let cfg = StatsConfig {
            max_buckets: 10,
            ..StatsConfig::default()
        };
        let mut s = TrafficStats::new(cfg);
        for i in 0..100 {
            s.observe(&http("/", 200, i * BUCKET_MS, 1), "api");
        }
        assert_eq!(s.buckets.len(), 10);
        assert_eq!(s.overflow.buckets, 90);
        assert_eq!(s.view(None, None, 1).timeline[0].timestamp, 90 * BUCKET_MS);
    }

    #[test]
    fn methods_over_the_bound_fold_into_other() {
        let cfg = StatsConfig {
            max_methods: 2,
            ..StatsConfig::default()
        };
        let mut s = TrafficStats::new(cfg);
        for (i, status) in [200u16, 201, 200, 201].into_iter().enumerate() {
            s.observe(&http("/", status, i as i64, 1), "api"); // GET, POST
        }
        let mut redis: Entry = serde_json::from_value(json!({
            "protocol": {"name": "redis", "version": "2", "abbr": "REDIS"}, "capture": "pcap",
            "src": {"ip": "10.0.0.1", "port": "1"}, "dst": {"ip": "10.0.0.3", "port": "6379"},
            "timestamp": 5, "startTime": "", "elapsedTime": 0,
            "request": {"command": "GET"}, "response": {"type": "bulk"},
            "requestSize": 10, "responseSize": 5
        }))
        .expect("entry");
        s.observe(&redis, "cache");
        redis.timestamp = 6;
        s.observe(&redis, "cache");
        let v = s.view(None, None, 10);
        let r = v.pie.iter().find(|p| p.name == "REDIS").expect("redis");
        assert_eq!(r.methods[0].name, "other");
        assert_eq!(r.methods[0].entries_count, 2);
        assert_eq!(v.overflow.methods, 2);
        assert_eq!(v.entries_count, 6);
    }
}
