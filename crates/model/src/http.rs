//! HTTP request and response messages in Mizu's (HAR-like) JSON shape.
//!
//! Headers, cookies and query parameters are kept as ordered lists (HAR and duplicate
//! names need that) and serialised as JSON objects, because Mizu's filters address them as
//! maps: `request.headers["Content-Type"]`. Repeated names are joined: headers with `", "`
//! (RFC 9110 §5.3), except `Set-Cookie`, joined with `"\n"`; repeated query parameters and
//! cookies become arrays.

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A name/value pair in wire order (header, cookie, query parameter).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

impl Header {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Header {
        Header {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// Finds the first header with this name, case-insensitively.
pub fn find_header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// A body as text: UTF-8 as is, anything else base64 with `encoding: "base64"` (HAR 1.2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    #[serde(default)]
    pub mime_type: String,
    /// `"base64"` when `text` is base64 of binary bytes; absent for UTF-8 text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    #[serde(default)]
    pub text: String,
    /// Decoded body size in bytes (what `text` would hold uncut).
    #[serde(default)]
    pub size: u64,
    /// Content-Encoding that was decoded (`gzip`, `br`…), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    /// `text` holds less than the whole body (body cap, decompression cap, gap, snaplen).
    #[serde(default, skip_serializing_if = "is_false")]
    pub truncated: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Content {
    /// Builds content from decoded body bytes: UTF-8 kept as text, other bytes base64.
    pub fn from_bytes(mime_type: String, bytes: &[u8], size: u64, truncated: bool) -> Content {
        let (text, encoding) = match std::str::from_utf8(bytes) {
            Ok(s) => (s.to_owned(), None),
            Err(e) if truncated && e.error_len().is_none() => {
                // A cap cut a multi-byte character in half: keep the valid prefix as text.
                let valid = &bytes[..e.valid_up_to()];
                (String::from_utf8_lossy(valid).into_owned(), None)
            }
            Err(_) => {
                use base64::Engine as _;
                (
                    base64::engine::general_purpose::STANDARD.encode(bytes),
                    Some("base64".to_owned()),
                )
            }
        };
        Content {
            mime_type,
            encoding,
            text,
            size,
            compression: None,
            truncated,
        }
    }
}

/// A form field or multipart part (HAR `postData.params`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FormParam {
    pub name: String,
    #[serde(default)]
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

/// A request body (HAR `postData`), with parsed form/multipart fields in `params`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostData {
    #[serde(default)]
    pub mime_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<FormParam>,
    #[serde(default)]
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub truncated: bool,
}

impl From<Content> for PostData {
    fn from(c: Content) -> PostData {
        PostData {
            mime_type: c.mime_type,
            encoding: c.encoding,
            text: c.text,
            params: Vec::new(),
            size: c.size,
            compression: c.compression,
            truncated: c.truncated,
        }
    }
}

/// An HTTP/1.x (and later HTTP/2) request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRequest {
    pub method: String,
    /// Absolute URL: `http://host[:port]/path?query` (Host header, else the server address).
    pub url: String,
    /// The request-target exactly as sent.
    pub target_uri: String,
    /// Percent-decoded path without the query.
    pub path: String,
    #[serde(default)]
    pub path_segments: Vec<String>,
    /// `HTTP/1.1`, `HTTP/1.0`, `HTTP/2.0`.
    pub http_version: String,
    #[serde(with = "pairs_as_map_headers", default)]
    pub headers: Vec<Header>,
    #[serde(with = "pairs_as_map_multi", default)]
    pub cookies: Vec<Header>,
    #[serde(with = "pairs_as_map_multi", default)]
    pub query_string: Vec<Header>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_data: Option<PostData>,
    /// Body bytes on the wire (after de-chunking); 0 without a body.
    #[serde(default)]
    pub body_size: u64,
    /// Bytes of the request line and headers, including the blank line.
    #[serde(default)]
    pub headers_size: u64,
    /// Trailer fields of a chunked body.
    #[serde(
        with = "pairs_as_map_headers",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub trailers: Vec<Header>,
    /// gRPC call details and decoded messages (`application/grpc*` bodies only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc: Option<Box<Grpc>>,
}

/// An HTTP/1.x (and later HTTP/2) response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpResponse {
    pub status: u16,
    pub status_text: String,
    pub http_version: String,
    #[serde(with = "pairs_as_map_headers", default)]
    pub headers: Vec<Header>,
    #[serde(with = "pairs_as_map_multi", default)]
    pub cookies: Vec<Header>,
    pub content: Content,
    #[serde(default)]
    pub body_size: u64,
    #[serde(default)]
    pub headers_size: u64,
    /// `Location` of a redirect (HAR `redirectURL`).
    #[serde(
        default,
        rename = "redirectURL",
        skip_serializing_if = "String::is_empty"
    )]
    pub redirect_url: String,
    #[serde(
        with = "pairs_as_map_headers",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub trailers: Vec<Header>,
    /// Informational (1xx) responses that came before this one, e.g. `100 Continue`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub informational: Vec<u16>,
    /// gRPC status and decoded messages (`application/grpc*` bodies only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc: Option<Box<Grpc>>,
}

/// The gRPC side of one HTTP message (request or response): the call, its status and
/// every length-prefixed message in order. See `docs/entry.md` ("gRPC").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grpc {
    /// Request: the service from `:path` (`helloworld.Greeter`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service: String,
    /// Request: the method from `:path` (`SayHello`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub method: String,
    /// Response: `grpc-status` (0 OK … 16 UNAUTHENTICATED), from trailers or headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u32>,
    /// Response: the status code's name (`OK`, `INVALID_ARGUMENT`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status_name: String,
    /// Response: `grpc-message`, percent-decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `grpc-encoding` of compressed messages (`gzip`), if any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub encoding: String,
    /// gRPC-Web (`application/grpc-web*`); `text` variants were base64 on the wire.
    #[serde(default, skip_serializing_if = "is_false")]
    pub web: bool,
    /// Protobuf message type the data was decoded with (`--proto`), else empty
    /// (schema-less decoding: keys are field numbers).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message_type: String,
    /// The length-prefixed messages in wire order.
    #[serde(default)]
    pub messages: Vec<GrpcMessage>,
    /// Messages not kept (body cap, message count cap), counted.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_messages: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One gRPC length-prefixed message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrpcMessage {
    /// Capture time of the message's first byte, milliseconds since the epoch.
    pub timestamp: i64,
    /// The same instant, RFC 3339 with nanoseconds.
    pub time: String,
    /// The compressed flag of the 5-byte prefix.
    pub compressed: bool,
    /// Message length from the prefix (compressed size when compressed).
    pub length: u64,
    /// The protobuf message as JSON (schema-less or with `--proto`); `null` if undecodable.
    pub data: serde_json::Value,
    /// Base64 of the (decompressed) bytes when `data` could not be decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// Only part of the message was captured or kept.
    #[serde(default, skip_serializing_if = "is_false")]
    pub truncated: bool,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// Appends `pairs` as the JSON object `Serialize` writes when their names are unique.
fn write_unique_pairs(out: &mut Vec<u8>, pairs: &[Header]) {
    use crate::json::write_str_into as js;
    out.push(b'{');
    for (i, p) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        js(out, &p.name);
        out.push(b':');
        js(out, &p.value);
    }
    out.push(b'}');
}

fn pairs_len(pairs: &[Header]) -> usize {
    pairs.iter().map(|p| p.name.len() + p.value.len()).sum()
}

impl HttpRequest {
    /// The common request (no body, trailers or gRPC; unique header, cookie and query
    /// names) as `Serialize` writes it, key by key. False, with nothing written, for any
    /// other request: the caller serialises it the general way. With `spill`, only
    /// requests whose text is all shorter than [`crate::json::SPILL_MIN`] (the spilling
    /// writer then writes the same bytes as the plain one).
    pub(crate) fn write_json_fast(&self, out: &mut Vec<u8>, spill: bool) -> bool {
        use crate::json::{push_u64, write_str_into as js};
        if self.post_data.is_some()
            || !self.trailers.is_empty()
            || self.grpc.is_some()
            || !all_names_unique(&self.headers)
            || !all_names_unique(&self.cookies)
            || !all_names_unique(&self.query_string)
        {
            return false;
        }
        if spill {
            let text = self.method.len()
                + self.url.len()
                + self.target_uri.len()
                + self.path.len()
                + self.path_segments.iter().map(String::len).sum::<usize>()
                + self.http_version.len()
                + pairs_len(&self.headers)
                + pairs_len(&self.cookies)
                + pairs_len(&self.query_string);
            if text >= crate::json::SPILL_MIN {
                return false;
            }
        }
        out.extend_from_slice(b"{\"method\":");
        js(out, &self.method);
        out.extend_from_slice(b",\"url\":");
        js(out, &self.url);
        out.extend_from_slice(b",\"targetUri\":");
        js(out, &self.target_uri);
        out.extend_from_slice(b",\"path\":");
        js(out, &self.path);
        out.extend_from_slice(b",\"pathSegments\":[");
        for (i, seg) in self.path_segments.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            js(out, seg);
        }
        out.extend_from_slice(b"],\"httpVersion\":");
        js(out, &self.http_version);
        out.extend_from_slice(b",\"headers\":");
        write_unique_pairs(out, &self.headers);
        out.extend_from_slice(b",\"cookies\":");
        write_unique_pairs(out, &self.cookies);
        out.extend_from_slice(b",\"queryString\":");
        write_unique_pairs(out, &self.query_string);
        out.extend_from_slice(b",\"bodySize\":");
        push_u64(out, self.body_size);
        out.extend_from_slice(b",\"headersSize\":");
        push_u64(out, self.headers_size);
        out.push(b'}');
        true
    }
}

impl HttpResponse {
    /// The common response (no trailers, 1xx list or gRPC; unique header and cookie
    /// names) as `Serialize` writes it; see [`HttpRequest::write_json_fast`].
    pub(crate) fn write_json_fast(&self, out: &mut Vec<u8>, spill: bool) -> bool {
        use crate::json::{push_u64, write_str_into as js};
        if !self.trailers.is_empty()
            || !self.informational.is_empty()
            || self.grpc.is_some()
            || !all_names_unique(&self.headers)
            || !all_names_unique(&self.cookies)
        {
            return false;
        }
        let c = &self.content;
        if spill {
            let text = self.status_text.len()
                + self.http_version.len()
                + pairs_len(&self.headers)
                + pairs_len(&self.cookies)
                + c.mime_type.len()
                + c.encoding.as_ref().map_or(0, String::len)
                + c.text.len()
                + c.compression.as_ref().map_or(0, String::len)
                + self.redirect_url.len();
            if text >= crate::json::SPILL_MIN {
                return false;
            }
        }
        out.extend_from_slice(b"{\"status\":");
        push_u64(out, u64::from(self.status));
        out.extend_from_slice(b",\"statusText\":");
        js(out, &self.status_text);
        out.extend_from_slice(b",\"httpVersion\":");
        js(out, &self.http_version);
        out.extend_from_slice(b",\"headers\":");
        write_unique_pairs(out, &self.headers);
        out.extend_from_slice(b",\"cookies\":");
        write_unique_pairs(out, &self.cookies);
        out.extend_from_slice(b",\"content\":{\"mimeType\":");
        js(out, &c.mime_type);
        if let Some(e) = &c.encoding {
            out.extend_from_slice(b",\"encoding\":");
            js(out, e);
        }
        out.extend_from_slice(b",\"text\":");
        js(out, &c.text);
        out.extend_from_slice(b",\"size\":");
        push_u64(out, c.size);
        if let Some(z) = &c.compression {
            out.extend_from_slice(b",\"compression\":");
            js(out, z);
        }
        if c.truncated {
            out.extend_from_slice(b",\"truncated\":true");
        }
        out.extend_from_slice(b"},\"bodySize\":");
        push_u64(out, self.body_size);
        out.extend_from_slice(b",\"headersSize\":");
        push_u64(out, self.headers_size);
        if !self.redirect_url.is_empty() {
            out.extend_from_slice(b",\"redirectURL\":");
            js(out, &self.redirect_url);
        }
        out.push(b'}');
        true
    }
}

/// True when no two pairs share a name (case-insensitively): the common case, which
/// serialises without grouping allocations.
fn all_names_unique(pairs: &[Header]) -> bool {
    pairs.iter().enumerate().all(|(i, a)| {
        pairs[..i]
            .iter()
            .all(|b| a.name.len() != b.name.len() || !a.name.eq_ignore_ascii_case(&b.name))
    })
}

/// Visits pairs grouped by name (case-insensitive), keeping first-seen order.
fn grouped(pairs: &[Header]) -> Vec<(&str, Vec<&str>)> {
    let mut out: Vec<(&str, Vec<&str>)> = Vec::with_capacity(pairs.len());
    for p in pairs {
        match out
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(&p.name))
        {
            Some((_, vals)) => vals.push(&p.value),
            None => out.push((&p.name, vec![&p.value])),
        }
    }
    out
}

/// Deserialises `{"a": "1", "b": ["2", "3"]}` into pairs.
struct PairsVisitor;

impl<'de> Visitor<'de> for PairsVisitor {
    type Value = Vec<Header>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object of strings or string arrays")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some((name, value)) = map.next_entry::<String, serde_json::Value>()? {
            match value {
                serde_json::Value::String(s) => out.push(Header::new(name, s)),
                serde_json::Value::Array(items) => {
                    for item in items {
                        let s = match item {
                            serde_json::Value::String(s) => s,
                            other => other.to_string(),
                        };
                        out.push(Header::new(name.clone(), s));
                    }
                }
                serde_json::Value::Null => {}
                other => out.push(Header::new(name, other.to_string())),
            }
        }
        Ok(out)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
}

/// Headers: repeated names joined into one string.
mod pairs_as_map_headers {
    use super::*;

    pub fn serialize<S: Serializer>(pairs: &[Header], s: S) -> Result<S::Ok, S::Error> {
        if all_names_unique(pairs) {
            let mut map = s.serialize_map(Some(pairs.len()))?;
            for p in pairs {
                map.serialize_entry(&p.name, &p.value)?;
            }
            return map.end();
        }
        let groups = grouped(pairs);
        let mut map = s.serialize_map(Some(groups.len()))?;
        for (name, vals) in groups {
            if vals.len() == 1 {
                map.serialize_entry(name, vals[0])?;
            } else {
                let sep = if name.eq_ignore_ascii_case("set-cookie") {
                    "\n"
                } else {
                    ", "
                };
                map.serialize_entry(name, &vals.join(sep))?;
            }
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Header>, D::Error> {
        d.deserialize_any(PairsVisitor)
    }
}

/// Cookies and query parameters: repeated names become arrays.
mod pairs_as_map_multi {
    use super::*;

    pub fn serialize<S: Serializer>(pairs: &[Header], s: S) -> Result<S::Ok, S::Error> {
        if all_names_unique(pairs) {
            let mut map = s.serialize_map(Some(pairs.len()))?;
            for p in pairs {
                map.serialize_entry(&p.name, &p.value)?;
            }
            return map.end();
        }
        let groups = grouped(pairs);
        let mut map = s.serialize_map(Some(groups.len()))?;
        for (name, vals) in groups {
            if vals.len() == 1 {
                map.serialize_entry(name, vals[0])?;
            } else {
                map.serialize_entry(name, &vals)?;
            }
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Header>, D::Error> {
        d.deserialize_any(PairsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_request() -> HttpRequest {
        HttpRequest {
            method: "GET".into(),
            url: "http://example.test/a%20b?x=1&x=2&y=".into(),
            target_uri: "/a%20b?x=1&x=2&y=".into(),
            path: "/a b".into(),
            path_segments: vec!["a b".into()],
            http_version: "HTTP/1.1".into(),
            headers: vec![
                Header::new("Host", "example.test"),
                Header::new("Accept", "a"),
                Header::new("accept", "b"),
            ],
            cookies: vec![Header::new("sid", "1")],
            query_string: vec![
                Header::new("x", "1"),
                Header::new("x", "2"),
                Header::new("y", ""),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn headers_serialise_as_map_with_joined_duplicates() {
        let v = serde_json::to_value(sample_request()).expect("serialise");
        assert_eq!(v["headers"]["Host"], "example.test");
        assert_eq!(v["headers"]["Accept"], "a, b");
        assert_eq!(v["queryString"]["x"], serde_json::json!(["1", "2"]));
        assert_eq!(v["queryString"]["y"], "");
        assert_eq!(v["cookies"]["sid"], "1");
        assert_eq!(v["pathSegments"][0], "a b");
        assert!(v.get("postData").is_none());
    }

    #[test]
    fn set_cookie_joined_by_newline() {
        let r = HttpResponse {
            headers: vec![
                Header::new("Set-Cookie", "a=1"),
                Header::new("Set-Cookie", "b=2"),
            ],
            ..Default::default()
        };
        let v = serde_json::to_value(r).expect("serialise");
        assert_eq!(v["headers"]["Set-Cookie"], "a=1\nb=2");
    }

    #[test]
    fn request_round_trips_through_json() {
        let mut r = sample_request();
        // After a round trip duplicate headers come back joined; use unique names here.
        r.headers.pop();
        let json = serde_json::to_string(&r).expect("serialise");
        let back: HttpRequest = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, r);
    }

    #[test]
    fn content_keeps_utf8_and_base64s_binary() {
        let c = Content::from_bytes("text/plain".into(), "héllo".as_bytes(), 6, false);
        assert_eq!(c.text, "héllo");
        assert_eq!(c.encoding, None);
        let c = Content::from_bytes("image/png".into(), &[0x89, 0x50, 0xff, 0x00], 4, false);
        assert_eq!(c.text, "iVD/AA==");
        assert_eq!(c.encoding.as_deref(), Some("base64"));
        // A cap that cuts 'é' in half keeps the valid prefix as text.
        let c = Content::from_bytes("text/plain".into(), &"hé".as_bytes()[..2], 3, true);
        assert_eq!(c.text, "h");
        assert!(c.truncated);
    }
}
