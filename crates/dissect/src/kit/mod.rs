//! The session kit: what every dissector's session needs and used to copy. A bounds-checked
//! [`Reader`] with a byte-order parameter, typed [`Diagnostic`]s, [`side_name`] and
//! [`note`], [`MessageMeta`] (the capture facts every message carries) and [`drive`]
//! (the step loop with its spin guard).

mod diag;
mod drive;
mod meta;
mod reader;

pub use diag::{DiagKind, Diagnostic};
pub use drive::{MAX_IDLE_STEPS, Step, drive};
pub use meta::MessageMeta;
pub use reader::{Endian, ReadError, ReadResult, Reader, be16, be32};

use crate::Output;
use mizu_model::Direction;

/// `client` or `server`: who sends `dir`'s bytes, for diagnostics.
pub fn side_name(dir: Direction) -> &'static str {
    match dir {
        Direction::ClientToServer => "client",
        Direction::ServerToClient => "server",
    }
}

/// Reports a diagnostic to the engine and keeps its text for the entry it concerns.
pub fn note(out: &mut Output, diags: &mut Vec<String>, kind: DiagKind, msg: String) {
    out.diagnostic(kind, msg.clone());
    diags.push(msg);
}
