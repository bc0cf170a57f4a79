//! Issue 12 item 11: the hub's resident memory against `--max-entries-db-size`. Fills a
//! hub (in-process ingest: redaction off, live broadcast on, as `mizu read --serve` and
//! agents use it) with three times its budget in real HTTP entries and reads the process's
//! resident size. Its
//! own test binary, so no other test's allocations are counted. `MIZU_RSS_BUDGET` (bytes)
//! overrides the 50 MB budget for measuring (docs/api.md quotes the figures).

mod common;

use common::{http1_entries as real_entries, status_kb};
use mizu_hub::Hub;
use mizu_model::Entry;
use mizu_store::StoreConfig;

#[test]
fn hub_rss_stays_near_the_budget() {
    let Some(before_kb) = status_kb("VmRSS:") else {
        eprintln!("no /proc/self/status: skipped");
        return;
    };
    let budget: u64 = std::env::var("MIZU_RSS_BUDGET")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000_000);
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
    let st = hub.store().stats();
    let rss_kb = status_kb("VmRSS:").unwrap_or(0);
    let hwm_kb = status_kb("VmHWM:").unwrap_or(0);
    let grown = rss_kb.saturating_sub(before_kb) * 1024;
    println!(
        "hub rss: budget {budget} B, {written} entries ingested, kept {} entries / {} B accounted; RSS grew {} MB (now {} MB, peak {} MB, {:.2}x budget)",
        st.entries,
        st.bytes,
        grown >> 20,
        rss_kb / 1024,
        hwm_kb / 1024,
        grown as f64 / budget as f64
    );
    assert!(st.evicted > 0 && st.bytes <= budget);
    assert!(
        grown <= budget + budget / 2 + (32 << 20),
        "RSS grew {grown} bytes for a {budget}-byte budget"
    );
}
