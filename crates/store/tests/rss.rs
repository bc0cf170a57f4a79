//! Memory stays proportional to the budget: fill a 100 MB store with three times that in
//! real HTTP entries and read the process's resident size. Its own test binary, so no
//! other test's allocations are counted.

use mizu_store::{NewEntry, Store, StoreConfig};

fn status_kb(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn real_entries() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/http1");
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("testdata/http1").flatten() {
        let p = e.path();
        if p.to_string_lossy().ends_with(".expected.jsonl") {
            let text = std::fs::read_to_string(&p).expect("read");
            out.extend(
                text.lines()
                    .filter(|l| l.starts_with('{'))
                    .map(|l| l.as_bytes().to_vec()),
            );
        }
    }
    assert!(out.len() > 20);
    out
}

#[test]
fn rss_is_proportional_to_the_budget() {
    let Some(before_kb) = status_kb("VmRSS:") else {
        eprintln!("no /proc/self/status: skipped");
        return;
    };
    let budget: u64 = 100_000_000;
    let store = Store::open(StoreConfig {
        max_bytes: budget,
        data_dir: None,
        sync: false,
        ..StoreConfig::default()
    })
    .expect("open");
    let entries = real_entries();
    let base = br#"{"proto":{"name":"http","version":"1.1","abbr":"HTTP"},"summary":"/json","method":"GET","status":200,"timestamp":1,"src":{"ip":"10.0.0.1","port":"1234","name":""},"dst":{"ip":"10.0.0.2","port":"80","name":""},"latency":0}"#;
    let mut written: u64 = 0;
    let mut i = 0;
    while written < 3 * budget {
        let batch: Vec<NewEntry> = (0..256)
            .map(|k| {
                let e = &entries[(i + k) % entries.len()];
                written += (e.len() + base.len()) as u64;
                NewEntry {
                    timestamp: (i + k) as i64,
                    base: base.to_vec(),
                    entry: e.clone(),
                }
            })
            .collect();
        i += 256;
        store.append(batch).expect("append");
    }
    let st = store.stats();
    let rss_kb = status_kb("VmRSS:").unwrap_or(0);
    let hwm_kb = status_kb("VmHWM:").unwrap_or(0);
    let grown = (rss_kb.saturating_sub(before_kb)) * 1024;
    println!(
        "rss: budget {budget} B, written {written} B in {} entries, kept {} entries / {} B accounted, evicted {}; RSS {} MB (grew {} MB), peak {} MB",
        i,
        st.entries,
        st.bytes,
        st.evicted,
        rss_kb / 1024,
        grown >> 20,
        hwm_kb / 1024
    );
    assert!(st.evicted > 0 && st.bytes <= budget);
    assert!(
        grown <= budget + budget / 2 + (16 << 20),
        "RSS grew {grown} bytes for a {budget}-byte budget"
    );
}
