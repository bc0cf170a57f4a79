//! Where the body parsers write JSON: a [`JsonBuf`], or [`Skip`], which writes nothing.
//!
//! Parsers write object keys in sorted order (see `mizu_model::raw`), but the wire order
//! differs: a field read after an array may sort before it. Such parsers first run over
//! the array with `Skip` (to check it and find what follows), then write the fields in
//! key order and parse the array again into the real buffer. Parsing is cheap; building
//! a part separately and copying it would cost an allocation.

use mizu_model::JsonBuf;

/// The subset of [`JsonBuf`] the parsers use.
pub(crate) trait Sink {
    fn begin_object(&mut self);
    fn end_object(&mut self);
    fn begin_array(&mut self);
    fn end_array(&mut self);
    fn key(&mut self, k: &str);
    fn str(&mut self, s: &str);
    /// Invalid UTF-8 replaced by U+FFFD.
    fn str_lossy(&mut self, b: &[u8]);
    fn i64(&mut self, v: i64);
    fn null(&mut self);
}

impl Sink for JsonBuf {
    #[inline]
    fn begin_object(&mut self) {
        JsonBuf::begin_object(self);
    }
    #[inline]
    fn end_object(&mut self) {
        JsonBuf::end_object(self);
    }
    #[inline]
    fn begin_array(&mut self) {
        JsonBuf::begin_array(self);
    }
    #[inline]
    fn end_array(&mut self) {
        JsonBuf::end_array(self);
    }
    #[inline]
    fn key(&mut self, k: &str) {
        JsonBuf::key(self, k);
    }
    #[inline]
    fn str(&mut self, s: &str) {
        JsonBuf::str(self, s);
    }
    #[inline]
    fn str_lossy(&mut self, b: &[u8]) {
        JsonBuf::str_lossy(self, b);
    }
    #[inline]
    fn i64(&mut self, v: i64) {
        JsonBuf::i64(self, v);
    }
    #[inline]
    fn null(&mut self) {
        JsonBuf::null(self);
    }
}

/// Writes nothing: a dry run that only checks and advances the reader.
pub(crate) struct Skip;

impl Sink for Skip {
    fn begin_object(&mut self) {}
    fn end_object(&mut self) {}
    fn begin_array(&mut self) {}
    fn end_array(&mut self) {}
    fn key(&mut self, _: &str) {}
    fn str(&mut self, _: &str) {}
    fn str_lossy(&mut self, _: &[u8]) {}
    fn i64(&mut self, _: i64) {}
    fn null(&mut self) {}
}

/// `key: v` when the field was read.
#[inline]
pub(crate) fn put<S: Sink, T: Into<i64>>(o: &mut S, key: &str, v: Option<T>) {
    if let Some(v) = v {
        o.key(key);
        o.i64(v.into());
    }
}

/// A Kafka string: text (lossy) or `null`.
#[inline]
pub(crate) fn text<S: Sink>(o: &mut S, v: Option<&[u8]>) {
    match v {
        Some(b) => o.str_lossy(b),
        None => o.null(),
    }
}

/// `key: text` when the field was read (`Some(None)` is a null string).
#[inline]
pub(crate) fn put_text<S: Sink>(o: &mut S, key: &str, v: Option<Option<&[u8]>>) {
    if let Some(v) = v {
        o.key(key);
        text(o, v);
    }
}

/// 16 bytes as a hyphenated lowercase UUID, as `uuid`'s `Debug` prints it.
pub(crate) fn uuid_text(b: &[u8; 16]) -> [u8; 36] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [b'-'; 36];
    let mut j = 0;
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            j += 1;
        }
        out[j] = HEX[usize::from(x >> 4)];
        out[j + 1] = HEX[usize::from(x & 15)];
        j += 2;
    }
    out
}

/// Writes a UUID string.
pub(crate) fn uuid<S: Sink>(o: &mut S, b: &[u8; 16]) {
    let t = uuid_text(b);
    o.str(std::str::from_utf8(&t).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuid_text_is_hyphenated() {
        let b: [u8; 16] = core::array::from_fn(|i| (i as u8) * 17);
        let t = super::uuid_text(&b);
        assert_eq!(
            std::str::from_utf8(&t).ok(),
            Some("00112233-4455-6677-8899-aabbccddeeff")
        );
    }
}
