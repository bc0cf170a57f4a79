//! The facet prefilter: at compile time a [`crate::Query`] derives from its compiled
//! expression a conservative predicate over [`Facets`] answering [`Tri::True`],
//! [`Tri::False`] or [`Tri::Unknown`]. A scan skips `False` records without touching
//! their JSON, takes `True` ones as matches, and evaluates only `Unknown` ones in full.
//!
//! How it is built, bottom-up over the expression:
//!
//! * A subtree that reads exactly **one** faceted field and nothing else (no other
//!   selector, no `now()`) is a leaf. For an interned field or `response.status` it is
//!   **tabulated**: the subtree is evaluated by the ordinary evaluator on a one-field
//!   document for every value the facet can hold (nil, each interned string, each
//!   status `0..1024`), so its answers are the evaluator's own, whatever the operator,
//!   literal type, regex or helper. The facet's *other* value answers `Unknown`.
//! * For a hashed string field only nil is tabulated; for strings, `field == "lit"` /
//!   `!=` is decided by the hash (different hashes: certainly different strings; equal
//!   hashes: `Unknown`, verified on the bytes) and `field == <non-string literal>` is
//!   always false (a string never equals nil, a number or a boolean). Anything else on
//!   a string is `Unknown`.
//! * A subtree that reads no field (and not `now()`) is a constant.
//! * `and`, `or`, `!` over the rest combine their children's answers in Kleene's
//!   three-valued logic (`False and Unknown` is `False`, `True or Unknown` is `True`);
//!   anything else is `Unknown`.
//!
//! Soundness rests on two facts: a facet holds exactly the value the selector yields
//! under `matches_json` (see `facets.rs`), and nil/missing behave identically in every
//! comparison, so a document lacking the field stands for both.

use serde_json::{Map, Value};

use crate::EvalContext;
use crate::compile::{CExpr, Const};
use crate::eval::Eval;
use crate::facets::{
    FacetTable, Facets, Field, ID_NIL, ID_UNLISTED, KIND_NIL, KIND_STR, STATUS_NIL, STATUS_RANGE,
    field_of, path_of, str_hash,
};

/// A three-valued answer: certainly true, certainly false, or "evaluate to find out".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tri {
    /// Certainly false: the record does not match.
    False,
    /// Certainly true: the record matches.
    True,
    /// The facets cannot tell: evaluate the filter on the record.
    Unknown,
}

impl Tri {
    fn of(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }

    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }

    fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }

    fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }
}

/// How a hashed-field leaf answers on a string value.
#[derive(Clone, Copy, Debug)]
pub(crate) enum StrTest {
    /// Content cannot be judged from a hash.
    Unknown,
    /// The same answer for every string.
    Always(bool),
    /// `field == s` (`differs` = false) or `field != s` (`differs` = true): a hash other
    /// than `hash` means the strings differ, and the answer is `differs`.
    Hash { hash: u32, differs: bool },
}

/// The compiled prefilter.
#[derive(Clone, Debug)]
pub(crate) enum PExpr {
    Const(Tri),
    Not(Box<PExpr>),
    And(Box<PExpr>, Box<PExpr>),
    Or(Box<PExpr>, Box<PExpr>),
    /// Bit `id` of `known`: the answer for that id is exact, and is bit `id` of `hits`.
    Interned {
        field: usize,
        hits: u64,
        known: u64,
    },
    /// Exact for nil and every integer `0..STATUS_RANGE` (bit per value in `hits`).
    Status {
        nil: Tri,
        hits: Box<[u64]>,
    },
    Hashed {
        field: usize,
        nil: Tri,
        string: StrTest,
    },
}

/// Collects the faceted fields `e` reads; false if it reads anything facets cannot
/// supply (another selector, `now()`).
fn fields(e: &CExpr, out: &mut Vec<Field>) -> bool {
    match e {
        CExpr::Sel(steps) => match field_of(steps) {
            Some(f) => {
                if !out.contains(&f) {
                    out.push(f);
                }
                true
            }
            None => false,
        },
        CExpr::Now(_) => false,
        CExpr::Const(_) | CExpr::Pattern(_) | CExpr::True => true,
        CExpr::Not(a) | CExpr::Neg(a) | CExpr::Match(a, _, _) => fields(a, out),
        CExpr::And(a, b)
        | CExpr::Or(a, b)
        | CExpr::Eq(a, b, _)
        | CExpr::Ord(_, a, b)
        | CExpr::Pred(_, a, b, _) => fields(a, out) && fields(b, out),
    }
}

/// Whether `e` (reading one field) only compares it for (in)equality with string
/// constants, combined with `not`/`and`/`or`; collects the constants.
fn equality_only(e: &CExpr, consts: &mut Vec<String>) -> bool {
    match e {
        CExpr::True => true,
        CExpr::Not(a) => equality_only(a, consts),
        CExpr::And(a, b) | CExpr::Or(a, b) => equality_only(a, consts) && equality_only(b, consts),
        CExpr::Eq(a, b, _) => match (a.as_ref(), b.as_ref()) {
            (CExpr::Sel(_), CExpr::Const(Const::Str(c)))
            | (CExpr::Const(Const::Str(c)), CExpr::Sel(_)) => {
                consts.push(c.clone());
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// Evaluates `e` the ordinary way on `doc` (which holds at most the one field `e` reads).
fn eval_on(e: &CExpr, doc: &Value) -> bool {
    Eval {
        root: doc,
        ctx: &EvalContext::default(),
    }
    .truthy(e)
}

/// Tabulates `e` over the values of `field`: `e` evaluated with `field` set to each of
/// `values` (in order), through one reused document.
fn tabulate(
    e: &CExpr,
    field: Field,
    values: impl Iterator<Item = Value>,
    mut out: impl FnMut(usize, bool),
) {
    let (a, b) = path_of(field);
    let mut inner = Map::new();
    inner.insert(b.to_owned(), Value::Null);
    let mut top = Map::new();
    top.insert(a.to_owned(), Value::Object(inner));
    let mut doc = Value::Object(top);
    for (k, v) in values.enumerate() {
        if let Some(slot) = doc.get_mut(a).and_then(|o| o.get_mut(b)) {
            *slot = v;
        }
        out(k, eval_on(e, &doc));
    }
}

/// The leaf for a subtree reading only `field`.
fn leaf(e: &CExpr, field: Field, table: &FacetTable) -> PExpr {
    let empty = Value::Object(Map::new());
    let nil = Tri::of(eval_on(e, &empty));
    match field {
        Field::Interned(i) => {
            let table = table.list(i);
            let mut hits = 0u64;
            let mut known = 1u64 << ID_NIL;
            if nil == Tri::True {
                hits |= 1 << ID_NIL;
            }
            tabulate(e, field, table.iter().map(|s| Value::from(&**s)), |k, b| {
                known |= 1 << (k + 2);
                if b {
                    hits |= 1 << (k + 2);
                }
            });
            // A string outside the table: decided when `e` only compares the field for
            // equality with table strings (then every such string gives the same answer,
            // that of one equal to none of them).
            let mut consts = Vec::new();
            if equality_only(e, &mut consts)
                && consts.iter().all(|c| table.iter().any(|t| **t == **c))
            {
                let outside = Value::from("\u{1}not in any table");
                tabulate(e, field, std::iter::once(outside), |_, b| {
                    known |= 1 << ID_UNLISTED;
                    if b {
                        hits |= 1 << ID_UNLISTED;
                    }
                });
            }
            PExpr::Interned {
                field: i,
                hits,
                known,
            }
        }
        Field::Status => {
            let mut hits = vec![0u64; usize::from(STATUS_RANGE) / 64];
            tabulate(e, field, (0..STATUS_RANGE).map(Value::from), |k, b| {
                if b && let Some(w) = hits.get_mut(k / 64) {
                    *w |= 1 << (k % 64);
                }
            });
            PExpr::Status {
                nil,
                hits: hits.into_boxed_slice(),
            }
        }
        Field::Hashed(i) => {
            let string = match e {
                CExpr::Eq(l, r, negate) => match (&**l, &**r) {
                    (CExpr::Sel(_), CExpr::Const(c)) | (CExpr::Const(c), CExpr::Sel(_)) => {
                        match c {
                            Const::Str(s) => StrTest::Hash {
                                hash: str_hash(s),
                                differs: *negate,
                            },
                            // A string equals no nil, number or boolean.
                            Const::Nil | Const::Bool(_) | Const::Int(_) | Const::Float(_) => {
                                StrTest::Always(*negate)
                            }
                        }
                    }
                    _ => StrTest::Unknown,
                },
                _ => StrTest::Unknown,
            };
            PExpr::Hashed {
                field: i,
                nil,
                string,
            }
        }
    }
}

fn and(a: PExpr, b: PExpr) -> PExpr {
    match (a, b) {
        (PExpr::Const(x), PExpr::Const(y)) => PExpr::Const(x.and(y)),
        (PExpr::Const(Tri::False), _) | (_, PExpr::Const(Tri::False)) => PExpr::Const(Tri::False),
        (PExpr::Const(Tri::True), x) | (x, PExpr::Const(Tri::True)) => x,
        (a, b) => PExpr::And(Box::new(a), Box::new(b)),
    }
}

fn or(a: PExpr, b: PExpr) -> PExpr {
    match (a, b) {
        (PExpr::Const(x), PExpr::Const(y)) => PExpr::Const(x.or(y)),
        (PExpr::Const(Tri::True), _) | (_, PExpr::Const(Tri::True)) => PExpr::Const(Tri::True),
        (PExpr::Const(Tri::False), x) | (x, PExpr::Const(Tri::False)) => x,
        (a, b) => PExpr::Or(Box::new(a), Box::new(b)),
    }
}

/// Builds the prefilter of a compiled expression for facets made with `table`.
pub(crate) fn build(e: &CExpr, table: &FacetTable) -> PExpr {
    let mut fs = Vec::new();
    if fields(e, &mut fs) {
        match fs.as_slice() {
            [] => return PExpr::Const(Tri::of(eval_on(e, &Value::Object(Map::new())))),
            [f] => return leaf(e, *f, table),
            _ => {}
        }
    }
    match e {
        CExpr::And(a, b) => and(build(a, table), build(b, table)),
        CExpr::Or(a, b) => or(build(a, table), build(b, table)),
        CExpr::Not(a) => match build(a, table) {
            PExpr::Const(t) => PExpr::Const(t.not()),
            p => PExpr::Not(Box::new(p)),
        },
        _ => PExpr::Const(Tri::Unknown),
    }
}

impl PExpr {
    /// The answer for a record with these facets.
    pub(crate) fn eval(&self, f: &Facets) -> Tri {
        match self {
            PExpr::Const(t) => *t,
            PExpr::Not(a) => a.eval(f).not(),
            PExpr::And(a, b) => match a.eval(f) {
                Tri::False => Tri::False,
                t => t.and(b.eval(f)),
            },
            PExpr::Or(a, b) => match a.eval(f) {
                Tri::True => Tri::True,
                t => t.or(b.eval(f)),
            },
            PExpr::Interned { field, hits, known } => {
                let bit = 1u64 << (f.id(*field) & 63);
                if known & bit == 0 {
                    Tri::Unknown
                } else {
                    Tri::of(hits & bit != 0)
                }
            }
            PExpr::Status { nil, hits } => match f.status() {
                STATUS_NIL => *nil,
                s if s < STATUS_RANGE => {
                    let s = usize::from(s);
                    Tri::of(hits.get(s / 64).is_some_and(|w| w & (1 << (s % 64)) != 0))
                }
                _ => Tri::Unknown,
            },
            PExpr::Hashed { field, nil, string } => {
                let (kind, hash) = f.hashed(*field);
                match (kind, string) {
                    (KIND_NIL, _) => *nil,
                    (KIND_STR, StrTest::Always(b)) => Tri::of(*b),
                    (KIND_STR, StrTest::Hash { hash: h, differs }) if *h != hash => {
                        Tri::of(*differs)
                    }
                    _ => Tri::Unknown,
                }
            }
        }
    }

    /// Whether the prefilter can never tell anything (always `Unknown`).
    pub(crate) fn is_useless(&self) -> bool {
        matches!(self, PExpr::Const(Tri::Unknown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facets::facets;

    fn pre(src: &str) -> PExpr {
        let q = crate::compile(src).expect("filter");
        q.prefilter_expr()
            .cloned()
            .unwrap_or(PExpr::Const(Tri::Unknown))
    }

    #[test]
    fn kleene() {
        use Tri::*;
        assert_eq!(False.and(Unknown), False);
        assert_eq!(True.and(Unknown), Unknown);
        assert_eq!(True.or(Unknown), True);
        assert_eq!(False.or(Unknown), Unknown);
        assert_eq!(Unknown.not(), Unknown);
    }

    #[test]
    fn decides_the_hot_filters() {
        let http = facets(
            br#"{"protocol":{"name":"http","version":"1.1","abbr":"HTTP"},"request":{"method":"GET","path":"/json"},"response":{"status":404}}"#,
        );
        let redis = facets(br#"{"protocol":{"name":"redis","version":"2","abbr":"REDIS"}}"#);
        let p = pre("http and response.status >= 400");
        assert_eq!(p.eval(&http), Tri::True);
        assert_eq!(p.eval(&redis), Tri::False);
        let p = pre(r#"http and request.path == "/catalogue""#);
        assert_eq!(p.eval(&http), Tri::False);
        assert_eq!(p.eval(&redis), Tri::False);
        let p = pre(r#"request.path == "/json""#);
        assert_eq!(p.eval(&http), Tri::Unknown);
        assert_eq!(p.eval(&redis), Tri::False);
        let p = pre(r#"request.headers["User-Agent"] == "nobody""#);
        assert!(p.is_useless());
        let p = pre(r#"request.headers["User-Agent"] == "nobody" and http"#);
        assert_eq!(p.eval(&http), Tri::Unknown);
        assert_eq!(p.eval(&redis), Tri::False);
        // now() is never tabulated.
        assert!(pre("response.status > now()").is_useless());
        // A protocol the table is built for is decided from facets alone, its
        // abbreviation too; with the default table only its macro's name is listed.
        let ws_doc = br#"{"protocol":{"name":"websocket","version":"13","abbr":"WS"}}"#;
        let redis_doc = br#"{"protocol":{"name":"redis","version":"2","abbr":"REDIS"}}"#;
        let names = |name, abbr, version| crate::ProtocolNames {
            name,
            abbr,
            version,
        };
        let table = FacetTable::new(
            &[names("websocket", "WS", "13"), names("redis", "REDIS", "2")],
            crate::default_macros(),
        );
        let abbr = r#"protocol.abbr == "WS""#;
        for q in ["ws", "websocket", abbr] {
            let p = crate::compile_with(q, crate::default_macros(), &table).expect("filter");
            assert_eq!(p.prefilter(&table.facets(ws_doc)), Tri::True, "{q}");
            assert_eq!(p.prefilter(&table.facets(redis_doc)), Tri::False, "{q}");
        }
        assert_eq!(pre("ws").eval(&facets(ws_doc)), Tri::True);
        assert_eq!(pre(abbr).eval(&facets(ws_doc)), Tri::Unknown);
    }

    #[test]
    fn the_table_lists_what_protocols_and_macros_name() {
        let t = FacetTable::new(
            &[crate::ProtocolNames {
                name: "zz",
                abbr: "ZZ",
                version: "7",
            }],
            &[
                ("zz", r#"protocol.name == "zz""#),
                (
                    "zz3",
                    r#"zz and protocol.version == "3" or protocol.abbr != "Z3""#,
                ),
                ("bad", "protocol.name =="),
            ],
        );
        let strs = |i| t.list(i).iter().map(|s| &**s).collect::<Vec<_>>();
        assert_eq!(strs(0), ["zz"]);
        assert_eq!(strs(1), ["ZZ", "Z3"]);
        assert_eq!(strs(2), ["7", "3"]);
        assert!(strs(3).contains(&"GET"));
        // The default table: what the built-in macros compare, no protocol written out.
        let d = FacetTable::default();
        assert!(d.list(0).iter().any(|s| &**s == "http"));
        assert!(d.list(1).iter().any(|s| &**s == "gRPC"));
        assert!(d.same(&FacetTable::default()) && !d.same(&t));
    }
}
