//! OpenAPI inference (Mizu's `/oas`): one OpenAPI 3.1 document per HTTP service, built
//! incrementally from the entries the hub ingests.
//!
//! - **Services**: [`crate::service_name`] (resolved destination, else `Host`, else
//!   `ip:port`).
//! - **Paths**: a trie of segments per service. Segments that look like identifiers
//!   ([`is_gibberish`]: numbers, runs of 3+ digits, UUIDs, hex ids, emails, long mixed
//!   letter/digit tokens; versions like `v1` excluded) become a parameter named after the
//!   parent segment (`/carts/17` → `/carts/{cartId}`). A node with more than
//!   [`OasConfig::max_literal_children`] literal children, or a service over its path
//!   budget, collapses new segments into that parameter as well.
//! - **Operations** (template + method): query parameters and request headers seen
//!   (common headers ignored), request and response bodies as JSON Schema merged across
//!   samples (types, `required` when always present, `enum` for small string sets,
//!   `format` date-time/date/uuid/email), one example per media type under
//!   `max_example_len`, status codes, and counters as extensions: `x-counters-total`
//!   (entries, failures = status ≥ 400, first/last seen, summed duration) and
//!   `x-latency-ms` (p50/p99 from a log-bucket histogram, ≤ 19% relative error).
//! - **Dropped** as Mizu did: OPTIONS, static files and media/JS/CSS/font content
//!   types, no response, status < 100, 301/308, 502–504.
//!
//! Memory is bounded by [`OasConfig`] whatever the traffic: services, operations (total
//! and per service), trie nodes, schema nodes (depth, width, total), enum sizes and
//! example bytes all have caps; what did not fit is counted in [`OasStats`].

use mizu_model::{Entry, HttpRequest, HttpResponse};
use regex::Regex;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// Caps on what inference keeps.
#[derive(Clone, Debug)]
pub struct OasConfig {
    /// Longest example (body text) kept, in bytes (Mizu's `oas.max-example-len`).
    pub max_example_len: usize,
    /// Bytes of examples kept over all documents.
    pub max_example_bytes: usize,
    pub max_services: usize,
    /// Operations (path template + method) over all services.
    pub max_operations: usize,
    /// Operations of one service.
    pub max_operations_per_service: usize,
    /// Path trie nodes over all services.
    pub max_path_nodes: usize,
    /// Literal children of one path node before new ones collapse into a parameter.
    pub max_literal_children: usize,
    /// Schema nodes over all documents.
    pub max_schema_nodes: usize,
    pub max_schema_depth: usize,
    /// Properties of one object schema.
    pub max_schema_properties: usize,
    /// Distinct strings an `enum` may have.
    pub max_enum: usize,
    /// Query/header parameters, status codes and media types per operation.
    pub max_parameters: usize,
    pub max_statuses: usize,
    pub max_media_types: usize,
    /// Schemas (bodies, parameters) learn from every one of the first `schema_samples`
    /// values of a media type or parameter, then from every `schema_sample_every`-th:
    /// bodies are parsed only when sampled, so a busy operation costs little per entry.
    /// Counters (hits, failures, `required`, latency) always count every entry.
    pub schema_samples: u64,
    pub schema_sample_every: u64,
}

impl Default for OasConfig {
    fn default() -> Self {
        OasConfig {
            max_example_len: 10240,
            max_example_bytes: 16 << 20,
            max_services: 256,
            max_operations: 10_000,
            max_operations_per_service: 1000,
            max_path_nodes: 50_000,
            max_literal_children: 100,
            max_schema_nodes: 500_000,
            max_schema_depth: 8,
            max_schema_properties: 64,
            max_enum: 10,
            max_parameters: 32,
            max_statuses: 16,
            max_media_types: 4,
            schema_samples: 32,
            schema_sample_every: 16,
        }
    }
}

/// What inference did and what did not fit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OasStats {
    /// HTTP entries added to a document.
    pub entries: u64,
    /// Skipped as Mizu does (OPTIONS, static files, media, status < 100, 301/308, 502–504,
    /// no response).
    pub ignored: u64,
    pub services: u64,
    pub operations: u64,
    pub path_nodes: u64,
    pub schema_nodes: u64,
    pub example_bytes: u64,
    /// Entries dropped because the service or operation caps were reached.
    pub overflow_services: u64,
    pub overflow_operations: u64,
    /// Segments turned into a parameter because a node or service was full.
    pub collapsed_segments: u64,
    /// Schema properties, parameters, statuses, media types or examples not kept.
    pub overflow_details: u64,
}

// ---------------------------------------------------------------------------------------
// Path segments

static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        .expect("constant regex")
});
static DATE_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$")
        .expect("constant regex")
});
static DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{4}-\d{2}-\d{2}$").expect("constant regex"));
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[^@\s/]+@[^@\s/]+\.[A-Za-z]{2,}$").expect("constant regex"));
static VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?i)v\d{1,3}([._]\d{1,3})*((alpha|beta|rc)\d*)?$").expect("constant regex")
});

/// Whether a path segment is an identifier rather than part of the API's shape (Mizu's
/// "gibberish"): numbers, any run of 3+ digits, UUIDs, hex ids (8+ hex digits with a
/// digit), emails, long tokens mixing letters and digits, or characters a path template
/// cannot hold. Versions (`v1`, `v2.1`, `v1beta1`) are never parameters.
pub fn is_gibberish(seg: &str) -> bool {
    if seg.is_empty() || (seg.starts_with(['v', 'V']) && VERSION.is_match(seg)) {
        return false;
    }
    if !seg
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@%".contains(&b))
    {
        return true;
    }
    let bytes = seg.as_bytes();
    if bytes.iter().all(u8::is_ascii_digit) {
        return true;
    }
    let mut run = 0;
    for b in bytes {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 3 {
            return true;
        }
    }
    if (seg.len() == 36 && UUID.is_match(seg)) || (seg.contains('@') && EMAIL.is_match(seg)) {
        return true;
    }
    let digits = bytes.iter().filter(|b| b.is_ascii_digit()).count();
    let letters = bytes.iter().filter(|b| b.is_ascii_alphabetic()).count();
    if seg.len() >= 8 && digits > 0 && bytes.iter().all(u8::is_ascii_hexdigit) {
        return true;
    }
    // Tokens: long, letters and digits mixed, few separators (not `get-user-by-name`).
    if seg.len() >= 16 && digits > 0 && letters > 0 {
        return true;
    }
    // Random-looking letters: long with almost no vowels, or upper/lower case mixed
    // throughout (base64-ish).
    if seg.len() >= 20 && letters == seg.len() {
        let vowels = bytes.iter().filter(|b| b"aeiouyAEIOUY".contains(b)).count();
        let uppers = bytes.iter().filter(|b| b.is_ascii_uppercase()).count();
        if vowels * 6 < letters || (uppers * 4 > letters && uppers * 4 < letters * 3) {
            return true;
        }
    }
    false
}

/// `carts` → `cartId`, `categories` → `categoryId`, `user` → `userId`; `id` without a
/// usable parent.
pub fn param_name(parent: Option<&str>) -> String {
    let Some(p) = parent.filter(|p| !p.is_empty() && !p.starts_with('{')) else {
        return "id".to_owned();
    };
    let word: String = p
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, w)| {
            let w = w.to_ascii_lowercase();
            if i == 0 {
                w
            } else {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            }
        })
        .collect();
    if word.is_empty() || word.as_bytes()[0].is_ascii_digit() {
        return "id".to_owned();
    }
    let singular = if let Some(s) = word.strip_suffix("ies") {
        format!("{s}y")
    } else if word.ends_with("ss") || word.ends_with("us") {
        word.clone()
    } else if let Some(s) = word.strip_suffix('s') {
        s.to_owned()
    } else {
        word.clone()
    };
    format!("{singular}Id")
}

// ---------------------------------------------------------------------------------------
// Latency sketch

const BUCKETS: usize = 104;

/// A log-bucket histogram of microseconds: bucket i ≥ 1 holds (2^((i-1)/4), 2^(i/4)].
#[derive(Clone, Debug)]
struct Histogram {
    counts: Box<[u32; BUCKETS]>,
    total: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: Box::new([0; BUCKETS]),
            total: 0,
        }
    }
}

impl Histogram {
    fn add(&mut self, micros: u64) {
        let i = if micros <= 1 {
            0
        } else {
            ((micros as f64).log2() * 4.0).ceil() as usize
        };
        let i = i.min(BUCKETS - 1);
        self.counts[i] = self.counts[i].saturating_add(1);
        self.total += 1;
    }

    /// The bucket's upper bound, in ms rounded to microseconds.
    fn quantile_ms(&self, q: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (i, c) in self.counts.iter().enumerate() {
            seen += u64::from(*c);
            if seen >= rank {
                let us = 2f64.powf(i as f64 / 4.0);
                return (us.round()) / 1000.0;
            }
        }
        0.0
    }
}

// ---------------------------------------------------------------------------------------
// JSON Schema inference

const T_NULL: u8 = 1;
const T_BOOL: u8 = 2;
const T_INT: u8 = 4;
const T_NUM: u8 = 8;
const T_STR: u8 = 16;
const T_ARR: u8 = 32;
const T_OBJ: u8 = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    DateTime,
    Date,
    Uuid,
    Email,
}

impl Format {
    fn of(s: &str) -> Option<Format> {
        let digit_first = s.as_bytes().first().is_some_and(u8::is_ascii_digit);
        if digit_first && s.len() >= 19 && DATE_TIME.is_match(s) {
            Some(Format::DateTime)
        } else if digit_first && s.len() == 10 && DATE.is_match(s) {
            Some(Format::Date)
        } else if s.len() == 36 && UUID.is_match(s) {
            Some(Format::Uuid)
        } else if s.contains('@') && EMAIL.is_match(s) {
            Some(Format::Email)
        } else {
            None
        }
    }
    fn name(self) -> &'static str {
        match self {
            Format::DateTime => "date-time",
            Format::Date => "date",
            Format::Uuid => "uuid",
            Format::Email => "email",
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Schema {
    types: u8,
    objects: u64,
    props: BTreeMap<String, (u64, Schema)>,
    items: Option<Box<Schema>>,
    strings: u64,
    /// Distinct short strings while there are few; `None` once too many.
    enum_vals: Option<BTreeSet<String>>,
    /// `Some(None)`: strings disagree on a format.
    format: Option<Option<Format>>,
}

const ENUM_MAX_LEN: usize = 64;

struct Budget<'a> {
    cfg: &'a OasConfig,
    stats: &'a mut OasStats,
}

impl Budget<'_> {
    /// Whether the `n`-th value (1-based) of a schema is merged into it.
    fn sampled(&self, n: u64) -> bool {
        n <= self.cfg.schema_samples || n.is_multiple_of(self.cfg.schema_sample_every.max(1))
    }

    fn schema_node(&mut self) -> bool {
        if (self.stats.schema_nodes as usize) < self.cfg.max_schema_nodes {
            self.stats.schema_nodes += 1;
            true
        } else {
            self.stats.overflow_details += 1;
            false
        }
    }
}

impl Schema {
    fn merge(&mut self, v: &Value, depth: usize, b: &mut Budget<'_>) {
        match v {
            Value::Null => self.types |= T_NULL,
            Value::Bool(_) => self.types |= T_BOOL,
            Value::Number(n) => {
                self.types |= if n.is_f64() { T_NUM } else { T_INT };
            }
            Value::String(s) => self.merge_str(s, b),
            Value::Array(a) => {
                self.types |= T_ARR;
                if depth >= b.cfg.max_schema_depth {
                    return;
                }
                for item in a {
                    if self.items.is_none() {
                        if !b.schema_node() {
                            return;
                        }
                        self.items = Some(Box::default());
                    }
                    if let Some(items) = &mut self.items {
                        items.merge(item, depth + 1, b);
                    }
                }
            }
            Value::Object(o) => {
                self.types |= T_OBJ;
                self.objects += 1;
                if depth >= b.cfg.max_schema_depth {
                    return;
                }
                for (k, item) in o {
                    if let Some((n, s)) = self.props.get_mut(k) {
                        *n += 1;
                        s.merge(item, depth + 1, b);
                        continue;
                    }
                    if self.props.len() >= b.cfg.max_schema_properties || !b.schema_node() {
                        b.stats.overflow_details += 1;
                        continue;
                    }
                    let mut s = Schema::default();
                    s.merge(item, depth + 1, b);
                    self.props.insert(k.clone(), (1, s));
                }
            }
        }
    }

    /// A string value (what `merge` does for `Value::String`, without building one).
    fn merge_str(&mut self, s: &str, b: &mut Budget<'_>) {
        self.types |= T_STR;
        self.strings += 1;
        if self.strings == 1 {
            self.enum_vals = Some(BTreeSet::new());
        }
        if let Some(set) = &mut self.enum_vals {
            if s.len() > ENUM_MAX_LEN {
                self.enum_vals = None;
            } else if !set.contains(s) {
                if set.len() >= b.cfg.max_enum {
                    self.enum_vals = None;
                } else {
                    set.insert(s.to_owned());
                }
            }
        }
        let f = Format::of(s);
        self.format = match self.format {
            None => Some(f),
            Some(prev) if prev == f => Some(prev),
            Some(_) => Some(None),
        };
    }

    fn render(&self) -> Value {
        let mut m = Map::new();
        let mut names = Vec::new();
        for (bit, name) in [
            (T_OBJ, "object"),
            (T_ARR, "array"),
            (T_STR, "string"),
            (T_INT, "integer"),
            (T_NUM, "number"),
            (T_BOOL, "boolean"),
            (T_NULL, "null"),
        ] {
            if self.types & bit != 0 && !(bit == T_INT && self.types & T_NUM != 0) {
                names.push(name);
            }
        }
        match names.as_slice() {
            [] => {}
            [one] => {
                m.insert("type".into(), json!(one));
            }
            many => {
                m.insert("type".into(), json!(many));
            }
        }
        if self.types & T_OBJ != 0 && !self.props.is_empty() {
            let props: Map<String, Value> = self
                .props
                .iter()
                .map(|(k, (_, s))| (k.clone(), s.render()))
                .collect();
            let required: Vec<&String> = self
                .props
                .iter()
                .filter(|(_, (n, _))| *n >= self.objects)
                .map(|(k, _)| k)
                .collect();
            m.insert("properties".into(), Value::Object(props));
            if !required.is_empty() {
                m.insert("required".into(), json!(required));
            }
        }
        if let Some(items) = &self.items {
            m.insert("items".into(), items.render());
        }
        if self.types & T_STR != 0 {
            if let Some(Some(f)) = self.format {
                m.insert("format".into(), json!(f.name()));
            } else if self.types == T_STR
                && let Some(set) = &self.enum_vals
                && self.strings >= 3
                && (set.len() as u64) * 2 <= self.strings
            {
                m.insert("enum".into(), json!(set));
            }
        }
        Value::Object(m)
    }
}

// ---------------------------------------------------------------------------------------
// Operations

#[derive(Clone, Debug, Default)]
struct Param {
    count: u64,
    examples: BTreeSet<String>,
    schema: Schema,
}

#[derive(Clone, Debug, Default)]
struct Media {
    count: u64,
    /// JSON bodies: the merged schema; others: a string (binary when base64).
    schema: Schema,
    binary: bool,
    form: BTreeMap<String, bool>,
    example: Option<Value>,
}

#[derive(Clone, Debug, Default)]
struct Response {
    description: String,
    media: BTreeMap<String, Media>,
}

#[derive(Clone, Debug, Default)]
struct Operation {
    hits: u64,
    failures: u64,
    first_seen: i64,
    last_seen: i64,
    sum_duration_ms: i64,
    latency: Histogram,
    query: BTreeMap<String, Param>,
    headers: BTreeMap<String, Param>,
    request: BTreeMap<String, Media>,
    responses: BTreeMap<u16, Response>,
}

/// A path trie node.
#[derive(Clone, Debug, Default)]
struct Node {
    literal: BTreeMap<String, usize>,
    /// Child parameter: (node index, name).
    param: Option<(usize, String)>,
    /// Path parameter values seen here (when this node is a parameter).
    values: Param,
    ops: BTreeMap<String, Operation>,
}

#[derive(Clone, Debug)]
struct Service {
    /// `scheme://authority` of the first request.
    server: String,
    nodes: Vec<Node>,
    operations: usize,
}

/// The builder: feed entries with [`Oas::add`], read documents with [`Oas::document`].
#[derive(Clone, Debug, Default)]
pub struct Oas {
    cfg: OasConfig,
    services: BTreeMap<String, Service>,
    stats: OasStats,
}

const COMMON_HEADERS: &[&str] = &[
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "access-control-request-headers",
    "access-control-request-method",
    "authorization",
    "cache-control",
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "cookie",
    "date",
    "dnt",
    "expect",
    "forwarded",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "keep-alive",
    "origin",
    "pragma",
    "proxy-authorization",
    "proxy-connection",
    "range",
    "referer",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "upgrade-insecure-requests",
    "user-agent",
    "via",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-port",
    "x-forwarded-proto",
    "x-real-ip",
    "x-request-id",
    "traceparent",
    "tracestate",
];

fn common_header(name: &str) -> bool {
    let prefix = |p: &str| {
        name.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    name.starts_with(':')
        || prefix("sec-")
        || prefix("grpc-")
        || prefix("x-b3-")
        || COMMON_HEADERS.iter().any(|c| c.eq_ignore_ascii_case(name))
}

const STATIC_EXTENSIONS: &[&str] = &[
    "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "svg", "ico", "webp", "bmp", "woff",
    "woff2", "ttf", "otf", "eot", "swf", "mp4", "webm", "mp3", "ogg", "wav",
];

fn media_type(mime: &str) -> std::borrow::Cow<'_, str> {
    let t = mime.split(';').next().unwrap_or("").trim();
    if t.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(t.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(t)
    }
}

fn is_static_mime(m: &str) -> bool {
    m.starts_with("image/")
        || m.starts_with("video/")
        || m.starts_with("audio/")
        || m.starts_with("font/")
        || m == "text/css"
        || m.contains("javascript")
        || m == "application/font-woff"
}

/// Mizu's drops: true when the entry does not describe the API.
fn ignored(req: &HttpRequest, resp: &HttpResponse) -> bool {
    if req.method.eq_ignore_ascii_case("OPTIONS") {
        return true;
    }
    let s = resp.status;
    if s < 100 || s == 301 || s == 308 || (502..=504).contains(&s) {
        return true;
    }
    if let Some(last) = req.path.rsplit('/').next()
        && let Some((_, ext)) = last.rsplit_once('.')
        && STATIC_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
    {
        return true;
    }
    is_static_mime(&media_type(&resp.content.mime_type))
}

fn status_text(code: u16) -> &'static str {
    match code {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        _ => "",
    }
}

impl Oas {
    pub fn new(cfg: OasConfig) -> Oas {
        Oas {
            cfg,
            services: BTreeMap::new(),
            stats: OasStats::default(),
        }
    }

    pub fn config(&self) -> &OasConfig {
        &self.cfg
    }

    pub fn stats(&self) -> &OasStats {
        &self.stats
    }

    /// The services that have a document, sorted.
    pub fn services(&self) -> Vec<String> {
        self.services.keys().cloned().collect()
    }

    /// Forgets every document (counters too).
    pub fn reset(&mut self) {
        self.services.clear();
        self.stats = OasStats::default();
    }

    /// Adds one entry. Not HTTP, or one of Mizu's drops: ignored (counted).
    pub fn add(&mut self, entry: &Entry) {
        let Some(req) = entry.request.as_http_request() else {
            return;
        };
        let Some(resp) = entry.response.as_http_response() else {
            self.stats.ignored += 1;
            return;
        };
        if ignored(req, resp) || !req.path.starts_with('/') {
            self.stats.ignored += 1;
            return;
        }
        let name = crate::service_name_cow(entry);
        if !self.services.contains_key(name.as_ref()) {
            if self.services.len() >= self.cfg.max_services
                || self.stats.path_nodes as usize >= self.cfg.max_path_nodes
            {
                self.stats.overflow_services += 1;
                return;
            }
            let server = req
                .url
                .split_once("://")
                .map(|(scheme, rest)| {
                    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
                    format!("{scheme}://{authority}")
                })
                .unwrap_or_default();
            self.stats.services += 1;
            self.stats.path_nodes += 1;
            self.services.insert(
                name.clone().into_owned(),
                Service {
                    server,
                    nodes: vec![Node::default()],
                    operations: 0,
                },
            );
        }
        let Some(svc) = self.services.get_mut(name.as_ref()) else {
            return;
        };
        let mut b = Budget {
            cfg: &self.cfg,
            stats: &mut self.stats,
        };
        let Some(leaf) = Self::walk(svc, req, &mut b) else {
            b.stats.overflow_operations += 1;
            return;
        };
        // Only these methods make operations (others overflow), so no lowercase copy.
        let method = ["get", "put", "post", "delete", "head", "patch", "trace"]
            .into_iter()
            .find(|m| m.eq_ignore_ascii_case(&req.method));
        let node = &mut svc.nodes[leaf];
        if !method.is_some_and(|m| node.ops.contains_key(m)) {
            let Some(method) = method else {
                b.stats.overflow_operations += 1;
                return;
            };
            if svc.operations >= b.cfg.max_operations_per_service
                || b.stats.operations as usize >= b.cfg.max_operations
            {
                b.stats.overflow_operations += 1;
                return;
            }
            svc.operations += 1;
            b.stats.operations += 1;
            node.ops.insert(
                method.to_owned(),
                Operation {
                    first_seen: entry.timestamp,
                    last_seen: entry.timestamp,
                    ..Operation::default()
                },
            );
        }
        let Some(op) = method.and_then(|m| node.ops.get_mut(m)) else {
            return;
        };
        b.stats.entries += 1;
        op.add(entry, req, resp, &mut b);
    }

    /// Finds or makes the trie node for the request's path; records path parameter
    /// values on the way. `None` when the trie is full.
    fn walk(svc: &mut Service, req: &HttpRequest, b: &mut Budget<'_>) -> Option<usize> {
        let segments = req
            .path
            .get(1..)
            .filter(|_| req.path != "/")
            .map(|p| p.split('/'));
        let service_full = svc.operations >= b.cfg.max_operations_per_service;
        let mut cur = 0usize;
        let mut parent: Option<&str> = None;
        for seg in segments.into_iter().flatten() {
            let gib = is_gibberish(seg);
            if !gib && let Some(&next) = svc.nodes[cur].literal.get(seg) {
                cur = next;
                parent = Some(seg);
                continue;
            }
            let crowded = svc.nodes[cur].literal.len() >= b.cfg.max_literal_children;
            let nodes_full = b.stats.path_nodes as usize >= b.cfg.max_path_nodes;
            if !gib && !crowded && !service_full && !nodes_full {
                let idx = svc.nodes.len();
                svc.nodes.push(Node::default());
                b.stats.path_nodes += 1;
                svc.nodes[cur].literal.insert(seg.to_owned(), idx);
                cur = idx;
                parent = Some(seg);
                continue;
            }
            if !gib {
                b.stats.collapsed_segments += 1;
            }
            let next = match &svc.nodes[cur].param {
                Some((i, _)) => *i,
                None => {
                    if nodes_full {
                        return None;
                    }
                    let idx = svc.nodes.len();
                    svc.nodes.push(Node::default());
                    b.stats.path_nodes += 1;
                    svc.nodes[cur].param = Some((idx, param_name(parent)));
                    idx
                }
            };
            let values = &mut svc.nodes[next].values;
            values.count += 1;
            if b.sampled(values.count) {
                if seg.parse::<i64>().is_ok() {
                    values.schema.types |= T_INT;
                } else {
                    values.schema.merge_str(seg, b);
                }
            }
            if values.examples.len() < 3 && seg.len() <= ENUM_MAX_LEN {
                values.examples.insert(seg.to_owned());
            }
            cur = next;
            parent = None;
        }
        Some(cur)
    }

    /// The document of one service.
    pub fn document(&self, service: &str) -> Option<Value> {
        let svc = self.services.get(service)?;
        let mut paths = Map::new();
        let mut total = Counters::default();
        let mut stack: Vec<Pending> = vec![(0, String::new(), vec![])];
        while let Some((idx, template, params)) = stack.pop() {
            let node = &svc.nodes[idx];
            if !node.ops.is_empty() {
                let mut item = Map::new();
                let path_params: Vec<Value> = params
                    .iter()
                    .map(|(name, pidx)| path_param(name, &svc.nodes[*pidx].values))
                    .collect();
                if !path_params.is_empty() {
                    item.insert("parameters".into(), Value::Array(path_params));
                }
                for (method, op) in &node.ops {
                    let path = if template.is_empty() { "/" } else { &template };
                    item.insert(method.clone(), op.render(method, path));
                    total.add(op);
                }
                paths.insert(
                    if template.is_empty() {
                        "/".to_owned()
                    } else {
                        template.clone()
                    },
                    Value::Object(item),
                );
            }
            for (seg, &child) in &node.literal {
                stack.push((child, format!("{template}/{seg}"), params.clone()));
            }
            if let Some((child, name)) = &node.param {
                let mut name = name.clone();
                let mut n = 2;
                while params.iter().any(|(p, _)| *p == name) {
                    name = format!("{}{n}", name.trim_end_matches(char::is_numeric));
                    n += 1;
                }
                let mut p = params.clone();
                p.push((name.clone(), *child));
                stack.push((*child, format!("{template}/{{{name}}}"), p));
            }
        }
        let mut doc = Map::new();
        doc.insert("openapi".into(), json!("3.1.0"));
        doc.insert(
            "info".into(),
            json!({
                "title": service,
                "version": "1.0.0",
                "description": format!("Inferred by mizu from {} observed requests.", total.hits),
            }),
        );
        if !svc.server.is_empty() {
            doc.insert("servers".into(), json!([{ "url": svc.server }]));
        }
        doc.insert("paths".into(), Value::Object(paths));
        doc.insert("x-counters-total".into(), total.render());
        Some(Value::Object(doc))
    }

    /// Every document, by service.
    pub fn all(&self) -> BTreeMap<String, Value> {
        self.services
            .keys()
            .filter_map(|s| self.document(s).map(|d| (s.clone(), d)))
            .collect()
    }

    /// `[{service, operations, entries, firstSeen, lastSeen}]` for the service list.
    pub fn summary(&self) -> Vec<Value> {
        self.services
            .iter()
            .map(|(name, svc)| {
                let mut c = Counters::default();
                for n in &svc.nodes {
                    for op in n.ops.values() {
                        c.add(op);
                    }
                }
                json!({
                    "service": name,
                    "operations": svc.operations,
                    "entries": c.hits,
                    "failures": c.failures,
                    "firstSeen": c.first_seen,
                    "lastSeen": c.last_seen,
                })
            })
            .collect()
    }
}

/// A trie node still to render: (node, path template so far, path parameters so far).
type Pending = (usize, String, Vec<(String, usize)>);

#[derive(Default)]
struct Counters {
    hits: u64,
    failures: u64,
    first_seen: i64,
    last_seen: i64,
    sum_duration_ms: i64,
}

impl Counters {
    fn add(&mut self, op: &Operation) {
        if self.hits == 0 || op.first_seen < self.first_seen {
            self.first_seen = op.first_seen;
        }
        self.last_seen = self.last_seen.max(op.last_seen);
        self.hits += op.hits;
        self.failures += op.failures;
        self.sum_duration_ms += op.sum_duration_ms;
    }
    fn render(&self) -> Value {
        json!({
            "entries": self.hits,
            "failures": self.failures,
            "firstSeen": self.first_seen,
            "lastSeen": self.last_seen,
            "sumDuration": self.sum_duration_ms,
        })
    }
}

fn path_param(name: &str, p: &Param) -> Value {
    let mut schema = p.schema.render();
    // A segment seen as both a number and text is text (`/carts/7`, `/carts/<uuid>`).
    if let Some(m) = schema.as_object_mut()
        && m.get("type").is_some_and(Value::is_array)
    {
        m.insert("type".into(), json!("string"));
        m.remove("format");
    }
    let mut v = json!({
        "name": name,
        "in": "path",
        "required": true,
        "schema": schema,
    });
    if let (Some(m), Some(first)) = (v.as_object_mut(), p.examples.iter().next()) {
        m.insert("example".into(), json!(first));
    }
    v
}

fn record_param(
    map: &mut BTreeMap<String, Param>,
    name: &str,
    value: &str,
    b: &mut Budget<'_>,
    keep_example: bool,
) {
    if !map.contains_key(name) {
        if map.len() >= b.cfg.max_parameters || name.len() > 256 {
            b.stats.overflow_details += 1;
            return;
        }
        map.insert(name.to_owned(), Param::default());
    }
    let Some(p) = map.get_mut(name) else {
        return;
    };
    p.count += 1;
    if keep_example && p.examples.len() < 3 && value.len() <= ENUM_MAX_LEN {
        p.examples.insert(value.to_owned());
    }
    if b.sampled(p.count) {
        p.schema.merge_str(value, b);
    }
}

impl Operation {
    fn add(&mut self, e: &Entry, req: &HttpRequest, resp: &HttpResponse, b: &mut Budget<'_>) {
        self.hits += 1;
        if resp.status >= 400 {
            self.failures += 1;
        }
        self.first_seen = self.first_seen.min(e.timestamp);
        self.last_seen = self.last_seen.max(e.timestamp);
        self.sum_duration_ms += e.elapsed_time;
        let micros = if e.elapsed_micros > 0 {
            e.elapsed_micros
        } else {
            e.elapsed_time.saturating_mul(1000)
        };
        self.latency.add(u64::try_from(micros).unwrap_or(0));
        // A query parameter repeated in one request counts once.
        let mut seen = BTreeSet::new();
        for q in &req.query_string {
            if seen.insert(q.name.as_str()) {
                record_param(&mut self.query, &q.name, &q.value, b, true);
            }
        }
        let mut seen = BTreeSet::new();
        for h in &req.headers {
            if !common_header(&h.name) && seen.insert(h.name.to_ascii_lowercase()) {
                record_param(&mut self.headers, &canonical(&h.name), &h.value, b, false);
            }
        }
        if let Some(pd) = &req.post_data
            && (!pd.text.is_empty() || !pd.params.is_empty())
        {
            let mt = media_type(&pd.mime_type);
            add_media(
                &mut self.request,
                &mt,
                &pd.text,
                pd.encoding.as_deref() == Some("base64"),
                pd.truncated,
                &pd.params,
                b,
            );
        }
        if !self.responses.contains_key(&resp.status) {
            if self.responses.len() >= b.cfg.max_statuses {
                b.stats.overflow_details += 1;
                return;
            }
            let text = status_text(resp.status);
            self.responses.insert(
                resp.status,
                Response {
                    description: if text.is_empty() {
                        resp.status_text.trim().to_owned()
                    } else {
                        text.to_owned()
                    },
                    media: BTreeMap::new(),
                },
            );
        }
        if let Some(r) = self.responses.get_mut(&resp.status)
            && !resp.content.text.is_empty()
        {
            let c = &resp.content;
            add_media(
                &mut r.media,
                &media_type(&c.mime_type),
                &c.text,
                c.encoding.as_deref() == Some("base64"),
                c.truncated,
                &[],
                b,
            );
        }
    }

    fn render(&self, method: &str, path: &str) -> Value {
        let mut params = Vec::new();
        for (kind, map) in [("query", &self.query), ("header", &self.headers)] {
            for (name, p) in map {
                let mut v = json!({
                    "name": name,
                    "in": kind,
                    "required": p.count >= self.hits,
                    "schema": p.schema.render(),
                });
                if let (Some(m), Some(first)) = (v.as_object_mut(), p.examples.iter().next()) {
                    m.insert("example".into(), json!(first));
                }
                params.push(v);
            }
        }
        let mut op = Map::new();
        op.insert(
            "summary".into(),
            json!(format!("{} {path}", method.to_ascii_uppercase())),
        );
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }
        if !self.request.is_empty() {
            op.insert(
                "requestBody".into(),
                json!({ "content": render_media(&self.request), "required": self.request.values().map(|m| m.count).sum::<u64>() >= self.hits }),
            );
        }
        let mut responses = Map::new();
        for (code, r) in &self.responses {
            let mut v = Map::new();
            v.insert(
                "description".into(),
                json!(if r.description.is_empty() {
                    "Response"
                } else {
                    &r.description
                }),
            );
            if !r.media.is_empty() {
                v.insert("content".into(), render_media(&r.media));
            }
            responses.insert(code.to_string(), Value::Object(v));
        }
        op.insert("responses".into(), Value::Object(responses));
        op.insert(
            "x-counters-total".into(),
            json!({
                "entries": self.hits,
                "failures": self.failures,
                "firstSeen": self.first_seen,
                "lastSeen": self.last_seen,
                "sumDuration": self.sum_duration_ms,
            }),
        );
        op.insert(
            "x-latency-ms".into(),
            json!({
                "p50": self.latency.quantile_ms(0.5),
                "p99": self.latency.quantile_ms(0.99),
            }),
        );
        op.insert("x-last-seen-ts".into(), json!(self.last_seen));
        Value::Object(op)
    }
}

/// `x-api-key` → `X-Api-Key` (headers are case-insensitive; one spelling per document).
fn canonical(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn add_media(
    map: &mut BTreeMap<String, Media>,
    mt: &str,
    text: &str,
    base64: bool,
    truncated: bool,
    form: &[mizu_model::FormParam],
    b: &mut Budget<'_>,
) {
    let mt = if mt.is_empty() {
        "application/octet-stream"
    } else {
        mt
    };
    if !map.contains_key(mt) {
        if map.len() >= b.cfg.max_media_types || mt.len() > 128 {
            b.stats.overflow_details += 1;
            return;
        }
        map.insert(mt.to_owned(), Media::default());
    }
    let Some(m) = map.get_mut(mt) else {
        return;
    };
    m.count += 1;
    if !b.sampled(m.count) {
        return;
    }
    let is_json = mt.contains("json");
    let parsed = if is_json && !base64 && !truncated {
        serde_json::from_str::<Value>(text).ok()
    } else {
        None
    };
    if let Some(v) = &parsed {
        m.schema.merge(v, 0, b);
    } else if !form.is_empty() {
        m.schema.types |= T_OBJ;
        m.schema.objects += 1;
        for p in form {
            let file = p.file_name.is_some();
            if m.form.contains_key(&p.name) || m.form.len() < b.cfg.max_schema_properties {
                let e = m.form.entry(p.name.clone()).or_insert(false);
                *e |= file;
            } else {
                b.stats.overflow_details += 1;
            }
        }
    } else {
        m.schema.types |= T_STR;
        m.binary |= base64;
    }
    if m.example.is_none() && !base64 && !truncated && form.is_empty() {
        if text.len() > b.cfg.max_example_len
            || b.stats.example_bytes as usize + text.len() > b.cfg.max_example_bytes
        {
            b.stats.overflow_details += 1;
        } else {
            b.stats.example_bytes += text.len() as u64;
            m.example = Some(parsed.unwrap_or_else(|| json!(text)));
        }
    }
}

fn render_media(map: &BTreeMap<String, Media>) -> Value {
    let mut out = Map::new();
    for (mt, m) in map {
        let schema = if !m.form.is_empty() {
            let props: Map<String, Value> = m
                .form
                .iter()
                .map(|(k, file)| {
                    let v = if *file {
                        json!({"type": "string", "format": "binary"})
                    } else {
                        json!({"type": "string"})
                    };
                    (k.clone(), v)
                })
                .collect();
            json!({"type": "object", "properties": props})
        } else if m.binary && m.schema.types == T_STR {
            json!({"type": "string", "format": "binary"})
        } else {
            m.schema.render()
        };
        let mut v = Map::new();
        v.insert("schema".into(), schema);
        if let Some(ex) = &m.example {
            v.insert("example".into(), ex.clone());
        }
        out.insert(mt.clone(), Value::Object(v));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gibberish() {
        for s in [
            "1",
            "42",
            "order-12345",
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "deadbeef01",
            "a@b.io",
            "eyJhbGciOiJIUzI1NiJ9x",
            "AbCdEfGhIjKlMnOpQrStUv",
            "with space",
            "2024-01-02",
        ] {
            assert!(is_gibberish(s), "{s}");
        }
        for s in [
            "users",
            "v1",
            "v2.1",
            "v1beta1",
            "api",
            "get-user-by-name",
            "index.html",
            "deadbeef",
            "",
        ] {
            assert!(!is_gibberish(s), "{s}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(param_name(Some("carts")), "cartId");
        assert_eq!(param_name(Some("categories")), "categoryId");
        assert_eq!(param_name(Some("user")), "userId");
        assert_eq!(param_name(Some("line-items")), "lineItemId");
        assert_eq!(param_name(Some("status")), "statusId");
        assert_eq!(param_name(None), "id");
        assert_eq!(param_name(Some("{id}")), "id");
    }

    #[test]
    fn histogram_quantiles() {
        let mut h = Histogram::default();
        for us in 1..=1000u64 {
            h.add(us * 1000);
        }
        let p50 = h.quantile_ms(0.5);
        let p99 = h.quantile_ms(0.99);
        assert!((500.0..=500.0 * 1.19).contains(&p50), "{p50}");
        assert!((990.0..=990.0 * 1.19).contains(&p99), "{p99}");
    }

    #[test]
    fn schema_merge() {
        let cfg = OasConfig::default();
        let mut stats = OasStats::default();
        let mut b = Budget {
            cfg: &cfg,
            stats: &mut stats,
        };
        let mut s = Schema::default();
        for v in [
            json!({"id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "state": "open", "at": "2024-01-02T03:04:05Z", "n": 1, "tags": ["a"]}),
            json!({"id": "3f2504e0-4f89-11d3-9a0c-0305e82c3302", "state": "closed", "at": "2024-01-02T03:04:06Z", "n": 1.5}),
            json!({"id": "3f2504e0-4f89-11d3-9a0c-0305e82c3303", "state": "open", "at": "2024-01-02T03:04:07Z", "n": null}),
            json!({"id": "3f2504e0-4f89-11d3-9a0c-0305e82c3304", "state": "open", "at": "2024-01-02T03:04:08Z", "n": 2}),
        ] {
            s.merge(&v, 0, &mut b);
        }
        assert_eq!(
            s.render(),
            json!({
                "type": "object",
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "id": {"type": "string", "format": "uuid"},
                    "n": {"type": ["number", "null"]},
                    "state": {"type": "string", "enum": ["closed", "open"]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["at", "id", "n", "state"],
            })
        );
    }
}
