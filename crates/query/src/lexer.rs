//! The tokenizer: filter text to [`Token`]s with byte offsets.
//!
//! Strings come in three quotings: `"..."` and `'...'` (with `\` escapes) and
//! `` `...` `` (raw). A regex literal is `r"..."` (also `r'...'` and `` r`...` ``): its
//! text is kept verbatim, backslashes included, so `r"\d+\.json"` means what it says.

use crate::error::QueryError;

/// Token kinds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    /// Integer literal text (digits only; the sign is a separate token).
    Int(String),
    /// Float literal text.
    Float(String),
    Str(String),
    Regex(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    DotDot,
    Star,
    EqEq,
    NotEq,
    Gt,
    Ge,
    Lt,
    Le,
    Bang,
    Minus,
    And,
    Or,
    True,
    False,
    Nil,
    Eof,
}

impl Tok {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Int(s) | Tok::Float(s) => format!("number `{s}`"),
            Tok::Str(_) => "a string".to_string(),
            Tok::Regex(_) => "a regex".to_string(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Dot => "`.`".into(),
            Tok::DotDot => "`..`".into(),
            Tok::Star => "`*`".into(),
            Tok::EqEq => "`==`".into(),
            Tok::NotEq => "`!=`".into(),
            Tok::Gt => "`>`".into(),
            Tok::Ge => "`>=`".into(),
            Tok::Lt => "`<`".into(),
            Tok::Le => "`<=`".into(),
            Tok::Bang => "`!`".into(),
            Tok::Minus => "`-`".into(),
            Tok::And => "`and`".into(),
            Tok::Or => "`or`".into(),
            Tok::True => "`true`".into(),
            Tok::False => "`false`".into(),
            Tok::Nil => "`nil`".into(),
            Tok::Eof => "end of input".into(),
        }
    }
}

/// A token and the bytes it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

pub(crate) fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'$'
}

pub(crate) fn is_ident_continue(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
}

/// Splits `src` into tokens, ending with [`Tok::Eof`].
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, QueryError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |at: usize, msg: String| Err(QueryError::at(src, at, msg));
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let two = b.get(i + 1).copied();
        let tok = match c {
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b'[' => {
                i += 1;
                Tok::LBracket
            }
            b']' => {
                i += 1;
                Tok::RBracket
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b'*' => {
                i += 1;
                Tok::Star
            }
            b'-' => {
                i += 1;
                Tok::Minus
            }
            b'.' => {
                if two == Some(b'.') {
                    // `...name` (seen in Mizu's generated redaction filters) is `..name`.
                    i += if b.get(i + 2) == Some(&b'.') { 3 } else { 2 };
                    Tok::DotDot
                } else {
                    i += 1;
                    Tok::Dot
                }
            }
            b'=' => {
                if two == Some(b'=') {
                    i += 2;
                    Tok::EqEq
                } else {
                    return err(i, "unexpected `=`, did you mean `==`?".into());
                }
            }
            b'!' => {
                if two == Some(b'=') {
                    i += 2;
                    Tok::NotEq
                } else {
                    i += 1;
                    Tok::Bang
                }
            }
            b'>' => {
                if two == Some(b'=') {
                    i += 2;
                    Tok::Ge
                } else {
                    i += 1;
                    Tok::Gt
                }
            }
            b'<' => {
                if two == Some(b'=') {
                    i += 2;
                    Tok::Le
                } else {
                    i += 1;
                    Tok::Lt
                }
            }
            b'&' => {
                if two == Some(b'&') {
                    i += 2;
                    Tok::And
                } else {
                    return err(i, "unexpected `&`, did you mean `and`?".into());
                }
            }
            b'|' => {
                if two == Some(b'|') {
                    i += 2;
                    Tok::Or
                } else {
                    return err(i, "unexpected `|`, did you mean `or`?".into());
                }
            }
            b'"' | b'\'' => {
                let (s, end) = lex_string(src, i)?;
                i = end;
                Tok::Str(s)
            }
            b'`' => {
                let (s, end) = lex_raw(src, i, i)?;
                i = end;
                Tok::Str(s)
            }
            b'0'..=b'9' => {
                let (t, end) = lex_number(src, i)?;
                i = end;
                t
            }
            c if is_ident_start(c) => {
                if c == b'r' && matches!(two, Some(b'"' | b'\'' | b'`')) {
                    let (s, end) = if two == Some(b'`') {
                        lex_raw(src, i + 1, i)?
                    } else {
                        lex_regex(src, i)?
                    };
                    i = end;
                    Tok::Regex(s)
                } else {
                    let mut j = i + 1;
                    while j < b.len() && is_ident_continue(b[j]) {
                        j += 1;
                    }
                    let word = &src[i..j];
                    i = j;
                    match word {
                        "and" => Tok::And,
                        "or" => Tok::Or,
                        "true" => Tok::True,
                        "false" => Tok::False,
                        "nil" => Tok::Nil,
                        _ => Tok::Ident(word.to_string()),
                    }
                }
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return err(i, format!("unexpected character `{ch}`"));
            }
        };
        out.push(Token { tok, start, end: i });
    }
    out.push(Token {
        tok: Tok::Eof,
        start: b.len(),
        end: b.len(),
    });
    Ok(out)
}

fn unterminated(src: &str, start: usize, what: &str) -> QueryError {
    QueryError::at(src, start, format!("unterminated {what} starting"))
}

/// `"..."` or `'...'` starting at `start`; returns the decoded text and the end offset.
fn lex_string(src: &str, start: usize) -> Result<(String, usize), QueryError> {
    let b = src.as_bytes();
    let quote = b[start];
    let mut out = String::new();
    let mut i = start + 1;
    let mut run = i; // start of the current run of plain characters
    loop {
        let Some(&c) = b.get(i) else {
            return Err(unterminated(src, start, "string"));
        };
        if c == quote {
            out.push_str(&src[run..i]);
            return Ok((out, i + 1));
        }
        if c != b'\\' {
            i += 1;
            continue;
        }
        out.push_str(&src[run..i]);
        let Some(&e) = b.get(i + 1) else {
            return Err(unterminated(src, start, "string"));
        };
        i += 2;
        match e {
            b'n' => out.push('\n'),
            b't' => out.push('\t'),
            b'r' => out.push('\r'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'0' => out.push('\0'),
            b'"' | b'\'' | b'\\' | b'/' | b'`' => out.push(e as char),
            b'u' => {
                let (ch, end) = lex_unicode_escape(src, i)?;
                out.push(ch);
                i = end;
            }
            _ => {
                // Unknown escapes are kept as written (`"\d"` stays backslash-d).
                let ch_end = next_char_end(src, i - 1);
                out.push('\\');
                out.push_str(&src[i - 1..ch_end]);
                i = ch_end;
            }
        }
        run = i;
    }
}

fn next_char_end(src: &str, at: usize) -> usize {
    src[at..]
        .chars()
        .next()
        .map_or(src.len(), |c| at + c.len_utf8())
}

/// After `\u`: either `XXXX` (surrogate pairs allowed) or `{X..}`.
fn lex_unicode_escape(src: &str, at: usize) -> Result<(char, usize), QueryError> {
    let b = src.as_bytes();
    let bad = || QueryError::at(src, at.saturating_sub(2), "invalid unicode escape");
    if b.get(at) == Some(&b'{') {
        let close = src[at..].find('}').ok_or_else(bad)? + at;
        let hex = &src[at + 1..close];
        if hex.is_empty() || hex.len() > 6 {
            return Err(bad());
        }
        let n = u32::from_str_radix(hex, 16).map_err(|_| bad())?;
        let ch = char::from_u32(n).ok_or_else(bad)?;
        return Ok((ch, close + 1));
    }
    let hex4 = |p: usize| -> Option<u32> {
        let s = src.get(p..p + 4)?;
        if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(s, 16).ok()
    };
    let hi = hex4(at).ok_or_else(bad)?;
    if (0xD800..0xDC00).contains(&hi) {
        if src.get(at + 4..at + 6) == Some("\\u")
            && let Some(lo) = hex4(at + 6)
            && (0xDC00..0xE000).contains(&lo)
        {
            let n = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            return Ok((char::from_u32(n).ok_or_else(bad)?, at + 10));
        }
        return Err(bad());
    }
    Ok((char::from_u32(hi).ok_or_else(bad)?, at + 4))
}

/// A backtick-quoted raw string whose opening backtick is at `quote_at`.
fn lex_raw(src: &str, quote_at: usize, start: usize) -> Result<(String, usize), QueryError> {
    let body = quote_at + 1;
    match src.get(body..).and_then(|rest| rest.find('`')) {
        Some(n) => Ok((src[body..body + n].to_string(), body + n + 1)),
        None => Err(unterminated(
            src,
            start,
            if start == quote_at { "string" } else { "regex" },
        )),
    }
}

/// `r"..."` / `r'...'` at `start` (the `r`): text verbatim, `\x` pairs skipped over.
fn lex_regex(src: &str, start: usize) -> Result<(String, usize), QueryError> {
    let b = src.as_bytes();
    let quote = b[start + 1];
    let mut i = start + 2;
    loop {
        match b.get(i) {
            None => return Err(unterminated(src, start, "regex")),
            Some(&c) if c == quote => return Ok((src[start + 2..i].to_string(), i + 1)),
            Some(b'\\') => {
                if i + 1 >= b.len() {
                    return Err(unterminated(src, start, "regex"));
                }
                i = next_char_end(src, i + 1);
            }
            Some(_) => i += 1,
        }
    }
}

fn lex_number(src: &str, start: usize) -> Result<(Tok, usize), QueryError> {
    let b = src.as_bytes();
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = digits(start);
    let mut float = false;
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        float = true;
        i = digits(i + 1);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            float = true;
            i = digits(j);
        }
    }
    if b.get(i).is_some_and(|&c| is_ident_start(c)) {
        return Err(QueryError::at(
            src,
            start,
            format!("invalid number `{}`", &src[start..digits(i) + 1]),
        ));
    }
    let text = src[start..i].to_string();
    Ok((
        if float {
            Tok::Float(text)
        } else {
            Tok::Int(text)
        },
        i,
    ))
}
