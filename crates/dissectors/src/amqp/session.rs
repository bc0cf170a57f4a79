//! The per-connection AMQP session: frame reading per direction (with resynchronisation),
//! content assembly per channel, and pairing of synchronous methods with their answers.

use mizu_model::jkey;
use std::collections::VecDeque;

use mizu_dissect::kit;
use mizu_dissect::{Chunk, DiagKind, Diagnostic, Output, Session, SessionContext};
use mizu_model::{Direction, Entry, JsonBuf, Nanos, Payload, RawJson};

use super::INFO;
use super::wire::{
    self, FRAME_BODY, FRAME_END, FRAME_HEADER, FRAME_HEADER_TYPE, FRAME_HEARTBEAT,
    FRAME_HEARTBEAT_08, FRAME_METHOD, MAX_FRAME, Member, MethodSpec, PROTOCOL_HEADER,
};

/// Content messages assembled at once per direction (channels interleave); beyond this
/// the oldest is emitted incomplete.
pub const MAX_ASSEMBLIES: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Nothing read yet: a protocol header may come.
    Start,
    /// At a frame boundary (or inside a body frame).
    Sync,
    /// Looking for a self-validating method frame or two consecutive valid frames.
    Resync,
}

/// A method frame decoded, with what followed it (content) so far. Its JSON is written
/// when its entry is ([`Message::json`]): the frames' bytes are kept and decoded again then,
/// rather than held as a tree of values.
struct Message {
    spec: &'static MethodSpec,
    channel: u16,
    /// The method frame's payload, then the content header's (when it decoded), then the
    /// body bytes kept.
    bytes: Vec<u8>,
    /// End of the method payload in `bytes`. 0: a stand-in request for an answer whose
    /// request was not captured (`{channel, method: ""}`).
    method_end: u32,
    /// End of the content header's payload in `bytes` (it follows the method's), when it
    /// decoded (`properties`); else 0.
    header_end: u32,
    /// The content header was seen: the body's announced size (the body kept follows the
    /// header in `bytes`).
    body: Option<u64>,
    /// Connection.Close: heartbeats counted on the connection (client, server); (0, 0):
    /// none, not shown.
    heartbeats: (u64, u64),
    ts: Nanos,
    /// Frame bytes on the wire (headers and end octets included).
    size: u64,
    gap: bool,
    truncated: bool,
    diags: Vec<Diagnostic>,
}

impl Message {
    /// The method's arguments, decoded again (all `Absent` for a stand-in request).
    fn fields(&self) -> wire::Fields<'_> {
        let mut fields = wire::Fields::default();
        if let Some(p) = self.bytes.get(..self.method_end as usize) {
            wire::decode_method(p, &mut fields);
        }
        fields
    }

    fn no_wait(&self) -> bool {
        wire::field(self.spec, &self.fields(), "noWait") == wire::Field::Bool(true)
    }

    /// `replyCode replyText` of a Close (`null` and empty when they did not decode).
    fn close_reason(&self) -> String {
        let fields = self.fields();
        let code = match wire::field(self.spec, &fields, "replyCode") {
            wire::Field::Int(c) => c.to_string(),
            _ => "null".to_owned(),
        };
        let text = match wire::field(self.spec, &fields, "replyText") {
            wire::Field::Text(t) => String::from_utf8_lossy(t).into_owned(),
            _ => String::new(),
        };
        format!("{code} {text}")
    }

    /// The entry's `request` or `response`: the arguments by their camelCase names
    /// (reserved ones left out), `method`, `channel`, and `properties`, `body`,
    /// `heartbeats` when there are some; members in key order.
    fn json(&self) -> RawJson {
        let mut b = JsonBuf::with_capacity(96 + self.bytes.len() * 2);
        b.begin_object();
        if self.method_end == 0 {
            b.k(jkey!("channel"));
            b.u64(u64::from(self.channel));
            b.k(jkey!("method"));
            b.str("");
            b.end_object();
            return b.finish();
        }
        let fields = self.fields();
        for member in self.spec.members() {
            match member {
                Member::Arg(i) => {
                    if let (Some(f), Some((name, _))) = (fields.get(i), self.spec.args.get(i))
                        && *f != wire::Field::Absent
                    {
                        b.key(name);
                        wire::write_field(&mut b, f);
                    }
                }
                Member::Body => {
                    if let Some(size) = self.body {
                        b.k(jkey!("body"));
                        write_body(&mut b, self.body_kept(), size);
                    }
                }
                Member::Channel => {
                    b.k(jkey!("channel"));
                    b.u64(u64::from(self.channel));
                }
                Member::Heartbeats => {
                    let (c, s) = self.heartbeats;
                    if c > 0 || s > 0 {
                        b.k(jkey!("heartbeats"));
                        b.begin_object();
                        b.k(jkey!("client"));
                        b.u64(c);
                        b.k(jkey!("server"));
                        b.u64(s);
                        b.end_object();
                    }
                }
                Member::Method => {
                    b.k(jkey!("method"));
                    b.str(self.spec.name);
                }
                Member::Properties => {
                    let mut props = wire::Properties::default();
                    let header = self
                        .bytes
                        .get(self.method_end as usize..self.header_end as usize)
                        .filter(|_| self.header_end > 0)
                        .map(|p| wire::decode_content_header(p, &mut props));
                    if let Some(Ok(_)) = header {
                        b.k(jkey!("properties"));
                        wire::write_properties(&mut b, &props);
                    }
                }
            }
        }
        b.end_object();
        b.finish()
    }

    /// Where the body (kept) starts in `bytes`: after the method and header payloads.
    fn body_start(&self) -> usize {
        self.method_end.max(self.header_end) as usize
    }

    /// The body bytes kept.
    fn body_kept(&self) -> &[u8] {
        self.bytes.get(self.body_start()..).unwrap_or_default()
    }
}

/// `body`: `{encoding?, size, text, truncated?}` (text as is when it is UTF-8, else base64).
fn write_body(b: &mut JsonBuf, kept: &[u8], size: u64) {
    b.begin_object();
    match std::str::from_utf8(kept) {
        Ok(t) => {
            b.k(jkey!("size"));
            b.u64(size);
            b.k(jkey!("text"));
            b.str(t);
        }
        Err(_) => {
            b.k(jkey!("encoding"));
            b.str("base64");
            b.k(jkey!("size"));
            b.u64(size);
            b.k(jkey!("text"));
            b.str(&wire::b64(kept));
        }
    }
    if (kept.len() as u64) < size {
        b.k(jkey!("truncated"));
        b.bool(true);
    }
    b.end_object();
}

/// A content-bearing method waiting for its header and body frames.
struct Assembly {
    msg: Message,
    header_seen: bool,
    body_size: u64,
    received: u64,
    /// A hole in the body: stop keeping bytes (never splice).
    spliced: bool,
}

impl Assembly {
    /// Keeps body bytes, at most `cap` in all.
    fn keep(&mut self, piece: &[u8], cap: usize) {
        let kept = self.msg.body_kept().len();
        let take = cap.saturating_sub(kept).min(piece.len());
        self.msg
            .bytes
            .extend_from_slice(piece.get(..take).unwrap_or_default());
    }
}

/// A synchronous method waiting for its answer.
struct Pending {
    msg: Message,
    from_client: bool,
}

struct Side {
    state: State,
    /// Inside a body frame: (channel, payload bytes still to come). `left == 0`: the
    /// end octet is next.
    body: Option<(u16, u32)>,
    asm: Vec<Assembly>,
    /// Bytes skipped while resynchronising, reported when back in sync.
    skipped: u64,
    /// The next resync must skip at least one byte (the frame at hand was rejected).
    must_skip: bool,
    heartbeats: u64,
    /// Why framing was lost (the diagnostic of the rejected frame).
    reason: Option<String>,
    /// Diagnostics about bytes consumed without an entry (skipped to resynchronise,
    /// unknown methods, orphan content frames): put on the next method of this side, or
    /// at the end on an entry still open, else counted as unparsed.
    notes: Vec<Diagnostic>,
    /// Bytes `notes` describe.
    noted: u64,
}

/// The reason bytes no entry shows are counted under (`Output::skipped`).
const SKIPPED: &str = "amqp: unframeable or unattributable frames";

/// Most notes kept per side (later ones are counted in the last one's bytes only).
const MAX_NOTES: usize = 16;

impl Side {
    fn new() -> Side {
        Side {
            state: State::Start,
            body: None,
            asm: Vec::new(),
            skipped: 0,
            must_skip: false,
            heartbeats: 0,
            reason: None,
            notes: Vec::new(),
            noted: 0,
        }
    }

    /// Records bytes consumed without an entry, and why.
    fn note(&mut self, bytes: u64, msg: Diagnostic) {
        self.noted += bytes;
        if self.notes.len() < MAX_NOTES {
            self.notes.push(msg);
        }
    }
}

enum Step {
    Consumed(usize),
    NeedMore,
    /// The bytes at hand are not a frame: resynchronise.
    Desync,
}

/// See the module docs of [`crate::amqp`].
pub struct AmqpSession {
    ctx: SessionContext,
    /// A blank entry for this connection.
    template: Entry,
    times: mizu_model::StartTimes,
    sides: [Side; 2],
    pending: VecDeque<Pending>,
    /// Bytes were lost or the connection was joined mid-stream (orphan answers expected).
    lossy: bool,
}

fn is_client(dir: Direction) -> bool {
    dir == Direction::ClientToServer
}

impl AmqpSession {
    pub fn new(ctx: SessionContext) -> AmqpSession {
        AmqpSession {
            template: ctx.new_entry(INFO.protocol()),
            times: mizu_model::StartTimes::default(),
            ctx,
            sides: [Side::new(), Side::new()],
            pending: VecDeque::new(),
            lossy: false,
        }
    }

    fn entry(&mut self, req: Message, resp: Option<Message>) -> Entry {
        let mut e = self.template.clone();
        self.times.set(&mut e, req.ts, resp.as_ref().map(|r| r.ts));
        e.request_size = req.size;
        e.gap = req.gap;
        e.truncated = req.truncated;
        e.request = Payload::Raw(req.json());
        e.diagnostics = req.diags.into_iter().map(|d| d.message).collect();
        if let Some(r) = resp {
            e.response_size = r.size;
            e.gap |= r.gap;
            e.truncated |= r.truncated;
            e.response = Payload::Raw(r.json());
            e.diagnostics.extend(r.diags.into_iter().map(|d| d.message));
        }
        e
    }

    fn emit(&mut self, mut req: Message, resp: Option<Message>, out: &mut Output) {
        if (req.spec.class, req.spec.method) == (10, 50) {
            // Connection.Close: attach the heartbeat counts of the whole connection.
            let (c, s) = (self.sides[0].heartbeats, self.sides[1].heartbeats);
            req.heartbeats = (c, s);
        }
        let kinds: Vec<DiagKind> = req
            .diags
            .iter()
            .chain(resp.iter().flat_map(|r| r.diags.iter()))
            .map(|d| d.kind)
            .collect();
        let e = self.entry(req, resp);
        for (kind, d) in kinds.into_iter().zip(&e.diagnostics) {
            out.diagnostic(kind, d.clone());
        }
        out.emit(e);
    }

    /// A method (with its content, if any) is complete.
    fn finish(&mut self, dir: Direction, msg: Message, out: &mut Output) {
        let from_client = is_client(dir);
        let (class, method) = (msg.spec.class, msg.spec.method);
        if wire::is_response(msg.spec) {
            let name = match (class, method) {
                // Queue.Declare-Ok names the queue it answers for.
                (50, 11) => match wire::field(msg.spec, &msg.fields(), "queue") {
                    wire::Field::Text(q) => Some(q.to_vec()),
                    _ => None,
                },
                _ => None,
            };
            let found = self.find_request(dir, msg.channel, msg.spec, name.as_deref());
            match found.and_then(|i| self.pending.remove(i)) {
                Some(p) => self.emit(p.msg, Some(msg), out),
                None => {
                    let req = Message {
                        spec: msg.spec,
                        channel: msg.channel,
                        bytes: Vec::new(),
                        method_end: 0,
                        header_end: 0,
                        body: None,
                        heartbeats: (0, 0),
                        ts: msg.ts,
                        size: 0,
                        gap: self.lossy,
                        truncated: false,
                        diags: vec![Diagnostic::new(
                            DiagKind::Unanswered,
                            format!("{} without a captured request", msg.spec.name),
                        )],
                    };
                    self.emit(req, Some(msg), out);
                }
            }
            return;
        }
        // Channel.Close / Connection.Close: requests the other side left unanswered on
        // that channel (or connection) will never be answered.
        if matches!((class, method), (10, 50) | (20, 40)) {
            let conn = class == 10;
            let why = format!(
                "no response: {} by the {} ({})",
                msg.spec.name,
                if from_client { "client" } else { "server" },
                msg.close_reason(),
            );
            let mut i = 0;
            while i < self.pending.len() {
                let hit = self.pending.get(i).is_some_and(|p| {
                    p.from_client != from_client && (conn || p.msg.channel == msg.channel)
                });
                if hit && let Some(mut p) = self.pending.remove(i) {
                    p.msg
                        .diags
                        .push(Diagnostic::new(DiagKind::Unanswered, why.clone()));
                    self.emit(p.msg, None, out);
                } else {
                    i += 1;
                }
            }
        }
        if msg.spec.responses.is_empty() || msg.no_wait() {
            self.emit(msg, None, out);
            return;
        }
        if self.pending.len() >= self.ctx.limits.max_pending.max(1)
            && let Some(mut old) = self.pending.pop_front()
        {
            old.msg.diags.push(Diagnostic::new(
                DiagKind::Limit,
                "no response captured (too many pending requests)",
            ));
            self.emit(old.msg, None, out);
        }
        self.pending.push_back(Pending { msg, from_client });
    }

    /// Emits an assembly's message (complete or not).
    fn finish_assembly(&mut self, dir: Direction, a: Assembly, out: &mut Output) {
        let mut msg = a.msg;
        if a.header_seen {
            let kept = msg.body_kept().len() as u64;
            msg.body = Some(a.body_size);
            if kept < a.body_size {
                msg.truncated = true;
            }
            if a.received < a.body_size {
                msg.diags.push(Diagnostic::new(
                    DiagKind::Truncated,
                    format!(
                        "{}: content incomplete ({} of {} body bytes)",
                        msg.spec.name, a.received, a.body_size
                    ),
                ));
            }
        } else {
            msg.diags.push(Diagnostic::new(
                DiagKind::Truncated,
                format!("{}: content header not captured", msg.spec.name),
            ));
            msg.truncated = true;
        }
        self.finish(dir, msg, out);
    }

    fn on_method(
        &mut self,
        dir: Direction,
        channel: u16,
        payload: &[u8],
        ts: Nanos,
        size: u64,
        out: &mut Output,
    ) {
        let d = dir.index();
        // A method on a channel ends any content still being assembled there.
        if let Some(i) = self.sides[d]
            .asm
            .iter()
            .position(|a| a.msg.channel == channel)
        {
            let mut a = self.sides[d].asm.remove(i);
            a.msg.diags.push(Diagnostic::new(
                DiagKind::Malformed,
                "content interrupted by a method frame",
            ));
            self.finish_assembly(dir, a, out);
        }
        let mut fields = wire::Fields::default();
        let Some(m) = wire::decode_method(payload, &mut fields) else {
            let msg = format!(
                "unknown AMQP method {}.{} on channel {channel} ({size} bytes skipped)",
                cls(payload),
                mid(payload)
            );
            let msg = Diagnostic::new(DiagKind::Malformed, msg);
            out.diagnostic(msg.kind, msg.message.clone());
            self.sides[d].note(size, msg);
            return;
        };
        // What this side skipped since its last method goes on this one.
        let side = &mut self.sides[d];
        let mut diags = std::mem::take(&mut side.notes);
        side.noted = 0;
        let (spec, capped) = (m.spec, m.capped);
        match m.rest {
            Ok(0) => {}
            Ok(extra) => {
                diags.push(Diagnostic::new(
                    DiagKind::Malformed,
                    format!("{}: {extra} unexpected trailing bytes", spec.name),
                ));
            }
            Err(e) => diags.push(Diagnostic::new(
                DiagKind::Malformed,
                format!("{}: {e}", spec.name),
            )),
        }
        if capped {
            diags.push(Diagnostic::new(
                DiagKind::Limit,
                format!(
                    "{}: field table cut at {} items",
                    spec.name,
                    wire::MAX_TABLE_ITEMS
                ),
            ));
        }
        let msg = Message {
            spec,
            channel,
            bytes: payload.to_vec(),
            // A frame payload is at most MAX_FRAME bytes.
            method_end: payload.len() as u32,
            header_end: 0,
            body: None,
            heartbeats: (0, 0),
            ts,
            size,
            gap: false,
            truncated: capped,
            diags,
        };
        if spec.content {
            if self.sides[d].asm.len() >= MAX_ASSEMBLIES {
                let mut a = self.sides[d].asm.remove(0);
                a.msg.diags.push(Diagnostic::new(
                    DiagKind::Limit,
                    "too many messages assembled at once",
                ));
                self.finish_assembly(dir, a, out);
            }
            self.sides[d].asm.push(Assembly {
                msg,
                header_seen: false,
                body_size: 0,
                received: 0,
                spliced: false,
            });
        } else {
            self.finish(dir, msg, out);
        }
    }

    fn on_header(
        &mut self,
        dir: Direction,
        channel: u16,
        payload: &[u8],
        size: u64,
        out: &mut Output,
    ) {
        let d = dir.index();
        let Some(i) = self.sides[d]
            .asm
            .iter()
            .position(|a| a.msg.channel == channel && !a.header_seen)
        else {
            let msg = format!(
                "content header without a method on channel {channel} ({size} bytes skipped)"
            );
            let msg = Diagnostic::new(DiagKind::Malformed, msg);
            out.diagnostic(msg.kind, msg.message.clone());
            self.sides[d].note(size, msg);
            return;
        };
        let Some(a) = self.sides[d].asm.get_mut(i) else {
            return;
        };
        a.msg.size += size;
        a.header_seen = true;
        let mut props = wire::Properties::default();
        match wire::decode_content_header(payload, &mut props) {
            Ok(h) => {
                a.body_size = h.body_size;
                if h.capped {
                    a.msg.diags.push(Diagnostic::new(
                        DiagKind::Limit,
                        format!("headers table cut at {} items", wire::MAX_TABLE_ITEMS),
                    ));
                    a.msg.truncated = true;
                }
                // Kept for `properties`, followed by the body (at most max_body of it).
                let bytes = &mut a.msg.bytes;
                let want = (h.body_size.min(self.ctx.limits.max_body as u64)) as usize;
                bytes.reserve_exact(payload.len() + want);
                bytes.extend_from_slice(payload);
                a.msg.header_end = bytes.len() as u32;
            }
            Err(e) => a.msg.diags.push(Diagnostic::new(
                DiagKind::Malformed,
                format!("content header: {e}"),
            )),
        }
        if a.body_size == 0 {
            let a = self.sides[d].asm.remove(i);
            self.finish_assembly(dir, a, out);
        }
    }

    /// Called at the end octet of a body frame: emit the message if its body is complete.
    fn body_frame_done(&mut self, dir: Direction, channel: u16, out: &mut Output) {
        let d = dir.index();
        let Some(i) = self.sides[d]
            .asm
            .iter()
            .position(|a| a.msg.channel == channel && a.header_seen)
        else {
            return;
        };
        if self.sides[d]
            .asm
            .get(i)
            .is_some_and(|a| a.received >= a.body_size)
        {
            let mut a = self.sides[d].asm.remove(i);
            if a.received > a.body_size {
                a.msg.diags.push(Diagnostic::new(
                    DiagKind::Malformed,
                    format!(
                        "body frames carry {} bytes, the header announced {}",
                        a.received, a.body_size
                    ),
                ));
            }
            self.finish_assembly(dir, a, out);
        }
    }

    /// Inside a body frame on channel `ch` with `left` payload bytes to come: payload to
    /// the content being assembled, then the frame-end octet.
    fn body_step(
        &mut self,
        dir: Direction,
        rest: &[u8],
        ch: u16,
        left: u32,
        out: &mut Output,
    ) -> Step {
        let d = dir.index();
        let max_body = self.ctx.limits.max_body;
        if left > 0 {
            let n = (left as usize).min(rest.len());
            let piece = rest.get(..n).unwrap_or(&[]);
            let side = &mut self.sides[d];
            side.body = Some((ch, left - n as u32));
            if let Some(a) = side
                .asm
                .iter_mut()
                .find(|a| a.msg.channel == ch && a.header_seen)
            {
                a.received += n as u64;
                if !a.spliced {
                    a.keep(piece, max_body);
                }
            }
            return Step::Consumed(n);
        }
        let Some(&end) = rest.first() else {
            return Step::NeedMore;
        };
        self.sides[d].body = None;
        if end != FRAME_END {
            self.desync(
                d,
                DiagKind::Malformed,
                "AMQP body frame not terminated by 0xCE".to_owned(),
                out,
            );
            if let Some(i) = self.sides[d].asm.iter().position(|a| a.msg.channel == ch) {
                let mut a = self.sides[d].asm.remove(i);
                a.msg.gap = true;
                a.msg.diags.push(Diagnostic::new(
                    DiagKind::Malformed,
                    "body frame not terminated by 0xCE",
                ));
                self.finish_assembly(dir, a, out);
            }
            return Step::Desync;
        }
        self.body_frame_done(dir, ch, out);
        Step::Consumed(1)
    }

    /// One step at a frame boundary (or inside a body frame) at `pos`.
    fn sync_step(&mut self, chunk: &Chunk<'_>, pos: usize, out: &mut Output) -> Step {
        let dir = chunk.dir;
        let d = dir.index();
        let rest = chunk.data.get(pos..).unwrap_or(&[]);
        if let Some((ch, left)) = self.sides[d].body {
            return self.body_step(dir, rest, ch, left, out);
        }
        let Some(h) = wire::frame_head(rest) else {
            return Step::NeedMore;
        };
        if !h.plausible(u32::MAX) {
            let why = format!(
                "invalid AMQP frame (type {}, channel {}, size {})",
                h.kind, h.channel, h.size
            );
            self.desync(d, DiagKind::Malformed, why, out);
            return Step::Desync;
        }
        if h.kind == FRAME_BODY {
            let side = &mut self.sides[d];
            match side
                .asm
                .iter_mut()
                .find(|a| a.msg.channel == h.channel && a.header_seen)
            {
                Some(a) => a.msg.size += h.total() as u64,
                None => {
                    let msg = format!(
                        "body frame without a content header on channel {} ({} bytes skipped)",
                        h.channel,
                        h.total()
                    );
                    let msg = Diagnostic::new(DiagKind::Malformed, msg);
                    out.diagnostic(msg.kind, msg.message.clone());
                    side.note(h.total() as u64, msg);
                }
            }
            side.body = Some((h.channel, h.size));
            return Step::Consumed(FRAME_HEADER);
        }
        if h.size > MAX_FRAME {
            if h.kind == FRAME_METHOD {
                // The method ids are readable: an answer in the skipped frame still
                // answers its request (the next answer must not take its place).
                let Some(ids) = rest.get(FRAME_HEADER..FRAME_HEADER + 4) else {
                    return Step::NeedMore;
                };
                if let Some(spec) = wire::method_spec(cls(ids), mid(ids))
                    && wire::is_response(spec)
                {
                    self.skipped_answer(dir, h.channel, spec, h.size, out);
                }
            }
            let why = format!("AMQP frame of {} bytes exceeds {MAX_FRAME}", h.size);
            self.desync(d, DiagKind::Limit, why, out);
            return Step::Desync;
        }
        let total = h.total();
        let Some(frame) = rest.get(..total) else {
            return Step::NeedMore;
        };
        if frame.last() != Some(&FRAME_END) {
            self.desync(
                d,
                DiagKind::Malformed,
                "AMQP frame not terminated by 0xCE".to_owned(),
                out,
            );
            return Step::Desync;
        }
        let payload = frame.get(FRAME_HEADER..total - 1).unwrap_or(&[]);
        let ts = chunk.ts_at(pos);
        match h.kind {
            FRAME_METHOD => self.on_method(dir, h.channel, payload, ts, total as u64, out),
            FRAME_HEADER_TYPE => self.on_header(dir, h.channel, payload, total as u64, out),
            _ => self.sides[d].heartbeats += 1,
        }
        Step::Consumed(total)
    }

    /// Framing is lost on side `d` for `why` (said now, and with the skipped bytes later).
    fn desync(&mut self, d: usize, kind: DiagKind, why: String, out: &mut Output) {
        out.diagnostic(kind, format!("{why}: resynchronising"));
        if let Some(side) = self.sides.get_mut(d) {
            side.reason.get_or_insert(why);
        }
    }

    /// The pending request an answer (`spec` on `channel`, from `dir`) is for: the first
    /// one on that channel the method answers, preferring (for `Queue.Declare-Ok`) the
    /// declare of the same queue name, so one lost answer does not shift the others.
    fn find_request(
        &self,
        dir: Direction,
        channel: u16,
        spec: &MethodSpec,
        name: Option<&[u8]>,
    ) -> Option<usize> {
        let from_client = is_client(dir);
        let fits = |p: &Pending| {
            p.from_client != from_client
                && p.msg.channel == channel
                && p.msg.spec.class == spec.class
                && p.msg.spec.responses.contains(&spec.method)
        };
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            let same = self.pending.iter().position(|p| {
                fits(p)
                    && matches!(wire::field(p.msg.spec, &p.msg.fields(), "queue"),
                        wire::Field::Text(q) if q == name)
            });
            if same.is_some() {
                return same;
            }
        }
        self.pending.iter().position(fits)
    }

    /// An answer was in a frame too large to read: its request gets no response, marked.
    fn skipped_answer(
        &mut self,
        dir: Direction,
        channel: u16,
        spec: &'static MethodSpec,
        size: u32,
        out: &mut Output,
    ) {
        let Some(mut p) = self
            .find_request(dir, channel, spec, None)
            .and_then(|i| self.pending.remove(i))
        else {
            return;
        };
        p.msg.truncated = true;
        p.msg.diags.push(Diagnostic::new(
            DiagKind::Limit,
            format!(
                "its answer ({}) came in an AMQP frame of {size} bytes, over the {MAX_FRAME} byte \
                 limit: skipped",
                spec.name
            ),
        ));
        self.emit(p.msg, None, out);
    }

    /// Enters resynchronisation on `dir`: content being assembled there lost frames.
    fn lose_sync(&mut self, dir: Direction, kind: DiagKind, why: &str, out: &mut Output) {
        let d = dir.index();
        self.lossy = true;
        let side = &mut self.sides[d];
        side.state = State::Resync;
        side.body = None;
        let asm = std::mem::take(&mut side.asm);
        for mut a in asm {
            a.msg.gap = true;
            a.msg.diags.push(Diagnostic::new(kind, why));
            self.finish_assembly(dir, a, out);
        }
    }
}

fn cls(p: &[u8]) -> u16 {
    kit::be16(p, 0).unwrap_or(0)
}

fn mid(p: &[u8]) -> u16 {
    kit::be16(p, 2).unwrap_or(0)
}

/// Verdict on a candidate frame start during resynchronisation.
enum Candidate {
    Accept,
    Reject,
    /// Not enough bytes to decide.
    Wait,
}

/// Is `data` the start of a frame? A method frame whose arguments fill it exactly is
/// accepted alone; any other frame needs a valid frame right after it.
fn candidate(data: &[u8]) -> Candidate {
    let Some(h) = wire::frame_head(data) else {
        return Candidate::Wait;
    };
    if !h.plausible(MAX_FRAME) {
        return Candidate::Reject;
    }
    if !payload_start_plausible(&h, data) {
        return Candidate::Reject;
    }
    let total = h.total();
    let Some(frame) = data.get(..total) else {
        return Candidate::Wait;
    };
    if frame.last() != Some(&FRAME_END) {
        return Candidate::Reject;
    }
    if h.kind == FRAME_METHOD
        && frame
            .get(FRAME_HEADER..total - 1)
            .is_some_and(wire::method_fits)
    {
        return Candidate::Accept;
    }
    let next = data.get(total..).unwrap_or(&[]);
    let Some(h2) = wire::frame_head(next) else {
        return Candidate::Wait;
    };
    if !h2.plausible(MAX_FRAME) || !payload_start_plausible(&h2, next) {
        return Candidate::Reject;
    }
    match next.get(h2.total() - 1) {
        None => Candidate::Wait,
        Some(&FRAME_END) => Candidate::Accept,
        Some(_) => Candidate::Reject,
    }
}

/// Cheap checks on the first payload bytes, before waiting for a whole candidate frame:
/// a method frame names a known class and method, a content header class `basic` (60)
/// with weight 0. (Bytes not yet there pass: the full check comes later.)
fn payload_start_plausible(h: &wire::FrameHead, data: &[u8]) -> bool {
    let p = data.get(FRAME_HEADER..).unwrap_or(&[]);
    match (h.kind, p) {
        (FRAME_METHOD, [_, _, _, _, ..]) => wire::method_spec(cls(p), mid(p)).is_some(),
        (FRAME_HEADER_TYPE, [a, b, c, d, ..]) => [*a, *b, *c, *d] == [0, 60, 0, 0],
        _ => true,
    }
}

/// Scans `data` for the first accepted frame start from `from`. Returns `(offset, found)`:
/// found → a frame starts at offset; not found → bytes before offset are garbage and the
/// rest needs more input.
fn scan(data: &[u8], from: usize) -> (usize, bool) {
    let mut p = from;
    while let Some(rest) = data.get(p..).filter(|r| !r.is_empty()) {
        // Cheap filter before the full check.
        if matches!(
            rest.first(),
            Some(
                &(FRAME_METHOD
                    | FRAME_HEADER_TYPE
                    | FRAME_BODY
                    | FRAME_HEARTBEAT
                    | FRAME_HEARTBEAT_08)
            )
        ) {
            match candidate(rest) {
                Candidate::Accept => return (p, true),
                Candidate::Wait => return (p, false),
                Candidate::Reject => {}
            }
        }
        p += 1;
    }
    (p.min(data.len()), false)
}

impl AmqpSession {
    /// One step of `on_data` at `pos` of the offered bytes (see [`kit::drive`]): the
    /// protocol header, one frame, or a resynchronisation scan.
    fn step(&mut self, chunk: &Chunk<'_>, pos: usize, out: &mut Output) -> kit::Step {
        let dir = chunk.dir;
        let d = dir.index();
        let rest = chunk.data.get(pos..).unwrap_or(&[]);
        match self.sides[d].state {
            State::Start => {
                if rest.first() == Some(&b'A') {
                    let Some(hdr) = rest.get(..8) else {
                        return kit::Step::Wait;
                    };
                    if hdr.starts_with(b"AMQP") {
                        if hdr == PROTOCOL_HEADER {
                            self.sides[d].state = State::Sync;
                        } else {
                            out.diagnostic(
                                DiagKind::Unsupported,
                                format!(
                                    "AMQP protocol header for version {}-{}-{} (not 0-9-1)",
                                    hdr[5], hdr[6], hdr[7]
                                ),
                            );
                            self.sides[d].state = State::Resync;
                        }
                        if !is_client(dir) {
                            out.diagnostic(
                                DiagKind::Unsupported,
                                "the server answered with a protocol header: version refused",
                            );
                        }
                        return kit::Step::Advance(8);
                    }
                }
                // No protocol header: joined mid-stream (or the server side, whose first
                // frame is confirmed like any resynchronisation).
                if is_client(dir) {
                    self.lossy = true;
                }
                self.sides[d].state = State::Resync;
                kit::Step::Advance(0)
            }
            State::Sync => match self.sync_step(chunk, pos, out) {
                Step::Consumed(n) => kit::Step::Advance(n),
                Step::NeedMore => kit::Step::Wait,
                Step::Desync => {
                    self.lose_sync(
                        dir,
                        DiagKind::Malformed,
                        "frames lost: the stream could not be framed",
                        out,
                    );
                    self.sides[d].must_skip = true;
                    kit::Step::Advance(0)
                }
            },
            State::Resync => {
                let from = usize::from(self.sides[d].must_skip);
                let (off, found) = scan(rest, from);
                let side = &mut self.sides[d];
                side.skipped += off as u64;
                if off > 0 {
                    side.must_skip = false;
                }
                if !found {
                    // The garbage before `off` is used; what follows waits for more bytes
                    // (scanned again from there, it waits at once).
                    return if off > 0 {
                        kit::Step::Advance(off)
                    } else {
                        kit::Step::Wait
                    };
                }
                side.state = State::Sync;
                let reason = side.reason.take();
                if side.skipped > 0 {
                    let n = side.skipped;
                    side.skipped = 0;
                    let msg = match reason {
                        Some(r) => {
                            format!("{r}: {n} bytes skipped to resynchronise on a frame boundary")
                        }
                        None => format!("{n} bytes skipped to resynchronise on a frame boundary"),
                    };
                    let msg = Diagnostic::new(DiagKind::Malformed, msg);
                    out.diagnostic(msg.kind, msg.message.clone());
                    side.note(n, msg);
                }
                kit::Step::Advance(off)
            }
        }
    }
}

impl Session for AmqpSession {
    fn on_data(&mut self, chunk: &Chunk<'_>, out: &mut Output) -> usize {
        kit::drive(chunk.data.len(), |pos| self.step(chunk, pos, out))
    }

    fn on_gap(&mut self, dir: Direction, len: u64, _ts: Nanos, out: &mut Output) {
        let d = dir.index();
        self.lossy = true;
        let side = &mut self.sides[d];
        if side.state == State::Sync
            && let Some((ch, left)) = side.body
            && len <= u64::from(left)
        {
            // The hole is inside one body frame: count it, keep framing.
            side.body = Some((ch, left - len as u32));
            if let Some(a) = side
                .asm
                .iter_mut()
                .find(|a| a.msg.channel == ch && a.header_seen)
            {
                a.received += len;
                a.spliced = true;
                a.msg.gap = true;
            }
            return;
        }
        self.lose_sync(
            dir,
            DiagKind::Gap,
            &format!("gap of {len} bytes in the capture"),
            out,
        );
        let side = &mut self.sides[d];
        side.must_skip = false;
        if side.skipped > 0 {
            let n = std::mem::take(&mut side.skipped);
            let r = side
                .reason
                .take()
                .unwrap_or_else(|| "AMQP framing lost".to_owned());
            side.note(
                n,
                Diagnostic::new(
                    DiagKind::Malformed,
                    format!("{r}: {n} bytes skipped before a capture gap"),
                ),
            );
        }
    }

    fn on_close(&mut self, _ts: Nanos, out: &mut Output) {
        for dir in [Direction::ClientToServer, Direction::ServerToClient] {
            let asm = std::mem::take(&mut self.sides[dir.index()].asm);
            for a in asm {
                self.finish_assembly(dir, a, out);
            }
        }
        // Bytes consumed without an entry: on a request still open (one the other side
        // owes an answer, else any), or counted as unparsed.
        for dir in [Direction::ClientToServer, Direction::ServerToClient] {
            let side = &mut self.sides[dir.index()];
            if side.skipped > 0 {
                let n = std::mem::take(&mut side.skipped);
                let r = side
                    .reason
                    .take()
                    .unwrap_or_else(|| "AMQP framing lost".to_owned());
                let msg = format!("{r}: {n} bytes skipped to the end of the connection");
                let msg = Diagnostic::new(DiagKind::Malformed, msg);
                out.diagnostic(msg.kind, msg.message.clone());
                side.note(n, msg);
            }
            let notes = std::mem::take(&mut side.notes);
            let noted = std::mem::take(&mut side.noted);
            if noted == 0 && notes.is_empty() {
                continue;
            }
            let from_client = is_client(dir);
            let open = self
                .pending
                .iter()
                .position(|p| p.from_client != from_client)
                .or(if self.pending.is_empty() {
                    None
                } else {
                    Some(0)
                });
            match open.and_then(|i| self.pending.get_mut(i)) {
                Some(p) => p.msg.diags.extend(notes),
                None => out.skipped(noted, SKIPPED),
            }
        }
        while let Some(mut p) = self.pending.pop_front() {
            p.msg.diags.push(Diagnostic::new(
                DiagKind::Unanswered,
                "no response captured",
            ));
            self.emit(p.msg, None, out);
        }
    }

    fn buffered_bytes(&self) -> usize {
        // Messages being assembled (method, header and body bytes kept) and requests
        // waiting for their answer.
        let asm: usize = self
            .sides
            .iter()
            .flat_map(|s| &s.asm)
            .map(|a| 256 + a.msg.bytes.capacity())
            .sum();
        asm + self
            .pending
            .iter()
            .map(|p| 256 + p.msg.bytes.capacity())
            .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amqp::wire::tests::{G, arb_g, longstr, table_body};
    use crate::amqp::wire::{METHODS, Ty, oracle};
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    /// Arguments encoded by type (random contents, tables from [`arb_g`]).
    fn encode_args(spec: &MethodSpec, seed: &[u8], tables: &[(Vec<u8>, G)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut bytes = seed.iter().copied().cycle();
        let mut next =
            |n: usize| -> Vec<u8> { (0..n).map(|_| bytes.next().unwrap_or(7)).collect() };
        for &(_, ty) in spec.args {
            match ty {
                Ty::Octet | Ty::Bit | Ty::RBit => out.extend(next(1)),
                Ty::Short | Ty::RShort => out.extend(next(2)),
                Ty::Long => out.extend(next(4)),
                Ty::LongLong | Ty::Timestamp => out.extend(next(8)),
                Ty::ShortStr | Ty::RShortStr => {
                    let s = next(3);
                    out.push(s.len() as u8);
                    out.extend(s);
                }
                Ty::LongStr | Ty::RLongStr | Ty::Secret => longstr(&mut out, &next(4)),
                Ty::Table => longstr(&mut out, &table_body(tables)),
            }
        }
        out
    }

    proptest! {
        #[test]
        fn methods_print_what_the_value_tree_printed(
            which in any::<prop::sample::Index>(),
            seed in proptest::collection::vec(any::<u8>(), 1..12),
            tables in proptest::collection::vec((proptest::collection::vec(any::<u8>(), 0..3), arb_g()), 0..4),
            cut in any::<prop::sample::Index>(),
            extra in proptest::collection::vec(any::<u8>(), 0..3),
        ) {
            let spec = &METHODS[which.index(METHODS.len())];
            let mut payload = spec.class.to_be_bytes().to_vec();
            payload.extend_from_slice(&spec.method.to_be_bytes());
            payload.extend(encode_args(spec, &seed, &tables));
            payload.extend(extra);
            let payload = &payload[..(4 + cut.index(payload.len() - 3)).min(payload.len())];

            let mut obj = Map::new();
            obj.insert("method".to_owned(), Value::Null);
            obj.insert("channel".to_owned(), Value::from(7));
            let mut capped = false;
            let old = oracle::decode_method(payload, &mut obj, &mut capped);
            obj.insert("method".to_owned(), Value::from(spec.name));

            let mut fields = wire::Fields::default();
            let m = wire::decode_method(payload, &mut fields).expect("known method");
            prop_assert_eq!(m.capped, capped);
            match old {
                Ok(Some((_, rest))) => prop_assert_eq!(m.rest, Ok(rest)),
                Err(e) => prop_assert_eq!(m.rest, Err(e)),
                Ok(None) => prop_assert!(false, "unknown"),
            }
            let msg = Message {
                spec,
                channel: 7,
                bytes: payload.to_vec(),
                method_end: payload.len() as u32,
                header_end: 0,
                body: None,
                heartbeats: (0, 0),
                ts: 0,
                size: 0,
                gap: false,
                truncated: false,
                diags: Vec::new(),
            };
            let got = msg.json();
            prop_assert_eq!(got.as_str(), serde_json::to_string(&obj).expect("json"));
            let no_wait = obj.get("noWait").and_then(Value::as_bool).unwrap_or(false);
            prop_assert_eq!(msg.no_wait(), no_wait);
        }
    }
}
