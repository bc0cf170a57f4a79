//! [`QueryError`]: what went wrong in a filter, and where.
//!
//! Positions are computed from the byte offset into the filter source: `line` and
//! `column` are 1-based and the column counts characters, not bytes, so a terminal or a
//! text field can underline the right spot.

use std::fmt;

/// A filter that does not parse or compile.
///
/// `Display` prints `<message> at <line>:<column>`, e.g. `expected ')' at 1:17`.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryError {
    /// What is wrong, without the position (`unknown function `foo``).
    pub message: String,
    /// Byte offset into the source (may equal the source length: "at the end").
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl QueryError {
    /// An error at byte `offset` of `src`; line and column are derived from it.
    pub fn at(src: &str, offset: usize, message: impl Into<String>) -> QueryError {
        let offset = offset.min(src.len());
        let mut cut = offset;
        while cut > 0 && !src.is_char_boundary(cut) {
            cut -= 1;
        }
        let before = &src[..cut];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        QueryError {
            message: message.into(),
            offset,
            line,
            column,
        }
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}:{}", self.message, self.line, self.column)
    }
}

impl std::error::Error for QueryError {}
