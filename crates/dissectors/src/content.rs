//! Message-body helpers shared by the HTTP dissectors (HTTP/1.x and HTTP/2).
//!
//! * **Bodies** ([`body_content`]): the one decoder both HTTP versions use to turn a
//!   received body into its entry [`Content`](mizu_model::Content) (content decoding,
//!   text or base64, the caps), with typed diagnostics worded `request body: …` /
//!   `response body: …`.
//! * **Content-Encoding** ([RFC 9110 §8.4](https://www.rfc-editor.org/rfc/rfc9110#section-8.4)):
//!   [`decode_body`] undoes `gzip`/`x-gzip` (multi-member streams too), `deflate` (both the
//!   zlib-wrapped form the RFC names and the raw deflate stream some servers send, which
//!   browsers accept), `br` ([RFC 7932](https://www.rfc-editor.org/rfc/rfc7932)), `zstd`
//!   ([RFC 8878](https://www.rfc-editor.org/rfc/rfc8878), window capped at 8 MiB as RFC 9659
//!   allows) and `identity`, including stacked codings (`gzip, br` is decoded `br` first).
//!   Output is capped: decoding stops at the cap (a decompression bomb costs at most the cap
//!   in memory), the result is marked truncated and a diagnostic says so. An unknown coding or
//!   a corrupt stream keeps the raw bytes (which [`mizu_model::Content::from_bytes`] base64s
//!   when they are not text) with a diagnostic.
//! * **Forms**: `application/x-www-form-urlencoded` ([WHATWG URL §5](https://url.spec.whatwg.org/#application/x-www-form-urlencoded))
//!   via [`parse_urlencoded`], `multipart/form-data` ([RFC 7578](https://www.rfc-editor.org/rfc/rfc7578))
//!   via [`parse_multipart`].
//! * **Query strings** ([`parse_query`]): `&`-separated, `+` is a space, percent-decoding is
//!   lenient (an invalid escape is kept literally, invalid UTF-8 becomes U+FFFD).
//! * **Cookies** ([RFC 6265](https://www.rfc-editor.org/rfc/rfc6265)): request `Cookie`
//!   headers ([`parse_cookie_header`]) and response `Set-Cookie` ([`parse_set_cookie`]).
//!
//! Known limitations: a compressed body longer than the body cap is decoded from its first
//! `max_body` bytes only (the decoded text is then marked truncated), and a capped decode
//! reports the decoded size reached at the cap, not the full size. Only the first zstd frame
//! of a body is decoded.

use std::io::Read;

use mizu_dissect::{DiagKind, Diagnostic};
use mizu_model::{Content, FormParam, Header};

/// The result of undoing a body's Content-Encoding.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Decoded {
    /// Decoded bytes, at most the cap (or the raw bytes when decoding was not possible).
    pub bytes: Vec<u8>,
    /// `bytes` is less than the whole decoded body.
    pub truncated: bool,
    /// The codings that were undone, as a normalised list (`gzip`, `gzip, br`), if any.
    pub compression: Option<String>,
    /// Problems: unknown coding (`unsupported`), corrupt stream (`decompress`), output cap
    /// reached (`limit`).
    pub diagnostics: Vec<Diagnostic>,
}

/// A recognised content coding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Coding {
    Gzip,
    Deflate,
    Brotli,
    Zstd,
}

impl Coding {
    fn parse(token: &str) -> Option<Option<Coding>> {
        let t = token.trim();
        Some(Some(
            if t.eq_ignore_ascii_case("gzip") || t.eq_ignore_ascii_case("x-gzip") {
                Coding::Gzip
            } else if t.eq_ignore_ascii_case("deflate") {
                Coding::Deflate
            } else if t.eq_ignore_ascii_case("br") {
                Coding::Brotli
            } else if t.eq_ignore_ascii_case("zstd") {
                Coding::Zstd
            } else if t.eq_ignore_ascii_case("identity") || t.is_empty() {
                return Some(None);
            } else {
                return None;
            },
        ))
    }

    fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
        }
    }
}

/// Largest zstd window accepted (RFC 9659 §3: HTTP decoders may refuse windows over 8 MiB).
const ZSTD_MAX_WINDOW: u64 = 8 << 20;

/// Undoes the `Content-Encoding` list `encodings` (as on the wire, e.g. `"gzip, br"`) on
/// `raw`, keeping at most `cap` decoded bytes. `raw_truncated`: `raw` is only the start of
/// the body (body cap or capture gap), so an unexpected end of stream is not corruption.
pub fn decode_body(encodings: &str, raw: Vec<u8>, raw_truncated: bool, cap: usize) -> Decoded {
    let mut codings = Vec::new();
    for token in encodings.split(',') {
        match Coding::parse(token) {
            Some(Some(c)) => codings.push(c),
            Some(None) => {}
            None => {
                return Decoded {
                    truncated: raw_truncated,
                    diagnostics: vec![Diagnostic::new(
                        DiagKind::Unsupported,
                        format!(
                            "unsupported Content-Encoding {:?}: body kept as sent",
                            token.trim()
                        ),
                    )],
                    bytes: raw,
                    compression: None,
                };
            }
        }
    }
    if codings.is_empty() {
        return Decoded {
            bytes: raw,
            truncated: raw_truncated,
            compression: None,
            diagnostics: Vec::new(),
        };
    }
    let compression = codings
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(", ");
    // Codings are listed in the order they were applied: undo them from the last.
    let mut current: Option<Vec<u8>> = None;
    let mut truncated = raw_truncated;
    let mut capped_any = false;
    for &coding in codings.iter().rev() {
        let input = current.as_deref().unwrap_or(&raw);
        match decode_one(coding, input, cap) {
            Ok((bytes, capped)) => {
                truncated |= capped;
                capped_any |= capped;
                current = Some(bytes);
            }
            // The input was cut (body cap, gap, or an earlier stage's output cap): a stream
            // ending early is expected, keep what came out.
            Err(DecodeError::Eof(partial)) if truncated => current = Some(partial),
            Err(DecodeError::Corrupt(partial, _)) if capped_any => current = Some(partial),
            Err(e) => {
                return Decoded {
                    bytes: raw,
                    truncated: raw_truncated,
                    compression: None,
                    diagnostics: vec![Diagnostic::new(
                        DiagKind::Decompress,
                        format!(
                            "corrupt {} body ({}): kept as sent",
                            coding.name(),
                            e.describe()
                        ),
                    )],
                };
            }
        }
    }
    let mut diagnostics = Vec::new();
    if capped_any {
        diagnostics.push(Diagnostic::new(
            DiagKind::Limit,
            format!("decoded body exceeds the {cap} byte cap: cut (possible decompression bomb)"),
        ));
    }
    Decoded {
        bytes: current.unwrap_or(raw),
        truncated,
        compression: Some(compression),
        diagnostics,
    }
}

/// A received HTTP body before decoding, as the session collected it.
#[derive(Debug, Default)]
pub struct RawBody<'h> {
    /// The `Content-Type`, or empty.
    pub mime: String,
    /// The `Content-Encoding` list as sent, if any.
    pub encoding: Option<&'h str>,
    /// The bytes kept (at most the body cap).
    pub kept: Vec<u8>,
    /// The body's wire size (may exceed `kept`).
    pub size: u64,
    /// `kept` is only the start of the body (cut by the cap, a gap or the end).
    pub truncated: bool,
    /// The body cap cut it.
    pub capped: bool,
}

/// A decoded body and its entry [`Content`].
#[derive(Debug)]
pub struct BodyContent {
    pub content: Content,
    /// The decoded bytes when they are not text (text is in `content.text`).
    pub decoded: Vec<u8>,
    /// Cut by the body cap or the decompression cap (the entry's `truncated`; a gap alone
    /// only makes it `gap`, docs/entry.md).
    pub capped: bool,
}

/// Undoes the Content-Encoding of a received request or response body (`what`:
/// `request` or `response`, which prefixes the diagnostics pushed to `diags`) and
/// builds its [`Content`]. HTTP/1 and HTTP/2 both use it.
pub fn body_content(
    raw: RawBody<'_>,
    cap: usize,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> BodyContent {
    let RawBody {
        mime,
        encoding,
        kept,
        size,
        truncated: raw_truncated,
        mut capped,
    } = raw;
    let (bytes, truncated, compression, size) = match encoding {
        Some(enc) if !kept.is_empty() => {
            let d = decode_body(enc, kept, raw_truncated, cap);
            diags.extend(
                d.diagnostics
                    .into_iter()
                    .map(|x| Diagnostic::new(x.kind, format!("{what} body: {}", x.message))),
            );
            capped |= d.truncated && !raw_truncated;
            let size = if d.compression.is_some() {
                d.bytes.len() as u64
            } else {
                size
            };
            (d.bytes, d.truncated, d.compression, size)
        }
        _ => (kept, raw_truncated, None, size),
    };
    let (mut content, decoded) = match String::from_utf8(bytes) {
        // Text: moved into the content without a copy.
        Ok(text) => (
            Content {
                mime_type: mime,
                encoding: None,
                text,
                size,
                compression: None,
                truncated,
            },
            Vec::new(),
        ),
        Err(e) => {
            let bytes = e.into_bytes();
            (Content::from_bytes(mime, &bytes, size, truncated), bytes)
        }
    };
    content.compression = compression;
    BodyContent {
        content,
        decoded,
        capped,
    }
}

#[derive(Debug)]
enum DecodeError {
    /// The stream ended early; what was decoded before.
    Eof(Vec<u8>),
    /// Invalid data; what was decoded before, and why.
    Corrupt(Vec<u8>, String),
}

impl DecodeError {
    fn describe(&self) -> String {
        match self {
            DecodeError::Eof(_) => "unexpected end of stream".to_owned(),
            DecodeError::Corrupt(_, why) => why.clone(),
        }
    }
}

/// Decodes one coding; `Ok((bytes, capped))`.
fn decode_one(coding: Coding, input: &[u8], cap: usize) -> Result<(Vec<u8>, bool), DecodeError> {
    match coding {
        Coding::Gzip => read_capped(flate2::read::MultiGzDecoder::new(input), cap),
        Coding::Deflate => {
            if looks_like_zlib(input) {
                read_capped(flate2::read::ZlibDecoder::new(input), cap)
            } else {
                read_capped(flate2::read::DeflateDecoder::new(input), cap)
            }
        }
        Coding::Brotli => read_capped(brotli_decompressor::Decompressor::new(input, 8192), cap),
        Coding::Zstd => {
            let decoder = ruzstd::decoding::StreamingDecoder::new_with_max_window_size(
                input,
                ZSTD_MAX_WINDOW,
            );
            match decoder {
                Ok(d) => read_capped(d, cap),
                Err(e) => {
                    let msg = e.to_string();
                    if input.len() < 18 && msg.to_ascii_lowercase().contains("eof")
                        || input.is_empty()
                    {
                        Err(DecodeError::Eof(Vec::new()))
                    } else {
                        Err(DecodeError::Corrupt(Vec::new(), msg))
                    }
                }
            }
        }
    }
}

/// A zlib header (RFC 1950): CM = 8, CINFO ≤ 7, and the header checksum.
fn looks_like_zlib(input: &[u8]) -> bool {
    match input {
        [cmf, flg, ..] => {
            cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

/// Reads `r` to the end, keeping at most `cap` bytes and never allocating beyond that.
fn read_capped<R: Read>(mut r: R, cap: usize) -> Result<(Vec<u8>, bool), DecodeError> {
    let mut out: Vec<u8> = Vec::new();
    let mut buf = [0u8; 16 << 10];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok((out, false)),
            Ok(n) => {
                let got = buf.get(..n).unwrap_or(&[]);
                if push_capped(&mut out, got, cap) {
                    return Ok((out, true));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(DecodeError::Eof(out));
            }
            Err(e) => {
                let msg = e.to_string();
                // Some decoders report a cut stream as a generic error.
                if msg.to_ascii_lowercase().contains("eof")
                    || msg.to_ascii_lowercase().contains("unexpected end")
                {
                    return Err(DecodeError::Eof(out));
                }
                return Err(DecodeError::Corrupt(out, msg));
            }
        }
    }
}

/// Appends `data` to `out` up to `cap` bytes in total, growing the allocation geometrically
/// but never past `cap`. Returns true when something was cut.
pub fn push_capped(out: &mut Vec<u8>, data: &[u8], cap: usize) -> bool {
    let room = cap.saturating_sub(out.len());
    let take = room.min(data.len());
    if take > 0 {
        let need = out.len() + take;
        if need > out.capacity() {
            let target = need
                .max(out.capacity().saturating_mul(2))
                .min(cap)
                .max(need);
            out.reserve_exact(target - out.len());
        }
        out.extend_from_slice(data.get(..take).unwrap_or(&[]));
    }
    take < data.len()
}

/// Percent-decodes `s` leniently (invalid escapes kept literally; `+` is a space when
/// `plus_is_space`), replacing invalid UTF-8 with U+FFFD.
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    if !(s.contains('%') || plus_is_space && s.contains('+')) {
        return s.to_owned();
    }
    if plus_is_space && s.contains('+') {
        let replaced = s.replace('+', " ");
        return percent_encoding::percent_decode_str(&replaced)
            .decode_utf8_lossy()
            .into_owned();
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Parses a query string (without the `?`): `a=1&b=x+y&a=%41` → `a=1`, `b=x y`, `a=A`.
/// Empty pieces are skipped; a piece without `=` is a name with an empty value.
pub fn parse_query(q: &str) -> Vec<Header> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            Header::new(percent_decode(n, true), percent_decode(v, true))
        })
        .collect()
}

/// Parses an `application/x-www-form-urlencoded` body into form params.
pub fn parse_urlencoded(body: &[u8]) -> Vec<FormParam> {
    let text = String::from_utf8_lossy(body);
    parse_query(text.trim_end_matches(['\r', '\n']))
        .into_iter()
        .map(|h| FormParam {
            name: h.name,
            value: h.value,
            file_name: None,
            content_type: None,
        })
        .collect()
}

/// Parses a request `Cookie` header value: `a=1; b=2`.
pub fn parse_cookie_header(value: &str) -> Vec<Header> {
    value
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            Header::new(n.trim(), v.trim().trim_matches('"'))
        })
        .collect()
}

/// Parses a `Set-Cookie` header value into its name and value (attributes dropped).
pub fn parse_set_cookie(value: &str) -> Option<Header> {
    let first = value.split(';').next().unwrap_or("").trim();
    let (n, v) = first.split_once('=')?;
    let n = n.trim();
    if n.is_empty() {
        return None;
    }
    Some(Header::new(n, v.trim().trim_matches('"')))
}

/// Finds parameter `name` (case-insensitive) in a header value like
/// `multipart/form-data; boundary="abc"` or `form-data; name="f"; filename="a.txt"`.
pub fn header_param(value: &str, name: &str) -> Option<String> {
    let mut rest = value.split_once(';')?.1;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ';']);
        if rest.is_empty() {
            return None;
        }
        let eq = rest.find(['=', ';'])?;
        let key = rest.get(..eq)?.trim();
        if rest.as_bytes().get(eq) == Some(&b';') {
            rest = rest.get(eq..)?;
            continue;
        }
        let after = rest.get(eq + 1..)?.trim_start();
        let (val, next) = if let Some(quoted) = after.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, e)) = chars.next() {
                            out.push(e);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => out.push(c),
                }
            }
            (out, quoted.get(end..).unwrap_or(""))
        } else {
            let stop = after.find(';').unwrap_or(after.len());
            (
                after.get(..stop).unwrap_or("").trim().to_owned(),
                after.get(stop..).unwrap_or(""),
            )
        };
        if key.eq_ignore_ascii_case(name) {
            return Some(val);
        }
        rest = next;
    }
}

/// Parses a `multipart/form-data` body. `content_type` is the request's Content-Type
/// (which carries the boundary). Each part's `Content-Disposition` gives the name and
/// file name; its value is the part's text, or `(N bytes binary)` when it is not UTF-8.
/// A part cut by the body cap is included with what arrived.
pub fn parse_multipart(content_type: &str, body: &[u8]) -> Vec<FormParam> {
    let Some(boundary) = header_param(content_type, "boundary") else {
        return Vec::new();
    };
    if boundary.is_empty() {
        return Vec::new();
    }
    let delim = format!("--{boundary}");
    let delim = delim.as_bytes();
    let mut params = Vec::new();
    // Find the first delimiter (a preamble may precede it).
    let Some(mut pos) = find(body, delim, 0) else {
        return params;
    };
    loop {
        let mut p = pos + delim.len();
        if body.get(p..p + 2) == Some(b"--") {
            break; // closing delimiter
        }
        // Skip transport padding and the line break after the delimiter.
        while matches!(body.get(p), Some(b' ' | b'\t')) {
            p += 1;
        }
        if body.get(p..p + 2) == Some(b"\r\n") {
            p += 2;
        } else if body.get(p) == Some(&b'\n') {
            p += 1;
        } else {
            break;
        }
        let Some(rest) = body.get(p..) else { break };
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let Ok(httparse::Status::Complete((hlen, hs))) =
            httparse::parse_headers(rest, &mut headers)
        else {
            break;
        };
        let mut param = FormParam::default();
        for h in hs.iter() {
            let v = String::from_utf8_lossy(h.value);
            if h.name.eq_ignore_ascii_case("content-disposition") {
                param.name = header_param(&v, "name").unwrap_or_default();
                param.file_name = header_param(&v, "filename");
            } else if h.name.eq_ignore_ascii_case("content-type") {
                param.content_type = Some(v.into_owned());
            }
        }
        let start = p + hlen;
        let next = find(body, delim, start);
        let end = match next {
            Some(n) => {
                // The line break before the delimiter belongs to the delimiter.
                let mut e = n;
                if e >= start + 2 && body.get(e - 2..e) == Some(b"\r\n") {
                    e -= 2;
                } else if e > start && body.get(e - 1) == Some(&b'\n') {
                    e -= 1;
                }
                e
            }
            None => body.len(),
        };
        let value = body.get(start..end).unwrap_or(&[]);
        param.value = match std::str::from_utf8(value) {
            Ok(s) => s.to_owned(),
            Err(_) => format!("({} bytes binary)", value.len()),
        };
        params.push(param);
        match next {
            Some(n) => pos = n,
            None => break,
        }
    }
    params
}

/// Position of `needle` in `hay` at or after `from`.
fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    let first = needle[0];
    let mut i = from;
    while i + needle.len() <= hay.len() {
        let rel = hay.get(i..)?.iter().position(|&b| b == first)?;
        i += rel;
        if hay.get(i..i + needle.len()) == Some(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("write");
        e.finish().expect("finish")
    }

    #[test]
    fn gzip_round_trip_and_stacked_identity() {
        let d = decode_body("gzip", gzip(b"hello"), false, 1024);
        assert_eq!(d.bytes, b"hello");
        assert_eq!(d.compression.as_deref(), Some("gzip"));
        assert!(!d.truncated);
        let d = decode_body("identity, x-gzip", gzip(b"hi"), false, 1024);
        assert_eq!(d.bytes, b"hi");
        assert_eq!(d.compression.as_deref(), Some("gzip"));
    }

    #[test]
    fn stacked_gzip_then_deflate_decodes_in_reverse() {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&gzip(b"layered")).expect("write");
        let both = z.finish().expect("finish");
        let d = decode_body("gzip, deflate", both, false, 1024);
        assert_eq!(d.bytes, b"layered");
        assert_eq!(d.compression.as_deref(), Some("gzip, deflate"));
    }

    #[test]
    fn unknown_and_corrupt_keep_raw() {
        let d = decode_body("compress", b"abc".to_vec(), false, 1024);
        assert_eq!(d.bytes, b"abc");
        assert_eq!(d.compression, None);
        assert_eq!(d.diagnostics.len(), 1);
        assert_eq!(d.diagnostics[0].kind, DiagKind::Unsupported);
        let d = decode_body("gzip", b"not gzip at all".to_vec(), false, 1024);
        assert_eq!(d.bytes, b"not gzip at all");
        assert_eq!(d.diagnostics[0].kind, DiagKind::Decompress);
        assert!(
            d.diagnostics[0].message.contains("corrupt gzip"),
            "{:?}",
            d.diagnostics
        );
    }

    #[test]
    fn cut_stream_is_truncated_not_corrupt() {
        let big: Vec<u8> = (0..20_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let z = gzip(&big);
        let half = z[..z.len() / 2].to_vec();
        let d = decode_body("gzip", half, true, 1 << 20);
        assert!(d.truncated);
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        assert!(!d.bytes.is_empty());
        assert_eq!(&d.bytes[..], &big[..d.bytes.len()]);
    }

    #[test]
    fn output_cap_never_grows_past_cap() {
        let z = gzip(&vec![0u8; 300_000]);
        let d = decode_body("gzip", z, false, 100_000);
        assert_eq!(d.bytes.len(), 100_000);
        assert!(d.bytes.capacity() <= 100_000);
        assert!(d.truncated);
        assert_eq!(d.diagnostics.len(), 1);
    }

    #[test]
    fn query_and_forms() {
        let q = parse_query("a=1&b=x+y&a=%41%zz&&flag");
        assert_eq!(
            q,
            vec![
                Header::new("a", "1"),
                Header::new("b", "x y"),
                Header::new("a", "A%zz"),
                Header::new("flag", ""),
            ]
        );
        let f = parse_urlencoded(b"name=J%C3%BCrgen+X&e=");
        assert_eq!(f[0].value, "Jürgen X");
        assert_eq!(f[1].name, "e");
    }

    #[test]
    fn cookies() {
        assert_eq!(
            parse_cookie_header("a=1; b=\"2\";c"),
            vec![
                Header::new("a", "1"),
                Header::new("b", "2"),
                Header::new("c", "")
            ]
        );
        assert_eq!(
            parse_set_cookie("sid=xyz; Path=/; HttpOnly"),
            Some(Header::new("sid", "xyz"))
        );
        assert_eq!(parse_set_cookie("garbage"), None);
    }

    #[test]
    fn header_params() {
        let ct = "multipart/form-data; charset=utf-8; boundary=\"a\\\"b\"";
        assert_eq!(header_param(ct, "boundary").as_deref(), Some("a\"b"));
        assert_eq!(
            header_param("form-data; name=f; filename=\"x;y.txt\"", "filename").as_deref(),
            Some("x;y.txt")
        );
        assert_eq!(header_param("text/plain", "charset"), None);
    }

    #[test]
    fn multipart_parts() {
        let body = b"preamble\r\n--XX\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\xff\x00\x01\r\n--XX--\r\n";
        let p = parse_multipart("multipart/form-data; boundary=XX", body);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].name, "title");
        assert_eq!(p[0].value, "hello");
        assert_eq!(p[1].file_name.as_deref(), Some("a.bin"));
        assert_eq!(
            p[1].content_type.as_deref(),
            Some("application/octet-stream")
        );
        assert_eq!(p[1].value, "(3 bytes binary)");
        assert!(parse_multipart("multipart/form-data", body).is_empty());
    }

    #[test]
    fn percent_decoding_is_lenient() {
        assert_eq!(
            percent_decode("/a%20b/%E2%82%AC/%G1/%", false),
            "/a b/€/%G1/%"
        );
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("a+b", true), "a b");
    }
}
