//! The hub's exports through `mizu read --serve`: `GET /entries/har` of a filter is HAR
//! 1.2 (the same schema check as `mizu read --format har`) holding exactly the filter's
//! HTTP entries; `GET /entries/pcap` of a filter holds the packets of exactly those
//! entries' connections, which `mizu read` and tshark decode into the same entries.

mod common;

use common::{mizu, repo_root, scratch, tshark_skip_or_fail};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `mizu read ARGS --serve --port 0`; returns the child and its address once loaded.
fn serve(args: &[&str]) -> (Served, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mizu"))
        .arg("read")
        .args(args)
        .args(["--serve", "--port", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mizu");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut addr = None;
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        if err.read_line(&mut line).expect("stderr") == 0 {
            panic!("mizu exited early: {seen}");
        }
        seen.push_str(&line);
        if let Some(i) = line.find("http://") {
            let rest = &line[i + 7..];
            let end = rest
                .find(|c: char| c.is_whitespace() || c == ')' || c == '/')
                .unwrap_or(rest.len());
            addr = rest[..end].parse().ok().or(addr);
        }
        if line.contains("entries loaded") {
            break;
        }
    }
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = err.read_to_end(&mut sink);
    });
    (Served(child), addr.expect("address on stderr"))
}

/// GET; returns status, lower-cased head and body bytes.
fn get(addr: SocketAddr, path: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response head");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let mut body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    (status, head, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let nl = b.windows(2).position(|w| w == b"\r\n").expect("chunk size");
        let n = usize::from_str_radix(std::str::from_utf8(&b[..nl]).expect("hex").trim(), 16)
            .expect("chunk size");
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[nl + 2..nl + 2 + n]);
        b = &b[nl + 4 + n..];
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        l.strip_prefix(name)
            .and_then(|r| r.strip_prefix(':'))
            .map(str::trim)
    })
}

fn q(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn entries_of(path: &std::path::Path) -> Vec<Value> {
    let out = mizu(&["read", "--format", "jsonl", path.to_str().expect("utf-8")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).expect("json");
            // Ids and flow numbers are per run; everything else must be equal.
            if let Some(o) = v.as_object_mut() {
                o.remove("id");
                o.remove("flow");
            }
            v
        })
        .collect()
}

#[test]
fn har_export_holds_exactly_the_filtered_http_entries() {
    let pcap = repo_root().join("testdata/http1/14-mixed-pod-eth0.pcapng");
    let (_child, addr) = serve(&[pcap.to_str().expect("utf-8")]);
    let all = entries_of(&pcap);
    let filter = r#"http and request.path != "/nope""#;
    let expected: Vec<&Value> = all
        .iter()
        .filter(|e| e["protocol"]["name"] == "http" && e["request"]["path"] != "/nope")
        .collect();
    assert!(expected.len() >= 5, "fixture has HTTP entries");
    let (st, head, body) = get(addr, &format!("/entries/har?query={}", q(filter)));
    assert_eq!(st, 200, "{head}");
    assert!(
        head.contains("content-disposition: attachment; filename=\"mizu.har\""),
        "{head}"
    );
    let doc: Value = serde_json::from_slice(&body).expect("HAR is JSON");
    let har = common::check_har(&doc, "GET /entries/har");
    assert_eq!(har.len(), expected.len());
    assert_eq!(
        header(&head, "x-mizu-exported"),
        Some(expected.len().to_string().as_str())
    );
    assert_eq!(header(&head, "x-mizu-more"), Some("false"));
    // Oldest first, the same calls as `mizu read` shows.
    for (h, e) in har.iter().zip(&expected) {
        assert_eq!(h["request"]["method"], e["request"]["method"]);
        assert_eq!(h["request"]["url"], e["request"]["url"]);
        assert_eq!(h["response"]["status"], e["response"]["status"]);
        assert_eq!(h["startedDateTime"], e["startTime"]);
    }

    // A limit keeps the newest N and says more matched.
    let (st, head, body) = get(addr, &format!("/entries/har?query={}&limit=2", q(filter)));
    assert_eq!(st, 200);
    let doc: Value = serde_json::from_slice(&body).expect("HAR");
    let har = common::check_har(&doc, "limit=2");
    assert_eq!(har.len(), 2);
    assert_eq!(
        har[1]["request"]["url"],
        expected[expected.len() - 1]["request"]["url"]
    );
    assert_eq!(header(&head, "x-mizu-more"), Some("true"));

    for (path, says) in [
        ("/entries/har?limit=0", "`limit` must be 1..=10000"),
        ("/entries/har?limit=20000", "`limit` must be 1..=10000"),
        ("/entries/har?query=http%20and", "invalid query"),
    ] {
        let (st, _, body) = get(addr, path);
        assert_eq!(st, 400, "{path}");
        let v: Value = serde_json::from_slice(&body).expect("json error");
        assert!(
            v["error"].as_str().is_some_and(|e| e.contains(says)),
            "{path}: {v}"
        );
    }
}

#[test]
fn pcap_export_reads_back_to_the_same_entries_in_mizu_and_tshark() {
    let pcap = repo_root().join("testdata/http1/10-close-delimited-http10.pcap");
    let (_child, addr) = serve(&[pcap.to_str().expect("utf-8")]);
    let all = entries_of(&pcap);
    // `/json` was asked on two of the four connections; the export holds those two
    // connections whole (the `/` on the second one too).
    let conns: Vec<String> = all
        .iter()
        .filter(|e| e["request"]["path"] == "/json")
        .map(|e| e["src"]["port"].as_str().expect("port").to_owned())
        .collect();
    assert_eq!(conns.len(), 2);
    let expected: Vec<&Value> = all
        .iter()
        .filter(|e| conns.iter().any(|p| e["src"]["port"] == p.as_str()))
        .collect();
    assert_eq!(expected.len(), 3);
    let (st, head, body) = get(
        addr,
        &format!("/entries/pcap?query={}", q(r#"request.path == "/json""#)),
    );
    assert_eq!(st, 200, "{head}");
    assert_eq!(header(&head, "x-mizu-connections-found"), Some("2"));
    assert_eq!(header(&head, "x-mizu-connections-missing"), Some("0"));
    assert_eq!(header(&head, "x-mizu-exported"), Some("2"));
    assert!(
        head.contains("content-type: application/vnd.tcpdump.pcap"),
        "{head}"
    );
    let dir = scratch("pcap-export");
    let out = dir.join("export.pcapng");
    std::fs::write(&out, &body).expect("write export");
    let back = entries_of(&out);
    let expected: Vec<Value> = expected.into_iter().cloned().collect();
    assert_eq!(
        back, expected,
        "mizu read of the export = the original entries"
    );

    if !tshark_skip_or_fail() {
        let t = Command::new("tshark")
            .args(["-r", out.to_str().expect("utf-8"), "-Y", "http.request"])
            .args([
                "-T",
                "fields",
                "-e",
                "tcp.srcport",
                "-e",
                "http.request.uri",
            ])
            .output()
            .expect("tshark");
        assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
        let got: Vec<String> = String::from_utf8_lossy(&t.stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        let want: Vec<String> = expected
            .iter()
            .map(|e| {
                format!(
                    "{}\t{}",
                    e["src"]["port"].as_str().expect("port"),
                    e["request"]["path"].as_str().expect("path")
                )
            })
            .collect();
        assert_eq!(got, want, "tshark sees the same requests");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pcap_export_from_stdin_says_it_cannot_reread() {
    let pcap = repo_root().join("testdata/http1/01-keepalive-bridge.pcap");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mizu"))
        .args(["read", "-", "--serve", "--port", "0"])
        .stdin(std::fs::File::open(&pcap).expect("fixture"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut addr: Option<SocketAddr> = None;
    loop {
        let mut line = String::new();
        assert!(
            err.read_line(&mut line).expect("stderr") > 0,
            "exited early"
        );
        if let Some(i) = line.find("http://") {
            let rest = &line[i + 7..];
            let end = rest
                .find(|c: char| c.is_whitespace() || c == ')')
                .unwrap_or(rest.len());
            addr = rest[..end].parse().ok().or(addr);
        }
        if line.contains("entries loaded") {
            break;
        }
    }
    let served = Served(child);
    let (st, _, body) = get(addr.expect("addr"), "/entries/pcap");
    assert_eq!(st, 501);
    let v: Value = serde_json::from_slice(&body).expect("json");
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("keeps no packets")),
        "{v}"
    );
    drop(served);
}
