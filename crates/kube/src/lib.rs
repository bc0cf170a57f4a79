//! mizu in a Kubernetes cluster: the manifests (`manifests`), the cluster I/O (`cluster`:
//! connect, apply, progress with precise errors, port-forward, clean, check, logs), pod
//! targeting (`target`: which pods each node's agents capture), the names of addresses
//! (`names`) and the watches that keep both current in the hub (`watch`).

pub mod cluster;
pub mod manifests;
pub mod names;
pub mod target;
pub mod watch;
pub mod zip;

pub use manifests::Settings;
