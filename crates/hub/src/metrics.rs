//! Prometheus counters and gauges, rendered by hand in the text exposition format
//! (version 0.0.4) on `GET /metrics`. A dozen atomics need no metrics framework; names
//! follow Prometheus conventions (`_total` counters, base units).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Every counter the hub keeps. Gauges that the store knows (entries, bytes) are read
/// from it at render time.
#[derive(Default, Debug)]
pub struct Metrics {
    pub ingested_entries: AtomicU64,
    pub ingested_bytes: AtomicU64,
    pub dropped_filter: AtomicU64,
    pub dropped_user_agent: AtomicU64,
    pub dropped_invalid: AtomicU64,
    pub dropped_too_large: AtomicU64,
    pub redacted_values: AtomicU64,
    pub queries: AtomicU64,
    pub query_errors: AtomicU64,
    pub ws_clients: AtomicU64,
    pub ws_connections: AtomicU64,
    pub ws_live_dropped: AtomicU64,
    pub agents_connected: AtomicU64,
    pub agent_messages: AtomicU64,
    pub agent_errors: AtomicU64,
    pub auth_failures: AtomicU64,
    /// Browser WebSockets closed for sending no query (idle timeout, or displaced to make
    /// room for a new client).
    pub ws_idle_closed: AtomicU64,
    /// Browser WebSocket upgrades refused (all slots held by active clients, or too many
    /// from one address).
    pub ws_rejected: AtomicU64,
    /// UI/API requests refused for a missing or wrong `--ui-token`.
    pub ui_auth_failures: AtomicU64,
    /// Disconnected agents dropped from `/status` (expired, or over the list's bound).
    pub agents_expired: AtomicU64,
    /// `POST /replay/` requests sent, and those that failed (timeout, refused, bad HTTP).
    pub replays: AtomicU64,
    pub replay_errors: AtomicU64,
    /// Second copies of a request seen on both sides of a Service, not stored again.
    pub merged_duplicates: AtomicU64,
}

pub(crate) fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

pub(crate) fn dec(c: &AtomicU64) {
    // Never wraps below zero even if a decrement races an increment.
    let _ = c.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| v.checked_sub(1));
}

fn get(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

fn metric(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(&str, u64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, v) in samples {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {v}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {v}");
        }
    }
}

/// Appends the diagnostics the connected and remembered agents last reported, summed by
/// kind (`mizu_hub_agent_diagnostics_total{kind="gap"}`…): every kind has a series, so
/// dashboards see zeros rather than gaps.
pub fn render_agent_diagnostics<'a>(
    out: &mut String,
    reports: impl Iterator<Item = &'a mizu_proto::StatusReport>,
) {
    let mut sums: std::collections::BTreeMap<&str, u64> = mizu_dissect::DiagKind::ALL
        .iter()
        .map(|k| (k.as_str(), 0))
        .collect();
    let mut other = 0u64;
    for r in reports {
        for (k, n) in &r.diagnostics_by_kind {
            match sums.get_mut(k.as_str()) {
                Some(v) => *v = v.saturating_add(*n),
                // A kind this hub does not know (a newer agent): counted, not labelled.
                None => other = other.saturating_add(*n),
            }
        }
    }
    let labels: Vec<(String, u64)> = sums
        .iter()
        .map(|(k, v)| (format!("kind=\"{k}\""), *v))
        .chain((other > 0).then(|| ("kind=\"other\"".to_owned(), other)))
        .collect();
    let samples: Vec<(&str, u64)> = labels.iter().map(|(l, v)| (l.as_str(), *v)).collect();
    metric(
        out,
        "mizu_hub_agent_diagnostics_total",
        "counter",
        "Diagnostics the agents' dissectors reported, by kind (sum of each agent's last status).",
        &samples,
    );
}

impl Metrics {
    /// The text format, including the store gauges given.
    pub fn render(&self, store: &mizu_store::StoreStats) -> String {
        let mut o = String::with_capacity(4096);
        metric(
            &mut o,
            "mizu_hub_entries_ingested_total",
            "counter",
            "Entries stored.",
            &[("", get(&self.ingested_entries))],
        );
        metric(
            &mut o,
            "mizu_hub_ingested_bytes_total",
            "counter",
            "JSON bytes of stored entries.",
            &[("", get(&self.ingested_bytes))],
        );
        metric(
            &mut o,
            "mizu_hub_entries_dropped_total",
            "counter",
            "Entries not stored, by reason.",
            &[
                ("reason=\"insertion_filter\"", get(&self.dropped_filter)),
                (
                    "reason=\"ignored_user_agent\"",
                    get(&self.dropped_user_agent),
                ),
                ("reason=\"invalid\"", get(&self.dropped_invalid)),
                ("reason=\"too_large\"", get(&self.dropped_too_large)),
            ],
        );
        metric(
            &mut o,
            "mizu_hub_entries_evicted_total",
            "counter",
            "Entries evicted (oldest first) to stay within max-entries-db-size.",
            &[("", store.evicted)],
        );
        metric(
            &mut o,
            "mizu_hub_evicted_bytes_total",
            "counter",
            "Accounted bytes evicted.",
            &[("", store.evicted_bytes)],
        );
        metric(
            &mut o,
            "mizu_hub_redacted_values_total",
            "counter",
            "Values masked as [REDACTED] at insertion.",
            &[("", get(&self.redacted_values))],
        );
        metric(
            &mut o,
            "mizu_hub_store_entries",
            "gauge",
            "Entries in the store.",
            &[("", store.entries)],
        );
        metric(
            &mut o,
            "mizu_hub_store_bytes",
            "gauge",
            "Accounted bytes in the store (JSON plus per-entry overhead).",
            &[("", store.bytes)],
        );
        metric(
            &mut o,
            "mizu_hub_store_budget_bytes",
            "gauge",
            "max-entries-db-size.",
            &[("", store.budget)],
        );
        metric(
            &mut o,
            "mizu_hub_store_disk_bytes",
            "gauge",
            "Bytes in the data dir's segment files.",
            &[("", store.disk_bytes)],
        );
        metric(
            &mut o,
            "mizu_hub_queries_total",
            "counter",
            "Queries run (REST and WebSocket).",
            &[("", get(&self.queries))],
        );
        metric(
            &mut o,
            "mizu_hub_query_errors_total",
            "counter",
            "Queries rejected as invalid.",
            &[("", get(&self.query_errors))],
        );
        metric(
            &mut o,
            "mizu_hub_replays_total",
            "counter",
            "Requests replayed (POST /replay/).",
            &[("", get(&self.replays))],
        );
        metric(
            &mut o,
            "mizu_hub_replay_errors_total",
            "counter",
            "Replays that got no valid response (timeout, connection refused, bad HTTP).",
            &[("", get(&self.replay_errors))],
        );
        metric(
            &mut o,
            "mizu_hub_ws_clients",
            "gauge",
            "Browser WebSocket clients connected.",
            &[("", get(&self.ws_clients))],
        );
        metric(
            &mut o,
            "mizu_hub_ws_connections_total",
            "counter",
            "Browser WebSocket connections accepted.",
            &[("", get(&self.ws_connections))],
        );
        metric(
            &mut o,
            "mizu_hub_ws_live_dropped_total",
            "counter",
            "Live entries skipped for WebSocket clients too slow to keep up.",
            &[("", get(&self.ws_live_dropped))],
        );
        metric(
            &mut o,
            "mizu_hub_agents_connected",
            "gauge",
            "Agents connected to the ingest WebSocket.",
            &[("", get(&self.agents_connected))],
        );
        metric(
            &mut o,
            "mizu_hub_agent_messages_total",
            "counter",
            "Messages received from agents.",
            &[("", get(&self.agent_messages))],
        );
        metric(
            &mut o,
            "mizu_hub_agent_errors_total",
            "counter",
            "Agent messages rejected (bad JSON, bad batch, too large).",
            &[("", get(&self.agent_errors))],
        );
        metric(
            &mut o,
            "mizu_hub_auth_failures_total",
            "counter",
            "Ingest connections refused for a missing or wrong token.",
            &[("", get(&self.auth_failures))],
        );
        metric(
            &mut o,
            "mizu_hub_ui_auth_failures_total",
            "counter",
            "UI/API requests refused for a missing or wrong UI token.",
            &[("", get(&self.ui_auth_failures))],
        );
        metric(
            &mut o,
            "mizu_hub_ws_idle_closed_total",
            "counter",
            "Browser WebSockets closed because they sent no query (timed out or displaced by a new client).",
            &[("", get(&self.ws_idle_closed))],
        );
        metric(
            &mut o,
            "mizu_hub_ws_rejected_total",
            "counter",
            "Browser WebSocket connections refused (slots full of active clients, or per-address limit).",
            &[("", get(&self.ws_rejected))],
        );
        metric(
            &mut o,
            "mizu_hub_agents_expired_total",
            "counter",
            "Disconnected agents dropped from the /status list.",
            &[("", get(&self.agents_expired))],
        );
        metric(
            &mut o,
            "mizu_hub_merged_duplicates_total",
            "counter",
            "Second copies of a request seen at both ends of a Kubernetes Service, stored once.",
            &[("", get(&self.merged_duplicates))],
        );
        o
    }
}
