//! AMQP 0-9-1 wire format: frame headers, the method table (every class and method of
//! the 0-9-1 spec plus RabbitMQ's extensions), argument and field-table decoding, and the
//! content-header properties. Everything here is a pure function of a byte slice: no state,
//! no allocation sized by a wire length (tables are bounded by the frame they sit in, by
//! [`MAX_TABLE_ITEMS`] and by [`MAX_DEPTH`]).

use std::borrow::Cow;

use base64::Engine as _;
use mizu_dissect::kit;
use mizu_model::JsonBuf;

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
    let mut r = kit::Reader::be(data.get(..FRAME_HEADER)?);
    Some(FrameHead {
        kind: r.u8().ok()?,
        channel: r.u16().ok()?,
        size: r.u32().ok()?,
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
    /// Some method answers with this one (it is an `-Ok` or `Get-Empty`).
    response: bool,
    /// The members of the method's JSON object in key order (see [`Member`]).
    order: [u8; ORDER_LEN],
}

/// Arguments of the longest method (`Exchange.Declare`).
pub const MAX_ARGS: usize = 9;
/// Members of a method's JSON object besides its arguments.
const EXTRAS: [Member; 5] = [
    Member::Body,
    Member::Channel,
    Member::Heartbeats,
    Member::Method,
    Member::Properties,
];
const ORDER_LEN: usize = MAX_ARGS + EXTRAS.len();
const NO_MEMBER: u8 = u8::MAX;

/// A member of a method's JSON object: an argument (by index in [`MethodSpec::args`]) or
/// one the session adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member {
    Arg(usize),
    Body,
    Channel,
    Heartbeats,
    Method,
    Properties,
}

impl Member {
    const fn name(self, args: &[(&'static str, Ty)]) -> &'static str {
        match self {
            Member::Arg(i) => args[i].0,
            Member::Body => "body",
            Member::Channel => "channel",
            Member::Heartbeats => "heartbeats",
            Member::Method => "method",
            Member::Properties => "properties",
        }
    }
    const fn code(self) -> u8 {
        match self {
            Member::Arg(i) => i as u8,
            Member::Body => MAX_ARGS as u8,
            Member::Channel => MAX_ARGS as u8 + 1,
            Member::Heartbeats => MAX_ARGS as u8 + 2,
            Member::Method => MAX_ARGS as u8 + 3,
            Member::Properties => MAX_ARGS as u8 + 4,
        }
    }
    const fn from_code(c: u8) -> Member {
        match c as usize {
            i if i < MAX_ARGS => Member::Arg(i),
            i => EXTRAS[i - MAX_ARGS],
        }
    }
}

impl MethodSpec {
    /// The members of the method's JSON object, in key order (the order a
    /// `serde_json::Map` prints them in); a member may be absent from a given message.
    pub fn members(&self) -> impl Iterator<Item = Member> + '_ {
        self.order
            .iter()
            .take_while(|&&c| c != NO_MEMBER)
            .map(|&c| Member::from_code(c))
    }
}

/// `a < b`, byte-wise (`str`'s `Ord`, in a `const fn`).
const fn str_lt(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

/// Sorts the members of a method by name, at compile time. Two members of one name fail
/// the build.
const fn key_order(args: &[(&'static str, Ty)]) -> [u8; ORDER_LEN] {
    assert!(args.len() <= MAX_ARGS, "raise MAX_ARGS");
    let mut order = [NO_MEMBER; ORDER_LEN];
    let total = args.len() + EXTRAS.len();
    let mut k = 0;
    while k < total {
        let m = if k < args.len() {
            Member::Arg(k)
        } else {
            EXTRAS[k - args.len()]
        };
        let name = m.name(args);
        let mut j = k;
        while j > 0 && str_lt(name, Member::from_code(order[j - 1]).name(args)) {
            order[j] = order[j - 1];
            j -= 1;
        }
        assert!(
            j == 0 || str_lt(Member::from_code(order[j - 1]).name(args), name),
            "two members of one name"
        );
        order[j] = m.code();
        k += 1;
    }
    order
}

/// Marks the methods that answer another (the table's `response` flags).
const fn mark_responses<const N: usize>(mut t: [MethodSpec; N]) -> [MethodSpec; N] {
    let mut i = 0;
    while i < N {
        let mut j = 0;
        while j < N {
            let mut k = 0;
            while k < t[j].responses.len() {
                if t[j].class == t[i].class && t[j].responses[k] == t[i].method {
                    t[i].response = true;
                }
                k += 1;
            }
            j += 1;
        }
        i += 1;
    }
    t
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
        response: false,
        order: key_order(args),
    }
}

/// Every method of AMQP 0-9-1 (classes connection, channel, exchange, queue, basic, tx,
/// confirm) with RabbitMQ's extensions (exchange-to-exchange bindings, Basic.Nack,
/// Confirm, Connection.Blocked/Unblocked/Update-Secret).
pub static METHODS: &[MethodSpec] = &METHOD_LIST;

#[rustfmt::skip]
const METHOD_LIST: [MethodSpec; 64] = mark_responses([
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
]);

/// The classes of [`METHODS`], and the largest method id.
const CLASSES: [u16; 7] = [10, 20, 40, 50, 60, 85, 90];
const MAX_METHOD_ID: usize = 120;

/// [`METHODS`] indices by class (in [`CLASSES`] order) and method id; `u8::MAX`: none.
static METHOD_INDEX: [[u8; MAX_METHOD_ID + 1]; CLASSES.len()] = method_index(&METHOD_LIST);

const fn class_index(class: u16) -> Option<usize> {
    match class {
        10 => Some(0),
        20 => Some(1),
        40 => Some(2),
        50 => Some(3),
        60 => Some(4),
        85 => Some(5),
        90 => Some(6),
        _ => None,
    }
}

const fn method_index<const N: usize>(
    t: &[MethodSpec; N],
) -> [[u8; MAX_METHOD_ID + 1]; CLASSES.len()] {
    assert!(N < u8::MAX as usize);
    let mut index = [[u8::MAX; MAX_METHOD_ID + 1]; CLASSES.len()];
    let mut i = 0;
    while i < N {
        let Some(c) = class_index(t[i].class) else {
            panic!("a class missing from CLASSES");
        };
        assert!(t[i].method as usize <= MAX_METHOD_ID, "raise MAX_METHOD_ID");
        index[c][t[i].method as usize] = i as u8;
        i += 1;
    }
    index
}

/// The spec of a (class, method) pair.
pub fn method_spec(class: u16, method: u16) -> Option<&'static MethodSpec> {
    let i = *METHOD_INDEX
        .get(class_index(class)?)?
        .get(usize::from(method))?;
    METHODS.get(usize::from(i))
}

/// True if some method answers with `spec` (it is an `-Ok` or `Get-Empty`).
pub fn is_response(spec: &MethodSpec) -> bool {
    spec.response
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

/// A bounds-checked big-endian reader: the session kit's reader, with AMQP's strings and
/// field tables on top.
pub struct Reader<'a> {
    inner: kit::Reader<'a>,
    /// Set when a table or array had more than [`MAX_TABLE_ITEMS`] items.
    pub capped: bool,
}

type R<T> = Result<T, WireError>;

impl From<kit::ReadError> for WireError {
    fn from(_: kit::ReadError) -> WireError {
        WireError::Short
    }
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader {
            inner: kit::Reader::be(data),
            capped: false,
        }
    }
    pub fn remaining(&self) -> usize {
        self.inner.remaining()
    }
    pub fn bytes(&mut self, n: usize) -> R<&'a [u8]> {
        Ok(self.inner.take(n)?)
    }
    pub fn u8(&mut self) -> R<u8> {
        Ok(self.inner.u8()?)
    }
    pub fn u16(&mut self) -> R<u16> {
        Ok(self.inner.u16()?)
    }
    pub fn u32(&mut self) -> R<u32> {
        Ok(self.inner.u32()?)
    }
    pub fn u64(&mut self) -> R<u64> {
        Ok(self.inner.u64()?)
    }
    pub fn shortstr(&mut self) -> R<&'a [u8]> {
        Ok(self.inner.u8_prefixed()?)
    }
    pub fn longstr(&mut self) -> R<&'a [u8]> {
        Ok(self.inner.u32_prefixed()?)
    }

    /// Where the reader is.
    fn pos(&self) -> usize {
        self.inner.pos()
    }

    /// The bytes read since `start` (a [`Reader::pos`]).
    fn since(&self, start: usize) -> &'a [u8] {
        self.inner.since(start)
    }

    /// A field table: `u32` byte length, then (shortstr name, typed value) pairs; as a
    /// tree (for tests and tools: the session writes tables with [`Reader::field_table`]).
    pub fn table(&mut self, depth: usize) -> R<serde_json::Value> {
        let mut b = JsonBuf::new();
        self.field_table(depth, Some(&mut b))?;
        Ok(b.finish().to_value())
    }

    /// A field table, checked whole, then written to `out` (if any) as a JSON object: keys
    /// in sorted order, the last of equal keys kept, at most [`MAX_TABLE_ITEMS`] keys (as a
    /// `serde_json::Map` filled in wire order would hold them). On an error nothing is
    /// written.
    pub fn field_table(&mut self, depth: usize, out: Option<&mut JsonBuf>) -> R<()> {
        if depth >= MAX_DEPTH {
            return Err(WireError::TooDeep);
        }
        let body = self.longstr()?;
        let mut r = Reader::new(body);
        // Checked first (an error must leave nothing written); names and value bytes are
        // kept when they are needed: to write them, or to count distinct names.
        let mut members: Vec<(Cow<'a, str>, &'a [u8])> = Vec::new();
        let mut count = 0usize;
        while r.remaining() > 0 {
            let name = r.shortstr()?;
            let start = r.pos();
            r.field_value(depth + 1, None)?;
            if out.is_some() {
                members.push((String::from_utf8_lossy(name), r.since(start)));
            }
            count += 1;
        }
        if count > MAX_TABLE_ITEMS && out.is_none() {
            let mut w = Reader::new(body);
            while let Ok(name) = w.shortstr() {
                let start = w.pos();
                if w.field_value(depth + 1, None).is_err() {
                    break;
                }
                members.push((String::from_utf8_lossy(name), w.since(start)));
            }
        }
        // Which member holds each kept name, by name.
        let kept: Vec<(Cow<'a, str>, usize)> = if count > MAX_TABLE_ITEMS {
            // The map fills up: later names are dropped, and so are later values of names
            // already in it.
            let mut map = std::collections::BTreeMap::new();
            for (i, (name, _)) in members.iter().enumerate() {
                if map.len() < MAX_TABLE_ITEMS {
                    map.insert(name.clone(), i);
                } else {
                    r.capped = true;
                }
            }
            map.into_iter().collect()
        } else if out.is_some() {
            let mut by_name: Vec<(Cow<'a, str>, usize)> = members
                .iter()
                .enumerate()
                .map(|(i, (name, _))| (name.clone(), i))
                .collect();
            // Stable: equal names keep wire order, and the last one wins.
            by_name.sort_by(|a, b| a.0.cmp(&b.0));
            let mut kept: Vec<(Cow<'a, str>, usize)> = Vec::with_capacity(by_name.len());
            for (name, i) in by_name {
                match kept.last_mut() {
                    Some(last) if last.0 == name => last.1 = i,
                    _ => kept.push((name, i)),
                }
            }
            kept
        } else {
            Vec::new()
        };
        self.capped |= r.capped;
        if let Some(b) = out {
            b.begin_object();
            for (name, i) in &kept {
                b.key(name);
                let value = members.get(*i).map_or(&[][..], |m| m.1);
                if Reader::new(value).field_value(depth + 1, Some(b)).is_err() {
                    b.null();
                }
            }
            b.end_object();
        }
        Ok(())
    }

    /// A field array: `u32` byte length, then typed values; checked whole, then written
    /// to `out` (if any), at most [`MAX_TABLE_ITEMS`] of them. On an error nothing is
    /// written.
    fn field_array(&mut self, depth: usize, out: Option<&mut JsonBuf>) -> R<()> {
        if depth >= MAX_DEPTH {
            return Err(WireError::TooDeep);
        }
        let body = self.longstr()?;
        let mut r = Reader::new(body);
        let mut count = 0usize;
        while r.remaining() > 0 {
            r.field_value(depth + 1, None)?;
            if count < MAX_TABLE_ITEMS {
                count += 1;
            } else {
                r.capped = true;
            }
        }
        self.capped |= r.capped;
        if let Some(b) = out {
            b.begin_array();
            let mut w = Reader::new(body);
            for _ in 0..count {
                if w.field_value(depth + 1, Some(b)).is_err() {
                    break;
                }
            }
            b.end_array();
        }
        Ok(())
    }

    /// One typed field value, checked, and written to `out` if given. Types follow
    /// RabbitMQ's reading of the 0-9-1 errata: `s` is a signed 16-bit integer and `l` a
    /// signed 64-bit one (as RabbitMQ, pika, Java and Wireshark encode them); `u`/`i` are
    /// unsigned. Decimals (`D`) are strings, so nothing is rounded.
    pub fn field_value(&mut self, depth: usize, mut out: Option<&mut JsonBuf>) -> R<()> {
        enum V<'b> {
            I(i64),
            U(u64),
            F(f64),
            Bool(bool),
            Null,
            Str(String),
            Bytes(&'b [u8]),
            B64(&'b [u8]),
        }
        let t = self.u8()?;
        let v = match t {
            b't' => V::Bool(self.u8()? != 0),
            b'b' => V::I(i64::from(self.u8()? as i8)),
            b'B' => V::U(u64::from(self.u8()?)),
            b'U' | b's' => V::I(i64::from(self.u16()? as i16)),
            b'u' => V::U(u64::from(self.u16()?)),
            b'I' => V::I(i64::from(self.u32()? as i32)),
            b'i' => V::U(u64::from(self.u32()?)),
            b'L' | b'l' => V::I(self.u64()? as i64),
            b'f' => V::F(f64::from(f32::from_bits(self.u32()?))),
            b'd' => V::F(f64::from_bits(self.u64()?)),
            b'D' => {
                let scale = self.u8()?;
                let v = self.u32()? as i32;
                V::Str(decimal(v, scale))
            }
            b'S' => V::Bytes(self.longstr()?),
            b'A' => return self.field_array(depth, out.as_deref_mut()),
            b'T' => V::U(self.u64()?),
            b'F' => return self.field_table(depth, out.as_deref_mut()),
            b'V' => V::Null,
            b'x' => V::B64(self.longstr()?),
            other => return Err(WireError::BadType(other)),
        };
        if let Some(b) = out {
            match v {
                V::I(i) => b.i64(i),
                V::U(u) => b.u64(u),
                V::F(f) => b.f64(f),
                V::Bool(x) => b.bool(x),
                V::Null => b.null(),
                V::Str(s) => b.str(&s),
                V::Bytes(x) => write_bytes_value(b, x),
                V::B64(x) => write_base64(b, x),
            }
        }
        Ok(())
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

/// `{"base64": …}`.
fn write_base64(out: &mut JsonBuf, b: &[u8]) {
    out.begin_object();
    out.key("base64");
    out.str(&b64(b));
    out.end_object();
}

/// A longstr value: a JSON string when it is UTF-8, else `{"base64": …}`.
pub fn write_bytes_value(out: &mut JsonBuf, b: &[u8]) {
    match std::str::from_utf8(b) {
        Ok(s) => out.str(s),
        Err(_) => write_base64(out, b),
    }
}

/// A decoded argument or property, borrowing the frame (written by [`write_field`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Field<'a> {
    /// Not decoded (reserved, absent, or after an argument that did not decode).
    #[default]
    Absent,
    Int(u64),
    Bool(bool),
    /// A shortstr: text, invalid UTF-8 replaced (they are names and keys).
    Text(&'a [u8]),
    /// A longstr: a string when it is UTF-8, else `{"base64": …}`.
    Bytes(&'a [u8]),
    /// A field table, length prefix included, already checked.
    Table(&'a [u8]),
    /// A longstr that carries credentials: shown as its length only.
    Secret(usize),
}

/// Writes a field as the entry shows it.
pub fn write_field(out: &mut JsonBuf, f: &Field<'_>) {
    match *f {
        Field::Absent => out.null(),
        Field::Int(v) => out.u64(v),
        Field::Bool(v) => out.bool(v),
        Field::Text(t) => out.str_lossy(t),
        Field::Bytes(t) => write_bytes_value(out, t),
        Field::Table(t) => {
            if Reader::new(t).field_table(0, Some(out)).is_err() {
                out.null();
            }
        }
        Field::Secret(n) => out.str(&format!("[{n} bytes redacted]")),
    }
}

/// The arguments of a method by their index in its `args`: `Absent` for reserved ones and
/// for those at and after an argument that did not decode.
pub type Fields<'a> = [Field<'a>; MAX_ARGS];

/// What decoding a method frame payload found (its arguments go to a [`Fields`]).
#[derive(Clone, Copy, Debug)]
pub struct Method {
    pub spec: &'static MethodSpec,
    /// Payload bytes the arguments left unread, or why they did not decode.
    pub rest: Result<usize, WireError>,
    /// A table was cut at [`MAX_TABLE_ITEMS`].
    pub capped: bool,
}

/// The argument of `spec` named `name` (camelCase) in `fields`, `Absent` if there is none.
pub fn field<'a>(spec: &MethodSpec, fields: &Fields<'a>, name: &str) -> Field<'a> {
    spec.args
        .iter()
        .position(|(n, _)| *n == name)
        .and_then(|i| fields.get(i))
        .copied()
        .unwrap_or_default()
}

/// Decodes a method frame payload (class id, method id, arguments into `fields`). `None`:
/// fewer than 4 bytes, or an unknown class/method.
pub fn decode_method<'a>(payload: &'a [u8], fields: &mut Fields<'a>) -> Option<Method> {
    let mut r = Reader::new(payload);
    let class = r.u16().ok()?;
    let method = r.u16().ok()?;
    let spec = method_spec(class, method)?;
    *fields = [Field::Absent; MAX_ARGS];
    let res = decode_args(&mut r, spec, fields);
    Some(Method {
        spec,
        rest: res.map(|()| r.remaining()),
        capped: r.capped,
    })
}

/// True when `payload` is a known method whose arguments fill it exactly: strong evidence
/// of a frame boundary (used to resynchronise).
pub fn method_fits(payload: &[u8]) -> bool {
    let mut fields = Fields::default();
    decode_method(payload, &mut fields).is_some_and(|m| m.rest == Ok(0))
}

fn decode_args<'a>(
    r: &mut Reader<'a>,
    spec: &MethodSpec,
    fields: &mut [Field<'a>; MAX_ARGS],
) -> Result<(), WireError> {
    // Consecutive bits share octets, least significant first.
    let mut bits: Option<(u8, u8)> = None;
    for (i, &(_, ty)) in spec.args.iter().enumerate() {
        if !matches!(ty, Bit | RBit) {
            bits = None;
        }
        let v = match ty {
            Octet => Field::Int(u64::from(r.u8()?)),
            Short => Field::Int(u64::from(r.u16()?)),
            Long => Field::Int(u64::from(r.u32()?)),
            LongLong | Timestamp => Field::Int(r.u64()?),
            ShortStr => Field::Text(r.shortstr()?),
            LongStr => Field::Bytes(r.longstr()?),
            Table => {
                let start = r.pos();
                r.field_table(0, None)?;
                Field::Table(r.since(start))
            }
            Secret => Field::Secret(r.longstr()?.len()),
            Bit | RBit => {
                let (byte, idx) = match bits {
                    Some((b, i)) if i < 8 => (b, i),
                    _ => (r.u8()?, 0),
                };
                bits = Some((byte, idx + 1));
                Field::Bool(byte & (1 << idx) != 0)
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
        if ty != RBit
            && let Some(f) = fields.get_mut(i)
        {
            *f = v;
        }
    }
    Ok(())
}

/// Basic content properties in flag order (bit 15 first).
pub const PROPERTIES: [(&str, Ty); 14] = [
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

/// [`PROPERTIES`] indices in key order.
static PROPERTY_ORDER: [u8; 14] = property_order();

const fn property_order() -> [u8; 14] {
    let mut order = [0u8; 14];
    let mut k = 0;
    while k < 14 {
        let mut j = k;
        while j > 0 && str_lt(PROPERTIES[k].0, PROPERTIES[order[j - 1] as usize].0) {
            order[j] = order[j - 1];
            j -= 1;
        }
        order[j] = k as u8;
        k += 1;
    }
    order
}

/// The basic properties by index in [`PROPERTIES`] (`Absent`: not sent).
pub type Properties<'a> = [Field<'a>; 14];

/// A decoded content header (its properties go to a [`Properties`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContentHeader {
    pub class: u16,
    pub body_size: u64,
    pub capped: bool,
}

/// `properties`: the ones present, by name.
pub fn write_properties(out: &mut JsonBuf, properties: &Properties<'_>) {
    out.begin_object();
    for &i in &PROPERTY_ORDER {
        let i = usize::from(i);
        if let (Some(f), Some((name, _))) = (properties.get(i), PROPERTIES.get(i))
            && *f != Field::Absent
        {
            out.key(name);
            write_field(out, f);
        }
    }
    out.end_object();
}

/// Decodes a content-header frame payload (its properties into `properties`).
pub fn decode_content_header<'a>(
    payload: &'a [u8],
    properties: &mut Properties<'a>,
) -> Result<ContentHeader, WireError> {
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
    *properties = [Field::Absent; 14];
    for (i, &(_, ty)) in PROPERTIES.iter().enumerate() {
        if flags & (1 << (15 - i)) == 0 {
            continue;
        }
        let v = match ty {
            ShortStr => Field::Text(r.shortstr()?),
            Table => {
                let start = r.pos();
                r.field_table(0, None)?;
                Field::Table(r.since(start))
            }
            Octet => Field::Int(u64::from(r.u8()?)),
            _ => Field::Int(r.u64()?),
        };
        if let Some(p) = properties.get_mut(i) {
            *p = v;
        }
    }
    Ok(ContentHeader {
        class,
        body_size,
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

/// The `serde_json::Value` decoding the writers replaced: the oracle they must match.
#[cfg(test)]
pub(crate) mod oracle {
    use super::*;
    use serde_json::{Map, Value};

    pub fn table(r: &mut Reader<'_>, depth: usize) -> R<Value> {
        if depth >= MAX_DEPTH {
            return Err(WireError::TooDeep);
        }
        let body = r.longstr()?;
        let mut s = Reader::new(body);
        let mut map = Map::new();
        while s.remaining() > 0 {
            let name = String::from_utf8_lossy(s.shortstr()?).into_owned();
            let v = value(&mut s, depth + 1)?;
            if map.len() < MAX_TABLE_ITEMS {
                map.insert(name, v);
            } else {
                s.capped = true;
            }
        }
        r.capped |= s.capped;
        Ok(Value::Object(map))
    }

    fn array(r: &mut Reader<'_>, depth: usize) -> R<Value> {
        if depth >= MAX_DEPTH {
            return Err(WireError::TooDeep);
        }
        let body = r.longstr()?;
        let mut s = Reader::new(body);
        let mut items = Vec::new();
        while s.remaining() > 0 {
            let v = value(&mut s, depth + 1)?;
            if items.len() < MAX_TABLE_ITEMS {
                items.push(v);
            } else {
                s.capped = true;
            }
        }
        r.capped |= s.capped;
        Ok(Value::Array(items))
    }

    fn b64_object(b: &[u8]) -> Value {
        let mut m = Map::new();
        m.insert("base64".to_owned(), Value::String(b64(b)));
        Value::Object(m)
    }

    fn bytes_value(b: &[u8]) -> Value {
        match std::str::from_utf8(b) {
            Ok(s) => Value::String(s.to_owned()),
            Err(_) => b64_object(b),
        }
    }

    pub fn value(r: &mut Reader<'_>, depth: usize) -> R<Value> {
        let t = r.u8()?;
        Ok(match t {
            b't' => Value::Bool(r.u8()? != 0),
            b'b' => Value::from(r.u8()? as i8),
            b'B' => Value::from(r.u8()?),
            b'U' | b's' => Value::from(r.u16()? as i16),
            b'u' => Value::from(r.u16()?),
            b'I' => Value::from(r.u32()? as i32),
            b'i' => Value::from(r.u32()?),
            b'L' | b'l' => Value::from(r.u64()? as i64),
            b'f' => Value::from(f64::from(f32::from_bits(r.u32()?))),
            b'd' => Value::from(f64::from_bits(r.u64()?)),
            b'D' => {
                let scale = r.u8()?;
                let v = r.u32()? as i32;
                Value::String(decimal(v, scale))
            }
            b'S' => bytes_value(r.longstr()?),
            b'A' => array(r, depth)?,
            b'T' => Value::from(r.u64()?),
            b'F' => table(r, depth)?,
            b'V' => Value::Null,
            b'x' => b64_object(r.longstr()?),
            other => return Err(WireError::BadType(other)),
        })
    }

    /// The old `decode_method`: arguments into `obj`.
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

    fn decode_args(
        r: &mut Reader<'_>,
        spec: &MethodSpec,
        obj: &mut Map<String, Value>,
    ) -> Result<(), WireError> {
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
                ShortStr => Value::String(String::from_utf8_lossy(r.shortstr()?).into_owned()),
                LongStr => bytes_value(r.longstr()?),
                Table => table(r, 0)?,
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

    /// The old `decode_content_header`: (body size, properties, capped).
    pub fn decode_content_header(
        payload: &[u8],
    ) -> Result<(u64, Map<String, Value>, bool), WireError> {
        let mut r = Reader::new(payload);
        let _class = r.u16()?;
        let _weight = r.u16()?;
        let body_size = r.u64()?;
        let flags = r.u16()?;
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
                ShortStr => Value::String(String::from_utf8_lossy(r.shortstr()?).into_owned()),
                Table => table(&mut r, 0)?,
                Octet => Value::from(r.u8()?),
                _ => Value::from(r.u64()?),
            };
            properties.insert(name.to_owned(), v);
        }
        Ok((body_size, properties, r.capped))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A field value to encode: any type byte (valid or not) with bytes, a table, an array.
    #[derive(Clone, Debug)]
    pub(crate) enum G {
        Leaf(u8, Vec<u8>),
        Table(Vec<(Vec<u8>, G)>),
        Array(Vec<G>),
    }

    pub(crate) fn longstr(out: &mut Vec<u8>, b: &[u8]) {
        out.extend_from_slice(&(b.len() as u32).to_be_bytes());
        out.extend_from_slice(b);
    }

    pub(crate) fn table_body(members: &[(Vec<u8>, G)]) -> Vec<u8> {
        let mut body = Vec::new();
        for (name, v) in members {
            body.push(name.len() as u8);
            body.extend_from_slice(name);
            encode(&mut body, v);
        }
        body
    }

    fn encode(out: &mut Vec<u8>, g: &G) {
        match g {
            G::Leaf(t, b) => {
                out.push(*t);
                if matches!(t, b'S' | b'x') {
                    longstr(out, b);
                } else {
                    let n = match t {
                        b't' | b'b' | b'B' => 1,
                        b'U' | b's' | b'u' => 2,
                        b'I' | b'i' | b'f' => 4,
                        b'D' => 5,
                        b'L' | b'l' | b'd' | b'T' => 8,
                        _ => 0,
                    };
                    out.extend((0..n).map(|i| b.get(i).copied().unwrap_or(i as u8)));
                }
            }
            G::Table(m) => {
                out.push(b'F');
                longstr(out, &table_body(m));
            }
            G::Array(items) => {
                out.push(b'A');
                let mut body = Vec::new();
                for v in items {
                    encode(&mut body, v);
                }
                longstr(out, &body);
            }
        }
    }

    pub(crate) fn arb_g() -> impl Strategy<Value = G> {
        let leaf = (
            prop_oneof![
                8 => proptest::sample::select(b"tbBUsuIiLlfdDSTVx".to_vec()),
                1 => any::<u8>(),
            ],
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..10),
                Just(f64::NAN.to_bits().to_be_bytes().to_vec()),
                Just(0x7f80_0000u32.to_be_bytes().to_vec()),
                Just(b"h\xc3\xa9\"\\".to_vec()),
            ],
        )
            .prop_map(|(t, b)| G::Leaf(t, b));
        let name = prop_oneof![
            proptest::sample::select(vec![
                b"a".to_vec(),
                b"b".to_vec(),
                b"B".to_vec(),
                b"aa".to_vec()
            ]),
            proptest::collection::vec(any::<u8>(), 0..3),
        ];
        leaf.prop_recursive(4, 40, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec((name.clone(), inner.clone()), 0..6).prop_map(G::Table),
                proptest::collection::vec(inner, 0..6).prop_map(G::Array),
            ]
        })
    }

    fn new_table(bytes: &[u8]) -> (R<String>, bool, bool) {
        let mut r = Reader::new(bytes);
        let mut b = JsonBuf::new();
        let res = r
            .field_table(0, Some(&mut b))
            .map(|()| b.finish().as_str().to_owned());
        let mut check = Reader::new(bytes);
        let checked = check.field_table(0, None);
        assert_eq!(checked.is_ok(), res.is_ok());
        (res, r.capped, check.capped)
    }

    fn old_table(bytes: &[u8]) -> (R<String>, bool) {
        let mut r = Reader::new(bytes);
        let res = oracle::table(&mut r, 0).map(|v| serde_json::to_string(&v).expect("json"));
        (res, r.capped)
    }

    proptest! {
        #[test]
        fn tables_print_what_the_value_tree_printed(
            members in proptest::collection::vec((proptest::collection::vec(any::<u8>(), 0..3), arb_g()), 0..8),
            cut in any::<prop::sample::Index>(),
            flip in proptest::option::of((any::<prop::sample::Index>(), any::<u8>())),
        ) {
            let mut bytes = Vec::new();
            longstr(&mut bytes, &table_body(&members));
            if let Some((at, v)) = flip {
                let i = at.index(bytes.len());
                bytes[i] = v;
            }
            for bytes in [&bytes[..], &bytes[..cut.index(bytes.len() + 1)]] {
                let (new, capped, checked_capped) = new_table(bytes);
                let (old, old_capped) = old_table(bytes);
                prop_assert_eq!(new, old);
                prop_assert_eq!(capped, old_capped);
                prop_assert_eq!(checked_capped, old_capped);
            }
        }

        #[test]
        fn content_headers_decode_as_before(
            flags in any::<u16>(),
            props in proptest::collection::vec(any::<u8>(), 0..40),
            headers in proptest::collection::vec((proptest::collection::vec(any::<u8>(), 0..3), arb_g()), 0..4),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut p = 60u16.to_be_bytes().to_vec();
            p.extend_from_slice(&0u16.to_be_bytes());
            p.extend_from_slice(&12u64.to_be_bytes());
            p.extend_from_slice(&flags.to_be_bytes());
            // contentType, contentEncoding: shortstrs; then the headers table; then noise.
            p.extend_from_slice(b"\x04text\x00");
            longstr(&mut p, &table_body(&headers));
            p.extend_from_slice(&props);
            let p = &p[..cut.index(p.len() + 1)];
            let old = oracle::decode_content_header(p);
            let mut fields = Properties::default();
            let new = decode_content_header(p, &mut fields);
            match (old, new) {
                (Ok((size, props, capped)), Ok(h)) => {
                    prop_assert_eq!(size, h.body_size);
                    prop_assert_eq!(capped, h.capped);
                    let mut b = JsonBuf::new();
                    write_properties(&mut b, &fields);
                    let got = b.finish();
                    prop_assert_eq!(got.as_str(), serde_json::to_string(&props).expect("json"));
                }
                (Err(a), Err(b)) => prop_assert_eq!(a, b),
                (a, b) => prop_assert!(false, "old {a:?} new {b:?}"),
            }
        }
    }

    #[test]
    fn tables_past_the_item_cap_keep_what_a_map_kept() {
        let v = G::Leaf(b'V', Vec::new());
        let mut members: Vec<(Vec<u8>, G)> = Vec::new();
        for i in 0..MAX_TABLE_ITEMS + 5 {
            // Duplicates before and after the cap, and names sorting before the cap's.
            members.push((
                format!("k{}", i % (MAX_TABLE_ITEMS - 1)).into_bytes(),
                v.clone(),
            ));
            if i % 100 == 0 {
                members.push((b"a".to_vec(), G::Leaf(b'B', vec![i as u8])));
            }
        }
        members.push((b"k5".to_vec(), G::Leaf(b'B', vec![9])));
        members.push((b"zz".to_vec(), v.clone()));
        for ms in [&members[..], &members[..MAX_TABLE_ITEMS - 3]] {
            let mut bytes = Vec::new();
            longstr(&mut bytes, &table_body(ms));
            let (new, capped, checked_capped) = new_table(&bytes);
            let (old, old_capped) = old_table(&bytes);
            assert_eq!(new, old);
            assert_eq!((capped, checked_capped), (old_capped, old_capped));
        }
        let arr = G::Array(vec![v; MAX_TABLE_ITEMS + 2]);
        let mut bytes = Vec::new();
        longstr(&mut bytes, &table_body(&[(b"a".to_vec(), arr)]));
        let (new, capped, _) = new_table(&bytes);
        assert_eq!((new, capped), old_table(&bytes));
        assert!(capped);
    }

    #[test]
    fn method_table_is_sorted_and_flags_responses() {
        assert!(
            METHODS
                .windows(2)
                .all(|w| (w[0].class, w[0].method) < (w[1].class, w[1].method))
        );
        for spec in METHODS {
            let answers = METHODS
                .iter()
                .any(|m| m.class == spec.class && m.responses.contains(&spec.method));
            assert_eq!(is_response(spec), answers, "{}", spec.name);
            assert!(std::ptr::eq(
                method_spec(spec.class, spec.method).expect("found"),
                spec
            ));
            let names: Vec<&str> = spec.members().map(|m| m.name(spec.args)).collect();
            assert_eq!(names.len(), spec.args.len() + EXTRAS.len());
            assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
        }
        assert!(method_spec(10, 12).is_none() && method_spec(99, 10).is_none());
    }
}
