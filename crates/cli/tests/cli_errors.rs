//! Bad input gets a one-line error that names the problem and the next step, with the
//! documented exit status; a truncated capture still prints what it could decode.

mod common;

use common::{mizu, repo_root, scratch, split_pcap};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn missing_file_exits_3_and_names_it() {
    let o = mizu(&["read", "/nonexistent/capture.pcap"]);
    assert_eq!(o.status.code(), Some(3));
    let e = stderr(&o);
    assert!(e.contains("/nonexistent/capture.pcap"), "{e}");
    assert_eq!(e.trim().lines().count(), 1, "one line: {e}");
}

#[test]
fn empty_file_exits_3() {
    let p = scratch("empty").join("empty.pcap");
    std::fs::write(&p, b"").expect("write");
    let o = mizu(&["read", p.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("empty"), "{}", stderr(&o));
}

#[test]
fn text_file_exits_3_with_hint() {
    let p = scratch("text").join("notes.txt");
    std::fs::write(&p, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
    let o = mizu(&["read", p.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(3));
    let e = stderr(&o);
    assert!(e.contains("not a pcap"), "{e}");
    assert!(e.contains("tcpdump"), "suggests how to get a capture: {e}");
}

#[test]
fn truncated_file_prints_what_it_decoded_and_exits_4() {
    let full = std::fs::read(repo_root().join("testdata/http1/01-keepalive-bridge.pcap"))
        .expect("fixture");
    let (hdr, recs) = split_pcap(&full);
    // Keep all but the last record, then half of the last record's bytes.
    let mut cut = common::join_pcap(&hdr, &recs[..recs.len() - 1]);
    let last = &recs[recs.len() - 1];
    cut.extend_from_slice(&last.0);
    cut.extend_from_slice(&last.1[..last.1.len() / 2]);
    let p = scratch("trunc").join("cut.pcap");
    std::fs::write(&p, &cut).expect("write");
    let o = mizu(&["read", "--format", "jsonl", p.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("truncated"), "{}", stderr(&o));
    let lines = String::from_utf8_lossy(&o.stdout).lines().count();
    assert_eq!(lines, 4, "all 4 exchanges precede the cut packet");
}

#[test]
fn bad_option_value_is_a_usage_error() {
    let o = mizu(&["read", "--max-body", "12Q", "x.pcap"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown size unit"), "{}", stderr(&o));
}

#[test]
fn stats_report_counts() {
    let p = repo_root().join("testdata/http1/02-keepalive-any.pcap");
    let o = mizu(&[
        "read",
        "--format",
        "jsonl",
        "--stats-json",
        p.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success());
    let v: serde_json::Value =
        serde_json::from_str(stderr(&o).trim()).expect("stats JSON on stderr");
    assert_eq!(v["source"]["packets"], 90);
    assert_eq!(v["engine"]["entries"], 4);
    // Every packet appears 3 times in an -i any capture: each payload byte is delivered
    // once and counted twice as a duplicate.
    let r = &v["engine"]["reassembly"];
    let delivered = r["bytes_delivered"].as_u64().expect("delivered");
    assert_eq!(
        delivered, 2374,
        "the bridge capture of this connection carries 2374 bytes"
    );
    assert_eq!(r["duplicate_bytes"].as_u64(), Some(2 * delivered));
    assert_eq!(v["engine"]["reassembly"]["gaps"], 0);
}

/// Output that cannot be written (a full disk) stops decoding with exit 5 and says so;
/// JSON lines are printed by a second thread, whose error must still reach the exit code.
#[test]
fn unwritable_output_exits_5() {
    let pcap = repo_root().join("testdata/http1/01-keepalive-bridge.pcap");
    for format in ["jsonl", "table", "har"] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_mizu"))
            .args(["read", "--format", format, pcap.to_str().expect("utf-8")])
            .stdout(full)
            .output()
            .expect("run mizu");
        assert_eq!(o.status.code(), Some(5), "{format}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("cannot write output"),
            "{format}: {}",
            stderr(&o)
        );
    }
}

/// The threaded printer and `--filter` together: the same entries as filtering the
/// whole output afterwards, in the same order.
#[test]
fn filter_on_the_printing_thread_keeps_order() {
    let pcap = repo_root().join("testdata/http1/01-keepalive-bridge.pcap");
    let p = pcap.to_str().expect("utf-8");
    let all = mizu(&["read", "--format", "jsonl", p]);
    let some = mizu(&[
        "read",
        "--format",
        "jsonl",
        "--filter",
        "response.status == 200",
        p,
    ]);
    assert_eq!(some.status.code(), Some(0), "{}", stderr(&some));
    let want: Vec<&str> = std::str::from_utf8(&all.stdout)
        .expect("utf-8")
        .lines()
        .filter(|l| l.contains("\"status\":200,"))
        .collect();
    let got: Vec<&str> = std::str::from_utf8(&some.stdout)
        .expect("utf-8")
        .lines()
        .collect();
    assert!(!want.is_empty(), "fixture has 200 responses");
    assert_eq!(got, want);
}

#[test]
fn unsupported_link_type_is_named_and_nothing_decoded_exits_3() {
    let good = repo_root().join("testdata/http1/01-keepalive-bridge.pcap");
    let mut bytes = std::fs::read(&good).expect("fixture");
    // The pcap header's link type (bytes 20..24, little-endian here): 30.
    assert_eq!(&bytes[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
    bytes[20..24].copy_from_slice(&30u32.to_le_bytes());
    let p = scratch("linktype").join("link30.pcap");
    std::fs::write(&p, &bytes).expect("write");
    let packets = split_pcap(&bytes).1.len();
    let path = p.to_str().expect("utf-8");
    let o = mizu(&["read", "--format", "jsonl", path]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let want = format!(
        "mizu: {path}: {packets} packets of link type 30 (LINKTYPE numbers) that mizu cannot decode: nothing in them was decoded."
    );
    assert!(stderr(&o).contains(&want), "{want}\n{}", stderr(&o));
    // With a decodable capture next to it: its entries print, the other file is still
    // named, and the exit status is 0 (something was decoded).
    let o = mizu(&[
        "read",
        "--format",
        "jsonl",
        good.to_str().expect("utf-8"),
        path,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 4);
    assert!(stderr(&o).contains(&want), "{}", stderr(&o));
}
