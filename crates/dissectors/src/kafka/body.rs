//! Request and response bodies, written as JSON payloads into a [`JsonBuf`].
//!
//! - **Produce requests and Fetch responses** (every version, 0–13 and 0–18), which carry the
//!   records, are parsed here: tolerant of a frame cut by the size cap (what was complete is
//!   shown, `truncated` is set), records decoded by [`super::records`]. So are Fetch
//!   requests (their `maxBytes` would trip [`super::guard`]), and Produce responses v3–13
//!   when they are well-formed (the hot path of a producer; anything unusual — tagged
//!   fields, a value the guard would refuse, trailing bytes — goes to `kafka-protocol` as
//!   before, so the result is the same either way).
//! - **Every other (key, version) `kafka-protocol` knows** is decoded by it (reading through
//!   [`super::guard::GuardedBuf`] so corrupt counts cannot abort) and written from its typed
//!   structs ([`super::render`], impls generated into [`super::render_gen`]): every field of
//!   the struct under its Kafka name in camelCase.
//! - **Versions below `kafka-protocol`'s floor** (Kafka 4.0 dropped them; clients pinned to
//!   old brokers still send them) are parsed here for the keys that carry topics: Produce responses v0–2, ListOffsets v0, OffsetCommit v0–1, OffsetFetch
//!   v0, CreateTopics v0–1, DeleteTopics v0. Anything else keeps the header with an empty
//!   payload and a diagnostic — never an error entry.
//!
//! Object keys are written in sorted order (as a `serde_json::Map` printed them), so each
//! parser reads the fields of an object in wire order and writes them in key order; a
//! field that follows an array on the wire but sorts before it is found with a dry run
//! over the array ([`Skip`]). A malformed body shows what was parsed before the error.
//!
//! Mizu compatibility: Produce `topicData[i]` also carries `topic` (Mizu's name for it).

use super::apikeys;
use super::render::KafkaJson;
use super::render_gen::kafka_api_table;
use super::guard::{self, GuardedBuf};
use super::records::{self, Budget};
use super::sink::{Sink, Skip, put, put_text, text};
use super::wire::Reader;
use bytes::Buf as _;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::Decodable;
use mizu_model::JsonBuf;

/// What decoding a body found besides its JSON (which went to the caller's buffer).
#[derive(Debug, Default)]
pub(crate) struct Body {
    pub truncated: bool,
    pub diagnostics: Vec<String>,
    /// A Produce request's `acks` (0: no response expected).
    pub acks: Option<i16>,
}

/// Names a body in diagnostics: `Produce v3 request`.
struct What {
    key: i16,
    version: i16,
    side: &'static str,
}

impl std::fmt::Display for What {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = apikeys::name(self.key).unwrap_or("Unknown");
        write!(f, "{name} v{} {}", self.version, self.side)
    }
}

/// Reads a field when `cond` holds and nothing failed before (`ok`); a failure clears `ok`.
#[inline]
fn rd<T>(ok: &mut bool, cond: bool, f: impl FnOnce() -> Option<T>) -> Option<T> {
    if !*ok || !cond {
        return None;
    }
    let v = f();
    *ok = v.is_some();
    v
}

/// Parses an array of objects into `key`, keeping the elements parsed before a failure
/// (the failing element shows what it had).
fn arr<S: Sink>(
    r: &mut Reader<'_>,
    compact: bool,
    min_elem: usize,
    o: &mut S,
    key: &str,
    mut f: impl FnMut(&mut Reader<'_>, &mut S) -> Option<()>,
) -> Option<()> {
    o.key(key);
    o.begin_array();
    let mut res = Some(());
    match r.count(compact, min_elem) {
        Some(n) => {
            for _ in 0..n {
                o.begin_object();
                let ok = f(r, o);
                o.end_object();
                if ok.is_none() {
                    res = None;
                    break;
                }
            }
        }
        None => res = None,
    }
    o.end_array();
    res
}

/// An array of `n` i32s (`n` already checked against the bytes left).
fn i32s<S: Sink>(r: &mut Reader<'_>, n: usize, o: &mut S, key: &str) {
    o.key(key);
    o.begin_array();
    for _ in 0..n {
        match r.i32() {
            Some(x) => o.i64(x.into()),
            None => break,
        }
    }
    o.end_array();
}

fn uuid_bytes(r: &mut Reader<'_>) -> Option<[u8; 16]> {
    r.take(16)?.try_into().ok()
}

/// `key: uuid` when it was read.
fn put_uuid<S: Sink>(o: &mut S, key: &str, v: Option<[u8; 16]>) {
    if let Some(b) = v {
        o.key(key);
        super::sink::uuid(o, &b);
    }
}

fn finish(ok: Option<()>, complete: bool, budget: Budget, what: &What) -> Body {
    let mut diagnostics = budget.diagnostics;
    let mut truncated = budget.truncated;
    if ok.is_none() && complete {
        truncated = true;
        diagnostics.push(format!("{what}: body malformed, shown up to the error"));
    }
    Body {
        truncated: truncated || !complete,
        diagnostics,
        acks: None,
    }
}

/// Decodes a request body (`body` follows the request header; `complete` is false when
/// the frame was cut by the size cap) and writes its payload object to `o`.
pub(crate) fn request(
    key: i16,
    version: i16,
    body: &[u8],
    complete: bool,
    max_body: usize,
    o: &mut JsonBuf,
) -> Body {
    let what = What {
        key,
        version,
        side: "request",
    };
    let mut r = Reader::new(body);
    let mut budget = Budget::new(max_body);
    let mut acks = None;
    let own = match (key, version) {
        (0, _) | (1, _) | (2, 0) | (8, 0..=1) | (9, 0) | (19, 0..=1) | (20, 0) => {
            o.begin_object();
            let ok = match key {
                0 => produce_request(&mut r, version, o, &mut budget, &mut acks),
                1 => fetch_request(&mut r, version, o),
                2 => list_offsets_request_v0(&mut r, o),
                8 => offset_commit_request_old(&mut r, version, o),
                9 => offset_fetch_request_v0(&mut r, o),
                19 => create_topics_request_old(&mut r, version, o),
                _ => delete_topics_request_v0(&mut r, o),
            };
            o.end_object();
            Some(ok)
        }
        _ => None,
    };
    if let Some(ok) = own {
        let mut b = finish(ok, complete, budget, &what);
        b.acks = acks;
        return b;
    }
    generic(key, version, body, complete, max_body, &what, true, o)
}

/// Decodes a response body (after the response header), given the request's key and
/// version, and writes its payload object to `o`.
pub(crate) fn response(
    key: i16,
    version: i16,
    body: &[u8],
    complete: bool,
    max_body: usize,
    o: &mut JsonBuf,
) -> Body {
    let what = What {
        key,
        version,
        side: "response",
    };
    if key == 0 && (3..=13).contains(&version) && complete && body.len() <= max_body {
        // Checked with a dry run first, so that `kafka-protocol` gets what this refuses.
        if produce_response(&mut Reader::new(body), version, &mut Skip).is_some() {
            let _ = produce_response(&mut Reader::new(body), version, o);
            return Body::default();
        }
    }
    let mut r = Reader::new(body);
    let mut budget = Budget::new(max_body);
    let own = match (key, version) {
        (0, 0..=2) | (1, _) | (2, 0) | (8, 0..=1) | (9, 0) | (19, 0..=1) | (20, 0) => {
            o.begin_object();
            let ok = match key {
                0 => produce_response_old(&mut r, version, o),
                1 => fetch_response(&mut r, version, o, &mut budget),
                2 => list_offsets_response_v0(&mut r, o),
                8 => topics_error_codes(&mut r, o),
                9 => offset_fetch_response_v0(&mut r, o),
                19 => create_topics_response_old(&mut r, version, o),
                _ => delete_topics_response_v0(&mut r, o),
            };
            o.end_object();
            Some(ok)
        }
        _ => None,
    };
    if let Some(ok) = own {
        return finish(ok, complete, budget, &what);
    }
    generic(key, version, body, complete, max_body, &what, false, o)
}

/// `kafka-protocol` decoding written from its typed messages, or an empty payload and a
/// diagnostic.
#[allow(clippy::too_many_arguments)]
fn generic(
    key: i16,
    version: i16,
    body: &[u8],
    complete: bool,
    max_body: usize,
    what: &What,
    is_request: bool,
    o: &mut JsonBuf,
) -> Body {
    let empty = |o: &mut JsonBuf, diag: String| {
        o.begin_object();
        o.end_object();
        Body {
            truncated: !complete,
            diagnostics: vec![diag],
            acks: None,
        }
    };
    let Some(api) = apikeys::decodable(key, version) else {
        return empty(o, format!("{what}: version not decoded, header only"));
    };
    if !complete || body.len() > max_body {
        return empty(o, format!("{what}: body larger than the cap, header only"));
    }
    let mut buf = GuardedBuf::new(bytes::Bytes::copy_from_slice(body));
    match decode(api, &mut buf, version, is_request, o) {
        Ok(()) => {
            let mut diagnostics = Vec::new();
            if buf.remaining() > 0 {
                diagnostics.push(format!(
                    "{what}: {} trailing bytes not decoded",
                    buf.remaining()
                ));
            }
            Body {
                truncated: false,
                diagnostics,
                acks: None,
            }
        }
        Err(e) => empty(o, format!("{what}: body not decoded ({e})")),
    }
}

/// Decodes one message with `kafka-protocol` and writes it as JSON (nothing on error).
fn decode_json<Q: Decodable + KafkaJson, A: Decodable + KafkaJson>(
    buf: &mut GuardedBuf,
    version: i16,
    is_request: bool,
    o: &mut JsonBuf,
) -> anyhow::Result<()> {
    if is_request {
        Q::decode(buf, version)?.write_json(o);
    } else {
        A::decode(buf, version)?.write_json(o);
    }
    Ok(())
}

/// Generates `decode` from the table of every API key.
macro_rules! decode_fn {
    ($($key:ident($req:ident, $resp:ident)),* $(,)?) => {
        /// Decodes one message with `kafka-protocol` (through the guarded buffer) and
        /// writes it to `o` (nothing when it fails).
        fn decode(
            api: ApiKey,
            buf: &mut GuardedBuf,
            version: i16,
            is_request: bool,
            o: &mut JsonBuf,
        ) -> anyhow::Result<()> {
            #[allow(unreachable_patterns)]
            match api {
                $(ApiKey::$key => decode_json::<$req, $resp>(buf, version, is_request, o),)*
                _ => Err(anyhow::anyhow!("API key not supported")),
            }
        }
    };
}

kafka_api_table!(decode_fn);

/// The records of a cut frame: everything after the length prefix that is there.
fn cut_records(r: &Reader<'_>, flex: bool, budget: &mut Budget, o: &mut JsonBuf) {
    let rest = r.rest();
    let skip = if flex { 1 } else { 4 };
    let data = rest.get(skip.min(rest.len())..).unwrap_or(&[]);
    budget.truncated = true;
    records::decode(data, budget, o);
}

/// `records: …`, a RECORDS field; `None` when the frame was cut inside it (what is there
/// is shown).
fn records_field(
    r: &mut Reader<'_>,
    flex: bool,
    budget: &mut Budget,
    o: &mut JsonBuf,
) -> Option<()> {
    let save = *r;
    o.key("records");
    match r.bytes(flex) {
        Some(Some(b)) => {
            records::decode(b, budget, o);
            Some(())
        }
        Some(None) => {
            o.null();
            Some(())
        }
        None => {
            cut_records(&save, flex, budget, o);
            None
        }
    }
}

/// A topic reference: a UUID (`v13`) or a name.
type TopicRef<'a> = (Option<[u8; 16]>, Option<Option<&'a [u8]>>);

fn topic_ref<'a>(r: &mut Reader<'a>, uuid: bool, flex: bool) -> Option<TopicRef<'a>> {
    Some(if uuid {
        (Some(uuid_bytes(r)?), None)
    } else {
        (None, Some(r.string(flex)?))
    })
}

fn produce_request(
    r: &mut Reader<'_>,
    v: i16,
    o: &mut JsonBuf,
    budget: &mut Budget,
    acks_out: &mut Option<i16>,
) -> Option<()> {
    let flex = v >= 9;
    let tid = if v >= 3 { Some(r.string(flex)?) } else { None };
    let mut ok = true;
    let acks = rd(&mut ok, true, || r.i16());
    let timeout = rd(&mut ok, true, || r.i32());
    *acks_out = acks;
    put(o, "acks", acks);
    put(o, "timeoutMs", timeout);
    let res = if ok {
        arr(r, flex, 4, o, "topicData", |r, t| {
            produce_topic(r, v, flex, t, budget)
        })
    } else {
        None
    };
    put_text(o, "transactionalId", tid);
    res
}

fn produce_topic(
    r: &mut Reader<'_>,
    v: i16,
    flex: bool,
    t: &mut JsonBuf,
    budget: &mut Budget,
) -> Option<()> {
    let (id, name) = topic_ref(r, v >= 13, flex)?;
    put_text(t, "name", name);
    let res = arr(r, flex, 4, t, "partitionData", |r, p| {
        let index = r.i32()?;
        put(p, "index", Some(index));
        records_field(r, flex, budget, p)?;
        if flex {
            r.tagged_fields()?;
        }
        Some(())
    });
    put_text(t, "topic", name);
    put_uuid(t, "topicId", id);
    res?;
    if flex {
        r.tagged_fields()?;
    }
    Some(())
}

fn fetch_response(r: &mut Reader<'_>, v: i16, o: &mut JsonBuf, budget: &mut Budget) -> Option<()> {
    let flex = v >= 12;
    let mut ok = true;
    let throttle = rd(&mut ok, v >= 1, || r.i32());
    let error = rd(&mut ok, v >= 7, || r.i16());
    let session = rd(&mut ok, v >= 7, || r.i32());
    put(o, "errorCode", error);
    let res = if ok {
        arr(r, flex, 4, o, "responses", |r, t| {
            fetch_topic(r, v, flex, t, budget)
        })
    } else {
        None
    };
    put(o, "sessionId", session);
    put(o, "throttleTimeMs", throttle);
    res?;
    if flex {
        r.tagged_fields()?;
    }
    Some(())
}

fn fetch_topic(
    r: &mut Reader<'_>,
    v: i16,
    flex: bool,
    t: &mut JsonBuf,
    budget: &mut Budget,
) -> Option<()> {
    let (id, name) = topic_ref(r, v >= 13, flex)?;
    let res = arr(r, flex, 14, t, "partitions", |r, p| {
        fetch_partition(r, v, flex, p, budget)
    });
    put_text(t, "topic", name);
    put_uuid(t, "topicId", id);
    res?;
    if flex {
        r.tagged_fields()?;
    }
    Some(())
}

fn fetch_partition(
    r: &mut Reader<'_>,
    v: i16,
    flex: bool,
    p: &mut JsonBuf,
    budget: &mut Budget,
) -> Option<()> {
    let mut ok = true;
    let index = rd(&mut ok, true, || r.i32());
    let error = rd(&mut ok, true, || r.i16());
    let high = rd(&mut ok, true, || r.i64());
    let last_stable = rd(&mut ok, v >= 4, || r.i64());
    let log_start = rd(&mut ok, v >= 5, || r.i64());
    let mut res = ok.then_some(());
    if ok && v >= 4 {
        res = arr(r, flex, 16, p, "abortedTransactions", |r, a| {
            let producer = r.i64()?;
            let first = r.i64();
            put(a, "firstOffset", first);
            put(a, "producerId", Some(producer));
            first?;
            if flex {
                r.tagged_fields()?;
            }
            Some(())
        });
    }
    put(p, "errorCode", error);
    put(p, "highWatermark", high);
    put(p, "lastStableOffset", last_stable);
    put(p, "logStartOffset", log_start);
    put(p, "partitionIndex", index);
    res?;
    if v >= 11 {
        let replica = r.i32()?;
        put(p, "preferredReadReplica", Some(replica));
    }
    records_field(r, flex, budget, p)?;
    if flex {
        r.tagged_fields()?;
    }
    Some(())
}

fn fetch_request(r: &mut Reader<'_>, v: i16, o: &mut JsonBuf) -> Option<()> {
    let flex = v >= 12;
    let mut ok = true;
    let replica = rd(&mut ok, v <= 14, || r.i32());
    let max_wait = rd(&mut ok, true, || r.i32());
    let min_bytes = rd(&mut ok, true, || r.i32());
    let max_bytes = rd(&mut ok, v >= 3, || r.i32());
    let isolation = rd(&mut ok, v >= 4, || r.i8());
    let session = rd(&mut ok, v >= 7, || r.i32());
    let epoch = rd(&mut ok, v >= 7, || r.i32());
    // `topics` sorts last but comes first: a dry run finds what follows it.
    let topics_at = *r;
    let mut res = if ok {
        fetch_request_topics(r, v, flex, &mut Skip)
    } else {
        None
    };
    let mut rack = None;
    if res.is_some() {
        if v >= 7 {
            res = arr(r, flex, 6, o, "forgottenTopicsData", |r, t| {
                let (id, name) = topic_ref(r, v >= 13, flex)?;
                let n = r.count(flex, 4);
                if let Some(n) = n {
                    i32s(r, n, t, "partitions");
                }
                put_text(t, "topic", name);
                put_uuid(t, "topicId", id);
                n?;
                if flex {
                    r.tagged_fields()?;
                }
                Some(())
            });
        }
        if res.is_some() && v >= 11 {
            rack = r.string(flex);
            res = rack.map(|_| ());
        }
    }
    put(o, "isolationLevel", isolation);
    put(o, "maxBytes", max_bytes);
    put(o, "maxWaitMs", max_wait);
    put(o, "minBytes", min_bytes);
    put_text(o, "rackId", rack);
    put(o, "replicaId", replica);
    put(o, "sessionEpoch", epoch);
    put(o, "sessionId", session);
    if ok {
        let _ = fetch_request_topics(&mut { topics_at }, v, flex, o);
    }
    res?;
    if flex {
        r.tagged_fields()?;
    }
    Some(())
}

fn fetch_request_topics<S: Sink>(r: &mut Reader<'_>, v: i16, flex: bool, o: &mut S) -> Option<()> {
    arr(r, flex, 6, o, "topics", |r, t| {
        let (id, name) = topic_ref(r, v >= 13, flex)?;
        let res = arr(r, flex, 16, t, "partitions", |r, p| {
            let mut ok = true;
            let partition = rd(&mut ok, true, || r.i32());
            let leader_epoch = rd(&mut ok, v >= 9, || r.i32());
            let offset = rd(&mut ok, true, || r.i64());
            let last_epoch = rd(&mut ok, v >= 12, || r.i32());
            let log_start = rd(&mut ok, v >= 5, || r.i64());
            let max_bytes = rd(&mut ok, true, || r.i32());
            put(p, "currentLeaderEpoch", leader_epoch);
            put(p, "fetchOffset", offset);
            put(p, "lastFetchedEpoch", last_epoch);
            put(p, "logStartOffset", log_start);
            put(p, "partition", partition);
            put(p, "partitionMaxBytes", max_bytes);
            if !ok {
                return None;
            }
            if flex {
                r.tagged_fields()?;
            }
            Some(())
        });
        put_text(t, "topic", name);
        put_uuid(t, "topicId", id);
        res?;
        if flex {
            r.tagged_fields()?;
        }
        Some(())
    })
}

// ---- Produce responses v3–13, exactly as the `kafka-protocol` path shows them --------
//
// Only messages `kafka-protocol` decodes the ordinary way are taken: strings valid UTF-8,
// no null where none is allowed, no tagged fields (so `currentLeader` and `nodeEndpoints`
// have their defaults), no value the guard refuses, nothing left over. The rest goes to
// `kafka-protocol`.

/// An i32 the guard lets through.
fn g_i32(r: &mut Reader<'_>) -> Option<i32> {
    let v = r.i32()?;
    (v <= guard::I32_LIMIT || v as usize <= r.remaining()).then_some(v)
}

/// An unsigned varint of at most 4 bytes (so both decoders agree) the guard lets through.
fn g_uvarint(r: &mut Reader<'_>) -> Option<u32> {
    let at = r.pos();
    let v = r.uvarint()?;
    (r.pos() - at <= 4 && (u64::from(v) <= guard::VARINT_LIMIT || v as usize <= r.remaining() + 1))
        .then_some(v)
}

/// An array count (not null), each element at least one byte.
fn g_count(r: &mut Reader<'_>, flex: bool) -> Option<usize> {
    let n = if flex {
        usize::try_from(g_uvarint(r)?).ok()?.checked_sub(1)?
    } else {
        usize::try_from(g_i32(r)?).ok()?
    };
    (n <= r.remaining()).then_some(n)
}

/// A nullable string: `Some(None)` for null.
fn g_nullable_str<'a>(r: &mut Reader<'a>, flex: bool) -> Option<Option<&'a str>> {
    let len = if flex {
        match g_uvarint(r)? {
            0 => return Some(None),
            n => n as usize - 1,
        }
    } else {
        match r.i16()? {
            -1 => return Some(None),
            n => usize::try_from(n).ok()?,
        }
    };
    std::str::from_utf8(r.take(len)?).ok().map(Some)
}

fn g_str<'a>(r: &mut Reader<'a>, flex: bool) -> Option<&'a str> {
    g_nullable_str(r, flex)?
}

/// No tagged fields (flexible versions).
fn no_tags(r: &mut Reader<'_>, flex: bool) -> Option<()> {
    if flex && g_uvarint(r)? != 0 {
        return None;
    }
    Some(())
}

fn produce_response<S: Sink>(r: &mut Reader<'_>, v: i16, o: &mut S) -> Option<()> {
    let flex = v >= 9;
    o.begin_object();
    o.key("nodeEndpoints");
    o.begin_array();
    o.end_array();
    o.key("responses");
    o.begin_array();
    for _ in 0..g_count(r, flex)? {
        o.begin_object();
        let name = if v <= 12 { g_str(r, flex)? } else { "" };
        let id = if v >= 13 { uuid_bytes(r)? } else { [0; 16] };
        o.key("name");
        o.str(name);
        o.key("partitionResponses");
        o.begin_array();
        for _ in 0..g_count(r, flex)? {
            produce_partition_response(r, v, flex, o)?;
        }
        o.end_array();
        o.key("topicId");
        super::sink::uuid(o, &id);
        no_tags(r, flex)?;
        o.end_object();
    }
    o.end_array();
    let throttle = g_i32(r)?;
    o.key("throttleTimeMs");
    o.i64(throttle.into());
    no_tags(r, flex)?;
    o.end_object();
    (r.remaining() == 0).then_some(())
}

fn produce_partition_response<S: Sink>(
    r: &mut Reader<'_>,
    v: i16,
    flex: bool,
    o: &mut S,
) -> Option<()> {
    let index = g_i32(r)?;
    let error = r.i16()?;
    let base_offset = r.i64()?;
    let append_time = r.i64()?;
    let log_start = if v >= 5 { r.i64()? } else { -1 };
    let errors_at = *r;
    if v >= 8 {
        record_errors(r, flex, &mut Skip)?;
    }
    let message = if v >= 8 {
        g_nullable_str(r, flex)?
    } else {
        None
    };
    no_tags(r, flex)?;
    o.begin_object();
    o.key("baseOffset");
    o.i64(base_offset);
    o.key("currentLeader");
    o.begin_object();
    o.key("leaderEpoch");
    o.i64(-1);
    o.key("leaderId");
    o.i64(-1);
    o.end_object();
    o.key("errorCode");
    o.i64(error.into());
    o.key("errorMessage");
    match message {
        Some(m) => o.str(m),
        None => o.null(),
    }
    o.key("index");
    o.i64(index.into());
    o.key("logAppendTimeMs");
    o.i64(append_time);
    o.key("logStartOffset");
    o.i64(log_start);
    o.key("recordErrors");
    o.begin_array();
    if v >= 8 {
        record_errors(&mut { errors_at }, flex, o)?;
    }
    o.end_array();
    o.end_object();
    Some(())
}

/// The elements of `recordErrors` (v8+).
fn record_errors<S: Sink>(r: &mut Reader<'_>, flex: bool, o: &mut S) -> Option<()> {
    for _ in 0..g_count(r, flex)? {
        let index = g_i32(r)?;
        let message = g_nullable_str(r, flex)?;
        no_tags(r, flex)?;
        o.begin_object();
        o.key("batchIndex");
        o.i64(index.into());
        o.key("batchIndexErrorMessage");
        match message {
            Some(m) => o.str(m),
            None => o.null(),
        }
        o.end_object();
    }
    Some(())
}

// ---- Versions below kafka-protocol's floor ----------------------------------------------

fn produce_response_old(r: &mut Reader<'_>, v: i16, o: &mut JsonBuf) -> Option<()> {
    arr(r, false, 6, o, "responses", |r, t| {
        let name = r.string(false)?;
        put_text(t, "name", Some(name));
        arr(r, false, 14, t, "partitionResponses", |r, p| {
            let mut ok = true;
            let index = rd(&mut ok, true, || r.i32());
            let error = rd(&mut ok, true, || r.i16());
            let base = rd(&mut ok, true, || r.i64());
            let append = rd(&mut ok, v >= 2, || r.i64());
            put(p, "baseOffset", base);
            put(p, "errorCode", error);
            put(p, "index", index);
            put(p, "logAppendTimeMs", append);
            ok.then_some(())
        })
    })?;
    if v >= 1 {
        let throttle = r.i32()?;
        put(o, "throttleTimeMs", Some(throttle));
    }
    Some(())
}

fn list_offsets_request_v0(r: &mut Reader<'_>, o: &mut JsonBuf) -> Option<()> {
    let replica = r.i32()?;
    put(o, "replicaId", Some(replica));
    arr(r, false, 6, o, "topics", |r, t| {
        let name = r.string(false)?;
        put_text(t, "name", Some(name));
        arr(r, false, 16, t, "partitions", |r, p| {
            let mut ok = true;
            let index = rd(&mut ok, true, || r.i32());
            let ts = rd(&mut ok, true, || r.i64());
            let max = rd(&mut ok, true, || r.i32());
            put(p, "maxNumOffsets", max);
            put(p, "partitionIndex", index);
            put(p, "timestamp", ts);
            ok.then_some(())
        })
    })
}

fn list_offsets_response_v0(r: &mut Reader<'_>, o: &mut JsonBuf) -> Option<()> {
    arr(r, false, 6, o, "topics", |r, t| {
        let name = r.string(false)?;
        put_text(t, "name", Some(name));
        arr(r, false, 10, t, "partitions", |r, p| {
            let mut ok = true;
            let index = rd(&mut ok, true, || r.i32());
            let error = rd(&mut ok, true, || r.i16());
            let n = if ok { r.count(false, 8) } else { None };
            put(p, "errorCode", error);
            if let Some(n) = n {
                p.key("oldStyleOffsets");
                p.begin_array();
                for _ in 0..n {
                    match r.i64() {
                        Some(x) => p.i64(x),
                        None => break,
                    }
                }
                p.end_array();
            }
            put(p, "partitionIndex", index);
            n.map(|_| ())
        })
    })
}

fn offset_commit_request_old(r: &mut Reader<'_>, v: i16, o: &mut JsonBuf) -> Option<()> {
    let group = r.string(false)?;
    let mut ok = true;
    let generation = rd(&mut ok, v >= 1, || r.i32());
    let member = rd(&mut ok, v >= 1, || r.string(false));
    put(o, "generationIdOrMemberEpoch", generation);
    put_text(o, "groupId", Some(group));
    put_text(o, "memberId", member);
    if !ok {
        return None;
    }
    arr(r, false, 6, o, "topics", |r, t| {
        let name = r.string(false)?;
        put_text(t, "name", Some(name));
        arr(r, false, 14, t, "partitions", |r, p| {
            let mut ok = true;
            let index = rd(&mut ok, true, || r.i32());
            let offset = rd(&mut ok, true, || r.i64());
            let ts = rd(&mut ok, v >= 1, || r.i64());
            let metadata = rd(&mut ok, true, || r.string(false));
            put(p, "commitTimestamp", ts);
            put_text(p, "committedMetadata", metadata);
            put(p, "committedOffset", offset);
            put(p, "partitionIndex", index);
            ok.then_some(())
        })
    })
}

fn topics_error_codes(r: &mut Reader<'_>, o: &mut JsonBuf) -> Option<()> {
    arr(r, false, 6, o, "topics", |r, t| {
        let name = r.string(false)?;
        put_text(t, "name", Some(name));
        arr(r, false, 6, t, "partitions", |r, p| {
            let mut ok = true;
            let index = rd(&mut ok, true, || r.i32());
            let error = rd(&mut ok, true, || r.i16());
            put(p, "errorCode", error);
            put(p, "partitionIndex", index);
            ok.then_some(())
        })
    })
}

fn offset_fetch_request_v0(r: &mut Reader<'_>, o: &mut JsonBuf) -> Option<()> {
    let group = r.string(false)?;
    put_text(o, "groupId", Some(group));
    arr(r, false, 6, o, "topics", |r, t| {
        let name = r.string(false)?;
        put_text(t, "name", Some(name));
        let n = r.count(false, 4)?;
        i32s(r, n, t, "partitionIndexes");
        Some(())
    })
}

fn offset_fetch_response_v0(r: &mut Reader<'_>, o: &mut JsonBuf) -> Option<()> {
    arr(r, false, 6, o, "topics", |r, t| {
        let name = r.string(false)?;
        put_text(t, "name", Some(name));
        arr(r, false, 16, t, "partitions", |r, p| {
            let mut ok = true;
            let index = rd(&mut ok, true, || r.i32());
            let offset = rd(&mut ok, true, || r.i64());
            let metadata = rd(&mut ok, true, || r.string(false));
            let error = rd(&mut ok, true, || r.i16());
            put(p, "committedOffset", offset);
            put(p, "errorCode", error);
            put_text(p, "metadata", metadata);
            put(p, "partitionIndex", index);
            ok.then_some(())
        })
    })
}

fn create_topics_request_old(r: &mut Reader<'_>, v: i16, o: &mut JsonBuf) -> Option<()> {
    // `timeoutMs` sorts first but follows the topics: a dry run finds it.
    let topics_at = *r;
    let res = create_topics(r, &mut Skip);
    let mut ok = res.is_some();
    let timeout = rd(&mut ok, true, || r.i32());
    let validate = rd(&mut ok, v >= 1, || r.i8());
    put(o, "timeoutMs", timeout);
    let _ = create_topics(&mut { topics_at }, o);
    if let Some(b) = validate {
        o.key("validateOnly");
        o.bool(b != 0);
    }
    res?;
    ok.then_some(())
}

fn create_topics<S: Sink>(r: &mut Reader<'_>, o: &mut S) -> Option<()> {
    arr(r, false, 16, o, "topics", |r, t| {
        let name = r.string(false)?;
        let mut ok = true;
        let partitions = rd(&mut ok, true, || r.i32());
        let replication = rd(&mut ok, true, || r.i16());
        let mut res = ok.then_some(());
        if ok {
            res = arr(r, false, 8, t, "assignments", |r, a| {
                let index = r.i32()?;
                let n = r.count(false, 4);
                if let Some(n) = n {
                    i32s(r, n, a, "brokerIds");
                }
                put(a, "partitionIndex", Some(index));
                n.map(|_| ())
            });
        }
        if res.is_some() {
            res = arr(r, false, 4, t, "configs", |r, c| {
                let name = r.string(false)?;
                put_text(c, "name", Some(name));
                let value = r.string(false)?;
                put_text(c, "value", Some(value));
                Some(())
            });
        }
        put_text(t, "name", Some(name));
        put(t, "numPartitions", partitions);
        put(t, "replicationFactor", replication);
        res
    })
}

fn create_topics_response_old(r: &mut Reader<'_>, v: i16, o: &mut JsonBuf) -> Option<()> {
    arr(r, false, 4, o, "topics", |r, t| {
        let name = r.string(false)?;
        let mut ok = true;
        let error = rd(&mut ok, true, || r.i16());
        let message = rd(&mut ok, v >= 1, || r.string(false));
        put(t, "errorCode", error);
        put_text(t, "errorMessage", message);
        put_text(t, "name", Some(name));
        ok.then_some(())
    })
}

fn delete_topics_request_v0(r: &mut Reader<'_>, o: &mut JsonBuf) -> Option<()> {
    // `topicNames` is shown only when all of it parses, after `timeoutMs`.
    let mut names = *r;
    let n = r.count(false, 2)?;
    for _ in 0..n {
        r.string(false)?;
    }
    let timeout = r.i32();
    put(o, "timeoutMs", timeout);
    o.key("topicNames");
    o.begin_array();
    let _ = names.count(false, 2);
    for _ in 0..n {
        match names.string(false) {
            Some(s) => text(o, s),
            None => break,
        }
    }
    o.end_array();
    timeout?;
    Some(())
}

fn delete_topics_response_v0(r: &mut Reader<'_>, o: &mut JsonBuf) -> Option<()> {
    arr(r, false, 4, o, "responses", |r, t| {
        let name = r.string(false)?;
        let error = r.i16();
        put(t, "errorCode", error);
        put_text(t, "name", Some(name));
        error?;
        Some(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;
    use kafka_protocol::protocol::{Encodable, StrBytes};

    /// The body, its JSON and what else decoding found.
    fn render(f: impl FnOnce(&mut JsonBuf) -> Body) -> (String, bool, Vec<String>) {
        let mut o = JsonBuf::new();
        let b = f(&mut o);
        (o.finish().as_str().to_owned(), b.truncated, b.diagnostics)
    }

    fn produce_responses(v: i16) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for variant in 0..4 {
            let mut part = produce_response::PartitionProduceResponse::default()
                .with_index(variant)
                .with_error_code(if variant == 1 { 6 } else { 0 })
                .with_base_offset(1 << 40)
                .with_log_append_time_ms(if variant == 2 { 1_700_000_000_000 } else { -1 });
            if v >= 5 {
                part = part.with_log_start_offset(7);
            }
            if v >= 8 && variant >= 1 {
                part = part
                    .with_error_message(Some(StrBytes::from_static_str("bad \"batch\"\n€")))
                    .with_record_errors(vec![
                        produce_response::BatchIndexAndErrorMessage::default()
                            .with_batch_index(3)
                            .with_batch_index_error_message(Some(StrBytes::from_static_str(
                                "\u{1}x",
                            ))),
                        produce_response::BatchIndexAndErrorMessage::default(),
                    ]);
            }
            if v >= 10 && variant == 3 {
                part = part.with_current_leader(
                    produce_response::LeaderIdAndEpoch::default()
                        .with_leader_id(BrokerId(2))
                        .with_leader_epoch(5),
                );
            }
            let mut topic = produce_response::TopicProduceResponse::default()
                .with_partition_responses(vec![part.clone(), part.with_index(9)]);
            if v >= 13 {
                topic = topic.with_topic_id(
                    "0badcafe-abab-4bab-8bab-abababababab"
                        .parse()
                        .expect("uuid"),
                );
            } else {
                topic = topic.with_name(TopicName(StrBytes::from_static_str("or\"ders")));
            }
            let mut r = ProduceResponse::default()
                .with_throttle_time_ms(variant * 100)
                .with_responses(vec![topic.clone(), topic]);
            if v >= 10 && variant == 3 {
                r = r.with_node_endpoints(vec![
                    produce_response::NodeEndpoint::default()
                        .with_node_id(BrokerId(2))
                        .with_host(StrBytes::from_static_str("b2"))
                        .with_port(9092),
                ]);
            }
            let mut buf = BytesMut::new();
            r.encode(&mut buf, v).expect("encode");
            out.push(buf.to_vec());
        }
        out
    }

    /// Produce responses v3–13 rendered here equal `kafka-protocol`'s rendering, for real
    /// messages and for every byte of them changed or cut (which falls back to it).
    #[test]
    fn own_produce_response_matches_kafka_protocol() {
        let what = What {
            key: 0,
            version: 0,
            side: "response",
        };
        let check = |v: i16, body: &[u8], max: usize| {
            let what = What { version: v, ..what };
            let ours = render(|o| response(0, v, body, true, max, o));
            let theirs = render(|o| generic(0, v, body, true, max, &what, false, o));
            assert_eq!(ours, theirs, "v{v} {body:?}");
        };
        for v in 3..=13 {
            for (variant, body) in produce_responses(v).into_iter().enumerate() {
                check(v, &body, 1 << 20);
                check(v, &body, 10);
                let mut own = Reader::new(&body);
                let taken = produce_response(&mut own, v, &mut Skip).is_some();
                // Tagged fields (v10+, variant 3) are left to kafka-protocol.
                let tagged = v >= 10 && variant == 3;
                assert_eq!(taken, !tagged, "v{v} variant {variant}");
                for i in 0..body.len() {
                    check(v, &body[..i], 1 << 20);
                    for x in [0x00, 0x80, 0xc3, 0xff] {
                        let mut b = body.clone();
                        b[i] = x;
                        check(v, &b, 1 << 20);
                    }
                }
            }
        }
    }
}
