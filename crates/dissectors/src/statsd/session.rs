//! StatsD sessions: [`DgramSession`] for UDP (one datagram at a time, the normal case)
//! and [`StreamSession`] for newline-terminated lines over a byte stream. Both turn each
//! line into one entry through [`emit_line`].

use mizu_dissect::{Chunk, DatagramSession, DiagKind, Output, Session, SessionContext};
use mizu_model::{Direction, Entry, Nanos, Payload, StartTimes};

use super::INFO;
use super::line::{self, MAX_LINES};

/// Why bytes were dropped without an entry (stable, for the unparsed counters).
const TOO_MANY_LINES: &str = "statsd: lines beyond the per-datagram limit";
const LINE_TOO_LONG: &str = "statsd: line longer than the head limit";
const SERVER_BYTES: &str = "statsd: bytes from the server side";

/// One line (without `\n`) → one entry. `cut`: the capture lost this many bytes of it.
fn emit_line(
    ctx: &SessionContext,
    times: &mut StartTimes,
    raw: &[u8],
    ts: Nanos,
    cut: u32,
    out: &mut Output,
) {
    let raw_line = raw.strip_suffix(b"\r").unwrap_or(raw);
    let text = String::from_utf8_lossy(raw_line);
    let mut e: Entry = ctx.new_entry(INFO.protocol());
    times.set(&mut e, ts, None);
    e.request_size = raw.len() as u64;
    let request = match line::parse(&text) {
        Ok(v) if cut == 0 => v,
        Ok(_) | Err(_) if cut > 0 => {
            let msg = format!("statsd: line cut by the capture ({cut} bytes not captured)");
            e.truncated = true;
            e.diagnostics.push(msg.clone());
            out.diagnostic(DiagKind::Truncated, msg);
            serde_json::json!({ "line": text })
        }
        Ok(v) => v,
        Err(why) => {
            let msg = format!("statsd: malformed line: {why}");
            e.diagnostics.push(msg.clone());
            out.diagnostic(DiagKind::Malformed, msg);
            serde_json::json!({ "line": text })
        }
    };
    e.request = Payload::Json(request);
    out.emit(e);
}

/// Emits the lines of `data` (a datagram, or complete stream lines); returns after at most
/// [`MAX_LINES`] entries with the bytes left over. `missing`: bytes cut off the end.
fn emit_lines(
    ctx: &SessionContext,
    times: &mut StartTimes,
    data: &[u8],
    ts: &dyn Fn(usize) -> Nanos,
    missing: u32,
    out: &mut Output,
) -> usize {
    let mut at = 0;
    let mut lines = 0;
    while at < data.len() {
        let rest = &data[at..];
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], at + i + 1),
            None => (rest, data.len()),
        };
        let last = next == data.len();
        if !line.is_empty() && line != b"\r" {
            if lines == MAX_LINES {
                return data.len() - at;
            }
            lines += 1;
            let cut = if last && rest.last() != Some(&b'\n') {
                missing
            } else {
                0
            };
            emit_line(ctx, times, line, ts(at), cut, out);
        }
        at = next;
    }
    0
}

/// StatsD over UDP: every datagram is complete, so every line is emitted at once.
pub struct DgramSession {
    ctx: SessionContext,
    times: StartTimes,
}

impl DgramSession {
    pub fn new(ctx: SessionContext) -> DgramSession {
        DgramSession {
            ctx,
            times: StartTimes::default(),
        }
    }
}

impl DatagramSession for DgramSession {
    fn on_datagram(
        &mut self,
        dir: Direction,
        ts: Nanos,
        data: &[u8],
        missing: u32,
        out: &mut Output,
    ) {
        if dir == Direction::ServerToClient {
            out.skipped(data.len() as u64, SERVER_BYTES);
            return;
        }
        let left = emit_lines(&self.ctx, &mut self.times, data, &|_| ts, missing, out);
        out.skipped(left as u64, TOO_MANY_LINES);
    }
}

/// StatsD over a byte stream: complete lines are emitted as they arrive.
pub struct StreamSession {
    ctx: SessionContext,
    times: StartTimes,
}

impl StreamSession {
    pub fn new(ctx: SessionContext) -> StreamSession {
        StreamSession {
            ctx,
            times: StartTimes::default(),
        }
    }
}

impl Session for StreamSession {
    fn on_data(&mut self, chunk: &Chunk<'_>, out: &mut Output) -> usize {
        if chunk.dir == Direction::ServerToClient {
            out.skipped(chunk.data.len() as u64, SERVER_BYTES);
            return chunk.data.len();
        }
        let Some(end) = chunk.data.iter().rposition(|&b| b == b'\n') else {
            if chunk.data.len() > self.ctx.limits.max_head {
                out.skipped(chunk.data.len() as u64, LINE_TOO_LONG);
                return chunk.data.len();
            }
            return 0;
        };
        let complete = &chunk.data[..=end];
        let mut done = 0;
        // Lines beyond MAX_LINES wait for the next call (nothing is lost on a stream).
        while done < complete.len() {
            let part = &complete[done..];
            let left = emit_lines(
                &self.ctx,
                &mut self.times,
                part,
                &|o| chunk.ts_at(done + o),
                0,
                out,
            );
            done = complete.len() - left;
            if left == 0 {
                break;
            }
        }
        complete.len()
    }

    fn on_gap(&mut self, _dir: Direction, _len: u64, _ts: Nanos, _out: &mut Output) {
        // Lines are independent: the next complete line parses on its own. (A line
        // whose start was lost parses as malformed and says so.)
    }

    fn on_close(&mut self, _ts: Nanos, _out: &mut Output) {}
}
