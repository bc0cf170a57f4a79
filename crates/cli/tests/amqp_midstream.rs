//! A capture that starts in the middle of an AMQP connection (its first packets, the
//! protocol header and the handshake included, dropped) still decodes the later methods
//! (Kubeshark #1307/#1443: Mizu never picked up connections opened before the capture).

mod common;

use common::{join_pcap, read_entries, repo_root, scratch, split_pcap};

fn key(e: &serde_json::Value) -> (String, String, String) {
    (
        e["request"]["method"].as_str().unwrap_or("").to_owned(),
        e["response"]["method"].as_str().unwrap_or("").to_owned(),
        e["request"]["body"]["text"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
    )
}

#[test]
fn dropping_the_first_packets_keeps_the_later_methods() {
    let path = repo_root().join("testdata/amqp/01-pika-basics.pcap");
    let full = read_entries(&path);
    assert!(full.len() > 20);
    let (hdr, recs) = split_pcap(&std::fs::read(&path).expect("fixture"));
    let dir = scratch("amqp-midstream");
    // The last 10 entries (consumer cancel, gets, nack, reject, unbind, deletes, closes).
    let later: Vec<_> = full[full.len() - 10..].iter().map(key).collect();
    for k in [3, 5, 8, 12, 16, 20] {
        let p = dir.join(format!("cut{k}.pcap"));
        std::fs::write(&p, join_pcap(&hdr, &recs[k..])).expect("write");
        let got = read_entries(&p);
        assert!(!got.is_empty(), "dropping {k} packets: nothing decoded");
        let got_keys: Vec<_> = got.iter().map(key).collect();
        assert!(
            got_keys.ends_with(&later),
            "dropping {k} packets: later methods {later:?} not all decoded, got {got_keys:?}"
        );
        for e in &got {
            assert_eq!(e["protocol"]["name"], "amqp");
            assert_eq!(
                e["dst"]["port"], "5672",
                "orientation fixed by the probe: {e}"
            );
        }
    }
}
