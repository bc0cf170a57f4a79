//! Full-scan filter throughput: `matches_json` over compact HTTP entries taken from
//! `testdata/http1` (replicated with varied paths, statuses and headers), the way the
//! hub scans its store. Target: ≤ 500 ns per entry (1M entries in ≤ 0.5 s on one core).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mizu_query::{EvalContext, compile};
use serde_json::Value;

const FIXTURES: &[&str] = &[
    include_str!("../../../testdata/http1/01-keepalive-bridge.expected.jsonl"),
    include_str!("../../../testdata/http1/02-keepalive-any.expected.jsonl"),
    include_str!("../../../testdata/http1/03-encodings.expected.jsonl"),
    include_str!("../../../testdata/http1/05-delete-404-head-304.expected.jsonl"),
    include_str!("../../../testdata/http1/06-pipelining.expected.jsonl"),
    include_str!("../../../testdata/http1/07-expect-continue.expected.jsonl"),
    include_str!("../../../testdata/http1/09-forms-multipart-cookies.expected.jsonl"),
    include_str!("../../../testdata/http1/10-close-delimited-http10.expected.jsonl"),
    include_str!("../../../testdata/http1/11-nginx-keepalive.expected.jsonl"),
    include_str!("../../../testdata/http1/14-mixed-pod-eth0.expected.jsonl"),
];

const PATHS: &[&str] = &[
    "/catalogue",
    "/health",
    "/",
    "/api/v1/orders",
    "/carts/42/items",
];
const STATUSES: &[i64] = &[200, 200, 200, 201, 304, 404, 500];
const ACCEPTS: &[&str] = &[
    "*/*",
    "application/json",
    "application/json, text/plain",
    "text/html",
];

/// ~1 KB entries, varied. Edited as text so the field order stays the one the
/// dissectors write (a `serde_json::Value` round trip would sort the keys).
fn corpus(n: usize) -> Vec<Vec<u8>> {
    let base: Vec<&str> = FIXTURES
        .iter()
        .flat_map(|f| f.lines())
        .filter(|l| (400..=2500).contains(&l.len()) && l.contains(r#""path":"/"#))
        .collect();
    assert!(!base.is_empty(), "no fixtures");
    (0..n)
        .map(|i| {
            let line = base[i % base.len()];
            let out = set_string(line, "path", PATHS[i % PATHS.len()]);
            let out = out.replacen(
                r#""Accept":"*/*""#,
                &format!(r#""Accept":"{}""#, ACCEPTS[(i / 3) % ACCEPTS.len()]),
                1,
            );
            let status = STATUSES[(i / 7) % STATUSES.len()];
            let out = match out.find(r#""status":"#) {
                Some(p) => {
                    let end = out[p + 9..]
                        .find(|c: char| !c.is_ascii_digit())
                        .map_or(out.len(), |e| p + 9 + e);
                    format!("{}\"status\":{status}{}", &out[..p], &out[end..])
                }
                None => out,
            };
            assert!(serde_json::from_str::<Value>(&out).is_ok(), "{out}");
            out.into_bytes()
        })
        .collect()
}

/// Replaces the first `"key":"..."` string value (no escapes in the old value).
fn set_string(line: &str, key: &str, value: &str) -> String {
    let pat = format!("\"{key}\":\"");
    match line.find(&pat) {
        Some(p) => {
            let start = p + pat.len();
            let end = line[start..].find('"').map_or(line.len(), |e| start + e);
            format!("{}{value}{}", &line[..start], &line[end..])
        }
        None => line.to_string(),
    }
}

const FILTERS: &[&str] = &[
    "http and response.status >= 400",
    r#"request.path == "/catalogue""#,
    r#"request.headers["Accept"] == r"application/json.*""#,
    r#"http and request.path != "/health" and request.method == "GET" and dst.port == "8080""#,
    r#"response.status == r"4.*""#,
    r#"request.path.startsWith("/api") or response.headers["content-type"].contains("json")"#,
    "timestamp >= minutes(-5)",
];

fn bench(c: &mut Criterion) {
    let ctx = EvalContext {
        now_ms: 1_795_419_578_356,
    };
    // 1,000 entries (~1.3 MB) stay in cache: the evaluator's own cost. 20,000 (~27 MB)
    // spill out of this machine's caches, as a 1M-entry store would.
    for (name, n) in [
        ("matches_json_hot_1k", 1_000),
        ("matches_json_cold_20k", 20_000),
    ] {
        let entries = corpus(n);
        let avg = entries.iter().map(Vec::len).sum::<usize>() / entries.len();
        eprintln!("{name}: {} entries, average {avg} bytes", entries.len());
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(entries.len() as u64));
        for f in FILTERS {
            let q = compile(f).unwrap_or_else(|e| panic!("{f}: {e}"));
            g.bench_function(*f, |b| {
                b.iter(|| entries.iter().filter(|e| q.matches_json(e, &ctx)).count())
            });
        }
        g.finish();
    }

    let entries = corpus(1_000);
    // For comparison: evaluating on already-parsed values, and parse + evaluate.
    let values: Vec<Value> = entries
        .iter()
        .filter_map(|e| serde_json::from_slice(e).ok())
        .collect();
    let q = compile(FILTERS[0]).unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("baseline");
    g.throughput(Throughput::Elements(entries.len() as u64));
    g.bench_function("matches on parsed Value", |b| {
        b.iter(|| values.iter().filter(|v| q.matches(v, &ctx)).count())
    });
    g.bench_function("parse + matches", |b| {
        b.iter(|| {
            entries
                .iter()
                .filter(|e| serde_json::from_slice::<Value>(e).is_ok_and(|v| q.matches(&v, &ctx)))
                .count()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = bench
}
criterion_main!(benches);
