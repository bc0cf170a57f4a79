//! The hub's API through real sockets: a hub on an ephemeral port, a tiny HTTP/1.1 client
//! over `TcpStream`, and `tungstenite` for WebSockets. Covers list/get/validate/status/
//! version/metrics, WebSocket query + live push, agent ingest with right and wrong
//! tokens, invalid input of every kind, and that the hub keeps serving afterwards.

mod common;

use common::{config, enc, get_json, http, http1_entries as entries, next_json, start};
use mizu_hub::{Hub, HubConfig, Limits};
use mizu_model::Entry;
use serde_json::{Value, json};
use std::net::{SocketAddr, TcpStream};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Message, WebSocket};

/// A WebSocket with an optional bearer token; a refused handshake is its status.
fn ws(addr: SocketAddr, path: &str, token: Option<&str>) -> Result<WebSocket<TcpStream>, u16> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&'static str, &str)> =
        auth.iter().map(|a| ("Authorization", a.as_str())).collect();
    common::ws(addr, path, &headers).map_err(|(status, _)| status)
}

fn send(s: &mut WebSocket<TcpStream>, v: &Value) {
    s.send(Message::text(v.to_string())).expect("ws send");
}

#[test]
fn rest_list_get_validate_status_version_metrics() {
    let (hub, addr) = start(config());
    let all = entries();
    let n = all.len();
    let report = hub.ingest(all).expect("ingest");
    assert_eq!(report.stored as usize, n);

    // Newest first by default, BaseEntry shape.
    let (st, v) = get_json(addr, "/entries?limit=5");
    assert_eq!(st, 200);
    let data = v["data"].as_array().expect("data");
    assert_eq!(data.len(), 5);
    assert_eq!(data[0]["id"], format!("{n:024}"));
    let e = &data[0];
    for k in [
        "proto",
        "summary",
        "method",
        "status",
        "timestamp",
        "src",
        "dst",
        "latency",
    ] {
        assert!(e.get(k).is_some(), "BaseEntry has {k}: {e}");
    }
    assert_eq!(e["proto"]["abbr"], "HTTP");
    assert_eq!(v["meta"]["total"], n);
    assert_eq!(v["meta"]["leftOff"], format!("{:024}", n - 4));
    assert_eq!(v["meta"]["truncatedTimestamp"], 0);

    // Filter, both directions, leftOff.
    let q = enc(r#"request.method == "POST""#);
    let (_, v) = get_json(addr, &format!("/entries?query={q}&limit=100"));
    let posts = v["data"].as_array().expect("data");
    assert_eq!(posts.len(), 7);
    assert!(posts.iter().all(|e| e["method"] == "POST"));
    // Filters the facets settle alone, in part, or not at all give what evaluating the
    // parsed entries gives.
    let parsed: Vec<Value> = entries()
        .iter()
        .map(|e| serde_json::to_value(e).expect("json"))
        .collect();
    for src in [
        "http and response.status >= 400",
        r#"request.path == "/json""#,
        r#"request.method != "GET" or response.status == r"^2""#,
        r#"http and request.headers["User-Agent"].startsWith("curl")"#,
        r#"!(request.headers["accept"] == nil) and protocol.version == "1.1""#,
    ] {
        let q = mizu_query::compile(src).expect("filter");
        let ctx = mizu_query::EvalContext { now_ms: 0 };
        let want = parsed.iter().filter(|e| q.matches(e, &ctx)).count();
        assert!(want > 0 && want < n, "{src}: {want} of {n}");
        for direction in ["1", "-1"] {
            let left = if direction == "1" { "0" } else { "latest" };
            let (_, v) = get_json(
                addr,
                &format!(
                    "/entries?query={}&limit={n}&direction={direction}&leftOff={left}",
                    enc(src)
                ),
            );
            let got = v["data"].as_array().expect("data").len();
            assert_eq!(got, want, "{src} direction {direction}");
        }
    }
    let (_, v) = get_json(addr, "/entries/?leftOff=3&direction=1&limit=2");
    let ids: Vec<&str> = v["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|e| e["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, [format!("{:024}", 4), format!("{:024}", 5)]);

    // Invalid input: 400 with the position.
    let (st, v) = get_json(
        addr,
        &format!("/entries?query={}", enc("response.status ==")),
    );
    assert_eq!(st, 400);
    assert!(
        v["error"]
            .as_str()
            .expect("error")
            .contains("invalid query")
    );
    assert_eq!(v["offset"], 18);
    assert_eq!(v["line"], 1);
    assert_eq!(get_json(addr, "/entries?direction=2").0, 400);
    assert_eq!(get_json(addr, "/entries?limit=lots").0, 400);
    assert_eq!(get_json(addr, "/entries?leftOff=abc").0, 400);

    // One entry, with and without redact(...).
    let (st, v) = get_json(addr, "/entries/1");
    assert_eq!(st, 200);
    assert_eq!(v["data"]["id"], format!("{:024}", 1));
    assert!(v["data"]["request"]["headers"]["User-Agent"].is_string());
    assert_eq!(v["base"]["id"], v["data"]["id"]);
    let q = enc(r#"redact("request.headers.Accept")"#);
    let (st, v) = get_json(addr, &format!("/entries/1?query={q}"));
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["request"]["headers"]["Accept"], "[REDACTED]");
    let (st, v) = get_json(addr, "/entries/999999");
    assert_eq!(st, 404);
    assert!(v["error"].as_str().expect("error").contains("no entry"));
    assert_eq!(get_json(addr, "/entries/xyz").0, 400);

    // Validate.
    let (st, body) = http(
        addr,
        "POST",
        "/query/validate",
        r#"{"query":"http and response.status == 200"}"#,
    );
    assert_eq!(st, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json")["valid"],
        true
    );
    let (_, body) = http(addr, "POST", "/query/validate", r#"{"query":"http and"}"#);
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["valid"], false);
    assert!(v["message"].as_str().expect("message").contains("at 1:"));
    assert!(v["offset"].is_number());
    let (st, body) = http(addr, "POST", "/query/validate", "{not json");
    assert_eq!(st, 400);
    assert!(body.contains("body must be JSON"));

    // Status, version, metrics, unknown route.
    let (st, v) = get_json(addr, "/status");
    assert_eq!(st, 200);
    assert_eq!(v["store"]["entries"], n);
    assert_eq!(v["store"]["budget"], 200_000_000);
    assert!(v["store"]["bytes"].as_u64().expect("bytes") > 0);
    assert_eq!(v["agentsConnected"], 0);
    let (st, v) = get_json(addr, "/version");
    assert_eq!(st, 200);
    assert!(v["ver"].is_string());
    let (st, text) = http(addr, "GET", "/metrics", "");
    assert_eq!(st, 200);
    assert!(text.contains(&format!("mizu_hub_entries_ingested_total {n}")));
    assert!(text.contains("# TYPE mizu_hub_store_bytes gauge"));
    assert!(text.contains("mizu_hub_query_errors_total 2"));
    assert_eq!(get_json(addr, "/status/nope").0, 404);
}

#[test]
fn websocket_history_then_live_and_query_replacement() {
    let (hub, addr) = start(config());
    let all = entries();
    hub.ingest(all.clone()).expect("ingest");
    let mut s = ws(addr, "/ws", None).expect("ws");
    assert_eq!(next_json(&mut s)["messageType"], "startTime");
    assert_eq!(next_json(&mut s)["messageType"], "status");
    send(
        &mut s,
        &json!({"leftOff": "latest", "query": "request.method == \"POST\"", "limit": 3}),
    );
    let mut ids = Vec::new();
    for _ in 0..3 {
        let m = next_json(&mut s);
        assert_eq!(m["messageType"], "entry", "{m}");
        assert_eq!(m["data"]["method"], "POST");
        ids.push(m["data"]["id"].as_str().expect("id").to_owned());
    }
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "history is sent oldest first");
    let meta = next_json(&mut s);
    assert_eq!(meta["messageType"], "queryMetadata");
    assert_eq!(meta["data"]["matched"], 3);
    // Live: only matching entries arrive.
    let n = all.len();
    hub.ingest(all.clone()).expect("ingest");
    let m = next_json(&mut s);
    assert_eq!(m["messageType"], "entry");
    assert_eq!(m["data"]["method"], "POST");
    assert!(m["data"]["id"].as_str().expect("id") > format!("{n:024}").as_str());
    for _ in 0..6 {
        assert_eq!(next_json(&mut s)["data"]["method"], "POST");
    }
    // A new query replaces the old one; Mizu's message shape with full entries.
    send(
        &mut s,
        &json!({"leftOff": "latest", "query": "response.status == 404", "enableFullEntries": true, "fetch": 50, "timeoutMs": 2000}),
    );
    loop {
        let m = next_json(&mut s);
        if m["messageType"] == "queryMetadata" {
            break;
        }
        assert_eq!(m["messageType"], "fullEntry");
        assert_eq!(m["data"]["response"]["status"], 404);
    }
    // An invalid query: a toast with the position, the socket stays usable.
    send(&mut s, &json!({"query": "response.status =="}));
    let m = next_json(&mut s);
    assert_eq!(m["messageType"], "toast");
    assert!(
        m["data"]["text"]
            .as_str()
            .expect("text")
            .contains("invalid query")
    );
    assert_eq!(next_json(&mut s)["messageType"], "queryMetadata");
    s.send(Message::text("not json")).expect("send");
    assert_eq!(next_json(&mut s)["messageType"], "toast");
    send(
        &mut s,
        &json!({"leftOff": "latest", "query": "", "limit": 1}),
    );
    assert_eq!(next_json(&mut s)["messageType"], "entry");
    assert_eq!(get_json(addr, "/status").1["wsClients"], 1);
}

fn agent_config(token: &str) -> HubConfig {
    HubConfig {
        token: Some(token.to_owned()),
        limits: Limits {
            max_message_bytes: 64 << 10,
            max_batch_entries: 50,
            ..Limits::default()
        },
        ..config()
    }
}

#[test]
fn agent_ingest_needs_the_token() {
    let (_, addr) = start(config());
    assert_eq!(ws(addr, "/agents/ws", Some("x")).err(), Some(403));
    let (st, body) = http(addr, "GET", "/agents/ws", "");
    assert_eq!(st, 403);
    assert!(body.contains("--token"));

    let (_, addr) = start(agent_config("s3cret"));
    assert_eq!(ws(addr, "/agents/ws", Some("wrong")).err(), Some(401));
    assert_eq!(ws(addr, "/agents/ws", None).err(), Some(401));
    assert!(ws(addr, "/agents/ws", Some("s3cret")).is_ok());
    assert!(
        http(addr, "GET", "/metrics", "")
            .1
            .contains("mizu_hub_auth_failures_total 2")
    );
}

#[test]
fn agent_batches_status_and_bad_input() {
    let (_, addr) = start(agent_config("t"));
    let mut s = ws(addr, "/agents/ws?agent=a1&node=n1", Some("t")).expect("ws");
    let small: Vec<Value> = entries()
        .into_iter()
        .filter(|e| e.request_size + e.response_size < 4000)
        .take(10)
        .map(|e| serde_json::to_value(e).expect("value"))
        .collect();
    send(
        &mut s,
        &json!({"type": "entries", "seq": 1, "entries": small}),
    );
    let ack = next_json(&mut s);
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["seq"], 1);
    assert_eq!(ack["stored"], 10);
    assert_eq!(ack["firstId"], format!("{:024}", 1));
    assert_eq!(ack["lastId"], format!("{:024}", 10));
    // Every entry is tagged with the agent's node; filters and the list see it.
    let (_, page) = get_json(
        addr,
        "/entries?query=node.name%20%3D%3D%20%22n1%22&limit=100",
    );
    assert_eq!(page["data"].as_array().map(Vec::len), Some(10), "{page}");
    assert_eq!(page["data"][0]["node"]["name"], "n1");
    let (_, none) = get_json(addr, "/entries?query=node.name%20%3D%3D%20%22n2%22");
    assert_eq!(none["data"].as_array().map(Vec::len), Some(0));
    let (_, one) = get_json(addr, &format!("/entries/{:024}", 1));
    assert_eq!(one["data"]["node"]["name"], "n1");
    // Status message: no answer, shows in /status.
    send(
        &mut s,
        &json!({"type": "status", "packets": 1234, "drops": 5, "entries": 10}),
    );
    // Bad JSON: an error frame, the connection stays usable.
    s.send(Message::text("{\"type\": \"entries\", oops"))
        .expect("send");
    let err = next_json(&mut s);
    assert_eq!(err["type"], "error");
    assert!(
        err["message"]
            .as_str()
            .expect("message")
            .contains("bad message")
    );
    // A batch with one invalid entry: the rest is stored, the bad one listed.
    send(
        &mut s,
        &json!({"type": "entries", "seq": 2, "entries": [small[0], {"nope": 1}]}),
    );
    let ack = next_json(&mut s);
    assert_eq!(ack["stored"], 1);
    assert_eq!(ack["invalid"], 1);
    assert_eq!(ack["errors"][0]["index"], 1);
    // Too many entries in a batch.
    let many: Vec<Value> = (0..51).map(|_| json!({})).collect();
    send(
        &mut s,
        &json!({"type": "entries", "seq": 3, "entries": many}),
    );
    let err = next_json(&mut s);
    assert_eq!(err["type"], "error");
    assert_eq!(err["seq"], 3);
    assert!(
        err["message"]
            .as_str()
            .expect("m")
            .contains("over the limit")
    );

    let (_, st) = get_json(addr, "/status");
    assert_eq!(st["agentsConnected"], 1);
    let a = &st["agents"][0];
    assert_eq!(a["agent"], "a1");
    assert_eq!(a["node"], "n1");
    assert_eq!(a["packets"], 1234);
    assert_eq!(a["drops"], 5);
    assert_eq!(a["ingested"], 11);

    // Oversized message: closed with 1009, the hub keeps serving.
    s.send(Message::text("x".repeat(100 << 10))).expect("send");
    let close = loop {
        match s.read() {
            Ok(Message::Close(c)) => break c,
            Ok(_) => {}
            Err(e) => panic!("expected a close frame, got {e}"),
        }
    };
    let close = close.expect("close frame");
    assert_eq!(close.code, CloseCode::Size);
    assert!(close.reason.contains("over the limit"));
    assert_eq!(get_json(addr, "/status").0, 200);
    let (_, v) = get_json(addr, "/entries?limit=100");
    assert_eq!(v["data"].as_array().expect("data").len(), 11);
    // And a new agent connection works.
    let mut s2 = ws(addr, "/agents/ws", Some("t")).expect("ws");
    send(&mut s2, &json!({"type": "entries", "entries": [small[1]]}));
    assert_eq!(next_json(&mut s2)["stored"], 1);
}

#[test]
fn insertion_filter_redaction_and_ignored_agents() {
    let (hub, addr) = start(HubConfig {
        redact: true,
        ignored_user_agents: vec!["mizu-pipeline".into()],
        insertion_filter: Some("request.method != \"HEAD\"".into()),
        ..config()
    });
    let all = entries();
    let heads = all
        .iter()
        .filter(|e| {
            e.request
                .as_http_request()
                .is_some_and(|r| r.method == "HEAD")
        })
        .count();
    let pipelined = 6;
    let r = hub.ingest(all.clone()).expect("ingest");
    assert!(heads > 0);
    assert_eq!(r.filtered as usize, heads + pipelined);
    assert_eq!(r.stored as usize, all.len() - heads - pipelined);
    // Cookies (09-forms-multipart-cookies) are masked.
    let (_, v) = get_json(
        addr,
        &format!(
            "/entries?limit=100&query={}",
            enc("request.path == \"/cookie\"")
        ),
    );
    let rows = v["data"].as_array().expect("data");
    assert!(!rows.is_empty(), "entries with cookies");
    let id = rows[0]["id"].as_str().expect("id");
    let (_, full) = get_json(addr, &format!("/entries/{id}"));
    assert_eq!(full["data"]["request"]["headers"]["Cookie"], "[REDACTED]");
    let text = http(addr, "GET", "/metrics", "").1;
    assert!(text.contains(&format!(
        "mizu_hub_entries_dropped_total{{reason=\"insertion_filter\"}} {heads}"
    )));
    assert!(text.contains("reason=\"ignored_user_agent\"} 6"));
    // An invalid insertion filter is refused at start.
    let bad = Hub::new(HubConfig {
        insertion_filter: Some("((".into()),
        ..config()
    });
    assert!(matches!(bad, Err(mizu_hub::HubError::InsertionFilter(_))));
}

#[test]
fn eviction_is_visible_through_the_api() {
    let (hub, addr) = start(HubConfig {
        store: mizu_store::StoreConfig {
            max_bytes: 200_000,
            sync: false,
            ..mizu_store::StoreConfig::default()
        },
        ..config()
    });
    let small: Vec<Entry> = entries()
        .into_iter()
        .filter(|e| e.request_size + e.response_size < 2000)
        .collect();
    for _ in 0..20 {
        hub.ingest(small.clone()).expect("ingest");
    }
    let (_, v) = get_json(addr, "/entries?limit=1");
    let t = v["meta"]["truncatedTimestamp"].as_i64().expect("ts");
    assert!(t > 0);
    let (st, v) = get_json(addr, "/entries/1");
    assert_eq!(st, 410);
    assert!(v["error"].as_str().expect("e").contains("evicted"));
    let (_, s) = get_json(addr, "/status");
    assert!(s["store"]["evicted"].as_u64().expect("evicted") > 0);
    assert!(s["store"]["bytes"].as_u64().expect("bytes") <= 200_000);
}
