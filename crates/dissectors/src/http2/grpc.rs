//! gRPC over HTTP/2 and gRPC-Web
//! ([PROTOCOL-HTTP2](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md),
//! [PROTOCOL-WEB](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md)).
//!
//! A body whose `content-type` is `application/grpc*` is a sequence of length-prefixed
//! messages: 1 flag byte (bit 0: compressed with `grpc-encoding`; bit 7 in gRPC-Web: the
//! frame holds trailers as HTTP/1 header lines) and a 4-byte big-endian length. Each
//! message gets the capture time of its first prefix byte, is decompressed (`gzip`,
//! `deflate`, `br`, `zstd` through [`crate::content`], output capped by `max_body`) and
//! decoded as protobuf ([`crate::protobuf`]: with the `--proto` schema when the method is
//! known, else schema-less). `application/grpc-web-text*` bodies are base64 (possibly
//! several padded chunks) and are decoded first.
//!
//! Limits: at most [`MAX_MESSAGES`] messages per direction of a call are kept (the rest
//! are counted in `droppedMessages`); only the bytes kept by the body cap are parsed, so a
//! message cut by it is shown `truncated` and later ones are counted as dropped.

use base64::Engine as _;
use mizu_dissect::kit;
use mizu_model::{Grpc, GrpcMessage, Header, Nanos};

use crate::content;
use crate::protobuf::{self, Schema};

/// Messages kept per direction of one call.
pub const MAX_MESSAGES: usize = 1000;

/// Which gRPC wire variant a content type names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Grpc,
    Web,
    WebText,
}

/// `application/grpc`, `application/grpc+proto`, `application/grpc-web+json`,
/// `application/grpc-web-text`… (parameters ignored, case-insensitive).
pub fn kind(content_type: &str) -> Option<Kind> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let lower = essence.to_ascii_lowercase();
    let rest = lower.strip_prefix("application/grpc")?;
    if let Some(r) = rest.strip_prefix("-web-text") {
        return (r.is_empty() || r.starts_with('+')).then_some(Kind::WebText);
    }
    if let Some(r) = rest.strip_prefix("-web") {
        return (r.is_empty() || r.starts_with('+')).then_some(Kind::Web);
    }
    (rest.is_empty() || rest.starts_with('+')).then_some(Kind::Grpc)
}

/// Whether a content type names the JSON codec (`application/grpc+json`,
/// `application/grpc-web+json`): messages are JSON text, not protobuf.
pub fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence
        .rsplit_once('+')
        .is_some_and(|(_, codec)| codec.eq_ignore_ascii_case("json"))
}

/// The name of a gRPC status code.
pub fn status_name(code: u32) -> &'static str {
    match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => "",
    }
}

/// `/pkg.Service/Method` → (`pkg.Service`, `Method`).
pub fn split_path(path: &str) -> (&str, &str) {
    let p = path.strip_prefix('/').unwrap_or(path);
    let p = p.split('?').next().unwrap_or(p);
    p.split_once('/').unwrap_or(("", p))
}

/// What the caller knows about one direction of a call.
pub struct Body<'a> {
    pub kind: Kind,
    /// The body bytes kept (at most `max_body`).
    pub bytes: &'a [u8],
    /// `(offset, capture time)` marks for `bytes`, ascending, first at 0.
    pub marks: &'a [(usize, Nanos)],
    /// Bytes were lost or cut after `bytes` (body cap, gap).
    pub incomplete: bool,
    /// `grpc-encoding` of this direction.
    pub encoding: Option<&'a str>,
    pub service: &'a str,
    pub method: &'a str,
    pub request: bool,
    pub cap: usize,
    /// Messages use the JSON codec (`+json` content type).
    pub json: bool,
}

/// Decodes the messages of one direction into `g`; gRPC-Web trailer frames are returned.
pub fn decode_messages(
    body: &Body<'_>,
    schema: Option<&Schema>,
    g: &mut Grpc,
    diags: &mut Vec<String>,
) -> Vec<Header> {
    let mut trailers = Vec::new();
    let text_buf;
    let (bytes, scale): (&[u8], bool) = if body.kind == Kind::WebText {
        text_buf = decode_web_text(body.bytes, diags);
        (&text_buf, true)
    } else {
        (body.bytes, false)
    };
    let desc = if body.json {
        None
    } else {
        schema.and_then(|s| s.message_for(body.service, body.method, body.request))
    };
    // `messageType` is only set when the schema decoded every message it was tried on.
    let (mut schema_ok, mut schema_failed) = (0usize, 0usize);
    let mut pos = 0;
    while pos < bytes.len() {
        let Some(prefix) = bytes.get(pos..pos + 5) else {
            if !body.incomplete {
                diags.push(format!(
                    "{} bytes after the last gRPC message are not a message prefix",
                    bytes.len() - pos
                ));
            }
            g.dropped_messages += 1;
            break;
        };
        let flags = prefix[0];
        let len = kit::be32(prefix, 1).unwrap_or(0) as usize;
        let start = pos + 5;
        let avail = bytes.len() - start;
        let ts = ts_at(body.marks, scale, pos);
        let payload = &bytes[start..start + len.min(avail)];
        let cut = len > avail;
        pos = start.saturating_add(len);
        if body.kind != Kind::Grpc && flags & 0x80 != 0 {
            trailers.extend(parse_trailer_block(payload));
            continue;
        }
        if g.messages.len() >= MAX_MESSAGES {
            g.dropped_messages += 1;
            continue;
        }
        let compressed = flags & 1 != 0;
        let mut msg = GrpcMessage {
            timestamp: (ts / 1_000_000) as i64,
            time: mizu_model::rfc3339_nanos(ts),
            compressed,
            length: len as u64,
            data: serde_json::Value::Null,
            raw: None,
            truncated: cut,
        };
        let Some(plain) = decompress(body, payload, cut, &mut msg, diags) else {
            g.messages.push(msg);
            continue;
        };
        if msg.truncated {
            // A cut message cannot be decoded reliably: keep its bytes.
            msg.raw = Some(b64(&plain));
        } else if body.json {
            match serde_json::from_slice::<serde_json::Value>(&plain) {
                Ok(v) => msg.data = v,
                Err(e) => {
                    diags.push(format!("gRPC JSON message does not parse: {e}"));
                    msg.raw = Some(b64(&plain));
                }
            }
        } else {
            let decoded = match schema.zip(desc.as_ref()) {
                Some((s, d)) => {
                    let ok = decode_with_schema(s, d, &plain, &mut msg, diags);
                    schema_ok += usize::from(ok);
                    schema_failed += usize::from(!ok);
                    ok
                }
                None => false,
            };
            if !decoded {
                decode_schemaless(&plain, &mut msg, diags);
            }
        }
        g.messages.push(msg);
    }
    if let Some(d) = &desc
        && schema_ok > 0
        && schema_failed == 0
    {
        g.message_type = d.full_name().to_owned();
    }
    trailers
}

/// Capture time of the byte at `off` of the decoded body (`marks` as in [`Body`]); for
/// base64 text (`scale`) the offset maps back to about 4/3 of it in the wire body.
fn ts_at(marks: &[(usize, Nanos)], scale: bool, off: usize) -> Nanos {
    let wire = if scale { off / 3 * 4 } else { off };
    let i = marks.partition_point(|&(o, _)| o <= wire);
    match i.checked_sub(1).and_then(|i| marks.get(i)) {
        Some(&(_, t)) => t,
        None => marks.first().map_or(0, |m| m.1),
    }
}

/// A message's bytes after its `grpc-encoding` is undone. `None`: they cannot be
/// (unknown or missing encoding), and `msg.raw` holds what there is.
fn decompress<'p>(
    body: &Body<'_>,
    payload: &'p [u8],
    cut: bool,
    msg: &mut GrpcMessage,
    diags: &mut Vec<String>,
) -> Option<std::borrow::Cow<'p, [u8]>> {
    if !msg.compressed {
        return Some(payload.into());
    }
    match body.encoding {
        Some(enc) if !enc.eq_ignore_ascii_case("identity") => {
            let d = content::decode_body(enc, payload.to_vec(), cut, body.cap);
            for m in d.diagnostics {
                diags.push(format!("gRPC message: {}", m.message));
            }
            msg.truncated |= d.truncated;
            if d.compression.is_none() {
                msg.raw = Some(b64(&d.bytes));
                return None;
            }
            Some(d.bytes.into())
        }
        _ => {
            diags.push("compressed gRPC message without grpc-encoding".to_owned());
            msg.raw = Some(b64(payload));
            None
        }
    }
}

/// Decodes a message as the schema's type into `msg.data`; `false` (with a diagnostic)
/// when it does not decode as that type.
fn decode_with_schema(
    schema: &Schema,
    desc: &prost_reflect::MessageDescriptor,
    plain: &[u8],
    msg: &mut GrpcMessage,
    diags: &mut Vec<String>,
) -> bool {
    match schema.decode(desc, plain) {
        Ok(v) => {
            msg.data = v;
            true
        }
        Err(e) => {
            diags.push(format!(
                "gRPC message does not decode as {}: {e}; shown schema-less",
                desc.full_name()
            ));
            false
        }
    }
}

/// Decodes a message without a schema into `msg.data`, or keeps it as `raw` bytes when it
/// is not protobuf (`raw` replaces `data`, docs/entry.md).
fn decode_schemaless(plain: &[u8], msg: &mut GrpcMessage, diags: &mut Vec<String>) {
    let v = protobuf::decode_raw(plain);
    if v.get(protobuf::UNDECODED).is_some() {
        diags.push(format!(
            "gRPC message of {} bytes is not valid protobuf: kept as raw bytes",
            plain.len()
        ));
        msg.raw = Some(b64(plain));
    } else {
        msg.data = v;
    }
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Base64 body of `grpc-web-text`: chunks may each carry padding; whitespace is ignored.
fn decode_web_text(b: &[u8], diags: &mut Vec<String>) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    let mut group: Vec<u8> = Vec::with_capacity(4);
    let engine = base64::engine::general_purpose::STANDARD;
    for &c in b {
        if c.is_ascii_whitespace() {
            continue;
        }
        group.push(c);
        if group.len() == 4 {
            match engine.decode(&group) {
                Ok(d) => out.extend_from_slice(&d),
                Err(_) => {
                    diags.push("invalid base64 in a grpc-web-text body".to_owned());
                    return out;
                }
            }
            group.clear();
        }
    }
    out
}

/// `name: value\r\n` lines of a gRPC-Web trailer frame.
fn parse_trailer_block(b: &[u8]) -> Vec<Header> {
    String::from_utf8_lossy(b)
        .split("\r\n")
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| Header::new(n.trim().to_ascii_lowercase(), v.trim()))
        .collect()
}

/// The first value of header `name` (case-insensitive).
pub fn find<'a>(list: &'a [Header], name: &str) -> Option<&'a str> {
    list.iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// Fills `g.status`, `statusName` and `message` from the first `grpc-status` /
/// `grpc-message` found in the lists (trailers first, then headers).
pub fn set_status(g: &mut Grpc, lists: &[&[Header]]) {
    for list in lists {
        if g.status.is_none()
            && let Some(s) = find(list, "grpc-status")
            && let Ok(n) = s.trim().parse::<u32>()
        {
            g.status = Some(n);
            g.status_name = status_name(n).to_owned();
        }
        if g.message.is_none()
            && let Some(m) = find(list, "grpc-message")
        {
            g.message = Some(content::percent_decode(m, false));
        }
    }
}

/// gRPC-Web over HTTP/1.x: decodes the messages of an entry the HTTP/1 dissector built
/// (bodies from `postData`/`content`, after content decoding) into `request.grpc` and
/// `response.grpc`, and sets `protocol.abbr` to `gRPC`. Messages get the capture time of
/// their message's first byte only at message granularity (HTTP/1 keeps one time per body).
pub fn annotate_http1(
    e: &mut mizu_model::Entry,
    req_ts: Nanos,
    resp_ts: Option<Nanos>,
    cap: usize,
    schema: Option<&Schema>,
) {
    use mizu_model::Payload;
    let ct = |h: &[Header]| find(h, "content-type").and_then(kind);
    let req_kind = e.request.as_http_request().and_then(|r| ct(&r.headers));
    let resp_kind = e.response.as_http_response().and_then(|r| ct(&r.headers));
    let Some(k) = req_kind.or(resp_kind) else {
        return;
    };
    let json_ct = |h: &[Header]| find(h, "content-type").is_some_and(is_json);
    e.protocol.abbr = super::GRPC_ABBR.into();
    let mut diags = Vec::new();
    let (mut service, mut method) = (String::new(), String::new());
    if let Payload::HttpRequest(r) = &mut e.request {
        let (s, m) = split_path(&r.path);
        (service, method) = (s.to_owned(), m.to_owned());
        let bytes = r
            .post_data
            .as_ref()
            .map(|p| body_bytes(&p.text, p.encoding.as_deref()));
        let mut g = Grpc {
            service: service.clone(),
            method: method.clone(),
            web: k != Kind::Grpc,
            encoding: find(&r.headers, "grpc-encoding").unwrap_or("").to_owned(),
            ..Grpc::default()
        };
        if let Some(b) = &bytes {
            let marks = [(0, req_ts)];
            let body = Body {
                kind: k,
                bytes: b,
                marks: &marks,
                incomplete: r.post_data.as_ref().is_some_and(|p| p.truncated),
                encoding: find(&r.headers, "grpc-encoding"),
                service: &service,
                method: &method,
                request: true,
                cap,
                json: json_ct(&r.headers),
            };
            decode_messages(&body, schema, &mut g, &mut diags);
        }
        r.grpc = Some(Box::new(g));
    }
    if let Payload::HttpResponse(r) = &mut e.response {
        let b = body_bytes(&r.content.text, r.content.encoding.as_deref());
        let mut g = Grpc {
            web: k != Kind::Grpc,
            encoding: find(&r.headers, "grpc-encoding").unwrap_or("").to_owned(),
            ..Grpc::default()
        };
        let marks = [(0, resp_ts.unwrap_or(req_ts))];
        let body = Body {
            kind: k,
            bytes: &b,
            marks: &marks,
            incomplete: r.content.truncated,
            encoding: find(&r.headers, "grpc-encoding"),
            service: &service,
            method: &method,
            request: false,
            cap,
            json: json_ct(&r.headers),
        };
        let trailers = decode_messages(&body, schema, &mut g, &mut diags);
        r.trailers.extend(trailers);
        set_status(&mut g, &[&r.trailers, &r.headers]);
        r.grpc = Some(Box::new(g));
    }
    e.diagnostics.extend(diags);
}

fn body_bytes(text: &str, encoding: Option<&str>) -> Vec<u8> {
    match encoding {
        Some("base64") => base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap_or_default(),
        _ => text.as_bytes().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(kind("application/grpc"), Some(Kind::Grpc));
        assert_eq!(kind("application/grpc+proto; charset=x"), Some(Kind::Grpc));
        assert_eq!(kind("Application/GRPC-Web+proto"), Some(Kind::Web));
        assert_eq!(kind("application/grpc-web-text"), Some(Kind::WebText));
        assert_eq!(kind("application/grpcx"), None);
        assert_eq!(kind("application/json"), None);
        assert_eq!(
            split_path("/helloworld.Greeter/SayHello"),
            ("helloworld.Greeter", "SayHello")
        );
    }

    fn framed(msgs: &[(u8, &[u8])]) -> Vec<u8> {
        let mut v = Vec::new();
        for (f, m) in msgs {
            v.push(*f);
            v.extend_from_slice(&(m.len() as u32).to_be_bytes());
            v.extend_from_slice(m);
        }
        v
    }

    fn body<'a>(kind: Kind, bytes: &'a [u8], marks: &'a [(usize, Nanos)]) -> Body<'a> {
        Body {
            kind,
            bytes,
            marks,
            incomplete: false,
            encoding: Some("gzip"),
            service: "s.S",
            method: "M",
            request: true,
            cap: 1 << 20,
            json: false,
        }
    }

    #[test]
    fn messages_with_times_gzip_and_web_trailers() {
        let mut gz = Vec::new();
        {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::default());
            e.write_all(&[0x08, 0x07]).expect("gzip");
            e.finish().expect("gzip");
        }
        let b = framed(&[
            (0, &[0x08, 0x01]),
            (1, &gz),
            (0x80, b"grpc-status: 0\r\ngrpc-message: ok\r\n"),
        ]);
        let marks = [(0, 10_000_000), (7, 20_000_000)];
        let mut g = Grpc::default();
        let mut d = Vec::new();
        let t = decode_messages(&body(Kind::Web, &b, &marks), None, &mut g, &mut d);
        assert_eq!(g.messages.len(), 2);
        assert_eq!(g.messages[0].data, serde_json::json!({"1": 1}));
        assert_eq!(g.messages[0].timestamp, 10);
        assert_eq!(g.messages[1].timestamp, 20);
        assert!(g.messages[1].compressed);
        assert_eq!(g.messages[1].data, serde_json::json!({"1": 7}));
        assert_eq!(t.len(), 2);
        set_status(&mut g, &[&t]);
        assert_eq!(g.status, Some(0));
        assert_eq!(g.message.as_deref(), Some("ok"));
        assert!(d.is_empty(), "{d:?}");
        // The text variant: each frame base64'd separately (with padding).
        let engine = base64::engine::general_purpose::STANDARD;
        let mut text = engine.encode(framed(&[(0, &[0x08, 0x01])])).into_bytes();
        text.extend_from_slice(
            engine
                .encode(framed(&[(0, &[0x08, 0x02, 0x10])]))
                .as_bytes(),
        );
        let mut g = Grpc::default();
        decode_messages(&body(Kind::WebText, &text, &[(0, 0)]), None, &mut g, &mut d);
        assert_eq!(g.messages.len(), 2);
    }

    #[test]
    fn cut_and_garbage_never_panic() {
        let b = framed(&[(0, &[0x08, 0x01, 0x10, 0x02])]);
        for n in 0..b.len() {
            let mut g = Grpc::default();
            let mut d = Vec::new();
            let mut bb = body(Kind::Grpc, &b[..n], &[(0, 0)]);
            bb.incomplete = true;
            decode_messages(&bb, None, &mut g, &mut d);
        }
        let mut g = Grpc::default();
        let mut d = Vec::new();
        decode_messages(
            &body(Kind::Grpc, &[1, 0, 0, 0, 2, 0xff, 0xff], &[(0, 0)]),
            None,
            &mut g,
            &mut d,
        );
        assert_eq!(g.messages.len(), 1);
        assert!(g.messages[0].raw.is_some());
    }
}
