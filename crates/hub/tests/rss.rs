//! Issue 12 item 11: the hub's resident memory against `--max-entries-db-size`. Fills a
//! hub (in-process ingest: redaction off, live broadcast on, as `mizu read --serve` and
//! agents use it) with three times its budget in real HTTP entries and reads the process's
//! resident size. Its
//! own test binary, so no other test's allocations are counted. `MIZU_RSS_BUDGET` (bytes)
//! overrides the 50 MB budget for measuring (docs/api.md quotes the figures).

mod common;

use common::http1_entries as real_entries;
use mizu_hub::Hub;
use mizu_model::Entry;
use mizu_store::StoreConfig;

#[test]
fn hub_rss_stays_near_the_budget() {
    let Some((before_kb, budget)) = common::rss_baseline(50_000_000) else {
        return;
    };
    let hub = Hub::new(mizu_hub::HubConfig {
        store: StoreConfig {
            max_bytes: budget,
            ..StoreConfig::default()
        },
        ..common::config()
    })
    .expect("hub");
    let entries = real_entries();
    let mut written = 0u64;
    let mut i = 0usize;
    while {
        let st = hub.store().stats();
        st.bytes + st.evicted_bytes < 3 * budget
    } {
        let batch: Vec<Entry> = (0..512)
            .map(|k| entries[(i + k) % entries.len()].clone())
            .collect();
        i += 512;
        let r = hub.ingest(batch).expect("ingest");
        written += r.stored;
    }
    let label = format!("hub rss ({written} entries ingested)");
    let grown = common::rss_growth(&hub, &label, before_kb, budget);
    assert!(
        grown <= budget + budget / 2 + (32 << 20),
        "RSS grew {grown} bytes for a {budget}-byte budget"
    );
}
