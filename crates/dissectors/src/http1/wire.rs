//! HTTP/1.x wire views: message-start recognition (used by the probe and by
//! resynchronisation) and head parsing with `httparse` into owned parts.
//!
//! Heads are parsed leniently, as browsers and Wireshark do: bare-LF line ends, several
//! spaces between request-line / status-line parts, obsolete line folding in responses
//! (folded into one space), and invalid header lines skipped. Header names keep their
//! case and order; values that are not UTF-8 are converted lossily.

use std::mem::MaybeUninit;

use mizu_dissect::Probe;
use mizu_model::Header;

/// Request methods recognised at a message start: RFC 9110 plus PATCH (RFC 5789), WebDAV
/// (RFC 4918, 3253, 3648, 3744, 4437, 4791, 5323, 5842), QUERY, PURGE, and the UPnP/SSDP ones.
/// `PRI` is deliberately absent: `PRI * HTTP/2.0` is the HTTP/2 preface.
pub(crate) const METHODS: &[&[u8]] = &[
    b"GET",
    b"HEAD",
    b"POST",
    b"PUT",
    b"DELETE",
    b"CONNECT",
    b"OPTIONS",
    b"TRACE",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"PURGE",
    b"SEARCH",
    b"REPORT",
    b"MKCALENDAR",
    b"MKACTIVITY",
    b"MKWORKSPACE",
    b"CHECKIN",
    b"CHECKOUT",
    b"UNCHECKOUT",
    b"MERGE",
    b"LABEL",
    b"UPDATE",
    b"VERSION-CONTROL",
    b"BASELINE-CONTROL",
    b"ORDERPATCH",
    b"ACL",
    b"BIND",
    b"UNBIND",
    b"REBIND",
    b"LINK",
    b"UNLINK",
    b"QUERY",
    b"NOTIFY",
    b"SUBSCRIBE",
    b"UNSUBSCRIBE",
    b"M-SEARCH",
];

/// Does `data` start with a known method followed by a space?
pub(crate) fn request_start(data: &[u8]) -> Probe {
    match data.first() {
        None => return Probe::NeedMore,
        Some(b) if !b.is_ascii_uppercase() => return Probe::NoMatch,
        Some(_) => {}
    }
    let mut need_more = false;
    for m in METHODS {
        if data.len() > m.len() {
            if data.starts_with(m) && data[m.len()] == b' ' {
                return Probe::Match { from_client: true };
            }
        } else if m.starts_with(data) {
            need_more = true;
        }
    }
    if need_more {
        Probe::NeedMore
    } else {
        Probe::NoMatch
    }
}

/// Does `data` start with `HTTP/1.<digit> <3 digits>`?
pub(crate) fn response_start(data: &[u8]) -> Probe {
    const PREFIX: &[u8] = b"HTTP/1.";
    let n = data.len().min(PREFIX.len());
    if data[..n] != PREFIX[..n] {
        return Probe::NoMatch;
    }
    for i in PREFIX.len()..12 {
        let Some(&b) = data.get(i) else {
            return Probe::NeedMore;
        };
        let ok = match i {
            8 => b == b' ',
            _ => b.is_ascii_digit(),
        };
        if !ok {
            return Probe::NoMatch;
        }
    }
    Probe::Match { from_client: false }
}

/// First position `p` where `start(&data[p..])` matches or might match with more bytes:
/// `(p, true)` for a match, `(p, false)` for a possible prefix at the end, `(len, false)`
/// when nothing can start here.
pub(crate) fn find_start(data: &[u8], start: fn(&[u8]) -> Probe) -> (usize, bool) {
    for p in 0..data.len() {
        match start(&data[p..]) {
            Probe::Match { .. } => return (p, true),
            Probe::NeedMore => return (p, false),
            Probe::NoMatch => {}
        }
    }
    (data.len(), false)
}

/// Can `data` (no line end yet, maybe) still become a request head? Leading empty lines are
/// allowed (RFC 9112 §2.2); then a token and a space.
pub(crate) fn request_plausible(data: &[u8]) -> bool {
    let data = trim_leading_newlines(data);
    for (n, &b) in data.iter().enumerate() {
        if b == b' ' {
            return n > 0;
        }
        if !is_tchar(b) || n >= 32 {
            return false;
        }
    }
    true
}

/// Can `data` still become a response head?
pub(crate) fn response_plausible(data: &[u8]) -> bool {
    let data = trim_leading_newlines(data);
    let n = data.len().min(5);
    data[..n] == b"HTTP/"[..n]
}

fn trim_leading_newlines(mut data: &[u8]) -> &[u8] {
    while let [b'\r' | b'\n', rest @ ..] = data {
        data = rest;
    }
    data
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A parsed request head, owned.
#[derive(Debug)]
pub(crate) struct RequestHead {
    pub method: String,
    pub target: String,
    pub minor: u8,
    pub headers: Vec<Header>,
    /// What the strict parser refused and the lenient one accepted (for diagnostics).
    pub oddities: Vec<String>,
}

/// A parsed response head, owned.
#[derive(Debug)]
pub(crate) struct ResponseHead {
    pub code: u16,
    pub reason: String,
    pub minor: u8,
    pub headers: Vec<Header>,
    /// What the strict parser refused and the lenient one accepted (for diagnostics).
    pub oddities: Vec<String>,
}

/// Outcome of a head parse.
#[derive(Debug)]
pub(crate) enum Parsed<T> {
    /// The head is not complete yet.
    Partial,
    /// Not a valid head.
    Invalid(&'static str),
    /// A head of this many bytes.
    Complete(usize, T),
}

const STACK_HEADERS: usize = 64;

fn config() -> httparse::ParserConfig {
    let mut c = httparse::ParserConfig::default();
    c.allow_multiple_spaces_in_request_line_delimiters(true)
        .allow_multiple_spaces_in_response_status_delimiters(true)
        .allow_obsolete_multiline_headers_in_responses(true)
        .allow_spaces_after_header_name_in_responses(true)
        .ignore_invalid_headers_in_requests(true)
        .ignore_invalid_headers_in_responses(true);
    c
}

/// Header slots for a retry after `TooManyHeaders`: one per line of the head, counting only
/// within `max_head` bytes (a longer head is refused anyway).
fn header_slots(data: &[u8], max_head: usize) -> usize {
    let window = &data[..data.len().min(max_head.saturating_add(4))];
    window.iter().filter(|&&b| b == b'\n').count() + 1
}

fn own_headers(hs: &[httparse::Header<'_>]) -> Vec<Header> {
    hs.iter()
        .map(|h| Header {
            name: h.name.to_owned(),
            value: header_value(h.value),
        })
        .collect()
}

/// A header value as text; obsolete line folding becomes one space.
fn header_value(v: &[u8]) -> String {
    // The common case: no folding (byte searches, memchr), valid UTF-8.
    if !v.contains(&b'\r')
        && !v.contains(&b'\n')
        && let Ok(s) = std::str::from_utf8(v)
    {
        return s.to_owned();
    }
    let s = String::from_utf8_lossy(v);
    if !s.contains(['\r', '\n']) {
        return s.into_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut in_fold = false;
    for c in s.chars() {
        match c {
            '\r' | '\n' => in_fold = true,
            ' ' | '\t' if in_fold => {}
            c => {
                if in_fold {
                    out.push(' ');
                    in_fold = false;
                }
                out.push(c);
            }
        }
    }
    out
}

/// Parses a request head at the start of `data`.
pub(crate) fn parse_request(data: &[u8], max_head: usize) -> Parsed<RequestHead> {
    let cfg = config();
    let mut slots = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; STACK_HEADERS];
    let mut req = httparse::Request::new(&mut []);
    match cfg.parse_request_with_uninit_headers(&mut req, data, &mut slots) {
        Ok(httparse::Status::Complete(n)) => Parsed::Complete(n, own_request(&req)),
        Ok(httparse::Status::Partial) => Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => {
            let mut many = vec![httparse::EMPTY_HEADER; header_slots(data, max_head)];
            let mut req = httparse::Request::new(&mut many);
            match cfg.parse_request(&mut req, data) {
                Ok(httparse::Status::Complete(n)) => Parsed::Complete(n, own_request(&req)),
                Ok(httparse::Status::Partial) => Parsed::Partial,
                Err(e) => lenient_request(data, describe(e)),
            }
        }
        Err(e) => lenient_request(data, describe(e)),
    }
}

fn own_request(req: &httparse::Request<'_, '_>) -> RequestHead {
    RequestHead {
        method: req.method.unwrap_or_default().to_owned(),
        target: req.path.unwrap_or_default().to_owned(),
        minor: req.version.unwrap_or(1),
        headers: own_headers(req.headers),
        oddities: Vec::new(),
    }
}

/// Parses a response head at the start of `data`.
pub(crate) fn parse_response(data: &[u8], max_head: usize) -> Parsed<ResponseHead> {
    let cfg = config();
    let mut slots = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; STACK_HEADERS];
    let mut resp = httparse::Response::new(&mut []);
    match cfg.parse_response_with_uninit_headers(&mut resp, data, &mut slots) {
        Ok(httparse::Status::Complete(n)) => Parsed::Complete(n, own_response(&resp)),
        Ok(httparse::Status::Partial) => Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => {
            let mut many = vec![httparse::EMPTY_HEADER; header_slots(data, max_head)];
            let mut resp = httparse::Response::new(&mut many);
            match cfg.parse_response(&mut resp, data) {
                Ok(httparse::Status::Complete(n)) => Parsed::Complete(n, own_response(&resp)),
                Ok(httparse::Status::Partial) => Parsed::Partial,
                Err(e) => lenient_response(data, describe(e)),
            }
        }
        Err(e) => lenient_response(data, describe(e)),
    }
}

// ----- lenient fallback -------------------------------------------------------------------
//
// Servers users run accept heads `httparse` refuses: a NUL or other control byte in a header
// value, a tab or a stray control byte inside the request target, a header line without a
// colon. Wireshark shows such messages, and so do we: when the strict parse fails, the head
// is parsed again line by line, the message is kept and each oddity becomes a diagnostic.
// The start line must still be well formed (a known method and `HTTP/1.x`, or `HTTP/1.x`
// and a 3-digit status), so garbage is never taken for a message.

/// The end of the head (after its empty line) if present: `Some(len)`.
fn head_len(data: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(p) = data
        .get(i..)
        .and_then(|d| d.iter().position(|&b| b == b'\n'))
    {
        let at = i + p;
        match data.get(at + 1) {
            Some(b'\n') => return Some(at + 2),
            Some(b'\r') if data.get(at + 2) == Some(&b'\n') => return Some(at + 3),
            _ => {}
        }
        i = at + 1;
    }
    None
}

/// Splits a head into its lines (without line ends), leading empty lines dropped.
fn head_lines(head: &[u8]) -> Vec<&[u8]> {
    let head = trim_leading_newlines(head);
    head.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .collect()
}

/// Names the control bytes of `s` for a diagnostic (`NUL`, `tab`, `0x1b`), or `None`.
fn control_bytes(s: &[u8], allow_tab: bool) -> Option<String> {
    let mut names: Vec<String> = Vec::new();
    for &b in s {
        let name = match b {
            0 => "a NUL byte".to_owned(),
            b'\t' if allow_tab => continue,
            b'\t' => "a tab".to_owned(),
            b'\r' => "a bare CR".to_owned(),
            0x7f => "a DEL byte".to_owned(),
            b if b < 0x20 => format!("byte 0x{b:02x}"),
            _ => continue,
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    (!names.is_empty()).then(|| names.join(", "))
}

/// `HTTP/1.<digit>` → the digit.
fn http1_version(v: &[u8]) -> Option<u8> {
    match v {
        [b'H', b'T', b'T', b'P', b'/', b'1', b'.', d] if d.is_ascii_digit() => Some(d - b'0'),
        _ => None,
    }
}

/// Header lines leniently: `name: value`, obsolete folding joined, lines without a colon
/// or with an invalid name skipped; every oddity is described in `oddities`.
fn lenient_headers(lines: &[&[u8]], oddities: &mut Vec<String>) -> Vec<Header> {
    let mut headers: Vec<Header> = Vec::new();
    for line in lines {
        if matches!(line.first(), Some(b' ' | b'\t'))
            && let Some(last) = headers.last_mut()
        {
            last.value.push(' ');
            last.value
                .push_str(String::from_utf8_lossy(line).trim_matches([' ', '\t']));
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            oddities.push(format!(
                "header line without a colon skipped: {:?}",
                String::from_utf8_lossy(&line[..line.len().min(64)])
            ));
            continue;
        };
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            oddities.push(format!(
                "header line with an invalid name skipped: {:?}",
                String::from_utf8_lossy(&name[..name.len().min(64)])
            ));
            continue;
        }
        let value = &line[colon + 1..];
        let name = String::from_utf8_lossy(name).into_owned();
        if let Some(what) = control_bytes(value, true) {
            oddities.push(format!("header {name} holds {what} (kept as sent)"));
        }
        let value = String::from_utf8_lossy(value)
            .trim_matches([' ', '\t'])
            .to_owned();
        headers.push(Header { name, value });
    }
    headers
}

/// The lenient request parse after the strict one failed with `why`.
fn lenient_request(data: &[u8], why: &'static str) -> Parsed<RequestHead> {
    let body = trim_leading_newlines(data);
    let Some(line_end) = body.iter().position(|&b| b == b'\n') else {
        // The start line is not complete yet: it may still become a head.
        return if matches!(request_start(body), Probe::NoMatch) {
            Parsed::Invalid(why)
        } else {
            Parsed::Partial
        };
    };
    let line = &body[..line_end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if !matches!(request_start(line), Probe::Match { .. }) {
        return Parsed::Invalid(why);
    }
    let Some(sp) = line.iter().position(|&b| b == b' ') else {
        return Parsed::Invalid(why);
    };
    let Some(last_sp) = line.iter().rposition(|&b| b == b' ') else {
        return Parsed::Invalid(why);
    };
    let Some(minor) = http1_version(&line[last_sp + 1..]) else {
        return Parsed::Invalid(why);
    };
    let target = line.get(sp + 1..last_sp).unwrap_or(&[]).trim_ascii();
    if target.is_empty() {
        return Parsed::Invalid(why);
    }
    let Some(n) = head_len(data) else {
        return Parsed::Partial;
    };
    let mut oddities = Vec::new();
    if let Some(what) = control_bytes(target, false) {
        oddities.push(format!("request target holds {what} (kept as sent)"));
    }
    let lines = head_lines(&data[..n]);
    let headers = lenient_headers(lines.get(1..).unwrap_or(&[]), &mut oddities);
    if oddities.is_empty() {
        oddities.push(format!("strict parse failed ({why}): head read leniently"));
    }
    Parsed::Complete(
        n,
        RequestHead {
            method: String::from_utf8_lossy(&line[..sp]).into_owned(),
            target: String::from_utf8_lossy(target).into_owned(),
            minor,
            headers,
            oddities,
        },
    )
}

/// The lenient response parse after the strict one failed with `why`.
fn lenient_response(data: &[u8], why: &'static str) -> Parsed<ResponseHead> {
    let body = trim_leading_newlines(data);
    let Some(line_end) = body.iter().position(|&b| b == b'\n') else {
        return if matches!(response_start(body), Probe::NoMatch) {
            Parsed::Invalid(why)
        } else {
            Parsed::Partial
        };
    };
    let line = &body[..line_end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if !matches!(response_start(line), Probe::Match { .. }) {
        return Parsed::Invalid(why);
    }
    let Some(minor) = http1_version(&line[..8]) else {
        return Parsed::Invalid(why);
    };
    let code = line[9..12]
        .iter()
        .fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'));
    if line.get(12).is_some_and(|&b| b != b' ') {
        return Parsed::Invalid(why);
    }
    let Some(n) = head_len(data) else {
        return Parsed::Partial;
    };
    let reason = line.get(13..).unwrap_or(&[]);
    let mut oddities = Vec::new();
    if let Some(what) = control_bytes(reason, true) {
        oddities.push(format!("reason phrase holds {what} (kept as sent)"));
    }
    let lines = head_lines(&data[..n]);
    let headers = lenient_headers(lines.get(1..).unwrap_or(&[]), &mut oddities);
    if oddities.is_empty() {
        oddities.push(format!("strict parse failed ({why}): head read leniently"));
    }
    Parsed::Complete(
        n,
        ResponseHead {
            code,
            reason: String::from_utf8_lossy(reason).trim().to_owned(),
            minor,
            headers,
            oddities,
        },
    )
}

fn own_response(resp: &httparse::Response<'_, '_>) -> ResponseHead {
    ResponseHead {
        code: resp.code.unwrap_or_default(),
        reason: resp.reason.unwrap_or_default().to_owned(),
        minor: resp.version.unwrap_or(1),
        headers: own_headers(resp.headers),
        oddities: Vec::new(),
    }
}

/// Parses a trailer section (after the last chunk) at the start of `data`.
pub(crate) fn parse_trailers(data: &[u8], max_head: usize) -> Parsed<Vec<Header>> {
    let mut hs = [httparse::EMPTY_HEADER; 16];
    match httparse::parse_headers(data, &mut hs) {
        Ok(httparse::Status::Complete((n, hs))) => Parsed::Complete(n, own_headers(hs)),
        Ok(httparse::Status::Partial) => Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => {
            let mut many = vec![httparse::EMPTY_HEADER; header_slots(data, max_head)];
            match httparse::parse_headers(data, &mut many) {
                Ok(httparse::Status::Complete((n, hs))) => Parsed::Complete(n, own_headers(hs)),
                Ok(httparse::Status::Partial) => Parsed::Partial,
                Err(e) => Parsed::Invalid(describe(e)),
            }
        }
        Err(e) => Parsed::Invalid(describe(e)),
    }
}

fn describe(e: httparse::Error) -> &'static str {
    match e {
        httparse::Error::HeaderName => "invalid header name",
        httparse::Error::HeaderValue => "invalid header value",
        httparse::Error::NewLine => "invalid line ending",
        httparse::Error::Status => "invalid status code",
        httparse::Error::Token => "invalid method or token",
        httparse::Error::TooManyHeaders => "too many headers",
        httparse::Error::Version => "invalid HTTP version",
    }
}

/// Remembers, in absolute stream offsets, how far `data` is known to hold no line end and
/// no end of head, so that a head arriving in many small pieces is scanned once (linear),
/// not once per piece.
#[derive(Debug, Default)]
pub(crate) struct HeadScan {
    /// Absolute offset of the head start the flags below are about.
    start: u64,
    /// `httparse` ran on this start at least once.
    tried: bool,
    /// `httparse` ran on this start with the first line complete.
    tried_line: bool,
    /// No `\n` between the current start and `nl_free_to`.
    nl_free_to: u64,
    /// No end of head starts in `[term_from, term_free_to)`.
    term_from: u64,
    term_free_to: u64,
}

impl HeadScan {
    pub(crate) fn reset(&mut self) {
        *self = HeadScan::default();
    }

    /// Should the head parser run on `data` (starting at absolute offset `abs`) now? True
    /// the first time a start is offered, once more when its first line is complete, and
    /// then only when an end of head (`\n\n` or `\n\r\n`) is present.
    pub(crate) fn should_parse(&mut self, data: &[u8], abs: u64) -> bool {
        if abs != self.start || !self.tried {
            self.start = abs;
            self.tried = true;
            self.tried_line = self.has_newline(data, abs);
            return true;
        }
        if !self.tried_line && self.has_newline(data, abs) {
            self.tried_line = true;
            return true;
        }
        let from = if (self.term_from..self.term_free_to).contains(&abs) {
            (self.term_free_to - abs).min(data.len() as u64) as usize
        } else {
            0
        };
        if find_head_end(data, from) {
            return true;
        }
        self.term_from = abs;
        self.term_free_to = abs + data.len().saturating_sub(2) as u64;
        false
    }

    /// Is there a `\n` in `data` (which starts at absolute offset `abs`)? Starts only move
    /// forward, so a line-end-free region stays known across them.
    fn has_newline(&mut self, data: &[u8], abs: u64) -> bool {
        let from = self.nl_free_to.saturating_sub(abs).min(data.len() as u64) as usize;
        if data[from..].contains(&b'\n') {
            return true;
        }
        self.nl_free_to = abs + data.len() as u64;
        false
    }
}

/// A head whose end was never captured, closed after its last complete line so it parses:
/// `None` if not even the first line is complete. Only for salvaging cut heads.
pub(crate) fn close_cut_head(data: &[u8]) -> Option<Vec<u8>> {
    let data = trim_leading_newlines(data);
    let last = data.iter().rposition(|&b| b == b'\n')?;
    let mut head = Vec::with_capacity(last + 3);
    head.extend_from_slice(&data[..=last]);
    head.extend_from_slice(b"\r\n");
    Some(head)
}

/// A request whose first line was cut before its end (snaplen, gap): the method and the
/// target as far as captured. `None` unless a known method and a space start `data`.
pub(crate) fn cut_request_line(data: &[u8]) -> Option<RequestHead> {
    let data = trim_leading_newlines(data);
    if !matches!(request_start(data), Probe::Match { .. }) || data.contains(&b'\n') {
        return None;
    }
    let sp = data.iter().position(|&b| b == b' ')?;
    let rest = &data[sp + 1..];
    let target = match rest.iter().position(|&b| b == b' ') {
        Some(end) => &rest[..end],
        None => rest,
    };
    let minor = rest
        .iter()
        .position(|&b| b == b' ')
        .and_then(|end| {
            http1_version(
                rest[end + 1..]
                    .strip_suffix(b"\r")
                    .unwrap_or(&rest[end + 1..]),
            )
        })
        .unwrap_or(1);
    Some(RequestHead {
        method: String::from_utf8_lossy(&data[..sp]).into_owned(),
        target: String::from_utf8_lossy(target).into_owned(),
        minor,
        headers: Vec::new(),
        oddities: Vec::new(),
    })
}

/// A response whose status line was cut before its end: version and status (the reason
/// as far as captured). `None` unless `HTTP/1.x DDD` starts `data`.
pub(crate) fn cut_status_line(data: &[u8]) -> Option<ResponseHead> {
    let data = trim_leading_newlines(data);
    if !matches!(response_start(data), Probe::Match { .. }) || data.contains(&b'\n') {
        return None;
    }
    let minor = http1_version(&data[..8])?;
    let code = data[9..12]
        .iter()
        .fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'));
    let reason = data.get(13..).unwrap_or(&[]);
    Some(ResponseHead {
        code,
        reason: String::from_utf8_lossy(reason).trim().to_owned(),
        minor,
        headers: Vec::new(),
        oddities: Vec::new(),
    })
}

/// Is there a `\n\n` or `\n\r\n` whose first `\n` is at or after `from`?
fn find_head_end(data: &[u8], from: usize) -> bool {
    let mut i = from;
    while let Some(p) = data
        .get(i..)
        .and_then(|d| d.iter().position(|&b| b == b'\n'))
    {
        let at = i + p;
        match data.get(at + 1) {
            Some(b'\n') => return true,
            Some(b'\r') if data.get(at + 2) == Some(&b'\n') => return true,
            _ => {}
        }
        i = at + 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts() {
        assert_eq!(request_start(b"GET /"), Probe::Match { from_client: true });
        assert_eq!(
            request_start(b"M-SEARCH * HTTP/1.1"),
            Probe::Match { from_client: true }
        );
        assert_eq!(request_start(b"PROPFI"), Probe::NeedMore);
        assert_eq!(request_start(b"GET"), Probe::NeedMore);
        assert_eq!(request_start(b""), Probe::NeedMore);
        assert_eq!(request_start(b"PRI * HTTP/2.0"), Probe::NoMatch);
        assert_eq!(request_start(b"GETX /"), Probe::NoMatch);
        assert_eq!(request_start(b"get /"), Probe::NoMatch);
        assert_eq!(
            response_start(b"HTTP/1.1 200 OK"),
            Probe::Match { from_client: false }
        );
        assert_eq!(
            response_start(b"HTTP/1.0 404"),
            Probe::Match { from_client: false }
        );
        assert_eq!(response_start(b"HTTP/1.1 20"), Probe::NeedMore);
        assert_eq!(response_start(b"HTTP/"), Probe::NeedMore);
        assert_eq!(response_start(b"HTTP/2 200"), Probe::NoMatch);
        assert_eq!(response_start(b"HTTP/1.1 2x0"), Probe::NoMatch);
        assert_eq!(find_start(b"xxGET /", request_start), (2, true));
        assert_eq!(find_start(b"xx HT", response_start), (3, false));
        assert_eq!(find_start(b"xyz", response_start), (3, false));
    }

    #[test]
    fn plausibility() {
        assert!(request_plausible(b"GE"));
        assert!(request_plausible(b"\r\nFOO /x"));
        assert!(!request_plausible(b"\x16\x03\x01"));
        assert!(!request_plausible(b" GET"));
        assert!(response_plausible(b"HTT"));
        assert!(!response_plausible(b"{\"a\":1}"));
    }

    #[test]
    fn heads_parse_leniently() {
        let Parsed::Complete(n, h) = parse_response(
            b"HTTP/1.1 200 OK\r\nX-A: a\r\n  b\r\nbad line\r\n\r\nbody",
            1024,
        ) else {
            panic!("expected a complete head");
        };
        assert_eq!(n, 42);
        assert_eq!(h.headers, vec![Header::new("X-A", "a b")]);
        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..200 {
            many.extend_from_slice(format!("H{i}: {i}\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        let Parsed::Complete(n, h) = parse_request(&many, 1 << 16) else {
            panic!("expected a complete head");
        };
        assert_eq!(n, many.len());
        assert_eq!(h.headers.len(), 200);
        assert!(matches!(
            parse_request(b"GET / HTTP/1.1\r\nHost", 100),
            Parsed::Partial
        ));
        assert!(matches!(
            parse_request(b"GET / XTTP/1.1\r\n", 100),
            Parsed::Invalid(_)
        ));
    }

    #[test]
    fn head_scan_is_incremental() {
        let mut s = HeadScan::default();
        assert!(s.should_parse(b"GET / HT", 0), "first offer parses");
        assert!(!s.should_parse(b"GET / HTTP/1.1", 0));
        assert!(
            s.should_parse(b"GET / HTTP/1.1\r\nA: b", 0),
            "first line complete"
        );
        assert!(!s.should_parse(b"GET / HTTP/1.1\r\nA: b\r\n", 0));
        assert!(s.should_parse(b"GET / HTTP/1.1\r\nA: b\r\n\r\n", 0));
        assert!(
            s.should_parse(b"T / HTTP/1.1\r\n", 2),
            "a new start parses at once"
        );
    }
}
