//! Parser tables: what parses, how it groups (printed back canonically), and where the
//! errors point.

use mizu_query::ast::{self, BinaryOp, Expr, Root, Segment, Selector};
use mizu_query::{QueryError, compile, validate};

/// `(input, canonical print)`.
const CANONICAL: &[(&str, &str)] = &[
    // Mizu's documented examples.
    (
        r#"http and request.path == "/catalogue""#,
        r#"http and request.path == "/catalogue""#,
    ),
    (
        r#"request.path!="/health" and request.path!="/""#,
        r#"request.path != "/health" and request.path != "/""#,
    ),
    (
        r#"http and request.headers["Accept"] == r"application/json.*""#,
        r#"http and request.headers.Accept == r"application/json.*""#,
    ),
    (
        "http and response.status >= 400",
        "http and response.status >= 400",
    ),
    (
        "http and response.status == r\"4.*\"",
        "http and response.status == r\"4.*\"",
    ),
    (
        r#"timestamp < datetime("10/28/2021, 9:13:02.905 PM")"#,
        r#"timestamp < datetime("10/28/2021, 9:13:02.905 PM")"#,
    ),
    (
        r#"(http and request.method == "PUT") or (amqp and request.queue.startsWith("test")) or (kafka and response.payload.errorCode == 2) or (redis and request.key == "example") or (grpc and request.headers[":path"] == r".*foo.*")"#,
        r#"(http and request.method == "PUT") or (amqp and request.queue.startsWith("test")) or (kafka and response.payload.errorCode == 2) or (redis and request.key == "example") or (grpc and request.headers[":path"] == r".*foo.*")"#,
    ),
    (
        r#"dst.name == "carts.sock-shop""#,
        r#"dst.name == "carts.sock-shop""#,
    ),
    (
        r#"http and (request.query["x"] == response.headers["y"] or response.content.text.contains(request.query["x"]))"#,
        r#"http and (request.query.x == response.headers.y or response.content.text.contains(request.query.x))"#,
    ),
    (
        r#"request.path.startsWith("something")"#,
        r#"request.path.startsWith("something")"#,
    ),
    (
        r#"response.content.text.json().some.path == "somevalue""#,
        r#"response.content.text.json().some.path == "somevalue""#,
    ),
    (
        r#"redact("request.path", "src.name")"#,
        r#"redact("request.path", "src.name")"#,
    ),
    ("timestamp >= minutes(-5)", "timestamp >= minutes(-5)"),
    ("timestamp <= days(-5)", "timestamp <= days(-5)"),
    ("http and limit(100)", "http and limit(100)"),
    (
        r#"response.body.json()..name == "Chevrolet""#,
        r#"response.body.json()..name == "Chevrolet""#,
    ),
    (
        r#"response.body.xml().bookstore.book[1].title == "Harry Potter""#,
        r#"response.body.xml().bookstore.book[1].title == "Harry Potter""#,
    ),
    (
        r#"request.headers["a"] == "b" and request.path[1] == "v1""#,
        r#"request.headers.a == "b" and request.path[1] == "v1""#,
    ),
    ("model != nil", "model != nil"),
    (
        r#"!brand.name.startsWith("Chev")"#,
        r#"!brand.name.startsWith("Chev")"#,
    ),
    (
        r#"!request.path.startsWith("/health") and http and dst.name != "pgadmin.development""#,
        r#"!request.path.startsWith("/health") and http and dst.name != "pgadmin.development""#,
    ),
    (
        r#"redact("request.headers['X-Token']","request.postData.text.json()...password")"#,
        r#"redact("request.headers['X-Token']", "request.postData.text.json()...password")"#,
    ),
    // and/or: same level, right-associative.
    ("a and b or c", "a and (b or c)"),
    ("(a and b) or c", "(a and b) or c"),
    ("a and (b or c)", "a and (b or c)"),
    ("a or b and c", "a or (b and c)"),
    ("((a))", "a"),
    ("a or b or c", "a or b or c"),
    ("a and b and c", "a and b and c"),
    ("(a or b) or c", "(a or b) or c"),
    ("a && b || c", "a and (b or c)"),
    // Equality binds tighter than logic, comparison tighter than equality.
    ("a == 1 and b != 2", "a == 1 and b != 2"),
    ("a > 1 == true", "a > 1 == true"),
    ("a == b > 1", "a == b > 1"),
    ("(a == b) > 1", "(a == b) > 1"),
    ("a == b == c", "a == b == c"),
    ("(a == b) == c", "(a == b) == c"),
    ("a < b < c", "a < b < c"),
    ("(a < b) < c", "(a < b) < c"),
    ("(a or b) == true", "(a or b) == true"),
    // Unary.
    ("!a", "!a"),
    ("!!a", "!!a"),
    ("!(a and b)", "!(a and b)"),
    ("!a and b", "!a and b"),
    ("-a", "-a"),
    ("-5", "-5"),
    ("- 5", "-5"),
    ("-(5)", "-(5)"),
    ("--5", "-(-5)"),
    ("-2.5", "-2.5"),
    ("!-1", "!-1"),
    ("-a > -1", "-a > -1"),
    ("!a == b", "!a == b"),
    // Literals.
    ("1", "1"),
    ("0", "0"),
    ("1.5", "1.5"),
    ("1e3", "1000.0"),
    ("2.5E-3", "0.0025"),
    ("9223372036854775807", "9223372036854775807"),
    ("-9223372036854775808", "-9223372036854775808"),
    (r#""double""#, r#""double""#),
    ("'single'", r#""single""#),
    ("`back\\tick`", r#""back\\tick""#),
    (
        r#""esc \" \\ \n \t \u00e9 \u{1F600}""#,
        "\"esc \\\" \\\\ \\n \\t é 😀\"",
    ),
    (r#"'it\'s'"#, r#""it's""#),
    (r#""unknown \d escape""#, r#""unknown \\d escape""#),
    (r#"r"a.*b""#, r#"r"a.*b""#),
    (r#"r'x"y'"#, r#"r'x"y'"#),
    (r#"r"\d+\.json""#, r#"r"\d+\.json""#),
    ("r`[a-z]+`", r#"r"[a-z]+""#),
    ("true", "true"),
    ("false", "false"),
    ("nil", "nil"),
    ("x == \"\"", "x == \"\""),
    // Selectors.
    ("request", "request"),
    ("request.headers", "request.headers"),
    ("request.pathSegments[0]", "request.pathSegments[0]"),
    ("request.pathSegments[-1]", "request.pathSegments[-1]"),
    (
        r#"request.headers["X-Header"]"#,
        r#"request.headers["X-Header"]"#,
    ),
    ("request.headers['k']", "request.headers.k"),
    ("request.headers[*]", "request.headers[*]"),
    ("request.headers.*", "request.headers[*]"),
    ("request..name", "request..name"),
    ("..name", "..name"),
    (r#"..["a b"]"#, r#"..["a b"]"#),
    ("a...b", "a..b"),
    ("a.b.c.d.e", "a.b.c.d.e"),
    ("a[0][1][*].b", "a[0][1][*].b"),
    ("a.and.or.true.false.nil", "a.and.or.true.false.nil"),
    ("$a._b", "$a._b"),
    (r#"a[""]"#, r#"a[""]"#),
    ("a.json()", "a.json()"),
    ("a.xml().b[0]", "a.xml().b[0]"),
    ("a.json()[*].b", "a.json()[*].b"),
    ("a.endsWith(\"x\")", "a.endsWith(\"x\")"),
    ("a.contains(b.c)", "a.contains(b.c)"),
    ("a.contains(r\"x+\")", "a.contains(r\"x+\")"),
    ("a == b", "a == b"),
    // Free functions.
    ("now()", "now()"),
    ("now() > 0", "now() > 0"),
    ("seconds(1) hours(2)", ""), // placeholder, filtered below (error case)
    ("weeks(-1.5) < months(1)", "weeks(-1.5) < months(1)"),
    ("years(-1) < timestamp", "years(-1) < timestamp"),
    (
        "startsWith(request.path, \"/a\")",
        "startsWith(request.path, \"/a\")",
    ),
    ("contains(a, 1)", "contains(a, 1)"),
    ("limit(0)", "limit(0)"),
    // Whitespace and newlines.
    ("  a\n  and\tb  ", "a and b"),
];

#[test]
fn canonical_prints() {
    let mut bad = Vec::new();
    for (src, want) in CANONICAL {
        if let Ok(e) = ast::parse(src)
            && !want.is_empty()
            && e.to_string() != *want
        {
            bad.push(format!("{src}\n   got  {e}\n   want {want}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    for (src, want) in CANONICAL {
        if want.is_empty() {
            assert!(ast::parse(src).is_err(), "{src} should not parse");
            continue;
        }
        let e = ast::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(e.to_string(), *want, "print of {src}");
        let again = ast::parse(want).unwrap_or_else(|e| panic!("{want}: {e}"));
        assert_eq!(again, e, "round trip of {src}");
        // Everything in the table also compiles (macros expanded).
        compile(src).unwrap_or_else(|e| panic!("compile {src}: {e}"));
    }
}

fn sel(root: &str, segs: Vec<Segment>) -> Expr {
    Expr::Selector(Selector {
        root: Root::Field(root.into()),
        segments: segs,
    })
}

fn bin(op: BinaryOp, l: Expr, r: Expr) -> Expr {
    Expr::Binary {
        op,
        lhs: Box::new(l),
        rhs: Box::new(r),
    }
}

#[test]
fn tree_shapes() {
    let a = || sel("a", vec![]);
    let b = || sel("b", vec![]);
    let c = || sel("c", vec![]);
    assert_eq!(
        ast::parse("a and b or c").ok(),
        Some(bin(BinaryOp::And, a(), bin(BinaryOp::Or, b(), c())))
    );
    assert_eq!(
        ast::parse("a or b and c").ok(),
        Some(bin(BinaryOp::Or, a(), bin(BinaryOp::And, b(), c())))
    );
    assert_eq!(
        ast::parse("a == 1 or b").ok(),
        Some(bin(BinaryOp::Or, bin(BinaryOp::Eq, a(), Expr::Int(1)), b()))
    );
    assert_eq!(
        ast::parse("a >= 1 == b").ok(),
        Some(bin(BinaryOp::Eq, bin(BinaryOp::Ge, a(), Expr::Int(1)), b()))
    );
    assert_eq!(ast::parse("-5").ok(), Some(Expr::Int(-5)));
    assert_eq!(ast::parse("-1.5").ok(), Some(Expr::Float(-1.5)));
    assert_eq!(
        ast::parse(r#"x.headers["A"][2][*]..n.json()"#).ok(),
        Some(sel(
            "x",
            vec![
                Segment::Key("headers".into()),
                Segment::Key("A".into()),
                Segment::Index(2),
                Segment::Wildcard,
                Segment::Descent("n".into()),
                Segment::Call {
                    name: "json".into(),
                    args: vec![]
                },
            ]
        ))
    );
    assert_eq!(
        ast::parse("..n").ok(),
        Some(Expr::Selector(Selector {
            root: Root::Descent("n".into()),
            segments: vec![]
        }))
    );
    assert_eq!(
        ast::parse(r#"r"a\"b""#).ok(),
        Some(Expr::Regex(r#"a\"b"#.into()))
    );
    assert_eq!(ast::parse("`a\\n`").ok(), Some(Expr::Str("a\\n".into())));
    assert_eq!(ast::parse("'a\\n'").ok(), Some(Expr::Str("a\n".into())));
}

/// `(input, message, line, column)`.
const ERRORS: &[(&str, &str, usize, usize)] = &[
    (
        "(http and request.path == \"/\"",
        "expected ')', found end of input",
        1,
        30,
    ),
    (
        "http and (a or b",
        "expected ')', found end of input",
        1,
        17,
    ),
    ("foo(1)", "unknown function `foo`", 1, 1),
    ("a.foo()", "unknown function `foo`", 1, 3),
    ("a == \"abc", "unterminated string starting", 1, 6),
    ("a == 'abc", "unterminated string starting", 1, 6),
    ("a == `abc", "unterminated string starting", 1, 6),
    ("a == r\"abc", "unterminated regex starting", 1, 6),
    ("a == r\"(abc\"", "regex error: unclosed group", 1, 6),
    (
        "a == r\"[z-a]\"",
        "regex error: invalid character class range, the start must be <= the end",
        1,
        6,
    ),
    ("a = 1", "unexpected `=`, did you mean `==`?", 1, 3),
    ("a & b", "unexpected `&`, did you mean `and`?", 1, 3),
    ("a | b", "unexpected `|`, did you mean `or`?", 1, 3),
    (
        "a b",
        "expected `and`, `or` or end of input, found `b`",
        1,
        3,
    ),
    ("a)", "unmatched `)`", 1, 2),
    ("", "expected an expression, found end of input", 1, 1),
    ("a and", "expected an expression, found end of input", 1, 6),
    ("== 1", "expected an expression, found `==`", 1, 1),
    ("a.", "expected a name after `.`, found end of input", 1, 3),
    ("a.1", "expected a name after `.`, found number `1`", 1, 3),
    (
        "a[",
        "expected a quoted key, an index or `*` inside `[]`, found end of input",
        1,
        3,
    ),
    ("a[0", "expected ']', found end of input", 1, 4),
    (
        "a[b]",
        "expected a quoted key, an index or `*` inside `[]`, found `b`",
        1,
        3,
    ),
    ("a #", "unexpected character `#`", 1, 3),
    ("a ==\n  é", "unexpected character `é`", 2, 3),
    ("x ==\n\n  (1", "expected ')', found end of input", 3, 5),
    (
        "a.startsWith()",
        "`startsWith` takes 1 argument, got 0",
        1,
        3,
    ),
    ("a.json(1)", "`json` takes 0 arguments, got 1", 1, 3),
    (
        "a.startsWith(\"x\").b",
        "`startsWith()` gives true or false: nothing can follow it",
        1,
        18,
    ),
    (
        "limit(-1)",
        "`limit` takes a non-negative integer, e.g. `limit(100)`",
        1,
        1,
    ),
    (
        "limit(\"x\")",
        "`limit` takes a non-negative integer, e.g. `limit(100)`",
        1,
        1,
    ),
    (
        "minutes(x)",
        "`minutes` takes a number, e.g. `minutes(-5)`",
        1,
        1,
    ),
    ("minutes()", "`minutes` takes 1 argument, got 0", 1, 1),
    ("now(1)", "`now` takes 0 arguments, got 1", 1, 1),
    (
        "redact()",
        "`redact` takes one or more paths, e.g. `redact(\"request.headers.Authorization\")`",
        1,
        1,
    ),
    (
        "redact(1)",
        "`redact` takes quoted paths, e.g. `redact(\"request.path\")`",
        1,
        1,
    ),
    (
        "json(a)",
        "use `json()` on a field, e.g. `response.content.text.json()`",
        1,
        1,
    ),
    (
        "99999999999999999999",
        "number `99999999999999999999` is out of range",
        1,
        1,
    ),
    ("1e999", "number `1e999` is out of range", 1, 1),
    ("12abc", "invalid number `12a`", 1, 1),
    (
        "a[99999999999999999999]",
        "index `99999999999999999999` is out of range",
        1,
        3,
    ),
    ("\"\\u{110000}\"", "invalid unicode escape", 1, 2),
    ("f(1,", "expected an expression, found end of input", 1, 5),
    ("f(1 2)", "expected ',' or ')', found number `2`", 1, 5),
    ("..", "expected a name after `..`, found end of input", 1, 3),
];

#[test]
fn error_positions() {
    for (src, msg, line, col) in ERRORS {
        let e: QueryError = ast::parse(src)
            .err()
            .or_else(|| compile(src).err())
            .unwrap_or_else(|| panic!("{src} should fail"));
        assert_eq!(
            (e.message.as_str(), e.line, e.column),
            (*msg, *line, *col),
            "for {src:?}: {e}"
        );
        assert_eq!(e.to_string(), format!("{msg} at {line}:{col}"));
    }
}

#[test]
fn datetime_and_redact_errors() {
    let e = validate(r#"timestamp < datetime("yesterday")"#).err();
    assert!(
        e.as_ref().is_some_and(
            |e| e.message.starts_with("invalid datetime \"yesterday\"") && e.column == 13
        ),
        "{e:?}"
    );
    let e = validate(r#"redact("a..")"#).err();
    assert!(
        e.as_ref()
            .is_some_and(|e| e.message.starts_with("invalid redact path \"a..\"")),
        "{e:?}"
    );
    let e = validate(r#"datetime(1)"#).err();
    assert!(e.is_some());
}

#[test]
fn empty_and_whitespace_are_valid_filters() {
    for src in ["", "   ", "\n\t"] {
        let q = compile(src).unwrap_or_else(|e| panic!("{e}"));
        assert!(q.is_empty());
        assert!(validate(src).is_ok());
    }
    assert!(!compile("a").map(|q| q.is_empty()).unwrap_or(true));
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(validate(&deep).is_err());
    let nots = format!("{}a", "!".repeat(10_000));
    assert!(validate(&nots).is_err());
    let chain = vec!["a"; 10_000].join(" and ");
    let e = validate(&chain).err();
    assert!(e.is_some_and(|e| e.message.contains("nested too deeply")));
    let ok = vec!["a"; 100].join(" and ");
    assert!(validate(&ok).is_ok());
    let calls = format!("{}1{}", "a.contains(".repeat(5_000), ")".repeat(5_000));
    assert!(validate(&calls).is_err());
}

#[test]
fn macros_expand_only_standing_alone() {
    let q = compile("http").map(|q| q.source().to_string());
    assert_eq!(q.ok().as_deref(), Some("http"));
    // `request.http` is a path, "http" a string, `http.x` a field of a top-level `http`.
    assert!(compile(r#"request.http == "http" and http.x == 1"#).is_ok());
    // Custom macros, nested, and a broken one.
    let macros: &[(&str, &str)] = &[
        ("web", "http or http2"),
        ("http", "protocol.name == \"http\""),
        ("http2", "protocol.version == \"2.0\""),
        ("bad", "a =="),
    ];
    assert!(mizu_query::compile_with_macros("web", macros).is_ok());
    let e = mizu_query::compile_with_macros("x and bad", macros).err();
    assert!(
        e.as_ref()
            .is_some_and(|e| e.message.starts_with("in macro `bad`:") && e.column == 7),
        "{e:?}"
    );
    let looping: &[(&str, &str)] = &[("a", "b"), ("b", "a")];
    assert!(mizu_query::compile_with_macros("a", looping).is_err());
}

#[test]
fn default_macros_parse() {
    for (name, exp) in mizu_query::default_macros() {
        assert!(ast::parse(exp).is_ok(), "{name}: {exp}");
    }
    let names: Vec<&str> = mizu_query::default_macros()
        .iter()
        .map(|(n, _)| *n)
        .collect();
    for want in [
        "http",
        "http2",
        "grpc",
        "gql",
        "amqp",
        "kafka",
        "redis",
        "websocket",
        "ws",
    ] {
        assert!(names.contains(&want), "{want}");
    }
}
