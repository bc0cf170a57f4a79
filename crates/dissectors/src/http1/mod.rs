//! HTTP/1.0 and HTTP/1.1 ([RFC 9112](https://datatracker.ietf.org/doc/html/rfc9112),
//! semantics in [RFC 9110](https://datatracker.ietf.org/doc/html/rfc9110)).
//!
//! **Detection** ([`Http1::probe`], allocation-free): a known method followed by a space
//! (RFC 9110 methods, PATCH, WebDAV, PURGE, QUERY, SSDP…) means the bytes come from the
//! client; `HTTP/1.x DDD` means they come from the server. Fewer bytes than needed to tell
//! is `NeedMore`. The HTTP/2 preface `PRI * HTTP/2.0` never matches.
//!
//! **Framing** (RFC 9112 §6.3): heads are parsed with `httparse` (leniently: bare LF,
//! repeated spaces, obsolete line folding in responses, invalid header lines skipped).
//! When `httparse` refuses a head whose start line is well formed (known method and
//! `HTTP/1.x`, or `HTTP/1.x DDD`), a line parser reads it as the servers users run do
//! (NUL or control bytes in a header value, a tab in the target, a line without a colon):
//! the message is kept as sent and each oddity is a diagnostic, never a dropped message.
//! A body is chunked when `Transfer-Encoding` ends in `chunked` (extensions ignored,
//! trailers kept), else `Content-Length` long (repeated identical values accepted; conflicting
//! or invalid values are diagnosed and the body then runs to the end of the connection),
//! else a request has no body and a response runs until the server closes. Responses to
//! HEAD, 1xx, 204 and 304 have no body. Bodies are consumed as they arrive; at most
//! `Limits::max_body` bytes are kept (then content-decoded with the same cap, see
//! [`crate::content`]), sizes are always exact.
//!
//! **Pairing**: responses answer requests in order (keep-alive and pipelining), through a
//! FIFO bounded by `Limits::max_pending` (overflow emits the oldest unanswered). An entry is
//! emitted when both its request and its response are complete. 1xx interim responses
//! (`100 Continue`, `103 Early Hints`) are recorded in the final response's `informational`
//! and counted in its size. A response with no request captured is emitted with an empty
//! placeholder request (`gap = true`); requests still unanswered at close are emitted without
//! a response. Timestamps are the capture times of each message's first byte.
//!
//! **Upgrades**: while a request carrying `Upgrade` (or a `CONNECT`) awaits its response,
//! the client's following bytes are not parsed (they may be another protocol). A `101
//! Switching Protocols` emits the entry and announces an upgrade to the lower-cased token of
//! the response's `Upgrade` header; a 2xx to `CONNECT` announces `connect` (a tunnel). The
//! session consumes exactly up to the end of that response's head.
//!
//! **Gaps and garbage**: a gap inside a body of known remaining length is counted as body
//! bytes (the message is marked `gap`/`truncated`); any other gap ends the current message
//! (emitted with `gap = true`) and the side resynchronises: bytes are skipped until a known
//! method + space (client) or `HTTP/1.x DDD` (server) that starts a valid head, scanning
//! anywhere (a message may follow a body without a line break). Malformed heads
//! resynchronise the same way. Skipped bytes are reported in diagnostics. `truncated`
//! means a cap or the snaplen cut something (a gap reported at the capture time of the
//! bytes before it comes from the packet the snaplen cut); lost bytes alone are `gap`.
//!
//! **Oversized heads** (over `Limits::max_head`): the message is built from the complete
//! lines of its first `max_head` bytes (`truncated`, diagnostic on its own entry) and keeps
//! its place in the pairing; the rest of the head is consumed up to its end, then the body
//! follows the kept framing headers; a response whose framing headers were past the cut
//! resynchronises on the next response rather than guess a body. A head cut by a gap or
//! the snaplen shows its complete lines, or, when its first line was cut, the method and
//! target (or status) as far as captured. `CONNECT host:port` keeps `host:port` as its URL
//! and path.
//!
//! **Known limitations**: HTTP/0.9 is not recognised. If a server declines an upgrade while
//! the client had already pipelined bytes after the upgrade request, those bytes wait until
//! the client sends more. A gap that swallows whole messages on one side shifts the pairing
//! of later messages (the next message is marked `gap` with a diagnostic saying so). Compressed bodies longer
//! than `max_body` are decoded from their first `max_body` bytes only.

mod body;
mod message;
mod session;
mod wire;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use mizu_dissect::{
    Dissector, Probe, ProbeContext, ProtocolInfo, Session, SessionContext, Summary,
};
use mizu_model::Entry;

use crate::protobuf::Schema;

/// The HTTP/1.x dissector.
#[derive(Debug, Clone, Copy, Default)]
pub struct Http1;

/// The static descriptor of HTTP/1.x.
pub static INFO: ProtocolInfo = ProtocolInfo {
    id: "http1",
    name: "http",
    version: "1.1",
    abbr: "HTTP",
    long_name: "Hypertext Transfer Protocol -- HTTP/1.1",
    macro_name: "http",
    macros: &[("http", r#"protocol.name == "http""#)],
    background_color: "#205cf5",
    foreground_color: "#ffffff",
    reference_link: "https://datatracker.ietf.org/doc/html/rfc9112",
    ports: &[80, 8080, 8000, 8888, 3000, 5000, 8081],
    priority: 0,
};

/// The registry's constructor: HTTP/1.x, decoding gRPC-Web with the configured schema.
pub fn dissector(config: &crate::Config) -> Arc<dyn Dissector> {
    match &config.schema {
        Some(schema) => Arc::new(Http1WithSchema::new(schema.clone())),
        None => Arc::new(Http1),
    }
}

impl Dissector for Http1 {
    fn info(&self) -> &'static ProtocolInfo {
        &INFO
    }

    fn probe(&self, data: &[u8], _ctx: &ProbeContext) -> Probe {
        match (wire::request_start(data), wire::response_start(data)) {
            (m @ Probe::Match { .. }, _) | (_, m @ Probe::Match { .. }) => m,
            (Probe::NeedMore, _) | (_, Probe::NeedMore) => Probe::NeedMore,
            _ => Probe::NoMatch,
        }
    }

    fn new_session(&self, ctx: SessionContext) -> Box<dyn Session> {
        Box::new(session::Http1Session::new(ctx, None))
    }

    fn summarize(&self, entry: &Entry) -> Option<Summary> {
        if entry.protocol.name != INFO.name || !entry.protocol.version.starts_with("1.") {
            return None;
        }
        // gRPC-Web: the list status is grpc-status, as for gRPC over HTTP/2.
        mizu_dissect::http_summary(entry)
    }
}

/// HTTP/1.x decoding gRPC-Web messages with a `.proto` schema (`mizu read --proto`);
/// otherwise the same as [`Http1`].
#[derive(Debug, Clone)]
pub struct Http1WithSchema {
    schema: Arc<Schema>,
}

impl Http1WithSchema {
    pub fn new(schema: Arc<Schema>) -> Http1WithSchema {
        Http1WithSchema { schema }
    }
}

impl Dissector for Http1WithSchema {
    fn info(&self) -> &'static ProtocolInfo {
        &INFO
    }

    fn probe(&self, data: &[u8], ctx: &ProbeContext) -> Probe {
        Http1.probe(data, ctx)
    }

    fn new_session(&self, ctx: SessionContext) -> Box<dyn Session> {
        Box::new(session::Http1Session::new(ctx, Some(self.schema.clone())))
    }

    fn summarize(&self, entry: &Entry) -> Option<Summary> {
        Http1.summarize(entry)
    }
}
