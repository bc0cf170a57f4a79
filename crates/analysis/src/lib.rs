//! Analysis over entries: each module is fed entries as the hub ingests them, keeps bounded
//! state, and answers the hub's API. Pure: no I/O, no threads, no clock (times come from the
//! entries and from the caller).

pub mod oas;
pub mod rules;
pub mod servicemap;
pub mod stats;

use mizu_model::Entry;

/// The service an HTTP entry was sent to, as the OpenAPI documents and the rules' `service`
/// regex see it: the destination's resolved name (`service.namespace`), else the request's
/// `Host` header, else `ip:port` of the destination.
pub fn service_name(entry: &Entry) -> String {
    if !entry.dst.name.is_empty() {
        return entry.dst.name.to_string();
    }
    if let Some(req) = entry.request.as_http_request()
        && let Some(host) =
            header(&req.headers, "host").or_else(|| header(&req.headers, ":authority"))
        && !host.trim().is_empty()
    {
        return host.trim().to_ascii_lowercase();
    }
    if entry.dst.ip.contains(':') {
        format!("[{}]:{}", entry.dst.ip, entry.dst.port)
    } else {
        format!("{}:{}", entry.dst.ip, entry.dst.port)
    }
}

/// The first header with this name, case-insensitively.
pub(crate) fn header<'a>(headers: &'a [mizu_model::Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}
