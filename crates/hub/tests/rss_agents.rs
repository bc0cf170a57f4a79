//! Issue 12 item 11, the agent path: the hub's resident memory against its budget when
//! the entries arrive as agent batches over `/agents/ws` (4 MB messages of real HTTP
//! entries, one in flight), three times the budget in all. Its own test binary so no
//! other test's allocations are counted. `MIZU_RSS_BUDGET` (bytes, default 20 MB: kept
//! small for CI) and `MIZU_RSS_MESSAGE` (bytes) change budget and message size for
//! measuring (docs/api.md quotes the figures).

mod common;

use mizu_hub::HubConfig;
use mizu_store::StoreConfig;
use serde_json::{Value, json};
use std::time::Duration;
use tungstenite::Message;

/// The HTTP/1 captures' entries as JSON values (what an agent sends).
fn real_entries() -> Vec<Value> {
    let out: Vec<Value> = common::http1_entries()
        .iter()
        .map(|e| serde_json::to_value(e).expect("entry"))
        .collect();
    assert!(out.len() > 20);
    out
}

#[test]
fn hub_rss_with_agent_batches() {
    let Some((before_kb, budget)) = common::rss_baseline(20_000_000) else {
        return;
    };
    let (hub, addr) = common::start(HubConfig {
        store: StoreConfig {
            max_bytes: budget,
            ..StoreConfig::default()
        },
        token: Some("t".into()),
        ..common::config()
    });
    let mut ws = common::agent_ws(addr, "/agents/ws?agent=rss", "t", Duration::from_secs(60));
    let entries = real_entries();
    // About 4 MB per message.
    let target: usize = std::env::var("MIZU_RSS_MESSAGE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4_000_000);
    let per = entries.iter().map(|e| e.to_string().len()).sum::<usize>() / entries.len();
    let n = (target / per).max(1);
    let (mut sent, mut seq, mut i) = (0u64, 0u64, 0usize);
    let mut message_bytes = 0;
    while sent < 3 * budget {
        let batch: Vec<&Value> = (0..n).map(|k| &entries[(i + k) % entries.len()]).collect();
        i += n;
        seq += 1;
        let text = json!({"type": "entries", "seq": seq, "entries": batch}).to_string();
        sent += text.len() as u64;
        message_bytes = text.len();
        ws.send(Message::text(text)).expect("send");
        loop {
            if let Message::Text(t) = ws.read().expect("read") {
                let v: Value = serde_json::from_str(&t).expect("json");
                assert_eq!(v["type"], "ack", "{v}");
                break;
            }
        }
    }
    // Client-side copies (this process is also the agent) are gone by now but count in
    // the peak; the steady RSS is the hub's.
    let label = format!("hub rss (agent batches of {message_bytes} B, {sent} B sent)");
    let grown = common::rss_growth(&hub, &label, before_kb, budget);
    // Each batch in flight costs transiently about 20 times its message size (the
    // message, its parsed JSON tree, the entries, their serialised records): the bound
    // is the store's (1.5x budget) plus that, plus 32 MiB of runtime and allocator slack.
    let bound = budget + budget / 2 + 20 * message_bytes as u64 + (32 << 20);
    assert!(
        grown <= bound,
        "RSS grew {grown} bytes for a {budget}-byte budget and {message_bytes}-byte messages (bound {bound})"
    );
}
