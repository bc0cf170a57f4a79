//! The [`Entry`]: one request and its response (or a one-way message), as Mizu's
//! UI, filters and REST API know it. See `docs/entry.md` for every field.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::http::{HttpRequest, HttpResponse};

/// `protocol{name,version,abbr}`: e.g. `{"name":"http","version":"1.1","abbr":"HTTP"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protocol {
    /// Lower-case protocol family as Mizu names it: `http`, `amqp`, `kafka`, `redis`.
    pub name: Text,
    /// Version as seen on the wire (`1.1`, `1.0`, `2.0`, `0-9-1`).
    pub version: Text,
    /// Short badge text shown in the UI: `HTTP`, `HTTP/2`, `gRPC`.
    pub abbr: Text,
}

/// A string that is usually a constant (`"http"`, `"pcap"`): borrowed from the binary
/// without an allocation per entry, owned when read back from JSON or computed.
pub type Text = std::borrow::Cow<'static, str>;

/// A short string kept inline (up to 24 bytes: any IPv4 address, port, or store id)
/// instead of on the heap: an entry's endpoints cost no allocation.
pub type Short = compact_str::CompactString;

/// One side of the connection. `port` is a string, as in Mizu, so `dst.port == "80"` filters keep working.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub ip: Short,
    pub port: Short,
    /// Resolved name (`service.namespace` in a cluster), or empty.
    #[serde(default)]
    pub name: Short,
}

impl Endpoint {
    pub fn from_socket(addr: std::net::SocketAddr) -> Endpoint {
        let ip = match addr.ip() {
            // Formatted by hand: `Display` goes through `fmt` machinery, and every
            // entry needs two of these.
            std::net::IpAddr::V4(v4) => {
                let mut s = Short::default();
                for (i, o) in v4.octets().into_iter().enumerate() {
                    if i > 0 {
                        s.push('.');
                    }
                    push_decimal(&mut s, u32::from(o));
                }
                s
            }
            v6 => compact_str::ToCompactString::to_compact_string(&v6),
        };
        let mut port = Short::default();
        push_decimal(&mut port, u32::from(addr.port()));
        Endpoint {
            ip,
            port,
            name: Short::default(),
        }
    }
}

fn push_decimal(s: &mut Short, v: u32) {
    let mut digits = [0u8; 10];
    let mut n = v;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        s.push(char::from(d));
    }
}

/// A protocol-specific request or response. Serialised untagged: the JSON is just the
/// message object, exactly as Mizu's free-form `request`/`response` maps.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Payload {
    /// Nothing (an unanswered request's response, or a one-way message's).
    #[default]
    None,
    HttpRequest(Box<HttpRequest>),
    HttpResponse(Box<HttpResponse>),
    /// Any other protocol's message as a JSON object.
    Json(serde_json::Value),
    /// Same, already rendered as compact JSON text (keys sorted, as `Json` would print),
    /// by dissectors that skip building a tree. See [`crate::JsonBuf`].
    Raw(crate::RawJson),
}

impl Payload {
    pub fn is_none(&self) -> bool {
        matches!(self, Payload::None)
    }
    pub fn as_http_request(&self) -> Option<&HttpRequest> {
        match self {
            Payload::HttpRequest(r) => Some(r),
            _ => None,
        }
    }
    pub fn as_http_response(&self) -> Option<&HttpResponse> {
        match self {
            Payload::HttpResponse(r) => Some(r),
            _ => None,
        }
    }
    /// A JSON payload as a tree (`Raw` text is parsed); `None` for HTTP and `None`.
    pub fn json(&self) -> Option<std::borrow::Cow<'_, serde_json::Value>> {
        match self {
            Payload::Json(v) => Some(std::borrow::Cow::Borrowed(v)),
            Payload::Raw(r) => Some(std::borrow::Cow::Owned(r.to_value())),
            _ => None,
        }
    }
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Payload::None => s.serialize_none(),
            Payload::HttpRequest(r) => r.serialize(s),
            Payload::HttpResponse(r) => r.serialize(s),
            Payload::Json(v) => v.serialize(s),
            Payload::Raw(r) => r.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let obj = match &v {
            serde_json::Value::Null => return Ok(Payload::None),
            serde_json::Value::Object(o) => o,
            _ => return Ok(Payload::Json(v)),
        };
        // The HTTP shapes are recognised by their required keys; anything else stays JSON.
        let is_request = obj.contains_key("method")
            && obj.contains_key("httpVersion")
            && obj.contains_key("url");
        let is_response = obj.contains_key("status")
            && obj.contains_key("statusText")
            && obj.contains_key("content");
        if is_request && let Ok(r) = serde_json::from_value::<HttpRequest>(v.clone()) {
            return Ok(Payload::HttpRequest(Box::new(r)));
        }
        if is_response && let Ok(r) = serde_json::from_value::<HttpResponse>(v.clone()) {
            return Ok(Payload::HttpResponse(Box::new(r)));
        }
        Ok(Payload::Json(v))
    }
}

/// One exchange: Mizu's entry plus mizu's honesty flags (`truncated`, `gap`, `diagnostics`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Assigned by the store (Mizu zero-pads it to 24 digits). Empty until then.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub protocol: Protocol,
    /// How the bytes were captured: `pcap` (files and AF_PACKET), later `ebpf`.
    pub capture: Text,
    pub src: Endpoint,
    pub dst: Endpoint,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub outgoing: bool,
    /// Request capture time, milliseconds since the epoch (what Mizu filters compare).
    pub timestamp: i64,
    /// Request capture time, RFC 3339 with nanoseconds.
    pub start_time: String,
    /// Response time minus request time in milliseconds, floored at 0 (Mizu's `elapsedTime`).
    pub elapsed_time: i64,
    /// Same in microseconds, for sub-millisecond latencies.
    #[serde(default)]
    pub elapsed_micros: i64,
    pub request: Payload,
    #[serde(default, skip_serializing_if = "Payload::is_none")]
    pub response: Payload,
    /// Request bytes on the wire (head + body as sent).
    pub request_size: u64,
    /// Response bytes on the wire (head + body as sent); 0 when there is no response.
    pub response_size: u64,
    /// A body was cut by the body cap, the decompression cap, or the capture's snaplen.
    #[serde(default)]
    pub truncated: bool,
    /// Bytes of this exchange were never captured: what is shown is what survived the gap.
    #[serde(default)]
    pub gap: bool,
    /// What the dissector noticed but could not fix (malformed header, unanswered request…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<String>,
    /// Capture-time flow id (one TCP connection), to group entries by connection.
    /// Unique per capturing agent: in a hub fed by several agents, `node.name` + `flow`.
    #[serde(default)]
    pub flow: u64,
    /// The node (agent) that captured the entry, set by the hub from the agent's
    /// connection when the agent did not; absent for `mizu read`. Kubeshark's `node`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<Node>,
}

/// Where an entry was captured: `{"name": "node-a", "ip": "10.0.0.1"}` (ip may be empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub name: Short,
    #[serde(default)]
    pub ip: Short,
}

impl Entry {
    /// Request time in nanoseconds reconstructed from `startTime` is lossy; callers that need
    /// nanoseconds keep them. This helper turns a pair of capture times into Mizu's fields.
    pub fn set_times(&mut self, request_ns: u64, response_ns: Option<u64>) {
        self.set_times_with(crate::rfc3339_nanos(request_ns), request_ns, response_ns);
    }

    fn set_times_with(&mut self, start_time: String, request_ns: u64, response_ns: Option<u64>) {
        self.timestamp = (request_ns / 1_000_000) as i64;
        self.start_time = start_time;
        let (ms, us) = match response_ns {
            Some(r) if r > request_ns => {
                let d = r - request_ns;
                ((d / 1_000_000) as i64, (d / 1_000) as i64)
            }
            _ => (0, 0),
        };
        self.elapsed_time = ms;
        self.elapsed_micros = us;
    }

    /// Appends the entry as compact JSON, byte-identical to `serde_json::to_vec(self)`
    /// (tests compare both on every fixture and on random entries). Field names and their
    /// punctuation go out as one constant slice each instead of through `Serialize`:
    /// `mizu read --format jsonl` spends most of its printing time here.
    pub fn write_json(&self, out: &mut Vec<u8>) -> Result<(), crate::json::Error> {
        self.write_json_with(out, None)
    }

    /// [`Entry::write_json`] streaming long strings (bodies) and long raw payloads through
    /// `spill` instead of appending them to `out` (see
    /// [`crate::json::write_json_spilling`]): printing a large body holds no second copy
    /// of it. The bytes `spill` receives followed by `out` are the same JSON text.
    pub fn write_json_spilling(
        &self,
        out: &mut Vec<u8>,
        spill: &mut crate::json::Spill<'_>,
    ) -> Result<(), crate::json::Error> {
        self.write_json_with(out, Some(spill))
    }

    fn write_json_with(
        &self,
        out: &mut Vec<u8>,
        mut spill: Option<&mut crate::json::Spill<'_>>,
    ) -> Result<(), crate::json::Error> {
        use crate::json::write_str_into as s;
        out.reserve(512);
        out.push(b'{');
        if !self.id.is_empty() {
            out.extend_from_slice(b"\"id\":");
            s(out, &self.id);
            out.push(b',');
        }
        out.extend_from_slice(b"\"protocol\":{\"name\":");
        s(out, &self.protocol.name);
        out.extend_from_slice(b",\"version\":");
        s(out, &self.protocol.version);
        out.extend_from_slice(b",\"abbr\":");
        s(out, &self.protocol.abbr);
        out.extend_from_slice(b"},\"capture\":");
        s(out, &self.capture);
        out.extend_from_slice(b",\"src\":");
        self.src.write_json(out);
        out.extend_from_slice(b",\"dst\":");
        self.dst.write_json(out);
        out.extend_from_slice(b",\"namespace\":");
        s(out, &self.namespace);
        out.extend_from_slice(if self.outgoing {
            b",\"outgoing\":true,\"timestamp\":"
        } else {
            b",\"outgoing\":false,\"timestamp\":"
        });
        crate::json::push_i64(out, self.timestamp);
        out.extend_from_slice(b",\"startTime\":");
        s(out, &self.start_time);
        out.extend_from_slice(b",\"elapsedTime\":");
        crate::json::push_i64(out, self.elapsed_time);
        out.extend_from_slice(b",\"elapsedMicros\":");
        crate::json::push_i64(out, self.elapsed_micros);
        out.extend_from_slice(b",\"request\":");
        self.request.write_json(out, spill.as_deref_mut())?;
        if !self.response.is_none() {
            out.extend_from_slice(b",\"response\":");
            self.response.write_json(out, spill)?;
        }
        out.extend_from_slice(b",\"requestSize\":");
        crate::json::push_u64(out, self.request_size);
        out.extend_from_slice(b",\"responseSize\":");
        crate::json::push_u64(out, self.response_size);
        out.extend_from_slice(match (self.truncated, self.gap) {
            (false, false) => b",\"truncated\":false,\"gap\":false",
            (false, true) => b",\"truncated\":false,\"gap\":true",
            (true, false) => b",\"truncated\":true,\"gap\":false",
            (true, true) => b",\"truncated\":true,\"gap\":true",
        });
        if !self.diagnostics.is_empty() {
            out.extend_from_slice(b",\"diagnostics\":[");
            for (i, d) in self.diagnostics.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                s(out, d);
            }
            out.push(b']');
        }
        out.extend_from_slice(b",\"flow\":");
        crate::json::push_u64(out, self.flow);
        if let Some(n) = &self.node {
            out.extend_from_slice(b",\"node\":{\"name\":");
            s(out, &n.name);
            out.extend_from_slice(b",\"ip\":");
            s(out, &n.ip);
            out.push(b'}');
        }
        out.push(b'}');
        Ok(())
    }
}

impl Endpoint {
    /// Appends the endpoint's JSON, as `Serialize` writes it.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        use crate::json::write_str_into as s;
        out.extend_from_slice(b"{\"ip\":");
        s(out, &self.ip);
        out.extend_from_slice(b",\"port\":");
        s(out, &self.port);
        out.extend_from_slice(b",\"name\":");
        s(out, &self.name);
        out.push(b'}');
    }
}

impl Payload {
    /// As `Serialize` would write it (see [`Entry::write_json`]).
    fn write_json(
        &self,
        out: &mut Vec<u8>,
        spill: Option<&mut crate::json::Spill<'_>>,
    ) -> Result<(), crate::json::Error> {
        use crate::json::{write_json, write_json_spilling};
        // The common HTTP messages key by key; anything else through `Serialize`.
        let fast = match self {
            Payload::HttpRequest(r) => r.write_json_fast(out, spill.is_some()),
            Payload::HttpResponse(r) => r.write_json_fast(out, spill.is_some()),
            _ => false,
        };
        if fast {
            return Ok(());
        }
        match (self, spill) {
            (Payload::None, _) => out.extend_from_slice(b"null"),
            (Payload::Raw(r), spill) => crate::json::spill_raw(out, r.as_str().as_bytes(), spill)?,
            (Payload::HttpRequest(r), None) => write_json(out, r)?,
            (Payload::HttpResponse(r), None) => write_json(out, r)?,
            (Payload::Json(v), None) => write_json(out, v)?,
            (Payload::HttpRequest(r), Some(sp)) => write_json_spilling(out, r, sp)?,
            (Payload::HttpResponse(r), Some(sp)) => write_json_spilling(out, r, sp)?,
            (Payload::Json(v), Some(sp)) => write_json_spilling(out, v, sp)?,
        }
        Ok(())
    }
}

/// [`Entry::set_times`] with `startTime` formatted once per request time: pipelined or
/// batched messages share the capture time of their packet, and the text is most of the
/// cost. One per session.
#[derive(Clone, Debug, Default)]
pub struct StartTimes {
    last: Option<(u64, String)>,
}

impl StartTimes {
    pub fn set(&mut self, e: &mut Entry, request_ns: u64, response_ns: Option<u64>) {
        let start = match &self.last {
            Some((t, s)) if *t == request_ns => s.clone(),
            _ => {
                let s = crate::rfc3339_nanos(request_ns);
                self.last = Some((request_ns, s.clone()));
                s
            }
        };
        e.set_times_with(start, request_ns, response_ns);
    }
}

#[cfg(test)]
mod endpoint_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn start_times_cache_equals_set_times(times in proptest::collection::vec((0u64..3, any::<Option<u16>>()), 1..20)) {
            let mut cache = StartTimes::default();
            let blank = crate::Entry::deserialize(serde_json::json!({
                "protocol": {"name": "redis", "version": "2", "abbr": "REDIS"}, "capture": "pcap",
                "src": {"ip": "", "port": ""}, "dst": {"ip": "", "port": ""}, "timestamp": 0,
                "startTime": "", "elapsedTime": 0, "request": null, "requestSize": 0, "responseSize": 0
            })).map_err(|e| TestCaseError::fail(e.to_string()))?;
            for (t, resp) in times {
                let request = 1_795_423_524_537_994_000 + t * 1_000_123;
                let response = resp.map(|d| request + u64::from(d) * 997 - 5_000);
                let (mut a, mut b) = (blank.clone(), blank.clone());
                cache.set(&mut a, request, response);
                b.set_times(request, response);
                prop_assert_eq!(a, b);
            }
        }

        #[test]
        fn from_socket_formats_like_display(a in any::<[u8; 4]>(), b in any::<[u8; 16]>(), port in any::<u16>()) {
            for addr in [
                std::net::SocketAddr::from((a, port)),
                std::net::SocketAddr::from((b, port)),
            ] {
                let e = Endpoint::from_socket(addr);
                prop_assert_eq!(e.ip, addr.ip().to_string());
                prop_assert_eq!(e.port, port.to_string());
            }
        }
    }
}
