//! Diagnostics are typed: `mizu read --stats` counts them by kind, and the counts match
//! what the entries show (each kind asserted against a capture whose problems are known).

mod common;

use common::{mizu, repo_root};
use serde_json::Value;

/// `mizu read` of a capture with a stats flag; returns what it printed on stderr.
fn read_stats(capture: &str, flag: &str) -> String {
    let p = repo_root().join(capture);
    let o = mizu(&[
        "read",
        "--format",
        "jsonl",
        flag,
        p.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stats_json(capture: &str) -> Value {
    let err = read_stats(capture, "--stats-json");
    serde_json::from_str(err.trim().lines().last().unwrap_or_default()).expect("stats JSON")
}

/// Two oversized heads (`limit`) and five odd lines or skipped bytes (`malformed`).
#[test]
fn odd_heads_count_limit_and_malformed() {
    let v = stats_json("testdata/http1/17-odd-heads.pcap");
    let e = &v["engine"];
    assert_eq!(e["diagnostics"], 7, "{e}");
    assert_eq!(
        e["diagnostics_by_kind"],
        serde_json::json!({"limit": 2, "malformed": 5})
    );
    assert_eq!(
        e["protocols"]["http1"]["diagnostics_by_kind"],
        serde_json::json!({"limit": 2, "malformed": 5})
    );
}

/// Heads cut by a 200-byte snaplen are `gap`s; the kinds add up to the total.
#[test]
fn snaplen_cuts_count_as_gaps_and_kinds_add_up() {
    let v = stats_json("testdata/http1/13-snaplen-200.pcap");
    let e = &v["engine"];
    let by_kind = e["diagnostics_by_kind"].as_object().expect("map");
    let sum: u64 = by_kind.values().filter_map(Value::as_u64).sum();
    assert_eq!(Some(sum), e["diagnostics"].as_u64(), "{e}");
    assert_eq!(by_kind.get("gap").and_then(Value::as_u64), Some(19), "{e}");
}

/// An RST_STREAM from a peer is a `peer_error`; an unanswered AMQP request `unanswered`.
#[test]
fn peer_errors_and_unanswered() {
    let v = stats_json("testdata/http2/02-nghttp-two-streams.pcap");
    assert_eq!(
        v["engine"]["diagnostics_by_kind"],
        serde_json::json!({"peer_error": 1})
    );
    let v = stats_json("testdata/amqp/02-confirm-tx.pcap");
    assert_eq!(
        v["engine"]["diagnostics_by_kind"],
        serde_json::json!({"unanswered": 1})
    );
}

/// The text form prints one line with the total and each kind seen.
#[test]
fn text_stats_show_kinds() {
    let err = read_stats("testdata/http1/17-odd-heads.pcap", "--stats");
    assert!(
        err.lines()
            .any(|l| l == "diagnostics      7 (limit 2, malformed 5)"),
        "{err}"
    );
}
