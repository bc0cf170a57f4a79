//! Request and response bodies as JSON payloads.
//!
//! - **Produce requests and Fetch responses** (every version, 0–13 and 0–18), which carry the
//!   records, are parsed here: tolerant of a frame cut by the size cap (what was complete is
//!   shown, `truncated` is set), records decoded by [`super::records`]. So are Fetch
//!   requests (their `maxBytes` would trip [`super::guard`]).
//! - **Every other (key, version) `kafka-protocol` knows** is decoded by it and shown through
//!   its `Debug` text ([`super::debugjson`]), field names camelCased as in Kafka's specs,
//!   reading through [`super::guard::GuardedBuf`] so corrupt counts cannot abort.
//! - **Versions below `kafka-protocol`'s floor** (Kafka 4.0 dropped them; clients pinned to
//!   old brokers still send them) are parsed here for the keys that carry topics: Produce responses v0–2, ListOffsets v0, OffsetCommit v0–1, OffsetFetch
//!   v0, CreateTopics v0–1, DeleteTopics v0. Anything else keeps the header with an empty
//!   payload and a diagnostic — never an error entry.
//!
//! Mizu compatibility: Produce `topicData[i]` also carries `topic` (Mizu's name for it).

use super::apikeys;
use super::debugjson;
use super::guard::GuardedBuf;
use super::records::{self, Budget};
use super::wire::Reader;
use bytes::Buf as _;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::Decodable;
use serde_json::{Map, Value, json};

/// A decoded body.
#[derive(Debug)]
pub(crate) struct Body {
    pub payload: Value,
    pub truncated: bool,
    pub diagnostics: Vec<String>,
}

type Obj = Map<String, Value>;

/// Parses an array into `out[key]`, keeping the elements parsed before a failure.
fn arr(
    r: &mut Reader<'_>,
    compact: bool,
    min_elem: usize,
    out: &mut Obj,
    key: &str,
    mut f: impl FnMut(&mut Reader<'_>, &mut Obj) -> Option<()>,
) -> Option<()> {
    let mut items = Vec::new();
    let mut res = Some(());
    match r.count(compact, min_elem) {
        Some(n) => {
            for _ in 0..n {
                let mut o = Obj::new();
                let ok = f(r, &mut o);
                items.push(Value::Object(o));
                if ok.is_none() {
                    res = None;
                    break;
                }
            }
        }
        None => res = None,
    }
    out.insert(key.to_owned(), Value::Array(items));
    res
}

fn text(r: &mut Reader<'_>, compact: bool, out: &mut Obj, key: &str) -> Option<()> {
    let t = r.text(compact)?;
    out.insert(key.to_owned(), json!(t));
    Some(())
}

fn uuid(r: &mut Reader<'_>, out: &mut Obj, key: &str) -> Option<()> {
    let b = r.take(16)?;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let s = format!(
        "{}-{}-{}-{}-{}",
        h.get(0..8)?,
        h.get(8..12)?,
        h.get(12..16)?,
        h.get(16..20)?,
        h.get(20..32)?
    );
    out.insert(key.to_owned(), json!(s));
    Some(())
}

macro_rules! put {
    ($out:expr, $key:expr, $v:expr) => {
        $out.insert($key.to_owned(), json!($v?))
    };
}

fn finish(out: Obj, ok: Option<()>, complete: bool, budget: Budget, what: &str) -> Body {
    let mut diagnostics = budget.diagnostics;
    let mut truncated = budget.truncated;
    if ok.is_none() && complete {
        truncated = true;
        diagnostics.push(format!("{what}: body malformed, shown up to the error"));
    }
    Body {
        payload: Value::Object(out),
        truncated: truncated || !complete,
        diagnostics,
    }
}

/// Decodes a request body (`body` follows the request header; `complete` is false when
/// the frame was cut by the size cap).
pub(crate) fn request(
    key: i16,
    version: i16,
    body: &[u8],
    complete: bool,
    max_body: usize,
) -> Body {
    let name = apikeys::name(key).unwrap_or("Unknown");
    let what = format!("{name} v{version} request");
    let mut r = Reader::new(body);
    let mut out = Obj::new();
    let mut budget = Budget::new(max_body);
    let own = match (key, version) {
        (0, _) => Some(produce_request(&mut r, version, &mut out, &mut budget)),
        (1, _) => Some(fetch_request(&mut r, version, &mut out)),
        (2, 0) => Some(list_offsets_request_v0(&mut r, &mut out)),
        (8, 0..=1) => Some(offset_commit_request_old(&mut r, version, &mut out)),
        (9, 0) => Some(offset_fetch_request_v0(&mut r, &mut out)),
        (19, 0..=1) => Some(create_topics_request_old(&mut r, version, &mut out)),
        (20, 0) => Some(delete_topics_request_v0(&mut r, &mut out)),
        _ => None,
    };
    if let Some(ok) = own {
        return finish(out, ok, complete, budget, &what);
    }
    generic(key, version, body, complete, max_body, &what, true)
}

/// Decodes a response body (after the response header), given the request's key and version.
pub(crate) fn response(
    key: i16,
    version: i16,
    body: &[u8],
    complete: bool,
    max_body: usize,
) -> Body {
    let name = apikeys::name(key).unwrap_or("Unknown");
    let what = format!("{name} v{version} response");
    let mut r = Reader::new(body);
    let mut out = Obj::new();
    let mut budget = Budget::new(max_body);
    let own = match (key, version) {
        (0, 0..=2) => Some(produce_response_old(&mut r, version, &mut out)),
        (1, _) => Some(fetch_response(&mut r, version, &mut out, &mut budget)),
        (2, 0) => Some(list_offsets_response_v0(&mut r, &mut out)),
        (8, 0..=1) => Some(topics_error_codes(&mut r, &mut out)),
        (9, 0) => Some(offset_fetch_response_v0(&mut r, &mut out)),
        (19, 0..=1) => Some(create_topics_response_old(&mut r, version, &mut out)),
        (20, 0) => Some(delete_topics_response_v0(&mut r, &mut out)),
        _ => None,
    };
    if let Some(ok) = own {
        return finish(out, ok, complete, budget, &what);
    }
    generic(key, version, body, complete, max_body, &what, false)
}

/// `kafka-protocol` decoding shown through `Debug`, or an empty payload and a diagnostic.
fn generic(
    key: i16,
    version: i16,
    body: &[u8],
    complete: bool,
    max_body: usize,
    what: &str,
    is_request: bool,
) -> Body {
    let empty = |diag: String| Body {
        payload: json!({}),
        truncated: !complete,
        diagnostics: vec![diag],
    };
    let Some(api) = apikeys::decodable(key, version) else {
        return empty(format!("{what}: version not decoded, header only"));
    };
    if !complete || body.len() > max_body {
        return empty(format!("{what}: body larger than the cap, header only"));
    }
    let mut buf = GuardedBuf::new(bytes::Bytes::copy_from_slice(body));
    match decode_debug(api, &mut buf, version, is_request) {
        Ok(t) => {
            let mut diagnostics = Vec::new();
            if buf.remaining() > 0 {
                diagnostics.push(format!(
                    "{what}: {} trailing bytes not decoded",
                    buf.remaining()
                ));
            }
            Body {
                payload: debugjson::to_json(&t),
                truncated: false,
                diagnostics,
            }
        }
        Err(e) => empty(format!("{what}: body not decoded ({e})")),
    }
}

fn dump<Q: Decodable + std::fmt::Debug, A: Decodable + std::fmt::Debug>(
    buf: &mut GuardedBuf,
    version: i16,
    is_request: bool,
) -> anyhow::Result<String> {
    Ok(if is_request {
        format!("{:?}", Q::decode(buf, version)?)
    } else {
        format!("{:?}", A::decode(buf, version)?)
    })
}

/// Decodes one message with `kafka-protocol` (through the guarded buffer) and returns its
/// `Debug` text.
fn decode_debug(
    api: ApiKey,
    buf: &mut GuardedBuf,
    version: i16,
    is_request: bool,
) -> anyhow::Result<String> {
    #[allow(unreachable_patterns)]
    match api {
        ApiKey::Produce => dump::<ProduceRequest, ProduceResponse>(buf, version, is_request),
        ApiKey::Fetch => dump::<FetchRequest, FetchResponse>(buf, version, is_request),
        ApiKey::ListOffsets => {
            dump::<ListOffsetsRequest, ListOffsetsResponse>(buf, version, is_request)
        }
        ApiKey::Metadata => dump::<MetadataRequest, MetadataResponse>(buf, version, is_request),
        ApiKey::OffsetCommit => {
            dump::<OffsetCommitRequest, OffsetCommitResponse>(buf, version, is_request)
        }
        ApiKey::OffsetFetch => {
            dump::<OffsetFetchRequest, OffsetFetchResponse>(buf, version, is_request)
        }
        ApiKey::FindCoordinator => {
            dump::<FindCoordinatorRequest, FindCoordinatorResponse>(buf, version, is_request)
        }
        ApiKey::JoinGroup => dump::<JoinGroupRequest, JoinGroupResponse>(buf, version, is_request),
        ApiKey::Heartbeat => dump::<HeartbeatRequest, HeartbeatResponse>(buf, version, is_request),
        ApiKey::LeaveGroup => {
            dump::<LeaveGroupRequest, LeaveGroupResponse>(buf, version, is_request)
        }
        ApiKey::SyncGroup => dump::<SyncGroupRequest, SyncGroupResponse>(buf, version, is_request),
        ApiKey::DescribeGroups => {
            dump::<DescribeGroupsRequest, DescribeGroupsResponse>(buf, version, is_request)
        }
        ApiKey::ListGroups => {
            dump::<ListGroupsRequest, ListGroupsResponse>(buf, version, is_request)
        }
        ApiKey::SaslHandshake => {
            dump::<SaslHandshakeRequest, SaslHandshakeResponse>(buf, version, is_request)
        }
        ApiKey::ApiVersions => {
            dump::<ApiVersionsRequest, ApiVersionsResponse>(buf, version, is_request)
        }
        ApiKey::CreateTopics => {
            dump::<CreateTopicsRequest, CreateTopicsResponse>(buf, version, is_request)
        }
        ApiKey::DeleteTopics => {
            dump::<DeleteTopicsRequest, DeleteTopicsResponse>(buf, version, is_request)
        }
        ApiKey::DeleteRecords => {
            dump::<DeleteRecordsRequest, DeleteRecordsResponse>(buf, version, is_request)
        }
        ApiKey::InitProducerId => {
            dump::<InitProducerIdRequest, InitProducerIdResponse>(buf, version, is_request)
        }
        ApiKey::OffsetForLeaderEpoch => dump::<
            OffsetForLeaderEpochRequest,
            OffsetForLeaderEpochResponse,
        >(buf, version, is_request),
        ApiKey::AddPartitionsToTxn => {
            dump::<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>(buf, version, is_request)
        }
        ApiKey::AddOffsetsToTxn => {
            dump::<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>(buf, version, is_request)
        }
        ApiKey::EndTxn => dump::<EndTxnRequest, EndTxnResponse>(buf, version, is_request),
        ApiKey::WriteTxnMarkers => {
            dump::<WriteTxnMarkersRequest, WriteTxnMarkersResponse>(buf, version, is_request)
        }
        ApiKey::TxnOffsetCommit => {
            dump::<TxnOffsetCommitRequest, TxnOffsetCommitResponse>(buf, version, is_request)
        }
        ApiKey::DescribeAcls => {
            dump::<DescribeAclsRequest, DescribeAclsResponse>(buf, version, is_request)
        }
        ApiKey::CreateAcls => {
            dump::<CreateAclsRequest, CreateAclsResponse>(buf, version, is_request)
        }
        ApiKey::DeleteAcls => {
            dump::<DeleteAclsRequest, DeleteAclsResponse>(buf, version, is_request)
        }
        ApiKey::DescribeConfigs => {
            dump::<DescribeConfigsRequest, DescribeConfigsResponse>(buf, version, is_request)
        }
        ApiKey::AlterConfigs => {
            dump::<AlterConfigsRequest, AlterConfigsResponse>(buf, version, is_request)
        }
        ApiKey::AlterReplicaLogDirs => dump::<
            AlterReplicaLogDirsRequest,
            AlterReplicaLogDirsResponse,
        >(buf, version, is_request),
        ApiKey::DescribeLogDirs => {
            dump::<DescribeLogDirsRequest, DescribeLogDirsResponse>(buf, version, is_request)
        }
        ApiKey::SaslAuthenticate => {
            dump::<SaslAuthenticateRequest, SaslAuthenticateResponse>(buf, version, is_request)
        }
        ApiKey::CreatePartitions => {
            dump::<CreatePartitionsRequest, CreatePartitionsResponse>(buf, version, is_request)
        }
        ApiKey::CreateDelegationToken => dump::<
            CreateDelegationTokenRequest,
            CreateDelegationTokenResponse,
        >(buf, version, is_request),
        ApiKey::RenewDelegationToken => dump::<
            RenewDelegationTokenRequest,
            RenewDelegationTokenResponse,
        >(buf, version, is_request),
        ApiKey::ExpireDelegationToken => dump::<
            ExpireDelegationTokenRequest,
            ExpireDelegationTokenResponse,
        >(buf, version, is_request),
        ApiKey::DescribeDelegationToken => dump::<
            DescribeDelegationTokenRequest,
            DescribeDelegationTokenResponse,
        >(buf, version, is_request),
        ApiKey::DeleteGroups => {
            dump::<DeleteGroupsRequest, DeleteGroupsResponse>(buf, version, is_request)
        }
        ApiKey::ElectLeaders => {
            dump::<ElectLeadersRequest, ElectLeadersResponse>(buf, version, is_request)
        }
        ApiKey::IncrementalAlterConfigs => dump::<
            IncrementalAlterConfigsRequest,
            IncrementalAlterConfigsResponse,
        >(buf, version, is_request),
        ApiKey::AlterPartitionReassignments => dump::<
            AlterPartitionReassignmentsRequest,
            AlterPartitionReassignmentsResponse,
        >(buf, version, is_request),
        ApiKey::ListPartitionReassignments => dump::<
            ListPartitionReassignmentsRequest,
            ListPartitionReassignmentsResponse,
        >(buf, version, is_request),
        ApiKey::OffsetDelete => {
            dump::<OffsetDeleteRequest, OffsetDeleteResponse>(buf, version, is_request)
        }
        ApiKey::DescribeClientQuotas => dump::<
            DescribeClientQuotasRequest,
            DescribeClientQuotasResponse,
        >(buf, version, is_request),
        ApiKey::AlterClientQuotas => {
            dump::<AlterClientQuotasRequest, AlterClientQuotasResponse>(buf, version, is_request)
        }
        ApiKey::DescribeUserScramCredentials => dump::<
            DescribeUserScramCredentialsRequest,
            DescribeUserScramCredentialsResponse,
        >(buf, version, is_request),
        ApiKey::AlterUserScramCredentials => dump::<
            AlterUserScramCredentialsRequest,
            AlterUserScramCredentialsResponse,
        >(buf, version, is_request),
        ApiKey::Vote => dump::<VoteRequest, VoteResponse>(buf, version, is_request),
        ApiKey::BeginQuorumEpoch => {
            dump::<BeginQuorumEpochRequest, BeginQuorumEpochResponse>(buf, version, is_request)
        }
        ApiKey::EndQuorumEpoch => {
            dump::<EndQuorumEpochRequest, EndQuorumEpochResponse>(buf, version, is_request)
        }
        ApiKey::DescribeQuorum => {
            dump::<DescribeQuorumRequest, DescribeQuorumResponse>(buf, version, is_request)
        }
        ApiKey::AlterPartition => {
            dump::<AlterPartitionRequest, AlterPartitionResponse>(buf, version, is_request)
        }
        ApiKey::UpdateFeatures => {
            dump::<UpdateFeaturesRequest, UpdateFeaturesResponse>(buf, version, is_request)
        }
        ApiKey::Envelope => dump::<EnvelopeRequest, EnvelopeResponse>(buf, version, is_request),
        ApiKey::FetchSnapshot => {
            dump::<FetchSnapshotRequest, FetchSnapshotResponse>(buf, version, is_request)
        }
        ApiKey::DescribeCluster => {
            dump::<DescribeClusterRequest, DescribeClusterResponse>(buf, version, is_request)
        }
        ApiKey::DescribeProducers => {
            dump::<DescribeProducersRequest, DescribeProducersResponse>(buf, version, is_request)
        }
        ApiKey::BrokerRegistration => {
            dump::<BrokerRegistrationRequest, BrokerRegistrationResponse>(buf, version, is_request)
        }
        ApiKey::BrokerHeartbeat => {
            dump::<BrokerHeartbeatRequest, BrokerHeartbeatResponse>(buf, version, is_request)
        }
        ApiKey::UnregisterBroker => {
            dump::<UnregisterBrokerRequest, UnregisterBrokerResponse>(buf, version, is_request)
        }
        ApiKey::DescribeTransactions => dump::<
            DescribeTransactionsRequest,
            DescribeTransactionsResponse,
        >(buf, version, is_request),
        ApiKey::ListTransactions => {
            dump::<ListTransactionsRequest, ListTransactionsResponse>(buf, version, is_request)
        }
        ApiKey::AllocateProducerIds => dump::<
            AllocateProducerIdsRequest,
            AllocateProducerIdsResponse,
        >(buf, version, is_request),
        ApiKey::ConsumerGroupHeartbeat => dump::<
            ConsumerGroupHeartbeatRequest,
            ConsumerGroupHeartbeatResponse,
        >(buf, version, is_request),
        ApiKey::ConsumerGroupDescribe => dump::<
            ConsumerGroupDescribeRequest,
            ConsumerGroupDescribeResponse,
        >(buf, version, is_request),
        ApiKey::ControllerRegistration => dump::<
            ControllerRegistrationRequest,
            ControllerRegistrationResponse,
        >(buf, version, is_request),
        ApiKey::GetTelemetrySubscriptions => dump::<
            GetTelemetrySubscriptionsRequest,
            GetTelemetrySubscriptionsResponse,
        >(buf, version, is_request),
        ApiKey::PushTelemetry => {
            dump::<PushTelemetryRequest, PushTelemetryResponse>(buf, version, is_request)
        }
        ApiKey::AssignReplicasToDirs => dump::<
            AssignReplicasToDirsRequest,
            AssignReplicasToDirsResponse,
        >(buf, version, is_request),
        ApiKey::ListConfigResources => dump::<
            ListConfigResourcesRequest,
            ListConfigResourcesResponse,
        >(buf, version, is_request),
        ApiKey::DescribeTopicPartitions => dump::<
            DescribeTopicPartitionsRequest,
            DescribeTopicPartitionsResponse,
        >(buf, version, is_request),
        ApiKey::ShareGroupHeartbeat => dump::<
            ShareGroupHeartbeatRequest,
            ShareGroupHeartbeatResponse,
        >(buf, version, is_request),
        ApiKey::ShareGroupDescribe => {
            dump::<ShareGroupDescribeRequest, ShareGroupDescribeResponse>(buf, version, is_request)
        }
        ApiKey::ShareFetch => {
            dump::<ShareFetchRequest, ShareFetchResponse>(buf, version, is_request)
        }
        ApiKey::ShareAcknowledge => {
            dump::<ShareAcknowledgeRequest, ShareAcknowledgeResponse>(buf, version, is_request)
        }
        ApiKey::AddRaftVoter => {
            dump::<AddRaftVoterRequest, AddRaftVoterResponse>(buf, version, is_request)
        }
        ApiKey::RemoveRaftVoter => {
            dump::<RemoveRaftVoterRequest, RemoveRaftVoterResponse>(buf, version, is_request)
        }
        ApiKey::UpdateRaftVoter => {
            dump::<UpdateRaftVoterRequest, UpdateRaftVoterResponse>(buf, version, is_request)
        }
        ApiKey::InitializeShareGroupState => dump::<
            InitializeShareGroupStateRequest,
            InitializeShareGroupStateResponse,
        >(buf, version, is_request),
        ApiKey::ReadShareGroupState => dump::<
            ReadShareGroupStateRequest,
            ReadShareGroupStateResponse,
        >(buf, version, is_request),
        ApiKey::WriteShareGroupState => dump::<
            WriteShareGroupStateRequest,
            WriteShareGroupStateResponse,
        >(buf, version, is_request),
        ApiKey::DeleteShareGroupState => dump::<
            DeleteShareGroupStateRequest,
            DeleteShareGroupStateResponse,
        >(buf, version, is_request),
        ApiKey::ReadShareGroupStateSummary => dump::<
            ReadShareGroupStateSummaryRequest,
            ReadShareGroupStateSummaryResponse,
        >(buf, version, is_request),
        ApiKey::DescribeShareGroupOffsets => dump::<
            DescribeShareGroupOffsetsRequest,
            DescribeShareGroupOffsetsResponse,
        >(buf, version, is_request),
        ApiKey::AlterShareGroupOffsets => dump::<
            AlterShareGroupOffsetsRequest,
            AlterShareGroupOffsetsResponse,
        >(buf, version, is_request),
        ApiKey::DeleteShareGroupOffsets => dump::<
            DeleteShareGroupOffsetsRequest,
            DeleteShareGroupOffsetsResponse,
        >(buf, version, is_request),
        _ => Err(anyhow::anyhow!("API key not supported")),
    }
}

/// The records of a cut frame: everything after the length prefix that is there.
fn cut_records(r: &Reader<'_>, flex: bool, budget: &mut Budget) -> Value {
    let rest = r.rest();
    let skip = if flex { 1 } else { 4 };
    let data = rest.get(skip.min(rest.len())..).unwrap_or(&[]);
    budget.truncated = true;
    records::decode(data, budget)
}

fn produce_request(r: &mut Reader<'_>, v: i16, out: &mut Obj, budget: &mut Budget) -> Option<()> {
    let flex = v >= 9;
    if v >= 3 {
        text(r, flex, out, "transactionalId")?;
    }
    put!(out, "acks", r.i16());
    put!(out, "timeoutMs", r.i32());
    arr(r, flex, 4, out, "topicData", |r, t| {
        if v >= 13 {
            uuid(r, t, "topicId")?;
        } else {
            let name = r.text(flex)?;
            t.insert("name".into(), json!(name));
            t.insert("topic".into(), json!(name));
        }
        arr(r, flex, 4, t, "partitionData", |r, p| {
            put!(p, "index", r.i32());
            let save = *r;
            match r.bytes(flex) {
                Some(b) => {
                    p.insert(
                        "records".into(),
                        b.map_or(Value::Null, |b| records::decode(b, budget)),
                    );
                }
                None => {
                    // The frame was cut inside the records: decode what is there.
                    p.insert("records".into(), cut_records(&save, flex, budget));
                    return None;
                }
            }
            if flex {
                r.tagged_fields()?;
            }
            Some(())
        })?;
        if flex {
            r.tagged_fields()?;
        }
        Some(())
    })
}

fn fetch_response(r: &mut Reader<'_>, v: i16, out: &mut Obj, budget: &mut Budget) -> Option<()> {
    let flex = v >= 12;
    if v >= 1 {
        put!(out, "throttleTimeMs", r.i32());
    }
    if v >= 7 {
        put!(out, "errorCode", r.i16());
        put!(out, "sessionId", r.i32());
    }
    arr(r, flex, 4, out, "responses", |r, t| {
        if v >= 13 {
            uuid(r, t, "topicId")?;
        } else {
            text(r, flex, t, "topic")?;
        }
        arr(r, flex, 14, t, "partitions", |r, p| {
            put!(p, "partitionIndex", r.i32());
            put!(p, "errorCode", r.i16());
            put!(p, "highWatermark", r.i64());
            if v >= 4 {
                put!(p, "lastStableOffset", r.i64());
            }
            if v >= 5 {
                put!(p, "logStartOffset", r.i64());
            }
            if v >= 4 {
                arr(r, flex, 16, p, "abortedTransactions", |r, a| {
                    put!(a, "producerId", r.i64());
                    put!(a, "firstOffset", r.i64());
                    if flex {
                        r.tagged_fields()?;
                    }
                    Some(())
                })?;
            }
            if v >= 11 {
                put!(p, "preferredReadReplica", r.i32());
            }
            let save = *r;
            match r.bytes(flex) {
                Some(b) => {
                    p.insert(
                        "records".into(),
                        b.map_or(Value::Null, |b| records::decode(b, budget)),
                    );
                }
                None => {
                    p.insert("records".into(), cut_records(&save, flex, budget));
                    return None;
                }
            }
            if flex {
                r.tagged_fields()?;
            }
            Some(())
        })?;
        if flex {
            r.tagged_fields()?;
        }
        Some(())
    })?;
    if flex {
        r.tagged_fields()?;
    }
    Some(())
}

fn fetch_request(r: &mut Reader<'_>, v: i16, out: &mut Obj) -> Option<()> {
    let flex = v >= 12;
    if v <= 14 {
        put!(out, "replicaId", r.i32());
    }
    put!(out, "maxWaitMs", r.i32());
    put!(out, "minBytes", r.i32());
    if v >= 3 {
        put!(out, "maxBytes", r.i32());
    }
    if v >= 4 {
        put!(out, "isolationLevel", r.i8());
    }
    if v >= 7 {
        put!(out, "sessionId", r.i32());
        put!(out, "sessionEpoch", r.i32());
    }
    arr(r, flex, 6, out, "topics", |r, t| {
        if v >= 13 {
            uuid(r, t, "topicId")?;
        } else {
            text(r, flex, t, "topic")?;
        }
        arr(r, flex, 16, t, "partitions", |r, p| {
            put!(p, "partition", r.i32());
            if v >= 9 {
                put!(p, "currentLeaderEpoch", r.i32());
            }
            put!(p, "fetchOffset", r.i64());
            if v >= 12 {
                put!(p, "lastFetchedEpoch", r.i32());
            }
            if v >= 5 {
                put!(p, "logStartOffset", r.i64());
            }
            put!(p, "partitionMaxBytes", r.i32());
            if flex {
                r.tagged_fields()?;
            }
            Some(())
        })?;
        if flex {
            r.tagged_fields()?;
        }
        Some(())
    })?;
    if v >= 7 {
        arr(r, flex, 6, out, "forgottenTopicsData", |r, t| {
            if v >= 13 {
                uuid(r, t, "topicId")?;
            } else {
                text(r, flex, t, "topic")?;
            }
            let n = r.count(flex, 4)?;
            let mut parts = Vec::with_capacity(n);
            for _ in 0..n {
                parts.push(json!(r.i32()?));
            }
            t.insert("partitions".into(), Value::Array(parts));
            if flex {
                r.tagged_fields()?;
            }
            Some(())
        })?;
    }
    if v >= 11 {
        text(r, flex, out, "rackId")?;
    }
    if flex {
        r.tagged_fields()?;
    }
    Some(())
}

fn produce_response_old(r: &mut Reader<'_>, v: i16, out: &mut Obj) -> Option<()> {
    arr(r, false, 6, out, "responses", |r, t| {
        text(r, false, t, "name")?;
        arr(r, false, 14, t, "partitionResponses", |r, p| {
            put!(p, "index", r.i32());
            put!(p, "errorCode", r.i16());
            put!(p, "baseOffset", r.i64());
            if v >= 2 {
                put!(p, "logAppendTimeMs", r.i64());
            }
            Some(())
        })
    })?;
    if v >= 1 {
        put!(out, "throttleTimeMs", r.i32());
    }
    Some(())
}

fn list_offsets_request_v0(r: &mut Reader<'_>, out: &mut Obj) -> Option<()> {
    put!(out, "replicaId", r.i32());
    arr(r, false, 6, out, "topics", |r, t| {
        text(r, false, t, "name")?;
        arr(r, false, 16, t, "partitions", |r, p| {
            put!(p, "partitionIndex", r.i32());
            put!(p, "timestamp", r.i64());
            put!(p, "maxNumOffsets", r.i32());
            Some(())
        })
    })
}

fn list_offsets_response_v0(r: &mut Reader<'_>, out: &mut Obj) -> Option<()> {
    arr(r, false, 6, out, "topics", |r, t| {
        text(r, false, t, "name")?;
        arr(r, false, 10, t, "partitions", |r, p| {
            put!(p, "partitionIndex", r.i32());
            put!(p, "errorCode", r.i16());
            let n = r.count(false, 8)?;
            let mut offs = Vec::with_capacity(n);
            for _ in 0..n {
                offs.push(json!(r.i64()?));
            }
            p.insert("oldStyleOffsets".into(), Value::Array(offs));
            Some(())
        })
    })
}

fn offset_commit_request_old(r: &mut Reader<'_>, v: i16, out: &mut Obj) -> Option<()> {
    text(r, false, out, "groupId")?;
    if v >= 1 {
        put!(out, "generationIdOrMemberEpoch", r.i32());
        text(r, false, out, "memberId")?;
    }
    arr(r, false, 6, out, "topics", |r, t| {
        text(r, false, t, "name")?;
        arr(r, false, 14, t, "partitions", |r, p| {
            put!(p, "partitionIndex", r.i32());
            put!(p, "committedOffset", r.i64());
            if v >= 1 {
                put!(p, "commitTimestamp", r.i64());
            }
            text(r, false, p, "committedMetadata")
        })
    })
}

fn topics_error_codes(r: &mut Reader<'_>, out: &mut Obj) -> Option<()> {
    arr(r, false, 6, out, "topics", |r, t| {
        text(r, false, t, "name")?;
        arr(r, false, 6, t, "partitions", |r, p| {
            put!(p, "partitionIndex", r.i32());
            put!(p, "errorCode", r.i16());
            Some(())
        })
    })
}

fn offset_fetch_request_v0(r: &mut Reader<'_>, out: &mut Obj) -> Option<()> {
    text(r, false, out, "groupId")?;
    arr(r, false, 6, out, "topics", |r, t| {
        text(r, false, t, "name")?;
        let n = r.count(false, 4)?;
        let mut idx = Vec::with_capacity(n);
        for _ in 0..n {
            idx.push(json!(r.i32()?));
        }
        t.insert("partitionIndexes".into(), Value::Array(idx));
        Some(())
    })
}

fn offset_fetch_response_v0(r: &mut Reader<'_>, out: &mut Obj) -> Option<()> {
    arr(r, false, 6, out, "topics", |r, t| {
        text(r, false, t, "name")?;
        arr(r, false, 16, t, "partitions", |r, p| {
            put!(p, "partitionIndex", r.i32());
            put!(p, "committedOffset", r.i64());
            text(r, false, p, "metadata")?;
            put!(p, "errorCode", r.i16());
            Some(())
        })
    })
}

fn create_topics_request_old(r: &mut Reader<'_>, v: i16, out: &mut Obj) -> Option<()> {
    arr(r, false, 16, out, "topics", |r, t| {
        text(r, false, t, "name")?;
        put!(t, "numPartitions", r.i32());
        put!(t, "replicationFactor", r.i16());
        arr(r, false, 8, t, "assignments", |r, a| {
            put!(a, "partitionIndex", r.i32());
            let n = r.count(false, 4)?;
            let mut ids = Vec::with_capacity(n);
            for _ in 0..n {
                ids.push(json!(r.i32()?));
            }
            a.insert("brokerIds".into(), Value::Array(ids));
            Some(())
        })?;
        arr(r, false, 4, t, "configs", |r, c| {
            text(r, false, c, "name")?;
            text(r, false, c, "value")
        })
    })?;
    put!(out, "timeoutMs", r.i32());
    if v >= 1 {
        put!(out, "validateOnly", r.i8().map(|b| b != 0));
    }
    Some(())
}

fn create_topics_response_old(r: &mut Reader<'_>, v: i16, out: &mut Obj) -> Option<()> {
    arr(r, false, 4, out, "topics", |r, t| {
        text(r, false, t, "name")?;
        put!(t, "errorCode", r.i16());
        if v >= 1 {
            text(r, false, t, "errorMessage")?;
        }
        Some(())
    })
}

fn delete_topics_request_v0(r: &mut Reader<'_>, out: &mut Obj) -> Option<()> {
    let n = r.count(false, 2)?;
    let mut names = Vec::with_capacity(n);
    for _ in 0..n {
        names.push(json!(r.text(false)?));
    }
    out.insert("topicNames".into(), Value::Array(names));
    put!(out, "timeoutMs", r.i32());
    Some(())
}

fn delete_topics_response_v0(r: &mut Reader<'_>, out: &mut Obj) -> Option<()> {
    arr(r, false, 4, out, "responses", |r, t| {
        text(r, false, t, "name")?;
        put!(t, "errorCode", r.i16());
        Some(())
    })
}
