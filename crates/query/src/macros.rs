//! Protocol macros: a bare name standing for a condition (`http` for
//! `protocol.name == "http"`). The dissector registry supplies each protocol's own
//! (`ProtocolInfo::macros`) through [`crate::compile_with_macros`]; this table is the
//! fallback for callers without a registry, and names no dissector defines yet (`dns`,
//! `gql`). A new protocol needs no line here.
//!
//! A macro is expanded only where its name stands alone as a whole selector, never
//! inside strings or as part of a longer path (`request.http` is a field).

/// The built-in macros: name → expansion.
pub fn default_macros() -> &'static [(&'static str, &'static str)] {
    &[
        ("http", r#"protocol.name == "http""#),
        ("http2", r#"protocol.version == "2.0""#),
        ("grpc", r#"protocol.abbr == "gRPC""#),
        ("gql", r#"protocol.abbr == "GQL""#),
        ("amqp", r#"protocol.name == "amqp""#),
        ("kafka", r#"protocol.name == "kafka""#),
        ("redis", r#"protocol.name == "redis""#),
        ("dns", r#"protocol.name == "dns""#),
        ("websocket", r#"protocol.name == "websocket""#),
        ("ws", r#"protocol.name == "websocket""#),
    ]
}
