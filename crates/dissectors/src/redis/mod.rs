//! Redis: RESP2 and RESP3
//! ([RESP3 spec](https://github.com/redis/redis-specification/blob/master/protocol/RESP3.md),
//! [protocol reference](https://redis.io/docs/latest/develop/reference/protocol-spec/)).
//!
//! **Why our own parser** (not `redis-protocol` 6.0): passive dissection needs things a
//! client codec does not give: bulk strings consumed as they arrive with only
//! `Limits::max_body` of them kept (a codec wants the whole frame buffered, so a 200 MB value
//! would sit in the driver buffer), exact wire sizes of capped values, a bounded nesting
//! depth and element count, partial messages at gaps, and inline commands. RESP is ~10 type
//! lines; [`resp`] is a ~400-line streaming parser with no dependency.
//!
//! **Detection** ([`wire::probe`], allocation-free): `*<digits>\r\n$<digits>\r\n` (sent by
//! the client per the captured handshake, else per the side on port 6379, else when the first
//! bulk is a known command name), or a known command word followed by a space / line end whose line has no
//! `HTTP/` (inline command; CRLF lines and a segment ending at a line end, or, sent to port
//! 6379, every complete line of the segment an inline command with CRLF or bare LF, as
//! `printf 'SET k 1\nGET k\n' | redis-cli --pipe` sends): client. `+text\r\n`, `-ERRWORD `, `:<int>\r\n`, `$<len>\r\n`,
//! `*<n>\r\n` + type byte, RESP3 `%`, `>`, `_`, `#`, `,`: server. Port 6379 is a hint only.
//!
//! **Framing**: client messages are RESP arrays (of bulk strings) or inline commands (a
//! line split like Redis' `sdssplitargs`, quotes and `\xHH` escapes included; empty lines
//! ignored). As in Redis, every client line not starting with `*` is an inline command,
//! known word or not (unbalanced quotes: split on spaces, with a diagnostic), once a first
//! request was recognised (before it, and after a resynchronisation, a known command name
//! is required: the capture may have begun inside a value). Server messages are any RESP2/RESP3 value: simple string, error, integer,
//! bulk string, null, boolean, double, big number, bulk error, verbatim string, array, map,
//! set, push, and attributes (`|`, reported in `response.attributes`, not as a value).
//!
//! **Output**: `request` and `response` are written as JSON text straight from what was
//! parsed (`Payload::Raw` through a `JsonBuf`, members in key order as a `serde_json::Map`
//! would print them), not built as `serde_json::Value` trees. The usual command, an array
//! of at most [`resp::FAST_ARGS`] bulk strings wholly in the buffer, is read in one go
//! ([`resp::Parser::whole_command`]) and goes to its JSON without building values.
//!
//! **Pairing**: replies answer requests in order (pipelining: N commands then N replies),
//! through a FIFO bounded by bytes (`Limits::max_pending_bytes`, 16 MiB: a 20,000-command
//! MULTI pairs whole). Past the bound the oldest request is emitted without its reply, the
//! replies still owed to it are emitted on their own when they come (so the requests still
//! waiting keep their own replies), and one diagnostic at the end gives the counts. `SUBSCRIBE a b` (and the other
//! (un)subscribe commands) collect one confirmation per channel into one entry. Pub/sub
//! messages (`message`/`pmessage`/`smessage` arrays in RESP2 subscribed mode, or RESP3 `>`
//! pushes) and other pushes are **one-way entries**: `request` is `null`, `response` has
//! `type`, `kind` (`message`, `pmessage`, …), `channel`, `pattern` (pmessage), `message`
//! and the whole `value`. MULTI/EXEC needs nothing special: queued commands get `+QUEUED`
//! entries and the `EXEC` entry shows the array of replies.
//!
//! **Versions**: `protocol.version` is the RESP version of the reply: `"2"` until a
//! successful `HELLO 3` (its own entry is already `"3"`, its reply is a RESP3 map), `"3"`
//! after it and for pushes; `HELLO 2` and `RESET` switch back.
//!
//! **Limits**: at most `Limits::max_body` bytes of string content (and 16 bytes per kept
//! element) are kept per message, the rest is counted (`truncated`, sizes exact); nesting
//! deeper than [`resp::MAX_DEPTH`] is invalid; at most 2×[`resp::MAX_ITEMS`] elements are
//! kept per aggregate (`request.argCount` then gives the real argument count). Declared
//! counts beyond what is left of the element cap (client [`wire::MAX_ARGS`], server
//! [`resp::MAX_COUNT`], counting what open aggregates still expect) are corrupt:
//! `*2147483647` is resynchronised, not a header that swallows the next commands. Lines
//! (simple strings, inline commands) longer than `Limits::max_head` are invalid.
//!
//! **Gaps and garbage**: a gap ends the message being parsed (what was parsed is emitted
//! with `gap`/`truncated`: a SET whose value lost bytes still pairs with its `+OK`), and the
//! side resynchronises: the client on `*N\r\n$M\r\n` or a known inline command at a line
//! start, the server on a plausible reply at a line start. Invalid RESP resynchronises the
//! same way; skipped bytes are reported in the diagnostics of the next message (identical
//! ones collapsed into one with a count), or of a request still waiting at the end, else
//! through `Output::skipped`.
//!
//! **Known limitations**: a gap that swallows whole requests or replies shifts the pairing
//! of later messages (flagged on the next message with a diagnostic). Streamed RESP3
//! strings/aggregates (`$?`) are not supported (Redis never sends them). `UNSUBSCRIBE`
//! without arguments pairs with its first confirmation; further confirmations become
//! one-way entries. `CLIENT REPLY OFF/SKIP` and `MONITOR` output break pairing.

mod command;
mod resp;
mod session;
mod wire;

#[cfg(test)]
mod tests;

use mizu_dissect::{
    Dissector, Probe, ProbeContext, ProtocolInfo, Session, SessionContext, Summary,
};
use mizu_model::{Direction, Entry, Payload};

/// The Redis dissector.
#[derive(Debug, Clone, Copy, Default)]
pub struct Redis;

/// The static descriptor of Redis.
pub static INFO: ProtocolInfo = ProtocolInfo {
    id: "redis",
    name: "redis",
    version: "2",
    abbr: "REDIS",
    long_name: "Redis Serialization Protocol",
    macro_name: "redis",
    macros: &[("redis", r#"protocol.name == "redis""#)],
    background_color: "#a41e11",
    foreground_color: "#ffffff",
    reference_link: "https://redis.io/docs/latest/develop/reference/protocol-spec/",
    ports: &[6379],
    priority: 3,
};

/// The registry's constructor.
pub fn dissector(_config: &crate::Config) -> std::sync::Arc<dyn Dissector> {
    std::sync::Arc::new(Redis)
}

impl Dissector for Redis {
    fn info(&self) -> &'static ProtocolInfo {
        &INFO
    }

    fn probe(&self, data: &[u8], ctx: &ProbeContext) -> Probe {
        let from_client = ctx.dir == Direction::ClientToServer;
        let (sender, receiver) = if from_client {
            (ctx.client.port(), ctx.server.port())
        } else {
            (ctx.server.port(), ctx.client.port())
        };
        // Who sent the bytes: the handshake says; without one, a usual Redis port on one
        // side does (an array reply of bulk strings such as `COMMAND DOCS`' looks exactly
        // like a command); else the probe decides by content.
        let known = if ctx.handshake_seen {
            Some(from_client)
        } else if INFO.ports.contains(&sender) != INFO.ports.contains(&receiver) {
            Some(INFO.ports.contains(&receiver))
        } else {
            None
        };
        wire::probe(data, known, INFO.ports.contains(&receiver))
    }

    fn new_session(&self, ctx: SessionContext) -> Box<dyn Session> {
        Box::new(session::RedisSession::new(ctx))
    }

    fn summarize(&self, entry: &Entry) -> Option<Summary> {
        if entry.protocol.name != INFO.name {
            return None;
        }
        let (method, summary) = match &entry.request {
            Payload::Json(_) | Payload::Raw(_) => texts(&entry.request, "command", "key"),
            _ => match texts(&entry.response, "kind", "channel") {
                // A reply whose request was not captured: its type (`string`, `error`…).
                (None, None) => (None, texts(&entry.response, "type", "").0),
                other => other,
            },
        };
        Some(Summary {
            method: method.unwrap_or_default(),
            summary: summary.unwrap_or_default(),
            status: None,
        })
    }
}

/// Two top-level string members of a JSON payload (`None`: absent or not a string). Raw
/// text is scanned, not parsed into a tree: only the two members are decoded.
fn texts(p: &Payload, a: &str, b: &str) -> (Option<String>, Option<String>) {
    let pick =
        |v: &serde_json::Value, k: &str| v.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    match p {
        Payload::Json(v) => (pick(v, a), pick(v, b)),
        Payload::Raw(r) => {
            use serde_json::value::RawValue;
            type Members<'a> = std::collections::BTreeMap<&'a str, &'a RawValue>;
            let Ok(m) = serde_json::from_str::<Members<'_>>(r.as_str()) else {
                return (None, None);
            };
            let text = |k: &str| serde_json::from_str::<String>(m.get(k)?.get()).ok();
            (text(a), text(b))
        }
        _ => (None, None),
    }
}
