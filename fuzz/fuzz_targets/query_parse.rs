//! Fuzzes the filter language: any text must compile or fail with an error (never
//! panic), and a filter that compiles must evaluate without panicking and give the
//! same answer on raw JSON bytes as on the parsed value.
//!
//! Input layout: the text up to the first NUL byte is the filter; what follows, if it is
//! JSON, is the entry (otherwise a fixed HTTP entry is used).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mizu_query::{EvalContext, ast, compile};

const ENTRY: &str = r#"{"protocol":{"name":"http","version":"1.1","abbr":"HTTP"},"src":{"ip":"10.0.0.1","port":"5000","name":""},"timestamp":1795419578356,"request":{"method":"GET","path":"/json","pathSegments":["json"],"headers":{"Host":"h","Accept":"*/*"},"queryString":{"tag":["a","b"]}},"response":{"status":404,"headers":{"Content-Type":"application/json"},"content":{"mimeType":"application/json","text":"{\"items\":[{\"name\":\"x\"}],\"ok\":true}"}},"x":"PGE+PGI+MTwvYj48L2E+"}"#;

fuzz_target!(|data: &[u8]| {
    let (query, entry) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(src) = std::str::from_utf8(query) else {
        return;
    };
    if let Ok(e) = ast::parse(src) {
        // Printing and parsing back gives the same tree.
        let printed = e.to_string();
        assert_eq!(ast::parse(&printed).ok(), Some(e), "{printed}");
    }
    let Ok(q) = compile(src) else {
        return;
    };
    let bytes: &[u8] = if serde_json::from_slice::<serde_json::Value>(entry).is_ok() {
        entry
    } else {
        ENTRY.as_bytes()
    };
    let ctx = EvalContext {
        now_ms: 1_795_419_600_000,
    };
    // Never panics, whatever the bytes.
    let _ = q.matches_json(entry, &ctx);
    if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(bytes) {
        // Duplicate keys are the one documented difference; skip documents that have
        // them (re-serialising drops duplicates, so compare lengths).
        let canonical = serde_json::to_vec(&value).unwrap_or_default();
        let reparsed: Option<serde_json::Value> = serde_json::from_slice(&canonical).ok();
        if reparsed.as_ref() == Some(&value) {
            let by_value = q.matches(&value, &ctx);
            let by_canonical = q.matches_json(&canonical, &ctx);
            assert_eq!(by_value, by_canonical, "{src}");
        }
        q.redact(&mut value);
    }
});
