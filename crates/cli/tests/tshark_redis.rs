//! Cross-checks `mizu read` against tshark's `resp` dissector on the committed Redis
//! captures (`testdata/redis/`): the same commands (by name, as a multiset) and the same
//! error replies, file by file.
//!
//! tshark 4.0 decodes RESP2 arrays of bulk strings when a message sits in one segment; it
//! does not reassemble RESP across segments (it miscounts commands in the mass-insert and
//! 200 KB captures) and shows inline commands only as `[fragment]`s. Where tshark cannot be
//! the truth, the truth is the client's input instead: `03-pipe-inline.txt` and
//! `04-pipe-resp.txt` (what `redis-cli --pipe` sent, committed next to the captures), and
//! the command list of `scripts/fixtures/redis.sh` for `08-big-value`.
//! Gated like `tshark.rs`: skipped without tshark unless `MIZU_REQUIRE_TSHARK` is set.

mod common;

use common::{read_entries, repo_root, tshark_skip_or_fail};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

type Counts = BTreeMap<String, usize>;

fn tshark_fields(pcap: &Path, filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-r", pcap.to_str().expect("utf-8")]).args([
        "-Y",
        filter,
        "-T",
        "fields",
        "-E",
        "aggregator=,",
    ]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(out.status.success(), "tshark failed on {}", pcap.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

fn unhex(h: &str) -> String {
    let h: String = h.chars().filter(|c| *c != ':').collect();
    let bytes: Vec<u8> = (0..h.len() / 2)
        .filter_map(|i| u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    String::from_utf8_lossy(&bytes).to_ascii_uppercase()
}

/// Commands tshark decodes in client-to-server frames: the first bulk string of each
/// top-level array (client arrays are flat, so lengths and values line up in order).
fn tshark_commands(pcap: &Path) -> Counts {
    let mut counts = Counts::new();
    for row in tshark_fields(
        pcap,
        "tcp.dstport == 6379 && resp",
        &["resp.array.length", "resp.bulk_string.value"],
    ) {
        let lens: Vec<usize> = row
            .first()
            .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
            .unwrap_or_default();
        let vals: Vec<&str> = row
            .get(1)
            .map(|s| s.split(',').filter(|v| !v.is_empty()).collect())
            .unwrap_or_default();
        let mut i = 0;
        for n in lens {
            if let Some(v) = vals.get(i) {
                *counts.entry(unhex(v)).or_default() += 1;
            }
            i += n;
        }
    }
    counts
}

/// Error replies tshark decodes, in order.
fn tshark_errors(pcap: &Path) -> Vec<String> {
    tshark_fields(pcap, "resp.error", &["resp.error"])
        .into_iter()
        .filter_map(|r| r.into_iter().next())
        .collect()
}

fn mizu_commands(entries: &[Value], kind: &str) -> Counts {
    let mut counts = Counts::new();
    for e in entries {
        if e["request"]["type"] == kind
            && let Some(c) = e["request"]["command"].as_str()
        {
            *counts.entry(c.to_owned()).or_default() += 1;
        }
    }
    counts
}

/// Every error in every response value (top level and inside EXEC arrays), in order.
fn mizu_errors(entries: &[Value]) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(e)) = m.get("error") {
                    out.push(e.clone());
                }
                m.values().for_each(|v| walk(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for e in entries {
        let r = &e["response"];
        if let Some(err) = r["error"].as_str() {
            out.push(err.to_owned());
        } else {
            walk(&r["value"], &mut out);
        }
    }
    out
}

fn dir() -> std::path::PathBuf {
    repo_root().join("testdata/redis")
}

fn counts(list: &[(&str, usize)]) -> Counts {
    list.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

#[test]
fn commands_and_errors_match_tshark() {
    if tshark_skip_or_fail() {
        return;
    }
    // RESP2 captures whose every command tshark decodes (05 and 06 use RESP3 replies, but
    // requests stay RESP2 arrays, which tshark decodes).
    let files = [
        "01-commands.pcap",
        "02-errors.pcap",
        "05-pubsub.pcap",
        "06-resp3.pcap",
        "07-multi-exec.pcap",
    ];
    for f in files {
        let p = dir().join(f);
        let entries = read_entries(&p);
        let want = tshark_commands(&p);
        assert!(!want.is_empty(), "{f}: tshark found no commands");
        assert_eq!(mizu_commands(&entries, "array"), want, "{f}: commands");
        // Error replies: tshark decodes RESP2 ones (06's replies are RESP3 except errors,
        // which are the same `-` line in both versions).
        assert_eq!(mizu_errors(&entries), tshark_errors(&p), "{f}: errors");
    }
}

#[test]
fn inline_pipe_matches_its_input_file() {
    // tshark shows inline commands only as fragments: the truth is what redis-cli sent.
    // 03 sends CRLF lines; 10 (issue 14) bare LF lines as the connection's first bytes.
    for name in ["03-pipe-inline", "10-pipe-lf"] {
        let input = std::fs::read_to_string(dir().join(format!("{name}.txt"))).expect("input");
        let sent: Vec<(String, String)> = input
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let mut w = l.split_whitespace();
                (
                    w.next().unwrap_or_default().to_ascii_uppercase(),
                    w.next().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let pcap = dir().join(format!("{name}.pcap"));
        let entries = read_entries(&pcap);
        let got: Vec<(String, String)> = entries
            .iter()
            .filter(|e| e["request"]["type"] == "inline")
            .map(|e| {
                (
                    e["request"]["command"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    e["request"]["key"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        assert_eq!(got, sent, "{name}");
        // Every inline command was answered, and redis-cli's RESP `ECHO` marker follows.
        assert!(
            entries.iter().all(|e| e["response"]["type"].is_string()),
            "{name}"
        );
        assert_eq!(
            mizu_commands(&entries, "array"),
            counts(&[("ECHO", 1)]),
            "{name}"
        );
        if !tshark_skip_or_fail() {
            // tshark does see the marker (a RESP array).
            assert_eq!(tshark_commands(&pcap), counts(&[("ECHO", 1)]), "{name}");
        }
    }
}

#[test]
fn mass_insert_matches_its_input_file() {
    // 250 pipelined commands in few large segments: tshark miscounts them (no RESP
    // reassembly across segments); the input file is the truth.
    let input = std::fs::read(dir().join("04-pipe-resp.txt")).expect("input file");
    let mut want = Counts::new();
    for part in input.split(|&b| b == b'*').skip(1) {
        // `N\r\n$L\r\nCMD\r\n…`: the command is the third line.
        if let Some(cmd) = part.split(|&b| b == b'\n').nth(2) {
            let cmd = String::from_utf8_lossy(cmd).trim().to_ascii_uppercase();
            *want.entry(cmd).or_default() += 1;
        }
    }
    *want.entry("ECHO".to_owned()).or_default() += 1; // redis-cli --pipe's marker
    assert_eq!(want.values().sum::<usize>(), 251);
    let entries = read_entries(&dir().join("04-pipe-resp.pcap"));
    assert_eq!(mizu_commands(&entries, "array"), want);
    assert!(entries.iter().all(|e| e["response"]["type"] == "integer"
        || e["response"]["type"] == "string"
        || e["response"]["type"] == "bulk"));
}

#[test]
fn big_value_is_one_set() {
    let entries = read_entries(&dir().join("08-big-value.pcap"));
    assert_eq!(
        mizu_commands(&entries, "array"),
        counts(&[("SET", 1), ("STRLEN", 1), ("GETRANGE", 1)])
    );
    let set = entries
        .iter()
        .find(|e| e["request"]["command"] == "SET")
        .expect("SET");
    assert_eq!(
        set["request"]["args"][1].as_str().map(str::len),
        Some(204_800)
    );
    assert!(set["requestSize"].as_u64().expect("size") > 204_800);
    let strlen = entries
        .iter()
        .find(|e| e["request"]["command"] == "STRLEN")
        .expect("STRLEN");
    assert_eq!(strlen["response"]["value"], 204_800);
}

/// A capture that starts mid-connection (its first packets dropped) still decodes the later
/// commands exactly as the full capture does; what precedes them is flagged `gap` or intact.
/// In 07 the cuts land in the handshake, the `COMMAND DOCS` request and inside its 170 KB
/// array reply (mid-reply pickup: inner arrays look like replies and commands). Deeper
/// cuts there leave more than the engine's 64 KiB probe budget of unrecognisable reply
/// bytes before the next command, and the engine stops probing that flow (an engine limit,
/// not the dissector's), so 05 (small messages, four connections) is cut further.
#[test]
fn dropping_the_first_packets_keeps_the_later_commands() {
    use common::{join_pcap, scratch, split_pcap};
    let key = |e: &Value| {
        (
            e["request"]["command"].clone(),
            e["request"]["args"].clone(),
            e["response"]["value"].clone(),
        )
    };
    let scratch = scratch("redis-midstream");
    for (file, cuts, keep) in [("07-multi-exec.pcap", 5, 8), ("05-pubsub.pcap", 12, 4)] {
        let path = dir().join(file);
        let full = read_entries(&path);
        let (hdr, recs) = split_pcap(&std::fs::read(&path).expect("fixture"));
        let tail: Vec<_> = full[full.len() - keep..].iter().map(key).collect();
        for k in 1..=cuts {
            let p = scratch.join(format!("cut{k}-{file}"));
            std::fs::write(&p, join_pcap(&hdr, &recs[k..])).expect("write");
            let got = read_entries(&p);
            let got_keys: Vec<_> = got.iter().map(key).collect();
            assert!(
                got_keys.ends_with(&tail),
                "{file}: dropping {k} packets: got {got_keys:?}"
            );
            for e in &got {
                assert!(
                    full.iter().any(|f| key(f) == key(e)) || e["gap"] == true,
                    "{file}: dropping {k} packets: a damaged exchange must be flagged: {e}"
                );
            }
        }
    }
}
