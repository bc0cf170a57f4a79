//! One bounds-checked byte reader for every dissector: big- or little-endian integers
//! (the byte order is a parameter: AMQP, Kafka, HTTP/2 and WebSocket are big-endian,
//! MySQL and MongoDB little-endian), LEB128 varints, length-prefixed slices. A read past
//! the end never panics: it returns a [`ReadError`] that says where it happened.

/// Byte order of multi-byte integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endian {
    Big,
    Little,
}

/// A read ran past the end of the data (or a varint ran too long): `offset` is where the
/// failed read started, `wanted` how many bytes it needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadError {
    pub offset: usize,
    pub wanted: usize,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} bytes wanted at offset {}, past the end",
            self.wanted, self.offset
        )
    }
}

impl std::error::Error for ReadError {}

/// The result of a read.
pub type ReadResult<T> = Result<T, ReadError>;

/// A cursor over one message (or a part of one).
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    endian: Endian,
}

macro_rules! int_reads {
    ($($name:ident: $t:ty),* $(,)?) => {
        $(
            #[doc = concat!("Reads one `", stringify!($t), "` in the reader's byte order.")]
            pub fn $name(&mut self) -> ReadResult<$t> {
                let a = self.array()?;
                Ok(match self.endian {
                    Endian::Big => <$t>::from_be_bytes(a),
                    Endian::Little => <$t>::from_le_bytes(a),
                })
            }
        )*
    };
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8], endian: Endian) -> Reader<'a> {
        Reader {
            data,
            pos: 0,
            endian,
        }
    }

    /// A big-endian reader (network byte order).
    pub fn be(data: &'a [u8]) -> Reader<'a> {
        Reader::new(data, Endian::Big)
    }

    /// A little-endian reader.
    pub fn le(data: &'a [u8]) -> Reader<'a> {
        Reader::new(data, Endian::Little)
    }

    /// A reader positioned at `offset` (past the end: every read fails).
    pub fn at(data: &'a [u8], offset: usize, endian: Endian) -> Reader<'a> {
        Reader {
            data,
            pos: offset,
            endian,
        }
    }

    /// Offset of the next byte to read.
    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    /// The unread bytes.
    pub fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }

    /// The bytes read since `start` (an earlier [`Reader::pos`]).
    pub fn since(&self, start: usize) -> &'a [u8] {
        self.data.get(start..self.pos).unwrap_or_default()
    }

    fn short(&self, wanted: usize) -> ReadError {
        ReadError {
            offset: self.pos,
            wanted,
        }
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> ReadResult<&'a [u8]> {
        let s = self
            .pos
            .checked_add(n)
            .and_then(|end| self.data.get(self.pos..end))
            .ok_or_else(|| self.short(n))?;
        self.pos += n;
        Ok(s)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> ReadResult<()> {
        self.take(n).map(|_| ())
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> ReadResult<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    int_reads!(u8: u8, i8: i8, u16: u16, i16: i16, u32: u32, i32: i32, u64: u64, i64: i64);

    /// Unsigned LEB128 varint of at most `max_bytes` bytes (5 for 32-bit values, 10 for
    /// 64-bit ones); longer ones are an error at their first byte.
    pub fn uleb128(&mut self, max_bytes: usize) -> ReadResult<u64> {
        let start = self.pos;
        let mut v: u64 = 0;
        for i in 0..max_bytes.min(10) {
            let Some(&b) = self.data.get(self.pos) else {
                self.pos = start;
                return Err(self.short(i + 1));
            };
            self.pos += 1;
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        let wanted = self.pos - start + 1;
        self.pos = start;
        Err(ReadError {
            offset: start,
            wanted,
        })
    }

    /// A slice prefixed by its `u8` length.
    pub fn u8_prefixed(&mut self) -> ReadResult<&'a [u8]> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }

    /// A slice prefixed by its `u32` length.
    pub fn u32_prefixed(&mut self) -> ReadResult<&'a [u8]> {
        let n = self.u32()?;
        self.take(n as usize)
    }
}

/// The big-endian `u16` at `at` in `b`, if it is there (for fixed headers).
pub fn be16(b: &[u8], at: usize) -> Option<u16> {
    Reader::at(b, at, Endian::Big).u16().ok()
}

/// The big-endian `u32` at `at` in `b`, if it is there (for fixed headers).
pub fn be32(b: &[u8], at: usize) -> Option<u32> {
    Reader::at(b, at, Endian::Big).u32().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_byte_orders() {
        let d = [1, 2, 3, 4, 5, 6, 7, 8];
        let mut b = Reader::be(&d);
        assert_eq!(b.u16(), Ok(0x0102));
        assert_eq!(b.u32(), Ok(0x0304_0506));
        let mut l = Reader::le(&d);
        assert_eq!(l.u16(), Ok(0x0201));
        assert_eq!(l.u32(), Ok(0x0605_0403));
        assert_eq!(l.u16(), Ok(0x0807));
        assert_eq!(Reader::le(&d).u64(), Ok(0x0807_0605_0403_0201));
        assert_eq!(Reader::be(&[0xff]).i8(), Ok(-1));
        assert_eq!(be16(&d, 6), Some(0x0708));
        assert_eq!(be16(&d, 7), None);
        assert_eq!(be32(&d, 4), Some(0x0506_0708));
        assert_eq!(be32(&d, usize::MAX), None);
    }

    #[test]
    fn errors_carry_the_offset_and_do_not_move() {
        let d = [9, 0, 0, 1];
        let mut r = Reader::be(&d);
        assert_eq!(r.u8(), Ok(9));
        assert_eq!(
            r.u32(),
            Err(ReadError {
                offset: 1,
                wanted: 4
            })
        );
        assert_eq!(r.pos(), 1, "a failed read consumes nothing");
        assert_eq!(r.u16(), Ok(0));
        assert_eq!(r.since(1), &[0, 0]);
        assert_eq!(r.rest(), &[1]);
        assert_eq!(r.take(usize::MAX).map_err(|e| e.offset), Err(3));
        assert_eq!(
            r.u32().map_err(|e| e.to_string()),
            Err("4 bytes wanted at offset 3, past the end".to_owned())
        );
    }

    #[test]
    fn varints_and_prefixes() {
        let mut r = Reader::be(&[0x96, 0x01, 2, b'h', b'i', 0, 0, 0, 1, b'x']);
        assert_eq!(r.uleb128(5), Ok(150));
        assert_eq!(r.u8_prefixed(), Ok(&b"hi"[..]));
        assert_eq!(r.u32_prefixed(), Ok(&b"x"[..]));
        let mut r = Reader::be(&[0x80; 6]);
        assert_eq!(
            r.uleb128(5),
            Err(ReadError {
                offset: 0,
                wanted: 6
            })
        );
        assert_eq!(r.pos(), 0);
        let mut r = Reader::be(&[0x80, 0x80]);
        assert_eq!(
            r.uleb128(5),
            Err(ReadError {
                offset: 0,
                wanted: 3
            })
        );
    }
}
