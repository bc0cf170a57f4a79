//! Helpers the hub's socket-level tests share: a hub configured as the CLI configures it
//! (the registry's protocol table), served on a free loopback port; one-shot HTTP/1.1
//! requests with `Connection: close`; WebSocket clients; the real entries of the HTTP/1
//! captures; the process's resident size.

#![allow(dead_code)] // each test file uses a subset

use mizu_hub::{Hub, HubConfig};
use mizu_model::Entry;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;
use tungstenite::client::IntoClientRequest;
use tungstenite::{Message, WebSocket};

/// The default hub settings with the registry's protocol table, as `mizu hub`, `mizu tap`
/// and `mizu read --serve` build them.
pub fn config() -> HubConfig {
    HubConfig {
        protocols: mizu_dissectors::Registry::default().table(),
        ..HubConfig::default()
    }
}

/// Serves `config`'s hub on 127.0.0.1:0 from its own runtime thread.
pub fn start(config: HubConfig) -> (Hub, SocketAddr) {
    let hub = Hub::new(config).expect("hub");
    let h = hub.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(l.local_addr().expect("addr")).expect("send addr");
            h.serve(l, std::future::pending()).await.expect("serve");
        });
    });
    let addr = rx.recv().expect("hub address");
    (hub, addr)
}

/// Sends raw request bytes; returns status, lower-cased head and body bytes (as sent: not
/// de-chunked). The hub may answer (and close) before it has read everything, so write
/// errors are ignored.
pub fn raw(addr: SocketAddr, request: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response");
    let head = String::from_utf8_lossy(&out[..split]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, head, out[split + 4..].to_vec())
}

/// One request with `Connection: close` and extra header lines (`headers`, each ending in
/// CRLF); returns status, lower-cased head and (de-chunked) body.
pub fn request_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> (u16, String, String) {
    let r = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (status, head, body) = raw(addr, r.as_bytes());
    let body = String::from_utf8_lossy(&body);
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(&body)
    } else {
        body.into_owned()
    };
    (status, head, body)
}

/// One JSON request with `Connection: close`; returns status, head and body.
pub fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String, String) {
    request_with(
        addr,
        method,
        path,
        "Content-Type: application/json\r\n",
        body,
    )
}

/// Status and body of one request.
pub fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let (status, _, body) = request(addr, method, path, body);
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        let (Some(chunk), Some(next)) = (rest.get(..n), rest.get(n + 2..)) else {
            break;
        };
        if n == 0 {
            break;
        }
        out.push_str(chunk);
        s = next;
    }
    out
}

pub fn get_json(addr: SocketAddr, path: &str) -> (u16, Value) {
    let (st, body) = http(addr, "GET", path, "");
    (st, serde_json::from_str(&body).expect("json body"))
}

/// Percent-encodes a query parameter value.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A WebSocket to `path` with these request headers; a refused handshake is its status
/// and body.
pub fn ws(
    addr: SocketAddr,
    path: &str,
    headers: &[(&'static str, &str)],
) -> Result<WebSocket<TcpStream>, (u16, String)> {
    ws_with_timeout(addr, path, headers, Duration::from_secs(10))
}

/// An agent's WebSocket (`/agents/ws` with a bearer token) whose reads time out after
/// `timeout`.
pub fn agent_ws(
    addr: SocketAddr,
    path: &str,
    token: &str,
    timeout: Duration,
) -> WebSocket<TcpStream> {
    let auth = format!("Bearer {token}");
    ws_with_timeout(addr, path, &[("Authorization", &auth)], timeout).expect("agent connects")
}

/// [`ws`] with this read timeout.
pub fn ws_with_timeout(
    addr: SocketAddr,
    path: &str,
    headers: &[(&'static str, &str)],
    timeout: Duration,
) -> Result<WebSocket<TcpStream>, (u16, String)> {
    let mut req = format!("ws://{addr}{path}")
        .into_client_request()
        .expect("request");
    for (k, v) in headers {
        req.headers_mut().insert(*k, v.parse().expect("header"));
    }
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(timeout)).expect("timeout");
    match tungstenite::client(req, stream) {
        Ok((s, _)) => Ok(s),
        Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(r))) => {
            let body = r
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            Err((r.status().as_u16(), body))
        }
        Err(e) => panic!("handshake: {e}"),
    }
}

/// The next text or binary message, as JSON.
pub fn next_json(s: &mut WebSocket<TcpStream>) -> Value {
    loop {
        match s.read().expect("ws read") {
            Message::Text(t) => return serde_json::from_str(&t).expect("json message"),
            Message::Binary(b) => return serde_json::from_slice(&b).expect("json message"),
            Message::Close(c) => panic!("closed: {c:?}"),
            _ => {}
        }
    }
}

/// Every entry of the HTTP/1 captures' expected output (`testdata/http1`), files in name
/// order.
pub fn http1_entries() -> Vec<Entry> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/http1");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("testdata")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".expected.jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        for line in std::fs::read_to_string(f).expect("read").lines() {
            out.push(serde_json::from_str::<Entry>(line).expect("entry"));
        }
    }
    out
}

/// A field of `/proc/self/status` in kB (`VmRSS:`); `None` without procfs.
pub fn status_kb(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The resident size now (kB) and the store budget to measure with (`MIZU_RSS_BUDGET`
/// bytes, else `default_budget`); `None` (said on stderr) without procfs.
pub fn rss_baseline(default_budget: u64) -> Option<(u64, u64)> {
    let Some(before_kb) = status_kb("VmRSS:") else {
        eprintln!("no /proc/self/status: skipped");
        return None;
    };
    let budget = std::env::var("MIZU_RSS_BUDGET")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_budget);
    Some((before_kb, budget))
}

/// How much the process's resident size grew since `before_kb`, in bytes, printed with the
/// hub store's state (`label` says what was measured); asserts the store evicted and kept
/// to its `budget`.
pub fn rss_growth(hub: &Hub, label: &str, before_kb: u64, budget: u64) -> u64 {
    let st = hub.store().stats();
    let rss_kb = status_kb("VmRSS:").unwrap_or(0);
    let hwm_kb = status_kb("VmHWM:").unwrap_or(0);
    let grown = rss_kb.saturating_sub(before_kb) * 1024;
    println!(
        "{label}: budget {budget} B, kept {} entries / {} B accounted; RSS grew {} MB (now {} MB, peak {} MB, {:.2}x budget)",
        st.entries,
        st.bytes,
        grown >> 20,
        rss_kb / 1024,
        hwm_kb / 1024,
        grown as f64 / budget as f64
    );
    assert!(st.evicted > 0 && st.bytes <= budget);
    grown
}
