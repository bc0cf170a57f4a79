//! Facets: a fixed-size (32-byte) summary of the hot scalar fields of one entry, computed
//! once from its compact JSON ([`FacetTable::facets`], the store does it at append time) so that a
//! scan can decide most records from a dense array of summaries without touching their
//! JSON (see [`crate::Query::prefilter`] and `prefilter.rs`).
//!
//! What is summarised, and how:
//!
//! * **Interned** (`protocol.name`, `protocol.abbr`, `protocol.version`,
//!   `request.method`): a small id per field. Id 0 is *nil* (the path is missing or its
//!   value is `null`), id 63 is *unlisted* (a string not in the field's table: a protocol
//!   the table does not know; a filter that only compares the field for equality with
//!   table strings, as the protocol macros do, decides it), id 1 is *other* (any other
//!   value: numbers, objects, …), ids 2.. are the table's strings. The tables are a
//!   [`FacetTable`] value built from the protocols a deployment knows (the dissector
//!   registry's names, abbreviations, versions and the strings their macros compare),
//!   so no protocol is named here; ids live in memory only (rebuilt on recovery).
//! * **Integer** (`response.status`): the integer if it is one in `0..1024`, else nil or
//!   *other* (floats, strings, larger numbers, …).
//! * **Hashed** (`request.path`, `src.name`, `dst.name`, `src.ip`, `dst.ip`,
//!   `dst.port`): nil, a string (with a 32-bit hash of its decoded text) or *other*.
//!
//! The values are read with the same navigator as [`crate::Query::matches_json`] (first
//! member of a name, escapes decoded, malformed bytes missing), so a facet holds exactly
//! the value full evaluation would compare. *Other* always means "cannot say": the
//! prefilter answers `Unknown` and the record is evaluated in full.

use crate::compile::{CExpr, Const};
use crate::eval::{Node, Scalar};
use crate::raw::{Raw, TopIndex};
use std::sync::Arc;

/// A faceted field: which one, and where it lives in an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// Index into [`INTERNED`].
    Interned(usize),
    /// `response.status`.
    Status,
    /// Index into [`HASHED`].
    Hashed(usize),
}

/// Interned fields (id = position in the field's list of a [`FacetTable`] + 2). The
/// protocol fields' lists come from the protocols a [`FacetTable`] is built for; the
/// method list is [`METHODS`].
pub(crate) const INTERNED: [(&str, &str); 4] = [
    ("protocol", "name"),
    ("protocol", "abbr"),
    ("protocol", "version"),
    ("request", "method"),
];

/// `request.method` values every table lists (HTTP's; other methods are *unlisted*).
const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE",
];

/// Values one interned field can list: ids 2..=62 (0 nil, 1 other, 63 unlisted), so a
/// prefilter's sets fit one `u64`. Values past it are *unlisted* (still exact).
const MAX_LISTED: usize = ID_UNLISTED as usize - 2;

/// What one protocol contributes to the facet tables: the values of `protocol.name`,
/// `protocol.abbr` and `protocol.version` its entries usually carry (its descriptor's).
#[derive(Clone, Copy, Debug)]
pub struct ProtocolNames<'a> {
    pub name: &'a str,
    pub abbr: &'a str,
    pub version: &'a str,
}

/// The strings each interned field lists, derived from the protocols a deployment knows
/// (the dissector registry's descriptors and macros), never written down here: a new
/// protocol gets its facet ids with no edit in this crate. [`FacetTable::facets`] and the
/// prefilter of a query compiled with [`crate::compile_with`] must use the same table
/// (the hub gives its store the table its filters are compiled with). Cheap to clone.
#[derive(Clone)]
pub struct FacetTable {
    lists: Arc<[Vec<Box<str>>; INTERNED.len()]>,
}

impl std::fmt::Debug for FacetTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(
                INTERNED
                    .iter()
                    .zip(self.lists.iter())
                    .map(|((a, b), l)| (format!("{a}.{b}"), l)),
            )
            .finish()
    }
}

impl Default for FacetTable {
    /// The table of the built-in macros ([`crate::default_macros`]): the values they
    /// compare, for callers without a registry.
    fn default() -> FacetTable {
        static DEFAULT: std::sync::OnceLock<FacetTable> = std::sync::OnceLock::new();
        DEFAULT
            .get_or_init(|| FacetTable::new(&[], crate::default_macros()))
            .clone()
    }
}

impl FacetTable {
    /// The table for these protocols: each one's name, abbreviation and version, plus
    /// every string the macros compare a protocol field with for equality (`grpc` is
    /// `protocol.abbr == "gRPC"`), so every macro is decided by the facets alone.
    pub fn new(protocols: &[ProtocolNames<'_>], macros: &[(&str, &str)]) -> FacetTable {
        let mut lists: [Vec<Box<str>>; INTERNED.len()] = Default::default();
        let mut add = |i: usize, v: &str| {
            if let Some(list) = lists.get_mut(i)
                && list.len() < MAX_LISTED
                && !list.iter().any(|x| **x == *v)
            {
                list.push(v.into());
            }
        };
        for p in protocols {
            add(0, p.name);
            add(1, p.abbr);
            add(2, p.version);
        }
        for (_, expansion) in macros {
            let Ok(ast) = crate::parser::parse_expr(expansion, &[]) else {
                continue;
            };
            let Ok(e) = crate::compile::compile(&ast, &mut Default::default()) else {
                continue;
            };
            compared_strings(&e, &mut |field, v| {
                if let Field::Interned(i) = field {
                    add(i, v);
                }
            });
        }
        for m in METHODS {
            add(3, m);
        }
        FacetTable {
            lists: Arc::new(lists),
        }
    }

    /// The values interned field `i` lists (id = position + 2).
    pub(crate) fn list(&self, i: usize) -> &[Box<str>] {
        self.lists.get(i).map_or(&[][..], |l| l.as_slice())
    }

    /// Whether `other` is this very table (a clone of it).
    pub fn same(&self, other: &FacetTable) -> bool {
        Arc::ptr_eq(&self.lists, &other.lists)
    }

    /// Summarises the entry whose compact JSON is `json` (see [`Facets`]). Never fails:
    /// whatever cannot be read is nil, exactly as for evaluation.
    pub fn facets(&self, json: &[u8]) -> Facets {
        self.facets_of(Raw::new(json))
    }

    /// [`FacetTable::facets`] with the document's [`TopIndex`] (from [`crate::top_index`] on
    /// the same bytes): the same facets, but each top-level member is found through the
    /// index instead of skipping every member before it (the store computes both at append).
    pub fn facets_indexed(&self, json: &[u8], top: &TopIndex) -> Facets {
        self.facets_of(Raw::with_index(json, top))
    }

    fn facets_of(&self, root: Raw<'_>) -> Facets {
        // Each top-level member once (`protocol`, `request`, …), not once per leaf.
        let mut parents: [(&str, Option<Raw<'_>>); 5] = [
            ("protocol", None),
            ("request", None),
            ("response", None),
            ("src", None),
            ("dst", None),
        ];
        for (a, v) in &mut parents {
            *v = root.get(a);
        }
        let parent = |a: &str| {
            parents
                .iter()
                .find(|(k, _)| *k == a)
                .map_or_else(|| root.get(a), |(_, v)| *v)
        };
        let mut f = Facets::UNKNOWN;
        for (i, (a, b)) in INTERNED.iter().enumerate() {
            f.ids[i] = match leaf(parent(a), b) {
                Scalar::Missing | Scalar::Null => ID_NIL,
                Scalar::Str(s) => self
                    .list(i)
                    .iter()
                    .position(|t| **t == *s)
                    .map_or(ID_UNLISTED, |p| p as u8 + 2),
                _ => ID_OTHER,
            };
        }
        f.status = match leaf(parent(STATUS.0), STATUS.1) {
            Scalar::Missing | Scalar::Null => STATUS_NIL,
            Scalar::Int(i) if (0..i64::from(STATUS_RANGE)).contains(&i) => i as u16,
            _ => STATUS_OTHER,
        };
        let mut kinds = 0u16;
        for (i, (a, b)) in HASHED.iter().enumerate() {
            let kind = match leaf(parent(a), b) {
                Scalar::Missing | Scalar::Null => KIND_NIL,
                Scalar::Str(s) => {
                    f.hashes[i] = str_hash(&s);
                    KIND_STR
                }
                _ => KIND_OTHER,
            };
            kinds |= kind << (2 * i);
        }
        f.kinds = kinds;
        f
    }
}

/// Calls `out` with each faceted field `e` compares for equality with a string constant.
fn compared_strings(e: &CExpr, out: &mut dyn FnMut(Field, &str)) {
    match e {
        CExpr::Eq(a, b, _) => {
            if let (CExpr::Sel(steps), CExpr::Const(Const::Str(c)))
            | (CExpr::Const(Const::Str(c)), CExpr::Sel(steps)) = (&**a, &**b)
                && let Some(f) = field_of(steps)
            {
                out(f, c);
            }
        }
        CExpr::Not(a) => compared_strings(a, out),
        CExpr::And(a, b) | CExpr::Or(a, b) => {
            compared_strings(a, out);
            compared_strings(b, out);
        }
        _ => {}
    }
}

/// Hashed string fields.
pub(crate) const HASHED: [(&str, &str); 6] = [
    ("request", "path"),
    ("src", "name"),
    ("dst", "name"),
    ("src", "ip"),
    ("dst", "ip"),
    ("dst", "port"),
];

/// `response.status`.
pub(crate) const STATUS: (&str, &str) = ("response", "status");

/// Interned id: nil (missing or `null`).
pub(crate) const ID_NIL: u8 = 0;
/// Interned id: a value outside the table that is not a string (or facets that know
/// nothing).
pub(crate) const ID_OTHER: u8 = 1;
/// Interned id: a string outside the table (a protocol added after the table was written:
/// a filter comparing the field only for equality with table strings still decides it).
pub(crate) const ID_UNLISTED: u8 = 63;
/// Integers `0..STATUS_RANGE` are kept as they are.
pub(crate) const STATUS_RANGE: u16 = 1024;
/// Status: nil.
pub(crate) const STATUS_NIL: u16 = 0xffff;
/// Status: not an integer in range.
pub(crate) const STATUS_OTHER: u16 = 0xfffe;
/// Hashed kind (2 bits per field): nil.
pub(crate) const KIND_NIL: u16 = 0;
/// Hashed kind: a string (its hash is valid).
pub(crate) const KIND_STR: u16 = 1;
/// Hashed kind: anything else.
pub(crate) const KIND_OTHER: u16 = 2;

/// The summary of one entry (see the module docs). `Copy`, 32 bytes, no heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Facets {
    hashes: [u32; HASHED.len()],
    status: u16,
    /// 2 bits per hashed field ([`KIND_NIL`], [`KIND_STR`], [`KIND_OTHER`]).
    kinds: u16,
    ids: [u8; INTERNED.len()],
}

impl Facets {
    /// Facets that know nothing (every field *other*): every prefilter answers
    /// `Unknown` on them, so using them is always correct, just not faster.
    pub const UNKNOWN: Facets = Facets {
        hashes: [0; HASHED.len()],
        status: STATUS_OTHER,
        kinds: {
            let mut k = 0u16;
            let mut i = 0;
            while i < HASHED.len() {
                k |= KIND_OTHER << (2 * i);
                i += 1;
            }
            k
        },
        ids: [ID_OTHER; INTERNED.len()],
    };

    /// The interned id of field `i`.
    #[inline]
    pub(crate) fn id(&self, i: usize) -> u8 {
        self.ids.get(i).copied().unwrap_or(ID_OTHER)
    }

    /// The status slot: an integer below [`STATUS_RANGE`], [`STATUS_NIL`] or
    /// [`STATUS_OTHER`].
    #[inline]
    pub(crate) fn status(&self) -> u16 {
        self.status
    }

    /// Kind and hash of hashed field `i`.
    #[inline]
    pub(crate) fn hashed(&self, i: usize) -> (u16, u32) {
        let kind = (self.kinds >> (2 * i)) & 3;
        (kind, self.hashes.get(i).copied().unwrap_or(0))
    }
}

/// FNV-1a, 32 bits, of a string's text (a match is verified on the bytes, so this only
/// has to spread typical paths and names).
#[inline]
pub(crate) fn str_hash(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &c in s.as_bytes() {
        h = (h ^ u32::from(c)).wrapping_mul(0x0100_0193);
    }
    h
}

/// The leaf `b` of `parent` (the value at `a`) exactly as a selector `a.b` sees it.
fn leaf<'a>(parent: Option<Raw<'a>>, b: &str) -> Scalar<'a> {
    match parent.and_then(|v| v.get(b)) {
        Some(v) => v.scalar(),
        None => Scalar::Missing,
    }
}

/// [`FacetTable::facets`] with the default table (the built-in macros' values).
pub fn facets(json: &[u8]) -> Facets {
    FacetTable::default().facets(json)
}

/// The faceted field a selector's steps name exactly, if any.
pub(crate) fn field_of(steps: &[crate::compile::Step]) -> Option<Field> {
    use crate::compile::Step;
    let [
        Step::Key { name: a, ci: false },
        Step::Key { name: b, ci: false },
    ] = steps
    else {
        return None;
    };
    if (a.as_str(), b.as_str()) == STATUS {
        return Some(Field::Status);
    }
    if let Some(i) = INTERNED
        .iter()
        .position(|(x, y)| (*x, *y) == (a.as_str(), b.as_str()))
    {
        return Some(Field::Interned(i));
    }
    HASHED
        .iter()
        .position(|(x, y)| (*x, *y) == (a.as_str(), b.as_str()))
        .map(Field::Hashed)
}

/// The path of a faceted field.
pub(crate) fn path_of(field: Field) -> (&'static str, &'static str) {
    match field {
        Field::Interned(i) => INTERNED.get(i).copied().unwrap_or(("", "")),
        Field::Status => STATUS,
        Field::Hashed(i) => HASHED.get(i).copied().unwrap_or(("", "")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_is_32_bytes() {
        assert_eq!(std::mem::size_of::<Facets>(), 32);
        let names: Vec<String> = (0..100).map(|i| format!("p{i}")).collect();
        let many: Vec<ProtocolNames> = names
            .iter()
            .map(|n| ProtocolNames {
                name: n,
                abbr: n,
                version: n,
            })
            .collect();
        let t = FacetTable::new(&many, &[]);
        for i in 0..INTERNED.len() {
            assert!(t.list(i).len() + 2 < 64, "ids must fit a u64 mask");
        }
        // Past the cap a value is unlisted, never a wrong id.
        let f = t.facets(br#"{"protocol":{"name":"p99","abbr":"p0"}}"#);
        assert_eq!(f.id(0), ID_UNLISTED);
        assert_eq!(f.id(1), 2);
    }

    #[test]
    fn indexed_facets_equal_scanned_facets() {
        // Every golden entry of every protocol, plus documents the index cannot
        // describe (escaped top-level key) or that repeat a member.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
        let mut docs: Vec<Vec<u8>> = vec![
            br#"{"re\u0071uest":{"method":"GET"},"request":{"method":"PUT"}}"#.to_vec(),
            br#"{"response":{"status":500},"response":{"status":200},"dst":{"port":"80"}}"#
                .to_vec(),
            b"not json".to_vec(),
        ];
        for dir in std::fs::read_dir(&root).expect("testdata").flatten() {
            for f in std::fs::read_dir(dir.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if f.path().to_string_lossy().ends_with(".expected.jsonl") {
                    let text = std::fs::read(f.path()).expect("read");
                    docs.extend(text.split(|&b| b == b'\n').map(<[u8]>::to_vec));
                }
            }
        }
        assert!(docs.len() > 100, "{} documents", docs.len());
        let table = FacetTable::default();
        for d in &docs {
            let top = crate::top_index(d);
            assert_eq!(
                table.facets_indexed(d, &top),
                facets(d),
                "{}",
                String::from_utf8_lossy(d)
            );
        }
    }

    #[test]
    fn summarises_an_http_entry() {
        let doc = br#"{"id":"1","protocol":{"name":"http","version":"1.1","abbr":"HTTP"},"src":{"ip":"10.0.0.1","port":"1","name":""},"dst":{"ip":"10.0.0.2","port":"80","name":"svc"},"request":{"method":"POST","path":"/upload"},"response":{"status":201}}"#;
        let t = FacetTable::new(
            &[ProtocolNames {
                name: "http",
                abbr: "HTTP",
                version: "1.1",
            }],
            &[],
        );
        let f = t.facets(doc);
        assert_eq!(f.id(0), 2); // http
        assert_eq!(f.id(1), 2); // HTTP
        assert_eq!(f.id(2), 2); // 1.1
        assert_eq!(f.id(3), 3); // POST
        // The default table lists `http` (a built-in macro compares it), not `HTTP`.
        let d = facets(doc);
        assert_eq!(d.id(0), 2);
        assert_eq!(d.id(1), ID_UNLISTED);
        assert_eq!(f.status(), 201);
        assert_eq!(f.hashed(0), (KIND_STR, str_hash("/upload")));
        assert_eq!(f.hashed(1), (KIND_STR, str_hash("")));
        assert_eq!(f.hashed(2), (KIND_STR, str_hash("svc")));
        assert_eq!(f.hashed(5), (KIND_STR, str_hash("80")));
    }

    #[test]
    fn nil_other_and_escapes() {
        let doc = br#"{"protocol":{"name":null,"abbr":"ZZ","version":2},"request":{"method":["GET"],"path":"/a\u0062"},"response":{"status":200.0},"src":{"name":7}}"#;
        let f = facets(doc);
        assert_eq!(f.id(0), ID_NIL);
        // A string outside the table (`ZZ`) is *unlisted*; a number is *other*.
        assert_eq!(f.id(1), ID_UNLISTED);
        assert_eq!(f.id(2), ID_OTHER);
        assert_eq!(f.id(3), ID_OTHER);
        assert_eq!(f.status(), STATUS_OTHER);
        assert_eq!(f.hashed(0), (KIND_STR, str_hash("/ab")));
        assert_eq!(f.hashed(1).0, KIND_OTHER);
        assert_eq!(f.hashed(2).0, KIND_NIL);
        // Out of range, negative, missing, malformed.
        assert_eq!(
            facets(br#"{"response":{"status":1024}}"#).status(),
            STATUS_OTHER
        );
        assert_eq!(
            facets(br#"{"response":{"status":-1}}"#).status(),
            STATUS_OTHER
        );
        assert_eq!(facets(br#"{"response":{}}"#).status(), STATUS_NIL);
        assert_eq!(facets(b"not json").status(), STATUS_NIL);
        // Duplicate keys: the first one, as matches_json sees it.
        let dup = facets(br#"{"response":{"status":500,"status":200}}"#);
        assert_eq!(dup.status(), 500);
    }

    #[test]
    fn unknown_is_all_other() {
        let u = Facets::UNKNOWN;
        for i in 0..INTERNED.len() {
            assert_eq!(u.id(i), ID_OTHER);
        }
        for i in 0..HASHED.len() {
            assert_eq!(u.hashed(i).0, KIND_OTHER);
        }
        assert_eq!(u.status(), STATUS_OTHER);
    }
}
