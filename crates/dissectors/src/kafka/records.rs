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
use mizu_model::jkey;
use mizu_model::{JsonBuf, RawJson};
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
    /// Decompressed records, reused by every batch of the frame.
    scratch: Vec<u8>,
}

impl Budget {
    pub(crate) fn new(max_body: usize) -> Budget {
        Budget {
            bytes: max_body,
            records: MAX_RECORDS,
            truncated: false,
            diagnostics: Vec::new(),
            scratch: Vec::new(),
        }
    }

    fn note(&mut self, msg: String) {
        if self.diagnostics.len() < 8 && !self.diagnostics.contains(&msg) {
            self.diagnostics.push(msg);
        }
    }

    /// Charges a key, value or header value against the budget: the part that is kept.
    fn charge<'a>(&mut self, bytes: Option<&'a [u8]>) -> Option<&'a [u8]> {
        let b = bytes?;
        let keep = b.len().min(self.bytes);
        if keep < b.len() {
            self.truncated = true;
        }
        self.bytes -= keep;
        Some(b.get(..keep).unwrap_or(&[]))
    }
}

/// `name: bytes` as JSON text, or base64 with `name+Encoding: "base64"` (`enc` is that
/// key) when they are not UTF-8; `null` for a null key or value.
fn blob(o: &mut JsonBuf, name: mizu_model::Key, enc: mizu_model::Key, kept: Option<&[u8]>) {
    o.k(name);
    let Some(b) = kept else {
        o.null();
        return;
    };
    match std::str::from_utf8(b) {
        Ok(s) => o.str(s),
        Err(_) => {
            o.str(&base64::engine::general_purpose::STANDARD.encode(b));
            o.k(enc);
            o.str("base64");
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

/// Decodes a `RECORDS` field: a sequence of batches or legacy messages, written to `o` as
/// an array (one object per batch, one array of messages per legacy message set).
pub(crate) fn decode(data: &[u8], budget: &mut Budget, o: &mut JsonBuf) {
    o.begin_array();
    let mut r = Reader::new(data);
    while r.remaining() >= 17 {
        let at = r.pos();
        // offset i64, length i32, then the magic byte at 16 in both formats (batches have
        // the leader epoch before it, messages their crc).
        let magic = data.get(at + 16).copied().unwrap_or(0xff);
        let item = match magic {
            2 => batch(&mut r, budget, o),
            0 | 1 => {
                // A message set that fails half-way is dropped whole (what it used of
                // the budget stays used): its messages are rendered apart first.
                let mut msgs = Vec::new();
                message_set(&mut r, budget, None, &mut msgs).map(|()| {
                    o.begin_array();
                    for m in &msgs {
                        o.raw(m);
                    }
                    o.end_array();
                })
            }
            m => {
                budget.note(format!("unknown record magic {m}"));
                None
            }
        };
        if item.is_none() {
            if r.remaining() > 0 {
                budget.truncated = true;
            }
            break;
        }
    }
    if r.remaining() > 0 && r.remaining() < 17 {
        // A partial trailing batch (the broker's fetch size limit cuts batches).
        budget.truncated = true;
    }
    o.end_array();
}

/// Largest zstd window accepted (as for HTTP bodies, `crate::content`).
const ZSTD_MAX_WINDOW: u64 = 8 << 20;

/// Decompresses `input` with Kafka codec `codec` into `out` (cleared first: the caller
/// reuses one buffer for every batch of a frame), keeping at most `cap` bytes. False
/// (noted) when the data is corrupt or the codec unknown.
fn decompress(codec: u8, input: &[u8], cap: usize, budget: &mut Budget, out: &mut Vec<u8>) -> bool {
    out.clear();
    let cut = match codec {
        1 | 4 => {
            // As `content::decode_body` with a complete input: any error is corruption.
            let cut = if codec == 1 {
                read_strict(flate2::read::MultiGzDecoder::new(input), cap, out)
            } else {
                ruzstd::decoding::StreamingDecoder::new_with_max_window_size(input, ZSTD_MAX_WINDOW)
                    .ok()
                    .and_then(|d| read_strict(d, cap, out))
            };
            match cut {
                Some(cut) => cut,
                None => {
                    out.clear();
                    budget.note(format!("corrupt {} record data", codec_name(codec)));
                    return false;
                }
            }
        }
        2 => match snappy(input, cap, budget, out) {
            Some(cut) => cut,
            None => return false,
        },
        3 => match read_capped(lz4_flex::frame::FrameDecoder::new(input), cap, out) {
            Some(cut) => cut,
            None => {
                budget.note("corrupt lz4 record data".into());
                return false;
            }
        },
        c => {
            budget.note(format!("unknown compression codec {c}"));
            return false;
        }
    };
    if cut {
        budget.truncated = true;
        budget.note(format!(
            "decompressed records exceed the {cap} byte cap: cut"
        ));
    }
    true
}

/// Reads `r` to its end into `out`, keeping at most `cap` bytes: `Some(cut)`, or `None`
/// on any error.
fn read_strict<R: Read>(mut r: R, cap: usize, out: &mut Vec<u8>) -> Option<bool> {
    let mut buf = [0u8; 16 << 10];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Some(false),
            Ok(n) => {
                if crate::content::push_capped(out, buf.get(..n).unwrap_or(&[]), cap) {
                    return Some(true);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// Like [`read_strict`], but an error after some output keeps that output (as cut).
fn read_capped<R: Read>(mut r: R, cap: usize, out: &mut Vec<u8>) -> Option<bool> {
    let mut buf = [0u8; 16 << 10];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Some(false),
            Ok(n) => {
                if crate::content::push_capped(out, buf.get(..n).unwrap_or(&[]), cap) {
                    return Some(true);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return (!out.is_empty()).then_some(true),
        }
    }
}

/// Raw snappy, or the xerial framing the Java client writes (`\x82SNAPPY\0`, two i32
/// versions, then length-prefixed raw blocks), into `out`: `Some(cut)`, `None` when
/// corrupt (noted, except for a cut block length).
fn snappy(input: &[u8], cap: usize, budget: &mut Budget, out: &mut Vec<u8>) -> Option<bool> {
    let mut dec = snap::raw::Decoder::new();
    // Each block straight into `out`: `Some(cut)`, `None` if corrupt.
    let mut one = |block: &[u8], out: &mut Vec<u8>| -> Option<bool> {
        let len = snap::raw::decompress_len(block).ok()?;
        if out.len().saturating_add(len) > cap {
            return Some(true);
        }
        let at = out.len();
        out.resize(at + len, 0);
        match dec.decompress(block, out.get_mut(at..).unwrap_or(&mut [])) {
            Ok(n) => {
                out.truncate(at + n);
                Some(false)
            }
            Err(_) => {
                out.truncate(at);
                None
            }
        }
    };
    if let Some(rest) = input.strip_prefix(b"\x82SNAPPY\x00") {
        let mut r = Reader::new(rest.get(8..).unwrap_or(&[]));
        while r.remaining() > 0 {
            let n = r.u32()? as usize;
            let Some(block) = r.take(n) else {
                return Some(true);
            };
            match one(block, out) {
                Some(false) => {}
                Some(true) => return Some(true),
                None => {
                    budget.note("corrupt snappy record data".into());
                    return None;
                }
            }
        }
        return Some(false);
    }
    match one(input, out) {
        Some(cut) => Some(cut),
        None => {
            budget.note("corrupt snappy record data".into());
            None
        }
    }
}

/// One magic-2 record batch, written to `o`. `None` (nothing written) when its header is
/// cut or malformed.
fn batch(r: &mut Reader<'_>, budget: &mut Budget, o: &mut JsonBuf) -> Option<()> {
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
    o.begin_object();
    o.k(jkey!("baseOffset"));
    o.i64(base_offset);
    o.k(jkey!("baseSequence"));
    o.i64(base_sequence.into());
    o.k(jkey!("baseTimestamp"));
    o.i64(base_ts);
    o.k(jkey!("compression"));
    o.str(codec_name(codec));
    o.k(jkey!("isControlBatch"));
    o.bool(attributes & 32 != 0);
    o.k(jkey!("isTransactional"));
    o.bool(attributes & 16 != 0);
    o.k(jkey!("lastOffsetDelta"));
    o.i64(last_offset_delta.into());
    o.k(jkey!("magic"));
    o.i64(magic.into());
    o.k(jkey!("maxTimestamp"));
    o.i64(max_ts);
    o.k(jkey!("partitionLeaderEpoch"));
    o.i64(leader_epoch.into());
    o.k(jkey!("producerEpoch"));
    o.i64(producer_epoch.into());
    o.k(jkey!("producerId"));
    o.i64(producer_id);
    o.k(jkey!("recordCount"));
    o.i64(count.into());
    o.k(jkey!("records"));
    o.begin_array();
    let payload = b.rest();
    let mut buf = std::mem::take(&mut budget.scratch);
    let data: Option<&[u8]> = if codec == 0 {
        Some(payload)
    } else if decompress(codec, payload, budget.bytes.max(64 << 10), budget, &mut buf) {
        Some(&buf)
    } else {
        None
    };
    if let Some(data) = data {
        let mut rr = Reader::new(data);
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
            match record(&mut rr, base_offset, base_ts, budget, o) {
                Some(()) => budget.records -= 1,
                None => {
                    budget.truncated = true;
                    break;
                }
            }
        }
    }
    o.end_array();
    budget.scratch = buf;
    o.k(jkey!("timestampType"));
    o.str(if attributes & 8 != 0 {
        "LogAppendTime"
    } else {
        "CreateTime"
    });
    o.end_object();
    Some(())
}

/// One record, written to `o` only if it parses whole (`None`: nothing written). Its key,
/// value and header values are charged to the budget in wire order (key, value, headers)
/// as they are parsed, also when a later part fails.
fn record(
    r: &mut Reader<'_>,
    base_offset: i64,
    base_ts: i64,
    budget: &mut Budget,
    o: &mut JsonBuf,
) -> Option<()> {
    let len = usize::try_from(r.varlong()?).ok()?;
    let mut x = Reader::new(r.take(len)?);
    let _attributes = x.i8()?;
    let ts_delta = x.varlong()?;
    let offset_delta = x.varlong()?;
    let key = budget.charge(varbytes(&mut x)?);
    let value = budget.charge(varbytes(&mut x)?);
    let n = usize::try_from(x.varlong()?).ok()?;
    if n > x.remaining() {
        return None;
    }
    // Headers: checked (and charged) first, since "headers" is the first key written.
    let headers = x;
    let mut avail = budget.bytes;
    for _ in 0..n {
        let _k = varbytes(&mut x)?;
        budget.charge(varbytes(&mut x)?);
    }
    o.begin_object();
    o.k(jkey!("headers"));
    o.begin_array();
    let mut h = headers;
    for _ in 0..n {
        let (Some(k), Some(v)) = (varbytes(&mut h), varbytes(&mut h)) else {
            break;
        };
        o.begin_object();
        o.k(jkey!("key"));
        match k {
            Some(k) => o.str_lossy(k),
            None => o.null(),
        }
        // The same cut `charge` made above.
        let kept = v.map(|v| {
            let keep = v.len().min(avail);
            avail -= keep;
            v.get(..keep).unwrap_or(&[])
        });
        blob(o, jkey!("value"), jkey!("valueEncoding"), kept);
        o.end_object();
    }
    o.end_array();
    blob(o, jkey!("key"), jkey!("keyEncoding"), key);
    o.k(jkey!("offset"));
    o.i64(base_offset.wrapping_add(offset_delta));
    o.k(jkey!("timestamp"));
    o.i64(base_ts.wrapping_add(ts_delta));
    blob(o, jkey!("value"), jkey!("valueEncoding"), value);
    o.end_object();
    Some(())
}

fn varbytes<'a>(r: &mut Reader<'a>) -> Option<Option<&'a [u8]>> {
    let n = r.varlong()?;
    if n < 0 {
        return Some(None);
    }
    Some(Some(r.take(usize::try_from(n).ok()?)?))
}

/// Legacy messages (magic 0/1) up to the end of `r`, each rendered on its own into `out`;
/// a compressed wrapper message's value is an inner message set (one level deep), whose
/// messages carry the wrapper's `compression` and offset (`wrapper`). `None` when a
/// message is malformed: the caller drops the whole set.
fn message_set(
    r: &mut Reader<'_>,
    budget: &mut Budget,
    wrapper: Option<(&'static str, i64)>,
    out: &mut Vec<RawJson>,
) -> Option<()> {
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
        if codec != 0 && wrapper.is_none() {
            let mut inner = Vec::new();
            if let Some(v) = value
                && decompress(codec, v, budget.bytes.max(64 << 10), budget, &mut inner)
            {
                let mut ir = Reader::new(&inner);
                let mut inner_msgs = Vec::new();
                // Magic 1 inner offsets are relative; the wrapper has the last one.
                let w = Some((codec_name(codec), offset));
                if message_set(&mut ir, budget, w, &mut inner_msgs).is_some() {
                    out.append(&mut inner_msgs);
                }
            }
            continue;
        }
        if budget.records == 0 {
            budget.truncated = true;
            break;
        }
        budget.records -= 1;
        let key = budget.charge(key);
        let value = budget.charge(value);
        let mut o = JsonBuf::with_capacity(96 + msg.len());
        o.begin_object();
        if let Some((c, _)) = wrapper {
            o.k(jkey!("compression"));
            o.str(c);
        }
        blob(&mut o, jkey!("key"), jkey!("keyEncoding"), key);
        o.k(jkey!("magic"));
        o.i64(magic.into());
        o.k(jkey!("offset"));
        o.i64(offset);
        if let Some(ts) = ts {
            o.k(jkey!("timestamp"));
            o.i64(ts);
        }
        blob(&mut o, jkey!("value"), jkey!("valueEncoding"), value);
        if let Some((_, w)) = wrapper {
            o.k(jkey!("wrapperOffset"));
            o.i64(w);
        }
        o.end_object();
        out.push(o.finish());
    }
    Some(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::Value;

    /// `decode` as a tree.
    pub(crate) fn decode_value(data: &[u8], budget: &mut Budget) -> Value {
        let mut o = JsonBuf::new();
        decode(data, budget, &mut o);
        o.finish().to_value()
    }

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
            // Two batches: the second reuses the first one's decompression buffer.
            let mut b2 = b.clone();
            b2.extend_from_slice(&make_batch(100, codec, &[(None, b"second", &[])]));
            let mut budget = Budget::new(1 << 20);
            let v = decode_value(&b2, &mut budget);
            assert_eq!(v[1]["records"][0]["value"], "second", "{v}");
            assert_eq!(v[1]["records"][0]["offset"], 100);
            let mut budget = Budget::new(1 << 20);
            let v = decode_value(&b, &mut budget);
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

    /// gzip and zstd decode as `content::decode_body` did for them, on cut and corrupt
    /// input too.
    #[test]
    fn gzip_and_zstd_match_content_decoding() {
        let data: Vec<u8> = (0..3000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        for codec in [1u8, 4] {
            let batch = make_batch(0, codec, &[(None, &data, &[])]);
            // The compressed records follow the 61-byte batch header.
            let z = &batch[61..];
            let mut cases = vec![z.to_vec()];
            for i in (0..z.len()).step_by(7) {
                cases.push(z[..i].to_vec());
                let mut m = z.to_vec();
                m[i] ^= 0x55;
                cases.push(m);
            }
            let name = codec_name(codec);
            for input in cases {
                for cap in [100, 1 << 20] {
                    let old = crate::content::decode_body(name, input.clone(), false, cap);
                    let mut budget = Budget::new(1 << 20);
                    let mut out = Vec::new();
                    let ok = decompress(codec, &input, cap, &mut budget, &mut out);
                    assert_eq!(ok, old.compression.is_some(), "{name} {}", input.len());
                    if ok {
                        assert_eq!(out, old.bytes);
                        assert_eq!(budget.truncated, old.truncated);
                    }
                }
            }
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
        let mut out = b"left over".to_vec();
        assert_eq!(snappy(&x, 100, &mut budget, &mut out), Some(false));
        assert_eq!(
            out,
            b"left over"
                .iter()
                .chain(b"hello")
                .copied()
                .collect::<Vec<_>>()
        );
        // Through `decompress`, which clears the reused buffer; cut at the cap.
        assert!(decompress(2, &x, 100, &mut budget, &mut out));
        assert_eq!(out, b"hello");
        assert!(decompress(2, &x, 3, &mut budget, &mut out));
        assert!(out.is_empty() && budget.truncated);
        for codec in 1..=4 {
            let mut budget = Budget::new(100);
            assert!(!decompress(codec, &[0xff; 32], 100, &mut budget, &mut out));
            assert_eq!(budget.diagnostics.len(), 1, "codec {codec}");
        }
        let big = vec![b'a'; 5000];
        let b = make_batch(0, 1, &[(None, &big, &[])]);
        let mut budget = Budget::new(1000);
        let v = decode_value(&b, &mut budget);
        assert!(budget.truncated);
        assert!(v[0]["records"][0]["value"].as_str().map_or(0, str::len) <= 1000);
        // A cut batch lists nothing and says so; garbage never panics.
        let mut budget = Budget::new(1000);
        let _ = decode_value(&b[..b.len() / 2], &mut budget);
        assert!(budget.truncated);
        for n in 0..b.len() {
            let mut budget = Budget::new(1000);
            let _ = decode_value(&b[..n], &mut budget);
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
        let v = decode_value(&m, &mut budget);
        assert_eq!(v[0][0]["key"], "k1", "{v}");
        assert_eq!(v[0][0]["value"], "v1");
        assert_eq!(v[0][0]["offset"], 5);
    }
}
