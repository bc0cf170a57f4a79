//! Insertion-side privacy: masking sensitive values before an entry is stored, and
//! dropping traffic from ignored user agents (health probes, scrapers).
//!
//! **Default list** (`--redact`): a header, cookie, query parameter, form field, JSON key,
//! or XML element/attribute is masked as `"[REDACTED]"` when its name — lower-cased, with
//! `-`, `_`, `.` and spaces removed — *contains* one of [`DEFAULT_SENSITIVE`]
//! (`authorization`, `cookie`, `token`, `password`, `passwd`, `secret`, `apikey`, …), as
//! Mizu's masking did (with a shorter list: Mizu's `key`, `user`, `zip` masked too much).
//! `User-Agent` is never masked. When the `Cookie` / `Set-Cookie` header is masked, the
//! parsed `cookies` maps are masked too, and query parameters are masked in `url` and
//! `targetUri` as well as in `queryString`.
//!
//! **User patterns** (Mizu's `redact-patterns.*` keys: `request-headers`,
//! `response-headers`, `request-body`, `response-body`, `request-query-params`): exact
//! names, case-insensitive, for that part of the entry only. Body names apply to JSON keys
//! at any depth, XML elements and attributes, and form fields.
//!
//! Works on the entry JSON (`serde_json::Value`), so agents' entries and in-process ones
//! are treated alike. It lives in `mizu-model` (not the store) so an agent can redact at
//! the edge, before entries leave the node; the hub applies it at insertion. Bodies sent as base64 (binary) are left alone.
//! XML bodies are read with the shared scanner ([`crate::xml`]): attribute values are
//! found inside quotes (a `>` there does not end the tag), comments and CDATA are not
//! elements, and malformed markup is read past.

use crate::xml::{self, Token};
use serde::Deserialize;
use serde_json::Value;

/// The mask.
/// The one mask for redacted values (insertion redaction here, and the filter
/// language's `redact(…)`, which re-exports it).
pub const REDACTED: &str = "[REDACTED]";

/// Name fragments masked by default (compared after normalising: lower case, no `-_. `).
pub const DEFAULT_SENSITIVE: &[&str] = &[
    "authorization",
    "authentication",
    "cookie",
    "token",
    "password",
    "passwd",
    "passcode",
    "secret",
    "apikey",
    "accesskey",
    "privatekey",
    "sessionid",
    "jwt",
    "bearer",
    "credential",
    "signature",
    // Kafka: SASL exchange bytes (SaslAuthenticate `authBytes`: PLAIN carries the
    // password) and delegation-token HMACs.
    "authbytes",
    "hmac",
];

/// Mizu's `redact-patterns` config keys: exact names per part of the entry.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case", default)]
pub struct RedactPatterns {
    pub request_headers: Vec<String>,
    pub response_headers: Vec<String>,
    pub request_body: Vec<String>,
    pub response_body: Vec<String>,
    pub request_query_params: Vec<String>,
}

impl RedactPatterns {
    pub fn is_empty(&self) -> bool {
        self.request_headers.is_empty()
            && self.response_headers.is_empty()
            && self.request_body.is_empty()
            && self.response_body.is_empty()
            && self.request_query_params.is_empty()
    }
}

/// Masks values by name. Build once, apply to every entry.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    defaults: bool,
    req_headers: Vec<String>,
    resp_headers: Vec<String>,
    req_body: Vec<String>,
    resp_body: Vec<String>,
    query: Vec<String>,
}

fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

fn norm_all(v: &[String]) -> Vec<String> {
    v.iter()
        .map(|s| normalize(s))
        .filter(|s| !s.is_empty())
        .collect()
}

#[derive(Clone, Copy)]
enum Part {
    ReqHeaders,
    RespHeaders,
    ReqBody,
    RespBody,
    Query,
}

impl Redactor {
    /// `defaults`: mask [`DEFAULT_SENSITIVE`] names everywhere; plus the user patterns.
    pub fn new(defaults: bool, patterns: &RedactPatterns) -> Redactor {
        Redactor {
            defaults,
            req_headers: norm_all(&patterns.request_headers),
            resp_headers: norm_all(&patterns.response_headers),
            req_body: norm_all(&patterns.request_body),
            resp_body: norm_all(&patterns.response_body),
            query: norm_all(&patterns.request_query_params),
        }
    }

    /// Whether [`Redactor::apply`] can change anything.
    pub fn is_active(&self) -> bool {
        self.defaults
            || !(self.req_headers.is_empty()
                && self.resp_headers.is_empty()
                && self.req_body.is_empty()
                && self.resp_body.is_empty()
                && self.query.is_empty())
    }

    fn sensitive(&self, part: Part, name: &str) -> bool {
        let n = normalize(name);
        if n == "useragent" {
            return false;
        }
        if self.defaults && DEFAULT_SENSITIVE.iter().any(|w| n.contains(w)) {
            return true;
        }
        let list = match part {
            Part::ReqHeaders => &self.req_headers,
            Part::RespHeaders => &self.resp_headers,
            Part::ReqBody => &self.req_body,
            Part::RespBody => &self.resp_body,
            Part::Query => &self.query,
        };
        list.contains(&n)
    }

    /// Masks the entry in place; returns how many values were masked.
    pub fn apply(&self, entry: &mut Value) -> usize {
        if !self.is_active() {
            return 0;
        }
        let mut n = 0;
        if let Some(req) = entry.get_mut("request").and_then(Value::as_object_mut) {
            let cookie = self.headers(req.get_mut("headers"), Part::ReqHeaders, &mut n, "cookie");
            if cookie {
                mask_all_values(req.get_mut("cookies"), &mut n);
            }
            if let Some(q) = req.get_mut("queryString").and_then(Value::as_object_mut) {
                for (k, v) in q.iter_mut() {
                    if self.sensitive(Part::Query, k) {
                        mask_value(v, &mut n);
                    }
                }
            }
            for key in ["url", "targetUri"] {
                if let Some(Value::String(u)) = req.get_mut(key)
                    && let Some(new) = self.redact_url(u)
                {
                    *u = new;
                }
            }
            if let Some(body) = req.get_mut("postData") {
                self.body(body, Part::ReqBody, &mut n);
            }
            // Decoded message bodies of non-HTTP protocols (Kafka, AMQP): the body keys.
            if let Some(p) = req.get_mut("payload") {
                self.json_keys(p, Part::ReqBody, &mut n);
            }
        }
        if let Some(resp) = entry.get_mut("response").and_then(Value::as_object_mut) {
            let cookie = self.headers(
                resp.get_mut("headers"),
                Part::RespHeaders,
                &mut n,
                "setcookie",
            );
            if cookie {
                mask_all_values(resp.get_mut("cookies"), &mut n);
            }
            if let Some(body) = resp.get_mut("content") {
                self.body(body, Part::RespBody, &mut n);
            }
            if let Some(p) = resp.get_mut("payload") {
                self.json_keys(p, Part::RespBody, &mut n);
            }
        }
        n
    }

    /// Masks matching headers; true when the header named `cookie_name` was masked.
    fn headers(&self, h: Option<&mut Value>, part: Part, n: &mut usize, cookie_name: &str) -> bool {
        let mut cookie = false;
        if let Some(h) = h.and_then(Value::as_object_mut) {
            for (k, v) in h.iter_mut() {
                if self.sensitive(part, k) {
                    mask_value(v, n);
                    cookie |= normalize(k) == cookie_name;
                }
            }
        }
        cookie
    }

    fn redact_url(&self, url: &str) -> Option<String> {
        let (head, rest) = url.split_once('?')?;
        let (query, frag) = match rest.split_once('#') {
            Some((q, f)) => (q, Some(f)),
            None => (rest, None),
        };
        let new = self.redact_form(query, Part::Query)?;
        let mut out = format!("{head}?{new}");
        if let Some(f) = frag {
            out.push('#');
            out.push_str(f);
        }
        Some(out)
    }

    /// `a=1&token=x` → `a=1&token=[REDACTED]`; `None` when nothing matched.
    fn redact_form(&self, text: &str, part: Part) -> Option<String> {
        let mut changed = false;
        let pairs: Vec<String> = text
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if self.sensitive(part, &decode_component(k)) => {
                    changed = true;
                    format!("{k}={REDACTED}")
                }
                _ => pair.to_owned(),
            })
            .collect();
        changed.then(|| pairs.join("&"))
    }

    fn body(&self, body: &mut Value, part: Part, n: &mut usize) {
        let Some(b) = body.as_object_mut() else {
            return;
        };
        if let Some(Value::Array(params)) = b.get_mut("params") {
            for p in params {
                let hit = p
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|name| self.sensitive(part, name));
                if hit && let Some(v) = p.get_mut("value") {
                    mask_value(v, n);
                }
            }
        }
        if b.get("encoding").and_then(Value::as_str) == Some("base64") {
            return;
        }
        let mime = b
            .get("mimeType")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let Some(Value::String(text)) = b.get_mut("text") else {
            return;
        };
        let trimmed = text.trim_start();
        if mime.contains("json") || trimmed.starts_with('{') || trimmed.starts_with('[') {
            if let Ok(mut v) = serde_json::from_str::<Value>(text) {
                let before = *n;
                self.json_keys(&mut v, part, n);
                if *n > before
                    && let Ok(s) = serde_json::to_string(&v)
                {
                    *text = s;
                }
            }
        } else if mime.contains("xml") || trimmed.starts_with('<') {
            if let Some(s) = self.redact_xml(text, part, n) {
                *text = s;
            }
        } else if mime.contains("x-www-form-urlencoded")
            && let Some(s) = self.redact_form(text, part)
        {
            *n += 1;
            *text = s;
        }
    }

    fn json_keys(&self, v: &mut Value, part: Part, n: &mut usize) {
        match v {
            Value::Object(o) => {
                for (k, x) in o.iter_mut() {
                    if self.sensitive(part, k) {
                        mask_value(x, n);
                    } else {
                        self.json_keys(x, part, n);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| self.json_keys(x, part, n)),
            _ => {}
        }
    }

    /// Masks text of sensitive leaf elements and values of sensitive attributes, reading
    /// the body with the shared scanner ([`crate::xml`]), reading on past malformed markup.
    fn redact_xml(&self, xml: &str, part: Part, n: &mut usize) -> Option<String> {
        fn local(name: &str) -> &str {
            name.rsplit(':').next().unwrap_or(name)
        }
        let mut out = String::with_capacity(xml.len());
        let mut i = 0; // copied up to here
        let before = *n;
        let mut tokens = xml::scan(xml).peekable();
        while let Some(token) = tokens.next() {
            // Malformed markup is read past: mask what can be found.
            let Ok(Token::Start(tag)) = token else {
                continue;
            };
            for attr in tag.attributes().flatten() {
                let Some(value) = attr.value else { continue };
                if self.sensitive(part, local(attr.name)) {
                    out.push_str(&xml[i..attr.value_start]);
                    out.push_str(REDACTED);
                    i = attr.value_start + value.len();
                    *n += 1;
                }
            }
            if tag.self_closing || !self.sensitive(part, local(tag.name)) {
                continue;
            }
            // Leaf element: mask its text when an end tag follows it.
            if let Some(Ok(Token::Text { start, raw })) =
                tokens.next_if(|t| matches!(t, Ok(Token::Text { .. })))
                && xml[start + raw.len()..].starts_with("</")
            {
                out.push_str(&xml[i..start]);
                out.push_str(REDACTED);
                i = start + raw.len();
                *n += 1;
            }
        }
        if *n == before {
            return None;
        }
        out.push_str(&xml[i..]);
        Some(out)
    }
}

fn mask_value(v: &mut Value, n: &mut usize) {
    match v {
        Value::Array(a) => a.iter_mut().for_each(|x| mask_value(x, n)),
        _ => {
            *v = Value::String(REDACTED.to_owned());
            *n += 1;
        }
    }
}

fn mask_all_values(v: Option<&mut Value>, n: &mut usize) {
    if let Some(o) = v.and_then(Value::as_object_mut) {
        o.values_mut().for_each(|x| mask_value(x, n));
    }
}

fn decode_component(s: &str) -> String {
    // `+` is a space in a query component; `%2B` stays a plus (decoded after).
    let s = s.replace('+', " ");
    percent_encoding::percent_decode_str(&s)
        .decode_utf8_lossy()
        .into_owned()
}

/// True when the entry's `User-Agent` request header contains one of `patterns`
/// (case-insensitive): Mizu's `ignored-user-agents` (e.g. `kube-probe`, `Prometheus`).
pub fn user_agent_ignored(entry: &Value, patterns: &[String]) -> bool {
    if patterns.is_empty() {
        return false;
    }
    let Some(h) = entry
        .get("request")
        .and_then(|r| r.get("headers"))
        .and_then(Value::as_object)
    else {
        return false;
    };
    h.iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
        .filter_map(|(_, v)| v.as_str())
        .any(|ua| {
            let ua = ua.to_ascii_lowercase();
            patterns
                .iter()
                .any(|p| !p.is_empty() && ua.contains(&p.to_ascii_lowercase()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry() -> Value {
        json!({
            "request": {
                "method": "POST",
                "url": "http://h/login?user=bob&access_token=abc#frag",
                "targetUri": "/login?user=bob&access_token=abc",
                "headers": {"Authorization": "Bearer x", "Cookie": "sid=1", "User-Agent": "curl", "X-Api-Key": "k", "Accept": "*/*"},
                "cookies": {"sid": "1"},
                "queryString": {"user": "bob", "access_token": "abc"},
                "postData": {"mimeType": "application/json", "text": "{\"name\":\"a\",\"nested\":{\"password\":\"p\",\"keep\":1},\"list\":[{\"client_secret\":\"s\"}]}"}
            },
            "response": {
                "status": 200,
                "headers": {"Set-Cookie": "sid=2", "Content-Type": "text/xml"},
                "cookies": {"sid": "2"},
                "content": {"mimeType": "text/xml", "text": "<r><token>t1</token><name>n</name><a password=\"p\" x=\"y\"/></r>"}
            }
        })
    }

    #[test]
    fn decoded_payloads_are_masked_too() {
        // A Kafka SaslAuthenticate pair: PLAIN sends "\0user\0password" as authBytes.
        let mut e = serde_json::json!({
            "request": {"apiKeyName": "SaslAuthenticate",
                        "payload": {"authBytes": "\0alice\0s3cret", "other": [{"hmac": "h"}]}},
            "response": {"payload": {"authBytes": "", "errorCode": 0, "sessionLifetimeMs": 0}}
        });
        let r = Redactor::new(true, &RedactPatterns::default());
        assert_eq!(r.apply(&mut e), 3);
        assert_eq!(e["request"]["payload"]["authBytes"], REDACTED);
        assert_eq!(e["request"]["payload"]["other"][0]["hmac"], REDACTED);
        assert_eq!(e["response"]["payload"]["authBytes"], REDACTED);
        assert_eq!(e["response"]["payload"]["errorCode"], 0);
        assert_eq!(e["request"]["apiKeyName"], "SaslAuthenticate");
    }

    #[test]
    fn default_list_masks_headers_query_bodies() {
        let mut e = entry();
        let n = Redactor::new(true, &RedactPatterns::default()).apply(&mut e);
        assert!(n >= 10, "masked {n}");
        let r = &e["request"];
        assert_eq!(r["headers"]["Authorization"], REDACTED);
        assert_eq!(r["headers"]["Cookie"], REDACTED);
        assert_eq!(r["headers"]["X-Api-Key"], REDACTED);
        assert_eq!(r["headers"]["User-Agent"], "curl");
        assert_eq!(r["headers"]["Accept"], "*/*");
        assert_eq!(r["cookies"]["sid"], REDACTED);
        assert_eq!(r["queryString"]["access_token"], REDACTED);
        assert_eq!(r["queryString"]["user"], "bob");
        assert_eq!(
            r["url"],
            "http://h/login?user=bob&access_token=[REDACTED]#frag"
        );
        assert_eq!(r["targetUri"], "/login?user=bob&access_token=[REDACTED]");
        let body: Value =
            serde_json::from_str(r["postData"]["text"].as_str().expect("text")).expect("json");
        assert_eq!(body["nested"]["password"], REDACTED);
        assert_eq!(body["nested"]["keep"], 1);
        assert_eq!(body["list"][0]["client_secret"], REDACTED);
        assert_eq!(body["name"], "a");
        let resp = &e["response"];
        assert_eq!(resp["headers"]["Set-Cookie"], REDACTED);
        assert_eq!(resp["cookies"]["sid"], REDACTED);
        assert_eq!(
            resp["content"]["text"],
            "<r><token>[REDACTED]</token><name>n</name><a password=\"[REDACTED]\" x=\"y\"/></r>"
        );
    }

    #[test]
    fn user_patterns_are_exact_and_per_part() {
        let p = RedactPatterns {
            request_headers: vec!["accept".into()],
            request_query_params: vec!["user".into()],
            response_body: vec!["name".into()],
            ..RedactPatterns::default()
        };
        let mut e = entry();
        Redactor::new(false, &p).apply(&mut e);
        let r = &e["request"];
        assert_eq!(r["headers"]["Accept"], REDACTED);
        assert_eq!(r["headers"]["Authorization"], "Bearer x");
        assert_eq!(r["queryString"]["user"], REDACTED);
        assert_eq!(r["queryString"]["access_token"], "abc");
        assert!(
            r["postData"]["text"]
                .as_str()
                .expect("t")
                .contains("\"name\":\"a\"")
        );
        assert_eq!(
            e["response"]["content"]["text"],
            "<r><token>t1</token><name>[REDACTED]</name><a password=\"p\" x=\"y\"/></r>"
        );
        assert!(!Redactor::new(false, &RedactPatterns::default()).is_active());
    }

    #[test]
    fn xml_is_read_by_the_shared_scanner() {
        let r = Redactor::new(true, &RedactPatterns::default());
        let mut e = json!({"response": {"content": {"mimeType": "application/xml", "text":
            "<?xml version=\"1.0\"?><!-- <a> --><r><a note=\"1 > 0\" flag ns:password='p'/><x:token>t</x:token><token><b>kept</b></token><token>cut"}}});
        assert_eq!(r.apply(&mut e), 2);
        assert_eq!(
            e["response"]["content"]["text"],
            "<?xml version=\"1.0\"?><!-- <a> --><r><a note=\"1 > 0\" flag ns:password='[REDACTED]'/><x:token>[REDACTED]</x:token><token><b>kept</b></token><token>cut"
        );
    }

    #[test]
    fn forms_and_ignored_agents() {
        let r = Redactor::new(true, &RedactPatterns::default());
        let mut e = json!({"request": {"headers": {"user-agent": "kube-probe/1.29"},
            "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "a=1&pass%77ord=x",
                "params": [{"name": "a", "value": "1"}, {"name": "password", "value": "x"}]}}});
        r.apply(&mut e);
        assert_eq!(
            e["request"]["postData"]["text"],
            "a=1&pass%77ord=[REDACTED]"
        );
        assert_eq!(e["request"]["postData"]["params"][1]["value"], REDACTED);
        assert_eq!(e["request"]["postData"]["params"][0]["value"], "1");
        assert!(user_agent_ignored(&e, &["Kube-Probe".into()]));
        assert!(!user_agent_ignored(&e, &["prometheus".into()]));
        assert!(!user_agent_ignored(&e, &[]));
    }
}
