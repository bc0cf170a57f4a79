//! One Kafka connection: frames both directions, pairs responses to requests by correlation
//! id, emits entries. The rules are in the module docs (`mod.rs`).

use super::{INFO, apikeys, body};
use mizu_dissect::kit::{self, Step, be32, side_name};
use mizu_dissect::{Chunk, DiagKind, Output, Session, SessionContext};
use mizu_model::jkey;
use mizu_model::{Direction, Entry, JsonBuf, Nanos, Payload, Protocol, RawJson};
use std::collections::VecDeque;

/// Largest frame accepted as sane (Kafka's `socket.request.max.bytes` is 100 MiB).
pub(crate) const MAX_FRAME: usize = 128 << 20;

/// Frames up to this size are checked by decoding their body while resynchronising.
const RESYNC_VERIFY: usize = 64 << 10;

/// A request waiting for its response.
struct Pending {
    key: i16,
    version: i16,
    correlation_id: i32,
    request: RawJson,
    ts: Nanos,
    size: u64,
    truncated: bool,
    gap: bool,
    diagnostics: Vec<String>,
}

#[derive(Default)]
struct Side {
    /// Frame boundaries are known (false after a gap or garbage, and at first for the
    /// server: its frames are accepted only when their correlation id is pending).
    synced: bool,
    /// Bytes of an oversized (or unmatched) frame still to skip.
    skip: u64,
    /// Bytes skipped while resynchronising, not yet reported.
    skipped: u64,
}

/// The reason skipped bytes that no entry shows are counted under (`Output::skipped`).
const SKIPPED_FRAMES: &str = "kafka: malformed or oversized frames";
const SKIPPED_UNMATCHED: &str = "kafka: responses to uncaptured requests";

pub(crate) struct KafkaSession {
    ctx: SessionContext,
    client: Side,
    server: Side,
    pending: VecDeque<Pending>,
    /// Responses may have been lost (a server-side gap) since the last matched one.
    server_gap: bool,
}

/// The parsed request header.
struct ReqHead<'a> {
    key: i16,
    version: i16,
    correlation_id: i32,
    client_id: Option<&'a [u8]>,
    /// Header bytes after the length prefix.
    len: usize,
}

/// Parses a request header from `data` (after the length prefix); `None` if malformed.
fn request_head(data: &[u8]) -> Option<ReqHead<'_>> {
    let mut r = super::wire::Reader::new(data);
    let key = r.i16()?;
    let version = r.i16()?;
    let correlation_id = r.i32()?;
    if !apikeys::plausible(key, version) {
        return None;
    }
    let hv = apikeys::request_header_version(key, version);
    let client_id = if hv >= 1 { r.string(false)? } else { None };
    if hv >= 2 {
        r.tagged_fields()?;
    }
    Some(ReqHead {
        key,
        version,
        correlation_id,
        client_id,
        len: r.pos(),
    })
}

fn be_i16(b: &[u8], at: usize) -> Option<i16> {
    kit::Reader::at(b, at, kit::Endian::Big).i16().ok()
}

/// A plausible client id: up to 255 printable ASCII bytes, or null or empty (some client
/// libraries send an empty one by default). `strict` (the frame boundary is a guess):
/// null or empty only for API keys other than Produce (0), because a response whose
/// correlation id is below 65,536 reads as a Produce request header, never as another
/// key. `None`: not enough bytes to tell.
fn client_id_ok(data: &[u8], key: i16, frame_len: usize, strict: bool) -> Option<bool> {
    let n = be_i16(data, 12)?;
    if n == -1 || n == 0 {
        return Some(!strict || key != 0);
    }
    if !(0..=255).contains(&n) || n as usize + 10 > frame_len {
        return Some(false);
    }
    let id = data.get(14..14 + n as usize)?;
    Some(id.iter().all(|c| (0x20..0x7f).contains(c)))
}

/// Checks a request frame start at `data`: sane length, known key, version in range,
/// plausible client id (`strict`: the frame boundary is a guess, see [`client_id_ok`]).
/// `None`: need more bytes.
pub(crate) fn plausible_request(data: &[u8], strict: bool) -> Option<bool> {
    let len = be32(data, 0)? as usize;
    if !(10..=MAX_FRAME).contains(&len) {
        return Some(false);
    }
    let key = be_i16(data, 4)?;
    let version = be_i16(data, 6)?;
    if !apikeys::plausible(key, version) || apikeys::request_header_version(key, version) == 0 {
        return Some(false);
    }
    client_id_ok(data, key, len, strict)
}

impl KafkaSession {
    pub(crate) fn new(ctx: SessionContext) -> KafkaSession {
        KafkaSession {
            ctx,
            client: Side {
                synced: true,
                ..Side::default()
            },
            server: Side::default(),
            pending: VecDeque::new(),
            server_gap: false,
        }
    }

    /// The most bytes of one frame that are decoded; the rest is skipped.
    fn frame_cap(&self) -> usize {
        self.ctx
            .limits
            .max_body
            .saturating_add(self.ctx.limits.max_head)
    }

    fn side(&mut self, dir: Direction) -> &mut Side {
        match dir {
            Direction::ClientToServer => &mut self.client,
            Direction::ServerToClient => &mut self.server,
        }
    }

    /// The diagnostic for the bytes skipped on `dir` since the last frame (reset), if any.
    /// The caller puts it on the entry of the frame found after them.
    fn take_skipped(&mut self, dir: Direction, out: &mut Output) -> Option<String> {
        let side = self.side(dir);
        if side.skipped == 0 {
            return None;
        }
        let n = std::mem::take(&mut side.skipped);
        let who = side_name(dir);
        let msg = format!(
            "kafka: skipped {n} {who} bytes (malformed or oversized frames) to find the next frame"
        );
        out.diagnostic(DiagKind::Malformed, msg.clone());
        Some(msg)
    }

    /// Bytes skipped on `dir` with no frame after them (end of the direction): on an entry
    /// still open (a request waiting for its response), else in the unparsed counters.
    fn report_skipped(&mut self, dir: Direction, out: &mut Output) {
        let n = self.side(dir).skipped;
        let Some(msg) = self.take_skipped(dir, out) else {
            return;
        };
        let open = match dir {
            Direction::ClientToServer => self.pending.back_mut(),
            Direction::ServerToClient => self.pending.front_mut(),
        };
        match open {
            Some(p) => p.diagnostics.push(msg),
            None => out.skipped(n, SKIPPED_FRAMES),
        }
    }

    fn client_step(&mut self, chunk: &Chunk<'_>, at: usize, out: &mut Output) -> Step {
        let data = chunk.data.get(at..).unwrap_or(&[]);
        let Some(plausible) = plausible_request(data, !self.client.synced) else {
            return Step::Wait;
        };
        if !plausible {
            if self.client.synced {
                out.diagnostic(
                    DiagKind::Malformed,
                    "kafka: malformed request frame, resynchronising",
                );
                self.client.synced = false;
            }
            self.client.skipped += 1;
            return Step::Advance(1);
        }
        let Some(len) = be32(data, 0).map(|l| l as usize) else {
            return Step::Wait;
        };
        let cap = self.frame_cap();
        let complete = len <= cap;
        let want = len.min(cap);
        if data.len().saturating_sub(4) < want {
            return Step::Wait;
        }
        let frame = data.get(4..4 + want).unwrap_or(&[]);
        let Some(head) = request_head(frame) else {
            self.client.synced = false;
            self.client.skipped += 1;
            return Step::Advance(1);
        };
        let body_bytes = frame.get(head.len..).unwrap_or(&[]);
        // The request object, keys in sorted order; the body parser writes `payload`.
        let mut o = JsonBuf::with_capacity(json_capacity(want, self.client.synced));
        o.begin_object();
        o.k(jkey!("apiKey"));
        o.i64(head.key.into());
        o.k(jkey!("apiKeyName"));
        o.str(apikeys::name(head.key).unwrap_or("Unknown"));
        o.k(jkey!("apiVersion"));
        o.i64(head.version.into());
        o.k(jkey!("clientID"));
        match head.client_id {
            Some(id) => o.str_lossy(id),
            None => o.null(),
        }
        o.k(jkey!("correlationID"));
        o.i64(head.correlation_id.into());
        o.k(jkey!("payload"));
        let b = body::request(
            head.key,
            head.version,
            body_bytes,
            complete,
            self.ctx.limits.max_body,
            &mut o,
        );
        o.k(jkey!("size"));
        o.u64(len as u64);
        o.end_object();
        if !self.client.synced {
            // Resynchronising: a small frame must also decode cleanly.
            if complete && len <= RESYNC_VERIFY && (!b.diagnostics.is_empty() || b.truncated) {
                self.client.skipped += 1;
                return Step::Advance(1);
            }
            self.client.synced = true;
        }
        let mut diagnostics: Vec<String> = self
            .take_skipped(Direction::ClientToServer, out)
            .into_iter()
            .collect();
        diagnostics.extend(b.diagnostics);
        if !complete {
            diagnostics.push(format!(
                "request of {len} bytes exceeds the {cap} byte cap: decoded from its start"
            ));
        }
        let p = Pending {
            key: head.key,
            version: head.version,
            correlation_id: head.correlation_id,
            request: o.finish(),
            ts: chunk.ts_at(at),
            size: 4 + len as u64,
            truncated: b.truncated || !complete,
            gap: false,
            diagnostics,
        };
        let no_response = head.key == 0 && b.acks == Some(0);
        if no_response {
            self.emit(p, None, out);
        } else {
            self.pending.push_back(p);
            while self.pending.len() > self.ctx.limits.max_pending.max(1) {
                if let Some(old) = self.pending.pop_front() {
                    self.unanswered(
                        old,
                        DiagKind::Limit,
                        "no response before too many newer requests",
                        out,
                    );
                }
            }
        }
        if !complete {
            self.client.skip = (len - want) as u64;
        }
        Step::Advance(4 + want)
    }

    fn server_step(&mut self, chunk: &Chunk<'_>, at: usize, out: &mut Output) -> Step {
        let data = chunk.data.get(at..).unwrap_or(&[]);
        let (Some(len), Some(cid)) = (be32(data, 0), be32(data, 4)) else {
            return Step::Wait;
        };
        let len = len as usize;
        let cid = cid as i32;
        let sane = (4..=MAX_FRAME).contains(&len);
        let idx = if sane {
            self.pending.iter().position(|p| p.correlation_id == cid)
        } else {
            None
        };
        let Some(idx) = idx else {
            if sane && self.server.synced {
                out.diagnostic(
                    DiagKind::Unanswered,
                    format!(
                        "kafka: response to an uncaptured request (correlation id {cid}) skipped"
                    ),
                );
                out.skipped(4 + len as u64, SKIPPED_UNMATCHED);
                self.server.skip = len.saturating_sub(4) as u64;
                return Step::Advance(8);
            }
            if self.server.synced {
                out.diagnostic(
                    DiagKind::Malformed,
                    "kafka: malformed response frame, resynchronising",
                );
                self.server.synced = false;
            }
            self.server.skipped += 1;
            return Step::Advance(1);
        };
        let cap = self.frame_cap();
        let complete = len <= cap;
        let want = len.min(cap);
        if data.len().saturating_sub(4) < want {
            return Step::Wait;
        }
        self.server.synced = true;
        let skipped_note = self.take_skipped(Direction::ServerToClient, out);
        // Requests before this one were not answered (lost to a gap, or never answered).
        for _ in 0..idx {
            if let Some(old) = self.pending.pop_front() {
                self.unanswered(old, DiagKind::Unanswered, "no response captured", out);
            }
        }
        let Some(mut p) = self.pending.pop_front() else {
            return Step::Advance(1);
        };
        p.diagnostics.extend(skipped_note);
        let frame = data.get(4..4 + want).unwrap_or(&[]);
        let mut r = super::wire::Reader::new(frame);
        let _ = r.i32();
        let head_ok =
            apikeys::response_header_version(p.key, p.version) < 1 || r.tagged_fields().is_some();
        let mut o = JsonBuf::with_capacity(json_capacity(want, true));
        o.begin_object();
        o.k(jkey!("apiKey"));
        o.i64(p.key.into());
        o.k(jkey!("apiVersion"));
        o.i64(p.version.into());
        o.k(jkey!("correlationID"));
        o.i64(cid.into());
        o.k(jkey!("payload"));
        let b = body::response(
            p.key,
            p.version,
            if head_ok { r.rest() } else { &[] },
            complete,
            self.ctx.limits.max_body,
            &mut o,
        );
        o.k(jkey!("size"));
        o.u64(len as u64);
        o.end_object();
        if !head_ok {
            p.diagnostics.push("response header malformed".into());
        }
        p.diagnostics.extend(b.diagnostics);
        if !complete {
            p.diagnostics.push(format!(
                "response of {len} bytes exceeds the {cap} byte cap: decoded from its start"
            ));
        }
        p.truncated |= b.truncated || !complete;
        let response = o.finish();
        let ts = chunk.ts_at(at);
        self.emit(p, Some((response, ts, 4 + len as u64)), out);
        self.server_gap = false;
        if !complete {
            self.server.skip = (len - want) as u64;
        }
        Step::Advance(4 + want)
    }

    fn unanswered(&mut self, mut p: Pending, kind: DiagKind, why: &str, out: &mut Output) {
        p.diagnostics.push(why.to_owned());
        if self.server_gap {
            p.gap = true;
        }
        out.diagnostic(kind, format!("kafka: {why}"));
        self.emit(p, None, out);
    }

    fn emit(&self, p: Pending, response: Option<(RawJson, Nanos, u64)>, out: &mut Output) {
        let mut e: Entry = self.ctx.new_entry(Protocol {
            name: INFO.name.into(),
            version: version_text(p.version),
            abbr: INFO.abbr.into(),
        });
        e.request = Payload::Raw(p.request);
        e.request_size = p.size;
        e.truncated = p.truncated;
        e.gap = p.gap;
        e.diagnostics = p.diagnostics;
        match response {
            Some((resp, ts, size)) => {
                e.set_times(p.ts, Some(ts));
                e.response = Payload::Raw(resp);
                e.response_size = size;
            }
            None => e.set_times(p.ts, None),
        }
        out.emit(e);
    }

    fn flush(&mut self, out: &mut Output) {
        while let Some(p) = self.pending.pop_front() {
            self.unanswered(p, DiagKind::Unanswered, "no response captured", out);
        }
    }
}

impl Session for KafkaSession {
    fn on_data(&mut self, chunk: &Chunk<'_>, out: &mut Output) -> usize {
        let dir = chunk.dir;
        kit::drive(chunk.data.len(), |at| {
            let side = self.side(dir);
            if side.skip > 0 {
                // The rest of a frame too large to keep (`at < len` here).
                let n = side.skip.min((chunk.data.len() - at) as u64) as usize;
                side.skip -= n as u64;
                return Step::Advance(n);
            }
            match dir {
                Direction::ClientToServer => self.client_step(chunk, at, out),
                Direction::ServerToClient => self.server_step(chunk, at, out),
            }
        })
    }

    fn on_gap(&mut self, dir: Direction, len: u64, _ts: Nanos, out: &mut Output) {
        let side = self.side(dir);
        if side.skip >= len {
            // Lost bytes inside a frame that was being skipped anyway.
            side.skip -= len;
            if dir == Direction::ClientToServer
                && let Some(p) = self.pending.back_mut()
            {
                p.gap = true;
            }
            return;
        }
        side.skip = 0;
        side.synced = false;
        if dir == Direction::ServerToClient {
            self.server_gap = true;
        }
        out.diagnostic(
            DiagKind::Gap,
            format!("kafka: {len} bytes lost, resynchronising"),
        );
    }

    fn on_fin(&mut self, dir: Direction, _ts: Nanos, out: &mut Output) {
        if dir == Direction::ServerToClient {
            self.report_skipped(dir, out);
            self.flush(out);
        }
    }

    fn on_close(&mut self, _ts: Nanos, out: &mut Output) {
        self.report_skipped(Direction::ClientToServer, out);
        self.report_skipped(Direction::ServerToClient, out);
        self.flush(out);
    }

    fn buffered_bytes(&self) -> usize {
        // Requests waiting for their response, each with its JSON rendered.
        self.pending
            .iter()
            .map(|p| 256 + p.request.as_str().len())
            .sum()
    }
}

/// A first guess at the JSON size of a message whose frame has `frame` bytes: its records
/// as text plus the keys around them, so that one allocation usually does (the buffer
/// grows as needed and is trimmed at the end). Small while resynchronising (`synced`
/// false), when most candidate frames are garbage.
fn json_capacity(frame: usize, synced: bool) -> usize {
    let cap = if synced { 4 << 20 } else { 4 << 10 };
    frame.saturating_mul(2).saturating_add(512).min(cap)
}

/// `protocol.version` text for an API version, without an allocation for the usual ones.
fn version_text(v: i16) -> mizu_model::Text {
    const SMALL: [&str; 20] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
        "17", "18", "19",
    ];
    match usize::try_from(v).ok().and_then(|i| SMALL.get(i)) {
        Some(s) => (*s).into(),
        None => v.to_string().into(),
    }
}
