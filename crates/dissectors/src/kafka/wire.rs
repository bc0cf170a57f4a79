//! A bounds-checked reader over Kafka's primitive types: big-endian integers, (unsigned)
//! varints, classic and compact (flexible-version) strings, bytes and arrays, tagged
//! fields. Every read returns `None` past the end instead of panicking, and array counts are
//! checked against the bytes left, so no allocation is sized by the wire.

use mizu_dissect::kit;

/// A cursor over one frame (or a part of one): the session kit's big-endian reader with
/// Kafka's types on top (a failed read is `None`: the frame is malformed).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reader<'a>(kit::Reader<'a>);

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Reader<'a> {
        Reader(kit::Reader::be(data))
    }

    pub(crate) fn pos(&self) -> usize {
        self.0.pos()
    }

    pub(crate) fn remaining(&self) -> usize {
        self.0.remaining()
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        self.0.rest()
    }

    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        self.0.take(n).ok()
    }

    pub(crate) fn i8(&mut self) -> Option<i8> {
        self.0.i8().ok()
    }
    pub(crate) fn i16(&mut self) -> Option<i16> {
        self.0.i16().ok()
    }
    pub(crate) fn i32(&mut self) -> Option<i32> {
        self.0.i32().ok()
    }
    pub(crate) fn i64(&mut self) -> Option<i64> {
        self.0.i64().ok()
    }
    pub(crate) fn u32(&mut self) -> Option<u32> {
        self.0.u32().ok()
    }

    /// Unsigned LEB128 varint (at most 5 bytes, as Kafka's 32-bit ones; bits past 32 are
    /// dropped).
    pub(crate) fn uvarint(&mut self) -> Option<u32> {
        self.0.uleb128(5).ok().map(|v| v as u32)
    }

    /// Zig-zag signed varint (records use these; up to 10 bytes for 64-bit ones).
    pub(crate) fn varlong(&mut self) -> Option<i64> {
        let v = self.0.uleb128(10).ok()?;
        Some(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    /// `STRING` / `NULLABLE_STRING` (i16 length, -1 = null) or their compact forms
    /// (uvarint length + 1, 0 = null).
    pub(crate) fn string(&mut self, compact: bool) -> Option<Option<&'a [u8]>> {
        let len: i64 = if compact {
            i64::from(self.uvarint()?) - 1
        } else {
            i64::from(self.i16()?)
        };
        if len < 0 {
            return Some(None);
        }
        Some(Some(self.take(usize::try_from(len).ok()?)?))
    }

    /// `BYTES` / `NULLABLE_BYTES` (i32 length) or compact (uvarint length + 1).
    pub(crate) fn bytes(&mut self, compact: bool) -> Option<Option<&'a [u8]>> {
        let len: i64 = if compact {
            i64::from(self.uvarint()?) - 1
        } else {
            i64::from(self.i32()?)
        };
        if len < 0 {
            return Some(None);
        }
        Some(Some(self.take(usize::try_from(len).ok()?)?))
    }

    /// An array count (i32, or compact uvarint + 1); null is 0. Counts larger than the
    /// bytes left (each element takes at least `min_elem` bytes) are rejected.
    pub(crate) fn count(&mut self, compact: bool, min_elem: usize) -> Option<usize> {
        let n: i64 = if compact {
            i64::from(self.uvarint()?) - 1
        } else {
            i64::from(self.i32()?)
        };
        if n < 0 {
            return Some(0);
        }
        let n = usize::try_from(n).ok()?;
        if n.saturating_mul(min_elem.max(1)) > self.remaining() {
            return None;
        }
        Some(n)
    }

    /// Skips a tagged-field section (flexible versions).
    pub(crate) fn tagged_fields(&mut self) -> Option<()> {
        let n = self.uvarint()?;
        if n as usize > self.remaining() {
            return None;
        }
        for _ in 0..n {
            self.uvarint()?;
            let len = self.uvarint()? as usize;
            self.take(len)?;
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_and_bounds() {
        let mut r = Reader::new(&[0, 3, b'a', b'b', b'c', 0xff, 0xff, 4, b'x', b'y', b'z']);
        assert_eq!(r.string(false), Some(Some(&b"abc"[..])));
        assert_eq!(r.string(false), Some(None));
        assert_eq!(r.string(true), Some(Some(&b"xyz"[..])));
        assert_eq!(r.i8(), None);
        let mut r = Reader::new(&[0x7f, 0xff, 0xff, 0xff]);
        assert_eq!(r.count(false, 1), None, "count beyond the bytes left");
        let mut r = Reader::new(&[0x96, 0x01, 0x03]);
        assert_eq!(r.uvarint(), Some(150));
        assert_eq!(r.varlong(), Some(-2));
        let mut r = Reader::new(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x80]);
        assert_eq!(r.uvarint(), None);
        let mut r = Reader::new(&[1, 5, 2, 0xaa, 0xbb, 9]);
        assert_eq!(r.tagged_fields(), Some(()));
        assert_eq!(r.i8(), Some(9));
    }
}
