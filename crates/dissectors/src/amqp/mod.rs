//! AMQP 0-9-1 ([spec](https://www.rabbitmq.com/resources/specs/amqp0-9-1.pdf), with
//! RabbitMQ's [errata and extensions](https://www.rabbitmq.com/docs/specification)).
//!
//! **Parser: our own** (`wire.rs`), not `amq-protocol`'s `frame::parse_frame`. A passive
//! decoder needs what a client library does not: body frames *streamed* into a capped
//! buffer instead of parsed whole (a 300 KB message must not be held twice, and
//! `Limits::max_body` must cut it), resynchronisation at an arbitrary byte offset
//! (mid-stream pickup, gaps), bounded field-table nesting and item counts, tolerance of
//! unknown or malformed methods (decode what is there, add a diagnostic), and credentials
//! redacted at decode time. `amq-protocol` also pulls `amq-protocol-tcp`/`-uri` and nom
//! even with default features off. The method table is small and static (`wire::METHODS`).
//!
//! **Detection** ([`Amqp::probe`], allocation-free): the client's protocol header
//! `AMQP\x00\x00\x09\x01`; or, for connections opened before the capture (Kubeshark
//! #1307/#1443), a frame at the segment start with a valid type (1 method, 2 header,
//! 3 body, 8 heartbeat, 4 old heartbeat), channel and size, its `0xCE` end octet in place,
//! and either a known class/method id or a second valid frame right after it. A method
//! frame tells who sent it (`Basic.Deliver` is the server), which fixes the orientation.
//!
//! **Framing** (`session.rs`): per direction, frames are read at boundaries; method and
//! content-header frames are buffered whole (at most `wire::MAX_FRAME`), body frames are
//! streamed. A frame that is not plausible, a missing end octet, or a gap that is not
//! inside a body frame makes that direction **resynchronise**: bytes are skipped until a
//! method frame whose arguments fill it exactly, or two consecutive valid frames (type,
//! size, `0xCE`). Skipped bytes (and unknown methods, orphan content frames) are named in
//! the diagnostics of that side's next method, or at the end of a request still waiting,
//! else reported through `Output::skipped`. A frame over `wire::MAX_FRAME` (e.g. 2^32-1
//! bytes) whose method ids are readable and name an answer still answers its request
//! (emitted without a response, `truncated`), so later answers are not shifted. A gap inside a body frame is
//! counted as body bytes (the message is marked `gap`/`truncated`, no bytes spliced).
//!
//! **Content**: a content method (Basic.Publish, Deliver, Return, Get-Ok) is followed by a
//! content header (all 14 basic properties, the `headers` table with every field type) and
//! body frames. Assembly is per direction and channel, so channels may interleave; at most
//! `Limits::max_body` body bytes are kept (`body.truncated`), sizes are exact.
//!
//! **Output**: a message keeps its frames' bytes (method payload, content header payload,
//! the body kept) and its JSON is written when its entry is (`Payload::Raw`), by decoding
//! them again member by member in key order (`wire::MethodSpec::members`, sorted at
//! compile time), as a `serde_json::Map` would print them. Field tables are checked whole,
//! then written with sorted keys (`wire::Reader::field_table`).
//!
//! **Pairing**: a synchronous method (one with an `-Ok` answer in the spec, unless
//! `noWait` is set) waits for its answer on the same channel from the other side
//! (`Queue.Declare` ↔ `Queue.Declare-Ok`, `Basic.Get` ↔ `Get-Ok`/`Get-Empty`,
//! `Connection.Start` ↔ `Start-Ok`, `Channel.Close` ↔ `Close-Ok` from either side …;
//! `Queue.Declare-Ok` prefers the `Declare` of the same queue name);
//! the pending list is bounded by `Limits::max_pending`. A `Channel.Close` or
//! `Connection.Close` ends requests the other side left unanswered there (entries without
//! a response and a diagnostic naming the reply). Publish, Deliver, Return, Ack, Nack,
//! Reject, Recover-Async, Blocked/Unblocked are one-way entries. An answer without a
//! captured request gets an empty placeholder request. Heartbeats are counted, never
//! entries; the counts are attached to the `Connection.Close` entry (`request.heartbeats`).
//!
//! **Limitations**: only content class `basic` properties are decoded (the only class with
//! content in 0-9-1). AMQP 0-8/0-10/1.0 are not decoded (their protocol header is
//! diagnosed). Bodies are not content-decoded (`contentEncoding` is shown, not applied).
//! The last frame of a direction joined mid-stream is only recognised if it is a
//! self-validating method frame or another frame follows it.

mod session;
pub mod wire;

#[cfg(test)]
mod tests;

use mizu_dissect::kit;
use mizu_dissect::{
    Dissector, Probe, ProbeContext, ProtocolInfo, Session, SessionContext, Summary,
};
use mizu_model::{Direction, Entry, Payload};
use serde_json::Value;
use std::borrow::Cow;

pub use session::AmqpSession;

/// The AMQP 0-9-1 dissector.
#[derive(Debug, Clone, Copy, Default)]
pub struct Amqp;

/// The static descriptor of AMQP.
pub static INFO: ProtocolInfo = ProtocolInfo {
    id: "amqp",
    name: "amqp",
    version: "0-9-1",
    abbr: "AMQP",
    long_name: "Advanced Message Queuing Protocol 0-9-1",
    macro_name: "amqp",
    macros: &[("amqp", r#"protocol.name == "amqp""#)],
    background_color: "#ff6600",
    foreground_color: "#ffffff",
    reference_link: "https://www.rabbitmq.com/amqp-0-9-1-reference.html",
    ports: &[5672, 5671],
    priority: 1,
};

/// Probes a frame at the start of `data` (see the module docs).
fn probe_frames(data: &[u8], ctx: &ProbeContext) -> Probe {
    use wire::{FRAME_END, FRAME_METHOD, MAX_FRAME, Sender};
    let Some(h) = wire::frame_head(data) else {
        return match data.first() {
            None | Some(1..=4 | 8) => Probe::NeedMore,
            Some(_) => Probe::NoMatch,
        };
    };
    if !h.plausible(MAX_FRAME) {
        return Probe::NoMatch;
    }
    let guess = ctx.dir == Direction::ClientToServer;
    // A method frame names its class and method in its first 4 payload bytes.
    let mut known: Option<bool> = None;
    if h.kind == FRAME_METHOD {
        let Some(p) = data.get(wire::FRAME_HEADER..wire::FRAME_HEADER + 4) else {
            return Probe::NeedMore;
        };
        let (Some(class), Some(method)) = (kit::be16(p, 0), kit::be16(p, 2)) else {
            return Probe::NeedMore;
        };
        let Some(spec) = wire::method_spec(class, method) else {
            return Probe::NoMatch;
        };
        known = Some(match spec.sender {
            Sender::Client => true,
            Sender::Server => false,
            Sender::Both => guess,
        });
    }
    let total = h.total();
    match data.get(total - 1) {
        None => return Probe::NeedMore,
        Some(&FRAME_END) => {}
        Some(_) => return Probe::NoMatch,
    }
    let from_client = known.unwrap_or(guess);
    let next = data.get(total..).unwrap_or(&[]);
    let Some(h2) = wire::frame_head(next) else {
        return match known {
            Some(_) => Probe::Match { from_client },
            None if next.is_empty() => Probe::NoMatch,
            None => Probe::NeedMore,
        };
    };
    if !h2.plausible(MAX_FRAME) {
        return Probe::NoMatch;
    }
    match next.get(h2.total() - 1) {
        Some(&FRAME_END) => Probe::Match { from_client },
        Some(_) => Probe::NoMatch,
        None if known.is_some() => Probe::Match { from_client },
        None => Probe::NeedMore,
    }
}

/// The registry's constructor.
pub fn dissector(_config: &crate::Config) -> std::sync::Arc<dyn Dissector> {
    std::sync::Arc::new(Amqp)
}

impl Dissector for Amqp {
    fn info(&self) -> &'static ProtocolInfo {
        &INFO
    }

    fn probe(&self, data: &[u8], ctx: &ProbeContext) -> Probe {
        if data.first() == Some(&b'A') {
            let n = data.len().min(8);
            return match (data.get(..n), wire::PROTOCOL_HEADER.get(..n)) {
                (Some(a), Some(b)) if a == b && n == 8 => Probe::Match { from_client: true },
                (Some(a), Some(b)) if a == b => Probe::NeedMore,
                _ => Probe::NoMatch,
            };
        }
        probe_frames(data, ctx)
    }

    fn new_session(&self, ctx: SessionContext) -> Box<dyn Session> {
        Box::new(AmqpSession::new(ctx))
    }

    fn summarize(&self, entry: &Entry) -> Option<Summary> {
        if entry.protocol.name != INFO.name {
            return None;
        }
        let req = Obj::of(&entry.request)?;
        let resp = Obj::of(&entry.response);
        let s = |v: &Obj<'_>, k: &str| match v.get(k).as_deref() {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        let mut method = s(&req, "method");
        if method.is_empty()
            && let Some(r) = &resp
        {
            method = s(r, "method");
        }
        Some(Summary {
            method,
            summary: summary_of(&req, resp.as_ref()),
            status: None,
        })
    }
}

/// A JSON payload's members: a tree's, or those of pre-rendered text (only the members
/// asked for are parsed).
enum Obj<'a> {
    Tree(&'a Value),
    Raw(std::collections::BTreeMap<&'a str, &'a serde_json::value::RawValue>),
}

impl<'a> Obj<'a> {
    fn of(p: &'a Payload) -> Option<Obj<'a>> {
        match p {
            Payload::Json(v) => Some(Obj::Tree(v)),
            Payload::Raw(r) => serde_json::from_str(r.as_str()).ok().map(Obj::Raw),
            _ => None,
        }
    }

    fn get(&self, k: &str) -> Option<Cow<'a, Value>> {
        match self {
            Obj::Tree(v) => v.get(k).map(Cow::Borrowed),
            Obj::Raw(m) => serde_json::from_str(m.get(k)?.get()).ok().map(Cow::Owned),
        }
    }
}

/// `exchange=… routingKey=… queue=…` (the ones present and non-empty), else the first of
/// consumerTag, deliveryTag, virtualHost, replyText, channelMax.
fn summary_of(req: &Obj<'_>, resp: Option<&Obj<'_>>) -> String {
    let get = |k: &str| -> Option<String> {
        let from = |v: &Obj<'_>| match v.get(k)?.as_ref() {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        from(req).or_else(|| resp.and_then(from))
    };
    let mut parts = Vec::new();
    for k in ["exchange", "source", "destination", "routingKey", "queue"] {
        if let Some(v) = get(k) {
            parts.push(format!("{k}={v}"));
        }
    }
    if parts.is_empty() {
        for k in [
            "consumerTag",
            "deliveryTag",
            "virtualHost",
            "replyText",
            "channelMax",
        ] {
            if let Some(v) = get(k) {
                parts.push(format!("{k}={v}"));
                break;
            }
        }
    }
    parts.join(" ")
}
