//! The one XML scanner: markup and text as [`Token`]s borrowing from the source, with
//! byte offsets where a caller rewrites in place. Used by the filter language's `xml()`
//! (`mizu-query`, which builds JSON from the tokens) and by insertion redaction
//! ([`crate::redact`], which masks values at their offsets).
//!
//! Forgiving and flat: no nesting checks (callers keep their own stack), comments,
//! processing instructions and declarations are returned as [`Token::Other`], text and
//! attribute values raw (entities decoded by [`unescape`] when wanted). Unterminated
//! markup is a [`Malformed`] error: a strict reader stops there; a lenient one reads on,
//! the scanner resuming one byte after the `<` it could not read (an invalid attribute
//! likewise: the next one is looked for one character later).

/// A piece of XML, borrowing from the scanned source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token<'a> {
    /// Character data between markup (never empty), raw; `start` is its byte offset.
    Text { start: usize, raw: &'a str },
    /// The content of `<![CDATA[…]]>`, verbatim.
    CData(&'a str),
    /// A start tag: `<name …>` or `<name …/>`.
    Start(StartTag<'a>),
    /// An end tag `</name>` (its name, trimmed).
    End(&'a str),
    /// A comment, a processing instruction (`<?…?>`, the XML declaration too) or a
    /// declaration (`<!DOCTYPE …>`).
    Other,
}

/// A start tag. Its name runs to the first space, `/`, `>`, `=`, `<` or quote (empty
/// when the tag starts with one of those).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StartTag<'a> {
    pub name: &'a str,
    /// `<name/>`.
    pub self_closing: bool,
    /// What follows the name inside the tag, and its byte offset.
    attrs: &'a str,
    attrs_start: usize,
}

/// One attribute of a start tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attribute<'a> {
    pub name: &'a str,
    /// The value between its quotes, raw; `None` for a bare name (`<input disabled>`).
    pub value: Option<&'a str>,
    /// Byte offset of the value in the source (after the opening quote).
    pub value_start: usize,
}

/// Unterminated or invalid markup at byte offset `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed {
    pub at: usize,
}

/// The tokens of `src` in order; after a [`Malformed`] it resumes one byte after its `<`.
pub fn scan(src: &str) -> Scanner<'_> {
    Scanner {
        src,
        pos: 0,
        done: false,
    }
}

/// Iterator of [`scan`].
#[derive(Clone, Debug)]
pub struct Scanner<'a> {
    src: &'a str,
    pos: usize,
    done: bool,
}

impl<'a> Iterator for Scanner<'a> {
    type Item = Result<Token<'a>, Malformed>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let at = self.pos;
        let rest = self.src.get(at..).unwrap_or("");
        if rest.is_empty() {
            self.done = true;
            return None;
        }
        match rest.find('<') {
            Some(0) => {}
            found => {
                let len = found.unwrap_or(rest.len());
                self.pos = at + len;
                return Some(Ok(Token::Text {
                    start: at,
                    raw: &rest[..len],
                }));
            }
        }
        let markup = markup(rest, at);
        match markup {
            Some((token, len)) => {
                self.pos = at + len;
                Some(Ok(token))
            }
            None => {
                self.pos = at + 1;
                Some(Err(Malformed { at }))
            }
        }
    }
}

/// The markup at the start of `rest` (which starts with `<`, at offset `at` of the
/// source) and its length.
fn markup(rest: &str, at: usize) -> Option<(Token<'_>, usize)> {
    let closed = |open: usize, close: &str| {
        let r = rest.get(open..)?;
        r.find(close).map(|e| (open + e, open + e + close.len()))
    };
    if rest.starts_with("<!--") {
        let (_, len) = closed(4, "-->")?;
        Some((Token::Other, len))
    } else if rest.starts_with("<![CDATA[") {
        let (end, len) = closed(9, "]]>")?;
        Some((Token::CData(&rest[9..end]), len))
    } else if rest.starts_with("<?") {
        let (_, len) = closed(2, "?>")?;
        Some((Token::Other, len))
    } else if rest.starts_with("<!") {
        let (_, len) = closed(2, ">")?;
        Some((Token::Other, len))
    } else if rest.starts_with("</") {
        let (end, len) = closed(2, ">")?;
        Some((Token::End(rest[2..end].trim()), len))
    } else {
        let r = &rest[1..];
        let end = tag_end(r)?;
        let inner = &r[..end];
        let (inner, self_closing) = match inner.strip_suffix('/') {
            Some(i) => (i, true),
            None => (inner, false),
        };
        let name_end = inner
            .find(|c: char| !is_name_char(c))
            .unwrap_or(inner.len());
        let tag = StartTag {
            name: &inner[..name_end],
            self_closing,
            attrs: &inner[name_end..],
            attrs_start: at + 1 + name_end,
        };
        Some((Token::Start(tag), end + 2))
    }
}

/// The `>` ending a start tag, skipping quoted attribute values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '>' => return Some(i),
            None => {}
        }
    }
    None
}

fn is_name_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '/' | '>' | '=' | '<' | '"' | '\'')
}

impl<'a> StartTag<'a> {
    /// The tag's attributes in order. A [`Malformed`] one (a missing name, an unquoted
    /// value or an unclosed quote) is reported and the scan resumes one character later.
    pub fn attributes(&self) -> Attributes<'a> {
        Attributes {
            rest: self.attrs,
            start: self.attrs_start,
            done: false,
        }
    }
}

/// Iterator of [`StartTag::attributes`].
#[derive(Clone, Debug)]
pub struct Attributes<'a> {
    rest: &'a str,
    /// Byte offset of `rest` in the source.
    start: usize,
    done: bool,
}

impl<'a> Attributes<'a> {
    /// Moves on to `rest`, a suffix of the current rest.
    fn advance(&mut self, rest: &'a str) {
        self.start += self.rest.len() - rest.len();
        self.rest = rest;
    }
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Result<Attribute<'a>, Malformed>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.advance(self.rest.trim_start());
        if self.rest.is_empty() {
            self.done = true;
            return None;
        }
        let at = self.start;
        let attr = self.attribute();
        if attr.is_none() {
            let mut rest = self.rest.chars();
            rest.next();
            self.advance(rest.as_str());
        }
        Some(attr.ok_or(Malformed { at }))
    }
}

impl<'a> Attributes<'a> {
    fn attribute(&mut self) -> Option<Attribute<'a>> {
        let s = self.rest;
        let name_end = s.find(|c: char| !is_name_char(c)).unwrap_or(s.len());
        if name_end == 0 {
            return None;
        }
        let name = &s[..name_end];
        let after = s[name_end..].trim_start();
        let Some(r) = after.strip_prefix('=') else {
            self.advance(after);
            return Some(Attribute {
                name,
                value: None,
                value_start: self.start,
            });
        };
        let r = r.trim_start();
        let q = r.chars().next()?;
        if q != '"' && q != '\'' {
            return None;
        }
        let end = r[1..].find(q)? + 1;
        self.advance(r);
        let value_start = self.start + 1;
        let value = &r[1..end];
        self.advance(&r[end + 1..]);
        Some(Attribute {
            name,
            value: Some(value),
            value_start,
        })
    }
}

/// Appends `raw` to `out` with the XML entities decoded: the five named ones and
/// numeric references (`&#65;`, `&#x41;`); anything else stays as written.
pub fn unescape(raw: &str, out: &mut String) {
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 12) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let ent = &rest[1..end];
        let ch = match ent {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => ent
                .strip_prefix("#x")
                .or_else(|| ent.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(src: &str) -> Vec<Result<Token<'_>, Malformed>> {
        scan(src).collect()
    }

    #[test]
    fn tokens_in_order_with_offsets() {
        let src = r#"<?xml version="1.0"?><!-- a > b --><r x = "1 > 2" y='&amp;' flag><![CDATA[<x>]]>t &lt;</r ><e/>"#;
        let toks = tokens(src);
        assert_eq!(toks.len(), 7, "{toks:?}");
        assert_eq!(toks[0], Ok(Token::Other));
        assert_eq!(toks[1], Ok(Token::Other));
        let Ok(Token::Start(r)) = toks[2] else {
            panic!("{:?}", toks[2]);
        };
        assert_eq!((r.name, r.self_closing), ("r", false));
        let attrs: Vec<_> = r.attributes().collect();
        assert_eq!(attrs.len(), 3);
        let Ok(x) = attrs[0] else { panic!() };
        assert_eq!((x.name, x.value), ("x", Some("1 > 2")));
        assert_eq!(&src[x.value_start..x.value_start + 5], "1 > 2");
        let Ok(y) = attrs[1] else { panic!() };
        assert_eq!((y.name, y.value), ("y", Some("&amp;")));
        assert_eq!(&src[y.value_start..y.value_start + 5], "&amp;");
        assert_eq!(attrs[2].map(|a| (a.name, a.value)), Ok(("flag", None)));
        assert_eq!(toks[3], Ok(Token::CData("<x>")));
        let Ok(Token::Text { start, raw }) = toks[4] else {
            panic!("{:?}", toks[4]);
        };
        assert_eq!((raw, &src[start..start + raw.len()]), ("t &lt;", "t &lt;"));
        assert_eq!(toks[5], Ok(Token::End("r")));
        let Ok(Token::Start(e)) = toks[6] else {
            panic!("{:?}", toks[6]);
        };
        assert_eq!(
            (e.name, e.self_closing, e.attributes().count()),
            ("e", true, 0)
        );
        let mut text = String::new();
        unescape("t &lt;&#65;&#x42;&bogus; &", &mut text);
        assert_eq!(text, "t <AB&bogus; &");
    }

    #[test]
    fn malformed_markup_is_reported_and_read_past() {
        assert_eq!(
            tokens("ab<a"),
            vec![
                Ok(Token::Text {
                    start: 0,
                    raw: "ab"
                }),
                Err(Malformed { at: 2 }),
                Ok(Token::Text { start: 3, raw: "a" }),
            ]
        );
        for bad in [
            "<!-- x",
            "<![CDATA[x",
            "<?pi",
            "<!DOCTYPE",
            "</a",
            "<a b='>",
        ] {
            let toks = tokens(bad);
            assert_eq!(toks.first(), Some(&Err(Malformed { at: 0 })), "{bad}");
            assert!(toks[1..].iter().all(Result::is_ok), "{bad}: {toks:?}");
        }
        // A lenient reader finds the tag after an unclosed comment.
        assert!(
            tokens("<!--<a/>")
                .iter()
                .any(|t| matches!(t, Ok(Token::Start(StartTag { name: "a", .. }))))
        );
        let Some(Ok(Token::Start(t))) = scan(r#"<a b="1" c=2 d="3">"#).next() else {
            panic!("start tag");
        };
        let attrs: Vec<_> = t.attributes().collect();
        assert!(attrs[0].is_ok());
        assert_eq!(attrs[1], Err(Malformed { at: 9 }));
        let read: Vec<_> = attrs.iter().flatten().map(|a| (a.name, a.value)).collect();
        assert_eq!(read, [("b", Some("1")), ("2", None), ("d", Some("3"))]);
        assert_eq!(tokens(""), vec![]);
    }
}
