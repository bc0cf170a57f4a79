//! `mizu read --format har` writes HAR 1.2 that Chrome DevTools imports: every fixture's
//! output is checked against the fields and types the HAR 1.2 spec requires (the ones
//! Chrome's importer reads), and against the entries of the same capture.

mod common;

use common::{fixtures, mizu, read_entries};
use serde_json::Value;

#[test]
fn har_output_is_valid_har_1_2_for_every_fixture() {
    let mut total = 0;
    for pcap in fixtures() {
        let path = pcap.to_str().expect("utf-8");
        let out = mizu(&["read", "--format", "har", path]);
        assert!(out.status.success(), "{path}");
        let doc: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{path}: HAR is not JSON: {e}"));
        let entries = common::check_har(&doc, path);
        let http_entries = read_entries(&pcap)
            .into_iter()
            .filter(|e| e["protocol"]["name"] == "http" && e["request"]["method"].is_string())
            .count();
        assert_eq!(
            entries.len(),
            http_entries,
            "{path}: one HAR entry per HTTP entry"
        );
        total += entries.len();
    }
    assert!(total >= 50, "HAR entries checked: {total}");
}

#[test]
fn har_of_a_known_capture_has_the_expected_calls() {
    let p = common::repo_root().join("testdata/http1/05-delete-404-head-304.pcap");
    let out = mizu(&["read", "--format", "har", p.to_str().expect("utf-8")]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("HAR JSON");
    let calls: Vec<(String, i64)> = doc["log"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["request"]["method"].as_str().unwrap_or("").to_owned(),
                e["response"]["status"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    let want: Vec<(String, i64)> = [
        ("DELETE", 204),
        ("GET", 404),
        ("HEAD", 200),
        ("GET", 200),
        ("GET", 304),
    ]
    .iter()
    .map(|(m, s)| ((*m).to_owned(), *s))
    .collect();
    assert_eq!(calls, want);
}
