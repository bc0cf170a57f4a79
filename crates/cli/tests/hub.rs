//! `mizu hub` and `mizu read --serve/--filter` as real processes: the hub is started with
//! a data dir, fed over the real agent WebSocket, killed with SIGKILL mid-ingest and
//! restarted; every acknowledged entry must be back, intact.

mod common;

use common::{mizu, repo_root};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tungstenite::client::IntoClientRequest;
use tungstenite::{Message, WebSocket};

/// Starts `mizu ARGS` and waits for the stderr line containing `ready`; returns the
/// child and the URL's address printed on that line.
fn spawn(args: &[&str], ready: &str) -> (Child, SocketAddr) {
    let (child, addr, _) = spawn_seen(args, ready);
    (child, addr)
}

/// [`spawn`], also returning the stderr lines seen up to `ready`.
fn spawn_seen(args: &[&str], ready: &str) -> (Child, SocketAddr, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mizu"))
        .args(args)
        .env_remove("MIZU_HUB_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mizu");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut seen = String::new();
    let mut addr = None;
    loop {
        let mut line = String::new();
        if err.read_line(&mut line).expect("read stderr") == 0 {
            panic!("mizu exited before `{ready}`: {seen}");
        }
        seen.push_str(&line);
        if let Some(i) = line.find("http://") {
            let rest = &line[i + 7..];
            let end = rest
                .find(|c: char| c.is_whitespace() || c == ')')
                .unwrap_or(rest.len());
            addr = rest[..end].parse().ok().or(addr);
        }
        if line.contains(ready) {
            break;
        }
    }
    // Keep draining stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = err.read_to_end(&mut sink);
    });
    (child, addr.expect("address on stderr"), seen)
}

fn get(addr: SocketAddr, path: &str) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, serde_json::from_str(body).expect("json body"))
}

fn agent(addr: SocketAddr, token: &str) -> WebSocket<TcpStream> {
    let mut req = format!("ws://{addr}/agents/ws?agent=test")
        .into_client_request()
        .expect("request");
    req.headers_mut().insert(
        "Authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    let stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    tungstenite::client(req, stream).expect("agent handshake").0
}

fn read_json(s: &mut WebSocket<TcpStream>) -> Value {
    loop {
        match s.read().expect("ws read") {
            Message::Text(t) => return serde_json::from_str(&t).expect("json"),
            Message::Close(c) => panic!("closed: {c:?}"),
            _ => {}
        }
    }
}

fn sample_entries() -> Vec<Value> {
    let text = std::fs::read_to_string(
        repo_root().join("testdata/http1/01-keepalive-bridge.expected.jsonl"),
    )
    .expect("fixture");
    text.lines()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect()
}

fn ids_in_store(addr: SocketAddr) -> Vec<u64> {
    let (st, v) = get(
        addr,
        "/entries?leftOff=0&direction=1&limit=10000&timeoutMs=20000",
    );
    assert_eq!(st, 200);
    v["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|e| {
            assert_eq!(e["proto"]["abbr"], "HTTP", "intact BaseEntry: {e}");
            e["id"].as_str().expect("id").parse().expect("numeric id")
        })
        .collect()
}

#[test]
fn acknowledged_entries_survive_kill_9() {
    let dir = std::env::temp_dir().join(format!("mizu-hub-kill9-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().expect("utf-8 dir");
    let args = ["hub", "--port", "0", "--data-dir", d, "--token", "t0k"];
    let (mut child, addr) = spawn(&args, "listening on");
    let mut ws = agent(addr, "t0k");
    let sample = sample_entries();
    let batch = |seq: u64| -> Value {
        let entries: Vec<Value> = (0..25).map(|i| sample[i % sample.len()].clone()).collect();
        json!({"type": "entries", "seq": seq, "entries": entries})
    };
    // Keep three batches in flight; kill after 40 acknowledgements.
    let mut acked: Vec<u64> = Vec::new();
    let mut seq = 0;
    for _ in 0..3 {
        seq += 1;
        ws.send(Message::text(batch(seq).to_string()))
            .expect("send");
    }
    while acked.len() < 40 * 25 {
        let ack = read_json(&mut ws);
        assert_eq!(ack["type"], "ack", "{ack}");
        let first: u64 = ack["firstId"]
            .as_str()
            .expect("firstId")
            .parse()
            .expect("id");
        let last: u64 = ack["lastId"].as_str().expect("lastId").parse().expect("id");
        acked.extend(first..=last);
        seq += 1;
        ws.send(Message::text(batch(seq).to_string()))
            .expect("send");
    }
    child.kill().expect("kill -9");
    let _ = child.wait();
    drop(ws);

    let (mut child, addr) = spawn(&args, "listening on");
    let ids = ids_in_store(addr);
    let missing: Vec<&u64> = acked.iter().filter(|id| !ids.contains(id)).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids ascend");
    let newest = *ids.last().expect("entries");
    let (st, full) = get(addr, &format!("/entries/{newest}"));
    assert_eq!(st, 200);
    assert_eq!(full["data"]["protocol"]["abbr"], "HTTP");
    // New ids continue after everything on disk.
    let mut ws = agent(addr, "t0k");
    ws.send(Message::text(batch(1).to_string())).expect("send");
    let ack = read_json(&mut ws);
    let first: u64 = ack["firstId"]
        .as_str()
        .expect("firstId")
        .parse()
        .expect("id");
    assert!(
        first > newest,
        "id {first} reused (newest on disk {newest})"
    );
    let (_, status) = get(addr, "/status");
    assert!(
        status["store"]["recovery"]["records"]
            .as_u64()
            .expect("records")
            >= acked.len() as u64
    );
    // Graceful stop on SIGINT.
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let st = child.wait().expect("wait");
    assert!(st.success(), "mizu hub exits 0 on Ctrl-C: {st:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn read_filter_and_serve() {
    let pcap = repo_root().join("testdata/http1/09-forms-multipart-cookies.pcap");
    let p = pcap.to_str().expect("utf-8 path");
    let out = mizu(&[
        "read",
        "--format",
        "jsonl",
        "--filter",
        r#"request.path == "/cookie""#,
        p,
    ]);
    assert!(out.status.success());
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|e| e["request"]["path"] == "/cookie"));
    let out = mizu(&["read", "--filter", "request.path ==", p]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid --filter"));

    let (mut child, addr) = spawn(&["read", p, "--serve", "--port", "0"], "entries loaded");
    let (st, v) = get(addr, "/entries?limit=100");
    assert_eq!(st, 200);
    assert_eq!(v["data"].as_array().expect("data").len(), 4);
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(child.wait().expect("wait").success());
}

#[test]
fn damaged_segment_is_reported_at_startup_and_intact_entries_kept() {
    let dir = std::env::temp_dir().join(format!("mizu-hub-damaged-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().expect("utf-8 dir");
    let args = ["hub", "--port", "0", "--data-dir", d, "--token", "t0k"];
    let (mut child, addr) = spawn(&args, "listening on");
    let mut ws = agent(addr, "t0k");
    let sample = sample_entries();
    for seq in 0..4 {
        let entries: Vec<Value> = (0..25).map(|i| sample[i % sample.len()].clone()).collect();
        ws.send(Message::text(
            json!({"type": "entries", "seq": seq, "entries": entries}).to_string(),
        ))
        .expect("send");
        assert_eq!(read_json(&mut ws)["type"], "ack");
    }
    drop(ws);
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();
    // Flip one byte inside record 50 (of 100).
    let seg = dir.join(format!("seg-{:020}.log", 1));
    let mut b = std::fs::read(&seg).expect("segment");
    let mut pos = 8;
    for _ in 0..49 {
        pos += 8 + u32::from_le_bytes(b[pos..pos + 4].try_into().expect("len")) as usize;
    }
    let len = 8 + u32::from_le_bytes(b[pos..pos + 4].try_into().expect("len")) as usize;
    b[pos + len / 2] ^= 0x20;
    std::fs::write(&seg, &b).expect("write");
    let (mut child, addr, seen) = spawn_seen(&args, "listening on");
    let want = format!(
        "mizu hub: recovery: seg-00000000000000000001.log: skipped 1 damaged region ({len} bytes, 1 record lost); kept 99 intact records; the original file was moved to {}.damaged",
        seg.display()
    );
    assert!(seen.contains(&want), "{want}\nnot in:\n{seen}");
    assert!(
        seen.contains("99 entries recovered from 1 segments, 1 damaged: "),
        "{seen}"
    );
    let ids = ids_in_store(addr);
    let expect: Vec<u64> = (1..=100).filter(|&i| i != 50).collect();
    assert_eq!(ids, expect);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
