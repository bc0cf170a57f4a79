//! BaseEntry: the thin list item Mizu's UI shows per row (mizu.md §3.1): `proto` (the
//! full protocol descriptor with colours), `summary`/`method`/`status` with their
//! ready-made `*Query` filter clauses, endpoints, time and `latency` (ms). Computed once at
//! ingest from the [`Entry`] and the dissector's [`Summary`], stored next to the entry.

use mizu_dissect::{ProtocolTable, Summary};
use mizu_model::Entry;

/// The BaseEntry's compact JSON, without `id` (the store adds it). Written by hand, key
/// by key, in the order (and with the omissions) of the serde description the tests keep
/// as the reference: this runs once per stored entry.
pub fn base_entry_json(entry: &Entry, s: &Summary, protocols: &ProtocolTable) -> Vec<u8> {
    use mizu_model::json::{push_i64, push_u64, write_str_into as js};
    let p = &entry.protocol;
    let infos = protocols.infos();
    let info = infos
        .iter()
        .find(|i| i.name == p.name && i.abbr == p.abbr)
        .or_else(|| infos.iter().find(|i| i.name == p.name));
    let mut out = Vec::with_capacity(640);
    out.extend_from_slice(b"{\"proto\":{\"name\":");
    js(&mut out, &p.name);
    out.extend_from_slice(b",\"version\":");
    js(&mut out, &p.version);
    out.extend_from_slice(b",\"abbr\":");
    js(&mut out, &p.abbr);
    out.extend_from_slice(b",\"longName\":");
    js(&mut out, info.map_or(&p.abbr, |i| i.long_name));
    out.extend_from_slice(b",\"macro\":");
    js(&mut out, info.map_or(&p.name, |i| i.macro_name));
    out.extend_from_slice(b",\"backgroundColor\":");
    js(&mut out, info.map_or("#888888", |i| i.background_color));
    out.extend_from_slice(b",\"foregroundColor\":");
    js(&mut out, info.map_or("#ffffff", |i| i.foreground_color));
    out.extend_from_slice(b",\"fontSize\":12,\"referenceLink\":");
    js(&mut out, info.map_or("", |i| i.reference_link));
    out.extend_from_slice(b",\"ports\":[");
    for (n, port) in info.map_or(&[][..], |i| i.ports).iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.push(b'"');
        push_u64(&mut out, u64::from(*port));
        out.push(b'"');
    }
    out.extend_from_slice(b"],\"priority\":");
    push_u64(&mut out, u64::from(info.map_or(u8::MAX, |i| i.priority)));
    out.extend_from_slice(b"},\"capture\":");
    js(&mut out, &entry.capture);
    // The `*Query` clauses quote their value as a JSON string, then the clause itself
    // is a JSON string: built in `q`, then escaped into `out`.
    let http = p.name == "http";
    let mut q: Vec<u8> = Vec::with_capacity(64);
    let mut clause = |out: &mut Vec<u8>, prefix: &[u8], value: &str| {
        q.clear();
        q.extend_from_slice(prefix);
        js(&mut q, value);
        // Valid UTF-8: a str prefix followed by a JSON-escaped str.
        js(out, std::str::from_utf8(&q).unwrap_or_default());
    };
    out.extend_from_slice(b",\"summary\":");
    js(&mut out, &s.summary);
    out.extend_from_slice(b",\"summaryQuery\":");
    if http {
        clause(&mut out, b"request.path == ", &s.summary);
    } else {
        out.extend_from_slice(b"\"\"");
    }
    out.extend_from_slice(b",\"method\":");
    js(&mut out, &s.method);
    out.extend_from_slice(b",\"methodQuery\":");
    if http {
        clause(&mut out, b"request.method == ", &s.method);
    } else {
        out.extend_from_slice(b"\"\"");
    }
    out.extend_from_slice(b",\"status\":");
    push_i64(&mut out, s.status.unwrap_or(0));
    out.extend_from_slice(b",\"statusQuery\":");
    match s.status {
        Some(st) if http => {
            out.extend_from_slice(b"\"response.status == ");
            push_i64(&mut out, st);
            out.push(b'"');
        }
        _ => out.extend_from_slice(b"\"\""),
    }
    out.extend_from_slice(b",\"timestamp\":");
    push_i64(&mut out, entry.timestamp);
    out.extend_from_slice(b",\"src\":");
    entry.src.write_json(&mut out);
    out.extend_from_slice(b",\"dst\":");
    entry.dst.write_json(&mut out);
    out.extend_from_slice(if entry.outgoing {
        b",\"isOutgoing\":true,\"latency\":"
    } else {
        b",\"isOutgoing\":false,\"latency\":"
    });
    push_i64(&mut out, entry.elapsed_time);
    out.extend_from_slice(b",\"elapsedMicros\":");
    push_i64(&mut out, entry.elapsed_micros);
    out.extend_from_slice(b",\"namespace\":");
    js(&mut out, &entry.namespace);
    out.extend_from_slice(b",\"requestSize\":");
    push_u64(&mut out, entry.request_size);
    out.extend_from_slice(b",\"responseSize\":");
    push_u64(&mut out, entry.response_size);
    if entry.truncated {
        out.extend_from_slice(b",\"truncated\":true");
    }
    if entry.gap {
        out.extend_from_slice(b",\"gap\":true");
    }
    if let Some(n) = &entry.node {
        out.extend_from_slice(b",\"node\":{\"name\":");
        js(&mut out, &n.name);
        out.extend_from_slice(b",\"ip\":");
        js(&mut out, &n.ip);
        out.push(b'}');
    }
    if !entry.diagnostics.is_empty() {
        out.extend_from_slice(b",\"diagnostics\":");
        push_u64(&mut out, entry.diagnostics.len() as u64);
    }
    out.push(b'}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    // The serde description the hand-written writer must match byte for byte.
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

    fn reference_json(entry: &Entry, s: &Summary) -> Vec<u8> {
        let p = &entry.protocol;
        let infos = &mizu_dissectors::registry::default_registry().infos();
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

    #[test]
    fn hand_written_json_equals_the_serde_description() {
        let table = mizu_dissectors::Registry::default().table();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
        let mut entries: Vec<Entry> = Vec::new();
        for dir in std::fs::read_dir(&root).expect("testdata").flatten() {
            for f in std::fs::read_dir(dir.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if f.path().to_string_lossy().ends_with(".expected.jsonl") {
                    let text = std::fs::read_to_string(f.path()).expect("read");
                    entries.extend(text.lines().filter_map(|l| serde_json::from_str(l).ok()));
                }
            }
        }
        assert!(entries.len() > 100, "{} entries", entries.len());
        let mut odd = entries[0].clone();
        odd.truncated = true;
        odd.gap = true;
        odd.outgoing = true;
        odd.node = Some(mizu_model::Node {
            name: "node \"a\"".into(),
            ip: "10.0.0.1".into(),
        });
        odd.diagnostics = vec!["x".into(); 3];
        odd.namespace = "ns\u{1}é".into();
        let mut unknown = odd.clone();
        unknown.protocol.name = "nope".into();
        unknown.protocol.abbr = "N\\P".into();
        entries.push(odd.clone());
        entries.push(unknown);
        for e in &entries {
            let s = mizu_dissectors::registry::summarize(e);
            assert_eq!(
                String::from_utf8_lossy(&base_entry_json(e, &s, &table)),
                String::from_utf8_lossy(&reference_json(e, &s)),
            );
        }
        for (summary, method, status) in [
            ("/a\"b\\c\n\u{7f}ü\u{1f600}", "GE\"T", Some(-1)),
            ("", "", None),
            ("/x", "POST", Some(i64::MAX)),
        ] {
            let s = Summary {
                method: method.into(),
                summary: summary.into(),
                status,
            };
            for e in [&entries[0], &odd] {
                assert_eq!(
                    String::from_utf8_lossy(&base_entry_json(e, &s, &table)),
                    String::from_utf8_lossy(&reference_json(e, &s)),
                );
            }
        }
    }

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
