//! `PUT/GET /agents/targets[/{node}]` through a real socket: the agents' token is
//! required, a list set over REST reaches that node's connected agent at once (and
//! only that node's), generations increase, bad bodies are clear 400s.

mod common;

use mizu_hub::HubConfig;
use serde_json::Value;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;
use tungstenite::Message;

fn start(config: HubConfig) -> SocketAddr {
    common::start(config).1
}

/// One JSON request with an optional bearer token: status and JSON body.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let headers = format!("{auth}Content-Type: application/json\r\n");
    let (status, _, body) = common::request_with(addr, method, path, &headers, body);
    (status, serde_json::from_str(&body).expect("json body"))
}

fn agent(addr: SocketAddr, node: &str) -> tungstenite::WebSocket<TcpStream> {
    let path = format!("/agents/ws?agent={node}-a&node={node}");
    common::agent_ws(addr, &path, "t", Duration::from_millis(300))
}

/// The next `targets` message within ~3 s, if any.
fn next_targets(s: &mut tungstenite::WebSocket<TcpStream>) -> Option<Value> {
    for _ in 0..10 {
        match s.read() {
            Ok(Message::Text(t)) => {
                let v: Value = serde_json::from_str(&t).expect("json");
                if v["type"] == "targets" {
                    return Some(v);
                }
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("agent socket: {e}"),
        }
    }
    None
}

#[test]
fn targets_set_over_rest_reach_that_nodes_agents() {
    // No hub token: the control plane is off, like agent ingest.
    let off = start(common::config());
    let (st, body) = http(off, "PUT", "/agents/targets/n1", None, "{}");
    assert_eq!(st, 403, "{body}");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("--token"))
    );

    let addr = start(HubConfig {
        token: Some("t".into()),
        // The UI token does not apply here: the agents' token does.
        ui_token: Some("ui".into()),
        ..common::config()
    });
    let mut a1 = agent(addr, "n1");
    let mut a2 = agent(addr, "n2");
    assert_eq!(next_targets(&mut a1), None, "no list yet");

    let list = r#"{"targets": [{"name": "web", "netns": "web-ns", "addresses": ["10.1.0.5"], "ports": [8080]}]}"#;
    assert_eq!(http(addr, "PUT", "/agents/targets/n1", None, list).0, 401);
    assert_eq!(
        http(addr, "PUT", "/agents/targets/n1", Some("ui"), list).0,
        401
    );
    let (st, stored) = http(addr, "PUT", "/agents/targets/n1", Some("t"), list);
    assert_eq!(st, 200, "{stored}");
    assert_eq!(stored["node"], "n1");
    assert_eq!(stored["generation"], 1);
    assert_eq!(stored["v"], mizu_proto::VERSION);

    let pushed = next_targets(&mut a1).expect("n1's agent gets the list");
    assert_eq!(pushed["generation"], 1);
    assert_eq!(pushed["targets"][0]["netns"], "web-ns");
    assert_eq!(pushed["targets"][0]["addresses"][0], "10.1.0.5");
    assert_eq!(pushed["targets"][0]["ports"][0], 8080);
    assert_eq!(next_targets(&mut a2), None, "n2 has no list of its own");

    // A replacement: the generation increases even when the body repeats an old one.
    let (st, again) = http(
        addr,
        "PUT",
        "/agents/targets/n1",
        Some("t"),
        r#"{"generation": 1, "targets": []}"#,
    );
    assert_eq!(st, 200);
    assert_eq!(again["generation"], 2);
    let pushed = next_targets(&mut a1).expect("the replacement is pushed");
    assert_eq!(pushed["generation"], 2);
    assert_eq!(pushed["targets"].as_array().map(Vec::len), Some(0));

    // The default list reaches nodes without a list of their own.
    let (st, _) = http(
        addr,
        "PUT",
        "/agents/targets",
        Some("t"),
        r#"{"targets": [{"interfaces": ["eth0"]}]}"#,
    );
    assert_eq!(st, 200);
    let pushed = next_targets(&mut a2).expect("n2 gets the default list");
    assert_eq!(pushed["targets"][0]["interfaces"][0], "eth0");

    let (st, got) = http(addr, "GET", "/agents/targets/n2", Some("t"), "");
    assert_eq!(
        (st, &got["targets"][0]["interfaces"][0]),
        (200, &Value::from("eth0"))
    );
    let (st, all) = http(addr, "GET", "/agents/targets", Some("t"), "");
    assert_eq!(st, 200);
    assert_eq!(all["data"]["n1"]["generation"], 2);
    assert_eq!(all["data"][""]["targets"][0]["interfaces"][0], "eth0");

    // Bad input: clear 400s that name the problem.
    let (st, e) = http(
        addr,
        "PUT",
        "/agents/targets/n1",
        Some("t"),
        "{\"targets\": 5}",
    );
    assert_eq!(st, 400);
    assert!(
        e["error"]
            .as_str()
            .is_some_and(|m| m.contains("target list")),
        "{e}"
    );
    let (st, e) = http(
        addr,
        "PUT",
        "/agents/targets/n1",
        Some("t"),
        r#"{"node": "n9", "targets": []}"#,
    );
    assert_eq!(st, 400);
    assert!(e["error"].as_str().is_some_and(|m| m.contains("n9")), "{e}");
    assert_eq!(
        http(addr, "GET", "/agents/targets/zz", Some("t"), "").0,
        200,
        "default applies"
    );
}
