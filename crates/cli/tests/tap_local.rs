//! `mizu tap --local` end to end (scripts/e2e/tap_local.sh): real servers in netns pods,
//! live capture, assertions through the hub API. Needs root (CI runs as root); skips
//! only when not root.

use std::process::Command;

fn root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn tap_local_sees_every_request_with_names_and_pcap_out_matches() {
    if !root() {
        eprintln!("skipped: needs root (netns pods, AF_PACKET); CI runs as root");
        return;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/e2e/tap_local.sh"
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
        stdout.contains("http 40/40 = 100%, redis 20/20 = 100%; names ok"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("identical to the live ones"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("host mode: bridge 10/10 = 100%, names ok"),
        "{stdout}\n{stderr}"
    );
    assert!(stderr.contains("[e2e-tap] PASS"), "{stderr}");
}
