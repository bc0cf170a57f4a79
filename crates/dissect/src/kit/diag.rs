//! Typed diagnostics: every problem a session reports has a [`DiagKind`], so the engine
//! counts them by kind (`mizu read --stats`, the agent's status, the hub's `/metrics`)
//! while entries keep showing the message text as before.

/// What sort of problem a diagnostic reports. Short and stable: the names are counter
/// labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiagKind {
    /// Bytes were lost (a capture gap): a message is incomplete or pairing may be off.
    Gap,
    /// A message was cut: by the capture's snaplen, or the connection ended inside it.
    Truncated,
    /// Bytes that do not parse as the protocol; the session skipped or resynchronised.
    Malformed,
    /// A body whose content encoding (gzip, deflate, brotli, zstd, permessage-deflate…)
    /// did not decode.
    Decompress,
    /// A configured limit was reached (body, head, buffer, pending requests): data was cut
    /// or emitted early.
    Limit,
    /// Valid traffic mizu does not decode (another protocol version, an unknown encoding).
    Unsupported,
    /// A request without a captured response, or a response without its request.
    Unanswered,
    /// The peer itself reported an error (HTTP/2 `RST_STREAM`/`GOAWAY`, an AMQP close).
    PeerError,
}

impl DiagKind {
    /// Every kind, in counter order.
    pub const ALL: [DiagKind; 8] = [
        DiagKind::Gap,
        DiagKind::Truncated,
        DiagKind::Malformed,
        DiagKind::Decompress,
        DiagKind::Limit,
        DiagKind::Unsupported,
        DiagKind::Unanswered,
        DiagKind::PeerError,
    ];

    /// The counter label: `gap`, `truncated`, `malformed`, `decompress`, `limit`,
    /// `unsupported`, `unanswered`, `peer_error`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DiagKind::Gap => "gap",
            DiagKind::Truncated => "truncated",
            DiagKind::Malformed => "malformed",
            DiagKind::Decompress => "decompress",
            DiagKind::Limit => "limit",
            DiagKind::Unsupported => "unsupported",
            DiagKind::Unanswered => "unanswered",
            DiagKind::PeerError => "peer_error",
        }
    }
}

impl std::fmt::Display for DiagKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem noticed on the wire: its kind (for counters) and the text entries show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub kind: DiagKind,
    pub message: String,
}

impl Diagnostic {
    pub fn new(kind: DiagKind, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            kind,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_distinct_and_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for k in DiagKind::ALL {
            let s = k.as_str();
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s}"
            );
            assert!(seen.insert(s), "{s} twice");
            assert_eq!(k.to_string(), s);
        }
        assert_eq!(seen.len(), DiagKind::ALL.len());
    }
}
