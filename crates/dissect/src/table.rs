//! [`ProtocolTable`]: what a consumer that shows entries (the hub, `mizu read`'s table
//! output) needs from the protocol registry — each protocol's [`ProtocolInfo`] (colours,
//! abbreviations, macros), the filter macros, and the list-row summary — without linking
//! any dissector. Whoever builds such a consumer fills it from the registry
//! (`mizu_dissectors::Registry::table`); tests may build their own.

use std::sync::Arc;

use mizu_model::{Entry, Payload};

use crate::{ProtocolInfo, Summary};

/// A protocol's list-row summary, or `None` when the entry is none of the table's.
pub type SummarizeFn = dyn Fn(&Entry) -> Option<Summary> + Send + Sync;

/// Protocol descriptors, filter macros and the summary function. Cheap to clone. The
/// default table knows no protocol (generic summaries, no macros, grey badges).
#[derive(Clone)]
pub struct ProtocolTable {
    infos: Arc<[&'static ProtocolInfo]>,
    macros: Arc<[(&'static str, &'static str)]>,
    summarize: Arc<SummarizeFn>,
}

impl std::fmt::Debug for ProtocolTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.infos.iter().map(|i| i.id))
            .finish()
    }
}

impl Default for ProtocolTable {
    fn default() -> ProtocolTable {
        ProtocolTable::new(Vec::new(), |_| None)
    }
}

impl ProtocolTable {
    /// A table of these protocols (in probing order); `summarize` gives an entry's
    /// protocol-specific summary (the registry asks each dissector in turn).
    pub fn new(
        infos: Vec<&'static ProtocolInfo>,
        summarize: impl Fn(&Entry) -> Option<Summary> + Send + Sync + 'static,
    ) -> ProtocolTable {
        ProtocolTable {
            macros: protocol_macros(&infos).into(),
            infos: infos.into(),
            summarize: Arc::new(summarize),
        }
    }

    /// Every protocol's descriptor, in probing order.
    pub fn infos(&self) -> &[&'static ProtocolInfo] {
        &self.infos
    }

    /// The filter language's protocol macros (`name → expansion`), first definition of a
    /// name winning (see [`protocol_macros`]).
    pub fn macros(&self) -> &[(&'static str, &'static str)] {
        &self.macros
    }

    /// The list-row summary of an entry: its protocol's, else [`generic_summary`].
    pub fn summarize(&self, entry: &Entry) -> Summary {
        (self.summarize)(entry).unwrap_or_else(|| generic_summary(entry))
    }
}

/// The filter macros of these protocols, one or more per protocol from
/// [`ProtocolInfo::macros`], first definition of a name winning.
pub fn protocol_macros(infos: &[&'static ProtocolInfo]) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    for info in infos {
        for &(name, expansion) in info.macros {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, expansion));
            }
        }
    }
    out
}

/// The summary of an entry no protocol claims: method and path for HTTP-shaped payloads,
/// the protocol's badge text otherwise.
pub fn generic_summary(entry: &Entry) -> Summary {
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

/// The list-row summary of an HTTP entry (HTTP/1.x, HTTP/2, gRPC, gRPC-Web): method,
/// path, and the status, gRPC's `grpc-status` when there is one (the list shows it for
/// gRPC calls). `None` when the request is not HTTP.
pub fn http_summary(entry: &Entry) -> Option<Summary> {
    let req = entry.request.as_http_request()?;
    let resp = entry.response.as_http_response();
    let grpc_status = resp
        .and_then(|r| r.grpc.as_ref())
        .and_then(|g| g.status)
        .map(i64::from);
    Some(Summary {
        method: req.method.clone(),
        summary: req.path.clone(),
        status: grpc_status.or(resp.map(|r| i64::from(r.status))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    static A: ProtocolInfo = ProtocolInfo {
        id: "a",
        name: "a",
        version: "1",
        abbr: "A",
        long_name: "A protocol",
        macro_name: "a",
        macros: &[("a", r#"protocol.name == "a""#), ("x", "true")],
        background_color: "#000000",
        foreground_color: "#ffffff",
        reference_link: "",
        ports: &[1],
        priority: 0,
    };
    static B: ProtocolInfo = ProtocolInfo {
        id: "b",
        name: "b",
        macro_name: "b",
        macros: &[("b", r#"protocol.name == "b""#), ("x", "false")],
        ..A
    };

    #[test]
    fn macros_first_definition_wins_and_summaries_fall_back() {
        let t = ProtocolTable::new(vec![&A, &B], |e| {
            (e.protocol.name == "a").then(|| Summary {
                method: "m".into(),
                summary: "s".into(),
                status: None,
            })
        });
        assert_eq!(
            t.macros(),
            [
                ("a", r#"protocol.name == "a""#),
                ("x", "true"),
                ("b", r#"protocol.name == "b""#)
            ]
        );
        assert_eq!(format!("{t:?}"), r#"["a", "b"]"#);
        let ctx = crate::SessionContext {
            flow: 1,
            client: ([10, 0, 0, 1], 1000).into(),
            server: ([10, 0, 0, 2], 1).into(),
            limits: crate::Limits::default(),
        };
        let a = ctx.new_entry(A.protocol());
        assert_eq!(t.summarize(&a).method, "m");
        let b = ctx.new_entry(B.protocol());
        assert_eq!(t.summarize(&b).summary, "A", "generic: the badge text");
        let empty = ProtocolTable::default();
        assert!(empty.infos().is_empty() && empty.macros().is_empty());
        assert_eq!(empty.summarize(&a).summary, "A");
    }
}
