//! StatsD: line parsing, datagram vs stream equivalence (how the bytes were cut changes
//! nothing), malformed and cut lines, and a property test over arbitrary bytes.

use super::*;
use mizu_dissect::testing::{Event, assert_split_invariant};
use mizu_dissect::{Limits, Output};
use mizu_model::Direction::{ClientToServer as C2S, ServerToClient as S2C};
use proptest::prelude::*;
use serde_json::json;

fn ctx() -> SessionContext {
    SessionContext {
        flow: 1,
        client: "10.0.0.1:40000".parse().expect("addr"),
        server: "10.0.0.2:8125".parse().expect("addr"),
        limits: Limits::default(),
    }
}

fn datagrams(list: &[&[u8]]) -> (Vec<Entry>, Output) {
    let mut s = StatsD.new_datagram_session(ctx()).expect("datagram session");
    let mut out = Output::default();
    for (i, d) in list.iter().enumerate() {
        s.on_datagram(C2S, 1_000 + i as u64, d, 0, &mut out);
    }
    s.on_close(9_999, &mut out);
    (std::mem::take(&mut out.entries), out)
}

fn request(e: &Entry) -> serde_json::Value {
    e.request.json().expect("json request").into_owned()
}

#[test]
fn parses_every_metric_type_and_extension() {
    let (entries, out) = datagrams(&[
        b"page.views:1|c\nload:0.5|g|#env:prod,host:a\nreq:320|ms|@0.1\nsize:12:14|h\nusers:bob|s\nlat:1.25|d|c:abc|T1700000000",
    ]);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let got: Vec<_> = entries.iter().map(request).collect();
    assert_eq!(
        got,
        vec![
            json!({"name": "page.views", "value": 1, "type": "c", "kind": "counter"}),
            json!({"name": "load", "value": 0.5, "type": "g", "kind": "gauge", "tags": ["env:prod", "host:a"]}),
            json!({"name": "req", "value": 320, "type": "ms", "kind": "timer", "sampleRate": 0.1}),
            json!({"name": "size", "values": [12, 14], "type": "h", "kind": "histogram"}),
            json!({"name": "users", "value": "bob", "type": "s", "kind": "set"}),
            json!({"name": "lat", "value": 1.25, "type": "d", "kind": "distribution", "container": "abc", "timestamp": 1_700_000_000u64}),
        ]
    );
    assert!(entries.iter().all(|e| e.response.is_none() && !e.truncated));
    assert_eq!(entries[0].request_size, 14);
    assert_eq!(entries[0].protocol.abbr, "STATSD");
    assert_eq!(
        StatsD.summarize(&entries[1]),
        Some(Summary {
            method: "gauge".into(),
            summary: "load".into(),
            status: None
        })
    );
}

#[test]
fn malformed_and_cut_lines_are_shown_and_diagnosed() {
    let (entries, out) = datagrams(&[b"ok:1|c\nno-colon\nx:abc|c\ny:1|zz\n"]);
    assert_eq!(entries.len(), 4);
    assert_eq!(out.diagnostics.len(), 3);
    assert_eq!(request(&entries[1]), json!({"line": "no-colon"}));
    assert!(entries[2].diagnostics[0].contains("not a number"));
    assert!(entries[3].diagnostics[0].contains("unknown metric type"));
    // A datagram cut by the snaplen: its last line is marked.
    let mut s = StatsD.new_datagram_session(ctx()).expect("session");
    let mut out = Output::default();
    s.on_datagram(C2S, 5, b"a:1|c\nb:2", 3, &mut out);
    assert_eq!(out.entries.len(), 2);
    assert!(!out.entries[0].truncated);
    assert!(out.entries[1].truncated);
    assert!(out.entries[1].diagnostics[0].contains("3 bytes not captured"));
}

#[test]
fn server_bytes_and_excess_lines_are_counted() {
    let mut s = StatsD.new_datagram_session(ctx()).expect("session");
    let mut out = Output::default();
    s.on_datagram(S2C, 5, b"x:1|c", 0, &mut out);
    assert!(out.entries.is_empty());
    assert_eq!(out.skipped[0].bytes, 5);
    let many = "m:1|c\n".repeat(MAX_LINES + 3);
    let mut out = Output::default();
    s.on_datagram(C2S, 6, many.as_bytes(), 0, &mut out);
    assert_eq!(out.entries.len(), MAX_LINES);
    assert_eq!(out.skipped[0].bytes, 18);
}

#[test]
fn probe_accepts_metrics_and_refuses_other_udp() {
    let p = ProbeContext {
        client: ctx().client,
        server: ctx().server,
        dir: C2S,
        handshake_seen: false,
    };
    assert_eq!(
        StatsD.probe(b"a.b:1|c\n", &p),
        Probe::Match { from_client: true }
    );
    assert_eq!(
        StatsD.probe(b"_sc|db|0", &p),
        Probe::Match { from_client: true }
    );
    // A DNS query, binary noise, text that is not a metric.
    for bad in [
        &b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03com\x00\x00\x01\x00\x01"[..],
        b"\x00\x01:1|c",
        b"hello world",
        b"GET / HTTP/1.1",
        b"",
    ] {
        assert_eq!(StatsD.probe(bad, &p), Probe::NoMatch, "{bad:?}");
    }
}

#[test]
fn a_stream_gives_the_datagrams_entries_however_cut() {
    let lines: &[&[u8]] = &[b"a:1|c\n", b"b:2.5|g|#t:1\n", b"bad\n", b"c:3|ms|@0.5\n"];
    let events: Vec<Event> = lines
        .iter()
        .map(|l| Event::Data(C2S, 1_000, l.to_vec()))
        .chain([Event::Close(2_000)])
        .collect();
    let run = assert_split_invariant(&StatsD, ctx(), &events);
    let (from_datagrams, _) = datagrams(&[&lines.concat()]);
    assert_eq!(run.entries, from_datagrams);
}

proptest! {
    /// Any datagram: no panic, every line with content becomes exactly one entry (up to
    /// the limit), and splitting a datagram at its line breaks changes no entry.
    #[test]
    fn datagrams_split_at_lines_give_the_same_entries(
        data in proptest::collection::vec(
            prop_oneof![Just(b'\n'), Just(b':'), Just(b'|'), Just(b'c'), Just(b'1'), any::<u8>()],
            0..300,
        )
    ) {
        let (whole, out) = datagrams(&[&data]);
        let content_lines = data
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty() && *l != b"\r")
            .count();
        prop_assert_eq!(whole.len(), content_lines);
        prop_assert!(out.skipped.is_empty());
        let parts: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
        let (split, _) = datagrams(&parts);
        let strip = |v: Vec<Entry>| -> Vec<(serde_json::Value, u64)> {
            v.iter().map(|e| (request(e), e.request_size)).collect()
        };
        prop_assert_eq!(strip(whole), strip(split));
    }
}
