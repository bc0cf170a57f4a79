//! `mizu config`, `mizu config -r` and the precedence defaults < file < flags < --set,
//! checked on a real `mizu hub` through its API.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mizu-config-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tmp dir");
    d
}

fn mizu(args: &[&str], home: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mizu"))
        .args(args)
        .env("HOME", home)
        .env_remove("MIZU_HUB_TOKEN")
        .output()
        .expect("run mizu")
}

/// Starts `mizu hub ARGS`; returns it, its address and the stderr lines before "listening".
fn hub(args: &[&str], home: &Path) -> (Child, SocketAddr, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mizu"))
        .arg("hub")
        .args(args)
        .env("HOME", home)
        .env_remove("MIZU_HUB_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut seen = String::new();
    let mut addr = None;
    loop {
        let mut line = String::new();
        if err.read_line(&mut line).expect("read") == 0 {
            panic!("hub exited: {seen}");
        }
        seen.push_str(&line);
        if let Some(i) = line.find("http://") {
            let rest = &line[i + 7..];
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
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
    (child, addr.expect("address"), seen)
}

fn status(addr: SocketAddr) -> Value {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        s,
        "GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read");
    serde_json::from_str(raw.split_once("\r\n\r\n").expect("body").1).expect("json")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

fn stop(mut c: Child) {
    let _ = c.kill();
    let _ = c.wait();
}

#[test]
fn config_prints_and_regenerate_round_trips() {
    let home = tmpdir("regen");
    let printed = mizu(&["config"], &home);
    assert!(printed.status.success());
    let text = String::from_utf8(printed.stdout).expect("utf-8");
    for line in [
        "  gui-port: 8899",
        "  proxy-host: \"127.0.0.1\"",
        "  max-entries-db-size: \"200MB\"",
        "  regex: \"\"",
        "headless: false",
        "    request-headers: []",
    ] {
        assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    }
    // A comment before every key.
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate().skip(2) {
        if !l.trim_start().starts_with('#') {
            assert!(
                lines[i - 1].trim_start().starts_with('#'),
                "no comment above `{l}`"
            );
        }
    }
    // -r writes the same text to ~/.mizu/config.yaml (and --config-path elsewhere).
    let out = mizu(&["config", "-r"], &home);
    assert!(out.status.success(), "{out:?}");
    let written = std::fs::read_to_string(home.join(".mizu/config.yaml")).expect("written");
    assert_eq!(written, text);
    let other = home.join("deep/dir/mizu.yaml");
    let out = mizu(
        &["config", "-r", "--config-path", other.to_str().expect("p")],
        &home,
    );
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&other).expect("written"), text);
    // Read back by the hub: no warning, the defaults in force.
    let (h, addr, log) = hub(&["--set", "hub.port=0"], &home);
    assert!(!log.contains("warning"), "{log}");
    assert_eq!(status(addr)["store"]["budget"], 200_000_000);
    stop(h);
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn precedence_defaults_file_flags_set() {
    let home = tmpdir("prec");
    let (p_file, p_flag) = (free_port(), free_port());
    let file = home.join("c.yaml");
    std::fs::write(
        &file,
        format!(
            "hub:\n  port: {p_file}\ntap:\n  max-entries-db-size: 5MB\n  ignored-user-agents: [kube-probe]\n  gui-prot: 1\n"
        ),
    )
    .expect("write");
    let cp = file.to_str().expect("p");
    // File over defaults; an unknown key is a warning that names it.
    let (h, addr, log) = hub(&["--config-path", cp], &home);
    assert_eq!(addr.port(), p_file);
    assert!(
        log.contains("warning") && log.contains("tap.gui-prot"),
        "{log}"
    );
    let st = status(addr);
    assert_eq!(st["store"]["budget"], 5_000_000);
    assert_eq!(st["ingest"]["ignoredUserAgents"][0], "kube-probe");
    stop(h);
    // Flags over the file.
    let pf = p_flag.to_string();
    let (h, addr, _) = hub(
        &[
            "--config-path",
            cp,
            "--port",
            &pf,
            "--max-entries-db-size",
            "7MB",
        ],
        &home,
    );
    assert_eq!(addr.port(), p_flag);
    assert_eq!(status(addr)["store"]["budget"], 7_000_000);
    stop(h);
    // --set over flags (lists built by repeating the key).
    let (h, addr, _) = hub(
        &[
            "--config-path",
            cp,
            "--port",
            &pf,
            "--set",
            "hub.port=0",
            "--max-entries-db-size",
            "7MB",
            "--set",
            "tap.max-entries-db-size=9MB",
            "--set",
            "tap.ignored-user-agents=a",
            "--set",
            "tap.ignored-user-agents=b",
        ],
        &home,
    );
    assert!(addr.port() != p_flag && addr.port() != p_file);
    let st = status(addr);
    assert_eq!(st["store"]["budget"], 9_000_000);
    assert_eq!(
        st["ingest"]["ignoredUserAgents"],
        serde_json::json!(["a", "b"])
    );
    stop(h);
    // A bad value warns (and keeps the value below); a port out of range is an error.
    let (h, addr, log) = hub(
        &[
            "--config-path",
            cp,
            "--set",
            "tap.redact=maybe",
            "--set",
            "hub.port=0",
        ],
        &home,
    );
    assert!(log.contains("`tap.redact`"), "{log}");
    assert_eq!(status(addr)["store"]["budget"], 5_000_000);
    stop(h);
    let out = mizu(
        &["hub", "--config-path", cp, "--set", "hub.port=70000"],
        &home,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("hub.port") && err.contains("65535"), "{err}");
    // An explicit --config-path that does not exist is an error; a missing default is not.
    let out = mizu(&["hub", "--config-path", "/nonexistent/mizu.yaml"], &home);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/mizu.yaml"));
    let _ = std::fs::remove_dir_all(&home);
}

/// `mizu tap` reads the same file: the port comes from `tap.gui-port` in the file, a flag
/// beats the file, `--set` beats the flag, and a bad value in the file stops it (exit 2)
/// before any capture starts. Capturing needs root (CI runs as root).
#[test]
fn tap_reads_the_config_file_with_the_same_precedence() {
    let d = tmpdir("tap");
    let (p_file, p_flag, p_set) = (free_port(), free_port(), free_port());
    let cfg = d.join("config.yaml");
    let write = |port: u64| {
        std::fs::write(
            &cfg,
            format!("tap:\n  gui-port: {port}\n  regex: '^mizu-no-such-ns-'\n"),
        )
        .expect("write config")
    };
    write(70_000);
    let bad = mizu(
        &[
            "tap",
            "--headless",
            "--config-path",
            cfg.to_str().unwrap_or(""),
        ],
        &d,
    );
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("tap.gui-port") && err.contains("70000"),
        "{err}"
    );
    if !nix_is_root() {
        eprintln!("skipping the capture half: live capture needs root");
        return;
    }
    write(u64::from(p_file));
    let path = cfg.to_str().unwrap_or("");
    let url = |port: u16| format!("UI and API at http://127.0.0.1:{port}");
    let cases: [(Vec<String>, u16); 3] = [
        (vec![], p_file),
        (vec!["--gui-port".into(), p_flag.to_string()], p_flag),
        (
            vec![
                "--gui-port".into(),
                p_flag.to_string(),
                "--set".into(),
                format!("tap.gui-port={p_set}"),
            ],
            p_set,
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec![
            "tap",
            "--headless",
            "--duration",
            "1",
            "--config-path",
            path,
        ];
        args.extend(extra.iter().map(String::as_str));
        let out = mizu(&args, &d);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(
            err.contains(&url(want)),
            "{args:?}: expected port {want}: {err}"
        );
    }
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn affinity_is_a_raw_object_checked_against_the_api() {
    let home = tmpdir("affinity");
    // In the file: a mapping, as the API writes it.
    let file = home.join("config.yaml");
    std::fs::write(
        &file,
        "kube:\n  agent-affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n        - matchExpressions:\n          - key: pool\n            operator: In\n            values: [capture]\n",
    )
    .expect("write");
    let out = mizu(
        &[
            "install",
            "-o",
            "json",
            "--config-path",
            file.to_str().expect("path"),
        ],
        &home,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let objs: Vec<Value> = serde_json::from_slice(&out.stdout).expect("json");
    let pod = |kind: &str| {
        objs.iter()
            .find(|o| o["kind"] == kind)
            .map(|o| o["spec"]["template"]["spec"].clone())
            .unwrap_or_default()
    };
    assert_eq!(
        pod("DaemonSet")["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
            ["nodeSelectorTerms"][0]["matchExpressions"][0]["values"],
        serde_json::json!(["capture"])
    );
    assert!(
        pod("Deployment").get("affinity").is_none(),
        "the hub's is its own key"
    );
    // A misspelt field is an error naming it, not silently dropped.
    let out = mizu(
        &[
            "install",
            "-o",
            "yaml",
            "--set",
            "kube.hub-affinity={podAntiAfinity: {}}",
        ],
        &home,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("kube.hub-affinity") && err.contains("podAntiAfinity"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&home);
}
