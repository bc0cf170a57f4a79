//! `json()` and `xml()`: turn a body string into a `serde_json::Value` to navigate.
//!
//! Bodies are plain text in mizu entries and base64 in Mizu's (and in mizu's for binary
//! bodies, with `encoding: "base64"`), so both are accepted: the text is tried as-is
//! first, then base64-decoded. XML becomes JSON the way Mizu's did (mxj conventions):
//! `{"root": {...}}`, attributes as `-name`, text beside attributes or children as
//! `#text`, a leaf element as its text, repeated elements as an array.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use mizu_model::xml::{self, Token};
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

/// Builds the JSON of an XML document from the shared scanner's tokens
/// ([`mizu_model::xml`]): elements, attributes, text, CDATA, entities; comments,
/// processing instructions and doctypes are skipped. `None` if malformed.
pub(crate) fn xml_to_json(src: &str) -> Option<Value> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Value> = None;
    // Non-blank text outside the root element: accepted only at the very end.
    let mut stray = false;
    for token in xml::scan(src) {
        if stray {
            return None;
        }
        match token.ok()? {
            Token::Text { raw, .. } => match stack.last_mut() {
                Some(top) => xml::unescape(raw, &mut top.text),
                None => stray = !raw.trim().is_empty(),
            },
            Token::Other => {}
            Token::CData(text) => stack.last_mut()?.text.push_str(text),
            Token::End(name) => {
                let frame = stack.pop()?;
                if frame.name != name {
                    return None;
                }
                close(frame, &mut stack, &mut root);
            }
            Token::Start(tag) => {
                if tag.name.is_empty() || (root.is_some() && stack.is_empty()) {
                    return None;
                }
                let mut frame = Frame {
                    name: tag.name.to_string(),
                    map: Map::new(),
                    text: String::new(),
                };
                for attr in tag.attributes() {
                    let attr = attr.ok()?;
                    let mut v = String::new();
                    xml::unescape(attr.value.unwrap_or(""), &mut v);
                    add_child(&mut frame.map, format!("-{}", attr.name), Value::String(v));
                }
                if tag.self_closing {
                    close(frame, &mut stack, &mut root);
                } else {
                    if stack.len() >= MAX_XML_DEPTH {
                        return None;
                    }
                    stack.push(frame);
                }
            }
        }
    }
    if !stack.is_empty() {
        return None;
    }
    root
}

/// A finished element goes into its parent, or becomes the root.
fn close(mut frame: Frame, stack: &mut [Frame], root: &mut Option<Value>) {
    let name = std::mem::take(&mut frame.name);
    let v = finish(frame);
    match stack.last_mut() {
        Some(parent) => add_child(&mut parent.map, name, v),
        None => {
            let mut m = Map::new();
            m.insert(name, v);
            *root = Some(Value::Object(m));
        }
    }
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
