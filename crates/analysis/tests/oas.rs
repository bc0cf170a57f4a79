//! OpenAPI inference on the HTTP fixtures in `testdata/` (their expected entries): the
//! documents are committed next to each capture as `<name>.oas.json` and compared
//! exactly (`UPDATE_EXPECT=1` rewrites them), and every one passes
//! `openapi-spec-validator` (`scripts/validate-oas.py`). Plus the memory bound under
//! 200k distinct paths and 10k endpoints.

use mizu_analysis::oas::{Oas, OasConfig};
use mizu_model::Entry;
use serde_json::json;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["http1", "http2", "services"] {
        // `services`: the multi-service capture (HTTP/1, gRPC, Redis between pods).
        let Ok(rd) = std::fs::read_dir(root().join("testdata").join(dir)) else {
            continue;
        };
        for f in rd.flatten() {
            let p = f.path();
            if p.to_string_lossy().ends_with(".expected.jsonl") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn documents(expected: &Path) -> String {
    let text = std::fs::read_to_string(expected).expect("read fixture");
    let mut oas = Oas::new(OasConfig::default());
    for (i, line) in text.lines().enumerate() {
        let e: Entry = serde_json::from_str(line)
            .unwrap_or_else(|err| panic!("{}:{}: {err}", expected.display(), i + 1));
        oas.add(&e);
    }
    let all = oas.all();
    if all.is_empty() {
        return String::new();
    }
    let mut s = serde_json::to_string_pretty(&all).expect("json");
    s.push('\n');
    s
}

#[test]
fn fixtures_documents() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut written = Vec::new();
    let mut failures = Vec::new();
    let files = fixtures();
    assert!(files.len() >= 20, "HTTP fixtures found: {}", files.len());
    for f in files {
        let name = f.to_string_lossy().replace(".expected.jsonl", ".oas.json");
        let out = PathBuf::from(&name);
        let got = documents(&f);
        if update {
            if got.is_empty() {
                let _ = std::fs::remove_file(&out);
            } else {
                std::fs::write(&out, &got).expect("write");
            }
        }
        let want = std::fs::read_to_string(&out).unwrap_or_default();
        if got != want {
            failures.push(name.clone());
        }
        if !got.is_empty() {
            written.push(out);
        }
    }
    assert!(
        failures.is_empty(),
        "documents differ (UPDATE_EXPECT=1 to regenerate, then review): {failures:?}"
    );
    assert!(written.len() >= 15, "documents: {}", written.len());
    // Every document is valid OpenAPI 3.1.
    let out = std::process::Command::new("python3")
        .arg(root().join("scripts/validate-oas.py"))
        .args(&written)
        .output()
        .expect("python3 (run scripts/install-deps.sh)");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn http(service: &str, method: &str, path: &str, status: u16, body: &str, t: i64) -> Entry {
    let v = json!({
        "protocol": {"name": "http", "version": "1.1", "abbr": "HTTP"},
        "capture": "pcap",
        "src": {"ip": "10.0.0.1", "port": "40000", "name": ""},
        "dst": {"ip": "10.0.0.2", "port": "80", "name": service},
        "timestamp": t, "startTime": "2023-11-14T22:13:20.000000000Z",
        "elapsedTime": 3, "elapsedMicros": 3000,
        "request": {"method": method, "url": format!("http://{service}{path}"), "targetUri": path,
                    "path": path.split('?').next().unwrap_or(path), "httpVersion": "HTTP/1.1",
                    "headers": {"Host": service, "X-Tenant": "acme", "User-Agent": "t"},
                    "queryString": {"page": "2"}},
        "response": {"status": status, "statusText": "OK", "httpVersion": "HTTP/1.1",
                     "headers": {}, "content": {"mimeType": "application/json", "text": body}},
        "requestSize": 10, "responseSize": 10
    });
    serde_json::from_value(v).expect("entry")
}

#[test]
fn infers_parameters_and_drops() {
    let mut oas = Oas::new(OasConfig::default());
    let mut t = 1_700_000_000_000;
    for (m, p, s) in [
        ("GET", "/v1/carts/1", 200),
        ("GET", "/v1/carts/2", 200),
        (
            "GET",
            "/v1/carts/3f2504e0-4f89-11d3-9a0c-0305e82c3301/items",
            200,
        ),
        ("GET", "/v1/users/a@b.io", 404),
        ("DELETE", "/v1/carts/7", 204),
        ("OPTIONS", "/v1/carts/1", 200),
        ("GET", "/app.js", 200),
        ("GET", "/moved", 301),
        ("GET", "/gw", 502),
    ] {
        t += 1000;
        oas.add(&http("shop.default", m, p, s, r#"{"id":1}"#, t));
    }
    let doc = oas.document("shop.default").expect("doc");
    let paths: Vec<&String> = doc["paths"].as_object().expect("paths").keys().collect();
    assert_eq!(
        paths,
        [
            "/v1/carts/{cartId}",
            "/v1/carts/{cartId}/items",
            "/v1/users/{userId}"
        ]
    );
    let carts = &doc["paths"]["/v1/carts/{cartId}"];
    assert_eq!(carts["parameters"][0]["name"], "cartId");
    // Numbers and a UUID: text.
    assert_eq!(carts["parameters"][0]["schema"], json!({"type": "string"}));
    assert_eq!(carts["get"]["x-counters-total"]["entries"], 2);
    assert_eq!(
        carts["delete"]["responses"]["204"]["description"],
        "No Content"
    );
    let q = &carts["get"]["parameters"];
    assert_eq!(
        q[0],
        json!({"name": "page", "in": "query", "required": true, "schema": {"type": "string"}, "example": "2"})
    );
    assert_eq!(q[1]["name"], "X-Tenant");
    assert_eq!(
        q.as_array().map(Vec::len),
        Some(2),
        "common headers ignored: {q}"
    );
    assert_eq!(
        doc["paths"]["/v1/users/{userId}"]["get"]["x-counters-total"]["failures"],
        1
    );
    assert_eq!(
        carts["get"]["x-latency-ms"]["p50"], 3.444,
        "3 ms, bucket bound"
    );
    assert_eq!(doc["x-counters-total"]["entries"], 5);
    assert_eq!(oas.stats().ignored, 4);
}

/// 200k distinct paths over 10k endpoints (100 services × 100 paths each, repeated with
/// new literal segments): every structure stays under its cap and the overflow is counted.
#[test]
fn memory_bound_under_200k_paths() {
    let cfg = OasConfig::default();
    let mut oas = Oas::new(cfg.clone());
    // Letters only, so nothing is an identifier by shape: only the caps can collapse it.
    let word = |mut n: usize| {
        let mut s = String::new();
        loop {
            s.push(char::from(b'a' + (n % 26) as u8));
            n /= 26;
            if n == 0 {
                break s;
            }
        }
    };
    let template = http(
        "x",
        "GET",
        "/",
        200,
        r#"{"a":{"b":{"c":[1,2]}},"s":"x"}"#,
        0,
    );
    for i in 0..200_000usize {
        let mut e = template.clone();
        e.dst.name = format!("svc{}", i % 300).into();
        e.timestamp = 1_700_000_000_000 + i as i64;
        if let mizu_model::Payload::HttpRequest(r) = &mut e.request {
            r.path = format!("/api/{}/{}", word(i / 300 % 100), word(i));
            r.url = format!("http://{}{}", e.dst.name, r.path);
        }
        oas.add(&e);
    }
    let s = oas.stats().clone();
    assert_eq!(
        s.entries + s.overflow_services + s.overflow_operations,
        200_000,
        "{s:?}"
    );
    assert!(s.services as usize <= cfg.max_services, "{s:?}");
    assert!(s.overflow_services > 0, "{s:?}");
    assert!(s.operations as usize <= cfg.max_operations, "{s:?}");
    assert!(s.path_nodes as usize <= cfg.max_path_nodes, "{s:?}");
    assert!(s.schema_nodes as usize <= cfg.max_schema_nodes, "{s:?}");
    assert!(s.example_bytes as usize <= cfg.max_example_bytes, "{s:?}");
    assert!(s.collapsed_segments > 0, "{s:?}");
    // Documents stay renderable and small.
    let doc = oas.document("svc0").expect("doc");
    let n = doc["paths"].as_object().map_or(0, |p| p.len());
    assert!(n <= cfg.max_operations_per_service, "{n}");
    let bytes = serde_json::to_vec(&oas.all()).expect("json").len();
    assert!(bytes < 64 << 20, "all documents: {bytes} bytes");
}

/// Schemas learn from the first `schema_samples` bodies, then every
/// `schema_sample_every`-th; counters and `required` count every entry.
#[test]
fn schema_sampling_keeps_counters_exact() {
    let cfg = OasConfig {
        schema_samples: 4,
        schema_sample_every: 10,
        ..OasConfig::default()
    };
    let mut oas = Oas::new(cfg);
    let mut t = 1_700_000_000_000;
    for i in 1..=25u32 {
        t += 1000;
        // Entry 7 is skipped by sampling (its property never appears), entry 20 is sampled.
        let body = match i {
            7 => r#"{"id":1,"skipped":true}"#,
            20 => r#"{"id":1,"sampled":"x"}"#,
            _ => r#"{"id":1}"#,
        };
        let status = if i % 5 == 0 { 500 } else { 200 };
        oas.add(&http("shop.default", "GET", "/v1/items", status, body, t));
    }
    let doc = oas.document("shop.default").expect("doc");
    let get = &doc["paths"]["/v1/items"]["get"];
    assert_eq!(get["x-counters-total"]["entries"], 25);
    assert_eq!(get["x-counters-total"]["failures"], 5);
    let props = &get["responses"]["200"]["content"]["application/json"]["schema"]["properties"];
    assert!(props.get("id").is_some(), "{props}");
    assert!(
        props.get("skipped").is_none(),
        "entry 7 is not sampled: {props}"
    );
    assert!(props.get("sampled").is_none(), "entry 20 is a 500: {props}");
    let props500 = &get["responses"]["500"]["content"]["application/json"]["schema"]["properties"];
    assert!(
        props500.get("sampled").is_some(),
        "the 4th 500 is sampled: {props500}"
    );
    // Every request carried `page`: required although only some values were merged.
    assert_eq!(get["parameters"][0]["name"], "page");
    assert_eq!(get["parameters"][0]["required"], true);
    assert_eq!(oas.stats().entries, 25);
}
