//! AMQP 0-9-1 wire format: frame headers, the method table (every class and method of
//! the 0-9-1 spec plus RabbitMQ's extensions), argument and field-table decoding, and the
//! content-header properties. Everything here is a pure function of a byte slice: no state,
//! no allocation sized by a wire length (tables are bounded by the frame they sit in, by
//! [`MAX_TABLE_ITEMS`] and by [`MAX_DEPTH`]).

use base64::Engine as _;
use serde_json::{Map, Value};

/// The protocol header a 0-9-1 client sends first.
pub const PROTOCOL_HEADER: &[u8; 8] = b"AMQP\x00\x00\x09\x01";
/// Every frame ends with this octet.
pub const FRAME_END: u8 = 0xCE;
/// Frame header: type (1), channel (2), payload size (4).
pub const FRAME_HEADER: usize = 7;

pub const FRAME_METHOD: u8 = 1;
pub const FRAME_HEADER_TYPE: u8 = 2;
pub const FRAME_BODY: u8 = 3;
/// AMQP 0-8 heartbeat type, still seen from old peers.
pub const FRAME_HEARTBEAT_08: u8 = 4;
pub const FRAME_HEARTBEAT: u8 = 8;

/// Largest method or content-header frame payload buffered whole (body frames are
/// streamed, whatever their size). Also the plausibility bound for resynchronisation.
pub const MAX_FRAME: u32 = 1 << 20;
/// Items decoded per field table or array; the rest is skipped and marked.
pub const MAX_TABLE_ITEMS: usize = 1024;
/// Nesting of tables and arrays.
pub const MAX_DEPTH: usize = 16;

/// A frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHead {
    pub kind: u8,
    pub channel: u16,
    pub size: u32,
}

/// Parses the 7-byte frame header at the start of `data` (`None`: fewer than 7 bytes).
pub fn frame_head(data: &[u8]) -> Option<FrameHead> {
    let h = data.get(..FRAME_HEADER)?;
    Some(FrameHead {
        kind: h[0],
        channel: u16::from_be_bytes([h[1], h[2]]),
        size: u32::from_be_bytes([h[3], h[4], h[5], h[6]]),
    })
}

impl FrameHead {
    /// Type, channel and size are consistent with a 0-9-1 frame (size within `max`).
    pub fn plausible(&self, max: u32) -> bool {
        match self.kind {
            FRAME_METHOD => self.size >= 4 && self.size <= max,
            FRAME_HEADER_TYPE => self.size >= 14 && self.size <= max,
            FRAME_BODY => self.size <= max,
            FRAME_HEARTBEAT | FRAME_HEARTBEAT_08 => self.channel == 0 && self.size == 0,
            _ => false,
        }
    }
    /// Header + payload + end octet.
    pub fn total(&self) -> usize {
        FRAME_HEADER + self.size as usize + 1
    }
}

/// Who sends a method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    Client,
    Server,
    Both,
}

/// Argument types of the method table. `R*` are reserved fields: parsed, not shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Octet,
    Short,
    Long,
    LongLong,
    ShortStr,
    LongStr,
    Bit,
    Table,
    Timestamp,
    RShort,
    RShortStr,
    RLongStr,
    RBit,
    /// A longstr that carries credentials (Connection.Start-Ok/Secure-Ok response,
    /// Update-Secret): shown only as its length.
    Secret,
}

/// One method of the spec.
#[derive(Debug)]
pub struct MethodSpec {
    pub class: u16,
    pub method: u16,
    /// `Basic.Publish`.
    pub name: &'static str,
    pub args: &'static [(&'static str, Ty)],
    /// Method ids (same class) that answer this one; empty for one-way methods.
    pub responses: &'static [u16],
    /// Followed by a content header and body frames.
    pub content: bool,
    pub sender: Sender,
}

use Sender::{Both, Client, Server};
use Ty::*;

const CLOSE_ARGS: &[(&str, Ty)] = &[
    ("replyCode", Short),
    ("replyText", ShortStr),
    ("classId", Short),
    ("methodId", Short),
];
const TUNE_ARGS: &[(&str, Ty)] = &[
    ("channelMax", Short),
    ("frameMax", Long),
    ("heartbeat", Short),
];
const EXCHANGE_BIND_ARGS: &[(&str, Ty)] = &[
    ("_ticket", RShort),
    ("destination", ShortStr),
    ("source", ShortStr),
    ("routingKey", ShortStr),
    ("noWait", Bit),
    ("arguments", Table),
];

const fn m(
    class: u16,
    method: u16,
    name: &'static str,
    args: &'static [(&'static str, Ty)],
    responses: &'static [u16],
    content: bool,
    sender: Sender,
) -> MethodSpec {
    MethodSpec {
        class,
        method,
        name,
        args,
        responses,
        content,
        sender,
    }
}

/// Every method of AMQP 0-9-1 (classes connection, channel, exchange, queue, basic, tx,
/// confirm) with RabbitMQ's extensions (exchange-to-exchange bindings, Basic.Nack,
/// Confirm, Connection.Blocked/Unblocked/Update-Secret).
#[rustfmt::skip]
pub static METHODS: &[MethodSpec] = &[
    m(10, 10, "Connection.Start", &[("versionMajor", Octet), ("versionMinor", Octet), ("serverProperties", Table), ("mechanisms", LongStr), ("locales", LongStr)], &[11], false, Server),
    m(10, 11, "Connection.Start-Ok", &[("clientProperties", Table), ("mechanism", ShortStr), ("response", Secret), ("locale", ShortStr)], &[], false, Client),
    m(10, 20, "Connection.Secure", &[("challenge", LongStr)], &[21], false, Server),
    m(10, 21, "Connection.Secure-Ok", &[("response", Secret)], &[], false, Client),
    m(10, 30, "Connection.Tune", TUNE_ARGS, &[31], false, Server),
    m(10, 31, "Connection.Tune-Ok", TUNE_ARGS, &[], false, Client),
    m(10, 40, "Connection.Open", &[("virtualHost", ShortStr), ("_capabilities", RShortStr), ("_insist", RBit)], &[41], false, Client),
    m(10, 41, "Connection.Open-Ok", &[("_knownHosts", RShortStr)], &[], false, Server),
    m(10, 50, "Connection.Close", CLOSE_ARGS, &[51], false, Both),
    m(10, 51, "Connection.Close-Ok", &[], &[], false, Both),
    m(10, 60, "Connection.Blocked", &[("reason", ShortStr)], &[], false, Server),
    m(10, 61, "Connection.Unblocked", &[], &[], false, Server),
    m(10, 70, "Connection.Update-Secret", &[("newSecret", Secret), ("reason", ShortStr)], &[71], false, Client),
    m(10, 71, "Connection.Update-Secret-Ok", &[], &[], false, Server),
    m(20, 10, "Channel.Open", &[("_outOfBand", RShortStr)], &[11], false, Client),
    m(20, 11, "Channel.Open-Ok", &[("_channelId", RLongStr)], &[], false, Server),
    m(20, 20, "Channel.Flow", &[("active", Bit)], &[21], false, Both),
    m(20, 21, "Channel.Flow-Ok", &[("active", Bit)], &[], false, Both),
    m(20, 40, "Channel.Close", CLOSE_ARGS, &[41], false, Both),
    m(20, 41, "Channel.Close-Ok", &[], &[], false, Both),
    m(40, 10, "Exchange.Declare", &[("_ticket", RShort), ("exchange", ShortStr), ("type", ShortStr), ("passive", Bit), ("durable", Bit), ("autoDelete", Bit), ("internal", Bit), ("noWait", Bit), ("arguments", Table)], &[11], false, Client),
    m(40, 11, "Exchange.Declare-Ok", &[], &[], false, Server),
    m(40, 20, "Exchange.Delete", &[("_ticket", RShort), ("exchange", ShortStr), ("ifUnused", Bit), ("noWait", Bit)], &[21], false, Client),
    m(40, 21, "Exchange.Delete-Ok", &[], &[], false, Server),
    m(40, 30, "Exchange.Bind", EXCHANGE_BIND_ARGS, &[31], false, Client),
    m(40, 31, "Exchange.Bind-Ok", &[], &[], false, Server),
    m(40, 40, "Exchange.Unbind", EXCHANGE_BIND_ARGS, &[51], false, Client),
    m(40, 51, "Exchange.Unbind-Ok", &[], &[], false, Server),
    m(50, 10, "Queue.Declare", &[("_ticket", RShort), ("queue", ShortStr), ("passive", Bit), ("durable", Bit), ("exclusive", Bit), ("autoDelete", Bit), ("noWait", Bit), ("arguments", Table)], &[11], false, Client),
    m(50, 11, "Queue.Declare-Ok", &[("queue", ShortStr), ("messageCount", Long), ("consumerCount", Long)], &[], false, Server),
    m(50, 20, "Queue.Bind", &[("_ticket", RShort), ("queue", ShortStr), ("exchange", ShortStr), ("routingKey", ShortStr), ("noWait", Bit), ("arguments", Table)], &[21], false, Client),
    m(50, 21, "Queue.Bind-Ok", &[], &[], false, Server),
    m(50, 30, "Queue.Purge", &[("_ticket", RShort), ("queue", ShortStr), ("noWait", Bit)], &[31], false, Client),
    m(50, 31, "Queue.Purge-Ok", &[("messageCount", Long)], &[], false, Server),
    m(50, 40, "Queue.Delete", &[("_ticket", RShort), ("queue", ShortStr), ("ifUnused", Bit), ("ifEmpty", Bit), ("noWait", Bit)], &[41], false, Client),
    m(50, 41, "Queue.Delete-Ok", &[("messageCount", Long)], &[], false, Server),
    m(50, 50, "Queue.Unbind", &[("_ticket", RShort), ("queue", ShortStr), ("exchange", ShortStr), ("routingKey", ShortStr), ("arguments", Table)], &[51], false, Client),
    m(50, 51, "Queue.Unbind-Ok", &[], &[], false, Server),
    m(60, 10, "Basic.Qos", &[("prefetchSize", Long), ("prefetchCount", Short), ("global", Bit)], &[11], false, Client),
    m(60, 11, "Basic.Qos-Ok", &[], &[], false, Server),
    m(60, 20, "Basic.Consume", &[("_ticket", RShort), ("queue", ShortStr), ("consumerTag", ShortStr), ("noLocal", Bit), ("noAck", Bit), ("exclusive", Bit), ("noWait", Bit), ("arguments", Table)], &[21], false, Client),
    m(60, 21, "Basic.Consume-Ok", &[("consumerTag", ShortStr)], &[], false, Server),
    m(60, 30, "Basic.Cancel", &[("consumerTag", ShortStr), ("noWait", Bit)], &[31], false, Both),
    m(60, 31, "Basic.Cancel-Ok", &[("consumerTag", ShortStr)], &[], false, Both),
    m(60, 40, "Basic.Publish", &[("_ticket", RShort), ("exchange", ShortStr), ("routingKey", ShortStr), ("mandatory", Bit), ("immediate", Bit)], &[], true, Client),
    m(60, 50, "Basic.Return", &[("replyCode", Short), ("replyText", ShortStr), ("exchange", ShortStr), ("routingKey", ShortStr)], &[], true, Server),
    m(60, 60, "Basic.Deliver", &[("consumerTag", ShortStr), ("deliveryTag", LongLong), ("redelivered", Bit), ("exchange", ShortStr), ("routingKey", ShortStr)], &[], true, Server),
    m(60, 70, "Basic.Get", &[("_ticket", RShort), ("queue", ShortStr), ("noAck", Bit)], &[71, 72], false, Client),
    m(60, 71, "Basic.Get-Ok", &[("deliveryTag", LongLong), ("redelivered", Bit), ("exchange", ShortStr), ("routingKey", ShortStr), ("messageCount", Long)], &[], true, Server),
    m(60, 72, "Basic.Get-Empty", &[("_clusterId", RShortStr)], &[], false, Server),
    m(60, 80, "Basic.Ack", &[("deliveryTag", LongLong), ("multiple", Bit)], &[], false, Both),
    m(60, 90, "Basic.Reject", &[("deliveryTag", LongLong), ("requeue", Bit)], &[], false, Client),
    m(60, 100, "Basic.Recover-Async", &[("requeue", Bit)], &[], false, Client),
    m(60, 110, "Basic.Recover", &[("requeue", Bit)], &[111], false, Client),
    m(60, 111, "Basic.Recover-Ok", &[], &[], false, Server),
    m(60, 120, "Basic.Nack", &[("deliveryTag", LongLong), ("multiple", Bit), ("requeue", Bit)], &[], false, Both),
    m(85, 10, "Confirm.Select", &[("noWait", Bit)], &[11], false, Client),
    m(85, 11, "Confirm.Select-Ok", &[], &[], false, Server),
    m(90, 10, "Tx.Select", &[], &[11], false, Client),
    m(90, 11, "Tx.Select-Ok", &[], &[], false, Server),
    m(90, 20, "Tx.Commit", &[], &[21], false, Client),
    m(90, 21, "Tx.Commit-Ok", &[], &[], false, Server),
    m(90, 30, "Tx.Rollback", &[], &[31], false, Client),
    m(90, 31, "Tx.Rollback-Ok", &[], &[], false, Server),
];

/// The spec of a (class, method) pair.
pub fn method_spec(class: u16, method: u16) -> Option<&'static MethodSpec> {
    METHODS
        .iter()
        .find(|m| m.class == class && m.method == method)
}

/// True if some method answers with `spec` (it is an `-Ok` or `Get-Empty`).
pub fn is_response(spec: &MethodSpec) -> bool {
    METHODS
        .iter()
        .any(|m| m.class == spec.class && m.responses.contains(&spec.method))
}

/// Why an argument list or a table did not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireError {
    /// Ran past the end of the frame payload.
    Short,
    /// Unknown field-value type octet.
    BadType(u8),
    /// Tables or arrays nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Short => write!(f, "arguments run past the end of the frame"),
            WireError::BadType(t) => write!(f, "unknown field-table value type 0x{t:02x}"),
            WireError::TooDeep => write!(f, "field tables nested deeper than {MAX_DEPTH}"),
        }
    }
}

/// A bounds-checked big-endian reader.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Set when a table or array had more than [`MAX_TABLE_ITEMS`] items.
    pub capped: bool,
}

type R<T> = Result<T, WireError>;

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader {
            data,
            pos: 0,
            capped: false,
        }
    }
    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }
    pub fn bytes(&mut self, n: usize) -> R<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or(WireError::Short)?;
        let s = self.data.get(self.pos..end).ok_or(WireError::Short)?;
        self.pos = end;
        Ok(s)
    }
    fn arr<const N: usize>(&mut self) -> R<[u8; N]> {
        let s = self.bytes(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }
    pub fn u8(&mut self) -> R<u8> {
        Ok(self.arr::<1>()?[0])
    }
    pub fn u16(&mut self) -> R<u16> {
        Ok(u16::from_be_bytes(self.arr()?))
    }
    pub fn u32(&mut self) -> R<u32> {
        Ok(u32::from_be_bytes(self.arr()?))
    }
    pub fn u64(&mut self) -> R<u64> {
        Ok(u64::from_be_bytes(self.arr()?))
    }
    pub fn shortstr(&mut self) -> R<&'a [u8]> {
        let n = self.u8()? as usize;
        self.bytes(n)
    }
    pub fn longstr(&mut self) -> R<&'a [u8]> {
        let n = self.u32()? as usize;
        self.bytes(n)
    }

    /// A field table: `u32` byte length, then (shortstr name, typed value) pairs.
    pub fn table(&mut self, depth: usize) -> R<Value> {
        if depth >= MAX_DEPTH {
            return Err(WireError::TooDeep);
        }
        let body = self.longstr()?;
        let mut r = Reader::new(body);
        let mut map = Map::new();
        while r.remaining() > 0 {
            let name = text(r.shortstr()?);
            let v = r.value(depth + 1)?;
            if map.len() < MAX_TABLE_ITEMS {
                map.insert(name, v);
            } else {
                r.capped = true;
            }
        }
        self.capped |= r.capped;
        Ok(Value::Object(map))
    }

    /// A field array: `u32` byte length, then typed values.
    fn array(&mut self, depth: usize) -> R<Value> {
        if depth >= MAX_DEPTH {
            return Err(WireError::TooDeep);
        }
        let body = self.longstr()?;
        let mut r = Reader::new(body);
        let mut items = Vec::new();
        while r.remaining() > 0 {
            let v = r.value(depth + 1)?;
            if items.len() < MAX_TABLE_ITEMS {
                items.push(v);
            } else {
                r.capped = true;
            }
        }
        self.capped |= r.capped;
        Ok(Value::Array(items))
    }

    /// One typed field value. Types follow RabbitMQ's reading of the 0-9-1 errata: `s` is
    /// a signed 16-bit integer and `l` a signed 64-bit one (as RabbitMQ, pika, Java and
    /// Wireshark encode them); `u`/`i` are unsigned.
    pub fn value(&mut self, depth: usize) -> R<Value> {
        let t = self.u8()?;
        Ok(match t {
            b't' => Value::Bool(self.u8()? != 0),
            b'b' => Value::from(self.u8()? as i8),
            b'B' => Value::from(self.u8()?),
            b'U' | b's' => Value::from(self.u16()? as i16),
            b'u' => Value::from(self.u16()?),
            b'I' => Value::from(self.u32()? as i32),
            b'i' => Value::from(self.u32()?),
            b'L' | b'l' => Value::from(self.u64()? as i64),
            b'f' => Value::from(f64::from(f32::from_bits(self.u32()?))),
            b'd' => Value::from(f64::from_bits(self.u64()?)),
            b'D' => {
                let scale = self.u8()?;
                let v = self.u32()? as i32;
                Value::String(decimal(v, scale))
            }
            b'S' => bytes_value(self.longstr()?),
            b'A' => self.array(depth)?,
            b'T' => Value::from(self.u64()?),
            b'F' => self.table(depth)?,
            b'V' => Value::Null,
            b'x' => {
                let b = self.longstr()?;
                let mut m = Map::new();
                m.insert("base64".to_owned(), Value::String(b64(b)));
                Value::Object(m)
            }
            other => return Err(WireError::BadType(other)),
        })
    }
}

/// A decimal value (`D`): `value / 10^scale`, as a string so nothing is rounded.
pub fn decimal(v: i32, scale: u8) -> String {
    let neg = v < 0;
    let digits = v.unsigned_abs().to_string();
    let scale = scale as usize;
    let s = if scale == 0 {
        digits
    } else if digits.len() > scale {
        let (a, b) = digits.split_at(digits.len() - scale);
        format!("{a}.{b}")
    } else {
        format!("0.{}{digits}", "0".repeat(scale - digits.len()))
    };
    if neg { format!("-{s}") } else { s }
}

pub fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Text as UTF-8, invalid sequences replaced (shortstrs are names and keys).
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A longstr value: a JSON string when it is UTF-8, else `{"base64": …}`.
pub fn bytes_value(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) => Value::String(s.to_owned()),
        Err(_) => {
            let mut m = Map::new();
            m.insert("base64".to_owned(), Value::String(b64(b)));
            Value::Object(m)
        }
    }
}

/// Decodes a method frame payload (class id, method id, arguments) into `obj` (the
/// arguments by their camelCase names; reserved ones left out). Returns the spec and how
/// many payload bytes the arguments left unread, or `Ok(None)` for an unknown
/// class/method. `capped` is set when a table was cut at [`MAX_TABLE_ITEMS`].
pub fn decode_method(
    payload: &[u8],
    obj: &mut Map<String, Value>,
    capped: &mut bool,
) -> Result<Option<(&'static MethodSpec, usize)>, WireError> {
    let mut r = Reader::new(payload);
    let class = r.u16()?;
    let method = r.u16()?;
    let Some(spec) = method_spec(class, method) else {
        return Ok(None);
    };
    let res = decode_args(&mut r, spec, obj);
    *capped |= r.capped;
    res?;
    Ok(Some((spec, r.remaining())))
}

/// True when `payload` is a known method whose arguments fill it exactly: strong evidence
/// of a frame boundary (used to resynchronise).
pub fn method_fits(payload: &[u8]) -> bool {
    let mut obj = Map::new();
    let mut capped = false;
    matches!(
        decode_method(payload, &mut obj, &mut capped),
        Ok(Some((_, 0)))
    )
}

fn decode_args(
    r: &mut Reader<'_>,
    spec: &MethodSpec,
    obj: &mut Map<String, Value>,
) -> Result<(), WireError> {
    // Consecutive bits share octets, least significant first.
    let mut bits: Option<(u8, u8)> = None;
    for &(name, ty) in spec.args {
        if !matches!(ty, Bit | RBit) {
            bits = None;
        }
        let v = match ty {
            Octet => Value::from(r.u8()?),
            Short => Value::from(r.u16()?),
            Long => Value::from(r.u32()?),
            LongLong | Timestamp => Value::from(r.u64()?),
            ShortStr => Value::String(text(r.shortstr()?)),
            LongStr => bytes_value(r.longstr()?),
            Table => r.table(0)?,
            Secret => {
                let n = r.longstr()?.len();
                Value::String(format!("[{n} bytes redacted]"))
            }
            Bit | RBit => {
                let (byte, idx) = match bits {
                    Some((b, i)) if i < 8 => (b, i),
                    _ => (r.u8()?, 0),
                };
                bits = Some((byte, idx + 1));
                Value::Bool(byte & (1 << idx) != 0)
            }
            RShort => {
                r.u16()?;
                continue;
            }
            RShortStr => {
                r.shortstr()?;
                continue;
            }
            RLongStr => {
                r.longstr()?;
                continue;
            }
        };
        if ty != RBit {
            obj.insert(name.to_owned(), v);
        }
    }
    Ok(())
}

/// Basic content properties in flag order (bit 15 first).
const PROPERTIES: &[(&str, Ty)] = &[
    ("contentType", ShortStr),
    ("contentEncoding", ShortStr),
    ("headers", Table),
    ("deliveryMode", Octet),
    ("priority", Octet),
    ("correlationId", ShortStr),
    ("replyTo", ShortStr),
    ("expiration", ShortStr),
    ("messageId", ShortStr),
    ("timestamp", Timestamp),
    ("type", ShortStr),
    ("userId", ShortStr),
    ("appId", ShortStr),
    ("clusterId", ShortStr),
];

/// A decoded content header.
#[derive(Debug, PartialEq)]
pub struct ContentHeader {
    pub class: u16,
    pub body_size: u64,
    pub properties: Map<String, Value>,
    pub capped: bool,
}

/// Decodes a content-header frame payload.
pub fn decode_content_header(payload: &[u8]) -> Result<ContentHeader, WireError> {
    let mut r = Reader::new(payload);
    let class = r.u16()?;
    let _weight = r.u16()?;
    let body_size = r.u64()?;
    let flags = r.u16()?;
    // Bit 0 announces another flag word; 0-9-1 defines none, skip them (a few at most).
    let mut more = flags & 1 == 1;
    let mut extra = 0;
    while more && extra < 4 {
        more = r.u16()? & 1 == 1;
        extra += 1;
    }
    let mut properties = Map::new();
    for (i, &(name, ty)) in PROPERTIES.iter().enumerate() {
        if flags & (1 << (15 - i)) == 0 {
            continue;
        }
        let v = match ty {
            ShortStr => Value::String(text(r.shortstr()?)),
            Table => r.table(0)?,
            Octet => Value::from(r.u8()?),
            _ => Value::from(r.u64()?),
        };
        properties.insert(name.to_owned(), v);
    }
    Ok(ContentHeader {
        class,
        body_size,
        properties,
        capped: r.capped,
    })
}

#[cfg(test)]
pub mod enc {
    //! Encoders for tests: build frames, method payloads, tables and content headers.
    use super::*;

    pub fn frame(kind: u8, channel: u16, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![kind];
        v.extend_from_slice(&channel.to_be_bytes());
        v.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        v.extend_from_slice(payload);
        v.push(FRAME_END);
        v
    }
    pub fn shortstr(v: &mut Vec<u8>, s: &str) {
        v.push(s.len() as u8);
        v.extend_from_slice(s.as_bytes());
    }
    pub fn longstr(v: &mut Vec<u8>, s: &[u8]) {
        v.extend_from_slice(&(s.len() as u32).to_be_bytes());
        v.extend_from_slice(s);
    }
    /// A method frame: class, method and already-encoded arguments.
    pub fn method(channel: u16, class: u16, method: u16, args: &[u8]) -> Vec<u8> {
        let mut p = class.to_be_bytes().to_vec();
        p.extend_from_slice(&method.to_be_bytes());
        p.extend_from_slice(args);
        frame(FRAME_METHOD, channel, &p)
    }
    /// A content header with raw property flags and encoded property list.
    pub fn header(channel: u16, body_size: u64, flags: u16, props: &[u8]) -> Vec<u8> {
        let mut p = 60u16.to_be_bytes().to_vec();
        p.extend_from_slice(&0u16.to_be_bytes());
        p.extend_from_slice(&body_size.to_be_bytes());
        p.extend_from_slice(&flags.to_be_bytes());
        p.extend_from_slice(props);
        frame(FRAME_HEADER_TYPE, channel, &p)
    }
    pub fn body(channel: u16, data: &[u8]) -> Vec<u8> {
        frame(FRAME_BODY, channel, data)
    }
}
