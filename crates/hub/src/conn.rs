//! The hub's listener: a TCP listener whose connections answer hyper's own parse errors
//! in JSON.
//!
//! hyper answers a request it cannot parse (a raw 0xFF in the URL, a URL over 65534
//! bytes, a head over its buffer) by itself, with an empty `400`, `414` or `431`, before
//! any of the hub's code runs. [`JsonErrors`] sits between hyper and the socket and
//! replaces exactly those automatic answers (status 400, 414 or 431 with
//! `content-length: 0`: the hub's own errors always carry a JSON body) with the same
//! status and a JSON body naming the problem. Everything else passes through untouched.

use crate::error::message_for;
use axum::http::StatusCode;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// [`TcpListener`] whose connections are wrapped in [`JsonErrors`].
pub(crate) struct HubListener(pub(crate) TcpListener);

impl axum::serve::Listener for HubListener {
    type Io = JsonErrors<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (JsonErrors::new(io), addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// A connection that rewrites hyper's automatic error responses (see the module docs).
pub(crate) struct JsonErrors<T> {
    io: T,
    /// A replacement response still to be written, and how much of it is.
    pending: Vec<u8>,
    sent: usize,
}

impl<T> JsonErrors<T> {
    pub(crate) fn new(io: T) -> JsonErrors<T> {
        JsonErrors {
            io,
            pending: Vec::new(),
            sent: 0,
        }
    }
}

/// The status of `buf` if it is exactly one of hyper's automatic error heads.
pub(crate) fn automatic_error(buf: &[u8]) -> Option<StatusCode> {
    let rest = buf
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| buf.strip_prefix(b"HTTP/1.0 "))?;
    let code = std::str::from_utf8(rest.get(..3)?).ok()?;
    if !matches!(code, "400" | "414" | "431") {
        return None;
    }
    if buf.len() > 512 || !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let head = &buf[..buf.len() - 2];
    if head.windows(4).any(|w| w == b"\r\n\r\n") {
        return None;
    }
    let lower = head.to_ascii_lowercase();
    if !lower.windows(19).any(|w| w == b"\r\ncontent-length: 0") {
        return None;
    }
    code.parse().ok().and_then(|c| StatusCode::from_u16(c).ok())
}

/// The JSON response that replaces an automatic error.
pub(crate) fn json_response(status: StatusCode) -> Vec<u8> {
    let detail = match status.as_u16() {
        400 => {
            "the request line or a header is not valid HTTP/1.1 (bytes such as 0xFF or spaces in the URL must be percent-encoded)"
        }
        _ => "",
    };
    let body = serde_json::json!({ "error": message_for(status, detail) }).to_string();
    format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes()
}

impl<T: AsyncWrite + Unpin> JsonErrors<T> {
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.pending.len() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.pending[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        Poll::Ready(Ok(()))
    }

    /// Takes `buf` (an automatic error) as written and queues its replacement.
    fn replace(
        &mut self,
        cx: &mut Context<'_>,
        status: StatusCode,
        len: usize,
    ) -> Poll<io::Result<usize>> {
        self.pending = json_response(status);
        self.sent = 0;
        if let Poll::Ready(Err(e)) = self.drain(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(len))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonErrors<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonErrors<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        if let Some(status) = automatic_error(buf) {
            return this.replace(cx, status, buf.len());
        }
        Pin::new(&mut this.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        // hyper queues a response head as one slice of its own.
        let at = bufs
            .iter()
            .position(|b| !b.is_empty() && automatic_error(b).is_some());
        match at {
            Some(0) => {
                let status = automatic_error(&bufs[0]).unwrap_or(StatusCode::BAD_REQUEST);
                this.replace(cx, status, bufs[0].len())
            }
            Some(i) => Pin::new(&mut this.io).poll_write_vectored(cx, &bufs[..i]),
            None => Pin::new(&mut this.io).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_empty_errors_are_recognised() {
        let h = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Sun, 06 Dec 2026 12:00:00 GMT\r\n\r\n";
        assert_eq!(
            automatic_error(h),
            Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        );
        let h = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(automatic_error(h), Some(StatusCode::BAD_REQUEST));
        // The hub's own errors have a body; other statuses are never rewritten.
        let own = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 12\r\n\r\n{\"error\":1}";
        assert_eq!(automatic_error(own), None);
        assert_eq!(
            automatic_error(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"),
            None
        );
        assert_eq!(
            automatic_error(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0"),
            None
        );
        let r = String::from_utf8(json_response(StatusCode::URI_TOO_LONG)).unwrap_or_default();
        let (head, body) = r.split_once("\r\n\r\n").unwrap_or_default();
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\n"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        assert!(
            v["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("URL too long"))
        );
    }
}
