//! The per-connection Redis state machine: one streaming [`Parser`] per direction, a FIFO
//! of requests waiting for their replies, the RESP version (switched by `HELLO 3`) and the
//! pub/sub mode (which turns server arrays into one-way message entries).

use std::collections::VecDeque;

use mizu_dissect::{Chunk, Limits, Output, Session, SessionContext};
use mizu_model::{Direction, Entry, Nanos, Payload};
use serde_json::{Map, Value as Json};

use super::command::{bytes_json, has_key, is_command, split_inline, to_json, type_name};
use super::resp::{self, AggKind, Message, Parser, Step, Value};
use super::{INFO, wire};

/// A request waiting for its reply (or replies: `SUBSCRIBE a b` gets two).
#[derive(Debug)]
struct Req {
    request: Map<String, Json>,
    command: String,
    ts: Nanos,
    size: u64,
    truncated: bool,
    gap: bool,
    diagnostics: Vec<String>,
    /// Replies this request gets.
    expect: usize,
    replies: Vec<(Message, Nanos)>,
}

/// One direction's parsing state.
#[derive(Debug)]
struct Side {
    parser: Parser,
    /// Capture time of the first byte of the message being parsed.
    ts: Option<Nanos>,
    /// Looking for the next plausible message start.
    resync: bool,
    /// The byte before the current position was a line feed (or the stream start).
    at_line_start: bool,
    skipped: u64,
    reason: Option<String>,
    /// The next message follows a gap or skipped bytes: its diagnostics.
    notes: Vec<String>,
    gap: bool,
    /// Server: not known to be at a reply boundary (stream start, after a gap or a
    /// resynchronisation) until a reply starts while a request waits for it.
    unsure: bool,
    /// Server: the message being parsed started while `unsure` with no request waiting, so
    /// it may be the inside of a reply that began before the capture (see `push_request`).
    speculative: bool,
}

impl Side {
    fn new(limits: &Limits) -> Side {
        Side {
            parser: Parser::new(limits.max_body, limits.max_head),
            ts: None,
            resync: false,
            at_line_start: true,
            skipped: 0,
            reason: None,
            notes: Vec::new(),
            gap: false,
            unsure: true,
            speculative: false,
        }
    }

    fn start_resync(&mut self, why: String) {
        if !self.resync {
            self.resync = true;
            self.reason = Some(why);
        }
    }

    /// A message starts here after a resynchronisation: report what was skipped.
    fn end_resync(&mut self, name: &str, out: &mut Output) {
        if !self.resync {
            return;
        }
        self.resync = false;
        self.unsure = true;
        let skipped = std::mem::take(&mut self.skipped);
        let reason = self.reason.take();
        if skipped == 0 && reason.is_none() {
            return;
        }
        let msg = match reason {
            Some(r) => format!("{r}: skipped {skipped} bytes of {name} data to the next message"),
            None => format!("skipped {skipped} bytes of {name} data to the next message"),
        };
        out.diagnostic(msg.clone());
        self.notes.push(msg);
    }
}

enum Flow {
    Advance(usize),
    Wait,
}

pub(crate) struct RedisSession {
    limits: Limits,
    client: Side,
    server: Side,
    pending: VecDeque<Req>,
    /// Replies are RESP3 (after a successful `HELLO 3`).
    resp3: bool,
    /// RESP2 subscribed mode: server arrays `message`/`pmessage` are pushes.
    subscribed: bool,
    /// Blank entries for RESP2 and RESP3.
    templates: [Entry; 2],
}

fn side_name(dir: Direction) -> &'static str {
    match dir {
        Direction::ClientToServer => "client",
        Direction::ServerToClient => "server",
    }
}

/// The pub/sub kind of a server array or push: its first element, lower-cased, when it is
/// one of the pub/sub words.
fn pubsub_kind(v: &Value) -> Option<&'static str> {
    let Value::Agg {
        kind: AggKind::Array | AggKind::Push,
        items,
        ..
    } = v
    else {
        return None;
    };
    let first = items.first()?;
    [
        "message",
        "pmessage",
        "smessage",
        "subscribe",
        "psubscribe",
        "ssubscribe",
        "unsubscribe",
        "punsubscribe",
        "sunsubscribe",
    ]
    .into_iter()
    .find(|w| first.is_word(w))
}

impl RedisSession {
    pub(crate) fn new(ctx: SessionContext) -> RedisSession {
        RedisSession {
            limits: ctx.limits,
            client: Side::new(&ctx.limits),
            server: Side::new(&ctx.limits),
            pending: VecDeque::new(),
            resp3: false,
            subscribed: false,
            templates: ["2", "3"].map(|v| {
                let mut p = INFO.protocol();
                p.version = v.into();
                ctx.new_entry(p)
            }),
        }
    }

    fn side(&mut self, dir: Direction) -> &mut Side {
        match dir {
            Direction::ClientToServer => &mut self.client,
            Direction::ServerToClient => &mut self.server,
        }
    }

    fn step(&mut self, chunk: &Chunk<'_>, at: usize, out: &mut Output) -> Flow {
        let dir = chunk.dir;
        let data = &chunk.data[at..];
        let side = self.side(dir);
        if side.resync {
            let start = side.at_line_start;
            let (skip, found) = match dir {
                Direction::ClientToServer => wire::find(data, start, wire::request_at),
                Direction::ServerToClient => wire::find(data, start, wire::reply_at),
            };
            if skip > 0 {
                side.skipped += skip as u64;
                side.at_line_start = data.get(skip - 1) == Some(&b'\n');
                return Flow::Advance(skip);
            }
            if !found {
                return Flow::Wait;
            }
            side.end_resync(side_name(dir), out);
            return Flow::Advance(0);
        }
        // A client message that does not start with `*` is an inline command.
        if dir == Direction::ClientToServer
            && !self.client.parser.in_message()
            && data.first() != Some(&b'*')
        {
            return self.inline(chunk, at, out);
        }
        let ts = chunk.ts_at(at);
        let waiting = !self.pending.is_empty();
        let side = self.side(dir);
        if dir == Direction::ServerToClient && !side.parser.in_message() {
            // A reply starting while a request waits is aligned with the requests.
            side.speculative = side.unsure && !waiting;
            side.unsure &= !waiting;
        }
        match side.parser.step(data) {
            Step::Need => Flow::Wait,
            Step::More(n) => {
                side.ts.get_or_insert(ts);
                side.at_line_start = data.get(n.wrapping_sub(1)) == Some(&b'\n');
                Flow::Advance(n)
            }
            Step::Done(n, msg) => {
                let ts = *side.ts.get_or_insert(ts);
                side.ts = None;
                side.at_line_start = true;
                let notes = std::mem::take(&mut side.notes);
                let gap = std::mem::take(&mut side.gap);
                match dir {
                    Direction::ClientToServer => self.on_request(msg, ts, notes, gap, out),
                    Direction::ServerToClient => self.on_reply(msg, ts, notes, gap, out),
                }
                Flow::Advance(n)
            }
            Step::Invalid(why) => {
                let lost = side.parser.reset();
                side.ts = None;
                let what = if lost > 0 {
                    format!("{why} (a {lost}-byte partial message dropped)")
                } else {
                    why
                };
                side.start_resync(format!("{} data is not RESP: {what}", side_name(dir)));
                side.skipped += 1;
                side.at_line_start = data.first() == Some(&b'\n');
                Flow::Advance(1)
            }
        }
    }

    /// An inline command (`PING\r\n`, `SET k v\r\n`: what telnet and `redis-cli --pipe`
    /// with a text file send).
    fn inline(&mut self, chunk: &Chunk<'_>, at: usize, out: &mut Output) -> Flow {
        let data = &chunk.data[at..];
        let max = self.limits.max_head;
        let Some((content, used)) = resp::line(data) else {
            if data.len() > max {
                self.client
                    .start_resync(format!("inline command longer than {max} bytes"));
                self.client.skipped += 1;
                self.client.at_line_start = false;
                return Flow::Advance(1);
            }
            return Flow::Wait;
        };
        self.client.at_line_start = true;
        if content.iter().all(u8::is_ascii_whitespace) {
            // Redis ignores empty lines.
            return Flow::Advance(used);
        }
        let args = split_inline(content);
        let known = args
            .as_ref()
            .and_then(|a| a.first())
            .is_some_and(|w| is_command(w));
        let Some(args) = args.filter(|_| known) else {
            self.client.start_resync(
                "client data is neither a RESP array nor a known inline command".to_owned(),
            );
            self.client.skipped += used as u64;
            return Flow::Advance(used);
        };
        let ts = chunk.ts_at(at);
        let notes = std::mem::take(&mut self.client.notes);
        let gap = std::mem::take(&mut self.client.gap);
        let items: Vec<Value> = args.into_iter().map(Value::Simple).collect();
        let (request, command) = build_request(&items, items.len() as u64, "inline", false);
        self.push_request(request, command, ts, used as u64, false, gap, notes, out);
        Flow::Advance(used)
    }

    fn on_request(
        &mut self,
        msg: Message,
        ts: Nanos,
        notes: Vec<String>,
        gap: bool,
        out: &mut Output,
    ) {
        let (items, declared) = match msg.value {
            Value::Agg {
                kind: AggKind::Array,
                items,
                declared,
            } => (items, declared),
            other => (vec![other], 1),
        };
        if items.is_empty() && !gap {
            // `*0\r\n`: Redis ignores it.
            return;
        }
        let (request, command) = build_request(&items, declared, "array", msg.truncated);
        self.push_request(
            request,
            command,
            ts,
            msg.size,
            msg.truncated,
            gap,
            notes,
            out,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn push_request(
        &mut self,
        request: Map<String, Json>,
        command: String,
        ts: Nanos,
        size: u64,
        truncated: bool,
        gap: bool,
        mut diagnostics: Vec<String>,
        out: &mut Output,
    ) {
        let nargs = request
            .get("args")
            .and_then(Json::as_array)
            .map_or(0, Vec::len);
        let expect = match command.as_str() {
            "SUBSCRIBE" | "PSUBSCRIBE" | "SSUBSCRIBE" | "UNSUBSCRIBE" | "PUNSUBSCRIBE"
            | "SUNSUBSCRIBE" => nargs.max(1),
            _ => 1,
        };
        if gap {
            diagnostics.push("request follows a capture gap: pairing may be off".to_owned());
        }
        if self.pending.len() >= self.limits.max_pending.max(1)
            && let Some(old) = self.pending.pop_front()
        {
            let msg = format!(
                "more than {} requests waiting for a response: the oldest is emitted unanswered",
                self.limits.max_pending
            );
            out.diagnostic(msg.clone());
            let mut e = self.build(old);
            e.diagnostics.push(msg);
            out.emit(e);
        }
        if self.server.speculative && self.server.parser.in_message() {
            // The server is still inside a message that started with no request waiting after
            // a resynchronisation (e.g. the capture began inside a big array reply, and the
            // parser took an inner element for a reply start). A new request means that
            // reply is over: emit what was parsed as an orphan and look for the next reply,
            // rather than let the open aggregate swallow the replies to come.
            self.server.speculative = false;
            let why = "the client sent a request before it ended (reply picked up mid-stream)";
            self.cut(Direction::ServerToClient, why, out);
            self.server
                .start_resync("server reply picked up mid-stream".to_owned());
            self.server.at_line_start = true;
        }
        self.pending.push_back(Req {
            request,
            command,
            ts,
            size,
            truncated,
            gap,
            diagnostics,
            expect,
            replies: Vec::new(),
        });
    }

    fn on_reply(
        &mut self,
        msg: Message,
        ts: Nanos,
        mut notes: Vec<String>,
        gap: bool,
        out: &mut Output,
    ) {
        if gap {
            notes.push("reply follows a capture gap: pairing may be off".to_owned());
        }
        let is_push = matches!(
            msg.value,
            Value::Agg {
                kind: AggKind::Push,
                ..
            }
        );
        if let Some(kind) = pubsub_kind(&msg.value) {
            let confirm = !matches!(kind, "message" | "pmessage" | "smessage");
            let head = self.pending.front().map(|r| r.command.to_ascii_lowercase());
            let answers_head = confirm && head.as_deref() == Some(kind);
            if confirm && (is_push || self.subscribed || answers_head) {
                if let Some(Value::Int(n)) = agg_items(&msg.value).get(2) {
                    self.subscribed = *n > 0;
                }
                if answers_head {
                    self.answer(msg, ts, notes, gap, out);
                } else {
                    self.one_way(msg, ts, kind, notes, gap, out);
                }
                return;
            }
            if !confirm && (is_push || self.subscribed) {
                self.one_way(msg, ts, kind, notes, gap, out);
                return;
            }
        }
        if is_push {
            let kind = agg_items(&msg.value)
                .first()
                .and_then(Value::text)
                .map(|t| String::from_utf8_lossy(&t).to_ascii_lowercase())
                .unwrap_or_default();
            let kind: &str = &kind;
            self.one_way(msg, ts, kind, notes, gap, out);
            return;
        }
        self.answer(msg, ts, notes, gap, out);
    }

    /// Pairs a reply with the oldest waiting request.
    fn answer(&mut self, msg: Message, ts: Nanos, notes: Vec<String>, gap: bool, out: &mut Output) {
        let Some(req) = self.pending.front_mut() else {
            let mut notes = notes;
            let why = "reply without a captured request".to_owned();
            out.diagnostic(why.clone());
            notes.push(why);
            let mut e = self.template(&msg);
            e.set_times(ts, Some(ts));
            e.request = Payload::None;
            e.gap = true;
            e.truncated = msg.truncated;
            e.response_size = msg.size;
            e.response = Payload::Json(Json::Object(response_json(vec![(msg, ts)])));
            e.diagnostics = notes;
            out.emit(e);
            return;
        };
        req.diagnostics.extend(notes);
        req.gap |= gap;
        req.replies.push((msg, ts));
        if req.replies.len() < req.expect {
            return;
        }
        let Some(req) = self.pending.pop_front() else {
            return;
        };
        if req.command == "HELLO"
            && let Some((reply, _)) = req.replies.first()
            && !matches!(reply.value, Value::Error { .. })
        {
            match req
                .request
                .get("args")
                .and_then(|a| a.get(0))
                .and_then(Json::as_str)
            {
                Some("3") => self.resp3 = true,
                Some("2") => self.resp3 = false,
                _ => {}
            }
        }
        if req.command == "RESET" {
            self.resp3 = false;
            self.subscribed = false;
        }
        let e = self.build(req);
        out.emit(e);
    }

    /// A server message nobody asked for: a pub/sub message, or another push.
    fn one_way(
        &mut self,
        msg: Message,
        ts: Nanos,
        kind: &str,
        notes: Vec<String>,
        gap: bool,
        out: &mut Output,
    ) {
        let mut e = self.template(&msg);
        e.set_times(ts, Some(ts));
        e.request = Payload::None;
        e.gap = gap;
        e.truncated = msg.truncated;
        e.response_size = msg.size;
        e.diagnostics = notes;
        let items = agg_items(&msg.value);
        let mut resp = response_json(vec![]);
        resp.insert("type".to_owned(), Json::from(type_name(&msg.value)));
        resp.insert("kind".to_owned(), Json::from(kind));
        let text = |i: usize| items.get(i).map_or(Json::Null, to_json);
        match kind {
            "pmessage" => {
                resp.insert("pattern".to_owned(), text(1));
                resp.insert("channel".to_owned(), text(2));
                resp.insert("message".to_owned(), text(3));
            }
            "message" | "smessage" => {
                resp.insert("channel".to_owned(), text(1));
                resp.insert("message".to_owned(), text(2));
            }
            _ => {
                if items.get(1).is_some() {
                    resp.insert("channel".to_owned(), text(1));
                }
            }
        }
        resp.insert("value".to_owned(), to_json(&msg.value));
        e.response = Payload::Json(Json::Object(resp));
        out.emit(e);
    }

    /// The blank entry for a message: RESP3 when the connection switched or it is a push.
    fn template(&self, msg: &Message) -> Entry {
        let push = matches!(
            msg.value,
            Value::Agg {
                kind: AggKind::Push,
                ..
            }
        );
        self.templates[usize::from(self.resp3 || push)].clone()
    }

    fn build(&self, req: Req) -> Entry {
        let mut e = match req.replies.first() {
            Some((m, _)) => self.template(m),
            None => self.templates[usize::from(self.resp3)].clone(),
        };
        let resp_ts = req.replies.first().map(|(_, t)| *t);
        e.set_times(req.ts, resp_ts);
        e.request_size = req.size;
        e.truncated = req.truncated;
        e.gap = req.gap;
        e.diagnostics = req.diagnostics;
        let mut request = req.request;
        if req.truncated {
            request.insert("truncated".to_owned(), Json::Bool(true));
        }
        e.request = Payload::Json(Json::Object(request));
        if req.replies.is_empty() {
            e.diagnostics.push("no response captured".to_owned());
        } else {
            e.response_size = req.replies.iter().map(|(m, _)| m.size).sum();
            e.truncated |= req.replies.iter().any(|(m, _)| m.truncated);
            e.response = Payload::Json(Json::Object(response_json(req.replies)));
        }
        e
    }

    /// Ends a message cut by a gap or the end of the connection: what was parsed is kept.
    fn cut(&mut self, dir: Direction, why: &str, out: &mut Output) {
        let side = self.side(dir);
        let Some(mut msg) = side.parser.take_partial() else {
            return;
        };
        let ts = side.ts.take().unwrap_or(0);
        let mut notes = std::mem::take(&mut side.notes);
        side.gap = false;
        let note = format!("{} message cut: {why}", side_name(dir));
        out.diagnostic(note.clone());
        notes.push(note);
        msg.truncated = true;
        match dir {
            Direction::ClientToServer => {
                self.on_request(msg, ts, notes, true, out);
                if let Some(r) = self.pending.back_mut() {
                    r.truncated = true;
                    r.diagnostics.retain(|d| !d.starts_with("request follows"));
                    r.gap = true;
                }
            }
            Direction::ServerToClient => self.answer(msg, ts, notes, true, out),
        }
    }

    fn report_skipped(&mut self, dir: Direction, out: &mut Output) {
        let side = self.side(dir);
        if side.skipped > 0 {
            let msg = format!(
                "skipped {} bytes of {} data that were not RESP",
                side.skipped,
                side_name(dir)
            );
            side.skipped = 0;
            out.diagnostic(msg);
        }
    }
}

/// The elements of an array, set or push (empty for anything else).
fn agg_items(v: &Value) -> &[Value] {
    match v {
        Value::Agg { items, .. } => items,
        _ => &[],
    }
}

/// `request`: `{command, key?, args, type}`.
fn build_request(
    items: &[Value],
    declared: u64,
    kind: &str,
    truncated: bool,
) -> (Map<String, Json>, String) {
    let text = |v: &Value| match v.text() {
        Some(t) => bytes_json(&t),
        None => to_json(v),
    };
    let command = items
        .first()
        .and_then(Value::text)
        .map(|t| String::from_utf8_lossy(&t).to_ascii_uppercase())
        .unwrap_or_default();
    let args: Vec<Json> = items.iter().skip(1).map(text).collect();
    let mut m = Map::new();
    m.insert("command".to_owned(), Json::from(command.clone()));
    if has_key(&command)
        && let Some(k) = args.first()
    {
        m.insert("key".to_owned(), k.clone());
    }
    m.insert("args".to_owned(), Json::Array(args));
    m.insert("type".to_owned(), Json::from(kind));
    if declared > items.len() as u64 || truncated {
        m.insert(
            "argCount".to_owned(),
            Json::from(declared.saturating_sub(1)),
        );
    }
    (m, command)
}

/// `response`: `{type, value, error?, attributes?}`; several replies (`SUBSCRIBE a b`) give
/// `value` as the list of replies and `replies: N`.
fn response_json(mut replies: Vec<(Message, Nanos)>) -> Map<String, Json> {
    let mut m = Map::new();
    let Some((first, _)) = replies.first() else {
        return m;
    };
    m.insert("type".to_owned(), Json::from(type_name(&first.value)));
    let error = replies.iter().find_map(|(r, _)| match &r.value {
        Value::Error { text, .. } => Some(bytes_json(text)),
        _ => None,
    });
    let attrs: Vec<Json> = replies
        .iter()
        .flat_map(|(r, _)| r.attrs.iter().map(to_json))
        .collect();
    if replies.len() == 1 {
        let (r, _) = replies.remove(0);
        let value = match &r.value {
            // A top-level error's value is its text (`error` repeats it for filters).
            Value::Error { text, .. } => bytes_json(text),
            v => to_json(v),
        };
        m.insert("value".to_owned(), value);
    } else {
        m.insert(
            "value".to_owned(),
            Json::Array(replies.iter().map(|(r, _)| to_json(&r.value)).collect()),
        );
        m.insert("replies".to_owned(), Json::from(replies.len()));
    }
    if let Some(err) = error {
        m.insert("error".to_owned(), err);
    }
    if !attrs.is_empty() {
        m.insert("attributes".to_owned(), Json::Array(attrs));
    }
    m
}

impl Session for RedisSession {
    fn on_data(&mut self, chunk: &Chunk<'_>, out: &mut Output) -> usize {
        let mut used = 0;
        let mut idle = 0;
        while used < chunk.data.len() {
            match self.step(chunk, used, out) {
                Flow::Wait => break,
                Flow::Advance(n) => {
                    used += n.min(chunk.data.len() - used);
                    idle = if n == 0 { idle + 1 } else { 0 };
                    if idle > 8 {
                        break;
                    }
                }
            }
        }
        used
    }

    fn on_gap(&mut self, dir: Direction, len: u64, _ts: Nanos, out: &mut Output) {
        self.cut(dir, &format!("{len} bytes lost in a capture gap"), out);
        let name = side_name(dir);
        out.diagnostic(format!(
            "{len} bytes of {name} data lost in a capture gap: resynchronising"
        ));
        let side = self.side(dir);
        side.ts = None;
        side.gap = true;
        side.unsure = true;
        // Lost packets usually end at a message boundary: the next byte may start one.
        side.at_line_start = true;
        side.resync = false;
        side.start_resync(format!("after a {len} byte capture gap"));
    }

    fn on_close(&mut self, _ts: Nanos, out: &mut Output) {
        self.cut(
            Direction::ClientToServer,
            "the connection ended mid-message",
            out,
        );
        self.cut(
            Direction::ServerToClient,
            "the connection ended mid-message",
            out,
        );
        self.report_skipped(Direction::ClientToServer, out);
        self.report_skipped(Direction::ServerToClient, out);
        while let Some(req) = self.pending.pop_front() {
            out.diagnostic("no response captured");
            let e = self.build(req);
            out.emit(e);
        }
    }
}
