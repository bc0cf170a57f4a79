//! `mizu read --filter '… and limit(n)'` prints the first `n` matching entries and stops
//! (issue 14 item 6), for files (decoding and printing on two threads) and for a pipe
//! (everything on one thread).

mod common;

use common::{mizu, read_entries, repo_root};
use std::io::Write;
use std::process::{Command, Stdio};

fn lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

#[test]
fn limit_stops_after_n_entries() {
    let pcap = repo_root().join("testdata/http1/06-pipelining.pcap");
    let all = read_entries(&pcap);
    assert!(all.len() > 2, "the fixture has more than 2 entries");
    let path = pcap.to_str().expect("utf-8");
    for filter in ["http and limit(2)", "limit(2)", "limit(5) and limit(2)"] {
        let out = mizu(&["read", "--format", "jsonl", "--filter", filter, path]);
        assert!(out.status.success(), "{filter}");
        let got = lines(&out.stdout);
        assert_eq!(got.len(), 2, "{filter}");
        // The first two, in order.
        assert_eq!(got[0]["request"]["path"], all[0]["request"]["path"]);
        assert_eq!(got[1]["request"]["path"], all[1]["request"]["path"]);
    }
    let out = mizu(&["read", "--format", "jsonl", "--filter", "limit(0)", path]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());

    // From a pipe (`tcpdump -w - | mizu read -`).
    let mut child = Command::new(env!("CARGO_BIN_EXE_mizu"))
        .args([
            "read",
            "--format",
            "jsonl",
            "--filter",
            "http and limit(1)",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run mizu");
    let bytes = std::fs::read(&pcap).expect("fixture");
    if let Some(mut stdin) = child.stdin.take() {
        // mizu may stop reading once it has its entry: a broken pipe is fine.
        let _ = stdin.write_all(&bytes);
    }
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    assert_eq!(lines(&out.stdout).len(), 1);
}
