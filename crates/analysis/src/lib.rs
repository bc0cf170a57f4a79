//! Analysis over entries: each module is fed entries as the hub ingests them, keeps bounded
//! state, and answers the hub's API. Pure: no I/O, no threads, no clock (times come from the
//! entries and from the caller).

pub mod oas;
pub mod rules;
pub mod servicemap;
pub mod stats;
