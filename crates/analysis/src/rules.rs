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
        if self.rules.is_empty() {
            return None;
        }
        let req = entry.request.as_http_request()?;
        let resp = entry.response.as_http_response();
        let mut service: Option<String> = None;
        let mut body: Option<Result<Value, String>> = None;
        let mut out = Outcome {
            status: true,
            latency: 0,
            number_of_rules: 0,
            results: Vec::new(),
            indexes: Vec::new(),
        };
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
                let name = service.get_or_insert_with(|| crate::service_name(entry));
                if !s.is_match(name) {
                    continue;
                }
            }
            let (passed, reason) = match &rule.check {
                Check::Latency { ms } => {
                    if out.latency == 0 || *ms < out.latency {
                        out.latency = *ms;
                    }
                    if resp.is_none() {
                        (false, format!("no response (limit {ms} ms)"))
                    } else if entry.elapsed_time > *ms {
                        (
                            false,
                            format!("response time {} ms > {ms} ms", entry.elapsed_time),
                        )
                    } else {
                        (
                            true,
                            format!("response time {} ms <= {ms} ms", entry.elapsed_time),
                        )
                    }
                }
                Check::Header { key, value } => match resp {
                    None => (false, "no response".to_owned()),
                    Some(r) => header_check(&r.headers, key, value, &rule.key_src),
                },
                Check::Json { key, value } => match resp {
                    None => (false, "no response".to_owned()),
                    Some(r) => {
                        let parsed = body.get_or_insert_with(|| response_json(r));
                        match parsed {
                            Err(why) => (false, why.clone()),
                            Ok(v) => json_check(v, key, value.as_ref(), &rule.key_src),
                        }
                    }
                },
            };
            out.status &= passed;
            out.number_of_rules += 1;
            out.indexes.push(i);
            out.results.push(RuleResult {
                name: rule.name.clone(),
                kind: rule.kind,
                key: rule.key_src.clone(),
                value: rule.value_src.clone(),
                passed,
                reason,
            });
        }
        (out.number_of_rules > 0).then_some(out)
    }
}

fn header_check(
    headers: &[mizu_model::Header],
    key: &Regex,
    value: &Regex,
    key_src: &str,
) -> (bool, String) {
    let mut seen = 0;
    for h in headers.iter().filter(|h| key.is_match(&h.name)) {
        seen += 1;
        if !value.is_match(&h.value) {
            return (
                false,
                format!(
                    "{}: {:?} does not match {}",
                    h.name,
                    h.value,
                    value.as_str()
                ),
            );
        }
    }
    if seen == 0 {
        (false, format!("no response header matches {key_src}"))
    } else {
        (true, format!("{seen} header(s) match {}", value.as_str()))
    }
}

fn response_json(r: &mizu_model::HttpResponse) -> Result<Value, String> {
    let c = &r.content;
    if c.text.len() > MAX_JSON_BODY {
        return Err(format!(
            "response body ({} bytes) is larger than {MAX_JSON_BODY} bytes",
            c.text.len()
        ));
    }
    let parsed = if c.encoding.as_deref() == Some("base64") {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(c.text.as_bytes())
            .map_err(|_| "response body is not valid base64".to_owned())?;
        serde_json::from_slice(&bytes)
    } else {
        serde_json::from_str(&c.text)
    };
    parsed.map_err(|e| {
        if c.truncated {
            format!("response body was truncated and is not complete JSON ({e})")
        } else {
            format!("response body is not JSON ({e})")
        }
    })
}

fn json_check(
    body: &Value,
    key: &jsonpath_rust::parser::model::JpQuery,
    value: Option<&Regex>,
    key_src: &str,
) -> (bool, String) {
    let found = match jsonpath_rust::query::js_path_process(key, body) {
        Ok(found) => found,
        Err(e) => return (false, format!("{key_src}: {e}")),
    };
    if found.is_empty() {
        return (false, format!("{key_src} not found in the response body"));
    }
    let Some(value) = value else {
        return (true, format!("{key_src} found ({} match(es))", found.len()));
    };
    for r in &found {
        let s = match r.val {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if !value.is_match(&s) {
            return (
                false,
                format!("{key_src} = {} does not match {}", clip(&s), value.as_str()),
            );
        }
    }
    (
        true,
        format!(
            "{key_src}: {} value(s) match {}",
            found.len(),
            value.as_str()
        ),
    )
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
