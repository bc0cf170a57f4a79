//! The dissector contract.
//!
//! A protocol is one [`Dissector`]: a static [`ProtocolInfo`] descriptor, a cheap
//! [`Dissector::probe`] that looks at the first bytes of one direction, and a stateful
//! [`Session`] per connection that is pushed the bytes of both directions in order, plus
//! gap, FIN and close events, and writes finished [`Entry`]s into an [`Output`]. A
//! datagram protocol ([`Transport::Datagram`]) gets a [`DatagramSession`] per UDP
//! pseudo-flow instead, pushed whole datagrams.
//!
//! The [`Driver`] owns the per-direction buffers between the reassembler and a session:
//! it offers the session every unconsumed byte, keeps what the session did not consume,
//! and knows the capture time of every buffered byte ([`Chunk::ts_at`]). The engine and
//! every dissector test use the same driver, so a test sees exactly what production sees.
//!
//! Rules for implementations (see `docs/dissector.md`): no I/O, no threads, no panics on
//! any input; what cannot be parsed becomes a diagnostic and a counted drop, never a guess.

mod driver;
pub mod kit;
mod table;
pub mod testing;

pub use driver::{Driver, DriverStats};
pub use kit::{DiagKind, Diagnostic};
use mizu_model::{Direction, Endpoint, Entry, Header, Nanos, Protocol};
use std::net::SocketAddr;
pub use table::{ProtocolTable, SummarizeFn, generic_summary, http_summary, protocol_macros};

/// Static description of a protocol: what the UI badge, the filter macros and the
/// protocol-detection order need.
#[derive(Debug)]
pub struct ProtocolInfo {
    /// Stable id, never reused: `http1`, `http2`, `amqp`, `kafka`, `redis`.
    pub id: &'static str,
    /// Mizu's protocol name in entries (`protocol.name`): `http`, `amqp`, `kafka`, `redis`.
    pub name: &'static str,
    /// Default version string for entries (`1.1`).
    pub version: &'static str,
    /// Badge text (`protocol.abbr`): `HTTP`.
    pub abbr: &'static str,
    /// Human name: `Hypertext Transfer Protocol -- HTTP/1.1`.
    pub long_name: &'static str,
    /// Filter-language macro that selects this protocol: `http`.
    pub macro_name: &'static str,
    /// The filter-language macros this protocol defines (`name → expansion`), including
    /// `macro_name`'s: `("http", r#"protocol.name == "http""#)`. The registry hands them
    /// to the filter language, so a new protocol's macro needs no edit elsewhere.
    pub macros: &'static [(&'static str, &'static str)],
    pub background_color: &'static str,
    pub foreground_color: &'static str,
    pub reference_link: &'static str,
    /// Usual server ports: only a hint that orders probing, never a requirement.
    pub ports: &'static [u16],
    /// Lower probes first when no port hint applies (Mizu: HTTP 0, AMQP 1, Kafka 2, Redis 3).
    pub priority: u8,
}

impl ProtocolInfo {
    /// The entry's `protocol` object with this descriptor's default version.
    pub fn protocol(&self) -> Protocol {
        Protocol {
            name: self.name.into(),
            version: self.version.into(),
            abbr: self.abbr.into(),
        }
    }
}

/// What the caller knows when probing: the endpoints as the reassembler oriented them,
/// and which way the probed bytes travel by that orientation (which may be a guess when
/// the handshake was not captured).
#[derive(Clone, Copy, Debug)]
pub struct ProbeContext {
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub dir: Direction,
    /// The orientation came from a captured SYN (`false`: guessed from ports).
    pub handshake_seen: bool,
}

/// A probe's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// The bytes are this protocol. `from_client` says who sent them: a request line
    /// means the sender is the client, a status line means it is the server. The caller
    /// swaps its orientation if that contradicts its guess.
    Match { from_client: bool },
    /// Not this protocol.
    NoMatch,
    /// Can't tell yet: call again with more bytes (callers stop asking after a limit).
    NeedMore,
}

/// Size limits every session honours. Exceeding one is never an error: the data is cut,
/// marked (`truncated`, diagnostics) and counted.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Body bytes kept per message, after content decoding. Default 1 MiB.
    pub max_body: usize,
    /// Largest message head (request line + headers) before the session gives up on it
    /// and resynchronises. Default 64 KiB.
    pub max_head: usize,
    /// Requests waiting for a response before the oldest is emitted unanswered. Default 1024.
    pub max_pending: usize,
    /// Bytes of requests waiting for a response per connection, for protocols whose
    /// clients pipeline thousands of small requests (Redis `--pipe`, a 20,000-command
    /// MULTI): past it the oldest is emitted unanswered. Default 16 MiB.
    pub max_pending_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: 1 << 20,
            max_head: 64 << 10,
            max_pending: 1024,
            max_pending_bytes: 16 << 20,
        }
    }
}

/// Everything a new session knows about its connection.
#[derive(Clone, Copy, Debug)]
pub struct SessionContext {
    /// The reassembler's flow id (one TCP connection).
    pub flow: u64,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub limits: Limits,
}

impl SessionContext {
    /// A blank entry for this connection: endpoints, flow id and protocol filled in,
    /// `src` = client and `dst` = server (Mizu's convention).
    pub fn new_entry(&self, protocol: Protocol) -> Entry {
        Entry {
            id: String::new(),
            protocol,
            capture: "pcap".into(),
            src: Endpoint::from_socket(self.client),
            dst: Endpoint::from_socket(self.server),
            namespace: String::new(),
            outgoing: false,
            timestamp: 0,
            start_time: String::new(),
            elapsed_time: 0,
            elapsed_micros: 0,
            request: mizu_model::Payload::None,
            response: mizu_model::Payload::None,
            request_size: 0,
            response_size: 0,
            truncated: false,
            gap: false,
            diagnostics: Vec::new(),
            flow: self.flow,
            node: None,
        }
    }
}

/// The bytes offered to a session for one direction: every byte not yet consumed, oldest
/// first, with the capture time of each.
#[derive(Clone, Copy, Debug)]
pub struct Chunk<'a> {
    pub dir: Direction,
    pub data: &'a [u8],
    /// `(offset into data, capture time)` marks, ascending by offset, first at offset 0:
    /// bytes from `offset` up to the next mark arrived at that time.
    pub marks: &'a [(usize, Nanos)],
}

impl Chunk<'_> {
    /// Capture time of the packet that carried `data[offset]` (the last packet's time for
    /// offsets past the end).
    pub fn ts_at(&self, offset: usize) -> Nanos {
        let i = self.marks.partition_point(|&(o, _)| o <= offset);
        match i.checked_sub(1).and_then(|i| self.marks.get(i)) {
            Some(&(_, ts)) => ts,
            None => self.marks.first().map_or(0, |&(_, ts)| ts),
        }
    }

    /// Capture time of the newest byte.
    pub fn last_ts(&self) -> Nanos {
        self.marks.last().map_or(0, |&(_, ts)| ts)
    }
}

/// A connection switching protocols (`101 Switching Protocols`, or h2c).
#[derive(Clone, Debug, PartialEq)]
pub struct Upgrade {
    /// The upgrade token, lower-case: `h2c`, `websocket`.
    pub protocol: String,
    /// When the switch happened.
    pub ts: Nanos,
    /// A request whose response comes in the new protocol (HTTP/1.1 `Upgrade: h2c`: the
    /// request becomes HTTP/2 stream 1), handed to the next session instead of being
    /// emitted. `None` for most upgrades. If no dissector takes it over, the engine emits
    /// it as it is (without a response, with a diagnostic).
    pub request: Option<Box<HandedOver>>,
    /// Headers of the response that made the switch (HTTP/1.1 `101`), as sent: the new
    /// protocol's negotiated parameters live there (WebSocket's `Sec-WebSocket-Extensions`,
    /// `Sec-WebSocket-Protocol`). Empty when the switch carried none. Generic on purpose:
    /// the next session reads what it needs without knowing which protocol switched.
    pub headers: Vec<Header>,
}

impl Upgrade {
    /// An upgrade that hands nothing over.
    pub fn new(protocol: impl Into<String>, ts: Nanos) -> Upgrade {
        Upgrade {
            protocol: protocol.into(),
            ts,
            request: None,
            headers: Vec::new(),
        }
    }

    /// The same upgrade carrying the switching response's headers.
    pub fn with_headers(mut self, headers: Vec<Header>) -> Upgrade {
        self.headers = headers;
        self
    }

    /// The first header of the switching response with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}

/// A request handed from one session to the next across an [`Upgrade`].
#[derive(Clone, Debug, PartialEq)]
pub struct HandedOver {
    /// The entry as the old protocol built it (request filled, no response).
    pub entry: Entry,
    /// Capture time of the request's first byte (the entry only keeps milliseconds).
    pub ts: Nanos,
}

/// What a session writes: finished entries, diagnostics, and at most one upgrade.
#[derive(Debug, Default)]
pub struct Output {
    pub entries: Vec<Entry>,
    /// Problems noticed on the wire (malformed head, unanswered request, …). The engine
    /// counts them by kind; entries they concern also carry the text in
    /// `entry.diagnostics`.
    pub diagnostics: Vec<Diagnostic>,
    /// Set when the connection switched protocols. After it the session is not fed again:
    /// the caller hands the remaining bytes to the next protocol's session (or counts them
    /// as unparsed if no dissector speaks it).
    pub upgrade: Option<Upgrade>,
    /// Bytes the session consumed without showing them in any entry (skipped garbage, an
    /// oversized frame with no entry open to carry the diagnostic), with the reason. The
    /// engine adds them to its unparsed counters (`unparsed_bytes`, `unparsed_reasons`).
    pub skipped: Vec<Skipped>,
}

/// Bytes consumed but shown in no entry, and why (see [`Output::skipped`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub bytes: u64,
    /// Short and stable, so counters group by it (`kafka: malformed or oversized frame`):
    /// no per-case numbers.
    pub reason: &'static str,
}

impl Output {
    pub fn emit(&mut self, entry: Entry) {
        self.entries.push(entry);
    }
    pub fn diagnostic(&mut self, kind: DiagKind, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new(kind, message));
    }
    /// Reports `bytes` consumed but shown in no entry (nothing for 0 bytes).
    pub fn skipped(&mut self, bytes: u64, reason: &'static str) {
        if bytes > 0 {
            self.skipped.push(Skipped { bytes, reason });
        }
    }
}

/// Per-connection protocol state. Pushed bytes in order per direction; the two
/// directions interleave in capture order.
pub trait Session: Send {
    /// Offered every unconsumed byte of `chunk.dir`. Returns how many bytes from the front
    /// it consumed (parsed or deliberately skipped). Unconsumed bytes are offered again
    /// with newer bytes appended, so a session that needs more input returns early. A
    /// session must consume body bytes as they arrive, so buffers stay small.
    fn on_data(&mut self, chunk: &Chunk<'_>, out: &mut Output) -> usize;

    /// `len` bytes of `dir` are lost for good (the offered-but-unconsumed bytes of that
    /// direction were discarded by the driver and are included in `len`). The session
    /// marks what it was parsing and resynchronises.
    fn on_gap(&mut self, dir: Direction, len: u64, ts: Nanos, out: &mut Output);

    /// A gap is about to be reported for `chunk.dir` and these offered-but-unconsumed bytes
    /// will be discarded with it. Salvage what can be shown (e.g. a message head cut by the
    /// capture's snaplen: its complete lines), marking it `gap`/`truncated`. Never consume:
    /// `on_gap` follows with `len` including these bytes.
    fn on_cut(&mut self, chunk: &Chunk<'_>, out: &mut Output) {
        let _ = (chunk, out);
    }

    /// `dir` sent FIN: no more bytes will come that way. Close-delimited bodies end here.
    fn on_fin(&mut self, dir: Direction, ts: Nanos, out: &mut Output) {
        let _ = (dir, ts, out);
    }

    /// The connection is gone (FIN both ways, RST, idle, end of input). Emit whatever is
    /// pending: unanswered requests become entries without a response.
    fn on_close(&mut self, ts: Nanos, out: &mut Output);

    /// Heap bytes this session holds now (pending messages, bodies being received,
    /// decompression state, tables), for the engine's global memory budget. Called after
    /// every event the session gets, so it must be cheap: sum a few capacities or return a
    /// counter kept up to date; an estimate within a small factor is fine. The default (0)
    /// is for sessions whose state is bounded by a few kilobytes.
    fn buffered_bytes(&self) -> usize {
        0
    }
}

/// How a protocol's messages travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Byte streams (TCP, later TLS plaintext): [`Dissector::new_session`].
    Stream,
    /// Datagrams (UDP): [`Dissector::new_datagram_session`]. Each datagram is whole: a
    /// probe on one never needs more bytes.
    Datagram,
}

/// Per-pseudo-flow state of a datagram protocol (UDP): the datagrams between one pair of
/// endpoints, until the engine expires the pair (idle, table full, end of input).
pub trait DatagramSession: Send {
    /// One datagram of `dir` captured at `ts`: `data` is its whole captured payload, and
    /// `missing` payload bytes were announced by its headers but not captured (snaplen).
    /// Every datagram is complete or marked: there is no reassembly and no gap.
    fn on_datagram(
        &mut self,
        dir: Direction,
        ts: Nanos,
        data: &[u8],
        missing: u32,
        out: &mut Output,
    );

    /// The pseudo-flow ended (idle, evicted, end of input). Emit what is pending (a request
    /// still waiting for its answer becomes an entry without one).
    fn on_close(&mut self, ts: Nanos, out: &mut Output) {
        let _ = (ts, out);
    }

    /// Heap bytes held (pending requests), for the engine's memory budget, as
    /// [`Session::buffered_bytes`].
    fn buffered_bytes(&self) -> usize {
        0
    }
}

/// The list-row summary of an entry, as in Mizu's BaseEntry.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub method: String,
    /// Path for HTTP; topic, queue, key… for other protocols.
    pub summary: String,
    /// HTTP status code; `None` when the protocol has none or there is no response.
    pub status: Option<i64>,
}

/// A protocol dissector. Registered by one line in `mizu-dissectors`' registry.
pub trait Dissector: Send + Sync {
    fn info(&self) -> &'static ProtocolInfo;

    /// Cheap, allocation-free check of the first bytes of one direction.
    fn probe(&self, data: &[u8], ctx: &ProbeContext) -> Probe;

    fn new_session(&self, ctx: SessionContext) -> Box<dyn Session>;

    /// Whether this protocol runs over byte streams (default) or datagrams. The engine
    /// probes stream dissectors on TCP connections and datagram dissectors on UDP.
    fn transport(&self) -> Transport {
        Transport::Stream
    }

    /// A session for a UDP pseudo-flow (`ctx.client` sent the first datagram, or the probe
    /// said otherwise). `None` (the default): this dissector does not speak datagrams.
    fn new_datagram_session(&self, ctx: SessionContext) -> Option<Box<dyn DatagramSession>> {
        let _ = ctx;
        None
    }

    /// A session for a connection that switched to this protocol via `Upgrade` (the token is
    /// lower-case, e.g. `h2c`). `None`: this dissector does not speak that token.
    fn upgrade_session(&self, token: &str, ctx: SessionContext) -> Option<Box<dyn Session>> {
        let _ = (token, ctx);
        None
    }

    /// Like [`Dissector::upgrade_session`], with the whole [`Upgrade`]: a dissector that
    /// continues a handed-over request takes `up.request` (leaving `None`). The engine and
    /// the test harness call this one; the default forwards to `upgrade_session`.
    fn upgrade_session_from(
        &self,
        up: &mut Upgrade,
        ctx: SessionContext,
    ) -> Option<Box<dyn Session>> {
        self.upgrade_session(&up.protocol, ctx)
    }

    /// The list-row summary, or `None` if the entry is not this dissector's.
    fn summarize(&self, entry: &Entry) -> Option<Summary>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ts_at_finds_the_packet_of_each_byte() {
        let marks = [(0, 10), (5, 20), (9, 30)];
        let c = Chunk {
            dir: Direction::ClientToServer,
            data: &[0; 12],
            marks: &marks,
        };
        assert_eq!(c.ts_at(0), 10);
        assert_eq!(c.ts_at(4), 10);
        assert_eq!(c.ts_at(5), 20);
        assert_eq!(c.ts_at(8), 20);
        assert_eq!(c.ts_at(11), 30);
        assert_eq!(c.ts_at(100), 30);
        assert_eq!(c.last_ts(), 30);
    }
}
