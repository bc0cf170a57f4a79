//! The list of dissectors, in probing order, and the helpers the engine and the UI use to
//! find one. Adding a protocol: write its module, then add one line to [`DISSECTORS`].

use mizu_dissect::{Dissector, Summary};
use mizu_model::{Entry, Payload};

/// Every dissector, lowest `priority` first (the engine may reorder by port hints).
pub static DISSECTORS: &[&dyn Dissector] = &[
    &crate::http1::Http1,         // http1
    &crate::http2::HTTP2,         // http2
    &crate::amqp::Amqp,           // amqp
    &crate::kafka::Kafka,         // kafka
    &crate::redis::Redis,         // redis
    &crate::websocket::WebSocket, // websocket
];

/// All registered dissectors.
pub fn all() -> &'static [&'static dyn Dissector] {
    DISSECTORS
}

/// The dissector with this stable id (`http1`).
pub fn by_id(id: &str) -> Option<&'static dyn Dissector> {
    DISSECTORS.iter().copied().find(|d| d.info().id == id)
}

/// The list-row summary of an entry: the first dissector that recognises it, else a
/// generic summary (method and path for HTTP-shaped payloads, the protocol name otherwise).
pub fn summarize(entry: &Entry) -> Summary {
    if let Some(s) = DISSECTORS.iter().find_map(|d| d.summarize(entry)) {
        return s;
    }
    match &entry.request {
        Payload::HttpRequest(r) => Summary {
            method: r.method.clone(),
            summary: r.path.clone(),
            status: entry
                .response
                .as_http_response()
                .map(|r| i64::from(r.status)),
        },
        _ => Summary {
            method: String::new(),
            summary: entry.protocol.abbr.to_string(),
            status: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_priorities_are_unique() {
        let mut ids: Vec<_> = all().iter().map(|d| d.info().id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all().len());
        assert!(by_id("http1").is_some());
        assert!(by_id("nope").is_none());
        let prios: Vec<_> = all().iter().map(|d| d.info().priority).collect();
        assert!(prios.windows(2).all(|w| w[0] <= w[1]), "sorted by priority");
    }
}
