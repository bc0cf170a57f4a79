//! Apache Kafka's binary protocol ([protocol guide](https://kafka.apache.org/protocol)),
//! every API key (0–92) and version, as Mizu showed it.
//!
//! **Detection** ([`Kafka::probe`], allocation-free): a request frame start — a 4-byte
//! length between 10 bytes and 128 MiB, a known API key with a version in its range, and a
//! client id of 1–255 printable ASCII bytes, or empty or null (some client libraries'
//! default; `ApiVersions v0` with an empty id is `00 00 00 0a 00 12 00 00 00 00 00 01 00 00`)
//! for any key but Produce: a response with a correlation id below 65,536 reads as a
//! Produce header, never as another key. The bytes then come from the client. Responses
//! carry no API key, so they are never probed (server-side bytes are refused when the
//! orientation is known): a connection is recognised at its next request.
//!
//! **Framing and headers**: request headers v1 (`key, version, correlation id, client id`)
//! and v2 (flexible versions: plus tagged fields); v0 (ControlledShutdown v0, no client id)
//! is not probed. Response headers v0/v1; which one follows from the request's key and
//! version (ApiVersions responses always use v0). Frames up to `max_body + max_head` bytes
//! are decoded whole; a larger frame is decoded from its first `max_body + max_head` bytes
//! (`truncated`) and the rest is skipped as it arrives, never buffered. A frame whose
//! length is not sane (e.g. 2^31-1) is resynchronised: the skipped bytes are named on the
//! next entry of that side (or a request still waiting), else reported through
//! `Output::skipped` (`kafka: malformed or oversized frames`); a response to an uncaptured
//! request is skipped and reported the same way.
//!
//! **Pairing**: a bounded FIFO (`Limits::max_pending`) of requests by correlation id; a
//! response answers the pending request with its correlation id, and older pending requests
//! are then emitted without a response. Produce with `acks = 0` expects no response and is
//! emitted at once.
//!
//! **Bodies**: see [`body`], [`render`] and [`records`]: `kafka-protocol` 0.18 for every
//! (key, version) it supports (written from its typed structs by code generated from its
//! sources, [`render_gen`]; a test fails when that code is stale), own parsers for Produce requests and Fetch responses (records with keys,
//! values and headers; gzip/snappy/lz4/zstd), for plain Produce responses (a producer's
//! other half, rendered as `kafka-protocol` would show them) and for the old versions
//! Kafka 4.0 removed. Request and response objects are written as JSON text
//! (`Payload::Raw`, keys sorted as a `serde_json::Map` prints them), never as trees.
//!
//! **Entry**: `protocol {name: "kafka", version: "<api version>", abbr: "KAFKA"}`; `request
//! {apiKey, apiKeyName, apiVersion, correlationID, clientID, size, payload}`; `response
//! {apiKey, apiVersion, correlationID, size, payload}` (Mizu's field names, so
//! `request.payload.topics[0].name` and `response.payload.errorCode` filters work). The list
//! row: method = API key name, summary = the request's topic names, comma-joined.
//!
//! **Gaps and garbage**: a gap inside a frame being skipped only marks it; any other gap,
//! or a frame that fails the checks, makes that side resynchronise: the client side scans
//! byte by byte for a frame start passing the probe's checks whose body (when under 64 KiB)
//! also decodes cleanly; the server side for a sane length followed by a pending correlation
//! id. A response whose request was not captured is skipped with a diagnostic.
//!
//! **Known limitations**: TLS and SASL-encrypted connections are not decoded. A message
//! with a non-count `i32` field above 16 Mi that is also larger than the bytes left (say a
//! `rebalanceTimeoutMs` of several hours) is refused by [`guard`] and shown header-only.

mod apikeys;
pub(crate) mod body;
mod guard;
pub(crate) mod records;
mod render;
#[rustfmt::skip]
mod render_gen;
mod session;
mod sink;
mod wire;

#[cfg(test)]
mod tests;

use mizu_dissect::{
    Dissector, Probe, ProbeContext, ProtocolInfo, Session, SessionContext, Summary,
};
use mizu_model::{Entry, Payload};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The Kafka dissector.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kafka;

/// The static descriptor of Kafka.
pub static INFO: ProtocolInfo = ProtocolInfo {
    id: "kafka",
    name: "kafka",
    version: "12",
    abbr: "KAFKA",
    long_name: "Apache Kafka Protocol",
    macro_name: "kafka",
    macros: &[("kafka", r#"protocol.name == "kafka""#)],
    background_color: "#000000",
    foreground_color: "#ffffff",
    reference_link: "https://kafka.apache.org/protocol",
    ports: &[9092],
    priority: 2,
};

/// The registry's constructor.
pub fn dissector(_config: &crate::Config) -> std::sync::Arc<dyn Dissector> {
    std::sync::Arc::new(Kafka)
}

impl Dissector for Kafka {
    fn info(&self) -> &'static ProtocolInfo {
        &INFO
    }

    fn probe(&self, data: &[u8], ctx: &ProbeContext) -> Probe {
        // Server bytes are never requests: when the orientation is known (a SYN was seen,
        // or the server side has Kafka's port), don't let a response pass for one.
        if ctx.dir == mizu_model::Direction::ServerToClient
            && (ctx.handshake_seen || INFO.ports.contains(&ctx.server.port()))
        {
            return Probe::NoMatch;
        }
        match session::plausible_request(data, true) {
            Some(true) => Probe::Match { from_client: true },
            Some(false) => Probe::NoMatch,
            None => Probe::NeedMore,
        }
    }

    fn new_session(&self, ctx: SessionContext) -> Box<dyn Session> {
        Box::new(session::KafkaSession::new(ctx))
    }

    fn summarize(&self, entry: &Entry) -> Option<Summary> {
        if entry.protocol.name != INFO.name {
            return None;
        }
        let mut names = Vec::new();
        let method = match &entry.request {
            Payload::Json(req) => {
                if let Some(p) = req.get("payload") {
                    topic_names(p, &mut names);
                }
                req.get("apiKeyName")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            }
            Payload::Raw(raw) => {
                let top = members(raw.as_str());
                if let Some(p) = top.as_ref().and_then(|m| m.get("payload")) {
                    raw_topic_names(p, &mut names);
                }
                top.as_ref()
                    .and_then(|m| m.get("apiKeyName"))
                    .and_then(|v| raw_str(v))
                    .unwrap_or_default()
                    .into_owned()
            }
            _ => return None,
        };
        if names.is_empty() {
            match &entry.response {
                Payload::Json(resp) => {
                    if let Some(p) = resp.get("payload") {
                        topic_names(p, &mut names);
                    }
                }
                Payload::Raw(raw) => {
                    if let Some(p) = members(raw.as_str())
                        .as_ref()
                        .and_then(|m| m.get("payload"))
                    {
                        raw_topic_names(p, &mut names);
                    }
                }
                _ => {}
            }
        }
        Some(Summary {
            method,
            summary: names.join(", "),
            status: None,
        })
    }
}

/// Where `topic_names` looks, in this order.
const TOPIC_LISTS: [&str; 5] = ["topics", "topicData", "topicNames", "responses", "results"];
/// The keys of a list item that name its topic, by preference.
const TOPIC_KEYS: [&str; 3] = ["name", "topic", "topicName"];

/// Adds a topic name unless empty, already there, or 64 are listed.
fn add_name(names: &mut Vec<String>, n: &str) {
    if !n.is_empty() && !names.iter().any(|x| x == n) && names.len() < 64 {
        names.push(n.to_owned());
    }
}

/// Topic names of a payload: the strings, or the `name`/`topic`/`topicName` of the objects,
/// in its `topics`, `topicData`, `topicNames`, `responses` and `results` arrays (each once).
fn topic_names(payload: &Value, names: &mut Vec<String>) {
    let Some(obj) = payload.as_object() else {
        return;
    };
    for list in TOPIC_LISTS {
        let Some(items) = obj.get(list).and_then(Value::as_array) else {
            continue;
        };
        for item in items {
            let name = match item {
                Value::String(s) => Some(s.as_str()),
                Value::Object(o) => TOPIC_KEYS
                    .iter()
                    .find_map(|k| o.get(*k).and_then(Value::as_str)),
                _ => None,
            };
            if let Some(n) = name {
                add_name(names, n);
            }
        }
    }
}

// The same over rendered JSON text (`Payload::Raw`), without building a tree: objects are
// read as maps of raw (unparsed) member texts, and only what is looked at is decoded.

type RawMap<'a> = BTreeMap<Cow<'a, str>, &'a RawValue>;

/// The members of a JSON object; `None` when the text is not one.
fn members(text: &str) -> Option<RawMap<'_>> {
    serde_json::from_str(text).ok()
}

/// A JSON string's value; `None` for anything else.
fn raw_str(v: &RawValue) -> Option<Cow<'_, str>> {
    if !v.get().starts_with('"') {
        return None;
    }
    serde_json::from_str::<Cow<'_, str>>(v.get()).ok()
}

/// [`topic_names`] over rendered JSON.
fn raw_topic_names(payload: &RawValue, names: &mut Vec<String>) {
    let Some(obj) = members(payload.get()) else {
        return;
    };
    for list in TOPIC_LISTS {
        let Some(items) = obj
            .get(list)
            .filter(|v| v.get().starts_with('['))
            .and_then(|v| serde_json::from_str::<Vec<&RawValue>>(v.get()).ok())
        else {
            continue;
        };
        for item in items {
            let name = if item.get().starts_with('{') {
                members(item.get()).and_then(|o| {
                    TOPIC_KEYS
                        .iter()
                        .find_map(|k| o.get(*k).and_then(|v| raw_str(v)))
                        .map(Cow::into_owned)
                })
            } else {
                raw_str(item).map(Cow::into_owned)
            };
            if let Some(n) = name {
                add_name(names, &n);
            }
        }
    }
}
