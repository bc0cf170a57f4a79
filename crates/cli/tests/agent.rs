//! `mizu agent` against a real `mizu hub`, both as processes, checked through the hub's
//! REST API: a hub restart loses nothing that fit in the agent's buffer, what did not
//! fit is counted, a wrong token is refused with a clear log line and retried at
//! backoff, and two agents ("nodes") feed one hub with every entry naming its node.

mod common;

use common::repo_root;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const TOKEN: &str = "agent-test-token";

/// `mizu hub` on `port` (0: any) with a data dir; waits until it listens.
fn hub(port: u16, dir: &std::path::Path) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mizu"))
        .args(["hub", "--port", &port.to_string(), "--data-dir"])
        .arg(dir)
        .env("MIZU_HUB_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn hub");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut addr = None;
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        if err.read_line(&mut line).expect("read") == 0 {
            panic!("hub exited: {seen}");
        }
        seen.push_str(&line);
        if let Some(i) = line.find("http://") {
            let rest = &line[i + 7..];
            let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
            addr = rest[..end].parse().ok();
        }
        if line.contains("listening") {
            break;
        }
    }
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = err.read_to_end(&mut sink);
    });
    (child, addr.expect("hub address"))
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    // Bounded: 400 polls of 50 ms.
    for _ in 0..400 {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The hub's `GET /metrics` response (head and text).
fn metrics(addr: SocketAddr) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("w");
    let mut t = String::new();
    s.read_to_string(&mut t).expect("read");
    t
}

fn get(addr: SocketAddr, path: &str) -> Value {
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
    let (_, body) = raw.split_once("\r\n\r\n").expect("response");
    serde_json::from_str(body).expect("json body")
}

/// Entries stored in the hub matching `query` (URL-encoded by the caller).
fn count(addr: SocketAddr, query: &str) -> usize {
    let v = get(
        addr,
        &format!("/entries?leftOff=0&direction=1&limit=10000&timeoutMs=20000&query={query}"),
    );
    v["data"].as_array().map_or(0, Vec::len)
}

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    // Bounded by a number of 100 ms polls (tests read no clock).
    for _ in 0..timeout.as_millis().div_ceil(100) {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

/// `mizu agent ARGS` with the token; its stderr lines come through the channel.
fn agent(args: &[&str], token: &str, stdin: bool) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mizu"))
        .arg("agent")
        .args(args)
        .env("MIZU_HUB_TOKEN", token)
        .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn agent");
    let err: ChildStderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn fixture(rel: &str) -> PathBuf {
    repo_root().join("testdata").join(rel)
}

fn expected(rel: &str) -> usize {
    let p = fixture(rel).with_extension("expected.jsonl");
    std::fs::read_to_string(p)
        .expect("expected")
        .lines()
        .count()
}

/// A classic little-endian pcap: (global header, packet records).
fn split_pcap(rel: &str) -> (Vec<u8>, Vec<u8>) {
    let data = std::fs::read(fixture(rel)).expect("pcap");
    assert_eq!(
        &data[..4],
        &[0xd4, 0xc3, 0xb2, 0xa1],
        "{rel}: not a LE pcap"
    );
    (data[..24].to_vec(), data[24..].to_vec())
}

fn wait_exit(child: &mut Child, timeout: Duration) -> i32 {
    for _ in 0..timeout.as_millis().div_ceil(50) {
        if let Ok(Some(st)) = child.try_wait() {
            return st.code().unwrap_or(-1);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("agent did not exit");
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mizu-agent-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tmp dir");
    d
}

/// "… N dropped (buffer full) …" from the agent's closing line.
fn total(line: &str, label: &str) -> u64 {
    let i = line
        .find(label)
        .unwrap_or_else(|| panic!("`{label}` in {line}"));
    line[..i]
        .split_whitespace()
        .last()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("number before `{label}` in {line}"))
}

#[test]
fn hub_restart_loses_nothing_within_the_buffer() {
    let dir = tmpdir("restart");
    let (h, addr) = hub(0, &dir);
    let url = format!("ws://{addr}");
    let (mut a, lines) = agent(
        &[
            "--hub",
            &url,
            "--node",
            "node-r",
            "--read",
            "-",
            "--backoff-min",
            "0.1",
            "--backoff-max",
            "0.5",
            "--batch-entries",
            "20",
        ],
        TOKEN,
        true,
    );
    let mut stdin = a.stdin.take().expect("stdin");
    // Phase 1: a redis capture streams in while the hub is up.
    let (header, first) = split_pcap("redis/04-pipe-resp.pcap");
    stdin.write_all(&header).expect("write");
    stdin.write_all(&first).expect("write");
    stdin.flush().expect("flush");
    let n1 = expected("redis/04-pipe-resp.pcap");
    wait_for(
        "phase-1 entries in the hub",
        Duration::from_secs(30),
        || count(addr, "") >= n1 - 5,
    );
    // The hub goes away; more traffic arrives meanwhile and waits in the buffer.
    stop(h);
    let (_, second) = split_pcap("http2/03-h2load-100.pcap");
    let (_, third) = split_pcap("redis/01-commands.pcap");
    stdin.write_all(&second).expect("write");
    stdin.write_all(&third).expect("write");
    stdin.flush().expect("flush");
    let mut log = Vec::new();
    wait_for(
        "the agent noticing the hub is away",
        Duration::from_secs(20),
        || {
            log.extend(lines.try_iter());
            log.iter().any(|l| l.contains("cannot reach the hub"))
        },
    );
    // The hub comes back on the same port and data dir: the agent reconnects on its own.
    let (h, addr2) = hub(addr.port(), &dir);
    assert_eq!(addr2, addr);
    drop(stdin);
    let code = wait_exit(&mut a, Duration::from_secs(60));
    log.extend(lines.try_iter());
    let done = log
        .iter()
        .find(|l| l.contains("mizu agent: done:"))
        .unwrap_or_else(|| panic!("no totals line: {log:#?}"));
    assert_eq!(code, 0, "{log:#?}");
    let want = n1 + expected("http2/03-h2load-100.pcap") + expected("redis/01-commands.pcap");
    let entries = total(done, "entries,") as usize;
    assert_eq!(entries, want, "{done}");
    assert_eq!(total(done, "acknowledged") as usize, want, "{done}");
    assert_eq!(total(done, "dropped (buffer full)"), 0, "{done}");
    assert!(total(done, "connections") >= 2, "{done}");
    assert_eq!(count(addr, ""), want, "every entry stored exactly once");
    assert_eq!(count(addr, "node.name%20%3D%3D%20%22node-r%22"), want);
    stop(h);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn over_the_buffer_is_dropped_and_counted() {
    let dir = tmpdir("overflow");
    // The hub is not there yet: everything waits in a buffer of 10 entries.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    let file = fixture("redis/01-commands.pcap");
    let n = expected("redis/01-commands.pcap");
    let (mut a, lines) = agent(
        &[
            "--hub",
            &format!("127.0.0.1:{port}"),
            "--node",
            "node-o",
            "--buffer-entries",
            "10",
            "--backoff-min",
            "0.1",
            "--backoff-max",
            "0.3",
            "--status-interval",
            "0.2",
            "--read",
            file.to_str().expect("path"),
        ],
        TOKEN,
        false,
    );
    let mut log = Vec::new();
    wait_for("the buffer-full warning", Duration::from_secs(20), || {
        log.extend(lines.try_iter());
        log.iter().any(|l| l.contains("buffer full"))
    });
    let (h, addr) = hub(port, &dir);
    let code = wait_exit(&mut a, Duration::from_secs(60));
    log.extend(lines.try_iter());
    let done = log
        .iter()
        .find(|l| l.contains("mizu agent: done:"))
        .unwrap_or_else(|| panic!("no totals line: {log:#?}"));
    assert_eq!(code, 6, "exit 6 when entries were dropped: {log:#?}");
    assert_eq!(
        total(done, "dropped (buffer full)") as usize,
        n - 10,
        "{done}"
    );
    assert_eq!(total(done, "acknowledged"), 10, "{done}");
    assert_eq!(count(addr, ""), 10);
    // The hub shows the agent's counters too.
    let st = get(addr, "/status");
    let rep = &st["agents"][0]["report"];
    assert_eq!(rep["bufferDrops"].as_u64(), Some((n - 10) as u64), "{st}");
    assert_eq!(rep["entries"].as_u64(), Some(n as u64), "{st}");
    assert!(rep["rssBytes"].as_u64().unwrap_or(0) > 0, "{st}");
    assert!(rep["entriesByProtocol"]["redis"].as_u64().is_some(), "{st}");
    stop(h);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wrong_token_is_refused_clearly_and_retried_at_backoff() {
    let dir = tmpdir("token");
    let (h, addr) = hub(0, &dir);
    let file = fixture("http1/01-keepalive-bridge.pcap");
    let (mut a, lines) = agent(
        &[
            "--hub",
            &format!("ws://{addr}"),
            "--backoff-min",
            "0.2",
            "--backoff-max",
            "0.4",
            "--drain-timeout",
            "3",
            "--read",
            file.to_str().expect("path"),
        ],
        "not-the-token",
        false,
    );
    let code = wait_exit(&mut a, Duration::from_secs(30));
    let log: Vec<String> = lines.try_iter().collect();
    let refused: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("refused the token") && l.contains("MIZU_HUB_TOKEN"))
        .collect();
    assert!(
        refused
            .iter()
            .all(|l| l.contains("HTTP 401") && l.contains("retrying in")),
        "{log:#?}"
    );
    // Retried, but at backoff: 3 s with 0.1–0.4 s steps is 7–30 tries, not a tight loop.
    assert!(
        (5..=30).contains(&refused.len()),
        "{} refusals: {log:#?}",
        refused.len()
    );
    assert_eq!(code, 6, "entries left unsent: {log:#?}");
    assert!(log.iter().any(|l| l.contains("4 unsent")), "{log:#?}");
    assert_eq!(count(addr, ""), 0);
    let m = metrics(addr);
    assert!(
        m.lines()
            .any(|l| l.starts_with("mizu_hub_auth_failures_total")
                && l.split_whitespace()
                    .nth(1)
                    .and_then(|n| n.parse::<u64>().ok())
                    == Some(refused.len() as u64)),
        "{m}"
    );
    stop(h);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_agents_one_hub_every_entry_names_its_node() {
    let dir = tmpdir("two");
    let (h, addr) = hub(0, &dir);
    let url = format!("ws://{addr}");
    let fa = fixture("http1/06-pipelining.pcap");
    let fb = fixture("redis/01-commands.pcap");
    let (mut a, la) = agent(
        &[
            "--hub",
            &url,
            "--node",
            "node-a",
            "--node-ip",
            "10.0.0.1",
            "--read",
            fa.to_str().expect("p"),
        ],
        TOKEN,
        false,
    );
    let (mut b, lb) = agent(
        &[
            "--hub",
            &url,
            "--node",
            "node-b",
            "--read",
            fb.to_str().expect("p"),
        ],
        TOKEN,
        false,
    );
    let ca = wait_exit(&mut a, Duration::from_secs(60));
    let cb = wait_exit(&mut b, Duration::from_secs(60));
    let (la, lb): (Vec<String>, Vec<String>) = (la.try_iter().collect(), lb.try_iter().collect());
    assert_eq!((ca, cb), (0, 0), "{la:#?} {lb:#?}");
    let (na, nb) = (
        expected("http1/06-pipelining.pcap"),
        expected("redis/01-commands.pcap"),
    );
    // One merged view…
    assert_eq!(count(addr, ""), na + nb);
    // …filterable by node.
    assert_eq!(count(addr, "node.name%20%3D%3D%20%22node-a%22"), na);
    assert_eq!(count(addr, "node.name%20%3D%3D%20%22node-b%22"), nb);
    assert_eq!(
        count(addr, "node.name%20%3D%3D%20%22node-b%22%20and%20redis"),
        nb
    );
    assert_eq!(count(addr, "node.ip%20%3D%3D%20%2210.0.0.1%22"), na);
    // The list rows carry the node too, and the full entries.
    let page = get(addr, "/entries?leftOff=0&direction=1&limit=10000");
    for row in page["data"].as_array().expect("rows") {
        let node = row["node"]["name"].as_str().expect("node in the row");
        assert!(node == "node-a" || node == "node-b", "{row}");
        let id = row["id"].as_str().expect("id");
        let full = get(addr, &format!("/entries/{id}"));
        assert_eq!(full["data"]["node"]["name"], node);
    }
    // Both agents in /status, under their nodes.
    let st = get(addr, "/status");
    let mut nodes: Vec<&str> = st["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .filter_map(|a| a["node"].as_str())
        .collect();
    nodes.sort_unstable();
    assert_eq!(nodes, ["node-a", "node-b"]);
    stop(h);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The agent reports its engine's diagnostics by kind, and the hub's `/metrics` sums
/// them per kind (every kind has a series, zeros included).
#[test]
fn agent_diagnostics_reach_hub_metrics_by_kind() {
    let dir = tmpdir("diagkinds");
    let (h, addr) = hub(0, &dir);
    let file = fixture("http1/17-odd-heads.pcap");
    let (mut a, la) = agent(
        &[
            "--hub",
            &format!("ws://{addr}"),
            "--node",
            "node-d",
            "--read",
            file.to_str().expect("p"),
        ],
        TOKEN,
        false,
    );
    let code = wait_exit(&mut a, Duration::from_secs(60));
    assert_eq!(code, 0, "{:#?}", la.try_iter().collect::<Vec<_>>());
    let st = get(addr, "/status");
    let rep = &st["agents"][0]["report"];
    assert_eq!(
        rep["diagnosticsByKind"],
        serde_json::json!({"limit": 2, "malformed": 5}),
        "{st}"
    );
    let m = metrics(addr);
    for want in [
        "mizu_hub_agent_diagnostics_total{kind=\"limit\"} 2",
        "mizu_hub_agent_diagnostics_total{kind=\"malformed\"} 5",
        "mizu_hub_agent_diagnostics_total{kind=\"gap\"} 0",
        "mizu_hub_agent_diagnostics_total{kind=\"peer_error\"} 0",
    ] {
        assert!(m.lines().any(|l| l == want), "{want} missing: {m}");
    }
    stop(h);
    let _ = std::fs::remove_dir_all(&dir);
}
