//! Apache Kafka's binary protocol ([protocol guide](https://kafka.apache.org/protocol)),
//! every API key (0–92) and version, as Mizu showed it.
//!
//! **Detection** ([`Kafka::probe`], allocation-free): a request frame start — a 4-byte
//! length between 10 bytes and 128 MiB, a known API key with a version in its range, and a
//! client id of 1–255 printable ASCII bytes. The bytes then come from the client. Responses
//! carry no API key, so they are never probed (server-side bytes are refused when the
//! orientation is known): a connection is recognised at its next request.
//!
//! **Framing and headers**: request headers v1 (`key, version, correlation id, client id`)
//! and v2 (flexible versions: plus tagged fields); v0 (ControlledShutdown v0, no client id)
//! is not probed. Response headers v0/v1; which one follows from the request's key and
//! version (ApiVersions responses always use v0). Frames up to `max_body + max_head` bytes
//! are decoded whole; a larger frame is decoded from its first `max_body + max_head` bytes
//! (`truncated`) and the rest is skipped as it arrives, never buffered.
//!
//! **Pairing**: a bounded FIFO (`Limits::max_pending`) of requests by correlation id; a
//! response answers the pending request with its correlation id, and older pending requests
//! are then emitted without a response. Produce with `acks = 0` expects no response and is
//! emitted at once.
//!
//! **Bodies**: see [`body`] and [`records`]: `kafka-protocol` 0.18 for every (key, version)
//! it supports, own parsers for Produce requests and Fetch responses (records with keys,
//! values and headers; gzip/snappy/lz4/zstd) and for the old versions Kafka 4.0 removed.
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
mod debugjson;
mod guard;
pub(crate) mod records;
mod session;
mod wire;

#[cfg(test)]
mod tests;

use mizu_dissect::{
    Dissector, Probe, ProbeContext, ProtocolInfo, Session, SessionContext, Summary,
};
use mizu_model::{Entry, Payload};
use serde_json::Value;

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
    background_color: "#000000",
    foreground_color: "#ffffff",
    reference_link: "https://kafka.apache.org/protocol",
    ports: &[9092],
    priority: 2,
};

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
        let Payload::Json(req) = &entry.request else {
            return None;
        };
        let method = req
            .get("apiKeyName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let mut names = Vec::new();
        if let Some(p) = req.get("payload") {
            topic_names(p, &mut names);
        }
        if names.is_empty()
            && let Payload::Json(resp) = &entry.response
            && let Some(p) = resp.get("payload")
        {
            topic_names(p, &mut names);
        }
        Some(Summary {
            method,
            summary: names.join(", "),
            status: None,
        })
    }
}

/// Topic names of a payload: the strings, or the `name`/`topic`/`topicName` of the objects,
/// in its `topics`, `topicData`, `topicNames`, `responses` and `results` arrays (each once).
fn topic_names(payload: &Value, names: &mut Vec<String>) {
    const LISTS: [&str; 5] = ["topics", "topicData", "topicNames", "responses", "results"];
    let Some(obj) = payload.as_object() else {
        return;
    };
    for list in LISTS {
        let Some(items) = obj.get(list).and_then(Value::as_array) else {
            continue;
        };
        for item in items {
            let name = match item {
                Value::String(s) => Some(s.as_str()),
                Value::Object(o) => ["name", "topic", "topicName"]
                    .iter()
                    .find_map(|k| o.get(*k).and_then(Value::as_str)),
                _ => None,
            };
            if let Some(n) = name
                && !n.is_empty()
                && !names.iter().any(|x| x == n)
                && names.len() < 64
            {
                names.push(n.to_owned());
            }
        }
    }
}
