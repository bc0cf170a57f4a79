//! The facet prefilter is exact where it answers: for every real entry in
//! `testdata/*/*.expected.jsonl` (every protocol) and a table of filters, and for random
//! filters over the faceted paths on random entries, "prefilter, else evaluate" gives
//! exactly `matches_json`, and a `True`/`False` from the prefilter is itself that answer.

use mizu_query::{EvalContext, Query, Tri, compile, facets, top_index};
use proptest::prelude::*;
use serde_json::{Value, json};

const CTX: EvalContext = EvalContext {
    now_ms: 1_795_419_600_000,
};

/// Every entry line of every expected output, as stored (compact, `"id"` first).
fn real_entries() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let mut files = Vec::new();
    for d in std::fs::read_dir(&root).expect("testdata").flatten() {
        for f in std::fs::read_dir(d.path()).into_iter().flatten().flatten() {
            if f.path().to_string_lossy().ends_with(".expected.jsonl") {
                files.push(f.path());
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for (n, f) in files.iter().enumerate() {
        let text = std::fs::read_to_string(f).expect("read");
        for (k, line) in text.lines().enumerate() {
            if let Some(rest) = line.strip_prefix('{') {
                let id = format!(r#"{{"id":"{:024}","#, n * 10_000 + k);
                out.push(format!("{id}{rest}").into_bytes());
            }
        }
    }
    out
}

/// The filter table: macros, every faceted path with every kind of literal and
/// operator, nil, regexes, helpers, logic, and filters facets cannot help with.
const FILTERS: &[&str] = &[
    "",
    "http",
    "http2",
    "grpc",
    "gql",
    "amqp",
    "kafka",
    "redis",
    "dns",
    "ws",
    "websocket and request.from == \"server\"",
    "!http",
    "http or redis",
    "http and !http2",
    "!(http or kafka) and !redis",
    "http and response.status >= 400",
    "http and response.status < 300",
    r#"http and request.path == "/catalogue""#,
    r#"http and request.path == "/json""#,
    r#"http and request.path != "/json""#,
    "response.status == 500",
    "response.status == 200",
    "response.status != 200",
    "response.status >= 400",
    "response.status > 199 and response.status <= 299",
    "response.status == 200.0",
    "response.status == 404.5",
    "response.status > 199.5",
    r#"response.status == "200""#,
    "response.status == nil",
    "response.status != nil",
    "response.status",
    "!response.status",
    r#"response.status == r"4.*""#,
    r#"response.status != r"^2""#,
    r#"response.status == r"^\d+$""#,
    "response.status == true",
    "-response.status == -200",
    "response.status == response.status",
    r#"response.status.startsWith("2")"#,
    "200 == response.status",
    "(response.status == 200) == true",
    r#"request.method == "POST" and request.path == "/upload""#,
    r#"request.method == "GET""#,
    r#"request.method == "get""#,
    r#"request.method != "GET""#,
    r#"request.method == r"^(PUT|PATCH|DELETE)$""#,
    r#"request.method == r"(?i)^get$""#,
    r#"request.method.startsWith("Basic")"#,
    r#"request.method.contains("ET")"#,
    "request.method == nil",
    "request.method",
    r#"request.method > "M""#,
    r#"request.path == "/""#,
    r#"request.path != "/""#,
    "request.path == nil",
    "request.path == 5",
    "request.path != false",
    r#"request.path == r"^/j""#,
    r#"request.path.startsWith("/")"#,
    r#""/json" == request.path"#,
    "request.path",
    r#"protocol.abbr == "gRPC""#,
    r#"protocol.abbr == "HTTP/2""#,
    r#"protocol.abbr != "REDIS""#,
    r#"protocol.version == "2.0""#,
    r#"protocol.version == "2""#,
    "protocol.version == 2",
    r#"protocol.version > "1""#,
    r#"protocol.name == r"^(http|kafka)$""#,
    r#"protocol.name == "HTTP""#,
    "protocol.name == nil",
    r#"src.name == """#,
    r#"dst.name == "svc""#,
    r#"dst.name != """#,
    r#"src.ip == "10.250.0.12""#,
    r#"dst.ip == "10.250.0.11" and dst.port == "8080""#,
    "dst.port == 8080",
    r#"dst.port == "9092" or dst.port == "6379""#,
    r#"dst.port.endsWith("92")"#,
    r#"request.headers["User-Agent"] == "nobody""#,
    r#"request.headers["User-Agent"] == "nobody" and http"#,
    r#"http and request.headers["user-agent"].startsWith("curl")"#,
    r#"redis and request.command == "GET""#,
    r#"kafka and request.apiKeyName == "Produce""#,
    "amqp and response.status == nil",
    "http and limit(5)",
    "limit(3)",
    r#"redact("request.headers") and http"#,
    "true",
    "false",
    "1 == 1",
    "nil == nil",
    "response.status > now()",
    "timestamp > minutes(-5) or http",
    "(http and (response.status == 200 or (response.status == 404 and !http2))) or (kafka and protocol.version == \"3\")",
    r#"!(request.path == "/" or request.path == "/json") and http"#,
    "response.status == 200 and request.path == nil",
    r#"..status == 200"#,
    r#"response.status == request.path"#,
    r#"protocol.name == protocol.abbr"#,
    r#"request.method == "GET" or request.path == "/big""#,
];

/// Prefiltered result (`True`/`False` as said, else full evaluation), and whether the
/// prefilter decided.
fn prefiltered(q: &Query, json: &[u8]) -> (bool, Tri) {
    let f = facets(json);
    let t = q.prefilter(&f);
    let got = q.matches_faceted(json, &top_index(json), &f, &CTX);
    (got, t)
}

#[test]
fn prefilter_agrees_with_matches_json_on_every_real_entry() {
    let entries = real_entries();
    assert!(entries.len() > 500, "only {} entries", entries.len());
    assert!(FILTERS.len() >= 60);
    let (mut decided, mut total, mut matched) = (0usize, 0usize, 0usize);
    for src in FILTERS {
        let q = compile(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        for json in &entries {
            let want = q.matches_json(json, &CTX);
            let (got, t) = prefiltered(&q, json);
            assert_eq!(got, want, "{src} on {}", String::from_utf8_lossy(json));
            match t {
                Tri::True => assert!(want, "prefilter True but no match: {src}"),
                Tri::False => assert!(!want, "prefilter False but a match: {src}"),
                Tri::Unknown => {}
            }
            decided += usize::from(t != Tri::Unknown);
            matched += usize::from(want);
            total += 1;
        }
    }
    // Not vacuous: most answers come from the facets, and many records match.
    assert!(decided * 10 > total * 7, "decided {decided} of {total}");
    assert!(matched * 10 > total, "matched {matched} of {total}");
}

#[test]
fn prefilter_decides_what_it_should() {
    let entries = real_entries();
    for (src, always_decided) in [
        ("http", true),
        ("http and response.status >= 400", true),
        (r#"http and request.path == "/catalogue""#, true),
        ("response.status == 500", true),
        (
            r#"request.method == "POST" and request.path == "/upload""#,
            true,
        ),
        (r#"protocol.abbr == "gRPC""#, true),
        (r#"response.status == r"4.*""#, true),
        (r#"request.headers["User-Agent"] == "nobody""#, false),
    ] {
        let q = compile(src).expect("filter");
        assert_eq!(q.has_prefilter(), always_decided, "{src}");
        let undecided: Vec<&Vec<u8>> = entries
            .iter()
            .filter(|j| q.prefilter(&facets(j)) == Tri::Unknown)
            .collect();
        if always_decided {
            // Only a path hash match stays undecided (to be verified on the bytes),
            // and no two distinct paths of these fixtures collide.
            assert!(
                undecided.iter().all(|j| q.matches_json(j, &CTX)),
                "{src}: undecided non-matches"
            );
        } else {
            assert_eq!(undecided.len(), entries.len(), "{src}");
        }
    }
    // A hash match is only a candidate: verified on the bytes.
    let q = compile(r#"request.path == "/json""#).expect("filter");
    let hits = entries
        .iter()
        .filter(|j| q.prefilter(&facets(j)) == Tri::Unknown)
        .count();
    let real = entries.iter().filter(|j| q.matches_json(j, &CTX)).count();
    assert!(
        real > 0 && hits == real,
        "{hits} candidates for {real} matches"
    );
}

#[test]
fn malformed_and_odd_values() {
    let docs: &[&[u8]] = &[
        b"",
        b"{",
        b"[1,2]",
        br#"{"protocol":{"name":"http","name":"redis"}}"#,
        br#"{"protocol":{"n\u0061me":"http"}}"#,
        br#"{"protocol":{"name":"ht\u0074p"}}"#,
        br#"{"protocol":"http"}"#,
        br#"{"protocol":{"name":["http"]}}"#,
        br#"{"response":{"status":"500"}}"#,
        br#"{"response":{"status":5e2}}"#,
        br#"{"response":{"status":500.0}}"#,
        br#"{"response":{"status":200.0}}"#,
        br#"{"response":{"status":-0}}"#,
        br#"{"response":{"status":99999999999999999999}}"#,
        br#"{"response":{"status":null}}"#,
        br#"{"response":{"status":[500]}}"#,
        br#"{"response":{"status":true}}"#,
        br#"{"response":{"status":1023}}"#,
        br#"{"response":{"status":1024}}"#,
        br#"{"request":{"path":"/\u0063atalogue"}}"#,
        br#"{"request":{"path":null,"method":null}}"#,
        br#"{"request":{"path":["/"],"method":{}}}"#,
        br#"{"request":{"path":5}}"#,
        br#"{"src":{"name":""},"dst":{"name":"svc","port":8080}}"#,
        br#"{"protocol":{"name":"http"},"response":{"status":500},"protocol":{"name":"kafka"}}"#,
    ];
    for src in FILTERS {
        let q = compile(src).expect("filter");
        for json in docs {
            let want = q.matches_json(json, &CTX);
            let (got, _) = prefiltered(&q, json);
            assert_eq!(got, want, "{src} on {}", String::from_utf8_lossy(json));
        }
    }
}

// Random filters from a small grammar over the faceted paths (and a few others), on
// random entries whose faceted fields take every kind of value.

fn path() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("protocol.name"),
        Just("protocol.abbr"),
        Just("protocol.version"),
        Just("request.method"),
        Just("response.status"),
        Just("request.path"),
        Just("src.name"),
        Just("dst.name"),
        Just("src.ip"),
        Just("dst.ip"),
        Just("dst.port"),
        Just("request.headers.Host"),
        Just("timestamp"),
    ]
}

fn string_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("http".to_string()),
        Just("HTTP".into()),
        Just("gRPC".into()),
        Just("2.0".into()),
        Just("2".into()),
        Just("GET".into()),
        Just("POST".into()),
        Just("/".into()),
        Just("/json".into()),
        Just("200".into()),
        Just(String::new()),
        "[a-z/0-9.]{0,4}",
    ]
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("nil".to_string()),
        Just("true".into()),
        Just("false".into()),
        (-2i64..700).prop_map(|i| i.to_string()),
        Just("1024".into()),
        Just("200.0".into()),
        Just("399.5".into()),
        Just("-0.0".into()),
        string_value().prop_map(|s| format!("{s:?}")),
        prop_oneof![
            Just(r#"r"4.*""#),
            Just(r#"r"^2""#),
            Just(r#"r"(?i)get""#),
            Just(r#"r"^/""#),
            Just(r#"r"TP""#),
            Just(r#"r"""#),
            Just(r#"r"^\d+$""#),
        ]
        .prop_map(str::to_string),
    ]
}

fn atom() -> impl Strategy<Value = String> {
    let ops = prop_oneof![
        Just("=="),
        Just("!="),
        Just(">"),
        Just(">="),
        Just("<"),
        Just("<=")
    ];
    prop_oneof![
        4 => (path(), ops.clone(), literal()).prop_map(|(p, o, l)| format!("{p} {o} {l}")),
        1 => (literal(), ops, path()).prop_map(|(l, o, p)| format!("{l} {o} {p}")),
        1 => path().prop_map(str::to_string),
        1 => (path(), prop_oneof![Just("startsWith"), Just("endsWith"), Just("contains")], string_value())
            .prop_map(|(p, h, s)| format!("{p}.{h}({s:?})")),
        1 => (path(), path()).prop_map(|(a, b)| format!("{a} == {b}")),
        1 => prop_oneof![Just("http"), Just("http2"), Just("grpc"), Just("redis"), Just("limit(2)")]
            .prop_map(str::to_string),
    ]
}

fn filter() -> impl Strategy<Value = String> {
    atom().prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
            inner.prop_map(|a| format!("!({a})")),
        ]
    })
}

fn field_value() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(Value::Null)),
        4 => string_value().prop_map(|s| Some(Value::from(s))),
        2 => prop_oneof![Just(200i64), Just(404), Just(500), Just(0), Just(1023), Just(1024), Just(-1)]
            .prop_map(|i| Some(Value::from(i))),
        1 => Just(Some(json!(200.0))),
        1 => Just(Some(json!(true))),
        1 => Just(Some(json!(["GET"]))),
        1 => Just(Some(json!({"a": 1}))),
    ]
}

fn entry() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(field_value(), 13).prop_map(|vals| {
        let paths = [
            ("protocol", "name"),
            ("protocol", "abbr"),
            ("protocol", "version"),
            ("request", "method"),
            ("response", "status"),
            ("request", "path"),
            ("src", "name"),
            ("dst", "name"),
            ("src", "ip"),
            ("dst", "ip"),
            ("dst", "port"),
            ("request", "headers"),
            ("timestamp", ""),
        ];
        let mut doc = serde_json::Map::new();
        for ((a, b), v) in paths.iter().zip(vals) {
            let Some(v) = v else { continue };
            if b.is_empty() {
                doc.insert((*a).to_owned(), v);
                continue;
            }
            let v = if *b == "headers" {
                json!({ "Host": v })
            } else {
                v
            };
            let o = doc.entry(*a).or_insert_with(|| json!({}));
            if let Some(o) = o.as_object_mut() {
                o.insert((*b).to_owned(), v);
            }
        }
        serde_json::to_vec(&Value::Object(doc)).expect("json")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Random filters over the faceted paths agree with `matches_json` on random
    /// entries, and a decided prefilter is the answer itself.
    #[test]
    fn random_filters_agree(src in filter(), json in entry()) {
        let q = compile(&src).expect("grammar makes valid filters");
        let want = q.matches_json(&json, &CTX);
        let (got, t) = prefiltered(&q, &json);
        prop_assert_eq!(got, want, "{} on {}", src, String::from_utf8_lossy(&json));
        if t != Tri::Unknown {
            prop_assert_eq!(t == Tri::True, want, "{} decided wrongly", src);
        }
    }
}

/// A protocol the facet tables do not list (added as one folder and one registry line)
/// is still decided by the protocol macros of the others: its name is *unlisted*, which
/// `protocol.name == "http"` answers exactly; a filter naming the new protocol itself
/// stays undecided and is evaluated in full.
#[test]
fn an_unlisted_protocol_is_decided_by_equality_filters() {
    let doc =
        br#"{"protocol":{"name":"statsd","abbr":"STATSD","version":"1.0"},"request":{"name":"x"}}"#;
    let f = facets(doc);
    for (src, want) in [
        (r#"protocol.name == "http""#, Tri::False),
        (r#"protocol.name != "http""#, Tri::True),
        (
            r#"protocol.name == "http" or protocol.name == "redis""#,
            Tri::False,
        ),
        (r#"protocol.name == "statsd""#, Tri::Unknown),
        (r#"protocol.name == r"st.*""#, Tri::Unknown),
        (r#"protocol.name.startsWith("http")"#, Tri::Unknown),
    ] {
        let q = compile(src).expect("filter");
        assert_eq!(q.prefilter(&f), want, "{src}");
        if want != Tri::Unknown {
            assert_eq!(q.matches_json(doc, &CTX), want == Tri::True, "{src}");
        }
    }
}
