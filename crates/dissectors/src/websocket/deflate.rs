//! permessage-deflate (RFC 7692): the parameters negotiated in the `101`'s
//! `Sec-WebSocket-Extensions`, and a per-direction inflater whose output is capped.

use flate2::{Decompress, FlushDecompress, Status};

/// Negotiated permessage-deflate parameters (RFC 7692 §7.1), as the server accepted them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Params {
    pub server_no_context_takeover: bool,
    pub client_no_context_takeover: bool,
    /// LZ77 window the server compresses with (8..=15); `None`: 15. Informational:
    /// a 32 KiB window inflates any smaller one.
    pub server_max_window_bits: Option<u8>,
    pub client_max_window_bits: Option<u8>,
}

impl Params {
    /// The sender resets its compression context after every message.
    pub fn no_context_takeover(&self, from_client: bool) -> bool {
        if from_client {
            self.client_no_context_takeover
        } else {
            self.server_no_context_takeover
        }
    }
}

/// The extensions a `101` accepted. Returns permessage-deflate's parameters (the first
/// offer of it) and notes on everything else (unknown extensions, bad parameters).
pub fn parse_extensions(values: &[&str]) -> (Option<Params>, Vec<String>) {
    let mut deflate: Option<Params> = None;
    let mut notes = Vec::new();
    for ext in values.iter().flat_map(|v| split_unquoted(v, ',')) {
        let mut parts = split_unquoted(ext, ';').into_iter();
        let name = parts.next().unwrap_or("").trim();
        if name.is_empty() {
            continue;
        }
        if !name.eq_ignore_ascii_case("permessage-deflate") {
            notes.push(format!(
                "extension {name:?} negotiated: not decoded (frames using it are shown as sent)"
            ));
            continue;
        }
        if deflate.is_some() {
            notes.push("permessage-deflate accepted twice: the first one is used".to_owned());
            continue;
        }
        let mut p = Params::default();
        for param in parts {
            let (k, v) = match param.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim().trim_matches('"'))),
                None => (param.trim(), None),
            };
            let bits = || {
                v.and_then(|v| v.parse::<u8>().ok())
                    .filter(|b| (8..=15).contains(b))
            };
            match k.to_ascii_lowercase().as_str() {
                "server_no_context_takeover" => p.server_no_context_takeover = true,
                "client_no_context_takeover" => p.client_no_context_takeover = true,
                "server_max_window_bits" => match bits() {
                    Some(b) => p.server_max_window_bits = Some(b),
                    None => notes.push(format!(
                        "permessage-deflate: bad server_max_window_bits {v:?}"
                    )),
                },
                "client_max_window_bits" => match v {
                    // An offer without a value; a server's answer should carry one.
                    None => {}
                    Some(_) => match bits() {
                        Some(b) => p.client_max_window_bits = Some(b),
                        None => notes.push(format!(
                            "permessage-deflate: bad client_max_window_bits {v:?}"
                        )),
                    },
                },
                "" => {}
                other => notes.push(format!("permessage-deflate: unknown parameter {other:?}")),
            }
        }
        deflate = Some(p);
    }
    (deflate, notes)
}

/// Splits on `sep` outside double quotes.
fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            out.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&s[start..]);
    out
}

/// Inflated bytes per message when the context must be kept (context takeover): past
/// this the message is cut and later messages of that direction cannot be trusted.
/// Bounds the work a decompression bomb costs; memory stays at `max_body` either way.
pub const INFLATE_LIMIT: u64 = 64 << 20;

/// Where inflated bytes go: at most `cap` kept, every byte counted.
#[derive(Debug, Default)]
pub struct Sink {
    pub kept: Vec<u8>,
    pub cap: usize,
    /// Bytes inflated (kept or not).
    pub total: u64,
}

impl Sink {
    pub fn new(cap: usize) -> Sink {
        Sink {
            kept: Vec::new(),
            cap,
            total: 0,
        }
    }

    pub fn push(&mut self, b: &[u8]) {
        self.total += b.len() as u64;
        let room = self.cap.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&b[..b.len().min(room)]);
    }

    pub fn full(&self) -> bool {
        self.total > self.cap as u64
    }
}

/// Why inflating a message stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The output cap (body cap without context takeover, [`INFLATE_LIMIT`] with it).
    Limit,
    /// The compressed data is invalid.
    Corrupt,
}

/// One direction's decompressor (RFC 7692 §7.2.2).
pub struct Inflater {
    d: Decompress,
    /// Reset before every message (the sender's `*_no_context_takeover`).
    reset_each: bool,
    /// The context is not what the sender's is (a gap, a cut, corrupt data): later
    /// messages may inflate wrongly.
    pub lost: bool,
    /// The current message stopped inflating.
    stopped: Option<Stop>,
    limit: u64,
    scratch: Vec<u8>,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflater")
            .field("reset_each", &self.reset_each)
            .field("lost", &self.lost)
            .finish()
    }
}

impl Inflater {
    /// Bytes of its scratch buffer (for the memory budget).
    pub fn scratch_capacity(&self) -> usize {
        self.scratch.capacity()
    }

    pub fn new(reset_each: bool, max_body: usize) -> Inflater {
        Inflater {
            d: Decompress::new(false),
            reset_each,
            lost: false,
            stopped: None,
            limit: if reset_each {
                // No context to keep: stop as soon as the body cap is exceeded.
                max_body as u64 + 1
            } else {
                INFLATE_LIMIT.max(max_body as u64 + 1)
            },
            scratch: vec![0; 16 << 10],
        }
    }

    /// A compressed message starts. Returns whether its output may be wrong because the
    /// shared context was lost before it.
    pub fn begin(&mut self) -> bool {
        self.stopped = None;
        if self.reset_each {
            self.d.reset(false);
            self.lost = false;
        }
        self.lost
    }

    /// Bytes of the message's compressed payload (unmasked), in order.
    pub fn feed(&mut self, mut input: &[u8], sink: &mut Sink) {
        while self.stopped.is_none() {
            let (in0, out0) = (self.d.total_in(), self.d.total_out());
            let r = self
                .d
                .decompress(input, &mut self.scratch, FlushDecompress::None);
            let used = (self.d.total_in() - in0) as usize;
            let made = (self.d.total_out() - out0) as usize;
            sink.push(self.scratch.get(..made).unwrap_or_default());
            input = input.get(used..).unwrap_or_default();
            match r {
                Err(_) => {
                    self.stopped = Some(Stop::Corrupt);
                    self.lost = true;
                }
                Ok(Status::StreamEnd) => {
                    // A block with BFINAL set ended the stream: what follows in this
                    // message is not deflate data; the next message starts a new stream.
                    self.d.reset(false);
                    self.lost = false;
                    return;
                }
                Ok(_) => {}
            }
            if sink.total >= self.limit {
                self.stopped = Some(Stop::Limit);
                // The rest of the message is never inflated: the window differs from the
                // sender's from here on (unless it is reset before the next message).
                self.lost = true;
            }
            if made < self.scratch.len() && (input.is_empty() || used == 0) {
                return;
            }
        }
    }

    /// The message ended: inflate the 4 bytes the sender stripped (`00 00 ff ff`).
    /// Returns why inflating stopped early, if it did.
    pub fn end(&mut self, sink: &mut Sink) -> Option<Stop> {
        if self.stopped.is_none() {
            self.feed(&[0, 0, 0xff, 0xff], sink);
        }
        self.stopped.take()
    }

    /// Bytes of this direction were lost: the shared context is gone.
    pub fn on_gap(&mut self) {
        self.lost = true;
        self.d.reset(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_servers_answer() {
        let (p, notes) = parse_extensions(&[
            "permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
        ]);
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(
            p,
            Some(Params {
                server_no_context_takeover: true,
                client_no_context_takeover: false,
                server_max_window_bits: None,
                client_max_window_bits: Some(10),
            })
        );
        let (p, notes) = parse_extensions(&[
            "x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=\"9\"; client_no_context_takeover",
        ]);
        assert_eq!(notes.len(), 1, "{notes:?}");
        let p = p.expect("deflate");
        assert_eq!(p.server_max_window_bits, Some(9));
        assert!(p.client_no_context_takeover);
        let (p, notes) =
            parse_extensions(&["permessage-deflate; server_max_window_bits=99; bogus"]);
        assert!(p.is_some());
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert_eq!(parse_extensions(&[""]).0, None);
    }

    #[test]
    fn corrupt_input_stops_and_loses_the_context() {
        let mut i = Inflater::new(false, 100);
        let mut s = Sink::new(100);
        assert!(!i.begin());
        i.feed(&[0xff; 32], &mut s);
        assert_eq!(i.end(&mut s), Some(Stop::Corrupt));
        assert!(i.begin(), "the next message is flagged");
    }
}
