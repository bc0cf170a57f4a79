//! Cross-checks `mizu read` against tshark on the committed AMQP captures: every method
//! frame tshark decodes (`amqp.method.class` / `amqp.method.method`) appears exactly as
//! often among mizu's entries (request method plus response method of each entry).

mod common;

use common::{fixtures, read_entries};
use mizu_dissectors::amqp::wire::method_spec;
use std::collections::BTreeMap;
use std::process::Command;

/// tshark's method frames as `Class.Method` names (a frame may carry several methods:
/// comma-separated values).
fn tshark_methods(pcap: &std::path::Path) -> BTreeMap<String, usize> {
    let out = Command::new("tshark")
        .args(["-r", pcap.to_str().expect("utf-8")])
        .args(["-Y", "amqp.method.class", "-T", "fields"])
        .args(["-e", "amqp.method.class", "-e", "amqp.method.method"])
        .output()
        .expect("run tshark");
    assert!(out.status.success(), "tshark failed on {}", pcap.display());
    let mut m = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut cols = line.split('\t');
        let classes = cols.next().unwrap_or("");
        let methods = cols.next().unwrap_or("");
        for (c, mm) in classes.split(',').zip(methods.split(',')) {
            let (Ok(c), Ok(mm)) = (c.trim().parse::<u16>(), mm.trim().parse::<u16>()) else {
                panic!("unexpected tshark line {line:?}");
            };
            let name =
                method_spec(c, mm).map_or_else(|| format!("{c}.{mm}"), |s| s.name.to_owned());
            *m.entry(name).or_default() += 1;
        }
    }
    m
}

fn mizu_methods(pcap: &std::path::Path) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for e in read_entries(pcap) {
        assert_eq!(e["protocol"]["name"], "amqp", "{e}");
        for side in ["request", "response"] {
            if let Some(name) = e[side]["method"].as_str().filter(|s| !s.is_empty()) {
                *m.entry(name.to_owned()).or_default() += 1;
            }
        }
    }
    m
}

#[test]
fn amqp_methods_match_tshark() {
    if common::tshark_skip_or_fail() {
        return;
    }
    let files: Vec<_> = fixtures()
        .into_iter()
        .filter(|p| p.parent().is_some_and(|d| d.ends_with("amqp")))
        .collect();
    assert!(files.len() >= 3, "amqp fixtures missing");
    for pcap in files {
        let want = tshark_methods(&pcap);
        assert!(
            !want.is_empty(),
            "tshark found no AMQP in {}",
            pcap.display()
        );
        let got = mizu_methods(&pcap);
        assert_eq!(
            got,
            want,
            "{}: mizu vs tshark method counts",
            pcap.display()
        );
    }
}

#[test]
fn amqp_bodies_match_tshark() {
    if common::tshark_skip_or_fail() {
        return;
    }
    // The 200,000-byte publish of 03 arrives in 4 body frames; mizu assembles one body.
    let pcap = common::repo_root().join("testdata/amqp/03-big-message.pcap");
    let out = Command::new("tshark")
        .args(["-r", pcap.to_str().expect("utf-8")])
        .args(["-Y", "amqp.type == 3", "-T", "fields"])
        .args(["-e", "amqp.type", "-e", "amqp.length"])
        .output()
        .expect("run tshark");
    // Per line: the frame types and lengths of one packet, comma-separated.
    let mut frames = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut cols = line.split('\t');
        let (types, lens) = (cols.next().unwrap_or(""), cols.next().unwrap_or(""));
        for (t, l) in types.split(',').zip(lens.split(',')) {
            if t.trim() == "3" {
                frames.push(l.trim().parse::<u64>().expect("length"));
            }
        }
    }
    assert!(
        frames.len() >= 2,
        "several body frames expected: {frames:?}"
    );
    let total: u64 = frames.iter().sum();
    let entries = read_entries(&pcap);
    let publish = entries
        .iter()
        .find(|e| e["request"]["method"] == "Basic.Publish")
        .expect("a publish");
    assert_eq!(publish["request"]["body"]["size"], total);
    assert_eq!(
        publish["request"]["body"]["text"].as_str().map(str::len),
        Some(total as usize)
    );
}
