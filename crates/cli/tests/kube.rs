//! The real `mizu` binary against the fake Kubernetes API server (mizu-kubefake) through a
//! kubeconfig: `tap` deploys, shows progress, forwards a real hub (REST and WebSocket through
//! the API server's port-forward) and leaves nothing behind on SIGINT; pull errors are
//! precise; restricted mode uses a Role; `install`, `clean` (idempotent), `check`, `logs`,
//! `--dry-run`.

use mizu_kubefake::{FakeApi, PodFate};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

struct Env {
    _rt: tokio::runtime::Runtime,
    api: FakeApi,
    dir: PathBuf,
    kubeconfig: PathBuf,
}

fn env(name: &str) -> Env {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let api = rt.block_on(FakeApi::start()).expect("fake api");
    api.add_node("node-a", "172.18.0.2");
    api.add_node("node-b", "172.18.0.3");
    api.set_start_delay(Duration::from_millis(100));
    api.kubelet(true);
    let dir = std::env::temp_dir().join(format!("mizu-kube-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let kubeconfig = dir.join("kubeconfig");
    api.write_kubeconfig(&kubeconfig, "default")
        .expect("kubeconfig");
    Env {
        _rt: rt,
        api,
        dir,
        kubeconfig,
    }
}

fn cmd(e: &Env, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mizu"));
    c.args(args)
        .env("HOME", &e.dir)
        .env("KUBECONFIG", &e.kubeconfig)
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("MIZU_HUB_TOKEN");
    c
}

fn run(e: &Env, args: &[&str]) -> Output {
    cmd(e, args).output().expect("run mizu")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

/// Objects carrying mizu's labels, as "Kind ns/name".
fn ours(api: &FakeApi) -> Vec<String> {
    api.all_objects()
        .iter()
        .filter(|o| {
            o.pointer("/metadata/labels/app.kubernetes.io~1name")
                .and_then(Value::as_str)
                == Some("mizu")
        })
        .map(|o| {
            format!(
                "{} {}/{}",
                o["kind"].as_str().unwrap_or(""),
                o.pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
                o.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            )
        })
        .collect()
}

/// A child whose stderr lines arrive on a channel.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: String,
}

impl Running {
    fn start(mut c: Command) -> Running {
        let mut child = c
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let err = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(err).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: String::new(),
        }
    }

    /// Waits for a stderr line containing `what`; panics with everything seen otherwise.
    fn wait_for(&mut self, what: &str, secs: u64) -> String {
        // Bounded by count: 5 waits of at most 200 ms per second.
        for _ in 0..secs * 5 {
            match self.lines.recv_timeout(Duration::from_millis(200)) {
                Ok(l) => {
                    self.seen.push_str(&l);
                    self.seen.push('\n');
                    if l.contains(what) {
                        return l;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let _ = self.child.kill();
        panic!("no line with {what:?}; stderr so far:\n{}", self.seen);
    }

    fn interrupt_and_wait(mut self, secs: u64) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill");
        assert!(ok.success());
        for _ in 0..secs * 20 {
            while let Ok(l) = self.lines.try_recv() {
                self.seen.push_str(&l);
                self.seen.push('\n');
            }
            if let Some(st) = self.child.try_wait().expect("wait") {
                while let Ok(l) = self.lines.recv_timeout(Duration::from_millis(100)) {
                    self.seen.push_str(&l);
                    self.seen.push('\n');
                }
                return (st, self.seen);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("mizu did not stop after SIGINT; stderr:\n{}", self.seen);
    }
}

/// Starts a real `mizu hub` on a free port; returns it and its address.
fn real_hub(e: &Env) -> (Child, SocketAddr) {
    let port = free_port();
    let mut r = Running::start({
        let mut c = cmd(e, &["hub", "--port", &port.to_string()]);
        c.env("KUBECONFIG", "/nonexistent");
        c
    });
    r.wait_for("listening", 30);
    let child = r.child;
    (child, SocketAddr::from(([127, 0, 0, 1], port)))
}

fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read");
    let code = raw
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (code, body)
}

#[test]
fn tap_deploys_shows_progress_forwards_the_hub_and_cleans_up_on_sigint() {
    let e = env("tap");
    let (mut hub, hub_addr) = real_hub(&e);
    e.api.forward_to("mizu-hub-", 8899, hub_addr);
    let gui = free_port();
    let mut tap = Running::start(cmd(
        &e,
        &[
            "tap",
            "--headless",
            "-n",
            "shop",
            "--set",
            &format!("tap.gui-port={gui}"),
        ],
    ));
    tap.wait_for("created daemonset mizu/mizu-agent", 30);
    tap.wait_for("Running, ready", 30);
    tap.wait_for("the UI is at", 30);
    // per-pod progress named each agent pod with its node
    assert!(
        tap.seen.contains("(agent on node node-a)") && tap.seen.contains("(agent on node node-b)"),
        "{}",
        tap.seen
    );
    // the objects, labelled, with the agent's capabilities and the targets in the ConfigMap
    let objs = ours(&e.api);
    for want in [
        "Namespace /mizu",
        "ServiceAccount mizu/mizu-service-account",
        "ClusterRole /mizu-cluster-role",
        "ClusterRoleBinding /mizu-cluster-role-binding",
        "ConfigMap mizu/mizu-config",
        "Secret mizu/mizu-agent-token",
        "Deployment mizu/mizu-hub",
        "Service mizu/mizu-hub",
        "DaemonSet mizu/mizu-agent",
    ] {
        assert!(objs.iter().any(|o| o == want), "missing {want} in {objs:?}");
    }
    let ds = e
        .api
        .get("apps/v1", "DaemonSet", Some("mizu"), "mizu-agent")
        .expect("ds");
    let c = &ds["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        c["securityContext"]["capabilities"]["add"],
        json!(["NET_RAW", "NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE"])
    );
    // In a cluster the agent also captures inside the pods' network namespaces, found
    // through the host's /proc mounted at MIZU_HOST_PROC.
    assert!(
        c["args"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("--pod-netns"))),
        "{c}"
    );
    assert!(
        c["env"]
            .as_array()
            .is_some_and(|e| e.contains(&json!({"name": "MIZU_HOST_PROC", "value": "/hostproc"}))),
        "{c}"
    );
    assert_eq!(c["securityContext"]["privileged"], json!(false));
    assert_eq!(ds["spec"]["template"]["spec"]["hostNetwork"], json!(true));
    let cm = e
        .api
        .get("v1", "ConfigMap", Some("mizu"), "mizu-config")
        .expect("cm");
    assert!(
        cm["data"]["config.yaml"]
            .as_str()
            .unwrap_or("")
            .contains("shop"),
        "{cm}"
    );
    // REST through the port-forward reaches the real hub
    let gui_addr = SocketAddr::from(([127, 0, 0, 1], gui));
    let (code, body) = http_get(gui_addr, "/version");
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\"name\":\"mizu\""), "{body}");
    // WebSocket through the port-forward: the handshake and a first message
    let (mut ws, resp) = tungstenite::connect(format!("ws://127.0.0.1:{gui}/ws"))
        .expect("websocket through the forward");
    assert_eq!(resp.status().as_u16(), 101);
    ws.send(tungstenite::Message::text(
        r#"{"query":"","leftOff":"latest"}"#,
    ))
    .expect("send");
    let _ = ws.close(None);
    let forwards: Vec<String> = e
        .api
        .requests()
        .into_iter()
        .filter(|r| r.contains("/portforward"))
        .collect();
    assert!(
        forwards
            .iter()
            .any(|r| r.contains("/pods/mizu-hub-") && r.contains("ports=8899")),
        "{forwards:?}"
    );
    // The hub pod restarts (deleted; its Deployment makes a new one): the forward follows.
    let old_hub: Vec<String> = e
        .api
        .list("v1", "Pod")
        .iter()
        .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
        .filter(|n| n.starts_with("mizu-hub-"))
        .collect();
    assert_eq!(old_hub.len(), 1, "{old_hub:?}");
    assert!(e.api.remove("v1", "Pod", Some("mizu"), &old_hub[0]));
    let mut tries = 0;
    let new_hub = loop {
        let running = e.api.list("v1", "Pod").into_iter().find(|p| {
            p["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("mizu-hub-") && n != old_hub[0])
                && p["status"]["phase"] == "Running"
        });
        if let Some(p) = running {
            break p["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
        }
        tries += 1;
        assert!(tries < 200, "no new hub pod");
        std::thread::sleep(Duration::from_millis(100));
    };
    let (code, _) = http_get(gui_addr, "/version");
    assert_eq!(code, 200);
    tap.wait_for(&format!("the hub is now pod {new_hub}"), 10);
    assert!(
        e.api
            .requests()
            .iter()
            .any(|r| r.contains(&format!("/pods/{new_hub}/portforward"))),
        "the forward went to the new pod"
    );
    // SIGINT removes everything and waits for it to be gone
    let (st, seen) = tap.interrupt_and_wait(60);
    assert!(st.success(), "exit {st:?}: {seen}");
    assert!(seen.contains("everything it created is gone"), "{seen}");
    assert_eq!(ours(&e.api), Vec::<String>::new(), "left behind");
    assert!(e.api.list("v1", "Pod").iter().all(|p| {
        !p["metadata"]["name"]
            .as_str()
            .unwrap_or("")
            .starts_with("mizu-")
    }));
    let _ = hub.kill();
    let _ = hub.wait();
}

#[test]
fn image_pull_backoff_is_a_precise_error_and_nothing_stays() {
    let e = env("pull");
    e.api.pod_fate(
        "registry.invalid/",
        PodFate::ImagePullBackOff(
            "Failed to pull image \"registry.invalid/mizu:9.9\": not found".into(),
        ),
    );
    let out = run(
        &e,
        &[
            "tap",
            "--headless",
            "--set",
            "kube.image.registry=registry.invalid",
            "--set",
            "kube.image.tag=9.9",
            "--set",
            "kube.timeout=30",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("cannot pull its image registry.invalid/mizu:9.9: ImagePullBackOff"),
        "{err}"
    );
    assert!(
        err.contains("Failed to pull image \"registry.invalid/mizu:9.9\": not found"),
        "{err}"
    );
    assert!(err.contains("pod mizu/mizu-"), "names the pod: {err}");
    assert!(
        err.contains("--set kube.image.registry="),
        "names the key: {err}"
    );
    assert_eq!(
        ours(&e.api),
        Vec::<String>::new(),
        "cleaned up after the failure"
    );
}

#[test]
fn oom_and_unschedulable_name_the_resource_keys() {
    let e = env("oom");
    e.api.pod_fate("mizu-agent-", PodFate::OomKilled);
    let out = run(&e, &["tap", "--headless", "--set", "kube.timeout=30"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("OOMKilled") && err.contains("--set tap.tapper-resources.memory-limit="),
        "{err}"
    );
    let e = env("sched");
    e.api.pod_fate(
        "mizu-hub-",
        PodFate::Unschedulable("0/2 nodes are available: 2 Insufficient memory.".into()),
    );
    let out = run(&e, &["tap", "--headless", "--set", "kube.timeout=30"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot be scheduled (FailedScheduling): 0/2 nodes are available: 2 Insufficient memory."), "{err}");
    assert!(
        err.contains("tap.api-server-resources.memory-requests"),
        "{err}"
    );
}

#[test]
fn crash_loop_names_the_exit_code_and_the_log() {
    let e = env("crash");
    e.api.pod_fate("mizu-hub-", PodFate::CrashLoop);
    let out = run(&e, &["tap", "--headless", "--set", "kube.timeout=30"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("(hub on node node-a) keeps crashing (CrashLoopBackOff, last exit code 1)"),
        "{err}"
    );
    assert!(
        err.contains("Back-off restarting failed container hub") && err.contains("--previous"),
        "{err}"
    );
}

#[test]
fn timeout_says_what_was_pending() {
    let e = env("timeout");
    e.api.pod_fate("mizu-agent-", PodFate::Stuck);
    let out = run(&e, &["tap", "--headless", "--set", "kube.timeout=2"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("timed out after 2s"), "{err}");
    assert!(err.contains("(agent on node node-a): Pending"), "{err}");
    assert!(err.contains("--set kube.timeout="), "{err}");
}

#[test]
fn restricted_mode_uses_role_and_rolebinding_only() {
    let e = env("restricted");
    e.api
        .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}}));
    let (mut hub, hub_addr) = real_hub(&e);
    e.api.forward_to("mizu-hub-", 8899, hub_addr);
    let gui = free_port();
    let mut tap = Running::start(cmd(
        &e,
        &[
            "tap",
            "--headless",
            "--set",
            "mizu-resources-namespace=team-a",
            "--set",
            &format!("tap.gui-port={gui}"),
        ],
    ));
    tap.wait_for("the UI is at", 30);
    let objs = ours(&e.api);
    assert!(
        objs.contains(&"Role team-a/mizu-role".to_string()),
        "{objs:?}"
    );
    assert!(
        objs.contains(&"RoleBinding team-a/mizu-role-binding".to_string()),
        "{objs:?}"
    );
    assert!(
        !objs
            .iter()
            .any(|o| o.starts_with("ClusterRole") || o.starts_with("Namespace")),
        "{objs:?}"
    );
    let reqs = e.api.requests();
    assert!(
        !reqs.iter().any(|r| r.starts_with("POST")
            && (r.contains("clusterrole") || r.ends_with("/api/v1/namespaces"))),
        "{reqs:?}"
    );
    let (st, seen) = tap.interrupt_and_wait(60);
    assert!(st.success(), "{seen}");
    assert_eq!(ours(&e.api), Vec::<String>::new());
    assert!(
        e.api.get("v1", "Namespace", None, "team-a").is_some(),
        "the user's namespace stays"
    );
    // A missing namespace in restricted mode is a clear error.
    let out = run(
        &e,
        &[
            "tap",
            "--headless",
            "--set",
            "mizu-resources-namespace=nope",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("namespace `nope` does not exist")
            && err.contains("kubectl create namespace nope"),
        "{err}"
    );
    let _ = hub.kill();
    let _ = hub.wait();
}

#[test]
fn install_clean_is_idempotent_and_logs_zip_everything() {
    let e = env("clean");
    let out = run(&e, &["install"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("no default StorageClass"), "{err}");
    assert!(ours(&e.api).contains(&"Deployment mizu/mizu-hub".to_string()));
    // logs: a zip with each pod's log, the events and the CLI log
    let zip = e.dir.join("logs.zip");
    e.api.set_log("mizu", "mizu-hub-", "hub log line\n");
    let out = run(&e, &["logs", "-o", zip.to_str().unwrap_or_default()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = Command::new("python3")
        .args(["-c", "import sys,zipfile;z=zipfile.ZipFile(sys.argv[1]);assert z.testzip() is None;assert all(i.compress_type==zipfile.ZIP_DEFLATED for i in z.infolist());print('\\n'.join(z.namelist()));print(z.read([n for n in z.namelist() if 'mizu-hub-' in n][0]).decode())"])
        .arg(&zip)
        .output()
        .expect("python3");
    let names = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    assert!(
        names.contains("mizu/events.txt") && names.contains("mizu_cli.log"),
        "{names}"
    );
    assert!(
        names.contains(".agent.log") && names.contains("hub log line"),
        "{names}"
    );
    // clean removes every labelled object and says what
    let out = run(&e, &["clean"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("removed daemonset mizu/mizu-agent")
            && err.contains("removed clusterrole mizu-cluster-role"),
        "{err}"
    );
    assert_eq!(ours(&e.api), Vec::<String>::new());
    let out = run(&e, &["clean"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("nothing to remove"), "{err}");
}

#[test]
fn install_uses_a_volume_when_there_is_a_default_storage_class() {
    let e = env("pvc");
    e.api.put(json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path"}));
    let out = run(&e, &["install", "--set", "kube.storage-size=5Gi"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pvc = e
        .api
        .get("v1", "PersistentVolumeClaim", Some("mizu"), "mizu-hub-data")
        .expect("pvc");
    assert_eq!(
        pvc["spec"]["resources"]["requests"]["storage"],
        json!("5Gi")
    );
    let d = e
        .api
        .get("apps/v1", "Deployment", Some("mizu"), "mizu-hub")
        .expect("deployment");
    assert!(
        d["spec"]["template"]["spec"]["containers"][0]["args"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("--data-dir")))
    );
}

#[test]
fn check_reports_a_missing_permission() {
    let e = env("check");
    let out = run(&e, &["check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("every permission mizu needs is granted") && err.contains("Kubernetes 1.35"),
        "{err}"
    );
    e.api.deny("create", "apps", "daemonsets");
    let out = run(&e, &["check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("permission missing: create daemonsets.apps in namespace mizu"),
        "{err}"
    );
    // --image-pull: a test pod with the image, pulled or not, removed afterwards
    let out = run(&e, &["check", "--image-pull"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ok    image ghcr.io/mizu/mizu:") && err.contains("can be pulled"),
        "{err}"
    );
    e.api.pod_fate("no.such.registry/", PodFate::ErrImagePull("Failed to pull image \"no.such.registry/mizu:x\": dial tcp: lookup no.such.registry: no such host".into()));
    let out = run(
        &e,
        &[
            "check",
            "--image-pull",
            "--set",
            "agent-image=no.such.registry/mizu:x",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("FAIL  pod default/mizu-image-pull-test") && err.contains("no such host"),
        "{err}"
    );
    assert!(
        e.api
            .get("v1", "Pod", Some("default"), "mizu-image-pull-test")
            .is_none(),
        "test pod removed"
    );
    e.api.set_version("1", "20");
    let out = run(&e, &["check"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("older than the minimum 1.21"));
}

#[test]
fn dry_run_lists_matching_running_pods_and_prints_manifests() {
    let e = env("dry");
    for (ns, name, phase) in [
        ("shop", "carts-1", "Running"),
        ("shop", "catalogue-1", "Running"),
        ("shop", "cart-pending", "Pending"),
        ("other", "carts-9", "Running"),
    ] {
        e.api.put(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns}, "status": {"phase": phase}}));
    }
    let out = run(&e, &["tap", "^ca", "-n", "shop", "--dry-run"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "+carts-1\n+catalogue-1\n"
    );
    let out = run(&e, &["tap", "carts", "-A", "--dry-run"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "+carts-9\n+carts-1\n");
    let out = run(&e, &["tap", "nothing-matches", "-n", "shop", "--dry-run"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("-A for all"));
    let out = run(&e, &["tap", "--dry-run", "-o", "yaml"]);
    let y = String::from_utf8_lossy(&out.stdout);
    assert!(
        y.contains("kind: DaemonSet") && y.contains("kind: ClusterRoleBinding"),
        "{y}"
    );
    assert!(
        e.api.requests().iter().all(|r| !r.starts_with("POST")),
        "dry run changed nothing"
    );
}

#[test]
fn local_flags_without_a_kubeconfig_are_explained() {
    let dir = std::env::temp_dir().join(format!("mizu-kube-nokc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let out = Command::new(env!("CARGO_BIN_EXE_mizu"))
        .args(["tap", "-A"])
        .env("HOME", &dir)
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no kubeconfig was found"));
    let _ = Path::new(&dir);
}

#[test]
fn kubeconfig_the_kubectl_way_several_files_path_key_and_context() {
    let e = env("kubeconfig");
    // KUBECONFIG with two files: the first has only another context, the second ours.
    let other = e.dir.join("other");
    std::fs::write(
        &other,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: elsewhere\n  cluster:\n    server: http://127.0.0.1:9\n\
         contexts:\n- name: elsewhere\n  context:\n    cluster: elsewhere\n    user: nobody\n\
         users:\n- name: nobody\n  user:\n    token: x\n",
    )
    .expect("write");
    let joined = format!("{}:{}", other.display(), e.kubeconfig.display());
    let out = cmd(&e, &["check", "--set", "kube-context=fake"])
        .env("KUBECONFIG", &joined)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The other context is used when named, and its (dead) server is reported.
    let out = cmd(&e, &["check", "--set", "kube-context=elsewhere"])
        .env("KUBECONFIG", &joined)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("127.0.0.1:9"),
        "{err}"
    );
    // kube-config-path beats KUBECONFIG.
    let out = cmd(
        &e,
        &[
            "check",
            "--set",
            &format!("kube-config-path={}", e.kubeconfig.display()),
        ],
    )
    .env("KUBECONFIG", &other)
    .output()
    .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cmd(
        &e,
        &["check", "--set", "kube-config-path=/nonexistent/kubeconfig"],
    )
    .output()
    .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read the kubeconfig /nonexistent/kubeconfig (kube-config-path)"),
        "{err}"
    );
}
