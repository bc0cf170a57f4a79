//! The service map, traffic stats and RED metrics routes (issue 17) over a real socket,
//! fed the entries of the multi-service capture (`testdata/services/01-mesh.pcap`, as
//! `mizu read` decodes them): the live answers equal the expected outputs committed next
//! to the capture (`crates/analysis/tests/fixture.rs` keeps those), and a filter or time
//! range builds the map of exactly the entries it selects.

mod common;

use common::{enc, get_json, http, start};
use mizu_hub::Hub;
use mizu_model::Entry;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/services")
}

fn mesh() -> Vec<Entry> {
    std::fs::read_to_string(dir().join("01-mesh.expected.jsonl"))
        .expect("read")
        .lines()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect()
}

fn expected(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir().join(name)).expect("read")).expect("json")
}

fn hub_with_mesh() -> (Hub, SocketAddr) {
    let (hub, addr) = start(common::config());
    let r = hub.ingest(mesh()).expect("ingest");
    assert_eq!(r.stored, 24);
    (hub, addr)
}

#[test]
fn live_map_and_stats_equal_the_committed_expectations() {
    let (_hub, addr) = hub_with_mesh();
    let (st, map) = get_json(addr, "/servicemap/get");
    assert_eq!(st, 200);
    assert_eq!(map, expected("01-mesh.servicemap.json"));
    let (st, stats) = get_json(addr, "/status/trafficStats");
    assert_eq!(st, 200);
    assert_eq!(stats, expected("01-mesh.stats.json"));
    let (_, status) = get_json(addr, "/servicemap/status");
    assert_eq!(status["entriesProcessedCount"], 24);
    assert_eq!(status["nodeCount"], 4);
    assert_eq!(status["edgeCount"], 5);
    assert_eq!(status["status"], "enabled");
    // Grouping by Host is built from the stored entries.
    let (_, mut host) = get_json(addr, "/servicemap/get?groupBy=host");
    let scan = host
        .as_object_mut()
        .and_then(|o| o.remove("scan"))
        .expect("scan info");
    assert_eq!(scan["matched"], 24);
    assert_eq!(scan["capped"], false);
    assert_eq!(host, expected("01-mesh.servicemap-host.json"));
}

#[test]
fn a_filter_or_a_range_maps_exactly_the_entries_it_selects() {
    let (_hub, addr) = hub_with_mesh();
    let (st, v) = get_json(addr, &format!("/servicemap/get?query={}", enc("grpc")));
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["scan"]["matched"], 6);
    let edges = v["edges"].as_array().expect("edges");
    assert_eq!(edges.len(), 2);
    assert!(edges.iter().all(|e| e["protocol"]["abbr"] == "gRPC"));
    assert_eq!(v["nodes"].as_array().map(Vec::len), Some(3));
    // An edge's own filter selects exactly that edge.
    let (_, all) = get_json(addr, "/servicemap/get");
    for e in all["edges"].as_array().expect("edges") {
        let f = e["filter"].as_str().expect("filter");
        let (_, one) = get_json(addr, &format!("/servicemap/get?query={}", enc(f)));
        assert_eq!(one["edges"].as_array().map(Vec::len), Some(1), "{f}");
        assert_eq!(one["edges"][0]["count"], e["count"], "{f}");
        assert_eq!(one["edges"][0]["errors"], e["errors"], "{f}");
    }
    // Time range: the first HTTP request's millisecond only.
    let t0 = mesh()[2].timestamp;
    let (_, v) = get_json(
        addr,
        &format!("/servicemap/get?startTimeMs={t0}&endTimeMs={}", t0 + 1),
    );
    let n: u64 = v["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["count"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(n, v["scan"]["matched"].as_u64().expect("matched"));
    assert!((1..24).contains(&n), "{v}");
    let (_, v) = get_json(
        addr,
        &format!("/servicemap/get?startTimeMs={}", t0 + 3_600_000),
    );
    assert_eq!(v["edges"].as_array().map(Vec::len), Some(0));
    // Stats with a filter.
    let (_, s) = get_json(
        addr,
        &format!("/status/trafficStats?query={}", enc("redis")),
    );
    assert_eq!(s["protocols"], serde_json::json!(["REDIS"]));
    assert_eq!(s["entriesCount"], 8);
    // A scan cap says so.
    let (_, v) = get_json(addr, "/servicemap/get?groupBy=host&scanLimit=5");
    assert_eq!(v["scan"]["matched"], 5);
    assert_eq!(v["scan"]["capped"], true);
}

#[test]
fn bad_parameters_are_clear_errors() {
    let (_hub, addr) = hub_with_mesh();
    for (path, what) in [
        ("/servicemap/get?groupBy=pods", "groupBy"),
        ("/servicemap/get?startTimeMs=5&endTimeMs=5", "startTimeMs"),
        ("/servicemap/get?startTimeMs=abc", "startTimeMs"),
        ("/servicemap/get?query=%3D%3D", "invalid query"),
        ("/status/trafficStats?top=x", "top"),
    ] {
        let (st, v) = get_json(addr, path);
        assert_eq!(st, 400, "{path}: {v}");
        assert!(
            v["error"].as_str().is_some_and(|e| e.contains(what)),
            "{path}: {v}"
        );
    }
}

#[test]
fn red_metrics_and_reset() {
    let (_hub, addr) = hub_with_mesh();
    let (st, text) = http(addr, "GET", "/metrics", "");
    assert_eq!(st, 200);
    let l = r#"source="10.254.0.11",destination="10.254.0.12",protocol="HTTP""#;
    assert!(
        text.contains(&format!("mizu_edge_requests_total{{{l}}} 10\n")),
        "{text}"
    );
    assert!(text.contains(&format!("mizu_edge_errors_total{{{l}}} 3\n")));
    assert!(text.contains(&format!(
        "mizu_edge_latency_seconds_bucket{{{l},le=\"+Inf\"}} 10\n"
    )));
    assert!(text.contains("mizu_edge_series_overflow 0\n"));
    let (st, _) = http(addr, "POST", "/servicemap/reset", "");
    assert_eq!(st, 200);
    let (_, status) = get_json(addr, "/servicemap/status");
    assert_eq!(status["entriesProcessedCount"], 0);
    let (_, map) = get_json(addr, "/servicemap/get");
    assert_eq!(map["nodes"].as_array().map(Vec::len), Some(0));
}
