//! Message-body framing (RFC 9112 §6–7): fixed length, chunked (with extensions and
//! trailers), and close-delimited. The reader consumes body bytes as they arrive, keeps at
//! most `max_body` of them (after de-chunking, before content decoding), and counts the rest
//! exactly.

use mizu_model::Header;

use super::wire::{self, Parsed};
use crate::content::push_capped;

/// Longest chunk-size line (size plus extensions) accepted before the body is declared broken.
const MAX_CHUNK_LINE: usize = 4096;

/// How a body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// `Content-Length`: this many bytes remain.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked(ChunkPhase),
    /// Until the sender closes the connection.
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChunkPhase {
    /// Expecting a chunk-size line.
    Size,
    /// Inside chunk data: this many bytes remain.
    Data(u64),
    /// Expecting the CRLF after chunk data.
    DataEnd,
    /// After the last chunk: trailer fields up to an empty line.
    Trailers,
}

/// What a [`BodyReader::feed`] call achieved.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Fed {
    /// Consumed this many bytes; the body continues.
    More(usize),
    /// Consumed this many bytes; the body is complete.
    Done(usize),
    /// Consumed this many bytes, then hit broken framing.
    Broken(usize, &'static str),
}

/// A body being received.
#[derive(Debug)]
pub(crate) struct BodyReader {
    pub framing: Framing,
    /// The first `max_body` payload bytes (de-chunked, still content-encoded).
    pub kept: Vec<u8>,
    /// Payload bytes seen (de-chunked), including bytes lost in gaps.
    pub size: u64,
    /// Body bytes on the wire, chunk framing and trailers included.
    pub wire: u64,
    /// `kept` is less than the whole payload.
    pub truncated: bool,
    /// Some payload bytes were lost in a capture gap (`kept` stops before the gap).
    pub gap: bool,
    /// `kept` hit the `max_body` cap (the entry's `truncated`; a gap alone is not a cut).
    pub capped: bool,
    pub trailers: Vec<Header>,
}

impl BodyReader {
    pub(crate) fn new(framing: Framing) -> BodyReader {
        BodyReader {
            framing,
            kept: Vec::new(),
            size: 0,
            wire: 0,
            truncated: false,
            gap: false,
            capped: false,
            trailers: Vec::new(),
        }
    }

    fn payload(&mut self, data: &[u8], cap: usize) {
        self.size += data.len() as u64;
        self.wire += data.len() as u64;
        if self.gap {
            self.truncated |= !data.is_empty();
        } else if push_capped(&mut self.kept, data, cap) {
            self.truncated = true;
            self.capped = true;
        }
    }

    /// Consumes what it can of `data`.
    pub(crate) fn feed(&mut self, data: &[u8], cap: usize, max_head: usize) -> Fed {
        let mut used = 0;
        loop {
            let rest = &data[used..];
            match self.framing {
                Framing::Length(remaining) => {
                    let take = remaining.min(rest.len() as u64) as usize;
                    if self.kept.capacity() == 0 && take > 0 && !self.gap {
                        // The size is known once bytes arrive: one allocation instead of a
                        // doubling vector (up to three times a large body while it grows).
                        self.kept
                            .reserve_exact(remaining.min(cap as u64).min(1 << 40) as usize);
                    }
                    self.payload(&rest[..take], cap);
                    used += take;
                    let left = remaining - take as u64;
                    self.framing = Framing::Length(left);
                    return if left == 0 {
                        Fed::Done(used)
                    } else {
                        Fed::More(used)
                    };
                }
                Framing::Close => {
                    self.payload(rest, cap);
                    return Fed::More(data.len());
                }
                Framing::Chunked(ChunkPhase::Size) => {
                    match rest.first() {
                        None => return Fed::More(used),
                        Some(b) if !b.is_ascii_hexdigit() => {
                            return Fed::Broken(used, "invalid chunk size");
                        }
                        Some(_) => {}
                    }
                    match httparse::parse_chunk_size(rest) {
                        Ok(httparse::Status::Complete((n, size))) => {
                            used += n;
                            self.wire += n as u64;
                            self.framing = Framing::Chunked(if size == 0 {
                                ChunkPhase::Trailers
                            } else {
                                ChunkPhase::Data(size)
                            });
                        }
                        Ok(httparse::Status::Partial) if rest.len() > MAX_CHUNK_LINE => {
                            return Fed::Broken(used, "chunk-size line too long");
                        }
                        Ok(httparse::Status::Partial) => return Fed::More(used),
                        Err(_) => return Fed::Broken(used, "invalid chunk size"),
                    }
                }
                Framing::Chunked(ChunkPhase::Data(remaining)) => {
                    if rest.is_empty() {
                        return Fed::More(used);
                    }
                    let take = remaining.min(rest.len() as u64) as usize;
                    self.payload(&rest[..take], cap);
                    used += take;
                    let left = remaining - take as u64;
                    self.framing = Framing::Chunked(if left == 0 {
                        ChunkPhase::DataEnd
                    } else {
                        ChunkPhase::Data(left)
                    });
                }
                Framing::Chunked(ChunkPhase::DataEnd) => {
                    let n = match rest {
                        [] | [b'\r'] => return Fed::More(used),
                        [b'\r', b'\n', ..] => 2,
                        [b'\n', ..] => 1,
                        _ => return Fed::Broken(used, "chunk data not followed by CRLF"),
                    };
                    used += n;
                    self.wire += n as u64;
                    self.framing = Framing::Chunked(ChunkPhase::Size);
                }
                Framing::Chunked(ChunkPhase::Trailers) => {
                    match wire::parse_trailers(rest, max_head) {
                        Parsed::Complete(n, trailers) => {
                            used += n;
                            self.wire += n as u64;
                            self.trailers = trailers;
                            return Fed::Done(used);
                        }
                        Parsed::Partial if rest.len() > max_head => {
                            return Fed::Broken(used, "trailer section too large");
                        }
                        Parsed::Partial => return Fed::More(used),
                        Parsed::Invalid(_) => return Fed::Broken(used, "invalid trailer section"),
                    }
                }
            }
        }
    }

    /// `len` bytes were lost. If they fit inside the payload still expected (fixed length,
    /// current chunk, or a close-delimited body) they are counted as payload and the body
    /// goes on: returns true. Otherwise the framing is lost: returns false.
    pub(crate) fn absorb_gap(&mut self, len: u64) -> bool {
        let fits = match self.framing {
            Framing::Length(remaining) if remaining >= len => {
                self.framing = Framing::Length(remaining - len);
                true
            }
            Framing::Chunked(ChunkPhase::Data(remaining)) if remaining >= len => {
                self.framing = Framing::Chunked(if remaining == len {
                    ChunkPhase::DataEnd
                } else {
                    ChunkPhase::Data(remaining - len)
                });
                true
            }
            Framing::Close => true,
            _ => false,
        };
        if fits {
            self.size += len;
            self.wire += len;
            self.gap = true;
            self.truncated = true;
        }
        fits
    }

    /// The body is complete with no more bytes expected (a fixed length fully absorbed).
    pub(crate) fn is_done(&self) -> bool {
        self.framing == Framing::Length(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_with_extensions_and_trailers() {
        let mut r = BodyReader::new(Framing::Chunked(ChunkPhase::Size));
        let wire = b"4;name=v\r\nWiki\r\n5\r\npedia\r\n0\r\nExpires: never\r\n\r\nNEXT";
        assert_eq!(r.feed(wire, 1024, 1024), Fed::Done(wire.len() - 4));
        assert_eq!(r.kept, b"Wikipedia");
        assert_eq!(r.size, 9);
        assert_eq!(r.wire, wire.len() as u64 - 4);
        assert_eq!(r.trailers, vec![Header::new("Expires", "never")]);
    }

    #[test]
    fn cap_keeps_prefix_and_counts_all() {
        let mut r = BodyReader::new(Framing::Length(10));
        assert_eq!(r.feed(b"0123456", 4, 64), Fed::More(7));
        assert_eq!(r.feed(b"789xx", 4, 64), Fed::Done(3));
        assert_eq!(r.kept, b"0123");
        assert_eq!(r.size, 10);
        assert!(r.truncated);
    }

    #[test]
    fn broken_chunk_size() {
        let mut r = BodyReader::new(Framing::Chunked(ChunkPhase::Size));
        assert_eq!(
            r.feed(b"zz\r\n", 64, 64),
            Fed::Broken(0, "invalid chunk size")
        );
        let mut r = BodyReader::new(Framing::Chunked(ChunkPhase::Size));
        assert_eq!(
            r.feed(b"2\r\nabX", 64, 64),
            Fed::Broken(5, "chunk data not followed by CRLF")
        );
    }

    #[test]
    fn gaps_inside_known_lengths_are_absorbed() {
        let mut r = BodyReader::new(Framing::Length(10));
        assert_eq!(r.feed(b"abc", 64, 64), Fed::More(3));
        assert!(r.absorb_gap(5));
        assert_eq!(r.feed(b"xyz", 64, 64), Fed::Done(2));
        assert_eq!(r.kept, b"abc");
        assert_eq!(r.size, 10);
        assert!(r.gap && r.truncated);
        assert!(!r.absorb_gap(1));
    }
}
