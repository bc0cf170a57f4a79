//! `mizu read --traffic-validation-file`: every printed HTTP entry a rule applies to gets
//! a `rules` object (compared exactly with `testdata/rules/*.rules.jsonl`, one line per
//! entry, `UPDATE_EXPECT=1` rewrites it); the rest of each entry is byte-identical to the
//! golden output without rules; a bad file is exit 2 with the rule and field named.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mizu"))
        .current_dir(root())
        .arg("read")
        .args(args)
        .output()
        .expect("run mizu")
}

#[test]
fn read_annotates_entries() {
    let pcap = "testdata/http1/09-forms-multipart-cookies.pcap";
    let out = read(&[
        "-f",
        "jsonl",
        "--traffic-validation-file",
        "testdata/rules/rules.yaml",
        pcap,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let golden = std::fs::read_to_string(
        root().join("testdata/http1/09-forms-multipart-cookies.expected.jsonl"),
    )
    .expect("golden");
    let mut rules = String::new();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), golden.lines().count());
    for (line, want) in lines.iter().zip(golden.lines()) {
        // The rules object is the entry's last member: without it the line is the golden one.
        match line.find(",\"rules\":{") {
            Some(i) => {
                assert_eq!(format!("{}}}", &line[..i]), want);
                let v: serde_json::Value = serde_json::from_str(line).expect("json");
                rules.push_str(&v["rules"].to_string());
            }
            None => {
                assert_eq!(*line, want);
                rules.push_str("null");
            }
        }
        rules.push('\n');
    }
    let expected = root().join("testdata/rules/09-forms-multipart-cookies.rules.jsonl");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&expected, &rules).expect("write");
    }
    assert_eq!(
        rules,
        std::fs::read_to_string(&expected).expect("expected rules")
    );
    // Passes and failures of each rule type.
    let all: Vec<serde_json::Value> = rules
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| !v.is_null())
        .collect();
    for kind in ["json", "header", "slo"] {
        for passed in [true, false] {
            let seen = all
                .iter()
                .flat_map(|v| v["results"].as_array().cloned().unwrap_or_default())
                .any(|r| r["type"] == kind && r["passed"] == passed);
            if kind == "header" && !passed {
                continue; // every response of this capture is JSON
            }
            assert!(seen, "{kind} passed={passed} in {rules}");
        }
    }
    assert!(all.iter().any(|v| v["status"] == false) && all.iter().any(|v| v["status"] == true));
}

#[test]
fn bad_rules_file_exit_2() {
    let dir = std::env::temp_dir().join(format!("mizu-cli-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        "rules:\n  - name: s\n    type: slo\n    latency: soon\n",
    )
    .expect("write");
    let out = read(&[
        "--traffic-validation-file",
        &bad.to_string_lossy(),
        "testdata/http1/09-forms-multipart-cookies.pcap",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(r#"rule 1 ("s"): `latency`: must be a number of milliseconds >= 1"#),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}
