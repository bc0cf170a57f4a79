//! `Entry::write_json` (the hand-written writer `mizu read` and the hub use) must print
//! exactly what `serde_json::to_vec` prints for the same entry: on every committed
//! fixture entry of every protocol, and on random entries.

use mizu_model::{Entry, Payload, RawJson};
use proptest::prelude::*;
use std::path::Path;

fn expected_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            expected_files(&p, out);
        } else if p.to_string_lossy().ends_with(".expected.jsonl") {
            out.push(p);
        }
    }
}

fn ours(e: &Entry) -> Vec<u8> {
    let mut out = Vec::new();
    e.write_json(&mut out).expect("write_json");
    out
}

#[test]
fn every_fixture_entry_prints_as_serde_json_does() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let mut files = Vec::new();
    expected_files(&root, &mut files);
    assert!(
        files.len() >= 20,
        "fixtures missing under {}",
        root.display()
    );
    let mut checked = 0usize;
    let mut kinds = std::collections::BTreeSet::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read fixture");
        for (i, line) in text.lines().enumerate() {
            let e: Entry = serde_json::from_str(line)
                .unwrap_or_else(|err| panic!("{}:{}: {err}", f.display(), i + 1));
            for p in [&e.request, &e.response] {
                kinds.insert(match p {
                    Payload::None => "none",
                    Payload::HttpRequest(_) => "http-request",
                    Payload::HttpResponse(_) => "http-response",
                    Payload::Json(_) => "json",
                    Payload::Raw(_) => "raw",
                });
            }
            let want = serde_json::to_vec(&e).expect("serde_json");
            let got = ours(&e);
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want),
                "{}:{}",
                f.display(),
                i + 1
            );
            // And both print the fixture line itself (it was written by `mizu read`), except
            // for HTTP, whose header order does not survive deserialising into `HttpRequest`
            // (the golden test covers those: it compares `mizu read` output with the line).
            let http = matches!(e.request, Payload::HttpRequest(_))
                || matches!(e.response, Payload::HttpResponse(_));
            assert!(http || got == line.as_bytes(), "{}:{}", f.display(), i + 1);

            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} entries checked");
    for k in ["none", "http-request", "http-response", "json"] {
        assert!(
            kinds.contains(k),
            "no fixture payload of kind {k}: {kinds:?}"
        );
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9./:-]{0,12}",
        any::<String>(),
        "[\"\\\\\u{0}-\u{1f}é a]{0,10}",
    ]
}

proptest! {
    #[test]
    fn random_entries_print_as_serde_json_does(
        strs in proptest::collection::vec(text(), 11),
        flags in any::<[bool; 3]>(),
        nums in any::<(i64, i64, i64, u64, u64, u64)>(),
        diags in proptest::collection::vec(text(), 0..3),
        payloads in any::<(u8, u8)>(),
    ) {
        let payload = |k: u8, s: &str| match k % 4 {
            0 => Payload::None,
            1 => Payload::Json(serde_json::json!({ "k": s, "n": [1, 2.5, null, true] })),
            2 => Payload::Raw(RawJson::from_value(&serde_json::json!({ "a": s, "b": {} }))),
            _ => Payload::Json(serde_json::Value::String(s.to_owned())),
        };
        let blank: Entry = serde_json::from_value(serde_json::json!({
            "protocol": {"name": "", "version": "", "abbr": ""}, "capture": "",
            "src": {"ip": "", "port": ""}, "dst": {"ip": "", "port": ""}, "timestamp": 0,
            "startTime": "", "elapsedTime": 0, "request": null, "requestSize": 0, "responseSize": 0
        })).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut e = blank;
        e.id = strs[0].clone();
        e.protocol.name = strs[1].clone().into();
        e.protocol.version = strs[2].clone().into();
        e.protocol.abbr = strs[3].clone().into();
        e.capture = strs[4].clone().into();
        e.src.ip = strs[5].as_str().into();
        e.src.port = strs[6].as_str().into();
        e.src.name = strs[7].as_str().into();
        e.dst.ip = strs[8].as_str().into();
        e.namespace = strs[9].clone();
        e.start_time = strs[10].clone();
        (e.outgoing, e.truncated, e.gap) = (flags[0], flags[1], flags[2]);
        (e.timestamp, e.elapsed_time, e.elapsed_micros, e.request_size, e.response_size, e.flow) = nums;
        e.diagnostics = diags;
        e.request = payload(payloads.0, &strs[1]);
        e.response = payload(payloads.1, &strs[2]);
        if payloads.0 % 3 == 0 {
            e.node = Some(mizu_model::Node { name: strs[7].as_str().into(), ip: strs[5].as_str().into() });
        }
        let (got, want) = (ours(&e), serde_json::to_vec(&e).expect("serde_json"));
        prop_assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&want));
    }
}

/// `write_json_spilling`: what the spill receives followed by what is left in the buffer.
fn spilled(e: &Entry) -> (Vec<u8>, usize) {
    let mut got = Vec::new();
    let mut buf = Vec::new();
    let mut largest = 0usize;
    let mut spill = |b: &[u8]| {
        largest = largest.max(b.len());
        got.extend_from_slice(b);
        Ok(())
    };
    e.write_json_spilling(&mut buf, &mut spill)
        .expect("write_json_spilling");
    got.extend_from_slice(&buf);
    (got, largest)
}

#[test]
fn large_bodies_stream_through_the_spill_with_the_same_text() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let mut files = Vec::new();
    expected_files(&root, &mut files);
    // A body of every byte class (quotes, controls, multi-byte UTF-8 split across the
    // 64 KiB pieces), in a request, a response and a raw payload.
    let unit = "text \"quoted\" \\ tab\t nl\n é € 😀 \u{1}";
    let big: String = unit.repeat((600 << 10) / unit.len());
    let mut checked = 0;
    for f in files
        .iter()
        .filter(|f| f.to_string_lossy().contains("http1"))
    {
        let text = std::fs::read_to_string(f).expect("read fixture");
        for line in text.lines().take(3) {
            let mut e: Entry = serde_json::from_str(line).expect("entry");
            if let Payload::HttpResponse(r) = &mut e.response {
                r.content.text = big.clone();
            }
            if let Payload::HttpRequest(r) = &mut e.request
                && let Some(p) = &mut r.post_data
            {
                p.text = big.clone();
            }
            let (got, largest) = spilled(&e);
            assert_eq!(got, ours(&e), "{}", f.display());
            assert!(largest < 200 << 10, "a spilled piece of {largest} bytes");
            checked += 1;
        }
    }
    assert!(checked > 0);
    let raw = RawJson::from_value(&serde_json::json!({ "value": big }));
    let e: Entry = serde_json::from_value(serde_json::json!({
        "protocol": {"name": "redis", "version": "", "abbr": ""}, "capture": "",
        "src": {"ip": "", "port": ""}, "dst": {"ip": "", "port": ""}, "timestamp": 0,
        "startTime": "", "elapsedTime": 0, "request": null, "requestSize": 0, "responseSize": 0
    }))
    .expect("entry");
    let e = Entry {
        response: Payload::Raw(raw),
        ..e
    };
    assert_eq!(spilled(&e).0, ours(&e));
    assert_eq!(ours(&e), serde_json::to_vec(&e).expect("serde_json"));
}

fn pairs(names: &[String], values: &[String]) -> Vec<mizu_model::Header> {
    names
        .iter()
        .zip(values)
        .map(|(n, v)| mizu_model::Header::new(n.as_str(), v.as_str()))
        .collect()
}

proptest! {
    /// HTTP messages are written key by key when common (unique names, no body, trailers
    /// or gRPC), through `Serialize` otherwise: both must print what serde_json prints,
    /// plainly and through the spill.
    #[test]
    fn random_http_messages_print_as_serde_json_does(
        strs in proptest::collection::vec(text(), 8),
        names in proptest::collection::vec("[a-cA-C]{1,2}", 0..5),
        values in proptest::collection::vec(text(), 5),
        opts in any::<[bool; 6]>(),
        nums in any::<(u16, u64, u64, u64)>(),
    ) {
        use mizu_model::{Content, HttpRequest, HttpResponse, PostData};
        let req = HttpRequest {
            method: strs[0].clone(),
            url: strs[1].clone(),
            target_uri: strs[2].clone(),
            path: strs[3].clone(),
            path_segments: if opts[0] { vec![strs[4].clone(), strs[5].clone()] } else { vec![] },
            http_version: strs[6].clone(),
            headers: pairs(&names, &values),
            cookies: if opts[1] { pairs(&names[..names.len().min(2)], &values) } else { vec![] },
            query_string: pairs(&names[names.len() / 2..], &values),
            post_data: opts[2].then(|| PostData { text: strs[7].clone(), ..PostData::default() }),
            body_size: nums.1,
            headers_size: nums.2,
            trailers: if opts[3] && opts[4] { pairs(&names, &values) } else { vec![] },
            grpc: None,
        };
        let resp = HttpResponse {
            status: nums.0,
            status_text: strs[4].clone(),
            http_version: strs[6].clone(),
            headers: pairs(&names, &values),
            cookies: if opts[1] { pairs(&names, &values) } else { vec![] },
            content: Content {
                mime_type: strs[5].clone(),
                encoding: opts[3].then(|| strs[1].clone()),
                text: strs[7].clone(),
                size: nums.3,
                compression: opts[4].then(|| strs[2].clone()),
                truncated: opts[5],
            },
            body_size: nums.1,
            headers_size: nums.2,
            redirect_url: if opts[0] { strs[3].clone() } else { String::new() },
            trailers: vec![],
            informational: if opts[2] && opts[5] { vec![100] } else { vec![] },
            grpc: None,
        };
        let mut e: Entry = serde_json::from_value(serde_json::json!({
            "protocol": {"name": "http", "version": "1.1", "abbr": "HTTP"}, "capture": "",
            "src": {"ip": "", "port": ""}, "dst": {"ip": "", "port": ""}, "timestamp": 0,
            "startTime": "", "elapsedTime": 0, "request": null, "requestSize": 0, "responseSize": 0
        })).map_err(|e| TestCaseError::fail(e.to_string()))?;
        e.request = Payload::HttpRequest(Box::new(req));
        e.response = Payload::HttpResponse(Box::new(resp));
        let want = serde_json::to_vec(&e).expect("serde_json");
        let got = ours(&e);
        prop_assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&want));
        let (spilled, _) = spilled(&e);
        prop_assert_eq!(String::from_utf8_lossy(&spilled), String::from_utf8_lossy(&want));
    }
}
