//! The service map and traffic stats of the multi-service capture
//! (`testdata/services/01-mesh.pcap`, made by `scripts/fixtures/services.sh`) match the
//! committed expected JSON exactly. Input: the entries `mizu read` decodes from it (the
//! golden test's `01-mesh.expected.jsonl`). Regenerate after an intended change with
//! `UPDATE_EXPECT=1 cargo test -p mizu-analysis --test fixture` and review the diff.

use mizu_analysis::servicemap::{GroupBy, MapConfig, ServiceMap};
use mizu_analysis::stats::{StatsConfig, TrafficStats};
use mizu_model::Entry;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/services")
}

fn entries() -> Vec<Entry> {
    let text = std::fs::read_to_string(dir().join("01-mesh.expected.jsonl")).expect("read jsonl");
    text.lines()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect()
}

fn check(name: &str, got: &serde_json::Value) {
    let path = dir().join(name);
    let got = serde_json::to_string_pretty(got).expect("json") + "\n";
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &got).expect("write");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_EXPECT=1", path.display()));
    assert!(
        got == want,
        "{name} differs (UPDATE_EXPECT=1 regenerates):\n{got}"
    );
}

#[test]
fn service_map_of_the_mesh() {
    let es = entries();
    assert_eq!(es.len(), 24);
    let mut m = ServiceMap::new(MapConfig::default(), GroupBy::Name);
    for e in &es {
        m.observe(e);
    }
    let v = m.view();
    // The facts the scenario was built for (services.sh): 4 pods, web→api HTTP,
    // api→users gRPC, api→cache Redis, web→users gRPC, web→cache Redis.
    assert_eq!(v.nodes.len(), 4);
    assert_eq!(v.edges.len(), 5);
    let edge = |s: &str, d: &str, p: &str| {
        let id = |ip: &str| v.nodes.iter().find(|n| n.entry.ip == ip).map(|n| n.id);
        v.edges
            .iter()
            .find(|e| {
                Some(e.source) == id(s) && Some(e.destination) == id(d) && e.protocol.abbr == p
            })
            .unwrap_or_else(|| panic!("no edge {s} -> {d} {p}"))
    };
    let http = edge("10.254.0.11", "10.254.0.12", "HTTP");
    assert_eq!((http.count, http.errors), (10, 3)); // /boom, /cache/list-… (500), /users/bad (502)
    let grpc = edge("10.254.0.12", "10.254.0.13", "gRPC");
    assert_eq!((grpc.count, grpc.errors), (5, 1)); // INVALID_ARGUMENT for "bad"
    assert!(
        grpc.latency_ms.max >= 250.0,
        "the slow call: {:?}",
        grpc.latency_ms
    );
    let redis = edge("10.254.0.11", "10.254.0.14", "REDIS");
    assert_eq!((redis.count, redis.errors), (2, 1)); // HGET on a string: WRONGTYPE
    check(
        "01-mesh.servicemap.json",
        &serde_json::to_value(&v).expect("json"),
    );

    let mut h = ServiceMap::new(MapConfig::default(), GroupBy::Host);
    for e in &es {
        h.observe(e);
    }
    let hv = h.view();
    assert!(hv.nodes.iter().any(|n| n.name == "api.shop"));
    check(
        "01-mesh.servicemap-host.json",
        &serde_json::to_value(&hv).expect("json"),
    );

    let mut out = String::new();
    m.render_prometheus(100, &mut out);
    assert!(out.contains(
        "mizu_edge_errors_total{source=\"10.254.0.12\",destination=\"10.254.0.13\",protocol=\"gRPC\"} 1\n"
    ));
}

#[test]
fn traffic_stats_of_the_mesh() {
    let es = entries();
    let mut s = TrafficStats::new(StatsConfig::default());
    for e in &es {
        s.observe(e, &e.dst.ip);
    }
    let v = s.view(None, None, 10);
    assert_eq!(v.entries_count, 24);
    assert_eq!(v.protocols, ["HTTP", "REDIS", "gRPC"]);
    let classes: u64 = v
        .status_classes
        .iter()
        .flat_map(|c| c.classes.values())
        .sum();
    assert_eq!(classes, 24);
    assert_eq!(v.top_endpoints.by_p99[0].path, "/slow");
    check(
        "01-mesh.stats.json",
        &serde_json::to_value(&v).expect("json"),
    );
}
