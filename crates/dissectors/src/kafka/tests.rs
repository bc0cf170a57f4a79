//! Kafka session tests over hand-built conversations: requests and responses encoded with
//! `kafka-protocol`'s encoders (current versions) or by hand (versions it dropped), record
//! batches built by `records::tests::make_batch`.

use super::records::tests::make_batch;
use super::*;
use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Encodable, StrBytes};
use mizu_dissect::Limits;
use mizu_dissect::testing::{self, Event};
use mizu_model::Direction::{ClientToServer as C2S, ServerToClient as S2C};
use serde_json::json;

fn ctx() -> SessionContext {
    SessionContext {
        flow: 7,
        client: "10.0.0.1:40000".parse().expect("addr"),
        server: "10.0.0.2:9092".parse().expect("addr"),
        limits: Limits::default(),
    }
}

fn name(s: &'static str) -> TopicName {
    TopicName(StrBytes::from_static_str(s))
}

fn frame(mut buf: BytesMut) -> Vec<u8> {
    let mut out = (buf.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(&buf.split());
    out
}

fn req<T: Encodable>(key: ApiKey, v: i16, cid: i32, body: &T) -> Vec<u8> {
    let mut buf = BytesMut::new();
    RequestHeader::default()
        .with_request_api_key(key as i16)
        .with_request_api_version(v)
        .with_correlation_id(cid)
        .with_client_id(Some(StrBytes::from_static_str("mizu-test")))
        .encode(&mut buf, key.request_header_version(v))
        .expect("header");
    body.encode(&mut buf, v).expect("body");
    frame(buf)
}

fn resp<T: Encodable>(key: ApiKey, v: i16, cid: i32, body: &T) -> Vec<u8> {
    let mut buf = BytesMut::new();
    ResponseHeader::default()
        .with_correlation_id(cid)
        .encode(&mut buf, key.response_header_version(v))
        .expect("header");
    body.encode(&mut buf, v).expect("body");
    frame(buf)
}

fn produce(v: i16, cid: i32, topic: &'static str, batch: Vec<u8>, acks: i16) -> Vec<u8> {
    let r = ProduceRequest::default()
        .with_acks(acks)
        .with_timeout_ms(30000)
        .with_topic_data(vec![
            produce_request::TopicProduceData::default()
                .with_name(name(topic))
                .with_partition_data(vec![
                    produce_request::PartitionProduceData::default()
                        .with_index(0)
                        .with_records(Some(Bytes::from(batch))),
                ]),
        ]);
    req(ApiKey::Produce, v, cid, &r)
}

fn produce_resp(v: i16, cid: i32, topic: &'static str) -> Vec<u8> {
    let r = ProduceResponse::default().with_responses(vec![
        produce_response::TopicProduceResponse::default()
            .with_name(name(topic))
            .with_partition_responses(vec![
                produce_response::PartitionProduceResponse::default()
                    .with_index(0)
                    .with_base_offset(42),
            ]),
    ]);
    resp(ApiKey::Produce, v, cid, &r)
}

fn fetch(v: i16, cid: i32, topic: &'static str) -> (Vec<u8>, Vec<u8>) {
    let q = FetchRequest::default()
        .with_max_wait_ms(500)
        .with_min_bytes(1)
        .with_topics(vec![
            fetch_request::FetchTopic::default()
                .with_topic(name(topic))
                .with_partitions(vec![
                    fetch_request::FetchPartition::default().with_fetch_offset(0),
                ]),
        ]);
    let batch = make_batch(0, 4, &[(Some(b"k"), b"fetched value", &[("h", b"v")])]);
    let a = FetchResponse::default().with_responses(vec![
        fetch_response::FetchableTopicResponse::default()
            .with_topic(name(topic))
            .with_partitions(vec![
                fetch_response::PartitionData::default()
                    .with_high_watermark(1)
                    .with_records(Some(Bytes::from(batch))),
            ]),
    ]);
    (
        req(ApiKey::Fetch, v, cid, &q),
        resp(ApiKey::Fetch, v, cid, &a),
    )
}

/// A realistic session: ApiVersions, Metadata, Produce (gzip), Fetch (zstd), CreateTopics
/// with an error, FindCoordinator.
fn conversation() -> Vec<Event> {
    let api_q = req(
        ApiKey::ApiVersions,
        3,
        1,
        &ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str("mizu"))
            .with_client_software_version(StrBytes::from_static_str("1.0")),
    );
    let api_a = resp(
        ApiKey::ApiVersions,
        3,
        1,
        &ApiVersionsResponse::default().with_api_keys(vec![
            api_versions_response::ApiVersion::default()
                .with_api_key(0)
                .with_max_version(11),
        ]),
    );
    let meta_q = req(
        ApiKey::Metadata,
        12,
        2,
        &MetadataRequest::default().with_topics(Some(vec![
            metadata_request::MetadataRequestTopic::default().with_name(Some(name("orders"))),
        ])),
    );
    let meta_a = resp(
        ApiKey::Metadata,
        12,
        2,
        &MetadataResponse::default().with_topics(vec![
            metadata_response::MetadataResponseTopic::default()
                .with_name(Some(name("orders")))
                .with_error_code(3),
        ]),
    );
    let batch = make_batch(
        0,
        1,
        &[
            (Some(b"k0"), b"{\"order\":0}", &[("trace", b"t0")]),
            (Some(b"k1"), b"{\"order\":1}", &[]),
        ],
    );
    let prod_q = produce(9, 3, "orders", batch, 1);
    let prod_a = produce_resp(9, 3, "orders");
    let (fetch_q, fetch_a) = fetch(12, 4, "orders");
    let create_q = req(
        ApiKey::CreateTopics,
        7,
        5,
        &CreateTopicsRequest::default()
            .with_timeout_ms(1000)
            .with_topics(vec![
                create_topics_request::CreatableTopic::default()
                    .with_name(name("new-topic"))
                    .with_num_partitions(3)
                    .with_replication_factor(1),
            ]),
    );
    let create_a = resp(
        ApiKey::CreateTopics,
        7,
        5,
        &CreateTopicsResponse::default().with_topics(vec![
            create_topics_response::CreatableTopicResult::default()
                .with_name(name("new-topic"))
                .with_error_code(36),
        ]),
    );
    let coord_q = req(
        ApiKey::FindCoordinator,
        4,
        6,
        &FindCoordinatorRequest::default()
            .with_key_type(0)
            .with_coordinator_keys(vec![StrBytes::from_static_str("g1")]),
    );
    let coord_a = resp(
        ApiKey::FindCoordinator,
        4,
        6,
        &FindCoordinatorResponse::default(),
    );
    let mut ev = Vec::new();
    let mut t = 1_700_000_000_000_000_000u64;
    for (q, a) in [
        (api_q, api_a),
        (meta_q, meta_a),
        (prod_q, prod_a),
        (fetch_q, fetch_a),
        (create_q, create_a),
        (coord_q, coord_a),
    ] {
        ev.push(Event::Data(C2S, t, q));
        t += 1_500_000;
        ev.push(Event::Data(S2C, t, a));
        t += 1_000_000;
    }
    ev.push(Event::Close(t));
    ev
}

#[test]
fn probe_recognises_requests_only() {
    let pc = ProbeContext {
        client: "10.0.0.1:1".parse().expect("addr"),
        server: "10.0.0.2:9092".parse().expect("addr"),
        dir: C2S,
        handshake_seen: true,
    };
    let (q, a) = fetch(12, 9, "t");
    assert_eq!(Kafka.probe(&q, &pc), Probe::Match { from_client: true });
    assert_eq!(Kafka.probe(&q[..6], &pc), Probe::NeedMore);
    // A response with a small correlation id reads as a Produce header; the orientation
    // (and the non-empty client id) keep it out.
    assert_eq!(
        Kafka.probe(&a, &ProbeContext { dir: S2C, ..pc }),
        Probe::NoMatch
    );
    assert_eq!(Kafka.probe(b"GET / HTTP/1.1\r\n", &pc), Probe::NoMatch);
    assert_eq!(Kafka.probe(b"*1\r\n$4\r\nPING\r\n", &pc), Probe::NoMatch);
    assert_eq!(Kafka.probe(b"AMQP\x00\x00\x09\x01", &pc), Probe::NoMatch);
    assert_eq!(
        Kafka.probe(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &pc),
        Probe::NoMatch
    );
}

#[test]
fn conversation_entries() {
    let run = testing::assert_split_invariant(&Kafka, ctx(), &conversation());
    let e = &run.entries;
    assert_eq!(e.len(), 6, "{e:#?}");
    let j = |i: usize| serde_json::to_value(&e[i]).expect("json");
    let api = j(0);
    assert_eq!(
        api["protocol"],
        json!({"name": "kafka", "version": "3", "abbr": "KAFKA"})
    );
    assert_eq!(api["request"]["apiKeyName"], "ApiVersions");
    assert_eq!(api["request"]["clientID"], "mizu-test");
    assert_eq!(api["request"]["correlationID"], 1);
    assert_eq!(api["request"]["payload"]["clientSoftwareName"], "mizu");
    assert_eq!(api["response"]["payload"]["apiKeys"][0]["maxVersion"], 11);
    assert_eq!(api["elapsedMicros"], 1500);
    let meta = j(1);
    assert_eq!(meta["request"]["payload"]["topics"][0]["name"], "orders");
    assert_eq!(meta["response"]["payload"]["topics"][0]["errorCode"], 3);
    let prod = j(2);
    let td = &prod["request"]["payload"]["topicData"][0];
    assert_eq!(td["name"], "orders");
    assert_eq!(td["topic"], "orders");
    let batch = &td["partitionData"][0]["records"][0];
    assert_eq!(batch["compression"], "gzip");
    assert_eq!(batch["records"][0]["value"], "{\"order\":0}");
    assert_eq!(batch["records"][0]["headers"][0]["value"], "t0");
    assert_eq!(batch["records"][1]["key"], "k1");
    assert_eq!(
        prod["response"]["payload"]["responses"][0]["partitionResponses"][0]["baseOffset"],
        42
    );
    let fetch = j(3);
    let p = &fetch["response"]["payload"]["responses"][0]["partitions"][0];
    assert_eq!(p["records"][0]["compression"], "zstd");
    assert_eq!(p["records"][0]["records"][0]["value"], "fetched value");
    assert_eq!(fetch["request"]["payload"]["topics"][0]["topic"], "orders");
    let create = j(4);
    assert_eq!(create["response"]["payload"]["topics"][0]["errorCode"], 36);
    let coord = j(5);
    assert_eq!(coord["request"]["payload"]["coordinatorKeys"][0], "g1");
    for (i, entry) in e.iter().enumerate() {
        assert!(
            entry.diagnostics.is_empty(),
            "entry {i}: {:?}",
            entry.diagnostics
        );
        assert!(!entry.truncated && !entry.gap);
    }
    let s = Kafka.summarize(&e[2]).expect("summary");
    assert_eq!(
        (s.method.as_str(), s.summary.as_str()),
        ("Produce", "orders")
    );
    let s = Kafka.summarize(&e[4]).expect("summary");
    assert_eq!(s.summary, "new-topic");
    assert_eq!(e[2].request_size, {
        let v = serde_json::to_value(&e[2]).expect("json");
        v["request"]["size"].as_u64().unwrap_or(0) + 4
    });
}

#[test]
fn every_codec_in_produce() {
    for codec in 0..=4u8 {
        let batch = make_batch(0, codec, &[(None, b"hello", &[])]);
        let ev = vec![
            Event::Data(C2S, 1, produce(7, 1, "c", batch, 1)),
            Event::Data(S2C, 2, produce_resp(7, 1, "c")),
            Event::Close(3),
        ];
        let e = testing::run(&Kafka, ctx(), &ev);
        let v = serde_json::to_value(&e[0]).expect("json");
        let b = &v["request"]["payload"]["topicData"][0]["partitionData"][0]["records"][0];
        assert_eq!(b["records"][0]["value"], "hello", "codec {codec}: {v}");
    }
}

/// Hand-encoded versions `kafka-protocol` 0.18 no longer decodes.
fn old_conversation() -> Vec<Event> {
    fn str16(s: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(&(s.len() as i16).to_be_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    fn head(key: i16, v: i16, cid: i32, body: &[u8]) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(&key.to_be_bytes());
        f.extend_from_slice(&v.to_be_bytes());
        f.extend_from_slice(&cid.to_be_bytes());
        str16("old-client", &mut f);
        f.extend_from_slice(body);
        let mut out = (f.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(&f);
        out
    }
    fn rhead(cid: i32, body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 4) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(&cid.to_be_bytes());
        out.extend_from_slice(body);
        out
    }
    // Produce v2: acks, timeout, [topic [partition, message set]].
    let mut msg = vec![0, 0, 0, 0, 1, 0];
    msg.extend_from_slice(&1_700_000_000_000i64.to_be_bytes());
    msg.extend_from_slice(&(-1i32).to_be_bytes());
    msg.extend_from_slice(&5i32.to_be_bytes());
    msg.extend_from_slice(b"v-old");
    let mut set = 0i64.to_be_bytes().to_vec();
    set.extend_from_slice(&(msg.len() as i32).to_be_bytes());
    set.extend_from_slice(&msg);
    let mut b = Vec::new();
    b.extend_from_slice(&1i16.to_be_bytes());
    b.extend_from_slice(&1000i32.to_be_bytes());
    b.extend_from_slice(&1i32.to_be_bytes());
    str16("legacy", &mut b);
    b.extend_from_slice(&1i32.to_be_bytes());
    b.extend_from_slice(&0i32.to_be_bytes());
    b.extend_from_slice(&(set.len() as i32).to_be_bytes());
    b.extend_from_slice(&set);
    let prod_q = head(0, 2, 11, &b);
    let mut a = 1i32.to_be_bytes().to_vec();
    str16("legacy", &mut a);
    a.extend_from_slice(&1i32.to_be_bytes());
    a.extend_from_slice(&0i32.to_be_bytes());
    a.extend_from_slice(&2i16.to_be_bytes());
    a.extend_from_slice(&7i64.to_be_bytes());
    a.extend_from_slice(&(-1i64).to_be_bytes());
    a.extend_from_slice(&0i32.to_be_bytes());
    let prod_a = rhead(11, &a);
    // Fetch v3: replica, max wait, min bytes, max bytes, [topic [partition, offset, max]].
    let mut b = Vec::new();
    for x in [-1i32, 500, 1, 1 << 20, 1] {
        b.extend_from_slice(&x.to_be_bytes());
    }
    str16("legacy", &mut b);
    b.extend_from_slice(&1i32.to_be_bytes());
    b.extend_from_slice(&0i32.to_be_bytes());
    b.extend_from_slice(&0i64.to_be_bytes());
    b.extend_from_slice(&(1i32 << 20).to_be_bytes());
    let fetch_q = head(1, 3, 12, &b);
    let mut a = 0i32.to_be_bytes().to_vec();
    a.extend_from_slice(&1i32.to_be_bytes());
    str16("legacy", &mut a);
    a.extend_from_slice(&1i32.to_be_bytes());
    a.extend_from_slice(&0i32.to_be_bytes());
    a.extend_from_slice(&0i16.to_be_bytes());
    a.extend_from_slice(&1i64.to_be_bytes());
    a.extend_from_slice(&(set.len() as i32).to_be_bytes());
    a.extend_from_slice(&set);
    let fetch_a = rhead(12, &a);
    // An inter-broker key kafka-protocol dropped: header only.
    let stop_q = head(5, 0, 13, &[0, 0, 0, 1]);
    let stop_a = rhead(13, &[0, 0]);
    vec![
        Event::Data(C2S, 10, prod_q),
        Event::Data(S2C, 20, prod_a),
        Event::Data(C2S, 30, fetch_q),
        Event::Data(S2C, 40, fetch_a),
        Event::Data(C2S, 50, stop_q),
        Event::Data(S2C, 60, stop_a),
        Event::Close(70),
    ]
}

#[test]
fn old_versions_use_the_fallback() {
    let run = testing::assert_split_invariant(&Kafka, ctx(), &old_conversation());
    let e = &run.entries;
    assert_eq!(e.len(), 3);
    let p = serde_json::to_value(&e[0]).expect("json");
    assert_eq!(p["protocol"]["version"], "2");
    assert_eq!(p["request"]["clientID"], "old-client");
    let td = &p["request"]["payload"]["topicData"][0];
    assert_eq!(td["topic"], "legacy");
    assert_eq!(td["partitionData"][0]["records"][0][0]["value"], "v-old");
    assert_eq!(
        p["response"]["payload"]["responses"][0]["partitionResponses"][0]["errorCode"],
        2
    );
    assert!(e[0].diagnostics.is_empty(), "{:?}", e[0].diagnostics);
    let f = serde_json::to_value(&e[1]).expect("json");
    assert_eq!(f["request"]["payload"]["topics"][0]["topic"], "legacy");
    assert_eq!(f["request"]["payload"]["maxBytes"], 1 << 20);
    assert_eq!(
        f["response"]["payload"]["responses"][0]["partitions"][0]["records"][0][0]["value"],
        "v-old"
    );
    let s = serde_json::to_value(&e[2]).expect("json");
    assert_eq!(s["request"]["apiKeyName"], "StopReplica");
    assert_eq!(s["request"]["payload"], json!({}));
    assert!(s["response"].is_object());
    assert_eq!(e[2].diagnostics.len(), 2, "{:?}", e[2].diagnostics);
}

#[test]
fn acks_zero_is_emitted_without_waiting() {
    let batch = make_batch(0, 0, &[(None, b"x", &[])]);
    let ev = vec![Event::Data(C2S, 1, produce(8, 1, "fire", batch, 0))];
    let e = testing::run(&Kafka, ctx(), &ev);
    assert_eq!(e.len(), 1);
    assert!(e[0].response.is_none());
    assert!(e[0].diagnostics.is_empty());
}

#[test]
fn mid_stream_pickup_and_orphan_responses() {
    let conv = conversation();
    let Event::Data(_, _, first) = &conv[0] else {
        panic!("data")
    };
    // The capture starts inside a request and its response: both sides resynchronise.
    let mut ev = vec![
        Event::Data(C2S, 1, first[7..].to_vec()),
        Event::Data(S2C, 2, conv_bytes(&conv, 1)[5..].to_vec()),
    ];
    ev.extend(conv[2..].iter().cloned());
    let run = testing::assert_split_invariant(&Kafka, ctx(), &ev);
    assert_eq!(run.entries.len(), 5, "{:#?}", run.entries);
    assert_eq!(
        Kafka.summarize(&run.entries[0]).map(|s| s.method),
        Some("Metadata".to_owned())
    );
    // A response whose request was not captured is skipped; the next pair still matches.
    let mut ev = vec![Event::Data(S2C, 1, conv_bytes(&conv, 1).to_vec())];
    ev.extend(conv[2..].iter().cloned());
    let run = testing::assert_split_invariant(&Kafka, ctx(), &ev);
    assert_eq!(run.entries.len(), 5);
    assert!(run.entries.iter().all(|e| !e.response.is_none()));
}

fn conv_bytes(conv: &[Event], i: usize) -> &[u8] {
    match conv.get(i) {
        Some(Event::Data(_, _, d)) => d,
        _ => &[],
    }
}

#[test]
fn gaps_resynchronise() {
    let conv = conversation();
    let mut ev = conv.clone();
    // Lose the Metadata request: its response is skipped, the rest pairs up.
    ev[2] = Event::Gap(C2S, 5, conv_bytes(&conv, 2).len() as u64);
    let run = testing::assert_split_invariant(&Kafka, ctx(), &ev);
    assert_eq!(run.entries.len(), 5);
    // Lose the Produce response: the request is emitted without one, marked gap.
    let mut ev = conv.clone();
    ev[5] = Event::Gap(S2C, 5, conv_bytes(&conv, 5).len() as u64);
    let run = testing::assert_split_invariant(&Kafka, ctx(), &ev);
    assert_eq!(run.entries.len(), 6);
    let prod = run
        .entries
        .iter()
        .find(|e| Kafka.summarize(e).is_some_and(|s| s.method == "Produce"))
        .expect("produce");
    assert!(prod.response.is_none() && prod.gap);
    // Garbage between frames on the client side is skipped.
    let mut ev = conv.clone();
    ev.insert(
        2,
        Event::Data(C2S, 3, vec![0xde, 0xad, 0xbe, 0xef, 1, 2, 3]),
    );
    let run = testing::assert_split_invariant(&Kafka, ctx(), &ev);
    assert_eq!(run.entries.len(), 6);
}

#[test]
fn oversized_produce_is_capped_not_buffered() {
    let limits = Limits {
        max_body: 4096,
        max_head: 1024,
        max_pending: 16,
        ..Limits::default()
    };
    let c = SessionContext { limits, ..ctx() };
    let big = vec![b'z'; 20_000];
    let batch = make_batch(0, 0, &[(Some(b"big"), &big, &[])]);
    let q = produce(9, 1, "huge", batch, 1);
    let a = produce_resp(9, 1, "huge");
    let (fq, fa) = fetch(12, 2, "after");
    let ev = vec![
        Event::Data(C2S, 1, q),
        Event::Data(S2C, 2, a),
        Event::Data(C2S, 3, fq),
        Event::Data(S2C, 4, fa),
        Event::Close(5),
    ];
    let run = testing::assert_split_invariant(&Kafka, c, &ev);
    assert_eq!(run.entries.len(), 2);
    let p = serde_json::to_value(&run.entries[0]).expect("json");
    assert!(run.entries[0].truncated);
    assert_eq!(p["request"]["payload"]["topicData"][0]["name"], "huge");
    assert_eq!(
        Kafka.summarize(&run.entries[0]).map(|s| s.summary),
        Some("huge".into())
    );
    assert!(run.entries[0].response_size > 0);
    assert_eq!(
        Kafka.summarize(&run.entries[1]).map(|s| s.summary),
        Some("after".into())
    );
    assert!(run.stats.overflow_bytes == 0);
}

#[test]
fn one_megabyte_produce_is_decoded_whole() {
    let big = vec![b'm'; 1_000_000];
    let batch = make_batch(0, 0, &[(None, &big, &[])]);
    let ev = vec![
        Event::Data(C2S, 1, produce(9, 1, "mb", batch, 1)),
        Event::Data(S2C, 2, produce_resp(9, 1, "mb")),
    ];
    let e = testing::run(&Kafka, ctx(), &ev);
    assert_eq!(e.len(), 1);
    assert!(!e[0].truncated, "{:?}", e[0].diagnostics);
    let v = serde_json::to_value(&e[0]).expect("json");
    let value = &v["request"]["payload"]["topicData"][0]["partitionData"][0]["records"][0]["records"]
        [0]["value"];
    assert_eq!(value.as_str().map(str::len), Some(1_000_000));
}

#[test]
fn fuzz_inputs_never_panic() {
    let conv = conversation();
    let mut bytes = vec![7u8];
    for e in &conv {
        if let Event::Data(_, _, d) = e {
            bytes.extend_from_slice(d);
        }
    }
    for seed in 0..32u8 {
        bytes[0] = seed;
        let _ = testing::run(
            &Kafka,
            testing::fuzz_context(9092),
            &testing::fuzz_events(&bytes),
        );
        let mut flipped = bytes.clone();
        for (i, b) in flipped.iter_mut().enumerate().skip(1) {
            if i % (usize::from(seed) + 3) == 0 {
                *b ^= 0x5a;
            }
        }
        let _ = testing::run(
            &Kafka,
            testing::fuzz_context(9092),
            &testing::fuzz_events(&flipped),
        );
    }
}

/// Bytes of a hand-built body.
#[derive(Default)]
struct B(Vec<u8>);

impl B {
    fn i8(mut self, v: i8) -> B {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn i16(mut self, v: i16) -> B {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn i32(mut self, v: i32) -> B {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn i64(mut self, v: i64) -> B {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn s(self, v: &str) -> B {
        let mut b = self.i16(v.len() as i16);
        b.0.extend_from_slice(v.as_bytes());
        b
    }
    fn raw(mut self, v: &[u8]) -> B {
        self.0.extend_from_slice(v);
        self
    }
}

/// A legacy message set: a plain magic-1 message and a gzip wrapper around two magic-0 ones.
fn legacy_set() -> Vec<u8> {
    fn msg(magic: i8, attributes: i8, key: Option<&[u8]>, value: &[u8]) -> Vec<u8> {
        let mut m = B::default().i32(0).i8(magic).i8(attributes);
        if magic >= 1 {
            m = m.i64(1_700_000_000_000);
        }
        m = match key {
            Some(k) => m.i32(k.len() as i32).raw(k),
            None => m.i32(-1),
        };
        m.i32(value.len() as i32).raw(value).0
    }
    fn set(items: &[(i64, Vec<u8>)]) -> Vec<u8> {
        let mut s = B::default();
        for (off, m) in items {
            s = s.i64(*off).i32(m.len() as i32).raw(m);
        }
        s.0
    }
    let inner = set(&[
        (0, msg(0, 0, Some(b"a"), b"one")),
        (1, msg(0, 0, None, &[0xff, 0xfe])),
    ]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &inner).expect("gzip");
    let gz = gz.finish().expect("gzip");
    set(&[(5, msg(1, 0, Some(b"k"), b"v")), (7, msg(0, 1, None, &gz))])
}

/// Request and response bodies for every (key, version) parsed here rather than by
/// `kafka-protocol`: `(key, version, is_request, body)`.
fn own_bodies() -> Vec<(i16, i16, bool, Vec<u8>)> {
    let batch = make_batch(
        3,
        1,
        &[
            (
                Some(b"k0"),
                b"{\"n\":0}",
                &[("trace", b"t0"), ("bin", &[0xc3])],
            ),
            (None, &[0xff, 0x00], &[]),
        ],
    );
    let plain = make_batch(9, 0, &[(Some(b"k"), b"v", &[])]);
    let mut records = batch.clone();
    records.extend_from_slice(&plain);
    let mut out = Vec::new();
    for v in 3..=13 {
        let mut t = produce_request::TopicProduceData::default().with_partition_data(vec![
            produce_request::PartitionProduceData::default()
                .with_index(1)
                .with_records(Some(Bytes::from(records.clone()))),
            produce_request::PartitionProduceData::default().with_index(2),
        ]);
        if v >= 13 {
            t = t.with_topic_id(
                "0badcafe-abab-4bab-8bab-abababababab"
                    .parse()
                    .expect("uuid"),
            );
        } else {
            t = t.with_name(name("orders"));
        }
        let mut q = ProduceRequest::default()
            .with_acks(-1)
            .with_timeout_ms(1000)
            .with_topic_data(vec![t]);
        if v >= 3 {
            q = q.with_transactional_id(Some(TransactionalId(StrBytes::from_static_str("tx"))));
        }
        let mut buf = BytesMut::new();
        q.encode(&mut buf, v).expect("produce");
        out.push((0, v, true, buf.to_vec()));
    }
    for v in 4..=18 {
        let mut t = fetch_request::FetchTopic::default().with_partitions(vec![
            fetch_request::FetchPartition::default()
                .with_partition(1)
                .with_fetch_offset(5),
        ]);
        let mut a = fetch_response::FetchableTopicResponse::default().with_partitions(vec![
            fetch_response::PartitionData::default()
                .with_partition_index(1)
                .with_high_watermark(10)
                .with_aborted_transactions(Some(vec![
                    fetch_response::AbortedTransaction::default()
                        .with_producer_id(ProducerId(4))
                        .with_first_offset(2),
                ]))
                .with_records(Some(Bytes::from(records.clone()))),
        ]);
        if v >= 13 {
            let id = "0badcafe-abab-4bab-8bab-abababababab"
                .parse()
                .expect("uuid");
            t = t.with_topic_id(id);
            a = a.with_topic_id(id);
        } else {
            t = t.with_topic(name("orders"));
            a = a.with_topic(name("orders"));
        }
        let mut q = FetchRequest::default()
            .with_max_wait_ms(500)
            .with_min_bytes(1)
            .with_max_bytes(1 << 20)
            .with_topics(vec![t.clone()]);
        if v >= 7 {
            let mut f = fetch_request::ForgottenTopic::default().with_partitions(vec![1, 2]);
            f = if v >= 13 {
                f.with_topic_id(t.topic_id)
            } else {
                f.with_topic(name("gone"))
            };
            q = q.with_forgotten_topics_data(vec![f]).with_session_epoch(3);
        }
        if v >= 11 {
            q = q.with_rack_id(StrBytes::from_static_str("rack-a"));
        }
        let mut buf = BytesMut::new();
        q.encode(&mut buf, v).expect("fetch request");
        out.push((1, v, true, buf.to_vec()));
        let mut buf = BytesMut::new();
        FetchResponse::default()
            .with_responses(vec![a])
            .encode(&mut buf, v)
            .expect("fetch response");
        out.push((1, v, false, buf.to_vec()));
    }
    let set = legacy_set();
    let topic = |b: B| b.i32(1).s("orders");
    // Produce v0-2 request and response, Fetch v3 request and response.
    let q = topic(B::default().i16(1).i32(1000)).i32(1).i32(0);
    out.push((0, 2, true, q.i32(set.len() as i32).raw(&set).0));
    for v in 0..=2 {
        let mut a = topic(B::default()).i32(1).i32(0).i16(0).i64(7);
        if v >= 2 {
            a = a.i64(-1);
        }
        if v >= 1 {
            a = a.i32(0);
        }
        out.push((0, v, false, a.0));
    }
    let q = topic(B::default().i32(-1).i32(500).i32(1).i32(1 << 20)).i32(1);
    out.push((1, 3, true, q.i32(0).i64(0).i32(1 << 20).0));
    let a = topic(B::default().i32(0)).i32(1).i32(0).i16(0).i64(1);
    out.push((1, 3, false, a.i32(set.len() as i32).raw(&set).0));
    // ListOffsets v0.
    let q = topic(B::default().i32(-1)).i32(1).i32(0).i64(-1).i32(3);
    out.push((2, 0, true, q.0));
    let a = topic(B::default())
        .i32(1)
        .i32(0)
        .i16(0)
        .i32(2)
        .i64(5)
        .i64(0);
    out.push((2, 0, false, a.0));
    // OffsetCommit v0-1.
    for v in 0..=1 {
        let mut q = B::default().s("group");
        if v >= 1 {
            q = q.i32(3).s("member");
        }
        let mut q = topic(q).i32(1).i32(0).i64(42);
        if v >= 1 {
            q = q.i64(1_700_000_000_000);
        }
        out.push((8, v, true, q.s("meta").0));
        out.push((8, v, false, topic(B::default()).i32(1).i32(0).i16(0).0));
    }
    // OffsetFetch v0.
    let q = topic(B::default().s("group")).i32(2).i32(0).i32(1);
    out.push((9, 0, true, q.0));
    let a = topic(B::default()).i32(1).i32(0).i64(42).s("meta").i16(0);
    out.push((9, 0, false, a.0));
    // CreateTopics v0-1.
    for v in 0..=1 {
        let q = topic(B::default())
            .i32(3)
            .i16(1)
            .i32(1)
            .i32(0)
            .i32(2)
            .i32(1)
            .i32(2);
        let mut q = q.i32(1).s("retention.ms").s("1000").i32(5000);
        if v >= 1 {
            q = q.i8(1);
        }
        out.push((19, v, true, q.0));
        let mut a = topic(B::default()).i16(36);
        if v >= 1 {
            a = a.s("exists");
        }
        out.push((19, v, false, a.0));
    }
    // DeleteTopics v0.
    out.push((20, 0, true, B::default().i32(2).s("a").s("b").i32(5000).0));
    out.push((20, 0, false, topic(B::default()).i16(3).0));
    out
}

/// Every own parser over its body cut at every byte and with every byte changed: never a
/// panic (debug builds also check that objects are closed and keys sorted), always JSON.
#[test]
fn own_parsers_survive_cuts_and_corruption() {
    let run = |key: i16, v: i16, is_request: bool, body: &[u8], complete: bool, max: usize| {
        let mut o = mizu_model::JsonBuf::new();
        let b = if is_request {
            body::request(key, v, body, complete, max, &mut o)
        } else {
            body::response(key, v, body, complete, max, &mut o)
        };
        let text = o.finish();
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(text.as_str());
        assert!(parsed.is_ok(), "key {key} v{v}: {}", text.as_str());
        b
    };
    for (key, v, is_request, body) in own_bodies() {
        let b = run(key, v, is_request, &body, true, 1 << 20);
        assert!(
            b.diagnostics.is_empty() && !b.truncated,
            "key {key} v{v} request {is_request}: {:?}",
            b.diagnostics
        );
        run(key, v, is_request, &body, true, 3);
        for i in 0..body.len() {
            run(key, v, is_request, &body[..i], false, 1 << 20);
            run(key, v, is_request, &body[..i], true, 1 << 20);
            for x in [0x00, 0x01, 0x80, 0xff] {
                let mut m = body.clone();
                m[i] = x;
                run(key, v, is_request, &m, true, 1 << 20);
                run(key, v, is_request, &m, true, 5);
            }
        }
    }
}

/// The list row reads rendered payloads as it read trees.
#[test]
fn summaries_of_rendered_and_tree_payloads_agree() {
    let mut seen = 0;
    for conv in [conversation(), old_conversation()] {
        for e in testing::run(&Kafka, ctx(), &conv) {
            assert!(matches!(e.request, Payload::Raw(_)));
            let mut t = e.clone();
            for p in [&mut t.request, &mut t.response] {
                if let Some(v) = p.json() {
                    *p = Payload::Json(v.into_owned());
                }
            }
            let s = Kafka.summarize(&e);
            assert_eq!(s, Kafka.summarize(&t));
            seen += usize::from(s.is_some_and(|s| !s.summary.is_empty()));
        }
    }
    assert!(seen >= 4, "{seen} entries with topics");
}

/// The rendered field names of every API key and version `kafka-protocol` decodes, both
/// directions, for a default message: a crate upgrade that renames a field users filter
/// on fails here. Regenerate `field_names.txt` with `UPDATE_EXPECT=1` and review the diff.
mod field_names {
    use super::super::body;
    use super::super::render_gen::kafka_api_table;
    use bytes::BytesMut;
    use kafka_protocol::messages::*;
    use kafka_protocol::protocol::Encodable;
    use mizu_model::JsonBuf;
    use std::collections::BTreeSet;

    fn encode<Q: Encodable + Default, A: Encodable + Default>(
        version: i16,
        is_request: bool,
    ) -> Result<BytesMut, String> {
        let mut b = BytesMut::new();
        let r = if is_request {
            Q::default().encode(&mut b, version)
        } else {
            A::default().encode(&mut b, version)
        };
        r.map(|()| b).map_err(|e| e.to_string())
    }

    macro_rules! encode_default_fn {
        ($($key:ident($req:ident, $resp:ident)),* $(,)?) => {
            /// A default message of `api` at `version`, encoded.
            fn encode_default(
                api: ApiKey,
                version: i16,
                is_request: bool,
            ) -> Result<BytesMut, String> {
                #[allow(unreachable_patterns)]
                match api {
                    $(ApiKey::$key => encode::<$req, $resp>(version, is_request),)*
                    _ => Err("not in the table".to_owned()),
                }
            }
        };
    }
    kafka_api_table!(encode_default_fn);

    /// Every object key path in `v` (`a.b`, arrays as `a[].b`).
    fn paths(v: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    out.insert(p.clone());
                    paths(x, &p, out);
                }
            }
            serde_json::Value::Array(a) => {
                for x in a {
                    paths(x, &format!("{prefix}[]"), out);
                }
            }
            _ => {}
        }
    }

    fn render_all() -> String {
        let mut lines = Vec::new();
        for key in 0..=i16::from(u8::MAX) {
            let Ok(api) = ApiKey::try_from(key) else {
                continue;
            };
            let range = api.valid_versions();
            for version in range.min..=range.max {
                for is_request in [true, false] {
                    let side = if is_request { "request" } else { "response" };
                    let name = super::super::apikeys::name(key).unwrap_or("?");
                    let line = match encode_default(api, version, is_request) {
                        Err(e) => format!("{name} v{version} {side}: not encodable ({e})"),
                        Ok(bytes) => {
                            let mut o = JsonBuf::new();
                            let b = if is_request {
                                body::request(key, version, &bytes, true, 1 << 20, &mut o)
                            } else {
                                body::response(key, version, &bytes, true, 1 << 20, &mut o)
                            };
                            let v = o.finish().to_value();
                            let mut set = BTreeSet::new();
                            paths(&v, "", &mut set);
                            let set: Vec<String> = set.into_iter().collect();
                            let mut line = format!("{name} v{version} {side}: {}", set.join(" "));
                            if !b.diagnostics.is_empty() {
                                line.push_str(&format!(" ! {}", b.diagnostics.join("; ")));
                            }
                            line
                        }
                    };
                    lines.push(line);
                }
            }
        }
        lines.join("\n") + "\n"
    }

    #[test]
    fn every_key_and_version_renders_the_pinned_field_names() {
        let got = render_all();
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/kafka/field_names.txt");
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&path, &got).expect("write field_names.txt");
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            got.lines().count() > 500,
            "every key and version, both directions"
        );
        if got != want {
            let diff: Vec<String> = got
                .lines()
                .zip(want.lines().chain(std::iter::repeat("")))
                .filter(|(g, w)| g != w)
                .take(5)
                .map(|(g, w)| format!("got  {g}\nwant {w}"))
                .collect();
            panic!(
                "Kafka field names changed (UPDATE_EXPECT=1 to accept, then review):\n{}",
                diff.join("\n")
            );
        }
    }
}
