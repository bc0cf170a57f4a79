//! Redis commands: the known command names (probing, inline commands, resynchronisation),
//! which argument is the key (Mizu's summary), inline-command splitting, and values to JSON.

use base64::Engine as _;
use mizu_model::JsonBuf;
use mizu_model::jkey;

use super::resp::{AggKind, Value};

/// Command names (upper case, sorted) recognised as the first word of an inline command or
/// of a RESP array when the direction is unknown. Any name is decoded inside a RESP array.
const COMMANDS: &[&str] = &[
    "ACL",
    "APPEND",
    "ASKING",
    "AUTH",
    "BGREWRITEAOF",
    "BGSAVE",
    "BITCOUNT",
    "BITFIELD",
    "BITOP",
    "BITPOS",
    "BLMOVE",
    "BLMPOP",
    "BLPOP",
    "BRPOP",
    "BRPOPLPUSH",
    "BZMPOP",
    "BZPOPMAX",
    "BZPOPMIN",
    "CLIENT",
    "CLUSTER",
    "COMMAND",
    "CONFIG",
    "COPY",
    "DBSIZE",
    "DEBUG",
    "DECR",
    "DECRBY",
    "DEL",
    "DISCARD",
    "DUMP",
    "ECHO",
    "EVAL",
    "EVALSHA",
    "EXEC",
    "EXISTS",
    "EXPIRE",
    "EXPIREAT",
    "EXPIRETIME",
    "FCALL",
    "FLUSHALL",
    "FLUSHDB",
    "FUNCTION",
    "GEOADD",
    "GEODIST",
    "GEOHASH",
    "GEOPOS",
    "GEORADIUS",
    "GEOSEARCH",
    "GET",
    "GETBIT",
    "GETDEL",
    "GETEX",
    "GETRANGE",
    "GETSET",
    "HDEL",
    "HELLO",
    "HEXISTS",
    "HGET",
    "HGETALL",
    "HINCRBY",
    "HINCRBYFLOAT",
    "HKEYS",
    "HLEN",
    "HMGET",
    "HMSET",
    "HRANDFIELD",
    "HSCAN",
    "HSET",
    "HSETNX",
    "HSTRLEN",
    "HVALS",
    "INCR",
    "INCRBY",
    "INCRBYFLOAT",
    "INFO",
    "KEYS",
    "LASTSAVE",
    "LATENCY",
    "LCS",
    "LINDEX",
    "LINSERT",
    "LLEN",
    "LMOVE",
    "LMPOP",
    "LOLWUT",
    "LPOP",
    "LPOS",
    "LPUSH",
    "LPUSHX",
    "LRANGE",
    "LREM",
    "LSET",
    "LTRIM",
    "MEMORY",
    "MGET",
    "MIGRATE",
    "MODULE",
    "MONITOR",
    "MOVE",
    "MSET",
    "MSETNX",
    "MULTI",
    "OBJECT",
    "PERSIST",
    "PEXPIRE",
    "PEXPIREAT",
    "PEXPIRETIME",
    "PFADD",
    "PFCOUNT",
    "PFMERGE",
    "PING",
    "PSETEX",
    "PSUBSCRIBE",
    "PSYNC",
    "PTTL",
    "PUBLISH",
    "PUBSUB",
    "PUNSUBSCRIBE",
    "QUIT",
    "RANDOMKEY",
    "READONLY",
    "READWRITE",
    "RENAME",
    "RENAMENX",
    "REPLICAOF",
    "RESET",
    "RESTORE",
    "ROLE",
    "RPOP",
    "RPOPLPUSH",
    "RPUSH",
    "RPUSHX",
    "SADD",
    "SAVE",
    "SCAN",
    "SCARD",
    "SCRIPT",
    "SDIFF",
    "SDIFFSTORE",
    "SELECT",
    "SET",
    "SETBIT",
    "SETEX",
    "SETNX",
    "SETRANGE",
    "SHUTDOWN",
    "SINTER",
    "SINTERCARD",
    "SINTERSTORE",
    "SISMEMBER",
    "SLAVEOF",
    "SLOWLOG",
    "SMEMBERS",
    "SMISMEMBER",
    "SMOVE",
    "SORT",
    "SPOP",
    "SPUBLISH",
    "SRANDMEMBER",
    "SREM",
    "SSCAN",
    "SSUBSCRIBE",
    "STRLEN",
    "SUBSCRIBE",
    "SUBSTR",
    "SUNION",
    "SUNIONSTORE",
    "SUNSUBSCRIBE",
    "SWAPDB",
    "SYNC",
    "TIME",
    "TOUCH",
    "TTL",
    "TYPE",
    "UNLINK",
    "UNSUBSCRIBE",
    "UNWATCH",
    "WAIT",
    "WATCH",
    "XACK",
    "XADD",
    "XAUTOCLAIM",
    "XCLAIM",
    "XDEL",
    "XGROUP",
    "XINFO",
    "XLEN",
    "XPENDING",
    "XRANGE",
    "XREAD",
    "XREADGROUP",
    "XREVRANGE",
    "XTRIM",
    "ZADD",
    "ZCARD",
    "ZCOUNT",
    "ZDIFF",
    "ZINCRBY",
    "ZINTER",
    "ZINTERCARD",
    "ZLEXCOUNT",
    "ZMPOP",
    "ZMSCORE",
    "ZPOPMAX",
    "ZPOPMIN",
    "ZRANDMEMBER",
    "ZRANGE",
    "ZRANGEBYLEX",
    "ZRANGEBYSCORE",
    "ZRANGESTORE",
    "ZRANK",
    "ZREM",
    "ZREMRANGEBYLEX",
    "ZREMRANGEBYRANK",
    "ZREMRANGEBYSCORE",
    "ZREVRANGE",
    "ZREVRANGEBYSCORE",
    "ZREVRANK",
    "ZSCAN",
    "ZSCORE",
    "ZUNION",
    "ZUNIONSTORE",
];

/// Commands whose first argument is not a key (no `request.key`). Sorted.
const KEYLESS: &[&str] = &[
    "ACL",
    "ASKING",
    "AUTH",
    "BGREWRITEAOF",
    "BGSAVE",
    "CLIENT",
    "CLUSTER",
    "COMMAND",
    "CONFIG",
    "DBSIZE",
    "DEBUG",
    "DISCARD",
    "ECHO",
    "EVAL",
    "EVALSHA",
    "EXEC",
    "FCALL",
    "FLUSHALL",
    "FLUSHDB",
    "FUNCTION",
    "HELLO",
    "INFO",
    "LASTSAVE",
    "LATENCY",
    "LOLWUT",
    "MEMORY",
    "MODULE",
    "MONITOR",
    "MULTI",
    "OBJECT",
    "PING",
    "PSYNC",
    "PUBSUB",
    "QUIT",
    "RANDOMKEY",
    "READONLY",
    "READWRITE",
    "REPLICAOF",
    "RESET",
    "ROLE",
    "SAVE",
    "SCAN",
    "SCRIPT",
    "SELECT",
    "SHUTDOWN",
    "SLAVEOF",
    "SLOWLOG",
    "SWAPDB",
    "SYNC",
    "TIME",
    "UNWATCH",
    "WAIT",
    "XREAD",
    "XREADGROUP",
];

/// A command name packed for lookups without `memcmp`: at most 16 bytes, ASCII letters
/// upper-cased, big-endian in a `u128` and zero-padded, so that integer order is the names'
/// byte order. `Word(0)` (matches no name) for anything that cannot be a known name: empty,
/// longer than 16 bytes, or holding a NUL byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Word(u128);

impl Word {
    /// (At run time: [`Word::packed`].)
    pub(crate) fn new(b: &[u8]) -> Word {
        if b.is_empty() || b.len() > 16 {
            return Word(0);
        }
        let mut buf = [0u8; 16];
        for (d, &c) in buf.iter_mut().zip(b) {
            if c == 0 {
                return Word(0);
            }
            *d = c.to_ascii_uppercase();
        }
        Word(u128::from_be_bytes(buf))
    }

    pub(crate) const fn packed(b: &[u8]) -> Word {
        if b.is_empty() || b.len() > 16 {
            return Word(0);
        }
        let mut v: u128 = 0;
        let mut i = 0;
        while i < 16 {
            let c = if i < b.len() {
                if b[i] == 0 {
                    return Word(0);
                }
                b[i].to_ascii_uppercase()
            } else {
                0
            };
            v = (v << 8) | c as u128;
            i += 1;
        }
        Word(v)
    }
}

const fn pack<const N: usize>(names: &[&str]) -> [u128; N] {
    let mut out = [0u128; N];
    let mut i = 0;
    while i < N {
        out[i] = Word::packed(names[i].as_bytes()).0;
        i += 1;
    }
    out
}

/// [`COMMANDS`] and [`KEYLESS`] packed (same order: packing keeps byte order).
static COMMAND_WORDS: [u128; COMMANDS.len()] = pack(COMMANDS);
#[cfg(test)]
static KEYLESS_WORDS: [u128; KEYLESS.len()] = pack(KEYLESS);

/// [`KEYLESS`] as a perfect hash table ([`keyless_slot`]; `has_key` runs for every
/// command). The multiplier was searched for offline: a collision fails the build.
static KEYLESS_TABLE: [u128; 256] = keyless_table();
const KEYLESS_MUL: u64 = 0x6533_2439_5126_faab;

const fn keyless_slot(w: u128) -> usize {
    let x = (w >> 64) as u64 ^ w as u64;
    (x.wrapping_mul(KEYLESS_MUL) >> 56) as usize
}

const fn keyless_table() -> [u128; 256] {
    let mut t = [0u128; 256];
    let mut i = 0;
    while i < KEYLESS.len() {
        let w = Word::packed(KEYLESS[i].as_bytes()).0;
        let slot = keyless_slot(w);
        assert!(t[slot] == 0, "KEYLESS_MUL: two names share a slot");
        t[slot] = w;
        i += 1;
    }
    t
}

/// Is `word` a known command name (any case)? Allocation-free.
pub(crate) fn is_command(word: &[u8]) -> bool {
    let w = Word::new(word);
    w.0 != 0 && COMMAND_WORDS.binary_search(&w.0).is_ok()
}

/// Does the command (its name as sent, any case, and that name as a [`Word`]) take a key
/// as its first argument? Every name does but the empty one and those of [`KEYLESS`].
pub(crate) fn has_key(command: &[u8], word: Word) -> bool {
    !command.is_empty() && (word.0 == 0 || KEYLESS_TABLE[keyless_slot(word.0)] != word.0)
}

/// Splits an inline command line as Redis' `sdssplitargs` does: whitespace-separated,
/// with `"…"` (backslash escapes, `\xHH`) and `'…'` quoting. `None`: unbalanced quotes.
pub(crate) fn split_inline(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        while line.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if i >= line.len() {
            break;
        }
        let mut arg = Vec::new();
        match line[i] {
            b'"' => {
                i += 1;
                loop {
                    let &c = line.get(i)?;
                    i += 1;
                    match c {
                        b'"' => break,
                        b'\\' => {
                            let &e = line.get(i)?;
                            i += 1;
                            match e {
                                b'n' => arg.push(b'\n'),
                                b'r' => arg.push(b'\r'),
                                b't' => arg.push(b'\t'),
                                b'b' => arg.push(8),
                                b'a' => arg.push(7),
                                b'x' => {
                                    let hex = line.get(i..i + 2)?;
                                    let v = std::str::from_utf8(hex)
                                        .ok()
                                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                                    match v {
                                        Some(v) => {
                                            arg.push(v);
                                            i += 2;
                                        }
                                        None => arg.push(b'x'),
                                    }
                                }
                                other => arg.push(other),
                            }
                        }
                        other => arg.push(other),
                    }
                }
            }
            b'\'' => {
                i += 1;
                loop {
                    let &c = line.get(i)?;
                    i += 1;
                    match c {
                        b'\'' => break,
                        b'\\' if line.get(i) == Some(&b'\'') => {
                            arg.push(b'\'');
                            i += 1;
                        }
                        other => arg.push(other),
                    }
                }
            }
            _ => {
                while let Some(&c) = line.get(i) {
                    if c.is_ascii_whitespace() {
                        break;
                    }
                    arg.push(c);
                    i += 1;
                }
            }
        }
        out.push(arg);
    }
    Some(out)
}

/// Bytes as a JSON string: UTF-8 text as is, anything else `"base64:…"`.
pub(crate) fn write_bytes(b: &mut JsonBuf, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(s) => b.str(s),
        Err(_) => b.str(&format!(
            "base64:{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )),
    }
}

/// A command argument: the text of a string-like value (integers as their decimal text),
/// else the value as [`write_value`] writes it.
pub(crate) fn write_arg(b: &mut JsonBuf, v: &Value) {
    match v {
        Value::Simple(t) | Value::Double(t) | Value::BigNum(t) | Value::Bulk { data: t, .. } => {
            write_bytes(b, t)
        }
        Value::Int(i) => b.str(&i.to_string()),
        _ => write_value(b, v),
    }
}

/// The RESP type name shown in `response.type`.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Simple(_) => "string",
        Value::Error { .. } => "error",
        Value::Int(_) => "integer",
        Value::Bulk { verbatim: None, .. } => "bulk",
        Value::Bulk { .. } => "verbatim",
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Double(_) => "double",
        Value::BigNum(_) => "bignumber",
        Value::Agg { kind, .. } => match kind {
            AggKind::Array => "array",
            AggKind::Set => "set",
            AggKind::Push => "push",
            AggKind::Map => "map",
            AggKind::Attribute => "attribute",
        },
    }
}

/// The length of [`write_value`]'s JSON for `v`: exact when its strings need no escaping
/// and its doubles print as sent (a capacity hint: the text is then never reallocated).
pub(crate) fn json_len(v: &Value) -> usize {
    match v {
        Value::Simple(t) | Value::Bulk { data: t, .. } | Value::BigNum(t) => t.len() + 2,
        Value::Error { text, .. } => text.len() + 12,
        Value::Int(i) => int_len(*i),
        Value::Null | Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Double(t) => t.len(),
        // `[a,b]`, and `{"k":v}` as well (a colon for a comma); maps with other keys are
        // longer.
        Value::Agg { items, .. } => {
            2 + items.iter().map(json_len).sum::<usize>() + items.len().saturating_sub(1)
        }
    }
}

/// The length of [`write_arg`]'s JSON for `v` (as [`json_len`]).
pub(crate) fn arg_len(v: &Value) -> usize {
    match v {
        Value::Double(t) => t.len() + 2,
        Value::Int(i) => int_len(*i) + 2,
        _ => json_len(v),
    }
}

/// Digits (and sign) of `i` in decimal.
pub(crate) fn int_len(i: i64) -> usize {
    let mut n = usize::from(i < 0) + 1;
    let mut v = i.unsigned_abs();
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

/// A RESP value as JSON: strings, numbers, `null`, booleans, arrays; maps become objects
/// (keys as text, sorted, the last of equal keys kept) unless a key is not string-like, then
/// a list of `[key, value]` pairs; errors inside aggregates become `{"error": "…"}`; big
/// numbers and non-finite doubles stay strings.
pub(crate) fn write_value(b: &mut JsonBuf, v: &Value) {
    match v {
        Value::Simple(t) | Value::Bulk { data: t, .. } => write_bytes(b, t),
        Value::Error { text, .. } => {
            b.begin_object();
            b.k(jkey!("error"));
            write_bytes(b, text);
            b.end_object();
        }
        Value::Int(i) => b.i64(*i),
        Value::Null => b.null(),
        Value::Bool(v) => b.bool(*v),
        Value::Double(t) => {
            let s = String::from_utf8_lossy(t);
            match s.parse::<f64>() {
                Ok(f) if f.is_finite() && !s.contains(['i', 'n', 'I', 'N']) => b.f64(f),
                _ => b.str(&s),
            }
        }
        Value::BigNum(t) => b.str(&String::from_utf8_lossy(t)),
        Value::Agg {
            kind: AggKind::Map | AggKind::Attribute,
            items,
            ..
        } => {
            let stringy = items.iter().step_by(2).all(|k| k.text().is_some());
            if stringy {
                // As a `serde_json::Map` holds them: sorted by key, the last of equal keys.
                let mut keys: Vec<(String, usize)> = items
                    .iter()
                    .step_by(2)
                    .enumerate()
                    .map(|(i, k)| {
                        let key = k
                            .text()
                            .map(|t| String::from_utf8_lossy(&t).into_owned())
                            .unwrap_or_default();
                        (key, 2 * i + 1)
                    })
                    .collect();
                keys.sort_by(|a, b| a.0.cmp(&b.0));
                b.begin_object();
                for (i, (k, at)) in keys.iter().enumerate() {
                    if keys.get(i + 1).is_some_and(|next| next.0 == *k) {
                        continue;
                    }
                    b.key(k);
                    match items.get(*at) {
                        Some(v) => write_value(b, v),
                        None => b.null(),
                    }
                }
                b.end_object();
            } else {
                b.begin_array();
                for pair in items.chunks(2) {
                    b.begin_array();
                    for v in pair {
                        write_value(b, v);
                    }
                    b.end_array();
                }
                b.end_array();
            }
        }
        Value::Agg { items, .. } => {
            b.begin_array();
            for v in items {
                write_value(b, v);
            }
            b.end_array();
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Map, Value as Json};

    /// The `serde_json::Value` rendering the writers replaced: the oracle they must match.
    pub(crate) fn bytes_json(b: &[u8]) -> Json {
        match std::str::from_utf8(b) {
            Ok(s) => Json::String(s.to_owned()),
            Err(_) => Json::String(format!(
                "base64:{}",
                base64::engine::general_purpose::STANDARD.encode(b)
            )),
        }
    }

    pub(crate) fn to_json(v: &Value) -> Json {
        match v {
            Value::Simple(b) | Value::Bulk { data: b, .. } => bytes_json(b),
            Value::Error { text, .. } => {
                let mut m = Map::new();
                m.insert("error".to_owned(), bytes_json(text));
                Json::Object(m)
            }
            Value::Int(i) => Json::from(*i),
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Double(t) => {
                let s = String::from_utf8_lossy(t);
                match s.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                    Some(n) if !s.contains(['i', 'n', 'I', 'N']) => Json::Number(n),
                    _ => Json::String(s.into_owned()),
                }
            }
            Value::BigNum(t) => Json::String(String::from_utf8_lossy(t).into_owned()),
            Value::Agg {
                kind: AggKind::Map | AggKind::Attribute,
                items,
                ..
            } => {
                let stringy = items.iter().step_by(2).all(|k| k.text().is_some());
                if stringy {
                    let mut m = Map::new();
                    for pair in items.chunks(2) {
                        let key = pair
                            .first()
                            .and_then(Value::text)
                            .map(|t| String::from_utf8_lossy(&t).into_owned())
                            .unwrap_or_default();
                        m.insert(key, pair.get(1).map_or(Json::Null, to_json));
                    }
                    Json::Object(m)
                } else {
                    Json::Array(
                        items
                            .chunks(2)
                            .map(|p| Json::Array(p.iter().map(to_json).collect()))
                            .collect(),
                    )
                }
            }
            Value::Agg { items, .. } => Json::Array(items.iter().map(to_json).collect()),
        }
    }

    fn written(v: &Value) -> String {
        let mut b = JsonBuf::new();
        write_value(&mut b, v);
        b.finish().as_str().to_owned()
    }

    fn arb_bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..8),
            r#"[a-c"\\\x00-\x1f\u{e9}]{0,4}"#.prop_map(String::into_bytes),
            Just(b"1.5".to_vec()),
            Just(b"-0".to_vec()),
            Just(b"1e400".to_vec()),
            Just(b"nan".to_vec()),
            Just(b"12345678901234567890".to_vec()),
        ]
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            arb_bytes().prop_map(Value::Simple),
            (arb_bytes(), any::<bool>()).prop_map(|(text, bulk)| Value::Error { text, bulk }),
            any::<i64>().prop_map(Value::Int),
            (arb_bytes(), any::<bool>()).prop_map(|(data, v)| Value::Bulk {
                len: data.len() as u64,
                data,
                verbatim: v.then(|| "txt".to_owned()),
            }),
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            arb_bytes().prop_map(Value::Double),
            arb_bytes().prop_map(Value::BigNum),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            (
                prop_oneof![
                    Just(AggKind::Array),
                    Just(AggKind::Set),
                    Just(AggKind::Push),
                    Just(AggKind::Map),
                    Just(AggKind::Attribute),
                ],
                proptest::collection::vec(inner, 0..6),
            )
                .prop_map(|(kind, items)| Value::Agg {
                    kind,
                    declared: items.len() as u64,
                    items,
                })
        })
    }

    proptest! {
        #[test]
        fn writers_print_what_the_value_tree_printed(v in arb_value()) {
            prop_assert_eq!(written(&v), serde_json::to_string(&to_json(&v)).expect("json"));
            let mut b = JsonBuf::new();
            write_arg(&mut b, &v);
            let want = match v.text() {
                Some(t) => bytes_json(&t),
                None => to_json(&v),
            };
            let got = b.finish();
            prop_assert_eq!(got.as_str(), serde_json::to_string(&want).expect("json"));
        }
    }

    #[test]
    fn tables_are_sorted() {
        assert!(COMMANDS.windows(2).all(|w| w[0] < w[1]));
        assert!(KEYLESS.windows(2).all(|w| w[0] < w[1]));
        assert!(COMMAND_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(KEYLESS_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(COMMANDS.iter().all(|c| c.len() <= 16));
        assert!(is_command(b"get") && is_command(b"HGETALL") && !is_command(b"HTTP"));
        assert!(is_command(b"ZREMRANGEBYSCORE") && !is_command(b"ZREMRANGEBYSCOREX"));
        assert!(!is_command(b"") && !is_command(b"GET\0") && !is_command(b"GE"));
        let has_key = |c: &[u8]| super::has_key(c, Word::new(c));
        for w in COMMAND_WORDS {
            let name = w.to_be_bytes();
            let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(16)];
            assert_eq!(has_key(name), KEYLESS_WORDS.binary_search(&w).is_err());
        }
        assert!(has_key(b"SET") && !has_key(b"PING") && !has_key(b"hello"));
        assert!(has_key(b"PING\0") && has_key(b"P\xc3\xa9NG") && !has_key(b""));
        assert!(has_key(b"SOMEVERYLONGCOMMANDNAME"));
        for name in COMMANDS {
            let lower = name.to_ascii_lowercase();
            assert_eq!(Word::new(lower.as_bytes()), Word::packed(name.as_bytes()));
        }
    }

    #[test]
    fn inline_splitting() {
        let s = |l: &[u8]| split_inline(l).expect("balanced");
        assert_eq!(
            s(b"SET k v"),
            vec![b"SET".to_vec(), b"k".to_vec(), b"v".to_vec()]
        );
        assert_eq!(s(b"  PING  "), vec![b"PING".to_vec()]);
        assert_eq!(
            s(br#"SET "a b" 'c d' "\x41\n""#),
            vec![
                b"SET".to_vec(),
                b"a b".to_vec(),
                b"c d".to_vec(),
                b"A\n".to_vec()
            ]
        );
        assert!(split_inline(b"SET \"open").is_none());
    }

    #[test]
    fn json_shapes() {
        let map = Value::Agg {
            kind: AggKind::Map,
            items: vec![
                Value::Simple(b"server".to_vec()),
                Value::Simple(b"redis".to_vec()),
                Value::Bulk {
                    data: b"proto".to_vec(),
                    len: 5,
                    verbatim: None,
                },
                Value::Int(3),
                Value::Simple(b"server".to_vec()),
                Value::Simple(b"valkey".to_vec()),
            ],
            declared: 3,
        };
        assert_eq!(written(&map), r#"{"proto":3,"server":"valkey"}"#);
        for v in [
            &map,
            &Value::Int(-120),
            &Value::Int(0),
            &Value::Error {
                text: b"ERR x".to_vec(),
                bulk: false,
            },
        ] {
            let dup_free = !matches!(v, Value::Agg { .. });
            if dup_free {
                assert_eq!(json_len(v), written(v).len(), "{v:?}");
            }
        }
        assert_eq!(written(&Value::Double(b"1.5".to_vec())), "1.5");
        assert_eq!(written(&Value::Double(b"inf".to_vec())), r#""inf""#);
        assert_eq!(written(&Value::Bool(true)), "true");
        assert_eq!(
            written(&Value::Bulk {
                data: vec![0xff, 0],
                len: 2,
                verbatim: None
            }),
            r#""base64:/wA=""#
        );
    }
}
