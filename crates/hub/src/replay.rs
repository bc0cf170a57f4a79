//! `POST /replay/` (Mizu's replay, fixed): send an edited copy of a captured HTTP request
//! FROM THE HUB (in a cluster, that is where pods are reachable) and answer with the
//! response: status, headers, body (capped), time.
//!
//! Off unless enabled (`--enable-replay`, `tap.replay`): it sends traffic on the user's
//! behalf, so a disabled hub answers 403 naming the flag. Bounded: a timeout over
//! connect + response, a response-size cap (the body is cut and marked `truncated`), at
//! most `max_parallel` replays at once (429 beyond). Every replayed request carries
//! `x-mizu-replay: 1` so servers (and mizu's own capture) can tell it apart.
//!
//! Body: `{"method","url","headers","body","http2","timeoutMs"}`. `url` is absolute
//! (`http://host:port/path?query`); `headers` a list of `{name,value}` or an object;
//! `body` a string (`data`, what Mizu's UI sent, is accepted too: Mizu's server read
//! `body` and dropped it); `bodyEncoding: "base64"` for binary bodies; `http2: true`
//! speaks h2c (HTTP/2 with prior knowledge), or HTTP/2 over TLS for `https://`. HTTP/1.1
//! otherwise.
//!
//! `https://` URLs go over TLS (rustls, ring): the server certificate is checked against
//! the system's roots plus [`ReplayConfig::ca_file`] (`tap.replay-ca`, PEM) and the URL's
//! host. `"insecure": true` in a request skips the check (self-signed test targets); off
//! by default, and the answer says it was used.

use crate::Hub;
use crate::error::ApiError;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The header every replayed request carries.
pub const REPLAY_HEADER: &str = "x-mizu-replay";

/// Replay settings (`--enable-replay`, `tap.replay`).
#[derive(Clone, Debug)]
pub struct ReplayConfig {
    pub enabled: bool,
    /// Connect + response head + body, per replay (default 10 s, Mizu's).
    pub timeout: Duration,
    /// Response body bytes kept (default 1 MiB); the rest is cut and `truncated` set.
    pub max_response_bytes: usize,
    /// Replays in flight at once (default 5, Mizu's).
    pub max_parallel: usize,
    /// Extra CA certificates (PEM) trusted for `https://` replays, besides the system's.
    pub ca_file: Option<std::path::PathBuf>,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            enabled: false,
            timeout: Duration::from_secs(10),
            max_response_bytes: 1 << 20,
            max_parallel: 5,
            ca_file: None,
        }
    }
}

pub(crate) fn routes() -> Router<Hub> {
    Router::new()
        .route("/replay", post(replay))
        .route("/replay/", post(replay))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Headers {
    List(Vec<Pair>),
    Map(serde_json::Map<String, Value>),
}

#[derive(Deserialize)]
struct Pair {
    name: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReplayRequest {
    #[serde(default)]
    method: Option<String>,
    url: String,
    #[serde(default)]
    headers: Option<Headers>,
    #[serde(default)]
    body: Option<String>,
    /// Mizu's UI name for the body.
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    body_encoding: Option<String>,
    #[serde(default)]
    http2: bool,
    #[serde(default)]
    timeout_ms: Option<u64>,
    /// `https://` without checking the server's certificate (self-signed targets).
    #[serde(default)]
    insecure: bool,
}

/// Hop-by-hop headers (and the length, recomputed) are not replayed.
fn skipped_header(name: &str) -> bool {
    [
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "content-length",
        REPLAY_HEADER,
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
        || name.starts_with(':')
}

/// A failed replay: the target did not answer as asked. `kind` says why.
fn failed(status: StatusCode, kind: &str, message: String, elapsed: Duration) -> ApiError {
    ApiError::new(status, message).with(json!({
        "kind": kind,
        "elapsedMs": elapsed.as_secs_f64() * 1000.0,
    }))
}

async fn replay(
    State(hub): State<Hub>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let cfg = hub.inner.config.replay.clone();
    if !cfg.enabled {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "replay is disabled: start mizu with --enable-replay (or --set tap.replay=true) to let the hub send requests on your behalf",
        )
        .with(json!({ "flag": "--enable-replay", "configKey": "tap.replay" })));
    }
    let body = body.map_err(|e| ApiError::new(e.status(), e.body_text()))?;
    let req: ReplayRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad(format!(
            "body must be JSON like {{\"method\":\"GET\",\"url\":\"http://10.0.0.5:8080/path\",\"headers\":[{{\"name\":\"accept\",\"value\":\"*/*\"}}],\"body\":\"\"}}: {e}"
        ))
    })?;
    let Ok(_slot) = hub.inner.replay_slots.clone().try_acquire_owned() else {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "{} replays are already in flight (the limit): try again when one finishes",
                cfg.max_parallel
            ),
        ));
    };
    let timeout = req
        .timeout_ms
        .map(Duration::from_millis)
        .unwrap_or(cfg.timeout)
        .min(cfg.timeout);
    crate::metrics::inc(&hub.inner.metrics.replays);
    let started = Instant::now();
    match tokio::time::timeout(timeout, send(&req, &cfg, started)).await {
        Ok(r) => r,
        Err(_) => Err(failed(
            StatusCode::GATEWAY_TIMEOUT,
            "timeout",
            format!(
                "no complete response from {} within {} ms (the replay timeout)",
                req.url,
                timeout.as_millis()
            ),
            started.elapsed(),
        )),
    }
    .inspect_err(|_| crate::metrics::inc(&hub.inner.metrics.replay_errors))
}

async fn send(
    req: &ReplayRequest,
    cfg: &ReplayConfig,
    started: Instant,
) -> Result<Response, ApiError> {
    let cap = cfg.max_response_bytes;
    use axum::http::{Method, Request, Uri, header};
    let method_s = req.method.as_deref().unwrap_or("GET").trim();
    let method = Method::from_bytes(method_s.as_bytes())
        .map_err(|_| ApiError::bad(format!("`method` `{method_s}` is not an HTTP method")))?;
    let uri: Uri = req.url.trim().parse().map_err(|e| {
        ApiError::bad(format!(
            "`url` must be absolute like http://10.0.0.5:8080/path?q=1: {e}"
        ))
    })?;
    let tls = match uri.scheme_str() {
        Some("http") => false,
        Some("https") => true,
        _ => {
            return Err(ApiError::bad(
                "`url` must start with http:// or https:// and name a host (http://10.0.0.5:8080/path)",
            ));
        }
    };
    let Some(authority) = uri.authority().cloned() else {
        return Err(ApiError::bad("`url` names no host: http://HOST:PORT/path"));
    };
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = authority.port_u16().unwrap_or(if tls { 443 } else { 80 });
    let body = match (
        req.body.as_ref().or(req.data.as_ref()),
        req.body_encoding.as_deref(),
    ) {
        (None, _) => Vec::new(),
        (Some(b), Some("base64")) => base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .map_err(|e| ApiError::bad(format!("`body` is not base64: {e}")))?,
        (Some(b), None | Some("") | Some("text")) => b.clone().into_bytes(),
        (Some(_), Some(other)) => {
            return Err(ApiError::bad(format!(
                "`bodyEncoding` must be \"base64\" or absent, got `{other}`"
            )));
        }
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let mut builder = Request::builder().method(method.clone());
    builder = if req.http2 {
        builder
            .uri(uri.clone())
            .version(axum::http::Version::HTTP_2)
    } else {
        builder.uri(path.as_str())
    };
    let mut has_host = false;
    let mut sent_headers = Vec::new();
    let mut add = |b: axum::http::request::Builder, name: &str, value: &str| {
        if skipped_header(name) || (req.http2 && name.eq_ignore_ascii_case("host")) {
            return Ok(b);
        }
        if name.eq_ignore_ascii_case("host") {
            has_host = true;
        }
        let n = header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| ApiError::bad(format!("header name `{name}` is not valid")))?;
        let v = header::HeaderValue::from_str(value)
            .map_err(|_| ApiError::bad(format!("header `{name}` has an invalid value")))?;
        sent_headers.push(json!({"name": name, "value": value}));
        Ok::<_, ApiError>(b.header(n, v))
    };
    match &req.headers {
        None => {}
        Some(Headers::List(l)) => {
            for p in l {
                builder = add(builder, &p.name, &p.value)?;
            }
        }
        Some(Headers::Map(m)) => {
            for (k, v) in m {
                let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                builder = add(builder, k, &v)?;
            }
        }
    }
    if !has_host && !req.http2 {
        builder = builder.header(header::HOST, authority.as_str());
    }
    builder = builder.header(REPLAY_HEADER, "1");
    if !body.is_empty() || !matches!(method, Method::GET | Method::HEAD) {
        builder = builder.header(header::CONTENT_LENGTH, body.len());
    }
    let request = builder
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| ApiError::bad(format!("request could not be built: {e}")))?;

    let stream = tokio::net::TcpStream::connect((host, port))
        .await
        .map_err(|e| {
            failed(
                StatusCode::BAD_GATEWAY,
                "connect",
                format!("could not connect to {host}:{port}: {e}"),
                started.elapsed(),
            )
        })?;
    let _ = stream.set_nodelay(true);
    let proto_err = |e: hyper::Error| {
        failed(
            StatusCode::BAD_GATEWAY,
            "protocol",
            format!("{host}:{port} did not answer with valid HTTP: {e}"),
            started.elapsed(),
        )
    };
    let response = if tls {
        let config = tls_config(cfg.ca_file.as_deref(), req.insecure, req.http2)?;
        let name = rustls::pki_types::ServerName::try_from(host.to_owned()).map_err(|e| {
            ApiError::bad(format!("`url` host `{host}` is not a TLS server name: {e}"))
        })?;
        let stream = tokio_rustls::TlsConnector::from(config)
            .connect(name, stream)
            .await
            .map_err(|e| {
                failed(
                    StatusCode::BAD_GATEWAY,
                    "tls",
                    format!(
                        "TLS with {host}:{port} failed: {e}{}",
                        if req.insecure {
                            ""
                        } else {
                            " (a self-signed or private-CA target: trust its CA with tap.replay-ca, or send \"insecure\": true)"
                        }
                    ),
                    started.elapsed(),
                )
            })?;
        exchange(stream, req.http2, request)
            .await
            .map_err(proto_err)?
    } else {
        exchange(stream, req.http2, request)
            .await
            .map_err(proto_err)?
    };
    let head_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (parts, mut incoming) = response.into_parts();
    let mut data = Vec::new();
    let mut truncated = false;
    let mut size: u64 = 0;
    while let Some(frame) = incoming.frame().await {
        let frame = frame.map_err(proto_err)?;
        if let Ok(chunk) = frame.into_data() {
            size += chunk.len() as u64;
            let room = cap.saturating_sub(data.len());
            if chunk.len() > room {
                data.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            data.extend_from_slice(&chunk);
        }
    }
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let headers: Vec<Value> = parts
        .headers
        .iter()
        .map(|(k, v)| json!({"name": k.as_str(), "value": String::from_utf8_lossy(v.as_bytes())}))
        .collect();
    let mime = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let (text, encoding) = match String::from_utf8(data) {
        Ok(s) => (s, None),
        Err(e) => (
            base64::engine::general_purpose::STANDARD.encode(e.into_bytes()),
            Some("base64"),
        ),
    };
    let version = match parts.version {
        axum::http::Version::HTTP_2 => "HTTP/2.0",
        axum::http::Version::HTTP_10 => "HTTP/1.0",
        _ => "HTTP/1.1",
    };
    let mut content = json!({ "mimeType": mime, "text": text, "size": size });
    if let Some(enc) = encoding {
        content["encoding"] = json!(enc);
    }
    Ok(axum::Json(json!({
        "request": {
            "method": method.as_str(),
            "url": req.url.trim(),
            "httpVersion": if req.http2 { "HTTP/2.0" } else { "HTTP/1.1" },
            "headers": sent_headers,
        },
        "response": {
            "status": parts.status.as_u16(),
            "statusText": parts.status.canonical_reason().unwrap_or(""),
            "httpVersion": version,
            "headers": headers,
            "content": content,
        },
        "truncated": truncated,
        "tls": tls,
        "insecure": tls && req.insecure,
        "maxResponseBytes": cap,
        "headMs": head_ms,
        "elapsedMs": elapsed_ms,
    }))
    .into_response())
}

/// Sends one request on a fresh connection (HTTP/1.1, or HTTP/2 when `http2`).
async fn exchange<T>(
    io: T,
    http2: bool,
    request: axum::http::Request<Full<Bytes>>,
) -> Result<axum::http::Response<hyper::body::Incoming>, hyper::Error>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let io = hyper_util::rt::TokioIo::new(io);
    if http2 {
        let (mut tx, conn) =
            hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io).await?;
        tokio::spawn(conn);
        tx.send_request(request).await
    } else {
        let (mut tx, conn) = hyper::client::conn::http1::handshake(io).await?;
        tokio::spawn(conn);
        tx.send_request(request).await
    }
}

/// The TLS client of an `https://` replay: the system's roots plus `ca_file`, or no
/// certificate check at all when `insecure`. ALPN offers what the request will speak.
fn tls_config(
    ca_file: Option<&std::path::Path>,
    insecure: bool,
    http2: bool,
) -> Result<std::sync::Arc<rustls::ClientConfig>, ApiError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    use std::sync::Arc;
    let server_err = |m: String| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m);
    // ring, the workspace's provider (no C toolchain); deprecated in rustls 0.23.48 only
    // for lacking post-quantum key exchange.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| server_err(format!("TLS setup: {e}")))?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        if let Some(path) = ca_file {
            let shown = path.display();
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| server_err(format!("replay CA file {shown}: {e}")))?
                .collect::<Result<_, _>>()
                .map_err(|e| server_err(format!("replay CA file {shown}: not PEM: {e}")))?;
            for cert in certs {
                roots.add(cert).map_err(|e| {
                    server_err(format!("replay CA file {shown}: certificate refused: {e}"))
                })?;
            }
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = vec![if http2 {
        b"h2".to_vec()
    } else {
        b"http/1.1".to_vec()
    }];
    Ok(Arc::new(config))
}

/// `"insecure": true`: any certificate is accepted (the handshake's signatures are still
/// checked, so the peer holds the key of the certificate it sent).
#[derive(Debug)]
struct AnyCertificate(std::sync::Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
