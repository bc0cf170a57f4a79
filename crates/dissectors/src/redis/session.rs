//! The per-connection Redis state machine: one streaming [`Parser`] per direction, a FIFO
//! of requests waiting for their replies, the RESP version (switched by `HELLO 3`) and the
//! pub/sub mode (which turns server arrays into one-way message entries).

use mizu_model::jkey;
use std::borrow::Cow;
use std::collections::VecDeque;

use mizu_dissect::kit::{self, MessageMeta, Step as Flow, side_name};
use mizu_dissect::{Chunk, DiagKind, Limits, Output, Session, SessionContext};
use mizu_model::{Direction, Entry, JsonBuf, Nanos, Payload, RawJson};

use super::command::{
    Word, arg_len, has_key, int_len, json_len, split_inline, type_name, write_arg, write_bytes,
    write_value,
};
use super::resp::{self, AggKind, Message, Parser, Step, Value};
use super::{INFO, wire};

/// A request waiting for its reply (or replies: `SUBSCRIBE a b` gets two).
#[derive(Debug)]
struct Req {
    /// `request` written up to its `key` (see [`build_request`]); `build` closes it.
    request: JsonBuf,
    /// `request.type` is `inline`, not `array`.
    inline: bool,
    command: Word,
    /// `HELLO`'s first argument: `Some(true)` for `3`, `Some(false)` for `2`.
    hello: Option<bool>,
    ts: Nanos,
    size: u64,
    truncated: bool,
    gap: bool,
    diagnostics: Vec<String>,
    /// Replies this request gets.
    expect: usize,
    replies: Vec<(Message, Nanos)>,
    /// What it holds, against `Limits::max_pending_bytes`.
    cost: usize,
}

/// Bytes a waiting request costs besides its JSON text and diagnostics.
const REQ_OVERHEAD: usize = std::mem::size_of::<Req>() + 16;

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
    /// Bytes of partial messages dropped as invalid since the last message (their
    /// diagnostic says so), for the unparsed accounting.
    dropped: u64,
    reason: Option<String>,
    /// The next message follows a gap or skipped bytes: its diagnostics.
    notes: Notes,
    gap: bool,
    /// Server: not known to be at a reply boundary (stream start, after a gap or a
    /// resynchronisation) until a reply starts while a request waits for it. Client: no
    /// request recognised since the stream start or the last resynchronisation (an inline
    /// command must then start with a known command name).
    unsure: bool,
    /// Server: the message being parsed started while `unsure` with no request waiting, so
    /// it may be the inside of a reply that began before the capture (see `push_request`).
    speculative: bool,
}

impl Side {
    fn new(limits: &Limits, dir: Direction) -> Side {
        let parser = Parser::new(limits.max_body, limits.max_head);
        Side {
            parser: match dir {
                Direction::ClientToServer => parser.with_max_count(wire::MAX_ARGS as u64),
                Direction::ServerToClient => parser,
            },
            ts: None,
            resync: false,
            at_line_start: true,
            skipped: 0,
            dropped: 0,
            reason: None,
            notes: Notes::default(),
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
        let dropped = std::mem::take(&mut self.dropped);
        let reason = self.reason.take();
        if skipped == 0 && reason.is_none() {
            return;
        }
        let msg = match reason {
            Some(r) => format!("{r}: skipped {skipped} bytes of {name} data to the next message"),
            None => format!("skipped {skipped} bytes of {name} data to the next message"),
        };
        if let Some(first) = self.notes.push(msg, skipped + dropped) {
            out.diagnostic(DiagKind::Malformed, first);
        }
    }
}

/// Diagnostics waiting for the next message, identical ones collapsed into one with a
/// count (a reply of 100k nested arrays resynchronises thousands of times, each time for
/// the same reason) and at most [`Notes::MAX`] distinct ones kept.
#[derive(Debug, Default)]
struct Notes {
    list: Vec<(String, u64)>,
    /// Distinct diagnostics beyond `MAX`, counted only.
    more: u64,
    /// Bytes the diagnostics describe (consumed, shown in no entry yet).
    bytes: u64,
}

impl Notes {
    const MAX: usize = 16;

    /// Adds `msg`; returns it when it is new (not a repeat), for the connection-level
    /// diagnostics.
    fn push(&mut self, msg: String, bytes: u64) -> Option<String> {
        self.bytes += bytes;
        if let Some((_, n)) = self.list.iter_mut().find(|(t, _)| *t == msg) {
            *n += 1;
            return None;
        }
        if self.list.len() >= Self::MAX {
            self.more += 1;
            return None;
        }
        self.list.push((msg.clone(), 1));
        Some(msg)
    }

    /// The diagnostics, repeats written once with their count; empties the list.
    fn take(&mut self) -> Vec<String> {
        self.bytes = 0;
        let more = std::mem::take(&mut self.more);
        let mut v: Vec<String> = self.list.drain(..).map(|(t, n)| repeated(t, n)).collect();
        if more > 0 {
            v.push(format!("{more} more distinct diagnostics not kept"));
        }
        v
    }
}

/// `text`, with ` (N times)` when it happened more than once.
fn repeated(text: String, n: u64) -> String {
    if n > 1 {
        format!("{text} ({n} times)")
    } else {
        text
    }
}

/// Collapses identical diagnostics of one entry into one with a count (first-seen order).
fn collapse(list: Vec<String>) -> Vec<String> {
    if list.len() < 2 {
        return list;
    }
    let mut out: Vec<(String, u64)> = Vec::with_capacity(list.len());
    for d in list {
        match out.iter_mut().find(|(t, _)| *t == d) {
            Some((_, n)) => *n += 1,
            None => out.push((d, 1)),
        }
    }
    out.into_iter().map(|(t, n)| repeated(t, n)).collect()
}

pub(crate) struct RedisSession {
    limits: Limits,
    client: Side,
    server: Side,
    pending: VecDeque<Req>,
    /// Bytes held by `pending` (see `Req::cost`).
    pending_bytes: usize,
    /// Requests emitted unanswered because `pending` held more than
    /// `Limits::max_pending_bytes`, and the replies still owed to them (the next replies
    /// answer those requests, not the ones waiting).
    evicted: u64,
    owed: u64,
    /// Replies shown on their own because their request had been emitted already.
    owed_shown: u64,
    /// Replies are RESP3 (after a successful `HELLO 3`).
    resp3: bool,
    /// RESP2 subscribed mode: server arrays `message`/`pmessage` are pushes.
    subscribed: bool,
    /// Blank entries for RESP2 and RESP3.
    templates: [Entry; 2],
    times: mizu_model::StartTimes,
    replies: ReplyCache,
}

/// The `response` of the last few short replies (`+OK`, `:1`, `$-1`…): most replies are
/// one of a few, and a copy of their text costs less than writing it again.
#[derive(Debug, Default)]
struct ReplyCache {
    slots: [Option<(ReplyKey, RawJson)>; 4],
    next: usize,
}

/// A short reply (not an error): its type byte and content.
#[derive(Debug, PartialEq, Eq)]
struct ReplyKey {
    kind: u8,
    len: u8,
    bytes: [u8; 32],
}

impl ReplyKey {
    fn of(v: &Value) -> Option<ReplyKey> {
        let (kind, content): (u8, &[u8]) = match v {
            Value::Simple(b) => (b'+', b),
            Value::Bulk {
                data,
                verbatim: None,
                ..
            } => (b'$', data),
            Value::Null => (b'_', &[]),
            Value::Int(i) => (b':', &i.to_be_bytes()),
            _ => return None,
        };
        let mut bytes = [0u8; 32];
        bytes.get_mut(..content.len())?.copy_from_slice(content);
        Some(ReplyKey {
            kind,
            len: content.len() as u8,
            bytes,
        })
    }
}

impl ReplyCache {
    /// [`response_json`] of a single short reply (`key` is its [`ReplyKey`]) without
    /// attributes.
    fn json(&mut self, key: ReplyKey, v: &Value) -> RawJson {
        if let Some((_, json)) = self.slots.iter().flatten().find(|(k, _)| *k == key) {
            return json.clone();
        }
        let mut b = JsonBuf::with_capacity(20 + type_name(v).len() + json_len(v));
        b.begin_object();
        b.k(jkey!("type"));
        b.str(type_name(v));
        b.k(jkey!("value"));
        write_value(&mut b, v);
        b.end_object();
        let json = b.finish();
        if let Some(slot) = self.slots.get_mut(self.next % 4) {
            *slot = Some((key, json.clone()));
        }
        self.next = self.next.wrapping_add(1);
        json
    }
}

const HELLO: Word = Word::packed(b"HELLO");
const RESET: Word = Word::packed(b"RESET");

/// The pub/sub words (lower case, as `response.kind` shows them), and the commands that
/// get one reply per channel.
const PUBSUB: [(&str, Word); 9] = [
    ("message", Word::packed(b"message")),
    ("pmessage", Word::packed(b"pmessage")),
    ("smessage", Word::packed(b"smessage")),
    ("subscribe", Word::packed(b"subscribe")),
    ("psubscribe", Word::packed(b"psubscribe")),
    ("ssubscribe", Word::packed(b"ssubscribe")),
    ("unsubscribe", Word::packed(b"unsubscribe")),
    ("punsubscribe", Word::packed(b"punsubscribe")),
    ("sunsubscribe", Word::packed(b"sunsubscribe")),
];

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
    let first = Word::new(&items.first()?.text()?);
    PUBSUB.iter().find(|(_, w)| *w == first).map(|(k, _)| *k)
}

/// `SUBSCRIBE a b` and the like: one confirmation per channel.
fn per_channel(command: Word) -> bool {
    PUBSUB[3..].iter().any(|(_, w)| *w == command)
}

impl RedisSession {
    pub(crate) fn new(ctx: SessionContext) -> RedisSession {
        RedisSession {
            limits: ctx.limits,
            client: Side::new(&ctx.limits, Direction::ClientToServer),
            server: Side::new(&ctx.limits, Direction::ServerToClient),
            pending: VecDeque::new(),
            pending_bytes: 0,
            evicted: 0,
            owed: 0,
            owed_shown: 0,
            resp3: false,
            subscribed: false,
            times: mizu_model::StartTimes::default(),
            replies: ReplyCache::default(),
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
        if dir == Direction::ClientToServer && !self.client.parser.in_message() {
            // A client message that does not start with `*` is an inline command.
            if data.first() != Some(&b'*') {
                return self.inline(chunk, at, out);
            }
            // The usual command, wholly here: straight to its JSON (as `step` then
            // `on_request` would do, without building its values).
            if let Some(cmd) = self.client.parser.whole_command(data) {
                let side = &mut self.client;
                let ts = side.ts.take().unwrap_or_else(|| chunk.ts_at(at));
                side.at_line_start = true;
                let notes = side.notes.take();
                let gap = std::mem::take(&mut side.gap);
                let args = cmd.args();
                let request = build_request(args, args.len() as u64, false, false);
                let size = cmd.size as u64;
                let meta = MessageMeta {
                    ts,
                    size,
                    truncated: false,
                    gap,
                    diagnostics: notes,
                };
                self.push_request(request, false, meta, out);
                return Flow::Advance(cmd.size);
            }
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
                let notes = side.notes.take();
                let gap = std::mem::take(&mut side.gap);
                match dir {
                    Direction::ClientToServer => self.on_request(msg, ts, notes, gap, out),
                    Direction::ServerToClient => self.on_reply(msg, ts, notes, gap, out),
                }
                Flow::Advance(n)
            }
            Step::Invalid(why) => {
                let lost = side.parser.reset();
                side.dropped += lost;
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
        // Redis takes every line that does not start with `*` for an inline command (an
        // unknown word gets `-ERR unknown command`, unbalanced quotes a protocol error):
        // each one is a request that gets a reply, known command or not.
        let (args, odd) = match split_inline(content) {
            // Until a first request is recognised (connection start) the line must start
            // with a known command, as the probe asked: the capture may have begun inside
            // a value.
            Some(a)
                if self.client.unsure
                    && !a.first().is_some_and(|w| super::command::is_command(w)) =>
            {
                self.client.start_resync(
                    "client data is neither a RESP array nor a known inline command".to_owned(),
                );
                self.client.skipped += used as u64;
                return Flow::Advance(used);
            }
            Some(a) => (a, None),
            None => (
                content
                    .split(u8::is_ascii_whitespace)
                    .filter(|w| !w.is_empty())
                    .map(<[u8]>::to_vec)
                    .collect(),
                Some("inline command with unbalanced quotes (Redis rejects it)"),
            ),
        };
        let ts = chunk.ts_at(at);
        let mut notes = self.client.notes.take();
        if let Some(odd) = odd {
            out.diagnostic(DiagKind::Malformed, odd);
            notes.push(odd.to_owned());
        }
        let gap = std::mem::take(&mut self.client.gap);
        let items: Vec<Value> = args.into_iter().map(Value::Simple).collect();
        let request = build_request(items.as_slice(), items.len() as u64, false, true);
        let meta = MessageMeta {
            ts,
            size: used as u64,
            truncated: false,
            gap,
            diagnostics: notes,
        };
        self.push_request(request, true, meta, out);
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
        let request = build_request(items.as_slice(), declared, msg.truncated, false);
        let meta = MessageMeta {
            ts,
            size: msg.size,
            truncated: msg.truncated,
            gap,
            diagnostics: notes,
        };
        self.push_request(request, false, meta, out);
    }

    fn push_request(
        &mut self,
        request: Request,
        inline: bool,
        meta: MessageMeta,
        out: &mut Output,
    ) {
        let MessageMeta {
            ts,
            size,
            truncated,
            gap,
            mut diagnostics,
        } = meta;
        let expect = if per_channel(request.command) {
            request.nargs.max(1)
        } else {
            1
        };
        if gap {
            diagnostics.push("request follows a capture gap: pairing may be off".to_owned());
        }
        if self.server.speculative && self.server.parser.in_message() {
            // The server is still inside a message that started with no request waiting after
            // a resynchronisation (e.g. the capture began inside a big array reply, and the
            // parser took an inner element for a reply start). A new request means that
            // reply is over: emit what was parsed as an orphan and look for the next reply,
            // rather than let the open aggregate swallow the replies to come.
            self.server.speculative = false;
            let why = "the client sent a request before it ended (reply picked up mid-stream)";
            self.cut(Direction::ServerToClient, DiagKind::Malformed, why, out);
            self.server
                .start_resync("server reply picked up mid-stream".to_owned());
            self.server.at_line_start = true;
        }
        self.client.unsure = false;
        let cost =
            REQ_OVERHEAD + request.json.len() + diagnostics.iter().map(String::len).sum::<usize>();
        self.pending_bytes += cost;
        while self.pending_bytes > self.limits.max_pending_bytes
            && let Some(old) = self.pending.pop_front()
        {
            // Memory stays bounded whatever the pipeline depth: the oldest request is shown
            // now, and the replies still owed to it are shown on their own when they come,
            // so the requests still waiting keep their own replies.
            self.pending_bytes = self.pending_bytes.saturating_sub(old.cost);
            self.evicted += 1;
            self.owed += old.expect.saturating_sub(old.replies.len()) as u64;
            let mut e = self.build_partial(old);
            e.diagnostics.retain(|d| d != "no response captured");
            e.diagnostics.push(format!(
                "emitted before its reply: more than {} bytes of requests were waiting",
                self.limits.max_pending_bytes
            ));
            out.emit(e);
        }
        self.pending.push_back(Req {
            cost,
            request: request.json,
            inline,
            command: request.command,
            hello: request.hello,
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
            let answers_head = confirm
                && self
                    .pending
                    .front()
                    .is_some_and(|r| r.command == Word::new(kind.as_bytes()));
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
        let owed = self.owed > 0;
        let front = if owed { None } else { self.pending.front_mut() };
        let Some(req) = front else {
            let mut notes = notes;
            if owed {
                // Its request was emitted unanswered already (the pending-bytes bound):
                // said once per connection, at its end, with the count.
                self.owed -= 1;
                self.owed_shown += 1;
                notes.push(format!(
                    "reply to a request emitted earlier without it (more than {} bytes of \
                     requests were waiting)",
                    self.limits.max_pending_bytes
                ));
            } else {
                let why = "reply without a captured request".to_owned();
                out.diagnostic(DiagKind::Unanswered, why.clone());
                notes.push(why);
            }
            let mut e = self.template(&msg);
            self.times.set(&mut e, ts, Some(ts));
            e.request = Payload::None;
            e.gap = !owed;
            e.truncated = msg.truncated;
            e.response_size = msg.size;
            e.response = Payload::Raw(response_json(&[(msg, ts)]));
            e.diagnostics = collapse(notes);
            out.emit(e);
            return;
        };
        req.diagnostics.extend(notes);
        req.gap |= gap;
        if req.replies.len() + 1 < req.expect {
            req.replies.push((msg, ts));
            return;
        }
        let Some(mut req) = self.pending.pop_front() else {
            return;
        };
        self.pending_bytes = self.pending_bytes.saturating_sub(req.cost);
        let mut replies = std::mem::take(&mut req.replies);
        let e = if replies.is_empty() {
            // The usual single reply: no list needed.
            self.answered(req, &[(msg, ts)])
        } else {
            replies.push((msg, ts));
            self.answered(req, &replies)
        };
        out.emit(e);
    }

    /// A request got all its replies: its entry (and the connection state it changes).
    fn answered(&mut self, req: Req, replies: &[(Message, Nanos)]) -> Entry {
        if req.command == HELLO
            && let Some((reply, _)) = replies.first()
            && !matches!(reply.value, Value::Error { .. })
            && let Some(v3) = req.hello
        {
            self.resp3 = v3;
        }
        if req.command == RESET {
            self.resp3 = false;
            self.subscribed = false;
        }
        self.build(req, replies)
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
        self.times.set(&mut e, ts, Some(ts));
        e.request = Payload::None;
        e.gap = gap;
        e.truncated = msg.truncated;
        e.response_size = msg.size;
        e.diagnostics = collapse(notes);
        let items = agg_items(&msg.value);
        let text = |b: &mut JsonBuf, i: usize| match items.get(i) {
            Some(v) => write_value(b, v),
            None => b.null(),
        };
        // Members in key order: channel, kind, message, pattern, type, value.
        let (channel, message, pattern) = match kind {
            "pmessage" => (Some(2), Some(3), Some(1)),
            "message" | "smessage" => (Some(1), Some(2), None),
            _ => (Some(1).filter(|_| items.len() > 1), None, None),
        };
        let mut b = JsonBuf::with_capacity(64 + json_len(&msg.value) * 2);
        b.begin_object();
        if let Some(i) = channel {
            b.k(jkey!("channel"));
            text(&mut b, i);
        }
        b.k(jkey!("kind"));
        b.str(kind);
        if let Some(i) = message {
            b.k(jkey!("message"));
            text(&mut b, i);
        }
        if let Some(i) = pattern {
            b.k(jkey!("pattern"));
            text(&mut b, i);
        }
        b.k(jkey!("type"));
        b.str(type_name(&msg.value));
        b.k(jkey!("value"));
        write_value(&mut b, &msg.value);
        b.end_object();
        e.response = Payload::Raw(b.finish());
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

    /// The entry of a request that will get no more replies.
    fn build_partial(&mut self, mut req: Req) -> Entry {
        let replies = std::mem::take(&mut req.replies);
        self.build(req, &replies)
    }

    fn build(&mut self, req: Req, replies: &[(Message, Nanos)]) -> Entry {
        let mut e = match replies.first() {
            Some((m, _)) => self.template(m),
            None => self.templates[usize::from(self.resp3)].clone(),
        };
        let resp_ts = replies.first().map(|(_, t)| *t);
        self.times.set(&mut e, req.ts, resp_ts);
        e.request_size = req.size;
        e.truncated = req.truncated;
        e.gap = req.gap;
        e.diagnostics = collapse(req.diagnostics);
        let mut request = req.request;
        if req.truncated {
            request.k(jkey!("truncated"));
            request.bool(true);
        }
        request.k(jkey!("type"));
        request.str(if req.inline { "inline" } else { "array" });
        request.end_object();
        e.request = Payload::Raw(request.finish());
        if replies.is_empty() {
            e.diagnostics.push("no response captured".to_owned());
        } else {
            e.response_size = replies.iter().map(|(m, _)| m.size).sum();
            e.truncated |= replies.iter().any(|(m, _)| m.truncated);
            let short = match replies {
                [(m, _)] if m.attrs.is_empty() => ReplyKey::of(&m.value).map(|k| (k, &m.value)),
                _ => None,
            };
            e.response = Payload::Raw(match short {
                Some((key, v)) => self.replies.json(key, v),
                None => response_json(replies),
            });
            #[cfg(debug_assertions)]
            if let Payload::Raw(r) = &e.response {
                debug_assert_eq!(*r, response_json(replies), "ReplyCache");
            }
        }
        e
    }

    /// Ends a message cut by a gap or the end of the connection: what was parsed is kept.
    fn cut(&mut self, dir: Direction, kind: DiagKind, why: &str, out: &mut Output) {
        let side = self.side(dir);
        let Some(mut msg) = side.parser.take_partial() else {
            return;
        };
        let ts = side.ts.take().unwrap_or(0);
        let mut notes = side.notes.take();
        side.gap = false;
        let note = format!("{} message cut: {why}", side_name(dir));
        out.diagnostic(kind, note.clone());
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

    /// At the end: bytes skipped with no message after them go on a request still waiting
    /// (the last one for client bytes, the first for server bytes), else into the
    /// unparsed counters with the reason.
    fn report_skipped(&mut self, dir: Direction, out: &mut Output) {
        let side = self.side(dir);
        if side.skipped > 0 {
            let msg = format!(
                "skipped {} bytes of {} data that were not RESP",
                side.skipped,
                side_name(dir)
            );
            let n = std::mem::take(&mut side.skipped) + std::mem::take(&mut side.dropped);
            out.diagnostic(DiagKind::Malformed, msg.clone());
            side.notes.push(msg, n);
        }
        let bytes = side.notes.bytes;
        if bytes == 0 && side.notes.list.is_empty() {
            return;
        }
        let notes = side.notes.take();
        let open = match dir {
            Direction::ClientToServer => self.pending.back_mut(),
            Direction::ServerToClient => self.pending.front_mut(),
        };
        match open {
            Some(r) => r.diagnostics.extend(notes),
            None => out.skipped(bytes, "redis: data that was not RESP"),
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

/// A request's JSON, written up to its `key` (members after it depend on what happens to
/// the request later), and what pairing needs to know of it.
#[derive(Debug)]
struct Request {
    json: JsonBuf,
    command: Word,
    hello: Option<bool>,
    nargs: usize,
}

/// The elements of a command: parsed values, or byte strings read in one go.
trait Items {
    fn count(&self) -> usize;
    /// The text of element `i` when it is string-like.
    fn text(&self, i: usize) -> Option<Cow<'_, [u8]>>;
    /// Element `i` as an argument.
    fn write(&self, b: &mut JsonBuf, i: usize);
    /// The length of element `i` as an argument (see [`json_len`]).
    fn len_of(&self, i: usize) -> usize;
}

impl Items for [Value] {
    fn count(&self) -> usize {
        self.len()
    }
    fn text(&self, i: usize) -> Option<Cow<'_, [u8]>> {
        self.get(i).and_then(Value::text)
    }
    fn write(&self, b: &mut JsonBuf, i: usize) {
        if let Some(v) = self.get(i) {
            write_arg(b, v);
        }
    }
    fn len_of(&self, i: usize) -> usize {
        self.get(i).map_or(0, arg_len)
    }
}

impl Items for [&[u8]] {
    fn count(&self) -> usize {
        self.len()
    }
    fn text(&self, i: usize) -> Option<Cow<'_, [u8]>> {
        self.get(i).map(|t| Cow::Borrowed(*t))
    }
    fn write(&self, b: &mut JsonBuf, i: usize) {
        if let Some(t) = self.get(i) {
            write_bytes(b, t);
        }
    }
    fn len_of(&self, i: usize) -> usize {
        self.get(i).map_or(0, |t| t.len() + 2)
    }
}

/// `request`: `{argCount?, args, command, key?}`, then `truncated?` and `type` from
/// [`RedisSession::build`] (members in key order, as a `serde_json::Map` prints them).
fn build_request<I: Items + ?Sized>(
    items: &I,
    declared: u64,
    truncated: bool,
    inline: bool,
) -> Request {
    let n = items.count();
    let name = items.text(0);
    let name: &[u8] = name.as_deref().unwrap_or_default();
    let command = Word::new(name);
    let with_key = has_key(name, command) && n > 1;
    let arg_count = declared > n as u64 || truncated;
    // The exact length when no string needs escaping (then `finish` does not reallocate).
    let len =
        1 + if arg_count {
            12 + int_len(declared.saturating_sub(1) as i64)
        } else {
            0
        } + 9
            + (1..n).map(|i| items.len_of(i)).sum::<usize>()
            + n.saturating_sub(2)
            + 13
            + name.len()
            + if with_key { 7 + items.len_of(1) } else { 0 }
            + if truncated { 17 } else { 0 }
            + if inline { 17 } else { 16 };
    let mut b = JsonBuf::with_capacity(len);
    b.begin_object();
    if arg_count {
        b.k(jkey!("argCount"));
        b.u64(declared.saturating_sub(1));
    }
    b.k(jkey!("args"));
    b.begin_array();
    for i in 1..n {
        items.write(&mut b, i);
    }
    b.end_array();
    b.k(jkey!("command"));
    write_upper(&mut b, name);
    if with_key {
        b.k(jkey!("key"));
        items.write(&mut b, 1);
    }
    let hello = if command == HELLO {
        match items.text(1).as_deref() {
            Some(b"3") => Some(true),
            Some(b"2") => Some(false),
            _ => None,
        }
    } else {
        None
    };
    Request {
        json: b,
        command,
        hello,
        nargs: n.saturating_sub(1),
    }
}

/// A command name as `request.command` shows it: the text, ASCII letters upper-cased
/// (invalid UTF-8 replaced, as `String::from_utf8_lossy` does).
fn write_upper(b: &mut JsonBuf, name: &[u8]) {
    // Clients send names in upper case, mostly.
    if !name.iter().any(u8::is_ascii_lowercase)
        && let Ok(s) = std::str::from_utf8(name)
    {
        b.str(s);
        return;
    }
    let mut buf = [0u8; 32];
    if let Some(up) = buf.get_mut(..name.len())
        && name.is_ascii()
    {
        up.copy_from_slice(name);
        up.make_ascii_uppercase();
        if let Ok(s) = std::str::from_utf8(up) {
            b.str(s);
            return;
        }
    }
    b.str(&String::from_utf8_lossy(name).to_ascii_uppercase());
}

/// The length of [`response_json`]'s text (exact as [`json_len`] is).
fn response_len(replies: &[(Message, Nanos)]) -> usize {
    let [(first, _), ..] = replies else {
        return 2;
    };
    let attrs: Vec<&Value> = replies.iter().flat_map(|(r, _)| &r.attrs).collect();
    let mut n = 2;
    if !attrs.is_empty() {
        n += 15 + attrs.iter().map(|a| json_len(a) + 1).sum::<usize>();
    }
    if let Some(text) = replies.iter().find_map(|(r, _)| match &r.value {
        Value::Error { text, .. } => Some(text),
        _ => None,
    }) {
        n += 11 + text.len();
    }
    if replies.len() > 1 {
        n += 11 + int_len(replies.len() as i64);
        n += 1 + replies
            .iter()
            .map(|(r, _)| json_len(&r.value) + 1)
            .sum::<usize>();
    } else if let Value::Error { text, .. } = &first.value {
        n += text.len() + 2;
    } else {
        n += json_len(&first.value);
    }
    n + 18 + type_name(&first.value).len()
}

/// `response`: `{attributes?, error?, type, value}`; several replies (`SUBSCRIBE a b`) give
/// `value` as the list of replies and `replies: N`.
fn response_json(replies: &[(Message, Nanos)]) -> RawJson {
    let mut b = JsonBuf::with_capacity(response_len(replies));
    b.begin_object();
    if let [(first, _), ..] = replies {
        if replies.iter().any(|(r, _)| !r.attrs.is_empty()) {
            b.k(jkey!("attributes"));
            b.begin_array();
            for a in replies.iter().flat_map(|(r, _)| &r.attrs) {
                write_value(&mut b, a);
            }
            b.end_array();
        }
        let error = replies.iter().find_map(|(r, _)| match &r.value {
            Value::Error { text, .. } => Some(text),
            _ => None,
        });
        if let Some(text) = error {
            b.k(jkey!("error"));
            write_bytes(&mut b, text);
        }
        if replies.len() > 1 {
            b.k(jkey!("replies"));
            b.u64(replies.len() as u64);
        }
        b.k(jkey!("type"));
        b.str(type_name(&first.value));
        b.k(jkey!("value"));
        match &first.value {
            // A top-level error's value is its text (`error` repeats it for filters).
            Value::Error { text, .. } if replies.len() == 1 => write_bytes(&mut b, text),
            v if replies.len() == 1 => write_value(&mut b, v),
            _ => {
                b.begin_array();
                for (r, _) in replies {
                    write_value(&mut b, &r.value);
                }
                b.end_array();
            }
        }
    }
    b.end_object();
    b.finish()
}

impl Session for RedisSession {
    fn on_data(&mut self, chunk: &Chunk<'_>, out: &mut Output) -> usize {
        kit::drive(chunk.data.len(), |used| self.step(chunk, used, out))
    }

    fn on_gap(&mut self, dir: Direction, len: u64, _ts: Nanos, out: &mut Output) {
        self.cut(
            dir,
            DiagKind::Gap,
            &format!("{len} bytes lost in a capture gap"),
            out,
        );
        let name = side_name(dir);
        out.diagnostic(
            DiagKind::Gap,
            format!("{len} bytes of {name} data lost in a capture gap: resynchronising"),
        );
        let side = self.side(dir);
        side.ts = None;
        side.gap = true;
        side.unsure = true;
        // Lost packets usually end at a message boundary: the next byte may start one.
        side.at_line_start = true;
        side.resync = false;
        side.start_resync(format!("after a {len} byte capture gap"));
    }

    fn buffered_bytes(&self) -> usize {
        // Requests waiting for their replies, as counted against `max_pending_bytes`.
        self.pending_bytes
    }

    fn on_close(&mut self, _ts: Nanos, out: &mut Output) {
        self.cut(
            Direction::ClientToServer,
            DiagKind::Truncated,
            "the connection ended mid-message",
            out,
        );
        self.cut(
            Direction::ServerToClient,
            DiagKind::Truncated,
            "the connection ended mid-message",
            out,
        );
        self.report_skipped(Direction::ClientToServer, out);
        self.report_skipped(Direction::ServerToClient, out);
        if self.evicted > 0 {
            out.diagnostic(
                DiagKind::Limit,
                format!(
                    "{} requests were emitted before their replies because more than {} bytes of \
                 requests were waiting; {} of their replies were shown on their own",
                    self.evicted, self.limits.max_pending_bytes, self.owed_shown
                ),
            );
        }
        while let Some(req) = self.pending.pop_front() {
            self.pending_bytes = self.pending_bytes.saturating_sub(req.cost);
            out.diagnostic(DiagKind::Unanswered, "no response captured");
            let e = self.build_partial(req);
            out.emit(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn command_names_are_upper_cased_as_before(name in proptest::collection::vec(any::<u8>(), 0..40), text in "[a-zA-Z\u{e9}]{0,40}") {
            for name in [&name[..], text.as_bytes()] {
                let mut b = JsonBuf::new();
                write_upper(&mut b, name);
                let want = String::from_utf8_lossy(name).to_ascii_uppercase();
                let got = b.finish();
                prop_assert_eq!(got.as_str(), serde_json::to_string(&want).expect("json"));
            }
        }
    }
}
