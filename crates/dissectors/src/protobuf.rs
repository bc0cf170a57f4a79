//! Protocol Buffers messages as JSON, for gRPC bodies
//! ([encoding spec](https://protobuf.dev/programming-guides/encoding/)).
//!
//! **Schema-less** ([`decode_raw`]): like `protoc --decode_raw`, written here. Keys are field
//! numbers (`"1"`, `"2"`); a field seen more than once becomes an array. Wire types:
//! varint → number (values ≥ 2^63 are shown as the negative `int64` they most likely
//! are), fixed64/fixed32 → a `double`/`float` when the bits read as an ordinary number, else
//! the unsigned integer; length-delimited → in this order of preference: a UTF-8 string
//! without control characters, a nested message (every byte must parse, recursively, depth
//! ≤ [`MAX_DEPTH`]), a packed run of varints, else base64 bytes (`"base64:…"`). Groups
//! (wire types 3/4, deprecated) and anything malformed end the message: what parsed is
//! kept and `"_undecoded"` holds the base64 of the rest. These are guesses: a short string
//! can also be a valid message, a packed fixed32 array reads as bytes.
//!
//! **With a schema** ([`Schema`], from `.proto` files the CLI compiled in-process with
//! `protox`, no `protoc`; this crate reads no files): the gRPC method path `/pkg.Service/Method` selects the input (request) or
//! output (response) message type, and `prost-reflect` decodes it to canonical proto-JSON
//! with the `.proto` field names, defaults included, enums by name. Unknown methods and
//! messages that fail to decode fall back to schema-less decoding.

use base64::Engine as _;
use mizu_dissect::kit;
use serde_json::{Map, Value};

/// Deepest nesting decoded; deeper length-delimited fields stay bytes.
pub const MAX_DEPTH: usize = 32;

/// Fields decoded per message before the rest is left undecoded.
pub const MAX_FIELDS: usize = 4096;

/// The key holding the base64 of what [`decode_raw`] could not parse.
pub const UNDECODED: &str = "_undecoded";

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Reads a varint at `*pos` (at most 10 bytes).
fn varint(b: &[u8], pos: &mut usize) -> Option<u64> {
    let mut r = le_at(b, *pos);
    let v = r.uleb128(10).ok()?;
    *pos = r.pos();
    Some(v)
}

/// The kit's little-endian reader at `pos` (protobuf's fixed-width fields).
fn le_at(b: &[u8], pos: usize) -> kit::Reader<'_> {
    kit::Reader::at(b, pos, kit::Endian::Little)
}

/// One parsed field.
enum Raw<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

/// Parses every field of `b`; `Err(at)` gives the offset where parsing failed, with the
/// fields parsed before it.
fn fields(b: &[u8]) -> (Vec<(u64, Raw<'_>)>, Option<usize>) {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        if out.len() >= MAX_FIELDS {
            return (out, Some(pos));
        }
        let start = pos;
        let Some(key) = varint(b, &mut pos) else {
            return (out, Some(start));
        };
        let num = key >> 3;
        if num == 0 || num > (1 << 29) - 1 {
            return (out, Some(start));
        }
        let raw = match key & 7 {
            0 => match varint(b, &mut pos) {
                Some(v) => Raw::Varint(v),
                None => return (out, Some(start)),
            },
            1 => match le_at(b, pos).u64() {
                Ok(v) => {
                    pos += 8;
                    Raw::Fixed64(v)
                }
                Err(_) => return (out, Some(start)),
            },
            2 => {
                let Some(len) = varint(b, &mut pos) else {
                    return (out, Some(start));
                };
                let Some(end) = usize::try_from(len).ok().and_then(|l| pos.checked_add(l)) else {
                    return (out, Some(start));
                };
                match b.get(pos..end) {
                    Some(s) => {
                        pos = end;
                        Raw::Bytes(s)
                    }
                    None => return (out, Some(start)),
                }
            }
            5 => match le_at(b, pos).u32() {
                Ok(v) => {
                    pos += 4;
                    Raw::Fixed32(v)
                }
                Err(_) => return (out, Some(start)),
            },
            _ => return (out, Some(start)),
        };
        out.push((num, raw));
    }
    (out, None)
}

fn varint_value(v: u64) -> Value {
    if v >= 1 << 63 {
        Value::from(v as i64)
    } else {
        Value::from(v)
    }
}

fn ordinary(x: f64) -> bool {
    x == 0.0 || (x.is_finite() && (1e-9..1e15).contains(&x.abs()))
}

fn fixed64_value(v: u64) -> Value {
    let d = f64::from_bits(v);
    if v != 0 && ordinary(d) {
        serde_json::Number::from_f64(d).map_or(Value::from(v), Value::Number)
    } else {
        Value::from(v)
    }
}

fn fixed32_value(v: u32) -> Value {
    let f = f32::from_bits(v);
    if v != 0 && ordinary(f64::from(f)) {
        serde_json::Number::from_f64(f64::from(f)).map_or(Value::from(v), Value::Number)
    } else {
        Value::from(v)
    }
}

fn is_text(b: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(b).ok()?;
    s.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .then_some(s)
        .filter(|s| !s.starts_with('\n') || s.len() < 2 || !looks_like_message(b))
}

fn looks_like_message(b: &[u8]) -> bool {
    let (f, rest) = fields(b);
    rest.is_none() && !f.is_empty()
}

fn packed_varints(b: &[u8]) -> Option<Vec<Value>> {
    let mut pos = 0;
    let mut out = Vec::new();
    while pos < b.len() {
        out.push(varint_value(varint(b, &mut pos)?));
        if out.len() > MAX_FIELDS {
            return None;
        }
    }
    Some(out)
}

fn bytes_value(b: &[u8], depth: usize) -> Value {
    if b.is_empty() {
        return Value::String(String::new());
    }
    if let Some(s) = is_text(b) {
        return Value::String(s.to_owned());
    }
    if depth < MAX_DEPTH {
        let (f, rest) = fields(b);
        if rest.is_none() && !f.is_empty() {
            return object(f, None, b, depth + 1);
        }
    }
    if let Some(v) = packed_varints(b)
        && v.len() > 1
    {
        return Value::Array(v);
    }
    Value::String(format!("base64:{}", b64(b)))
}

fn object(f: Vec<(u64, Raw<'_>)>, rest: Option<usize>, b: &[u8], depth: usize) -> Value {
    // Group by field number in first-seen order: a repeated field becomes an array.
    let mut groups: Vec<(u64, Vec<Value>)> = Vec::new();
    for (num, raw) in f {
        let v = match raw {
            Raw::Varint(v) => varint_value(v),
            Raw::Fixed64(v) => fixed64_value(v),
            Raw::Fixed32(v) => fixed32_value(v),
            Raw::Bytes(s) => bytes_value(s, depth),
        };
        match groups.iter_mut().find(|(n, _)| *n == num) {
            Some((_, vals)) => vals.push(v),
            None => groups.push((num, vec![v])),
        }
    }
    let mut m = Map::new();
    for (num, mut vals) in groups {
        let v = if vals.len() == 1 {
            vals.pop().unwrap_or(Value::Null)
        } else {
            Value::Array(vals)
        };
        m.insert(num.to_string(), v);
    }
    if let Some(at) = rest {
        m.insert(
            UNDECODED.to_owned(),
            Value::String(b64(b.get(at..).unwrap_or(&[]))),
        );
    }
    Value::Object(m)
}

/// Decodes a protobuf message without a schema (see the module docs).
pub fn decode_raw(b: &[u8]) -> Value {
    let (f, rest) = fields(b);
    object(f, rest, b, 0)
}

/// Compiled `.proto` files: message types for gRPC methods.
#[derive(Clone, Debug)]
pub struct Schema {
    pool: prost_reflect::DescriptorPool,
}

impl Schema {
    /// Compiles `files` with `protox` (tests only: this reads files, and this crate does no
    /// I/O; `mizu read --proto` compiles in the CLI and hands over [`Schema::from_pool`]).
    #[cfg(test)]
    pub(crate) fn compile(
        includes: &[std::path::PathBuf],
        files: &[std::path::PathBuf],
    ) -> Result<Schema, String> {
        let mut c = protox::Compiler::new(includes).map_err(|e| e.to_string())?;
        c.include_imports(true);
        c.open_files(files).map_err(|e| format!("{e}"))?;
        Ok(Schema {
            pool: c.descriptor_pool(),
        })
    }

    /// A schema over already compiled descriptors (the CLI compiles `.proto` files with
    /// `protox` and hands the pool over).
    pub fn from_pool(pool: prost_reflect::DescriptorPool) -> Schema {
        Schema { pool }
    }

    /// Builds a schema from an encoded `FileDescriptorSet`.
    pub fn from_descriptor_set(bytes: &[u8]) -> Result<Schema, String> {
        prost_reflect::DescriptorPool::decode(bytes)
            .map(|pool| Schema { pool })
            .map_err(|e| e.to_string())
    }

    /// Number of services known.
    pub fn services(&self) -> usize {
        self.pool.services().len()
    }

    /// The message type of `/pkg.Service/Method`'s input (`request`) or output.
    pub fn message_for(
        &self,
        service: &str,
        method: &str,
        request: bool,
    ) -> Option<prost_reflect::MessageDescriptor> {
        let svc = self.pool.get_service_by_name(service)?;
        let m = svc.methods().find(|m| m.name() == method)?;
        Some(if request { m.input() } else { m.output() })
    }

    /// Decodes `bytes` as `desc` into proto-JSON with `.proto` field names.
    pub fn decode(
        &self,
        desc: &prost_reflect::MessageDescriptor,
        bytes: &[u8],
    ) -> Result<Value, String> {
        let msg = prost_reflect::DynamicMessage::decode(desc.clone(), bytes)
            .map_err(|e| e.to_string())?;
        let opts = prost_reflect::SerializeOptions::new()
            .use_proto_field_name(true)
            .skip_default_fields(false);
        msg.serialize_with_options(serde_json::value::Serializer, &opts)
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalar_string_nested_repeated_packed() {
        // 1: 150, 2: "testing", 3: {1: 1}, 4: [1, 2] (repeat), 5: packed [3, 270, 86942]
        let mut b = vec![0x08, 0x96, 0x01, 0x12, 0x07];
        b.extend_from_slice(b"testing");
        b.extend_from_slice(&[0x1a, 0x02, 0x08, 0x01]);
        b.extend_from_slice(&[0x20, 0x01, 0x20, 0x02]);
        b.extend_from_slice(&[0x2a, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]);
        assert_eq!(
            decode_raw(&b),
            json!({"1": 150, "2": "testing", "3": {"1": 1}, "4": [1, 2], "5": [3, 270, 86942]})
        );
    }

    #[test]
    fn fixed_and_negative_and_repeated_messages() {
        let mut b = vec![0x09];
        b.extend_from_slice(&1.5f64.to_le_bytes());
        b.push(0x15);
        b.extend_from_slice(&2.25f32.to_le_bytes());
        b.push(0x18);
        b.extend_from_slice(&[0xff; 9]);
        b.push(0x01); // -1 as int64
        b.extend_from_slice(&[0x22, 0x02, 0x08, 0x01, 0x22, 0x02, 0x08, 0x02]);
        assert_eq!(
            decode_raw(&b),
            json!({"1": 1.5, "2": 2.25, "3": -1, "4": [{"1": 1}, {"1": 2}]})
        );
    }

    #[test]
    fn repeated_packed_fields_stay_nested() {
        // field 1 twice, each a packed run: [[1,2],[3,4]]
        let b = [0x0a, 0x02, 0x01, 0x02, 0x0a, 0x02, 0x03, 0x04];
        // Two-byte runs of small varints are not text (control chars): packed arrays.
        assert_eq!(decode_raw(&b), json!({"1": [[1, 2], [3, 4]]}));
    }

    #[test]
    fn malformed_keeps_what_parsed() {
        let b = [0x08, 0x01, 0x12, 0x09, b'x'];
        let v = decode_raw(&b);
        assert_eq!(v["1"], 1);
        assert!(v["_undecoded"].is_string());
        for junk in [&[0xffu8; 12][..], &[0x0b, 0x0c], &[0x00], &[]] {
            let _ = decode_raw(junk);
        }
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut b: Vec<u8> = vec![0x08, 0x01];
        for _ in 0..200 {
            let mut outer = vec![0x0a];
            let mut len = b.len();
            loop {
                let byte = (len & 0x7f) as u8;
                len >>= 7;
                if len == 0 {
                    outer.push(byte);
                    break;
                }
                outer.push(byte | 0x80);
            }
            outer.extend_from_slice(&b);
            b = outer;
        }
        let v = decode_raw(&b);
        assert!(v.is_object());
    }

    #[test]
    fn schema_decodes_with_field_names() {
        let dir = std::env::temp_dir().join(format!("mizu-proto-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let proto = dir.join("greet.proto");
        std::fs::write(
            &proto,
            "syntax = \"proto3\"; package greet;\n\
             message HelloRequest { string name = 1; int32 times = 2; }\n\
             message HelloReply { string message = 1; }\n\
             service Greeter { rpc SayHello (HelloRequest) returns (HelloReply); }\n",
        )
        .expect("write proto");
        let s = Schema::compile(std::slice::from_ref(&dir), &[proto]).expect("compile");
        assert_eq!(s.services(), 1);
        let d = s
            .message_for("greet.Greeter", "SayHello", true)
            .expect("input");
        let mut b = vec![0x0a, 0x03];
        b.extend_from_slice(b"bob");
        b.extend_from_slice(&[0x10, 0x02]);
        assert_eq!(
            s.decode(&d, &b).expect("decode"),
            json!({"name": "bob", "times": 2})
        );
        assert!(s.message_for("greet.Greeter", "Nope", true).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
