//! The datagram protocol added as one folder and one registry line: everything that is
//! derived from the registry works for it with no other edit — the filter macro (`mizu
//! read --filter statsd`), the hub's colours and summary, the port hints, `--stats` —
//! and its captures (real client libraries, `scripts/fixtures/statsd.sh`) decode to
//! exactly the lines the receiving server got.

mod common;

use common::{mizu, read_entries, repo_root};

fn capture(name: &str) -> std::path::PathBuf {
    repo_root().join("testdata/statsd").join(name)
}

#[test]
fn every_line_the_server_received_is_one_entry() {
    for case in ["01-etsy", "02-dog"] {
        let entries = read_entries(&capture(&format!("{case}.pcap")));
        let received =
            std::fs::read_to_string(capture(&format!("{case}.received.txt"))).expect("truth");
        let lines: Vec<&str> = received.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(entries.len(), lines.len(), "{case}");
        for (e, line) in entries.iter().zip(&lines) {
            assert_eq!(e["protocol"]["name"], "statsd");
            assert_eq!(e["dst"]["port"], "8125");
            assert_eq!(e["requestSize"], line.len());
            assert!(e.get("diagnostics").is_none(), "{case}: {e}");
            let req = &e["request"];
            match req.get("line") {
                Some(l) => assert_eq!(l, line),
                None => assert!(
                    line.starts_with(&format!("{}:", req["name"].as_str().expect("name"))),
                    "{line} vs {req}"
                ),
            }
        }
    }
}

#[test]
fn its_filter_macro_works_without_being_declared_anywhere_else() {
    let out = mizu(&[
        "read",
        "--format",
        "jsonl",
        "--filter",
        r#"statsd and request.kind == "gauge""#,
        capture("01-etsy.pcap").to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            v["request"]["name"].as_str().expect("name").to_owned()
        })
        .collect();
    assert_eq!(
        names,
        ["shop.queue.depth", "shop.queue.depth", "shop.batch.b"]
    );
}

#[test]
fn hub_colours_summary_and_port_hints_come_from_the_registry() {
    let entries = read_entries(&capture("02-dog.pcap"));
    let entry: mizu_model::Entry = serde_json::from_value(entries[0].clone()).expect("entry");
    let summary = mizu_dissectors::registry::summarize(&entry);
    assert_eq!(summary.method, "counter");
    assert_eq!(summary.summary, "api.requests");
    let base: serde_json::Value = serde_json::from_slice(&mizu_hub::base::base_entry_json(
        &entry,
        &summary,
        &mizu_dissectors::Registry::default().table(),
    ))
    .expect("json");
    assert_eq!(base["proto"]["abbr"], "STATSD");
    assert_eq!(base["proto"]["macro"], "statsd");
    assert_eq!(base["proto"]["backgroundColor"], "#6c3d91");
    assert_eq!(base["proto"]["ports"], serde_json::json!(["8125"]));
    let registry = mizu_dissectors::Registry::default();
    assert!(registry.server_ports().contains(&8125));
    assert!(
        registry
            .macros()
            .contains(&("statsd", r#"protocol.name == "statsd""#))
    );
}

/// Its facet (the interned `protocol.name`/`abbr`/`version` the store's prefilter reads)
/// comes from the registry too: a hub built with the registry's table decides `statsd`
/// from the facets alone, while `crates/query/src/facets.rs` names no protocol.
#[test]
fn its_facet_comes_from_the_registry_not_from_facets_rs() {
    use mizu_hub::filter::{Filter, Language};
    use mizu_store::Tri;
    let entries = read_entries(&capture("01-etsy.pcap"));
    let json = serde_json::to_vec(&entries[0]).expect("json");
    let registry = mizu_dissectors::Registry::default();
    let lang = Language::new(&registry.table());
    let facets = lang.facet_table().facets(&json);
    for (src, want) in [
        ("statsd", Tri::True),
        (r#"protocol.abbr == "STATSD""#, Tri::True),
        (r#"protocol.version == "1.0" and statsd"#, Tri::True),
        ("http or redis", Tri::False),
    ] {
        let f = Filter::compile(src, &lang).expect("filter");
        assert_eq!(f.prefilter(&facets), want, "{src}");
    }
    // A hub told of no protocol: `statsd` is not in its table (unlisted), so a filter
    // naming it cannot be decided from the facets (it is evaluated in full).
    let bare = Language::new(&mizu_dissect::ProtocolTable::default());
    let f = Filter::compile(r#"protocol.name == "statsd""#, &bare).expect("filter");
    assert_eq!(f.prefilter(&bare.facet_table().facets(&json)), Tri::Unknown);
    // No protocol is written down in the facet code.
    let src =
        std::fs::read_to_string(repo_root().join("crates/query/src/facets.rs")).expect("facets.rs");
    let code = src.split("#[cfg(test)]").next().unwrap_or_default();
    for info in registry.infos() {
        for name in [info.name, info.abbr] {
            assert!(
                !code.contains(&format!("\"{name}\"")),
                "facets.rs names `{name}`"
            );
        }
    }
}

#[test]
fn stats_count_datagrams_and_the_protocol() {
    let out = mizu(&[
        "read",
        "--format",
        "none",
        "--stats-json",
        capture("01-etsy.pcap").to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stderr);
    let start = text.find('{').expect("stats JSON on stderr");
    let v: serde_json::Value = serde_json::from_str(text[start..].trim()).expect("json");
    let engine = v.get("engine").unwrap_or(&v);
    assert_eq!(engine["datagrams"]["datagrams"], 9, "{v}");
    assert_eq!(engine["datagrams"]["flows_dissected"], 1, "{v}");
    assert_eq!(engine["datagrams"]["unrecognised_bytes"], 0, "{v}");
    assert_eq!(engine["protocols"]["statsd"]["entries"], 11, "{v}");
}
