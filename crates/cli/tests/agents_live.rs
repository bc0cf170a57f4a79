//! Two live agents (two netns "nodes") feeding one hub, end to end
//! (scripts/e2e/agents_live.sh): real HTTP servers, AF_PACKET capture in each node's
//! namespace, assertions through the hub API. Needs root (CI runs as root); skips only
//! when not root.

use std::process::Command;

fn root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn two_live_agents_one_hub_every_entry_names_its_node() {
    if !root() {
        eprintln!("skipped: needs root (netns pods, AF_PACKET); CI runs as root");
        return;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/e2e/agents_live.sh"
    );
    let out = Command::new("bash")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_mizu"))
        .output()
        .expect("run the e2e script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "e2e failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("node-a 25/25 = 100%, node-b 25/25 = 100%; every entry names its node"),
        "{stdout}\n{stderr}"
    );
    assert!(stderr.contains("[e2e-agents] PASS"), "{stderr}");
}
