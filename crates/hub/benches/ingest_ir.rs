//! Instruction counts of the analyses per ingested entry, for `valgrind --tool=callgrind`
//! (wall-clock on a shared machine says little; instructions are repeatable). Ingests
//! `COUNT` entries (the same ~1 KB HTTP entries as the `ingest` bench) into a hub with one
//! of these variants and exits:
//!
//! - `off`: analyses off (the baseline), `map`: service map + stats + RED (the default),
//!   `oas`: map + OpenAPI inference, `rules`: map + the bench's three rules,
//!   `all`: map + OpenAPI + rules.
//!
//! ```sh
//! cargo bench -p mizu-hub --bench ingest_ir --no-run
//! B=$(ls -t target/release/deps/ingest_ir-* | grep -v '\.d$' | head -1)
//! for v in off map oas rules all; do for n in 5000 25000; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$v.$n \
//!     --toggle-collect='*Hub::ingest_from*' $B $v $n 2>&1 | grep 'Collected'
//! done; done
//! ```
//! (Ir(25000) − Ir(5000)) / 20000 is the cost per entry without the setup; the difference
//! between a variant and `off` is what its analyses cost. `scripts/bench/analysis-ir.sh`
//! runs exactly this.

use mizu_hub::{AnalysisConfig, Hub, HubConfig};
use mizu_model::Entry;
use std::hint::black_box;

fn entries() -> Vec<Entry> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/http1");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("testdata")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".expected.jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for p in files {
        for l in std::fs::read_to_string(&p).expect("read").lines() {
            if l.len() <= 2500 {
                out.push(serde_json::from_str(l).expect("entry"));
            }
        }
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` runs every bench target with `--bench`: nothing to do then.
    let (Some(variant), Some(count)) = (args.first(), args.get(1)) else {
        return;
    };
    if variant.starts_with('-') {
        return;
    }
    let count: usize = count.parse().expect("COUNT");
    let (analysis, oas, rules) = match variant.as_str() {
        "off" => (false, false, false),
        "map" => (true, false, false),
        "oas" => (true, true, false),
        "rules" => (true, false, true),
        "all" => (true, true, true),
        other => panic!("unknown variant {other} (off, map, oas, rules, all)"),
    };
    let file = std::env::temp_dir().join(format!("mizu-ir-rules-{}.yaml", std::process::id()));
    std::fs::write(
        &file,
        "rules:\n  - name: j\n    type: json\n    key: $.form\n  - name: h\n    type: header\n    key: (?i)^content-type$\n    value: json\n  - name: s\n    type: slo\n    response-time: 100\n",
    )
    .expect("rules file");
    let hub = Hub::new(HubConfig {
        analysis: AnalysisConfig {
            enabled: analysis,
            ..AnalysisConfig::default()
        },
        oas: oas.then(Default::default),
        rules_file: rules.then(|| file.clone()),
        ..HubConfig::default()
    })
    .expect("hub");
    let fixtures = entries();
    let mut batch: Vec<Entry> = Vec::with_capacity(1000);
    let mut done = 0;
    while done < count {
        let n = (count - done).min(1000);
        batch.clear();
        batch.extend((0..n).map(|i| fixtures[(done + i) % fixtures.len()].clone()));
        black_box(hub.ingest_from(&mut batch).expect("ingest"));
        done += n;
    }
    let _ = std::fs::remove_file(&file);
}
