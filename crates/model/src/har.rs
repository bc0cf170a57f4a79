//! HTTP Archive 1.2 output: the one HAR writer `mizu read --format har` and the hub's
//! `GET /entries/har` share. Pure: entries in, JSON values out.

use crate::{Entry, Header, HttpRequest, HttpResponse, Payload};
use serde_json::{Value, json};

/// Everything of a HAR document before its first entry (entries follow, comma
/// separated, then [`EPILOGUE`]).
pub const PREAMBLE: &str = concat!(
    "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"mizu\",\"version\":\"",
    env!("CARGO_PKG_VERSION"),
    "\"},\"pages\":[],\"entries\":[\n"
);

/// What closes a HAR document after its last entry.
pub const EPILOGUE: &str = "\n]}}\n";

fn har_pairs(pairs: &[Header]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|h| json!({"name": h.name, "value": h.value}))
            .collect(),
    )
}

fn har_request(r: &HttpRequest) -> Value {
    let mut v = json!({
        "method": r.method,
        "url": r.url,
        "httpVersion": r.http_version,
        "cookies": har_pairs(&r.cookies),
        "headers": har_pairs(&r.headers),
        "queryString": har_pairs(&r.query_string),
        "headersSize": r.headers_size,
        "bodySize": r.body_size,
    });
    if let Some(p) = &r.post_data {
        let mut pd = json!({ "mimeType": p.mime_type, "text": p.text });
        if !p.params.is_empty() {
            pd["params"] = Value::Array(
                p.params
                    .iter()
                    .map(|f| {
                        let mut o = json!({"name": f.name, "value": f.value});
                        if let Some(n) = &f.file_name {
                            o["fileName"] = json!(n);
                        }
                        if let Some(c) = &f.content_type {
                            o["contentType"] = json!(c);
                        }
                        o
                    })
                    .collect(),
            );
        }
        if let Some(enc) = &p.encoding {
            pd["encoding"] = json!(enc);
        }
        v["postData"] = pd;
    }
    v
}

fn har_response(r: Option<&HttpResponse>) -> Value {
    let Some(r) = r else {
        // HAR requires a response; an unanswered request shows as status 0, as browsers do.
        return json!({
            "status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "",
            "headersSize": -1, "bodySize": -1, "_error": "no response captured"
        });
    };
    let mut content = json!({
        "size": r.content.size,
        "mimeType": if r.content.mime_type.is_empty() { "x-unknown" } else { r.content.mime_type.as_str() },
        "text": r.content.text,
    });
    if let Some(enc) = &r.content.encoding {
        content["encoding"] = json!(enc);
    }
    if r.content.compression.is_some() {
        content["compression"] = json!(r.content.size as i64 - r.body_size as i64);
    }
    json!({
        "status": r.status,
        "statusText": r.status_text,
        "httpVersion": r.http_version,
        "cookies": har_pairs(&r.cookies),
        "headers": har_pairs(&r.headers),
        "content": content,
        "redirectURL": r.redirect_url,
        "headersSize": r.headers_size,
        "bodySize": r.body_size,
    })
}

/// The HAR `entries[]` item for an HTTP entry; `None` for other protocols.
pub fn entry(e: &Entry) -> Option<Value> {
    let Payload::HttpRequest(req) = &e.request else {
        return None;
    };
    let resp = e.response.as_http_response();
    let total_ms = e.elapsed_micros as f64 / 1000.0;
    Some(json!({
        "startedDateTime": e.start_time,
        "time": total_ms,
        "request": har_request(req),
        "response": har_response(resp),
        "cache": {},
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "send": 0, "wait": total_ms, "receive": 0, "ssl": -1},
        "serverIPAddress": e.dst.ip,
        "connection": e.flow.to_string(),
        "_src": format!("{}:{}", e.src.ip, e.src.port),
        "_truncated": e.truncated,
        "_gap": e.gap,
    }))
}
