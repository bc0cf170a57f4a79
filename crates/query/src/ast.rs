//! The syntax tree of a filter, for tooling: [`parse`] to an [`Expr`], print it back
//! with `Display`.
//!
//! The tree is what was written: macros such as `http` stay plain selectors here and
//! are expanded only by [`crate::compile`]. Printing adds exactly the parentheses the
//! precedence rules need (plus some around a mixed `and`/`or` on the right), so `parse(&expr.to_string())` gives back `expr`.
//!
//! Precedence, lowest first: `and`/`or` (same level, right-associative), `==`/`!=`,
//! `>`/`>=`/`<`/`<=`, unary `!`/`-`, then literals, selectors, calls and parentheses.
//! All binary levels associate to the right, as in Mizu's grammar.

use std::fmt;

use crate::error::QueryError;
use crate::lexer::{is_ident_continue, is_ident_start};

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `nil`
    Nil,
    /// `true` / `false`
    Bool(bool),
    /// An integer (a leading `-` on a number literal is folded into it).
    Int(i64),
    /// A float.
    Float(f64),
    /// A string in `"..."`, `'...'` or `` `...` ``.
    Str(String),
    /// A regex literal `r"..."`; comparing with it is a match.
    Regex(String),
    /// A path into the entry, possibly with helper calls (`request.path.startsWith("/a")`).
    Selector(Selector),
    /// A free function call: `datetime("…")`, `minutes(-5)`, `limit(10)`, `redact("…")`, …
    Call {
        /// Function name.
        name: String,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// `!e` or `-e`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        expr: Box<Expr>,
    },
    /// `lhs op rhs`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `!`: logical not.
    Not,
    /// `-`: numeric negation.
    Neg,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `and` (also `&&`)
    And,
    /// `or` (also `||`)
    Or,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

impl BinaryOp {
    /// Precedence level: 1 logical, 2 equality, 3 comparison.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::And | BinaryOp::Or => 1,
            BinaryOp::Eq | BinaryOp::Ne => 2,
            _ => 3,
        }
    }

    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
        }
    }
}

/// A selector: where in the entry to look.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    /// The first step.
    pub root: Root,
    /// The following steps.
    pub segments: Vec<Segment>,
}

/// How a selector starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Root {
    /// A top-level field: `request`.
    Field(String),
    /// Recursive descent from the top: `..name`.
    Descent(String),
}

/// One step of a selector.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// `.name` or `["name"]` / `['name']`: an object member.
    Key(String),
    /// `[n]`: an array element (negative counts from the end).
    Index(i64),
    /// `.*` or `[*]`: every member or element.
    Wildcard,
    /// `..name`: members called `name` at any depth below.
    Descent(String),
    /// `.name(args)`: a helper (`json`, `xml`, `startsWith`, `endsWith`, `contains`).
    Call {
        /// Helper name.
        name: String,
        /// Arguments.
        args: Vec<Expr>,
    },
}

/// Parses `src` to its syntax tree (macros are not expanded; see [`crate::compile`]).
pub fn parse(src: &str) -> Result<Expr, QueryError> {
    crate::parser::parse_expr(src, &[])
}

/// Whether `s` can be written as a bare name after `.`.
pub(crate) fn is_ident(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty() && is_ident_start(b[0]) && b[1..].iter().all(|&c| is_ident_continue(c))
}

/// Writes `s` as a double-quoted string literal.
pub(crate) fn write_str_lit(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            '\r' => f.write_str("\\r")?,
            c if c.is_control() => write!(f, "\\u{{{:x}}}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

/// Whether `text` reads back unchanged between `q` quotes of a regex literal.
fn regex_quote_ok(text: &str, q: u8) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if i + 1 >= b.len() {
                return false;
            }
            i += 2;
        } else if b[i] == q {
            return false;
        } else {
            i += 1;
        }
    }
    true
}

fn write_regex_lit(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    if regex_quote_ok(text, b'"') {
        write!(f, "r\"{text}\"")
    } else if regex_quote_ok(text, b'\'') {
        write!(f, "r'{text}'")
    } else {
        write!(f, "r`{text}`")
    }
}

fn write_args(f: &mut fmt::Formatter<'_>, args: &[Expr]) -> fmt::Result {
    f.write_str("(")?;
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{a}")?;
    }
    f.write_str(")")
}

fn write_name_or_key(f: &mut fmt::Formatter<'_>, prefix: &str, name: &str) -> fmt::Result {
    f.write_str(prefix)?;
    if is_ident(name) {
        f.write_str(name)
    } else {
        f.write_str("[")?;
        write_str_lit(f, name)?;
        f.write_str("]")
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.root {
            Root::Field(name) => f.write_str(name)?,
            Root::Descent(name) => write_name_or_key(f, "..", name)?,
        }
        for seg in &self.segments {
            match seg {
                Segment::Key(k) => {
                    if is_ident(k) {
                        write!(f, ".{k}")?;
                    } else {
                        f.write_str("[")?;
                        write_str_lit(f, k)?;
                        f.write_str("]")?;
                    }
                }
                Segment::Index(i) => write!(f, "[{i}]")?,
                Segment::Wildcard => f.write_str("[*]")?,
                Segment::Descent(name) => write_name_or_key(f, "..", name)?,
                Segment::Call { name, args } => {
                    write!(f, ".{name}")?;
                    write_args(f, args)?;
                }
            }
        }
        Ok(())
    }
}

impl Expr {
    /// Binding strength when printing: binary operators by level, everything else 4.
    fn strength(&self) -> u8 {
        match self {
            Expr::Binary { op, .. } => op.precedence(),
            _ => 4,
        }
    }
}

fn write_operand(f: &mut fmt::Formatter<'_>, e: &Expr, paren: bool) -> fmt::Result {
    if paren {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Nil => f.write_str("nil"),
            Expr::Bool(b) => write!(f, "{b}"),
            Expr::Int(i) => write!(f, "{i}"),
            Expr::Float(x) => write!(f, "{x:?}"),
            Expr::Str(s) => write_str_lit(f, s),
            Expr::Regex(r) => write_regex_lit(f, r),
            Expr::Selector(s) => write!(f, "{s}"),
            Expr::Call { name, args } => {
                f.write_str(name)?;
                write_args(f, args)
            }
            Expr::Unary { op, expr } => {
                let sym = match op {
                    UnaryOp::Not => "!",
                    UnaryOp::Neg => "-",
                };
                f.write_str(sym)?;
                // `-(5)`: a bare `-5` would read back as the literal -5.
                let paren = expr.strength() < 4
                    || (*op == UnaryOp::Neg && matches!(**expr, Expr::Int(_) | Expr::Float(_)));
                write_operand(f, expr, paren)
            }
            Expr::Binary { op, lhs, rhs } => {
                let p = op.precedence();
                write_operand(f, lhs, lhs.strength() <= p)?;
                write!(f, " {} ", op.as_str())?;
                // `a and (b or c)`: the parentheses are redundant (same level, right
                // associative) but say what readers used to `and` > `or` expect.
                let mixed = matches!(**rhs, Expr::Binary { op: r, .. } if p == 1 && r.precedence() == 1 && r != *op);
                write_operand(f, rhs, rhs.strength() < p || mixed)
            }
        }
    }
}
