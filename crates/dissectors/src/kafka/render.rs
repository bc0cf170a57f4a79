//! Kafka messages decoded by `kafka-protocol`, written as JSON from their typed fields.
//!
//! `kafka-protocol` has no `serde`, so the struct impls of [`KafkaJson`] are generated from
//! its sources into [`super::render_gen`] (by a test in `render/tests.rs`, which also fails
//! when the committed file no longer matches the crate version in `Cargo.lock`). Each struct
//! is an object with every field under its Kafka camelCase name (`transactional_id` →
//! `transactionalId`), keys sorted, empty `unknownTaggedFields` left out. This file holds the
//! hand-written leaves:
//!
//! - integers are numbers, `bool` booleans, `f64` numbers (`NaN`, `inf`, `-inf` as strings);
//! - strings (`StrBytes`) strings, `Bytes` text when they are UTF-8, else base64;
//! - UUIDs hyphenated lowercase strings; the id newtypes (`BrokerId`, `TopicName`, …) their
//!   inner value; `Option` the value or `null`, `Vec` arrays;
//! - non-empty unknown tagged fields an object from tag (as text, keys sorted as text) to
//!   the bytes as above.

use base64::Engine as _;
use bytes::Bytes;
use kafka_protocol::messages::{BrokerId, GroupId, ProducerId, TopicName, TransactionalId};
use kafka_protocol::protocol::StrBytes;
use mizu_model::JsonBuf;
use std::collections::BTreeMap;

/// A value written as JSON.
pub(crate) trait KafkaJson {
    fn write_json(&self, o: &mut JsonBuf);
}

macro_rules! ints {
    ($($t:ty),*) => {
        $(impl KafkaJson for $t {
            #[inline]
            fn write_json(&self, o: &mut JsonBuf) {
                o.i64(i64::from(*self));
            }
        })*
    };
}
ints!(i8, i16, i32, i64, u8, u16, u32);

impl KafkaJson for u64 {
    #[inline]
    fn write_json(&self, o: &mut JsonBuf) {
        o.u64(*self);
    }
}

impl KafkaJson for bool {
    #[inline]
    fn write_json(&self, o: &mut JsonBuf) {
        o.bool(*self);
    }
}

impl KafkaJson for f64 {
    fn write_json(&self, o: &mut JsonBuf) {
        if self.is_finite() {
            o.f64(*self);
        } else {
            // `NaN`, `inf`, `-inf`: JSON has no such numbers.
            o.str(&format!("{self:?}"));
        }
    }
}

impl KafkaJson for StrBytes {
    #[inline]
    fn write_json(&self, o: &mut JsonBuf) {
        o.str(self);
    }
}

impl KafkaJson for Bytes {
    fn write_json(&self, o: &mut JsonBuf) {
        bytes_json(self, o);
    }
}

/// Bytes as text when they are UTF-8, else as standard base64.
fn bytes_json(b: &[u8], o: &mut JsonBuf) {
    match std::str::from_utf8(b) {
        Ok(s) => o.str(s),
        Err(_) => o.str(&base64::engine::general_purpose::STANDARD.encode(b)),
    }
}

impl KafkaJson for uuid::Uuid {
    #[inline]
    fn write_json(&self, o: &mut JsonBuf) {
        super::sink::uuid(o, self.as_bytes());
    }
}

macro_rules! newtypes {
    ($($t:ty),*) => {
        $(impl KafkaJson for $t {
            #[inline]
            fn write_json(&self, o: &mut JsonBuf) {
                self.0.write_json(o);
            }
        })*
    };
}
newtypes!(BrokerId, GroupId, ProducerId, TopicName, TransactionalId);

impl<T: KafkaJson> KafkaJson for Option<T> {
    #[inline]
    fn write_json(&self, o: &mut JsonBuf) {
        match self {
            Some(v) => v.write_json(o),
            None => o.null(),
        }
    }
}

impl<T: KafkaJson> KafkaJson for Vec<T> {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_array();
        for v in self {
            v.write_json(o);
        }
        o.end_array();
    }
}

/// `unknownTaggedFields: {tag: bytes}` when there are any (generated code calls this at
/// the key's sorted place).
pub(crate) fn tagged_fields(fields: &BTreeMap<i32, Bytes>, o: &mut JsonBuf) {
    if fields.is_empty() {
        return;
    }
    // Keys sort as text ("10" before "2"), as every object's keys do.
    let mut tags: Vec<(String, &Bytes)> = fields.iter().map(|(k, v)| (k.to_string(), v)).collect();
    tags.sort_by(|a, b| a.0.cmp(&b.0));
    o.key("unknownTaggedFields");
    o.begin_object();
    for (k, v) in &tags {
        o.key(k);
        bytes_json(v, o);
    }
    o.end_object();
}

#[cfg(test)]
mod tests;
