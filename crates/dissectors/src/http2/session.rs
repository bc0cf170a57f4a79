//! The per-connection HTTP/2 state machine: one [`Side`] per direction (preface, frame
//! parsing with DATA payloads streamed, CONTINUATION accumulation, resynchronisation, its
//! HPACK decoder) and a map of open streams, each becoming one entry.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use mizu_dissect::kit::{self, be16, be32, note, side_name};
use mizu_dissect::{
    Chunk, DiagKind, Diagnostic, HandedOver, Limits, Output, Session, SessionContext,
};
use mizu_model::{Content, Direction, Entry, Header, HttpRequest, HttpResponse, Nanos, Payload};

use super::frame::{self, FrameHeader, HEADER_LEN, PREFACE};
use super::grpc;
use super::hpack::Decoder;
use super::{GRPC_ABBR, INFO};
use crate::content;
use crate::protobuf::Schema;

/// Recently finished stream ids remembered, so late frames for them are not taken for
/// streams whose start was missed.
const RECENT: usize = 256;

/// A DATA frame whose payload is being received.
#[derive(Debug)]
struct DataFrame {
    stream: u32,
    data_left: usize,
    pad_left: usize,
    end_stream: bool,
}

/// A header block waiting for CONTINUATION frames.
#[derive(Debug)]
struct Pending {
    stream: u32,
    promised: Option<u32>,
    end_stream: bool,
    block: Vec<u8>,
    ts: Nanos,
    wire: u64,
}

#[derive(Debug)]
struct Side {
    hpack: Decoder,
    expect_preface: bool,
    /// False after a gap: looking for a frame boundary.
    synced: bool,
    data: Option<DataFrame>,
    /// Bytes of an oversized frame still to discard.
    skip: usize,
    cont: Option<Pending>,
    /// Largest frame this side may send (the peer's SETTINGS_MAX_FRAME_SIZE).
    max_frame: usize,
    /// Bytes of this side were seen.
    started: bool,
}

impl Side {
    fn new(expect_preface: bool) -> Side {
        Side {
            hpack: Decoder::new(),
            expect_preface,
            synced: true,
            data: None,
            skip: 0,
            cont: None,
            max_frame: frame::PROBE_MAX_LEN,
            started: false,
        }
    }
}

/// One direction of a stream: a request or a response.
#[derive(Debug, Default)]
struct Msg {
    headers: Option<Vec<Header>>,
    trailers: Vec<Header>,
    informational: Vec<u16>,
    /// First frame's capture time.
    ts: Option<Nanos>,
    /// Capture time of the (final) header block.
    head_ts: Option<Nanos>,
    body: Vec<u8>,
    marks: Vec<(usize, Nanos)>,
    body_size: u64,
    wire: u64,
    headers_size: u64,
    done: bool,
    truncated: bool,
    gap: bool,
    diags: Vec<String>,
}

/// A decoded header block (see [`Http2Session::decode_block`]).
struct DecodedBlock {
    headers: Vec<Header>,
    gap: bool,
    truncated: bool,
    diags: Vec<String>,
}

#[derive(Debug, Default)]
struct Stream {
    req: Msg,
    resp: Msg,
    /// Ended by RST_STREAM / GOAWAY / connection close: why.
    error: Option<String>,
    /// The HTTP/1.1 request this stream continues (h2c upgrade, stream 1).
    handed: Option<HandedOver>,
}

pub(crate) struct Http2Session {
    ctx: SessionContext,
    limits: Limits,
    schema: Option<Arc<Schema>>,
    sides: [Side; 2],
    streams: BTreeMap<u32, Stream>,
    recent: VecDeque<u32>,
    templates: [Entry; 2],
    /// Highest client-initiated stream the client opened (ids only grow, RFC 9113 §5.1.1).
    max_client_stream: u32,
    /// Client-initiated streams first seen from the server, waiting for their request.
    orphans: Vec<u32>,
    /// The bytes are known to be HTTP/2: the client sent the preface, the connection was
    /// upgraded from HTTP/1.1, or (for a mid-stream guess) a header block decoded into a
    /// `:method` or `:status`. Until then nothing is emitted (see [`Guess`]).
    confirmed: bool,
    /// A mid-stream guess that has not confirmed itself yet.
    guess: Guess,
    /// Capture time of the last byte offered per direction: a gap reported at that time
    /// comes from the same packet (snaplen cut: `truncated`); later, it is loss (`gap`).
    last_ts: [Nanos; 2],
}

/// What an unconfirmed mid-stream guess has produced so far, held back until the bytes
/// prove to be HTTP/2 (then emitted) or prove not to be (then dropped).
#[derive(Debug, Default)]
struct Guess {
    entries: Vec<Entry>,
    diagnostics: Vec<Diagnostic>,
    /// Evidence against HTTP/2 seen while unconfirmed: why.
    refuted: Option<String>,
    /// The guess was refuted: every later byte is skipped.
    declined: bool,
    /// Bytes skipped since the guess was refuted.
    skipped: u64,
    /// Entries dropped because they never got confirmed.
    dropped: usize,
}

/// Entries an unconfirmed guess holds back at most (older ones are dropped and counted).
const GUESS_HELD: usize = 64;

impl Http2Session {
    pub(crate) fn new(
        ctx: SessionContext,
        schema: Option<Arc<Schema>>,
        handed: Option<HandedOver>,
    ) -> Http2Session {
        let plain = ctx.new_entry(INFO.protocol());
        let mut grpc = plain.clone();
        grpc.protocol.abbr = GRPC_ABBR.into();
        let mut s = Http2Session {
            ctx,
            limits: ctx.limits,
            schema,
            sides: [Side::new(true), Side::new(false)],
            streams: BTreeMap::new(),
            recent: VecDeque::new(),
            templates: [plain, grpc],
            max_client_stream: 0,
            orphans: Vec::new(),
            confirmed: false,
            guess: Guess::default(),
            last_ts: [0; 2],
        };
        if let Some(h) = handed {
            s.confirmed = true;
            s.max_client_stream = 1;
            // RFC 9113 §3.2: the upgrade request is stream 1, half-closed by the client.
            let st = Stream {
                req: Msg {
                    ts: Some(h.ts),
                    head_ts: Some(h.ts),
                    done: true,
                    ..Msg::default()
                },
                handed: Some(h),
                ..Stream::default()
            };
            s.streams.insert(1, st);
        }
        s
    }

    fn msg(st: &mut Stream, dir: Direction) -> &mut Msg {
        match dir {
            Direction::ClientToServer => &mut st.req,
            Direction::ServerToClient => &mut st.resp,
        }
    }

    /// The stream a frame belongs to, created when it is new (`None`: a finished stream,
    /// or stream 0).
    fn stream(
        &mut self,
        id: u32,
        dir: Direction,
        ts: Nanos,
        out: &mut Output,
    ) -> Option<&mut Stream> {
        if id == 0 || self.recent.contains(&id) {
            return None;
        }
        if !self.streams.contains_key(&id) {
            let cap = self.limits.max_pending.max(1);
            if self.streams.len() >= cap
                && let Some((&old, _)) = self.streams.iter().next()
                && let Some(mut st) = self.streams.remove(&old)
            {
                let why =
                    format!("more than {cap} concurrent streams: the oldest is emitted unfinished");
                note(out, &mut st.req.diags, DiagKind::Limit, why);
                self.finish(old, st, out);
            }
            let mut st = Stream::default();
            let client_initiated = id % 2 == 1;
            if dir == Direction::ServerToClient {
                if client_initiated && id > self.max_client_stream {
                    // The client's HEADERS may still come (the driver replays buffered
                    // directions one after the other after an upgrade): wait for it.
                    self.orphans.push(id);
                } else {
                    // Its start was not captured (or a push without PUSH_PROMISE).
                    st.req.done = true;
                }
            }
            let _ = ts;
            self.streams.insert(id, st);
        }
        self.streams.get_mut(&id)
    }

    /// The client opened stream `id`: streams below it first seen from the server will
    /// never get their request.
    fn client_opened(&mut self, id: u32, out: &mut Output) {
        self.max_client_stream = self.max_client_stream.max(id);
        if self.orphans.is_empty() {
            return;
        }
        let (lost, keep): (Vec<u32>, Vec<u32>) = self.orphans.iter().partition(|&&o| o < id);
        self.orphans = keep;
        for o in lost {
            if let Some(st) = self.streams.get_mut(&o) {
                st.req.done = true;
            }
            self.maybe_emit(o, out);
        }
    }

    /// Records evidence that an unconfirmed guess is not HTTP/2 (no effect once confirmed).
    fn refute(&mut self, why: impl FnOnce() -> String) {
        if !self.confirmed && self.guess.refuted.is_none() {
            self.guess.refuted = Some(why());
        }
    }

    fn remember(&mut self, id: u32) {
        if self.recent.len() >= RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(id);
    }

    /// Emits stream `id` if both sides finished (or it ended in error).
    fn maybe_emit(&mut self, id: u32, out: &mut Output) {
        let ready = self
            .streams
            .get(&id)
            .is_some_and(|s| (s.req.done && s.resp.done) || s.error.is_some());
        if ready && let Some(st) = self.streams.remove(&id) {
            self.finish(id, st, out);
        }
    }

    fn finish(&mut self, id: u32, st: Stream, out: &mut Output) {
        self.remember(id);
        if st.req.headers.is_none() && st.handed.is_none() && st.resp.headers.is_none() {
            // Neither head was captured: no method, no path, no status. Such an entry
            // says nothing a user could act on (and is what junk decodes to): count it.
            let bytes = st.req.wire + st.resp.wire;
            out.diagnostic(DiagKind::Gap, format!(
                "stream {id}: neither request nor response headers captured ({bytes} bytes of frames): not shown"
            ));
            return;
        }
        let e = self.build_entry(id, st, out);
        out.emit(e);
    }

    fn end_message(&mut self, dir: Direction, id: u32, out: &mut Output) {
        if let Some(st) = self.streams.get_mut(&id) {
            Self::msg(st, dir).done = true;
        }
        self.maybe_emit(id, out);
    }

    // ----- frames -------------------------------------------------------------------

    /// Ends the current DATA frame of `dir` if all its payload and padding arrived.
    fn data_frame_done(&mut self, dir: Direction, out: &mut Output) {
        let side = &mut self.sides[dir.index()];
        if let Some(df) = &side.data
            && df.data_left == 0
            && df.pad_left == 0
        {
            let (id, end) = (df.stream, df.end_stream);
            side.data = None;
            if end {
                self.end_message(dir, id, out);
            }
        }
    }

    fn body_bytes(&mut self, dir: Direction, id: u32, bytes: &[u8], ts: Nanos, out: &mut Output) {
        let cap = self.limits.max_body;
        let Some(st) = self.stream(id, dir, ts, out) else {
            return;
        };
        let m = Self::msg(st, dir);
        m.body_size += bytes.len() as u64;
        m.wire += bytes.len() as u64;
        if m.body.len() < cap {
            if m.marks.last().is_none_or(|&(_, t)| t != ts) {
                m.marks.push((m.body.len(), ts));
            }
            if content::push_capped(&mut m.body, bytes, cap) {
                m.truncated = true;
            }
        } else if !bytes.is_empty() {
            m.truncated = true;
        }
    }

    /// HPACK-decodes a complete header block: the fields, whether some were lost (a
    /// gap, an HPACK error) or cut (the size limit), and diagnostics (also counted in
    /// `out`). A block that decodes into a request or response head confirms HTTP/2; an
    /// HPACK error refutes an unconfirmed guess.
    fn decode_block(&mut self, dir: Direction, block: &[u8], out: &mut Output) -> DecodedBlock {
        let mut headers = Vec::new();
        let max_list = self.limits.max_head;
        let r = self.sides[dir.index()]
            .hpack
            .decode(block, &mut headers, max_list);
        let mut diags = Vec::new();
        let mut gap = false;
        let mut truncated = false;
        let decoded = r.is_ok();
        match r {
            Ok(b) => {
                if b.unknown > 0 {
                    gap = true;
                    diags.push(Diagnostic::new(DiagKind::Gap, format!(
                        "{} header field(s) refer to HPACK dynamic-table entries sent before the capture or a gap: left out",
                        b.unknown
                    )));
                    diags.extend(
                        b.notes
                            .into_iter()
                            .map(|n| Diagnostic::new(DiagKind::Gap, n)),
                    );
                }
                if b.over_cap > 0 {
                    truncated = true;
                    diags.push(Diagnostic::new(
                        DiagKind::Limit,
                        format!(
                            "header list over {max_list} bytes: {} field(s) left out",
                            b.over_cap
                        ),
                    ));
                }
            }
            Err(e) => {
                self.refute(|| format!("HPACK error ({e})"));
                gap = true;
                diags.push(Diagnostic::new(
                    DiagKind::Malformed,
                    format!(
                        "HPACK error ({e}): this block is incomplete and later ones may lack fields"
                    ),
                ));
            }
        }
        if decoded
            && headers
                .iter()
                .any(|h| h.name == ":method" || h.name == ":status")
        {
            // A header block that decodes into a request or a response head: HTTP/2.
            self.confirmed = true;
        }
        for d in &diags {
            out.diagnostic(d.kind, d.message.clone());
        }
        DecodedBlock {
            headers,
            gap,
            truncated,
            diags: diags.into_iter().map(|d| d.message).collect(),
        }
    }

    fn header_block(&mut self, dir: Direction, p: Pending, out: &mut Output) {
        let DecodedBlock {
            headers,
            gap,
            truncated,
            diags,
        } = self.decode_block(dir, &p.block, out);
        if let Some(promised) = p.promised {
            // PUSH_PROMISE: the promised stream's request, sent by the server.
            if promised == 0
                || self.streams.contains_key(&promised)
                || self.recent.contains(&promised)
            {
                out.diagnostic(
                    DiagKind::Malformed,
                    format!("PUSH_PROMISE for unusable stream {promised}"),
                );
                return;
            }
            let st = Stream {
                req: Msg {
                    headers: Some(headers),
                    ts: Some(p.ts),
                    head_ts: Some(p.ts),
                    wire: p.wire,
                    headers_size: p.wire,
                    done: true,
                    truncated,
                    gap,
                    diags,
                    ..Msg::default()
                },
                ..Stream::default()
            };
            self.streams.insert(promised, st);
            return;
        }
        if dir == Direction::ClientToServer && p.stream % 2 == 1 {
            self.client_opened(p.stream, out);
        }
        let Some(st) = self.stream(p.stream, dir, p.ts, out) else {
            return;
        };
        let m = Self::msg(st, dir);
        m.wire += p.wire;
        if m.ts.is_none() {
            m.ts = Some(p.ts);
        }
        let status = grpc::find(&headers, ":status").and_then(|s| s.parse::<u16>().ok());
        match status {
            Some(code)
                if dir == Direction::ServerToClient
                    && (100..200).contains(&code)
                    && m.headers.is_none() =>
            {
                m.informational.push(code);
                m.headers_size += p.wire;
            }
            _ if m.headers.is_none() => {
                m.headers = Some(headers);
                m.head_ts = Some(p.ts);
                m.headers_size += p.wire;
            }
            _ => m.trailers.extend(headers),
        }
        m.gap |= gap;
        m.truncated |= truncated;
        m.diags.extend(diags);
        if p.end_stream {
            self.end_message(dir, p.stream, out);
        }
    }

    /// A complete non-DATA frame.
    /// `RST_STREAM`: the stream ends (an error unless it was a complete response).
    fn rst_stream(
        &mut self,
        dir: Direction,
        stream: u32,
        payload: &[u8],
        wire: u64,
        out: &mut Output,
    ) {
        let code = be32(payload, 0).unwrap_or(0);
        let Some(st) = self.streams.get_mut(&stream) else {
            return;
        };
        Self::msg(st, dir).wire += wire;
        if code == 0 && st.resp.done {
            // §8.1: a complete response, the client need not finish its request.
            st.req.done = true;
        } else {
            let why = format!(
                "RST_STREAM {} from the {}",
                frame::error_name(code),
                side_name(dir)
            );
            out.diagnostic(DiagKind::PeerError, format!("stream {stream}: {why}"));
            st.error = Some(why);
        }
        self.maybe_emit(stream, out);
    }

    /// `GOAWAY`: the connection ends; streams past the last processed one never ran.
    fn goaway(&mut self, dir: Direction, payload: &[u8], out: &mut Output) {
        let last = be32(payload, 0).unwrap_or(0) & 0x7fff_ffff;
        let code = be32(payload, 4).unwrap_or(0);
        let debug = payload.get(8..).unwrap_or(&[]);
        let debug = String::from_utf8_lossy(&debug[..debug.len().min(256)]).into_owned();
        let why = format!(
            "GOAWAY {} from the {}{}",
            frame::error_name(code),
            side_name(dir),
            if debug.is_empty() {
                String::new()
            } else {
                format!(" ({debug})")
            }
        );
        out.diagnostic(DiagKind::PeerError, format!("{why}, last stream {last}"));
        // Streams the sender of GOAWAY never processed: initiated by the receiver.
        let parity = u32::from(dir == Direction::ServerToClient);
        let dead: Vec<u32> = self
            .streams
            .range(last.saturating_add(1)..)
            .map(|(&id, _)| id)
            .filter(|id| id % 2 == parity)
            .collect();
        for id in dead {
            if let Some(st) = self.streams.get_mut(&id) {
                st.error = Some(format!("{why}: stream not processed"));
            }
            self.maybe_emit(id, out);
        }
    }

    /// `SETTINGS` (not an ACK) sent on side `i`: only the frame size limit matters here.
    fn settings(&mut self, i: usize, payload: &[u8]) {
        for s in payload.chunks_exact(6) {
            let id = be16(s, 0).unwrap_or(0);
            let v = be32(s, 2).unwrap_or(0) as usize;
            if id == frame::SETTINGS_MAX_FRAME_SIZE {
                // The peer of the sender may now send frames this large.
                self.sides[1 - i].max_frame = v.clamp(frame::PROBE_MAX_LEN, (1 << 24) - 1);
            }
        }
    }

    fn control_frame(
        &mut self,
        dir: Direction,
        h: FrameHeader,
        payload: &[u8],
        ts: Nanos,
        out: &mut Output,
    ) {
        let i = dir.index();
        let wire = (HEADER_LEN + h.len) as u64;
        if let Some(p) = &self.sides[i].cont
            && (h.kind != frame::CONTINUATION || h.stream != p.stream)
        {
            // RFC 9113 §6.10: only CONTINUATION of the same stream may follow.
            let stream = p.stream;
            self.sides[i].cont = None;
            self.sides[i].hpack.lose_sync();
            let msg = format!(
                "stream {stream}: header block interrupted by a {} frame: dropped",
                frame::type_name(h.kind)
            );
            out.diagnostic(DiagKind::Malformed, msg.clone());
            if let Some(st) = self.streams.get_mut(&stream) {
                let m = Self::msg(st, dir);
                m.gap = true;
                m.diags.push(msg);
            }
        }
        match h.kind {
            frame::HEADERS | frame::PUSH_PROMISE => {
                let parsed = if h.kind == frame::HEADERS {
                    frame::headers_fragment(payload, h.flags).map(|f| (None, f))
                } else {
                    frame::push_promise(payload, h.flags).map(|(p, f)| (Some(p), f))
                };
                let Some((promised, fragment)) = parsed else {
                    out.diagnostic(DiagKind::Malformed, format!(
                        "stream {}: malformed {} frame (padding/priority longer than the payload)",
                        h.stream,
                        frame::type_name(h.kind)
                    ));
                    self.sides[i].hpack.lose_sync();
                    return;
                };
                let p = Pending {
                    stream: h.stream,
                    promised,
                    end_stream: h.kind == frame::HEADERS && h.flags & frame::FLAG_END_STREAM != 0,
                    block: fragment.to_vec(),
                    ts,
                    wire,
                };
                if h.flags & frame::FLAG_END_HEADERS != 0 {
                    self.header_block(dir, p, out);
                } else {
                    self.sides[i].cont = Some(p);
                }
            }
            frame::CONTINUATION => {
                let max = self.limits.max_head;
                let Some(mut p) = self.sides[i].cont.take() else {
                    out.diagnostic(
                        DiagKind::Malformed,
                        format!("stream {}: CONTINUATION without a header block", h.stream),
                    );
                    return;
                };
                if p.block.len() + payload.len() > max {
                    self.sides[i].hpack.lose_sync();
                    let msg = format!(
                        "stream {}: header block over {max} bytes: dropped",
                        p.stream
                    );
                    out.diagnostic(DiagKind::Limit, msg.clone());
                    if let Some(st) = self.stream(p.stream, dir, p.ts, out) {
                        let m = Self::msg(st, dir);
                        m.truncated = true;
                        m.gap = true;
                        m.diags.push(msg);
                    }
                    if p.end_stream {
                        self.end_message(dir, p.stream, out);
                    }
                    return;
                }
                p.block.extend_from_slice(payload);
                p.wire += wire;
                if h.flags & frame::FLAG_END_HEADERS != 0 {
                    self.header_block(dir, p, out);
                } else {
                    self.sides[i].cont = Some(p);
                }
            }
            frame::RST_STREAM => self.rst_stream(dir, h.stream, payload, wire, out),
            frame::GOAWAY => self.goaway(dir, payload, out),
            frame::SETTINGS if h.flags & frame::FLAG_ACK == 0 => self.settings(i, payload),
            // PRIORITY, PING, WINDOW_UPDATE: nothing to show. Unknown types: ignored (§4.1).
            _ => {}
        }
    }

    /// Looks for a frame boundary in `rest` after a gap: a plausible header followed by
    /// another. `Ok(k)`: synced at `k`; `Err(k)`: `k` bytes are not a boundary, wait.
    fn resync(&self, i: usize, rest: &[u8]) -> Result<usize, usize> {
        let max = self.sides[i].max_frame;
        let mut k = 0;
        loop {
            let Some(h) = FrameHeader::parse(&rest[k..]) else {
                return Err(k);
            };
            if h.plausible(frame::reserved_bit(&rest[k..]), max) {
                let next = k + HEADER_LEN + h.len;
                match rest.get(next..) {
                    Some(n) if n.len() >= HEADER_LEN => {
                        if FrameHeader::parse(n)
                            .is_some_and(|h2| h2.plausible(frame::reserved_bit(n), max))
                        {
                            return Ok(k);
                        }
                    }
                    _ => return Err(k),
                }
            }
            k += 1;
        }
    }

    // ----- entries ------------------------------------------------------------------

    fn build_entry(&self, id: u32, st: Stream, out: &mut Output) -> Entry {
        let Stream {
            mut req,
            mut resp,
            error,
            handed,
        } = st;
        if req.headers.is_none() && handed.is_none() {
            req.gap = true;
            let why = format!("stream {id}: request headers not captured");
            note(out, &mut req.diags, DiagKind::Gap, why);
        }
        let req_headers = req.headers.take().unwrap_or_default();
        let resp_headers = resp.headers.take();
        let handed_req = handed
            .as_ref()
            .and_then(|h| h.entry.request.as_http_request());
        let ct_req = grpc::find(&req_headers, "content-type")
            .or_else(|| handed_req.and_then(|r| r.header("content-type")));
        let ct_resp = resp_headers
            .as_deref()
            .and_then(|h| grpc::find(h, "content-type"));
        let kind = ct_req.and_then(grpc::kind).or(ct_resp.and_then(grpc::kind));
        let mut e = self.templates[usize::from(kind.is_some())].clone();
        let mut diags = Vec::new();
        let mut req_size = req.wire;
        let mut resp_size = resp.wire;
        let mut informational = Vec::new();
        let path = grpc::find(&req_headers, ":path")
            .map(str::to_owned)
            .or_else(|| handed_req.map(|r| r.target_uri.clone()))
            .unwrap_or_default();
        let (service, method) = grpc::split_path(&path);

        // Request.
        let mut request = match &handed {
            Some(h) => {
                req_size += h.entry.request_size;
                resp_size += h.entry.response_size;
                diags.extend(h.entry.diagnostics.iter().cloned());
                e.gap |= h.entry.gap;
                e.truncated |= h.entry.truncated;
                informational.push(101);
                match &h.entry.request {
                    Payload::HttpRequest(r) => (**r).clone(),
                    _ => HttpRequest::default(),
                }
            }
            None => self.build_request(&req_headers, req.headers_size),
        };
        if handed.is_none() {
            self.request_body(&mut request, req_headers, &mut req, &mut diags);
        }
        let mut response = self.build_response(
            resp_headers,
            &mut resp,
            error.as_deref(),
            informational,
            &mut diags,
        );
        if let Some(kind) = kind {
            let call = GrpcCall {
                kind,
                service,
                method,
            };
            self.decode_grpc(
                &call,
                &req,
                &resp,
                &mut request,
                response.as_mut(),
                &mut diags,
            );
        }

        // Entry.
        let req_ts = req
            .ts
            .or(handed.as_ref().map(|h| h.ts))
            .or(resp.ts)
            .unwrap_or(0);
        let resp_ts = resp.head_ts.or(resp.ts);
        e.set_times(req_ts, resp_ts);
        e.request_size = req_size;
        e.response_size = resp_size;
        e.truncated |= req.truncated || resp.truncated;
        e.gap |= req.gap || resp.gap;
        let mut all = std::mem::take(&mut req.diags);
        all.append(&mut resp.diags);
        all.append(&mut diags);
        e.truncated |= how_it_ended(id, error.as_deref(), response.is_some(), &resp, &mut all, out);
        e.diagnostics.extend(all);
        e.request = Payload::HttpRequest(Box::new(request));
        e.response = match response {
            Some(r) => Payload::HttpResponse(Box::new(r)),
            None => Payload::None,
        };
        e
    }

    /// A request's own headers, trailers and body (not for a request handed over by
    /// HTTP/1.1, which has them already).
    fn request_body(
        &self,
        request: &mut HttpRequest,
        headers: Vec<Header>,
        req: &mut Msg,
        diags: &mut Vec<String>,
    ) {
        request.headers = headers;
        request.trailers = std::mem::take(&mut req.trailers);
        request.body_size = req.body_size;
        if req.body_size > 0 || !req.body.is_empty() {
            let c = body_content(&request.headers, req, self.limits.max_body, diags, "request");
            // A gap alone makes the content incomplete, not `truncated` (entry.md).
            req.truncated |= c.truncated && !req.gap;
            request.post_data = Some(post_data(c));
        }
    }

    /// The response of a stream: from its head, or a status-0 stand-in when the stream
    /// ended in an error or its head was missed; `None` when nothing was answered.
    /// `informational`: the interim statuses seen before it (101 of an h2c upgrade).
    fn build_response(
        &self,
        head: Option<Vec<Header>>,
        resp: &mut Msg,
        error: Option<&str>,
        mut informational: Vec<u16>,
        diags: &mut Vec<String>,
    ) -> Option<HttpResponse> {
        let mut response = head.map(|h| response_from_head(h, resp, diags));
        if response.is_none() && (error.is_some() || resp.body_size > 0) {
            // No response head: an error (status 0) or a response whose head was missed.
            response = Some(HttpResponse {
                status: 0,
                http_version: "HTTP/2.0".to_owned(),
                body_size: resp.body_size,
                trailers: std::mem::take(&mut resp.trailers),
                ..HttpResponse::default()
            });
        }
        let mut r = response?;
        informational.append(&mut resp.informational);
        r.informational = informational;
        if let Some(err) = error {
            r.status_text = err.to_owned();
        }
        if resp.body_size > 0 || !resp.body.is_empty() {
            let c = body_content(&r.headers, resp, self.limits.max_body, diags, "response");
            resp.truncated |= c.truncated && !resp.gap;
            r.content = c;
        } else {
            r.content.mime_type = grpc::find(&r.headers, "content-type")
                .unwrap_or("")
                .to_owned();
        }
        Some(r)
    }

    /// Decodes the gRPC messages of both bodies into `request.grpc` / `response.grpc`.
    fn decode_grpc(
        &self,
        call: &GrpcCall<'_>,
        req: &Msg,
        resp: &Msg,
        request: &mut HttpRequest,
        response: Option<&mut HttpResponse>,
        diags: &mut Vec<String>,
    ) {
        let (kind, cap) = (call.kind, self.limits.max_body);
        let schema = self.schema.as_deref();
        let mut g = mizu_model::Grpc {
            service: call.service.to_owned(),
            method: call.method.to_owned(),
            web: kind != grpc::Kind::Grpc,
            ..Default::default()
        };
        let enc = grpc::find(&request.headers, "grpc-encoding").map(str::to_owned);
        g.encoding = enc.clone().unwrap_or_default();
        let b = grpc::Body {
            kind,
            bytes: &req.body,
            marks: &req.marks,
            incomplete: req.truncated || req.gap,
            encoding: enc.as_deref(),
            service: call.service,
            method: call.method,
            request: true,
            cap,
            json: grpc::find(&request.headers, "content-type").is_some_and(grpc::is_json),
        };
        grpc::decode_messages(&b, schema, &mut g, diags);
        request.grpc = Some(Box::new(g));
        if let Some(r) = response {
            let mut g = mizu_model::Grpc {
                web: kind != grpc::Kind::Grpc,
                ..Default::default()
            };
            let enc = grpc::find(&r.headers, "grpc-encoding").map(str::to_owned);
            g.encoding = enc.clone().unwrap_or_default();
            let b = grpc::Body {
                kind,
                bytes: &resp.body,
                marks: &resp.marks,
                incomplete: resp.truncated || resp.gap,
                encoding: enc.as_deref(),
                service: call.service,
                method: call.method,
                request: false,
                cap,
                json: grpc::find(&r.headers, "content-type").is_some_and(grpc::is_json),
            };
            let web_trailers = grpc::decode_messages(&b, schema, &mut g, diags);
            r.trailers.extend(web_trailers);
            grpc::set_status(&mut g, &[&r.trailers, &r.headers]);
            r.grpc = Some(Box::new(g));
        }
    }

    fn build_request(&self, h: &[Header], headers_size: u64) -> HttpRequest {
        let method = grpc::find(h, ":method").unwrap_or("").to_owned();
        let target = grpc::find(h, ":path").unwrap_or("").to_owned();
        let scheme = grpc::find(h, ":scheme").unwrap_or("http");
        let authority = grpc::find(h, ":authority")
            .or_else(|| grpc::find(h, "host"))
            .map(str::to_owned)
            .unwrap_or_else(|| self.ctx.server.to_string());
        let url = if target == "*" || target.is_empty() {
            format!("{scheme}://{authority}")
        } else {
            format!("{scheme}://{authority}{target}")
        };
        let no_fragment = target.split('#').next().unwrap_or("");
        let (raw_path, query) = no_fragment.split_once('?').unwrap_or((no_fragment, ""));
        let path = content::percent_decode(raw_path, false);
        let path_segments = raw_path
            .split('/')
            .filter(|s| !s.is_empty() && *s != "*")
            .map(|s| content::percent_decode(s, false))
            .collect();
        let cookies = h
            .iter()
            .filter(|x| x.name.eq_ignore_ascii_case("cookie"))
            .flat_map(|x| content::parse_cookie_header(&x.value))
            .collect();
        HttpRequest {
            method,
            url,
            path,
            path_segments,
            http_version: "HTTP/2.0".to_owned(),
            cookies,
            query_string: content::parse_query(query),
            headers_size,
            target_uri: target,
            ..HttpRequest::default()
        }
    }
}

/// Undoes `content-encoding` on a received body with the decoder HTTP/1 uses, and builds
/// its [`Content`]. Problems go to the entry only (HTTP/2 does not count them).
fn body_content(
    headers: &[Header],
    m: &Msg,
    cap: usize,
    diags: &mut Vec<String>,
    what: &str,
) -> Content {
    let raw = content::RawBody {
        mime: grpc::find(headers, "content-type").unwrap_or("").to_owned(),
        encoding: grpc::find(headers, "content-encoding"),
        kept: m.body.clone(),
        size: m.body_size,
        truncated: m.truncated || m.gap,
        capped: false,
    };
    let mut typed = Vec::new();
    let c = content::body_content(raw, cap, what, &mut typed);
    diags.extend(typed.into_iter().map(|d| d.message));
    c.content
}

/// The gRPC call a stream carries.
struct GrpcCall<'a> {
    kind: grpc::Kind,
    service: &'a str,
    method: &'a str,
}

/// A request body's `postData`, with form fields parsed.
fn post_data(c: Content) -> mizu_model::PostData {
    let mut pd = mizu_model::PostData::from(c);
    let essence = pd
        .mime_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if pd.encoding.is_none() {
        if essence == "application/x-www-form-urlencoded" {
            pd.params = content::parse_urlencoded(pd.text.as_bytes());
        } else if essence == "multipart/form-data" {
            pd.params = content::parse_multipart(&pd.mime_type, pd.text.as_bytes());
        }
    }
    pd
}

/// How a stream ended, as its entry's last diagnostic: reset or closed with an error,
/// never answered (also counted in `out`), or cut before the response ended. `true`: the
/// entry is truncated (the response did not end).
fn how_it_ended(
    id: u32,
    error: Option<&str>,
    answered: bool,
    resp: &Msg,
    diags: &mut Vec<String>,
    out: &mut Output,
) -> bool {
    if let Some(err) = error {
        diags.push(format!("stream {id} ended by {err}"));
    } else if !answered {
        diags.push("no response captured".to_owned());
        out.diagnostic(DiagKind::Unanswered, "no response captured");
    } else if !resp.done {
        diags.push("connection ended before the response did".to_owned());
        return true;
    }
    false
}

/// The response from its header block (the body comes later).
fn response_from_head(h: Vec<Header>, resp: &mut Msg, diags: &mut Vec<String>) -> HttpResponse {
    let status = grpc::find(&h, ":status").and_then(|s| s.parse::<u16>().ok());
    if status.is_none() {
        diags.push("response without a valid :status".to_owned());
    }
    let cookies = h
        .iter()
        .filter(|x| x.name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|x| content::parse_set_cookie(&x.value))
        .collect();
    HttpResponse {
        status: status.unwrap_or(0),
        status_text: String::new(),
        http_version: "HTTP/2.0".to_owned(),
        redirect_url: grpc::find(&h, "location").unwrap_or("").to_owned(),
        headers: h,
        cookies,
        content: Content::default(),
        body_size: resp.body_size,
        headers_size: resp.headers_size,
        trailers: std::mem::take(&mut resp.trailers),
        informational: Vec::new(),
        grpc: None,
    }
}

impl Http2Session {
    /// Runs `f` with the output an unconfirmed guess may use: entries and diagnostics are
    /// held back until the guess confirms itself (then released in order) or is refuted
    /// (then dropped, and the rest of the connection skipped).
    fn guarded<R>(&mut self, out: &mut Output, f: impl FnOnce(&mut Self, &mut Output) -> R) -> R {
        if self.confirmed {
            return f(self, out);
        }
        let mut tmp = Output::default();
        let r = f(self, &mut tmp);
        out.upgrade = tmp.upgrade.take();
        if self.confirmed {
            out.entries.append(&mut self.guess.entries);
            out.entries.append(&mut tmp.entries);
            out.diagnostics.append(&mut self.guess.diagnostics);
            out.diagnostics.append(&mut tmp.diagnostics);
        } else if let Some(why) = self.guess.refuted.clone() {
            if !self.guess.declined {
                self.guess.declined = true;
                let n = self.guess.entries.len() + tmp.entries.len() + self.guess.dropped;
                self.guess.entries.clear();
                self.guess.diagnostics.clear();
                self.streams.clear();
                out.diagnostic(DiagKind::Malformed, format!(
                    "not HTTP/2 after all ({why}): the mid-stream guess is dropped ({n} unconfirmed entries not shown)"
                ));
            }
        } else {
            self.guess.entries.append(&mut tmp.entries);
            self.guess.diagnostics.append(&mut tmp.diagnostics);
            let over = self.guess.entries.len().saturating_sub(GUESS_HELD);
            if over > 0 {
                self.guess.entries.drain(..over);
                self.guess.dropped += over;
            }
            let over = self.guess.diagnostics.len().saturating_sub(GUESS_HELD);
            self.guess.diagnostics.drain(..over);
        }
        r
    }

    fn process(&mut self, chunk: &Chunk<'_>, out: &mut Output) -> usize {
        self.last_ts[chunk.dir.index()] = chunk.last_ts();
        kit::drive(chunk.data.len(), |pos| self.step(chunk, pos, out))
    }

    /// One step of [`Http2Session::process`] at `pos` of the offered bytes (see
    /// [`kit::drive`]): DATA payload or padding, alignment (skipping, the preface, finding
    /// a frame boundary), or one frame.
    fn step(&mut self, chunk: &Chunk<'_>, pos: usize, out: &mut Output) -> kit::Step {
        let dir = chunk.dir;
        let rest = chunk.data.get(pos..).unwrap_or(&[]);
        if self.sides[dir.index()].data.is_some() {
            return self.data_payload(chunk, pos, out);
        }
        if let Some(step) = self.align(dir, rest, out) {
            return step;
        }
        let Some(h) = FrameHeader::parse(rest) else {
            return kit::Step::Wait;
        };
        if !self.confirmed && !self.plausible_frame(dir, &h, rest) {
            return kit::Step::Wait;
        }
        let ts = chunk.ts_at(pos);
        if h.kind == frame::DATA {
            self.data_header(dir, &h, rest.get(HEADER_LEN).copied(), ts, out)
        } else {
            self.other_frame(dir, &h, rest, ts, out)
        }
    }

    /// Inside a DATA frame: its payload (to the stream's body), then its padding.
    fn data_payload(&mut self, chunk: &Chunk<'_>, pos: usize, out: &mut Output) -> kit::Step {
        let dir = chunk.dir;
        let rest = chunk.data.get(pos..).unwrap_or(&[]);
        let Some(df) = &mut self.sides[dir.index()].data else {
            return kit::Step::Advance(0);
        };
        let id = df.stream;
        let n = if df.data_left > 0 {
            let n = df.data_left.min(rest.len());
            df.data_left -= n;
            self.body_bytes(dir, id, rest.get(..n).unwrap_or(&[]), chunk.ts_at(pos), out);
            n
        } else {
            let n = df.pad_left.min(rest.len());
            df.pad_left -= n;
            if let Some(st) = self.streams.get_mut(&id) {
                Self::msg(st, dir).wire += n as u64;
            }
            n
        };
        self.data_frame_done(dir, out);
        kit::Step::Advance(n)
    }

    /// Brings a side to a frame boundary: bytes to skip, the client preface, and (after
    /// a gap or a mid-stream start) the search for a boundary. `None`: at a frame header.
    fn align(&mut self, dir: Direction, rest: &[u8], out: &mut Output) -> Option<kit::Step> {
        let i = dir.index();
        let confirmed = self.confirmed;
        let side = &mut self.sides[i];
        if !side.started {
            side.started = true;
            if !confirmed && !side.expect_preface {
                // A mid-stream guess may join this side inside a frame: find a boundary.
                side.synced = false;
            }
        }
        if side.skip > 0 {
            let n = side.skip.min(rest.len());
            side.skip -= n;
            return Some(kit::Step::Advance(n));
        }
        if side.expect_preface {
            let n = rest.len().min(PREFACE.len());
            if rest.get(..n) == PREFACE.get(..n) {
                if n < PREFACE.len() {
                    return Some(kit::Step::Wait);
                }
                side.expect_preface = false;
                self.confirmed = true;
                return Some(kit::Step::Advance(n));
            }
            side.expect_preface = false;
            if !confirmed {
                side.synced = false;
            }
        }
        if self.sides[i].synced {
            return None;
        }
        let (k, found) = match self.resync(i, rest) {
            Ok(k) => (k, true),
            Err(k) => (k, false),
        };
        if k > 0 {
            let what = if found { "to find" } else { "looking for" };
            out.diagnostic(
                DiagKind::Malformed,
                format!(
                    "{}: skipped {k} bytes {what} an HTTP/2 frame boundary",
                    side_name(dir)
                ),
            );
        }
        self.sides[i].synced = found;
        // Not found: the bytes before `k` are garbage and what follows needs more input
        // (searched again from `k`, it waits at once).
        Some(if found || k > 0 {
            kit::Step::Advance(k)
        } else {
            kit::Step::Wait
        })
    }

    /// An unconfirmed guess stays strict: every frame must look like one, and the client
    /// never uses the server's streams. `false` refutes the guess.
    fn plausible_frame(&mut self, dir: Direction, h: &FrameHeader, rest: &[u8]) -> bool {
        let max = self.sides[dir.index()].max_frame;
        if !h.plausible(frame::reserved_bit(rest), max) {
            self.refute(|| {
                format!(
                    "{} sent an implausible frame header (type 0x{:02x}, {} bytes, flags 0x{:02x}, stream {})",
                    side_name(dir),
                    h.kind,
                    h.len,
                    h.flags,
                    h.stream
                )
            });
            return false;
        }
        if dir == Direction::ClientToServer
            && h.stream.is_multiple_of(2)
            && matches!(h.kind, frame::DATA | frame::HEADERS | frame::PUSH_PROMISE)
        {
            self.refute(|| {
                format!(
                    "the client sent a {} frame on stream {}, which only the server may use",
                    frame::type_name(h.kind),
                    h.stream
                )
            });
            return false;
        }
        true
    }

    /// A DATA frame's header (and pad length): the payload follows in
    /// [`Http2Session::data_payload`].
    /// `pad_length`: the byte after the frame header, if it arrived.
    fn data_header(
        &mut self,
        dir: Direction,
        h: &FrameHeader,
        pad_length: Option<u8>,
        ts: Nanos,
        out: &mut Output,
    ) -> kit::Step {
        let padded = h.flags & frame::FLAG_PADDED != 0 && h.len > 0;
        let hdr = HEADER_LEN + usize::from(padded);
        let pad = match (padded, pad_length) {
            (false, _) => 0,
            (true, Some(p)) => usize::from(p),
            (true, None) => return kit::Step::Wait,
        };
        let body_len = h.len - usize::from(padded);
        if pad > body_len {
            out.diagnostic(
                DiagKind::Malformed,
                format!("stream {}: DATA padding longer than the frame", h.stream),
            );
        }
        let data_left = body_len.saturating_sub(pad);
        let end_stream = h.flags & frame::FLAG_END_STREAM != 0;
        if let Some(st) = self.stream(h.stream, dir, ts, out) {
            let m = Self::msg(st, dir);
            // Captured bytes only: the payload and padding are counted as they arrive (a
            // frame cut by the end of the capture never overstates).
            m.wire += hdr as u64;
            if m.ts.is_none() {
                m.ts = Some(ts);
            }
        }
        self.sides[dir.index()].data = Some(DataFrame {
            stream: h.stream,
            data_left,
            pad_left: body_len - data_left,
            end_stream,
        });
        self.data_frame_done(dir, out);
        kit::Step::Advance(hdr)
    }

    /// Any other frame, whole: skipped (and counted) when over the size limit.
    fn other_frame(
        &mut self,
        dir: Direction,
        h: &FrameHeader,
        rest: &[u8],
        ts: Nanos,
        out: &mut Output,
    ) -> kit::Step {
        let i = dir.index();
        let max = self.limits.max_head.max(frame::PROBE_MAX_LEN);
        if h.len > max {
            out.diagnostic(
                DiagKind::Limit,
                format!(
                    "{} frame of {} bytes on stream {} exceeds {max} bytes: skipped",
                    frame::type_name(h.kind),
                    h.len,
                    h.stream
                ),
            );
            if matches!(
                h.kind,
                frame::HEADERS | frame::CONTINUATION | frame::PUSH_PROMISE
            ) {
                self.sides[i].hpack.lose_sync();
                self.sides[i].cont = None;
                if let Some(st) = self.stream(h.stream, dir, ts, out) {
                    let m = Self::msg(st, dir);
                    m.gap = true;
                    m.truncated = true;
                }
            }
            self.sides[i].skip = HEADER_LEN + h.len;
            return kit::Step::Advance(0);
        }
        let end = HEADER_LEN + h.len;
        let Some(payload) = rest.get(HEADER_LEN..end) else {
            return kit::Step::Wait;
        };
        self.control_frame(dir, *h, payload, ts, out);
        kit::Step::Advance(end)
    }

    fn gap(&mut self, dir: Direction, len: u64, ts: Nanos, out: &mut Output) {
        let i = dir.index();
        let snaplen = ts == self.last_ts[i];
        let side = &mut self.sides[i];
        side.synced = false;
        side.expect_preface = false;
        side.skip = 0;
        side.hpack.lose_sync();
        let data = side.data.take();
        let cont = side.cont.take();
        let msg = format!("{}: {len} bytes not captured", side_name(dir));
        out.diagnostic(DiagKind::Gap, msg.clone());
        for st in self.streams.values_mut() {
            let m = Self::msg(st, dir);
            if !m.done {
                m.gap = true;
                m.diags.push(msg.clone());
            }
        }
        if let Some(p) = cont
            && let Some(st) = self.streams.get_mut(&p.stream)
        {
            Self::msg(st, dir).truncated |= snaplen;
        }
        if let Some(df) = data {
            if let Some(st) = self.streams.get_mut(&df.stream) {
                Self::msg(st, dir).truncated |= snaplen;
            }
            if df.end_stream {
                self.end_message(dir, df.stream, out);
            }
        }
    }
}

impl Session for Http2Session {
    fn on_data(&mut self, chunk: &Chunk<'_>, out: &mut Output) -> usize {
        if self.guess.declined {
            self.guess.skipped += chunk.data.len() as u64;
            return chunk.data.len();
        }
        let used = self.guarded(out, |s, o| s.process(chunk, o));
        if self.guess.declined {
            // Refuted part-way: the rest of this chunk is not HTTP/2 either.
            self.guess.skipped += (chunk.data.len() - used) as u64;
            return chunk.data.len();
        }
        used
    }

    fn on_gap(&mut self, dir: Direction, len: u64, ts: Nanos, out: &mut Output) {
        if self.guess.declined {
            return;
        }
        self.guarded(out, |s, o| s.gap(dir, len, ts, o));
    }

    fn on_close(&mut self, _ts: Nanos, out: &mut Output) {
        if self.guess.declined {
            if self.guess.skipped > 0 {
                out.diagnostic(
                    DiagKind::Malformed,
                    format!(
                        "skipped {} bytes after the HTTP/2 guess was refuted",
                        self.guess.skipped
                    ),
                );
            }
            return;
        }
        let confirmed = self.confirmed;
        self.guarded(out, |s, o| {
            for (id, st) in std::mem::take(&mut s.streams) {
                s.finish(id, st, o);
            }
        });
        if !confirmed && !self.confirmed {
            let n = self.guess.entries.len() + self.guess.dropped;
            self.guess.entries.clear();
            self.guess.diagnostics.clear();
            out.diagnostic(DiagKind::Malformed, format!(
                "the HTTP/2 mid-stream guess never confirmed itself (no header block with :method or :status): {n} entries not shown"
            ));
        }
    }

    fn buffered_bytes(&self) -> usize {
        // Open streams' bodies and heads (a handful on most connections), header blocks
        // waiting for CONTINUATION, and the HPACK tables (4 KiB each by default).
        let msg = |m: &Msg| {
            256 + m.body.capacity()
                + m.marks.capacity() * std::mem::size_of::<(usize, Nanos)>()
                + 2 * m.headers_size as usize
        };
        let streams: usize = self
            .streams
            .values()
            .map(|s| msg(&s.req) + msg(&s.resp))
            .sum();
        let sides: usize = self
            .sides
            .iter()
            .map(|s| 8192 + s.cont.as_ref().map_or(0, |c| c.block.capacity()))
            .sum();
        streams + sides
    }
}
