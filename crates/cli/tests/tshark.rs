//! Cross-checks `mizu read` against tshark on the committed HTTP/1 captures: the same
//! request methods and the same response status codes, file by file.
//!
//! tshark counts `100 Continue` as a response of its own; mizu folds 1xx (except 101) into
//! the final response's `informational` list, so those are compared separately.
//! `-i any` captures hold every packet 3 times and tshark counts the copies, so that file is
//! compared with its bridge twin instead; the snaplen-cut capture is compared on requests
//! only, because tshark cannot frame the cut responses (its README has the numbers).

mod common;

use common::{fixtures, read_entries, repo_root};
use std::collections::BTreeMap;
use std::process::Command;

fn tshark_fields(pcap: &std::path::Path, filter: &str, field: &str) -> Vec<String> {
    let out = Command::new("tshark")
        .args([
            "-r",
            pcap.to_str().expect("utf-8"),
            "-o",
            "http.tcp.port:8080,8081",
        ])
        .args(["-Y", filter, "-T", "fields", "-e", field])
        .output()
        .expect("run tshark");
    assert!(out.status.success(), "tshark failed on {}", pcap.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .flat_map(|l| l.split(',').map(str::to_owned).collect::<Vec<_>>())
        .filter(|s| !s.is_empty())
        .collect()
}

fn counts<I: IntoIterator<Item = String>>(items: I) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for i in items {
        *m.entry(i).or_default() += 1;
    }
    m
}

#[test]
fn methods_and_status_codes_match_tshark() {
    if common::tshark_skip_or_fail() {
        return;
    }
    let files: Vec<_> = fixtures()
        .into_iter()
        .filter(|p| p.parent().is_some_and(|d| d.ends_with("http1")))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.contains("-any")
        })
        .collect();
    assert!(files.len() >= 10, "http1 fixtures missing");
    let mut checked = 0;
    for pcap in files {
        let name = pcap
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_owned();
        let entries = read_entries(&pcap);
        let ours_methods = counts(
            entries
                .iter()
                .filter_map(|e| e["request"]["method"].as_str())
                .filter(|m| !m.is_empty())
                .map(str::to_owned),
        );
        let theirs_methods = counts(tshark_fields(&pcap, "http.request", "http.request.method"));
        assert_eq!(
            ours_methods, theirs_methods,
            "{name}: request methods differ from tshark"
        );
        checked += 1;
        if name.contains("snaplen") {
            continue;
        }
        let theirs_codes = tshark_fields(&pcap, "http.response", "http.response.code");
        let (informational, finals): (Vec<String>, Vec<String>) = theirs_codes
            .into_iter()
            .partition(|c| c.starts_with('1') && c != "101");
        let ours_codes = counts(
            entries
                .iter()
                .filter_map(|e| e["response"]["status"].as_u64())
                .map(|s| s.to_string()),
        );
        assert_eq!(
            ours_codes,
            counts(finals),
            "{name}: final status codes differ from tshark"
        );
        let ours_info = counts(entries.iter().flat_map(|e| {
            e["response"]["informational"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|c| c.to_string())
        }));
        assert_eq!(
            ours_info,
            counts(informational),
            "{name}: 1xx responses differ from tshark"
        );
    }
    assert!(checked >= 10);
}

/// The `-i any` capture of the keep-alive connection (each packet 3 times, Linux SLL2)
/// must give the same exchanges as the bridge capture of the same connection.
#[test]
fn any_interface_capture_equals_bridge_capture() {
    let dir = repo_root().join("testdata/http1");
    let bridge = read_entries(&dir.join("01-keepalive-bridge.pcap"));
    let any = read_entries(&dir.join("02-keepalive-any.pcap"));
    assert_eq!(bridge.len(), 4, "4 exchanges on the keep-alive connection");
    assert_eq!(any.len(), bridge.len());
    for (a, b) in any.iter().zip(&bridge) {
        for f in [
            &["request", "method"][..],
            &["request", "url"],
            &["response", "status"],
            &["response", "content", "text"],
            &["requestSize"],
            &["responseSize"],
            &["gap"],
        ] {
            let pick = |v: &serde_json::Value| f.iter().fold(v.clone(), |v, k| v[*k].clone());
            assert_eq!(pick(a), pick(b), "field {f:?}");
        }
    }
}
