//! Cross-checks `mizu read` against tshark's `websocket` dissector on the committed
//! WebSocket captures (`testdata/websocket/`), file by file and direction by direction:
//! the number of frames, the payload bytes on the wire, the opcodes of the messages'
//! first frames, the close codes and reasons, and the text of every unfragmented text
//! frame tshark could decode.
//!
//! tshark 4.0 is not the truth for compressed text everywhere: it inflates each frame on
//! its own, so a compressed message sent in fragments comes out as garbage, and with
//! context takeover it shows some client messages empty. Texts are compared only where
//! tshark shows one for a single-frame message, as a multiset that mizu's must contain.
//! Gated like `tshark.rs`: skipped without tshark unless `MIZU_REQUIRE_TSHARK` is set.

mod common;

use common::{read_entries, repo_root, tshark_skip_or_fail};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const PORT: &str = "8765";

/// Per direction (`client`/`server`): what the two tools agree on.
#[derive(Debug, Default, PartialEq)]
struct Side {
    frames: u64,
    payload_bytes: u64,
    /// Opcodes of first frames (continuations left out), counted.
    opcodes: BTreeMap<u64, usize>,
    /// (code, reason) of close frames.
    closes: Vec<(u64, String)>,
}

/// A single-frame text message tshark decoded: (direction, text).
type Texts = BTreeMap<(String, String), usize>;

fn tshark(pcap: &Path) -> (BTreeMap<String, Side>, Texts) {
    let out = Command::new("tshark")
        .args(["-r", pcap.to_str().expect("utf-8")])
        .args(["-d", &format!("tcp.port=={PORT},http")])
        .args(["-Y", "websocket", "-T", "fields", "-E", "occurrence=f"])
        .args([
            "-e",
            "tcp.srcport",
            "-e",
            "websocket.fin",
            "-e",
            "websocket.opcode",
        ])
        .args([
            "-e",
            "websocket.payload_length",
            "-e",
            "websocket.payload.close.status_code",
        ])
        .args([
            "-e",
            "websocket.payload.close.reason",
            "-e",
            "websocket.payload.text",
        ])
        .args([
            "-e",
            "websocket.payload_length_ext_16",
            "-e",
            "websocket.payload_length_ext_64",
        ])
        .output()
        .expect("run tshark");
    assert!(out.status.success(), "tshark failed on {}", pcap.display());
    let mut sides: BTreeMap<String, Side> = BTreeMap::new();
    let mut texts = Texts::new();
    // One line per TCP segment; a segment may carry several frames, but the captures
    // here put each frame in a segment of its own (checked by the frame count).
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let get = |i: usize| f.get(i).copied().unwrap_or("");
        let dir = if get(0) == PORT { "server" } else { "client" }.to_owned();
        let (fin, op) = (get(1) == "1", get(2).parse::<u64>().unwrap_or(99));
        let side = sides.entry(dir.clone()).or_default();
        side.frames += 1;
        // 126 and 127 mean "the extended length field holds it".
        let len = [get(8), get(7), get(3)]
            .iter()
            .find_map(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        side.payload_bytes += len;
        if op != 0 {
            *side.opcodes.entry(op).or_default() += 1;
        }
        if op == 8 {
            side.closes
                .push((get(4).parse().unwrap_or(0), get(5).to_owned()));
        }
        // Texts over mizu's default body cap (1 MiB) are compared by size only.
        if op == 1 && fin && !get(6).is_empty() && get(6).len() <= 1 << 20 {
            *texts.entry((dir, get(6).to_owned())).or_default() += 1;
        }
    }
    (sides, texts)
}

fn mizu(pcap: &Path) -> (BTreeMap<String, Side>, Texts) {
    let mut sides: BTreeMap<String, Side> = BTreeMap::new();
    let mut texts = Texts::new();
    let mut msgs: Vec<Value> = Vec::new();
    for e in read_entries(pcap) {
        if e["protocol"]["name"] != "websocket" {
            continue;
        }
        for part in ["request", "response"] {
            if e[part].is_object() {
                msgs.push(e[part].clone());
            }
        }
    }
    for m in msgs {
        let dir = m["from"].as_str().expect("from").to_owned();
        let side = sides.entry(dir.clone()).or_default();
        side.frames += m["frames"].as_u64().expect("frames");
        let wire = if m["compressed"] == true {
            &m["compressedSize"]
        } else {
            &m["size"]
        };
        side.payload_bytes += wire.as_u64().expect("size");
        *side
            .opcodes
            .entry(m["opcode"].as_u64().expect("opcode"))
            .or_default() += 1;
        if m["type"] == "close" {
            side.closes.push((
                m["code"].as_u64().unwrap_or(0),
                m["reason"].as_str().unwrap_or("").to_owned(),
            ));
        }
        if m["type"] == "text" {
            let t = m["text"].as_str().expect("text").to_owned();
            *texts.entry((dir, t)).or_default() += 1;
        }
    }
    (sides, texts)
}

#[test]
fn websocket_frames_match_tshark() {
    if tshark_skip_or_fail() {
        return;
    }
    let dir = repo_root().join("testdata/websocket");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata/websocket")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "websocket captures missing");
    for pcap in &files {
        let (want, want_texts) = tshark(pcap);
        let (got, got_texts) = mizu(pcap);
        assert!(
            !want.is_empty(),
            "tshark found no frames in {}",
            pcap.display()
        );
        assert_eq!(got, want, "{}", pcap.display());
        for (k, n) in &want_texts {
            let have = got_texts.get(k).copied().unwrap_or(0);
            assert!(
                have >= *n,
                "{}: tshark shows {n}× {k:?}, mizu {have}×",
                pcap.display()
            );
        }
    }
}
