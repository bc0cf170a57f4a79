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

/// Two "pods" joined by a veth pair, each in its own namespace (`ip netns`), addresses
/// `NET.1` and `NET.2`. Removed on drop (the namespaces, and with them the veths).
struct Pair {
    _a: Ns,
    _b: Ns,
}

fn pair(a: &'static str, b: &'static str, net: &str) -> Pair {
    let (na, nb) = (ns(a), ns(b));
    let run = |args: &[&str]| {
        let ok = Command::new("ip")
            .args(args)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "ip {args:?}");
    };
    run(&[
        "link", "add", "mzw-va", "netns", a, "type", "veth", "peer", "name", "mzw-vb", "netns", b,
    ]);
    run(&[
        "-n",
        a,
        "addr",
        "add",
        &format!("{net}.1/24"),
        "dev",
        "mzw-va",
    ]);
    run(&[
        "-n",
        b,
        "addr",
        "add",
        &format!("{net}.2/24"),
        "dev",
        "mzw-vb",
    ]);
    run(&["-n", a, "link", "set", "mzw-va", "up"]);
    run(&["-n", b, "link", "set", "mzw-vb", "up"]);
    Pair { _a: na, _b: nb }
}

#[test]
fn fanout_workers_get_each_flow_at_both_capture_points() {
    if !root() {
        eprintln!("skipped: needs root (CI runs as root)");
        return;
    }
    use mizu_source::live::Fanout;
    let (a, b, net) = ("mzw-src-fa", "mzw-src-fb", "10.249.1");
    let _pair = pair(a, b, net);
    // Duplicate suppression off: every packet must show up twice (once per namespace),
    // and both copies in the same worker.
    let config = LiveConfig {
        dedup_window: 0,
        ..LiveConfig::default()
    };
    let (mut fanout, mut workers) = Fanout::new(config, 2);
    assert_eq!(fanout.open(&Target::netns(a)).expect("open a"), 1);
    assert_eq!(fanout.open(&Target::netns(b)).expect("open b"), 1);
    assert_eq!(fanout.targets(), [a, b]);
    // A server in b, 40 short connections from a (bounded by the socket timeouts).
    let conns = 40;
    let server = format!(
        "import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
         s.bind(('{net}.2', 7010)); s.listen(64); s.settimeout(10)\n\
         for _ in range({conns}):\n    c,_=s.accept(); c.settimeout(5); c.recv(100); c.sendall(b'pong'); c.close()"
    );
    let mut srv = Command::new("ip")
        .args(["netns", "exec", b, "python3", "-c", &server])
        .spawn()
        .expect("server");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let client = format!(
        "import socket\nfor i in range({conns}):\n    c=socket.create_connection(('{net}.2', 7010), timeout=5)\n    \
         c.sendall(b'ping %d' % i); c.recv(10); c.close()"
    );
    let ok = Command::new("ip")
        .args(["netns", "exec", a, "python3", "-c", &client])
        .status()
        .is_ok_and(|s| s.success());
    let _ = srv.wait();
    assert!(ok, "client in {a}");
    // Per worker: how often each distinct IP packet (addresses, ports, TCP header,
    // payload: the bytes after TTL/protocol/checksum) was seen, and which flows.
    type Seen = std::collections::HashMap<Vec<u8>, usize>;
    let mut seen: [Seen; 2] = Default::default();
    let mut flows: [std::collections::BTreeSet<u16>; 2] = Default::default();
    // Bounded: at most 5,000 rounds (a packet or a 20 ms poll per worker); ends after
    // 10 rounds in a row with nothing.
    let mut quiet = 0;
    for _ in 0..5000 {
        let mut idle = 0;
        for (w, src) in workers.iter_mut().enumerate() {
            match src.poll_packet(20).expect("poll") {
                Next::Packet(p) => {
                    // Ethernet + IPv4 + TCP on the veth; ARP and the like are left out.
                    if p.data.len() >= 38 && p.data[12..14] == [8, 0] && p.data[23] == 6 {
                        *seen[w].entry(p.data[26..].to_vec()).or_default() += 1;
                        let sp = u16::from_be_bytes([p.data[34], p.data[35]]);
                        let dp = u16::from_be_bytes([p.data[36], p.data[37]]);
                        flows[w].insert(if sp == 7010 { dp } else { sp });
                    }
                }
                _ => idle += 1,
            }
        }
        quiet = if idle == 2 { quiet + 1 } else { 0 };
        if quiet >= 10 {
            break;
        }
    }
    let stats: Vec<_> = workers.iter_mut().map(|w| w.live_stats()).collect();
    assert_eq!(stats[0].sockets, 2, "one socket per namespace: {stats:?}");
    assert_eq!(
        flows[0].len() + flows[1].len(),
        conns,
        "every connection seen, on one worker only: {flows:?}"
    );
    assert!(
        flows[0].is_disjoint(&flows[1]),
        "a flow reached both workers: {flows:?}"
    );
    assert!(
        !flows[0].is_empty() && !flows[1].is_empty(),
        "both workers got flows: {flows:?}"
    );
    for (w, s) in seen.iter().enumerate() {
        let once: Vec<_> = s.values().filter(|&&n| n != 2).collect();
        assert!(
            once.is_empty(),
            "worker {w}: {} of {} packets not seen at both capture points",
            once.len(),
            s.len()
        );
    }
    // Namespaces going away: their sockets close in every worker.
    fanout.remove(a);
    fanout.remove(b);
    for w in &mut workers {
        let _ = w.poll_packet(1).expect("poll");
        assert!(w.targets().is_empty());
        assert_eq!(w.live_stats().sockets, 0);
    }
}
