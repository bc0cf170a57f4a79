//! The hub knows protocols only through the `ProtocolTable` it is given: a protocol no
//! dissector speaks, described by a table built in this test, gets its colours, its
//! list-row summary and its filter macro (REST, validation, insertion filter), and a hub
//! given the default (empty) table knows none of them.

mod common;

use common::{enc, get_json, http, http1_entries, start};
use mizu_dissect::{ProtocolInfo, ProtocolTable, Summary};
use mizu_hub::{Hub, HubConfig};
use serde_json::Value;

static ZZ: ProtocolInfo = ProtocolInfo {
    id: "zz",
    name: "zz",
    version: "7",
    abbr: "ZZ",
    long_name: "A protocol only this test knows",
    macro_name: "zz",
    macros: &[("zz", r#"protocol.name == "zz""#)],
    background_color: "#123456",
    foreground_color: "#abcdef",
    reference_link: "https://example.invalid/zz",
    ports: &[7777],
    priority: 9,
};

fn table() -> ProtocolTable {
    ProtocolTable::new(vec![&ZZ], |e| {
        (e.protocol.name == "zz").then(|| Summary {
            method: "ZAP".into(),
            summary: format!("zz {}", e.request_size),
            status: None,
        })
    })
}

/// Three HTTP entries, the first two turned into `zz` ones.
fn entries() -> Vec<mizu_model::Entry> {
    let mut all: Vec<_> = http1_entries().into_iter().take(3).collect();
    for e in all.iter_mut().take(2) {
        e.protocol = ZZ.protocol();
        e.request = mizu_model::Payload::None;
        e.response = mizu_model::Payload::None;
    }
    all
}

fn list(addr: std::net::SocketAddr, query: &str) -> Vec<Value> {
    let (st, v) = get_json(addr, &format!("/entries?query={}&limit=10", enc(query)));
    assert_eq!(st, 200, "{v}");
    v["data"].as_array().expect("data").clone()
}

#[test]
fn colours_summaries_and_macros_come_from_the_table() {
    let (hub, addr) = start(HubConfig {
        protocols: table(),
        ..HubConfig::default()
    });
    assert_eq!(hub.ingest(entries()).expect("ingest").stored, 3);
    let zz = list(addr, "zz");
    assert_eq!(zz.len(), 2, "{zz:?}");
    for b in &zz {
        assert_eq!(b["proto"]["backgroundColor"], "#123456");
        assert_eq!(b["proto"]["foregroundColor"], "#abcdef");
        assert_eq!(b["proto"]["longName"], ZZ.long_name);
        assert_eq!(b["proto"]["macro"], "zz");
        assert_eq!(b["proto"]["ports"], serde_json::json!(["7777"]));
        assert_eq!(b["method"], "ZAP");
        assert!(b["summary"].as_str().expect("summary").starts_with("zz "));
    }
    // The HTTP entry: no protocol of the table claims it, so the generic summary and the
    // grey badge; the built-in `http` macro still works.
    let http_rows = list(addr, "http");
    assert_eq!(http_rows.len(), 1);
    assert_eq!(http_rows[0]["proto"]["backgroundColor"], "#888888");
    assert!(!http_rows[0]["method"].as_str().unwrap_or("").is_empty());
    let (st, body) = http(
        addr,
        "POST",
        "/query/validate",
        r#"{"query": "zz and !http"}"#,
    );
    assert_eq!(st, 200);
    assert!(body.contains(r#""valid":true"#), "{body}");

    // The insertion filter is compiled with the same macros.
    let keep_zz = Hub::new(HubConfig {
        protocols: table(),
        insertion_filter: Some("zz".into()),
        ..HubConfig::default()
    })
    .expect("hub");
    let r = keep_zz.ingest(entries()).expect("ingest");
    assert_eq!((r.stored, r.filtered), (2, 1));
}

#[test]
fn a_hub_with_the_default_table_knows_no_protocol() {
    let (hub, addr) = start(HubConfig::default());
    hub.ingest(entries()).expect("ingest");
    // `zz` is a plain selector here (a missing field): it matches nothing.
    assert!(list(addr, "zz").is_empty());
    let all = list(addr, "");
    assert_eq!(all.len(), 3);
    for b in all.iter().filter(|b| b["proto"]["name"] == "zz") {
        assert_eq!(b["proto"]["backgroundColor"], "#888888");
        assert_eq!(b["summary"], "ZZ", "generic summary: the badge text");
    }
}
