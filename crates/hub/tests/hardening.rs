//! Issue 12 items 8-10 through real sockets: every error is JSON (including the ones hyper
//! answers itself), `/ws` cannot be locked by idle sockets, the optional UI token, and the
//! bounded agent list of `/status`.

mod common;

use common::{config, next_json, request_with as request, start, ws as ws_request};
use mizu_hub::{HubConfig, Limits};
use mizu_model::Entry;
use serde_json::{Value, json};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Message, WebSocket};

/// Sends raw request bytes; returns status, head and body of the response.
fn raw(addr: SocketAddr, request: &[u8]) -> (u16, String, String) {
    let (status, head, body) = common::raw(addr, request);
    (status, head, String::from_utf8_lossy(&body).into_owned())
}

/// Asserts a JSON error with this status whose message contains `says`.
fn assert_json_error(got: (u16, String, String), status: u16, says: &str) {
    let (st, head, body) = got;
    assert_eq!(st, status, "{head}\n{body}");
    assert!(head.contains("content-type: application/json"), "{head}");
    let v: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let msg = v["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message: {body}"));
    assert!(
        msg.contains(says),
        "{status}: `{msg}` does not say `{says}`"
    );
}

#[test]
fn every_error_is_json_with_a_message() {
    let (_hub, addr) = start(HubConfig {
        limits: Limits {
            max_message_bytes: 4096,
            ..Limits::default()
        },
        ..config()
    });
    // hyper's own answers: URL over 65534 bytes, head over its buffer, raw 0xFF.
    let long = format!("/entries?query={}", "a".repeat(70_000));
    assert_json_error(request(addr, "GET", &long, "", ""), 414, "URL too long");
    let big = format!("X-Big: {}\r\n", "b".repeat(500_000));
    assert_json_error(
        request(addr, "GET", "/status", &big, ""),
        431,
        "request head too large",
    );
    let mut bad = b"GET /entries?q=\xff HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
    assert_json_error(raw(addr, &bad), 400, "0xFF");
    bad = b"BROKEN\r\n\r\n".to_vec();
    assert_json_error(raw(addr, &bad), 400, "not valid HTTP/1.1");
    // axum's: body over the limit, wrong method, unknown route, not a WebSocket upgrade.
    let body = format!("{{\"query\":\"{}\"}}", "x".repeat(5000));
    assert_json_error(
        request(addr, "POST", "/query/validate", "", &body),
        413,
        "over 4096 bytes",
    );
    let (st, head, b) = request(addr, "DELETE", "/entries", "", "");
    assert!(head.contains("allow: "), "{head}");
    assert_json_error((st, head, b), 405, "method not allowed");
    // Unknown API paths are JSON; other GETs get the web UI (client-side routes).
    assert_json_error(
        request(addr, "GET", "/status/nope", "", ""),
        404,
        "no such route",
    );
    assert_json_error(request(addr, "POST", "/nope", "", ""), 404, "no such route");
    assert_json_error(request(addr, "GET", "/ws", "", ""), 400, "WebSocket");
    assert_json_error(
        request(addr, "GET", "/entries/abc", "", ""),
        400,
        "not an entry id",
    );
    assert_json_error(
        request(addr, "GET", "/entries/12", "", ""),
        404,
        "no entry with id 12",
    );
    assert_json_error(
        request(addr, "GET", "/entries?direction=2", "", ""),
        400,
        "`direction`",
    );
    assert_json_error(
        request(addr, "GET", "/entries?limit=x", "", ""),
        400,
        "`limit`",
    );
    assert_json_error(
        request(addr, "POST", "/query/validate", "", "not json"),
        400,
        "body must be JSON",
    );
    // Still serving.
    let (st, _, body) = request(addr, "GET", "/status", "", "");
    assert_eq!(st, 200, "{body}");
}

/// Reads until the socket is closed; returns the close code and reason.
fn closed(s: &mut WebSocket<TcpStream>) -> (CloseCode, String) {
    loop {
        match s.read() {
            Ok(Message::Close(Some(c))) => return (c.code, c.reason.to_string()),
            Ok(Message::Close(None)) => return (CloseCode::Status, String::new()),
            Ok(_) => {}
            Err(e) => panic!("no close frame: {e}"),
        }
    }
}

fn entries(n: usize) -> Vec<Entry> {
    let line = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/http1/01-keepalive-bridge.expected.jsonl"),
    )
    .expect("testdata");
    let e: Entry = serde_json::from_str(line.lines().next().expect("a line")).expect("entry");
    vec![e; n]
}

#[test]
fn idle_sockets_cannot_lock_out_a_real_client() {
    // Default limits: the per-address share (32) is what 300 sockets from one address hit.
    three_hundred_idle_sockets(Limits::default(), 32);
    // Per-address limit out of the way: the 256 slots in total are what they hit.
    three_hundred_idle_sockets(
        Limits {
            max_ws_per_address: 1000,
            ..Limits::default()
        },
        256,
    );
}

fn three_hundred_idle_sockets(limits: Limits, held: usize) {
    let (hub, addr) = start(HubConfig { limits, ..config() });
    hub.ingest(entries(3)).expect("ingest");
    // 300 sockets that never send a query, all from 127.0.0.1. Past the limit, each gets
    // in by displacing the oldest idle one.
    let mut idle = Vec::new();
    for i in 0..300 {
        match ws_request(addr, "/ws", &[]) {
            Ok(s) => idle.push(s),
            Err(e) => panic!("idle socket {i} refused: {e:?}"),
        }
    }
    assert_eq!(hub.ws_slots_used(), held);
    // A real client still connects, queries, and gets the stored entries and live ones.
    let mut c = ws_request(addr, "/ws", &[]).expect("a real client gets in");
    assert_eq!(next_json(&mut c)["messageType"], "startTime");
    assert_eq!(next_json(&mut c)["messageType"], "status");
    c.send(Message::text(
        json!({"leftOff": "latest", "query": "http", "limit": 10}).to_string(),
    ))
    .expect("send");
    let mut got = 0;
    loop {
        let m = next_json(&mut c);
        match m["messageType"].as_str() {
            Some("entry") => got += 1,
            Some("queryMetadata") => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(got, 3);
    hub.ingest(entries(1)).expect("ingest");
    assert_eq!(next_json(&mut c)["messageType"], "entry");
    // The displaced sockets were told why (1008).
    let (code, reason) = closed(&mut idle[0]);
    assert_eq!(code, CloseCode::Policy);
    assert!(reason.contains("make room for a new client"), "{reason}");
    let metrics = request(addr, "GET", "/metrics", "", "").2;
    let displaced = format!("mizu_hub_ws_idle_closed_total {}", 300 - held + 1);
    assert!(metrics.contains(&displaced), "{displaced}: {metrics}");
    assert!(
        metrics.contains("mizu_hub_ws_rejected_total 0"),
        "{metrics}"
    );
}

#[test]
fn idle_sockets_time_out_and_active_ones_are_never_displaced() {
    let (hub, addr) = start(HubConfig {
        limits: Limits {
            max_ws_clients: 3,
            max_ws_per_address: 2,
            ws_idle_timeout: Duration::from_millis(300),
            ..Limits::default()
        },
        ..config()
    });
    let mut lazy = ws_request(addr, "/ws", &[]).expect("connect");
    // Garbage is not a query: the socket stays idle and times out.
    lazy.send(Message::text("not a query")).expect("send");
    let (code, reason) = closed(&mut lazy);
    assert_eq!(code, CloseCode::Policy);
    assert!(reason.contains("no query received in time"), "{reason}");
    // Two clients that did query fill the address's share: a third is refused (429),
    // since there is no idle socket to displace.
    let mut active = Vec::new();
    for _ in 0..2 {
        let mut c = ws_request(addr, "/ws", &[]).expect("connect");
        c.send(Message::text(
            json!({"leftOff": "latest", "query": ""}).to_string(),
        ))
        .expect("send");
        loop {
            if next_json(&mut c)["messageType"] == "queryMetadata" {
                break;
            }
        }
        active.push(c);
    }
    let Err((st, body)) = ws_request(addr, "/ws", &[]) else {
        panic!("a third client from the address was let in")
    };
    assert_eq!(st, 429);
    let v: Value = serde_json::from_str(&body).expect("json");
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("max 2 per address")),
        "{body}"
    );
    // A bad direction is refused over the WebSocket as over REST.
    active[0]
        .send(Message::text(
            json!({"leftOff": "latest", "direction": 7}).to_string(),
        ))
        .expect("send");
    let t = next_json(&mut active[0]);
    assert_eq!(t["messageType"], "toast");
    assert!(
        t["data"]["text"]
            .as_str()
            .is_some_and(|s| s.contains("`direction` must be 1")),
        "{t}"
    );
    drop(active);
    assert!(hub.ws_slots_used() <= 2);
}

#[test]
fn ui_token_guards_the_api_but_not_agents_version_or_metrics() {
    let (_hub, addr) = start(HubConfig {
        ui_token: Some("ui s3cret".into()),
        ..config()
    });
    let (st, head, body) = request(addr, "GET", "/entries", "", "");
    assert_eq!(st, 401, "{body}");
    assert!(head.contains("www-authenticate: bearer"));
    assert!(body.contains("--ui-token"), "{body}");
    assert_eq!(
        request(
            addr,
            "GET",
            "/entries",
            "Authorization: Bearer wrong\r\n",
            ""
        )
        .0,
        401
    );
    assert_eq!(ws_request(addr, "/ws", &[]).err().map(|e| e.0), Some(401));
    // Header, query parameter (which sets the cookie), cookie.
    assert_eq!(
        request(
            addr,
            "GET",
            "/status",
            "Authorization: Bearer ui s3cret\r\n",
            ""
        )
        .0,
        200
    );
    let (st, head, _) = request(addr, "GET", "/entries?token=ui%20s3cret", "", "");
    assert_eq!(st, 200);
    assert!(
        head.contains("set-cookie: mizu_ui_token=ui%20s3cret; path=/; httponly; samesite=strict"),
        "{head}"
    );
    let cookie = "Cookie: theme=dark; mizu_ui_token=ui%20s3cret\r\n";
    assert_eq!(request(addr, "GET", "/entries", cookie, "").0, 200);
    let mut c = ws_request(addr, "/ws?token=ui+s3cret", &[]).expect("token in the URL");
    assert_eq!(next_json(&mut c)["messageType"], "startTime");
    let mut c =
        ws_request(addr, "/ws", &[("Cookie", "mizu_ui_token=ui%20s3cret")]).expect("cookie");
    assert_eq!(next_json(&mut c)["messageType"], "startTime");
    // Open: version, metrics; agent ingest has its own token (403: none configured).
    assert_eq!(request(addr, "GET", "/version", "", "").0, 200);
    let metrics = request(addr, "GET", "/metrics", "", "").2;
    assert!(
        metrics.contains("mizu_hub_ui_auth_failures_total 3"),
        "{metrics}"
    );
    assert_eq!(
        ws_request(addr, "/agents/ws", &[]).err().map(|e| e.0),
        Some(403)
    );
}

#[test]
fn status_agent_list_is_bounded_and_disconnected_agents_expire() {
    let (_hub, addr) = start(HubConfig {
        token: Some("t".into()),
        limits: Limits {
            max_agent_records: 8,
            agent_expiry: Duration::from_millis(400),
            ..Limits::default()
        },
        ..config()
    });
    let status = || -> Value {
        let (st, _, body) = request(addr, "GET", "/status", "", "");
        assert_eq!(st, 200);
        serde_json::from_str(&body).expect("json")
    };
    // One agent stays connected; 40 distinct names connect and leave.
    let long_name = "n".repeat(1000);
    let mut keep = ws_request(
        addr,
        &format!("/agents/ws?agent={long_name}"),
        &[("Authorization", "Bearer t")],
    )
    .expect("agent");
    keep.send(Message::text(
        json!({"type":"status","packets":5}).to_string(),
    ))
    .expect("send");
    for i in 0..40 {
        let mut a = ws_request(
            addr,
            &format!("/agents/ws?agent=a{i}"),
            &[("Authorization", "Bearer t")],
        )
        .expect("agent");
        a.close(None).expect("close");
        let _ = closed_quietly(&mut a);
    }
    // Wait until the hub saw the last one leave.
    let mut tries = 0;
    let v = loop {
        let v = status();
        let all_gone = v["agents"]
            .as_array()
            .is_some_and(|l| l.iter().filter(|a| a["connected"] == true).count() == 1);
        tries += 1;
        if all_gone || tries > 250 {
            break v;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let list = v["agents"].as_array().expect("agents");
    assert_eq!(list.len(), 8, "{v}");
    assert_eq!(v["agentsExpired"], 33, "{v}");
    let kept = list
        .iter()
        .find(|a| a["connected"] == true)
        .expect("the connected agent");
    assert_eq!(kept["agent"].as_str().map(str::len), Some(128));
    assert_eq!(kept["packets"], 5);
    // After the expiry only the connected agent is listed.
    std::thread::sleep(Duration::from_millis(500));
    let v = status();
    assert_eq!(v["agents"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v["agentsExpired"], 40);
    assert_eq!(v["agentsConnected"], 1);
}

fn closed_quietly(s: &mut WebSocket<TcpStream>) -> Option<()> {
    for _ in 0..10 {
        match s.read() {
            Ok(_) => {}
            Err(_) => return Some(()),
        }
    }
    None
}
