//! Record batches (magic 2, Kafka ≥ 0.11) and legacy message sets (magic 0 and 1) as JSON:
//! offsets, timestamps, keys, values and headers, after undoing gzip, snappy (raw or the
//! Java client's xerial framing), lz4 (frame format) or zstd compression.
//!
//! Keys, values and header values are UTF-8 text when they are, else base64 with a
//! `keyEncoding`/`valueEncoding` of `base64`. All of them together keep at most the session's
//! body cap ([`Budget`]); decompressed output is capped the same way. A batch cut short (the
//! frame was capped, or the broker's fetch limit split it, which is normal in Fetch
//! responses) yields the records that were complete.

use super::wire::Reader;
use base64::Engine as _;
use serde_json::{Map, Value, json};
use std::io::Read;

/// Most records listed per frame; the rest are counted.
const MAX_RECORDS: usize = 10_000;

/// What a frame may still keep, shared by all its batches.
#[derive(Debug)]
pub(crate) struct Budget {
    /// Key, value and header bytes still to keep.
    pub bytes: usize,
    /// Records still to list.
    pub records: usize,
    /// Something was cut.
    pub truncated: bool,
    pub diagnostics: Vec<String>,
}

impl Budget {
    pub(crate) fn new(max_body: usize) -> Budget {
        Budget {
            bytes: max_body,
            records: MAX_RECORDS,
            truncated: false,
            diagnostics: Vec::new(),
        }
    }

    fn note(&mut self, msg: String) {
        if self.diagnostics.len() < 8 && !self.diagnostics.contains(&msg) {
            self.diagnostics.push(msg);
        }
    }

    /// `bytes` as JSON text (or base64), cut to what the budget allows.
    fn blob(&mut self, obj: &mut Map<String, Value>, name: &str, bytes: Option<&[u8]>) {
        let Some(b) = bytes else {
            obj.insert(name.to_owned(), Value::Null);
            return;
        };
        let keep = b.len().min(self.bytes);
        if keep < b.len() {
            self.truncated = true;
        }
        self.bytes -= keep;
        let kept = b.get(..keep).unwrap_or(&[]);
        match std::str::from_utf8(kept) {
            Ok(s) => {
                obj.insert(name.to_owned(), Value::String(s.to_owned()));
            }
            Err(_) => {
                obj.insert(
                    name.to_owned(),
                    Value::String(base64::engine::general_purpose::STANDARD.encode(kept)),
                );
                obj.insert(format!("{name}Encoding"), Value::String("base64".into()));
            }
        }
    }
}

fn codec_name(c: u8) -> &'static str {
    match c {
        0 => "none",
        1 => "gzip",
        2 => "snappy",
        3 => "lz4",
        4 => "zstd",
        _ => "unknown",
    }
}

/// Decodes a `RECORDS` field: a sequence of batches or legacy messages.
pub(crate) fn decode(data: &[u8], budget: &mut Budget) -> Value {
    let mut batches = Vec::new();
    let mut r = Reader::new(data);
    while r.remaining() >= 17 {
        let at = r.pos();
        // offset i64, length i32, then the magic byte at 16 in both formats (batches have
        // the leader epoch before it, messages their crc).
        let magic = data.get(at + 16).copied().unwrap_or(0xff);
        let item = match magic {
            2 => batch(&mut r, budget),
            0 | 1 => message_set(&mut r, budget, 0).map(Value::Array),
            m => {
                budget.note(format!("unknown record magic {m}"));
                None
            }
        };
        match item {
            Some(v) => batches.push(v),
            None => {
                if r.remaining() > 0 {
                    budget.truncated = true;
                }
                break;
            }
        }
    }
    if r.remaining() > 0 && r.remaining() < 17 {
        // A partial trailing batch (the broker's fetch size limit cuts batches).
        budget.truncated = true;
    }
    Value::Array(batches)
}

/// Decompresses `input` with Kafka codec `codec`, keeping at most `cap` bytes.
fn decompress(codec: u8, input: &[u8], cap: usize, budget: &mut Budget) -> Option<Vec<u8>> {
    let (out, cut) = match codec {
        1 | 4 => {
            let d = crate::content::decode_body(
                if codec == 1 { "gzip" } else { "zstd" },
                input.to_vec(),
                false,
                cap,
            );
            if d.compression.is_none() {
                budget.note(format!("corrupt {} record data", codec_name(codec)));
                return None;
            }
            (d.bytes, d.truncated)
        }
        2 => snappy(input, cap, budget)?,
        3 => match read_capped(lz4_flex::frame::FrameDecoder::new(input), cap) {
            Some(x) => x,
            None => {
                budget.note("corrupt lz4 record data".into());
                return None;
            }
        },
        c => {
            budget.note(format!("unknown compression codec {c}"));
            return None;
        }
    };
    if cut {
        budget.truncated = true;
        budget.note(format!(
            "decompressed records exceed the {cap} byte cap: cut"
        ));
    }
    Some(out)
}

fn read_capped<R: Read>(mut r: R, cap: usize) -> Option<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    let mut buf = [0u8; 16 << 10];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Some((out, false)),
            Ok(n) => {
                let got = buf.get(..n).unwrap_or(&[]);
                if crate::content::push_capped(&mut out, got, cap) {
                    return Some((out, true));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => {
                return if out.is_empty() {
                    None
                } else {
                    Some((out, true))
                };
            }
        }
    }
}

/// Raw snappy, or the xerial framing the Java client writes (`\x82SNAPPY\0`, two i32
/// versions, then length-prefixed raw blocks).
fn snappy(input: &[u8], cap: usize, budget: &mut Budget) -> Option<(Vec<u8>, bool)> {
    let mut dec = snap::raw::Decoder::new();
    let mut one = |block: &[u8], out: &mut Vec<u8>| -> Option<bool> {
        let len = snap::raw::decompress_len(block).ok()?;
        if out.len().saturating_add(len) > cap {
            return Some(true);
        }
        let v = dec.decompress_vec(block).ok()?;
        out.extend_from_slice(&v);
        Some(false)
    };
    let mut out = Vec::new();
    if let Some(rest) = input.strip_prefix(b"\x82SNAPPY\x00") {
        let mut r = Reader::new(rest.get(8..).unwrap_or(&[]));
        while r.remaining() > 0 {
            let n = r.u32()? as usize;
            let Some(block) = r.take(n) else {
                return Some((out, true));
            };
            match one(block, &mut out) {
                Some(false) => {}
                Some(true) => return Some((out, true)),
                None => {
                    budget.note("corrupt snappy record data".into());
                    return None;
                }
            }
        }
        return Some((out, false));
    }
    match one(input, &mut out) {
        Some(cut) => Some((out, cut)),
        None => {
            budget.note("corrupt snappy record data".into());
            None
        }
    }
}

/// One magic-2 record batch.
fn batch(r: &mut Reader<'_>, budget: &mut Budget) -> Option<Value> {
    let base_offset = r.i64()?;
    let len = usize::try_from(r.i32()?).ok()?;
    let Some(body) = r.take(len) else {
        // Cut batch (fetch limit or frame cap): skip what is left.
        let rest = r.remaining();
        r.take(rest);
        budget.truncated = true;
        return None;
    };
    let mut b = Reader::new(body);
    let leader_epoch = b.i32()?;
    let magic = b.i8()?;
    let _crc = b.u32()?;
    let attributes = b.i16()?;
    let last_offset_delta = b.i32()?;
    let base_ts = b.i64()?;
    let max_ts = b.i64()?;
    let producer_id = b.i64()?;
    let producer_epoch = b.i16()?;
    let base_sequence = b.i32()?;
    let count = b.i32()?;
    let codec = (attributes & 7) as u8;
    let mut obj = Map::new();
    obj.insert("baseOffset".into(), json!(base_offset));
    obj.insert("partitionLeaderEpoch".into(), json!(leader_epoch));
    obj.insert("magic".into(), json!(magic));
    obj.insert("compression".into(), json!(codec_name(codec)));
    obj.insert(
        "timestampType".into(),
        json!(if attributes & 8 != 0 {
            "LogAppendTime"
        } else {
            "CreateTime"
        }),
    );
    obj.insert("isTransactional".into(), json!(attributes & 16 != 0));
    obj.insert("isControlBatch".into(), json!(attributes & 32 != 0));
    obj.insert("lastOffsetDelta".into(), json!(last_offset_delta));
    obj.insert("baseTimestamp".into(), json!(base_ts));
    obj.insert("maxTimestamp".into(), json!(max_ts));
    obj.insert("producerId".into(), json!(producer_id));
    obj.insert("producerEpoch".into(), json!(producer_epoch));
    obj.insert("baseSequence".into(), json!(base_sequence));
    obj.insert("recordCount".into(), json!(count));
    let payload = b.rest();
    let decompressed;
    let data: &[u8] = if codec == 0 {
        payload
    } else {
        match decompress(codec, payload, budget.bytes.max(64 << 10), budget) {
            Some(d) => {
                decompressed = d;
                &decompressed
            }
            None => {
                obj.insert("records".into(), json!([]));
                return Some(Value::Object(obj));
            }
        }
    };
    let mut rr = Reader::new(data);
    let mut records = Vec::new();
    for _ in 0..count.max(0) {
        if rr.remaining() == 0 {
            break;
        }
        if budget.records == 0 {
            budget.truncated = true;
            budget.note(format!(
                "more than {MAX_RECORDS} records: the rest not listed"
            ));
            break;
        }
        match record(&mut rr, base_offset, base_ts, budget) {
            Some(v) => {
                budget.records -= 1;
                records.push(v);
            }
            None => {
                budget.truncated = true;
                break;
            }
        }
    }
    obj.insert("records".into(), Value::Array(records));
    Some(Value::Object(obj))
}

fn record(
    r: &mut Reader<'_>,
    base_offset: i64,
    base_ts: i64,
    budget: &mut Budget,
) -> Option<Value> {
    let len = usize::try_from(r.varlong()?).ok()?;
    let mut x = Reader::new(r.take(len)?);
    let _attributes = x.i8()?;
    let ts_delta = x.varlong()?;
    let offset_delta = x.varlong()?;
    let mut obj = Map::new();
    obj.insert(
        "offset".into(),
        json!(base_offset.wrapping_add(offset_delta)),
    );
    obj.insert("timestamp".into(), json!(base_ts.wrapping_add(ts_delta)));
    let key = varbytes(&mut x)?;
    budget.blob(&mut obj, "key", key);
    let value = varbytes(&mut x)?;
    budget.blob(&mut obj, "value", value);
    let n = usize::try_from(x.varlong()?).ok()?;
    if n > x.remaining() {
        return None;
    }
    let mut headers = Vec::with_capacity(n);
    for _ in 0..n {
        let k = varbytes(&mut x)?;
        let v = varbytes(&mut x)?;
        let mut h = Map::new();
        h.insert(
            "key".into(),
            json!(k.map(|k| String::from_utf8_lossy(k).into_owned())),
        );
        budget.blob(&mut h, "value", v);
        headers.push(Value::Object(h));
    }
    obj.insert("headers".into(), Value::Array(headers));
    Some(Value::Object(obj))
}

fn varbytes<'a>(r: &mut Reader<'a>) -> Option<Option<&'a [u8]>> {
    let n = r.varlong()?;
    if n < 0 {
        return Some(None);
    }
    Some(Some(r.take(usize::try_from(n).ok()?)?))
}

/// Legacy messages (magic 0/1) up to the end of `r`; a compressed wrapper message's value is
/// an inner message set (one level deep).
fn message_set(r: &mut Reader<'_>, budget: &mut Budget, depth: u8) -> Option<Vec<Value>> {
    let mut out = Vec::new();
    while r.remaining() >= 12 {
        let offset = r.i64()?;
        let size = usize::try_from(r.i32()?).ok()?;
        let Some(msg) = r.take(size) else {
            let rest = r.remaining();
            r.take(rest);
            budget.truncated = true;
            break;
        };
        let mut m = Reader::new(msg);
        let _crc = m.u32()?;
        let magic = m.i8()?;
        let attributes = m.i8()?;
        let ts = if magic >= 1 { Some(m.i64()?) } else { None };
        let key = m.bytes(false)?;
        let value = m.bytes(false)?;
        let codec = (attributes & 7) as u8;
        if codec != 0 && depth == 0 {
            if let Some(v) = value
                && let Some(inner) = decompress(codec, v, budget.bytes.max(64 << 10), budget)
            {
                let mut ir = Reader::new(&inner);
                let mut inner_msgs = message_set(&mut ir, budget, 1).unwrap_or_default();
                for im in &mut inner_msgs {
                    if let Some(o) = im.as_object_mut() {
                        o.insert("compression".into(), json!(codec_name(codec)));
                        // Magic 1 inner offsets are relative; the wrapper has the last one.
                        o.insert("wrapperOffset".into(), json!(offset));
                    }
                }
                out.extend(inner_msgs);
            }
            continue;
        }
        if budget.records == 0 {
            budget.truncated = true;
            break;
        }
        budget.records -= 1;
        let mut obj = Map::new();
        obj.insert("offset".into(), json!(offset));
        obj.insert("magic".into(), json!(magic));
        if let Some(ts) = ts {
            obj.insert("timestamp".into(), json!(ts));
        }
        budget.blob(&mut obj, "key", key);
        budget.blob(&mut obj, "value", value);
        out.push(Value::Object(obj));
    }
    Some(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn zigzag(v: i64, out: &mut Vec<u8>) {
        let mut z = ((v << 1) ^ (v >> 63)) as u64;
        loop {
            let b = (z & 0x7f) as u8;
            z >>= 7;
            if z == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    /// One record: key, value, headers.
    pub(crate) type Rec<'a> = (Option<&'a [u8]>, &'a [u8], &'a [(&'a str, &'a [u8])]);

    /// A magic-2 batch with `records` compressed by `codec`.
    pub(crate) fn make_batch(base_offset: i64, codec: u8, records: &[Rec<'_>]) -> Vec<u8> {
        let mut recs = Vec::new();
        for (i, (k, v, hs)) in records.iter().enumerate() {
            let mut r = vec![0u8];
            zigzag(i as i64 * 3, &mut r);
            zigzag(i as i64, &mut r);
            match k {
                Some(k) => {
                    zigzag(k.len() as i64, &mut r);
                    r.extend_from_slice(k);
                }
                None => zigzag(-1, &mut r),
            }
            zigzag(v.len() as i64, &mut r);
            r.extend_from_slice(v);
            zigzag(hs.len() as i64, &mut r);
            for (hk, hv) in *hs {
                zigzag(hk.len() as i64, &mut r);
                r.extend_from_slice(hk.as_bytes());
                zigzag(hv.len() as i64, &mut r);
                r.extend_from_slice(hv);
            }
            zigzag(r.len() as i64, &mut recs);
            recs.extend_from_slice(&r);
        }
        let payload = match codec {
            1 => {
                use std::io::Write;
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                let _ = e.write_all(&recs);
                e.finish().unwrap_or_default()
            }
            2 => snap::raw::Encoder::new()
                .compress_vec(&recs)
                .unwrap_or_default(),
            3 => {
                use std::io::Write;
                let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
                let _ = e.write_all(&recs);
                e.finish().unwrap_or_default()
            }
            4 => ruzstd::encoding::compress_to_vec(
                &recs[..],
                ruzstd::encoding::CompressionLevel::Fastest,
            ),
            _ => recs,
        };
        let mut body = Vec::new();
        body.extend_from_slice(&0i32.to_be_bytes()); // leader epoch
        body.push(2);
        body.extend_from_slice(&0u32.to_be_bytes()); // crc (not checked)
        body.extend_from_slice(&i16::from(codec).to_be_bytes());
        body.extend_from_slice(&(records.len() as i32 - 1).to_be_bytes());
        body.extend_from_slice(&1_700_000_000_000i64.to_be_bytes());
        body.extend_from_slice(&1_700_000_000_009i64.to_be_bytes());
        body.extend_from_slice(&(-1i64).to_be_bytes());
        body.extend_from_slice(&(-1i16).to_be_bytes());
        body.extend_from_slice(&(-1i32).to_be_bytes());
        body.extend_from_slice(&(records.len() as i32).to_be_bytes());
        body.extend_from_slice(&payload);
        let mut out = base_offset.to_be_bytes().to_vec();
        out.extend_from_slice(&(body.len() as i32).to_be_bytes());
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn every_codec_round_trips() {
        for codec in 0..=4u8 {
            let b = make_batch(
                7,
                codec,
                &[
                    (Some(b"k0"), b"{\"n\":0}", &[("trace", b"t0")]),
                    (None, &[0xff, 0x00], &[]),
                ],
            );
            let mut budget = Budget::new(1 << 20);
            let v = decode(&b, &mut budget);
            assert_eq!(v[0]["compression"], codec_name(codec), "{v}");
            let recs = &v[0]["records"];
            assert_eq!(recs[0]["key"], "k0", "codec {codec}: {v}");
            assert_eq!(recs[0]["value"], "{\"n\":0}");
            assert_eq!(recs[0]["headers"][0]["key"], "trace");
            assert_eq!(recs[0]["headers"][0]["value"], "t0");
            assert_eq!(recs[1]["key"], Value::Null);
            assert_eq!(recs[1]["value"], "/wA=");
            assert_eq!(recs[1]["valueEncoding"], "base64");
            assert_eq!(recs[1]["offset"], 8);
            assert!(!budget.truncated);
        }
    }

    #[test]
    fn xerial_snappy_and_caps() {
        let raw = snap::raw::Encoder::new()
            .compress_vec(b"hello")
            .unwrap_or_default();
        let mut x = b"\x82SNAPPY\x00".to_vec();
        x.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1]);
        x.extend_from_slice(&(raw.len() as u32).to_be_bytes());
        x.extend_from_slice(&raw);
        let mut budget = Budget::new(100);
        assert_eq!(
            snappy(&x, 100, &mut budget).map(|x| x.0),
            Some(b"hello".to_vec())
        );
        let big = vec![b'a'; 5000];
        let b = make_batch(0, 1, &[(None, &big, &[])]);
        let mut budget = Budget::new(1000);
        let v = decode(&b, &mut budget);
        assert!(budget.truncated);
        assert!(v[0]["records"][0]["value"].as_str().map_or(0, str::len) <= 1000);
        // A cut batch lists nothing and says so; garbage never panics.
        let mut budget = Budget::new(1000);
        let _ = decode(&b[..b.len() / 2], &mut budget);
        assert!(budget.truncated);
        for n in 0..b.len() {
            let mut budget = Budget::new(1000);
            let _ = decode(&b[..n], &mut budget);
        }
    }

    #[test]
    fn legacy_message_set() {
        let mut m = Vec::new();
        let mut msg = vec![0, 0, 0, 0, 1, 0];
        msg.extend_from_slice(&1_700_000_000_000i64.to_be_bytes());
        msg.extend_from_slice(&2i32.to_be_bytes());
        msg.extend_from_slice(b"k1");
        msg.extend_from_slice(&2i32.to_be_bytes());
        msg.extend_from_slice(b"v1");
        m.extend_from_slice(&5i64.to_be_bytes());
        m.extend_from_slice(&(msg.len() as i32).to_be_bytes());
        m.extend_from_slice(&msg);
        let mut budget = Budget::new(100);
        let v = decode(&m, &mut budget);
        assert_eq!(v[0][0]["key"], "k1", "{v}");
        assert_eq!(v[0][0]["value"], "v1");
        assert_eq!(v[0][0]["offset"], 5);
    }
}
