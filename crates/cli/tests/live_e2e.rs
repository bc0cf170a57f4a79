//! Live capture end to end, through the real binary and the hub API: real servers in netns
//! pods, AF_PACKET capture. Each test runs a script of `scripts/e2e/`; they need root (CI
//! runs as root) and skip only when not root. They run one at a time: a tap in host mode
//! would otherwise see the other test's traffic.
//!
//! - `tap_local.sh`: `mizu tap --local` (namespaces appearing and going, names, own
//!   traffic excluded, `--pcap-out` read back identical, host mode on a bridge);
//! - `tap_workers.sh`: `--workers 2` (PACKET_FANOUT) for `mizu tap` in netns and bridge
//!   mode and for `mizu agent`: every request of concurrent clients exactly once, flow
//!   ids distinct, both workers received packets;
//! - `agents_live.sh`: two live agents in two netns "nodes" feeding one hub;
//! - `protocols_live.sh`: h2c (nghttpd/nghttp), gRPC (grpcio) and AMQP (RabbitMQ + pika)
//!   through `mizu tap --local`, seen ÷ sent = 100% with method/path/status and names;
//! - `replay_live.sh`: fixture pcaps sent into a veth while `mizu tap` captures it give
//!   the same entries as `mizu read` of those files (only time, capture kind, id and
//!   names set aside).
//! - `export_replay.sh`: `POST /replay/` from the hub to a pod, pcap and HAR export of a
//!   filter read back by `mizu read` and tshark, from `mizu tap` and from `mizu hub`
//!   asking a live agent for the packets.

use std::process::Command;
use std::sync::Mutex;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs `scripts/e2e/<script>` with the binary; it must succeed, print each of `lines` on
/// stdout and end with `[<tag>] PASS` on stderr.
fn e2e(script: &str, lines: &[&str], tag: &str) {
    if !root() {
        eprintln!("skipped: needs root (netns pods, AF_PACKET); CI runs as root");
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let path = format!("{}/../../scripts/e2e/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(path)
        .arg(env!("CARGO_BIN_EXE_mizu"))
        .output()
        .expect("run the e2e script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{script} failed:\n{stdout}\n{stderr}");
    for line in lines {
        assert!(
            stdout.contains(line),
            "{script}: no `{line}`:\n{stdout}\n{stderr}"
        );
    }
    assert!(stderr.contains(&format!("[{tag}] PASS")), "{stderr}");
}

#[test]
fn tap_local_sees_every_request_with_names_and_pcap_out_matches() {
    e2e(
        "tap_local.sh",
        &[
            "http 40/40 = 100%, redis 20/20 = 100%; names ok",
            "identical to the live ones",
            "host mode: bridge 10/10 = 100%, names ok",
        ],
        "e2e-tap",
    );
}

#[test]
fn two_capture_workers_see_every_request_exactly_once() {
    e2e(
        "tap_workers.sh",
        &[
            "netns: 36/36 = 100%, no duplicates, 36 connections with distinct flow ids",
            "bridge: 36/36 = 100%, no duplicates, 36 connections with distinct flow ids",
            "agent: 36/36 = 100%, no duplicates, 36 connections with distinct flow ids",
        ],
        "e2e-workers",
    );
}

#[test]
fn two_live_agents_one_hub_every_entry_names_its_node() {
    e2e(
        "agents_live.sh",
        &["node-a 25/25 = 100%, node-b 25/25 = 100%; every entry names its node"],
        "e2e-agents",
    );
}

#[test]
fn tap_local_sees_every_h2c_grpc_and_amqp_request_with_names() {
    e2e(
        "protocols_live.sh",
        &[
            "seen/sent: h2 24/24 = 100%, grpc 20/20 = 100%, amqp 20/20 publishes + 20/20 gets = 100%; names ok",
        ],
        "e2e-proto",
    );
}

#[test]
fn live_capture_of_replayed_fixtures_equals_mizu_read_of_them() {
    e2e(
        "replay_live.sh",
        &[
            "replay: 117 live entries identical to mizu read of the same files (amqp, http, kafka, redis, websocket)",
        ],
        "e2e-replay",
    );
}

#[test]
fn tap_replays_from_the_hub_and_exports_pcap_and_har_of_a_filter() {
    e2e(
        "export_replay.sh",
        &[
            "replay: 200 'page 3' from the pod",
            "replay: refused 502, timeout 504",
            "replay: the replayed request was captured with x-mizu-replay",
            "pcap export: 3 entries through mizu read (['/p1', '/p2', '/p4']), identical to the hub's",
            "pcap export: tshark sees the same 3 requests",
            "har: the filter's 2 calls",
            "agent pcap export: 2 entries through mizu read, identical to the hub's",
        ],
        "e2e-export",
    );
}
