//! The per-connection state: one frame reader per direction, the data message being
//! assembled from its fragments, and control frames (ping, close) waiting for the other
//! side's answer (pong, close) to pair with.

use std::collections::VecDeque;

use mizu_dissect::kit::{self, side_name};
use mizu_dissect::{Chunk, DiagKind, Diagnostic, Output, Session, SessionContext};
use mizu_model::{Direction, Entry, Nanos, Payload};
use serde_json::{Map, Value};

use super::INFO;
use super::deflate::{Inflater, Params, Sink, Stop};
use super::frame::{self, CLOSE, CONTINUATION, FrameHeader, PING, PONG, Parsed, TEXT};

/// A frame header found while resynchronising is only believed up to this length.
const RESYNC_MAX_FRAME: u64 = 16 << 20;

/// Payload bytes kept of one control frame.
const CONTROL_KEEP: usize = 4096;

/// What the session knows from the handshake.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub deflate: Option<Params>,
    /// `Sec-WebSocket-Protocol` the server chose.
    pub subprotocol: Option<String>,
    /// Problems with the handshake's parameters, reported once on the first entry.
    pub notes: Vec<String>,
}

/// One message (a data message, possibly fragmented, or one control frame).
#[derive(Debug)]
struct Msg {
    opcode: u8,
    /// Capture time of its first header byte.
    ts: Nanos,
    frames: u32,
    /// Frame bytes on the wire (headers included).
    wire: u64,
    /// Payload bytes on the wire (compressed, for a compressed message).
    payload: u64,
    compressed: bool,
    masked: bool,
    sink: Sink,
    truncated: bool,
    gap: bool,
    /// Not every frame of it was seen (cut by a gap, a new message, the end).
    incomplete: bool,
    diags: Vec<Diagnostic>,
}

impl Msg {
    fn new(h: &FrameHeader, ts: Nanos, cap: usize) -> Msg {
        Msg {
            opcode: h.opcode,
            ts,
            frames: 1,
            wire: h.header_len as u64,
            payload: 0,
            compressed: false,
            masked: h.mask.is_some(),
            sink: Sink::new(cap),
            truncated: false,
            gap: false,
            incomplete: false,
            diags: Vec::new(),
        }
    }

    fn note(&mut self, kind: DiagKind, d: impl Into<String>) {
        let d = Diagnostic::new(kind, d);
        if !self.diags.iter().any(|x| x.message == d.message) {
            self.diags.push(d);
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum State {
    /// At a frame boundary.
    Header,
    /// Inside a frame's payload.
    Payload {
        remaining: u64,
        /// Offset into the payload (for the mask).
        pos: u64,
        mask: Option<[u8; 4]>,
        control: bool,
        fin: bool,
    },
    /// Looking for the next plausible frame header after lost or invalid bytes.
    Resync,
}

#[derive(Debug)]
struct Side {
    from_client: bool,
    state: State,
    /// The data message being assembled.
    msg: Option<Msg>,
    /// The control frame being read.
    ctrl: Option<Msg>,
    inflater: Option<Inflater>,
    /// Bytes skipped while resynchronising, not yet reported.
    skipped: u64,
    skip_reason: &'static str,
    /// Notes for the next message of this direction.
    next_notes: Vec<Diagnostic>,
    /// Bytes offered but not consumed at the last call.
    waiting: usize,
}

impl Side {
    fn new(from_client: bool, config: &Config, max_body: usize) -> Side {
        Side {
            from_client,
            state: State::Header,
            msg: None,
            ctrl: None,
            inflater: config
                .deflate
                .map(|p| Inflater::new(p.no_context_takeover(from_client), max_body)),
            skipped: 0,
            skip_reason: "",
            next_notes: Vec::new(),
            waiting: 0,
        }
    }
}

pub struct WsSession {
    ctx: SessionContext,
    config: Config,
    sides: [Side; 2],
    /// Pings and closes waiting for the other side's pong/close, by sender.
    pending: [VecDeque<Msg>; 2],
    /// Connection notes not yet attached to an entry.
    notes: Vec<String>,
    notes_reported: bool,
    scratch: Vec<u8>,
}

impl WsSession {
    pub fn new(ctx: SessionContext, config: Config) -> WsSession {
        let max_body = ctx.limits.max_body;
        WsSession {
            sides: [
                Side::new(true, &config, max_body),
                Side::new(false, &config, max_body),
            ],
            notes: config.notes.clone(),
            config,
            ctx,
            pending: [VecDeque::new(), VecDeque::new()],
            notes_reported: false,
            scratch: Vec::new(),
        }
    }

    fn report_notes(&mut self, out: &mut Output) {
        if !self.notes_reported {
            self.notes_reported = true;
            for n in &self.notes {
                out.diagnostic(DiagKind::Unsupported, n.clone());
            }
        }
    }

    fn max_body(&self) -> usize {
        self.ctx.limits.max_body
    }

    /// A frame header was read at capture time `ts`.
    fn begin_frame(&mut self, dir: Direction, h: FrameHeader, ts: Nanos, out: &mut Output) {
        let cap = self.max_body();
        let deflate = self.config.deflate.is_some();
        let side = &mut self.sides[dir.index()];
        let problems = frame::problems(&h, side.from_client, deflate);
        side.state = State::Payload {
            remaining: h.len,
            pos: 0,
            mask: h.mask,
            control: h.is_control(),
            fin: h.fin,
        };
        if h.is_control() {
            // Control payloads are at most 125 bytes; longer ones (flagged) keep 4 KiB, so
            // `max_pending` waiting pings stay small.
            let mut m = Msg::new(&h, ts, cap.min(CONTROL_KEEP));
            m.diags.append(&mut side.next_notes);
            for p in problems {
                m.note(DiagKind::Malformed, p);
            }
            if !matches!(h.opcode, CLOSE | PING | PONG) {
                m.note(
                    DiagKind::Malformed,
                    format!("reserved control opcode 0x{:X}", h.opcode),
                );
            }
            side.ctrl = Some(m);
            return;
        }
        if h.opcode == CONTINUATION {
            if let Some(m) = side.msg.as_mut() {
                m.frames += 1;
                m.wire += h.header_len as u64;
                if h.mask.is_some() != m.masked {
                    m.note(
                        DiagKind::Malformed,
                        "frames of one message differ in masking",
                    );
                }
                for p in problems {
                    m.note(DiagKind::Malformed, p);
                }
                return;
            }
            // The message's first frame was not seen (lost in a gap, or skipped).
            let mut m = Msg::new(&h, ts, cap);
            m.diags.append(&mut side.next_notes);
            m.gap = true;
            m.incomplete = true;
            m.note(
                DiagKind::Gap,
                "continuation frame without the message's first frame",
            );
            for p in problems {
                m.note(DiagKind::Malformed, p);
            }
            side.msg = Some(m);
            return;
        }
        if let Some(mut old) = side.msg.take() {
            old.incomplete = true;
            old.note(
                DiagKind::Malformed,
                "message not finished: the next message started before its final frame",
            );
            self.finish_data(dir, old, out);
        }
        let side = &mut self.sides[dir.index()];
        let mut m = Msg::new(&h, ts, cap);
        m.diags.append(&mut side.next_notes);
        for p in problems {
            m.note(DiagKind::Malformed, p);
        }
        if h.opcode != TEXT && h.opcode != frame::BINARY {
            m.note(
                DiagKind::Malformed,
                format!("reserved data opcode 0x{:X}", h.opcode),
            );
        }
        if h.rsv & 0b100 != 0
            && let Some(inf) = side.inflater.as_mut()
        {
            m.compressed = true;
            if inf.begin() {
                m.gap = true;
                m.note(
                    DiagKind::Gap,
                    "permessage-deflate context was lost earlier on this direction: the text may be wrong",
                );
            }
        }
        side.msg = Some(m);
    }

    /// Payload bytes of the current frame (still masked).
    fn payload(&mut self, dir: Direction, bytes: &[u8], pos: u64, mask: Option<[u8; 4]>) {
        let side = &mut self.sides[dir.index()];
        let State::Payload { control, .. } = side.state else {
            return;
        };
        let m = if control {
            side.ctrl.as_mut()
        } else {
            side.msg.as_mut()
        };
        let Some(m) = m else {
            return;
        };
        m.wire += bytes.len() as u64;
        m.payload += bytes.len() as u64;
        let compressed = m.compressed && !control;
        if compressed && m.incomplete {
            // Bytes of this message were lost: inflating the rest would make garbage.
            return;
        }
        if !compressed && m.sink.kept.len() >= m.sink.cap {
            // Past the cap: count, never unmask.
            m.sink.total += bytes.len() as u64;
            return;
        }
        let data: &[u8] = match mask {
            Some(k) => {
                self.scratch.clear();
                self.scratch.extend(
                    bytes
                        .iter()
                        .enumerate()
                        .map(|(i, b)| b ^ k[((pos + i as u64) % 4) as usize]),
                );
                &self.scratch
            }
            None => bytes,
        };
        if compressed {
            if let Some(inf) = side.inflater.as_mut() {
                inf.feed(data, &mut m.sink);
            }
        } else {
            m.sink.push(data);
        }
    }

    /// The current frame's payload is complete.
    fn end_frame(&mut self, dir: Direction, out: &mut Output) {
        let side = &mut self.sides[dir.index()];
        let State::Payload { control, fin, .. } = side.state else {
            return;
        };
        side.state = State::Header;
        if control {
            if let Some(m) = side.ctrl.take() {
                self.finish_control(dir, m, out);
            }
        } else if fin && let Some(m) = side.msg.take() {
            self.finish_data(dir, m, out);
        }
    }

    /// A data message is complete (or cut): inflate its tail and emit it.
    fn finish_data(&mut self, dir: Direction, mut m: Msg, out: &mut Output) {
        let side = &mut self.sides[dir.index()];
        if m.compressed
            && let Some(inf) = side.inflater.as_mut()
        {
            let stop = if m.incomplete {
                // Never inflate the stripped tail of a message we did not see whole.
                inf.on_gap();
                None
            } else {
                inf.end(&mut m.sink)
            };
            match stop {
                Some(Stop::Limit) => {
                    m.truncated = true;
                    m.note(
                        DiagKind::Limit,
                        format!(
                            "permessage-deflate: inflating stopped after {} bytes",
                            m.sink.total
                        ),
                    );
                }
                Some(Stop::Corrupt) => m.note(
                    DiagKind::Decompress,
                    format!(
                        "permessage-deflate: invalid compressed data after {} inflated bytes",
                        m.sink.total
                    ),
                ),
                None => {}
            }
        }
        if m.sink.full() {
            m.truncated = true;
        }
        if m.opcode == TEXT
            && let Err(e) = std::str::from_utf8(&m.sink.kept)
            && e.error_len().is_some()
        {
            m.note(
                DiagKind::Malformed,
                "text message is not valid UTF-8 (shown as base64)",
            );
        }
        self.emit(dir, m, None, out);
    }

    /// A control frame is complete: pair pongs with pings and closes with closes.
    fn finish_control(&mut self, dir: Direction, mut m: Msg, out: &mut Output) {
        if m.sink.full() {
            m.truncated = true;
        }
        if m.opcode == CLOSE && m.payload == 1 {
            m.note(
                DiagKind::Malformed,
                "close payload of 1 byte (a status code takes 2)",
            );
        }
        let other = dir.reverse();
        match m.opcode {
            PING | CLOSE => {
                if m.opcode == CLOSE
                    && let Some(i) = self.pending[other.index()]
                        .iter()
                        .position(|p| p.opcode == CLOSE)
                {
                    // The answer to the other side's close.
                    self.answer(other, i, m, out);
                    return;
                }
                let q = &mut self.pending[dir.index()];
                q.push_back(m);
                if q.len() > self.ctx.limits.max_pending.max(1)
                    && let Some(old) = q.pop_front()
                {
                    self.unanswered(dir, old, out);
                }
            }
            PONG => {
                let found = self.pending[other.index()]
                    .iter()
                    .position(|p| p.opcode == PING && p.sink.kept == m.sink.kept);
                match found {
                    Some(i) => self.answer(other, i, m, out),
                    // An unsolicited pong (a heartbeat, RFC 6455 §5.5.3) or an answer to a
                    // ping that was not captured.
                    None => self.emit(dir, m, None, out),
                }
            }
            _ => self.emit(dir, m, None, out),
        }
    }

    /// `answer` (sent the other way) answers the `i`-th pending control of `dir`; older
    /// pending pings of `dir` were never answered.
    fn answer(&mut self, dir: Direction, i: usize, answer: Msg, out: &mut Output) {
        let q = &mut self.pending[dir.index()];
        let older: Vec<Msg> = q.drain(..i).collect();
        let req = q.pop_front();
        for o in older {
            self.unanswered(dir, o, out);
        }
        match req {
            Some(req) => self.emit(dir, req, Some(answer), out),
            None => self.emit(dir.reverse(), answer, None, out),
        }
    }

    fn unanswered(&mut self, dir: Direction, mut m: Msg, out: &mut Output) {
        m.note(
            DiagKind::Unanswered,
            if m.opcode == CLOSE {
                "no close reply captured"
            } else {
                "no pong captured"
            },
        );
        self.emit(dir, m, None, out);
    }

    /// Emits one entry: `req` sent in `dir`, `resp` (if any) the other way.
    fn emit(&mut self, dir: Direction, req: Msg, resp: Option<Msg>, out: &mut Output) {
        self.report_notes(out);
        let mut e: Entry = self.ctx.new_entry(INFO.protocol());
        e.diagnostics.append(&mut self.notes);
        e.request = Payload::Json(self.message_json(dir, &req));
        e.request_size = req.wire;
        e.truncated = req.truncated;
        e.gap = req.gap;
        for d in &req.diags {
            out.diagnostic(d.kind, d.message.clone());
            e.diagnostics.push(d.message.clone());
        }
        match resp {
            Some(r) => {
                e.response = Payload::Json(self.message_json(dir.reverse(), &r));
                e.response_size = r.wire;
                e.truncated |= r.truncated;
                e.gap |= r.gap;
                for d in &r.diags {
                    let text = format!("response: {}", d.message);
                    out.diagnostic(d.kind, text.clone());
                    e.diagnostics.push(text);
                }
                e.set_times(req.ts, Some(r.ts));
            }
            None => e.set_times(req.ts, None),
        }
        out.emit(e);
    }

    /// The JSON object of one message (docs/entry.md, "WebSocket").
    fn message_json(&self, dir: Direction, m: &Msg) -> Value {
        let mut o = Map::new();
        let from = if dir == Direction::ClientToServer {
            "client"
        } else {
            "server"
        };
        o.insert("from".into(), from.into());
        o.insert("type".into(), frame::opcode_name(m.opcode).into());
        o.insert("opcode".into(), m.opcode.into());
        o.insert("frames".into(), m.frames.into());
        o.insert("masked".into(), m.masked.into());
        o.insert("compressed".into(), m.compressed.into());
        if m.compressed {
            o.insert("compressedSize".into(), m.payload.into());
        }
        o.insert("size".into(), m.sink.total.into());
        if m.truncated {
            o.insert("truncated".into(), true.into());
        }
        if let Some(p) = &self.config.subprotocol {
            o.insert("subprotocol".into(), p.clone().into());
        }
        let kept = &m.sink.kept[..];
        if m.opcode == CLOSE {
            if let (Some(code), Some(reason)) = (kit::be16(kept, 0), kept.get(2..)) {
                o.insert("code".into(), code.into());
                o.insert("codeName".into(), frame::close_code_name(code).into());
                o.insert(
                    "reason".into(),
                    String::from_utf8_lossy(reason).into_owned().into(),
                );
            }
            return Value::Object(o);
        }
        let textual = m.opcode == TEXT
            || (m.opcode == CONTINUATION && std::str::from_utf8(kept).is_ok())
            || (matches!(m.opcode, PING | PONG) && std::str::from_utf8(kept).is_ok());
        let text = if textual {
            match std::str::from_utf8(kept) {
                Ok(s) => Some(s),
                // Cut by the cap inside a character: show the whole characters.
                Err(e) if e.error_len().is_none() && m.truncated => {
                    std::str::from_utf8(&kept[..e.valid_up_to()]).ok()
                }
                Err(_) => None,
            }
        } else {
            None
        };
        match text {
            Some(s) => {
                let json = !m.truncated
                    && matches!(s.trim_start().as_bytes().first(), Some(b'{' | b'['))
                    && serde_json::from_str::<&serde_json::value::RawValue>(s).is_ok();
                let mime = if json {
                    "application/json"
                } else {
                    "text/plain"
                };
                o.insert("mimeType".into(), mime.into());
                o.insert("text".into(), s.into());
            }
            None => {
                use base64::Engine as _;
                o.insert("mimeType".into(), "application/octet-stream".into());
                o.insert(
                    "text".into(),
                    base64::engine::general_purpose::STANDARD
                        .encode(kept)
                        .into(),
                );
                o.insert("encoding".into(), "base64".into());
            }
        }
        Value::Object(o)
    }

    /// Looks for a frame start at or after `at`. Returns the position of an accepted
    /// header, or `Err(pos)`: bytes before `pos` are rejected, decide later.
    fn resync_scan(&self, dir: Direction, data: &[u8], at: usize) -> Result<usize, usize> {
        let from_client = dir == Direction::ClientToServer;
        let deflate = self.config.deflate.is_some();
        let max_head = self.ctx.limits.max_head as u64;
        for i in at..data.len() {
            let rest = &data[i..];
            let h = match frame::parse(rest) {
                Parsed::Need => return Err(i),
                Parsed::Bad => continue,
                Parsed::Frame(h) => h,
            };
            if !frame::plausible(&h, from_client, deflate) {
                continue;
            }
            if h.len > RESYNC_MAX_FRAME {
                // Implausibly long for a frame found by scanning: more likely noise.
                continue;
            }
            if h.len > max_head {
                // Too long to wait for the header after it: the header alone decides.
                return Ok(i);
            }
            let next = h.wire_len() as usize;
            match rest.get(next..).map(frame::parse) {
                None | Some(Parsed::Need) => return Err(i),
                Some(Parsed::Bad) => continue,
                Some(Parsed::Frame(n)) => {
                    let cont_ok = n.opcode == CONTINUATION
                        && !h.fin
                        && !h.is_control()
                        && n.mask.is_some() == from_client;
                    if frame::plausible(&n, from_client, deflate) || cont_ok {
                        return Ok(i);
                    }
                }
            }
        }
        Err(data.len())
    }

    fn lose_sync(&mut self, dir: Direction, reason: &'static str) {
        let side = &mut self.sides[dir.index()];
        side.state = State::Resync;
        if side.skip_reason.is_empty() {
            side.skip_reason = reason;
        }
    }

    /// Reports the bytes skipped while resynchronising.
    fn report_skipped(&mut self, dir: Direction, out: &mut Output, at_end: bool) {
        let side = &mut self.sides[dir.index()];
        if side.skipped == 0 {
            return;
        }
        let who = side_name(if side.from_client {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        });
        let d = format!(
            "skipped {} bytes of {who} data {} ({})",
            side.skipped,
            if at_end {
                "at the end without a frame start"
            } else {
                "to the next frame header"
            },
            side.skip_reason
        );
        side.skipped = 0;
        side.skip_reason = "";
        if at_end {
            out.diagnostic(DiagKind::Malformed, d);
        } else {
            side.next_notes
                .push(Diagnostic::new(DiagKind::Malformed, d));
        }
    }

    /// A message in progress was cut by a gap or the end: emit what was seen.
    fn cut_messages(&mut self, dir: Direction, kind: DiagKind, why: &str, out: &mut Output) {
        let side = &mut self.sides[dir.index()];
        let ctrl = side.ctrl.take();
        let msg = side.msg.take();
        if let Some(mut c) = ctrl {
            c.gap = true;
            c.incomplete = true;
            c.note(kind, why);
            self.emit(dir, c, None, out);
        }
        if let Some(mut m) = msg {
            m.gap = true;
            m.incomplete = true;
            m.note(kind, why);
            self.finish_data(dir, m, out);
        }
    }
}

impl WsSession {
    /// One step of `on_data` at `at` of the offered bytes (see [`kit::drive`]): a frame
    /// header, payload bytes, or a resynchronisation scan.
    fn step(&mut self, chunk: &Chunk<'_>, at: usize, out: &mut Output) -> kit::Step {
        let dir = chunk.dir;
        let data = chunk.data;
        match self.sides[dir.index()].state {
            State::Header => match frame::parse(data.get(at..).unwrap_or(&[])) {
                Parsed::Need => kit::Step::Wait,
                Parsed::Bad => {
                    self.lose_sync(
                        dir,
                        "invalid frame header: 64-bit length with the top bit set",
                    );
                    kit::Step::Advance(0)
                }
                Parsed::Frame(h) => {
                    let ts = chunk.ts_at(at);
                    self.begin_frame(dir, h, ts, out);
                    if h.len == 0 {
                        self.end_frame(dir, out);
                    }
                    kit::Step::Advance(h.header_len)
                }
            },
            State::Payload {
                remaining,
                pos,
                mask,
                ..
            } => {
                let avail = data.len().saturating_sub(at) as u64;
                let n = remaining.min(avail) as usize;
                let Some(bytes) = data.get(at..at + n).filter(|b| !b.is_empty()) else {
                    return kit::Step::Wait;
                };
                self.payload(dir, bytes, pos, mask);
                if let State::Payload { remaining, pos, .. } = &mut self.sides[dir.index()].state
                {
                    *remaining -= n as u64;
                    *pos += n as u64;
                }
                if remaining == n as u64 {
                    self.end_frame(dir, out);
                }
                kit::Step::Advance(n)
            }
            State::Resync => {
                let found = self.resync_scan(dir, data, at);
                let side = &mut self.sides[dir.index()];
                match found {
                    Ok(i) => {
                        side.skipped += (i - at) as u64;
                        side.state = State::Header;
                        self.report_skipped(dir, out, false);
                        kit::Step::Advance(i - at)
                    }
                    // Garbage up to `i`; what follows needs more bytes (scanned again
                    // from `i`, it waits at once).
                    Err(i) if i > at => {
                        side.skipped += (i - at) as u64;
                        kit::Step::Advance(i - at)
                    }
                    Err(_) => kit::Step::Wait,
                }
            }
        }
    }
}

impl Session for WsSession {
    fn on_data(&mut self, chunk: &Chunk<'_>, out: &mut Output) -> usize {
        self.report_notes(out);
        let at = kit::drive(chunk.data.len(), |at| self.step(chunk, at, out));
        self.sides[chunk.dir.index()].waiting = chunk.data.len() - at;
        at
    }

    fn on_gap(&mut self, dir: Direction, len: u64, _ts: Nanos, out: &mut Output) {
        self.report_notes(out);
        let side = &mut self.sides[dir.index()];
        let waiting = std::mem::take(&mut side.waiting) as u64;
        match side.state {
            State::Payload {
                remaining,
                pos,
                mask,
                control,
                fin,
            } if waiting == 0 && len < remaining => {
                // The gap ends inside this frame: skip the lost bytes and stay in step.
                side.state = State::Payload {
                    remaining: remaining - len,
                    pos: pos + len,
                    mask,
                    control,
                    fin,
                };
                let m = if control {
                    side.ctrl.as_mut()
                } else {
                    side.msg.as_mut()
                };
                if let Some(m) = m {
                    m.gap = true;
                    m.note(
                        DiagKind::Gap,
                        format!("{len} payload bytes were not captured"),
                    );
                    // Never splice: keep nothing after the hole.
                    m.sink.cap = m.sink.kept.len();
                    if m.compressed && !control {
                        // Compressed bytes were lost: the shared context is gone.
                        m.incomplete = true;
                        if let Some(inf) = side.inflater.as_mut() {
                            inf.on_gap();
                        }
                    }
                }
            }
            _ => {
                // Anything may have been in the lost bytes, compressed messages included.
                if let Some(inf) = side.inflater.as_mut() {
                    inf.on_gap();
                }
                self.cut_messages(dir, DiagKind::Gap, "message cut by a capture gap", out);
                self.lose_sync(dir, "after a capture gap");
            }
        }
    }

    fn buffered_bytes(&self) -> usize {
        // Messages being assembled (their kept payload), the pings and closes waiting for
        // an answer, and each inflater: zlib's 32 KiB window plus its state and scratch.
        const INFLATER: usize = 48 << 10;
        let msg = |m: &Option<Msg>| m.as_ref().map_or(0, |m| m.sink.kept.capacity());
        let side = |s: &Side| {
            msg(&s.msg)
                + msg(&s.ctrl)
                + s.inflater
                    .as_ref()
                    .map_or(0, |i| INFLATER + i.scratch_capacity())
        };
        let waiting: usize = self
            .pending
            .iter()
            .flatten()
            .map(|m| m.sink.kept.capacity())
            .sum();
        self.sides.iter().map(side).sum::<usize>() + waiting + self.scratch.capacity()
    }

    fn on_close(&mut self, _ts: Nanos, out: &mut Output) {
        self.report_notes(out);
        for dir in [Direction::ClientToServer, Direction::ServerToClient] {
            let side = &mut self.sides[dir.index()];
            let waiting = std::mem::take(&mut side.waiting);
            let mid_frame = matches!(side.state, State::Payload { .. });
            if waiting > 0 {
                if matches!(side.state, State::Resync) {
                    side.skipped += waiting as u64;
                } else {
                    side.skipped += waiting as u64;
                    side.skip_reason = "an incomplete frame header";
                }
            }
            if mid_frame || side.msg.is_some() || side.ctrl.is_some() {
                self.cut_messages(
                    dir,
                    DiagKind::Truncated,
                    "connection ended before the message was complete",
                    out,
                );
            }
            self.report_skipped(dir, out, true);
        }
        // Pings and closes nobody answered, oldest first.
        let mut left: Vec<(Direction, Msg)> = Vec::new();
        for dir in [Direction::ClientToServer, Direction::ServerToClient] {
            left.extend(self.pending[dir.index()].drain(..).map(|m| (dir, m)));
        }
        left.sort_by_key(|(d, m)| (m.ts, d.index()));
        for (dir, m) in left {
            self.unanswered(dir, m, out);
        }
    }
}
