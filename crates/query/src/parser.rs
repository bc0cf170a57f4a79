//! The recursive-descent parser (precedence climbing over three binary levels), with
//! macro expansion and the checks that make a parsed filter safe to compile: known
//! functions with the right arguments, valid regexes, valid `datetime` strings,
//! `redact` paths that are selectors, and bounded nesting.

use crate::ast::{BinaryOp, Expr, Root, Segment, Selector, UnaryOp};
use crate::error::QueryError;
use crate::lexer::{Tok, Token, tokenize};

/// Deepest expression tree accepted (a chain of `and`s is as deep as it is long).
pub(crate) const MAX_DEPTH: usize = 256;
/// Deepest nesting of parentheses, unary operators and call arguments.
pub(crate) const MAX_NEST: usize = 48;
/// How deeply macros may expand into other macros.
const MAX_MACRO_DEPTH: usize = 8;

type R = Result<(Expr, usize), QueryError>;

/// Parses a whole filter, expanding `macros` (name → expansion text).
pub(crate) fn parse_expr(src: &str, macros: &[(&str, &str)]) -> Result<Expr, QueryError> {
    parse_inner(src, macros, 0).map(|(e, _)| e)
}

fn parse_inner(src: &str, macros: &[(&str, &str)], macro_depth: usize) -> R {
    let toks = tokenize(src)?;
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        macros,
        macro_depth,
        nest: 0,
    };
    let out = p.expr()?;
    let t = p.peek();
    if t.tok != Tok::Eof {
        let msg = match t.tok {
            Tok::RParen => "unmatched `)`".to_string(),
            _ => format!(
                "expected `and`, `or` or end of input, found {}",
                t.tok.describe()
            ),
        };
        return Err(QueryError::at(src, t.start, msg));
    }
    Ok(out)
}

/// Parses `s` as a lone selector (the arguments of `redact`).
pub(crate) fn parse_selector(s: &str) -> Result<Selector, QueryError> {
    match parse_expr(s, &[])? {
        Expr::Selector(sel) => Ok(sel),
        _ => Err(QueryError::at(s, 0, "not a selector")),
    }
}

struct Parser<'s, 'm> {
    src: &'s str,
    toks: Vec<Token>,
    pos: usize,
    macros: &'m [(&'m str, &'m str)],
    macro_depth: usize,
    nest: usize,
}

static EOF: Token = Token {
    tok: Tok::Eof,
    start: 0,
    end: 0,
};

fn logic_op(t: &Tok) -> Option<BinaryOp> {
    match t {
        Tok::And => Some(BinaryOp::And),
        Tok::Or => Some(BinaryOp::Or),
        _ => None,
    }
}

fn eq_op(t: &Tok) -> Option<BinaryOp> {
    match t {
        Tok::EqEq => Some(BinaryOp::Eq),
        Tok::NotEq => Some(BinaryOp::Ne),
        _ => None,
    }
}

fn cmp_op(t: &Tok) -> Option<BinaryOp> {
    match t {
        Tok::Gt => Some(BinaryOp::Gt),
        Tok::Ge => Some(BinaryOp::Ge),
        Tok::Lt => Some(BinaryOp::Lt),
        Tok::Le => Some(BinaryOp::Le),
        _ => None,
    }
}

/// Helpers used as `.name(...)` on a selector, and their argument counts.
pub(crate) fn method_arity(name: &str) -> Option<usize> {
    match name {
        "startsWith" | "endsWith" | "contains" => Some(1),
        "json" | "xml" => Some(0),
        _ => None,
    }
}

impl Parser<'_, '_> {
    fn peek(&self) -> &Token {
        self.toks.get(self.pos).unwrap_or(&EOF)
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks.get(self.pos + n).unwrap_or(&EOF).tok
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn err<T>(&self, at: usize, msg: impl Into<String>) -> Result<T, QueryError> {
        Err(QueryError::at(self.src, at, msg))
    }

    fn expect(&mut self, want: Tok, shown: &str) -> Result<Token, QueryError> {
        let t = self.peek();
        if t.tok == want {
            Ok(self.bump())
        } else {
            self.err(
                t.start,
                format!("expected '{shown}', found {}", t.tok.describe()),
            )
        }
    }

    fn check_depth(&self, d: usize, at: usize) -> Result<usize, QueryError> {
        if d > MAX_DEPTH {
            self.err(
                at,
                format!("expression nested too deeply (more than {MAX_DEPTH} levels)"),
            )
        } else {
            Ok(d)
        }
    }

    fn enter(&mut self) -> Result<(), QueryError> {
        self.nest += 1;
        if self.nest > MAX_NEST {
            let at = self.peek().start;
            return self.err(
                at,
                format!("expression nested too deeply (more than {MAX_NEST} levels)"),
            );
        }
        Ok(())
    }

    fn expr(&mut self) -> R {
        self.enter()?;
        let r = self.chain(logic_op, Self::equality);
        self.nest -= 1;
        r
    }

    fn equality(&mut self) -> R {
        self.chain(eq_op, Self::comparison)
    }

    fn comparison(&mut self) -> R {
        self.chain(cmp_op, Self::unary)
    }

    /// `next (op next)*`, folded to the right.
    fn chain(&mut self, op_of: fn(&Tok) -> Option<BinaryOp>, next: fn(&mut Self) -> R) -> R {
        let first = next(self)?;
        let mut items = vec![first];
        let mut ops = Vec::new();
        while let Some(op) = op_of(&self.peek().tok) {
            let at = self.bump().start;
            if ops.len() >= MAX_DEPTH {
                return self.err(
                    at,
                    format!("expression nested too deeply (more than {MAX_DEPTH} levels)"),
                );
            }
            ops.push((op, at));
            items.push(next(self)?);
        }
        let Some((mut acc, mut d)) = items.pop() else {
            return self.err(self.peek().start, "expected an expression");
        };
        while let (Some((op, at)), Some((lhs, ld))) = (ops.pop(), items.pop()) {
            d = self.check_depth(d.max(ld) + 1, at)?;
            acc = Expr::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(acc),
            };
        }
        Ok((acc, d))
    }

    fn unary(&mut self) -> R {
        let t = self.peek().clone();
        let op = match t.tok {
            Tok::Bang => UnaryOp::Not,
            Tok::Minus => {
                // `-5` is the literal -5.
                if let Tok::Int(text) | Tok::Float(text) = self.peek_at(1).clone() {
                    self.bump();
                    let num = self.bump();
                    let neg = format!("-{text}");
                    return Ok((
                        self.number(&neg, matches!(num.tok, Tok::Float(_)), t.start)?,
                        1,
                    ));
                }
                UnaryOp::Neg
            }
            _ => return self.primary(),
        };
        self.bump();
        self.enter()?;
        let r = self.unary();
        self.nest -= 1;
        let (e, d) = r?;
        let d = self.check_depth(d + 1, t.start)?;
        Ok((
            Expr::Unary {
                op,
                expr: Box::new(e),
            },
            d,
        ))
    }

    fn number(&self, text: &str, float: bool, at: usize) -> Result<Expr, QueryError> {
        if !float && let Ok(i) = text.parse::<i64>() {
            return Ok(Expr::Int(i));
        }
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() && float => Ok(Expr::Float(x)),
            _ => self.err(at, format!("number `{text}` is out of range")),
        }
    }

    fn primary(&mut self) -> R {
        let t = self.bump();
        let e = match t.tok {
            Tok::Int(text) => self.number(&text, false, t.start)?,
            Tok::Float(text) => self.number(&text, true, t.start)?,
            Tok::Str(s) => Expr::Str(s),
            Tok::Regex(r) => {
                if let Err(msg) = crate::compile::build_regex(&r) {
                    return self.err(t.start, msg);
                }
                Expr::Regex(r)
            }
            Tok::True => Expr::Bool(true),
            Tok::False => Expr::Bool(false),
            Tok::Nil => Expr::Nil,
            Tok::LParen => {
                let (e, d) = self.expr()?;
                self.expect(Tok::RParen, ")")?;
                return Ok((e, d));
            }
            Tok::Ident(name) => {
                if self.peek().tok == Tok::LParen {
                    return self.call(name, t.start);
                }
                if let Some(exp) = self.macro_for(&name) {
                    return self.expand(&name, exp, t.start);
                }
                return self.selector(Root::Field(name), t.start);
            }
            Tok::DotDot => {
                let name = self.descent_name()?;
                return self.selector(Root::Descent(name), t.start);
            }
            other => {
                let msg = format!("expected an expression, found {}", other.describe());
                return self.err(t.start, msg);
            }
        };
        Ok((e, 1))
    }

    /// The expansion of `name` when it stands alone (not followed by a path or call).
    fn macro_for(&self, name: &str) -> Option<&str> {
        if matches!(
            self.peek().tok,
            Tok::Dot | Tok::DotDot | Tok::LBracket | Tok::LParen
        ) {
            return None;
        }
        self.macros
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, e)| *e)
    }

    fn expand(&self, name: &str, expansion: &str, at: usize) -> R {
        if self.macro_depth >= MAX_MACRO_DEPTH {
            return self.err(at, format!("macro `{name}` expands too deeply"));
        }
        match parse_inner(expansion, self.macros, self.macro_depth + 1) {
            Ok((e, d)) => Ok((e, self.check_depth(d, at)?)),
            Err(e) => self.err(at, format!("in macro `{name}`: {e}")),
        }
    }

    fn descent_name(&mut self) -> Result<String, QueryError> {
        let t = self.bump();
        match t.tok {
            Tok::LBracket => {
                let k = self.bump();
                let Tok::Str(s) = k.tok else {
                    return self.err(
                        k.start,
                        format!(
                            "expected a quoted name after `..[`, found {}",
                            k.tok.describe()
                        ),
                    );
                };
                self.expect(Tok::RBracket, "]")?;
                Ok(s)
            }
            other => match name_of(&other) {
                Some(n) => Ok(n),
                None => self.err(
                    t.start,
                    format!("expected a name after `..`, found {}", other.describe()),
                ),
            },
        }
    }

    fn args(&mut self) -> Result<(Vec<Expr>, usize), QueryError> {
        self.expect(Tok::LParen, "(")?;
        let mut args = Vec::new();
        let mut depth = 0;
        if self.peek().tok == Tok::RParen {
            self.bump();
            return Ok((args, depth));
        }
        loop {
            let (e, d) = self.expr()?;
            args.push(e);
            depth = depth.max(d);
            let t = self.peek();
            match t.tok {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RParen => {
                    self.bump();
                    return Ok((args, depth));
                }
                _ => {
                    let msg = format!("expected ',' or ')', found {}", t.tok.describe());
                    return self.err(t.start, msg);
                }
            }
        }
    }

    fn call(&mut self, name: String, at: usize) -> R {
        let (args, d) = self.args()?;
        let d = self.check_depth(d + 1, at)?;
        check_call(self.src, &name, &args, at)?;
        Ok((Expr::Call { name, args }, d))
    }

    fn selector(&mut self, root: Root, at: usize) -> R {
        let mut segments = Vec::new();
        let mut depth = 1;
        let mut terminal: Option<String> = None;
        loop {
            let t = self.peek().clone();
            if matches!(t.tok, Tok::Dot | Tok::DotDot | Tok::LBracket)
                && let Some(name) = &terminal
            {
                return self.err(
                    t.start,
                    format!("`{name}()` gives true or false: nothing can follow it"),
                );
            }
            match t.tok {
                Tok::Dot => {
                    self.bump();
                    let n = self.bump();
                    if n.tok == Tok::Star {
                        segments.push(Segment::Wildcard);
                        continue;
                    }
                    let Some(name) = name_of(&n.tok) else {
                        return self.err(
                            n.start,
                            format!("expected a name after `.`, found {}", n.tok.describe()),
                        );
                    };
                    if self.peek().tok == Tok::LParen {
                        let Some(arity) = method_arity(&name) else {
                            return self.err(n.start, format!("unknown function `{name}`"));
                        };
                        let (args, d) = self.args()?;
                        depth = self.check_depth(depth.max(d + 1), n.start)?;
                        if args.len() != arity {
                            return self.err(n.start, arity_msg(&name, arity, args.len()));
                        }
                        if arity == 1 {
                            terminal = Some(name.clone());
                        }
                        segments.push(Segment::Call { name, args });
                    } else {
                        segments.push(Segment::Key(name));
                    }
                }
                Tok::DotDot => {
                    self.bump();
                    let name = self.descent_name()?;
                    segments.push(Segment::Descent(name));
                }
                Tok::LBracket => {
                    self.bump();
                    let k = self.bump();
                    let seg = match k.tok {
                        Tok::Str(s) => Segment::Key(s),
                        Tok::Star => Segment::Wildcard,
                        Tok::Int(text) => Segment::Index(self.index(&text, k.start)?),
                        Tok::Minus => {
                            let n = self.bump();
                            match n.tok {
                                Tok::Int(text) => {
                                    Segment::Index(self.index(&format!("-{text}"), k.start)?)
                                }
                                other => {
                                    return self.err(
                                        n.start,
                                        format!("expected an index, found {}", other.describe()),
                                    );
                                }
                            }
                        }
                        other => {
                            return self.err(
                                k.start,
                                format!(
                                    "expected a quoted key, an index or `*` inside `[]`, found {}",
                                    other.describe()
                                ),
                            );
                        }
                    };
                    self.expect(Tok::RBracket, "]")?;
                    segments.push(seg);
                }
                _ => break,
            }
            if segments.len() > 4 * MAX_DEPTH {
                return self.err(at, "selector too long");
            }
        }
        Ok((Expr::Selector(Selector { root, segments }), depth))
    }

    fn index(&self, text: &str, at: usize) -> Result<i64, QueryError> {
        text.parse::<i64>()
            .or_else(|_| self.err(at, format!("index `{text}` is out of range")))
    }
}

/// A token usable as a member name after `.` or `..` (keywords included).
fn name_of(t: &Tok) -> Option<String> {
    Some(
        match t {
            Tok::Ident(s) => s.as_str(),
            Tok::And => "and",
            Tok::Or => "or",
            Tok::True => "true",
            Tok::False => "false",
            Tok::Nil => "nil",
            _ => return None,
        }
        .to_string(),
    )
}

fn arity_msg(name: &str, want: usize, got: usize) -> String {
    let s = if want == 1 { "" } else { "s" };
    format!("`{name}` takes {want} argument{s}, got {got}")
}

/// Time units: name → milliseconds.
pub(crate) fn unit_ms(name: &str) -> Option<i64> {
    Some(match name {
        "seconds" => 1_000,
        "minutes" => 60_000,
        "hours" => 3_600_000,
        "days" => 86_400_000,
        "weeks" => 7 * 86_400_000,
        "months" => 30 * 86_400_000,
        "years" => 365 * 86_400_000,
        _ => return None,
    })
}

/// Checks a free function call's name and arguments.
fn check_call(src: &str, name: &str, args: &[Expr], at: usize) -> Result<(), QueryError> {
    let err = |m: String| Err(QueryError::at(src, at, m));
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            err(arity_msg(name, n, args.len()))
        }
    };
    match name {
        "now" => arity(0),
        n if unit_ms(n).is_some() => {
            arity(1)?;
            match args[0] {
                Expr::Int(_) => Ok(()),
                Expr::Float(_) => Ok(()),
                _ => err(format!("`{name}` takes a number, e.g. `{name}(-5)`")),
            }
        }
        "datetime" => {
            arity(1)?;
            match &args[0] {
                Expr::Str(s) if crate::datetime::parse_datetime(s).is_some() => Ok(()),
                Expr::Str(s) => err(format!(
                    "invalid datetime \"{s}\": expected M/D/YYYY, h:mm:ss.mmm AM (e.g. \"10/28/2021, 9:13:02.905 PM\")"
                )),
                _ => err(
                    "`datetime` takes a string, e.g. `datetime(\"10/28/2021, 9:13:02.905 PM\")`"
                        .into(),
                ),
            }
        }
        "limit" => {
            arity(1)?;
            match args[0] {
                Expr::Int(n) if n >= 0 => Ok(()),
                _ => err("`limit` takes a non-negative integer, e.g. `limit(100)`".into()),
            }
        }
        "redact" => {
            if args.is_empty() {
                return err("`redact` takes one or more paths, e.g. `redact(\"request.headers.Authorization\")`".into());
            }
            for a in args {
                let Expr::Str(p) = a else {
                    return err(
                        "`redact` takes quoted paths, e.g. `redact(\"request.path\")`".into(),
                    );
                };
                if let Err(e) = parse_selector(p) {
                    return err(format!("invalid redact path \"{p}\": {e}"));
                }
            }
            Ok(())
        }
        "startsWith" | "endsWith" | "contains" => arity(2),
        "json" | "xml" => err(format!(
            "use `{name}()` on a field, e.g. `response.content.text.{name}()`"
        )),
        _ => err(format!("unknown function `{name}`")),
    }
}
