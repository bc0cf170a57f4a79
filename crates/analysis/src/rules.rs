//! Traffic validation rules (Mizu's `--traffic-validation-file`): a YAML `rules:` list
//! checked against every HTTP entry at ingest. See `docs/rules.md` for the format.
//!
//! ```yaml
//! rules:
//!   - name: db-is-up
//!     type: json              # JSONPath `key` on the response body, regex `value`
//!     key: "$.database"
//!     value: "^up$"
//!     service: "^catalog"     # regex on the destination service (optional)
//!     path: "/health"         # regex on the full URL (optional)
//!   - name: no-cache
//!     type: header            # every response header whose name matches `key`...
//!     key: "(?i)^cache-control$"
//!     value: "no-store"       # ...must match `value`
//!   - name: fast
//!     type: slo               # or `type: latency` with `latency: 200` (2021 docs)
//!     response-time: 200      # milliseconds
//! ```
//!
//! A rule applies to an entry when its `service`, `path` and `method` match (absent = any).
//! The entry passes when every applicable rule passes; [`Outcome`] is what goes into the
//! entry as `rules` (Mizu's `{status, latency, numberOfRules}` plus each rule's result).
//! Pure: the caller reads the file and hands over its text.

use mizu_model::Entry;
use regex::{Regex, RegexBuilder};
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use std::fmt::Write as _;

/// Compiled regexes are bounded so a rules file cannot make the hub allocate without limit.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Most rules in one file.
pub const MAX_RULES: usize = 1000;
/// Response bodies larger than this are not parsed for `json` rules (the rule fails with
/// a reason saying so).
pub const MAX_JSON_BODY: usize = 8 << 20;

/// A rules file that cannot be used: names the rule (index from 1 and name) and the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulesError {
    /// 1-based index of the rule, 0 for the file as a whole.
    pub rule: usize,
    pub name: String,
    pub field: String,
    pub message: String,
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rule == 0 {
            write!(f, "{}", self.message)
        } else if self.name.is_empty() {
            write!(f, "rule {}: `{}`: {}", self.rule, self.field, self.message)
        } else {
            write!(
                f,
                "rule {} ({:?}): `{}`: {}",
                self.rule, self.name, self.field, self.message
            )
        }
    }
}

impl std::error::Error for RulesError {}

/// What a rule checks.
#[derive(Debug)]
enum Check {
    Json {
        key: jsonpath_rust::parser::model::JpQuery,
        /// The key as plain steps when it is only names and indexes (the fast walk).
        plain: Option<Vec<Step>>,
        value: Option<Regex>,
    },
    Header {
        key: Regex,
        value: Regex,
    },
    Latency {
        ms: i64,
    },
}

/// One compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub name: String,
    /// `json`, `header` or `slo` (`latency` files are read as `slo`).
    pub kind: &'static str,
    key_src: String,
    value_src: String,
    check: Check,
    service: Option<Regex>,
    path: Option<Regex>,
    method: Option<String>,
}

/// A compiled rules file.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

/// One rule's result on one entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleResult {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub value: String,
    pub passed: bool,
    /// Why it passed or failed, e.g. `$.database = "down" does not match ^up$`.
    pub reason: String,
}

/// The `rules` object of an entry (only entries some rule applied to get one).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// False when a rule failed.
    pub status: bool,
    /// The smallest `response-time` of the applicable `slo` rules, 0 without one.
    pub latency: i64,
    pub number_of_rules: usize,
    /// Each applicable rule's result, in file order.
    pub results: Vec<RuleResult>,
    /// Index into [`RuleSet::rules`] of each result (for per-rule counters; not in JSON).
    #[serde(skip)]
    pub indexes: Vec<usize>,
}

/// The short form stored in the list item (BaseEntry).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Short {
    status: bool,
    latency: i64,
    number_of_rules: usize,
}

impl Outcome {
    /// `{"status":…,"latency":…,"numberOfRules":…,"results":[…]}`.
    ///
    /// Written by hand (same bytes as `serde_json::to_vec`, asserted in the tests): this runs
    /// for every stored entry a rule applies to, and serde_json's escaping was 5% of ingest.
    pub fn to_json(&self) -> Vec<u8> {
        use mizu_model::json::write_str_into as s;
        let mut o = Vec::with_capacity(96 + 160 * self.results.len());
        o.extend_from_slice(b"{\"status\":");
        o.extend_from_slice(if self.status { b"true" } else { b"false" });
        o.extend_from_slice(
            format!(
                ",\"latency\":{},\"numberOfRules\":{},\"results\":[",
                self.latency, self.number_of_rules
            )
            .as_bytes(),
        );
        for (i, r) in self.results.iter().enumerate() {
            if i > 0 {
                o.push(b',');
            }
            o.extend_from_slice(b"{\"name\":");
            s(&mut o, &r.name);
            o.extend_from_slice(b",\"type\":");
            s(&mut o, r.kind);
            if !r.key.is_empty() {
                o.extend_from_slice(b",\"key\":");
                s(&mut o, &r.key);
            }
            if !r.value.is_empty() {
                o.extend_from_slice(b",\"value\":");
                s(&mut o, &r.value);
            }
            o.extend_from_slice(b",\"passed\":");
            o.extend_from_slice(if r.passed { b"true" } else { b"false" });
            o.extend_from_slice(b",\"reason\":");
            s(&mut o, &r.reason);
            o.push(b'}');
        }
        o.extend_from_slice(b"]}");
        o
    }
    /// `{"status":…,"latency":…,"numberOfRules":…}` for the BaseEntry.
    pub fn short_json(&self) -> Vec<u8> {
        serde_json::to_vec(&Short {
            status: self.status,
            latency: self.latency,
            number_of_rules: self.number_of_rules,
        })
        .unwrap_or_default()
    }
}

/// Appends `"key":<value>` as the last member of the JSON object in `json` (compact JSON
/// ending in `}`). Returns false (and leaves `json` alone) when it does not end in `}`.
pub fn splice_member(json: &mut Vec<u8>, key: &str, value: &[u8]) -> bool {
    while json.last().is_some_and(u8::is_ascii_whitespace) {
        json.pop();
    }
    if json.last() != Some(&b'}') || value.is_empty() {
        return false;
    }
    json.pop();
    if json.last() != Some(&b'{') {
        json.push(b',');
    }
    json.push(b'"');
    json.extend_from_slice(key.as_bytes());
    json.extend_from_slice(b"\":");
    json.extend_from_slice(value);
    json.push(b'}');
    true
}

fn err(rule: usize, name: &str, field: &str, message: impl Into<String>) -> RulesError {
    RulesError {
        rule,
        name: name.to_owned(),
        field: field.to_owned(),
        message: message.into(),
    }
}

fn regex(src: &str) -> Result<Regex, String> {
    RegexBuilder::new(src)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("invalid regex {src:?}: {e}"))
}

/// A string field (numbers and booleans are accepted as their text, as YAML users write
/// `value: 200`).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn millis(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f.ceil() as i64)
        }),
        Value::String(s) => s.trim().trim_end_matches("ms").trim().parse().ok(),
        _ => None,
    }
}

const FIELDS: &[&str] = &[
    "name",
    "type",
    "key",
    "value",
    "service",
    "path",
    "method",
    "response-time",
    "latency",
];

impl RuleSet {
    /// Parses and compiles a rules file. Every problem is an error naming the rule and
    /// the field (`rule 2 ("fast"): `response-time`: must be a positive number of ms`).
    pub fn parse(yaml: &str) -> Result<RuleSet, RulesError> {
        let doc: Value = if yaml.trim().is_empty() {
            Value::Null
        } else {
            serde_saphyr::from_str(yaml)
                .map_err(|e| err(0, "", "", format!("not valid YAML: {e}")))?
        };
        let list = match &doc {
            Value::Object(o) => match o.get("rules") {
                Some(Value::Array(a)) => a.as_slice(),
                Some(Value::Null) | None => &[],
                Some(_) => {
                    return Err(err(0, "", "rules", "`rules` must be a list of rules"));
                }
            },
            Value::Null => &[],
            _ => {
                return Err(err(
                    0,
                    "",
                    "",
                    "expected a mapping with a `rules:` list (see docs/rules.md)",
                ));
            }
        };
        if list.len() > MAX_RULES {
            return Err(err(
                0,
                "",
                "rules",
                format!("{} rules, at most {MAX_RULES} are allowed", list.len()),
            ));
        }
        let mut rules = Vec::with_capacity(list.len());
        for (i, raw) in list.iter().enumerate() {
            rules.push(Self::rule(i + 1, raw)?);
        }
        Ok(RuleSet { rules })
    }

    fn rule(n: usize, raw: &Value) -> Result<Rule, RulesError> {
        let Value::Object(o) = raw else {
            return Err(err(n, "", "", "a rule must be a mapping (name, type, ...)"));
        };
        let name = match o.get("name") {
            Some(v) => text(v).ok_or_else(|| err(n, "", "name", "must be a string"))?,
            None => return Err(err(n, "", "name", "missing (every rule needs a name)")),
        };
        if let Some(k) = o.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(err(
                n,
                &name,
                k,
                format!("unknown field (known: {})", FIELDS.join(", ")),
            ));
        }
        let field = |f: &str| -> Result<Option<String>, RulesError> {
            match o.get(f) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => text(v)
                    .map(Some)
                    .ok_or_else(|| err(n, &name, f, "must be a string")),
            }
        };
        let re = |f: &str| -> Result<Option<Regex>, RulesError> {
            match field(f)? {
                None => Ok(None),
                Some(s) => regex(&s).map(Some).map_err(|m| err(n, &name, f, m)),
            }
        };
        let kind_src = field("type")?.ok_or_else(|| {
            err(
                n,
                &name,
                "type",
                "missing (one of json, header, slo, latency)",
            )
        })?;
        let key_src = field("key")?.unwrap_or_default();
        let value_src = field("value")?.unwrap_or_default();
        let (kind, check) = match kind_src.to_ascii_lowercase().as_str() {
            "json" => {
                if key_src.is_empty() {
                    return Err(err(
                        n,
                        &name,
                        "key",
                        "missing (a JSONPath such as $.status)",
                    ));
                }
                let key = jsonpath_rust::parser::parse_json_path(&key_src).map_err(|e| {
                    err(
                        n,
                        &name,
                        "key",
                        format!("invalid JSONPath {key_src:?}: {e}"),
                    )
                })?;
                (
                    "json",
                    Check::Json {
                        plain: plain_steps(&key),
                        key,
                        value: re("value")?,
                    },
                )
            }
            "header" => {
                let key = re("key")?.ok_or_else(|| {
                    err(
                        n,
                        &name,
                        "key",
                        "missing (a regex on response header names)",
                    )
                })?;
                let value = re("value")?.ok_or_else(|| {
                    err(n, &name, "value", "missing (a regex on the header's value)")
                })?;
                ("header", Check::Header { key, value })
            }
            "slo" | "latency" => {
                let (f, v) = match (o.get("response-time"), o.get("latency")) {
                    (Some(v), _) => ("response-time", v),
                    (None, Some(v)) => ("latency", v),
                    (None, None) => {
                        return Err(err(
                            n,
                            &name,
                            "response-time",
                            "missing (milliseconds; `latency:` is accepted too)",
                        ));
                    }
                };
                let ms = millis(v)
                    .filter(|ms| *ms >= 1)
                    .ok_or_else(|| err(n, &name, f, "must be a number of milliseconds >= 1"))?;
                ("slo", Check::Latency { ms })
            }
            other => {
                return Err(err(
                    n,
                    &name,
                    "type",
                    format!("unknown type {other:?} (one of json, header, slo, latency)"),
                ));
            }
        };
        Ok(Rule {
            kind,
            key_src,
            value_src,
            check,
            service: re("service")?,
            path: re("path")?,
            method: field("method")?
                .map(|m| m.trim().to_ascii_uppercase())
                .filter(|m| !m.is_empty()),
            name,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Checks an entry. `None` when no rule applies (not HTTP, or no rule's service, path
    /// and method match): such entries get no `rules` object, as in Mizu.
    pub fn evaluate(&self, entry: &Entry) -> Option<Outcome> {
        let mut out = Outcome {
            status: true,
            latency: 0,
            number_of_rules: 0,
            results: Vec::new(),
            indexes: Vec::new(),
        };
        let (status, latency, n) = self.run(entry, &mut |i, rule, passed, reason| {
            out.indexes.push(i);
            out.results.push(RuleResult {
                name: rule.name.clone(),
                kind: rule.kind,
                key: rule.key_src.clone(),
                value: rule.value_src.clone(),
                passed,
                reason: reason.to_owned(),
            });
        })?;
        out.status = status;
        out.latency = latency;
        out.number_of_rules = n;
        Some(out)
    }

    /// [`RuleSet::evaluate`] writing the entry's `rules` object straight into `a` (the
    /// same bytes as `Outcome::to_json` and `Outcome::short_json`), without building an
    /// [`Outcome`]: what the hub runs for every stored entry. False when no rule applies.
    pub fn annotate(&self, entry: &Entry, a: &mut Annotation) -> bool {
        use mizu_model::json::write_str_into as s;
        a.full.clear();
        a.short.clear();
        a.results.clear();
        let mut body = std::mem::take(&mut a.body);
        body.clear();
        let res = self.run(entry, &mut |i, rule, passed, reason| {
            a.results.push((i, passed));
            body.reserve(
                80 + rule.name.len() + rule.key_src.len() + rule.value_src.len() + reason.len(),
            );
            if a.results.len() > 1 {
                body.push(b',');
            }
            body.extend_from_slice(b"{\"name\":");
            s(&mut body, &rule.name);
            body.extend_from_slice(b",\"type\":");
            s(&mut body, rule.kind);
            if !rule.key_src.is_empty() {
                body.extend_from_slice(b",\"key\":");
                s(&mut body, &rule.key_src);
            }
            if !rule.value_src.is_empty() {
                body.extend_from_slice(b",\"value\":");
                s(&mut body, &rule.value_src);
            }
            body.extend_from_slice(b",\"passed\":");
            body.extend_from_slice(if passed { b"true" } else { b"false" });
            body.extend_from_slice(b",\"reason\":");
            s(&mut body, reason);
            body.push(b'}');
        });
        let Some((status, latency, n)) = res else {
            a.body = body;
            return false;
        };
        let head = |o: &mut Vec<u8>| {
            o.extend_from_slice(b"{\"status\":");
            o.extend_from_slice(if status { b"true" } else { b"false" });
            let mut num = String::new();
            o.extend_from_slice(b",\"latency\":");
            push_i64(&mut num, latency);
            num.push_str(",\"numberOfRules\":");
            push_i64(&mut num, i64::try_from(n).unwrap_or(i64::MAX));
            o.extend_from_slice(num.as_bytes());
        };
        head(&mut a.short);
        a.short.push(b'}');
        a.full.reserve(body.len() + 80);
        head(&mut a.full);
        a.full.extend_from_slice(b",\"results\":[");
        a.full.extend_from_slice(&body);
        a.full.extend_from_slice(b"]}");
        a.body = body;
        true
    }

    /// Checks an entry, calling `emit(rule index, rule, passed, reason)` per applicable rule
    /// in file order; `(status, latency, number of rules)`, or `None` when none applies.
    ///
    /// The response body is read once per entry for all `json` rules: when every
    /// applicable `json` rule's key is a plain path (`$.a.b[0]`: names and indexes), one
    /// walk over the body builds only the values those paths select (the rest is checked
    /// as JSON but not kept); otherwise the body is parsed once into a tree for JSONPath.
    fn run(
        &self,
        entry: &Entry,
        emit: &mut dyn FnMut(usize, &Rule, bool, &str),
    ) -> Option<(bool, i64, usize)> {
        if self.rules.is_empty() {
            return None;
        }
        let req = entry.request.as_http_request()?;
        let resp = entry.response.as_http_response();
        let mut service: Option<std::borrow::Cow<'_, str>> = None;
        let mut applicable: Vec<usize> = Vec::new();
        let mut json_rules = 0usize;
        let mut all_plain = true;
        for (i, rule) in self.rules.iter().enumerate() {
            if let Some(m) = &rule.method
                && !req.method.eq_ignore_ascii_case(m)
            {
                continue;
            }
            if let Some(p) = &rule.path
                && !p.is_match(&req.url)
            {
                continue;
            }
            if let Some(s) = &rule.service {
                let name = service.get_or_insert_with(|| crate::service_name_cow(entry));
                if !s.is_match(name) {
                    continue;
                }
            }
            if let Check::Json { plain, .. } = &rule.check {
                json_rules += 1;
                all_plain &= plain.is_some();
            }
            applicable.push(i);
        }
        if applicable.is_empty() {
            return None;
        }
        // The response body as the json rules need it.
        let mut tree: Option<Result<Value, String>> = None;
        let mut picked: Option<Result<Vec<Option<Value>>, String>> = None;
        if json_rules > 0
            && let Some(r) = resp
        {
            if all_plain {
                let paths: Vec<&[Step]> = applicable
                    .iter()
                    .filter_map(|&i| match &self.rules[i].check {
                        Check::Json { plain, .. } => plain.as_deref(),
                        _ => None,
                    })
                    .collect();
                picked = Some(response_pick(r, &paths));
            } else {
                tree = Some(response_json(r));
            }
        }
        let (mut status, mut latency, mut json_seen) = (true, 0i64, 0usize);
        let mut reason = String::new();
        for &i in &applicable {
            let rule = &self.rules[i];
            reason.clear();
            let passed = match &rule.check {
                Check::Latency { ms } => {
                    if latency == 0 || *ms < latency {
                        latency = *ms;
                    }
                    if resp.is_none() {
                        let _ = write!(reason, "no response (limit {ms} ms)");
                        false
                    } else {
                        // "response time {} ms > {ms} ms" / "<=", without `fmt` (per entry).
                        let passed = entry.elapsed_time <= *ms;
                        reason.push_str("response time ");
                        push_i64(&mut reason, entry.elapsed_time);
                        reason.push_str(if passed { " ms <= " } else { " ms > " });
                        push_i64(&mut reason, *ms);
                        reason.push_str(" ms");
                        passed
                    }
                }
                Check::Header { key, value } => match resp {
                    None => {
                        reason.push_str("no response");
                        false
                    }
                    Some(r) => header_check(&r.headers, key, value, &rule.key_src, &mut reason),
                },
                Check::Json { key, value, .. } => {
                    let k = json_seen;
                    json_seen += 1;
                    match (resp, &tree, &picked) {
                        (None, _, _) => {
                            reason.push_str("no response");
                            false
                        }
                        (_, Some(Err(why)), _) | (_, _, Some(Err(why))) => {
                            reason.push_str(why);
                            false
                        }
                        (_, Some(Ok(v)), _) => {
                            match jsonpath_rust::query::js_path_process(key, v) {
                                Ok(found) => {
                                    let found: Vec<&Value> = found.iter().map(|r| r.val).collect();
                                    json_check(&found, value.as_ref(), &rule.key_src, &mut reason)
                                }
                                Err(e) => {
                                    let _ = write!(reason, "{}: {e}", rule.key_src);
                                    false
                                }
                            }
                        }
                        (_, _, Some(Ok(vals))) => {
                            let found: Vec<&Value> =
                                vals.get(k).and_then(Option::as_ref).into_iter().collect();
                            json_check(&found, value.as_ref(), &rule.key_src, &mut reason)
                        }
                        _ => {
                            reason.push_str("no response");
                            false
                        }
                    }
                }
            };
            status &= passed;
            emit(i, rule, passed, &reason);
        }
        Some((status, latency, applicable.len()))
    }
}

/// The reusable output of [`RuleSet::annotate`].
#[derive(Clone, Debug, Default)]
pub struct Annotation {
    /// The entry's `rules` object.
    pub full: Vec<u8>,
    /// `{status, latency, numberOfRules}` for the list item.
    pub short: Vec<u8>,
    /// (rule index, passed) per applicable rule, for per-rule counters.
    pub results: Vec<(usize, bool)>,
    /// Scratch for the results (kept for its capacity).
    body: Vec<u8>,
}

/// `n` in decimal (what `{n}` formats), without the `fmt` machinery.
fn push_i64(s: &mut String, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        s.push('-');
    }
    s.push_str(std::str::from_utf8(&buf[i..]).unwrap_or("0"));
}

fn header_check(
    headers: &[mizu_model::Header],
    key: &Regex,
    value: &Regex,
    key_src: &str,
    reason: &mut String,
) -> bool {
    let mut seen = 0;
    for h in headers.iter().filter(|h| key.is_match(&h.name)) {
        seen += 1;
        if !value.is_match(&h.value) {
            let _ = write!(
                reason,
                "{}: {:?} does not match {}",
                h.name,
                h.value,
                value.as_str()
            );
            return false;
        }
    }
    if seen == 0 {
        let _ = write!(reason, "no response header matches {key_src}");
        false
    } else {
        let _ = write!(reason, "{seen} header(s) match {}", value.as_str());
        true
    }
}

/// The response body's text as JSON input: `Ok(None)` for text, the decoded bytes for
/// base64; `Err` when it is too large or not base64.
fn body_bytes(r: &mizu_model::HttpResponse) -> Result<Option<Vec<u8>>, String> {
    let c = &r.content;
    if c.text.len() > MAX_JSON_BODY {
        return Err(format!(
            "response body ({} bytes) is larger than {MAX_JSON_BODY} bytes",
            c.text.len()
        ));
    }
    if c.encoding.as_deref() == Some("base64") {
        use base64::Engine as _;
        return base64::engine::general_purpose::STANDARD
            .decode(c.text.as_bytes())
            .map(Some)
            .map_err(|_| "response body is not valid base64".to_owned());
    }
    Ok(None)
}

fn body_error(r: &mizu_model::HttpResponse, e: serde_json::Error) -> String {
    if r.content.truncated {
        format!("response body was truncated and is not complete JSON ({e})")
    } else {
        format!("response body is not JSON ({e})")
    }
}

fn response_json(r: &mizu_model::HttpResponse) -> Result<Value, String> {
    let parsed = match body_bytes(r)? {
        Some(bytes) => serde_json::from_slice(&bytes),
        None => serde_json::from_str(&r.content.text),
    };
    parsed.map_err(|e| body_error(r, e))
}

/// The values `paths` select in the response body (one slot per path), the body checked
/// as JSON exactly as [`response_json`] does (same errors) but only the selected values
/// built.
fn response_pick(
    r: &mizu_model::HttpResponse,
    paths: &[&[Step]],
) -> Result<Vec<Option<Value>>, String> {
    let mut out = vec![None; paths.len()];
    let wants: Vec<Want<'_>> = paths
        .iter()
        .enumerate()
        .map(|(slot, steps)| Want { steps, slot })
        .collect();
    let res = match body_bytes(r)? {
        Some(bytes) => {
            let mut de = serde_json::Deserializer::from_slice(&bytes);
            pick::walk(&mut de, wants, &mut out)
        }
        None => {
            let mut de = serde_json::Deserializer::from_str(&r.content.text);
            pick::walk(&mut de, wants, &mut out)
        }
    };
    res.map(|()| out).map_err(|e| body_error(r, e))
}

/// One step of a plain JSONPath (`$.a[0].b`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Name(String),
    Index(usize),
}

/// The steps of a JSONPath made only of names and non-negative indexes, at least one.
fn plain_steps(q: &jsonpath_rust::parser::model::JpQuery) -> Option<Vec<Step>> {
    use jsonpath_rust::parser::model::{Segment, Selector};
    if q.segments.is_empty() {
        return None;
    }
    q.segments
        .iter()
        .map(|s| match s {
            Segment::Selector(Selector::Name(n)) => Some(Step::Name(n.clone())),
            Segment::Selector(Selector::Index(i)) => usize::try_from(*i).ok().map(Step::Index),
            _ => None,
        })
        .collect()
}

/// A path still to follow below the current value, and its output slot.
#[derive(Clone, Copy)]
struct Want<'a> {
    steps: &'a [Step],
    slot: usize,
}

/// The one-pass body walk: serde_json's deserializer drives it, so the body is checked
/// exactly as a full parse would (syntax, numbers, escapes, depth), but only the values
/// the paths select are built. Duplicate keys: the last one wins, as in a parsed tree.
mod pick {
    use super::{Step, Want};
    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde_json::Value;
    use std::fmt;

    pub(super) fn walk<'de, R: serde_json::de::Read<'de>>(
        de: &mut serde_json::Deserializer<R>,
        wants: Vec<Want<'_>>,
        out: &mut [Option<Value>],
    ) -> Result<(), serde_json::Error> {
        Node { wants, out }.deserialize(&mut *de)?;
        de.end()
    }

    /// The value of the selected paths at this point of the document.
    fn follow<'v>(v: &'v Value, steps: &[Step]) -> Option<&'v Value> {
        steps.iter().try_fold(v, |v, s| match s {
            Step::Name(n) => v.as_object()?.get(n),
            Step::Index(i) => v.as_array()?.get(*i),
        })
    }

    struct Node<'w, 'o> {
        wants: Vec<Want<'w>>,
        out: &'o mut [Option<Value>],
    }

    impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            if self.wants.iter().any(|w| w.steps.is_empty()) {
                // A path ends here: build this value, and follow the longer ones in it.
                let v = Value::deserialize(d)?;
                for w in &self.wants {
                    if let Some(slot) = self.out.get_mut(w.slot) {
                        *slot = follow(&v, w.steps).cloned();
                    }
                }
                return Ok(());
            }
            d.deserialize_any(self)
        }
    }

    use serde::Deserialize;

    impl<'de> Visitor<'de> for Node<'_, '_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_none<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0usize;
            loop {
                let here: Vec<Want<'_>> = self
                    .wants
                    .iter()
                    .filter(|w| w.steps.first() == Some(&Step::Index(i)))
                    .map(|w| Want {
                        steps: &w.steps[1..],
                        slot: w.slot,
                    })
                    .collect();
                let more = if here.is_empty() {
                    seq.next_element_seed(Skip)?.is_some()
                } else {
                    seq.next_element_seed(Node {
                        wants: here,
                        out: &mut *self.out,
                    })?
                    .is_some()
                };
                if !more {
                    return Ok(());
                }
                i += 1;
            }
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(hit) = map.next_key_seed(Key(&self.wants))? {
                if hit.is_empty() {
                    map.next_value_seed(Skip)?;
                    continue;
                }
                // A repeated key replaces what an earlier one selected.
                for w in &hit {
                    if let Some(slot) = self.out.get_mut(w.slot) {
                        *slot = None;
                    }
                }
                map.next_value_seed(Node {
                    wants: hit,
                    out: &mut *self.out,
                })?;
            }
            Ok(())
        }
    }

    /// A key: the wants whose next step names it (their remaining steps).
    struct Key<'a, 'w>(&'a [Want<'w>]);

    impl<'de, 'w> DeserializeSeed<'de> for Key<'_, 'w> {
        type Value = Vec<Want<'w>>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
    }

    impl<'de, 'w> Visitor<'de> for Key<'_, 'w> {
        type Value = Vec<Want<'w>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a key")
        }
        fn visit_str<E: de::Error>(self, k: &str) -> Result<Self::Value, E> {
            Ok(self
                .0
                .iter()
                .filter(|w| matches!(w.steps.first(), Some(Step::Name(n)) if n == k))
                .map(|w| Want {
                    steps: &w.steps[1..],
                    slot: w.slot,
                })
                .collect())
        }
    }

    /// Any value, checked and dropped.
    struct Skip;

    impl<'de> DeserializeSeed<'de> for Skip {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Skip {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_none<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Skip)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while map.next_key_seed(Skip)?.is_some() {
                map.next_value_seed(Skip)?;
            }
            Ok(())
        }
    }
}

fn json_check(found: &[&Value], value: Option<&Regex>, key_src: &str, reason: &mut String) -> bool {
    if found.is_empty() {
        let _ = write!(reason, "{key_src} not found in the response body");
        return false;
    }
    let Some(value) = value else {
        let _ = write!(reason, "{key_src} found ({} match(es))", found.len());
        return true;
    };
    for r in found {
        let s = match r {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if !value.is_match(&s) {
            let _ = write!(
                reason,
                "{key_src} = {} does not match {}",
                clip(&s),
                value.as_str()
            );
            return false;
        }
    }
    let _ = write!(
        reason,
        "{key_src}: {} value(s) match {}",
        found.len(),
        value.as_str()
    );
    true
}

fn clip(s: &str) -> String {
    const MAX: usize = 120;
    if s.len() <= MAX {
        return format!("{s:?}");
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(text: &str, base64: bool, truncated: bool) -> mizu_model::HttpResponse {
        let mut v = serde_json::json!({
            "status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": {},
            "content": {"mimeType": "application/json", "text": text}
        });
        if base64 {
            v["content"]["encoding"] = "base64".into();
        }
        if truncated {
            v["content"]["truncated"] = true.into();
        }
        serde_json::from_value(v).expect("response")
    }

    /// The one-pass walk selects exactly what JSONPath selects in the parsed body, and
    /// fails with exactly the same reason on bodies that are not JSON.
    #[test]
    fn plain_path_walk_equals_jsonpath_on_the_parsed_body() {
        let bodies = [
            r#"{"a":1,"b":{"c":[10,{"d":"x"},null],"e":true},"f":"s\u00e9\n"}"#,
            r#"{"a":{"x":1},"a":{"y":2}}"#,
            r#"{"a":{"b":1,"b":2}}"#,
            r#"[{"id":"a1"},{"id":"b2"},3]"#,
            r#"[[1,2],[3,[4,5]]]"#,
            r#"{"n":1e400}"#,
            r#"{"n":1.5e3,"m":-0,"big":123456789012345678901234567890}"#,
            r#"{"a":1} trailing"#,
            r#"{"a":1,}"#,
            r#"{"a":"\q"}"#,
            r#"{"a":[1,2"#,
            "<html>",
            "hello",
            "",
            "  ",
            "\"just a string\"",
            "42",
            "null",
            r#"{"a b":{"":[{"k":1}]}}"#,
            r#"{"database":"up","status":{"checks":{"disk":{"free":"12"}}}}"#,
        ];
        let keys = [
            "$.a",
            "$.a.x",
            "$.a.y",
            "$.a.b",
            "$.b.c",
            "$.b.c[0]",
            "$.b.c[1].d",
            "$.b.c[5]",
            "$.b.e",
            "$.f",
            "$[0]",
            "$[0].id",
            "$[1].id",
            "$[2]",
            "$[1][1][0]",
            "$.n",
            "$.m",
            "$.big",
            "$['a b']['']",
            "$['a b'][''][0].k",
            "$.database",
            "$.status.checks.disk.free",
            "$.missing.deeper",
        ];
        let mut walked = 0;
        for body in bodies {
            for (b64, truncated) in [(false, false), (true, false), (false, true)] {
                let text = if b64 {
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD.encode(body)
                } else {
                    body.to_owned()
                };
                let r = response(&text, b64, truncated);
                let parsed: Vec<jsonpath_rust::parser::model::JpQuery> = keys
                    .iter()
                    .map(|k| jsonpath_rust::parser::parse_json_path(k).expect(k))
                    .collect();
                let steps: Vec<Vec<Step>> = parsed
                    .iter()
                    .map(|q| plain_steps(q).expect("plain"))
                    .collect();
                let paths: Vec<&[Step]> = steps.iter().map(Vec::as_slice).collect();
                // All paths in one walk, and each path on its own.
                let all = response_pick(&r, &paths);
                for (i, q) in parsed.iter().enumerate() {
                    let want: Result<Vec<Value>, String> = response_json(&r).map(|v| {
                        jsonpath_rust::query::js_path_process(q, &v)
                            .map(|f| f.iter().map(|r| r.val.clone()).collect())
                            .unwrap_or_default()
                    });
                    let one: Result<Vec<Value>, String> =
                        response_pick(&r, &[paths[i]]).map(|v| v.into_iter().flatten().collect());
                    assert_eq!(one, want, "body {body:?} key {}", keys[i]);
                    let from_all: Result<Vec<Value>, String> = all
                        .clone()
                        .map(|v| v.get(i).cloned().flatten().into_iter().collect());
                    assert_eq!(from_all, want, "body {body:?} key {} (all paths)", keys[i]);
                    walked += 1;
                }
            }
        }
        assert_eq!(walked, bodies.len() * 3 * keys.len());
    }

    #[test]
    fn only_names_and_indexes_are_plain() {
        for (k, plain) in [
            ("$.a", true),
            ("$.a[0].b", true),
            ("$['x y'][3]", true),
            ("$", false),
            ("$.a[-1]", false),
            ("$.a[*]", false),
            ("$..a", false),
            ("$.a[0:2]", false),
            ("$.a[?@.b == 1]", false),
            ("$['a','b']", false),
        ] {
            let q = jsonpath_rust::parser::parse_json_path(k).expect(k);
            assert_eq!(plain_steps(&q).is_some(), plain, "{k}");
        }
    }
}
