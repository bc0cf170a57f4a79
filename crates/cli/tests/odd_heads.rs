//! The real capture `testdata/http1/17-odd-heads.pcap` (issue 12 item 1, issue 14 item 7):
//! heads over 64 KiB keep their place in the pairing, heads strict parsers refuse are
//! shown with their oddity flagged.

mod common;

use common::{read_entries, repo_root};

#[test]
fn oversized_and_odd_heads_pair_correctly() {
    let got = read_entries(&repo_root().join("testdata/http1/17-odd-heads.pcap"));
    let rows: Vec<(String, i64, bool, bool)> = got
        .iter()
        .map(|e| {
            (
                e["request"]["path"].as_str().unwrap_or("").to_owned(),
                e["response"]["status"].as_i64().unwrap_or(0),
                e["truncated"] == true,
                e["gap"] == true,
            )
        })
        .collect();
    let want = [
        ("/bigcookie", 200, true, false),
        ("/json", 200, false, false),
        ("/", 200, false, false),
        ("/foo\tbar", 400, false, false),
        ("/json", 200, false, false),
        ("/foo\tbar", 400, false, false),
        ("/json", 400, false, false),
        ("/json", 431, true, false),
    ];
    let want: Vec<(String, i64, bool, bool)> = want
        .iter()
        .map(|(p, s, t, g)| ((*p).to_owned(), *s, *t, *g))
        .collect();
    assert_eq!(rows, want);
    let diag = |i: usize, prefix: &str| {
        assert!(
            got[i]["diagnostics"].as_array().is_some_and(|d| d
                .iter()
                .any(|x| x.as_str().is_some_and(|x| x.starts_with(prefix)))),
            "entry {i}: no diagnostic starting with {prefix:?}: {}",
            got[i]
        );
    };
    diag(0, "response head larger than 65536 bytes");
    diag(3, "request: request target holds a tab");
    diag(4, "request: header X-Odd holds a NUL byte");
    diag(7, "request head larger than 65536 bytes");
    // The 70 KB response head is counted whole on its own entry.
    assert!(got[0]["responseSize"].as_u64().is_some_and(|n| n > 70_000));
    assert!(got[7]["requestSize"].as_u64().is_some_and(|n| n > 70_000));
}
