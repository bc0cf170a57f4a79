//! JSON string and number writing (`JsonBuf`), against `serde_json` on the same values:
//! a short key, a clean 100-byte string, a JSON document as a string value (Kafka record
//! values: a quote every few bytes), and 13-digit timestamps.
//!
//!     cargo bench -p mizu-model --bench json

use criterion::{Criterion, criterion_group, criterion_main};
use mizu_model::JsonBuf;
use std::hint::black_box;

fn strings() -> Vec<(&'static str, String)> {
    vec![
        ("key", "timestamp".to_owned()),
        ("clean-100", "x".repeat(100)),
        (
            "json-value",
            format!("{{\"n\":2969,\"pad\":\"{}\"}}", "x".repeat(80)),
        ),
        ("escape-every-4th", "abc\"".repeat(25)),
    ]
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("json-str");
    for (name, s) in strings() {
        let items: Vec<String> = (0..1000).map(|_| s.clone()).collect();
        g.bench_function(format!("mizu/{name}"), |b| {
            b.iter(|| {
                let mut o = JsonBuf::with_capacity(256 * 1024);
                o.begin_array();
                for s in &items {
                    o.str(black_box(s));
                }
                o.end_array();
                black_box(o.len())
            })
        });
        g.bench_function(format!("serde_json/{name}"), |b| {
            b.iter(|| {
                let mut o: Vec<u8> = Vec::with_capacity(256 * 1024);
                for s in &items {
                    o.push(b',');
                    let _ = serde_json::to_writer(&mut o, black_box(s));
                }
                black_box(o.len())
            })
        });
    }
    let nums: Vec<i64> = (0..1000).map(|i| 1_795_454_720_274 + i * 37).collect();
    g.bench_function("mizu/i64-timestamps", |b| {
        b.iter(|| {
            let mut o = JsonBuf::with_capacity(32 * 1024);
            o.begin_array();
            for &n in &nums {
                o.i64(black_box(n));
            }
            o.end_array();
            black_box(o.len())
        })
    });
    g.bench_function("serde_json/i64-timestamps", |b| {
        b.iter(|| {
            let mut o: Vec<u8> = Vec::with_capacity(32 * 1024);
            for &n in &nums {
                o.push(b',');
                let _ = serde_json::to_writer(&mut o, &black_box(n));
            }
            black_box(o.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
