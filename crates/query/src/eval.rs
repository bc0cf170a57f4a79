//! The evaluator, generic over where the entry lives: a parsed `serde_json::Value` or
//! raw JSON bytes ([`crate::raw::Raw`]). Both implement [`Node`]; the comparison rules
//! live in one place, so both give the same answers.
//!
//! Selectors may yield several values (wildcards, recursive descent, case-insensitive
//! header names): a comparison holds if it holds for any of them; `!=` is the negation
//! of `==`. A selector that yields nothing yields one "missing" value, which compares
//! equal to `nil` and fails every other comparison.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

use crate::EvalContext;
use crate::compile::{CExpr, Const, Ord4, PredKind, Step};
use crate::raw::Raw;

/// An array or object, left where it is.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Compound<'a> {
    Raw(Raw<'a>),
    Json(&'a Value),
}

/// A leaf value as comparisons see it.
#[derive(Clone, Debug)]
pub(crate) enum Scalar<'a> {
    Missing,
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    Compound(Compound<'a>),
}

/// A JSON value to navigate.
pub(crate) trait Node<'a>: Copy {
    fn scalar(self) -> Scalar<'a>;
    fn get(self, key: &str) -> Option<Self>;
    fn index(self, i: i64) -> Option<Self>;
    /// Object members; stops (and returns true) when `f` returns true.
    fn members(self, f: &mut dyn FnMut(&str, Self) -> bool) -> bool;
    /// Array elements; stops (and returns true) when `f` returns true.
    fn elements(self, f: &mut dyn FnMut(Self) -> bool) -> bool;
    /// Values of members called `name` at any depth below; stops when `f` returns true.
    fn descendants(self, name: &str, f: &mut dyn FnMut(Self) -> bool) -> bool;
    /// Values of the members whose name equals `name` ignoring ASCII case (header
    /// names); stops (and returns true) when `f` returns true.
    fn members_ci(self, name: &str, f: &mut dyn FnMut(Self) -> bool) -> bool {
        self.members(&mut |k, v| k.eq_ignore_ascii_case(name) && f(v))
    }
}

/// A `serde_json` number as a scalar: integers that fit `i64` stay integers.
pub(crate) fn number_of(n: &serde_json::Number) -> Scalar<'static> {
    match n.as_i64() {
        Some(i) => Scalar::Int(i),
        None => match n.as_f64() {
            Some(x) => Scalar::Float(x),
            None => Scalar::Missing,
        },
    }
}

impl<'a> Node<'a> for &'a Value {
    fn scalar(self) -> Scalar<'a> {
        match self {
            Value::Null => Scalar::Null,
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Number(n) => number_of(n),
            Value::String(s) => Scalar::Str(Cow::Borrowed(s)),
            Value::Array(_) | Value::Object(_) => Scalar::Compound(Compound::Json(self)),
        }
    }

    fn get(self, key: &str) -> Option<Self> {
        self.as_object()?.get(key)
    }

    fn index(self, i: i64) -> Option<Self> {
        let a = self.as_array()?;
        let i = if i < 0 {
            i.checked_add(i64::try_from(a.len()).ok()?)?
        } else {
            i
        };
        a.get(usize::try_from(i).ok()?)
    }

    fn members(self, f: &mut dyn FnMut(&str, Self) -> bool) -> bool {
        match self {
            Value::Object(m) => m.iter().any(|(k, v)| f(k, v)),
            _ => false,
        }
    }

    fn elements(self, f: &mut dyn FnMut(Self) -> bool) -> bool {
        match self {
            Value::Array(a) => a.iter().any(f),
            _ => false,
        }
    }

    fn descendants(self, name: &str, f: &mut dyn FnMut(Self) -> bool) -> bool {
        // Iterative, so deep documents cannot overflow the stack.
        let mut stack = vec![self];
        while let Some(n) = stack.pop() {
            match n {
                Value::Object(m) => {
                    for (k, v) in m {
                        if k == name && f(v) {
                            return true;
                        }
                        stack.push(v);
                    }
                }
                Value::Array(a) => stack.extend(a.iter()),
                _ => {}
            }
        }
        false
    }
}

impl<'a> Compound<'a> {
    fn to_value(self) -> Option<Cow<'a, Value>> {
        match self {
            Compound::Json(v) => Some(Cow::Borrowed(v)),
            Compound::Raw(r) => r.to_value().map(Cow::Owned),
        }
    }

    /// Array elements as scalars (nothing for objects).
    fn elements(self, f: &mut dyn FnMut(Scalar<'_>) -> bool) -> bool {
        match self {
            Compound::Json(v) => v.elements(&mut |e| f(e.scalar())),
            Compound::Raw(r) => r.elements(&mut |e| f(e.scalar())),
        }
    }
}

type Visit<'f> = &'f mut dyn FnMut(Scalar<'_>) -> bool;

/// Follows `steps` from `node`, calling `f` on every value reached; true as soon as
/// `f` returns true.
fn walk<'a, N: Node<'a>>(node: N, steps: &[Step], f: Visit<'_>) -> bool {
    let Some((step, rest)) = steps.split_first() else {
        return f(node.scalar());
    };
    match step {
        Step::Key { name, ci: false } => node.get(name).is_some_and(|v| walk(v, rest, f)),
        Step::Key { name, ci: true } => node.members_ci(name, &mut |v| walk(v, rest, f)),
        Step::Index(i) => node.index(*i).is_some_and(|v| walk(v, rest, f)),
        Step::Wildcard => {
            node.members(&mut |_, v| walk(v, rest, f)) || node.elements(&mut |v| walk(v, rest, f))
        }
        Step::Descent(name) => node.descendants(name, &mut |v| walk(v, rest, f)),
        Step::Json | Step::Xml => match node.scalar() {
            Scalar::Str(text) => {
                let decoded = if matches!(step, Step::Json) {
                    crate::decode::decode_json(&text)
                } else {
                    crate::decode::decode_xml(&text)
                };
                decoded.is_some_and(|v| walk(&v, rest, f))
            }
            // Already structured: nothing to decode.
            Scalar::Compound(_) => walk(node, rest, f),
            _ => false,
        },
    }
}

/// Number of decoded `json()`/`xml()` bodies is not cached: each evaluation decodes.
fn truthy_scalar(s: &Scalar<'_>) -> bool {
    match s {
        Scalar::Missing | Scalar::Null => false,
        Scalar::Bool(b) => *b,
        Scalar::Int(i) => *i != 0,
        Scalar::Float(x) => *x != 0.0,
        Scalar::Str(s) => !s.is_empty(),
        Scalar::Compound(_) => true,
    }
}

/// Text of a scalar for regexes and string helpers (`None` for nil and compounds).
fn text_of<'s>(s: &'s Scalar<'_>) -> Option<Cow<'s, str>> {
    match s {
        Scalar::Str(t) => Some(Cow::Borrowed(t.as_ref())),
        Scalar::Int(i) => Some(Cow::Owned(i.to_string())),
        Scalar::Float(x) => Some(Cow::Owned(
            serde_json::Number::from_f64(*x).map_or_else(|| x.to_string(), |n| n.to_string()),
        )),
        Scalar::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

fn num_cmp(a: &Scalar<'_>, b: &Scalar<'_>) -> Option<Ordering> {
    match (a, b) {
        (Scalar::Int(x), Scalar::Int(y)) => Some(x.cmp(y)),
        (Scalar::Int(x), Scalar::Float(y)) => (*x as f64).partial_cmp(y),
        (Scalar::Float(x), Scalar::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Scalar::Float(x), Scalar::Float(y)) => x.partial_cmp(y),
        _ => None,
    }
}

fn scalar_eq(a: &Scalar<'_>, b: &Scalar<'_>) -> bool {
    match (a, b) {
        (Scalar::Missing | Scalar::Null, Scalar::Missing | Scalar::Null) => true,
        (Scalar::Bool(x), Scalar::Bool(y)) => x == y,
        (Scalar::Str(x), Scalar::Str(y)) => x == y,
        (Scalar::Compound(x), Scalar::Compound(y)) => match (x.to_value(), y.to_value()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
        _ => num_cmp(a, b) == Some(Ordering::Equal),
    }
}

fn scalar_ord(op: Ord4, a: &Scalar<'_>, b: &Scalar<'_>) -> bool {
    let ord = match (a, b) {
        (Scalar::Str(x), Scalar::Str(y)) => Some(x.as_ref().cmp(y.as_ref())),
        _ => num_cmp(a, b),
    };
    match (ord, op) {
        (None, _) => false,
        (Some(o), Ord4::Gt) => o == Ordering::Greater,
        (Some(o), Ord4::Ge) => o != Ordering::Less,
        (Some(o), Ord4::Lt) => o == Ordering::Less,
        (Some(o), Ord4::Le) => o != Ordering::Greater,
    }
}

fn pred_holds(kind: PredKind, subject: &Scalar<'_>, arg: &Scalar<'_>) -> bool {
    if kind == PredKind::Contains
        && let Scalar::Compound(c) = subject
    {
        return c.elements(&mut |e| scalar_eq(&e, arg));
    }
    let (Some(s), Some(a)) = (text_of(subject), text_of(arg)) else {
        return false;
    };
    match kind {
        PredKind::StartsWith => s.starts_with(a.as_ref()),
        PredKind::EndsWith => s.ends_with(a.as_ref()),
        PredKind::Contains => s.contains(a.as_ref()),
    }
}

fn regex_holds(re: &regex::Regex, subject: &Scalar<'_>) -> bool {
    match subject {
        Scalar::Compound(c) => c.elements(&mut |e| text_of(&e).is_some_and(|t| re.is_match(&t))),
        s => text_of(s).is_some_and(|t| re.is_match(&t)),
    }
}

/// Evaluates compiled expressions against one entry.
pub(crate) struct Eval<'c, N> {
    pub root: N,
    pub ctx: &'c EvalContext,
}

impl<'a, N: Node<'a>> Eval<'_, N> {
    /// Calls `f` on each value of `e`; true as soon as `f` returns true.
    fn values(&self, e: &CExpr, f: Visit<'_>) -> bool {
        match e {
            CExpr::Const(c) => f(match c {
                Const::Nil => Scalar::Null,
                Const::Bool(b) => Scalar::Bool(*b),
                Const::Int(i) => Scalar::Int(*i),
                Const::Float(x) => Scalar::Float(*x),
                Const::Str(s) => Scalar::Str(Cow::Borrowed(s)),
            }),
            CExpr::Pattern(p) => f(Scalar::Str(Cow::Borrowed(p))),
            CExpr::Now(offset) => f(Scalar::Int(self.ctx.now_ms.saturating_add(*offset))),
            CExpr::Sel(steps) => {
                let mut any = false;
                let hit = walk(self.root, steps, &mut |s| {
                    any = true;
                    f(s)
                });
                hit || (!any && f(Scalar::Missing))
            }
            CExpr::Neg(inner) => self.values(inner, &mut |s| {
                f(match s {
                    Scalar::Int(i) => match i.checked_neg() {
                        Some(n) => Scalar::Int(n),
                        None => Scalar::Float(-(i as f64)),
                    },
                    Scalar::Float(x) => Scalar::Float(-x),
                    _ => Scalar::Missing,
                })
            }),
            _ => f(Scalar::Bool(self.truthy(e))),
        }
    }

    /// Whether `e` holds.
    pub(crate) fn truthy(&self, e: &CExpr) -> bool {
        match e {
            CExpr::True => true,
            CExpr::Not(inner) => !self.truthy(inner),
            CExpr::And(l, r) => self.truthy(l) && self.truthy(r),
            CExpr::Or(l, r) => self.truthy(l) || self.truthy(r),
            CExpr::Eq(l, r, negate) => {
                let found = self.values(l, &mut |a| self.values(r, &mut |b| scalar_eq(&a, &b)));
                found != *negate
            }
            CExpr::Ord(op, l, r) => {
                self.values(l, &mut |a| self.values(r, &mut |b| scalar_ord(*op, &a, &b)))
            }
            CExpr::Match(subject, re, negate) => {
                let found = self.values(subject, &mut |s| regex_holds(re, &s));
                found != *negate
            }
            CExpr::Pred(kind, subject, arg, re) => self.values(subject, &mut |s| match re {
                Some(re) => regex_holds(re, &s),
                None => self.values(arg, &mut |a| pred_holds(*kind, &s, &a)),
            }),
            CExpr::Const(_) | CExpr::Pattern(_) | CExpr::Now(_) | CExpr::Sel(_) | CExpr::Neg(_) => {
                self.values(e, &mut |s| truthy_scalar(&s))
            }
        }
    }
}
