//! The data model shared by every stage: [`Direction`], timestamps, and the
//! [`Entry`] (one request/response exchange, serialised as Mizu-compatible JSON).
//!
//! This crate is pure data: no I/O, no threads, no protocol logic. The JSON shape is
//! documented in `docs/entry.md`; changing a field name breaks users' saved filters.

mod entry;
pub mod har;
mod http;
pub mod json;
mod raw;
pub mod redact;
pub mod xml;

pub use entry::{Endpoint, Entry, Node, Payload, Protocol, Short, StartTimes, Text};
pub use http::{
    Content, FormParam, Grpc, GrpcMessage, Header, HttpRequest, HttpResponse, PostData,
};
pub use raw::{JsonBuf, Key, RawJson};

/// Which way bytes travel on a connection, relative to the side that opened it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// From the client (the side that sent the SYN, or the best guess) to the server.
    ClientToServer,
    /// From the server to the client.
    ServerToClient,
}

impl Direction {
    /// The other direction.
    pub fn reverse(self) -> Direction {
        match self {
            Direction::ClientToServer => Direction::ServerToClient,
            Direction::ServerToClient => Direction::ClientToServer,
        }
    }

    /// 0 for client-to-server, 1 for server-to-client: handy for `[T; 2]` per-direction state.
    pub fn index(self) -> usize {
        match self {
            Direction::ClientToServer => 0,
            Direction::ServerToClient => 1,
        }
    }
}

/// Nanoseconds since the Unix epoch. Capture timestamps everywhere in mizu use this.
pub type Nanos = u64;

/// Formats nanoseconds since the epoch as RFC 3339 UTC with nanosecond precision,
/// e.g. `2026-11-23T07:13:17.123456789Z`. Pure arithmetic (no time zone database).
pub fn rfc3339_nanos(ts: Nanos) -> String {
    let secs = ts / 1_000_000_000;
    let nanos = ts % 1_000_000_000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let (y, mo, d) = civil_from_days(days as i64);
    // Written digit by digit: this runs once per entry and `format!` cost ~3k instructions.
    let mut b = *b"0000-00-00T00:00:00.000000000Z";
    let mut put = |at: usize, width: usize, mut v: u64| {
        for i in (at..at + width).rev() {
            b[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, y.clamp(0, 9999) as u64);
    put(5, 2, mo as u64);
    put(8, 2, d as u64);
    put(11, 2, h);
    put(14, 2, m);
    put(17, 2, s);
    put(20, 9, nanos);
    String::from_utf8_lossy(&b).into_owned()
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i64 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_instants() {
        assert_eq!(rfc3339_nanos(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            rfc3339_nanos(1_635_455_582_905_000_000),
            "2021-10-28T21:13:02.905000000Z"
        );
        // leap day
        assert_eq!(
            rfc3339_nanos(1_709_164_800_000_000_001),
            "2024-02-29T00:00:00.000000001Z"
        );
    }

    #[test]
    fn direction_reverse_and_index() {
        assert_eq!(
            Direction::ClientToServer.reverse(),
            Direction::ServerToClient
        );
        assert_eq!(Direction::ServerToClient.index(), 1);
    }
}
