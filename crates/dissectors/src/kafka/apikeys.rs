//! Every Kafka API key (0–92, Kafka 4.1), its name as Kafka and Mizu spell it, the highest
//! version we accept, and which header versions a request and its response use.
//!
//! Header versions come from `kafka-protocol` for the (key, version) pairs it knows. Older
//! versions (below Kafka 4.0's floor, e.g. Produce v0–2) predate flexible versions, so their
//! headers are v1 (request) and v0 (response). Keys `kafka-protocol` no longer has (the
//! ZooKeeper-era inter-broker ones, 4–7, and the Streams group ones, 88–89) carry their first
//! flexible version here.

use kafka_protocol::messages::ApiKey;

/// `(name, max version accepted, first flexible version or -1)` by API key.
const KEYS: &[(&str, i16, i16)] = &[
    ("Produce", 13, 9),
    ("Fetch", 18, 12),
    ("ListOffsets", 10, 6),
    ("Metadata", 13, 9),
    ("LeaderAndIsr", 7, 4),
    ("StopReplica", 4, 2),
    ("UpdateMetadata", 8, 6),
    ("ControlledShutdown", 3, 3),
    ("OffsetCommit", 10, 8),
    ("OffsetFetch", 10, 6),
    ("FindCoordinator", 6, 3),
    ("JoinGroup", 9, 6),
    ("Heartbeat", 4, 4),
    ("LeaveGroup", 5, 4),
    ("SyncGroup", 5, 4),
    ("DescribeGroups", 6, 5),
    ("ListGroups", 5, 3),
    ("SaslHandshake", 1, -1),
    ("ApiVersions", 4, 3),
    ("CreateTopics", 7, 5),
    ("DeleteTopics", 6, 4),
    ("DeleteRecords", 2, 2),
    ("InitProducerId", 6, 2),
    ("OffsetForLeaderEpoch", 4, 4),
    ("AddPartitionsToTxn", 5, 3),
    ("AddOffsetsToTxn", 4, 3),
    ("EndTxn", 5, 3),
    ("WriteTxnMarkers", 1, 1),
    ("TxnOffsetCommit", 5, 3),
    ("DescribeAcls", 3, 2),
    ("CreateAcls", 3, 2),
    ("DeleteAcls", 3, 2),
    ("DescribeConfigs", 4, 4),
    ("AlterConfigs", 2, 2),
    ("AlterReplicaLogDirs", 2, 2),
    ("DescribeLogDirs", 4, 2),
    ("SaslAuthenticate", 2, 2),
    ("CreatePartitions", 3, 2),
    ("CreateDelegationToken", 3, 2),
    ("RenewDelegationToken", 2, 2),
    ("ExpireDelegationToken", 2, 2),
    ("DescribeDelegationToken", 3, 2),
    ("DeleteGroups", 2, 2),
    ("ElectLeaders", 2, 2),
    ("IncrementalAlterConfigs", 1, 1),
    ("AlterPartitionReassignments", 1, 0),
    ("ListPartitionReassignments", 0, 0),
    ("OffsetDelete", 0, -1),
    ("DescribeClientQuotas", 1, 1),
    ("AlterClientQuotas", 1, 1),
    ("DescribeUserScramCredentials", 0, 0),
    ("AlterUserScramCredentials", 0, 0),
    ("Vote", 2, 0),
    ("BeginQuorumEpoch", 1, 1),
    ("EndQuorumEpoch", 1, 1),
    ("DescribeQuorum", 2, 0),
    ("AlterPartition", 3, 0),
    ("UpdateFeatures", 2, 0),
    ("Envelope", 0, 0),
    ("FetchSnapshot", 1, 0),
    ("DescribeCluster", 2, 0),
    ("DescribeProducers", 0, 0),
    ("BrokerRegistration", 4, 0),
    ("BrokerHeartbeat", 1, 0),
    ("UnregisterBroker", 0, 0),
    ("DescribeTransactions", 0, 0),
    ("ListTransactions", 2, 0),
    ("AllocateProducerIds", 0, 0),
    ("ConsumerGroupHeartbeat", 1, 0),
    ("ConsumerGroupDescribe", 1, 0),
    ("ControllerRegistration", 0, 0),
    ("GetTelemetrySubscriptions", 0, 0),
    ("PushTelemetry", 0, 0),
    ("AssignReplicasToDirs", 0, 0),
    ("ListConfigResources", 1, 0),
    ("DescribeTopicPartitions", 0, 0),
    ("ShareGroupHeartbeat", 1, 0),
    ("ShareGroupDescribe", 1, 0),
    ("ShareFetch", 1, 0),
    ("ShareAcknowledge", 1, 0),
    ("AddRaftVoter", 0, 0),
    ("RemoveRaftVoter", 0, 0),
    ("UpdateRaftVoter", 0, 0),
    ("InitializeShareGroupState", 0, 0),
    ("ReadShareGroupState", 0, 0),
    ("WriteShareGroupState", 0, 0),
    ("DeleteShareGroupState", 0, 0),
    ("ReadShareGroupStateSummary", 0, 0),
    ("StreamsGroupHeartbeat", 0, 0),
    ("StreamsGroupDescribe", 0, 0),
    ("DescribeShareGroupOffsets", 0, 0),
    ("AlterShareGroupOffsets", 0, 0),
    ("DeleteShareGroupOffsets", 0, 0),
];

fn entry(key: i16) -> Option<&'static (&'static str, i16, i16)> {
    KEYS.get(usize::try_from(key).ok()?)
}

/// The API key's name (`Produce`), or `None` for keys Kafka never defined.
pub(crate) fn name(key: i16) -> Option<&'static str> {
    entry(key).map(|e| e.0)
}

/// Known key and a version from 0 up to the newest Kafka defines.
pub(crate) fn plausible(key: i16, version: i16) -> bool {
    entry(key).is_some_and(|e| (0..=e.1).contains(&version))
}

/// `kafka-protocol`'s key when it decodes this (key, version) pair.
pub(crate) fn decodable(key: i16, version: i16) -> Option<ApiKey> {
    let k = ApiKey::try_from(key).ok()?;
    let r = k.valid_versions();
    (r.min..=r.max).contains(&version).then_some(k)
}

fn flexible(key: i16, version: i16) -> bool {
    entry(key).is_some_and(|e| e.2 >= 0 && version >= e.2)
}

/// Request header version (1 classic, 2 flexible; 0 only for ControlledShutdown v0).
pub(crate) fn request_header_version(key: i16, version: i16) -> i16 {
    if let Some(k) = decodable(key, version) {
        return k.request_header_version(version);
    }
    if key == 7 && version == 0 {
        return 0;
    }
    if flexible(key, version) { 2 } else { 1 }
}

/// Response header version (0 classic, 1 flexible; ApiVersions responses are always 0).
pub(crate) fn response_header_version(key: i16, version: i16) -> i16 {
    if let Some(k) = decodable(key, version) {
        return k.response_header_version(version);
    }
    if key != 18 && flexible(key, version) {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_kafka_protocol() {
        for (i, (n, max, _)) in KEYS.iter().enumerate() {
            let key = i as i16;
            if let Ok(k) = ApiKey::try_from(key) {
                assert_eq!(format!("{k:?}"), *n, "name of key {key}");
                assert_eq!(k.valid_versions().max, *max, "max version of {n}");
                for v in k.valid_versions().min..=*max {
                    assert_eq!(
                        k.request_header_version(v) == 2,
                        flexible(key, v),
                        "{n} v{v} flexible"
                    );
                }
            }
        }
        assert_eq!(name(18), Some("ApiVersions"));
        assert_eq!(name(93), None);
        assert_eq!(name(-1), None);
        assert_eq!(request_header_version(0, 0), 1);
        assert_eq!(response_header_version(18, 4), 0);
        assert_eq!(response_header_version(3, 12), 1);
    }
}
