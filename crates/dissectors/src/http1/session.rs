//! The per-connection HTTP/1.x state machine: one [`Side`] per direction (head, body,
//! waiting for an upgrade verdict, resynchronising), and a FIFO of exchanges that pairs
//! responses with requests in order.

use std::collections::VecDeque;

use mizu_dissect::kit::{self, Step, note, side_name};
use mizu_dissect::{
    Chunk, DiagKind, Diagnostic, Limits, Output, Probe, Session, SessionContext, Upgrade,
};
use mizu_model::{Direction, Entry, HttpRequest, HttpResponse, Nanos, Payload};

use super::INFO;
use super::body::{BodyReader, Fed, Framing};
use super::message;
use super::wire::{self, HeadScan, Parsed};

/// A request received (head, and body once `done`).
#[derive(Debug)]
struct ReqMsg {
    /// Boxed once when the head is parsed: exchanges move through queues by pointer.
    req: Box<HttpRequest>,
    ts: Nanos,
    /// Wire bytes: head plus body.
    size: u64,
    truncated: bool,
    gap: bool,
    diagnostics: Vec<String>,
    minor: u8,
    is_head: bool,
    is_connect: bool,
    /// The request asked to switch protocols (`Upgrade` header).
    upgrade: bool,
}

/// A response received (head, and body once complete).
#[derive(Debug)]
struct RespMsg {
    resp: Box<HttpResponse>,
    ts: Nanos,
    size: u64,
    truncated: bool,
    gap: bool,
    diagnostics: Vec<String>,
    minor: u8,
}

/// One request and its response, in connection order.
#[derive(Debug)]
struct Exchange {
    /// `None`: a response whose request was never captured.
    req: Option<ReqMsg>,
    /// The request's body is complete.
    req_done: bool,
    resp: Option<RespMsg>,
}

#[derive(Debug)]
enum State {
    /// Expecting a message head (or resynchronising, see [`Side::resync`]).
    Head,
    /// Receiving a body; for the client the message is the last exchange's request, for
    /// the server it is [`Http1Session::response`].
    Body(BodyReader),
    /// Client only: a request asked to switch protocols; its response decides whether the
    /// following bytes are HTTP/1 at all.
    WaitUpgrade,
    /// The rest of a head larger than `Limits::max_head`: its message was registered from
    /// the first `max_head` bytes; the remaining bytes are consumed up to the end of the
    /// head, then the body follows the framing found in the kept part.
    SkipHead(HeadSkip),
}

/// Progress through the unkept part of an oversized head.
#[derive(Debug)]
struct HeadSkip {
    /// Past the empty lines that may precede a head.
    started: bool,
    /// 0: mid-line; 1: just after `\n`; 2: just after `\n\r`.
    nl: u8,
    /// Body framing from the kept headers (`None`: no body).
    framing: Option<Framing>,
    /// The kept headers did not say how the body is framed (responses only): after the
    /// head, resynchronise on the next message rather than guess.
    framing_unknown: bool,
}

impl HeadSkip {
    /// Consumes bytes up to the end of the head: `(used, done)`.
    fn feed(&mut self, data: &[u8]) -> (usize, bool) {
        for (i, &b) in data.iter().enumerate() {
            if !self.started {
                if b == b'\r' || b == b'\n' {
                    continue;
                }
                self.started = true;
            }
            self.nl = match (self.nl, b) {
                (1 | 2, b'\n') => return (i + 1, true),
                (_, b'\n') => 1,
                (1, b'\r') => 2,
                _ => 0,
            };
        }
        (data.len(), false)
    }
}

/// One direction's parsing state.
#[derive(Debug)]
struct Side {
    state: State,
    /// Absolute stream offset of the first unconsumed byte.
    base: u64,
    /// Looking for the next plausible message start.
    resync: bool,
    /// Bytes skipped while resynchronising, not yet reported.
    skipped: u64,
    /// Why the pending resynchronisation started.
    resync_reason: Option<String>,
    /// The next message follows a capture gap.
    after_gap: bool,
    scan: HeadScan,
}

impl Side {
    fn new() -> Side {
        Side {
            state: State::Head,
            base: 0,
            resync: false,
            skipped: 0,
            resync_reason: None,
            after_gap: false,
            scan: HeadScan::default(),
        }
    }
}

pub(crate) struct Http1Session {
    ctx: SessionContext,
    /// `.proto` schema for gRPC-Web messages (`--proto`).
    schema: Option<std::sync::Arc<crate::protobuf::Schema>>,
    limits: Limits,
    client: Side,
    server: Side,
    pending: VecDeque<Exchange>,
    /// The first `answered` exchanges of `pending` have their response.
    answered: usize,
    /// 1xx status codes (other than 101) seen before the next final response.
    informational: Vec<u16>,
    /// Wire bytes of those interim responses (counted in the final response's size).
    informational_bytes: u64,
    /// The response whose body the server side is receiving.
    response: Option<RespMsg>,
    /// Switched protocols: the session is done.
    switched: bool,
    /// Blank entries for HTTP/1.0 and HTTP/1.1 (endpoints and protocol formatted once).
    templates: [Entry; 2],
    /// The head being started was cut by a capture gap (see `on_cut`): why.
    cut: Option<String>,
    /// The head being started is larger than `Limits::max_head` and only its first
    /// `max_head` bytes were parsed: why.
    oversize: Option<String>,
    /// Capture time of the last byte offered per direction: a gap reported at that very
    /// time comes from the same packet, i.e. the capture's snaplen cut it (`truncated`);
    /// a gap found later is loss (`gap` only).
    last_ts: [Nanos; 2],
}

/// The diagnostic of a head whose end was not captured.
fn cut_reason(what: &str, len: usize, line_cut: bool) -> String {
    if line_cut {
        format!(
            "{what} head cut by a capture gap after {len} bytes, inside its first line: shown as far as captured, headers and body not captured"
        )
    } else {
        format!(
            "{what} head cut by a capture gap after {len} bytes: later headers and the body were not captured"
        )
    }
}

impl Http1Session {
    pub(crate) fn new(
        ctx: SessionContext,
        schema: Option<std::sync::Arc<crate::protobuf::Schema>>,
    ) -> Http1Session {
        Http1Session {
            schema,
            limits: ctx.limits,
            ctx,
            client: Side::new(),
            server: Side::new(),
            pending: VecDeque::new(),
            answered: 0,
            informational: Vec::new(),
            informational_bytes: 0,
            response: None,
            switched: false,
            templates: [0u8, 1].map(|minor| {
                let mut protocol = INFO.protocol();
                protocol.version = format!("1.{minor}").into();
                ctx.new_entry(protocol)
            }),
            cut: None,
            oversize: None,
            last_ts: [0; 2],
        }
    }

    fn side(&mut self, dir: Direction) -> &mut Side {
        match dir {
            Direction::ClientToServer => &mut self.client,
            Direction::ServerToClient => &mut self.server,
        }
    }

    // ----- head parsing shared by both sides -------------------------------------------

    /// Resynchronisation and plausibility checks before a head parse. `Some(step)`: done for
    /// now; `None`: a message may start at `data[0]`, parse it.
    fn pre_head(&mut self, dir: Direction, data: &[u8]) -> Option<Step> {
        type StartFn = fn(&[u8]) -> Probe;
        type PlausibleFn = fn(&[u8]) -> bool;
        let (start, plausible): (StartFn, PlausibleFn) = match dir {
            Direction::ClientToServer => (wire::request_start, wire::request_plausible),
            Direction::ServerToClient => (wire::response_start, wire::response_plausible),
        };
        let side = self.side(dir);
        if side.resync {
            let (skip, _found) = wire::find_start(data, start);
            if skip > 0 {
                side.skipped += skip as u64;
                return Some(Step::Advance(skip));
            }
            if data.is_empty() {
                return Some(Step::Wait);
            }
            // A known method / status line starts here, or may once more bytes arrive.
            return None;
        }
        if !plausible(data) {
            let reason = if side.base == 0 {
                format!(
                    "{} data does not start with an HTTP/1 message (capture joined mid-connection?)",
                    side_name(dir)
                )
            } else {
                format!("{} data is not an HTTP/1 message head", side_name(dir))
            };
            side.resync = true;
            side.resync_reason = Some(reason);
            return Some(Step::Advance(0));
        }
        None
    }

    /// The head at `data[0]` is invalid or too large: skip one byte and resynchronise.
    fn reject_head(&mut self, dir: Direction, why: String) -> Step {
        let side = self.side(dir);
        if !side.resync {
            side.resync = true;
            side.resync_reason = Some(why);
        }
        side.skipped += 1;
        Step::Advance(1)
    }

    /// Reports a finished resynchronisation; returns the diagnostic for the next message.
    fn end_resync(&mut self, dir: Direction, out: &mut Output) -> Option<String> {
        let side = self.side(dir);
        let reason = side.resync_reason.take();
        side.resync = false;
        let skipped = std::mem::take(&mut side.skipped);
        if skipped == 0 && reason.is_none() {
            return None;
        }
        let msg = match reason {
            Some(r) => format!(
                "{r}: skipped {skipped} bytes of {} data to the next message",
                side_name(dir)
            ),
            None => format!(
                "skipped {skipped} bytes of {} data to the next message",
                side_name(dir)
            ),
        };
        out.diagnostic(DiagKind::Malformed, msg.clone());
        Some(msg)
    }

    // ----- client side -----------------------------------------------------------------

    fn client_step(&mut self, chunk: &Chunk<'_>, at: usize, out: &mut Output) -> Step {
        let data = &chunk.data[at..];
        match &mut self.client.state {
            State::WaitUpgrade => Step::Wait,
            State::SkipHead(_) => self.skip_head(Direction::ClientToServer, data, out),
            State::Body(_) => self.body_step(Direction::ClientToServer, data, out),
            State::Head => self.client_head(chunk, at, out),
        }
    }

    /// Feeds `data` to `dir`'s body reader: a finished or broken body ends the message,
    /// and after a broken one the side resynchronises on the next message head.
    fn body_step(&mut self, dir: Direction, data: &[u8], out: &mut Output) -> Step {
        let (max_body, max_head) = (self.limits.max_body, self.limits.max_head);
        let client = dir == Direction::ClientToServer;
        let side = if client {
            &mut self.client
        } else {
            &mut self.server
        };
        let State::Body(body) = &mut side.state else {
            return Step::Wait;
        };
        let (n, why) = match body.feed(data, max_body, max_head) {
            Fed::More(n) => return Step::Advance(n),
            Fed::Done(n) => (n, None),
            Fed::Broken(n, why) => (n, Some(why)),
        };
        let what = if client { "request" } else { "response" };
        let broken =
            why.map(|why| Diagnostic::new(DiagKind::Malformed, format!("{what} body: {why}")));
        let resync = broken.is_some();
        if client {
            self.finish_request(broken, out);
            self.client.resync |= resync;
        } else {
            self.finish_response(broken, out);
            self.server.resync |= resync;
        }
        Step::Advance(n)
    }

    fn client_head(&mut self, chunk: &Chunk<'_>, at: usize, out: &mut Output) -> Step {
        let dir = Direction::ClientToServer;
        match self.next_head(dir, chunk, at, out, wire::parse_request) {
            Ok((n, head, diags)) => {
                self.start_request(head, n, chunk.ts_at(at), diags, out);
                Step::Advance(n)
            }
            Err(step) => step,
        }
    }

    /// Parses the message head at `chunk.data[at..]` for `dir`: resynchronisation,
    /// plausibility, size limit and errors are handled here; `Ok` carries the head, its
    /// length and the diagnostics the new message starts with.
    fn next_head<T>(
        &mut self,
        dir: Direction,
        chunk: &Chunk<'_>,
        at: usize,
        out: &mut Output,
        parse: fn(&[u8], usize) -> Parsed<T>,
    ) -> Result<(usize, T, Vec<String>), Step> {
        let data = &chunk.data[at..];
        if let Some(step) = self.pre_head(dir, data) {
            return Err(step);
        }
        let what = match dir {
            Direction::ClientToServer => "request",
            Direction::ServerToClient => "response",
        };
        let max_head = self.limits.max_head;
        let side = self.side(dir);
        let abs = side.base + at as u64;
        let parsed = if side.scan.should_parse(data, abs) {
            parse(data, max_head)
        } else {
            Parsed::Partial
        };
        match parsed {
            Parsed::Partial if data.len() > max_head => {
                Err(self.oversized_head(dir, chunk, at, out).unwrap_or_else(|| {
                    self.reject_head(dir, format!("{what} head larger than {max_head} bytes"))
                }))
            }
            Parsed::Partial => Err(Step::Wait),
            Parsed::Invalid(why) => {
                Err(self.reject_head(dir, format!("malformed {what} head ({why})")))
            }
            Parsed::Complete(n, _) if n > max_head => {
                Err(self.oversized_head(dir, chunk, at, out).unwrap_or_else(|| {
                    self.reject_head(dir, format!("{what} head larger than {max_head} bytes"))
                }))
            }
            Parsed::Complete(n, head) => {
                let diags = self.end_resync(dir, out).into_iter().collect();
                Ok((n, head, diags))
            }
        }
    }

    /// A head at `chunk.data[at..]` runs past `Limits::max_head`. Rather than skip it (which
    /// would shift every later pairing by one), its message is registered from the complete
    /// lines of its first `max_head` bytes, marked truncated, and the rest of the head is
    /// consumed in [`State::SkipHead`]. `None` when even that does not parse (then the
    /// caller resynchronises as for any malformed head).
    fn oversized_head(
        &mut self,
        dir: Direction,
        chunk: &Chunk<'_>,
        at: usize,
        out: &mut Output,
    ) -> Option<Step> {
        let data = &chunk.data[at..];
        let max_head = self.limits.max_head;
        let kept = wire::close_cut_head(&data[..max_head.min(data.len())])?;
        let what = match dir {
            Direction::ClientToServer => "request",
            Direction::ServerToClient => "response",
        };
        let why = format!(
            "{what} head larger than {max_head} bytes: shown as far as its first {max_head} bytes, later header lines not kept"
        );
        match dir {
            Direction::ClientToServer => {
                let Parsed::Complete(_, h) = wire::parse_request(&kept, kept.len()) else {
                    return None;
                };
                let diags = self.end_resync(dir, out).into_iter().collect();
                self.oversize = Some(why);
                self.start_request(h, 0, chunk.ts_at(at), diags, out);
            }
            Direction::ServerToClient => {
                let Parsed::Complete(_, h) = wire::parse_response(&kept, kept.len()) else {
                    return None;
                };
                if (100..200).contains(&h.code) {
                    // Interim and switching responses are never this large: resynchronise.
                    return None;
                }
                let diags = self.end_resync(dir, out).into_iter().collect();
                self.oversize = Some(why);
                self.start_response(h, 0, chunk, at, diags, out);
            }
        }
        // Leading empty lines are part of what the skip consumes.
        Some(Step::Advance(0))
    }

    /// Consumes the unkept rest of an oversized head (counted in the message's size), then
    /// starts its body.
    fn skip_head(&mut self, dir: Direction, data: &[u8], out: &mut Output) -> Step {
        let side = self.side(dir);
        let State::SkipHead(skip) = &mut side.state else {
            return Step::Advance(0);
        };
        let (n, done) = skip.feed(data);
        match dir {
            Direction::ClientToServer => {
                if let Some(r) = self.pending.back_mut().and_then(|ex| ex.req.as_mut()) {
                    r.size += n as u64;
                    r.req.headers_size += n as u64;
                }
            }
            Direction::ServerToClient => {
                if let Some(r) = self.response.as_mut() {
                    r.size += n as u64;
                    r.resp.headers_size += n as u64;
                }
            }
        }
        if !done {
            return Step::Advance(n);
        }
        let side = self.side(dir);
        let State::SkipHead(skip) = std::mem::replace(&mut side.state, State::Head) else {
            return Step::Advance(n);
        };
        match (dir, skip.framing) {
            (_, Some(f)) if !skip.framing_unknown => {
                self.side(dir).state = State::Body(BodyReader::new(f));
            }
            (Direction::ClientToServer, _) => {
                self.complete_request(BodyReader::new(Framing::Length(0)), None, out);
            }
            (Direction::ServerToClient, _) => {
                self.complete_response(BodyReader::new(Framing::Length(0)), None, out);
                if skip.framing_unknown {
                    let side = self.side(dir);
                    side.resync = true;
                    side.resync_reason = Some(
                        "the body framing of a response with an oversized head is unknown"
                            .to_owned(),
                    );
                }
            }
        }
        Step::Advance(n)
    }

    fn start_request(
        &mut self,
        mut head: wire::RequestHead,
        head_len: usize,
        ts: Nanos,
        mut diags: Vec<String>,
        out: &mut Output,
    ) {
        let mut gap = std::mem::take(&mut self.client.after_gap);
        if gap {
            diags.push("request follows a capture gap: pairing may be off".to_owned());
        }
        let cut = self.cut.take();
        if let Some(why) = &cut {
            note(out, &mut diags, DiagKind::Gap, why.clone());
            gap = true;
        }
        let oversize = self.oversize.take();
        if let Some(why) = &oversize {
            note(out, &mut diags, DiagKind::Limit, why.clone());
        }
        for odd in std::mem::take(&mut head.oddities) {
            note(
                out,
                &mut diags,
                DiagKind::Malformed,
                format!("request: {odd}"),
            );
        }
        let minor = head.minor;
        let is_head = head.method.eq_ignore_ascii_case("HEAD");
        let is_connect = head.method.eq_ignore_ascii_case("CONNECT");
        let mut framing_diags = Vec::new();
        let framing = message::framing(&head.headers, true, &mut framing_diags);
        for d in framing_diags {
            note(
                out,
                &mut diags,
                DiagKind::Malformed,
                format!("request: {d}"),
            );
        }
        let req = Box::new(message::build_request(head, self.ctx.server, head_len));
        let upgrade = req.header("upgrade").is_some_and(|u| !u.trim().is_empty());
        if self.pending.len() >= self.limits.max_pending.max(1)
            && let Some(old) = self.pending.pop_front()
        {
            if old.resp.is_some() {
                self.answered = self.answered.saturating_sub(1);
            }
            let msg = format!(
                "more than {} requests waiting for a response: the oldest is emitted unanswered",
                self.limits.max_pending
            );
            out.diagnostic(DiagKind::Limit, msg.clone());
            let mut e = self.build_entry(old);
            e.diagnostics.push(msg);
            out.emit(e);
        }
        self.pending.push_back(Exchange {
            req: Some(ReqMsg {
                req,
                ts,
                size: head_len as u64,
                truncated: cut.is_some() || oversize.is_some(),
                gap,
                diagnostics: diags,
                minor,
                is_head,
                is_connect,
                upgrade,
            }),
            req_done: false,
            resp: None,
        });
        if oversize.is_some() {
            self.client.state = State::SkipHead(HeadSkip {
                started: false,
                nl: 0,
                framing,
                framing_unknown: false,
            });
            return;
        }
        match framing {
            None => {
                self.client.state = State::Head;
                self.complete_request(BodyReader::new(Framing::Length(0)), None, out);
            }
            Some(f) => self.client.state = State::Body(BodyReader::new(f)),
        }
    }

    /// Completes the request whose body the client side was receiving.
    fn finish_request(&mut self, broken: Option<Diagnostic>, out: &mut Output) {
        let body = match std::mem::replace(&mut self.client.state, State::Head) {
            State::Body(b) => b,
            _ => BodyReader::new(Framing::Length(0)),
        };
        self.complete_request(body, broken, out);
    }

    fn complete_request(
        &mut self,
        mut body: BodyReader,
        broken: Option<Diagnostic>,
        out: &mut Output,
    ) {
        let cap = self.limits.max_body;
        let mut wait_upgrade = false;
        if let Some(ex) = self.pending.back_mut()
            && !ex.req_done
            && let Some(r) = ex.req.as_mut()
        {
            if let Some(why) = broken {
                note(out, &mut r.diagnostics, why.kind, why.message);
                r.truncated = true;
            }
            r.size += body.wire;
            r.gap |= body.gap;
            r.req.body_size = body.size;
            r.req.trailers = std::mem::take(&mut body.trailers);
            if body.size > 0 || !body.kept.is_empty() {
                let mut diags = Vec::new();
                let headers = std::mem::take(&mut r.req.headers);
                let content = message::body_content(&headers, body, cap, "request", &mut diags);
                r.truncated |= content.capped;
                r.req.post_data = Some(message::post_data(&headers, content));
                r.req.headers = headers;
                for d in diags {
                    note(out, &mut r.diagnostics, d.kind, d.message);
                }
            }
            wait_upgrade = r.upgrade || r.is_connect;
            ex.req_done = true;
        }
        if wait_upgrade && matches!(self.client.state, State::Head) && !self.client.resync {
            self.client.state = State::WaitUpgrade;
        }
        self.flush(out);
    }

    // ----- server side -----------------------------------------------------------------

    fn server_step(&mut self, chunk: &Chunk<'_>, at: usize, out: &mut Output) -> Step {
        let data = &chunk.data[at..];
        match &mut self.server.state {
            State::Body(_) => self.body_step(Direction::ServerToClient, data, out),
            State::SkipHead(_) => self.skip_head(Direction::ServerToClient, data, out),
            State::Head | State::WaitUpgrade => self.server_head(chunk, at, out),
        }
    }

    fn server_head(&mut self, chunk: &Chunk<'_>, at: usize, out: &mut Output) -> Step {
        let dir = Direction::ServerToClient;
        match self.next_head(dir, chunk, at, out, wire::parse_response) {
            Ok((n, head, diags)) => {
                self.start_response(head, n, chunk, at, diags, out);
                Step::Advance(n)
            }
            Err(step) => step,
        }
    }

    fn start_response(
        &mut self,
        mut head: wire::ResponseHead,
        head_len: usize,
        chunk: &Chunk<'_>,
        at: usize,
        mut diags: Vec<String>,
        out: &mut Output,
    ) {
        for odd in std::mem::take(&mut head.oddities) {
            note(
                out,
                &mut diags,
                DiagKind::Malformed,
                format!("response: {odd}"),
            );
        }
        let code = head.code;
        if (100..200).contains(&code) && code != 101 {
            // Interim response: remembered for the final one, never paired by itself.
            self.informational.push(code);
            self.informational_bytes += head_len as u64;
            return;
        }
        let mut gap = std::mem::take(&mut self.server.after_gap);
        if gap {
            diags.push("response follows a capture gap: pairing may be off".to_owned());
        }
        let cut = self.cut.take();
        if let Some(why) = &cut {
            note(out, &mut diags, DiagKind::Gap, why.clone());
            gap = true;
        }
        let oversize = self.oversize.take();
        if let Some(why) = &oversize {
            note(out, &mut diags, DiagKind::Limit, why.clone());
        }
        let ts = chunk.ts_at(at);
        let minor = head.minor;
        let (req_head, req_connect, req_upgrade) = self
            .pending
            .get(self.answered)
            .and_then(|ex| ex.req.as_ref())
            .map_or((false, false, false), |r| {
                (r.is_head, r.is_connect, r.upgrade)
            });
        let mut resp = Box::new(message::build_response(head, head_len));
        resp.informational = std::mem::take(&mut self.informational);
        let size = head_len as u64 + std::mem::take(&mut self.informational_bytes);
        let switch = switched_to(&resp, req_connect);
        let no_body = switch.is_some() || req_head || code == 204 || code == 304;
        let framing = if no_body {
            None
        } else {
            response_framing(&resp, &mut diags, out)
        };
        let framing_unknown = oversize.is_some()
            && !no_body
            && !resp.headers.iter().any(|h| {
                h.name.eq_ignore_ascii_case("content-length")
                    || h.name.eq_ignore_ascii_case("transfer-encoding")
            });
        let msg = RespMsg {
            resp,
            ts,
            size,
            truncated: cut.is_some() || oversize.is_some(),
            gap,
            diagnostics: diags,
            minor,
        };
        if switch.is_none()
            && (req_upgrade || req_connect)
            && matches!(self.client.state, State::WaitUpgrade)
        {
            // The server declined the switch: the client's next bytes are HTTP/1 again.
            self.client.state = State::Head;
        }
        if let Some(protocol) = switch {
            let switch_ts = chunk.ts_at(at + head_len.saturating_sub(1));
            self.switch(protocol, msg, switch_ts, out);
            return;
        }
        self.response = Some(msg);
        if oversize.is_some() {
            self.server.state = State::SkipHead(HeadSkip {
                started: false,
                nl: 0,
                framing,
                framing_unknown,
            });
            return;
        }
        match framing {
            None => self.complete_response(BodyReader::new(Framing::Length(0)), None, out),
            Some(f) => self.server.state = State::Body(BodyReader::new(f)),
        }
    }

    /// The connection switches protocols with this response (`101`, or a `2xx` to
    /// `CONNECT`): the session ends, and the engine hands the rest to `protocol`.
    fn switch(&mut self, protocol: String, msg: RespMsg, ts: Nanos, out: &mut Output) {
        let answered = self.answered;
        if protocol == "h2c"
            && self
                .pending
                .get(answered)
                .is_some_and(|ex| ex.req.is_some())
            && let Some(mut ex) = self.pending.remove(answered)
        {
            // RFC 9113 §3.2 (RFC 7540 §3.2): the request becomes HTTP/2 stream 1 and its
            // response comes over HTTP/2. Hand it (with the 101) to the next session.
            ex.req_done = true;
            ex.resp = Some(msg);
            self.flush_all(out);
            let req_ts = ex.req.as_ref().map_or(0, |r| r.ts);
            let entry = self.build_entry(ex);
            out.upgrade = Some(Upgrade {
                protocol,
                ts,
                request: Some(Box::new(mizu_dissect::HandedOver { entry, ts: req_ts })),
                headers: Vec::new(),
            });
            self.switched = true;
            return;
        }
        // The new protocol's parameters (e.g. WebSocket extensions) are in these headers.
        let headers = msg.resp.headers.clone();
        self.attach_response(msg, out);
        // The session ends here: emit everything, in order.
        self.flush_all(out);
        out.upgrade = Some(Upgrade::new(protocol, ts).with_headers(headers));
        self.switched = true;
    }

    fn finish_response(&mut self, broken: Option<Diagnostic>, out: &mut Output) {
        let body = match std::mem::replace(&mut self.server.state, State::Head) {
            State::Body(b) => b,
            _ => BodyReader::new(Framing::Length(0)),
        };
        self.complete_response(body, broken, out);
    }

    fn complete_response(
        &mut self,
        mut body: BodyReader,
        broken: Option<Diagnostic>,
        out: &mut Output,
    ) {
        let Some(mut m) = self.response.take() else {
            return;
        };
        if let Some(why) = broken {
            note(out, &mut m.diagnostics, why.kind, why.message);
            m.truncated = true;
        }
        m.size += body.wire;
        m.gap |= body.gap;
        m.resp.body_size = body.size;
        m.resp.trailers = std::mem::take(&mut body.trailers);
        let mut diags = Vec::new();
        let content = message::body_content(
            &m.resp.headers,
            body,
            self.limits.max_body,
            "response",
            &mut diags,
        );
        m.truncated |= content.capped;
        m.resp.content = content.content;
        for d in diags {
            note(out, &mut m.diagnostics, d.kind, d.message);
        }
        self.attach_response(m, out);
    }

    /// Pairs a complete response with the oldest unanswered request.
    fn attach_response(&mut self, mut m: RespMsg, out: &mut Output) {
        if let Some(ex) = self.pending.get_mut(self.answered) {
            ex.resp = Some(m);
        } else {
            note(
                out,
                &mut m.diagnostics,
                DiagKind::Unanswered,
                "response without a captured request".to_owned(),
            );
            m.gap = true;
            self.pending.push_back(Exchange {
                req: None,
                req_done: true,
                resp: Some(m),
            });
        }
        self.answered += 1;
        self.flush(out);
    }

    // ----- pairing and entries ---------------------------------------------------------

    /// Emits the leading exchanges that are complete on both sides.
    fn flush(&mut self, out: &mut Output) {
        while self
            .pending
            .front()
            .is_some_and(|ex| ex.req_done && ex.resp.is_some())
        {
            if let Some(ex) = self.pending.pop_front() {
                self.answered = self.answered.saturating_sub(1);
                let e = self.build_entry(ex);
                out.emit(e);
            }
        }
    }

    /// Emits every exchange, answered or not.
    fn flush_all(&mut self, out: &mut Output) {
        while let Some(ex) = self.pending.pop_front() {
            let e = self.build_entry(ex);
            if e.response.is_none() {
                out.diagnostic(DiagKind::Unanswered, "no response captured");
            }
            out.emit(e);
        }
        self.answered = 0;
    }

    fn build_entry(&self, ex: Exchange) -> Entry {
        let minor = ex
            .req
            .as_ref()
            .map(|r| r.minor)
            .or(ex.resp.as_ref().map(|r| r.minor))
            .unwrap_or(1);
        let mut e = match minor {
            0 => self.templates[0].clone(),
            1 => self.templates[1].clone(),
            m => {
                let mut protocol = INFO.protocol();
                protocol.version = format!("1.{m}").into();
                self.ctx.new_entry(protocol)
            }
        };
        let resp_ts = ex.resp.as_ref().map(|r| r.ts);
        let req_ts = match &ex.req {
            Some(r) => r.ts,
            None => resp_ts.unwrap_or(0),
        };
        e.set_times(req_ts, resp_ts);
        match ex.req {
            Some(r) => {
                e.request_size = r.size;
                e.truncated |= r.truncated;
                e.gap |= r.gap;
                e.diagnostics.extend(r.diagnostics);
                e.request = Payload::HttpRequest(r.req);
            }
            None => {
                let version = message::version_string(minor);
                e.request = Payload::HttpRequest(Box::new(HttpRequest {
                    http_version: version,
                    ..HttpRequest::default()
                }));
            }
        }
        match ex.resp {
            Some(r) => {
                e.response_size = r.size;
                e.truncated |= r.truncated;
                e.gap |= r.gap;
                e.diagnostics.extend(r.diagnostics);
                e.response = Payload::HttpResponse(r.resp);
            }
            None => e.diagnostics.push("no response captured".to_owned()),
        }
        // gRPC-Web over HTTP/1.x (`application/grpc-web*`): decode its messages.
        crate::http2::grpc::annotate_http1(
            &mut e,
            req_ts,
            resp_ts,
            self.limits.max_body,
            self.schema.as_deref(),
        );
        e
    }

    /// Ends whatever body `dir` is receiving because no more bytes will come.
    fn end_of_stream(&mut self, dir: Direction, out: &mut Output) {
        let side = self.side(dir);
        if matches!(side.state, State::SkipHead(_)) {
            let why = Diagnostic::new(
                DiagKind::Truncated,
                format!(
                    "{} closed the connection before the end of the head",
                    side_name(dir)
                ),
            );
            match dir {
                Direction::ClientToServer => self.finish_request(Some(why), out),
                Direction::ServerToClient => self.finish_response(Some(why), out),
            }
            return;
        }
        let State::Body(body) = &side.state else {
            if matches!(side.state, State::WaitUpgrade) {
                side.state = State::Head;
            }
            return;
        };
        let broken = match body.framing {
            Framing::Close => None,
            _ => Some(Diagnostic::new(
                DiagKind::Truncated,
                format!(
                    "{} closed the connection before the end of the body",
                    side_name(dir)
                ),
            )),
        };
        match dir {
            Direction::ClientToServer => self.finish_request(broken, out),
            Direction::ServerToClient => self.finish_response(broken, out),
        }
    }

    fn report_skipped(&mut self, dir: Direction, out: &mut Output) {
        let side = self.side(dir);
        if side.skipped > 0 {
            let msg = format!(
                "skipped {} bytes of {} data that were not HTTP/1",
                side.skipped,
                side_name(dir)
            );
            side.skipped = 0;
            out.diagnostic(DiagKind::Malformed, msg);
        }
    }
}

/// The protocol a response switches the connection to: a `101`'s first `Upgrade` token
/// (lower-case; `unknown` without one), `connect` for a `2xx` to `CONNECT`.
fn switched_to(resp: &HttpResponse, req_connect: bool) -> Option<String> {
    if resp.status == 101 {
        Some(
            resp.header("upgrade")
                .and_then(|u| u.split(',').next())
                .map(|t| t.trim().to_ascii_lowercase())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "unknown".to_owned()),
        )
    } else if req_connect && (200..300).contains(&resp.status) {
        Some("connect".to_owned())
    } else {
        None
    }
}

/// How a response's body is delimited, its framing problems noted as diagnostics.
fn response_framing(
    resp: &HttpResponse,
    diags: &mut Vec<String>,
    out: &mut Output,
) -> Option<Framing> {
    let mut framing_diags = Vec::new();
    let f = message::framing(&resp.headers, false, &mut framing_diags);
    for d in framing_diags {
        note(out, diags, DiagKind::Malformed, format!("response: {d}"));
    }
    f
}

impl Session for Http1Session {
    fn on_data(&mut self, chunk: &Chunk<'_>, out: &mut Output) -> usize {
        self.last_ts[chunk.dir.index()] = chunk.last_ts();
        let len = chunk.data.len();
        kit::drive(len, |used| {
            if self.switched {
                return Step::Wait;
            }
            let step = match chunk.dir {
                Direction::ClientToServer => self.client_step(chunk, used, out),
                Direction::ServerToClient => self.server_step(chunk, used, out),
            };
            if let Step::Advance(n) = step {
                self.side(chunk.dir).base += n.min(len - used) as u64;
            }
            step
        })
    }

    fn on_cut(&mut self, chunk: &Chunk<'_>, out: &mut Output) {
        let dir = chunk.dir;
        self.last_ts[dir.index()] = chunk.last_ts();
        if self.switched {
            return;
        }
        if !matches!(self.side(dir).state, State::Head) {
            return;
        }
        let start = match dir {
            Direction::ClientToServer => wire::request_start(chunk.data),
            Direction::ServerToClient => wire::response_start(chunk.data),
        };
        if !matches!(start, Probe::Match { .. }) {
            return;
        }
        // Complete lines of a head whose end was never captured: show them, as Wireshark
        // does, rather than lose the message. A first line cut before its end still
        // gives the method and the target (or the status) as far as captured.
        let max_head = self.limits.max_head;
        let len = chunk.data.len();
        let what = if dir == Direction::ClientToServer {
            "request"
        } else {
            "response"
        };
        match dir {
            Direction::ClientToServer => {
                let head = match wire::close_cut_head(chunk.data) {
                    Some(head) => match wire::parse_request(&head, max_head) {
                        Parsed::Complete(_, h) => Some((h, false)),
                        _ => None,
                    },
                    None => wire::cut_request_line(chunk.data).map(|h| (h, true)),
                };
                if let Some((h, line_cut)) = head {
                    let diags = self.end_resync(dir, out).into_iter().collect();
                    self.cut = Some(cut_reason(what, len, line_cut));
                    self.start_request(h, len, chunk.ts_at(0), diags, out);
                    if matches!(self.client.state, State::Body(_)) {
                        self.finish_request(None, out);
                    }
                }
            }
            Direction::ServerToClient => {
                let head = match wire::close_cut_head(chunk.data) {
                    Some(head) => match wire::parse_response(&head, max_head) {
                        Parsed::Complete(_, h) => Some((h, false)),
                        _ => None,
                    },
                    None => wire::cut_status_line(chunk.data).map(|h| (h, true)),
                };
                if let Some((h, line_cut)) = head {
                    let diags = self.end_resync(dir, out).into_iter().collect();
                    self.cut = Some(cut_reason(what, len, line_cut));
                    self.start_response(h, len, chunk, 0, diags, out);
                    if matches!(self.server.state, State::Body(_)) {
                        self.finish_response(None, out);
                    }
                }
            }
        }
        self.cut = None;
    }

    fn on_gap(&mut self, dir: Direction, len: u64, ts: Nanos, out: &mut Output) {
        if self.switched {
            return;
        }
        let snaplen = ts == self.last_ts[dir.index()];
        let side = self.side(dir);
        side.base += len;
        side.scan.reset();
        let absorbed = match &mut side.state {
            State::Body(body) => {
                let fits = body.absorb_gap(len);
                if fits && body.is_done() {
                    Some(true)
                } else if fits {
                    Some(false)
                } else {
                    None
                }
            }
            _ => None,
        };
        let name = side_name(dir);
        match absorbed {
            Some(done) => {
                let msg = format!("{len} bytes of the {name}'s body lost in a capture gap");
                out.diagnostic(DiagKind::Gap, msg.clone());
                match dir {
                    Direction::ClientToServer => {
                        if let Some(r) = self.pending.back_mut().and_then(|ex| ex.req.as_mut()) {
                            r.diagnostics.push(msg);
                            r.gap = true;
                            r.truncated |= snaplen;
                        }
                        if done {
                            self.finish_request(None, out);
                        }
                    }
                    Direction::ServerToClient => {
                        if let Some(r) = self.response.as_mut() {
                            r.diagnostics.push(msg);
                            r.gap = true;
                            r.truncated |= snaplen;
                        }
                        if done {
                            self.finish_response(None, out);
                        }
                    }
                }
            }
            None => {
                let in_body = matches!(self.side(dir).state, State::Body(_) | State::SkipHead(_));
                if in_body {
                    let why = format!("{len} bytes lost in a capture gap: message cut");
                    match dir {
                        Direction::ClientToServer => {
                            if let Some(r) = self.pending.back_mut().and_then(|ex| ex.req.as_mut())
                            {
                                note(out, &mut r.diagnostics, DiagKind::Gap, why);
                                r.gap = true;
                                r.truncated |= snaplen;
                            }
                            self.finish_request(None, out);
                        }
                        Direction::ServerToClient => {
                            if let Some(r) = self.response.as_mut() {
                                note(out, &mut r.diagnostics, DiagKind::Gap, why);
                                r.gap = true;
                                r.truncated |= snaplen;
                            }
                            self.finish_response(None, out);
                        }
                    }
                } else {
                    out.diagnostic(
                        DiagKind::Gap,
                        format!(
                            "{len} bytes of {name} data lost in a capture gap: resynchronising"
                        ),
                    );
                }
                let side = self.side(dir);
                side.state = State::Head;
                side.after_gap = true;
                if !side.resync {
                    side.resync = true;
                    side.resync_reason = Some(format!("after a {len} byte capture gap"));
                }
            }
        }
    }

    fn on_fin(&mut self, dir: Direction, _ts: Nanos, out: &mut Output) {
        if self.switched {
            return;
        }
        self.end_of_stream(dir, out);
    }

    fn on_close(&mut self, _ts: Nanos, out: &mut Output) {
        if self.switched {
            return;
        }
        self.end_of_stream(Direction::ClientToServer, out);
        self.end_of_stream(Direction::ServerToClient, out);
        self.report_skipped(Direction::ClientToServer, out);
        self.report_skipped(Direction::ServerToClient, out);
        self.flush_all(out);
    }

    fn buffered_bytes(&self) -> usize {
        // Bodies being received, plus every parsed message waiting for its partner (one
        // or two in the usual case; at most `max_pending`).
        // A body's bytes as they arrive (its allocation is made for the announced length
        // at once, but pages that were never written take no memory).
        let body = |side: &Side| match &side.state {
            State::Body(b) => b.kept.len(),
            _ => 0,
        };
        let req = |r: &ReqMsg| {
            HELD_MESSAGE
                + 2 * r.req.headers_size as usize
                + r.req.post_data.as_ref().map_or(0, |p| p.text.capacity())
        };
        let resp = |r: &RespMsg| {
            HELD_MESSAGE + 2 * r.resp.headers_size as usize + r.resp.content.text.capacity()
        };
        let mut n = body(&self.client) + body(&self.server);
        n += self.response.as_ref().map_or(0, resp);
        for ex in &self.pending {
            n += ex.req.as_ref().map_or(0, req) + ex.resp.as_ref().map_or(0, resp);
        }
        n
    }
}

/// Estimated heap bytes of a parsed message besides its parsed head (about twice the head's
/// wire size) and body.
const HELD_MESSAGE: usize = 512;
