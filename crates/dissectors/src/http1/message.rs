//! Turning parsed heads and received bodies into the model's [`HttpRequest`] and
//! [`HttpResponse`]: URL reconstruction, path and query decoding, cookies, framing
//! decisions (RFC 9112 §6.3), and body content (decoding, forms, multipart).

use std::net::SocketAddr;

use mizu_dissect::Diagnostic;
use mizu_model::{Content, Header, HttpRequest, HttpResponse, PostData};

use super::body::{BodyReader, ChunkPhase, Framing};
use super::wire::{RequestHead, ResponseHead};
use crate::content::{self, BodyContent};

/// `HTTP/1.0` or `HTTP/1.1`.
pub(crate) fn version_string(minor: u8) -> String {
    match minor {
        0 => "HTTP/1.0".to_owned(),
        1 => "HTTP/1.1".to_owned(),
        m => format!("HTTP/1.{m}"),
    }
}

/// All values of header `name` joined with `", "` (RFC 9110 §5.3), or `None`.
pub(crate) fn joined(headers: &[Header], name: &str) -> Option<String> {
    let mut out: Option<String> = None;
    for h in headers.iter().filter(|h| h.name.eq_ignore_ascii_case(name)) {
        match &mut out {
            Some(s) => {
                s.push_str(", ");
                s.push_str(&h.value);
            }
            None => out = Some(h.value.clone()),
        }
    }
    out
}

fn first<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// Builds the request (everything but the body) from its head.
pub(crate) fn build_request(head: RequestHead, server: SocketAddr, head_len: usize) -> HttpRequest {
    let RequestHead {
        method,
        target,
        minor,
        headers,
        oddities: _,
    } = head;
    let host: std::borrow::Cow<'_, str> = match first(&headers, "host")
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        Some(h) => h.into(),
        None => if server.port() == 80 {
            match server {
                SocketAddr::V4(a) => a.ip().to_string(),
                SocketAddr::V6(a) => format!("[{}]", a.ip()),
            }
        } else {
            server.to_string()
        }
        .into(),
    };
    let (url, path_and_query) = if target.starts_with('/') {
        let mut url = String::with_capacity(7 + host.len() + target.len());
        url.push_str("http://");
        url.push_str(&host);
        url.push_str(&target);
        (url, target.as_str())
    } else if let Some(after_scheme) = absolute_form(&target) {
        // absolute-form: the target is the URL; the path starts after the authority.
        let path_at = after_scheme.find(['/', '?']).unwrap_or(after_scheme.len());
        (target.clone(), &after_scheme[path_at..])
    } else if target == "*" {
        (format!("http://{host}"), "*")
    } else {
        // authority-form (`CONNECT host:port`, RFC 9112 §3.2.3): the target is all there
        // is. It is shown as the URL and as the path (as Mizu did), so the list and
        // `request.path == "example.com:443"` find it.
        let path = target.clone();
        let cookies = cookies_of(&headers);
        return HttpRequest {
            method,
            url: target.clone(),
            target_uri: target,
            path,
            path_segments: Vec::new(),
            http_version: version_string(minor),
            headers,
            cookies,
            query_string: Vec::new(),
            post_data: None,
            body_size: 0,
            headers_size: head_len as u64,
            trailers: Vec::new(),
            grpc: None,
        };
    };
    let no_fragment = path_and_query.split('#').next().unwrap_or("");
    let (raw_path, query) = no_fragment.split_once('?').unwrap_or((no_fragment, ""));
    let path = if raw_path.is_empty() && !target.starts_with('/') && path_and_query.is_empty() {
        String::new()
    } else if raw_path.is_empty() {
        "/".to_owned()
    } else {
        content::percent_decode(raw_path, false)
    };
    let path_segments = raw_path
        .split('/')
        .filter(|s| !s.is_empty() && *s != "*")
        .map(|s| content::percent_decode(s, false))
        .collect();
    let query_string = content::parse_query(query);
    let cookies = cookies_of(&headers);
    HttpRequest {
        method,
        url,
        target_uri: target,
        path,
        path_segments,
        http_version: version_string(minor),
        headers,
        cookies,
        query_string,
        post_data: None,
        body_size: 0,
        headers_size: head_len as u64,
        trailers: Vec::new(),
        grpc: None,
    }
}

fn cookies_of(headers: &[Header]) -> Vec<Header> {
    headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("cookie"))
        .flat_map(|h| content::parse_cookie_header(&h.value))
        .collect()
}

/// `http://host/...` → `host/...` (the part after `scheme://`), for absolute-form targets.
fn absolute_form(target: &str) -> Option<&str> {
    let (scheme, rest) = target.split_once("://")?;
    let valid = !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.');
    valid.then_some(rest)
}

/// Builds the response (everything but the body) from its head.
pub(crate) fn build_response(head: ResponseHead, head_len: usize) -> HttpResponse {
    let ResponseHead {
        code,
        reason,
        minor,
        headers,
        oddities: _,
    } = head;
    let cookies = headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|h| content::parse_set_cookie(&h.value))
        .collect();
    let redirect_url = first(&headers, "location").unwrap_or("").to_owned();
    HttpResponse {
        status: code,
        status_text: reason,
        http_version: version_string(minor),
        headers,
        cookies,
        content: Content::default(),
        body_size: 0,
        headers_size: head_len as u64,
        redirect_url,
        trailers: Vec::new(),
        informational: Vec::new(),
        grpc: None,
    }
}

/// Body framing from the headers (RFC 9112 §6.3, items 3–8; the caller handles 1–2:
/// HEAD, 1xx, 204, 304, CONNECT). `None`: no body. Problems are pushed to `diags`.
pub(crate) fn framing(
    headers: &[Header],
    is_request: bool,
    diags: &mut Vec<String>,
) -> Option<Framing> {
    let mut has_te = false;
    let mut has_cl = false;
    for h in headers {
        has_te |= h.name.eq_ignore_ascii_case("transfer-encoding");
        has_cl |= h.name.eq_ignore_ascii_case("content-length");
    }
    if has_te {
        let te = joined(headers, "transfer-encoding").unwrap_or_default();
        if has_cl {
            diags.push(
                "both Transfer-Encoding and Content-Length: Transfer-Encoding wins (possible request smuggling)"
                    .to_owned(),
            );
        }
        let last = te.rsplit(',').next().unwrap_or("").trim();
        if last.eq_ignore_ascii_case("chunked") {
            return Some(Framing::Chunked(ChunkPhase::Size));
        }
        diags.push(format!(
            "Transfer-Encoding {te:?} does not end in chunked: body read until the connection closes"
        ));
        return Some(Framing::Close);
    }
    if has_cl {
        return match content_length(headers) {
            Ok(0) => None,
            Ok(n) => Some(Framing::Length(n)),
            Err(why) => {
                diags.push(format!(
                    "{why}: framing lost, body read until the connection closes"
                ));
                Some(Framing::Close)
            }
        };
    }
    if is_request {
        None
    } else {
        Some(Framing::Close)
    }
}

/// The Content-Length, accepting repeated identical values (RFC 9112 §6.3 item 5).
fn content_length(headers: &[Header]) -> Result<u64, String> {
    let mut value: Option<u64> = None;
    // Fast path: one plain value.
    let mut cls = headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("content-length"));
    if let (Some(h), None) = (cls.next(), cls.next())
        && !h.value.is_empty()
        && h.value.len() < 20
        && h.value.bytes().all(|b| b.is_ascii_digit())
    {
        return h
            .value
            .parse()
            .map_err(|_| format!("invalid Content-Length {:?}", h.value));
    }
    for h in headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("content-length"))
    {
        for part in h.value.split(',') {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("invalid Content-Length {:?}", h.value));
            }
            let n: u64 = part
                .parse()
                .map_err(|_| format!("Content-Length {part} too large"))?;
            match value {
                Some(v) if v != n => {
                    return Err(format!("conflicting Content-Length values {v} and {n}"));
                }
                _ => value = Some(n),
            }
        }
    }
    value.ok_or_else(|| "empty Content-Length".to_owned())
}

/// Undoes Content-Encoding on a received body and builds its [`Content`]
/// (the shared [`content::body_content`]).
pub(crate) fn body_content(
    headers: &[Header],
    body: BodyReader,
    cap: usize,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> BodyContent {
    let encoding = joined(headers, "content-encoding");
    let raw = content::RawBody {
        mime: first(headers, "content-type").unwrap_or("").to_owned(),
        encoding: encoding.as_deref(),
        truncated: body.truncated || body.gap,
        capped: body.capped,
        kept: body.kept,
        size: body.size,
    };
    content::body_content(raw, cap, what, diags)
}

/// The request's `postData`, with form fields parsed.
pub(crate) fn post_data(headers: &[Header], body: BodyContent) -> PostData {
    let mime = body.content.mime_type.clone();
    let mut pd = PostData::from(body.content);
    let essence = mime.split(';').next().unwrap_or("").trim();
    let bytes: &[u8] = if body.decoded.is_empty() && pd.encoding.is_none() {
        pd.text.as_bytes()
    } else {
        &body.decoded
    };
    if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        pd.params = content::parse_urlencoded(bytes);
    } else if essence.eq_ignore_ascii_case("multipart/form-data") {
        let ct = first(headers, "content-type").unwrap_or("");
        pd.params = content::parse_multipart(ct, bytes);
    }
    pd
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(target: &str, headers: &[(&str, &str)]) -> RequestHead {
        RequestHead {
            method: "GET".into(),
            target: target.into(),
            minor: 1,
            headers: headers.iter().map(|(n, v)| Header::new(*n, *v)).collect(),
            oddities: Vec::new(),
        }
    }

    fn server() -> SocketAddr {
        SocketAddr::from(([10, 0, 0, 2], 8080))
    }

    #[test]
    fn urls_for_each_target_form() {
        let r = build_request(
            head("/a%20b/c?x=1#frag", &[("Host", "api.test")]),
            server(),
            10,
        );
        assert_eq!(r.url, "http://api.test/a%20b/c?x=1#frag");
        assert_eq!(r.path, "/a b/c");
        assert_eq!(r.path_segments, vec!["a b", "c"]);
        assert_eq!(r.query_string, vec![Header::new("x", "1")]);
        let r = build_request(head("http://proxy.test:81/p?q", &[]), server(), 10);
        assert_eq!(r.url, "http://proxy.test:81/p?q");
        assert_eq!(r.path, "/p");
        let r = build_request(head("/", &[]), server(), 10);
        assert_eq!(r.url, "http://10.0.0.2:8080/");
        let r = build_request(head("/", &[]), SocketAddr::from(([10, 0, 0, 2], 80)), 10);
        assert_eq!(r.url, "http://10.0.0.2/");
        let r = build_request(head("example.com:443", &[]), server(), 10);
        assert_eq!(r.url, "example.com:443");
        assert_eq!(r.path, "example.com:443");
        assert_eq!(r.target_uri, "example.com:443");
        assert!(r.path_segments.is_empty());
    }

    #[test]
    fn content_length_rules() {
        let h = |v: &[&str]| -> Vec<Header> {
            v.iter()
                .map(|v| Header::new("Content-Length", *v))
                .collect()
        };
        assert_eq!(content_length(&h(&["42"])), Ok(42));
        assert_eq!(content_length(&h(&["42, 42", "42"])), Ok(42));
        assert!(content_length(&h(&["42", "43"])).is_err());
        assert!(content_length(&h(&["-1"])).is_err());
        assert!(content_length(&h(&["99999999999999999999999"])).is_err());
        let mut d = Vec::new();
        assert_eq!(framing(&h(&["x"]), true, &mut d), Some(Framing::Close));
        assert_eq!(d.len(), 1);
        let te = vec![
            Header::new("Transfer-Encoding", "gzip, chunked"),
            Header::new("Content-Length", "5"),
        ];
        let mut d = Vec::new();
        assert_eq!(
            framing(&te, false, &mut d),
            Some(Framing::Chunked(ChunkPhase::Size))
        );
        assert_eq!(d.len(), 1);
        assert_eq!(framing(&[], true, &mut d), None);
        assert_eq!(framing(&[], false, &mut d), Some(Framing::Close));
    }
}
