//! Table tests for the validation rules: each rule type, JSONPath on nested and array
//! bodies, header regexes, latency (both spellings), service/path/method scoping, and
//! errors that name the rule and the field.

use mizu_analysis::rules::{RuleSet, splice_member};
use mizu_model::Entry;
use serde_json::json;

/// An HTTP entry to `dst_name` (empty = unresolved, 10.0.0.2:8080) for `url`, answering
/// `status` with `body` and the given response headers after `elapsed` ms.
fn entry(
    dst_name: &str,
    method: &str,
    url: &str,
    body: &str,
    headers: serde_json::Value,
    elapsed: i64,
) -> Entry {
    let path = url
        .split_once("://")
        .map_or(url, |(_, r)| r.find('/').map_or("/", |i| &r[i..]));
    let v = json!({
        "protocol": {"name": "http", "version": "1.1", "abbr": "HTTP"},
        "capture": "pcap",
        "src": {"ip": "10.0.0.1", "port": "40000", "name": ""},
        "dst": {"ip": "10.0.0.2", "port": "8080", "name": dst_name},
        "timestamp": 1_700_000_000_000i64,
        "startTime": "2023-11-14T22:13:20.000000000Z",
        "elapsedTime": elapsed,
        "request": {"method": method, "url": url, "targetUri": path, "path": path,
                    "httpVersion": "HTTP/1.1", "headers": {"Host": "10.0.0.2:8080"}},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                     "headers": headers, "content": {"mimeType": "application/json", "text": body}},
        "requestSize": 10, "responseSize": 10
    });
    serde_json::from_value(v).expect("entry")
}

/// (entry, expected status, expected (rule, passed) pairs, expected latency)
type Case = (Entry, bool, Vec<(&'static str, bool)>, i64);

const RULES: &str = r#"
rules:
  - name: db-up
    type: json
    key: "$.database"
    value: "^up$"
    path: "/health$"
  - name: nested
    type: json
    key: "$.status.checks.disk.free"
    value: "^[0-9]+$"
    path: "/health$"
  - name: all-items-priced
    type: json
    key: "$.items[*].price"
    value: "^[0-9.]+$"
    path: "/items"
  - name: first-id
    type: json
    key: "$[0].id"
    value: "^a"
    path: "/list"
  - name: no-cache
    type: header
    key: "(?i)^cache-control$"
    value: "no-store"
    service: "^catalog"
  - name: fast
    type: slo
    response-time: 100
    service: "^catalog"
  - name: old-spelling
    type: latency
    latency: 50
    service: "^orders"
    method: post
"#;

#[test]
fn table() {
    let set = RuleSet::parse(RULES).expect("rules");
    assert_eq!(set.len(), 7);
    let health = r#"{"database":"up","status":{"checks":{"disk":{"free":1234}}}}"#;
    let cc = json!({"Cache-Control": "no-store"});
    // (entry, expected status, expected (rule, passed) pairs, expected latency)
    let cases: Vec<Case> = vec![
        (
            entry(
                "catalog.default",
                "GET",
                "http://catalog/health",
                health,
                cc.clone(),
                10,
            ),
            true,
            vec![
                ("db-up", true),
                ("nested", true),
                ("no-cache", true),
                ("fast", true),
            ],
            100,
        ),
        (
            entry(
                "catalog.default",
                "GET",
                "http://catalog/health",
                r#"{"database":"down","status":{"checks":{"disk":{"free":"lots"}}}}"#,
                cc.clone(),
                10,
            ),
            false,
            vec![
                ("db-up", false),
                ("nested", false),
                ("no-cache", true),
                ("fast", true),
            ],
            100,
        ),
        (
            entry(
                "catalog.default",
                "GET",
                "http://catalog/health",
                health,
                json!({"Cache-Control": "max-age=60"}),
                150,
            ),
            false,
            vec![
                ("db-up", true),
                ("nested", true),
                ("no-cache", false),
                ("fast", false),
            ],
            100,
        ),
        // The header is missing: the rule fails.
        (
            entry(
                "catalog.default",
                "GET",
                "http://catalog/health",
                health,
                json!({}),
                1,
            ),
            false,
            vec![
                ("db-up", true),
                ("nested", true),
                ("no-cache", false),
                ("fast", true),
            ],
            100,
        ),
        // Array body: every match of the wildcard must match.
        (
            entry(
                "",
                "GET",
                "http://x/items",
                r#"{"items":[{"price":1.5},{"price":2}]}"#,
                json!({}),
                1,
            ),
            true,
            vec![("all-items-priced", true)],
            0,
        ),
        (
            entry(
                "",
                "GET",
                "http://x/items",
                r#"{"items":[{"price":1.5},{"price":"free"}]}"#,
                json!({}),
                1,
            ),
            false,
            vec![("all-items-priced", false)],
            0,
        ),
        (
            entry(
                "",
                "GET",
                "http://x/list",
                r#"[{"id":"abc"},{"id":"zzz"}]"#,
                json!({}),
                1,
            ),
            true,
            vec![("first-id", true)],
            0,
        ),
        // Key absent, body not JSON.
        (
            entry("", "GET", "http://x/list", r#"[]"#, json!({}), 1),
            false,
            vec![("first-id", false)],
            0,
        ),
        (
            entry("", "GET", "http://x/list", "<html>", json!({}), 1),
            false,
            vec![("first-id", false)],
            0,
        ),
        // Method scoping (case-insensitive) and the old `latency` spelling.
        (
            entry(
                "orders.shop",
                "POST",
                "http://orders/o",
                "{}",
                json!({}),
                60,
            ),
            false,
            vec![("old-spelling", false)],
            50,
        ),
        (
            entry(
                "orders.shop",
                "POST",
                "http://orders/o",
                "{}",
                json!({}),
                50,
            ),
            true,
            vec![("old-spelling", true)],
            50,
        ),
    ];
    for (i, (e, status, results, latency)) in cases.into_iter().enumerate() {
        let out = set
            .evaluate(&e)
            .unwrap_or_else(|| panic!("case {i}: no rule applied"));
        let got: Vec<(&str, bool)> = out
            .results
            .iter()
            .map(|r| (r.name.as_str(), r.passed))
            .collect();
        assert_eq!(got, results, "case {i}: {:?}", out.results);
        assert_eq!(out.status, status, "case {i}");
        assert_eq!(out.number_of_rules, results.len(), "case {i}");
        assert_eq!(out.latency, latency, "case {i}");
        for r in &out.results {
            assert!(!r.reason.is_empty(), "case {i}: {} has a reason", r.name);
        }
    }
    // No rule applies: no rules object (a GET to orders, an unmatched path).
    assert!(
        set.evaluate(&entry(
            "orders.shop",
            "GET",
            "http://orders/o",
            "{}",
            json!({}),
            1
        ))
        .is_none()
    );
    assert!(
        set.evaluate(&entry("", "GET", "http://x/other", "{}", json!({}), 1))
            .is_none()
    );
}

#[test]
fn reasons_say_why() {
    let set = RuleSet::parse(RULES).expect("rules");
    let e = entry(
        "catalog.a",
        "GET",
        "http://c/health",
        r#"{"database":"down"}"#,
        json!({"cache-control": "public"}),
        300,
    );
    let out = set.evaluate(&e).expect("applies");
    let reason = |n: &str| {
        out.results
            .iter()
            .find(|r| r.name == n)
            .map(|r| r.reason.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        reason("db-up"),
        r#"$.database = "down" does not match ^up$"#
    );
    assert_eq!(
        reason("nested"),
        "$.status.checks.disk.free not found in the response body"
    );
    assert_eq!(
        reason("no-cache"),
        r#"cache-control: "public" does not match no-store"#
    );
    assert_eq!(reason("fast"), "response time 300 ms > 100 ms");
    // The hand-written JSON is byte-identical to serde's (escapes in the reasons included).
    assert_eq!(
        String::from_utf8_lossy(&out.to_json()),
        serde_json::to_string(&out).expect("json")
    );
    let mut empty_fields = out.clone();
    empty_fields.results[0].key.clear();
    empty_fields.results[0].value.clear();
    empty_fields.results[1].reason = "tab\t \"quote\" \u{1} é \\".into();
    assert_eq!(
        String::from_utf8_lossy(&empty_fields.to_json()),
        serde_json::to_string(&empty_fields).expect("json")
    );
    let v: serde_json::Value = serde_json::from_slice(&out.to_json()).expect("json");
    assert_eq!(v["status"], false);
    assert_eq!(v["numberOfRules"], 4);
    assert_eq!(v["latency"], 100);
    assert_eq!(v["results"][0]["type"], "json");
    assert_eq!(v["results"][0]["passed"], false);
    let short: serde_json::Value = serde_json::from_slice(&out.short_json()).expect("json");
    assert_eq!(
        short,
        json!({"status": false, "latency": 100, "numberOfRules": 4})
    );
}

#[test]
fn base64_body_and_non_http() {
    let set = RuleSet::parse("rules:\n- name: j\n  type: json\n  key: $.a\n  value: '^1$'\n")
        .expect("rules");
    let mut e = entry("", "GET", "http://x/", "", json!({}), 1);
    if let mizu_model::Payload::HttpResponse(r) = &mut e.response {
        r.content.text = "eyJhIjoxfQ==".into(); // {"a":1}
        r.content.encoding = Some("base64".into());
    }
    assert!(set.evaluate(&e).expect("applies").status);
    let mut redis = e.clone();
    redis.request = mizu_model::Payload::Json(json!({"command": "GET"}));
    assert!(set.evaluate(&redis).is_none(), "rules are HTTP only");
}

#[test]
fn bad_files_name_the_rule_and_field() {
    let cases = [
        (
            "rules:\n- name: a\n  type: jsn\n",
            r#"rule 1 ("a"): `type`: unknown type "jsn" (one of json, header, slo, latency)"#,
        ),
        (
            "rules:\n- name: a\n  type: json\n  key: $.a\n- name: b\n  type: slo\n",
            r#"rule 2 ("b"): `response-time`: missing (milliseconds; `latency:` is accepted too)"#,
        ),
        (
            "rules:\n- name: s\n  type: slo\n  response-time: -3\n",
            r#"rule 1 ("s"): `response-time`: must be a number of milliseconds >= 1"#,
        ),
        (
            "rules:\n- name: s\n  type: latency\n  latency: soon\n",
            r#"rule 1 ("s"): `latency`: must be a number of milliseconds >= 1"#,
        ),
        (
            "rules:\n- type: json\n",
            "rule 1: `name`: missing (every rule needs a name)",
        ),
        (
            "rules:\n- name: h\n  type: header\n  key: '('\n  value: x\n",
            "rule 1 (\"h\"): `key`: invalid regex \"(\"",
        ),
        (
            "rules:\n- name: j\n  type: json\n  key: '$.['\n",
            "rule 1 (\"j\"): `key`: invalid JSONPath \"$.[\"",
        ),
        (
            "rules:\n- name: j\n  type: json\n  key: $.a\n  servce: x\n",
            "rule 1 (\"j\"): `servce`: unknown field",
        ),
        (
            "rules:\n- name: j\n  type: json\n  key: $.a\n  path: '[z-a]'\n",
            "rule 1 (\"j\"): `path`: invalid regex",
        ),
        ("rules: 3\n", "`rules` must be a list of rules"),
        ("- a\n- b\n", "expected a mapping with a `rules:` list"),
        ("rules: [\n", "not valid YAML"),
    ];
    for (src, want) in cases {
        let e = RuleSet::parse(src).expect_err(src);
        assert!(
            e.to_string().starts_with(want),
            "{src:?}: got {e}, want {want}"
        );
    }
    assert!(RuleSet::parse("").expect("empty file").is_empty());
    assert!(RuleSet::parse("rules:\n").expect("empty list").is_empty());
}

#[test]
fn splice_appends_last_member() {
    let mut j = br#"{"a":1}"#.to_vec();
    assert!(splice_member(&mut j, "rules", br#"{"status":true}"#));
    assert_eq!(j, br#"{"a":1,"rules":{"status":true}}"#);
    let mut e = b"{}".to_vec();
    assert!(splice_member(&mut e, "k", b"1"));
    assert_eq!(e, b"{\"k\":1}");
    let mut bad = b"[1]".to_vec();
    assert!(!splice_member(&mut bad, "k", b"1"));
    assert_eq!(bad, b"[1]");
}

/// What the hub writes (`annotate`, straight to bytes) is exactly `evaluate`'s outcome
/// serialised, for every case of the table and with plain and JSONPath-only keys mixed.
#[test]
fn annotate_writes_the_same_bytes_as_the_outcome() {
    let mixed = format!(
        "{RULES}  - name: wild\n    type: json\n    key: \"$..free\"\n    path: \"/health$\"\n"
    );
    for src in [RULES, mixed.as_str()] {
        let set = RuleSet::parse(src).expect("rules");
        let mut a = mizu_analysis::rules::Annotation::default();
        let mut checked = 0;
        for e in [
            entry(
                "catalog.shop",
                "GET",
                "http://c/health",
                r#"{"database":"up","status":{"checks":{"disk":{"free":"12"}}}}"#,
                json!({"Cache-Control": "no-store"}),
                20,
            ),
            entry(
                "catalog.shop",
                "GET",
                "http://c/health",
                r#"{"database":"down"}"#,
                json!({"Cache-Control": "max-age=1"}),
                200,
            ),
            entry(
                "catalog.shop",
                "GET",
                "http://c/health",
                "<html>",
                json!({}),
                20,
            ),
            entry(
                "orders.shop",
                "POST",
                "http://o/items",
                r#"{"items":[{"price":"1.5"},{"price":"x"}]}"#,
                json!({}),
                60,
            ),
            entry(
                "x",
                "GET",
                "http://x/list",
                r#"[{"id":"abc"}]"#,
                json!({}),
                1,
            ),
            entry("x", "GET", "http://x/none", "{}", json!({}), 1),
        ] {
            let out = set.evaluate(&e);
            assert_eq!(set.annotate(&e, &mut a), out.is_some());
            if let Some(out) = out {
                assert_eq!(
                    String::from_utf8_lossy(&a.full),
                    String::from_utf8_lossy(&out.to_json())
                );
                assert_eq!(a.short, out.short_json());
                let want: Vec<(usize, bool)> = out
                    .indexes
                    .iter()
                    .zip(&out.results)
                    .map(|(&i, r)| (i, r.passed))
                    .collect();
                assert_eq!(a.results, want);
                checked += 1;
            }
        }
        assert_eq!(checked, 5);
    }
}
