//! Pre-rendered JSON: [`RawJson`] holds a compact JSON value as text, and [`JsonBuf`]
//! writes one without building a `serde_json::Value` tree first.
//!
//! Dissectors of high-rate protocols (Redis, AMQP, Kafka) render their `request` and
//! `response` objects straight into a [`JsonBuf`]: a `Value` costs one allocation per
//! key, per string and per map node, and a second pass to serialise, which was most of
//! the time spent per message. The text is written once and copied into the output as
//! it is ([`crate::json::write_json`] and `serde_json`'s serialisers both splice it).
//!
//! Conventions that keep output identical to the `Value` it replaces: object keys are
//! written in sorted (byte) order, as a `serde_json::Map` would hold them ([`JsonBuf`]
//! checks this in debug builds for keys written one by one, and
//! [`JsonBuf::sorted_object`] sorts dynamic keys), strings are escaped exactly as
//! `serde_json` escapes them, and numbers use `serde_json`'s formatter.

use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json::ser::{CompactFormatter, Formatter};

/// The struct name `serde_json` (feature `raw_value`) treats as "splice this string as
/// JSON text". [`crate::json::write_json`] honours it too.
pub(crate) const RAW_TOKEN: &str = "$serde_json::private::RawValue";

/// A compact JSON value kept as text (normally an object). Made by [`JsonBuf::finish`];
/// the text is trusted to be valid JSON, which `JsonBuf` guarantees for what it writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawJson(Box<str>);

impl RawJson {
    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses the text (for tests and for code that wants a tree, e.g. summaries).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).unwrap_or(serde_json::Value::Null)
    }

    /// Renders a `Value` (compact, keys in the map's order).
    pub fn from_value(v: &serde_json::Value) -> RawJson {
        let mut b = JsonBuf::new();
        b.value(v);
        b.finish()
    }
}

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct(RAW_TOKEN, 1)?;
        st.serialize_field(RAW_TOKEN, &*self.0)?;
        st.end()
    }
}

/// Writes compact JSON text. Commas are placed automatically: call [`JsonBuf::key`]
/// before each member of an object, and value methods for values and array elements.
///
/// ```
/// use mizu_model::JsonBuf;
/// let mut b = JsonBuf::new();
/// b.begin_object();
/// b.key("args");
/// b.begin_array();
/// b.str("k");
/// b.u64(1);
/// b.end_array();
/// b.key("command");
/// b.str("GET");
/// b.end_object();
/// assert_eq!(b.finish().as_str(), r#"{"args":["k",1],"command":"GET"}"#);
/// ```
#[derive(Debug, Default)]
pub struct JsonBuf {
    out: Vec<u8>,
    /// A value was completed at this level: the next key or element needs a comma.
    comma: bool,
    /// Debug builds: the last key written at each open object level, to check order.
    #[cfg(debug_assertions)]
    keys: Vec<Option<String>>,
}

impl JsonBuf {
    pub fn new() -> JsonBuf {
        JsonBuf::default()
    }

    pub fn with_capacity(n: usize) -> JsonBuf {
        JsonBuf {
            out: Vec::with_capacity(n),
            ..JsonBuf::default()
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.out.len()
    }

    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    #[inline]
    fn sep(&mut self) {
        if self.comma {
            self.out.push(b',');
        }
    }

    #[inline]
    pub fn begin_object(&mut self) {
        self.sep();
        self.out.push(b'{');
        self.comma = false;
        #[cfg(debug_assertions)]
        self.keys.push(None);
    }

    #[inline]
    pub fn end_object(&mut self) {
        self.out.push(b'}');
        self.comma = true;
        #[cfg(debug_assertions)]
        self.keys.pop();
    }

    #[inline]
    pub fn begin_array(&mut self) {
        self.sep();
        self.out.push(b'[');
        self.comma = false;
    }

    #[inline]
    pub fn end_array(&mut self) {
        self.out.push(b']');
        self.comma = true;
    }

    /// An object member's key (escaped as needed). Keys of one object must come in
    /// sorted order (see the module docs).
    #[inline]
    pub fn key(&mut self, k: &str) {
        #[cfg(debug_assertions)]
        self.check_key(k);
        self.sep();
        write_str(&mut self.out, k);
        self.out.push(b':');
        self.comma = false;
    }

    /// Debug builds: keys of one object must come sorted and unique.
    #[cfg(debug_assertions)]
    fn check_key(&mut self, k: &str) {
        if let Some(last) = self.keys.last_mut() {
            debug_assert!(
                last.as_deref().is_none_or(|l| l < k),
                "JsonBuf: key {k:?} written after {last:?}: keys must be sorted and unique"
            );
            *last = Some(k.to_owned());
        }
    }

    /// A constant key made by [`crate::jkey!`]: its quotes and colon were added at compile
    /// time, so writing it is one fixed-size copy (hot paths write millions of these).
    #[inline]
    pub fn k(&mut self, k: Key) {
        #[cfg(debug_assertions)]
        {
            debug_assert!(
                !crate::json::needs_escape(k.name.as_bytes()),
                "JsonBuf::k: {:?} needs escaping",
                k.name
            );
            self.check_key(k.name);
        }
        self.sep();
        self.out.extend_from_slice(k.text.as_bytes());
        self.comma = false;
    }

    #[inline]
    pub fn str(&mut self, s: &str) {
        self.sep();
        write_str(&mut self.out, s);
        self.comma = true;
    }

    /// Bytes as a string, invalid UTF-8 replaced by U+FFFD (as `String::from_utf8_lossy`).
    pub fn str_lossy(&mut self, b: &[u8]) {
        match std::str::from_utf8(b) {
            Ok(s) => self.str(s),
            Err(_) => self.str(&String::from_utf8_lossy(b)),
        }
    }

    #[inline]
    pub fn u64(&mut self, v: u64) {
        self.sep();
        crate::json::push_u64(&mut self.out, v);
        self.comma = true;
    }

    #[inline]
    pub fn i64(&mut self, v: i64) {
        self.sep();
        crate::json::push_i64(&mut self.out, v);
        self.comma = true;
    }

    /// A float as `serde_json` writes it (`null` when not finite).
    pub fn f64(&mut self, v: f64) {
        self.sep();
        if v.is_finite() {
            let _ = CompactFormatter.write_f64(&mut self.out, v);
        } else {
            self.out.extend_from_slice(b"null");
        }
        self.comma = true;
    }

    #[inline]
    pub fn bool(&mut self, v: bool) {
        self.sep();
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        self.comma = true;
    }

    #[inline]
    pub fn null(&mut self) {
        self.sep();
        self.out.extend_from_slice(b"null");
        self.comma = true;
    }

    /// A `serde_json::Value`, compact (for parts still built as trees).
    pub fn value(&mut self, v: &serde_json::Value) {
        self.sep();
        let _ = crate::json::write_json(&mut self.out, v);
        self.comma = true;
    }

    /// A value already rendered as JSON text (by another `JsonBuf`).
    pub fn raw(&mut self, r: &RawJson) {
        self.sep();
        self.out.extend_from_slice(r.0.as_bytes());
        self.comma = true;
    }

    /// An object whose keys are only known at run time: members are sorted by key (byte
    /// order) and, for a repeated key, the last value wins, as in a `serde_json::Map`.
    pub fn sorted_object(&mut self, mut members: Vec<(String, RawJson)>) {
        // Stable sort keeps insertion order among equal keys; keep the last of each run.
        members.sort_by(|a, b| a.0.cmp(&b.0));
        self.sep();
        self.out.push(b'{');
        let mut first = true;
        let n = members.len();
        for i in 0..n {
            if i + 1 < n && members[i + 1].0 == members[i].0 {
                continue;
            }
            if !first {
                self.out.push(b',');
            }
            first = false;
            write_str(&mut self.out, &members[i].0);
            self.out.push(b':');
            self.out.extend_from_slice(members[i].1.0.as_bytes());
        }
        self.out.push(b'}');
        self.comma = true;
    }

    /// The text written. Unbalanced begin/end calls are a bug (checked in debug builds).
    pub fn finish(self) -> RawJson {
        #[cfg(debug_assertions)]
        debug_assert!(self.keys.is_empty(), "JsonBuf: unclosed object");
        // Only `str`/`key` (valid UTF-8, escaped), ASCII punctuation and numbers are
        // ever written, so this cannot fail; stay total anyway.
        let s = String::from_utf8(self.out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        RawJson(s.into_boxed_str())
    }
}

/// A constant object key and its JSON text (`"name":`); see [`crate::jkey!`].
#[derive(Clone, Copy, Debug)]
pub struct Key {
    pub name: &'static str,
    pub text: &'static str,
}

/// `jkey!("offset")`: a [`Key`] for [`JsonBuf::k`], its text built at compile time. The
/// name must be a plain literal that needs no escaping (checked in debug builds).
#[macro_export]
macro_rules! jkey {
    ($k:literal) => {
        $crate::Key {
            name: $k,
            text: concat!("\"", $k, "\":"),
        }
    };
}

#[inline]
fn write_str(out: &mut Vec<u8>, s: &str) {
    crate::json::write_str_into(out, s);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builds_what_serde_json_would_print() {
        let mut b = JsonBuf::new();
        b.begin_object();
        b.key("a");
        b.begin_array();
        b.str("x\"y\n");
        b.i64(-3);
        b.f64(1.5);
        b.f64(f64::NAN);
        b.bool(true);
        b.null();
        b.begin_object();
        b.end_object();
        b.begin_array();
        b.end_array();
        b.end_array();
        b.key("b");
        b.u64(u64::MAX);
        b.key("c");
        b.value(&json!({"z": 1, "y": [2]}));
        b.key("d");
        b.str_lossy(b"ok\xff");
        b.end_object();
        let r = b.finish();
        let want = json!({"a": ["x\"y\n", -3, 1.5, null, true, null, {}, []], "b": u64::MAX,
                          "c": {"y": [2], "z": 1}, "d": "ok\u{fffd}"});
        assert_eq!(r.as_str(), serde_json::to_string(&want).expect("json"));
        assert_eq!(r.to_value(), want);
    }

    #[test]
    fn sorted_object_sorts_and_keeps_the_last_duplicate() {
        let one = |v: serde_json::Value| RawJson::from_value(&v);
        let mut b = JsonBuf::new();
        b.begin_array();
        b.sorted_object(vec![
            ("b".into(), one(json!(1))),
            ("a".into(), one(json!("x"))),
            ("b".into(), one(json!(2))),
            ("B".into(), one(json!([]))),
        ]);
        b.sorted_object(Vec::new());
        b.end_array();
        let mut m = serde_json::Map::new();
        m.insert("b".into(), json!(1));
        m.insert("a".into(), json!("x"));
        m.insert("b".into(), json!(2));
        m.insert("B".into(), json!([]));
        let want = json!([serde_json::Value::Object(m), {}]);
        assert_eq!(
            b.finish().as_str(),
            serde_json::to_string(&want).expect("json")
        );
    }

    #[test]
    fn spliced_by_both_serialisers_and_into_values() {
        let r = RawJson::from_value(&json!({"k": [1, "two"], "n": null}));
        let v = json!({"before": 0});
        #[derive(serde::Serialize)]
        struct Wrap<'a> {
            a: u8,
            raw: &'a RawJson,
            z: &'a serde_json::Value,
        }
        let w = Wrap {
            a: 1,
            raw: &r,
            z: &v,
        };
        let theirs = serde_json::to_string(&w).expect("serde_json");
        assert_eq!(
            theirs,
            r#"{"a":1,"raw":{"k":[1,"two"],"n":null},"z":{"before":0}}"#
        );
        let mut ours = Vec::new();
        crate::json::write_json(&mut ours, &w).expect("ours");
        assert_eq!(String::from_utf8_lossy(&ours), theirs);
        let tree = serde_json::to_value(&w).expect("to_value");
        assert_eq!(tree["raw"]["k"][1], "two");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "keys must be sorted")]
    fn unsorted_keys_are_caught_in_debug_builds() {
        let mut b = JsonBuf::new();
        b.begin_object();
        b.key("b");
        b.null();
        b.key("a");
        b.null();
    }

    #[test]
    fn constant_keys_write_what_key_writes() {
        let (mut a, mut b) = (JsonBuf::new(), JsonBuf::new());
        for o in [&mut a, &mut b] {
            o.begin_object();
        }
        a.key("baseOffset");
        b.k(crate::jkey!("baseOffset"));
        a.u64(1);
        b.u64(1);
        a.key("value");
        b.k(crate::jkey!("value"));
        a.str("x");
        b.str("x");
        for o in [&mut a, &mut b] {
            o.end_object();
        }
        assert_eq!(a.finish().as_str(), r#"{"baseOffset":1,"value":"x"}"#);
        assert_eq!(b.finish().as_str(), r#"{"baseOffset":1,"value":"x"}"#);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "keys must be sorted")]
    fn unsorted_constant_keys_are_caught_in_debug_builds() {
        let mut b = JsonBuf::new();
        b.begin_object();
        b.k(crate::jkey!("b"));
        b.null();
        b.k(crate::jkey!("a"));
    }
}
