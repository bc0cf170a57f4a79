//! mizu in a Kubernetes cluster: the manifests (`manifests`), and the cluster I/O (`cluster`:
//! connect, apply, progress with precise errors, port-forward, clean, check, logs).

pub mod cluster;
pub mod manifests;
pub mod zip;

pub use manifests::Settings;
