//! The container image, built for real (issue 16): `deploy/build-image.sh` builds the static
//! binary and the image FROM scratch with podman (`--storage-driver vfs`, a private storage
//! dir), and the test checks what a cluster would get, without running a container (not
//! permitted on these machines):
//!
//! 1. the image exists, runs `/mizu` as 65532, and has one layer holding only `/mizu`;
//! 2. the binary taken out of the image (`podman save`) is static (no PT_INTERP; `ldd`
//!    says so) and serves the embedded web UI (`mizu hub` on the host, `GET /`);
//! 3. in a `chroot` holding only that binary and what a pod has (`/etc/hosts`,
//!    `/etc/resolv.conf`, the service account at /var/run/secrets/kubernetes.io/
//!    serviceaccount, and the runtime's /dev/null, zero, random, urandom), as in a
//!    `FROM scratch` container:
//!    - `mizu hub --kube` reaches the API server the in-cluster way
//!      (`KUBERNETES_SERVICE_HOST`, an IP; https trusting only `ca.crt`; the token) and
//!      watches Pods, Services and EndpointSlices (entries get their names);
//!    - `mizu agent --hub ws://mizu-hub.mizu.svc:PORT` finds the hub by name through
//!      `/etc/hosts`, and through DNS with a pod's search path (`nameserver` a tiny
//!      responder on 127.0.0.77:53 answering only `mizu-hub.mizu.svc.cluster.local`): no
//!      NSS modules, no /etc/nsswitch.conf; its entries arrive, named.
//!
//! The binary is built with `PROFILE=dev` (the same static linking and embedded UI as the
//! release image, a fraction of the build time; `MIZU_IMAGE_PROFILE=release` checks the
//! release one). Needs root (podman's storage, chroot, port 53); CI runs as root and
//! `scripts/install-deps.sh` installs podman, so there it always runs.

#[path = "common/incluster.rs"]
mod incluster;

use incluster::*;
use serde_json::Value;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The Service name the agent DaemonSet dials (`mizu-hub.NAMESPACE.svc`, no cluster domain).
const HUB_NAME: &str = "mizu-hub.mizu.svc";
/// What it becomes through a pod's search path.
const HUB_FQDN: &str = "mizu-hub.mizu.svc.cluster.local";
const DNS_IP: &str = "127.0.0.77";

#[test]
fn containerfile_is_from_scratch_around_a_static_binary() {
    let cf = std::fs::read_to_string(repo().join("deploy/Containerfile")).expect("Containerfile");
    assert!(cf.lines().any(|l| l.trim() == "FROM scratch"), "{cf}");
    assert!(cf.contains("COPY mizu /mizu"), "{cf}");
    let script = std::fs::read_to_string(repo().join("deploy/build-image.sh")).expect("script");
    assert!(script.contains("+crt-static") && script.contains("--storage-driver vfs"));
}

fn podman(root: &Path) -> Command {
    let mut c = Command::new("podman");
    c.args(["--storage-driver", "vfs", "--root"])
        .arg(root.join("storage"))
        .arg("--runroot")
        .arg(root.join("run"));
    c
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds the image; returns the static binary taken out of it.
fn build_and_extract(dir: &Path) -> PathBuf {
    let tag = format!("localhost/mizu-test:{}", std::process::id());
    // podman wants its runroot path short (< 50 characters): /tmp, not target/.
    let proot = std::env::temp_dir().join(format!("mizu-podman-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&proot);
    let profile = std::env::var("MIZU_IMAGE_PROFILE").unwrap_or_else(|_| "dev".into());
    let log = dir.join("build.log");
    let status = Command::new("bash")
        .arg(repo().join("deploy/build-image.sh"))
        .arg(&tag)
        .env("PROFILE", &profile)
        .env("PODMAN_ROOT", &proot)
        .env_remove("MIZU_UI_SKIP_BUILD")
        .stdout(std::fs::File::create(&log).expect("log"))
        .stderr(std::fs::File::create(dir.join("build.err")).expect("log"))
        .status()
        .expect("build-image.sh");
    let err = std::fs::read_to_string(dir.join("build.err")).unwrap_or_default();
    assert!(status.success(), "deploy/build-image.sh failed:\n{err}");
    // What the static build cost (cargo's own line), for the CI budget.
    if let Some(l) = err.lines().find(|l| l.contains("Finished")) {
        println!("static {profile} build: {}", l.trim());
    }

    // 1. The image: entrypoint, user, one layer.
    let inspect = run(podman(&proot).args(["image", "inspect", &tag]), "inspect");
    let v: Value = serde_json::from_str(&inspect).expect("inspect json");
    let img = &v[0];
    assert_eq!(
        img["Config"]["Entrypoint"],
        serde_json::json!(["/mizu"]),
        "{img}"
    );
    assert_eq!(img["Config"]["User"], "65532:65532", "{img}");
    let layers = img["RootFS"]["Layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 1, "one layer: {img}");

    // Its layer, taken out with `podman save` (docker-archive: manifest.json + layer tars).
    let archive = dir.join("image.tar");
    run(
        podman(&proot)
            .args(["save", "--format", "docker-archive", "-o"])
            .arg(&archive)
            .arg(&tag),
        "podman save",
    );
    let saved = dir.join("saved");
    std::fs::create_dir_all(&saved).expect("dir");
    run(
        Command::new("tar")
            .arg("-xf")
            .arg(&archive)
            .arg("-C")
            .arg(&saved),
        "untar image",
    );
    let _ = std::fs::remove_file(&archive);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(saved.join("manifest.json")).expect("manifest.json"))
            .expect("manifest");
    let layer_files = manifest[0]["Layers"].as_array().expect("Layers");
    assert_eq!(layer_files.len(), 1, "{manifest}");
    let layer = saved.join(layer_files[0].as_str().expect("layer"));
    let listing = run(Command::new("tar").arg("-tf").arg(&layer), "list layer");
    let files: Vec<&str> = listing
        .lines()
        .map(|l| l.trim_start_matches("./"))
        .filter(|l| !l.is_empty() && !l.ends_with('/'))
        .collect();
    assert_eq!(files, ["mizu"], "the layer holds only /mizu: {listing}");
    let rootfs = dir.join("rootfs");
    std::fs::create_dir_all(&rootfs).expect("dir");
    run(
        Command::new("tar")
            .arg("-xf")
            .arg(&layer)
            .arg("-C")
            .arg(&rootfs),
        "untar layer",
    );
    let _ = std::fs::remove_dir_all(&saved);
    let _ = podman(&proot).args(["rmi", "-f", &tag]).output();
    // The private vfs storage (plain directories, a full copy of the layer) goes too.
    let _ = std::fs::remove_dir_all(&proot);
    rootfs.join("mizu")
}

/// 2a. No program interpreter: the kernel runs it alone, as FROM scratch needs.
fn assert_static(bin: &Path) {
    let elf = run(Command::new("readelf").arg("-lW").arg(bin), "readelf");
    assert!(elf.contains("LOAD"), "{elf}");
    assert!(!elf.contains("INTERP"), "dynamically linked: {elf}");
    let ldd = Command::new("ldd").arg(bin).output().expect("ldd");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&ldd.stdout),
        String::from_utf8_lossy(&ldd.stderr)
    );
    assert!(
        said.contains("not a dynamic executable") || said.contains("statically linked"),
        "ldd: {said}"
    );
}

/// 2b. The web UI is in the binary: `mizu hub` serves the app's index.html on `/`.
fn assert_serves_ui(bin: &Path, dir: &Path) {
    let port = free_port();
    let child = Command::new(bin)
        .args(["hub", "--port", &port.to_string()])
        .env("HOME", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("hub");
    let _hub = Proc(child);
    let mut page = None;
    wait("the extracted binary's hub", 20, || {
        page = http_get(port, "/");
        page.is_some()
    });
    let (status, body) = page.expect("page");
    assert!(status.contains(" 200"), "{status}");
    assert!(
        body.contains("<div id=\"root\"></div>") && body.contains("/assets/"),
        "not the built app's index.html: {body}"
    );
    assert!(
        !body.contains("MIZU_UI_SKIP_BUILD"),
        "placeholder page: {body}"
    );
}

/// A DNS server for one name (UDP, answers A with 127.0.0.1, AAAA with no data, anything
/// else NXDOMAIN); records every name asked.
struct Dns {
    stop: Arc<AtomicBool>,
    asked: Arc<Mutex<Vec<String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Dns {
    fn start(ip: &str, answer: &'static str) -> Dns {
        let sock = UdpSocket::bind((ip, 53)).expect("bind the test DNS server (port 53)");
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        let stop = Arc::new(AtomicBool::new(false));
        let asked = Arc::new(Mutex::new(Vec::new()));
        let (s, a) = (stop.clone(), asked.clone());
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while !s.load(Ordering::Relaxed) {
                let Ok((n, peer)) = sock.recv_from(&mut buf) else {
                    continue;
                };
                if let Some((name, reply)) = dns_reply(&buf[..n], answer) {
                    a.lock().unwrap_or_else(|e| e.into_inner()).push(name);
                    let _ = sock.send_to(&reply, peer);
                }
            }
        });
        Dns {
            stop,
            asked,
            thread: Some(thread),
        }
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The reply to one query (RFC 1035 §4): (the name asked with its type, the reply).
fn dns_reply(q: &[u8], answer: &str) -> Option<(String, Vec<u8>)> {
    if q.len() < 12 || q[2] & 0x80 != 0 || u16::from_be_bytes([q[4], q[5]]) != 1 {
        return None;
    }
    let mut i = 12;
    let mut labels = Vec::new();
    loop {
        let len = *q.get(i)? as usize;
        i += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(q.get(i..i + len)?).to_lowercase());
        i += len;
    }
    let qtype = u16::from_be_bytes([*q.get(i)?, *q.get(i + 1)?]);
    let question = q.get(12..i + 4)?;
    let name = labels.join(".");
    let known = name == answer;
    let a = known && qtype == 1;
    let mut r = Vec::with_capacity(64);
    r.extend_from_slice(&q[..2]);
    // QR, AA, RD as asked, RA; rcode 0 for the known name (NODATA for AAAA), else 3.
    r.push(0x84 | (q[2] & 0x01));
    r.push(if known { 0x80 } else { 0x83 });
    r.extend_from_slice(&[0, 1, 0, u8::from(a), 0, 0, 0, 0]);
    r.extend_from_slice(question);
    if a {
        r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 127, 0, 0, 1]);
    }
    Some((format!("{name}/{qtype}"), r))
}

/// `chroot`'s path: the children get an empty environment (no PATH to search).
fn chroot() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/bin".into()])
        .map(|d| d.join("chroot"))
        .find(|p| p.is_file())
        .expect("chroot (coreutils)")
}

/// `mizu agent` in the pod directory, replaying the capture to the hub by name; its log.
fn agent_in_chroot(pod: &Path, port: u16, node: &str) -> String {
    let log = pod.join(format!("{node}.log"));
    let mut child = Command::new(chroot())
        .arg(pod)
        .args([
            "/mizu",
            "agent",
            "--hub",
            &format!("ws://{HUB_NAME}:{port}"),
        ])
        .args(["--node", node, "--read", "/capture.pcap"])
        .args(["--backoff-min", "0.2", "--backoff-max", "1"])
        .env_clear()
        .env("MIZU_HUB_TOKEN", "image-test")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("chroot agent");
    let code = wait_exit(&mut child, 60);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(code, 0, "agent in the chroot: {text}");
    assert!(
        text.contains(&format!("{CAPTURE_ENTRIES} acknowledged")),
        "every entry delivered: {text}"
    );
    text
}

#[test]
fn image_builds_static_serves_the_ui_and_works_with_only_what_a_pod_has() {
    if !root() {
        eprintln!("skipped: building the image and the chroot checks need root (CI runs as root)");
        return;
    }
    assert!(
        Command::new("podman").arg("--version").output().is_ok(),
        "podman is not installed: scripts/install-deps.sh installs it (apt-get install podman)"
    );
    // Under target/ rather than /tmp: the device nodes of the chroot need a filesystem
    // mounted without `nodev` (a tmpfs /tmp often is).
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mizu-image-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let bin = build_and_extract(&dir);
    assert_static(&bin);
    assert_serves_ui(&bin, &dir);

    // 3. A "pod": only the binary and the files the kubelet provides.
    let pod = dir.join("pod");
    std::fs::create_dir_all(pod.join("etc")).expect("dir");
    // The devices every container runtime creates (the OCI defaults we rely on): in a static
    // binary the random number generator falls back to /dev/urandom.
    std::fs::create_dir_all(pod.join("dev")).expect("dir");
    for (name, minor) in [
        ("null", "3"),
        ("zero", "5"),
        ("random", "8"),
        ("urandom", "9"),
    ] {
        run(
            Command::new("mknod")
                .args(["-m", "666"])
                .arg(pod.join("dev").join(name))
                .args(["c", "1", minor]),
            "mknod",
        );
    }
    std::fs::rename(&bin, pod.join("mizu")).expect("move binary");
    std::fs::copy(
        repo().join("testdata").join(CAPTURE),
        pod.join("capture.pcap"),
    )
    .expect("capture");
    service_account(&pod.join(SA_DIR));
    std::fs::write(
        pod.join("etc/hosts"),
        format!("127.0.0.1 localhost\n127.0.0.1 {HUB_NAME}\n"),
    )
    .expect("hosts");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let api = rt.block_on(cluster());
    let port = free_port();
    let hub_log = dir.join("hub.log");
    let hub = Command::new(chroot())
        .arg(&pod)
        .args([
            "/mizu",
            "hub",
            "--port",
            &port.to_string(),
            "--kube",
            "-n",
            "shop",
        ])
        .env_clear()
        .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        .env("KUBERNETES_SERVICE_PORT", api.addr().port().to_string())
        .env("MIZU_HUB_TOKEN", "image-test")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&hub_log).expect("log"))
        .spawn()
        .expect("chroot hub");
    let _hub = Proc(hub);
    wait("the hub in the chroot", 20, || {
        http_get(port, "/status").is_some()
    });
    wait_watching(&api, 20);

    // The agent finds the hub through /etc/hosts ...
    agent_in_chroot(&pod, port, "node-hosts");
    // ... and through DNS with a pod's search path (ClusterFirstWithHostNet).
    std::fs::write(pod.join("etc/hosts"), "127.0.0.1 localhost\n").expect("hosts");
    std::fs::write(
        pod.join("etc/resolv.conf"),
        format!(
            "nameserver {DNS_IP}\nsearch mizu.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:1 attempts:2\n"
        ),
    )
    .expect("resolv.conf");
    let dns = Dns::start(DNS_IP, HUB_FQDN);
    agent_in_chroot(&pod, port, "node-dns");
    let asked = dns.asked();
    assert!(
        asked.iter().any(|n| n == &format!("{HUB_FQDN}/1")),
        "the agent asked the pod's DNS server for {HUB_FQDN}: {asked:?}"
    );
    drop(dns);

    wait("both agents' entries", 20, || {
        entries(port).len() >= 2 * CAPTURE_ENTRIES
    });
    let all = entries(port);
    assert_eq!(all.len(), 2 * CAPTURE_ENTRIES, "{all:#?}");
    assert_named(&all, "node-hosts");
    assert_named(&all, "node-dns");
    let text = std::fs::read_to_string(&hub_log).unwrap_or_default();
    assert!(text.contains("tapping pods in namespace shop"), "{text}");
    println!(
        "image: one layer with /mizu, static, UI served; in a chroot: in-cluster API over https, hub found via /etc/hosts and via DNS ({} queries)",
        asked.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
