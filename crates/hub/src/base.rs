//! BaseEntry: the thin list item Mizu's UI shows per row (mizu.md §3.1): `proto` (the
//! full protocol descriptor with colours), `summary`/`method`/`status` with their
//! ready-made `*Query` filter clauses, endpoints, time and `latency` (ms). Computed once at
//! ingest from the [`Entry`] and the dissector's [`Summary`], stored next to the entry.

use mizu_dissect::{ProtocolTable, Summary};
use mizu_model::Entry;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Proto<'a> {
    name: &'a str,
    version: &'a str,
    abbr: &'a str,
    long_name: &'a str,
    #[serde(rename = "macro")]
    macro_name: &'a str,
    background_color: &'a str,
    foreground_color: &'a str,
    font_size: u32,
    reference_link: &'a str,
    ports: Vec<String>,
    priority: u8,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Base<'a> {
    proto: Proto<'a>,
    capture: &'a str,
    summary: &'a str,
    summary_query: String,
    method: &'a str,
    method_query: String,
    status: i64,
    status_query: String,
    timestamp: i64,
    src: &'a mizu_model::Endpoint,
    dst: &'a mizu_model::Endpoint,
    is_outgoing: bool,
    latency: i64,
    elapsed_micros: i64,
    namespace: &'a str,
    request_size: u64,
    response_size: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    gap: bool,
    /// The capturing node (agent), when the entry came from one.
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<&'a mizu_model::Node>,
    /// How many diagnostics the entry carries (the list marks such rows).
    #[serde(skip_serializing_if = "is_zero")]
    diagnostics: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// The BaseEntry's compact JSON, without `id` (the store adds it).
pub fn base_entry_json(entry: &Entry, s: &Summary, protocols: &ProtocolTable) -> Vec<u8> {
    let p = &entry.protocol;
    let infos = protocols.infos();
    let info = infos
        .iter()
        .find(|i| i.name == p.name && i.abbr == p.abbr)
        .or_else(|| infos.iter().find(|i| i.name == p.name));
    let proto = Proto {
        name: &p.name,
        version: &p.version,
        abbr: &p.abbr,
        long_name: info.map_or(&p.abbr, |i| i.long_name),
        macro_name: info.map_or(&p.name, |i| i.macro_name),
        background_color: info.map_or("#888888", |i| i.background_color),
        foreground_color: info.map_or("#ffffff", |i| i.foreground_color),
        font_size: 12,
        reference_link: info.map_or("", |i| i.reference_link),
        ports: info.map_or_else(Vec::new, |i| i.ports.iter().map(u16::to_string).collect()),
        priority: info.map_or(u8::MAX, |i| i.priority),
    };
    let http = p.name == "http";
    let (summary_query, method_query, status_query) = if http {
        (
            format!("request.path == {}", quoted(&s.summary)),
            format!("request.method == {}", quoted(&s.method)),
            s.status
                .map_or_else(String::new, |st| format!("response.status == {st}")),
        )
    } else {
        (String::new(), String::new(), String::new())
    };
    let b = Base {
        proto,
        capture: &entry.capture,
        summary: &s.summary,
        summary_query,
        method: &s.method,
        method_query,
        status: s.status.unwrap_or(0),
        status_query,
        timestamp: entry.timestamp,
        src: &entry.src,
        dst: &entry.dst,
        is_outgoing: entry.outgoing,
        latency: entry.elapsed_time,
        elapsed_micros: entry.elapsed_micros,
        namespace: &entry.namespace,
        request_size: entry.request_size,
        response_size: entry.response_size,
        truncated: entry.truncated,
        gap: entry.gap,
        node: entry.node.as_ref(),
        diagnostics: entry.diagnostics.len(),
    };
    let mut out = Vec::with_capacity(512);
    match mizu_model::json::write_json(&mut out, &b) {
        Ok(()) => out,
        Err(_) => b"{}".to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_entry_counts_diagnostics_and_leaves_out_none() {
        let s = Summary::default();
        let line = include_str!("../../../testdata/http1/01-keepalive-bridge.expected.jsonl")
            .lines()
            .next()
            .unwrap_or_default();
        let Ok(mut e) = serde_json::from_str::<Entry>(line) else {
            panic!("fixture entry does not parse: {line}");
        };
        e.diagnostics.clear();
        let plain: serde_json::Value =
            serde_json::from_slice(&base_entry_json(&e, &s, &ProtocolTable::default()))
                .unwrap_or_default();
        assert_eq!(plain.get("diagnostics"), None, "{plain}");
        e.diagnostics = vec!["a".into(), "b".into()];
        let marked: serde_json::Value =
            serde_json::from_slice(&base_entry_json(&e, &s, &ProtocolTable::default()))
                .unwrap_or_default();
        assert_eq!(marked["diagnostics"], 2, "{marked}");
    }
}
