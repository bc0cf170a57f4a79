//! The web UI is mounted on the hub: `/` and unknown non-API GET paths get the page
//! (client-side routing), hashed assets are served immutable and compressed, while API
//! routes keep answering JSON and unknown API paths stay JSON 404s.

mod common;

use std::net::SocketAddr;

fn start() -> SocketAddr {
    common::start(common::config()).1
}

/// Status, lower-cased head, body bytes.
fn req(addr: SocketAddr, method: &str, path: &str, extra: &str) -> (u16, String, Vec<u8>) {
    let r = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}Content-Length: 0\r\n\r\n"
    );
    common::raw(addr, r.as_bytes())
}

#[test]
fn ui_at_root_and_client_routes_api_stays_json() {
    let addr = start();
    for path in ["/", "/some/client/route?entry=1", "/index.html"] {
        let (st, head, body) = req(addr, "GET", path, "");
        assert_eq!(st, 200, "{path}");
        assert!(head.contains("content-type: text/html"), "{path}: {head}");
        assert!(head.contains("cache-control: no-cache"), "{path}");
        assert!(String::from_utf8_lossy(&body).contains("<title>mizu</title>"));
    }
    // API routes and API 404s are JSON, never the page.
    let (st, head, body) = req(addr, "GET", "/status", "");
    assert_eq!(st, 200);
    assert!(head.contains("application/json"));
    assert!(body.starts_with(b"{"));
    for path in ["/entries/1/nope", "/status/nope", "/agents/other", "/ws/x"] {
        let (st, head, body) = req(addr, "GET", path, "");
        assert_eq!(st, 404, "{path}");
        assert!(head.contains("application/json"), "{path}");
        assert!(String::from_utf8_lossy(&body).contains("no such route"));
    }
    // Non-GET on an unknown path: JSON 404 as before.
    let (st, head, _) = req(addr, "POST", "/nope", "");
    assert_eq!(st, 404);
    assert!(head.contains("application/json"));
}

#[test]
fn hashed_assets_immutable_and_compressed() {
    if !mizu_ui::is_built() {
        return; // built with MIZU_UI_SKIP_BUILD=1: only the placeholder page
    }
    let addr = start();
    let (_, _, index) = req(addr, "GET", "/", "");
    let index = String::from_utf8_lossy(&index).into_owned();
    let src = index
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a script in index.html");
    assert!(src.starts_with("/assets/"), "{src}");
    let (st, head, plain) = req(addr, "GET", src, "");
    assert_eq!(st, 200);
    assert!(head.contains("cache-control: public, max-age=31536000, immutable"));
    assert!(head.contains("javascript"));
    let (st, head, br) = req(addr, "GET", src, "Accept-Encoding: gzip, br\r\n");
    assert_eq!(st, 200);
    assert!(head.contains("content-encoding: br"), "{head}");
    assert!(
        br.len() * 2 < plain.len(),
        "{} vs {}",
        br.len(),
        plain.len()
    );
    let etag = head
        .lines()
        .find_map(|l| l.strip_prefix("etag: "))
        .expect("etag")
        .to_owned();
    let (st, _, _) = req(addr, "GET", src, &format!("If-None-Match: {etag}\r\n"));
    assert_eq!(st, 304);
}
