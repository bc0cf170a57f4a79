//! WebSocket (RFC 6455) with permessage-deflate (RFC 7692).
//!
//! **How a connection gets here**: never by probing (WebSocket frames have no signature a
//! probe could trust mid-stream), only through an upgrade: the HTTP/1 session sees
//! `101 Switching Protocols` with `Upgrade: websocket` and announces the token; the engine
//! asks the registry who speaks it and this dissector's [`Dissector::upgrade_session_from`]
//! answers. The switching response's headers travel with the [`Upgrade`]
//! (`Upgrade::headers`): `Sec-WebSocket-Extensions` gives the permessage-deflate
//! parameters, `Sec-WebSocket-Protocol` the subprotocol. Nothing here knows HTTP/1.
//!
//! **Framing** ([`frame`]): every frame header is read as it arrives; payload bytes are
//! unmasked and consumed as they come, at most `Limits::max_body` of each message kept
//! (after decompression), so a 1 GB message costs no memory. Fragmented messages
//! (first frame + continuation frames) are reassembled into one entry; control frames may
//! be interleaved between fragments and are entries of their own.
//!
//! **Entries**: one per message, `request` is the message, `from` says who sent it
//! (`src` is always the client). A pong is paired with the ping whose payload it echoes
//! (the ping in `request`, the pong in `response`), a close with the other side's
//! close; unanswered pings/closes are emitted at the end. See `docs/entry.md`.
//!
//! **permessage-deflate** ([`deflate`]): RSV1 marks a compressed message; each direction
//! has its own inflater, reset per message when the sender's `*_no_context_takeover` was
//! negotiated. Output is capped (decompression bombs are normal input): without context
//! takeover inflating stops past the body cap; with it (the window must follow the
//! sender's) it goes on up to [`deflate::INFLATE_LIMIT`] per message, then the
//! direction's context is marked lost and later compressed messages carry `gap` and a
//! diagnostic. `*_max_window_bits` need nothing: a 32 KiB window inflates any smaller.
//!
//! **Errors**: anomalies that keep the framing intact (unmasked client frames, masked
//! server frames, reserved bits/opcodes, long control frames, non-minimal lengths) are
//! diagnostics on the entry. A gap that ends inside a frame's payload keeps the session
//! in step (the frame's length is known: the lost bytes are skipped); any other gap, or a
//! header that cannot be a frame, makes the direction resynchronise on the next plausible
//! header (one whose successor is plausible too); skipped bytes are counted in a
//! diagnostic. A gap also loses the direction's deflate context.

pub mod deflate;
pub mod frame;
mod session;

#[cfg(test)]
mod tests;

use mizu_dissect::{
    Dissector, Probe, ProbeContext, ProtocolInfo, Session, SessionContext, Summary, Upgrade,
};
use mizu_model::{Entry, Header};

pub use session::Config;

/// The WebSocket dissector (reached through HTTP/1.1 `Upgrade: websocket`).
#[derive(Debug, Clone, Copy, Default)]
pub struct WebSocket;

/// The static descriptor of WebSocket.
pub static INFO: ProtocolInfo = ProtocolInfo {
    id: "websocket",
    name: "websocket",
    version: "13",
    abbr: "WS",
    long_name: "WebSocket Protocol",
    macro_name: "websocket",
    macros: &[
        ("websocket", r#"protocol.name == "websocket""#),
        ("ws", r#"protocol.name == "websocket""#),
    ],
    background_color: "#6a1b9a",
    foreground_color: "#ffffff",
    reference_link: "https://www.rfc-editor.org/rfc/rfc6455",
    ports: &[],
    priority: 9,
};

impl Config {
    /// The parameters negotiated by the headers of the response that switched protocols.
    pub fn from_headers(headers: &[Header]) -> Config {
        let values: Vec<&str> = headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("sec-websocket-extensions"))
            .map(|h| h.value.as_str())
            .collect();
        let (deflate, notes) = deflate::parse_extensions(&values);
        let subprotocol = headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("sec-websocket-protocol"))
            .map(|h| h.value.trim().to_owned())
            .filter(|p| !p.is_empty());
        Config {
            deflate,
            subprotocol,
            notes,
        }
    }
}

/// A session with the parameters these `Sec-WebSocket-Extensions` values negotiate (for
/// tests and fuzzing without an HTTP/1 handshake).
pub fn session_with_extensions(ctx: SessionContext, extensions: &str) -> Box<dyn Session> {
    let headers = [Header::new("Sec-WebSocket-Extensions", extensions)];
    Box::new(session::WsSession::new(ctx, Config::from_headers(&headers)))
}

/// The registry's constructor.
pub fn dissector(_config: &crate::Config) -> std::sync::Arc<dyn Dissector> {
    std::sync::Arc::new(WebSocket)
}

impl Dissector for WebSocket {
    fn info(&self) -> &'static ProtocolInfo {
        &INFO
    }

    /// Never: WebSocket is only entered through an HTTP upgrade.
    fn probe(&self, _data: &[u8], _ctx: &ProbeContext) -> Probe {
        Probe::NoMatch
    }

    /// A session without extensions (the engine never calls this: `probe` never matches).
    fn new_session(&self, ctx: SessionContext) -> Box<dyn Session> {
        Box::new(session::WsSession::new(ctx, Config::default()))
    }

    fn upgrade_session_from(
        &self,
        up: &mut Upgrade,
        ctx: SessionContext,
    ) -> Option<Box<dyn Session>> {
        (up.protocol == "websocket").then(|| {
            Box::new(session::WsSession::new(
                ctx,
                Config::from_headers(&up.headers),
            )) as Box<dyn Session>
        })
    }

    fn summarize(&self, entry: &Entry) -> Option<Summary> {
        if entry.protocol.name != INFO.name {
            return None;
        }
        let req = entry.request.json()?;
        let s = |k: &str| req.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let arrow = if s("from") == "server" { "←" } else { "→" };
        let detail = if let Some(code) = req.get("code").and_then(|c| c.as_u64()) {
            let reason = s("reason");
            if reason.is_empty() {
                format!("{code} {}", s("codeName"))
            } else {
                format!("{code} {}: {reason}", s("codeName"))
            }
        } else if s("encoding") == "base64" {
            let size = req.get("size").and_then(|v| v.as_u64()).unwrap_or(0);
            format!("{size} bytes")
        } else {
            let t = s("text");
            let mut p: String = t.chars().take(100).collect();
            if p.len() < t.len() {
                p.push('…');
            }
            p
        };
        Some(Summary {
            method: s("type").to_ascii_uppercase(),
            summary: format!("{arrow} {detail}"),
            status: None,
        })
    }
}
