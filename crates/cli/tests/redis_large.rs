//! Redis captures too large for a committed expected-output file
//! (`testdata/redis/large/`, made by `scripts/fixtures/redis.sh`), checked by counts.

mod common;

use common::{mizu, read_entries, repo_root};
use serde_json::Value;

/// Issue 14: `redis-cli --pipe` sends `MULTI`, 20,000 `INCR tx:c` and `EXEC` (inline, LF)
/// before the first reply. Every command pairs with its own reply: 20,000 `QUEUED`, the
/// EXEC array, no orphan and no diagnostic (the old 1,024-request bound left ~19,000
/// `QUEUED` replies without their request).
#[test]
fn multi_with_20000_queued_commands_pairs_every_reply() {
    let pcap = repo_root().join("testdata/redis/large/11-multi-20k.pcap");
    let entries = read_entries(&pcap);
    assert_eq!(
        entries.len(),
        20_003,
        "MULTI + 20,000 INCR + EXEC + ECHO marker"
    );
    let command = |e: &Value| e["request"]["command"].as_str().map(str::to_owned);
    assert_eq!(command(&entries[0]).as_deref(), Some("MULTI"));
    assert_eq!(entries[0]["response"]["value"], "OK");
    for (i, e) in entries[1..20_001].iter().enumerate() {
        assert_eq!(command(e).as_deref(), Some("INCR"), "entry {}", i + 1);
        assert_eq!(e["request"]["type"], "inline");
        assert_eq!(e["response"]["value"], "QUEUED", "entry {}", i + 1);
        assert!(e.get("diagnostics").is_none(), "entry {}: {e}", i + 1);
        assert_eq!(e["gap"], false);
    }
    let exec = &entries[20_001];
    assert_eq!(command(exec).as_deref(), Some("EXEC"));
    assert_eq!(exec["response"]["type"], "array");
    // `*20000` then `:1` … `:20000`, each line with its CRLF.
    let want: u64 = "*20000\r\n".len() as u64
        + (1..=20_000u64)
            .map(|i| format!(":{i}\r\n").len() as u64)
            .sum::<u64>();
    assert_eq!(exec["responseSize"], want);
    assert_eq!(command(&entries[20_002]).as_deref(), Some("ECHO"));

    let out = mizu(&[
        "read",
        "--stats-json",
        "--format",
        "none",
        pcap.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success());
    let stats: Value = serde_json::from_slice(&out.stderr).expect("stats JSON");
    assert_eq!(
        stats["engine"]["protocols"]["redis"]["diagnostics"], 0,
        "{stats}"
    );
    assert_eq!(stats["engine"]["unparsed_bytes"], 0, "{stats}");
}
