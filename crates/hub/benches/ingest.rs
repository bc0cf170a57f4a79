//! The hub's whole in-process ingest path per entry: summary, BaseEntry, compact JSON,
//! store append, live broadcast, and the analyses (service map, stats). Real ~1 KB HTTP
//! entries from `testdata/http1`.
//!
//! Variants: plain, `--redact`, OpenAPI inference, validation rules (three rules: json,
//! header, slo), and both analyses together.
//!
//! `cargo bench -p mizu-hub --bench ingest`

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use mizu_hub::{AnalysisConfig, Hub, HubConfig};
use mizu_model::Entry;
use std::hint::black_box;

fn entries() -> Vec<Entry> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/http1");
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("testdata").flatten() {
        let p = e.path();
        if p.to_string_lossy().ends_with(".expected.jsonl") {
            for l in std::fs::read_to_string(&p).expect("read").lines() {
                if l.len() <= 2500 {
                    out.push(serde_json::from_str(l).expect("entry"));
                }
            }
        }
    }
    out
}

fn ingest(c: &mut Criterion) {
    let fixtures = entries();
    let mut g = c.benchmark_group("hub ingest");
    g.throughput(Throughput::Elements(100_000));
    g.sample_size(10);
    let rules = std::env::temp_dir().join(format!("mizu-bench-rules-{}.yaml", std::process::id()));
    std::fs::write(
        &rules,
        "rules:\n  - name: j\n    type: json\n    key: $.form\n  - name: h\n    type: header\n    key: (?i)^content-type$\n    value: json\n  - name: s\n    type: slo\n    response-time: 100\n",
    )
    .expect("rules file");
    // "analyses off" is the baseline of issue 17's budget: service map, stats and RED
    // series are kept at ingest unless `analysis.enabled` is false.
    for (name, redact, analysis, oas, with_rules) in [
        ("plain", false, true, false, false),
        ("plain, analyses off", false, false, false, false),
        ("with --redact", true, true, false, false),
        ("with OAS", false, true, true, false),
        ("with rules", false, true, false, true),
        ("with OAS + rules", false, true, true, true),
    ] {
        g.bench_function(format!("{name}, 100k entries in 1000-entry batches"), |b| {
            b.iter_batched(
                || {
                    let hub = Hub::new(HubConfig {
                        redact,
                        analysis: AnalysisConfig {
                            enabled: analysis,
                            ..AnalysisConfig::default()
                        },
                        oas: oas.then(Default::default),
                        rules_file: with_rules.then(|| rules.clone()),
                        protocols: mizu_dissectors::Registry::default().table(),
                        ..HubConfig::default()
                    })
                    .expect("hub");
                    let batches: Vec<Vec<Entry>> = (0..100)
                        .map(|k| {
                            (0..1000)
                                .map(|i| fixtures[(k * 1000 + i) % fixtures.len()].clone())
                                .collect()
                        })
                        .collect();
                    (hub, batches)
                },
                |(hub, batches)| {
                    for b in batches {
                        black_box(hub.ingest(b).expect("ingest"));
                    }
                    hub
                },
                BatchSize::PerIteration,
            );
        });
    }
    g.finish();
    let _ = std::fs::remove_file(&rules);
}

criterion_group!(benches, ingest);
criterion_main!(benches);
