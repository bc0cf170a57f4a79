//! Cross-checks `mizu read` against tshark on the committed HTTP/2 and gRPC captures:
//! the same number of HTTP/2 requests, the same `:path`s, `:status` codes and
//! `grpc-status` values, file by file.
//!
//! tshark needs to be told the ports are HTTP/2 (`-d tcp.port==PORT,http2`); the upgrade
//! capture is decoded as HTTP (`-o http.tcp.port:8084`) so tshark follows the `101` into
//! HTTP/2. There the upgraded request is HTTP/1.1 (tshark counts no `:method` for it) and a
//! second connection stays HTTP/1.1, so only HTTP/2 responses are compared for that file.
//! Gated like `tshark.rs`: skipped without tshark unless `MIZU_REQUIRE_TSHARK` is set.

mod common;

use common::{read_entries, repo_root};
use std::collections::BTreeMap;
use std::process::Command;

fn decode_opts(name: &str) -> Vec<&'static str> {
    if name.starts_with("04-") {
        vec!["-o", "http.tcp.port:8084"]
    } else {
        vec![
            "-d",
            "tcp.port==8083,http2",
            "-d",
            "tcp.port==8084,http2",
            "-d",
            "tcp.port==50051,http2",
        ]
    }
}

/// Rows of `-T fields` output, each field split on the aggregator `|`.
fn tshark_rows(pcap: &std::path::Path, filter: &str, fields: &[&str]) -> Vec<Vec<Vec<String>>> {
    let name = pcap.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let mut cmd = Command::new("tshark");
    cmd.args(["-r", pcap.to_str().expect("utf-8")])
        .args(decode_opts(name))
        .args(["-Y", filter, "-T", "fields", "-E", "aggregator=|"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(out.status.success(), "tshark failed on {}", pcap.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            l.split('\t')
                .map(|f| {
                    f.split('|')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .collect()
        })
        .collect()
}

fn flat(rows: Vec<Vec<Vec<String>>>) -> Vec<String> {
    rows.into_iter()
        .flat_map(|r| r.into_iter().next().unwrap_or_default())
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
fn paths_statuses_and_grpc_status_match_tshark() {
    if common::tshark_skip_or_fail() {
        return;
    }
    let dir = repo_root().join("testdata/http2");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata/http2")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "http2 fixtures missing");
    for pcap in &files {
        let name = pcap
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_owned();
        let entries = read_entries(pcap);
        let h2: Vec<_> = entries
            .iter()
            .filter(|e| e["protocol"]["version"] == "2.0")
            .collect();
        let theirs_paths = counts(flat(tshark_rows(
            pcap,
            "http2.headers.path",
            &["http2.headers.path"],
        )));
        let theirs_status = counts(flat(tshark_rows(
            pcap,
            "http2.headers.status",
            &["http2.headers.status"],
        )));
        let ours_status = counts(
            h2.iter()
                .filter_map(|e| e["response"]["status"].as_u64())
                .map(|s| s.to_string()),
        );
        assert_eq!(
            ours_status, theirs_status,
            "{name}: :status codes differ from tshark"
        );
        if !name.starts_with("04-") {
            let ours_paths = counts(
                h2.iter()
                    .filter_map(|e| e["request"]["headers"][":path"].as_str())
                    .map(str::to_owned),
            );
            assert_eq!(
                ours_paths, theirs_paths,
                "{name}: :paths differ from tshark"
            );
            assert_eq!(
                h2.len(),
                theirs_paths.values().sum::<usize>(),
                "{name}: request count differs from tshark"
            );
        }
        // grpc-status: pair each frame's header names with their values.
        let mut theirs_grpc = Vec::new();
        for row in tshark_rows(
            pcap,
            "http2.header.name == \"grpc-status\"",
            &["http2.header.name", "http2.header.value"],
        ) {
            let (names, values) = (&row[0], row.get(1).cloned().unwrap_or_default());
            for (n, v) in names.iter().zip(values) {
                if n == "grpc-status" {
                    theirs_grpc.push(v);
                }
            }
        }
        let ours_grpc: Vec<String> = h2
            .iter()
            .filter_map(|e| e["response"]["grpc"]["status"].as_u64())
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            counts(ours_grpc),
            counts(theirs_grpc),
            "{name}: grpc-status differs from tshark"
        );
    }
}
