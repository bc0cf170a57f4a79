//! Compact JSON output byte-identical to `serde_json::to_writer`, about twice as fast for
//! entries. Entries are mostly short strings, and serde_json checks every byte of a string
//! against an escape table; here 16 bytes are checked at once (exact SWAR, two `u64`s),
//! clean blocks are copied whole, and blocks holding escapes go through a fixed scratch
//! array with one uniform step per byte. Integers go through itoa and floats through
//! serde_json's own formatter. Tests compare both serialisers on fixtures, every ASCII byte
//! at every position, and random values.

use serde::ser::{self, Serialize};
use serde_json::ser::{CompactFormatter, Formatter};
use std::fmt::Display;

/// Appends `value` as compact JSON to `out`. Output equals `serde_json::to_vec(value)`.
pub fn write_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    value.serialize(&mut JsonWriter { out, spill: None })
}

/// Receives output that [`write_json_spilling`] hands over early.
pub type Spill<'a> = dyn FnMut(&[u8]) -> std::io::Result<()> + 'a;

/// Strings at least this long are streamed through a [`Spill`] instead of buffered.
pub const SPILL_MIN: usize = 256 << 10;
/// Escaped pieces of a streamed string: each goes through the spill on its own.
const SPILL_PIECE: usize = 64 << 10;

/// [`write_json`] for large values: a string of [`SPILL_MIN`] bytes or more (an HTTP body)
/// is not appended to `out` whole. Instead `out` is passed to `spill` and cleared, then
/// the string goes through `spill` in escaped pieces of 64 KiB, so no second copy of a
/// large body is ever held. The bytes `spill` receives, in order, followed by what is left
/// in `out`, equal what [`write_json`] would have appended.
pub fn write_json_spilling<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
    spill: &mut Spill<'_>,
) -> Result<(), Error> {
    value.serialize(&mut JsonWriter {
        out,
        spill: Some(spill),
    })
}

/// Writes a long string through `spill` (see [`write_json_spilling`]).
pub(crate) fn spill_str(out: &mut Vec<u8>, s: &str, spill: &mut Spill<'_>) -> Result<(), Error> {
    out.push(b'"');
    // Escapes are per byte (ASCII only), so pieces may split a UTF-8 sequence.
    for piece in s.as_bytes().chunks(SPILL_PIECE) {
        spill(out)?;
        out.clear();
        if needs_escape(piece) {
            write_escaped(out, piece);
        } else {
            out.extend_from_slice(piece);
        }
    }
    spill(out)?;
    out.clear();
    out.push(b'"');
    Ok(())
}

/// Appends JSON text as it is, through `spill` when it is long (see
/// [`write_json_spilling`]).
pub(crate) fn spill_raw(
    out: &mut Vec<u8>,
    text: &[u8],
    spill: Option<&mut Spill<'_>>,
) -> Result<(), Error> {
    match spill {
        Some(spill) if text.len() >= SPILL_MIN => {
            spill(out)?;
            out.clear();
            spill(text)?;
        }
        _ => out.extend_from_slice(text),
    }
    Ok(())
}

/// Serialisation failed: a map key that is not a string, or a custom error.
#[derive(Debug)]
pub struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error(e.to_string())
    }
}

/// The high bit of each byte of the block that needs escaping (bit `8i + 7` for byte
/// `i`): [`escape_bits8`] on both halves.
#[inline]
fn escape_bits(c: &[u8; 16]) -> u128 {
    let x = u128::from_le_bytes(*c);
    u128::from(escape_bits8(x as u64)) | u128::from(escape_bits8((x >> 64) as u64)) << 64
}

pub(crate) fn needs_escape(s: &[u8]) -> bool {
    let (blocks, tail) = s.as_chunks::<16>();
    blocks.iter().any(|c| escape_bits(c) != 0) || tail.iter().any(|&b| escaped(b))
}

/// The high bit of each of the eight bytes that needs escaping, exactly: per-byte adds on
/// the low seven bits cannot carry into the next byte.
#[inline]
fn escape_bits8(x: u64) -> u64 {
    const L: u64 = u64::from_le_bytes([0x01; 8]);
    const LOW7: u64 = L * 0x7f;
    const HIGH: u64 = L * 0x80;
    // Byte < 0x20: neither (low seven bits + 0x60) nor the byte itself reaches 0x80.
    let control = !(((x & LOW7) + L * 0x60) | x) & HIGH;
    // Byte == 0: neither (low seven bits + 0x7f) nor the byte reaches 0x80.
    let zero = |y: u64| !(((y & LOW7) + LOW7) | y) & HIGH;
    control | zero(x ^ (L * u64::from(b'"'))) | zero(x ^ (L * u64::from(b'\\')))
}

/// Appends `s` as a JSON string, escaped exactly as `serde_json` does.
#[inline]
pub fn write_str_into(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    if !short_clean(out, b) {
        if needs_escape(b) {
            write_escaped(out, b);
        } else {
            out.extend_from_slice(b);
        }
    }
    out.push(b'"');
}

/// Strings of 4 to 16 bytes (keys, ports, command names): checked and copied as two
/// overlapping fixed-size words, the way `memcpy` handles small sizes, but inline (a call
/// per short string was most of the cost). False when `b` is another size or needs
/// escaping: nothing was written then.
#[inline]
fn short_clean(out: &mut Vec<u8>, b: &[u8]) -> bool {
    let n = b.len();
    let at = out.len();
    if n > 16 {
        return false;
    }
    if let (Some(head), Some(tail)) = (b.first_chunk::<8>(), b.last_chunk::<8>()) {
        if escape_bits8(u64::from_le_bytes(*head)) | escape_bits8(u64::from_le_bytes(*tail)) != 0 {
            return false;
        }
        out.extend_from_slice(head);
        out.truncate(at + n - 8);
        out.extend_from_slice(tail);
        return true;
    }
    if let (Some(head), Some(tail)) = (b.first_chunk::<4>(), b.last_chunk::<4>()) {
        let w = u64::from(u32::from_le_bytes(*head)) | u64::from(u32::from_le_bytes(*tail)) << 32;
        if escape_bits8(w) != 0 {
            return false;
        }
        out.extend_from_slice(head);
        out.truncate(at + n - 4);
        out.extend_from_slice(tail);
        return true;
    }
    false
}

fn write_str(out: &mut Vec<u8>, s: &str) -> Result<(), Error> {
    write_str_into(out, s);
    Ok(())
}

/// Whether JSON strings must escape this byte: control characters, `"` and `\\`.
#[inline]
fn escaped(b: u8) -> bool {
    SHOWN[b as usize].0 != 1
}

/// How each byte appears inside a JSON string: its length (1, 2 or 6) and its bytes.
const SHOWN: [(u8, [u8; 6]); 256] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut t = [(1u8, [0u8; 6]); 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = match c {
            b'"' => (2, [b'\\', b'"', 0, 0, 0, 0]),
            b'\\' => (2, [b'\\', b'\\', 0, 0, 0, 0]),
            0x08 => (2, [b'\\', b'b', 0, 0, 0, 0]),
            0x0c => (2, [b'\\', b'f', 0, 0, 0, 0]),
            b'\n' => (2, [b'\\', b'n', 0, 0, 0, 0]),
            b'\r' => (2, [b'\\', b'r', 0, 0, 0, 0]),
            b'\t' => (2, [b'\\', b't', 0, 0, 0, 0]),
            0..0x20 => (
                6,
                [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(c >> 4) as usize],
                    HEX[(c & 15) as usize],
                ],
            ),
            _ => (1, [c, 0, 0, 0, 0, 0]),
        };
        i += 1;
    }
    t
};

/// Up to 16 bytes, escaped, through a fixed scratch array: one uniform step per byte (no
/// branch on the byte's class) and a single append.
#[inline]
fn escape_block(out: &mut Vec<u8>, c: &[u8]) {
    let mut tmp = [0u8; 16 * 6 + 6];
    let mut n = 0;
    for &x in c.iter().take(16) {
        let (len, bytes) = &SHOWN[x as usize];
        tmp[n..n + 6].copy_from_slice(bytes);
        n += *len as usize;
    }
    out.extend_from_slice(&tmp[..n]);
}

/// The body of a JSON string with escapes, byte-identical to serde_json: `\\"`, `\\\\`,
/// `\\b \\f \\n \\r \\t`, and `\\u00xx` (lower-case hex) for other control characters. Clean
/// 16-byte blocks are copied whole, the others escaped a byte at a time.
fn write_escaped(out: &mut Vec<u8>, b: &[u8]) {
    let (blocks, tail) = b.as_chunks::<16>();
    for c in blocks {
        if escape_bits(c) == 0 {
            out.extend_from_slice(c);
        } else {
            escape_block(out, c);
        }
    }
    escape_block(out, tail);
}

/// Appends the decimal digits of `v` (itoa: what serde_json prints).
#[inline]
pub fn push_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Appends `v` in decimal with its sign.
#[inline]
pub fn push_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// A struct field name and its colon, written without an escape check: field names are
/// Rust identifiers or serde renames, and every struct mizu serialises has plain ASCII
/// names (the tests compare whole entries with serde_json's output).
fn write_key(out: &mut Vec<u8>, key: &str) {
    out.reserve(key.len() + 3);
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

struct JsonWriter<'a> {
    out: &'a mut Vec<u8>,
    /// Where long strings go instead of `out` ([`write_json_spilling`]).
    spill: Option<&'a mut Spill<'a>>,
}

/// A map, struct or sequence being written: tracks whether a comma is due.
pub struct Compound<'a, 'b> {
    w: &'b mut JsonWriter<'a>,
    first: bool,
    /// Closing bytes: `}` or `]`, or `}}` for enum variants wrapped in an object.
    close: &'static [u8],
    /// A [`crate::RawJson`]: the one field is JSON text to copy as it is.
    raw: bool,
}

impl Compound<'_, '_> {
    fn comma(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.w.out.push(b',');
        }
    }
}

macro_rules! via_decimal {
    ($name:ident, $t:ty, $push:ident, $wide:ty) => {
        fn $name(self, v: $t) -> Result<(), Error> {
            $push(self.out, <$wide>::from(v));
            Ok(())
        }
    };
}

macro_rules! via_formatter {
    ($name:ident, $t:ty, $method:ident) => {
        fn $name(self, v: $t) -> Result<(), Error> {
            CompactFormatter.$method(self.out, v)?;
            Ok(())
        }
    };
}

impl<'a, 'b> ser::Serializer for &'b mut JsonWriter<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 'b>;
    type SerializeTuple = Compound<'a, 'b>;
    type SerializeTupleStruct = Compound<'a, 'b>;
    type SerializeTupleVariant = Compound<'a, 'b>;
    type SerializeMap = Compound<'a, 'b>;
    type SerializeStruct = Compound<'a, 'b>;
    type SerializeStructVariant = Compound<'a, 'b>;

    via_formatter!(serialize_bool, bool, write_bool);
    via_decimal!(serialize_i8, i8, push_i64, i64);
    via_decimal!(serialize_i16, i16, push_i64, i64);
    via_decimal!(serialize_i32, i32, push_i64, i64);
    via_decimal!(serialize_i64, i64, push_i64, i64);
    via_formatter!(serialize_i128, i128, write_i128);
    via_decimal!(serialize_u8, u8, push_u64, u64);
    via_decimal!(serialize_u16, u16, push_u64, u64);
    via_decimal!(serialize_u32, u32, push_u64, u64);
    via_decimal!(serialize_u64, u64, push_u64, u64);
    via_formatter!(serialize_u128, u128, write_u128);

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        if v.is_finite() {
            CompactFormatter.write_f32(self.out, v)?;
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        if v.is_finite() {
            CompactFormatter.write_f64(self.out, v)?;
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        let mut b = [0u8; 4];
        write_str(self.out, v.encode_utf8(&mut b))
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        if v.len() >= SPILL_MIN
            && let Some(spill) = self.spill.as_deref_mut()
        {
            return spill_str(self.out, v, spill);
        }
        write_str(self.out, v)
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, v).map_err(|e| Error(e.to_string()))
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.serialize_none()
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_none()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        write_str(self.out, variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.out.push(b'{');
        write_str(self.out, variant)?;
        self.out.push(b':');
        v.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'a, 'b>, Error> {
        self.out.push(b'[');
        if len == Some(0) {
            self.out.push(b']');
            return Ok(Compound {
                w: self,
                first: true,
                close: b"",
                raw: false,
            });
        }
        Ok(Compound {
            w: self,
            first: true,
            close: b"]",
            raw: false,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, 'b>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Compound<'a, 'b>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a, 'b>, Error> {
        self.out.push(b'{');
        write_str(self.out, variant)?;
        self.out.push(b':');
        self.out.push(b'[');
        if len == 0 {
            self.out.push(b']');
            return Ok(Compound {
                w: self,
                first: true,
                close: b"}",
                raw: false,
            });
        }
        Ok(Compound {
            w: self,
            first: true,
            close: b"]}",
            raw: false,
        })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'a, 'b>, Error> {
        self.out.push(b'{');
        if len == Some(0) {
            self.out.push(b'}');
            return Ok(Compound {
                w: self,
                first: true,
                close: b"",
                raw: false,
            });
        }
        Ok(Compound {
            w: self,
            first: true,
            close: b"}",
            raw: false,
        })
    }

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Compound<'a, 'b>, Error> {
        if name == crate::raw::RAW_TOKEN {
            return Ok(Compound {
                w: self,
                first: true,
                close: b"",
                raw: true,
            });
        }
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a, 'b>, Error> {
        self.out.push(b'{');
        write_str(self.out, variant)?;
        self.out.push(b':');
        self.out.push(b'{');
        if len == 0 {
            self.out.push(b'}');
            return Ok(Compound {
                w: self,
                first: true,
                close: b"}",
                raw: false,
            });
        }
        Ok(Compound {
            w: self,
            first: true,
            close: b"}}",
            raw: false,
        })
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.comma();
        v.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.w.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        key.serialize(MapKey {
            out: &mut *self.w.out,
        })
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.w.out.push(b':');
        v.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.w.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        if self.raw {
            return v.serialize(RawText {
                out: &mut *self.w.out,
            });
        }
        self.comma();
        write_key(self.w.out, key);
        v.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeMap::end(self)
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(self, key, v)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeMap::end(self)
    }
}

/// The field of a [`crate::RawJson`]: its text, copied unquoted. Nothing else is
/// accepted.
struct RawText<'a> {
    out: &'a mut Vec<u8>,
}

fn raw_error() -> Error {
    Error("raw JSON must be a string".to_owned())
}

macro_rules! not_raw {
    ($($name:ident: $t:ty),*) => {
        $(fn $name(self, _: $t) -> Result<(), Error> {
            Err(raw_error())
        })*
    };
}

impl ser::Serializer for RawText<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.out.extend_from_slice(v.as_bytes());
        Ok(())
    }
    not_raw!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_f32: f32, serialize_f64: f64, serialize_char: char,
        serialize_bytes: &[u8], serialize_unit_struct: &'static str);
    fn serialize_none(self) -> Result<(), Error> {
        Err(raw_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Error> {
        Err(raw_error())
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(raw_error())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Error> {
        Err(raw_error())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(raw_error())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(raw_error())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(raw_error())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(raw_error())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(raw_error())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(raw_error())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(raw_error())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(raw_error())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(raw_error())
    }
}

/// Map keys: strings as they are; integers, bools and chars quoted, as serde_json does.
struct MapKey<'a> {
    out: &'a mut Vec<u8>,
}

fn key_error() -> Error {
    Error("key must be a string".to_owned())
}

macro_rules! quoted_key {
    ($name:ident, $t:ty, $method:ident) => {
        fn $name(self, v: $t) -> Result<(), Error> {
            self.out.push(b'"');
            CompactFormatter.$method(self.out, v)?;
            self.out.push(b'"');
            Ok(())
        }
    };
}

impl ser::Serializer for MapKey<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    quoted_key!(serialize_bool, bool, write_bool);
    quoted_key!(serialize_i8, i8, write_i8);
    quoted_key!(serialize_i16, i16, write_i16);
    quoted_key!(serialize_i32, i32, write_i32);
    quoted_key!(serialize_i64, i64, write_i64);
    quoted_key!(serialize_i128, i128, write_i128);
    quoted_key!(serialize_u8, u8, write_u8);
    quoted_key!(serialize_u16, u16, write_u16);
    quoted_key!(serialize_u32, u32, write_u32);
    quoted_key!(serialize_u64, u64, write_u64);
    quoted_key!(serialize_u128, u128, write_u128);

    fn serialize_f32(self, _: f32) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_f64(self, _: f64) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        let mut b = [0u8; 4];
        write_str(self.out, v.encode_utf8(&mut b))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_str(self.out, v)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        write_str(self.out, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_error())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_error())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_error())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn same<T: Serialize>(v: &T) {
        let mut ours = Vec::new();
        write_json(&mut ours, v).expect("serialise");
        let theirs = serde_json::to_vec(v).expect("serde_json");
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs)
        );
    }

    #[test]
    fn matches_serde_json_on_shapes() {
        same(&json!({"a": 1, "b": [true, null, 1.5, -3, "x\"y\\z\n\u{1}é"], "c": {}, "d": []}));
        same(&json!(1e300));
        same(&json!("0123456789abcdef\"0123456789"));
        same(&vec![Some(1u8), None]);
        same(&std::collections::BTreeMap::from([(1u32, "a"), (2, "b")]));
        #[derive(serde::Serialize)]
        enum E {
            Unit,
            New(u8),
            Tup(u8, u8),
            Strct { a: u8 },
        }
        same(&vec![E::Unit, E::New(1), E::Tup(1, 2), E::Strct { a: 3 }]);
        same(&(1, "two", 3.0f32));
        same(&f64::NAN);
    }

    #[test]
    fn block_scan_detects_every_escape_position() {
        for pos in 0..37 {
            for bad in [b'"', b'\\', 0u8, 0x1f, b'\n'] {
                let mut s = vec![b'a'; 37];
                s[pos] = bad;
                assert!(needs_escape(&s), "byte {bad:#x} at {pos}");
            }
        }
        assert!(!needs_escape("plain ascii and ünïcödé text!".as_bytes()));
        assert!(!needs_escape(&[
            0x20, 0x7f, 0x80, 0xff, b'!', b'#', b'[', b']'
        ]));
    }

    #[test]
    fn escapes_every_ascii_byte_at_every_position_like_serde_json() {
        for len in 1..20 {
            for pos in 0..len {
                for c in 0u8..0x80 {
                    let mut b = vec![b'x'; len];
                    b[pos] = c;
                    // A second escape later in the word, to cover runs after the first.
                    if pos + 2 < len {
                        b[pos + 2] = b'"';
                    }
                    let s = String::from_utf8(b).expect("ascii");
                    let mut ours = Vec::new();
                    write_str_into(&mut ours, &s);
                    assert_eq!(ours, serde_json::to_vec(&s).expect("serde_json"), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn decimals_match_display_at_the_edges() {
        let mut cases: Vec<u64> = vec![0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, u64::MAX];
        for p in 0..20 {
            let t = 10u64.pow(p);
            cases.extend([t, t - 1, t + 1, t.saturating_mul(9)]);
        }
        for v in cases {
            let mut out = b"x".to_vec();
            push_u64(&mut out, v);
            assert_eq!(out, format!("x{v}").into_bytes());
        }
        for v in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX, -10, -99, -100] {
            let mut out = Vec::new();
            push_i64(&mut out, v);
            assert_eq!(out, v.to_string().into_bytes());
        }
    }

    proptest! {
        #[test]
        fn decimals_match_display(v in any::<u64>(), w in any::<i64>(), shift in 0u32..64) {
            for v in [v, v >> shift] {
                let mut out = Vec::new();
                push_u64(&mut out, v);
                prop_assert_eq!(out, v.to_string().into_bytes());
            }
            let mut out = Vec::new();
            push_i64(&mut out, w >> shift);
            prop_assert_eq!(out, (w >> shift).to_string().into_bytes());
        }

        #[test]
        fn escape_heavy_strings_match_serde_json(s in "[\"\\\\\u{0}-\u{1f}a-zé\u{7f}]{0,64}") {
            let mut ours = Vec::new();
            write_str_into(&mut ours, &s);
            prop_assert_eq!(ours, serde_json::to_vec(&s).expect("serde_json"));
        }

        #[test]
        fn matches_serde_json_on_random_strings(s in any::<String>(), k in "[ -~]{0,20}") {
            let v = json!({ k: s.clone(), "list": [s] });
            let mut ours = Vec::new();
            write_json(&mut ours, &v).expect("serialise");
            prop_assert_eq!(ours, serde_json::to_vec(&v).expect("serde_json"));
        }
    }
}
