//! `mizu read --format har` writes HAR 1.2 that Chrome DevTools imports: every fixture's
//! output is checked against the fields and types the HAR 1.2 spec requires (the ones
//! Chrome's importer reads), and against the entries of the same capture.

mod common;

use common::{fixtures, mizu, read_entries};
use serde_json::Value;

fn require<'a>(v: &'a Value, key: &str, ctx: &str) -> &'a Value {
    v.get(key)
        .unwrap_or_else(|| panic!("{ctx}: required HAR field `{key}` missing in {v}"))
}

fn require_pairs(v: &Value, key: &str, ctx: &str) {
    let arr = require(v, key, ctx)
        .as_array()
        .unwrap_or_else(|| panic!("{ctx}: `{key}` must be an array"));
    for p in arr {
        assert!(
            p["name"].is_string() && p["value"].is_string(),
            "{ctx}: {key} item {p}"
        );
    }
}

#[test]
fn har_output_is_valid_har_1_2_for_every_fixture() {
    let mut total = 0;
    for pcap in fixtures() {
        let path = pcap.to_str().expect("utf-8");
        let out = mizu(&["read", "--format", "har", path]);
        assert!(out.status.success(), "{path}");
        let doc: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{path}: HAR is not JSON: {e}"));
        let log = require(&doc, "log", path);
        assert_eq!(log["version"], "1.2");
        assert!(log["creator"]["name"].is_string() && log["creator"]["version"].is_string());
        let entries = require(log, "entries", path)
            .as_array()
            .expect("entries array");
        let http_entries = read_entries(&pcap)
            .into_iter()
            .filter(|e| e["protocol"]["name"] == "http" && e["request"]["method"].is_string())
            .count();
        assert_eq!(
            entries.len(),
            http_entries,
            "{path}: one HAR entry per HTTP entry"
        );
        for (i, e) in entries.iter().enumerate() {
            let ctx = format!("{path} entry {i}");
            let started = require(e, "startedDateTime", &ctx)
                .as_str()
                .expect("string");
            assert!(
                started.ends_with('Z') && started.contains('T'),
                "{ctx}: ISO 8601"
            );
            assert!(
                require(e, "time", &ctx).as_f64().is_some_and(|t| t >= 0.0),
                "{ctx}"
            );
            let req = require(e, "request", &ctx);
            for k in ["method", "url", "httpVersion"] {
                assert!(require(req, k, &ctx).is_string(), "{ctx}: request.{k}");
            }
            for k in ["cookies", "headers", "queryString"] {
                require_pairs(req, k, &ctx);
            }
            for k in ["headersSize", "bodySize"] {
                assert!(require(req, k, &ctx).is_i64(), "{ctx}: request.{k}");
            }
            if let Some(pd) = req.get("postData") {
                assert!(
                    pd["mimeType"].is_string() && pd["text"].is_string(),
                    "{ctx}"
                );
            }
            let resp = require(e, "response", &ctx);
            assert!(require(resp, "status", &ctx).is_i64(), "{ctx}");
            for k in ["statusText", "httpVersion", "redirectURL"] {
                assert!(require(resp, k, &ctx).is_string(), "{ctx}: response.{k}");
            }
            for k in ["cookies", "headers"] {
                require_pairs(resp, k, &ctx);
            }
            let content = require(resp, "content", &ctx);
            assert!(
                content["size"].is_i64() && content["mimeType"].is_string(),
                "{ctx}"
            );
            assert!(require(e, "cache", &ctx).is_object());
            let t = require(e, "timings", &ctx);
            for k in ["send", "wait", "receive"] {
                assert!(
                    t[k].as_f64().is_some_and(|v| v >= 0.0),
                    "{ctx}: timings.{k}"
                );
            }
            total += 1;
        }
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
