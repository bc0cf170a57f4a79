//! Export of what a filter selects: `GET /entries/har?query=…&limit=…` (HAR 1.2, through
//! the same writer as `mizu read --format har`: [`mizu_model::har`]) and
//! `GET /entries/pcap?query=…&limit=…` (the packets of the selected entries' TCP
//! connections, from the hub's [`crate::PacketArchive`]).
//!
//! Both select the newest `limit` matches (default 1000, at most the hub's
//! `max_query_limit`) and return them oldest first. How many matched, whether more would
//! have, and (pcap) how many connections were found or had aged out are in `X-Mizu-*`
//! response headers, never silent.

use crate::error::ApiError;
use crate::resolve;
use crate::{Hub, filter};
use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use mizu_store::{Deadline, Direction, Position, QuerySpec, Record};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// Default number of entries an export holds when `limit` is not given.
pub const DEFAULT_EXPORT_LIMIT: usize = 1000;

pub(crate) fn routes() -> Router<Hub> {
    Router::new()
        .route("/entries/har", get(har))
        .route("/entries/pcap", get(pcap))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExportParams {
    query: Option<String>,
    limit: Option<String>,
    timeout_ms: Option<String>,
}

/// The selected records, oldest first, and whether the limit or deadline cut the scan.
pub(crate) struct Selection {
    pub records: Vec<Arc<Record>>,
    pub limit: usize,
    /// More entries match than were exported (the limit was reached before the end).
    pub more: bool,
    pub timed_out: bool,
    pub filter: Option<filter::Filter>,
}

pub(crate) async fn select(
    hub: &Hub,
    params: Result<Query<ExportParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Selection, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad(format!("bad query string: {e}")))?;
    let limits = &hub.inner.config.limits;
    let asked = crate::api::parse_num::<usize>(p.limit.as_deref(), "limit")?;
    if let Some(n) = asked
        && (n == 0 || n > limits.max_query_limit)
    {
        return Err(ApiError::bad(format!(
            "`limit` must be 1..={} (the hub's max query limit), got {n}; narrow the filter or export in pages",
            limits.max_query_limit
        )));
    }
    let timeout = crate::api::parse_num::<u64>(p.timeout_ms.as_deref(), "timeoutMs")?
        .unwrap_or(limits.default_timeout_ms)
        .min(limits.max_timeout_ms);
    let filter = resolve::compile(hub, p.query.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::from(resolve::Refused::Filter(e)))?;
    let mut limit = asked.unwrap_or(DEFAULT_EXPORT_LIMIT.min(limits.max_query_limit));
    if let Some(l) = filter.as_ref().and_then(filter::Filter::limit) {
        limit = limit.min(l.max(1));
    }
    // One more than asked tells whether the export is complete.
    let spec = QuerySpec {
        left_off: Position::Latest,
        direction: Direction::Older,
        limit: limit + 1,
        deadline: Some(Deadline::after(Duration::from_millis(timeout))),
    };
    let h = hub.clone();
    let (result, filter) = tokio::task::spawn_blocking(move || {
        let r = filter::scan(&h.inner.store, &spec, filter.as_ref());
        (r, filter)
    })
    .await
    .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "query failed"))?;
    let mut records = result.records;
    let more = records.len() > limit;
    records.truncate(limit);
    records.reverse();
    Ok(Selection {
        records,
        limit,
        more,
        timed_out: result.progress.timed_out,
        filter,
    })
}

/// `X-Mizu-Exported`, `X-Mizu-Limit`, `X-Mizu-More`, `X-Mizu-Timed-Out`.
pub(crate) fn selection_headers(r: &mut Response, s: &Selection, exported: usize) {
    let h = r.headers_mut();
    let mut put = |k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    };
    put("x-mizu-exported", exported.to_string());
    put("x-mizu-limit", s.limit.to_string());
    put("x-mizu-more", s.more.to_string());
    put("x-mizu-timed-out", s.timed_out.to_string());
}

pub(crate) fn attachment(r: &mut Response, content_type: &'static str, name: &str) {
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        "access-control-expose-headers",
        HeaderValue::from_static("x-mizu-exported, x-mizu-limit, x-mizu-more, x-mizu-timed-out, x-mizu-connections-found, x-mizu-connections-missing, x-mizu-connections-partial, x-mizu-packets, x-mizu-truncated"),
    );
}

/// A stored entry as the model type, with the export filter's `redact(...)` applied.
fn stored_entry(r: &Record, f: Option<&filter::Filter>) -> Option<mizu_model::Entry> {
    match f.filter(|f| !f.redactions().is_empty()) {
        None => serde_json::from_slice(r.entry_json()).ok(),
        Some(f) => {
            let mut v: serde_json::Value = serde_json::from_slice(r.entry_json()).ok()?;
            f.redact(&mut v);
            serde_json::from_value(v).ok()
        }
    }
}

async fn har(
    State(hub): State<Hub>,
    params: Result<Query<ExportParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let sel = select(&hub, params).await?;
    let mut body = Vec::with_capacity(
        sel.records
            .iter()
            .map(|r| r.entry_json().len() + 512)
            .sum::<usize>()
            + 256,
    );
    body.extend_from_slice(mizu_model::har::PREAMBLE.as_bytes());
    let mut n = 0usize;
    for r in &sel.records {
        let Some(v) = stored_entry(r, sel.filter.as_ref()).and_then(|e| mizu_model::har::entry(&e))
        else {
            continue;
        };
        if n > 0 {
            body.extend_from_slice(b",\n");
        }
        if serde_json::to_writer(&mut body, &v).is_ok() {
            n += 1;
        }
    }
    body.extend_from_slice(mizu_model::har::EPILOGUE.as_bytes());
    let mut r = Response::new(Body::from(body));
    attachment(&mut r, "application/json", "mizu.har");
    selection_headers(&mut r, &sel, n);
    let skipped = sel.records.len() - n;
    if let Ok(v) = HeaderValue::from_str(&skipped.to_string()) {
        r.headers_mut().insert("x-mizu-skipped-non-http", v);
    }
    Ok(r)
}

/// The TCP connection of a stored entry (from its `src`/`dst`/`node`/`timestamp`).
fn conn_of(r: &Record) -> Option<crate::ConnKey> {
    #[derive(Deserialize)]
    struct Ep {
        ip: String,
        port: String,
    }
    #[derive(Deserialize, Default)]
    struct NodeName {
        #[serde(default)]
        name: String,
    }
    #[derive(Deserialize)]
    struct E {
        src: Ep,
        dst: Ep,
        #[serde(default)]
        node: Option<NodeName>,
        #[serde(default)]
        timestamp: i64,
    }
    let e: E = serde_json::from_slice(r.entry_json()).ok()?;
    let addr = |ep: &Ep| -> Option<std::net::SocketAddr> {
        Some(std::net::SocketAddr::new(
            ep.ip.parse().ok()?,
            ep.port.parse().ok()?,
        ))
    };
    Some(crate::ConnKey {
        node: e.node.unwrap_or_default().name,
        client: addr(&e.src)?,
        server: addr(&e.dst)?,
        timestamp_ms: e.timestamp,
    })
}

async fn pcap(
    State(hub): State<Hub>,
    params: Result<Query<ExportParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let archive = hub.inner.packets.get().cloned();
    let has_peers = !hub
        .inner
        .packet_peers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_empty();
    if archive.is_none() && !has_peers {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "this hub keeps no packets and no connected agent does: pcap export works with `mizu read --serve` (re-reads the capture), `mizu tap` and `mizu agent` (a ring of recent packets per connection, --pcap-ring); export HAR instead (GET /entries/har)",
        ));
    }
    let sel = select(&hub, params).await?;
    let mut conns: Vec<crate::ConnKey> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut unaddressed = 0usize;
    for r in &sel.records {
        match conn_of(r) {
            Some(c) => {
                if seen.insert((c.node.clone(), c.client, c.server)) {
                    conns.push(c);
                }
            }
            None => unaddressed += 1,
        }
    }
    let max_bytes = hub.inner.config.limits.max_export_bytes;
    let out = match archive {
        Some(archive) => tokio::task::spawn_blocking(move || archive.export(&conns, max_bytes))
            .await
            .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "pcap export failed"))?
            .map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("pcap export: {e}"),
                )
            })?,
        None => from_agents(&hub, conns, max_bytes).await,
    };
    let mut r = Response::new(Body::from(out.pcap));
    attachment(&mut r, "application/vnd.tcpdump.pcap", "mizu.pcapng");
    selection_headers(&mut r, &sel, sel.records.len());
    let h = r.headers_mut();
    for (k, v) in [
        ("x-mizu-connections-found", out.found),
        ("x-mizu-connections-missing", out.missing + unaddressed),
        ("x-mizu-connections-partial", out.partial),
        ("x-mizu-packets", out.packets as usize),
        ("x-mizu-truncated", usize::from(out.truncated)),
    ] {
        if let Ok(v) = HeaderValue::from_str(&v.to_string()) {
            h.insert(k, v);
        }
    }
    Ok(r)
}

/// An empty pcapng (a section header and nothing else).
const EMPTY_PCAPNG: [u8; 28] = [
    0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0,
];

/// How long an export waits for each agent's packets.
const AGENT_PACKETS_TIMEOUT: Duration = Duration::from_secs(10);

/// Asks each connected agent that keeps packets for the connections its node captured
/// (an entry's `node.name`), all at once. Connections of nodes no such agent serves, or
/// whose agent did not answer in time, are counted missing. Several agents' files are
/// concatenated as pcapng sections (one per node), which Wireshark and tshark read.
async fn from_agents(hub: &Hub, conns: Vec<crate::ConnKey>, max_bytes: u64) -> crate::PacketExport {
    let peers: Vec<(String, tokio::sync::mpsc::Sender<crate::agents::PacketJob>)> = hub
        .inner
        .packet_peers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|(a, tx)| (a.clone(), tx.clone()))
        .collect();
    let nodes: std::collections::BTreeMap<String, String> = {
        let agents = hub.inner.agents.lock().unwrap_or_else(|e| e.into_inner());
        peers
            .iter()
            .filter_map(|(a, _)| agents.get(a).map(|s| (a.clone(), s.node.clone())))
            .collect()
    };
    let mut out = crate::PacketExport::default();
    let mut asked = Vec::new();
    let mut served = vec![false; conns.len()];
    for (agent, tx) in &peers {
        let node = nodes.get(agent).map_or(agent.as_str(), String::as_str);
        let refs: Vec<mizu_proto::ConnectionRef> = conns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.node == node || (c.node.is_empty() && peers.len() == 1))
            .map(|(i, c)| {
                served[i] = true;
                mizu_proto::ConnectionRef {
                    client: c.client.to_string(),
                    server: c.server.to_string(),
                }
            })
            .collect();
        if refs.is_empty() {
            continue;
        }
        let n = refs.len();
        let (rtx, rrx) = tokio::sync::oneshot::channel();
        if tx.send((refs, max_bytes, rtx)).await.is_err() {
            out.missing += n;
            continue;
        }
        asked.push((n, rrx));
    }
    out.missing += served.iter().filter(|s| !**s).count();
    let mut pcap = Vec::new();
    for (n, rrx) in asked {
        match tokio::time::timeout(AGENT_PACKETS_TIMEOUT, rrx).await {
            Ok(Ok(r)) => {
                out.found += r.found as usize;
                out.missing += r.missing as usize;
                out.partial += r.partial as usize;
                out.packets += r.packets;
                out.truncated |= r.truncated;
                if r.packets > 0
                    && let Some(b) = r.pcap_bytes()
                {
                    if pcap.len() as u64 + b.len() as u64 > max_bytes {
                        out.truncated = true;
                        continue;
                    }
                    pcap.extend_from_slice(&b);
                }
            }
            _ => out.missing += n,
        }
    }
    out.pcap = if pcap.is_empty() {
        EMPTY_PCAPNG.to_vec()
    } else {
        pcap
    };
    out
}
