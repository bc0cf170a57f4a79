//! The optional UI token (`--ui-token`): for a hub reachable beyond loopback, every route
//! that shows captured traffic (REST, `/ws`, and the fallback where the web UI is mounted)
//! needs it. A client presents it in any of three ways:
//!
//! * `Authorization: Bearer TOKEN` (scripts, `curl`);
//! * `?token=TOKEN` in the URL (open `http://hub:8899/?token=TOKEN` once in a browser);
//! * the cookie `mizu_ui_token=TOKEN`, which the hub sets (`HttpOnly; SameSite=Strict`)
//!   whenever a request authenticated with `?token=`, so the page's later `fetch` calls
//!   and its `/ws` socket (browsers cannot set headers on a WebSocket) carry it.
//!
//! Always open: `/agents/ws` and `/agents/targets*` (they need the agents' `--token`), `/version`,
//! `/metadata/version`, `/echo` and `/metrics` (counters only, for Prometheus).
//! Tokens are compared in constant time.

use crate::error::ApiError;
use crate::{Hub, metrics};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The cookie the hub sets and reads.
pub const UI_COOKIE: &str = "mizu_ui_token";

const OPEN: &[&str] = &[
    "/agents/ws",
    "/version",
    "/metadata/version",
    "/echo",
    "/metrics",
];

/// Compares without an early exit, so the time taken does not tell how much matched.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u64;
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= u64::from(x ^ y);
    }
    std::hint::black_box(diff) == 0
}

/// Percent-decodes (`+` is a space, as in a query string when `plus` is set); invalid
/// escapes stay as they are.
fn unescape(s: &str, plus: bool) -> Vec<u8> {
    if plus {
        percent_encoding::percent_decode_str(&s.replace('+', " ")).collect()
    } else {
        percent_encoding::percent_decode_str(s).collect()
    }
}

/// Percent-encodes everything but unreserved characters (for the cookie value).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where the request carried the token (`None`: nowhere, or a wrong one).
#[derive(PartialEq, Eq, Debug)]
enum Presented {
    Header,
    Query,
    Cookie,
}

fn presented(req: &Request, token: &[u8]) -> Option<Presented> {
    let h = req.headers();
    let bearer = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer.is_some_and(|t| constant_time_eq(t.trim().as_bytes(), token)) {
        return Some(Presented::Header);
    }
    let query = req.uri().query().unwrap_or("");
    let in_query = query
        .split('&')
        .filter_map(|kv| kv.strip_prefix("token="))
        .any(|v| constant_time_eq(&unescape(v, true), token));
    if in_query {
        return Some(Presented::Query);
    }
    let in_cookie = h
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(UI_COOKIE)?.strip_prefix('='))
        .any(|v| constant_time_eq(&unescape(v, false), token));
    in_cookie.then_some(Presented::Cookie)
}

/// Middleware: refuses requests without the UI token when one is configured.
pub(crate) async fn ui_token(State(hub): State<Hub>, req: Request, next: Next) -> Response {
    let Some(token) = hub.inner.config.ui_token.as_deref() else {
        return next.run(req).await;
    };
    let path = req.uri().path();
    // `/agents/targets*` checks the agents' token itself (crate::targets).
    if OPEN.contains(&path)
        || path == crate::targets::PREFIX
        || path.starts_with("/agents/targets/")
    {
        return next.run(req).await;
    }
    match presented(&req, token.as_bytes()) {
        Some(how) => {
            let mut resp = next.run(req).await;
            if how == Presented::Query
                && let Ok(v) = HeaderValue::from_str(&format!(
                    "{UI_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
                    escape(token)
                ))
            {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        None => {
            metrics::inc(&hub.inner.metrics.ui_auth_failures);
            let mut r = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "this hub needs its UI token (--ui-token): open the UI once as http://HOST:PORT/?token=TOKEN (a cookie keeps it), or send `Authorization: Bearer TOKEN`",
            )
            .into_response();
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_compare() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn escaping_round_trips() {
        assert_eq!(unescape("a%20b+c", true), b"a b c");
        assert_eq!(unescape("a%2", false), b"a%2");
        assert_eq!(unescape("%zz%41", false), b"%zzA");
        let t = "s3cret; =/ü";
        assert_eq!(unescape(&escape(t), false), t.as_bytes());
    }
}
