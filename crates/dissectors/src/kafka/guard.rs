//! A `bytes::Buf` for `kafka-protocol`'s decoders that refuses implausible counts.
//!
//! `kafka-protocol` reserves `Vec::with_capacity(count)` with the array count read from the
//! wire before any element is read, so a corrupt count of two billion aborts the process on
//! allocation failure. Counts are read as `i32` (classic arrays) or unsigned varints (compact
//! arrays). This buffer fails any `i32` read above [`I32_LIMIT`] and any varint above
//! [`VARINT_LIMIT`] that is also larger than the bytes left — no real count can be, since
//! every element takes at least a byte — so the decode stops with an error before reserving.
//! The limits sit above every legitimate non-count `i32` field outside Fetch requests
//! (timeouts, ids, epochs; Fetch's `max_bytes` is larger, so Fetch requests are parsed by
//! our own code) and tagged-field tags. Varints are reassembled from the byte reads the
//! decoder makes (it reads them one `u8` at a time).

use bytes::{Buf, Bytes, TryGetError};
use kafka_protocol::protocol::buf::ByteBuf;
use std::ops::Range;

/// Largest `i32` accepted when it exceeds the bytes left.
pub(crate) const I32_LIMIT: i32 = 1 << 24;
/// Largest unsigned varint accepted when it exceeds the bytes left (plus one: compact
/// lengths are stored plus one).
pub(crate) const VARINT_LIMIT: u64 = 1 << 20;

pub(crate) struct GuardedBuf {
    inner: Bytes,
    acc: u64,
    shift: u32,
}

impl GuardedBuf {
    pub(crate) fn new(inner: Bytes) -> GuardedBuf {
        GuardedBuf {
            inner,
            acc: 0,
            shift: 0,
        }
    }

    fn reset(&mut self) {
        self.acc = 0;
        self.shift = 0;
    }

    fn refuse(&self, requested: usize) -> TryGetError {
        TryGetError {
            requested,
            available: self.inner.remaining(),
        }
    }
}

impl Buf for GuardedBuf {
    fn remaining(&self) -> usize {
        self.inner.remaining()
    }
    fn chunk(&self) -> &[u8] {
        self.inner.chunk()
    }
    fn advance(&mut self, cnt: usize) {
        self.reset();
        self.inner.advance(cnt);
    }
    fn try_get_u8(&mut self) -> Result<u8, TryGetError> {
        let b = self.inner.try_get_u8()?;
        self.acc |= u64::from(b & 0x7f) << self.shift;
        // `kafka-protocol`'s varints end at a byte without the high bit or after five
        // bytes, whatever the fifth is (a fifth byte with the high bit set slipped past
        // this check before, and a count of four billion aborted the process).
        if b & 0x80 != 0 && self.shift < 28 {
            self.shift += 7;
        } else {
            let v = self.acc;
            self.reset();
            if v > VARINT_LIMIT && v > self.inner.remaining() as u64 + 1 {
                return Err(self.refuse(v as usize));
            }
        }
        Ok(b)
    }
    fn try_get_i16(&mut self) -> Result<i16, TryGetError> {
        self.reset();
        self.inner.try_get_i16()
    }
    fn try_get_i32(&mut self) -> Result<i32, TryGetError> {
        self.reset();
        let v = self.inner.try_get_i32()?;
        if v > I32_LIMIT && v as usize > self.inner.remaining() {
            return Err(self.refuse(v as usize));
        }
        Ok(v)
    }
    fn try_get_i64(&mut self) -> Result<i64, TryGetError> {
        self.reset();
        self.inner.try_get_i64()
    }
}

impl ByteBuf for GuardedBuf {
    fn peek_bytes(&mut self, r: Range<usize>) -> Bytes {
        self.inner.peek_bytes(r)
    }
    fn get_bytes(&mut self, size: usize) -> Bytes {
        self.reset();
        self.inner.get_bytes(size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_impossible_counts_only() {
        let mut b = GuardedBuf::new(Bytes::from_static(&[0x7f, 0xff, 0xff, 0xff, 0, 0]));
        assert!(b.try_get_i32().is_err());
        let mut b = GuardedBuf::new(Bytes::from_static(&[0, 4, 0x93, 0xe0, 0, 0]));
        assert_eq!(b.try_get_i32().ok(), Some(300_000));
        let mut b = GuardedBuf::new(Bytes::from_static(&[0xff, 0xff, 0xff, 0xff, 0x0f]));
        let r: Vec<_> = (0..5).map(|_| b.try_get_u8().is_ok()).collect();
        assert_eq!(r, [true, true, true, true, false]);
        let mut b = GuardedBuf::new(Bytes::from_static(&[0x03, 1, 2]));
        assert!(b.try_get_u8().is_ok());
        // Five bytes, the last with its high bit set: still a (huge) varint.
        let mut b = GuardedBuf::new(Bytes::from_static(&[0xff, 0xff, 0xff, 0xff, 0xff, 0]));
        let r: Vec<_> = (0..5).map(|_| b.try_get_u8().is_ok()).collect();
        assert_eq!(r, [true, true, true, true, false]);
    }
}
