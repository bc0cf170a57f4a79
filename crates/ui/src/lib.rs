//! `mizu-ui`: the web UI, built from `ui/` by `build.rs` and embedded in the binary.
//!
//! [`serve`] answers a GET/HEAD for any non-API path: the file when it exists, otherwise
//! `index.html` (client-side routing), except under `/assets/` where a missing file is a
//! 404 (a stale hashed name must not load HTML as a script). Hashed assets are cached
//! forever (`immutable`), `index.html` is revalidated (`no-cache`, ETag); text assets are
//! served precompressed (brotli, else gzip) when the client accepts it.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../ui/dist"]
#[exclude = ".mizu-stamp"]
struct Assets;

/// Content-Security-Policy of the page: everything from the hub itself, nothing else.
const CSP: &str = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; \
                   style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; \
                   base-uri 'none'; frame-ancestors 'none'";

/// True when the embedded UI is the real build (not the `MIZU_UI_SKIP_BUILD` placeholder).
pub fn is_built() -> bool {
    Assets::iter().any(|p| p.starts_with("assets/"))
}

/// Serves the UI for `req` (see the module docs). Non-GET/HEAD methods get 405.
pub async fn serve(req: Request<Body>) -> Response {
    respond(req.method(), req.uri().path(), req.headers())
}

fn respond(method: &Method, path: &str, headers: &HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, "the UI answers GET only").into_response();
    }
    let path = path.trim_start_matches('/');
    let (name, file) = match Assets::get(path).filter(|_| !path.is_empty()) {
        Some(f) => (path, f),
        None if path.starts_with("assets/") => {
            return (StatusCode::NOT_FOUND, "no such asset (reload the page)").into_response();
        }
        None => match Assets::get("index.html") {
            Some(f) => ("index.html", f),
            None => return (StatusCode::NOT_FOUND, "UI not built").into_response(),
        },
    };
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..12]));
    let cache = if name.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut h = HeaderMap::new();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(file.metadata.mimetype()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if name == "index.html" {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
    }
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if not_modified {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut body = file.data;
    for (enc, ext) in [("br", "br"), ("gzip", "gz")] {
        if !accepts(accept, enc) {
            continue;
        }
        if let Some(c) = Assets::get(&format!("{name}.{ext}")) {
            body = c.data;
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(enc));
            break;
        }
    }
    if method == Method::HEAD {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        return (StatusCode::OK, h).into_response();
    }
    (StatusCode::OK, h, Body::from(body.into_owned())).into_response()
}

/// `Accept-Encoding` lists `enc` with a non-zero quality.
fn accepts(accept: &str, enc: &str) -> bool {
    accept.split(',').any(|part| {
        let mut it = part.split(';');
        let name = it.next().unwrap_or("").trim();
        let q_zero = it.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        name.eq_ignore_ascii_case(enc) && !q_zero
    })
}

fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(char::from(D[usize::from(x >> 4)]));
        s.push(char::from(D[usize::from(x & 15)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str, hdrs: &[(&str, &str)]) -> Response {
        let mut h = HeaderMap::new();
        for (k, v) in hdrs {
            h.insert(
                header::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        respond(&Method::GET, path, &h)
    }

    fn hdr(r: &Response, k: header::HeaderName) -> &str {
        r.headers()
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    #[test]
    fn index_is_served_for_root_and_unknown_paths_and_revalidated() {
        for p in ["/", "/some/client/route", "/index.html"] {
            let r = get(p, &[]);
            assert_eq!(r.status(), StatusCode::OK, "{p}");
            assert_eq!(hdr(&r, header::CONTENT_TYPE), "text/html", "{p}");
            assert_eq!(hdr(&r, header::CACHE_CONTROL), "no-cache", "{p}");
            assert!(hdr(&r, header::CONTENT_SECURITY_POLICY).contains("default-src 'self'"));
        }
        let etag = hdr(&get("/", &[]), header::ETAG).to_owned();
        assert!(etag.starts_with('"') && etag.len() == 26, "{etag}");
        let r = get("/", &[("if-none-match", &etag)]);
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    }

    #[test]
    fn hashed_assets_are_immutable_and_compressed_on_request() {
        if !is_built() {
            return; // MIZU_UI_SKIP_BUILD placeholder: nothing under assets/
        }
        let js = Assets::iter()
            .find(|p| p.starts_with("assets/") && p.ends_with(".js"))
            .expect("a built script");
        let path = format!("/{js}");
        let plain = get(&path, &[]);
        assert_eq!(plain.status(), StatusCode::OK);
        assert_eq!(
            hdr(&plain, header::CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        assert!(hdr(&plain, header::CONTENT_TYPE).contains("javascript"));
        assert_eq!(hdr(&plain, header::CONTENT_ENCODING), "");
        let br = get(&path, &[("accept-encoding", "gzip, deflate, br")]);
        assert_eq!(hdr(&br, header::CONTENT_ENCODING), "br");
        let gz = get(&path, &[("accept-encoding", "gzip, br;q=0")]);
        assert_eq!(hdr(&gz, header::CONTENT_ENCODING), "gzip");
        assert_eq!(
            get("/assets/gone-1234.js", &[]).status(),
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn only_get_and_head() {
        let r = respond(&Method::POST, "/", &HeaderMap::new());
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        let r = respond(&Method::HEAD, "/", &HeaderMap::new());
        assert_eq!(r.status(), StatusCode::OK);
    }

    #[test]
    fn accept_encoding_parsing() {
        assert!(accepts("gzip, br", "br"));
        assert!(!accepts("gzip, br;q=0", "br"));
        assert!(accepts("BR;q=0.5", "br"));
        assert!(!accepts("identity", "gzip"));
    }
}
