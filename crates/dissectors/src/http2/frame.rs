//! HTTP/2 framing ([RFC 9113 §4–6](https://www.rfc-editor.org/rfc/rfc9113#section-4)):
//! the 9-byte frame header, frame types and flags, padding, and the payload layouts of
//! the control frames. Pure functions over byte slices, no allocation.

use mizu_dissect::kit::be32;

/// `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n` (RFC 9113 §3.4): the client connection preface.
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Length of a frame header.
pub const HEADER_LEN: usize = 9;

pub const DATA: u8 = 0x0;
pub const HEADERS: u8 = 0x1;
pub const PRIORITY: u8 = 0x2;
pub const RST_STREAM: u8 = 0x3;
pub const SETTINGS: u8 = 0x4;
pub const PUSH_PROMISE: u8 = 0x5;
pub const PING: u8 = 0x6;
pub const GOAWAY: u8 = 0x7;
pub const WINDOW_UPDATE: u8 = 0x8;
pub const CONTINUATION: u8 = 0x9;

pub const FLAG_END_STREAM: u8 = 0x1;
pub const FLAG_ACK: u8 = 0x1;
pub const FLAG_END_HEADERS: u8 = 0x4;
pub const FLAG_PADDED: u8 = 0x8;
pub const FLAG_PRIORITY: u8 = 0x20;

/// SETTINGS_HEADER_TABLE_SIZE and SETTINGS_MAX_FRAME_SIZE identifiers.
pub const SETTINGS_HEADER_TABLE_SIZE: u16 = 0x1;
pub const SETTINGS_MAX_FRAME_SIZE: u16 = 0x5;

/// A parsed frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    pub len: usize,
    pub kind: u8,
    pub flags: u8,
    pub stream: u32,
}

impl FrameHeader {
    /// Parses the first 9 bytes (`None` if fewer). The reserved bit is ignored.
    pub fn parse(b: &[u8]) -> Option<FrameHeader> {
        let h = b.get(..HEADER_LEN)?;
        Some(FrameHeader {
            len: (usize::from(h[0]) << 16) | (usize::from(h[1]) << 8) | usize::from(h[2]),
            kind: h[3],
            flags: h[4],
            stream: be32(h, 5)? & 0x7fff_ffff,
        })
    }

    /// Whether this header is believable as the start of a frame: a known type, the
    /// stream-id rule of its type, a payload length its type allows, only defined flags.
    /// Used to recognise HTTP/2 without the preface and to resynchronise after a gap.
    pub fn plausible(&self, reserved_bit: bool, max_len: usize) -> bool {
        if reserved_bit || self.len > max_len {
            return false;
        }
        let s0 = self.stream == 0;
        match self.kind {
            DATA => !s0 && self.flags & !(FLAG_END_STREAM | FLAG_PADDED) == 0,
            HEADERS => {
                !s0 && self.flags
                    & !(FLAG_END_STREAM | FLAG_END_HEADERS | FLAG_PADDED | FLAG_PRIORITY)
                    == 0
                    && self.len > 0
            }
            PRIORITY => !s0 && self.len == 5 && self.flags == 0,
            RST_STREAM => !s0 && self.len == 4 && self.flags == 0,
            SETTINGS => {
                s0 && self.len.is_multiple_of(6)
                    && (self.flags == 0 || (self.flags == FLAG_ACK && self.len == 0))
            }
            PUSH_PROMISE => {
                !s0 && self.len >= 4 && self.flags & !(FLAG_END_HEADERS | FLAG_PADDED) == 0
            }
            PING => s0 && self.len == 8 && self.flags & !FLAG_ACK == 0,
            GOAWAY => s0 && self.len >= 8 && self.flags == 0,
            WINDOW_UPDATE => self.len == 4 && self.flags == 0,
            CONTINUATION => !s0 && self.flags & !FLAG_END_HEADERS == 0,
            _ => false,
        }
    }
}

/// The reserved bit of the stream id in a 9-byte header.
pub fn reserved_bit(b: &[u8]) -> bool {
    b.get(5).is_some_and(|x| x & 0x80 != 0)
}

/// Strips padding (RFC 9113 §6.1): `None` when the pad length exceeds the payload.
pub fn unpad(payload: &[u8], flags: u8) -> Option<&[u8]> {
    if flags & FLAG_PADDED == 0 {
        return Some(payload);
    }
    let (&pad, rest) = payload.split_first()?;
    rest.len()
        .checked_sub(usize::from(pad))
        .map(|end| &rest[..end])
}

/// The header block fragment of a HEADERS payload (after padding and priority fields).
pub fn headers_fragment(payload: &[u8], flags: u8) -> Option<&[u8]> {
    let p = unpad(payload, flags)?;
    if flags & FLAG_PRIORITY != 0 {
        p.get(5..)
    } else {
        Some(p)
    }
}

/// `(promised stream id, header block fragment)` of a PUSH_PROMISE payload.
pub fn push_promise(payload: &[u8], flags: u8) -> Option<(u32, &[u8])> {
    let p = unpad(payload, flags)?;
    let id = be32(p, 0)? & 0x7fff_ffff;
    Some((id, p.get(4..)?))
}

/// The name of an error code (RFC 9113 §7).
pub fn error_name(code: u32) -> String {
    let name = match code {
        0x0 => "NO_ERROR",
        0x1 => "PROTOCOL_ERROR",
        0x2 => "INTERNAL_ERROR",
        0x3 => "FLOW_CONTROL_ERROR",
        0x4 => "SETTINGS_TIMEOUT",
        0x5 => "STREAM_CLOSED",
        0x6 => "FRAME_SIZE_ERROR",
        0x7 => "REFUSED_STREAM",
        0x8 => "CANCEL",
        0x9 => "COMPRESSION_ERROR",
        0xa => "CONNECT_ERROR",
        0xb => "ENHANCE_YOUR_CALM",
        0xc => "INADEQUATE_SECURITY",
        0xd => "HTTP_1_1_REQUIRED",
        _ => return format!("0x{code:x}"),
    };
    name.to_owned()
}

/// The name of a frame type, for diagnostics.
pub fn type_name(kind: u8) -> &'static str {
    match kind {
        DATA => "DATA",
        HEADERS => "HEADERS",
        PRIORITY => "PRIORITY",
        RST_STREAM => "RST_STREAM",
        SETTINGS => "SETTINGS",
        PUSH_PROMISE => "PUSH_PROMISE",
        PING => "PING",
        GOAWAY => "GOAWAY",
        WINDOW_UPDATE => "WINDOW_UPDATE",
        CONTINUATION => "CONTINUATION",
        _ => "unknown",
    }
}

/// Largest payload believed when recognising frames without context (the default
/// SETTINGS_MAX_FRAME_SIZE; peers rarely raise it).
pub const PROBE_MAX_LEN: usize = 16_384;

/// The outcome of looking for HTTP/2 frames at the start of `data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniff {
    /// Plausible frames; `from_client` is a guess when `Some`.
    Frames {
        from_client: Option<bool>,
    },
    No,
    NeedMore,
}

/// Recognises a plausible frame sequence without a preface: a valid header, and the next
/// frame's header too when the bytes reach it (a lone frame must fill `data` exactly and be
/// of a type with a strict layout). Guesses the sender from a HEADERS block's first field
/// (`:method`/`:path`/`:scheme` static indexes: client; `:status`: server).
pub fn sniff(data: &[u8]) -> Sniff {
    let Some(h) = FrameHeader::parse(data) else {
        return if data.len() >= 4 && !first_bytes_plausible(data) {
            Sniff::No
        } else {
            Sniff::NeedMore
        };
    };
    if !h.plausible(reserved_bit(data), PROBE_MAX_LEN) {
        return Sniff::No;
    }
    let end = HEADER_LEN + h.len;
    let from_client = if h.kind == HEADERS {
        data.get(HEADER_LEN..end.min(data.len()))
            .and_then(|p| sender_from_block(p, h.flags))
    } else {
        None
    };
    if data.len() == end {
        // One whole frame and nothing after it: accept the strictly shaped types only.
        return match h.kind {
            DATA if h.len == 0 => Sniff::No,
            DATA | CONTINUATION => Sniff::No,
            _ => Sniff::Frames { from_client },
        };
    }
    if data.len() < end + HEADER_LEN {
        return Sniff::NeedMore;
    }
    match FrameHeader::parse(&data[end..]) {
        Some(h2) if h2.plausible(reserved_bit(&data[end..]), PROBE_MAX_LEN) => {
            Sniff::Frames { from_client }
        }
        _ => Sniff::No,
    }
}

fn first_bytes_plausible(data: &[u8]) -> bool {
    // Length ≤ 16 KiB means the first byte is 0; the type must be known.
    data[0] == 0 && data[3] <= CONTINUATION
}

/// Client or server, from the first field of a HEADERS payload.
fn sender_from_block(payload: &[u8], flags: u8) -> Option<bool> {
    let mut p = payload;
    if flags & FLAG_PADDED != 0 {
        p = p.get(1..)?;
    }
    if flags & FLAG_PRIORITY != 0 {
        p = p.get(5..)?;
    }
    // Skip table size updates.
    let mut i = 0;
    while let Some(&b) = p.get(i) {
        if b & 0xe0 != 0x20 {
            break;
        }
        i += 1;
        while p.get(i).is_some_and(|&x| x & 0x80 != 0) {
            i += 1;
        }
        if b & 0x1f == 0x1f {
            i += 1;
        }
    }
    let b = *p.get(i)?;
    let idx = if b & 0x80 != 0 {
        b & 0x7f
    } else if b & 0xc0 == 0x40 {
        b & 0x3f
    } else {
        b & 0x0f
    };
    match idx {
        1..=7 => Some(true),
        8..=14 => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![
            (payload.len() >> 16) as u8,
            (payload.len() >> 8) as u8,
            payload.len() as u8,
            kind,
            flags,
        ];
        v.extend_from_slice(&stream.to_be_bytes());
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn header_and_padding() {
        let f = frame(
            DATA,
            FLAG_PADDED | FLAG_END_STREAM,
            3,
            &[2, b'h', b'i', 0, 0],
        );
        let h = FrameHeader::parse(&f).expect("header");
        assert_eq!((h.len, h.kind, h.flags, h.stream), (5, DATA, 9, 3));
        assert_eq!(unpad(&f[9..], h.flags), Some(&b"hi"[..]));
        assert_eq!(unpad(&[9, 1], FLAG_PADDED), None);
        let hp = [0u8, 0, 0, 3, 16, 0x82];
        assert_eq!(headers_fragment(&hp, FLAG_PRIORITY), Some(&[0x82][..]));
        assert_eq!(push_promise(&[0, 0, 0, 2, 0x82], 0), Some((2, &[0x82][..])));
    }

    #[test]
    fn sniffing_frames() {
        let settings = frame(SETTINGS, 0, 0, &[0, 3, 0, 0, 0, 100]);
        let wu = frame(WINDOW_UPDATE, 0, 0, &[0, 0, 0x10, 0]);
        let mut two = settings.clone();
        two.extend_from_slice(&wu);
        assert_eq!(sniff(&two), Sniff::Frames { from_client: None });
        assert_eq!(sniff(&settings), Sniff::Frames { from_client: None });
        assert_eq!(sniff(&two[..12]), Sniff::NeedMore);
        let req = frame(HEADERS, FLAG_END_HEADERS, 1, &[0x82, 0x86, 0x84]);
        assert_eq!(
            sniff(&req),
            Sniff::Frames {
                from_client: Some(true)
            }
        );
        let resp = frame(HEADERS, FLAG_END_HEADERS, 1, &[0x88]);
        assert_eq!(
            sniff(&resp),
            Sniff::Frames {
                from_client: Some(false)
            }
        );
        assert_eq!(sniff(b"GET / HTTP/1.1\r\n"), Sniff::No);
        assert_eq!(sniff(b"HTTP/1.1 200 OK\r\n"), Sniff::No);
        let data = frame(DATA, 0, 1, b"abc");
        assert_eq!(sniff(&data), Sniff::No, "a lone DATA frame is too weak");
        assert_eq!(sniff(&frame(0x42, 0, 0, &[])), Sniff::No);
    }
}
