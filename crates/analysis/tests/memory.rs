//! Memory stays bounded by configuration, not by input (issue 17): 200k distinct paths
//! and 10k distinct endpoints (generated entries) leave the service map and the stats at
//! their bounds, with what did not fit counted.

use mizu_analysis::servicemap::{GroupBy, MapConfig, ServiceMap};
use mizu_analysis::stats::{StatsConfig, TrafficStats};
use mizu_model::{Endpoint, Entry, HttpRequest, HttpResponse, Payload, Protocol};

fn entry(i: u64, path: String, src: u64, dst: u64) -> Entry {
    let ep = |n: u64, port: &str| Endpoint {
        ip: format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255).into(),
        port: port.into(),
        name: Default::default(),
    };
    Entry {
        id: String::new(),
        protocol: Protocol {
            name: "http".into(),
            version: "1.1".into(),
            abbr: "HTTP".into(),
        },
        capture: "pcap".into(),
        src: ep(src, "40000"),
        dst: ep(dst, "80"),
        namespace: String::new(),
        outgoing: false,
        timestamp: 1_800_000_000_000 + (i as i64) * 10,
        start_time: String::new(),
        elapsed_time: (i % 500) as i64,
        elapsed_micros: ((i * 7919) % 2_000_000) as i64,
        request: Payload::HttpRequest(Box::new(HttpRequest {
            method: "GET".into(),
            path,
            ..Default::default()
        })),
        response: Payload::HttpResponse(Box::new(HttpResponse {
            status: if i.is_multiple_of(10) { 500 } else { 200 },
            ..Default::default()
        })),
        request_size: 100,
        response_size: 200,
        truncated: false,
        gap: false,
        diagnostics: Vec::new(),
        flow: i,
        node: None,
    }
}

#[test]
fn bounded_under_200k_paths_and_10k_endpoints() {
    let map_cfg = MapConfig::default();
    let stats_cfg = StatsConfig::default();
    let mut map = ServiceMap::new(map_cfg, GroupBy::Name);
    let mut stats = TrafficStats::new(stats_cfg);
    let mut peak_map = 0usize;
    let mut peak_stats = 0usize;
    for i in 0..200_000u64 {
        // 200k distinct paths; 10k distinct server endpoints; sources cycle over 50.
        let e = entry(
            i,
            format!("/items/{i}/{}", "x".repeat((i % 300) as usize)),
            i % 50,
            1000 + i % 10_000,
        );
        map.observe(&e);
        stats.observe(&e, &e.dst.ip);
        if i.is_multiple_of(20_000) {
            peak_map = peak_map.max(map.heap_bytes());
            peak_stats = peak_stats.max(stats.heap_bytes());
        }
    }
    peak_map = peak_map.max(map.heap_bytes());
    peak_stats = peak_stats.max(stats.heap_bytes());
    let st = map.status();
    assert!(st.node_count <= map_cfg.max_nodes);
    assert!(st.edge_count <= map_cfg.max_edges);
    assert!(st.overflow.entries > 0, "the bounds were reached: {st:?}");
    assert_eq!(st.entries_processed_count, 200_000);
    assert_eq!(stats.endpoint_count(), stats_cfg.max_endpoints);
    let v = stats.view(None, None, 10);
    assert_eq!(
        v.overflow.endpoints,
        200_000 - stats_cfg.max_endpoints as u64
    );
    assert_eq!(v.entries_count, 200_000);
    assert!(v.timeline.len() <= 30);
    // The bounds in bytes: nodes/edges/endpoints at their caps with paths cut at 256 B.
    assert!(peak_map < 8 << 20, "service map holds {peak_map} bytes");
    assert!(peak_stats < 16 << 20, "stats hold {peak_stats} bytes");
}
