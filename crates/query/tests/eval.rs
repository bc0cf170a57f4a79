//! Evaluator tables. Every case runs through both `matches` (parsed value) and
//! `matches_json` (raw bytes) and they must agree.

use mizu_query::{EvalContext, compile};
use serde_json::{Value, json};

const NOW: i64 = 1_795_419_600_000; // 2026-11-23T07:40:00Z
const CTX: EvalContext = EvalContext { now_ms: NOW };

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

fn check(entry: &Value, query: &str, want: bool) {
    let q = compile(query).unwrap_or_else(|e| panic!("{query}: {e}"));
    let by_value = q.matches(entry, &CTX);
    let bytes = serde_json::to_vec(entry).unwrap_or_default();
    let by_bytes = q.matches_json(&bytes, &CTX);
    assert_eq!(by_value, want, "matches({query})");
    assert_eq!(by_bytes, want, "matches_json({query})");
}

fn check_all(entry: &Value, cases: &[(&str, bool)]) {
    for (q, want) in cases {
        check(entry, q, *want);
    }
}

/// A real HTTP/1.1 GET / with a text body (testdata/http1/01).
fn get_root() -> Value {
    lines(include_str!(
        "../../../testdata/http1/01-keepalive-bridge.expected.jsonl"
    ))
    .remove(0)
}

/// A real GET /json with a JSON body and a query string (testdata/http1/01).
fn get_json() -> Value {
    lines(include_str!(
        "../../../testdata/http1/01-keepalive-bridge.expected.jsonl"
    ))
    .remove(1)
}

/// A real DELETE (204) and GET /missing (404) (testdata/http1/05).
fn deletes() -> Vec<Value> {
    lines(include_str!(
        "../../../testdata/http1/05-delete-404-head-304.expected.jsonl"
    ))
}

/// A real urlencoded form POST (testdata/http1/09).
fn form_post() -> Value {
    lines(include_str!(
        "../../../testdata/http1/09-forms-multipart-cookies.expected.jsonl"
    ))
    .remove(0)
}

#[test]
fn mizu_examples_on_real_entries() {
    let e = get_root();
    check_all(
        &e,
        &[
            ("http", true),
            ("http2 or grpc or amqp or kafka or redis or gql", false),
            (r#"http and request.path == "/catalogue""#, false),
            (r#"http and request.path == "/""#, true),
            (r#"request.path!="/health" and request.path!="/""#, false),
            (r#"request.path!="/health" and request.path!="/x""#, true),
            (
                r#"http and request.headers["Accept"] == r"application/json.*""#,
                false,
            ),
            (r#"http and request.headers["Accept"] == r"\*/\*""#, true),
            ("http and response.status >= 400", false),
            ("http and response.status == 200", true),
            (r#"http and response.status == r"2.*""#, true),
            (r#"http and response.status == r"4.*""#, false),
            (
                r#"timestamp < datetime("10/28/2021, 9:13:02.905 PM")"#,
                false,
            ),
            (
                r#"timestamp > datetime("10/28/2021, 9:13:02.905 PM")"#,
                true,
            ),
            (
                r#"(http and request.method == "PUT") or (amqp and request.queue.startsWith("test")) or (kafka and response.payload.errorCode == 2) or (redis and request.key == "example") or (grpc and request.headers[":path"] == r".*foo.*")"#,
                false,
            ),
            (
                r#"(http and request.method == "GET") or (amqp and request.queue.startsWith("test"))"#,
                true,
            ),
            (r#"dst.name == "carts.sock-shop""#, false),
            (r#"dst.name == """#, true),
            (r#"dst.port == "8080""#, true),
            ("dst.port == 8080", false),
            (
                r#"response.content.text.json().some.path == "somevalue""#,
                false,
            ),
            ("timestamp >= minutes(-5)", true),
            ("timestamp >= minutes(-1)", true),
            ("timestamp >= seconds(-10)", false),
            ("timestamp <= days(-5)", false),
            ("http and limit(100)", true),
            (r#"request.path.startsWith("/")"#, true),
            (
                r#"!request.path.startsWith("/health") and http and dst.name != "pgadmin.development""#,
                true,
            ),
            (
                r#"response.content.text.contains("mizu http1 fixture")"#,
                true,
            ),
            (r#"response.content.text.endsWith("server\n")"#, true),
            (
                r#"response.headers["content-type"].startsWith("text/plain")"#,
                true,
            ),
            (
                "protocol.version == \"1.1\" and protocol.abbr == \"HTTP\"",
                true,
            ),
            ("request.bodySize == 0 and response.bodySize > 40", true),
            ("elapsedMicros < 1000 and elapsedTime == 0", true),
            ("truncated or gap", false),
            ("!truncated and !gap", true),
            ("outgoing == false", true),
            ("diagnostics == nil", true),
            ("diagnostics", false),
            ("flow == 1", true),
        ],
    );
}

#[test]
fn json_bodies_and_query_strings() {
    let e = get_json();
    check_all(
        &e,
        &[
            ("response.content.text.json().ok == true", true),
            ("response.content.text.json().items[0].id == 1", true),
            (
                "response.content.text.json().items[-1].name == \"item-5\"",
                true,
            ),
            ("response.content.text.json().items[*].id == 3", true),
            ("response.content.text.json().items[*].id == 9", false),
            ("response.content.text.json()..name == \"item-2\"", true),
            ("response.content.text.json()..name == \"item-9\"", false),
            ("response.content.text.json()..tags[1] == \"b\"", true),
            (
                "response.content.text.json().items[0].tags.contains(\"a\")",
                true,
            ),
            (
                "response.content.text.json().items[0].tags.contains(\"z\")",
                false,
            ),
            ("response.content.text.json().missing.deep == nil", true),
            ("response.content.text.json().ok", true),
            ("request.queryString.q == \"hello world\"", true),
            ("request.queryString[\"name\"] == \"café\"", true),
            ("request.queryString.tag.contains(\"b\")", true),
            ("request.queryString.tag[*] == \"a\"", true),
            ("request.queryString.tag[1] == \"b\"", true),
            ("request.queryString.empty == \"\"", true),
            ("request.queryString.empty", false),
            ("request.queryString.nope == nil", true),
            ("request.pathSegments[0] == \"json\"", true),
            ("request.pathSegments.contains(\"json\")", true),
            ("request.url.contains(\"tag=a\")", true),
            ("request.targetUri == r\"^/json\\?tag=a\"", true),
            ("..tag[0] == \"a\"", true),
        ],
    );
}

#[test]
fn statuses_and_methods() {
    let es = deletes();
    let statuses: Vec<i64> = es
        .iter()
        .filter_map(|e| e.pointer("/response/status").and_then(Value::as_i64))
        .collect();
    assert!(statuses.contains(&404), "{statuses:?}");
    for e in &es {
        let status = e.pointer("/response/status").and_then(Value::as_i64);
        let method = e
            .pointer("/request/method")
            .and_then(Value::as_str)
            .unwrap_or("");
        check(
            e,
            "http and response.status >= 400",
            status.is_some_and(|s| s >= 400),
        );
        // Regexes are unanchored, as in Mizu: r"4.*" also matches 204.
        let has4 = status.is_some_and(|s| s.to_string().contains('4'));
        check(e, r#"response.status == r"4.*""#, has4);
        check(e, r#"response.status != r"4.*""#, !has4);
        let is4xx = status.is_some_and(|s| (400..500).contains(&s));
        check(e, r#"response.status == r"^4""#, is4xx);
        check(e, &format!("request.method == \"{method}\""), true);
        check(e, r#"request.method == "PUT""#, method == "PUT");
        check(e, "response.status == request.bodySize", false);
        check(e, "response == nil", status.is_none());
    }
}

#[test]
fn forms() {
    let e = form_post();
    check_all(
        &e,
        &[
            ("request.postData.params[0].value == \"José\"", true),
            ("request.postData.params[*].name == \"sym\"", true),
            ("request.postData.params[*].value == \"&=\"", true),
            ("request.postData.mimeType == r\"urlencoded\"", true),
            ("request.headers[\"content-length\"] == \"54\"", true),
            ("response.content.text.json().form[0][1] == \"José\"", true),
        ],
    );
}

fn hand() -> Value {
    json!({
        "protocol": {"name": "http", "version": "2.0", "abbr": "gRPC"},
        "src": {"ip": "10.0.0.1", "port": "5000", "name": "frontend.default"},
        "dst": {"ip": "10.0.0.2", "port": "50051", "name": "carts.sock-shop"},
        "timestamp": 1_795_419_570_000_i64,
        "n": 0, "f": 1.5, "neg": -3, "big": 12_345_678_901_234_i64, "zero": 0.0,
        "t": true, "fl": false, "nul": null, "s": "", "str": "hello", "arr": [], "obj": {},
        "esc": "quote \" backslash \\ tab\t é",
        "nums": [1, 2, 3], "mixed": [1, "two", null, {"k": "v"}, [5]],
        "a": {"b": {"c": {"name": "deep"}}, "name": "shallow", "list": [{"name": "x"}, {"name": "y"}]},
        "request": {
            "headers": {":path": "/shop.Cart/AddFoo", "content-type": "application/grpc", "X-Token": "secret", "Accept": "application/json, text/plain"},
            "trailers": {"Grpc-Status": "0"},
            "path": "/shop.Cart/AddFoo",
            "queue": "test-queue",
        },
        "response": {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "content": {
                "mimeType": "application/json",
                "encoding": "base64",
                // {"user":{"name":"Ada","password":"pw"},"ids":[1,2]}
                "text": "eyJ1c2VyIjp7Im5hbWUiOiJBZGEiLCJwYXNzd29yZCI6InB3In0sImlkcyI6WzEsMl19",
            },
            "xml": "<bookstore><book id=\"1\"><title>Learning XML</title><price>39.95</price></book><book id=\"2\"><title>Harry Potter</title><price>29.99</price></book></bookstore>",
            "xml64": "PGE+PGIgeD0iMSI+aGk8L2I+PC9hPg==",
            "plain": "{\"some\":{\"path\":\"somevalue\"}}",
        },
        "weird key": {"with.dot": 7},
        "CaseKey": 1,
    })
}

#[test]
fn literals_and_nil() {
    check_all(
        &hand(),
        &[
            ("n == 0", true),
            ("n == 0.0", true),
            ("f == 1.5", true),
            ("f > 1", true),
            ("f < 2", true),
            ("neg == -3", true),
            ("neg < -2", true),
            ("-neg == 3", true),
            ("-f == -1.5", true),
            ("big == 12345678901234", true),
            ("big > 1e13", true),
            ("zero == 0", true),
            ("t == true", true),
            ("t != false", true),
            ("fl == false", true),
            ("nul == nil", true),
            ("nul != nil", false),
            ("missing == nil", true),
            ("missing != nil", false),
            ("missing.deeper.still == nil", true),
            ("missing == 0", false),
            ("missing != 0", true),
            ("missing > 0", false),
            ("missing < 0", false),
            ("missing == \"\"", false),
            ("s == \"\"", true),
            ("s == nil", false),
            ("str == 'hello'", true),
            ("str == `hello`", true),
            ("str == \"Hello\"", false),
            ("str > \"hell\"", true),
            ("str < \"help\"", true),
            ("str >= \"hello\" and str <= \"hello\"", true),
            ("str == 5", false),
            ("n == \"0\"", false),
            ("t == 1", false),
            ("esc == \"quote \\\" backslash \\\\ tab\\t é\"", true),
            ("esc.contains(\"\\\"\")", true),
            ("esc == r\"backslash \\\\ tab\"", true),
            ("nil == nil", true),
            ("1 == 1.0", true),
            ("\"a\" < \"b\"", true),
            ("true", true),
            ("false", false),
            ("nil", false),
            ("1", true),
            ("0", false),
            ("\"\"", false),
            ("\"x\"", true),
            ("!nil", true),
            ("-1 < 0", true),
            ("--1 == 1", true),
            ("!!t", true),
        ],
    );
}

#[test]
fn truthiness_of_selectors() {
    check_all(
        &hand(),
        &[
            ("t", true),
            ("fl", false),
            ("nul", false),
            ("missing", false),
            ("s", false),
            ("str", true),
            ("n", false),
            ("f", true),
            ("zero", false),
            ("arr", true),
            ("obj", true),
            ("request", true),
            ("!missing", true),
            ("!str", false),
        ],
    );
}

#[test]
fn selectors() {
    check_all(
        &hand(),
        &[
            ("a.b.c.name == \"deep\"", true),
            ("a[\"b\"]['c'].name == \"deep\"", true),
            ("a.b.c == a.b.c", true),
            ("a.b == a.list", false),
            ("a.list == a.list", true),
            ("a.list[0] == a.list[1]", false),
            ("a.list[0].name == \"x\"", true),
            ("a.list[1].name == \"y\"", true),
            ("a.list[2].name == nil", true),
            ("a.list[-1].name == \"y\"", true),
            ("a.list[-2].name == \"x\"", true),
            ("a.list[-3] == nil", true),
            ("a.list[*].name == \"y\"", true),
            ("a.list.*.name == \"y\"", true),
            ("a.list[*].name == \"z\"", false),
            ("a.list[*].name != \"z\"", true),
            ("a.list[*].name != \"x\"", false),
            ("a.*.name == \"deep\"", false),
            ("a.*.c.name == \"deep\"", true),
            ("a[*] == \"shallow\"", true),
            ("a..name == \"deep\"", true),
            ("a..name == \"x\"", true),
            ("a..name == \"shallow\"", true),
            ("a..name == \"nope\"", false),
            ("..name == \"deep\"", true),
            ("..name == \"frontend.default\"", true),
            ("a.b..name == \"shallow\"", false),
            ("..k == \"v\"", true),
            ("mixed[*] == \"two\"", true),
            ("mixed[*] == nil", true),
            ("mixed[3].k == \"v\"", true),
            ("mixed[4][0] == 5", true),
            ("mixed.contains(\"two\")", true),
            ("mixed.contains(1)", true),
            ("mixed.contains(nil)", true),
            ("mixed.contains(7)", false),
            ("nums.contains(2)", true),
            ("nums[*] > 2", true),
            ("nums[*] > 3", false),
            ("nums[*] == r\"^3$\"", true),
            ("nums == r\"3\"", true),
            ("arr[*] == nil", true),
            ("arr[0] == nil", true),
            ("str[0] == nil", true),
            ("str.x == nil", true),
            ("str.* == nil", true),
            ("..[\"with.dot\"] == 7", true),
            ("CaseKey == 1", true),
            ("casekey == 1", false),
            ("src.name == dst.name", false),
            ("src.port < dst.port", true),
            ("src.ip < dst.ip", true),
        ],
    );
}

#[test]
fn headers_are_case_insensitive() {
    check_all(
        &hand(),
        &[
            (
                "request.headers[\"Content-Type\"] == \"application/grpc\"",
                true,
            ),
            (
                "request.headers[\"content-type\"] == \"application/grpc\"",
                true,
            ),
            ("request.headers[\"CONTENT-TYPE\"] == r\"grpc\"", true),
            ("request.headers[\"x-token\"] == \"secret\"", true),
            ("request.headers.accept == r\"application/json.*\"", true),
            (
                "request.headers[\"Accept\"] == r\"application/json.*\"",
                true,
            ),
            ("request.headers[\":path\"] == r\".*Foo.*\"", true),
            ("request.headers[\":PATH\"] == r\".*foo.*\"", false),
            ("request.trailers[\"grpc-status\"] == \"0\"", true),
            (
                "response.headers[\"content-type\"].contains(\"json\")",
                true,
            ),
            ("grpc and request.headers[\":path\"] == r\".*Foo.*\"", true),
            ("http2 and grpc and http", true),
            // Only under headers/trailers: other keys stay exact.
            ("request.Path == nil", true),
            ("Request.path == nil", true),
        ],
    );
}

#[test]
fn regexes() {
    check_all(
        &hand(),
        &[
            ("str == r\"^h.l+o$\"", true),
            ("str == r\"ell\"", true),
            ("str != r\"ell\"", false),
            ("r\"ell\" == str", true),
            ("str == r\"(?i)HELLO\"", true),
            ("response.status == r\"2.*\"", true),
            ("response.status == r\"^20\\d$\"", true),
            ("f == r\"1\\.5\"", true),
            ("t == r\"true\"", true),
            ("nul == r\".*\"", false),
            ("missing == r\".*\"", false),
            ("missing != r\".*\"", true),
            ("obj == r\".*\"", false),
            ("request.path.startsWith(r\"/sh[o]p\")", true),
            ("request.path.startsWith(r\"Cart\")", false),
            ("request.path.endsWith(r\"Add\\w+\")", true),
            ("request.path.contains(r\"Cart/A\")", true),
            ("dst.name == r\"carts\\..*\"", true),
        ],
    );
}

#[test]
fn helpers() {
    check_all(
        &hand(),
        &[
            ("request.queue.startsWith(\"test\")", true),
            ("request.queue.startsWith(\"queue\")", false),
            ("request.queue.endsWith(\"queue\")", true),
            ("request.queue.contains(\"t-q\")", true),
            ("startsWith(request.queue, \"test\")", true),
            ("endsWith(request.queue, \"x\")", false),
            ("contains(nums, 3)", true),
            ("missing.startsWith(\"\")", false),
            ("str.startsWith(\"\")", true),
            ("response.status.startsWith(\"2\")", true),
            ("str.contains(missing)", false),
            ("request.path.contains(request.queue)", false),
            ("request.queue.contains(request.queue)", true),
            ("!request.queue.startsWith(\"test\")", false),
            // json(): base64 first if the text is not JSON; plain JSON as is.
            ("response.content.text.json().user.name == \"Ada\"", true),
            ("response.content.text.json().ids[1] == 2", true),
            ("response.content.text.json()..password == \"pw\"", true),
            (
                "response.content.text.json()[\"user\"][\"name\"] == \"Ada\"",
                true,
            ),
            ("response.plain.json().some.path == \"somevalue\"", true),
            ("response.plain.json().some.path == \"other\"", false),
            ("response.plain.json().some == nil", false),
            ("str.json() == nil", true),
            ("missing.json().x == nil", true),
            ("a.json().b.c.name == \"deep\"", true),
            // xml()
            (
                "response.xml.xml().bookstore.book[1].title == \"Harry Potter\"",
                true,
            ),
            (
                "response.xml.xml().bookstore.book[0][\"-id\"] == \"1\"",
                true,
            ),
            ("response.xml.xml()..title == \"Learning XML\"", true),
            (
                "response.xml.xml().bookstore.book[*].price == r\"^29\"",
                true,
            ),
            ("response.xml64.xml().a.b[\"#text\"] == \"hi\"", true),
            ("response.xml64.xml().a.b[\"-x\"] == \"1\"", true),
            ("str.xml() == nil", true),
        ],
    );
}

#[test]
fn time_functions() {
    let e = hand(); // timestamp = NOW - 30 s
    check_all(
        &e,
        &[
            ("timestamp >= minutes(-5)", true),
            ("timestamp >= seconds(-10)", false),
            ("timestamp >= seconds(-30)", true),
            ("timestamp >= seconds(-29)", false),
            ("timestamp < now()", true),
            ("timestamp > hours(-1) and timestamp < hours(1)", true),
            ("timestamp > days(-1)", true),
            (
                "timestamp > weeks(-1) and timestamp > months(-1) and timestamp > years(-1)",
                true,
            ),
            ("timestamp <= days(-5)", false),
            ("timestamp >= minutes(-0.5)", true),
            ("now() == 1795419600000", true),
            ("seconds(1) == 1795419601000", true),
            ("years(1) == 1826955600000", true),
            ("timestamp > datetime(\"11/23/2026, 7:39:00.000 AM\")", true),
            ("timestamp < datetime(\"11/23/2026, 7:39:31 AM\")", true),
            (
                "timestamp == datetime(\"11/23/2026, 7:39:30.000 AM\")",
                true,
            ),
            (
                "datetime(\"10/28/2021, 9:13:02.905 PM\") == 1635455582905",
                true,
            ),
        ],
    );
}

#[test]
fn limit_and_queries_metadata() {
    let q = compile("http and limit(100)").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(q.limit(), Some(100));
    assert_eq!(q.source(), "http and limit(100)");
    assert!(q.redactions().is_empty());
    assert_eq!(
        compile("limit(5) and limit(3)")
            .ok()
            .and_then(|q| q.limit()),
        Some(3)
    );
    assert_eq!(compile("http").ok().and_then(|q| q.limit()), None);
    let e = hand();
    check(&e, "limit(0)", true);
    check(&e, "!limit(1)", false);
    check(&e, "missing or limit(1)", true);
    // Empty filters match everything, including non-JSON bytes.
    let empty = compile(" ").unwrap_or_else(|e| panic!("{e}"));
    assert!(empty.matches(&e, &CTX) && empty.matches_json(b"garbage", &CTX));
    assert!(compile("x == 1").is_ok_and(|q| !q.matches_json(b"garbage", &CTX)));
    assert!(compile("x == nil").is_ok_and(|q| q.matches_json(b"[1,2", &CTX)));
}

#[test]
fn redaction() {
    let q = compile(r#"redact("request.headers['x-token']", "response.content.text.json()..password", "src.name", "a.list[*].name", "nope.nothing", "response.plain.json().some.path") and http"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(q.redactions().len(), 6);
    let mut e = hand();
    assert!(q.matches(&e, &CTX));
    mizu_query::redact_value(&mut e, &q);
    assert_eq!(
        e.pointer("/request/headers/X-Token"),
        Some(&json!("[REDACTED]"))
    );
    assert_eq!(
        e.pointer("/request/headers/Accept"),
        Some(&json!("application/json, text/plain"))
    );
    assert_eq!(e.pointer("/src/name"), Some(&json!("[REDACTED]")));
    assert_eq!(e.pointer("/a/list/0/name"), Some(&json!("[REDACTED]")));
    assert_eq!(e.pointer("/a/list/1/name"), Some(&json!("[REDACTED]")));
    assert_eq!(e.pointer("/a/name"), Some(&json!("shallow")));
    // The base64 body is still base64, with the password masked.
    let check_q = compile(r#"response.content.text.json().user.password == "[REDACTED]" and response.content.text.json().user.name == "Ada" and response.plain.json().some.path == "[REDACTED]""#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(check_q.matches(&e, &CTX));
    let text = e
        .pointer("/response/content/text")
        .and_then(Value::as_str)
        .unwrap_or("");
    assert!(!text.starts_with('{'), "still base64: {text}");
    // The free function, with the same paths.
    let mut e2 = hand();
    mizu_query::redact(
        &mut e2,
        &[
            "request.headers.X-Token".to_string(),
            "..password".to_string(),
            "bad((".to_string(),
        ],
    );
    assert_eq!(
        e2.pointer("/request/headers/X-Token"),
        Some(&json!("secret")),
        "X-Token parses as X - Token? no: as X"
    );
    let mut e3 = hand();
    mizu_query::redact(
        &mut e3,
        &[
            "request.headers[\"x-token\"]".to_string(),
            "a..name".to_string(),
        ],
    );
    assert_eq!(
        e3.pointer("/request/headers/X-Token"),
        Some(&json!("[REDACTED]"))
    );
    assert_eq!(e3.pointer("/a/b/c/name"), Some(&json!("[REDACTED]")));
    assert_eq!(e3.pointer("/a/name"), Some(&json!("[REDACTED]")));
}

#[test]
fn raw_bytes_with_whitespace_and_escapes() {
    let text = br#" { "a" : { "b\u0063" : [ 1 , 2.0 , "x\"y" ] , "s\\" : "t\u00e9" } , "n" : -0 , "e" : 1E2 } "#;
    let v: Value = serde_json::from_slice(text).unwrap_or_else(|e| panic!("{e}"));
    for (q, want) in [
        ("a.bc[1] == 2", true),
        ("a.bc[2] == \"x\\\"y\"", true),
        ("a[\"s\\\\\"] == \"té\"", true),
        ("n == 0", true),
        ("n == r\"^-0\"", true),
        ("e == 100", true),
        ("e == r\"100\"", true),
        ("a.bc.contains(2)", true),
        ("a.bc == a.bc", true),
        ("..bc[0] == 1", true),
    ] {
        let c = compile(q).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.matches(&v, &CTX), want, "matches {q}");
        assert_eq!(c.matches_json(text, &CTX), want, "matches_json {q}");
    }
}

#[test]
fn deep_documents_do_not_overflow() {
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let obj = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    for q in [
        "..a == 1",
        "a.a.a == 1",
        "x[*] == 1",
        "a[0] == nil",
        "a.json() == 1",
    ] {
        let c = compile(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        let _ = c.matches_json(deep.as_bytes(), &CTX);
        let _ = c.matches_json(obj.as_bytes(), &CTX);
    }
}
