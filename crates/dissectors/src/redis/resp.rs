//! A streaming RESP2/RESP3 value parser
//! ([spec](https://github.com/redis/redis-specification/blob/master/protocol/RESP3.md),
//! [RESP2](https://redis.io/docs/latest/develop/reference/protocol-spec/)).
//!
//! [`Parser::step`] is fed the unconsumed bytes of one direction and advances by one token:
//! a type line (`+OK\r\n`, `*3\r\n`, `$5\r\n`…) or a run of bulk-string content. Bulk content
//! is consumed as it arrives, so a 200 KB value never has to be buffered whole; at most a
//! byte budget (`Limits::max_body`) of it is kept per message and the rest is counted
//! (`truncated`). Aggregates (`*` `%` `~` `>` `|`) are an explicit stack bounded by
//! [`MAX_DEPTH`]; declared element counts are never used to size an allocation, and at most
//! [`MAX_ITEMS`] elements are kept per aggregate. All RESP3 types are accepted in both
//! protocol versions (a RESP2 peer simply never sends them). Streamed RESP3 strings and
//! aggregates (`$?`, `*?`) are rejected as invalid (Redis itself never sends them).

/// Deepest aggregate nesting accepted; deeper input is invalid (resynchronised).
pub(crate) const MAX_DEPTH: usize = 32;
/// Elements kept per aggregate; later ones are parsed, counted and dropped.
pub(crate) const MAX_ITEMS: usize = 1024;
/// Largest bulk length accepted (Redis' `proto-max-bulk-len` default, 512 MB).
pub(crate) const MAX_BULK: u64 = 512 << 20;
/// Most elements a server message may declare in all its open aggregates together
/// (16 Mi). A count beyond what is left of it (`*2147483647`, `%2147483647`) is corrupt:
/// taking it would make the following messages its elements.
pub(crate) const MAX_COUNT: u64 = 1 << 24;

/// One decoded RESP value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    /// `+…` simple string.
    Simple(Vec<u8>),
    /// `-…` simple error, or `!` bulk error (`bulk` = true).
    Error { text: Vec<u8>, bulk: bool },
    /// `:` integer.
    Int(i64),
    /// `$` bulk string (or `=` verbatim with its `txt:` format prefix removed): the kept
    /// prefix and the length on the wire.
    Bulk {
        data: Vec<u8>,
        len: u64,
        verbatim: Option<String>,
    },
    /// `_`, `$-1`, `*-1`.
    Null,
    /// `#t` / `#f`.
    Bool(bool),
    /// `,` double, as sent.
    Double(Vec<u8>),
    /// `(` big number, as sent.
    BigNum(Vec<u8>),
    /// `*` array, `~` set, `>` push, `%` map (items are key, value, key, value…).
    Agg {
        kind: AggKind,
        items: Vec<Value>,
        /// Elements on the wire (for maps: pairs).
        declared: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AggKind {
    Array,
    Set,
    Push,
    Map,
    Attribute,
}

impl AggKind {
    fn from_byte(b: u8) -> Option<AggKind> {
        Some(match b {
            b'*' => AggKind::Array,
            b'~' => AggKind::Set,
            b'>' => AggKind::Push,
            b'%' => AggKind::Map,
            b'|' => AggKind::Attribute,
            _ => return None,
        })
    }
}

impl Value {
    /// The bytes of a string-like value (simple, bulk, verbatim, number); `None` otherwise.
    pub(crate) fn text(&self) -> Option<std::borrow::Cow<'_, [u8]>> {
        use std::borrow::Cow;
        match self {
            Value::Simple(b) | Value::Double(b) | Value::BigNum(b) => Some(Cow::Borrowed(b)),
            Value::Bulk { data, .. } => Some(Cow::Borrowed(data)),
            Value::Int(i) => Some(Cow::Owned(i.to_string().into_bytes())),
            _ => None,
        }
    }
}

/// A complete top-level message.
#[derive(Debug)]
pub(crate) struct Message {
    pub value: Value,
    /// RESP3 attributes (`|`) that preceded values of this message.
    pub attrs: Vec<Value>,
    /// Bytes on the wire.
    pub size: u64,
    /// Some content (bulk bytes or elements) was not kept.
    pub truncated: bool,
}

/// What one [`Parser::step`] did.
#[derive(Debug)]
pub(crate) enum Step {
    /// Needs more bytes (nothing consumed).
    Need,
    /// Consumed this many bytes; the message is not complete yet.
    More(usize),
    /// Consumed this many bytes and completed a message.
    Done(usize, Message),
    /// The bytes at the current position are not RESP.
    Invalid(String),
}

#[derive(Debug)]
struct Frame {
    kind: AggKind,
    items: Vec<Value>,
    /// Values still expected (maps and attributes: twice the pairs).
    remaining: u64,
    declared: u64,
}

#[derive(Debug)]
struct BulkState {
    /// `$`, `=` or `!`.
    kind: u8,
    len: u64,
    remaining: u64,
    /// CRLF bytes still expected after the content.
    crlf: u8,
    data: Vec<u8>,
}

/// The per-direction streaming parser.
#[derive(Debug)]
pub(crate) struct Parser {
    stack: Vec<Frame>,
    bulk: Option<BulkState>,
    attrs: Vec<Value>,
    size: u64,
    truncated: bool,
    /// Bytes (and values) kept in the current message, against `budget`.
    kept: usize,
    budget: usize,
    max_line: usize,
    /// Most elements declared by the open aggregates together (see [`MAX_COUNT`]).
    max_count: u64,
}

/// Position and length of the line at the start of `data` (content without CR LF, and the
/// bytes including the terminator), or `None` if no LF yet.
pub(crate) fn line(data: &[u8]) -> Option<(&[u8], usize)> {
    let nl = data.iter().position(|&b| b == b'\n')?;
    let content = &data[..nl];
    let content = content.strip_suffix(b"\r").unwrap_or(content);
    Some((content, nl + 1))
}

/// A `<tag><digits>\r\n` line at the start of `data` (at most 9 digits, no sign): the
/// number and the line's length. Anything else is `None`, even when [`line`] and
/// [`parse_int`] would read it (a fast path falls back to them).
#[inline]
fn count_line(data: &[u8], tag: u8) -> Option<(usize, usize)> {
    if *data.first()? != tag {
        return None;
    }
    let mut v = 0usize;
    let mut i = 1;
    while let Some(&c) = data.get(i) {
        if !c.is_ascii_digit() || i > 9 {
            break;
        }
        v = v * 10 + usize::from(c - b'0');
        i += 1;
    }
    if i == 1 || data.get(i..i + 2)? != b"\r\n" {
        return None;
    }
    Some((v, i + 2))
}

/// Parses a decimal integer (optional sign), strictly.
/// (What `str::parse::<i64>` accepts, at most 20 bytes; by hand, as it runs for every
/// type line.)
pub(crate) fn parse_int(b: &[u8]) -> Option<i64> {
    if b.len() > 20 {
        return None;
    }
    let (neg, digits) = match b {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, b),
    };
    if digits.is_empty() {
        return None;
    }
    // Accumulated negated, so that `i64::MIN` fits.
    let mut v: i64 = 0;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_sub(i64::from(d))?;
    }
    if neg { Some(v) } else { v.checked_neg() }
}

/// Commands of at most this many elements are read in one go by [`Parser::whole_command`].
pub(crate) const FAST_ARGS: usize = 8;

/// A command read in one go: its elements (byte strings) and its size on the wire.
#[derive(Debug)]
pub(crate) struct Command<'a> {
    args: [&'a [u8]; FAST_ARGS],
    n: usize,
    pub size: usize,
}

impl<'a> Command<'a> {
    pub(crate) fn args(&self) -> &[&'a [u8]] {
        self.args.get(..self.n).unwrap_or_default()
    }
}

impl Parser {
    /// A client command at the start of `data` when it is the usual kind and wholly there:
    /// an array of 1 to [`FAST_ARGS`] bulk strings, kept whole by the budget. Parsing it
    /// with [`Parser::step`] would give the same message (all its elements, not
    /// truncated, `size` bytes); anything else (`None`) is left to `step`. The parser's
    /// state is not touched.
    pub(crate) fn whole_command<'a>(&self, data: &'a [u8]) -> Option<Command<'a>> {
        if self.in_message() {
            return None;
        }
        let (n, mut at) = count_line(data, b'*')?;
        if !(1..=FAST_ARGS).contains(&n) || at > self.max_line {
            return None;
        }
        let mut args: [&[u8]; FAST_ARGS] = [&[]; FAST_ARGS];
        let mut kept = 0usize;
        for slot in args.iter_mut().take(n) {
            let (len, used) = count_line(data.get(at..)?, b'$')?;
            if len as u64 > MAX_BULK || used > self.max_line {
                return None;
            }
            let start = at + used;
            let end = start + len;
            *slot = data.get(start..end)?;
            if data.get(end..end + 2)? != b"\r\n" {
                return None;
            }
            // What `step` keeps: the content, and 16 per element of an aggregate.
            kept = kept.saturating_add(len + 16);
            at = end + 2;
        }
        if kept > self.budget {
            return None;
        }
        Some(Command { args, n, size: at })
    }

    /// `budget`: content bytes kept per message; `max_line`: longest type line.
    pub(crate) fn new(budget: usize, max_line: usize) -> Parser {
        Parser {
            stack: Vec::new(),
            bulk: None,
            attrs: Vec::new(),
            size: 0,
            truncated: false,
            kept: 0,
            budget,
            max_line,
            max_count: MAX_COUNT,
        }
    }

    /// The same parser with another cap on declared elements (client commands: Redis'
    /// own multibulk limit is what a sane client stays under).
    pub(crate) fn with_max_count(mut self, n: u64) -> Parser {
        self.max_count = n;
        self
    }

    /// Elements an aggregate starting now may still declare: the cap less what the open
    /// aggregates still expect.
    fn count_room(&self) -> u64 {
        let open: u64 = self.stack.iter().map(|f| f.remaining).sum();
        self.max_count.saturating_sub(open)
    }

    /// A message has started and is not complete.
    pub(crate) fn in_message(&self) -> bool {
        self.bulk.is_some() || !self.stack.is_empty() || !self.attrs.is_empty()
    }

    /// Abandons the message being parsed; returns its partial bytes count.
    pub(crate) fn reset(&mut self) -> u64 {
        let size = self.size;
        self.stack.clear();
        self.bulk = None;
        self.attrs.clear();
        self.size = 0;
        self.truncated = false;
        self.kept = 0;
        size
    }

    /// The partial message, as far as parsed (for a message cut by a gap or the end of the
    /// connection): the outermost open aggregate with what it holds, else `None`.
    pub(crate) fn take_partial(&mut self) -> Option<Message> {
        if !self.in_message() {
            return None;
        }
        let mut value = None;
        if let Some(b) = self.bulk.take() {
            value = Some(Value::Bulk {
                data: b.data,
                len: b.len,
                verbatim: None,
            });
        }
        while let Some(f) = self.stack.pop() {
            let mut items = f.items;
            if let Some(v) = value.take() {
                items.push(v);
            }
            value = Some(Value::Agg {
                kind: f.kind,
                items,
                declared: f.declared,
            });
        }
        let size = self.size;
        let attrs = std::mem::take(&mut self.attrs);
        self.reset();
        Some(Message {
            value: value.unwrap_or(Value::Null),
            attrs,
            size,
            truncated: true,
        })
    }

    fn keep(&mut self, cost: usize) -> bool {
        if self.kept.saturating_add(cost) > self.budget {
            self.truncated = true;
            false
        } else {
            self.kept += cost;
            true
        }
    }

    /// Advances over one token at the start of `data`.
    pub(crate) fn step(&mut self, data: &[u8]) -> Step {
        if data.is_empty() {
            return Step::Need;
        }
        if self.bulk.is_some() {
            return self.bulk_step(data);
        }
        let Some((content, used)) = line(data) else {
            if data.len() > self.max_line {
                return Step::Invalid(format!("RESP line longer than {} bytes", self.max_line));
            }
            return Step::Need;
        };
        if used > self.max_line {
            return Step::Invalid(format!("RESP line longer than {} bytes", self.max_line));
        }
        let Some((&t, rest)) = content.split_first() else {
            return Step::Invalid("empty RESP line".to_owned());
        };
        self.size += used as u64;
        let value = match t {
            b'+' => Value::Simple(self.kept_bytes(rest)),
            b'-' => Value::Error {
                text: self.kept_bytes(rest),
                bulk: false,
            },
            b':' => match parse_int(rest) {
                Some(i) => Value::Int(i),
                None => return self.invalid(used, "invalid RESP integer"),
            },
            b'_' if rest.is_empty() => Value::Null,
            b'#' if rest == b"t" => Value::Bool(true),
            b'#' if rest == b"f" => Value::Bool(false),
            b',' if !rest.is_empty() && rest.iter().all(|c| c.is_ascii_graphic()) => {
                Value::Double(rest.to_vec())
            }
            b'(' if parse_bignum(rest) => Value::BigNum(rest.to_vec()),
            b'$' | b'=' | b'!' => match parse_int(rest) {
                Some(-1) if t == b'$' => Value::Null,
                Some(n)
                    if t == b'$'
                        && n >= 0
                        && (n as u64) <= MAX_BULK
                        && (n as usize) <= self.budget.saturating_sub(self.kept)
                        && data.get(used + n as usize..used + n as usize + 2) == Some(b"\r\n") =>
                {
                    // The whole string is here and within the budget: take it at once
                    // (what the content, CR and LF steps below would do one by one).
                    let n = n as usize;
                    let content = data.get(used..used + n).unwrap_or_default();
                    self.kept += n;
                    self.size += n as u64 + 2;
                    return self.complete(
                        Value::Bulk {
                            data: content.to_vec(),
                            len: n as u64,
                            verbatim: None,
                        },
                        used + n + 2,
                    );
                }
                Some(n) if n >= 0 && (n as u64) <= MAX_BULK => {
                    self.bulk = Some(BulkState {
                        kind: t,
                        len: n as u64,
                        remaining: n as u64,
                        crlf: 2,
                        data: Vec::new(),
                    });
                    return Step::More(used);
                }
                _ => return self.invalid(used, "invalid RESP bulk length"),
            },
            b'*' | b'~' | b'>' | b'%' | b'|' => match self.aggregate_header(t, rest, used) {
                Ok(v) => v,
                Err(step) => return step,
            },
            _ => return self.invalid(used, "not a RESP type byte"),
        };
        self.complete(value, used)
    }

    /// Inside a bulk string: its content, then its CR LF, then the finished value.
    fn bulk_step(&mut self, data: &[u8]) -> Step {
        let Some(b) = &mut self.bulk else {
            return Step::Need;
        };
        if b.remaining > 0 {
            let n = (data.len() as u64).min(b.remaining) as usize;
            let room = self
                .budget
                .saturating_sub(self.kept)
                .min(n)
                .min(self.budget);
            if room > 0 {
                b.data.extend_from_slice(&data[..room]);
                self.kept += room;
            }
            if room < n {
                self.truncated = true;
            }
            b.remaining -= n as u64;
            self.size += n as u64;
            return Step::More(n);
        }
        // The CR LF after the content.
        let want = if b.crlf == 2 { b'\r' } else { b'\n' };
        let Some(&got) = data.first() else {
            return Step::Need;
        };
        if got != want {
            return Step::Invalid("bulk string not followed by CRLF".to_owned());
        }
        b.crlf -= 1;
        self.size += 1;
        if b.crlf > 0 {
            return Step::More(1);
        }
        let Some(b) = self.bulk.take() else {
            return Step::More(1);
        };
        let value = match b.kind {
            b'!' => Value::Error {
                text: b.data,
                bulk: true,
            },
            b'=' => {
                let (fmt, data) = match b.data.get(3) {
                    Some(b':') => (
                        Some(String::from_utf8_lossy(&b.data[..3]).into_owned()),
                        b.data[4..].to_vec(),
                    ),
                    _ => (None, b.data),
                };
                Value::Bulk {
                    data,
                    len: b.len.saturating_sub(if fmt.is_some() { 4 } else { 0 }),
                    verbatim: Some(fmt.unwrap_or_default()),
                }
            }
            _ => Value::Bulk {
                data: b.data,
                len: b.len,
                verbatim: None,
            },
        };
        self.complete(value, 1)
    }

    /// The header line of an aggregate (`*`, `~`, `>`, `%`, `|`): an empty or null value,
    /// or `Err` with the step to return (a frame opened, or invalid).
    fn aggregate_header(&mut self, t: u8, rest: &[u8], used: usize) -> Result<Value, Step> {
        let kind = AggKind::from_byte(t).unwrap_or(AggKind::Array);
        let pairs = matches!(kind, AggKind::Map | AggKind::Attribute);
        let room = self.count_room();
        match parse_int(rest) {
            Some(-1) if t == b'*' => Ok(Value::Null),
            Some(n) if n >= 0 && (n as u64).saturating_mul(1 + u64::from(pairs)) <= room => {
                let n = n as u64;
                let remaining = if pairs { n * 2 } else { n };
                if remaining == 0 {
                    return Ok(Value::Agg {
                        kind,
                        items: Vec::new(),
                        declared: 0,
                    });
                }
                if self.stack.len() >= MAX_DEPTH {
                    return Err(self.invalid(
                        used,
                        &format!("RESP aggregates nested deeper than {MAX_DEPTH}"),
                    ));
                }
                self.stack.push(Frame {
                    kind,
                    items: Vec::new(),
                    remaining,
                    declared: n,
                });
                Err(Step::More(used))
            }
            Some(n) if n >= 0 => Err(self.invalid(
                used,
                &format!(
                    "RESP aggregate of {n} elements exceeds the {} element cap",
                    self.max_count
                ),
            )),
            _ => Err(self.invalid(used, "invalid RESP aggregate length")),
        }
    }

    fn invalid(&mut self, used: usize, why: &str) -> Step {
        self.size = self.size.saturating_sub(used as u64);
        Step::Invalid(why.to_owned())
    }

    fn kept_bytes(&mut self, b: &[u8]) -> Vec<u8> {
        let room = self.budget.saturating_sub(self.kept).min(b.len());
        if room < b.len() {
            self.truncated = true;
        }
        self.kept += room;
        b[..room].to_vec()
    }

    /// A value is complete: add it to its aggregate, closing finished aggregates.
    fn complete(&mut self, mut value: Value, used: usize) -> Step {
        loop {
            let Some(top) = self.stack.last_mut() else {
                if let Value::Agg {
                    kind: AggKind::Attribute,
                    ..
                } = value
                {
                    // Attributes precede the value they describe: keep them aside.
                    if self.attrs.len() < MAX_ITEMS {
                        self.attrs.push(value);
                    }
                    return Step::More(used);
                }
                let msg = Message {
                    value,
                    attrs: std::mem::take(&mut self.attrs),
                    size: self.size,
                    truncated: self.truncated,
                };
                self.size = 0;
                self.truncated = false;
                self.kept = 0;
                return Step::Done(used, msg);
            };
            if let Value::Agg {
                kind: AggKind::Attribute,
                ..
            } = value
            {
                // An attribute inside an aggregate is not one of its elements.
                if self.attrs.len() < MAX_ITEMS {
                    self.attrs.push(value);
                }
                return Step::More(used);
            }
            top.remaining = top.remaining.saturating_sub(1);
            let room = top.items.len() < MAX_ITEMS * 2;
            let done = top.remaining == 0;
            if room && self.keep(16) {
                if let Some(top) = self.stack.last_mut() {
                    top.items.push(value);
                }
            } else {
                self.truncated = true;
            }
            if !done {
                return Step::More(used);
            }
            let Some(f) = self.stack.pop() else {
                return Step::More(used);
            };
            value = Value::Agg {
                kind: f.kind,
                items: f.items,
                declared: f.declared,
            };
        }
    }
}

fn parse_bignum(b: &[u8]) -> bool {
    let digits = b.strip_prefix(b"-").or(b.strip_prefix(b"+")).unwrap_or(b);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Vec<Message> {
        let mut p = Parser::new(1 << 20, 1 << 16);
        let mut at = 0;
        let mut out = Vec::new();
        loop {
            match p.step(&input[at..]) {
                Step::Need => break,
                Step::More(n) => at += n,
                Step::Done(n, m) => {
                    at += n;
                    out.push(m);
                }
                Step::Invalid(why) => panic!("invalid at {at}: {why}"),
            }
        }
        assert_eq!(at, input.len(), "all consumed");
        out
    }

    fn one(input: &[u8]) -> Value {
        let mut m = parse_all(input);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].size, input.len() as u64);
        m.remove(0).value
    }

    #[test]
    fn resp2_types() {
        assert_eq!(one(b"+OK\r\n"), Value::Simple(b"OK".to_vec()));
        assert_eq!(
            one(b"-ERR unknown\r\n"),
            Value::Error {
                text: b"ERR unknown".to_vec(),
                bulk: false
            }
        );
        assert_eq!(one(b":-42\r\n"), Value::Int(-42));
        assert_eq!(
            one(b"$5\r\nhello\r\n"),
            Value::Bulk {
                data: b"hello".to_vec(),
                len: 5,
                verbatim: None
            }
        );
        assert_eq!(one(b"$-1\r\n"), Value::Null);
        assert_eq!(one(b"*-1\r\n"), Value::Null);
        let Value::Agg { kind, items, .. } = one(b"*2\r\n$1\r\na\r\n:1\r\n") else {
            panic!("array")
        };
        assert_eq!(kind, AggKind::Array);
        assert_eq!(items.len(), 2);
        assert_eq!(
            one(b"*0\r\n"),
            Value::Agg {
                kind: AggKind::Array,
                items: vec![],
                declared: 0
            }
        );
    }

    #[test]
    fn resp3_types() {
        assert_eq!(one(b"_\r\n"), Value::Null);
        assert_eq!(one(b"#t\r\n"), Value::Bool(true));
        assert_eq!(one(b"#f\r\n"), Value::Bool(false));
        assert_eq!(one(b",3.14\r\n"), Value::Double(b"3.14".to_vec()));
        assert_eq!(one(b",inf\r\n"), Value::Double(b"inf".to_vec()));
        assert_eq!(
            one(b"(3492890328409238509324850943850943825024385\r\n"),
            Value::BigNum(b"3492890328409238509324850943850943825024385".to_vec())
        );
        assert_eq!(
            one(b"!21\r\nSYNTAX invalid syntax\r\n"),
            Value::Error {
                text: b"SYNTAX invalid syntax".to_vec(),
                bulk: true
            }
        );
        assert_eq!(
            one(b"=15\r\ntxt:Some string\r\n"),
            Value::Bulk {
                data: b"Some string".to_vec(),
                len: 11,
                verbatim: Some("txt".to_owned())
            }
        );
        let Value::Agg {
            kind: AggKind::Map,
            items,
            declared,
        } = one(b"%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n")
        else {
            panic!("map")
        };
        assert_eq!((items.len(), declared), (4, 2));
        let Value::Agg {
            kind: AggKind::Set,
            items,
            ..
        } = one(b"~2\r\n+a\r\n+b\r\n")
        else {
            panic!("set")
        };
        assert_eq!(items.len(), 2);
        let Value::Agg {
            kind: AggKind::Push,
            ..
        } = one(b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n")
        else {
            panic!("push")
        };
    }

    #[test]
    fn attributes_are_set_aside() {
        let m = parse_all(b"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2\r\n");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].attrs.len(), 1);
        assert!(matches!(
            m[0].value,
            Value::Agg {
                kind: AggKind::Array,
                ..
            }
        ));
    }

    #[test]
    fn bulk_content_is_capped_but_counted() {
        let mut input = b"$10\r\n".to_vec();
        input.extend_from_slice(b"0123456789\r\n");
        let mut p = Parser::new(4, 1024);
        let mut at = 0;
        let msg = loop {
            match p.step(&input[at..]) {
                Step::More(n) => at += n,
                Step::Done(n, m) => {
                    at += n;
                    break m;
                }
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(at, input.len());
        assert!(msg.truncated);
        assert_eq!(msg.size, input.len() as u64);
        assert_eq!(
            msg.value,
            Value::Bulk {
                data: b"0123".to_vec(),
                len: 10,
                verbatim: None
            }
        );
    }

    fn old_parse_int(b: &[u8]) -> Option<i64> {
        if b.is_empty() || b.len() > 20 {
            return None;
        }
        std::str::from_utf8(b).ok()?.parse().ok()
    }

    proptest::proptest! {
        #[test]
        fn parse_int_is_str_parse(s in "[-+]?[0-9]{0,21}|[-+0-9a ]{0,4}", raw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4)) {
            proptest::prop_assert_eq!(parse_int(s.as_bytes()), old_parse_int(s.as_bytes()));
            proptest::prop_assert_eq!(parse_int(&raw), old_parse_int(&raw));
        }

        /// Reading a command in one go gives what stepping through it gives.
        #[test]
        fn whole_command_is_what_step_parses(
            args in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..6), 0..10),
            cut in 0usize..80,
            flip in proptest::option::of((0usize..80, proptest::prelude::any::<u8>())),
            budget in 0usize..200,
        ) {
            let mut input = format!("*{}\r\n", args.len()).into_bytes();
            for a in &args {
                input.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
                input.extend_from_slice(a);
                input.extend_from_slice(b"\r\n");
            }
            if let Some((at, b)) = flip && at < input.len() {
                input[at] = b;
            }
            input.extend_from_slice(b"+extra\r\n");
            let input = &input[..input.len().min(cut.max(1) * 2)];
            let p = Parser::new(budget, 1024);
            let Some(cmd) = p.whole_command(input) else {
                return Ok(());
            };
            let mut p = Parser::new(budget, 1024);
            let mut at = 0;
            let msg = loop {
                match p.step(&input[at..]) {
                    Step::More(n) => at += n,
                    Step::Done(n, m) => {
                        at += n;
                        break m;
                    }
                    other => panic!("step: {other:?} at {at}"),
                }
            };
            proptest::prop_assert_eq!(at, cmd.size);
            proptest::prop_assert_eq!(msg.size, cmd.size as u64);
            proptest::prop_assert!(!msg.truncated && msg.attrs.is_empty());
            let want: Vec<Value> = cmd
                .args()
                .iter()
                .map(|a| Value::Bulk { data: a.to_vec(), len: a.len() as u64, verbatim: None })
                .collect();
            proptest::prop_assert_eq!(
                msg.value,
                Value::Agg { kind: AggKind::Array, declared: want.len() as u64, items: want }
            );
        }
    }

    #[test]
    fn hostile_lengths_and_depth_are_rejected() {
        let mut p = Parser::new(1024, 1024);
        assert!(matches!(p.step(b"$99999999999\r\n"), Step::Invalid(_)));
        assert!(matches!(p.step(b"*-5\r\n"), Step::Invalid(_)));
        assert!(matches!(p.step(b"?x\r\n"), Step::Invalid(_)));
        let mut p = Parser::new(1024, 1024);
        let deep = b"*1\r\n".repeat(MAX_DEPTH + 1);
        let mut at = 0;
        let mut invalid = false;
        while at < deep.len() {
            match p.step(&deep[at..]) {
                Step::More(n) => at += n,
                Step::Invalid(_) => {
                    invalid = true;
                    break;
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(invalid);
    }
}
