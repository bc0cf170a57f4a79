//! Cross-checks `mizu read` against tshark's `kafka` dissector on the committed Kafka
//! captures (`testdata/kafka/`).
//!
//! What tshark 4.0 is the truth for: request **headers** of every version — API key, API
//! version and correlation id of each request frame (compared as multisets per file) — and,
//! for the old versions it still decodes fully (kafka-python pinned to
//! `api_version=(2,0,0)`: `05-old-versions.pcap`), the topic names of Produce and Fetch
//! requests. Bodies of current versions (Produce v9+, Fetch v12+, Metadata v12, …) are
//! "[Unsupported API version]" to tshark 4.0; for those the truth is the encoders of
//! `kafka-protocol` in the unit tests (`crates/dissectors/src/kafka/tests.rs` builds
//! conversations with them and checks every decoded field), and the clients' own input
//! (topic names, keys and values in `scripts/fixtures/kafka_client.py`), checked below.
//! Gated like `tshark.rs`: skipped without tshark unless `MIZU_REQUIRE_TSHARK` is set.
//! Also here, without tshark: mid-stream pickup on the real captures.

mod common;

use common::{join_pcap, read_entries, repo_root, scratch, split_pcap, tshark_skip_or_fail};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

type Counts = BTreeMap<String, usize>;

fn kafka_captures() -> Vec<PathBuf> {
    let dir = repo_root().join("testdata/kafka");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// One line per matching packet; each field's values split on the aggregator.
fn tshark_fields(pcap: &Path, filter: &str, fields: &[&str]) -> Vec<Vec<Vec<String>>> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-r", pcap.to_str().expect("utf-8")])
        .args(["-d", "tcp.port==9092,kafka"])
        .args(["-Y", filter, "-T", "fields", "-E", "aggregator=,"]);
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
                    f.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .collect()
        })
        .collect()
}

fn count(items: impl IntoIterator<Item = String>) -> Counts {
    let mut m = Counts::new();
    for i in items {
        *m.entry(i).or_default() += 1;
    }
    m
}

/// `key/version/correlation id` of every request tshark sees (packets towards 9092; a
/// packet may carry several PDUs, whose fields come aggregated in order).
fn tshark_requests(pcap: &Path) -> Counts {
    let rows = tshark_fields(
        pcap,
        "kafka && tcp.dstport == 9092",
        &["kafka.api_key", "kafka.api_version", "kafka.correlation_id"],
    );
    count(rows.into_iter().flat_map(|r| {
        let (k, v, c) = (&r[0], &r[1], &r[2]);
        (0..k.len().min(v.len()).min(c.len()))
            .map(|i| format!("{}/{}/{}", k[i], v[i], c[i]))
            .collect::<Vec<_>>()
    }))
}

fn mizu_requests(entries: &[Value]) -> Counts {
    count(entries.iter().map(|e| {
        let r = &e["request"];
        format!("{}/{}/{}", r["apiKey"], r["apiVersion"], r["correlationID"])
    }))
}

#[test]
fn request_headers_match_tshark() {
    if tshark_skip_or_fail() {
        return;
    }
    let files = kafka_captures();
    if files.is_empty() {
        eprintln!("SKIPPED: no Kafka captures (run scripts/fixtures/kafka.sh)");
        return;
    }
    for pcap in files {
        let entries = read_entries(&pcap);
        assert!(!entries.is_empty(), "{}: no entries", pcap.display());
        assert!(
            entries.iter().all(|e| e["protocol"]["name"] == "kafka"),
            "{}: non-Kafka entries",
            pcap.display()
        );
        assert_eq!(
            mizu_requests(&entries),
            tshark_requests(&pcap),
            "{}: request headers differ from tshark",
            pcap.display()
        );
        // Every request tshark saw was answered in these captures (acks=1 everywhere).
        let unanswered: Vec<_> = entries
            .iter()
            .filter(|e| e["response"].is_null())
            .map(|e| e["request"]["apiKeyName"].clone())
            .collect();
        assert!(
            unanswered.is_empty(),
            "{}: unanswered {unanswered:?}",
            pcap.display()
        );
    }
}

#[test]
fn old_version_topics_match_tshark() {
    if tshark_skip_or_fail() {
        return;
    }
    let pcap = repo_root().join("testdata/kafka/05-old-versions.pcap");
    if !pcap.exists() {
        eprintln!("SKIPPED: {} missing", pcap.display());
        return;
    }
    let entries = read_entries(&pcap);
    for (key, name) in [(0, "Produce"), (1, "Fetch")] {
        let theirs = count(
            tshark_fields(
                &pcap,
                &format!("kafka.api_key == {key} && tcp.dstport == 9092"),
                &["kafka.topic_name"],
            )
            .into_iter()
            .flat_map(|r| r.into_iter().flatten()),
        );
        let ours = count(
            entries
                .iter()
                .filter(|e| e["request"]["apiKey"] == key)
                .flat_map(|e| {
                    let p = &e["request"]["payload"];
                    let list = if key == 0 {
                        &p["topicData"]
                    } else {
                        &p["topics"]
                    };
                    list.as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|t| {
                            t.get("name")
                                .or_else(|| t.get("topic"))
                                .and_then(Value::as_str)
                                .map(str::to_owned)
                        })
                }),
        );
        assert_eq!(ours, theirs, "{name} request topics differ from tshark");
    }
}

/// The records the clients produced (kafka_client.py) come back decoded, whatever the codec.
#[test]
fn produced_records_decode_under_every_codec() {
    let pcap = repo_root().join("testdata/kafka/01-produce-codecs.pcap");
    if !pcap.exists() {
        eprintln!("SKIPPED: {} missing", pcap.display());
        return;
    }
    let entries = read_entries(&pcap);
    let mut seen = Counts::new();
    for e in entries.iter().filter(|e| e["request"]["apiKey"] == 0) {
        for td in e["request"]["payload"]["topicData"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for pd in td["partitionData"].as_array().into_iter().flatten() {
                for batch in pd["records"].as_array().into_iter().flatten() {
                    for r in batch["records"].as_array().into_iter().flatten() {
                        let codec = batch["compression"].as_str().unwrap_or("?");
                        let value: Value =
                            serde_json::from_str(r["value"].as_str().unwrap_or("null"))
                                .unwrap_or(Value::Null);
                        assert_eq!(value["codec"], codec, "value of a {codec} batch: {r}");
                        assert!(r["key"].as_str().is_some_and(|k| k.starts_with(codec)));
                        *seen.entry(codec.to_owned()).or_default() += 1;
                    }
                }
            }
        }
    }
    for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
        assert_eq!(seen.get(codec), Some(&3), "records per codec: {seen:?}");
    }
}

/// What identifies an exchange across runs (flow ids and times may differ).
fn exchange(e: &Value) -> String {
    format!(
        "{}/{}/{}/{}",
        e["request"]["apiKeyName"],
        e["request"]["correlationID"],
        e["request"]["clientID"],
        e["response"]
    )
}

/// A capture that starts in the middle of the connections (its first packets dropped)
/// still decodes the later exchanges exactly as the full capture does, and never invents
/// one: every exchange decoded from the cut capture is one of the full capture's.
#[test]
fn dropping_the_first_packets_keeps_the_later_exchanges() {
    let path = repo_root().join("testdata/kafka/03-consumer-group.pcap");
    if !path.exists() {
        eprintln!("SKIPPED: {} missing", path.display());
        return;
    }
    let full: Vec<String> = read_entries(&path).iter().map(exchange).collect();
    let (hdr, recs) = split_pcap(&std::fs::read(&path).expect("fixture"));
    let dir = scratch("kafka-midstream");
    for k in [1, 3, 4, 5, 7, 9, 14, 20, 30] {
        let p = dir.join(format!("cut{k}.pcap"));
        std::fs::write(&p, join_pcap(&hdr, &recs[k..])).expect("write");
        let got: Vec<String> = read_entries(&p).iter().map(exchange).collect();
        let mut pool = full.clone();
        for g in &got {
            let at = pool.iter().position(|f| f == g);
            assert!(at.is_some(), "dropping {k} packets: invented {g}");
            if let Some(i) = at {
                pool.remove(i);
            }
        }
        assert!(
            got.len() + k >= full.len(),
            "dropping {k} packets lost too much: {} of {}",
            got.len(),
            full.len()
        );
    }
}
