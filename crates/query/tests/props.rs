//! Property tests: printing an AST and parsing it back is the identity; evaluating on
//! raw bytes agrees with evaluating on the parsed value; nothing panics.

use mizu_query::ast::{self, BinaryOp, Expr, Root, Segment, Selector, UnaryOp};
use mizu_query::{EvalContext, compile};
use proptest::prelude::*;
use serde_json::Value;

const KEYWORDS: &[&str] = &["and", "or", "true", "false", "nil"];

fn ident() -> impl Strategy<Value = String> {
    "[a-zA-Z_$][a-zA-Z0-9_$]{0,6}".prop_filter("keyword", |s| !KEYWORDS.contains(&s.as_str()))
}

fn any_name() -> impl Strategy<Value = String> {
    prop_oneof![
        ident(),
        "[a-z]{1,4}",
        any::<String>(),
        Just(String::new()),
        Just("and".into()),
        Just("X-Header".into()),
        Just(":path".into())
    ]
}

fn regex_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r"application/json.*".to_string()),
        Just(r".*foo.*".into()),
        Just(r"4.*".into()),
        Just(r"\d+\.json".into()),
        Just(r#"a"b"#.into()),
        Just(r"it's".into()),
        Just(r#"x"y'z"#.into()),
        Just(r"^(?i)get|post$".into()),
        Just(r"[a-z]+\\".into()),
        "[a-z0-9 ]{0,8}",
    ]
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        Just(Expr::Nil),
        any::<bool>().prop_map(Expr::Bool),
        any::<i64>().prop_map(Expr::Int),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(Expr::Float),
        any::<String>().prop_map(Expr::Str),
        regex_text().prop_map(Expr::Regex),
        selector(Just(Expr::Int(1)).boxed()).prop_map(Expr::Selector),
        Just(Expr::Call {
            name: "now".into(),
            args: vec![]
        }),
        (
            prop_oneof![
                Just("seconds"),
                Just("minutes"),
                Just("hours"),
                Just("days"),
                Just("weeks"),
                Just("months"),
                Just("years")
            ],
            -1000i64..1000
        )
            .prop_map(|(n, v)| Expr::Call {
                name: n.into(),
                args: vec![Expr::Int(v)]
            }),
        (0i64..1000).prop_map(|n| Expr::Call {
            name: "limit".into(),
            args: vec![Expr::Int(n)]
        }),
        Just(Expr::Call {
            name: "datetime".into(),
            args: vec![Expr::Str("10/28/2021, 9:13:02.905 PM".into())]
        }),
        prop::collection::vec(selector(Just(Expr::Str("x".into())).boxed()), 1..3).prop_map(
            |sels| Expr::Call {
                name: "redact".into(),
                args: sels.iter().map(|s| Expr::Str(s.to_string())).collect(),
            }
        ),
    ]
}

fn segment() -> impl Strategy<Value = Segment> {
    prop_oneof![
        any_name().prop_map(Segment::Key),
        any::<i64>().prop_map(Segment::Index),
        Just(Segment::Wildcard),
        any_name().prop_map(Segment::Descent),
        prop_oneof![Just("json"), Just("xml")].prop_map(|n| Segment::Call {
            name: n.into(),
            args: vec![]
        }),
    ]
}

fn selector(arg: BoxedStrategy<Expr>) -> impl Strategy<Value = Selector> {
    (
        prop_oneof![
            ident().prop_map(Root::Field),
            any_name().prop_map(Root::Descent)
        ],
        prop::collection::vec(segment(), 0..4),
        prop::option::of((
            prop_oneof![Just("startsWith"), Just("endsWith"), Just("contains")],
            arg,
        )),
    )
        .prop_map(|(root, mut segments, pred)| {
            if let Some((name, a)) = pred {
                segments.push(Segment::Call {
                    name: name.into(),
                    args: vec![a],
                });
            }
            Selector { root, segments }
        })
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 32, 3, |inner| {
        prop_oneof![
            (
                prop_oneof![Just(UnaryOp::Not), Just(UnaryOp::Neg)],
                inner.clone()
            )
                .prop_map(|(op, e)| Expr::Unary {
                    op,
                    expr: Box::new(e)
                }),
            (
                prop_oneof![
                    Just(BinaryOp::And),
                    Just(BinaryOp::Or),
                    Just(BinaryOp::Eq),
                    Just(BinaryOp::Ne),
                    Just(BinaryOp::Gt),
                    Just(BinaryOp::Ge),
                    Just(BinaryOp::Lt),
                    Just(BinaryOp::Le)
                ],
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, l, r)| Expr::Binary {
                    op,
                    lhs: Box::new(l),
                    rhs: Box::new(r)
                }),
            selector(inner.clone().boxed()).prop_map(Expr::Selector),
            (
                prop_oneof![Just("startsWith"), Just("contains")],
                inner.clone(),
                inner
            )
                .prop_map(|(n, a, b)| Expr::Call {
                    name: n.into(),
                    args: vec![a, b]
                }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn print_then_parse_is_identity(e in expr()) {
        let printed = e.to_string();
        let back = ast::parse(&printed);
        prop_assert!(back.is_ok(), "{printed}: {:?}", back.err());
        prop_assert_eq!(back.ok(), Some(e), "{}", printed);
        // What parses also compiles.
        prop_assert!(compile(&printed).is_ok(), "{printed}");
    }

    #[test]
    fn arbitrary_text_never_panics(s in any::<String>()) {
        let _ = compile(&s);
    }

    #[test]
    fn filter_like_text_never_panics(s in r#"[a-z.\[\]()"'`r*!=<>&| 0-9,-]{0,40}"#) {
        if let Ok(q) = compile(&s) {
            let e: Value = serde_json::from_str(FIXTURE_SAMPLE).unwrap_or(Value::Null);
            let ctx = EvalContext { now_ms: 0 };
            let raw = q.matches_json(FIXTURE_SAMPLE.as_bytes(), &ctx);
            prop_assert_eq!(q.matches(&e, &ctx), raw, "{}", s);
            let index = mizu_query::top_index(FIXTURE_SAMPLE.as_bytes());
            prop_assert_eq!(q.matches_json_indexed(FIXTURE_SAMPLE.as_bytes(), &index, &ctx), raw, "{}", s);
        }
    }
}

const FIXTURE_SAMPLE: &str = r#"{"a":{"b":[1,"x",{"c":null}],"headers":{"X-A":"1"}},"b":"eyJrIjoxfQ==","r":"<a><b>1</b></a>","t":true}"#;

fn fixtures() -> Vec<(Value, Vec<u8>)> {
    let mut out = Vec::new();
    for text in [
        include_str!("../../../testdata/http1/01-keepalive-bridge.expected.jsonl"),
        include_str!("../../../testdata/http1/03-encodings.expected.jsonl"),
        include_str!("../../../testdata/http1/05-delete-404-head-304.expected.jsonl"),
        include_str!("../../../testdata/http1/07-expect-continue.expected.jsonl"),
        include_str!("../../../testdata/http1/08-chunked-upload-trailers.expected.jsonl"),
        include_str!("../../../testdata/http1/09-forms-multipart-cookies.expected.jsonl"),
        include_str!("../../../testdata/http1/13-snaplen-200.expected.jsonl"),
        include_str!("../../../testdata/http1/15-websocket-upgrade.expected.jsonl"),
    ] {
        for line in text.lines() {
            if let Ok(v) = serde_json::from_str::<Value>(line) {
                out.push((v, line.as_bytes().to_vec()));
            }
        }
    }
    out
}

fn path() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "protocol.name",
        "protocol.abbr",
        "request.path",
        "request.method",
        "response.status",
        "request.headers[\"accept\"]",
        "request.headers.Accept",
        "request.headers[\"HOST\"]",
        "response.headers[\"content-type\"]",
        "response.headers[*]",
        "request.headers.*",
        "request.pathSegments[0]",
        "request.pathSegments[-1]",
        "request.pathSegments[*]",
        "request.queryString.tag",
        "request.queryString[*]",
        "..name",
        "..value",
        "request..name",
        "response.content.text",
        "response.content.text.json().ok",
        "response.content.text.json()..name",
        "response.content.text.json().items[*].id",
        "request.postData.text",
        "request.postData.params[*].name",
        "request.postData.text.json()..name",
        "response.content.size",
        "timestamp",
        "elapsedMicros",
        "dst.port",
        "src.ip",
        "truncated",
        "gap",
        "diagnostics",
        "diagnostics[0]",
        "response.informational",
        "request.trailers[*]",
        "request.cookies[*]",
        "response.cookies",
        "missing.field",
        "request",
        "response.content.text.xml()..b",
    ])
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "\"http\"",
            "\"HTTP\"",
            "\"/\"",
            "\"/json\"",
            "\"GET\"",
            "\"POST\"",
            "200",
            "404",
            "400",
            "1.5",
            "0",
            "nil",
            "true",
            "false",
            "\"\"",
            "\"*/*\"",
            "\"a\"",
            "\"item-1\"",
            "r\"^4\"",
            "r\"json\"",
            "r\".*\"",
            "r\"2.*\"",
            "\"8080\"",
            "1795419578356",
            "minutes(-5)",
            "now()",
        ])
        .prop_map(str::to_string),
        any::<i32>().prop_map(|i| i.to_string()),
    ]
}

fn condition() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            path(),
            prop::sample::select(vec!["==", "!=", ">", ">=", "<", "<="]),
            literal()
        )
            .prop_map(|(p, op, l)| format!("{p} {op} {l}")),
        (path(), path()).prop_map(|(a, b)| format!("{a} == {b}")),
        path().prop_map(str::to_string),
        (
            path(),
            prop::sample::select(vec!["startsWith", "endsWith", "contains"]),
            literal()
        )
            .prop_map(|(p, f, l)| format!("{p}.{f}({l})")),
        prop::sample::select(vec![
            "http",
            "http2",
            "grpc",
            "limit(3)",
            "redact(\"request.path\")"
        ])
        .prop_map(str::to_string),
    ]
}

fn query() -> impl Strategy<Value = String> {
    let leaf = condition();
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec!["and", "or"]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a}) {op} ({b})")),
            inner.prop_map(|a| format!("!({a})")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn raw_and_parsed_agree(q in query()) {
        let compiled = compile(&q);
        prop_assert!(compiled.is_ok(), "{q}: {:?}", compiled.err());
        let Ok(compiled) = compiled else { return Ok(()) };
        let ctx = EvalContext { now_ms: 1_795_419_600_000 };
        for (value, bytes) in fixtures() {
            let raw = compiled.matches_json(&bytes, &ctx);
            prop_assert_eq!(compiled.matches(&value, &ctx), raw, "{}", q);
            let index = mizu_query::top_index(&bytes);
            prop_assert_eq!(compiled.matches_json_indexed(&bytes, &index, &ctx), raw, "indexed {}", q);
        }
    }
}
