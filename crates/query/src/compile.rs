//! From the syntax tree to the evaluable form: regexes compiled (with a size bound),
//! selectors flattened to [`Step`]s with case-insensitive header lookups marked,
//! helpers resolved, `limit` and `redact` collected.

use regex::{Regex, RegexBuilder};

use crate::ast::{BinaryOp, Expr, Root, Segment, Selector, UnaryOp};
use crate::parser::unit_ms;

/// Upper bound on a compiled regex (and on its lazy DFA cache).
pub(crate) const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Compiles a regex literal, or says why not (`regex error: …`).
pub(crate) fn build_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(64)
        .build()
        .map_err(|e| {
            let text = e.to_string();
            let detail = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("error: "))
                .map(str::to_string)
                .unwrap_or_else(|| text.lines().last().unwrap_or("invalid").trim().to_string());
            format!("regex error: {detail}")
        })
}

/// A literal value.
#[derive(Debug, Clone)]
pub(crate) enum Const {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

/// One step of a compiled selector.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// Object member; `ci` when under `headers`/`trailers` (case-insensitive name).
    Key {
        name: String,
        ci: bool,
    },
    Index(i64),
    Wildcard,
    Descent(String),
    Json,
    Xml,
}

/// String predicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PredKind {
    StartsWith,
    EndsWith,
    Contains,
}

/// Ordering comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ord4 {
    Gt,
    Ge,
    Lt,
    Le,
}

/// The evaluable expression.
#[derive(Debug, Clone)]
pub(crate) enum CExpr {
    Const(Const),
    /// A regex used as a value (its pattern text).
    Pattern(String),
    /// `now() + offset_ms` at evaluation time.
    Now(i64),
    Sel(Vec<Step>),
    Not(Box<CExpr>),
    Neg(Box<CExpr>),
    And(Box<CExpr>, Box<CExpr>),
    Or(Box<CExpr>, Box<CExpr>),
    /// `==` (or `!=` when `negate`).
    Eq(Box<CExpr>, Box<CExpr>, bool),
    Ord(Ord4, Box<CExpr>, Box<CExpr>),
    /// `subject == r"..."` (or `!=` when `negate`).
    Match(Box<CExpr>, Box<Regex>, bool),
    /// `subject.startsWith(arg)` etc.; `re` when the argument is a regex literal.
    Pred(PredKind, Box<CExpr>, Box<CExpr>, Option<Box<Regex>>),
    /// `limit(n)`, `redact(...)`: always true.
    True,
}

/// What compiling collects besides the expression.
#[derive(Default)]
pub(crate) struct Collected {
    pub limit: Option<usize>,
    pub redactions: Vec<String>,
    pub redaction_steps: Vec<Vec<Step>>,
}

fn is_header_map(step: Option<&Step>) -> bool {
    matches!(step, Some(Step::Key { name, .. })
        if name.eq_ignore_ascii_case("headers") || name.eq_ignore_ascii_case("trailers"))
}

fn push_key(steps: &mut Vec<Step>, name: &str) {
    let ci = is_header_map(steps.last());
    steps.push(Step::Key {
        name: name.to_string(),
        ci,
    });
}

/// A selector's steps, and its trailing predicate if it ends in one.
pub(crate) fn selector_steps(sel: &Selector) -> (Vec<Step>, Option<(PredKind, &Expr)>) {
    let mut steps = Vec::with_capacity(sel.segments.len() + 1);
    match &sel.root {
        Root::Field(n) => push_key(&mut steps, n),
        Root::Descent(n) => steps.push(Step::Descent(n.clone())),
    }
    for seg in &sel.segments {
        match seg {
            Segment::Key(k) => push_key(&mut steps, k),
            Segment::Index(i) => steps.push(Step::Index(*i)),
            Segment::Wildcard => steps.push(Step::Wildcard),
            Segment::Descent(n) => steps.push(Step::Descent(n.clone())),
            Segment::Call { name, args } => match (name.as_str(), args.first()) {
                ("json", _) => steps.push(Step::Json),
                ("xml", _) => steps.push(Step::Xml),
                (p, Some(arg)) => {
                    if let Some(kind) = pred_kind(p) {
                        return (steps, Some((kind, arg)));
                    }
                }
                _ => {}
            },
        }
    }
    (steps, None)
}

fn pred_kind(name: &str) -> Option<PredKind> {
    match name {
        "startsWith" => Some(PredKind::StartsWith),
        "endsWith" => Some(PredKind::EndsWith),
        "contains" => Some(PredKind::Contains),
        _ => None,
    }
}

fn pred(kind: PredKind, subject: CExpr, arg: &Expr, c: &mut Collected) -> Result<CExpr, String> {
    if let Expr::Regex(p) = arg {
        // startsWith/endsWith with a regex: anchor it.
        let anchored = match kind {
            PredKind::StartsWith => format!("^(?:{p})"),
            PredKind::EndsWith => format!("(?:{p})$"),
            PredKind::Contains => p.clone(),
        };
        let re = Box::new(build_regex(&anchored)?);
        return Ok(CExpr::Pred(
            kind,
            Box::new(subject),
            Box::new(CExpr::Pattern(p.clone())),
            Some(re),
        ));
    }
    Ok(CExpr::Pred(
        kind,
        Box::new(subject),
        Box::new(compile(arg, c)?),
        None,
    ))
}

fn number(e: &Expr) -> f64 {
    match e {
        Expr::Int(i) => *i as f64,
        Expr::Float(x) => *x,
        _ => 0.0,
    }
}

/// Compiles a parsed (and checked) expression.
pub(crate) fn compile(e: &Expr, c: &mut Collected) -> Result<CExpr, String> {
    Ok(match e {
        Expr::Nil => CExpr::Const(Const::Nil),
        Expr::Bool(b) => CExpr::Const(Const::Bool(*b)),
        Expr::Int(i) => CExpr::Const(Const::Int(*i)),
        Expr::Float(x) => CExpr::Const(Const::Float(*x)),
        Expr::Str(s) => CExpr::Const(Const::Str(s.clone())),
        Expr::Regex(p) => CExpr::Pattern(p.clone()),
        Expr::Selector(sel) => {
            let (steps, p) = selector_steps(sel);
            match p {
                Some((kind, arg)) => pred(kind, CExpr::Sel(steps), arg, c)?,
                None => CExpr::Sel(steps),
            }
        }
        Expr::Call { name, args } => match name.as_str() {
            "now" => CExpr::Now(0),
            "datetime" => match args.first() {
                Some(Expr::Str(s)) => match crate::datetime::parse_datetime(s) {
                    Some(ms) => CExpr::Const(Const::Int(ms)),
                    None => return Err(format!("invalid datetime \"{s}\"")),
                },
                _ => return Err("`datetime` takes a string".into()),
            },
            "limit" => {
                if let Some(Expr::Int(n)) = args.first() {
                    let n = usize::try_from(*n).unwrap_or(usize::MAX);
                    c.limit = Some(c.limit.map_or(n, |old| old.min(n)));
                }
                CExpr::True
            }
            "redact" => {
                for a in args {
                    if let Expr::Str(p) = a
                        && let Ok(sel) = crate::parser::parse_selector(p)
                    {
                        c.redactions.push(p.clone());
                        let (steps, pred) = selector_steps(&sel);
                        if pred.is_none() {
                            c.redaction_steps.push(steps);
                        }
                    }
                }
                CExpr::True
            }
            "startsWith" | "endsWith" | "contains" => match (pred_kind(name), args.as_slice()) {
                (Some(kind), [subject, arg]) => {
                    let subject = compile(subject, c)?;
                    pred(kind, subject, arg, c)?
                }
                _ => return Err(format!("`{name}` takes 2 arguments")),
            },
            unit => match (unit_ms(unit), args.first()) {
                (Some(ms), Some(n)) => {
                    let offset = number(n) * ms as f64;
                    // `as` saturates: huge offsets clamp instead of overflowing.
                    CExpr::Now(offset.round() as i64)
                }
                _ => return Err(format!("unknown function `{name}`")),
            },
        },
        Expr::Unary { op, expr } => {
            let inner = Box::new(compile(expr, c)?);
            match op {
                UnaryOp::Not => CExpr::Not(inner),
                UnaryOp::Neg => CExpr::Neg(inner),
            }
        }
        Expr::Binary { op, lhs, rhs } => {
            if matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
                let negate = *op == BinaryOp::Ne;
                let regex_side = match (&**lhs, &**rhs) {
                    (subject, Expr::Regex(p)) => Some((subject, p)),
                    (Expr::Regex(p), subject) => Some((subject, p)),
                    _ => None,
                };
                if let Some((subject, p)) = regex_side {
                    let re = Box::new(build_regex(p)?);
                    return Ok(CExpr::Match(Box::new(compile(subject, c)?), re, negate));
                }
            }
            let l = Box::new(compile(lhs, c)?);
            let r = Box::new(compile(rhs, c)?);
            match op {
                BinaryOp::And => CExpr::And(l, r),
                BinaryOp::Or => CExpr::Or(l, r),
                BinaryOp::Eq => CExpr::Eq(l, r, false),
                BinaryOp::Ne => CExpr::Eq(l, r, true),
                BinaryOp::Gt => CExpr::Ord(Ord4::Gt, l, r),
                BinaryOp::Ge => CExpr::Ord(Ord4::Ge, l, r),
                BinaryOp::Lt => CExpr::Ord(Ord4::Lt, l, r),
                BinaryOp::Le => CExpr::Ord(Ord4::Le, l, r),
            }
        }
    })
}
