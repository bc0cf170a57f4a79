//! `mizu-proto`: the messages agents and the hub exchange over `/agents/ws`, shared by
//! both sides (`mizu-agent` sends what `mizu-hub` parses, and the other way round).
//!
//! One JSON object per WebSocket text (or binary) message, with a `type` and a protocol
//! version `v` ([`VERSION`]; a missing `v` means 1, what agents before this crate sent).
//! Field names are camelCase; the ones of the first hub release keep working (`drops`
//! for kernel drops in `status`, `seq` optional in `entries`). Unknown fields are ignored,
//! so a newer peer can add fields without breaking an older one. `docs/api.md` describes
//! the exchange; this crate is its definition.
//!
//! Agent → hub: [`Hello`] (optional, first), [`EntriesBatch`], [`StatusReport`],
//! [`PacketsReply`].
//! Hub → agent: [`Ack`], [`ErrorReply`], [`TargetList`], [`PacketsRequest`] (only to an
//! agent whose `hello` said `packets: true`, so older agents never see it).
//!
//! Entries travel as raw JSON ([`RawValue`]): the agent writes each entry once with
//! `Entry::write_json`, the hub parses each one straight into its `Entry`; a batch is
//! never turned into a tree in between.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use serde_json::value::RawValue;

/// The protocol version this build speaks. Bumped only for a change an older peer would
/// misread; added optional fields do not bump it.
pub const VERSION: u32 = 1;

fn v1() -> u32 {
    1
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// First message of an agent (optional: the `?agent=&node=` query parameters of the
/// upgrade request say the same). The hub answers with the node's [`TargetList`] if it
/// has one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hello {
    #[serde(default = "v1")]
    pub v: u32,
    /// Unique name of this agent (default on the hub: the peer address).
    #[serde(default)]
    pub agent: String,
    /// The node (machine, or network namespace "node") the agent captures on.
    #[serde(default)]
    pub node: String,
    /// The node's address, if the agent knows one (Kubernetes: `status.hostIP`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub node_ip: String,
    /// `mizu 0.1.0`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub software: String,
    /// Capture kinds the agent can run: `pcap` (file replay), `af_packet`, later `ebpf`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub captures: Vec<String>,
    /// The agent keeps recent packets per connection and answers [`PacketsRequest`]s.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub packets: bool,
}

/// A batch of entries. `seq` numbers batches per connection-independent agent run
/// (strictly increasing); the hub's [`Ack`] repeats it. A batch without an ack is resent
/// with the same `seq` after a reconnect.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntriesBatch {
    #[serde(default = "v1")]
    pub v: u32,
    #[serde(default)]
    pub seq: Option<u64>,
    /// Each entry as the JSON `mizu read --format jsonl` prints (docs/entry.md).
    pub entries: Vec<Box<RawValue>>,
}

/// An agent's counters, sent every few seconds. The hub shows the last one per agent in
/// `GET /status` (`agents[]`). All counters are totals since the agent started.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StatusReport {
    pub v: u32,
    /// Overrides the node named at connect time when not empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// Packets read from the source(s).
    pub packets: u64,
    /// Packets the kernel dropped before mizu saw them (PACKET_STATISTICS); `kernelDrops`
    /// is accepted too. Mizu's status called this `drops`.
    #[serde(alias = "kernelDrops")]
    pub drops: u64,
    /// TCP flows seen.
    pub flows: u64,
    /// Entries produced by the engine.
    pub entries: u64,
    /// Entries per dissector (`http1`, `http2`, `redis`, `amqp`, `kafka`), as in
    /// `mizu read --stats`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub entries_by_protocol: BTreeMap<String, u64>,
    /// Bytes or messages the dissectors could not parse (engine drop counters).
    pub parse_errors: u64,
    /// Diagnostics by kind (`gap`, `truncated`, `malformed`, `decompress`, `limit`,
    /// `unsupported`, `unanswered`, `peer_error`), as in `mizu read --stats`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub diagnostics_by_kind: BTreeMap<String, u64>,
    /// Entries dropped because the queue between capture and sender was full.
    pub queue_drops: u64,
    /// Entries dropped because the hub was away and the send buffer was full.
    pub buffer_drops: u64,
    /// Entries left out because the target list excluded them.
    pub target_filtered: u64,
    /// Entries waiting in the buffer (not yet acknowledged) when the report was made.
    pub buffered: u64,
    /// Entries the hub acknowledged.
    pub acked: u64,
    /// Resident memory of the agent process, bytes.
    pub rss_bytes: u64,
    /// CPU time (user + system) of the agent process, seconds.
    pub cpu_seconds: f64,
    /// Target list generation the agent applies (0: none received).
    pub targets_generation: u64,
    /// Packets per capture worker (`mizu agent --workers N`, N > 1; empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub worker_packets: Vec<u64>,
}

/// One error of a stored batch (an invalid entry, skipped).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AckError {
    pub index: usize,
    pub message: String,
}

/// The hub stored a batch: sent only once the stored entries are durable.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Ack {
    pub v: u32,
    pub seq: Option<u64>,
    pub stored: u64,
    /// Dropped by the insertion filter or an ignored user agent.
    pub filtered: u64,
    pub too_large: u64,
    pub invalid: u64,
    /// The second copy of a request already stored (seen at both ends of a Kubernetes
    /// Service): not stored again. Absent when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub merged: u64,
    pub first_id: Option<String>,
    pub last_id: Option<String>,
    pub errors: Vec<AckError>,
}

/// A message the hub could not take. `retry: true` when sending the same batch again
/// may work (the store failed); false when it never will (bad JSON, batch too big).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorReply {
    pub v: u32,
    pub seq: Option<u64>,
    pub message: String,
    pub retry: bool,
}

/// What an agent should capture, sent by the hub (or, in a cluster, by the Kubernetes
/// controller through the hub) at connect and on every change. A new list replaces the
/// previous one. An empty `targets` list means "everything the agent was started with".
///
/// Kubernetes (Kubeshark's `tappedPods`: node → pods) maps to one `TargetList` per
/// node, one [`Target`] per pod: its IPs, its network namespace (found from a container
/// id), its names for `src.name`/`dst.name`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TargetList {
    pub v: u32,
    /// Increases with every change; agents report the one they apply in `status`.
    pub generation: u64,
    /// The node these targets are for (an agent ignores a list for another node).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub node: String,
    pub targets: Vec<Target>,
    /// The list is the whole set (Kubernetes targeting): an empty `targets` then means
    /// "capture nothing" (no pod of this node is a target), not "everything".
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub exclusive: bool,
}

/// One thing to capture. Every field is optional; the agent captures the union of all
/// targets, and keeps only entries with an endpoint in some target's `addresses` when
/// any target lists addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Target {
    /// Display name for endpoints at these addresses (pod name, namespace name).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Kubernetes namespace of the pod (becomes the entry's `namespace`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Network namespace to capture in: a name under /var/run/netns or a path
    /// (`/proc/PID/ns/net`). Empty: the agent's own namespace.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub netns: String,
    /// Container ids whose network namespace to enter (found via /proc/PID/cgroup), for
    /// when no netns path is known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub container_ids: Vec<String>,
    /// Interfaces in that namespace: `any`, names; empty means `any`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<String>,
    /// IP addresses (pod IPs) of interest.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// Ports of interest; empty means all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<u16>,
}

/// Hub → agent: the packets of these TCP connections, for `GET /entries/pcap`. The
/// agent answers with a [`PacketsReply`] carrying the same `id`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PacketsRequest {
    pub v: u32,
    pub id: u64,
    pub connections: Vec<ConnectionRef>,
    /// Largest pcap the agent may answer with (it stops early and says `truncated`).
    pub max_bytes: u64,
}

/// One TCP connection by its two endpoints (`ip:port`, IPv6 in brackets); either
/// direction matches.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConnectionRef {
    pub client: String,
    pub server: String,
}

/// Agent → hub: the answer to a [`PacketsRequest`]: a pcapng (base64) and counts of the
/// connections it had, had only in part, or no longer had. `error` is set when the agent
/// could not answer at all (it keeps no packets).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PacketsReply {
    pub v: u32,
    pub id: u64,
    pub found: u64,
    pub missing: u64,
    pub partial: u64,
    pub packets: u64,
    pub truncated: bool,
    /// The pcapng file, base64 (standard alphabet, padded).
    pub pcap: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub error: String,
}

impl PacketsReply {
    /// Sets the pcap from its bytes.
    pub fn set_pcap(&mut self, bytes: &[u8]) {
        use base64::Engine as _;
        self.pcap = base64::engine::general_purpose::STANDARD.encode(bytes);
    }

    /// The pcap's bytes (`None` if `pcap` is not base64).
    pub fn pcap_bytes(&self) -> Option<Vec<u8>> {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(self.pcap.as_bytes())
            .ok()
    }
}

impl TargetList {
    /// Every address any target names (empty: no address restriction).
    pub fn addresses(&self) -> impl Iterator<Item = &str> {
        self.targets
            .iter()
            .flat_map(|t| t.addresses.iter().map(String::as_str))
    }
}

/// Any agent → hub message.
#[derive(Clone, Debug)]
pub enum AgentMessage {
    Hello(Hello),
    Entries(EntriesBatch),
    Status(StatusReport),
    Packets(PacketsReply),
}

/// Any hub → agent message.
#[derive(Clone, Debug, PartialEq)]
pub enum HubMessage {
    Ack(Ack),
    Error(ErrorReply),
    Targets(TargetList),
    Packets(PacketsRequest),
}

/// Why a message could not be read.
#[derive(Debug)]
pub enum DecodeError {
    /// Not JSON, or a known type with wrong fields.
    Json(serde_json::Error),
    /// JSON with a `type` this side does not know.
    UnknownType(String),
    /// A `v` newer than this side speaks.
    Version(u32),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Json(e) => write!(f, "{e}"),
            DecodeError::UnknownType(t) => write!(f, "unknown message type `{t}`"),
            DecodeError::Version(v) => write!(
                f,
                "protocol version {v} is newer than this side's {VERSION}: upgrade mizu"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

impl From<serde_json::Error> for DecodeError {
    fn from(e: serde_json::Error) -> Self {
        DecodeError::Json(e)
    }
}

#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    #[serde(default = "v1")]
    v: u32,
}

fn peek(data: &[u8]) -> Result<(String, u32), DecodeError> {
    let p: Peek<'_> = serde_json::from_slice(data)?;
    if p.v > VERSION {
        return Err(DecodeError::Version(p.v));
    }
    Ok((p.kind.into_owned(), p.v))
}

/// `{"type": T, ...fields of value}`: the type tag first, then the struct's fields.
fn tagged<T: Serialize>(kind: &str, value: &T) -> Vec<u8> {
    #[derive(Serialize)]
    struct Tagged<'a, T> {
        #[serde(rename = "type")]
        kind: &'a str,
        #[serde(flatten)]
        inner: &'a T,
    }
    serde_json::to_vec(&Tagged { kind, inner: value }).unwrap_or_default()
}

impl AgentMessage {
    /// Reads one message. The `entries` of a batch stay raw JSON.
    pub fn from_slice(data: &[u8]) -> Result<AgentMessage, DecodeError> {
        let (kind, _) = peek(data)?;
        Ok(match kind.as_str() {
            "hello" => AgentMessage::Hello(serde_json::from_slice(data)?),
            "entries" => AgentMessage::Entries(serde_json::from_slice(data)?),
            "status" => AgentMessage::Status(serde_json::from_slice(data)?),
            "packets" => AgentMessage::Packets(serde_json::from_slice(data)?),
            _ => return Err(DecodeError::UnknownType(kind)),
        })
    }

    /// The message as JSON text (with `type`).
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            AgentMessage::Hello(m) => tagged("hello", m),
            AgentMessage::Entries(m) => tagged("entries", m),
            AgentMessage::Status(m) => tagged("status", m),
            AgentMessage::Packets(m) => tagged("packets", m),
        }
    }
}

impl HubMessage {
    pub fn from_slice(data: &[u8]) -> Result<HubMessage, DecodeError> {
        let (kind, _) = peek(data)?;
        Ok(match kind.as_str() {
            "ack" => HubMessage::Ack(serde_json::from_slice(data)?),
            "error" => HubMessage::Error(serde_json::from_slice(data)?),
            "targets" => HubMessage::Targets(serde_json::from_slice(data)?),
            "packets" => HubMessage::Packets(serde_json::from_slice(data)?),
            _ => return Err(DecodeError::UnknownType(kind)),
        })
    }

    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            HubMessage::Ack(m) => tagged("ack", m),
            HubMessage::Error(m) => tagged("error", m),
            HubMessage::Targets(m) => tagged("targets", m),
            HubMessage::Packets(m) => tagged("packets", m),
        }
    }
}

/// Writes an entries batch from entries already rendered as JSON (one object each),
/// without parsing them again: what agents send.
pub fn write_entries_batch<'a>(
    out: &mut Vec<u8>,
    seq: u64,
    entries: impl IntoIterator<Item = &'a [u8]>,
) {
    out.extend_from_slice(b"{\"type\":\"entries\",\"v\":");
    out.extend_from_slice(VERSION.to_string().as_bytes());
    out.extend_from_slice(b",\"seq\":");
    out.extend_from_slice(seq.to_string().as_bytes());
    out.extend_from_slice(b",\"entries\":[");
    for (i, e) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(e);
    }
    out.extend_from_slice(b"]}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn round(m: &AgentMessage) -> AgentMessage {
        AgentMessage::from_slice(&m.to_vec()).expect("decode")
    }

    #[test]
    fn old_messages_still_parse() {
        // What the first hub release documented (docs/api.md), without `v`.
        let m = AgentMessage::from_slice(
            br#"{"type":"status","node":"n1","packets":1234,"drops":5,"entries":10}"#,
        )
        .expect("status");
        let AgentMessage::Status(s) = m else {
            panic!("not a status: {m:?}")
        };
        assert_eq!((s.v, s.packets, s.drops, s.entries), (0, 1234, 5, 10));
        assert_eq!(s.node.as_deref(), Some("n1"));
        let m = AgentMessage::from_slice(br#"{"type":"status","kernelDrops":7}"#).expect("alias");
        assert!(matches!(
            m,
            AgentMessage::Status(StatusReport { drops: 7, .. })
        ));
        let m = AgentMessage::from_slice(br#"{"type":"entries","entries":[{"a":1},{"b":[2]}]}"#)
            .expect("entries");
        let AgentMessage::Entries(b) = m else {
            panic!("not entries")
        };
        assert_eq!((b.v, b.seq), (1, None));
        assert_eq!(b.entries[1].get(), r#"{"b":[2]}"#);
    }

    #[test]
    fn round_trips_and_tags() {
        let batch = AgentMessage::Entries(EntriesBatch {
            v: VERSION,
            seq: Some(9),
            entries: vec![RawValue::from_string("{\"x\":1}".into()).expect("raw")],
        });
        let v: Value = serde_json::from_slice(&batch.to_vec()).expect("json");
        assert_eq!(
            v,
            json!({"type": "entries", "v": 1, "seq": 9, "entries": [{"x": 1}]})
        );
        let AgentMessage::Entries(b) = round(&batch) else {
            panic!("entries")
        };
        assert_eq!(b.seq, Some(9));

        let mut raw = Vec::new();
        write_entries_batch(&mut raw, 9, [&b"{\"x\":1}"[..]]);
        assert_eq!(serde_json::from_slice::<Value>(&raw).expect("json"), v);

        let st = StatusReport {
            v: VERSION,
            packets: 3,
            entries_by_protocol: [("HTTP".to_owned(), 2)].into(),
            cpu_seconds: 0.5,
            ..StatusReport::default()
        };
        let AgentMessage::Status(back) = round(&AgentMessage::Status(st.clone())) else {
            panic!("status")
        };
        assert_eq!(back, st);

        let t = HubMessage::Targets(TargetList {
            v: VERSION,
            generation: 2,
            node: "node-a".into(),
            targets: vec![Target {
                name: "pod-a".into(),
                namespace: "default".into(),
                netns: "/proc/42/ns/net".into(),
                container_ids: vec!["abc".into()],
                addresses: vec!["10.0.0.7".into()],
                ..Target::default()
            }],
            exclusive: true,
        });
        let text = t.to_vec();
        let v: Value = serde_json::from_slice(&text).expect("json");
        assert_eq!(v["type"], "targets");
        assert_eq!(v["targets"][0]["containerIds"][0], "abc");
        assert_eq!(v["exclusive"], true);
        assert_eq!(HubMessage::from_slice(&text).expect("decode"), t);
        // Older hubs send no `exclusive`: the list is not the whole set.
        let HubMessage::Targets(old) =
            HubMessage::from_slice(br#"{"type":"targets","generation":1,"targets":[]}"#)
                .expect("old")
        else {
            panic!("targets")
        };
        assert!(!old.exclusive);

        let ack = HubMessage::from_slice(
            br#"{"type":"ack","seq":7,"stored":2,"filtered":0,"tooLarge":0,"invalid":1,"firstId":"1","lastId":"2","errors":[{"index":1,"message":"x"}]}"#,
        )
        .expect("ack");
        let HubMessage::Ack(a) = ack else {
            panic!("ack")
        };
        assert_eq!(
            (a.seq, a.stored, a.invalid, a.errors.len()),
            (Some(7), 2, 1, 1)
        );
    }

    #[test]
    fn packets_request_and_reply_round_trip() {
        let req = HubMessage::Packets(PacketsRequest {
            v: VERSION,
            id: 3,
            connections: vec![ConnectionRef {
                client: "10.0.0.2:5000".into(),
                server: "[fd00::1]:80".into(),
            }],
            max_bytes: 1 << 20,
        });
        let text = String::from_utf8(req.to_vec()).expect("utf-8");
        assert!(text.starts_with("{\"type\":\"packets\""), "{text}");
        assert_eq!(HubMessage::from_slice(text.as_bytes()).expect("parse"), req);
        let mut reply = PacketsReply {
            v: VERSION,
            id: 3,
            found: 1,
            ..PacketsReply::default()
        };
        reply.set_pcap(&[0x0a, 0x0d, 0x0d, 0x0a, 0xff]);
        let back = match AgentMessage::from_slice(&AgentMessage::Packets(reply).to_vec()) {
            Ok(AgentMessage::Packets(r)) => r,
            other => panic!("{other:?}"),
        };
        assert_eq!((back.id, back.found), (3, 1));
        assert_eq!(back.pcap_bytes(), Some(vec![0x0a, 0x0d, 0x0d, 0x0a, 0xff]));
        // A hello without `packets` (older agents) reads as false.
        let h: Hello = serde_json::from_str(r#"{"agent":"a"}"#).expect("hello");
        assert!(!h.packets);
    }

    #[test]
    fn rejects_unknown_and_newer() {
        assert!(matches!(
            AgentMessage::from_slice(br#"{"type":"nope"}"#),
            Err(DecodeError::UnknownType(t)) if t == "nope"
        ));
        assert!(matches!(
            AgentMessage::from_slice(br#"{"type":"status","v":99}"#),
            Err(DecodeError::Version(99))
        ));
        assert!(matches!(
            HubMessage::from_slice(b"not json"),
            Err(DecodeError::Json(_))
        ));
        assert!(AgentMessage::from_slice(br#"{"entries":[]}"#).is_err());
    }
}
