//! HPACK header decompression ([RFC 7541](https://www.rfc-editor.org/rfc/rfc7541)),
//! written for a passive observer: one [`Decoder`] per direction of a connection.
//!
//! * Integers (§5.1) with an N-bit prefix, capped at 2^32 (larger is malformed).
//! * Strings (§5.2), raw or Huffman-coded (Appendix B, canonical-code decoder with an
//!   8-bit fast path; the padding must be a prefix of EOS and at most 7 bits, EOS itself is
//!   an error).
//! * The static table (Appendix A) and the dynamic table (§2.3.2, §4): insertions at the
//!   front, eviction from the back by entry size (`name + value + 32`), size updates
//!   (§6.3) at the start of a block, bounded by [`MAX_TABLE_SIZE`] whatever the peers
//!   negotiated (a larger update is malformed: memory stays bounded).
//! * Representations (§6): indexed, literal with incremental indexing, without indexing,
//!   never indexed (the `never_indexed` count is reported; values are shown as sent, this
//!   is a debugging tool).
//!
//! **Joining mid-connection.** After [`Decoder::lose_sync`] (a capture gap, or decoding
//! started mid-stream) the entries inserted before are unknown. Entries inserted since are
//! known exactly, and they are the newest, so dynamic index `62 + k` is known when `k` is
//! below the number of entries inserted since; anything older is *unknown*: such a header
//! is left out and counted in [`Block::unknown`] (never invented). A literal whose name
//! refers to an unknown entry is shown with its value only in the block's diagnostics, and
//! its insertion is tracked as an unknown-name entry, so later indexes stay exact.
//!
//! **Errors** ([`HpackError`]): a malformed block leaves the table in an unknown state, so
//! the decoder loses sync as above; the caller shows the headers decoded so far.

use super::huffman_table::CODES;
use mizu_model::Header;
use std::collections::VecDeque;
use std::sync::OnceLock;

/// Largest dynamic table accepted (SETTINGS_HEADER_TABLE_SIZE is 4096 by default; peers
/// may negotiate more, rarely over 64 KiB).
pub const MAX_TABLE_SIZE: usize = 1 << 20;

/// The static table (RFC 7541 Appendix A), index 1..=61.
pub(crate) static STATIC: [(&str, &str); 61] = [
    (":authority", ""),
    (":method", "GET"),
    (":method", "POST"),
    (":path", "/"),
    (":path", "/index.html"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "200"),
    (":status", "204"),
    (":status", "206"),
    (":status", "304"),
    (":status", "400"),
    (":status", "404"),
    (":status", "500"),
    ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""),
    ("accept-ranges", ""),
    ("accept", ""),
    ("access-control-allow-origin", ""),
    ("age", ""),
    ("allow", ""),
    ("authorization", ""),
    ("cache-control", ""),
    ("content-disposition", ""),
    ("content-encoding", ""),
    ("content-language", ""),
    ("content-length", ""),
    ("content-location", ""),
    ("content-range", ""),
    ("content-type", ""),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("expect", ""),
    ("expires", ""),
    ("from", ""),
    ("host", ""),
    ("if-match", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("if-range", ""),
    ("if-unmodified-since", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("max-forwards", ""),
    ("proxy-authenticate", ""),
    ("proxy-authorization", ""),
    ("range", ""),
    ("referer", ""),
    ("refresh", ""),
    ("retry-after", ""),
    ("server", ""),
    ("set-cookie", ""),
    ("strict-transport-security", ""),
    ("transfer-encoding", ""),
    ("user-agent", ""),
    ("vary", ""),
    ("via", ""),
    ("www-authenticate", ""),
];

/// Why a header block could not be decoded completely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HpackError {
    /// The block ended inside a representation.
    Truncated,
    /// An integer over 2^32.
    IntegerOverflow,
    /// Index 0, or an index past the tables while in sync.
    BadIndex(u64),
    /// Invalid Huffman code or padding.
    Huffman,
    /// A table size update over [`MAX_TABLE_SIZE`] or not at the start of the block.
    BadSizeUpdate(u64),
}

impl std::fmt::Display for HpackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HpackError::Truncated => f.write_str("header block ends inside a field"),
            HpackError::IntegerOverflow => f.write_str("integer too large"),
            HpackError::BadIndex(i) => write!(f, "index {i} is not in the tables"),
            HpackError::Huffman => f.write_str("invalid Huffman string"),
            HpackError::BadSizeUpdate(n) => write!(f, "invalid dynamic table size update to {n}"),
        }
    }
}

/// What decoding one header block produced besides the headers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Block {
    /// Fields left out because they refer to dynamic-table entries inserted before the
    /// decoder lost sync.
    pub unknown: usize,
    /// Fields sent as never-indexed literals (§6.2.3).
    pub never_indexed: usize,
    /// Fields left out because the header list exceeded its cap.
    pub over_cap: usize,
    /// Human-readable notes about unknown fields (value shown when known).
    pub notes: Vec<String>,
}

#[derive(Debug)]
struct DynEntry {
    /// `None`: inserted while out of sync with a name we could not resolve.
    name: Option<String>,
    value: String,
}

impl DynEntry {
    fn size(&self) -> usize {
        self.name.as_ref().map_or(0, String::len) + self.value.len() + 32
    }
}

/// One direction's HPACK decoding state.
#[derive(Debug)]
pub struct Decoder {
    table: VecDeque<DynEntry>,
    size: usize,
    max_size: usize,
    /// Entries older than `table` may exist but are unknown.
    lost: bool,
    scratch: Vec<u8>,
}

impl Default for Decoder {
    fn default() -> Decoder {
        Decoder::new()
    }
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder {
            table: VecDeque::new(),
            size: 0,
            max_size: 4096,
            lost: false,
            scratch: Vec::new(),
        }
    }

    /// The entries inserted so far can no longer be trusted (capture gap, mid-stream start).
    pub fn lose_sync(&mut self) {
        self.table.clear();
        self.size = 0;
        self.lost = true;
    }

    /// True while older dynamic entries are unknown.
    pub fn is_lost(&self) -> bool {
        self.lost
    }

    /// Entries in the dynamic table (for tests).
    pub fn table_len(&self) -> usize {
        self.table.len()
    }

    /// Bytes the dynamic table occupies (RFC 7541 §4.1; known entries only when lost).
    pub fn table_size(&self) -> usize {
        self.size
    }

    /// Decodes one complete header block, appending fields to `out`. Fields beyond
    /// `max_list` bytes (RFC 7540 §6.5.2 size) are decoded (to keep the table in sync) but
    /// not kept. On error the headers decoded so far stay in `out` and the decoder loses sync.
    pub fn decode(
        &mut self,
        block: &[u8],
        out: &mut Vec<Header>,
        max_list: usize,
    ) -> Result<Block, HpackError> {
        let mut info = Block::default();
        let r = self.decode_inner(block, out, max_list, &mut info);
        match r {
            Ok(()) => Ok(info),
            Err(e) => {
                self.lose_sync();
                Err(e)
            }
        }
    }

    fn decode_inner(
        &mut self,
        block: &[u8],
        out: &mut Vec<Header>,
        max_list: usize,
        info: &mut Block,
    ) -> Result<(), HpackError> {
        let mut list_size = out
            .iter()
            .map(|h| h.name.len() + h.value.len() + 32)
            .sum::<usize>();
        let mut pos = 0;
        let mut first = true;
        while pos < block.len() {
            let b = block[pos];
            if b & 0x80 != 0 {
                // Indexed field (§6.1).
                let idx = read_int(block, &mut pos, 7)?;
                match self.lookup(idx)? {
                    Lookup::Known(n, v) => {
                        push(out, &mut list_size, max_list, info, n, v);
                    }
                    Lookup::Unknown => {
                        info.unknown += 1;
                    }
                    Lookup::UnknownName(v) => {
                        info.unknown += 1;
                        info.notes
                            .push(format!("field with unknown name, value {v:?}"));
                    }
                }
            } else if b & 0xe0 == 0x20 {
                // Dynamic table size update (§6.3): only at the start of a block.
                let n = read_int(block, &mut pos, 5)?;
                if !first || n > MAX_TABLE_SIZE as u64 {
                    return Err(HpackError::BadSizeUpdate(n));
                }
                self.max_size = n as usize;
                self.evict_to(self.max_size);
                continue;
            } else {
                let (prefix, index) = if b & 0xc0 == 0x40 {
                    (6, true)
                } else {
                    // 0000 (without indexing) or 0001 (never indexed).
                    if b & 0xf0 == 0x10 {
                        info.never_indexed += 1;
                    }
                    (4, false)
                };
                let name_idx = read_int(block, &mut pos, prefix)?;
                let name: Option<String> = if name_idx == 0 {
                    Some(self.read_string(block, &mut pos)?)
                } else {
                    match self.lookup(name_idx)? {
                        Lookup::Known(n, _) => Some(n.to_owned()),
                        Lookup::Unknown | Lookup::UnknownName(_) => None,
                    }
                };
                let value = self.read_string(block, &mut pos)?;
                match &name {
                    Some(n) => push(out, &mut list_size, max_list, info, n, &value),
                    None => {
                        info.unknown += 1;
                        info.notes
                            .push(format!("field with unknown name, value {value:?}"));
                    }
                }
                if index {
                    self.insert(DynEntry { name, value });
                }
            }
            first = false;
        }
        Ok(())
    }

    fn lookup(&self, idx: u64) -> Result<Lookup<'_>, HpackError> {
        if idx == 0 {
            return Err(HpackError::BadIndex(0));
        }
        if idx <= 61 {
            let (n, v) = STATIC[(idx - 1) as usize];
            return Ok(Lookup::Known(n, v));
        }
        let k = (idx - 62) as usize;
        match self.table.get(k) {
            Some(DynEntry {
                name: Some(n),
                value,
            }) => Ok(Lookup::Known(n, value)),
            Some(DynEntry { name: None, value }) => Ok(Lookup::UnknownName(value)),
            None if self.lost => Ok(Lookup::Unknown),
            None => Err(HpackError::BadIndex(idx)),
        }
    }

    fn insert(&mut self, e: DynEntry) {
        let size = e.size();
        if size > self.max_size {
            // §4.4: an entry larger than the table empties it.
            self.table.clear();
            self.size = 0;
            return;
        }
        self.evict_to(self.max_size - size);
        self.size += size;
        self.table.push_front(e);
    }

    fn evict_to(&mut self, limit: usize) {
        while self.size > limit {
            match self.table.pop_back() {
                Some(e) => self.size -= e.size(),
                None => {
                    self.size = 0;
                    break;
                }
            }
        }
    }

    fn read_string(&mut self, block: &[u8], pos: &mut usize) -> Result<String, HpackError> {
        let huff = block.get(*pos).ok_or(HpackError::Truncated)? & 0x80 != 0;
        let len = read_int(block, pos, 7)?;
        let len = usize::try_from(len).map_err(|_| HpackError::Truncated)?;
        let end = pos.checked_add(len).ok_or(HpackError::Truncated)?;
        let raw = block.get(*pos..end).ok_or(HpackError::Truncated)?;
        *pos = end;
        if huff {
            self.scratch.clear();
            huffman_decode(raw, &mut self.scratch)?;
            Ok(bytes_to_string(&self.scratch))
        } else {
            Ok(bytes_to_string(raw))
        }
    }
}

enum Lookup<'a> {
    Known(&'a str, &'a str),
    /// Older than what we know (after losing sync).
    Unknown,
    /// Inserted while out of sync, name unresolved; the value is known.
    UnknownName(&'a str),
}

fn push(
    out: &mut Vec<Header>,
    list_size: &mut usize,
    max_list: usize,
    info: &mut Block,
    name: &str,
    value: &str,
) {
    let size = name.len() + value.len() + 32;
    if *list_size + size > max_list {
        info.over_cap += 1;
        return;
    }
    *list_size += size;
    out.push(Header::new(name, value));
}

fn bytes_to_string(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// Reads an HPACK integer with an `n`-bit prefix (RFC 7541 §5.1) at `*pos`.
pub(crate) fn read_int(buf: &[u8], pos: &mut usize, n: u32) -> Result<u64, HpackError> {
    let first = *buf.get(*pos).ok_or(HpackError::Truncated)?;
    *pos += 1;
    let max = (1u64 << n) - 1;
    let mut v = u64::from(first) & max;
    if v < max {
        return Ok(v);
    }
    let mut shift = 0u32;
    loop {
        let b = *buf.get(*pos).ok_or(HpackError::Truncated)?;
        *pos += 1;
        v += u64::from(b & 0x7f) << shift;
        if v > u64::from(u32::MAX) {
            return Err(HpackError::IntegerOverflow);
        }
        if b & 0x80 == 0 {
            return Ok(v);
        }
        shift += 7;
        if shift > 28 {
            return Err(HpackError::IntegerOverflow);
        }
    }
}

/// Canonical-code decoding tables built once from [`CODES`].
struct Tables {
    /// Top 8 bits → (symbol, length) for codes of length ≤ 8; length 0 = longer code.
    fast: [(u8, u8); 256],
    /// Per length 0..=30: first code, count, offset into `syms`.
    first: [u32; 31],
    count: [u32; 31],
    offset: [u32; 31],
    /// Symbols sorted by (length, code).
    syms: Vec<u16>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let mut order: Vec<u16> = (0..257u16).collect();
        order.sort_by_key(|&s| {
            let (c, l) = CODES[usize::from(s)];
            (l, c)
        });
        let mut t = Tables {
            fast: [(0, 0); 256],
            first: [0; 31],
            count: [0; 31],
            offset: [0; 31],
            syms: order.clone(),
        };
        let mut seen = [false; 31];
        for (i, &s) in order.iter().enumerate() {
            let (c, l) = CODES[usize::from(s)];
            let l = usize::from(l);
            if !seen[l] {
                seen[l] = true;
                t.first[l] = c;
                t.offset[l] = i as u32;
            }
            t.count[l] += 1;
            if l <= 8 && s < 256 {
                let base = (c << (8 - l)) as usize;
                for k in 0..(1usize << (8 - l)) {
                    if let Some(slot) = t.fast.get_mut(base + k) {
                        *slot = (s as u8, l as u8);
                    }
                }
            }
        }
        t
    })
}

/// Decodes an HPACK Huffman string (RFC 7541 §5.2, Appendix B) into `out`.
pub fn huffman_decode(src: &[u8], out: &mut Vec<u8>) -> Result<(), HpackError> {
    let t = tables();
    out.reserve(src.len() + src.len() / 2);
    // `acc` holds `bits` valid bits, most significant first.
    let mut acc: u64 = 0;
    let mut bits: u32 = 0;
    let mut i = 0;
    loop {
        while bits <= 56 && i < src.len() {
            acc |= u64::from(src[i]) << (56 - bits);
            bits += 8;
            i += 1;
        }
        if bits == 0 {
            return Ok(());
        }
        let (s, l) = t.fast[(acc >> 56) as usize];
        if l != 0 && u32::from(l) <= bits {
            out.push(s);
            acc <<= l;
            bits -= u32::from(l);
            continue;
        }
        let mut found = false;
        for len in 5..=30u32 {
            if len > bits {
                break;
            }
            let code = (acc >> (64 - len)) as u32;
            let l = len as usize;
            let d = code.wrapping_sub(t.first[l]);
            if t.count[l] > 0 && d < t.count[l] {
                let sym = t.syms[(t.offset[l] + d) as usize];
                if sym == 256 {
                    return Err(HpackError::Huffman); // EOS in the string (§5.2)
                }
                out.push(sym as u8);
                acc = acc.checked_shl(len).unwrap_or(0);
                bits -= len;
                found = true;
                break;
            }
        }
        if found {
            continue;
        }
        // No complete code: what is left must be padding, i.e. at most 7 one-bits.
        if i >= src.len() && bits <= 7 {
            let mask = !0u64 << (64 - bits);
            if acc & mask == mask {
                return Ok(());
            }
        }
        return Err(HpackError::Huffman);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    fn hs(pairs: &[(&str, &str)]) -> Vec<Header> {
        pairs.iter().map(|(n, v)| Header::new(*n, *v)).collect()
    }

    fn dec(d: &mut Decoder, block: &str) -> Vec<Header> {
        let mut out = Vec::new();
        d.decode(&hex(block), &mut out, usize::MAX).expect("decode");
        out
    }

    #[test]
    fn c1_integers() {
        let mut p = 0;
        assert_eq!(read_int(&[0b0000_1010], &mut p, 5), Ok(10));
        let mut p = 0;
        assert_eq!(read_int(&[0x1f, 0x9a, 0x0a], &mut p, 5), Ok(1337));
        assert_eq!(p, 3);
        let mut p = 0;
        assert_eq!(read_int(&[42], &mut p, 8), Ok(42));
        let mut p = 0;
        assert_eq!(
            read_int(&[0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], &mut p, 5),
            Err(HpackError::IntegerOverflow)
        );
        let mut p = 0;
        assert_eq!(
            read_int(&[0x1f, 0x9a], &mut p, 5),
            Err(HpackError::Truncated)
        );
    }

    #[test]
    fn c2_literals() {
        // C.2.1 literal with indexing
        let mut d = Decoder::new();
        assert_eq!(
            dec(
                &mut d,
                "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"
            ),
            hs(&[("custom-key", "custom-header")])
        );
        assert_eq!(d.table_size(), 55);
        // C.2.2 without indexing
        let mut d = Decoder::new();
        assert_eq!(
            dec(&mut d, "040c 2f73 616d 706c 652f 7061 7468"),
            hs(&[(":path", "/sample/path")])
        );
        assert_eq!(d.table_len(), 0);
        // C.2.3 never indexed
        let mut d = Decoder::new();
        let mut out = Vec::new();
        let b = d
            .decode(
                &hex("1008 7061 7373 776f 7264 0673 6563 7265 74"),
                &mut out,
                usize::MAX,
            )
            .expect("decode");
        assert_eq!(out, hs(&[("password", "secret")]));
        assert_eq!(b.never_indexed, 1);
        assert_eq!(d.table_len(), 0);
        // C.2.4 indexed
        let mut d = Decoder::new();
        assert_eq!(dec(&mut d, "82"), hs(&[(":method", "GET")]));
    }

    const C3: [&str; 3] = [
        "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "8286 84be 5808 6e6f 2d63 6163 6865",
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
    ];
    const C4: [&str; 3] = [
        "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        "8286 84be 5886 a8eb 1064 9cbf",
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
    ];

    fn requests() -> [Vec<Header>; 3] {
        [
            hs(&[
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                (":authority", "www.example.com"),
            ]),
            hs(&[
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                (":authority", "www.example.com"),
                ("cache-control", "no-cache"),
            ]),
            hs(&[
                (":method", "GET"),
                (":scheme", "https"),
                (":path", "/index.html"),
                (":authority", "www.example.com"),
                ("custom-key", "custom-value"),
            ]),
        ]
    }

    #[test]
    fn c3_c4_requests_with_and_without_huffman() {
        for blocks in [C3, C4] {
            let mut d = Decoder::new();
            let want = requests();
            let sizes = [57, 110, 164];
            for i in 0..3 {
                assert_eq!(dec(&mut d, blocks[i]), want[i]);
                assert_eq!(d.table_size(), sizes[i]);
            }
            assert_eq!(d.table_len(), 3);
        }
    }

    const C5: [&str; 3] = [
        "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "4803 3330 37c1 c0bf",
        "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31",
    ];
    const C6: [&str; 3] = [
        "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
        "4883 640e ffc1 c0bf",
        "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
    ];

    #[test]
    fn c5_c6_responses_with_eviction() {
        let date1 = "Mon, 21 Oct 2013 20:13:21 GMT";
        let date2 = "Mon, 21 Oct 2013 20:13:22 GMT";
        let loc = "https://www.example.com";
        let cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
        let want = [
            hs(&[
                (":status", "302"),
                ("cache-control", "private"),
                ("date", date1),
                ("location", loc),
            ]),
            hs(&[
                (":status", "307"),
                ("cache-control", "private"),
                ("date", date1),
                ("location", loc),
            ]),
            hs(&[
                (":status", "200"),
                ("cache-control", "private"),
                ("date", date2),
                ("location", loc),
                ("content-encoding", "gzip"),
                ("set-cookie", cookie),
            ]),
        ];
        for blocks in [C5, C6] {
            let mut d = Decoder::new();
            let mut out = Vec::new();
            // The examples use a 256-byte table: sent as a size update first.
            d.decode(&[0x3f, 0xe1, 0x01], &mut out, usize::MAX)
                .expect("size update");
            let sizes = [222, 222, 215];
            for i in 0..3 {
                assert_eq!(dec(&mut d, blocks[i]), want[i], "block {i}");
                assert_eq!(d.table_size(), sizes[i], "size after block {i}");
            }
        }
    }

    #[test]
    fn huffman_rejects_bad_padding_and_eos() {
        let mut out = Vec::new();
        // "www.example.com" then a full 0xff byte of padding (8 bits > 7).
        let mut b = hex("f1e3 c2e5 f23a 6ba0 ab90 f4ff");
        assert!(huffman_decode(&b, &mut out).is_ok());
        b.push(0xff);
        out.clear();
        assert!(huffman_decode(&b, &mut out).is_err());
        // Padding of zeros is not a prefix of EOS.
        out.clear();
        assert!(huffman_decode(&[0x00], &mut out).is_err() || out == b"0");
        out.clear();
        assert_eq!(
            huffman_decode(&[0xff, 0xff, 0xff, 0xff], &mut out),
            Err(HpackError::Huffman)
        );
    }

    #[test]
    fn huffman_round_trips_every_symbol() {
        // Encode each byte value with the table and decode it back.
        let input: Vec<u8> = (0..=255u8).chain(b"hello world".iter().copied()).collect();
        let mut bits: Vec<bool> = Vec::new();
        for &b in &input {
            let (c, l) = CODES[usize::from(b)];
            for k in (0..l).rev() {
                bits.push(c >> k & 1 == 1);
            }
        }
        while !bits.len().is_multiple_of(8) {
            bits.push(true);
        }
        let enc: Vec<u8> = bits
            .chunks(8)
            .map(|c| c.iter().fold(0u8, |a, &b| a << 1 | u8::from(b)))
            .collect();
        let mut out = Vec::new();
        huffman_decode(&enc, &mut out).expect("decode");
        assert_eq!(out, input);
    }

    #[test]
    fn lost_sync_flags_unknown_entries_and_keeps_new_ones() {
        let mut d = Decoder::new();
        dec(&mut d, C3[0]);
        d.lose_sync();
        // C.3.2 refers to dynamic index 62 (:authority, inserted before we lost sync).
        let mut out = Vec::new();
        let b = d.decode(&hex(C3[1]), &mut out, usize::MAX).expect("decode");
        assert_eq!(b.unknown, 1);
        assert_eq!(
            out,
            hs(&[
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                ("cache-control", "no-cache"),
            ])
        );
        // cache-control (inserted after) is known at index 62; 63 is unknown.
        let mut out = Vec::new();
        let b = d
            .decode(&[0xbe, 0xbf], &mut out, usize::MAX)
            .expect("decode");
        assert_eq!(out, hs(&[("cache-control", "no-cache")]));
        assert_eq!(b.unknown, 1);
        // In sync, an index past the table is an error (and then sync is lost).
        let mut d = Decoder::new();
        let mut out = Vec::new();
        assert_eq!(
            d.decode(&[0xbe], &mut out, usize::MAX),
            Err(HpackError::BadIndex(62))
        );
        assert!(d.is_lost());
    }

    #[test]
    fn list_cap_keeps_table_in_sync() {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        let b = d.decode(&hex(C3[0]), &mut out, 100).expect("decode");
        assert!(b.over_cap > 0);
        assert_eq!(d.table_len(), 1, "the capped field was still inserted");
    }

    #[test]
    fn malformed_inputs_never_panic() {
        let mut d = Decoder::new();
        for block in [
            &[0x80][..],
            &[0x3f],
            &[0x40, 0x85],
            &[0x7f, 0xff, 0xff, 0xff, 0xff, 0x0f],
            &[0x00, 0x81, 0xff],
            &[0x82, 0x20],
        ] {
            let mut out = Vec::new();
            let _ = d.decode(block, &mut out, 1 << 16);
        }
    }
}
