//! Redis commands: the known command names (probing, inline commands, resynchronisation),
//! which argument is the key (Mizu's summary), inline-command splitting, and values to JSON.

use base64::Engine as _;
use serde_json::{Map, Value as Json};

use super::resp::{AggKind, Value};

/// Command names (upper case, sorted) recognised as the first word of an inline command or
/// of a RESP array when the direction is unknown. Any name is decoded inside a RESP array.
static COMMANDS: &[&str] = &[
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
static KEYLESS: &[&str] = &[
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

/// Is `word` a known command name (any case)? Allocation-free.
pub(crate) fn is_command(word: &[u8]) -> bool {
    if word.is_empty() || word.len() > 16 {
        return false;
    }
    let mut buf = [0u8; 16];
    let up = &mut buf[..word.len()];
    up.copy_from_slice(word);
    up.make_ascii_uppercase();
    COMMANDS
        .binary_search_by(|c| c.as_bytes().cmp(&*up))
        .is_ok()
}

/// Does the command (upper case) take a key as its first argument?
pub(crate) fn has_key(command: &str) -> bool {
    !command.is_empty() && KEYLESS.binary_search(&command).is_err()
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
pub(crate) fn bytes_json(b: &[u8]) -> Json {
    match std::str::from_utf8(b) {
        Ok(s) => Json::String(s.to_owned()),
        Err(_) => Json::String(format!(
            "base64:{}",
            base64::engine::general_purpose::STANDARD.encode(b)
        )),
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

/// A RESP value as JSON: strings, numbers, `null`, booleans, arrays; maps become objects
/// (keys as text) unless a key is not string-like, then a list of `[key, value]` pairs;
/// errors inside aggregates become `{"error": "…"}`; big numbers and non-finite doubles stay
/// strings.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted() {
        assert!(COMMANDS.windows(2).all(|w| w[0] < w[1]));
        assert!(KEYLESS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_command(b"get") && is_command(b"HGETALL") && !is_command(b"HTTP"));
        assert!(has_key("SET") && !has_key("PING") && !has_key("HELLO"));
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
            ],
            declared: 2,
        };
        assert_eq!(
            to_json(&map),
            serde_json::json!({"server": "redis", "proto": 3})
        );
        assert_eq!(
            to_json(&Value::Double(b"1.5".to_vec())),
            serde_json::json!(1.5)
        );
        assert_eq!(
            to_json(&Value::Double(b"inf".to_vec())),
            serde_json::json!("inf")
        );
        assert_eq!(to_json(&Value::Bool(true)), serde_json::json!(true));
        assert_eq!(
            to_json(&Value::Bulk {
                data: vec![0xff, 0],
                len: 2,
                verbatim: None
            }),
            serde_json::json!("base64:/wA=")
        );
    }
}
