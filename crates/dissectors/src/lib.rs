//! mizu's protocol dissectors and the registry the engine probes them from.
//!
//! Each protocol is one module implementing [`mizu_dissect::Dissector`] plus one line in
//! [`registry`]. Shared helpers for message bodies (content decoding, forms, query strings,
//! cookies) live in [`content`]. Every dissector follows the rules of `mizu-dissect`: no I/O,
//! no threads, never a panic on any input, bounded memory per connection, and whatever cannot
//! be parsed becomes a diagnostic and a counted drop.

pub mod amqp;
pub mod content;
pub mod http1;
pub mod http2;
pub mod kafka;
pub mod protobuf;
pub mod redis;
pub mod registry;
pub mod websocket;

pub use http1::Http1;
pub use http2::Http2;
