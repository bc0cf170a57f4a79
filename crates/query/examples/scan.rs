//! Quick timing harness: `cargo run --release -p mizu-query --example scan -- N`.
use mizu_query::{EvalContext, compile};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let mut base: Vec<String> = Vec::new();
    for f in std::fs::read_dir("testdata/http1")
        .into_iter()
        .flatten()
        .flatten()
    {
        let p = f.path();
        if p.to_string_lossy().ends_with(".expected.jsonl") {
            let t = std::fs::read_to_string(&p).unwrap_or_default();
            base.extend(
                t.lines()
                    .filter(|l| (400..=2500).contains(&l.len()))
                    .map(str::to_string),
            );
        }
    }
    let entries: Vec<Vec<u8>> = (0..n)
        .map(|i| base[i % base.len()].clone().into_bytes())
        .collect();
    let ctx = EvalContext {
        now_ms: 1_795_419_578_356,
    };
    for f in std::env::args()
        .skip(2)
        .collect::<Vec<_>>()
        .iter()
        .map(String::as_str)
        .chain(if std::env::args().len() > 2 {
            vec![]
        } else {
            vec![
                "http and response.status >= 400",
                r#"request.path == "/catalogue""#,
                r#"request.headers["Accept"] == r"application/json.*""#,
                "timestamp >= minutes(-5)",
                "capture == \"x\"",
            ]
        })
    {
        let q = compile(f).unwrap_or_else(|e| panic!("{e}"));
        let mut best = f64::MAX;
        for _ in 0..std::env::var("REPS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(15)
        {
            let t = Instant::now();
            let c = entries.iter().filter(|e| q.matches_json(e, &ctx)).count();
            std::hint::black_box(c);
            best = best.min(t.elapsed().as_secs_f64() / n as f64 * 1e9);
        }
        println!("{best:8.1} ns/entry  {f}");
    }
    let mut best = f64::MAX;
    for _ in 0..std::env::var("REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15)
    {
        let t = Instant::now();
        let c: usize = entries
            .iter()
            .map(|e| memchr::memchr_iter(b'"', e).count())
            .sum();
        std::hint::black_box(c);
        best = best.min(t.elapsed().as_secs_f64() / n as f64 * 1e9);
    }
    println!("{best:8.1} ns/entry  (memchr count of quotes, whole entry)");
}
