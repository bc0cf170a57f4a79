//! `json()` and `xml()`: turn a body string into a `serde_json::Value` to navigate.
//!
//! Bodies are plain text in mizu entries and base64 in Mizu's (and in mizu's for binary
//! bodies, with `encoding: "base64"`), so both are accepted: the text is tried as-is
//! first, then base64-decoded. XML becomes JSON the way Mizu's did (mxj conventions):
//! `{"root": {...}}`, attributes as `-name`, text beside attributes or children as
//! `#text`, a leaf element as its text, repeated elements as an array.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde_json::{Map, Value};

/// Deepest XML element nesting accepted.
const MAX_XML_DEPTH: usize = 128;

/// Base64-decodes `text` (padded or not, whitespace ignored).
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(b) = STANDARD.decode(t) {
        return Some(b);
    }
    if let Ok(b) = STANDARD_NO_PAD.decode(t) {
        return Some(b);
    }
    if t.bytes().any(|c| c.is_ascii_whitespace()) {
        let compact: String = t.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        return STANDARD.decode(&compact).ok();
    }
    None
}

/// Parses a body as JSON (plain, else base64).
pub(crate) fn decode_json(text: &str) -> Option<Value> {
    if let Ok(v) = serde_json::from_str(text) {
        return Some(v);
    }
    serde_json::from_slice(&base64_decode(text)?).ok()
}

/// Parses a body as XML (plain, else base64) into JSON.
pub(crate) fn decode_xml(text: &str) -> Option<Value> {
    if text.trim_start().starts_with('<') {
        return xml_to_json(text);
    }
    let bytes = base64_decode(text)?;
    xml_to_json(std::str::from_utf8(&bytes).ok()?)
}

struct Frame {
    name: String,
    map: Map<String, Value>,
    text: String,
}

fn add_child(map: &mut Map<String, Value>, name: String, v: Value) {
    match map.get_mut(&name) {
        Some(Value::Array(a)) => a.push(v),
        Some(old) => {
            let prev = old.take();
            *old = Value::Array(vec![prev, v]);
        }
        None => {
            map.insert(name, v);
        }
    }
}

fn finish(f: Frame) -> Value {
    let text = f.text.trim();
    if f.map.is_empty() {
        return Value::String(text.to_string());
    }
    let mut map = f.map;
    if !text.is_empty() {
        map.insert("#text".into(), Value::String(text.to_string()));
    }
    Value::Object(map)
}

fn decode_entities(s: &str, out: &mut String) {
    let mut rest = s;
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

fn is_name_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '/' | '>' | '=' | '<' | '"' | '\'')
}

/// Parses attributes in `s` (the inside of a start tag after its name).
fn attributes(s: &str, map: &mut Map<String, Value>) -> Option<()> {
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let name_end = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        if name_end == 0 {
            return None;
        }
        let name = &rest[..name_end];
        rest = rest[name_end..].trim_start();
        let value = if let Some(r) = rest.strip_prefix('=') {
            let r = r.trim_start();
            let q = r.chars().next()?;
            if q != '"' && q != '\'' {
                return None;
            }
            let end = r[1..].find(q)? + 1;
            let mut v = String::new();
            decode_entities(&r[1..end], &mut v);
            rest = r[end + 1..].trim_start();
            v
        } else {
            String::new()
        };
        add_child(map, format!("-{name}"), Value::String(value));
    }
    Some(())
}

/// A small, forgiving XML reader: elements, attributes, text, CDATA, entities;
/// comments, processing instructions and doctypes are skipped. `None` if malformed.
pub(crate) fn xml_to_json(src: &str) -> Option<Value> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut rest = src;
    let mut root: Option<Value> = None;
    loop {
        let lt = match rest.find('<') {
            Some(i) => i,
            None => {
                if !rest.trim().is_empty() && !stack.is_empty() {
                    return None;
                }
                break;
            }
        };
        if let Some(top) = stack.last_mut() {
            decode_entities(&rest[..lt], &mut top.text);
        } else if !rest[..lt].trim().is_empty() {
            return None;
        }
        rest = &rest[lt..];
        if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->")? + 3..];
        } else if let Some(r) = rest.strip_prefix("<![CDATA[") {
            let end = r.find("]]>")?;
            stack.last_mut()?.text.push_str(&r[..end]);
            rest = &r[end + 3..];
        } else if let Some(r) = rest.strip_prefix("<?") {
            rest = &r[r.find("?>")? + 2..];
        } else if let Some(r) = rest.strip_prefix("<!") {
            rest = &r[r.find('>')? + 1..];
        } else if let Some(r) = rest.strip_prefix("</") {
            let end = r.find('>')?;
            let name = r[..end].trim();
            let frame = stack.pop()?;
            if frame.name != name {
                return None;
            }
            let v = finish(frame);
            match stack.last_mut() {
                Some(parent) => add_child(&mut parent.map, name.to_string(), v),
                None => {
                    let mut m = Map::new();
                    m.insert(name.to_string(), v);
                    root = Some(Value::Object(m));
                }
            }
            rest = &r[end + 1..];
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
            let name = &inner[..name_end];
            if name.is_empty() || (root.is_some() && stack.is_empty()) {
                return None;
            }
            let mut frame = Frame {
                name: name.to_string(),
                map: Map::new(),
                text: String::new(),
            };
            attributes(&inner[name_end..], &mut frame.map)?;
            rest = &r[end + 1..];
            if self_closing {
                let v = finish(frame);
                match stack.last_mut() {
                    Some(parent) => add_child(&mut parent.map, name.to_string(), v),
                    None => {
                        let mut m = Map::new();
                        m.insert(name.to_string(), v);
                        root = Some(Value::Object(m));
                    }
                }
            } else {
                if stack.len() >= MAX_XML_DEPTH {
                    return None;
                }
                stack.push(frame);
            }
        }
    }
    if !stack.is_empty() {
        return None;
    }
    root
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn xml() {
        let x = r#"<?xml version="1.0"?><!-- c --><bookstore><book id="1"><title lang="en">Harry Potter</title><price>29.99</price></book><book><title>Learning XML</title></book><empty/><t>a &amp; b <![CDATA[<x>]]></t></bookstore>"#;
        assert_eq!(
            xml_to_json(x),
            Some(json!({"bookstore": {
                "book": [
                    {"-id": "1", "title": {"-lang": "en", "#text": "Harry Potter"}, "price": "29.99"},
                    {"title": "Learning XML"}
                ],
                "empty": "",
                "t": "a & b <x>"
            }}))
        );
        assert_eq!(xml_to_json("<a><b></a>"), None);
        assert_eq!(xml_to_json("<a>"), None);
        assert_eq!(xml_to_json("not xml"), None);
        assert_eq!(xml_to_json("<a/><b/>"), None);
    }

    #[test]
    fn json_plain_and_base64() {
        assert_eq!(decode_json(r#"{"a":1}"#), Some(json!({"a":1})));
        assert_eq!(decode_json("eyJhIjoxfQ=="), Some(json!({"a":1})));
        assert_eq!(decode_json("eyJhIjoxfQ"), Some(json!({"a":1})));
        assert_eq!(decode_json("nope"), None);
        assert_eq!(decode_json(""), None);
    }
}
