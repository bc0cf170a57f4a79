//! The AF_PACKET ring against real traffic in a network namespace of our own (root only;
//! CI runs as root).
#![cfg(target_os = "linux")]

use mizu_source::live::{CaptureFilter, Exclude, LiveConfig, LiveSource, Target};
use mizu_source::{Next, PacketSource};
use std::process::Command;

fn root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

struct Ns(&'static str);

impl Drop for Ns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", self.0]).status();
    }
}

fn ns(name: &'static str) -> Ns {
    let _ = Command::new("ip")
        .args(["netns", "del", name])
        .stderr(std::process::Stdio::null())
        .status();
    let ok = Command::new("ip")
        .args(["netns", "add", name])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "ip netns add {name}");
    let ok = Command::new("ip")
        .args(["netns", "exec", name, "ip", "link", "set", "lo", "up"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "lo up in {name}");
    Ns(name)
}

/// TCP on loopback inside the namespace: a listener on `port`, one client that sends
/// `msg` and a listener on 8899 that plays the hub (must be excluded).
fn traffic(name: &str, port: u16, msg: &str) {
    let script = [
        "import socket".to_owned(),
        format!("for p in ({port}, 8899):"),
        "    s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1',p)); s.listen(1)".to_owned(),
        "    c=socket.create_connection(('127.0.0.1',p)); a,_=s.accept()".to_owned(),
        format!("    c.sendall(b'{msg}'); a.recv(100); a.sendall(b'ok'); c.recv(10); c.close(); a.close(); s.close()"),
    ]
    .join("\n");
    let ok = Command::new("ip")
        .args(["netns", "exec", name, "python3", "-c", &script])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "traffic in {name}");
}

#[test]
fn ring_in_a_namespace_sees_its_traffic_once_and_excludes_the_hub_port() {
    if !root() {
        eprintln!("skipped: needs root (CI runs as root)");
        return;
    }
    let _ns = ns("mzl-src-ring");
    let config = LiveConfig {
        filter: CaptureFilter {
            exclude: vec![Exclude {
                ip: None,
                port: 8899,
            }],
            ..CaptureFilter::default()
        },
        ..LiveConfig::default()
    };
    let mut src = LiveSource::new(config);
    let opened = src
        .open(&Target::netns("mzl-src-ring"))
        .expect("open in netns");
    assert_eq!(opened, 1);
    assert_eq!(src.capture_kind(), "af_packet");
    traffic("mzl-src-ring", 7001, "hello-ring");
    // Bounded: at most 5 s of 50 ms polls.
    let polls = 100;
    let mut payload_seen = 0;
    let mut packets = 0;
    for _ in 0..polls {
        match src.poll_packet(50).expect("poll") {
            Next::Packet(p) => {
                packets += 1;
                assert!(p.ts > 1_600_000_000_000_000_000, "wall-clock timestamps");
                if p.data.windows(10).any(|w| w == b"hello-ring") {
                    payload_seen += 1;
                }
            }
            Next::Idle if packets >= 10 => break,
            Next::Idle => {}
            Next::End => break,
        }
    }
    let st = src.live_stats();
    assert_eq!(
        payload_seen, 1,
        "the data segment once (loopback copy suppressed)"
    );
    // Handshake 3 + data/ack/data/ack + 4 for the close, give or take delayed ACKs.
    assert!((7..=12).contains(&packets), "packets: {packets}");
    assert!(st.excluded >= 7, "hub-port connection excluded: {st:?}");
    assert!(st.loopback_outgoing >= packets, "{st:?}");
    assert_eq!(st.kernel_drops, 0);
    assert_eq!(src.remove("mzl-src-ring"), 1);
    assert!(src.targets().is_empty());
}

#[test]
fn ports_filter_is_applied() {
    if !root() {
        eprintln!("skipped: needs root (CI runs as root)");
        return;
    }
    let _ns = ns("mzl-src-filter");
    let config = LiveConfig {
        filter: CaptureFilter {
            ports: vec![7002],
            ..CaptureFilter::default()
        },
        ..LiveConfig::default()
    };
    let mut src = LiveSource::new(config);
    src.open(&Target::netns("mzl-src-filter")).expect("open");
    traffic("mzl-src-filter", 7002, "filtered-in");
    // Bounded: at most 3 s of 50 ms polls.
    let polls = 60;
    let mut kept = 0;
    for _ in 0..polls {
        match src.poll_packet(50).expect("poll") {
            Next::Packet(_) => kept += 1,
            Next::Idle if kept > 0 => break,
            _ => {}
        }
    }
    let st = src.live_stats();
    assert!(kept >= 7, "port 7002 kept: {kept}");
    assert!(st.filtered >= 7, "port 8899 filtered out: {st:?}");
    assert_eq!(st.excluded, 0);
}

#[test]
fn a_missing_namespace_is_a_clear_error() {
    let mut src = LiveSource::new(LiveConfig::default());
    let e = src
        .open(&Target::netns("mzl-does-not-exist"))
        .expect_err("no such namespace");
    let msg = e.to_string();
    assert!(
        msg.contains("mzl-does-not-exist") && msg.contains("ip netns list"),
        "{msg}"
    );
}

#[test]
fn fanout_splits_packets_between_sockets_and_keeps_a_flow_on_one() {
    if !root() {
        eprintln!("skipped: needs root (CI runs as root)");
        return;
    }
    let _ns = ns("mzl-src-fanout");
    let config = LiveConfig {
        ring: mizu_source::live::RingConfig {
            fanout: Some(4711),
            ..mizu_source::live::RingConfig::default()
        },
        ..LiveConfig::default()
    };
    let mut a = LiveSource::new(config.clone());
    let mut b = LiveSource::new(config);
    a.open(&Target::netns("mzl-src-fanout")).expect("open a");
    b.open(&Target::netns("mzl-src-fanout")).expect("open b");
    traffic("mzl-src-fanout", 7003, "fan");
    // Which server port each source saw packets of (the two connections are two flows).
    let mut ports = [
        std::collections::BTreeSet::new(),
        std::collections::BTreeSet::new(),
    ];
    let mut counts = [0usize; 2];
    // Bounded: at most 3 s of 50 ms polls.
    let polls = 60;
    for _ in 0..polls {
        let mut idle = 0;
        for (i, src) in [&mut a, &mut b].into_iter().enumerate() {
            match src.poll_packet(20).expect("poll") {
                Next::Packet(p) => {
                    counts[i] += 1;
                    // Ethernet (lo) + IPv4 + TCP: the two ports at 34..38.
                    if p.data.len() >= 38 {
                        let sp = u16::from_be_bytes([p.data[34], p.data[35]]);
                        let dp = u16::from_be_bytes([p.data[36], p.data[37]]);
                        let server = if sp == 7003 || dp == 7003 { 7003 } else { 8899 };
                        ports[i].insert(server);
                    }
                }
                _ => idle += 1,
            }
        }
        if idle == 2 && counts[0] + counts[1] >= 14 {
            break;
        }
    }
    assert!(
        counts[0] + counts[1] >= 14,
        "both connections captured: {counts:?}"
    );
    // Each flow's packets all went to one socket.
    assert!(
        ports[0].is_disjoint(&ports[1]),
        "a flow was split across fanout sockets: {ports:?}"
    );
}
