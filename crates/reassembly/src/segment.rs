//! The decoded TCP segment handed to the reassembler: `mizu-wire`'s types, re-exported so
//! callers of this crate need not name the decoder.

pub use mizu_wire::{TcpFlags, TcpSegment};
