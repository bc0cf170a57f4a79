//! Entry ids: Mizu's 24-digit form and the splice that puts `"id"` first in a document.

use crate::StoreError;

/// Formats an id as Mizu did: a decimal string zero-padded to 24 digits.
pub fn format_id(id: u64) -> String {
    format!("{id:024}")
}

/// Parses an id string (padded or not).
pub fn parse_id(s: &str) -> Option<u64> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// Writes `json` (a compact object) to `out` with `"id":"<id>"` as its first member.
pub(crate) fn splice_id(id: &str, json: &[u8], out: &mut Vec<u8>) -> Result<(), StoreError> {
    if json.len() < 2 || json[0] != b'{' || json[json.len() - 1] != b'}' {
        return Err(StoreError::NotAnObject);
    }
    out.extend_from_slice(b"{\"id\":\"");
    out.extend_from_slice(id.as_bytes());
    out.push(b'"');
    if json[1] != b'}' {
        out.push(b',');
    }
    out.extend_from_slice(&json[1..]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Position;

    #[test]
    fn ids_format_and_parse() {
        assert_eq!(format_id(42), "000000000000000000000042");
        assert_eq!(parse_id("000000000000000000000042"), Some(42));
        assert_eq!(parse_id("7"), Some(7));
        assert_eq!(parse_id("0000"), Some(0));
        assert_eq!(parse_id("x1"), None);
        assert_eq!(parse_id(""), None);
        assert_eq!(Position::parse("latest"), Some(Position::Latest));
        assert_eq!(Position::parse(""), Some(Position::Latest));
        assert_eq!(Position::parse("12"), Some(Position::Id(12)));
        assert_eq!(Position::parse("-3"), None);
    }

    #[test]
    fn id_is_spliced_first() {
        let mut out = Vec::new();
        splice_id("01", b"{\"a\":1}", &mut out).expect("object");
        assert_eq!(out, b"{\"id\":\"01\",\"a\":1}");
        out.clear();
        splice_id("01", b"{}", &mut out).expect("object");
        assert_eq!(out, b"{\"id\":\"01\"}");
        assert!(splice_id("01", b"[1]", &mut Vec::new()).is_err());
        assert!(splice_id("01", b"", &mut Vec::new()).is_err());
    }
}
