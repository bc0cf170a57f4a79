//! What configures dissectors: handed to every protocol's constructor by
//! [`crate::Registry::new`], so a dissector gets its settings without knowing the others
//! or the registry.

use std::sync::Arc;

use crate::protobuf::Schema;

/// Settings for the dissectors of one registry. `Config::default()` is what `mizu read`
/// uses without options.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Compiled `.proto` files (`mizu read --proto`): gRPC over HTTP/2 and gRPC-Web over
    /// HTTP/1 decode messages with field names. `None`: schema-less decoding.
    pub schema: Option<Arc<Schema>>,
}
