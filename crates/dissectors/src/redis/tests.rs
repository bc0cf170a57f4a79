//! Conversation tests: RESP2/RESP3 exchanges through the real driver
//! (`mizu_dissect::testing`), checked field by field and for split invariance.

use std::net::SocketAddr;

use mizu_dissect::testing::{self, Event, Run};
use mizu_dissect::{Dissector, Limits, SessionContext};
use mizu_model::{Direction, Entry, Payload};
use serde_json::{Value as Json, json};

use super::Redis;

const C: Direction = Direction::ClientToServer;
const S: Direction = Direction::ServerToClient;
const MS: u64 = 1_000_000;
const T0: u64 = 1_700_000_000_000_000_000;

fn ctx_with(limits: Limits) -> SessionContext {
    SessionContext {
        flow: 3,
        client: SocketAddr::from(([10, 0, 0, 1], 40000)),
        server: SocketAddr::from(([10, 0, 0, 2], 6379)),
        limits,
    }
}

fn ctx() -> SessionContext {
    ctx_with(Limits::default())
}

fn c(ts: u64, b: &[u8]) -> Event {
    Event::Data(C, T0 + ts * MS, b.to_vec())
}

fn s(ts: u64, b: &[u8]) -> Event {
    Event::Data(S, T0 + ts * MS, b.to_vec())
}

fn close(ts: u64) -> Event {
    Event::Close(T0 + ts * MS)
}

fn split_run(events: &[Event]) -> Run {
    testing::assert_split_invariant(&Redis, ctx(), events)
}

/// A RESP command array.
fn cmd(args: &[&str]) -> Vec<u8> {
    let mut v = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        v.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
    }
    v
}

fn req(e: &Entry) -> Json {
    match &e.request {
        Payload::Raw(_) => e.request.json().expect("json").into_owned(),
        other => panic!("no JSON request: {other:?}"),
    }
}

fn resp(e: &Entry) -> Json {
    match &e.response {
        Payload::Raw(_) => e.response.json().expect("json").into_owned(),
        other => panic!("no JSON response: {other:?}"),
    }
}

#[test]
fn set_get_and_error() {
    let r = split_run(&[
        c(0, &cmd(&["SET", "user:1", "alice"])),
        s(1, b"+OK\r\n"),
        c(2, &cmd(&["GET", "user:1"])),
        s(3, b"$5\r\nalice\r\n"),
        c(4, &cmd(&["LPUSH", "user:1", "x"])),
        s(
            5,
            b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        ),
        c(6, &cmd(&["GET", "missing"])),
        s(7, b"$-1\r\n"),
        close(8),
    ]);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let e = &r.entries;
    assert_eq!(e.len(), 4);
    assert_eq!(e[0].protocol.name, "redis");
    assert_eq!(e[0].protocol.version, "2");
    assert_eq!(e[0].protocol.abbr, "REDIS");
    assert_eq!(
        req(&e[0]),
        json!({"command": "SET", "key": "user:1", "args": ["user:1", "alice"], "type": "array"})
    );
    assert_eq!(resp(&e[0]), json!({"type": "string", "value": "OK"}));
    assert_eq!(
        e[0].request_size,
        cmd(&["SET", "user:1", "alice"]).len() as u64
    );
    assert_eq!(e[0].response_size, 5);
    assert_eq!(e[0].elapsed_time, 1);
    assert_eq!(resp(&e[1]), json!({"type": "bulk", "value": "alice"}));
    assert_eq!(resp(&e[2])["type"], "error");
    assert_eq!(
        resp(&e[2])["error"],
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    );
    assert_eq!(resp(&e[3]), json!({"type": "null", "value": null}));
    let sum = Redis.summarize(&e[0]).expect("redis");
    assert_eq!(
        (sum.method.as_str(), sum.summary.as_str()),
        ("SET", "user:1")
    );
}

#[test]
fn pipelining_pairs_in_order() {
    let mut reqs = Vec::new();
    for i in 0..5 {
        reqs.extend(cmd(&["INCR", &format!("k{i}")]));
    }
    let r = split_run(&[
        c(0, &reqs),
        s(1, b":1\r\n:2\r\n:3\r\n"),
        s(2, b":4\r\n:5\r\n"),
        close(3),
    ]);
    assert_eq!(r.entries.len(), 5);
    for (i, e) in r.entries.iter().enumerate() {
        assert_eq!(req(e)["key"], format!("k{i}"));
        assert_eq!(resp(e)["value"], json!(i + 1));
    }
}

#[test]
fn inline_commands() {
    let r = split_run(&[
        c(0, b"PING\r\n\r\nSET \"a key\" 'v 1'\r\nget k\n"),
        s(1, b"+PONG\r\n+OK\r\n$-1\r\n"),
        close(2),
    ]);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let e = &r.entries;
    assert_eq!(e.len(), 3);
    assert_eq!(
        req(&e[0]),
        json!({"command": "PING", "args": [], "type": "inline"})
    );
    assert_eq!(req(&e[1])["args"], json!(["a key", "v 1"]));
    assert_eq!(req(&e[1])["key"], "a key");
    assert_eq!(req(&e[2])["command"], "GET");
    assert_eq!(e[0].request_size, 6);
}

#[test]
fn resp3_after_hello_3() {
    let hello = b"%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n";
    let r = split_run(&[
        c(0, &cmd(&["HELLO", "3"])),
        s(1, hello),
        c(2, &cmd(&["HGETALL", "h"])),
        s(3, b"%1\r\n$1\r\nf\r\n$1\r\nv\r\n"),
        c(4, &cmd(&["SMEMBERS", "s"])),
        s(5, b"~2\r\n$1\r\na\r\n$1\r\nb\r\n"),
        c(6, &cmd(&["ZSCORE", "z", "m"])),
        s(7, b",1.5\r\n"),
        c(8, &cmd(&["EXISTS", "x"])),
        s(9, b"#f\r\n"),
        c(10, &cmd(&["GET", "nope"])),
        s(11, b"_\r\n"),
        c(12, &cmd(&["X", "y"])),
        s(13, b"!11\r\nERR unknown\r\n"),
        c(14, &cmd(&["LOLWUT"])),
        s(15, b"=9\r\ntxt:hello\r\n"),
        c(16, &cmd(&["BIG"])),
        s(17, b"(12345678901234567890123\r\n"),
        close(18),
    ]);
    let e = &r.entries;
    assert_eq!(e.len(), 9);
    assert_eq!(e[0].protocol.version, "3");
    assert_eq!(resp(&e[0])["type"], "map");
    assert_eq!(resp(&e[0])["value"], json!({"server": "redis", "proto": 3}));
    assert_eq!(resp(&e[1]), json!({"type": "map", "value": {"f": "v"}}));
    assert_eq!(resp(&e[2]), json!({"type": "set", "value": ["a", "b"]}));
    assert_eq!(resp(&e[3]), json!({"type": "double", "value": 1.5}));
    assert_eq!(resp(&e[4]), json!({"type": "boolean", "value": false}));
    assert_eq!(resp(&e[5]), json!({"type": "null", "value": null}));
    assert_eq!(resp(&e[6])["error"], "ERR unknown");
    assert_eq!(resp(&e[7]), json!({"type": "verbatim", "value": "hello"}));
    assert_eq!(
        resp(&e[8]),
        json!({"type": "bignumber", "value": "12345678901234567890123"})
    );
    assert!(e.iter().all(|e| e.protocol.version == "3"));
}

#[test]
fn resp2_pubsub_messages_are_one_way() {
    let r = split_run(&[
        c(0, &cmd(&["SUBSCRIBE", "news", "sport"])),
        s(
            1,
            b"*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$5\r\nsport\r\n:2\r\n",
        ),
        s(2, b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n"),
        c(3, &cmd(&["PSUBSCRIBE", "n*"])),
        s(4, b"*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:3\r\n"),
        s(
            5,
            b"*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nworld\r\n",
        ),
        close(6),
    ]);
    let e = &r.entries;
    assert_eq!(e.len(), 4, "{e:#?}");
    assert_eq!(req(&e[0])["command"], "SUBSCRIBE");
    assert_eq!(resp(&e[0])["replies"], 2);
    assert_eq!(e[1].request, Payload::None);
    assert_eq!(resp(&e[1])["kind"], "message");
    assert_eq!(resp(&e[1])["channel"], "news");
    assert_eq!(resp(&e[1])["message"], "hello");
    assert_eq!(e[1].request_size, 0);
    let sum = Redis.summarize(&e[1]).expect("redis");
    assert_eq!(
        (sum.method.as_str(), sum.summary.as_str()),
        ("message", "news")
    );
    assert_eq!(req(&e[2])["command"], "PSUBSCRIBE");
    assert_eq!(resp(&e[3])["kind"], "pmessage");
    assert_eq!(resp(&e[3])["pattern"], "n*");
    assert_eq!(resp(&e[3])["message"], "world");
}

#[test]
fn resp3_pushes() {
    let r = split_run(&[
        c(0, &cmd(&["SUBSCRIBE", "ch"])),
        s(1, b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"),
        s(2, b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"),
        s(3, b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n"),
        close(4),
    ]);
    let e = &r.entries;
    assert_eq!(e.len(), 3);
    assert_eq!(resp(&e[0])["type"], "push");
    assert_eq!(resp(&e[1])["message"], "hi");
    assert_eq!(e[1].protocol.version, "3");
    assert_eq!(resp(&e[2])["kind"], "invalidate");
}

#[test]
fn lrange_array_is_not_a_message_outside_subscribed_mode() {
    let r = split_run(&[
        c(0, &cmd(&["LRANGE", "l", "0", "-1"])),
        s(1, b"*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nb\r\n"),
        close(2),
    ]);
    assert_eq!(r.entries.len(), 1);
    assert_eq!(resp(&r.entries[0])["value"], json!(["message", "a", "b"]));
}

#[test]
fn multi_exec() {
    let r = split_run(&[
        c(0, &cmd(&["MULTI"])),
        s(1, b"+OK\r\n"),
        c(2, &cmd(&["INCR", "a"])),
        s(3, b"+QUEUED\r\n"),
        c(4, &cmd(&["GET", "a"])),
        s(5, b"+QUEUED\r\n"),
        c(6, &cmd(&["EXEC"])),
        s(7, b"*2\r\n:1\r\n-ERR boom\r\n"),
        close(8),
    ]);
    let e = &r.entries;
    assert_eq!(e.len(), 4);
    assert_eq!(resp(&e[1])["value"], "QUEUED");
    assert_eq!(
        resp(&e[3]),
        json!({"type": "array", "value": [1, {"error": "ERR boom"}]})
    );
}

#[test]
fn big_bulk_is_capped_with_exact_sizes() {
    let big = "x".repeat(10_000);
    let limits = Limits {
        max_body: 1000,
        ..Limits::default()
    };
    let events = [
        c(0, &cmd(&["SET", "big", &big])),
        s(1, b"+OK\r\n"),
        c(2, &cmd(&["GET", "big"])),
        s(3, format!("${}\r\n{big}\r\n", big.len()).as_bytes()),
        close(4),
    ];
    let r = testing::assert_split_invariant(&Redis, ctx_with(limits), &events);
    let e = &r.entries;
    assert_eq!(e.len(), 2);
    assert!(e[0].truncated && e[1].truncated);
    assert_eq!(e[0].request_size, cmd(&["SET", "big", &big]).len() as u64);
    assert_eq!(e[1].response_size, 10_000 + 10);
    let r1 = resp(&e[1]);
    let v = r1["value"].as_str().expect("string");
    assert!(v.len() <= 1000);
    assert_eq!(req(&e[0])["key"], "big");
}

#[test]
fn midstream_pickup_and_gaps_resynchronise() {
    // The capture starts inside a big SET value and inside its reply stream.
    let r = split_run(&[
        c(0, b"xxxxxxxxxxxxxxxxxxxx\r\n"),
        s(0, b"abc\r\n+OK\r\n"),
        c(1, &cmd(&["GET", "a"])),
        s(2, b"$1\r\n1\r\n"),
        Event::Gap(C, T0 + 3 * MS, 100),
        c(4, b"garbage*1\r\n$4\r\nPING\r\n"),
        Event::Gap(S, T0 + 4 * MS, 10),
        s(5, b"+PONG\r\n"),
        close(6),
    ]);
    let e = &r.entries;
    // The orphan +OK (its request was before the capture), GET a, PING.
    assert_eq!(e.len(), 3, "{e:#?}");
    assert_eq!(e[0].request, Payload::None);
    assert!(e[0].gap);
    assert_eq!(req(&e[1])["command"], "GET");
    assert_eq!(resp(&e[1])["value"], "1");
    assert_eq!(req(&e[2])["command"], "PING");
    assert_eq!(resp(&e[2])["value"], "PONG");
    assert!(e[2].gap);
    assert!(r.diagnostics.iter().any(|d| d.contains("skipped")));
}

#[test]
fn gap_inside_a_value_keeps_the_request() {
    let mut first = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\n".to_vec();
    first.extend_from_slice(&[b'v'; 40]);
    let r = testing::run_detailed(
        &Redis,
        ctx(),
        &[
            c(0, &first),
            Event::Gap(C, T0 + MS, 62),
            s(2, b"+OK\r\n"),
            c(3, &cmd(&["GET", "k"])),
            s(4, b"$1\r\nv\r\n"),
            close(5),
        ],
    );
    let e = &r.entries;
    assert_eq!(e.len(), 2, "{e:#?}");
    assert_eq!(req(&e[0])["command"], "SET");
    assert_eq!(req(&e[0])["key"], "k");
    assert!(e[0].gap && e[0].truncated);
    assert_eq!(resp(&e[0])["value"], "OK");
    assert_eq!(req(&e[1])["command"], "GET");
}

#[test]
fn unanswered_and_orphan_replies() {
    let r = split_run(&[c(0, &cmd(&["GET", "a"])), close(1)]);
    assert_eq!(r.entries.len(), 1);
    assert!(r.entries[0].response.is_none());
    assert!(
        r.entries[0]
            .diagnostics
            .contains(&"no response captured".to_owned())
    );
}

#[test]
fn attributes_are_reported() {
    let r = split_run(&[
        c(0, &cmd(&["GET", "a"])),
        s(1, b"|1\r\n+popularity\r\n,0.5\r\n$1\r\nx\r\n"),
        close(2),
    ]);
    assert_eq!(
        resp(&r.entries[0]),
        json!({"type": "bulk", "value": "x", "attributes": [{"popularity": 0.5}]})
    );
}

#[test]
fn hostile_input_is_bounded() {
    // Deep nesting, huge declared counts, huge bulk lengths: never a panic, never a
    // wire-sized allocation.
    let mut deep = b"*1\r\n".repeat(100);
    deep.extend_from_slice(b":1\r\n");
    let r = testing::run_detailed(
        &Redis,
        ctx(),
        &[
            c(0, &cmd(&["GET", "a"])),
            s(1, &deep),
            s(2, b"*4294967295\r\n:1\r\n"),
            s(3, b"$536870912\r\nabc"),
            close(4),
        ],
    );
    // GET a gets whatever parsed after resynchronising inside the nesting; the absurd
    // count is corrupt (skipped), so the `:1` after it is a reply of its own (an orphan);
    // the cut bulk at close is an orphan reply too.
    assert_eq!(r.entries.len(), 3, "{:#?}", r.entries);
    assert_eq!(req(&r.entries[0])["command"], "GET");
    assert!(r.entries[1].request.is_none());
    assert_eq!(resp(&r.entries[1])["value"], 1);
    assert!(
        r.entries[1].diagnostics[0].contains("RESP aggregate of 4294967295 elements exceeds"),
        "{:?}",
        r.entries[1].diagnostics
    );
    assert!(r.entries[2].request.is_none() && r.entries[2].truncated);
}

#[test]
fn fuzz_events_never_panic() {
    let mut seed = 0x1234_5678u32;
    for _ in 0..300 {
        let mut data = Vec::new();
        for _ in 0..200 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let pick = b"*3\r\n$3\r\nSET\r\n+OK\r\n:1\r\n%1>2~|_#t,1.5(9!=PING \r\n";
            data.push(pick[(seed as usize) % pick.len()]);
        }
        let events = testing::fuzz_events(&data);
        let _ = testing::run(&Redis, testing::fuzz_context(6379), &events);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

    /// RESP2/RESP3 conversations (maps with repeated keys, attributes, pushes, pub/sub,
    /// HELLO 3, inline commands) with bytes flipped, cut and repeated: never panic, always
    /// valid JSON (debug builds also check that members are written in key order).
    #[test]
    fn mutated_conversations_never_panic(
        flips in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::any::<u8>()), 0..6),
        cut in proptest::prelude::any::<proptest::sample::Index>(),
        dup in proptest::option::of((proptest::prelude::any::<proptest::sample::Index>(), 1usize..40)),
    ) {
        let mut client = Vec::new();
        let mut server = Vec::new();
        client.extend(cmd(&["HELLO", "3"]));
        server.extend_from_slice(b"%3\r\n+server\r\n+redis\r\n+proto\r\n:3\r\n+server\r\n$6\r\nvalkey\r\n");
        client.extend(cmd(&["SET", "k\"1", "v\\1"]));
        server.extend_from_slice(b"|1\r\n+ttl\r\n:10\r\n+OK\r\n");
        client.extend_from_slice(b"get \"k\\x221\"\r\n");
        server.extend_from_slice(b"=8\r\ntxt:v\\1\r\n");
        client.extend(cmd(&["HGETALL", "h"]));
        server.extend_from_slice(b"%2\r\n:1\r\n#t\r\n,1.5\r\n_\r\n");
        client.extend(cmd(&["SUBSCRIBE", "a", "b"]));
        server.extend_from_slice(b">3\r\n+subscribe\r\n+a\r\n:1\r\n>3\r\n+subscribe\r\n+b\r\n:2\r\n");
        server.extend_from_slice(b">4\r\n+pmessage\r\n+a*\r\n+ab\r\n$2\r\n\xff\xfe\r\n");
        server.extend_from_slice(b">2\r\n+invalidate\r\n*1\r\n+k\r\n");
        client.extend(cmd(&["ZADD", "z", "1", "m", "2", "n", "3", "o", "4"]));
        server.extend_from_slice(b"(12345678901234567890\r\n");
        client.extend(cmd(&["EVAL", "return 1", "0"]));
        server.extend_from_slice(b"!9\r\nERR boom\r\n");
        client.extend(cmd(&["MGET", "a", "b"]));
        server.extend_from_slice(b"*2\r\n-ERR x\r\n$-1\r\n");
        let all = client.len();
        let mut bytes = [client, server].concat();
        for (at, v) in &flips {
            let i = at.index(bytes.len());
            bytes[i] ^= v;
        }
        if let Some((at, n)) = dup {
            let i = at.index(bytes.len());
            let piece = bytes[i..(i + n).min(bytes.len())].to_vec();
            bytes.splice(i..i, piece);
        }
        let (client, server) = bytes.split_at(all.min(bytes.len()));
        let client = &client[..cut.index(client.len() + 1)];
        let ev = vec![c(0, client), s(1, server), close(2)];
        for e in testing::run(&Redis, ctx(), &ev) {
            for p in [&e.request, &e.response] {
                if let Payload::Raw(r) = p {
                    proptest::prop_assert!(serde_json::from_str::<Json>(r.as_str()).is_ok());
                }
            }
            let _ = Redis.summarize(&e);
        }
    }
}

/// Issue 14: `printf 'SET p1 1\nGET p1\n' | redis-cli --pipe` sends inline commands with
/// bare line feeds as the connection's first bytes; Redis takes any line that does not
/// start with `*` for an inline command, unknown words and unbalanced quotes included.
#[test]
fn inline_commands_with_bare_line_feeds_and_unknown_words() {
    let r = split_run(&[
        c(0, b"SET p1 1\nGET p1\nFOO bar\nSET \"open x\n"),
        s(
            1,
            b"+OK\r\n$1\r\n1\r\n-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
        close(2),
    ]);
    let e = &r.entries;
    assert_eq!(e.len(), 4, "{e:#?}");
    assert_eq!(
        req(&e[0]),
        json!({"command": "SET", "args": ["p1", "1"], "key": "p1", "type": "inline"})
    );
    assert_eq!(resp(&e[0])["value"], "OK");
    assert_eq!(req(&e[1])["command"], "GET");
    assert_eq!(resp(&e[1])["value"], "1");
    assert_eq!(req(&e[2])["command"], "FOO");
    assert!(
        resp(&e[2])["error"]
            .as_str()
            .is_some_and(|t| t.starts_with("ERR unknown command"))
    );
    assert_eq!(req(&e[3])["args"], json!(["\"open", "x"]));
    assert_eq!(
        e[3].diagnostics,
        ["inline command with unbalanced quotes (Redis rejects it)"]
    );
    assert!(e[..3].iter().all(|e| e.diagnostics.is_empty()));
    assert_eq!(e[0].request_size, 9);
    assert_eq!(r.stats.unparsed_bytes, 0);
}

/// `MULTI`, `n` × `INCR c`, `EXEC` as a pipelined client sends them, and the replies.
fn multi_incr(n: usize) -> (Vec<u8>, Vec<u8>) {
    let mut req = cmd(&["MULTI"]);
    let mut rep = b"+OK\r\n".to_vec();
    let incr = cmd(&["INCR", "c"]);
    for _ in 0..n {
        req.extend_from_slice(&incr);
        rep.extend_from_slice(b"+QUEUED\r\n");
    }
    req.extend_from_slice(&cmd(&["EXEC"]));
    rep.extend_from_slice(format!("*{n}\r\n").as_bytes());
    for i in 1..=n {
        rep.extend_from_slice(format!(":{i}\r\n").as_bytes());
    }
    (req, rep)
}

/// Issue 14: 20,000 queued INCRs sent before any reply all pair (the old 1,024-request
/// bound made ~19,000 `QUEUED` replies orphans).
#[test]
fn twenty_thousand_command_multi_pairs() {
    let (rq, rp) = multi_incr(20_000);
    let r = testing::run_detailed(&Redis, ctx(), &[c(0, &rq), s(1, &rp), close(2)]);
    assert_eq!(r.entries.len(), 20_002);
    assert!(r.diagnostics.is_empty(), "{:?}", &r.diagnostics[..3]);
    assert_eq!(req(&r.entries[0])["command"], "MULTI");
    for e in &r.entries[1..20_001] {
        assert_eq!(req(e)["command"], "INCR");
        assert_eq!(resp(e)["value"], "QUEUED");
        assert!(e.diagnostics.is_empty() && !e.gap);
    }
    let exec = &r.entries[20_001];
    assert_eq!(req(exec)["command"], "EXEC");
    assert_eq!(resp(exec)["type"], "array");
    assert_eq!(exec.response_size, rp.len() as u64 - 5 - 9 * 20_000);
}

/// Past `Limits::max_pending_bytes` the oldest requests are emitted unanswered, their
/// replies are shown on their own, the requests still waiting keep their own replies, and
/// the connection says so once with the count.
#[test]
fn pending_bytes_bound_keeps_later_pairs_right() {
    let limits = Limits {
        max_pending_bytes: 4096,
        ..Limits::default()
    };
    let mut rq = Vec::new();
    let mut rp = Vec::new();
    for i in 0..100 {
        rq.extend_from_slice(&cmd(&["GET", &format!("k{i}")]));
        let v = format!("v{i}");
        rp.extend_from_slice(format!("${}\r\n{v}\r\n", v.len()).as_bytes());
    }
    let r = testing::run_detailed(&Redis, ctx_with(limits), &[c(0, &rq), s(1, &rp), close(2)]);
    let early: Vec<&Entry> = r.entries.iter().filter(|e| e.response.is_none()).collect();
    let alone: Vec<&Entry> = r.entries.iter().filter(|e| e.request.is_none()).collect();
    let paired: Vec<&Entry> = r
        .entries
        .iter()
        .filter(|e| !e.request.is_none() && !e.response.is_none())
        .collect();
    let n = early.len();
    assert!(n > 0 && n < 100, "{n} evicted");
    assert_eq!(alone.len(), n);
    assert_eq!(paired.len(), 100 - n);
    for e in &paired {
        let key = req(e)["key"].as_str().expect("key").to_owned();
        assert_eq!(resp(e)["value"], key.replace('k', "v"), "pairing shifted");
        assert!(e.diagnostics.is_empty());
    }
    for (i, e) in alone.iter().enumerate() {
        assert_eq!(resp(e)["value"], format!("v{i}"));
        assert!(!e.gap);
        assert!(e.diagnostics[0].starts_with("reply to a request emitted earlier"));
    }
    for e in &early {
        assert_eq!(
            e.diagnostics,
            ["emitted before its reply: more than 4096 bytes of requests were waiting"]
        );
    }
    assert_eq!(
        r.diagnostics,
        [format!(
            "{n} requests were emitted before their replies because more than 4096 bytes of \
             requests were waiting; {n} of their replies were shown on their own"
        )]
    );
}

/// Issue 12 item 5: an absurd aggregate count is corrupt, not a header that swallows the
/// commands after it: `SET k v` and `GET k` decode as themselves and pair.
#[test]
fn absurd_aggregate_counts_are_resynchronised() {
    let mut rq = b"*2147483647\r\n".to_vec();
    rq.extend_from_slice(&cmd(&["SET", "k", "v"]));
    rq.extend_from_slice(&cmd(&["GET", "k"]));
    let r = split_run(&[c(0, &rq), s(1, b"+OK\r\n$1\r\nv\r\n"), close(2)]);
    let e = &r.entries;
    assert_eq!(e.len(), 2, "{e:#?}");
    assert_eq!(req(&e[0])["command"], "SET");
    assert_eq!(resp(&e[0])["value"], "OK");
    assert_eq!(req(&e[1])["command"], "GET");
    assert_eq!(resp(&e[1])["value"], "v");
    assert_eq!(
        e[0].diagnostics,
        [
            "client data is not RESP: RESP aggregate of 2147483647 elements exceeds the 1048576 \
          element cap: skipped 13 bytes of client data to the next message"
        ]
    );

    // RESP3 map reply with an absurd count: the reply after it answers the request.
    let r = split_run(&[
        c(0, &cmd(&["GET", "a"])),
        s(1, b"%2147483647\r\n$1\r\nx\r\n"),
        c(2, &cmd(&["GET", "b"])),
        s(3, b"$1\r\ny\r\n"),
        close(4),
    ]);
    let e = &r.entries;
    assert_eq!(e.len(), 2, "{e:#?}");
    assert_eq!(resp(&e[0])["value"], "x");
    assert_eq!(resp(&e[1])["value"], "y");
    assert!(e[0].diagnostics[0].contains("exceeds the 16777216 element cap"));
}

/// Issue 12 item 5: a reply of 100k nested arrays resynchronises thousands of times for
/// the same reason: one diagnostic with a count, not thousands.
#[test]
fn repeated_diagnostics_collapse_with_a_count() {
    let mut deep = b"*1\r\n".repeat(100_000);
    deep.extend_from_slice(b":1\r\n");
    let r = testing::run_detailed(
        &Redis,
        ctx(),
        &[c(0, &cmd(&["GET", "a"])), s(1, &deep), close(2)],
    );
    assert_eq!(r.entries.len(), 1, "{:#?}", r.entries);
    let d = &r.entries[0].diagnostics;
    assert!(d.len() <= 3, "{d:#?}");
    let repeated: Vec<&String> = d.iter().filter(|d| d.ends_with(" times)")).collect();
    assert_eq!(repeated.len(), 1, "{d:#?}");
    assert!(r.diagnostics.len() <= 3, "{:?}", r.diagnostics);
    assert!(d.iter().map(String::len).sum::<usize>() < 1000);
}

/// Issue 12 item 4 for Redis: server bytes that are not RESP, with no message after them
/// and no request waiting, are counted as unparsed with the reason; with a request
/// waiting they are on its entry.
#[test]
fn skipped_bytes_show_on_an_entry_or_in_the_counters() {
    let r = split_run(&[
        c(0, &cmd(&["SET", "k", "v"])),
        s(1, b"+OK\r\n\x00\x01garbage that is not RESP\r\n"),
        close(2),
    ]);
    assert_eq!(r.entries.len(), 1);
    assert!(r.entries[0].diagnostics.is_empty());
    assert_eq!(
        r.skipped,
        [mizu_dissect::Skipped {
            bytes: 28,
            reason: "redis: data that was not RESP"
        }]
    );
    assert_eq!(r.stats.unparsed_bytes, 0);
    let r = split_run(&[
        c(0, &cmd(&["GET", "k"])),
        s(1, b"\x00\x01garbage that is not RESP\r\n"),
        close(2),
    ]);
    assert_eq!(r.entries.len(), 1);
    assert!(r.skipped.is_empty());
    assert_eq!(r.stats.unparsed_bytes, 0);
    assert!(
        r.entries[0]
            .diagnostics
            .iter()
            .any(|d| d.contains("skipped 28 bytes of server data")),
        "{:?}",
        r.entries[0].diagnostics
    );
}

/// The memory budget sees what a pipeline holds: requests waiting for replies count, and
/// the count falls back to zero once they are answered.
#[test]
fn pending_requests_are_reported_to_the_memory_budget() {
    use mizu_dissect::{Chunk, Output};
    let mut s = Redis.new_session(ctx());
    let mut out = Output::default();
    let reqs = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".repeat(100);
    let marks = [(0usize, T0)];
    let used = s.on_data(
        &Chunk {
            dir: C,
            data: &reqs,
            marks: &marks,
        },
        &mut out,
    );
    assert_eq!(used, reqs.len());
    let held = s.buffered_bytes();
    assert!(
        held >= reqs.len(),
        "100 pending requests reported as {held} bytes"
    );
    let replies = b"$-1\r\n".repeat(100);
    let used = s.on_data(
        &Chunk {
            dir: S,
            data: &replies,
            marks: &marks,
        },
        &mut out,
    );
    assert_eq!(used, replies.len());
    assert_eq!(out.entries.len(), 100);
    assert_eq!(s.buffered_bytes(), 0);
}
