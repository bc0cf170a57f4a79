//! "As if in a pod", shared by `kube_incluster.rs` and `container_image.rs`: the fake API
//! server over https (`testdata/tls`: `hub.pem` names 127.0.0.1, signed by `ca.pem`)
//! accepting only the service account's token, the cluster it describes (the addresses of
//! the `http1/01-keepalive-bridge` capture are a client pod and an endpoint of Service
//! `api`), the files the kubelet puts in a pod, and the hub's REST API.

#![allow(dead_code)] // each test file uses its own part

use mizu_kubefake::FakeApi;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

/// The service account token in the pod (the fake server refuses any other).
pub const TOKEN: &str = "sa-token-3c9e71";
/// The capture an agent replays and what it holds: 4 GETs from the client to the server.
pub const CAPTURE: &str = "http1/01-keepalive-bridge.pcap";
pub const CAPTURE_ENTRIES: usize = 4;
pub const CLIENT_IP: &str = "10.250.0.12";
pub const SERVER_IP: &str = "10.250.0.11";
/// Where the service account's files are in every pod.
pub const SA_DIR: &str = "var/run/secrets/kubernetes.io/serviceaccount";

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A fresh directory under the temp dir.
pub fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mizu-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tmp dir");
    d
}

/// The fake API server over https, requiring [`TOKEN`], holding namespace `shop` with the
/// client pod, the server pod and Service `api` (ClusterIP 10.96.0.50) whose
/// EndpointSlice has the server pod's address.
pub async fn cluster() -> FakeApi {
    let tls = repo().join("testdata/tls");
    let cert = std::fs::read(tls.join("hub.pem")).expect("hub.pem");
    let key = std::fs::read(tls.join("hub.key")).expect("hub.key");
    let api = FakeApi::start_tls(&cert, &key).await.expect("fake api");
    api.require_token(TOKEN);
    api.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}));
    for (name, ip, node) in [
        ("client-1", CLIENT_IP, "node-a"),
        ("api-1", SERVER_IP, "node-b"),
    ] {
        api.put(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "x"}]},
            "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]}
        }));
    }
    api.put(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "api", "namespace": "shop"},
        "spec": {"clusterIP": "10.96.0.50", "clusterIPs": ["10.96.0.50"],
                 "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]}
    }));
    api.put(json!({
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "api-x7k2p", "namespace": "shop",
                     "labels": {"kubernetes.io/service-name": "api"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": [SERVER_IP]}],
        "ports": [{"port": 8080, "protocol": "TCP"}]
    }));
    api
}

/// Writes what the kubelet mounts at [`SA_DIR`] (token, ca.crt, namespace `shop`) into
/// `dir` and returns it.
pub fn service_account(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("sa dir");
    std::fs::write(dir.join("token"), TOKEN).expect("token");
    std::fs::copy(repo().join("testdata/tls/ca.pem"), dir.join("ca.crt")).expect("ca.crt");
    std::fs::write(dir.join("namespace"), "shop").expect("namespace");
    dir.to_path_buf()
}

/// Waits until the fake server has seen watches of Pods, Services and EndpointSlices
/// (what the hub names addresses from), then the hub's debounce.
pub fn wait_watching(api: &FakeApi, secs: u64) {
    let watching = |what: &str| {
        api.requests()
            .iter()
            .any(|r| r.starts_with("GET") && r.contains(what) && r.contains("watch=true"))
    };
    wait(
        "the hub's watches of pods, services, endpointslices",
        secs,
        || watching("/pods") && watching("/services") && watching("/endpointslices"),
    );
    std::thread::sleep(Duration::from_millis(500));
}

pub fn wait(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    // Bounded: 5 polls a second.
    for _ in 0..secs * 5 {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("timed out after {secs} s waiting for {what}");
}

/// `GET path` on the hub at 127.0.0.1:port: (status line, body).
pub fn http_get(port: u16, path: &str) -> Option<(String, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n")?;
    Some((head.lines().next()?.to_string(), body.to_string()))
}

fn get_json(port: u16, path: &str) -> Option<Value> {
    let (status, body) = http_get(port, path)?;
    if !status.contains(" 200") {
        return None;
    }
    serde_json::from_str(&body).ok()
}

/// Every stored entry, in full.
pub fn entries(port: u16) -> Vec<Value> {
    let Some(rows) = get_json(port, "/entries?limit=10000&direction=1&leftOff=0") else {
        return Vec::new();
    };
    rows["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| get_json(port, &format!("/entries/{}", r["id"].as_str()?)))
        .map(|e| e["data"].clone())
        .collect()
}

/// The capture's entries as the hub names them from the cluster: the client pod by its
/// pod name, the server by the Service it is an endpoint of.
pub fn assert_named(entries: &[Value], node: &str) {
    let mine: Vec<&Value> = entries
        .iter()
        .filter(|e| e["node"]["name"] == node)
        .collect();
    assert_eq!(
        mine.len(),
        CAPTURE_ENTRIES,
        "entries of {node}: {entries:#?}"
    );
    for e in mine {
        assert_eq!(e["src"]["ip"], CLIENT_IP, "{e}");
        assert_eq!(e["src"]["name"], "client-1.shop", "pod.namespace: {e}");
        assert_eq!(e["dst"]["name"], "api.shop", "service.namespace: {e}");
        assert_eq!(e["namespace"], "shop", "{e}");
    }
}

/// A free port on 127.0.0.1 (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Stops a child when dropped (SIGTERM, then SIGKILL after 5 s).
pub struct Proc(pub Child);

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

/// Waits (bounded) for a child to exit; its exit code.
pub fn wait_exit(child: &mut Child, secs: u64) -> i32 {
    for _ in 0..secs * 10 {
        if let Ok(Some(st)) = child.try_wait() {
            return st.code().unwrap_or(-1);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("process did not exit within {secs} s");
}
