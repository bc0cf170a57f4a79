//! A capture that starts in the middle of a keep-alive connection (its first packets
//! dropped) still decodes the later exchanges, identically to the full capture.

mod common;

use common::{join_pcap, read_entries, repo_root, scratch, split_pcap};

fn key(e: &serde_json::Value) -> (String, String, u64, String) {
    (
        e["request"]["method"].as_str().unwrap_or("").to_owned(),
        e["request"]["url"].as_str().unwrap_or("").to_owned(),
        e["response"]["status"].as_u64().unwrap_or(0),
        e["response"]["content"]["text"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
    )
}

#[test]
fn dropping_the_first_packets_keeps_the_later_exchanges() {
    let path = repo_root().join("testdata/http1/01-keepalive-bridge.pcap");
    let full = read_entries(&path);
    assert_eq!(full.len(), 4);
    let (hdr, recs) = split_pcap(&std::fs::read(&path).expect("fixture"));
    let dir = scratch("midstream");
    // Cut anywhere in the first exchange: handshake, request or response lost.
    for k in 1..=6 {
        let p = dir.join(format!("cut{k}.pcap"));
        std::fs::write(&p, join_pcap(&hdr, &recs[k..])).expect("write");
        let got = read_entries(&p);
        let later: Vec<_> = full[1..].iter().map(key).collect();
        let got_keys: Vec<_> = got.iter().map(key).collect();
        assert!(
            got_keys.ends_with(&later),
            "dropping {k} packets: later exchanges {later:?} not all decoded, got {got_keys:?}"
        );
        // Whatever precedes them is the first exchange: intact (only the handshake was
        // lost), or damaged and flagged as such.
        for e in &got[..got.len() - later.len()] {
            assert!(
                key(e) == key(&full[0]) || e["gap"] == true,
                "dropping {k} packets: a damaged first exchange must be flagged: {e}"
            );
        }
    }
}
