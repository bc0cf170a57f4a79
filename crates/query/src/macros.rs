//! Protocol macros: a bare name standing for a condition (`http` for
//! `protocol.name == "http"`). The table is data: a new protocol adds one line here, and
//! later the dissector registry supplies its own through
//! [`crate::compile_with_macros`].
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
