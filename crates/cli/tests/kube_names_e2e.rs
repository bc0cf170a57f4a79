//! Kubernetes targeting and names end to end without a cluster (issue 16, items 2 and 3):
//! the real `mizu hub --kube` watches the fake API server (mizu-kubefake) through a
//! kubeconfig; two real `mizu agent`s for "nodes" node-a and node-b capture live on the
//! bridge of network-namespace "pods" (`scripts/e2e/kube_pods.sh`: mzk-br0,
//! 10.253.0.0/24) and get, from the hub, only their node's target pods (the same
//! `targets` message as in a cluster, driven by Pod objects whose IPs are the netns pods'
//! IPs). Checked through the hub's REST API:
//!
//! 1. each agent captures only its node's target pods: node-a the api pod, node-b the
//!    web pod; the x pod (no Pod object yet) and nothing else;
//! 2. names come from the fake server's Pods, Services and EndpointSlices: the api pod is
//!    an endpoint of Service `api` → `api.shop`; the web pod has no Service → `web-1.shop`;
//!    the client → `client-1.web`; `namespace` filled in;
//! 3. pods removed from / added to the fake server change the targets: web-1 deleted →
//!    node-b stops capturing it; x-1 added on node-b → its traffic is captured.
//!
//! Needs root (netns, AF_PACKET); CI runs as root. Skips only when not root.

use mizu_kubefake::FakeApi;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const NET: &str = "10.253.0";
const PORT: u16 = 18897;

fn root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn pod(ns: &str, name: &str, node: &str, ip: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "x"}]},
        "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]}
    })
}

/// Kills a child when dropped (the test's processes never outlive it).
struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        for _ in 0..50 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(path: &str) -> Option<Value> {
    let out = Command::new("curl")
        .args([
            "-fsS",
            "--max-time",
            "5",
            &format!("http://127.0.0.1:{PORT}{path}"),
        ])
        .output()
        .ok()?;
    serde_json::from_slice(&out.stdout).ok()
}

/// Every stored entry, in full.
fn entries() -> Vec<Value> {
    let Some(rows) = get("/entries?limit=10000&direction=1&leftOff=0") else {
        return Vec::new();
    };
    rows["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| get(&format!("/entries/{}", r["id"].as_str()?)))
        .map(|e| e["data"].clone())
        .collect()
}

/// `n` GETs from the client pod to `ip:8080`; returns how many got 200.
fn requests(ip: &str, prefix: &str, n: usize) -> usize {
    let urls: Vec<String> = (1..=n)
        .map(|i| format!("http://{ip}:8080/{prefix}{i}"))
        .collect();
    let out = Command::new("ip")
        .args(["netns", "exec", "mzk-cli", "curl", "-sS", "-o", "/dev/null"])
        .args(["-w", "%{http_code}\\n", "--max-time", "5"])
        .args(&urls)
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| *l == "200")
        .count()
}

fn wait(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    for _ in 0..secs * 5 {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("timed out after {secs} s waiting for {what}");
}

/// Entries to `ip` (as destination).
fn to(all: &[Value], ip: &str) -> Vec<Value> {
    all.iter()
        .filter(|e| e["dst"]["ip"] == ip)
        .cloned()
        .collect()
}

fn log_has(path: &std::path::Path, text: &str) -> bool {
    std::fs::read_to_string(path).is_ok_and(|s| s.contains(text))
}

#[test]
fn agents_capture_only_their_nodes_pods_named_from_the_fake_api() {
    if !root() {
        eprintln!("skipped: needs root (netns pods, AF_PACKET); CI runs as root");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let api = rt.block_on(FakeApi::start()).expect("fake api");
    let dir = std::env::temp_dir().join(format!("mizu-kube-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp");
    let kubeconfig = dir.join("kubeconfig");
    api.write_kubeconfig(&kubeconfig, "shop")
        .expect("kubeconfig");

    // The netns pods (torn down when the script's stdin closes).
    let script = format!(
        "{}/../../scripts/e2e/kube_pods.sh",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut pods = Command::new("bash")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pods script");
    let mut ready = String::new();
    BufReader::new(pods.stdout.take().expect("stdout"))
        .read_line(&mut ready)
        .expect("read");
    assert_eq!(ready.trim(), "ready", "the pods script did not come up");
    let pods = Proc(pods);

    // The cluster as the fake API server tells it.
    let (api_ip, web_ip, cli_ip, x_ip) = (
        format!("{NET}.11"),
        format!("{NET}.12"),
        format!("{NET}.13"),
        format!("{NET}.14"),
    );
    api.put(pod("shop", "api-1", "node-a", &api_ip));
    api.put(pod("shop", "web-1", "node-b", &web_ip));
    api.put(pod("web", "client-1", "node-a", &cli_ip));
    api.put(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "api", "namespace": "shop"},
        "spec": {"clusterIP": "10.96.7.7", "clusterIPs": ["10.96.7.7"],
                 "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]}
    }));
    api.put(json!({
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "api-abcde", "namespace": "shop",
                     "labels": {"kubernetes.io/service-name": "api"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": [api_ip]}],
        "ports": [{"port": 8080, "protocol": "TCP"}]
    }));

    let mizu = env!("CARGO_BIN_EXE_mizu");
    let hub_log = dir.join("hub.log");
    let hub = Command::new(mizu)
        .args(["hub", "--port", &PORT.to_string(), "--kube", "-n", "shop"])
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", &dir)
        .env("MIZU_HUB_TOKEN", "kube-e2e")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&hub_log).expect("log"))
        .spawn()
        .expect("hub");
    let _hub = Proc(hub);
    wait("the hub", 15, || get("/status").is_some());
    let mut agents = Vec::new();
    for node in ["node-a", "node-b"] {
        let log = dir.join(format!("{node}.log"));
        let a = Command::new(mizu)
            .args(["agent", "--hub", &format!("ws://127.0.0.1:{PORT}")])
            .args(["--node", node, "-i", "mzk-br0", "--status-interval", "0.5"])
            .env("MIZU_HUB_TOKEN", "kube-e2e")
            .env("HOME", &dir)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("agent");
        agents.push((Proc(a), log));
    }
    for (_, log) in &agents {
        wait("the agent's first target list", 20, || {
            log_has(log, "capture filter 1 addresses")
        });
    }
    let hub_text = std::fs::read_to_string(&hub_log).unwrap_or_default();
    assert!(
        hub_text.contains("tapping pods in namespace shop"),
        "{hub_text}"
    );

    // 1 + 2: each node's agent captures its pod, named from the cluster.
    let n = 20;
    assert_eq!(requests(&api_ip, "api", n), n);
    assert_eq!(requests(&web_ip, "web", n), n);
    assert_eq!(requests(&x_ip, "x", n), n);
    wait("the api and web entries", 20, || {
        let all = entries();
        to(&all, &api_ip).len() >= n && to(&all, &web_ip).len() >= n
    });
    std::thread::sleep(Duration::from_secs(2));
    let all = entries();
    let (a, w) = (to(&all, &api_ip), to(&all, &web_ip));
    assert_eq!(a.len(), n, "api: each request once");
    assert_eq!(w.len(), n, "web: each request once");
    assert!(to(&all, &x_ip).is_empty(), "x is no target yet");
    for e in &a {
        assert_eq!(e["node"]["name"], "node-a", "{e}");
        assert_eq!(e["dst"]["name"], "api.shop", "service.namespace: {e}");
        assert_eq!(e["src"]["name"], "client-1.web", "{e}");
        assert_eq!(e["namespace"], "shop", "{e}");
        assert_eq!(e["response"]["status"], 200, "{e}");
    }
    for e in &w {
        assert_eq!(e["node"]["name"], "node-b", "{e}");
        assert_eq!(e["dst"]["name"], "web-1.shop", "pod.namespace: {e}");
        assert_eq!(e["namespace"], "shop", "{e}");
    }
    assert_eq!(all.len(), 2 * n, "nothing else captured");
    println!("targets: node-a api {n}/{n}, node-b web {n}/{n}, x 0/{n}; names ok");

    // 3: web-1 goes away, x-1 appears on node-b.
    assert!(api.remove("v1", "Pod", Some("shop"), "web-1"));
    api.put(pod("shop", "x-1", "node-b", &x_ip));
    let (_, log_b) = &agents[1];
    wait("node-b's new target list", 20, || {
        std::fs::read_to_string(log_b).is_ok_and(|s| {
            s.lines()
                .filter(|l| l.contains("capture filter 1 addresses"))
                .count()
                >= 2
        })
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(requests(&web_ip, "web", n), n);
    assert_eq!(requests(&x_ip, "x", n), n);
    wait("the x entries", 20, || to(&entries(), &x_ip).len() >= n);
    std::thread::sleep(Duration::from_secs(2));
    let all = entries();
    assert_eq!(to(&all, &web_ip).len(), n, "web no longer captured");
    let x = to(&all, &x_ip);
    assert_eq!(x.len(), n);
    for e in &x {
        assert_eq!(e["node"]["name"], "node-b", "{e}");
        assert_eq!(e["dst"]["name"], "x-1.shop", "{e}");
    }
    println!("pods removed/added: web 0/{n} after removal, x-1 {n}/{n} after it appeared");
    drop(agents);
    drop(pods);
    let _ = std::fs::remove_dir_all(&dir);
}
