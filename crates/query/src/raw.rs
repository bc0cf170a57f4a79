//! A lazy navigator over compact JSON bytes: [`Raw`] is a position in a buffer where a
//! value starts. Looking up a member scans the keys of one object and skips the values
//! in between (strings with `memchr`, containers by counting brackets outside strings);
//! nothing is allocated and nothing is decoded except the leaf values a filter
//! compares. Malformed JSON never panics: a lookup that cannot proceed finds nothing.
//! Case-insensitive lookups (header names) compare raw key bytes, decoding only keys
//! with escapes. [`TopIndex`] jumps to top-level members; [`touch`] and
//! [`TopIndex::prefetch`] are the loads scans use as read-ahead (one per cache line).

use std::borrow::Cow;

use crate::eval::{Compound, Node, Scalar};

/// A JSON value starting at `pos` in `buf` (whitespace already skipped).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Raw<'a> {
    buf: &'a [u8],
    pos: usize,
    /// The member index of this value (set only on the root of an indexed document).
    top: Option<&'a TopIndex>,
}

/// Where each top-level member of a JSON object starts, so that a filter's first path
/// segment (`response` in `response.status`) jumps straight to its value instead of
/// skipping every member before it. Built once per entry by [`top_index`] (the store does
/// it at append time) and passed to [`crate::Query::matches_json_indexed`] with the
/// same bytes.
///
/// Each member is one `u32`: the byte offset of its key's opening quote (low 24 bits)
/// and an 8-bit hash of the raw key (high 8 bits), in document order. Documents the
/// index cannot describe exactly (a top-level key with an escape, offsets past 16 MiB)
/// get an *unusable* index, and lookups fall back to scanning.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopIndex {
    /// `None`: unusable, scan instead.
    members: Option<Box<[u32]>>,
}

/// Largest key offset a member slot can hold.
const TOP_MAX_OFFSET: usize = (1 << 24) - 1;

#[inline]
fn key_hash(key: &[u8]) -> u32 {
    // FNV-1a folded to 8 bits: only has to spread ~20 keys over 256 values.
    let mut h: u32 = 0x811c_9dc5;
    for &c in key {
        h = (h ^ u32::from(c)).wrapping_mul(0x0100_0193);
    }
    (h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24)) & 0xff
}

/// Indexes the top-level members of `json` (see [`TopIndex`]). Never fails: malformed
/// JSON gets an index of the members a scan would see before giving up.
pub fn top_index(json: &[u8]) -> TopIndex {
    // An entry has about 20 members: one allocation, not six growing ones.
    let mut members = Vec::with_capacity(24);
    let mut usable = true;
    let root = Raw::new(json);
    root.for_members_at(|kstart, key, _| {
        if kstart > TOP_MAX_OFFSET || memchr::memchr(b'\\', key).is_some() {
            usable = false;
            return true;
        }
        members.push((key_hash(key) << 24) | kstart as u32);
        false
    });
    TopIndex {
        members: usable.then(|| members.into_boxed_slice()),
    }
}

impl TopIndex {
    /// Whether lookups can use the index (otherwise they scan the document).
    pub fn is_usable(&self) -> bool {
        self.members.is_some()
    }

    /// Number of members indexed (0 when unusable).
    pub fn len(&self) -> usize {
        self.members.as_deref().map_or(0, <[u32]>::len)
    }

    /// Whether no member is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads one slot per cache line of the index so that it is in cache when a query
    /// needs it (a software prefetch without `unsafe`, for scans that look ahead).
    #[inline]
    pub fn prefetch(&self) {
        if let Some(m) = self.members.as_deref() {
            // Every 16th slot and the last: one load per cache line, independent.
            let last = m.last().copied().unwrap_or(0);
            let acc = m.iter().step_by(16).fold(last, |a, &x| a ^ x);
            std::hint::black_box(acc);
        }
    }

    /// Heap bytes held (the member slots; the allocator adds its own header).
    pub fn heap_bytes(&self) -> usize {
        self.len() * std::mem::size_of::<u32>()
    }
}

/// Bytes that end a bare value (number, literal).
static DELIM: [bool; 256] = {
    let mut t = [false; 256];
    t[b',' as usize] = true;
    t[b'}' as usize] = true;
    t[b']' as usize] = true;
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t
};

#[inline]
fn ws(b: &[u8], mut i: usize) -> usize {
    while let Some(c) = b.get(i) {
        if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            break;
        }
        i += 1;
    }
    i
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `w` equal to `c`. Bits above the lowest true match may
/// be spurious (borrows), so only the lowest set bit is meaningful.
#[inline(always)]
fn eq_mask(w: u64, c: u8) -> u64 {
    let x = w ^ (LO * u64::from(c));
    x.wrapping_sub(LO) & !x & HI
}

/// The first `"` at or after `j`: eight bytes at a time for short strings, `memchr`
/// once a string turns out long.
#[inline]
fn find_quote(b: &[u8], mut j: usize) -> Option<usize> {
    for _ in 0..4 {
        let Some(chunk) = b.get(j..j + 8) else {
            break;
        };
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let m = eq_mask(u64::from_le_bytes(w), b'"');
        if m != 0 {
            return Some(j + (m.trailing_zeros() / 8) as usize);
        }
        j += 8;
    }
    let rest = b.get(j..)?;
    memchr::memchr(b'"', rest).map(|k| j + k)
}

/// For a string whose opening quote is at `i`: the offset after the closing quote.
/// Escapes cost nothing: a quote closes the string unless an odd run of backslashes
/// precedes it.
#[inline]
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        let k = find_quote(b, j)?;
        let mut n = 0;
        while k - n > i + 1 && b[k - n - 1] == b'\\' {
            n += 1;
        }
        if n % 2 == 0 {
            return Some(k + 1);
        }
        j = k + 1;
    }
}

/// The offset just after the value starting at `i`.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 1usize;
            let mut j = i + 1;
            loop {
                match *b.get(j)? {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let rest = &b[i..];
            Some(
                i + rest
                    .iter()
                    .position(|&c| DELIM[c as usize])
                    .unwrap_or(rest.len()),
            )
        }
    }
}

/// Parses a JSON number's text the way `serde_json::Value` represents it (plain
/// integers directly; anything else through serde_json itself, so floats round alike).
pub(crate) fn number_scalar(text: &[u8]) -> Scalar<'static> {
    if !valid_json_number(text) {
        return Scalar::Missing;
    }
    if !text.iter().any(|c| matches!(c, b'.' | b'e' | b'E'))
        && let Ok(s) = std::str::from_utf8(text)
        && let Ok(i) = s.parse::<i64>()
        && (i != 0 || text[0] != b'-')
    {
        return Scalar::Int(i);
    }
    match serde_json::from_slice::<serde_json::Value>(text) {
        Ok(serde_json::Value::Number(n)) => crate::eval::number_of(&n),
        _ => Scalar::Missing,
    }
}

fn valid_json_number(t: &[u8]) -> bool {
    let mut i = 0;
    if t.first() == Some(&b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while t.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - s
    };
    let int_start = i;
    let n = digits(&mut i);
    if n == 0 || (n > 1 && t[int_start] == b'0') {
        return false;
    }
    if t.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == t.len()
}

/// How much of an entry [`touch`] pulls in.
const TOUCH_BYTES: usize = 2048;

/// Reads one byte per cache line of the start of `buf`, all independent loads, so a
/// cold entry arrives from memory in about one miss instead of one miss per line
/// discovered by the (serial) scan. A software prefetch without `unsafe`.
#[inline]
pub(crate) fn touch(buf: &[u8]) {
    let head = &buf[..buf.len().min(TOUCH_BYTES)];
    // Every 64th byte and the last: whatever the alignment, one in each line.
    let last = head.last().copied().unwrap_or(0);
    let acc = head.iter().step_by(64).fold(last, |a, &b| a ^ b);
    std::hint::black_box(acc);
}

/// Touches (see [`touch`]) the value of the top-level member `key` of an indexed
/// document, up to the next member or 1 KiB.
pub(crate) fn touch_member(root: Raw<'_>, index: &TopIndex, key: &str) {
    let Some(slots) = index.members.as_deref() else {
        return;
    };
    let want = key.as_bytes();
    let h = key_hash(want);
    for (n, &m) in slots.iter().enumerate() {
        if m >> 24 != h {
            continue;
        }
        let start = (m & 0x00ff_ffff) as usize;
        let end = slots
            .get(n + 1)
            .map_or(root.buf.len(), |&x| (x & 0x00ff_ffff) as usize)
            .min(start + 1024);
        if let Some(bytes) = root.buf.get(start..end.max(start)) {
            touch(bytes);
        }
        return;
    }
}

impl<'a> Raw<'a> {
    /// The value at the start of `buf`.
    pub(crate) fn new(buf: &'a [u8]) -> Raw<'a> {
        Raw {
            buf,
            pos: ws(buf, 0),
            top: None,
        }
    }

    /// The value at the start of `buf`, with its top-level member index.
    pub(crate) fn with_index(buf: &'a [u8], top: &'a TopIndex) -> Raw<'a> {
        Raw {
            top: top.is_usable().then_some(top),
            ..Raw::new(buf)
        }
    }

    fn at(buf: &'a [u8], pos: usize) -> Raw<'a> {
        Raw {
            buf,
            pos,
            top: None,
        }
    }

    /// `get` through the top-level index: the first indexed member whose raw key is
    /// `want` (exactly what the scan finds: usable indexes hold no escaped keys).
    fn get_indexed(self, top: &TopIndex, want: &[u8]) -> Option<Raw<'a>> {
        // Indexed raw keys hold no escapes, so they hold no quote either.
        if memchr::memchr(b'"', want).is_some() {
            return None;
        }
        let b = self.buf;
        let h = key_hash(want);
        for &m in top.members.as_deref()? {
            if m >> 24 != h {
                continue;
            }
            let k = (m & 0x00ff_ffff) as usize + 1;
            let end = k + want.len();
            if b.get(k..end) == Some(want) && b.get(end) == Some(&b'"') {
                let i = ws(b, end + 1);
                if b.get(i) != Some(&b':') {
                    return None;
                }
                return Some(Raw::at(b, ws(b, i + 1)));
            }
        }
        None
    }

    fn first(self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// The bytes of this value.
    pub(crate) fn bytes(self) -> Option<&'a [u8]> {
        let end = skip_value(self.buf, self.pos)?;
        self.buf.get(self.pos..end)
    }

    /// Parses this value into a `serde_json::Value`.
    pub(crate) fn to_value(self) -> Option<serde_json::Value> {
        serde_json::from_slice(self.bytes()?).ok()
    }

    /// Calls `f(raw key, value)` per member; stops when it returns true.
    /// Generic (not `dyn`) so the callback inlines: a call through a pointer per
    /// member, with the value spilled to the stack, costs more than the scan itself.
    #[inline]
    fn for_members(self, mut f: impl FnMut(&'a [u8], Raw<'a>) -> bool) -> Option<bool> {
        self.for_members_at(|_, k, v| f(k, v))
    }

    /// [`Raw::for_members`], also passing the offset of each key's opening quote.
    #[inline]
    fn for_members_at(self, mut f: impl FnMut(usize, &'a [u8], Raw<'a>) -> bool) -> Option<bool> {
        let b = self.buf;
        if self.first()? != b'{' {
            return Some(false);
        }
        let mut i = self.pos + 1;
        loop {
            i = ws(b, i);
            if *b.get(i)? != b'"' {
                return Some(false);
            }
            let kstart = i;
            let kend = string_end(b, i)?;
            let key = b.get(i + 1..kend - 1)?;
            i = ws(b, kend);
            if *b.get(i)? != b':' {
                return Some(false);
            }
            i = ws(b, i + 1);
            if f(kstart, key, Raw::at(b, i)) {
                return Some(true);
            }
            i = ws(b, skip_value(b, i)?);
            if *b.get(i)? != b',' {
                return Some(false);
            }
            i += 1;
        }
    }

    /// Calls `f(element)` per array element; stops when it returns true.
    #[inline]
    fn for_elements(self, mut f: impl FnMut(Raw<'a>) -> bool) -> Option<bool> {
        let b = self.buf;
        if self.first()? != b'[' {
            return Some(false);
        }
        let mut i = ws(b, self.pos + 1);
        if *b.get(i)? == b']' {
            return Some(false);
        }
        loop {
            if f(Raw::at(b, i)) {
                return Some(true);
            }
            i = ws(b, skip_value(b, i)?);
            if *b.get(i)? != b',' {
                return Some(false);
            }
            i = ws(b, i + 1);
        }
    }
}

impl<'a> Raw<'a> {
    /// Calls `f` on the value of every member called `name` anywhere inside this
    /// value, in one linear pass over its bytes (no recursion, so depth is harmless).
    pub(crate) fn descendants(self, name: &str, f: &mut dyn FnMut(Raw<'a>) -> bool) -> bool {
        let b = self.buf;
        if !matches!(self.first(), Some(b'{' | b'[')) {
            return false;
        }
        let Some(end) = skip_value(b, self.pos) else {
            return false;
        };
        let want = name.as_bytes();
        let mut i = self.pos + 1;
        while i < end {
            let Some(k) = find_quote(b, i).filter(|&k| k < end) else {
                return false;
            };
            let Some(send) = string_end(b, k) else {
                return false;
            };
            let colon = ws(b, send);
            if b.get(colon) == Some(&b':') {
                let key = &b[k + 1..send - 1];
                let hit = key == want
                    || (key.len() > want.len()
                        && memchr::memchr(b'\\', key).is_some()
                        && key_text(key).is_some_and(|t| t == name));
                if hit && f(Raw::at(b, ws(b, colon + 1))) {
                    return true;
                }
            }
            i = send;
        }
        false
    }
}

/// Decodes a raw key (the bytes between its quotes).
fn key_text(key: &[u8]) -> Option<Cow<'_, str>> {
    if memchr::memchr(b'\\', key).is_none() {
        return std::str::from_utf8(key).ok().map(Cow::Borrowed);
    }
    let mut quoted = Vec::with_capacity(key.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(key);
    quoted.push(b'"');
    serde_json::from_slice::<String>(&quoted)
        .ok()
        .map(Cow::Owned)
}

impl<'a> Node<'a> for Raw<'a> {
    fn scalar(self) -> Scalar<'a> {
        let b = self.buf;
        match self.first() {
            Some(b'"') => {
                let Some(end) = string_end(b, self.pos) else {
                    return Scalar::Missing;
                };
                if memchr::memchr(b'\\', &b[self.pos + 1..end - 1]).is_some() {
                    return match serde_json::from_slice::<String>(&b[self.pos..end]) {
                        Ok(s) => Scalar::Str(Cow::Owned(s)),
                        Err(_) => Scalar::Missing,
                    };
                }
                match std::str::from_utf8(&b[self.pos + 1..end - 1]) {
                    Ok(s) => Scalar::Str(Cow::Borrowed(s)),
                    Err(_) => Scalar::Missing,
                }
            }
            Some(b'{' | b'[') => Scalar::Compound(Compound::Raw(self)),
            Some(b't') if b[self.pos..].starts_with(b"true") => Scalar::Bool(true),
            Some(b'f') if b[self.pos..].starts_with(b"false") => Scalar::Bool(false),
            Some(b'n') if b[self.pos..].starts_with(b"null") => Scalar::Null,
            Some(b'-' | b'0'..=b'9') => match skip_value(b, self.pos) {
                Some(end) => number_scalar(&b[self.pos..end]),
                None => Scalar::Missing,
            },
            _ => Scalar::Missing,
        }
    }

    fn get(self, key: &str) -> Option<Raw<'a>> {
        let want = key.as_bytes();
        if let Some(top) = self.top {
            return self.get_indexed(top, want);
        }
        let mut found = None;
        self.for_members(|k, v| {
            // An escaped key is longer raw than decoded, so only a longer raw key can
            // still be equal after decoding.
            let hit = k == want
                || (k.len() > want.len()
                    && memchr::memchr(b'\\', k).is_some()
                    && key_text(k).is_some_and(|t| t == key));
            if hit {
                found = Some(v);
            }
            hit
        });
        found
    }

    fn index(self, i: i64) -> Option<Raw<'a>> {
        let want = if i < 0 {
            let mut n = 0i64;
            self.for_elements(|_| {
                n += 1;
                false
            });
            n + i
        } else {
            i
        };
        if want < 0 {
            return None;
        }
        let mut k = 0i64;
        let mut found = None;
        self.for_elements(|v| {
            if k == want {
                found = Some(v);
                return true;
            }
            k += 1;
            false
        });
        found
    }

    fn members(self, f: &mut dyn FnMut(&str, Raw<'a>) -> bool) -> bool {
        self.for_members(|k, v| match key_text(k) {
            Some(t) => f(&t, v),
            None => false,
        })
        .unwrap_or(false)
    }

    fn elements(self, f: &mut dyn FnMut(Raw<'a>) -> bool) -> bool {
        self.for_elements(f).unwrap_or(false)
    }

    fn members_ci(self, name: &str, f: &mut dyn FnMut(Raw<'a>) -> bool) -> bool {
        let want = name.as_bytes();
        // An equal-length raw key equals `name` ignoring case exactly when its bytes do
        // and hold no escape (an escape decodes shorter); `name` holding a backslash
        // can then only be matched by a longer, escaped raw key. Comparing bytes also
        // settles UTF-8: bytes equal to a `str` up to ASCII case are valid UTF-8.
        let plain_ok = memchr::memchr(b'\\', want).is_none();
        self.for_members(|k, v| {
            let hit = if k.len() == want.len() {
                plain_ok && k.eq_ignore_ascii_case(want)
            } else {
                k.len() > want.len()
                    && memchr::memchr(b'\\', k).is_some()
                    && key_text(k).is_some_and(|t| t.eq_ignore_ascii_case(name))
            };
            hit && f(v)
        })
        .unwrap_or(false)
    }

    fn descendants(self, name: &str, f: &mut dyn FnMut(Raw<'a>) -> bool) -> bool {
        Raw::descendants(self, name, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            // Strings full of the bytes the skipper cares about.
            "[a-z{}\\[\\]\"\\\\ ]{0,20}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::from),
                prop::collection::btree_map("[a-z\\\"]{0,6}", inner, 0..8)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// The word-at-a-time container skip ends exactly where the value ends, whatever
        /// strings, escapes and nesting it holds and wherever 8-byte words fall.
        #[test]
        fn skip_value_finds_the_end_of_any_value(v in arb_json(), pad in 0usize..9) {
            let mut bytes = vec![b' '; pad];
            let start = bytes.len();
            bytes.extend(serde_json::to_vec(&v).expect("json"));
            let end = bytes.len();
            bytes.extend_from_slice(b",\"tail\":[1]}");
            prop_assert_eq!(skip_value(&bytes, start), Some(end));
        }
    }

    proptest! {
        /// The byte-level case-insensitive member lookup finds exactly the members the
        /// decoding one finds, escapes and case variants included.
        #[test]
        fn members_ci_agrees_with_decoding(
            keys in prop::collection::vec("[aAbB\\\\\"é]{0,4}", 0..8),
            name in "[aAbB\\\\\"é]{0,4}",
        ) {
            let mut doc = String::from("{");
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    doc.push(',');
                }
                // Some keys written with a \u escape for their first char.
                let key = match k.chars().next() {
                    Some(c) if i % 2 == 1 => format!("\\u{:04x}{}", c as u32, &k[c.len_utf8()..]),
                    _ => {
                        let q = serde_json::to_string(k).expect("json");
                        q[1..q.len() - 1].to_owned()
                    }
                };
                doc.push_str(&format!("\"{key}\":{i}"));
            }
            doc.push('}');
            let r = Raw::new(doc.as_bytes());
            let mut want = Vec::new();
            r.members(&mut |k, v| {
                if k.eq_ignore_ascii_case(&name) {
                    want.push(v.pos);
                }
                false
            });
            let mut got = Vec::new();
            r.members_ci(&name, &mut |v| {
                got.push(v.pos);
                false
            });
            prop_assert_eq!(got, want, "{} / {:?}", doc, name);
        }
    }

    proptest! {
        /// An indexed root finds exactly what the scanning root finds, for every key
        /// present (and some absent), whatever the keys (escaped, duplicated, empty).
        #[test]
        fn indexed_get_agrees_with_scan(v in arb_json(), pad in 0usize..3, extra in "[a-z\\\"]{0,3}") {
            let mut bytes = vec![b' '; pad];
            bytes.extend(serde_json::to_vec(&v).expect("json"));
            let index = top_index(&bytes);
            let plain = Raw::new(&bytes);
            let indexed = Raw::with_index(&bytes, &index);
            let mut keys = vec![extra];
            plain.members(&mut |k, _| {
                keys.push(k.to_owned());
                false
            });
            for k in &keys {
                let a = plain.get(k).map(|r| r.pos);
                let b = indexed.get(k).map(|r| r.pos);
                prop_assert_eq!(a, b, "key {:?}", k);
            }
        }
    }

    #[test]
    fn top_index_basics() {
        let doc = br#"{"a":1,"bb":{"a":2},"a":3,"":4}"#;
        let ix = top_index(doc);
        assert!(ix.is_usable());
        assert_eq!(ix.len(), 4);
        assert_eq!(ix.heap_bytes(), 16);
        let r = Raw::with_index(doc, &ix);
        assert!(matches!(
            r.get("a").map(|v| v.scalar()),
            Some(Scalar::Int(1))
        ));
        assert!(matches!(
            r.get("").map(|v| v.scalar()),
            Some(Scalar::Int(4))
        ));
        let bb = r.get("bb").expect("bb");
        assert!(matches!(
            bb.get("a").map(|v| v.scalar()),
            Some(Scalar::Int(2))
        ));
        assert!(r.get("b").is_none());
        assert!(r.get("a\":1,\"bb").is_none());
        // Escaped keys: unusable, lookups scan.
        let esc = br#"{"d\u0041":1}"#;
        let ix = top_index(esc);
        assert!(!ix.is_usable());
        let r = Raw::with_index(esc, &ix);
        assert!(matches!(
            r.get("dA").map(|v| v.scalar()),
            Some(Scalar::Int(1))
        ));
        // Not an object / malformed: what a scan would see.
        assert!(top_index(b"[1,2]").is_empty());
        assert_eq!(top_index(br#"{"a":1,"b":[1,"#).len(), 2);
        assert_eq!(top_index(br#"{"a":1,"b" 2}"#).len(), 1);
        // An index of other bytes never panics.
        let other = top_index(br#"{"aaaaaaaaaaaaaaaaaaaa":1}"#);
        let r = Raw::with_index(b"{}", &other);
        assert!(r.get("aaaaaaaaaaaaaaaaaaaa").is_none());
    }

    #[test]
    fn navigates() {
        let doc = br#" {"a": {"b" : [1, 2.5, "x\"y", {"c": null}], "d\u0041": true}, "e": "f"} "#;
        let r = Raw::new(doc);
        let a = r.get("a").expect("a");
        let b = a.get("b").expect("b");
        assert!(matches!(
            b.index(0).map(|v| v.scalar()),
            Some(Scalar::Int(1))
        ));
        assert!(matches!(b.index(1).map(|v| v.scalar()), Some(Scalar::Float(x)) if x == 2.5));
        assert!(matches!(b.index(-2).map(|v| v.scalar()), Some(Scalar::Str(s)) if s == "x\"y"));
        assert!(b.index(4).is_none());
        assert!(b.index(-5).is_none());
        assert!(matches!(
            a.get("dA").map(|v| v.scalar()),
            Some(Scalar::Bool(true))
        ));
        assert!(matches!(r.get("e").map(|v| v.scalar()), Some(Scalar::Str(s)) if s == "f"));
        assert!(r.get("zz").is_none());
    }

    #[test]
    fn malformed_never_panics() {
        for doc in [
            &b"{"[..],
            b"{\"a",
            b"{\"a\":",
            b"{\"a\":[1,",
            b"[",
            b"\"abc",
            b"{\"a\" 1}",
            b"",
            b"-",
            b"{\"a\":\"\\",
        ] {
            let r = Raw::new(doc);
            let _ = r.get("a").map(|v| v.scalar());
            let _ = r.index(0).map(|v| v.scalar());
            let _ = r.index(-1);
            let _ = r.scalar();
            let _ = r.to_value();
            r.members(&mut |_, _| false);
        }
    }
}
