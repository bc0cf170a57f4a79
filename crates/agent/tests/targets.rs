//! The agent obeys the target list the hub sends: only entries touching a target
//! address are shipped (the rest counted), endpoints get the target's name and
//! namespace, and a new list replaces the old one while connected. In-process hub,
//! real WebSocket.

use mizu_agent::{Agent, AgentConfig};
use mizu_hub::{Hub, HubConfig};
use mizu_proto::{Target, TargetList};
use std::path::PathBuf;
use std::time::Duration;

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

fn expected(rel: &str) -> Vec<serde_json::Value> {
    let p = testdata(rel).with_extension("expected.jsonl");
    std::fs::read_to_string(p)
        .expect("expected output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect()
}

fn wait(what: &str, mut f: impl FnMut() -> bool) {
    // Bounded: 400 polls of 50 ms (tests read no clock).
    for _ in 0..400 {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn agent_obeys_the_hubs_target_list() {
    let hub = Hub::new(HubConfig {
        token: Some("t".into()),
        ..HubConfig::default()
    })
    .expect("hub");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let h = hub.clone();
    let server = rt.spawn(async move {
        h.serve(listener, async {
            let _ = stop_rx.await;
        })
        .await
    });

    let redis = expected("redis/01-commands.pcap");
    let server_ip = redis[0]["dst"]["ip"].as_str().expect("ip").to_owned();
    let http = expected("http1/01-keepalive-bridge.pcap");
    hub.set_targets(TargetList {
        generation: 1,
        node: "node-t".into(),
        targets: vec![Target {
            name: "redis-pod".into(),
            namespace: "cache".into(),
            addresses: vec![server_ip.clone()],
            ..Target::default()
        }],
        ..TargetList::default()
    });
    // A list for another node is never sent to this agent.
    hub.set_targets(TargetList {
        generation: 7,
        node: "other".into(),
        ..TargetList::default()
    });

    let agent = Agent::start(AgentConfig {
        hub: format!("ws://{addr}"),
        token: "t".into(),
        node: "node-t".into(),
        ..AgentConfig::default()
    })
    .expect("agent");
    let mut targets = agent.targets();
    wait("the target list", || {
        targets.borrow_and_update().as_ref().map(|t| t.generation) == Some(1)
    });
    let r = agent.replay(
        &[
            testdata("redis/01-commands.pcap"),
            testdata("http1/01-keepalive-bridge.pcap"),
        ],
        mizu_engine::EngineConfig::default(),
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    wait("the redis entries in the hub", || {
        hub.store().stats().entries == redis.len() as u64
    });
    let t = agent.totals();
    assert_eq!(t.entries, (redis.len() + http.len()) as u64);
    assert_eq!(t.target_filtered, http.len() as u64, "{t:?}");
    let status = agent.status();
    assert_eq!(status.targets_generation, 1);
    assert_eq!(status.target_filtered, http.len() as u64);

    // Stored entries carry the target's names and the node.
    for id in 1..=redis.len() as u64 {
        let mizu_store::Lookup::Found(rec) = hub.store().get(id) else {
            panic!("entry {id} missing")
        };
        let e: serde_json::Value = serde_json::from_slice(rec.entry_json()).expect("json");
        assert_eq!(e["dst"]["ip"], server_ip.as_str());
        assert_eq!(e["dst"]["name"], "redis-pod", "{e}");
        assert_eq!(e["namespace"], "cache");
        assert_eq!(e["node"]["name"], "node-t");
    }

    // A new list replaces the old one on the open connection.
    hub.set_targets(TargetList {
        generation: 2,
        node: "node-t".into(),
        ..TargetList::default()
    });
    wait("the second target list", || {
        targets.borrow_and_update().as_ref().map(|t| t.generation) == Some(2)
    });
    // An exclusive empty list (Kubernetes: no target pod on this node) keeps nothing.
    hub.set_targets(TargetList {
        generation: 3,
        node: "node-t".into(),
        exclusive: true,
        ..TargetList::default()
    });
    wait("the exclusive target list", || {
        targets.borrow_and_update().as_ref().map(|t| t.generation) == Some(3)
    });
    let r = agent.replay(
        &[testdata("redis/01-commands.pcap")],
        mizu_engine::EngineConfig::default(),
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let t = agent.totals();
    assert_eq!(
        t.target_filtered,
        (http.len() + redis.len()) as u64,
        "an exclusive empty list filters everything: {t:?}"
    );
    let totals = agent.finish(Duration::from_secs(10));
    assert_eq!(totals.acked, redis.len() as u64);
    assert_eq!(totals.unsent, 0);
    let _ = stop_tx.send(());
    let _ = rt.block_on(server);
}
