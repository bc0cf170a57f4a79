//! Conversation tests: WebSocket frames through the real driver (`mizu_dissect::testing`),
//! each frame form and each error, split at every byte; a proptest that random frames and
//! random bytes never panic and that every byte is accounted for.

use std::net::SocketAddr;

use flate2::{Compress, Compression, FlushCompress};
use mizu_dissect::testing::{self, Event, Run};
use mizu_dissect::{Dissector, Limits, ProbeContext, Session, SessionContext, Summary};
use mizu_model::{Direction, Entry};
use proptest::prelude::*;
use serde_json::Value as Json;

use super::frame::{BINARY, CLOSE, CONTINUATION, PING, PONG, TEXT};
use super::{INFO, WebSocket, session_with_extensions};

const C: Direction = Direction::ClientToServer;
const S: Direction = Direction::ServerToClient;
const MS: u64 = 1_000_000;
const T0: u64 = 1_700_000_000_000_000_000;
const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn ctx_with(limits: Limits) -> SessionContext {
    SessionContext {
        flow: 7,
        client: SocketAddr::from(([10, 0, 0, 1], 40000)),
        server: SocketAddr::from(([10, 0, 0, 2], 8765)),
        limits,
    }
}

fn ctx() -> SessionContext {
    ctx_with(Limits::default())
}

/// WebSocket sessions with fixed `Sec-WebSocket-Extensions` (as if a 101 negotiated them).
struct Ws(&'static str);

impl Dissector for Ws {
    fn info(&self) -> &'static mizu_dissect::ProtocolInfo {
        &INFO
    }
    fn probe(&self, data: &[u8], ctx: &ProbeContext) -> mizu_dissect::Probe {
        WebSocket.probe(data, ctx)
    }
    fn new_session(&self, ctx: SessionContext) -> Box<dyn Session> {
        session_with_extensions(ctx, self.0)
    }
    fn summarize(&self, entry: &Entry) -> Option<Summary> {
        WebSocket.summarize(entry)
    }
}

const PLAIN: Ws = Ws("");
const DEFLATE: Ws = Ws("permessage-deflate; client_max_window_bits=12");
const DEFLATE_NCTX: Ws =
    Ws("permessage-deflate; client_no_context_takeover; server_no_context_takeover");

/// One frame. `mask`: the client's masking key.
fn frame(fin: bool, rsv: u8, opcode: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![(u8::from(fin) << 7) | (rsv << 4) | opcode];
    let m = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => v.push(m | n as u8),
        n if n <= 0xffff => {
            v.push(m | 126);
            v.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            v.push(m | 127);
            v.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(k) => {
            v.extend_from_slice(&k);
            v.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        }
        None => v.extend_from_slice(payload),
    }
    v
}

/// A complete client (masked) or server frame.
fn cf(opcode: u8, payload: &[u8]) -> Vec<u8> {
    frame(true, 0, opcode, Some(MASK), payload)
}
fn sf(opcode: u8, payload: &[u8]) -> Vec<u8> {
    frame(true, 0, opcode, None, payload)
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

fn split(d: &Ws, events: &[Event]) -> Run {
    testing::assert_split_invariant(d, ctx(), events)
}

fn req(e: &Entry) -> Json {
    e.request.json().expect("request").into_owned()
}
fn resp(e: &Entry) -> Json {
    e.response.json().expect("response").into_owned()
}

/// permessage-deflate of one message with a shared compressor (context takeover when
/// reused): the sync-flushed stream without its `00 00 ff ff` tail (RFC 7692 §7.2.1).
fn deflate(z: &mut Compress, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 64);
    let start_in = z.total_in();
    loop {
        let used = (z.total_in() - start_in) as usize;
        out.reserve(4096);
        z.compress_vec(&data[used..], &mut out, FlushCompress::Sync)
            .expect("compress");
        if (z.total_in() - start_in) as usize == data.len() && out.capacity() > out.len() {
            break;
        }
    }
    assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
    out.truncate(out.len() - 4);
    out
}

fn compressor() -> Compress {
    Compress::new(Compression::default(), false)
}

/// Every `skipped N bytes` in the run's diagnostics, summed.
fn skipped(r: &Run) -> u64 {
    r.diagnostics
        .iter()
        .filter_map(|d| {
            let i = d.find("skipped ")?;
            d[i + 8..].split(' ').next()?.parse::<u64>().ok()
        })
        .sum()
}

#[test]
fn text_json_and_binary_messages() {
    let json = br#"{"type":"chat","text":"hi"}"#;
    let r = split(
        &PLAIN,
        &[
            c(0, &cf(TEXT, b"hello")),
            s(1, &sf(TEXT, json)),
            c(2, &cf(BINARY, &[0, 1, 2, 0xff])),
            close(3),
        ],
    );
    assert_eq!(r.entries.len(), 3);
    let (a, b, d) = (req(&r.entries[0]), req(&r.entries[1]), req(&r.entries[2]));
    assert_eq!(a["from"], "client");
    assert_eq!(a["type"], "text");
    assert_eq!(a["opcode"], 1);
    assert_eq!(a["text"], "hello");
    assert_eq!(a["mimeType"], "text/plain");
    assert_eq!(a["masked"], true);
    assert_eq!(a["size"], 5);
    assert_eq!(r.entries[0].request_size, 2 + 4 + 5);
    assert!(r.entries[0].response.is_none());
    assert_eq!(b["from"], "server");
    assert_eq!(b["masked"], false);
    assert_eq!(b["mimeType"], "application/json");
    assert_eq!(b["text"], std::str::from_utf8(json).expect("utf-8"));
    assert_eq!(r.entries[1].timestamp, ((T0 + MS) / MS) as i64);
    assert_eq!(d["type"], "binary");
    assert_eq!(d["encoding"], "base64");
    assert_eq!(d["text"], "AAEC/w==");
    assert_eq!(d["mimeType"], "application/octet-stream");
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    for e in &r.entries {
        assert_eq!(e.protocol.name, "websocket");
        assert_eq!(e.protocol.abbr, "WS");
        assert_eq!(e.src.port, "40000", "src is always the client");
    }
    let sum = WebSocket.summarize(&r.entries[1]).expect("summary");
    assert_eq!(sum.method, "TEXT");
    assert!(sum.summary.starts_with("← {"), "{}", sum.summary);
    assert_eq!(
        WebSocket.summarize(&r.entries[2]).expect("summary").summary,
        "→ 4 bytes"
    );
}

#[test]
fn extended_lengths_16_and_64_bit() {
    let mid = vec![b'm'; 300];
    let big = vec![b'b'; 70_000];
    let r = split(
        &PLAIN,
        &[c(0, &cf(BINARY, &mid)), s(1, &sf(TEXT, &big)), close(2)],
    );
    assert_eq!(r.entries.len(), 2);
    assert_eq!(req(&r.entries[0])["size"], 300);
    assert_eq!(r.entries[0].request_size, 2 + 2 + 4 + 300);
    assert_eq!(req(&r.entries[1])["size"], 70_000);
    assert_eq!(r.entries[1].request_size, 2 + 8 + 70_000);
    assert_eq!(
        req(&r.entries[1])["text"].as_str().map(str::len),
        Some(70_000)
    );
}

#[test]
fn fragments_reassemble_around_an_interleaved_ping() {
    let r = split(
        &PLAIN,
        &[
            c(0, &frame(false, 0, TEXT, Some(MASK), b"Hel")),
            c(1, &cf(PING, b"p1")),
            c(2, &frame(false, 0, CONTINUATION, Some(MASK), b"lo, ")),
            s(3, &sf(PONG, b"p1")),
            c(
                4,
                &frame(true, 0, CONTINUATION, Some(MASK), "wörld".as_bytes()),
            ),
            close(5),
        ],
    );
    assert_eq!(r.entries.len(), 2, "{:#?}", r.entries);
    // The ping/pong pair completes first, then the message.
    let ping = &r.entries[0];
    assert_eq!(req(ping)["type"], "ping");
    assert_eq!(resp(ping)["type"], "pong");
    assert_eq!(resp(ping)["from"], "server");
    assert_eq!(ping.elapsed_time, 2);
    assert_eq!(ping.request_size, 2 + 4 + 2);
    assert_eq!(ping.response_size, 2 + 2);
    let m = req(&r.entries[1]);
    assert_eq!(m["text"], "Hello, wörld");
    assert_eq!(m["frames"], 3);
    assert_eq!(r.entries[1].timestamp, (T0 / MS) as i64);
    assert_eq!(r.entries[1].request_size, 3 * 6 + 3 + 4 + 6);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
}

#[test]
fn close_pairs_with_the_peers_close() {
    let mut payload = 4000u16.to_be_bytes().to_vec();
    payload.extend_from_slice(b"bye now");
    let r = split(
        &PLAIN,
        &[
            c(0, &cf(CLOSE, &payload)),
            s(1, &sf(CLOSE, &1000u16.to_be_bytes())),
            close(2),
        ],
    );
    assert_eq!(r.entries.len(), 1);
    let (a, b) = (req(&r.entries[0]), resp(&r.entries[0]));
    assert_eq!(a["code"], 4000);
    assert_eq!(a["reason"], "bye now");
    assert_eq!(a["codeName"], "Private Use");
    assert_eq!(b["code"], 1000);
    assert_eq!(b["codeName"], "Normal Closure");
    assert_eq!(b["reason"], "");
    let sum = WebSocket.summarize(&r.entries[0]).expect("summary");
    assert_eq!(sum.method, "CLOSE");
    assert_eq!(sum.summary, "→ 4000 Private Use: bye now");
}

#[test]
fn unanswered_ping_and_close_and_unsolicited_pong() {
    let r = split(
        &PLAIN,
        &[
            s(0, &sf(PONG, b"heartbeat")),
            c(1, &cf(PING, b"a")),
            c(2, &cf(PING, b"b")),
            s(3, &sf(PONG, b"b")),
            s(4, &sf(CLOSE, &[])),
            close(5),
        ],
    );
    let types: Vec<(String, bool)> = r
        .entries
        .iter()
        .map(|e| {
            (
                req(e)["type"].as_str().unwrap_or("").to_owned(),
                e.response.is_none(),
            )
        })
        .collect();
    assert_eq!(
        types,
        [
            ("pong".to_owned(), true),
            ("ping".to_owned(), true),
            ("ping".to_owned(), false),
            ("close".to_owned(), true),
        ]
    );
    assert!(
        r.entries[1]
            .diagnostics
            .contains(&"no pong captured".to_owned())
    );
    assert_eq!(req(&r.entries[1])["text"], "a");
    assert_eq!(resp(&r.entries[2])["text"], "b");
    assert!(
        req(&r.entries[3]).get("code").is_none(),
        "close without a code"
    );
    assert!(
        r.entries[3]
            .diagnostics
            .contains(&"no close reply captured".to_owned())
    );
}

#[test]
fn body_cap_cuts_text_on_a_character_boundary() {
    let text = "ééééé"; // 10 bytes
    let r = testing::assert_split_invariant(
        &PLAIN,
        ctx_with(Limits {
            max_body: 5,
            ..Limits::default()
        }),
        &[c(0, &cf(TEXT, text.as_bytes())), close(1)],
    );
    let e = &r.entries[0];
    assert!(e.truncated);
    let m = req(e);
    assert_eq!(m["text"], "éé");
    assert_eq!(m["size"], 10);
    assert_eq!(m["truncated"], true);
    assert_eq!(m["mimeType"], "text/plain");
}

#[test]
fn masking_violations_and_reserved_bits_are_flagged_not_fatal() {
    let r = split(
        &PLAIN,
        &[
            c(0, &sf(TEXT, b"unmasked")),
            s(1, &cf(TEXT, b"masked")),
            c(2, &frame(true, 0b010, TEXT, Some(MASK), b"rsv2")),
            c(3, &frame(true, 0, 0x3, Some(MASK), b"op3")),
            s(4, &frame(true, 0, 0xB, None, b"opB")),
            c(5, &frame(true, 0b100, TEXT, Some(MASK), b"rsv1")),
            c(6, &cf(TEXT, b"fine")),
            close(7),
        ],
    );
    assert_eq!(r.entries.len(), 7);
    let has = |i: usize, what: &str| {
        assert!(
            r.entries[i].diagnostics.iter().any(|d| d.contains(what)),
            "entry {i} lacks {what:?}: {:?}",
            r.entries[i].diagnostics
        );
    };
    has(0, "client frame not masked");
    assert_eq!(req(&r.entries[0])["text"], "unmasked");
    has(1, "server frame masked");
    assert_eq!(req(&r.entries[1])["text"], "masked");
    has(2, "RSV2/RSV3");
    has(3, "reserved data opcode 0x3");
    assert_eq!(req(&r.entries[3])["type"], "reserved");
    has(4, "reserved control opcode 0xB");
    has(5, "permessage-deflate was not negotiated");
    assert_eq!(req(&r.entries[5])["text"], "rsv1", "shown as sent");
    assert!(r.entries[6].diagnostics.is_empty());
    assert_eq!(skipped(&r), 0);
}

#[test]
fn long_control_frame_and_long_length_encoding_are_flagged() {
    let mut long = vec![0x81u8, 126, 0, 5];
    long.extend_from_slice(b"short");
    let r = split(
        &PLAIN,
        &[
            s(0, &sf(PING, &[b'x'; 200])),
            s(1, &frame(false, 0, PONG, None, b"frag")),
            s(2, &long),
            close(3),
        ],
    );
    let all: Vec<&String> = r.entries.iter().flat_map(|e| &e.diagnostics).collect();
    for want in [
        "control frame payload longer than 125 bytes",
        "fragmented control frame",
        "payload length not in its shortest encoding",
    ] {
        assert!(all.iter().any(|d| d.contains(want)), "{want}: {all:?}");
    }
    assert!(r.entries.iter().any(|e| req(e)["text"] == "short"));
}

#[test]
fn invalid_header_resyncs_on_the_next_frames_and_counts_bytes() {
    // A 64-bit length with its top bit set cannot be a frame.
    let bad = [0x82u8, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1, 0xaa, 0xbb];
    let mut server = bad.to_vec();
    server.extend(sf(TEXT, b"after"));
    server.extend(sf(TEXT, b"again"));
    let r = split(&PLAIN, &[s(0, &server), close(1)]);
    let texts: Vec<Json> = r.entries.iter().map(|e| req(e)["text"].clone()).collect();
    assert_eq!(texts, ["after", "again"]);
    assert_eq!(skipped(&r), bad.len() as u64);
    assert!(
        r.entries[0]
            .diagnostics
            .iter()
            .any(|d| d.contains("64-bit length")),
        "{:?}",
        r.entries[0].diagnostics
    );
}

#[test]
fn gap_inside_a_payload_keeps_step() {
    let f = sf(BINARY, &[7u8; 100]);
    let (head, tail) = f.split_at(50);
    let r = testing::run_detailed(
        &PLAIN,
        ctx(),
        &[
            s(0, head),
            Event::Gap(S, T0 + MS, 30),
            s(2, &tail[30..]),
            s(3, &sf(TEXT, b"next")),
            close(4),
        ],
    );
    assert_eq!(r.entries.len(), 2);
    let e = &r.entries[0];
    assert!(e.gap);
    assert_eq!(req(e)["size"], 100 - 30, "captured payload bytes");
    let kept = req(e)["text"].as_str().map(str::len);
    assert_eq!(
        kept,
        Some(64),
        "base64 of the 48 bytes before the hole: never spliced"
    );
    assert_eq!(e.request_size, (f.len() - 30) as u64, "captured bytes only");
    assert!(e.diagnostics.iter().any(|d| d.contains("30 payload bytes")));
    assert_eq!(req(&r.entries[1])["text"], "next");
    assert!(!r.entries[1].gap);
}

#[test]
fn gap_across_frames_resyncs_and_cuts_the_message() {
    let first = frame(false, 0, TEXT, Some(MASK), b"start of a long message");
    let lost = cf(TEXT, b"lost entirely");
    let mut after = cf(CONTINUATION, b"tail")[3..].to_vec(); // the middle of a frame
    let junk = after.len() as u64;
    after.extend(cf(TEXT, b"one"));
    after.extend(cf(TEXT, b"two"));
    let r = testing::run_detailed(
        &PLAIN,
        ctx(),
        &[
            c(0, &first),
            Event::Gap(C, T0 + MS, lost.len() as u64 + 3),
            c(2, &after),
            close(3),
        ],
    );
    assert_eq!(r.entries.len(), 3, "{:#?}", r.entries);
    assert!(r.entries[0].gap);
    assert_eq!(req(&r.entries[0])["text"], "start of a long message");
    assert_eq!(req(&r.entries[1])["text"], "one");
    assert_eq!(req(&r.entries[2])["text"], "two");
    assert_eq!(skipped(&r), junk);
}

#[test]
fn invalid_utf8_text_and_one_byte_close_are_flagged() {
    let r = split(
        &PLAIN,
        &[
            s(0, &sf(TEXT, &[b'a', 0xff, b'b'])),
            s(1, &sf(CLOSE, &[3])),
            close(2),
        ],
    );
    assert_eq!(r.entries.len(), 2);
    assert_eq!(req(&r.entries[0])["encoding"], "base64");
    assert!(r.entries[0].diagnostics[0].contains("not valid UTF-8"));
    assert!(
        r.entries[1]
            .diagnostics
            .iter()
            .any(|d| d.contains("1 byte"))
    );
}

#[test]
fn gap_in_an_uncompressed_frame_keeps_the_deflate_context() {
    let mut z = compressor();
    let a = deflate(&mut z, b"context context context");
    let b = deflate(&mut z, b"context context context");
    let plain = sf(BINARY, &[9u8; 60]);
    let r = testing::run_detailed(
        &DEFLATE,
        ctx(),
        &[
            s(0, &frame(true, 0b100, TEXT, None, &a)),
            s(1, &plain[..20]),
            Event::Gap(S, T0 + 2 * MS, 10),
            s(3, &plain[30..]),
            s(4, &frame(true, 0b100, TEXT, None, &b)),
            close(5),
        ],
    );
    assert_eq!(r.entries.len(), 3);
    assert!(r.entries[1].gap);
    assert!(!r.entries[2].gap, "{:?}", r.entries[2].diagnostics);
    assert_eq!(req(&r.entries[2])["text"], "context context context");
}

#[test]
fn continuation_without_its_first_frame() {
    let r = split(
        &PLAIN,
        &[
            s(0, &frame(true, 0, CONTINUATION, None, b"orphan")),
            close(1),
        ],
    );
    assert_eq!(r.entries.len(), 1);
    assert!(r.entries[0].gap);
    assert_eq!(req(&r.entries[0])["type"], "continuation");
    assert_eq!(req(&r.entries[0])["text"], "orphan");
}

#[test]
fn a_new_message_before_the_final_fragment() {
    let r = split(
        &PLAIN,
        &[
            s(0, &frame(false, 0, TEXT, None, b"never ")),
            s(1, &sf(TEXT, b"second")),
            close(2),
        ],
    );
    assert_eq!(r.entries.len(), 2);
    assert_eq!(req(&r.entries[0])["text"], "never ");
    assert!(r.entries[0].diagnostics[0].contains("message not finished"));
    assert_eq!(req(&r.entries[1])["text"], "second");
}

#[test]
fn end_of_capture_mid_frame_and_mid_header() {
    let f = cf(TEXT, b"cut short");
    let r = split(
        &PLAIN,
        &[c(0, &f[..10]), s(1, &[0x81, 0x7e, 0x01]), close(2)],
    );
    assert_eq!(r.entries.len(), 1);
    assert!(r.entries[0].gap);
    assert_eq!(req(&r.entries[0])["text"], "cut ");
    assert_eq!(r.entries[0].request_size, 10);
    assert_eq!(skipped(&r), 3, "{:?}", r.diagnostics);
}

#[test]
fn deflate_with_context_takeover() {
    let mut zc = compressor();
    let mut zs = compressor();
    let text = "The quick brown fox jumps over the lazy dog. ".repeat(20);
    let c1 = deflate(&mut zc, text.as_bytes());
    let c2 = deflate(&mut zc, text.as_bytes());
    assert!(c2.len() < c1.len(), "the second copy refers to the first");
    let s1 = deflate(&mut zs, br#"{"tick":1}"#);
    let s2 = deflate(&mut zs, br#"{"tick":2}"#);
    // A fragmented compressed message: RSV1 on the first frame only.
    let (fa, fb) = c2.split_at(c2.len() / 2);
    let r = split(
        &DEFLATE,
        &[
            c(0, &frame(true, 0b100, TEXT, Some(MASK), &c1)),
            s(1, &frame(true, 0b100, TEXT, None, &s1)),
            c(2, &frame(false, 0b100, TEXT, Some(MASK), fa)),
            c(2, &frame(true, 0, CONTINUATION, Some(MASK), fb)),
            s(3, &frame(true, 0b100, TEXT, None, &s2)),
            c(4, &cf(TEXT, b"not compressed")),
            close(5),
        ],
    );
    assert_eq!(r.entries.len(), 5);
    let m: Vec<Json> = r.entries.iter().map(req).collect();
    assert_eq!(m[0]["text"], text.as_str());
    assert_eq!(m[0]["compressed"], true);
    assert_eq!(m[0]["compressedSize"], c1.len());
    assert_eq!(m[0]["size"], text.len());
    assert_eq!(m[1]["text"], r#"{"tick":1}"#);
    assert_eq!(m[1]["mimeType"], "application/json");
    assert_eq!(m[2]["text"], text.as_str());
    assert_eq!(m[2]["frames"], 2);
    assert_eq!(m[3]["text"], r#"{"tick":2}"#);
    assert_eq!(m[4]["compressed"], false);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
}

#[test]
fn deflate_without_context_takeover_resets_per_message() {
    let text = b"abcabcabcabcabcabc hello hello hello";
    // Each message compressed by a fresh compressor.
    let a = deflate(&mut compressor(), text);
    let b = deflate(&mut compressor(), text);
    let r = split(
        &DEFLATE_NCTX,
        &[
            c(0, &frame(true, 0b100, TEXT, Some(MASK), &a)),
            c(1, &frame(true, 0b100, TEXT, Some(MASK), &b)),
            s(2, &frame(true, 0b100, TEXT, None, &a)),
            close(3),
        ],
    );
    assert_eq!(r.entries.len(), 3);
    for e in &r.entries {
        assert_eq!(req(e)["text"], std::str::from_utf8(text).expect("utf-8"));
        assert!(e.diagnostics.is_empty());
    }
    // The same bytes under context takeover: the second message inflates with the first's
    // window still there, which here still decodes (no back-references past its start).
    let r = split(
        &DEFLATE,
        &[
            c(0, &frame(true, 0b100, TEXT, Some(MASK), &a)),
            c(1, &frame(true, 0b100, TEXT, Some(MASK), &b)),
            close(2),
        ],
    );
    assert_eq!(
        req(&r.entries[1])["text"],
        std::str::from_utf8(text).expect("utf-8")
    );
}

#[test]
fn decompression_bombs_are_capped() {
    let zeros = vec![b'0'; 4 << 20];
    let bomb = deflate(&mut compressor(), &zeros);
    assert!(bomb.len() < 8 << 10);
    let limits = Limits {
        max_body: 1000,
        ..Limits::default()
    };
    // Without context takeover: inflating stops just past the body cap.
    let r = testing::run_detailed(
        &DEFLATE_NCTX,
        ctx_with(limits),
        &[c(0, &frame(true, 0b100, TEXT, Some(MASK), &bomb)), close(1)],
    );
    let e = &r.entries[0];
    assert!(e.truncated);
    let m = req(e);
    assert_eq!(m["text"].as_str().map(str::len), Some(1000));
    assert!(m["size"].as_u64().is_some_and(|n| n > 1000 && n < 64 << 10));
    // With it: inflated to the end (the window must follow), only 1000 bytes kept.
    let r = testing::run_detailed(
        &DEFLATE,
        ctx_with(limits),
        &[c(0, &frame(true, 0b100, TEXT, Some(MASK), &bomb)), close(1)],
    );
    let m = req(&r.entries[0]);
    assert_eq!(m["size"], 4 << 20);
    assert_eq!(m["text"].as_str().map(str::len), Some(1000));
    assert!(r.entries[0].truncated);
}

#[test]
fn corrupt_deflate_data_and_lost_context_are_diagnosed() {
    let good = deflate(&mut compressor(), b"fine");
    let r = split(
        &DEFLATE,
        &[
            c(0, &frame(true, 0b100, TEXT, Some(MASK), &[0xff; 16])),
            c(1, &frame(true, 0b100, TEXT, Some(MASK), &good)),
            close(2),
        ],
    );
    assert_eq!(r.entries.len(), 2);
    assert!(
        r.entries[0]
            .diagnostics
            .iter()
            .any(|d| d.contains("invalid compressed data")),
        "{:?}",
        r.entries[0].diagnostics
    );
    assert!(r.entries[1].gap, "context lost before it");
    assert!(
        r.entries[1]
            .diagnostics
            .iter()
            .any(|d| d.contains("context was lost"))
    );
}

#[test]
fn bad_extension_parameters_are_reported_once() {
    let r = testing::run_detailed(
        &Ws("permessage-deflate; server_max_window_bits=3, x-custom"),
        ctx(),
        &[c(0, &cf(TEXT, b"a")), c(1, &cf(TEXT, b"b")), close(2)],
    );
    assert_eq!(r.entries.len(), 2);
    assert_eq!(
        r.entries[0].diagnostics.len(),
        2,
        "{:?}",
        r.entries[0].diagnostics
    );
    assert!(r.entries[1].diagnostics.is_empty());
}

/// HTTP/1 first, switching to WebSocket on the 101 as the engine does.
struct H1ThenWs;

impl Dissector for H1ThenWs {
    fn info(&self) -> &'static mizu_dissect::ProtocolInfo {
        &crate::http1::INFO
    }
    fn probe(&self, data: &[u8], ctx: &ProbeContext) -> mizu_dissect::Probe {
        crate::http1::Http1.probe(data, ctx)
    }
    fn new_session(&self, ctx: SessionContext) -> Box<dyn Session> {
        crate::http1::Http1.new_session(ctx)
    }
    fn upgrade_session_from(
        &self,
        up: &mut mizu_dissect::Upgrade,
        ctx: SessionContext,
    ) -> Option<Box<dyn Session>> {
        WebSocket.upgrade_session_from(up, ctx)
    }
    fn summarize(&self, _: &Entry) -> Option<Summary> {
        None
    }
}

#[test]
fn http1_upgrade_hands_over_with_the_negotiated_extensions() {
    let request = b"GET /chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";
    let head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat.v1\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_max_window_bits=11\r\n\r\n";
    let mut zc = compressor();
    let mut server = head.to_vec();
    server.extend(frame(
        true,
        0b100,
        TEXT,
        None,
        &deflate(&mut compressor(), b"welcome"),
    ));
    let r = testing::assert_split_invariant(
        &H1ThenWs,
        ctx(),
        &[
            c(0, request),
            s(1, &server),
            c(
                2,
                &frame(
                    true,
                    0b100,
                    TEXT,
                    Some(MASK),
                    &deflate(&mut zc, b"hi hi hi"),
                ),
            ),
            c(
                3,
                &frame(
                    true,
                    0b100,
                    TEXT,
                    Some(MASK),
                    &deflate(&mut zc, b"hi hi hi"),
                ),
            ),
            close(4),
        ],
    );
    assert_eq!(r.upgrades.len(), 1);
    assert_eq!(r.entries.len(), 4, "{:#?}", r.entries);
    assert_eq!(r.entries[0].protocol.name, "http");
    let m: Vec<Json> = r.entries[1..].iter().map(req).collect();
    assert_eq!(m[0]["text"], "welcome");
    assert_eq!(m[0]["subprotocol"], "chat.v1");
    assert_eq!(m[1]["text"], "hi hi hi");
    assert_eq!(m[2]["text"], "hi hi hi");
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
}

/// A random frame: any header form (including invalid ones) with a small payload.
fn arb_frame() -> impl Strategy<Value = (bool, Vec<u8>)> {
    (
        any::<bool>(),
        any::<bool>(),
        0u8..8,
        prop::sample::select(vec![TEXT, BINARY, CONTINUATION, CLOSE, PING, PONG, 3, 0xB]),
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(from_client, fin, rsv, op, masked, payload)| {
            let mask = masked.then_some(MASK);
            (from_client, frame(fin, rsv, op, mask, &payload))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random frames mixed with random bytes, in any cutting, never panic, and every
    /// byte ends up in an entry's size or a "skipped N bytes" diagnostic.
    #[test]
    fn random_frames_never_panic_and_account_every_byte(
        frames in prop::collection::vec((arb_frame(), prop::collection::vec(any::<u8>(), 0..6), any::<bool>()), 0..12),
        deflate_ext in any::<bool>(),
        cut in 1usize..64,
    ) {
        let mut events = Vec::new();
        let mut total = 0u64;
        for (i, ((from_client, f), junk, with_junk)) in frames.into_iter().enumerate() {
            let dir = if from_client { C } else { S };
            let mut b = f;
            if with_junk {
                b.extend(junk);
            }
            total += b.len() as u64;
            for piece in b.chunks(cut) {
                events.push(Event::Data(dir, T0 + i as u64 * MS, piece.to_vec()));
            }
        }
        events.push(close(99));
        let d = if deflate_ext { &DEFLATE } else { &PLAIN };
        let r = testing::run_detailed(d, ctx(), &events);
        let sizes: u64 = r.entries.iter().map(|e| e.request_size + e.response_size).sum();
        prop_assert_eq!(sizes + skipped(&r), total, "{:?}", r.diagnostics);
        for e in &r.entries {
            prop_assert!(e.request.json().is_some());
        }
    }

    /// Pure noise: no panic, and every byte accounted for.
    #[test]
    fn random_bytes_never_panic(
        c_bytes in prop::collection::vec(any::<u8>(), 0..400),
        s_bytes in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        let r = testing::run_detailed(
            &DEFLATE,
            ctx_with(Limits { max_body: 64, max_head: 256, max_pending: 4, ..Limits::default() }),
            &[c(0, &c_bytes), s(1, &s_bytes), close(2)],
        );
        let sizes: u64 = r.entries.iter().map(|e| e.request_size + e.response_size).sum();
        prop_assert_eq!(sizes + skipped(&r), (c_bytes.len() + s_bytes.len()) as u64);
    }
}
