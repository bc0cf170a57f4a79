//! Agent → hub over `wss://`: a TLS front (tokio-rustls, the committed test certificate
//! in testdata/tls, signed by a private CA) before an in-process hub. With `hub_ca` the
//! agent connects and every entry is stored; without it the certificate is refused and
//! nothing is sent; a CA file with no certificate is an error at start that names it.

use mizu_agent::{Agent, AgentConfig};
use mizu_hub::{Hub, HubConfig};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn wait(what: &str, mut f: impl FnMut() -> bool) {
    // Bounded: 400 polls of 50 ms (tests read no clock).
    for _ in 0..400 {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn agent_reaches_a_tls_hub_with_its_ca_and_refuses_it_without() {
    let hub = Hub::new(HubConfig {
        token: Some("t".into()),
        ..HubConfig::default()
    })
    .expect("hub");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let plain = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let hub_addr = plain.local_addr().expect("addr");
    let h = hub.clone();
    rt.spawn(async move { h.serve(plain, std::future::pending()).await });

    // The TLS front: terminates TLS with the test certificate, forwards to the hub.
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(repo("testdata/tls/hub.pem"))
            .expect("hub.pem")
            .collect::<Result<_, _>>()
            .expect("certs");
    let key = PrivateKeyDer::from_pem_file(repo("testdata/tls/hub.key")).expect("hub.key");
    // ring, as the agent uses (deprecated in rustls 0.23.48 only for lacking PQ kx).
    #[allow(deprecated)]
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let front = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let tls_addr = front.local_addr().expect("addr");
    let handshakes = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let hs = handshakes.clone();
    rt.spawn(async move {
        while let Ok((tcp, _)) = front.accept().await {
            let acceptor = acceptor.clone();
            let hs = hs.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                hs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Ok(mut up) = tokio::net::TcpStream::connect(hub_addr).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
            });
        }
    });

    let fixture = repo("testdata/redis/01-commands.pcap");
    let expected = std::fs::read_to_string(repo("testdata/redis/01-commands.expected.jsonl"))
        .expect("expected")
        .lines()
        .count() as u64;
    assert!(expected > 0);

    // No CA for the private root: the handshake fails, nothing is delivered.
    let untrusting = Agent::start(AgentConfig {
        hub: format!("wss://127.0.0.1:{}", tls_addr.port()),
        token: "t".into(),
        node: "no-ca".into(),
        backoff_min: Duration::from_millis(100),
        backoff_max: Duration::from_millis(200),
        ..AgentConfig::default()
    })
    .expect("agent");
    let r = untrusting.replay(
        std::slice::from_ref(&fixture),
        mizu_engine::EngineConfig::default(),
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    std::thread::sleep(Duration::from_secs(1));
    assert!(!untrusting.connected());
    let t = untrusting.finish(Duration::from_millis(300));
    assert_eq!((t.connects, t.acked), (0, 0), "{t:?}");
    assert_eq!(t.unsent, expected, "everything stays unsent: {t:?}");
    assert_eq!(hub.store().stats().entries, 0);
    assert_eq!(handshakes.load(std::sync::atomic::Ordering::Relaxed), 0);

    // With the CA: connected over TLS, every entry stored.
    let agent = Agent::start(AgentConfig {
        hub: format!("wss://127.0.0.1:{}", tls_addr.port()),
        hub_ca: Some(repo("testdata/tls/ca.pem")),
        token: "t".into(),
        node: "tls-node".into(),
        ..AgentConfig::default()
    })
    .expect("agent");
    let r = agent.replay(&[fixture], mizu_engine::EngineConfig::default());
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    wait("the entries in the hub", || {
        hub.store().stats().entries == expected
    });
    let t = agent.finish(Duration::from_secs(10));
    assert_eq!(
        (t.acked, t.stored, t.unsent),
        (expected, expected, 0),
        "{t:?}"
    );
    assert!(t.connects >= 1);
    assert!(handshakes.load(std::sync::atomic::Ordering::Relaxed) >= 1);
}

#[test]
fn a_hub_ca_file_without_certificates_is_an_error_naming_it() {
    let err = Agent::start(AgentConfig {
        hub: "wss://127.0.0.1:1".into(),
        hub_ca: Some(repo("Cargo.toml")),
        ..AgentConfig::default()
    })
    .err()
    .expect("refused");
    let msg = err.to_string();
    assert!(
        msg.contains("--hub-ca") && msg.contains("Cargo.toml"),
        "{msg}"
    );
    assert!(msg.contains("no certificate"), "{msg}");
    let missing = Agent::start(AgentConfig {
        hub: "wss://127.0.0.1:1".into(),
        hub_ca: Some(repo("testdata/tls/missing.pem")),
        ..AgentConfig::default()
    })
    .err()
    .expect("refused");
    assert!(missing.to_string().contains("missing.pem"), "{missing}");
}
