//! Kubernetes for mizu: the manifests `mizu tap`/`install` apply, the commands that deploy,
//! check, clean and collect logs, pod targeting (which pods each node's agent captures) and
//! the watches that name addresses. All cluster I/O of mizu lives here.

pub mod names;
pub mod target;
pub mod watch;
