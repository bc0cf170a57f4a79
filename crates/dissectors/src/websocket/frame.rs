//! RFC 6455 §5.2 frame headers: parsing (allocation-free) and the plausibility test used
//! to find the next frame after lost bytes.

use mizu_dissect::kit;

/// Opcodes (RFC 6455 §11.8).
pub const CONTINUATION: u8 = 0x0;
pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

/// Largest frame header: 2 bytes, 8-byte extended length, 4-byte mask.
pub const MAX_HEADER: usize = 14;

/// A parsed frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    pub fin: bool,
    /// RSV1..RSV3 as bits 2..0 (`0b100` = RSV1, the permessage-deflate "compressed" bit).
    pub rsv: u8,
    pub opcode: u8,
    pub mask: Option<[u8; 4]>,
    /// Payload length.
    pub len: u64,
    /// Bytes of the header itself (2..=14).
    pub header_len: usize,
    /// The length used a longer encoding than needed (RFC 6455 §5.2 requires the minimal one).
    pub long_length: bool,
}

impl FrameHeader {
    pub fn is_control(&self) -> bool {
        self.opcode & 0x8 != 0
    }

    /// Header plus payload bytes.
    pub fn wire_len(&self) -> u64 {
        self.header_len as u64 + self.len
    }
}

/// The verdict on the bytes at a frame start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// More bytes are needed to read the header.
    Need,
    /// Not a frame: a 64-bit length with its most significant bit set (RFC 6455 §5.2).
    Bad,
    Frame(FrameHeader),
}

/// Reads the frame header at the start of `b`.
pub fn parse(b: &[u8]) -> Parsed {
    let (Some(&b0), Some(&b1)) = (b.first(), b.get(1)) else {
        return Parsed::Need;
    };
    let masked = b1 & 0x80 != 0;
    let len7 = b1 & 0x7f;
    let (len, mut at, long_length) = match len7 {
        126 => {
            let Some(x) = kit::be16(b, 2) else {
                return Parsed::Need;
            };
            let n = u64::from(x);
            (n, 4, n < 126)
        }
        127 => {
            let Ok(n) = kit::Reader::at(b, 2, kit::Endian::Big).u64() else {
                return Parsed::Need;
            };
            if n >> 63 != 0 {
                return Parsed::Bad;
            }
            (n, 10, n <= 0xffff)
        }
        n => (u64::from(n), 2, false),
    };
    let mask = if masked {
        let Some(x) = b.get(at..at + 4) else {
            return Parsed::Need;
        };
        at += 4;
        Some([x[0], x[1], x[2], x[3]])
    } else {
        None
    };
    Parsed::Frame(FrameHeader {
        fin: b0 & 0x80 != 0,
        rsv: (b0 >> 4) & 0x7,
        opcode: b0 & 0x0f,
        mask,
        len,
        header_len: at,
        long_length,
    })
}

/// What is wrong with a frame that was read, by RFC 6455 (`deflate`: permessage-deflate
/// was negotiated, so RSV1 is allowed on a message's first frame). Empty: nothing.
pub fn problems(h: &FrameHeader, from_client: bool, deflate: bool) -> Vec<&'static str> {
    let mut p = Vec::new();
    if from_client && h.mask.is_none() {
        p.push("client frame not masked (RFC 6455 §5.1)");
    }
    if !from_client && h.mask.is_some() {
        p.push("server frame masked (RFC 6455 §5.1)");
    }
    if h.rsv & 0b011 != 0 {
        p.push("RSV2/RSV3 set without an extension that defines them");
    }
    if h.rsv & 0b100 != 0 && !deflate {
        p.push("RSV1 set but permessage-deflate was not negotiated");
    }
    if h.rsv & 0b100 != 0 && (h.is_control() || h.opcode == CONTINUATION) && deflate {
        p.push("RSV1 set on a control or continuation frame");
    }
    if h.is_control() && h.len > 125 {
        p.push("control frame payload longer than 125 bytes");
    }
    if h.is_control() && !h.fin {
        p.push("fragmented control frame");
    }
    if h.long_length {
        p.push("payload length not in its shortest encoding");
    }
    p
}

/// Could a frame start here, judging by its header alone? Used only to resynchronise
/// after lost bytes, so it is strict: a known opcode other than continuation, the mask
/// bit the sender must use, no reserved bits but RSV1 when negotiated (and only on data
/// frames), the shortest length encoding, control frames final and at most 125 bytes.
pub fn plausible(h: &FrameHeader, from_client: bool, deflate: bool) -> bool {
    let opcode_ok = matches!(h.opcode, TEXT | BINARY | CLOSE | PING | PONG);
    let rsv_ok = h.rsv == 0 || (h.rsv == 0b100 && deflate && !h.is_control());
    let control_ok = !h.is_control() || (h.fin && h.len <= 125);
    opcode_ok && rsv_ok && control_ok && h.mask.is_some() == from_client && !h.long_length
}

/// RFC 6455 §7.4.1 and the IANA registry: the name of a close code.
pub fn close_code_name(code: u16) -> &'static str {
    match code {
        1000 => "Normal Closure",
        1001 => "Going Away",
        1002 => "Protocol Error",
        1003 => "Unsupported Data",
        1005 => "No Status Received",
        1006 => "Abnormal Closure",
        1007 => "Invalid Frame Payload Data",
        1008 => "Policy Violation",
        1009 => "Message Too Big",
        1010 => "Mandatory Extension",
        1011 => "Internal Error",
        1012 => "Service Restart",
        1013 => "Try Again Later",
        1014 => "Bad Gateway",
        1015 => "TLS Handshake",
        3000..=3999 => "Registered",
        4000..=4999 => "Private Use",
        _ => "Unknown",
    }
}

/// The name of an opcode, as entries show it (`type`).
pub fn opcode_name(op: u8) -> &'static str {
    match op {
        CONTINUATION => "continuation",
        TEXT => "text",
        BINARY => "binary",
        CLOSE => "close",
        PING => "ping",
        PONG => "pong",
        _ => "reserved",
    }
}
