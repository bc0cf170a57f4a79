//! HTTP/2 over cleartext TCP (h2c, [RFC 9113](https://www.rfc-editor.org/rfc/rfc9113)),
//! with HPACK ([RFC 7541](https://www.rfc-editor.org/rfc/rfc7541), [`hpack`]) and gRPC
//! ([`grpc`]) on top.
//!
//! **Detection** ([`Http2::probe`], allocation-free): the client preface `PRI *
//! HTTP/2.0\r\n\r\nSM\r\n\r\n` (prior knowledge) means the client; without it (a capture
//! that joins mid-connection) a plausible frame sequence: a 9-byte header of a known type,
//! length ≤ 16 KiB, the stream-id rule and exact length of its type, only defined flags,
//! followed by a second such header (a lone frame must end the segment and have a strict
//! layout; lone DATA frames are never enough). The sender of a HEADERS frame is guessed
//! from its first field (`:method`… = client, `:status` = server). HTTP/1.1 `Upgrade: h2c`
//! → `101` reaches this dissector through [`Dissector::upgrade_session_from`]: the HTTP/1
//! request is handed over and becomes stream 1, answered over HTTP/2.
//!
//! **Framing** ([`frame`]): every frame type is parsed; padding is stripped (DATA,
//! HEADERS, PUSH_PROMISE) and a pad length longer than the frame is diagnosed. DATA
//! payloads are streamed (never buffered whole); other frames wait until complete and are
//! capped at `max(Limits::max_head, 16 KiB)` (bigger ones are skipped and diagnosed).
//! CONTINUATION frames are accumulated up to `Limits::max_head` bytes per header block.
//! SETTINGS_MAX_FRAME_SIZE is followed for resynchronisation; PRIORITY, PING and
//! WINDOW_UPDATE carry nothing to show; unknown frame types are ignored (§4.1).
//!
//! **Pairing**: one entry per stream: the client's HEADERS (+ DATA, + trailers) and the
//! server's (1xx heads go to `informational`, trailers to `response.trailers`). The entry
//! is emitted when both sides sent END_STREAM, so concurrent streams come out in the order
//! they finish; times are each stream's own (first request frame, final response head).
//! PUSH_PROMISE creates the promised stream with the promised request. RST_STREAM ends a
//! stream with `response.statusText` = `RST_STREAM <CODE> from the client|server` (and
//! `response.status` 0 when no head came) plus a diagnostic, except `NO_ERROR` after a
//! complete response (§8.1). GOAWAY ends the streams above its last-stream-id that the
//! sender never processed the same way (`GOAWAY <CODE> …: stream not processed`). At
//! most `Limits::max_pending` streams are open per connection (the oldest is emitted
//! unfinished beyond that); bodies keep `Limits::max_body` bytes and are content-decoded
//! as in HTTP/1 ([`crate::content`]).
//!
//! **Mid-stream guesses confirm themselves**: a session that did not see the client
//! preface (nor an h2c upgrade) first finds a frame boundary on each side, parses strictly
//! (every frame header must be plausible; a client frame on a server-initiated stream is
//! refused) and holds every entry and diagnostic back until a header block decodes into
//! `:method` or `:status`. Evidence against HTTP/2 before that drops what was held and
//! skips the rest of the connection (one diagnostic); a guess never confirmed emits
//! nothing. A stream with neither request nor response headers is never an entry.
//!
//! **Gaps and mid-stream pickup**: after a gap a direction resynchronises on two
//! consecutive plausible frame headers (skipped bytes are diagnosed); its HPACK decoder
//! loses sync: header fields that refer to dynamic-table entries from before are left out,
//! counted in a diagnostic and the message is marked `gap` (never invented). Streams whose
//! start was not captured are emitted with a `gap` request placeholder.
//!
//! **Limitations**: TLS (h2) is not decrypted; priorities are ignored; a request whose
//! END_STREAM was never seen is emitted at close with a diagnostic; after a gap the
//! resynchronisation needs the next two frame headers (a final lone frame stays unparsed).

pub mod frame;
pub mod grpc;
pub mod hpack;
mod huffman_table;
mod session;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use mizu_dissect::{
    Dissector, Probe, ProbeContext, ProtocolInfo, Session, SessionContext, Summary, Upgrade,
};
use mizu_model::{Direction, Entry};

use crate::protobuf::Schema;

/// Badge of gRPC entries (`protocol.abbr`); plain HTTP/2 entries say `HTTP/2`.
pub const GRPC_ABBR: &str = "gRPC";

/// The HTTP/2 dissector; with a [`Schema`] gRPC messages decode with field names.
#[derive(Debug, Clone, Default)]
pub struct Http2 {
    schema: Option<Arc<Schema>>,
}

/// The registered instance (schema-less).
pub static HTTP2: Http2 = Http2 { schema: None };

/// The static descriptor of HTTP/2.
pub static INFO: ProtocolInfo = ProtocolInfo {
    id: "http2",
    name: "http",
    version: "2.0",
    abbr: "HTTP/2",
    long_name: "Hypertext Transfer Protocol Version 2 (HTTP/2)",
    macro_name: "http2",
    macros: &[
        ("http2", r#"protocol.version == "2.0""#),
        ("grpc", r#"protocol.abbr == "gRPC""#),
    ],
    background_color: "#244c5a",
    foreground_color: "#ffffff",
    reference_link: "https://datatracker.ietf.org/doc/html/rfc9113",
    ports: &[50051, 8083, 8084, 9000],
    priority: 0,
};

impl Http2 {
    /// An HTTP/2 dissector decoding gRPC messages with `schema`.
    pub fn with_schema(schema: Schema) -> Http2 {
        Http2 {
            schema: Some(Arc::new(schema)),
        }
    }
}

/// The registry's constructor: HTTP/2, decoding gRPC with the configured schema.
pub fn dissector(config: &crate::Config) -> Arc<dyn Dissector> {
    Arc::new(Http2 {
        schema: config.schema.clone(),
    })
}

impl Dissector for Http2 {
    fn info(&self) -> &'static ProtocolInfo {
        &INFO
    }

    fn probe(&self, data: &[u8], ctx: &ProbeContext) -> Probe {
        let n = data.len().min(frame::PREFACE.len());
        if n > 0 && data[..n] == frame::PREFACE[..n] {
            return if n == frame::PREFACE.len() {
                Probe::Match { from_client: true }
            } else {
                Probe::NeedMore
            };
        }
        match frame::sniff(data) {
            frame::Sniff::Frames {
                from_client: Some(c),
            } => Probe::Match { from_client: c },
            frame::Sniff::Frames { from_client: None } => Probe::Match {
                from_client: ctx.dir == Direction::ClientToServer,
            },
            frame::Sniff::NeedMore => Probe::NeedMore,
            frame::Sniff::No => Probe::NoMatch,
        }
    }

    fn new_session(&self, ctx: SessionContext) -> Box<dyn Session> {
        Box::new(session::Http2Session::new(ctx, self.schema.clone(), None))
    }

    fn upgrade_session(&self, token: &str, ctx: SessionContext) -> Option<Box<dyn Session>> {
        (token == "h2c").then(|| self.new_session(ctx))
    }

    fn upgrade_session_from(
        &self,
        up: &mut Upgrade,
        ctx: SessionContext,
    ) -> Option<Box<dyn Session>> {
        if up.protocol != "h2c" {
            return None;
        }
        let handed = up.request.take().map(|b| *b);
        Some(Box::new(session::Http2Session::new(
            ctx,
            self.schema.clone(),
            handed,
        )))
    }

    fn summarize(&self, entry: &Entry) -> Option<Summary> {
        if entry.protocol.name != INFO.name || entry.protocol.version != INFO.version {
            return None;
        }
        mizu_dissect::http_summary(entry)
    }
}
