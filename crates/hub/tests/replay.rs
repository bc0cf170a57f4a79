//! `POST /replay/` through real sockets against real servers on loopback: the request
//! arrives as edited (method, path, query, headers, body, `x-mizu-replay`), the response
//! comes back (status, headers, body, time), over HTTP/1.1 and h2c; a timeout, a refused
//! connection, the response cap, the parallel limit and the disabled hub all answer
//! clear JSON; `https://` targets with the committed test CA (`testdata/tls/`), trusted
//! through `ca_file` or skipped with `insecure`, refused otherwise. (A server in a
//! network-namespace pod: `scripts/e2e/replay_pod.sh`.)

mod common;

use mizu_hub::HubConfig;
use mizu_hub::replay::ReplayConfig;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

fn start(replay: ReplayConfig) -> SocketAddr {
    common::start(HubConfig {
        replay,
        ..common::config()
    })
    .1
}

fn enabled() -> ReplayConfig {
    ReplayConfig {
        enabled: true,
        ..ReplayConfig::default()
    }
}

/// POSTs `body` to the hub's `/replay/`; returns status and JSON.
fn replay(hub: SocketAddr, body: &Value) -> (u16, Value) {
    let (status, _, body) = common::request(hub, "POST", "/replay/", &body.to_string());
    let v = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (status, v)
}

/// What the echo server received.
#[derive(Debug)]
struct Seen {
    request_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// An HTTP/1.1 server answering each connection once: 201 with a JSON body, plus a
/// `big` response when the path starts with /big. Sends what it saw on `seen`.
fn echo_server() -> (SocketAddr, std::sync::mpsc::Receiver<Seen>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for s in l.incoming().take(16) {
            let Ok(mut s) = s else { continue };
            let mut r = BufReader::new(s.try_clone().expect("clone"));
            let mut line = String::new();
            r.read_line(&mut line).expect("line");
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                r.read_line(&mut h).expect("header");
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').expect("header colon");
                headers.push((k.to_ascii_lowercase(), v.trim().to_owned()));
            }
            let len: usize = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .map_or(0, |(_, v)| v.parse().expect("length"));
            let mut body = vec![0; len];
            r.read_exact(&mut body).expect("body");
            let big = line.contains(" /big");
            let seen = Seen {
                request_line: line.trim_end().to_owned(),
                headers,
                body,
            };
            let payload = if big {
                "x".repeat(5000)
            } else {
                json!({"got": String::from_utf8_lossy(&seen.body)}).to_string()
            };
            let _ = tx.send(seen);
            let _ = write!(
                s,
                "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Echo: yes\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
                payload.len()
            );
        }
    });
    (addr, rx)
}

fn header<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.as_array()?
        .iter()
        .find(|h| {
            h["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .and_then(|h| h["value"].as_str())
}

#[test]
fn replays_an_edited_request_and_returns_the_response() {
    let hub = start(enabled());
    let (server, seen) = echo_server();
    let (st, v) = replay(
        hub,
        &json!({
            "method": "PUT",
            "url": format!("http://{server}/users/7?verbose=1"),
            "headers": [
                {"name": "Content-Type", "value": "application/json"},
                {"name": "X-Edited", "value": "by-test"},
                {"name": "Connection", "value": "keep-alive"},
                {"name": "Content-Length", "value": "999"}
            ],
            "body": "{\"name\":\"ann\"}"
        }),
    );
    assert_eq!(st, 200, "{v}");
    let got = seen
        .recv_timeout(Duration::from_secs(5))
        .expect("server saw it");
    assert_eq!(got.request_line, "PUT /users/7?verbose=1 HTTP/1.1");
    let h = |n: &str| {
        got.headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(h("x-mizu-replay"), Some("1"));
    assert_eq!(h("x-edited"), Some("by-test"));
    assert_eq!(h("host"), Some(server.to_string().as_str()));
    assert_eq!(
        h("content-length"),
        Some("14"),
        "recomputed, not the stale 999"
    );
    assert_eq!(got.body, b"{\"name\":\"ann\"}");
    let r = &v["response"];
    assert_eq!(r["status"], 201);
    assert_eq!(r["statusText"], "Created");
    assert_eq!(r["httpVersion"], "HTTP/1.1");
    assert_eq!(header(&r["headers"], "x-echo"), Some("yes"));
    assert_eq!(r["content"]["mimeType"], "application/json");
    assert_eq!(
        r["content"]["text"],
        "{\"got\":\"{\\\"name\\\":\\\"ann\\\"}\"}"
    );
    assert_eq!(v["truncated"], false);
    assert!(
        v["elapsedMs"]
            .as_f64()
            .is_some_and(|t| t > 0.0 && t < 5000.0),
        "{v}"
    );
    assert_eq!(v["request"]["method"], "PUT");
    assert_eq!(
        header(&v["request"]["headers"], "x-edited"),
        Some("by-test")
    );
}

#[test]
fn mizu_ui_data_field_is_sent_as_the_body() {
    // Mizu's UI sent `data` while its server read `body`: both work here.
    let hub = start(enabled());
    let (server, seen) = echo_server();
    let (st, v) = replay(
        hub,
        &json!({"method": "POST", "url": format!("http://{server}/x"), "headers": {"X-A": "1"}, "data": "hello"}),
    );
    assert_eq!(st, 200, "{v}");
    let got = seen.recv_timeout(Duration::from_secs(5)).expect("seen");
    assert_eq!(got.body, b"hello");
    assert!(got.headers.contains(&("x-a".into(), "1".into())));
}

#[test]
fn response_body_is_cut_at_the_cap_and_marked() {
    let hub = start(ReplayConfig {
        max_response_bytes: 1000,
        ..enabled()
    });
    let (server, _seen) = echo_server();
    let (st, v) = replay(hub, &json!({"url": format!("http://{server}/big")}));
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["truncated"], true);
    assert_eq!(v["maxResponseBytes"], 1000);
    assert_eq!(
        v["response"]["content"]["text"].as_str().map(str::len),
        Some(1000)
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    let hub = start(enabled());
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    // Accepts and holds the connection without answering.
    let holder = std::thread::spawn(move || {
        let s = l.accept().expect("accept");
        std::thread::sleep(Duration::from_secs(3));
        drop(s);
    });
    let (st, v) = replay(
        hub,
        &json!({"url": format!("http://{addr}/slow"), "timeoutMs": 300}),
    );
    assert_eq!(st, 504, "{v}");
    assert_eq!(v["kind"], "timeout");
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("within 300 ms")),
        "{v}"
    );
    holder.join().expect("holder");
}

#[test]
fn a_refused_connection_is_a_502_naming_the_address() {
    let hub = start(enabled());
    let addr = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let (st, v) = replay(hub, &json!({"url": format!("http://{addr}/")}));
    assert_eq!(st, 502, "{v}");
    assert_eq!(v["kind"], "connect");
    let e = v["error"].as_str().expect("error");
    assert!(
        e.contains(&format!("could not connect to 127.0.0.1:{}", addr.port())),
        "{e}"
    );
}

#[test]
fn disabled_replay_is_a_403_naming_the_flag() {
    let hub = start(ReplayConfig::default());
    let (st, v) = replay(hub, &json!({"url": "http://127.0.0.1:9/"}));
    assert_eq!(st, 403, "{v}");
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("--enable-replay")),
        "{v}"
    );
    assert_eq!(v["configKey"], "tap.replay");
}

#[test]
fn bad_requests_say_what_is_wrong() {
    let hub = start(enabled());
    for (body, says) in [
        (
            json!({"url": "/relative"}),
            "must start with http:// or https://",
        ),
        (
            json!({"url": "ftp://127.0.0.1:1/"}),
            "must start with http:// or https://",
        ),
        (
            json!({"url": "http://127.0.0.1:1/", "method": "G E T"}),
            "is not an HTTP method",
        ),
        (json!({"method": "GET"}), "body must be JSON like"),
        (
            json!({"url": "http://127.0.0.1:1/", "headers": [{"name": "bad name", "value": "v"}]}),
            "header name `bad name`",
        ),
    ] {
        let (st, v) = replay(hub, &body);
        assert_eq!(st, 400, "{body}: {v}");
        assert!(
            v["error"].as_str().is_some_and(|e| e.contains(says)),
            "{body}: {v}"
        );
    }
}

#[test]
fn parallel_replays_beyond_the_limit_are_refused() {
    let hub = start(ReplayConfig {
        max_parallel: 1,
        ..enabled()
    });
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    let holder = std::thread::spawn(move || {
        let s = l.accept().expect("accept");
        std::thread::sleep(Duration::from_millis(1500));
        drop(s);
    });
    let first = std::thread::spawn(move || {
        replay(
            hub,
            &json!({"url": format!("http://{addr}/"), "timeoutMs": 1000}),
        )
    });
    std::thread::sleep(Duration::from_millis(300));
    let (st, v) = replay(hub, &json!({"url": format!("http://{addr}/")}));
    assert_eq!(st, 429, "{v}");
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("1 replays are already in flight")),
        "{v}"
    );
    assert_eq!(first.join().expect("first").0, 504);
    holder.join().expect("holder");
}

#[test]
fn replays_over_h2c() {
    use http_body_util::Full;
    use hyper::body::Bytes;
    let hub = start(enabled());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("rt");
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(l.local_addr().expect("addr")).expect("addr");
            let (s, _) = l.accept().await.expect("accept");
            let svc = hyper::service::service_fn(
                |req: hyper::Request<hyper::body::Incoming>| async move {
                    let tagged = req.headers().contains_key("x-mizu-replay");
                    let body = format!("{} {} h2 tagged={tagged}", req.method(), req.uri().path());
                    Ok::<_, std::convert::Infallible>(
                        hyper::Response::builder()
                            .status(202)
                            .body(Full::new(Bytes::from(body)))
                            .expect("response"),
                    )
                },
            );
            let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                .serve_connection(hyper_util::rt::TokioIo::new(s), svc)
                .await;
        });
    });
    let server = rx.recv().expect("server");
    let (st, v) = replay(
        hub,
        &json!({"method": "DELETE", "url": format!("http://{server}/items/1"), "http2": true, "headers": [{"name": "host", "value": "ignored"}]}),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["response"]["status"], 202);
    assert_eq!(v["response"]["httpVersion"], "HTTP/2.0");
    assert_eq!(
        v["response"]["content"]["text"],
        "DELETE /items/1 h2 tagged=true"
    );
}

/// An HTTPS server on loopback with the committed test certificate (`testdata/tls/hub.pem`,
/// for 127.0.0.1 and localhost, signed by `ca.pem`), HTTP/1.1 or HTTP/2 by ALPN, answering
/// `METHOD PATH over VERSION tagged=…`.
fn https_server() -> SocketAddr {
    use http_body_util::Full;
    use hyper::body::Bytes;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use std::sync::Arc;
    let repo = |p: &str| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(p)
    };
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(repo("testdata/tls/hub.pem"))
            .expect("hub.pem")
            .collect::<Result<_, _>>()
            .expect("certs");
    let key = PrivateKeyDer::from_pem_file(repo("testdata/tls/hub.key")).expect("hub.key");
    #[allow(deprecated)]
    let mut server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("rt");
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(l.local_addr().expect("addr")).expect("addr");
            for _ in 0..8 {
                let Ok((s, _)) = l.accept().await else { return };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(s).await else {
                        return;
                    };
                    let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                    let svc = hyper::service::service_fn(
                        |req: hyper::Request<hyper::body::Incoming>| async move {
                            let tagged = req.headers().contains_key("x-mizu-replay");
                            let body = format!(
                                "{} {} over {:?} tagged={tagged}",
                                req.method(),
                                req.uri().path(),
                                req.version()
                            );
                            Ok::<_, std::convert::Infallible>(
                                hyper::Response::builder()
                                    .status(200)
                                    .body(Full::new(Bytes::from(body)))
                                    .expect("response"),
                            )
                        },
                    );
                    let io = hyper_util::rt::TokioIo::new(tls);
                    if h2 {
                        let _ = hyper::server::conn::http2::Builder::new(
                            hyper_util::rt::TokioExecutor::new(),
                        )
                        .serve_connection(io, svc)
                        .await;
                    } else {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, svc)
                            .await;
                    }
                });
            }
        });
    });
    rx.recv().expect("https server")
}

#[test]
fn replays_to_https_with_the_ca_or_insecure_and_refuses_an_untrusted_certificate() {
    let server = https_server();
    let url = format!("https://{server}/secure/path?x=1");
    // No CA for the test root: the certificate is refused, and the error says what to do.
    let plain = start(enabled());
    let (st, v) = replay(plain, &json!({"url": url}));
    assert_eq!(st, 502, "{v}");
    assert_eq!(v["kind"], "tls", "{v}");
    let err = v["error"].as_str().unwrap_or("");
    assert!(err.contains("TLS with 127.0.0.1"), "{v}");
    assert!(
        err.contains("tap.replay-ca") && err.contains("insecure"),
        "{v}"
    );
    // `insecure` per request: accepted without a check, and the answer says so.
    let (st, v) = replay(
        plain,
        &json!({"method": "PUT", "url": url, "insecure": true}),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["response"]["content"]["text"],
        "PUT /secure/path over HTTP/1.1 tagged=true"
    );
    assert_eq!(
        (v["tls"].as_bool(), v["insecure"].as_bool()),
        (Some(true), Some(true))
    );
    // The committed CA trusted by configuration: verified, HTTP/1.1 and HTTP/2 (ALPN h2).
    let trusting = start(ReplayConfig {
        ca_file: Some(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/tls/ca.pem"),
        ),
        ..enabled()
    });
    let (st, v) = replay(trusting, &json!({"url": url}));
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["response"]["content"]["text"],
        "GET /secure/path over HTTP/1.1 tagged=true"
    );
    assert_eq!(
        (v["tls"].as_bool(), v["insecure"].as_bool()),
        (Some(true), Some(false))
    );
    let (st, v) = replay(
        trusting,
        &json!({"method": "DELETE", "url": url, "http2": true}),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["response"]["httpVersion"], "HTTP/2.0");
    assert_eq!(
        v["response"]["content"]["text"],
        "DELETE /secure/path over HTTP/2.0 tagged=true"
    );
}
