//! Helpers shared by the `mizu` binary's integration tests.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// Every capture under `testdata/`, sorted.
pub fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let root = repo_root().join("testdata");
    let Ok(dirs) = std::fs::read_dir(&root) else {
        return out;
    };
    for dir in dirs.flatten() {
        let Ok(files) = std::fs::read_dir(dir.path()) else {
            continue;
        };
        for f in files.flatten() {
            let p = f.path();
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            if ext == "pcap" || ext == "pcapng" {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub fn mizu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mizu"))
        .args(args)
        .output()
        .expect("run mizu")
}

/// `mizu read --format jsonl FILE`, parsed.
pub fn read_entries(path: &Path) -> Vec<serde_json::Value> {
    let out = mizu(&[
        "read",
        "--format",
        "jsonl",
        path.to_str().expect("utf-8 path"),
    ]);
    assert!(
        out.status.success(),
        "mizu read {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

/// One pcap record: (16-byte record header, packet bytes).
pub type Record = (Vec<u8>, Vec<u8>);

/// A classic pcap's records: (global header, records).
pub fn split_pcap(bytes: &[u8]) -> (Vec<u8>, Vec<Record>) {
    assert!(bytes.len() >= 24, "pcap header");
    let le = bytes[0..4] == [0xd4, 0xc3, 0xb2, 0xa1] || bytes[0..4] == [0x4d, 0x3c, 0xb2, 0xa1];
    let mut recs = Vec::new();
    let mut off = 24;
    while off + 16 <= bytes.len() {
        let h = &bytes[off..off + 16];
        let incl = if le {
            u32::from_le_bytes([h[8], h[9], h[10], h[11]])
        } else {
            u32::from_be_bytes([h[8], h[9], h[10], h[11]])
        } as usize;
        let end = off + 16 + incl;
        assert!(end <= bytes.len(), "complete record");
        recs.push((h.to_vec(), bytes[off + 16..end].to_vec()));
        off = end;
    }
    (bytes[..24].to_vec(), recs)
}

pub fn join_pcap(header: &[u8], recs: &[Record]) -> Vec<u8> {
    let mut out = header.to_vec();
    for (h, d) in recs {
        out.extend_from_slice(h);
        out.extend_from_slice(d);
    }
    out
}

/// A scratch directory unique to this test process.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mizu-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// True if tshark runs here.
pub fn tshark_available() -> bool {
    Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// For tshark cross-checks: `true` = skip (tshark missing, allowed locally); panics when
/// `MIZU_REQUIRE_TSHARK` is set (CI), so a missing install never passes silently.
pub fn tshark_skip_or_fail() -> bool {
    if tshark_available() {
        return false;
    }
    assert!(
        std::env::var_os("MIZU_REQUIRE_TSHARK").is_none(),
        "tshark is required for this test: run scripts/install-deps.sh"
    );
    eprintln!("SKIPPED: tshark not installed (scripts/install-deps.sh installs it)");
    true
}

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

/// Checks a HAR document against the fields and types HAR 1.2 requires (the ones Chrome
/// DevTools' importer reads); returns its entries.
pub fn check_har<'a>(doc: &'a Value, path: &str) -> &'a Vec<Value> {
    let log = require(doc, "log", path);
    assert_eq!(log["version"], "1.2");
    assert!(log["creator"]["name"].is_string() && log["creator"]["version"].is_string());
    let entries = require(log, "entries", path)
        .as_array()
        .expect("entries array");
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
    }
    entries
}
