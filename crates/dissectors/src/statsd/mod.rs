//! StatsD, the metrics line protocol over UDP
//! ([Etsy's spec](https://github.com/statsd/statsd/blob/master/docs/metric_types.md), with
//! the DogStatsD extensions: tags, multi-value packets, container ids, timestamps,
//! events and service checks). The first datagram protocol: it is one folder plus one
//! line in the registry, nothing else.
//!
//! **Wire**: a datagram holds one or more lines separated by `\n`, each
//! `<name>:<value>[:<value>…]|<type>[|@<rate>][|#<tag>,<tag>…][|c:<container>][|T<unix>]`,
//! `<type>` one of `c` (counter), `g` (gauge), `ms` (timer), `h` (histogram), `s` (set),
//! `d` (distribution). `_e{…}` lines are events and `_sc|…` lines service checks (kept as
//! their text). Clients only send: there are no responses.
//!
//! **Detection** ([`StatsD::probe`]): the first line of a datagram must be a well-formed
//! metric (printable ASCII name, numeric value unless a set, known type) or an event or
//! service check; anything else is not StatsD. The sender is the client.
//!
//! **Entries**: one per line, `protocol {name: "statsd", version: "1.0", abbr: "STATSD"}`,
//! `request {name, value | values, type, kind, sampleRate?, tags?, container?,
//! timestamp?}` (`value` a number, or the text for sets and unparsable values), no
//! response, `requestSize` the line's bytes. A malformed line becomes an entry
//! `request {line}` with a diagnostic; a line cut by the capture's snaplen is marked
//! `truncated`. At most [`MAX_LINES`] lines of a datagram become entries; the rest are
//! counted as skipped.
//!
//! **Streams**: StatsD also runs over TCP (newline-terminated lines); [`StatsD::new_session`]
//! parses that the same way, which the tests use to check that how the bytes were cut
//! changes nothing. The engine only probes this dissector on UDP.

mod line;
mod session;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use mizu_dissect::{
    DatagramSession, Dissector, Probe, ProbeContext, ProtocolInfo, Session, SessionContext,
    Summary, Transport,
};
use mizu_model::Entry;

pub use line::MAX_LINES;

/// The StatsD dissector.
#[derive(Debug, Clone, Copy, Default)]
pub struct StatsD;

/// The static descriptor of StatsD.
pub static INFO: ProtocolInfo = ProtocolInfo {
    id: "statsd",
    name: "statsd",
    version: "1.0",
    abbr: "STATSD",
    long_name: "StatsD metrics line protocol",
    macro_name: "statsd",
    macros: &[("statsd", r#"protocol.name == "statsd""#)],
    background_color: "#6c3d91",
    foreground_color: "#ffffff",
    reference_link: "https://github.com/statsd/statsd/blob/master/docs/metric_types.md",
    ports: &[8125],
    priority: 5,
};

/// The registry's constructor.
pub fn dissector(_config: &crate::Config) -> Arc<dyn Dissector> {
    Arc::new(StatsD)
}

impl Dissector for StatsD {
    fn info(&self) -> &'static ProtocolInfo {
        &INFO
    }

    fn probe(&self, data: &[u8], _ctx: &ProbeContext) -> Probe {
        let first = data.split(|&b| b == b'\n').next().unwrap_or_default();
        if line::plausible(first) {
            Probe::Match { from_client: true }
        } else {
            Probe::NoMatch
        }
    }

    fn new_session(&self, ctx: SessionContext) -> Box<dyn Session> {
        Box::new(session::StreamSession::new(ctx))
    }

    fn transport(&self) -> Transport {
        Transport::Datagram
    }

    fn new_datagram_session(&self, ctx: SessionContext) -> Option<Box<dyn DatagramSession>> {
        Some(Box::new(session::DgramSession::new(ctx)))
    }

    fn summarize(&self, entry: &Entry) -> Option<Summary> {
        if entry.protocol.name != INFO.name {
            return None;
        }
        let req = entry.request.json()?;
        let text = |k: &str| req.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        let (method, summary) = match text("kind").as_str() {
            "" => ("malformed".to_owned(), text("line")),
            kind => (kind.to_owned(), text("name")),
        };
        Some(Summary {
            method,
            summary,
            status: None,
        })
    }
}
