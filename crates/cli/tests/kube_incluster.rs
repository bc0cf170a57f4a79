//! In-cluster configuration (issue 16): the real `mizu hub --kube` run as if in a pod, with
//! no kubeconfig anywhere (`KUBECONFIG` unset, `HOME` empty). In a private mount namespace
//! (`unshare -m`), a tmpfs over /run (/var/run) holds only the service account directory the
//! kubelet mounts (`token`, `ca.crt`, `namespace`) at /var/run/secrets/kubernetes.io/
//! serviceaccount; `KUBERNETES_SERVICE_HOST`/`PORT` point at the fake API server over https
//! (certificate signed by the committed test CA, which only `ca.crt` trusts), which refuses
//! any request without the service account's token. The hub must watch Pods, Services and
//! EndpointSlices through it: an agent's entries come out named from those objects.
//!
//! Needs root (mount namespaces); CI runs as root. Skips only when not root.
//! (`container_image.rs` does the same with the image's static binary in a chroot.)

#[path = "common/incluster.rs"]
mod incluster;

use incluster::*;
use std::process::{Command, Stdio};

#[test]
fn hub_in_a_pod_watches_the_cluster_through_its_service_account() {
    if !root() {
        eprintln!("skipped: needs root (unshare -m, mounts); CI runs as root");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let api = rt.block_on(cluster());
    let dir = tmpdir("incluster");
    let sa = service_account(&dir.join("serviceaccount"));
    let port = free_port();
    let mizu = env!("CARGO_BIN_EXE_mizu");
    let hub_log = dir.join("hub.log");
    // The pod's view: the service account where kube-rs reads it, nothing else changed.
    let pod = "mount -t tmpfs tmpfs /var/run \
               && mkdir -p /var/run/secrets/kubernetes.io/serviceaccount \
               && mount --bind \"$1\" /var/run/secrets/kubernetes.io/serviceaccount \
               && shift && exec \"$@\"";
    let hub = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", pod, "sh"])
        .arg(&sa)
        .arg(mizu)
        .args(["hub", "--port", &port.to_string(), "--kube", "-n", "shop"])
        .env_remove("KUBECONFIG")
        .env("HOME", &dir)
        .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        .env("KUBERNETES_SERVICE_PORT", api.addr().port().to_string())
        .env("MIZU_HUB_TOKEN", "incluster-test")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&hub_log).expect("log"))
        .spawn()
        .expect("unshare");
    let _hub = Proc(hub);
    let log = || std::fs::read_to_string(&hub_log).unwrap_or_default();
    wait("the hub", 20, || http_get(port, "/status").is_some());
    wait_watching(&api, 20);
    assert!(
        log().contains("tapping pods in namespace shop"),
        "{}",
        log()
    );

    // Entries from an agent (on the host) get names from the watched objects.
    let agent_log = dir.join("agent.log");
    let mut agent = Command::new(mizu)
        .args(["agent", "--hub", &format!("ws://127.0.0.1:{port}")])
        .args(["--node", "node-a", "--read"])
        .arg(repo().join("testdata").join(CAPTURE))
        .env("MIZU_HUB_TOKEN", "incluster-test")
        .env("HOME", &dir)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&agent_log).expect("log"))
        .spawn()
        .expect("agent");
    let code = wait_exit(&mut agent, 60);
    assert_eq!(
        code,
        0,
        "{}",
        std::fs::read_to_string(&agent_log).unwrap_or_default()
    );
    wait("the agent's entries", 20, || {
        entries(port).len() >= CAPTURE_ENTRIES
    });
    assert_named(&entries(port), "node-a");
    assert!(
        !log().contains("retrying"),
        "a watch failed (token, CA or address): {}",
        log()
    );
    println!(
        "in-cluster: service account token + ca.crt over https to {}; names from the watches",
        api.url()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
