//! Golden tests: every capture in `testdata/` decodes to exactly the entries committed
//! next to it (`NN-case.pcap` → `NN-case.expected.jsonl`). Regenerate after an intended
//! change with `UPDATE_EXPECT=1 cargo test -p mizu-cli --test golden` and review the diff.

mod common;

use common::{fixtures, mizu};

fn expected_path(p: &std::path::Path) -> std::path::PathBuf {
    let stem = p.file_stem().and_then(|s| s.to_str()).expect("file stem");
    p.with_file_name(format!("{stem}.expected.jsonl"))
}

#[test]
fn every_fixture_matches_its_expected_entries() {
    let files = fixtures();
    assert!(files.len() >= 10, "fixtures missing: found {}", files.len());
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for pcap in &files {
        let out = mizu(&["read", "--format", "jsonl", pcap.to_str().expect("utf-8")]);
        let got = String::from_utf8(out.stdout).expect("utf-8");
        let exp_path = expected_path(pcap);
        if update {
            std::fs::write(&exp_path, &got).expect("write expected");
            continue;
        }
        let want = std::fs::read_to_string(&exp_path).unwrap_or_else(|_| {
            panic!(
                "{} has no expected output; create it with UPDATE_EXPECT=1",
                pcap.display()
            )
        });
        if got != want {
            // Show the first differing line to make the failure readable.
            let (i, (g, w)) = got
                .lines()
                .zip(want.lines())
                .enumerate()
                .find(|(_, (g, w))| g != w)
                .unwrap_or((
                    got.lines().count().min(want.lines().count()),
                    ("<end>", "<end>"),
                ));
            failures.push(format!(
                "{}: entry {} differs (got {} entries, want {})\n  got:  {}\n  want: {}",
                pcap.display(),
                i + 1,
                got.lines().count(),
                want.lines().count(),
                g.chars().take(400).collect::<String>(),
                w.chars().take(400).collect::<String>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ; if intended, rerun with UPDATE_EXPECT=1:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
