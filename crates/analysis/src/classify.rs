//! What counts as a failed exchange, per protocol (issue 17): HTTP status ≥ 500 or no
//! response at all (transport failure), gRPC `grpc-status` ≠ 0, a Redis error reply, a
//! Kafka `errorCode` ≠ 0 anywhere in the response, an AMQP `Channel.Close` /
//! `Connection.Close` with a reply code other than 200. Also the facts every analysis
//! reads from an entry (latency, method, path) so they are derived once.

use mizu_model::{Entry, Payload};

/// Latency in microseconds (`elapsedMicros`, else `elapsedTime` in ms).
pub fn latency_us(e: &Entry) -> u64 {
    if e.elapsed_micros > 0 {
        e.elapsed_micros as u64
    } else {
        (e.elapsed_time.max(0) as u64).saturating_mul(1000)
    }
}

/// HTTP status of the response, if any.
pub fn http_status(e: &Entry) -> Option<u16> {
    e.response.as_http_response().map(|r| r.status)
}

/// Whether the exchange failed (see the module doc).
pub fn is_error(e: &Entry) -> bool {
    match &*e.protocol.name {
        "http" => {
            let Some(r) = e.response.as_http_response() else {
                // A request with no response: reset, timeout or the peer went away.
                // One-way messages (WebSocket frames) are not HTTP requests.
                return e.request.as_http_request().is_some();
            };
            if r.status >= 500 {
                return true;
            }
            if let Some(g) = &r.grpc
                && let Some(s) = g.status
            {
                return s != 0;
            }
            // gRPC carries its status in a header when there is no body.
            r.headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("grpc-status"))
                .is_some_and(|h| h.value.trim() != "0")
        }
        "redis" => json_str(&e.response, "type").as_deref() == Some("error"),
        "kafka" => any_nonzero_error_code(&e.response),
        "amqp" => {
            let m = json_str(&e.request, "method");
            matches!(m.as_deref(), Some("Channel.Close" | "Connection.Close"))
                && json_i64(&e.request, "replyCode").is_some_and(|c| c != 200)
        }
        _ => false,
    }
}

/// A top-level string member of a JSON payload.
fn json_str(p: &Payload, key: &str) -> Option<String> {
    match p {
        Payload::Json(v) => v.get(key)?.as_str().map(str::to_owned),
        Payload::Raw(r) => raw_member(r.as_str(), key).and_then(|v| {
            serde_json::from_str::<serde_json::Value>(v)
                .ok()?
                .as_str()
                .map(str::to_owned)
        }),
        _ => None,
    }
}

fn json_i64(p: &Payload, key: &str) -> Option<i64> {
    match p {
        Payload::Json(v) => v.get(key)?.as_i64(),
        Payload::Raw(r) => raw_member(r.as_str(), key)?.parse().ok(),
        _ => None,
    }
}

/// The text of a scalar top-level member of a compact JSON object, without parsing the
/// rest (payloads can be large). Walks the object at depth 1 only.
fn raw_member<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0usize;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let end = i.min(b.len());
                i += 1;
                if depth == 1 && b.get(i) == Some(&b':') && s.get(start..end) == Some(key) {
                    let vstart = i + 1;
                    let mut j = vstart;
                    if b.get(j) == Some(&b'"') {
                        j += 1;
                        while j < b.len() && b[j] != b'"' {
                            if b[j] == b'\\' {
                                j += 1;
                            }
                            j += 1;
                        }
                        return s.get(vstart..(j + 1).min(b.len()));
                    }
                    while j < b.len() && !matches!(b[j], b',' | b'}' | b']') {
                        j += 1;
                    }
                    return s.get(vstart..j);
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

fn any_nonzero_error_code(p: &Payload) -> bool {
    match p {
        Payload::Json(v) => value_has_error_code(v, 0),
        Payload::Raw(r) => {
            let s = r.as_str();
            let pat = "\"errorCode\":";
            let mut from = 0;
            while let Some(off) = s.get(from..).and_then(|t| t.find(pat)) {
                let v = from + off + pat.len();
                let rest = s.get(v..).unwrap_or("");
                let num: &str = rest
                    .split(|c: char| !(c.is_ascii_digit() || c == '-'))
                    .next()
                    .unwrap_or("");
                if !num.is_empty() && num.parse::<i64>().is_ok_and(|n| n != 0) {
                    return true;
                }
                from = v;
            }
            false
        }
        _ => false,
    }
}

fn value_has_error_code(v: &serde_json::Value, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match v {
        serde_json::Value::Object(o) => o.iter().any(|(k, v)| {
            (k == "errorCode" && v.as_i64().is_some_and(|n| n != 0))
                || value_has_error_code(v, depth + 1)
        }),
        serde_json::Value::Array(a) => a.iter().any(|v| value_has_error_code(v, depth + 1)),
        _ => false,
    }
}

/// The HTTP `Host` (or HTTP/2 `:authority`) of a request, without the port.
pub fn http_host(e: &Entry) -> Option<&str> {
    let r = e.request.as_http_request()?;
    let h = r.headers.iter().find(|h| {
        h.name.eq_ignore_ascii_case("host") || h.name.eq_ignore_ascii_case(":authority")
    })?;
    let v = h.value.trim();
    let host = if let Some(rest) = v.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        match v.rsplit_once(':') {
            Some((h, p))
                if !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()) && !h.contains(':') =>
            {
                h
            }
            _ => v,
        }
    };
    (!host.is_empty()).then_some(host)
}

/// The operation: HTTP method, Redis command, Kafka API name, AMQP method.
pub fn method_of(e: &Entry) -> std::borrow::Cow<'_, str> {
    if let Some(r) = e.request.as_http_request() {
        return std::borrow::Cow::Borrowed(&r.method);
    }
    let key = match &*e.protocol.name {
        "redis" => "command",
        "kafka" => "apiKeyName",
        _ => "method",
    };
    std::borrow::Cow::Owned(json_str(&e.request, key).unwrap_or_default())
}

/// The HTTP path without the query string (gRPC: `/package.Service/Method`); empty for
/// other protocols (Redis keys, Kafka topics… would make an endpoint per key).
pub fn path_of(e: &Entry) -> &str {
    match e.request.as_http_request() {
        Some(r) => r.path.split('?').next().unwrap_or(""),
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(v: serde_json::Value) -> Entry {
        let mut base = json!({
            "protocol": {"name": "http", "version": "1.1", "abbr": "HTTP"},
            "capture": "pcap",
            "src": {"ip": "10.0.0.1", "port": "40000"},
            "dst": {"ip": "10.0.0.2", "port": "80"},
            "timestamp": 1, "startTime": "", "elapsedTime": 0,
            "request": null, "requestSize": 0, "responseSize": 0
        });
        if let (Some(b), Some(o)) = (base.as_object_mut(), v.as_object()) {
            for (k, v) in o {
                b.insert(k.clone(), v.clone());
            }
        }
        serde_json::from_value(base).expect("entry")
    }

    fn http_req() -> serde_json::Value {
        json!({"method": "GET", "url": "/", "targetUri": "/", "path": "/", "httpVersion": "HTTP/1.1",
               "headers": {"Host": "api.shop:8080"}, "queryString": {}, "cookies": {}})
    }

    fn http_resp(status: u16, headers: serde_json::Value) -> serde_json::Value {
        json!({"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
               "headers": headers, "cookies": {}, "content": {"size": 0, "mimeType": "", "text": ""}})
    }

    #[test]
    fn error_classification_per_protocol() {
        let grpc = json!({"name": "http", "version": "2.0", "abbr": "gRPC"});
        let cases: Vec<(&str, serde_json::Value, bool)> = vec![
            (
                "http 200",
                json!({"request": http_req(), "response": http_resp(200, json!({}))}),
                false,
            ),
            (
                "http 404",
                json!({"request": http_req(), "response": http_resp(404, json!({}))}),
                false,
            ),
            (
                "http 499",
                json!({"request": http_req(), "response": http_resp(499, json!({}))}),
                false,
            ),
            (
                "http 500",
                json!({"request": http_req(), "response": http_resp(500, json!({}))}),
                true,
            ),
            (
                "http 503",
                json!({"request": http_req(), "response": http_resp(503, json!({}))}),
                true,
            ),
            ("http no response", json!({"request": http_req()}), true),
            (
                "grpc ok",
                json!({"protocol": grpc, "request": http_req(), "response": http_resp(200, json!({"grpc-status": "0"}))}),
                false,
            ),
            (
                "grpc status 3",
                json!({"protocol": grpc, "request": http_req(), "response": http_resp(200, json!({"grpc-status": "3"}))}),
                true,
            ),
            (
                "grpc field 14",
                json!({"protocol": grpc, "request": http_req(), "response": {
                "status": 200, "statusText": "", "httpVersion": "HTTP/2.0", "headers": {}, "cookies": {},
                "content": {"size": 0, "mimeType": "", "text": ""}, "grpc": {"status": 14, "messages": []}}}),
                true,
            ),
            (
                "grpc field 0",
                json!({"protocol": grpc, "request": http_req(), "response": {
                "status": 200, "statusText": "", "httpVersion": "HTTP/2.0", "headers": {}, "cookies": {},
                "content": {"size": 0, "mimeType": "", "text": ""}, "grpc": {"status": 0, "messages": []}}}),
                false,
            ),
            (
                "redis ok",
                json!({"protocol": {"name": "redis", "version": "2", "abbr": "REDIS"},
                "request": {"command": "GET"}, "response": {"type": "bulk", "value": "error"}}),
                false,
            ),
            (
                "redis error",
                json!({"protocol": {"name": "redis", "version": "2", "abbr": "REDIS"},
                "request": {"command": "GET"}, "response": {"type": "error", "error": "WRONGTYPE"}}),
                true,
            ),
            (
                "redis unanswered",
                json!({"protocol": {"name": "redis", "version": "2", "abbr": "REDIS"},
                "request": {"command": "GET"}}),
                false,
            ),
            (
                "kafka ok",
                json!({"protocol": {"name": "kafka", "version": "9", "abbr": "KAFKA"},
                "request": {"apiKey": 3}, "response": {"payload": {"topics": [{"errorCode": 0}]}}}),
                false,
            ),
            (
                "kafka nested error",
                json!({"protocol": {"name": "kafka", "version": "9", "abbr": "KAFKA"},
                "request": {"apiKey": 3}, "response": {"payload": {"topics": [{"errorCode": 0}, {"errorCode": 3}]}}}),
                true,
            ),
            (
                "amqp close ok",
                json!({"protocol": {"name": "amqp", "version": "0-9-1", "abbr": "AMQP"},
                "request": {"method": "Channel.Close", "replyCode": 200}}),
                false,
            ),
            (
                "amqp channel close 404",
                json!({"protocol": {"name": "amqp", "version": "0-9-1", "abbr": "AMQP"},
                "request": {"method": "Channel.Close", "replyCode": 404}}),
                true,
            ),
            (
                "amqp connection close 320",
                json!({"protocol": {"name": "amqp", "version": "0-9-1", "abbr": "AMQP"},
                "request": {"method": "Connection.Close", "replyCode": 320}}),
                true,
            ),
            (
                "amqp publish",
                json!({"protocol": {"name": "amqp", "version": "0-9-1", "abbr": "AMQP"},
                "request": {"method": "Basic.Publish", "replyCode": 404}}),
                false,
            ),
        ];
        for (name, v, want) in cases {
            let e = entry(v);
            assert_eq!(is_error(&e), want, "{name}");
            // The same answer when the payload is compact JSON text (what dissectors emit).
            let mut raw = e.clone();
            for p in [&mut raw.request, &mut raw.response] {
                if let Payload::Json(v) = p {
                    *p = Payload::Raw(mizu_model::RawJson::from_value(v));
                }
            }
            assert_eq!(is_error(&raw), want, "{name} (raw)");
        }
    }

    #[test]
    fn raw_member_reads_only_the_top_level() {
        let s = r#"{"a":{"type":"error"},"list":["type"],"type":"bulk","n":-5}"#;
        assert_eq!(raw_member(s, "type"), Some("\"bulk\""));
        assert_eq!(raw_member(s, "n"), Some("-5"));
        assert_eq!(raw_member(s, "missing"), None);
        assert_eq!(raw_member("{\"x\":\"a\\\"b\"}", "x"), Some("\"a\\\"b\""));
        assert_eq!(raw_member("{\"x", "x"), None);
    }

    #[test]
    fn host_without_port() {
        let e = entry(json!({"request": http_req()}));
        assert_eq!(http_host(&e), Some("api.shop"));
        assert_eq!(latency_us(&entry(json!({"elapsedTime": 3}))), 3000);
        assert_eq!(
            latency_us(&entry(json!({"elapsedTime": 3, "elapsedMicros": 3456}))),
            3456
        );
    }
}
