//! Compact JSON output byte-identical to `serde_json::to_writer`, about twice as fast for
//! entries. Entries are mostly short strings, and serde_json checks every byte of a string
//! against an escape table; here eight bytes are checked at once (SWAR) and clean strings
//! are copied whole. Numbers use serde_json's own formatter, so they are identical too.
//! Tests compare both serialisers on fixtures and random values.

use serde::ser::{self, Serialize};
use serde_json::ser::{CompactFormatter, Formatter};
use std::fmt::Display;

/// Appends `value` as compact JSON to `out`. Output equals `serde_json::to_vec(value)`.
pub fn write_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    value.serialize(&mut JsonWriter { out })
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

/// True if any byte of `w` is < 0x20, `"` or `\`.
#[inline]
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    (control | has_zero(w ^ (ONES * b'"' as u64)) | has_zero(w ^ (ONES * b'\\' as u64))) != 0
}

/// Bytes JSON strings must escape: control characters, `"` and `\\`.
const ESCAPED: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

fn needs_escape(s: &[u8]) -> bool {
    let n = s.len();
    if n < 8 {
        return s.iter().any(|&b| ESCAPED[b as usize]);
    }
    let word = |c: &[u8]| {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        word_needs_escape(u64::from_le_bytes(b))
    };
    let mut i = 0;
    while i + 8 <= n {
        if word(&s[i..i + 8]) {
            return true;
        }
        i += 8;
    }
    // The tail: re-check the last eight bytes (overlapping what was checked).
    i < n && word(&s[n - 8..])
}

/// Appends `s` as a JSON string, escaped exactly as `serde_json` does.
pub(crate) fn write_str_into(out: &mut Vec<u8>, s: &str) {
    // Writing to a Vec cannot fail.
    let _ = write_str(out, s);
}

fn write_str(out: &mut Vec<u8>, s: &str) -> Result<(), Error> {
    if needs_escape(s.as_bytes()) {
        serde_json::to_writer(&mut *out, s).map_err(|e| Error(e.to_string()))
    } else {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        Ok(())
    }
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
    via_formatter!(serialize_i8, i8, write_i8);
    via_formatter!(serialize_i16, i16, write_i16);
    via_formatter!(serialize_i32, i32, write_i32);
    via_formatter!(serialize_i64, i64, write_i64);
    via_formatter!(serialize_i128, i128, write_i128);
    via_formatter!(serialize_u8, u8, write_u8);
    via_formatter!(serialize_u16, u16, write_u16);
    via_formatter!(serialize_u32, u32, write_u32);
    via_formatter!(serialize_u64, u64, write_u64);
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
    fn swar_detects_every_escape_position() {
        for pos in 0..17 {
            for bad in [b'"', b'\\', 0u8, 0x1f, b'\n'] {
                let mut s = vec![b'a'; 17];
                s[pos] = bad;
                assert!(needs_escape(&s), "byte {bad:#x} at {pos}");
            }
        }
        assert!(!needs_escape("plain ascii and ünïcödé text!".as_bytes()));
        assert!(!needs_escape(&[
            0x20, 0x7f, 0x80, 0xff, b'!', b'#', b'[', b']'
        ]));
    }

    proptest! {
        #[test]
        fn matches_serde_json_on_random_strings(s in any::<String>(), k in "[ -~]{0,20}") {
            let v = json!({ k: s.clone(), "list": [s] });
            let mut ours = Vec::new();
            write_json(&mut ours, &v).expect("serialise");
            prop_assert_eq!(ours, serde_json::to_vec(&v).expect("serde_json"));
        }
    }
}
