//! Targeting and names through the fake API server (real kube-rs watchers, real JSON
//! wire format) into a real hub and a real agent over the agent WebSocket:
//!
//! * a 200-pod node: each agent gets only its node's Running, matching pods; pods that
//!   become Running, go away or change IP update the agent's list within seconds (each
//!   new Running pod is bounded at 400 polls of 5 ms, ~2 s; the latency itself is
//!   measured by `cargo bench -p mizu-kube --bench targets`); a 410 in the watch stream
//!   (re-list) changes nothing.
//! * names: Services, EndpointSlices and Pods name entries at ingest (`service.namespace`,
//!   else `pod.namespace`, with `namespace`), and the client-side and server-side copies of
//!   one request through a Service are stored once.

use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use mizu_agent::{Agent, AgentConfig};
use mizu_hub::{Hub, HubConfig};
use mizu_kube::target::Selection;
use mizu_kube::watch::{DEFAULT_DEBOUNCE, Options};
use mizu_kubefake::FakeApi;
use mizu_model::Entry;
use serde_json::{Value, json};
use std::time::Duration;

async fn client(api: &FakeApi) -> kube::Client {
    let dir = std::env::temp_dir().join(format!(
        "mizu-kube-names-{}-{}",
        std::process::id(),
        api.addr().port()
    ));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let path = dir.join("kubeconfig");
    api.write_kubeconfig(&path, "shop").expect("kubeconfig");
    let c = mizu_kube::cluster::connect(&mizu_kube::cluster::ConnectOptions {
        kubeconfig: Some(path),
        context: None,
    })
    .await
    .expect("connect");
    assert_eq!(c.default_namespace, "shop");
    c.client
}

fn pod(ns: &str, name: &str, node: &str, phase: &str, ip: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "x"}]},
        "status": {
            "phase": phase, "podIP": ip, "podIPs": if ip.is_empty() { json!([]) } else { json!([{"ip": ip}]) },
            "containerStatuses": [{"name": "c", "image": "x", "imageID": "", "ready": true,
                "restartCount": 0, "containerID": format!("containerd://{:0>64}", name.len())}]
        }
    })
}

/// Polls `f` every 5 ms, at most `secs` × 200 times (bounded by count, not a clock).
async fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    for _ in 0..secs * 200 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("timed out after {secs} s waiting for {what}");
}

async fn serve_hub(hub: &Hub) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let h = hub.clone();
    tokio::spawn(async move { h.serve(listener, std::future::pending()).await });
    addr
}

fn agent(addr: std::net::SocketAddr, node: &str) -> Agent {
    Agent::start(AgentConfig {
        hub: format!("ws://{addr}"),
        token: "t".into(),
        node: node.into(),
        ..AgentConfig::default()
    })
    .expect("agent")
}

/// Addresses in the agent's applied target list.
fn applied(a: &Agent) -> Vec<String> {
    a.targets()
        .borrow()
        .as_ref()
        .map(|l| l.addresses().map(str::to_owned).collect())
        .unwrap_or_default()
}

fn ip(i: usize) -> String {
    format!("10.244.{}.{}", i / 250, i % 250 + 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_get_their_nodes_targets_and_follow_pod_changes() {
    let api = FakeApi::start().await.expect("fake api");
    for i in 0..200 {
        api.put(pod("shop", &format!("web-{i}"), "n1", "Running", &ip(i)));
    }
    // Not targets: another node's pod goes to that node; another namespace; a pending
    // pod; mizu's own pod.
    api.put(pod("shop", "web-other-node", "n2", "Running", "10.245.0.1"));
    api.put(pod("kube-system", "web-sys", "n1", "Running", "10.246.0.1"));
    api.put(pod("shop", "web-pending", "n1", "Pending", ""));
    let mut own = pod("shop", "web-mizu", "n1", "Running", "10.246.0.2");
    own["metadata"]["labels"] = json!({"app.kubernetes.io/managed-by": "mizu"});
    api.put(own);
    let c = client(&api).await;

    let hub = Hub::new(HubConfig {
        token: Some("t".into()),
        ..HubConfig::default()
    })
    .expect("hub");
    let addr = serve_hub(&hub).await;
    let sel = Selection::new(Some("web"), false, &[], Some("shop")).expect("selection");
    mizu_kube::watch::start(
        &c,
        &hub,
        Options {
            selection: Some(sel),
            names: false,
            scope: mizu_kube::target::Namespaces::All,
            debounce: DEFAULT_DEBOUNCE,
        },
    );
    let a1 = agent(addr, "n1");
    let a2 = agent(addr, "n2");
    let a3 = agent(addr, "n3");
    wait_for("200 targets at the n1 agent", 20, || {
        applied(&a1).len() == 200
    })
    .await;
    let mut got = applied(&a1);
    got.sort();
    let mut want: Vec<String> = (0..200).map(ip).collect();
    want.sort();
    assert_eq!(got, want, "exactly the node's Running matching pods");
    wait_for("n2's one target", 10, || applied(&a2) == ["10.245.0.1"]).await;
    // A node without pods gets the exclusive empty default: capture nothing.
    wait_for("n3's empty exclusive list", 10, || {
        a3.targets()
            .borrow()
            .as_ref()
            .is_some_and(|l| l.exclusive && l.targets.is_empty())
    })
    .await;
    {
        let l = a1.targets().borrow().clone().expect("list");
        assert!(l.exclusive);
        let t = l
            .targets
            .iter()
            .find(|t| t.name == "web-7.shop")
            .expect("web-7");
        assert_eq!(t.namespace, "shop");
        assert_eq!(t.addresses, vec![ip(7)]);
        assert_eq!(t.container_ids.len(), 1, "{t:?}");
        assert!(!t.container_ids[0].contains("://"));
    }

    // Pods becoming Running reach the n1 agent's list within ~2 s (400 polls of 5 ms).
    for k in 0..10 {
        let name = format!("web-new-{k}");
        let new_ip = format!("10.250.0.{}", k + 1);
        api.put(pod("shop", &name, "n1", "Pending", ""));
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(
            !applied(&a1).contains(&new_ip),
            "a Pending pod is no target"
        );
        api.put(pod("shop", &name, "n1", "Running", &new_ip));
        wait_for("the new Running pod at the agent within 2 s", 2, || {
            applied(&a1).contains(&new_ip)
        })
        .await;
    }
    assert_eq!(applied(&a1).len(), 210);

    // A pod going away, and one changing IP.
    assert!(api.remove("v1", "Pod", Some("shop"), "web-3"));
    api.put(pod("shop", "web-4", "n1", "Running", "10.251.0.4"));
    wait_for("web-3 gone and web-4's new IP", 10, || {
        let a = applied(&a1);
        !a.contains(&ip(3)) && !a.contains(&ip(4)) && a.contains(&"10.251.0.4".to_owned())
    })
    .await;

    // The watch stream expires (410 inside the stream): the watcher re-lists; a pod
    // created after that is still picked up.
    api.expire_watches();
    tokio::time::sleep(Duration::from_millis(300)).await;
    api.put(pod("shop", "web-after-410", "n1", "Running", "10.252.0.1"));
    wait_for("a pod after the re-list", 20, || {
        applied(&a1).contains(&"10.252.0.1".to_owned())
    })
    .await;
    // The re-list went through the API (a second plain list of pods).
    let lists = api
        .requests()
        .iter()
        .filter(|r| r.contains("/pods") && !r.contains("watch"))
        .count();
    assert!(lists >= 2, "{:?}", api.requests());

    // Every pod on n2 gone: its agents now capture nothing (exclusive and empty).
    assert!(api.remove("v1", "Pod", Some("shop"), "web-other-node"));
    wait_for("n2 emptied", 10, || {
        a2.targets()
            .borrow()
            .as_ref()
            .is_some_and(|l| l.exclusive && l.targets.is_empty())
    })
    .await;

    // Sanity: the watched pods are what the API lists.
    let pods: Api<Pod> = Api::namespaced(c.clone(), "shop");
    assert!(
        pods.list(&Default::default())
            .await
            .expect("list")
            .items
            .len()
            > 200
    );
    for a in [a1, a2, a3] {
        let _ = tokio::task::spawn_blocking(move || a.finish(Duration::from_secs(1))).await;
    }
}

fn entry(src: (&str, &str), dst: (&str, &str), ts: i64) -> Entry {
    serde_json::from_value(json!({
        "protocol": {"name": "http", "version": "1.1", "abbr": "HTTP"},
        "capture": "af_packet",
        "src": {"ip": src.0, "port": src.1}, "dst": {"ip": dst.0, "port": dst.1},
        "timestamp": ts, "startTime": "2026-12-06T00:00:00Z", "elapsedTime": 1,
        "request": {"method": "GET", "url": "/items", "path": "/items", "httpVersion": "HTTP/1.1",
                    "headers": [], "queryString": [], "cookies": [], "headersSize": 40, "bodySize": 0},
        "requestSize": 90, "responseSize": 120
    }))
    .expect("entry")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_names_entries_from_pods_services_and_endpointslices() {
    let api = FakeApi::start().await.expect("fake api");
    api.put(pod("shop", "api-1", "n1", "Running", "10.244.1.7"));
    api.put(pod("web", "client-1", "n2", "Running", "10.244.2.3"));
    api.put(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "api", "namespace": "shop"},
        "spec": {"clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                 "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]}
    }));
    api.put(json!({
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "api-x1", "namespace": "shop",
                     "labels": {"kubernetes.io/service-name": "api"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.244.1.7"]}],
        "ports": [{"port": 8080, "protocol": "TCP"}]
    }));
    let c = client(&api).await;
    let hub = Hub::new(HubConfig::default()).expect("hub");
    mizu_kube::watch::start(
        &c,
        &hub,
        Options {
            selection: None,
            names: true,
            // Per-namespace watches, as restricted mode's Role allows.
            scope: mizu_kube::target::Namespaces::Only(
                ["shop".to_owned(), "web".to_owned()].into(),
            ),
            debounce: DEFAULT_DEBOUNCE,
        },
    );
    wait_for("names from the watches", 20, || {
        let n = hub.names().get();
        n.lookup("10.96.0.10", "80").is_some()
            && n.lookup("10.244.1.7", "8080").is_some()
            && n.lookup_ip("10.244.2.3").is_some()
    })
    .await;

    // The client pod's copy (to the Service) and the server pod's (after DNAT).
    let h = hub.clone();
    let report = tokio::task::spawn_blocking(move || {
        h.ingest(vec![
            entry(("10.244.2.3", "41000"), ("10.96.0.10", "80"), 1_000),
            entry(("10.244.2.3", "41000"), ("10.244.1.7", "8080"), 1_002),
            // Pod to pod, no Service: named after the pods.
            entry(("10.244.1.7", "50000"), ("10.244.2.3", "9000"), 1_005),
        ])
    })
    .await
    .expect("join")
    .expect("ingest");
    assert_eq!(report.stored, 2, "{report:?}");
    assert_eq!(report.merged, 1, "{report:?}");
    let get = |id: u64| -> Value {
        let mizu_store::Lookup::Found(rec) = hub.store().get(id) else {
            panic!("entry {id} missing")
        };
        serde_json::from_slice(rec.entry_json()).expect("json")
    };
    let e = get(1);
    assert_eq!(e["dst"]["name"], "api.shop", "{e}");
    assert_eq!(e["src"]["name"], "client-1.web", "{e}");
    assert_eq!(e["namespace"], "shop", "{e}");
    let e = get(2);
    assert_eq!(
        e["src"]["name"], "api.shop",
        "an endpoint of a Service: {e}"
    );
    assert_eq!(e["dst"]["name"], "client-1.web", "{e}");
    assert_eq!(e["namespace"], "web", "{e}");
    assert!(
        hub.metrics()
            .render(&hub.store().stats())
            .contains("mizu_hub_merged_duplicates_total 1")
    );

    // A Service that goes away: its address is no longer named.
    assert!(api.remove("v1", "Service", Some("shop"), "api"));
    wait_for("the service's name gone", 20, || {
        hub.names().get().lookup("10.96.0.10", "80").is_none()
    })
    .await;
}
