//! mizu's protocol dissectors and the registry the engine probes them from.
//!
//! Each protocol is one folder implementing [`mizu_dissect::Dissector`] (its `mod.rs` has
//! a `pub fn dissector(&Config) -> Arc<dyn Dissector>`) plus one line in the
//! [`protocols!`] list below, which declares the module and registers it. Everything else
//! (filter macros, facets, port hints, the hub's colours and summaries, `--stats`) is
//! derived from the [`registry::Registry`] value built from that list. Shared helpers for
//! message bodies (content decoding, forms, query strings, cookies) live in [`content`].
//! Every dissector follows the rules of `mizu-dissect`: no I/O, no threads, never a panic
//! on any input, bounded memory per connection, and whatever cannot be parsed becomes a
//! diagnostic and a counted drop.

pub mod config;
pub mod content;
pub mod protobuf;
pub mod registry;

pub use config::Config;
pub use registry::Registry;

/// Declares each protocol's module and registers its constructor, in probing order
/// (lowest `priority` first). One line per protocol; heavy ones are cargo features
/// (default on), so a build can leave them out.
macro_rules! protocols {
    ($($(#[$attr:meta])* $name:ident,)*) => {
        $($(#[$attr])* pub mod $name;)*
        /// Every compiled-in protocol's constructor, in probing order.
        pub(crate) const CONSTRUCTORS: &[registry::Constructor] = &[
            $($(#[$attr])* $name::dissector,)*
        ];
    };
}

protocols! {
    http1,
    #[cfg(feature = "http2")] http2,
    #[cfg(feature = "amqp")] amqp,
    #[cfg(feature = "kafka")] kafka,
    #[cfg(feature = "redis")] redis,
    #[cfg(feature = "websocket")] websocket,
    statsd,
}

pub use http1::Http1;
#[cfg(feature = "http2")]
pub use http2::Http2;
