//! Store throughput: ingest of real ~1 KB HTTP entries (from `testdata/http1`), in memory
//! and durable (fsync per 1 000-entry batch), and a full-scan filter over 1 M stored
//! entries with `mizu-query`'s `matches_json` on the stored bytes (plus a scan with a
//! trivial predicate, to separate the store's cost from the filter's), and the hub's
//! path: the facet prefilter first, full evaluation only where it cannot tell.
//!
//! `cargo bench -p mizu-store --bench store`

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use mizu_store::{Direction, NewEntry, Position, QuerySpec, Store, StoreConfig};
use std::hint::black_box;

fn real_entries() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/http1");
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("testdata/http1").flatten() {
        let p = e.path();
        if p.to_string_lossy().ends_with(".expected.jsonl") {
            let text = std::fs::read_to_string(&p).expect("read");
            // "~1 KB": the typical entries (0.9–2.3 KB), not the big-body fixtures.
            out.extend(
                text.lines()
                    .filter(|l| l.len() <= 2500)
                    .map(|l| l.as_bytes().to_vec()),
            );
        }
    }
    out
}

const BASE: &[u8] = br#"{"proto":{"name":"http","version":"1.1","abbr":"HTTP"},"summary":"/json","method":"GET","status":200,"timestamp":1,"src":{"ip":"10.0.0.1","port":"1234","name":""},"dst":{"ip":"10.0.0.2","port":"80","name":""},"latency":0}"#;

fn batch(entries: &[Vec<u8>], start: usize, n: usize) -> Vec<NewEntry> {
    (start..start + n)
        .map(|i| NewEntry {
            timestamp: i as i64,
            base: BASE.to_vec(),
            entry: entries[i % entries.len()].clone(),
        })
        .collect()
}

fn ingest(c: &mut Criterion) {
    let entries = real_entries();
    let avg = entries.iter().map(Vec::len).sum::<usize>() / entries.len();
    let mut g = c.benchmark_group(format!("ingest ({} fixtures, avg {avg} B)", entries.len()));
    g.throughput(Throughput::Elements(100_000));
    g.sample_size(10);
    g.bench_function("memory, 100k entries in 1000-entry batches", |b| {
        b.iter_batched(
            || {
                let s = Store::open(StoreConfig {
                    max_bytes: 64 << 20,
                    ..StoreConfig::default()
                })
                .expect("open");
                let batches: Vec<Vec<NewEntry>> =
                    (0..100).map(|k| batch(&entries, k * 1000, 1000)).collect();
                (s, batches)
            },
            |(s, batches)| {
                for b in batches {
                    black_box(s.append(b).expect("append"));
                }
                s
            },
            BatchSize::PerIteration,
        );
    });
    let dir = std::env::temp_dir().join(format!("mizu-store-bench-{}", std::process::id()));
    g.bench_function("durable (fsync per batch), 100k entries", |b| {
        b.iter_batched(
            || {
                let _ = std::fs::remove_dir_all(&dir);
                let s = Store::open(StoreConfig {
                    max_bytes: 64 << 20,
                    data_dir: Some(dir.clone()),
                    ..StoreConfig::default()
                })
                .expect("open");
                let batches: Vec<Vec<NewEntry>> =
                    (0..100).map(|k| batch(&entries, k * 1000, 1000)).collect();
                (s, batches)
            },
            |(s, batches)| {
                for b in batches {
                    black_box(s.append(b).expect("append"));
                }
                s
            },
            BatchSize::PerIteration,
        );
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn scan(c: &mut Criterion) {
    let entries = real_entries();
    let n = 1_000_000;
    let s = Store::open(StoreConfig {
        max_bytes: 4 << 30,
        ..StoreConfig::default()
    })
    .expect("open");
    for k in 0..n / 10_000 {
        s.append(batch(&entries, k * 10_000, 10_000))
            .expect("append");
    }
    let spec = QuerySpec {
        left_off: Position::Latest,
        direction: Direction::Older,
        limit: usize::MAX,
        deadline: None,
    };
    let mut g = c.benchmark_group("full scan of 1M stored entries");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    // Baseline: touch every record's bytes (last byte), no filter language.
    g.bench_function("store only (predicate reads each record)", |b| {
        b.iter(|| {
            black_box(
                s.query(&spec, &mut |r| r.entry_json().last() == Some(&b'!'))
                    .progress
                    .current,
            )
        });
    });
    let ctx = mizu_query::EvalContext { now_ms: 0 };
    for src in [
        // The issue's own examples first, then a two-clause and a header lookup.
        "http and response.status >= 400",
        r#"http and request.path == "/catalogue""#,
        "response.status == 500",
        r#"request.method == "POST" and request.path == "/upload""#,
        r#"request.headers["User-Agent"] == "nobody""#,
    ] {
        let q = mizu_query::compile(src).expect("query");
        g.bench_function(format!("matches_json: {src}"), |b| {
            b.iter(|| {
                black_box(
                    s.query(&spec, &mut |r| q.matches_json(r.entry_json(), &ctx))
                        .progress
                        .matched,
                )
            });
        });
        g.bench_function(format!("indexed, no read-ahead: {src}"), |b| {
            b.iter(|| {
                black_box(
                    s.query(&spec, &mut |r| {
                        q.matches_json_indexed(r.entry_json(), r.top_index(), &ctx)
                    })
                    .progress
                    .matched,
                )
            });
        });
        g.bench_function(format!("matches_json_indexed: {src}"), |b| {
            b.iter(|| {
                black_box(
                    s.query_prefetching(
                        &spec,
                        &mut |r| q.prefetch_indexed(r.entry_json(), r.top_index()),
                        &mut |r| q.matches_json_indexed(r.entry_json(), r.top_index(), &ctx),
                    )
                    .progress
                    .matched,
                )
            });
        });
        // What the hub does: facets decide what they can, the rest as above.
        g.bench_function(format!("faceted (hub path): {src}"), |b| {
            b.iter(|| {
                black_box(
                    s.query_faceted(
                        &spec,
                        &mut |f| q.prefilter(f),
                        &mut |r| q.prefetch_indexed(r.entry_json(), r.top_index()),
                        &mut |r| q.matches_json_indexed(r.entry_json(), r.top_index(), &ctx),
                    )
                    .progress
                    .matched,
                )
            });
        });
    }
    g.finish();
}

criterion_group!(benches, ingest, scan);
criterion_main!(benches);
