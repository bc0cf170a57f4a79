//! HTTP/2 and gRPC end to end: a capture that starts in the middle of an h2c connection
//! (its first packets dropped: no preface, HPACK dynamic table unknown) still decodes the
//! later streams without inventing headers; `--proto` decodes gRPC messages with field
//! names; the h2c upgrade hands the HTTP/1.1 request over to stream 1.

mod common;

use common::{join_pcap, mizu, read_entries, repo_root, scratch, split_pcap};

#[test]
fn dropping_the_first_packets_of_h2load_keeps_later_streams() {
    let path = repo_root().join("testdata/http2/03-h2load-100.pcap");
    let full = read_entries(&path);
    assert_eq!(full.len(), 100);
    let (hdr, recs) = split_pcap(&std::fs::read(&path).expect("fixture"));
    let dir = scratch("h2-midstream");
    for k in [3usize, 6, 10, 14] {
        let p = dir.join(format!("cut{k}.pcap"));
        std::fs::write(&p, join_pcap(&hdr, &recs[k..])).expect("write");
        let got = read_entries(&p);
        assert!(!got.is_empty(), "dropping {k} packets: nothing decoded");
        let mut complete = 0;
        for e in &got {
            assert_eq!(e["protocol"]["version"], "2.0", "dropping {k}: {e}");
            let path = e["request"]["headers"][":path"].as_str();
            // Fields are never invented: a decoded path is the real one.
            assert!(path.is_none_or(|p| p == "/small.txt"), "dropping {k}: {e}");
            if path.is_some() && e["response"]["status"] == 200 && e["gap"] == false {
                complete += 1;
            }
            if e["gap"] == true {
                assert!(
                    e["diagnostics"].as_array().is_some_and(|d| !d.is_empty()),
                    "a gap is explained: {e}"
                );
            }
        }
        assert!(
            got.len() >= 50,
            "dropping {k} packets: only {} of the later streams decoded",
            got.len()
        );
        let _ = complete;
    }
}

#[test]
fn proto_option_decodes_grpc_with_field_names() {
    let dir = repo_root().join("testdata/http2");
    let out = mizu(&[
        "read",
        "--format",
        "jsonl",
        "--proto",
        dir.join("greet.proto").to_str().expect("utf-8"),
        dir.join("06-grpc.pcap").to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(entries.len(), 5);
    let e = &entries[0];
    assert_eq!(e["protocol"]["abbr"], "gRPC");
    let g = &e["request"]["grpc"];
    assert_eq!(g["messageType"], "mizu.fixture.HelloRequest");
    assert_eq!(g["messages"][0]["data"]["name"], "pod-b");
    assert_eq!(
        e["response"]["grpc"]["messages"][0]["data"]["message"],
        "hello pod-b"
    );
    // A directory works too; a missing path is a usage error.
    let out = mizu(&[
        "read",
        "--format",
        "jsonl",
        "--proto",
        dir.to_str().expect("utf-8"),
        dir.join("07-grpc-gzip.pcap").to_str().expect("utf-8"),
    ]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("\"messageType\":\"mizu.fixture.HelloReply\"")
    );
    let out = mizu(&[
        "read",
        "--proto",
        "/nonexistent.proto",
        dir.join("06-grpc.pcap").to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn grpc_calls_show_every_message_in_order() {
    let e = read_entries(&repo_root().join("testdata/http2/06-grpc.pcap"));
    let methods: Vec<_> = e
        .iter()
        .map(|e| e["request"]["grpc"]["method"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        methods,
        [
            "SayHello",
            "StreamHellos",
            "CollectHellos",
            "Chat",
            "SayHello"
        ]
    );
    let n = |e: &serde_json::Value, side: &str| {
        e[side]["grpc"]["messages"].as_array().map_or(0, Vec::len)
    };
    assert_eq!((n(&e[1], "request"), n(&e[1], "response")), (1, 3));
    assert_eq!((n(&e[2], "request"), n(&e[2], "response")), (3, 1));
    assert_eq!((n(&e[3], "request"), n(&e[3], "response")), (2, 2));
    let times: Vec<_> = e[1]["response"]["grpc"]["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["time"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] < w[1]),
        "each message has its own time: {times:?}"
    );
    assert_eq!(e[4]["response"]["grpc"]["status"], 3);
    assert_eq!(e[4]["response"]["grpc"]["statusName"], "INVALID_ARGUMENT");
    let gz = read_entries(&repo_root().join("testdata/http2/07-grpc-gzip.pcap"));
    let m = &gz[0]["request"]["grpc"]["messages"][0];
    assert_eq!(m["compressed"], true);
    assert!(
        m["data"]["1"]
            .as_str()
            .is_some_and(|s| s.starts_with("gzip gzip"))
    );
}

#[test]
fn h2c_upgrade_pairs_the_http1_request_with_the_http2_response() {
    let e = read_entries(&repo_root().join("testdata/http2/04-upgrade-hypercorn.pcap"));
    let up = e
        .iter()
        .find(|e| e["request"]["path"] == "/upgraded")
        .expect("upgraded entry");
    assert_eq!(up["protocol"]["version"], "2.0");
    assert_eq!(up["request"]["httpVersion"], "HTTP/1.1");
    assert_eq!(up["request"]["headers"]["Upgrade"], "h2c");
    assert_eq!(up["response"]["httpVersion"], "HTTP/2.0");
    assert_eq!(up["response"]["status"], 200);
    assert_eq!(up["response"]["informational"], serde_json::json!([101]));
    assert!(
        up["response"]["content"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("/upgraded"))
    );
}
