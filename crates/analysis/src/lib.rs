//! Analysis over entries: each module is fed entries as the hub ingests them, keeps bounded
//! state, and answers the hub's API. Pure: no I/O, no threads, no clock (times come from the
//! entries and from the caller).
//!
//! - [`servicemap`]: who talks to whom, per protocol, with counts, errors, rate and latency
//!   quantiles per edge, and the Prometheus RED series of those edges.
//! - [`stats`]: traffic per protocol and method in 1-minute buckets, status classes over
//!   time, top endpoints by count, errors and p99.
//! - [`classify`]: what counts as an error per protocol, latency, method and path.
//! - [`sketch`]: the mergeable latency sketch both use.

pub mod classify;
pub mod oas;
pub mod rules;
pub mod servicemap;
pub mod sketch;
pub mod stats;

use serde::Serialize;

/// A protocol as the analyses key it: `name` (`http`) and `abbr` (`gRPC`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ProtoId {
    pub name: String,
    pub abbr: String,
}

/// Small intern table of protocols (there are a handful; bounded anyway).
#[derive(Clone, Debug, Default)]
pub(crate) struct Protocols {
    list: Vec<ProtoId>,
}

/// Most distinct protocols kept apart; more share the last slot.
const MAX_PROTOCOLS: usize = 64;

impl Protocols {
    pub(crate) fn intern(&mut self, name: &str, abbr: &str) -> u16 {
        if let Some(i) = self
            .list
            .iter()
            .position(|p| p.name == name && p.abbr == abbr)
        {
            return i as u16;
        }
        if self.list.len() >= MAX_PROTOCOLS {
            return (MAX_PROTOCOLS - 1) as u16;
        }
        self.list.push(ProtoId {
            name: name.to_owned(),
            abbr: abbr.to_owned(),
        });
        (self.list.len() - 1) as u16
    }

    pub(crate) fn get(&self, i: u16) -> ProtoId {
        self.list.get(usize::from(i)).cloned().unwrap_or(ProtoId {
            name: String::new(),
            abbr: String::new(),
        })
    }
}
use mizu_model::Entry;
use std::borrow::Cow;

/// The service an HTTP entry was sent to, as the OpenAPI documents and the rules' `service`
/// regex see it: the destination's resolved name (`service.namespace`), else the request's
/// `Host` header, else `ip:port` of the destination.
pub fn service_name(entry: &Entry) -> String {
    service_name_cow(entry).into_owned()
}

/// [`service_name`], borrowed from the entry when it can be (no allocation per entry).
pub fn service_name_cow(entry: &Entry) -> Cow<'_, str> {
    if !entry.dst.name.is_empty() {
        return Cow::Borrowed(&entry.dst.name);
    }
    if let Some(req) = entry.request.as_http_request()
        && let Some(host) =
            header(&req.headers, "host").or_else(|| header(&req.headers, ":authority"))
        && !host.trim().is_empty()
    {
        let host = host.trim();
        return if host.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(host.to_ascii_lowercase())
        } else {
            Cow::Borrowed(host)
        };
    }
    Cow::Owned(if entry.dst.ip.contains(':') {
        format!("[{}]:{}", entry.dst.ip, entry.dst.port)
    } else {
        format!("{}:{}", entry.dst.ip, entry.dst.port)
    })
}

/// The first header with this name, case-insensitively.
pub(crate) fn header<'a>(headers: &'a [mizu_model::Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}
