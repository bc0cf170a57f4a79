//! What `kafka-protocol` 0.18.0 decodes, written as JSON: the table of its API keys
//! and a [`KafkaJson`] impl per message struct (see [`super::render`]).
//!
//! @generated from the crate's sources by `kafka/render/tests.rs`
//! (`UPDATE_EXPECT=1 cargo test -p mizu-dissectors render_gen`). Do not edit: that test
//! fails when this file differs from its output.

use super::render::{KafkaJson, tagged_fields};
use kafka_protocol::messages::*;
use mizu_model::{JsonBuf, jkey};

/// Every API key `kafka-protocol` decodes with its request and response types. `$cb` is
/// a macro that receives the table and generates code from it (the decoder in
/// [`super::body`], the field-name pin test).
macro_rules! kafka_api_table {
    ($cb:ident) => {
        $cb! {
            Produce(ProduceRequest, ProduceResponse),
            Fetch(FetchRequest, FetchResponse),
            ListOffsets(ListOffsetsRequest, ListOffsetsResponse),
            Metadata(MetadataRequest, MetadataResponse),
            OffsetCommit(OffsetCommitRequest, OffsetCommitResponse),
            OffsetFetch(OffsetFetchRequest, OffsetFetchResponse),
            FindCoordinator(FindCoordinatorRequest, FindCoordinatorResponse),
            JoinGroup(JoinGroupRequest, JoinGroupResponse),
            Heartbeat(HeartbeatRequest, HeartbeatResponse),
            LeaveGroup(LeaveGroupRequest, LeaveGroupResponse),
            SyncGroup(SyncGroupRequest, SyncGroupResponse),
            DescribeGroups(DescribeGroupsRequest, DescribeGroupsResponse),
            ListGroups(ListGroupsRequest, ListGroupsResponse),
            SaslHandshake(SaslHandshakeRequest, SaslHandshakeResponse),
            ApiVersions(ApiVersionsRequest, ApiVersionsResponse),
            CreateTopics(CreateTopicsRequest, CreateTopicsResponse),
            DeleteTopics(DeleteTopicsRequest, DeleteTopicsResponse),
            DeleteRecords(DeleteRecordsRequest, DeleteRecordsResponse),
            InitProducerId(InitProducerIdRequest, InitProducerIdResponse),
            OffsetForLeaderEpoch(OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse),
            AddPartitionsToTxn(AddPartitionsToTxnRequest, AddPartitionsToTxnResponse),
            AddOffsetsToTxn(AddOffsetsToTxnRequest, AddOffsetsToTxnResponse),
            EndTxn(EndTxnRequest, EndTxnResponse),
            WriteTxnMarkers(WriteTxnMarkersRequest, WriteTxnMarkersResponse),
            TxnOffsetCommit(TxnOffsetCommitRequest, TxnOffsetCommitResponse),
            DescribeAcls(DescribeAclsRequest, DescribeAclsResponse),
            CreateAcls(CreateAclsRequest, CreateAclsResponse),
            DeleteAcls(DeleteAclsRequest, DeleteAclsResponse),
            DescribeConfigs(DescribeConfigsRequest, DescribeConfigsResponse),
            AlterConfigs(AlterConfigsRequest, AlterConfigsResponse),
            AlterReplicaLogDirs(AlterReplicaLogDirsRequest, AlterReplicaLogDirsResponse),
            DescribeLogDirs(DescribeLogDirsRequest, DescribeLogDirsResponse),
            SaslAuthenticate(SaslAuthenticateRequest, SaslAuthenticateResponse),
            CreatePartitions(CreatePartitionsRequest, CreatePartitionsResponse),
            CreateDelegationToken(CreateDelegationTokenRequest, CreateDelegationTokenResponse),
            RenewDelegationToken(RenewDelegationTokenRequest, RenewDelegationTokenResponse),
            ExpireDelegationToken(ExpireDelegationTokenRequest, ExpireDelegationTokenResponse),
            DescribeDelegationToken(DescribeDelegationTokenRequest, DescribeDelegationTokenResponse),
            DeleteGroups(DeleteGroupsRequest, DeleteGroupsResponse),
            ElectLeaders(ElectLeadersRequest, ElectLeadersResponse),
            IncrementalAlterConfigs(IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse),
            AlterPartitionReassignments(AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse),
            ListPartitionReassignments(ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse),
            OffsetDelete(OffsetDeleteRequest, OffsetDeleteResponse),
            DescribeClientQuotas(DescribeClientQuotasRequest, DescribeClientQuotasResponse),
            AlterClientQuotas(AlterClientQuotasRequest, AlterClientQuotasResponse),
            DescribeUserScramCredentials(DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse),
            AlterUserScramCredentials(AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse),
            Vote(VoteRequest, VoteResponse),
            BeginQuorumEpoch(BeginQuorumEpochRequest, BeginQuorumEpochResponse),
            EndQuorumEpoch(EndQuorumEpochRequest, EndQuorumEpochResponse),
            DescribeQuorum(DescribeQuorumRequest, DescribeQuorumResponse),
            AlterPartition(AlterPartitionRequest, AlterPartitionResponse),
            UpdateFeatures(UpdateFeaturesRequest, UpdateFeaturesResponse),
            Envelope(EnvelopeRequest, EnvelopeResponse),
            FetchSnapshot(FetchSnapshotRequest, FetchSnapshotResponse),
            DescribeCluster(DescribeClusterRequest, DescribeClusterResponse),
            DescribeProducers(DescribeProducersRequest, DescribeProducersResponse),
            BrokerRegistration(BrokerRegistrationRequest, BrokerRegistrationResponse),
            BrokerHeartbeat(BrokerHeartbeatRequest, BrokerHeartbeatResponse),
            UnregisterBroker(UnregisterBrokerRequest, UnregisterBrokerResponse),
            DescribeTransactions(DescribeTransactionsRequest, DescribeTransactionsResponse),
            ListTransactions(ListTransactionsRequest, ListTransactionsResponse),
            AllocateProducerIds(AllocateProducerIdsRequest, AllocateProducerIdsResponse),
            ConsumerGroupHeartbeat(ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse),
            ConsumerGroupDescribe(ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse),
            ControllerRegistration(ControllerRegistrationRequest, ControllerRegistrationResponse),
            GetTelemetrySubscriptions(GetTelemetrySubscriptionsRequest, GetTelemetrySubscriptionsResponse),
            PushTelemetry(PushTelemetryRequest, PushTelemetryResponse),
            AssignReplicasToDirs(AssignReplicasToDirsRequest, AssignReplicasToDirsResponse),
            ListConfigResources(ListConfigResourcesRequest, ListConfigResourcesResponse),
            DescribeTopicPartitions(DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse),
            ShareGroupHeartbeat(ShareGroupHeartbeatRequest, ShareGroupHeartbeatResponse),
            ShareGroupDescribe(ShareGroupDescribeRequest, ShareGroupDescribeResponse),
            ShareFetch(ShareFetchRequest, ShareFetchResponse),
            ShareAcknowledge(ShareAcknowledgeRequest, ShareAcknowledgeResponse),
            AddRaftVoter(AddRaftVoterRequest, AddRaftVoterResponse),
            RemoveRaftVoter(RemoveRaftVoterRequest, RemoveRaftVoterResponse),
            UpdateRaftVoter(UpdateRaftVoterRequest, UpdateRaftVoterResponse),
            InitializeShareGroupState(InitializeShareGroupStateRequest, InitializeShareGroupStateResponse),
            ReadShareGroupState(ReadShareGroupStateRequest, ReadShareGroupStateResponse),
            WriteShareGroupState(WriteShareGroupStateRequest, WriteShareGroupStateResponse),
            DeleteShareGroupState(DeleteShareGroupStateRequest, DeleteShareGroupStateResponse),
            ReadShareGroupStateSummary(ReadShareGroupStateSummaryRequest, ReadShareGroupStateSummaryResponse),
            DescribeShareGroupOffsets(DescribeShareGroupOffsetsRequest, DescribeShareGroupOffsetsResponse),
            AlterShareGroupOffsets(AlterShareGroupOffsetsRequest, AlterShareGroupOffsetsResponse),
            DeleteShareGroupOffsets(DeleteShareGroupOffsetsRequest, DeleteShareGroupOffsetsResponse),
        }
    };
}
pub(crate) use kafka_api_table;

impl KafkaJson for produce_request::PartitionProduceData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("index"));
        self.index.write_json(o);
        o.k(jkey!("records"));
        self.records.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for produce_request::ProduceRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("acks"));
        self.acks.write_json(o);
        o.k(jkey!("timeoutMs"));
        self.timeout_ms.write_json(o);
        o.k(jkey!("topicData"));
        self.topic_data.write_json(o);
        o.k(jkey!("transactionalId"));
        self.transactional_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for produce_request::TopicProduceData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitionData"));
        self.partition_data.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for produce_response::BatchIndexAndErrorMessage {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("batchIndex"));
        self.batch_index.write_json(o);
        o.k(jkey!("batchIndexErrorMessage"));
        self.batch_index_error_message.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for produce_response::LeaderIdAndEpoch {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderId"));
        self.leader_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for produce_response::NodeEndpoint {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("nodeId"));
        self.node_id.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        o.k(jkey!("rack"));
        self.rack.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for produce_response::PartitionProduceResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("baseOffset"));
        self.base_offset.write_json(o);
        o.k(jkey!("currentLeader"));
        self.current_leader.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("index"));
        self.index.write_json(o);
        o.k(jkey!("logAppendTimeMs"));
        self.log_append_time_ms.write_json(o);
        o.k(jkey!("logStartOffset"));
        self.log_start_offset.write_json(o);
        o.k(jkey!("recordErrors"));
        self.record_errors.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for produce_response::ProduceResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("nodeEndpoints"));
        self.node_endpoints.write_json(o);
        o.k(jkey!("responses"));
        self.responses.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for produce_response::TopicProduceResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitionResponses"));
        self.partition_responses.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_request::FetchPartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("currentLeaderEpoch"));
        self.current_leader_epoch.write_json(o);
        o.k(jkey!("fetchOffset"));
        self.fetch_offset.write_json(o);
        o.k(jkey!("highWatermark"));
        self.high_watermark.write_json(o);
        o.k(jkey!("lastFetchedEpoch"));
        self.last_fetched_epoch.write_json(o);
        o.k(jkey!("logStartOffset"));
        self.log_start_offset.write_json(o);
        o.k(jkey!("partition"));
        self.partition.write_json(o);
        o.k(jkey!("partitionMaxBytes"));
        self.partition_max_bytes.write_json(o);
        o.k(jkey!("replicaDirectoryId"));
        self.replica_directory_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_request::FetchRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("clusterId"));
        self.cluster_id.write_json(o);
        o.k(jkey!("forgottenTopicsData"));
        self.forgotten_topics_data.write_json(o);
        o.k(jkey!("isolationLevel"));
        self.isolation_level.write_json(o);
        o.k(jkey!("maxBytes"));
        self.max_bytes.write_json(o);
        o.k(jkey!("maxWaitMs"));
        self.max_wait_ms.write_json(o);
        o.k(jkey!("minBytes"));
        self.min_bytes.write_json(o);
        o.k(jkey!("rackId"));
        self.rack_id.write_json(o);
        o.k(jkey!("replicaId"));
        self.replica_id.write_json(o);
        o.k(jkey!("replicaState"));
        self.replica_state.write_json(o);
        o.k(jkey!("sessionEpoch"));
        self.session_epoch.write_json(o);
        o.k(jkey!("sessionId"));
        self.session_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_request::FetchTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topic"));
        self.topic.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_request::ForgottenTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topic"));
        self.topic.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_request::ReplicaState {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("replicaEpoch"));
        self.replica_epoch.write_json(o);
        o.k(jkey!("replicaId"));
        self.replica_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_response::AbortedTransaction {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("firstOffset"));
        self.first_offset.write_json(o);
        o.k(jkey!("producerId"));
        self.producer_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_response::EpochEndOffset {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("endOffset"));
        self.end_offset.write_json(o);
        o.k(jkey!("epoch"));
        self.epoch.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_response::FetchResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("nodeEndpoints"));
        self.node_endpoints.write_json(o);
        o.k(jkey!("responses"));
        self.responses.write_json(o);
        o.k(jkey!("sessionId"));
        self.session_id.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_response::FetchableTopicResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topic"));
        self.topic.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_response::LeaderIdAndEpoch {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderId"));
        self.leader_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_response::NodeEndpoint {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("nodeId"));
        self.node_id.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        o.k(jkey!("rack"));
        self.rack.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_response::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("abortedTransactions"));
        self.aborted_transactions.write_json(o);
        o.k(jkey!("currentLeader"));
        self.current_leader.write_json(o);
        o.k(jkey!("divergingEpoch"));
        self.diverging_epoch.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("highWatermark"));
        self.high_watermark.write_json(o);
        o.k(jkey!("lastStableOffset"));
        self.last_stable_offset.write_json(o);
        o.k(jkey!("logStartOffset"));
        self.log_start_offset.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("preferredReadReplica"));
        self.preferred_read_replica.write_json(o);
        o.k(jkey!("records"));
        self.records.write_json(o);
        o.k(jkey!("snapshotId"));
        self.snapshot_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_response::SnapshotId {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("endOffset"));
        self.end_offset.write_json(o);
        o.k(jkey!("epoch"));
        self.epoch.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_offsets_request::ListOffsetsPartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("currentLeaderEpoch"));
        self.current_leader_epoch.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("timestamp"));
        self.timestamp.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_offsets_request::ListOffsetsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("isolationLevel"));
        self.isolation_level.write_json(o);
        o.k(jkey!("replicaId"));
        self.replica_id.write_json(o);
        o.k(jkey!("timeoutMs"));
        self.timeout_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_offsets_request::ListOffsetsTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_offsets_response::ListOffsetsPartitionResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("offset"));
        self.offset.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("timestamp"));
        self.timestamp.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_offsets_response::ListOffsetsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_offsets_response::ListOffsetsTopicResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for metadata_request::MetadataRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("allowAutoTopicCreation"));
        self.allow_auto_topic_creation.write_json(o);
        o.k(jkey!("includeClusterAuthorizedOperations"));
        self.include_cluster_authorized_operations.write_json(o);
        o.k(jkey!("includeTopicAuthorizedOperations"));
        self.include_topic_authorized_operations.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for metadata_request::MetadataRequestTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for metadata_response::MetadataResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("brokers"));
        self.brokers.write_json(o);
        o.k(jkey!("clusterAuthorizedOperations"));
        self.cluster_authorized_operations.write_json(o);
        o.k(jkey!("clusterId"));
        self.cluster_id.write_json(o);
        o.k(jkey!("controllerId"));
        self.controller_id.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for metadata_response::MetadataResponseBroker {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("nodeId"));
        self.node_id.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        o.k(jkey!("rack"));
        self.rack.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for metadata_response::MetadataResponsePartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("isrNodes"));
        self.isr_nodes.write_json(o);
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderId"));
        self.leader_id.write_json(o);
        o.k(jkey!("offlineReplicas"));
        self.offline_replicas.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("replicaNodes"));
        self.replica_nodes.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for metadata_response::MetadataResponseTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("isInternal"));
        self.is_internal.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicAuthorizedOperations"));
        self.topic_authorized_operations.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_commit_request::OffsetCommitRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("generationIdOrMemberEpoch"));
        self.generation_id_or_member_epoch.write_json(o);
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("groupInstanceId"));
        self.group_instance_id.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("retentionTimeMs"));
        self.retention_time_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_commit_request::OffsetCommitRequestPartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("committedLeaderEpoch"));
        self.committed_leader_epoch.write_json(o);
        o.k(jkey!("committedMetadata"));
        self.committed_metadata.write_json(o);
        o.k(jkey!("committedOffset"));
        self.committed_offset.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_commit_request::OffsetCommitRequestTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_commit_response::OffsetCommitResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_commit_response::OffsetCommitResponsePartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_commit_response::OffsetCommitResponseTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_fetch_request::OffsetFetchRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("groups"));
        self.groups.write_json(o);
        o.k(jkey!("requireStable"));
        self.require_stable.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_fetch_request::OffsetFetchRequestGroup {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("memberEpoch"));
        self.member_epoch.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_fetch_request::OffsetFetchRequestTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitionIndexes"));
        self.partition_indexes.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_fetch_request::OffsetFetchRequestTopics {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitionIndexes"));
        self.partition_indexes.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_fetch_response::OffsetFetchResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("groups"));
        self.groups.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_fetch_response::OffsetFetchResponseGroup {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_fetch_response::OffsetFetchResponsePartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("committedLeaderEpoch"));
        self.committed_leader_epoch.write_json(o);
        o.k(jkey!("committedOffset"));
        self.committed_offset.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("metadata"));
        self.metadata.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_fetch_response::OffsetFetchResponsePartitions {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("committedLeaderEpoch"));
        self.committed_leader_epoch.write_json(o);
        o.k(jkey!("committedOffset"));
        self.committed_offset.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("metadata"));
        self.metadata.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_fetch_response::OffsetFetchResponseTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_fetch_response::OffsetFetchResponseTopics {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for find_coordinator_request::FindCoordinatorRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("coordinatorKeys"));
        self.coordinator_keys.write_json(o);
        o.k(jkey!("key"));
        self.key.write_json(o);
        o.k(jkey!("keyType"));
        self.key_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for find_coordinator_response::Coordinator {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("key"));
        self.key.write_json(o);
        o.k(jkey!("nodeId"));
        self.node_id.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for find_coordinator_response::FindCoordinatorResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("coordinators"));
        self.coordinators.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("nodeId"));
        self.node_id.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for join_group_request::JoinGroupRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("groupInstanceId"));
        self.group_instance_id.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("protocolType"));
        self.protocol_type.write_json(o);
        o.k(jkey!("protocols"));
        self.protocols.write_json(o);
        o.k(jkey!("reason"));
        self.reason.write_json(o);
        o.k(jkey!("rebalanceTimeoutMs"));
        self.rebalance_timeout_ms.write_json(o);
        o.k(jkey!("sessionTimeoutMs"));
        self.session_timeout_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for join_group_request::JoinGroupRequestProtocol {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("metadata"));
        self.metadata.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for join_group_response::JoinGroupResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("generationId"));
        self.generation_id.write_json(o);
        o.k(jkey!("leader"));
        self.leader.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("members"));
        self.members.write_json(o);
        o.k(jkey!("protocolName"));
        self.protocol_name.write_json(o);
        o.k(jkey!("protocolType"));
        self.protocol_type.write_json(o);
        o.k(jkey!("skipAssignment"));
        self.skip_assignment.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for join_group_response::JoinGroupResponseMember {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupInstanceId"));
        self.group_instance_id.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("metadata"));
        self.metadata.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for heartbeat_request::HeartbeatRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("generationId"));
        self.generation_id.write_json(o);
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("groupInstanceId"));
        self.group_instance_id.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for heartbeat_response::HeartbeatResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for leave_group_request::LeaveGroupRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("members"));
        self.members.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for leave_group_request::MemberIdentity {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupInstanceId"));
        self.group_instance_id.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("reason"));
        self.reason.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for leave_group_response::LeaveGroupResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("members"));
        self.members.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for leave_group_response::MemberResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("groupInstanceId"));
        self.group_instance_id.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for sync_group_request::SyncGroupRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("assignments"));
        self.assignments.write_json(o);
        o.k(jkey!("generationId"));
        self.generation_id.write_json(o);
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("groupInstanceId"));
        self.group_instance_id.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("protocolName"));
        self.protocol_name.write_json(o);
        o.k(jkey!("protocolType"));
        self.protocol_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for sync_group_request::SyncGroupRequestAssignment {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("assignment"));
        self.assignment.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for sync_group_response::SyncGroupResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("assignment"));
        self.assignment.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("protocolName"));
        self.protocol_name.write_json(o);
        o.k(jkey!("protocolType"));
        self.protocol_type.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_groups_request::DescribeGroupsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groups"));
        self.groups.write_json(o);
        o.k(jkey!("includeAuthorizedOperations"));
        self.include_authorized_operations.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_groups_response::DescribeGroupsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groups"));
        self.groups.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_groups_response::DescribedGroup {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("authorizedOperations"));
        self.authorized_operations.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("groupState"));
        self.group_state.write_json(o);
        o.k(jkey!("members"));
        self.members.write_json(o);
        o.k(jkey!("protocolData"));
        self.protocol_data.write_json(o);
        o.k(jkey!("protocolType"));
        self.protocol_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_groups_response::DescribedGroupMember {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("clientHost"));
        self.client_host.write_json(o);
        o.k(jkey!("clientId"));
        self.client_id.write_json(o);
        o.k(jkey!("groupInstanceId"));
        self.group_instance_id.write_json(o);
        o.k(jkey!("memberAssignment"));
        self.member_assignment.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("memberMetadata"));
        self.member_metadata.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_groups_request::ListGroupsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("statesFilter"));
        self.states_filter.write_json(o);
        o.k(jkey!("typesFilter"));
        self.types_filter.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_groups_response::ListGroupsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("groups"));
        self.groups.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_groups_response::ListedGroup {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("groupState"));
        self.group_state.write_json(o);
        o.k(jkey!("groupType"));
        self.group_type.write_json(o);
        o.k(jkey!("protocolType"));
        self.protocol_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for sasl_handshake_request::SaslHandshakeRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("mechanism"));
        self.mechanism.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for sasl_handshake_response::SaslHandshakeResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("mechanisms"));
        self.mechanisms.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for api_versions_request::ApiVersionsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("clientSoftwareName"));
        self.client_software_name.write_json(o);
        o.k(jkey!("clientSoftwareVersion"));
        self.client_software_version.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for api_versions_response::ApiVersion {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("apiKey"));
        self.api_key.write_json(o);
        o.k(jkey!("maxVersion"));
        self.max_version.write_json(o);
        o.k(jkey!("minVersion"));
        self.min_version.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for api_versions_response::ApiVersionsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("apiKeys"));
        self.api_keys.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("finalizedFeatures"));
        self.finalized_features.write_json(o);
        o.k(jkey!("finalizedFeaturesEpoch"));
        self.finalized_features_epoch.write_json(o);
        o.k(jkey!("supportedFeatures"));
        self.supported_features.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("zkMigrationReady"));
        self.zk_migration_ready.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for api_versions_response::FinalizedFeatureKey {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("maxVersionLevel"));
        self.max_version_level.write_json(o);
        o.k(jkey!("minVersionLevel"));
        self.min_version_level.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for api_versions_response::SupportedFeatureKey {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("maxVersion"));
        self.max_version.write_json(o);
        o.k(jkey!("minVersion"));
        self.min_version.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for create_topics_request::CreatableReplicaAssignment {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("brokerIds"));
        self.broker_ids.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for create_topics_request::CreatableTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("assignments"));
        self.assignments.write_json(o);
        o.k(jkey!("configs"));
        self.configs.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("numPartitions"));
        self.num_partitions.write_json(o);
        o.k(jkey!("replicationFactor"));
        self.replication_factor.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for create_topics_request::CreatableTopicConfig {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("value"));
        self.value.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for create_topics_request::CreateTopicsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("timeoutMs"));
        self.timeout_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("validateOnly"));
        self.validate_only.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for create_topics_response::CreatableTopicConfigs {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("configSource"));
        self.config_source.write_json(o);
        o.k(jkey!("isSensitive"));
        self.is_sensitive.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("readOnly"));
        self.read_only.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("value"));
        self.value.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for create_topics_response::CreatableTopicResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("configs"));
        self.configs.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("numPartitions"));
        self.num_partitions.write_json(o);
        o.k(jkey!("replicationFactor"));
        self.replication_factor.write_json(o);
        o.k(jkey!("topicConfigErrorCode"));
        self.topic_config_error_code.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for create_topics_response::CreateTopicsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_topics_request::DeleteTopicState {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_topics_request::DeleteTopicsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("timeoutMs"));
        self.timeout_ms.write_json(o);
        o.k(jkey!("topicNames"));
        self.topic_names.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_topics_response::DeletableTopicResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_topics_response::DeleteTopicsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("responses"));
        self.responses.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_records_request::DeleteRecordsPartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("offset"));
        self.offset.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_records_request::DeleteRecordsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("timeoutMs"));
        self.timeout_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_records_request::DeleteRecordsTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_records_response::DeleteRecordsPartitionResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("lowWatermark"));
        self.low_watermark.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_records_response::DeleteRecordsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_records_response::DeleteRecordsTopicResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for init_producer_id_request::InitProducerIdRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("enable2Pc"));
        self.enable_2_pc.write_json(o);
        o.k(jkey!("keepPreparedTxn"));
        self.keep_prepared_txn.write_json(o);
        o.k(jkey!("producerEpoch"));
        self.producer_epoch.write_json(o);
        o.k(jkey!("producerId"));
        self.producer_id.write_json(o);
        o.k(jkey!("transactionTimeoutMs"));
        self.transaction_timeout_ms.write_json(o);
        o.k(jkey!("transactionalId"));
        self.transactional_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for init_producer_id_response::InitProducerIdResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("ongoingTxnProducerEpoch"));
        self.ongoing_txn_producer_epoch.write_json(o);
        o.k(jkey!("ongoingTxnProducerId"));
        self.ongoing_txn_producer_id.write_json(o);
        o.k(jkey!("producerEpoch"));
        self.producer_epoch.write_json(o);
        o.k(jkey!("producerId"));
        self.producer_id.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_for_leader_epoch_request::OffsetForLeaderEpochRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("replicaId"));
        self.replica_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_for_leader_epoch_request::OffsetForLeaderPartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("currentLeaderEpoch"));
        self.current_leader_epoch.write_json(o);
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("partition"));
        self.partition.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_for_leader_epoch_request::OffsetForLeaderTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topic"));
        self.topic.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_for_leader_epoch_response::EpochEndOffset {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("endOffset"));
        self.end_offset.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("partition"));
        self.partition.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_for_leader_epoch_response::OffsetForLeaderEpochResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_for_leader_epoch_response::OffsetForLeaderTopicResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topic"));
        self.topic.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for add_partitions_to_txn_request::AddPartitionsToTxnRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("transactions"));
        self.transactions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("v3AndBelowProducerEpoch"));
        self.v3_and_below_producer_epoch.write_json(o);
        o.k(jkey!("v3AndBelowProducerId"));
        self.v3_and_below_producer_id.write_json(o);
        o.k(jkey!("v3AndBelowTopics"));
        self.v3_and_below_topics.write_json(o);
        o.k(jkey!("v3AndBelowTransactionalId"));
        self.v3_and_below_transactional_id.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for add_partitions_to_txn_request::AddPartitionsToTxnTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for add_partitions_to_txn_request::AddPartitionsToTxnTransaction {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("producerEpoch"));
        self.producer_epoch.write_json(o);
        o.k(jkey!("producerId"));
        self.producer_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        o.k(jkey!("transactionalId"));
        self.transactional_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("verifyOnly"));
        self.verify_only.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for add_partitions_to_txn_response::AddPartitionsToTxnPartitionResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitionErrorCode"));
        self.partition_error_code.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for add_partitions_to_txn_response::AddPartitionsToTxnResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("resultsByTopicV3AndBelow"));
        self.results_by_topic_v3_and_below.write_json(o);
        o.k(jkey!("resultsByTransaction"));
        self.results_by_transaction.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for add_partitions_to_txn_response::AddPartitionsToTxnResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("topicResults"));
        self.topic_results.write_json(o);
        o.k(jkey!("transactionalId"));
        self.transactional_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for add_partitions_to_txn_response::AddPartitionsToTxnTopicResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("resultsByPartition"));
        self.results_by_partition.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for add_offsets_to_txn_request::AddOffsetsToTxnRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("producerEpoch"));
        self.producer_epoch.write_json(o);
        o.k(jkey!("producerId"));
        self.producer_id.write_json(o);
        o.k(jkey!("transactionalId"));
        self.transactional_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for add_offsets_to_txn_response::AddOffsetsToTxnResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for end_txn_request::EndTxnRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("committed"));
        self.committed.write_json(o);
        o.k(jkey!("producerEpoch"));
        self.producer_epoch.write_json(o);
        o.k(jkey!("producerId"));
        self.producer_id.write_json(o);
        o.k(jkey!("transactionalId"));
        self.transactional_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for end_txn_response::EndTxnResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("producerEpoch"));
        self.producer_epoch.write_json(o);
        o.k(jkey!("producerId"));
        self.producer_id.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for write_txn_markers_request::WritableTxnMarker {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("coordinatorEpoch"));
        self.coordinator_epoch.write_json(o);
        o.k(jkey!("producerEpoch"));
        self.producer_epoch.write_json(o);
        o.k(jkey!("producerId"));
        self.producer_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        o.k(jkey!("transactionResult"));
        self.transaction_result.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for write_txn_markers_request::WritableTxnMarkerTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitionIndexes"));
        self.partition_indexes.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for write_txn_markers_request::WriteTxnMarkersRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("markers"));
        self.markers.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for write_txn_markers_response::WritableTxnMarkerPartitionResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for write_txn_markers_response::WritableTxnMarkerResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("producerId"));
        self.producer_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for write_txn_markers_response::WritableTxnMarkerTopicResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for write_txn_markers_response::WriteTxnMarkersResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("markers"));
        self.markers.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for txn_offset_commit_request::TxnOffsetCommitRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("generationId"));
        self.generation_id.write_json(o);
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("groupInstanceId"));
        self.group_instance_id.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("producerEpoch"));
        self.producer_epoch.write_json(o);
        o.k(jkey!("producerId"));
        self.producer_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        o.k(jkey!("transactionalId"));
        self.transactional_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for txn_offset_commit_request::TxnOffsetCommitRequestPartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("committedLeaderEpoch"));
        self.committed_leader_epoch.write_json(o);
        o.k(jkey!("committedMetadata"));
        self.committed_metadata.write_json(o);
        o.k(jkey!("committedOffset"));
        self.committed_offset.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for txn_offset_commit_request::TxnOffsetCommitRequestTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for txn_offset_commit_response::TxnOffsetCommitResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for txn_offset_commit_response::TxnOffsetCommitResponsePartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for txn_offset_commit_response::TxnOffsetCommitResponseTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_acls_request::DescribeAclsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("hostFilter"));
        self.host_filter.write_json(o);
        o.k(jkey!("operation"));
        self.operation.write_json(o);
        o.k(jkey!("patternTypeFilter"));
        self.pattern_type_filter.write_json(o);
        o.k(jkey!("permissionType"));
        self.permission_type.write_json(o);
        o.k(jkey!("principalFilter"));
        self.principal_filter.write_json(o);
        o.k(jkey!("resourceNameFilter"));
        self.resource_name_filter.write_json(o);
        o.k(jkey!("resourceTypeFilter"));
        self.resource_type_filter.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_acls_response::AclDescription {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("operation"));
        self.operation.write_json(o);
        o.k(jkey!("permissionType"));
        self.permission_type.write_json(o);
        o.k(jkey!("principal"));
        self.principal.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_acls_response::DescribeAclsResource {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("acls"));
        self.acls.write_json(o);
        o.k(jkey!("patternType"));
        self.pattern_type.write_json(o);
        o.k(jkey!("resourceName"));
        self.resource_name.write_json(o);
        o.k(jkey!("resourceType"));
        self.resource_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_acls_response::DescribeAclsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("resources"));
        self.resources.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for create_acls_request::AclCreation {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("operation"));
        self.operation.write_json(o);
        o.k(jkey!("permissionType"));
        self.permission_type.write_json(o);
        o.k(jkey!("principal"));
        self.principal.write_json(o);
        o.k(jkey!("resourceName"));
        self.resource_name.write_json(o);
        o.k(jkey!("resourcePatternType"));
        self.resource_pattern_type.write_json(o);
        o.k(jkey!("resourceType"));
        self.resource_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for create_acls_request::CreateAclsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("creations"));
        self.creations.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for create_acls_response::AclCreationResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for create_acls_response::CreateAclsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("results"));
        self.results.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_acls_request::DeleteAclsFilter {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("hostFilter"));
        self.host_filter.write_json(o);
        o.k(jkey!("operation"));
        self.operation.write_json(o);
        o.k(jkey!("patternTypeFilter"));
        self.pattern_type_filter.write_json(o);
        o.k(jkey!("permissionType"));
        self.permission_type.write_json(o);
        o.k(jkey!("principalFilter"));
        self.principal_filter.write_json(o);
        o.k(jkey!("resourceNameFilter"));
        self.resource_name_filter.write_json(o);
        o.k(jkey!("resourceTypeFilter"));
        self.resource_type_filter.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_acls_request::DeleteAclsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("filters"));
        self.filters.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_acls_response::DeleteAclsFilterResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("matchingAcls"));
        self.matching_acls.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_acls_response::DeleteAclsMatchingAcl {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("operation"));
        self.operation.write_json(o);
        o.k(jkey!("patternType"));
        self.pattern_type.write_json(o);
        o.k(jkey!("permissionType"));
        self.permission_type.write_json(o);
        o.k(jkey!("principal"));
        self.principal.write_json(o);
        o.k(jkey!("resourceName"));
        self.resource_name.write_json(o);
        o.k(jkey!("resourceType"));
        self.resource_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_acls_response::DeleteAclsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("filterResults"));
        self.filter_results.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_configs_request::DescribeConfigsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("includeDocumentation"));
        self.include_documentation.write_json(o);
        o.k(jkey!("includeSynonyms"));
        self.include_synonyms.write_json(o);
        o.k(jkey!("resources"));
        self.resources.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_configs_request::DescribeConfigsResource {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("configurationKeys"));
        self.configuration_keys.write_json(o);
        o.k(jkey!("resourceName"));
        self.resource_name.write_json(o);
        o.k(jkey!("resourceType"));
        self.resource_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_configs_response::DescribeConfigsResourceResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("configSource"));
        self.config_source.write_json(o);
        o.k(jkey!("configType"));
        self.config_type.write_json(o);
        o.k(jkey!("documentation"));
        self.documentation.write_json(o);
        o.k(jkey!("isSensitive"));
        self.is_sensitive.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("readOnly"));
        self.read_only.write_json(o);
        o.k(jkey!("synonyms"));
        self.synonyms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("value"));
        self.value.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for describe_configs_response::DescribeConfigsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("results"));
        self.results.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_configs_response::DescribeConfigsResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("configs"));
        self.configs.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("resourceName"));
        self.resource_name.write_json(o);
        o.k(jkey!("resourceType"));
        self.resource_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_configs_response::DescribeConfigsSynonym {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("source"));
        self.source.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("value"));
        self.value.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for alter_configs_request::AlterConfigsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("resources"));
        self.resources.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("validateOnly"));
        self.validate_only.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for alter_configs_request::AlterConfigsResource {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("configs"));
        self.configs.write_json(o);
        o.k(jkey!("resourceName"));
        self.resource_name.write_json(o);
        o.k(jkey!("resourceType"));
        self.resource_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_configs_request::AlterableConfig {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("value"));
        self.value.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for alter_configs_response::AlterConfigsResourceResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("resourceName"));
        self.resource_name.write_json(o);
        o.k(jkey!("resourceType"));
        self.resource_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_configs_response::AlterConfigsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("responses"));
        self.responses.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_replica_log_dirs_request::AlterReplicaLogDir {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("path"));
        self.path.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_replica_log_dirs_request::AlterReplicaLogDirTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_replica_log_dirs_request::AlterReplicaLogDirsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("dirs"));
        self.dirs.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_replica_log_dirs_response::AlterReplicaLogDirPartitionResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_replica_log_dirs_response::AlterReplicaLogDirTopicResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_replica_log_dirs_response::AlterReplicaLogDirsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("results"));
        self.results.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_log_dirs_request::DescribableLogDirTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topic"));
        self.topic.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_log_dirs_request::DescribeLogDirsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_log_dirs_response::DescribeLogDirsPartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("isFutureKey"));
        self.is_future_key.write_json(o);
        o.k(jkey!("offsetLag"));
        self.offset_lag.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("partitionSize"));
        self.partition_size.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_log_dirs_response::DescribeLogDirsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("results"));
        self.results.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_log_dirs_response::DescribeLogDirsResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("logDir"));
        self.log_dir.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        o.k(jkey!("totalBytes"));
        self.total_bytes.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("usableBytes"));
        self.usable_bytes.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for describe_log_dirs_response::DescribeLogDirsTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for sasl_authenticate_request::SaslAuthenticateRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("authBytes"));
        self.auth_bytes.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for sasl_authenticate_response::SaslAuthenticateResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("authBytes"));
        self.auth_bytes.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("sessionLifetimeMs"));
        self.session_lifetime_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for create_partitions_request::CreatePartitionsAssignment {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("brokerIds"));
        self.broker_ids.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for create_partitions_request::CreatePartitionsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("timeoutMs"));
        self.timeout_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("validateOnly"));
        self.validate_only.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for create_partitions_request::CreatePartitionsTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("assignments"));
        self.assignments.write_json(o);
        o.k(jkey!("count"));
        self.count.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for create_partitions_response::CreatePartitionsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("results"));
        self.results.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for create_partitions_response::CreatePartitionsTopicResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for create_delegation_token_request::CreatableRenewers {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("principalName"));
        self.principal_name.write_json(o);
        o.k(jkey!("principalType"));
        self.principal_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for create_delegation_token_request::CreateDelegationTokenRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("maxLifetimeMs"));
        self.max_lifetime_ms.write_json(o);
        o.k(jkey!("ownerPrincipalName"));
        self.owner_principal_name.write_json(o);
        o.k(jkey!("ownerPrincipalType"));
        self.owner_principal_type.write_json(o);
        o.k(jkey!("renewers"));
        self.renewers.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for create_delegation_token_response::CreateDelegationTokenResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("expiryTimestampMs"));
        self.expiry_timestamp_ms.write_json(o);
        o.k(jkey!("hmac"));
        self.hmac.write_json(o);
        o.k(jkey!("issueTimestampMs"));
        self.issue_timestamp_ms.write_json(o);
        o.k(jkey!("maxTimestampMs"));
        self.max_timestamp_ms.write_json(o);
        o.k(jkey!("principalName"));
        self.principal_name.write_json(o);
        o.k(jkey!("principalType"));
        self.principal_type.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("tokenId"));
        self.token_id.write_json(o);
        o.k(jkey!("tokenRequesterPrincipalName"));
        self.token_requester_principal_name.write_json(o);
        o.k(jkey!("tokenRequesterPrincipalType"));
        self.token_requester_principal_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for renew_delegation_token_request::RenewDelegationTokenRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("hmac"));
        self.hmac.write_json(o);
        o.k(jkey!("renewPeriodMs"));
        self.renew_period_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for renew_delegation_token_response::RenewDelegationTokenResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("expiryTimestampMs"));
        self.expiry_timestamp_ms.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for expire_delegation_token_request::ExpireDelegationTokenRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("expiryTimePeriodMs"));
        self.expiry_time_period_ms.write_json(o);
        o.k(jkey!("hmac"));
        self.hmac.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for expire_delegation_token_response::ExpireDelegationTokenResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("expiryTimestampMs"));
        self.expiry_timestamp_ms.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_delegation_token_request::DescribeDelegationTokenOwner {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("principalName"));
        self.principal_name.write_json(o);
        o.k(jkey!("principalType"));
        self.principal_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_delegation_token_request::DescribeDelegationTokenRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("owners"));
        self.owners.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_delegation_token_response::DescribeDelegationTokenResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("tokens"));
        self.tokens.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_delegation_token_response::DescribedDelegationToken {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("expiryTimestamp"));
        self.expiry_timestamp.write_json(o);
        o.k(jkey!("hmac"));
        self.hmac.write_json(o);
        o.k(jkey!("issueTimestamp"));
        self.issue_timestamp.write_json(o);
        o.k(jkey!("maxTimestamp"));
        self.max_timestamp.write_json(o);
        o.k(jkey!("principalName"));
        self.principal_name.write_json(o);
        o.k(jkey!("principalType"));
        self.principal_type.write_json(o);
        o.k(jkey!("renewers"));
        self.renewers.write_json(o);
        o.k(jkey!("tokenId"));
        self.token_id.write_json(o);
        o.k(jkey!("tokenRequesterPrincipalName"));
        self.token_requester_principal_name.write_json(o);
        o.k(jkey!("tokenRequesterPrincipalType"));
        self.token_requester_principal_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_delegation_token_response::DescribedDelegationTokenRenewer {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("principalName"));
        self.principal_name.write_json(o);
        o.k(jkey!("principalType"));
        self.principal_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_groups_request::DeleteGroupsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupsNames"));
        self.groups_names.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_groups_response::DeletableGroupResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_groups_response::DeleteGroupsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("results"));
        self.results.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for elect_leaders_request::ElectLeadersRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("electionType"));
        self.election_type.write_json(o);
        o.k(jkey!("timeoutMs"));
        self.timeout_ms.write_json(o);
        o.k(jkey!("topicPartitions"));
        self.topic_partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for elect_leaders_request::TopicPartitions {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topic"));
        self.topic.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for elect_leaders_response::ElectLeadersResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("replicaElectionResults"));
        self.replica_election_results.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for elect_leaders_response::PartitionResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("partitionId"));
        self.partition_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for elect_leaders_response::ReplicaElectionResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitionResult"));
        self.partition_result.write_json(o);
        o.k(jkey!("topic"));
        self.topic.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for incremental_alter_configs_request::AlterConfigsResource {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("configs"));
        self.configs.write_json(o);
        o.k(jkey!("resourceName"));
        self.resource_name.write_json(o);
        o.k(jkey!("resourceType"));
        self.resource_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for incremental_alter_configs_request::AlterableConfig {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("configOperation"));
        self.config_operation.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("value"));
        self.value.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for incremental_alter_configs_request::IncrementalAlterConfigsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("resources"));
        self.resources.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("validateOnly"));
        self.validate_only.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for incremental_alter_configs_response::AlterConfigsResourceResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("resourceName"));
        self.resource_name.write_json(o);
        o.k(jkey!("resourceType"));
        self.resource_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for incremental_alter_configs_response::IncrementalAlterConfigsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("responses"));
        self.responses.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_partition_reassignments_request::AlterPartitionReassignmentsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("allowReplicationFactorChange"));
        self.allow_replication_factor_change.write_json(o);
        o.k(jkey!("timeoutMs"));
        self.timeout_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_partition_reassignments_request::ReassignablePartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("replicas"));
        self.replicas.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_partition_reassignments_request::ReassignableTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_partition_reassignments_response::AlterPartitionReassignmentsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("allowReplicationFactorChange"));
        self.allow_replication_factor_change.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("responses"));
        self.responses.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_partition_reassignments_response::ReassignablePartitionResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_partition_reassignments_response::ReassignableTopicResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_partition_reassignments_request::ListPartitionReassignmentsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("timeoutMs"));
        self.timeout_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_partition_reassignments_request::ListPartitionReassignmentsTopics {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitionIndexes"));
        self.partition_indexes.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_partition_reassignments_response::ListPartitionReassignmentsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_partition_reassignments_response::OngoingPartitionReassignment {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("addingReplicas"));
        self.adding_replicas.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("removingReplicas"));
        self.removing_replicas.write_json(o);
        o.k(jkey!("replicas"));
        self.replicas.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_partition_reassignments_response::OngoingTopicReassignment {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for offset_delete_request::OffsetDeleteRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for offset_delete_request::OffsetDeleteRequestPartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for offset_delete_request::OffsetDeleteRequestTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for offset_delete_response::OffsetDeleteResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for offset_delete_response::OffsetDeleteResponsePartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for offset_delete_response::OffsetDeleteResponseTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for describe_client_quotas_request::ComponentData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("Match"));
        self._match.write_json(o);
        o.k(jkey!("entityType"));
        self.entity_type.write_json(o);
        o.k(jkey!("matchType"));
        self.match_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_client_quotas_request::DescribeClientQuotasRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("components"));
        self.components.write_json(o);
        o.k(jkey!("strict"));
        self.strict.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_client_quotas_response::DescribeClientQuotasResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("entries"));
        self.entries.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_client_quotas_response::EntityData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("entityName"));
        self.entity_name.write_json(o);
        o.k(jkey!("entityType"));
        self.entity_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_client_quotas_response::EntryData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("entity"));
        self.entity.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("values"));
        self.values.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for describe_client_quotas_response::ValueData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("key"));
        self.key.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("value"));
        self.value.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for alter_client_quotas_request::AlterClientQuotasRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("entries"));
        self.entries.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("validateOnly"));
        self.validate_only.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for alter_client_quotas_request::EntityData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("entityName"));
        self.entity_name.write_json(o);
        o.k(jkey!("entityType"));
        self.entity_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_client_quotas_request::EntryData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("entity"));
        self.entity.write_json(o);
        o.k(jkey!("ops"));
        self.ops.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_client_quotas_request::OpData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("key"));
        self.key.write_json(o);
        o.k(jkey!("remove"));
        self.remove.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("value"));
        self.value.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for alter_client_quotas_response::AlterClientQuotasResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("entries"));
        self.entries.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_client_quotas_response::EntityData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("entityName"));
        self.entity_name.write_json(o);
        o.k(jkey!("entityType"));
        self.entity_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_client_quotas_response::EntryData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("entity"));
        self.entity.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_user_scram_credentials_request::DescribeUserScramCredentialsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("users"));
        self.users.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for describe_user_scram_credentials_request::UserName {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_user_scram_credentials_response::CredentialInfo {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("iterations"));
        self.iterations.write_json(o);
        o.k(jkey!("mechanism"));
        self.mechanism.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_user_scram_credentials_response::DescribeUserScramCredentialsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("results"));
        self.results.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_user_scram_credentials_response::DescribeUserScramCredentialsResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("credentialInfos"));
        self.credential_infos.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("user"));
        self.user.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for alter_user_scram_credentials_request::AlterUserScramCredentialsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("deletions"));
        self.deletions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("upsertions"));
        self.upsertions.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for alter_user_scram_credentials_request::ScramCredentialDeletion {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("mechanism"));
        self.mechanism.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_user_scram_credentials_request::ScramCredentialUpsertion {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("iterations"));
        self.iterations.write_json(o);
        o.k(jkey!("mechanism"));
        self.mechanism.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("salt"));
        self.salt.write_json(o);
        o.k(jkey!("saltedPassword"));
        self.salted_password.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_user_scram_credentials_response::AlterUserScramCredentialsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("results"));
        self.results.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_user_scram_credentials_response::AlterUserScramCredentialsResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("user"));
        self.user.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for vote_request::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("lastOffset"));
        self.last_offset.write_json(o);
        o.k(jkey!("lastOffsetEpoch"));
        self.last_offset_epoch.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("preVote"));
        self.pre_vote.write_json(o);
        o.k(jkey!("replicaDirectoryId"));
        self.replica_directory_id.write_json(o);
        o.k(jkey!("replicaEpoch"));
        self.replica_epoch.write_json(o);
        o.k(jkey!("replicaId"));
        self.replica_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("voterDirectoryId"));
        self.voter_directory_id.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for vote_request::TopicData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for vote_request::VoteRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("clusterId"));
        self.cluster_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("voterId"));
        self.voter_id.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for vote_response::NodeEndpoint {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("nodeId"));
        self.node_id.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for vote_response::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderId"));
        self.leader_id.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("voteGranted"));
        self.vote_granted.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for vote_response::TopicData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for vote_response::VoteResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("nodeEndpoints"));
        self.node_endpoints.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for begin_quorum_epoch_request::BeginQuorumEpochRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("clusterId"));
        self.cluster_id.write_json(o);
        o.k(jkey!("leaderEndpoints"));
        self.leader_endpoints.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("voterId"));
        self.voter_id.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for begin_quorum_epoch_request::LeaderEndpoint {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for begin_quorum_epoch_request::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderId"));
        self.leader_id.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("voterDirectoryId"));
        self.voter_directory_id.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for begin_quorum_epoch_request::TopicData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for begin_quorum_epoch_response::BeginQuorumEpochResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("nodeEndpoints"));
        self.node_endpoints.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for begin_quorum_epoch_response::NodeEndpoint {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("nodeId"));
        self.node_id.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for begin_quorum_epoch_response::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderId"));
        self.leader_id.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for begin_quorum_epoch_response::TopicData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for end_quorum_epoch_request::EndQuorumEpochRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("clusterId"));
        self.cluster_id.write_json(o);
        o.k(jkey!("leaderEndpoints"));
        self.leader_endpoints.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for end_quorum_epoch_request::LeaderEndpoint {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for end_quorum_epoch_request::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderId"));
        self.leader_id.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("preferredCandidates"));
        self.preferred_candidates.write_json(o);
        o.k(jkey!("preferredSuccessors"));
        self.preferred_successors.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for end_quorum_epoch_request::ReplicaInfo {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("candidateDirectoryId"));
        self.candidate_directory_id.write_json(o);
        o.k(jkey!("candidateId"));
        self.candidate_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for end_quorum_epoch_request::TopicData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for end_quorum_epoch_response::EndQuorumEpochResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("nodeEndpoints"));
        self.node_endpoints.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for end_quorum_epoch_response::NodeEndpoint {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("nodeId"));
        self.node_id.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for end_quorum_epoch_response::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderId"));
        self.leader_id.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for end_quorum_epoch_response::TopicData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_quorum_request::DescribeQuorumRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_quorum_request::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_quorum_request::TopicData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_quorum_response::DescribeQuorumResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("nodes"));
        self.nodes.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_quorum_response::Listener {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_quorum_response::Node {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("listeners"));
        self.listeners.write_json(o);
        o.k(jkey!("nodeId"));
        self.node_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_quorum_response::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("currentVoters"));
        self.current_voters.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("highWatermark"));
        self.high_watermark.write_json(o);
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderId"));
        self.leader_id.write_json(o);
        o.k(jkey!("observers"));
        self.observers.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_quorum_response::ReplicaState {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("lastCaughtUpTimestamp"));
        self.last_caught_up_timestamp.write_json(o);
        o.k(jkey!("lastFetchTimestamp"));
        self.last_fetch_timestamp.write_json(o);
        o.k(jkey!("logEndOffset"));
        self.log_end_offset.write_json(o);
        o.k(jkey!("replicaDirectoryId"));
        self.replica_directory_id.write_json(o);
        o.k(jkey!("replicaId"));
        self.replica_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_quorum_response::TopicData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_partition_request::AlterPartitionRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("brokerEpoch"));
        self.broker_epoch.write_json(o);
        o.k(jkey!("brokerId"));
        self.broker_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_partition_request::BrokerState {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("brokerEpoch"));
        self.broker_epoch.write_json(o);
        o.k(jkey!("brokerId"));
        self.broker_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_partition_request::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderRecoveryState"));
        self.leader_recovery_state.write_json(o);
        o.k(jkey!("newIsr"));
        self.new_isr.write_json(o);
        o.k(jkey!("newIsrWithEpochs"));
        self.new_isr_with_epochs.write_json(o);
        o.k(jkey!("partitionEpoch"));
        self.partition_epoch.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_partition_request::TopicData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_partition_response::AlterPartitionResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_partition_response::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("isr"));
        self.isr.write_json(o);
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderId"));
        self.leader_id.write_json(o);
        o.k(jkey!("leaderRecoveryState"));
        self.leader_recovery_state.write_json(o);
        o.k(jkey!("partitionEpoch"));
        self.partition_epoch.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_partition_response::TopicData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for update_features_request::FeatureUpdateKey {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("allowDowngrade"));
        self.allow_downgrade.write_json(o);
        o.k(jkey!("feature"));
        self.feature.write_json(o);
        o.k(jkey!("maxVersionLevel"));
        self.max_version_level.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("upgradeType"));
        self.upgrade_type.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for update_features_request::UpdateFeaturesRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("featureUpdates"));
        self.feature_updates.write_json(o);
        o.k(jkey!("timeoutMs"));
        self.timeout_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("validateOnly"));
        self.validate_only.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for update_features_response::UpdatableFeatureResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("feature"));
        self.feature.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for update_features_response::UpdateFeaturesResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("results"));
        self.results.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for envelope_request::EnvelopeRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("clientHostAddress"));
        self.client_host_address.write_json(o);
        o.k(jkey!("requestData"));
        self.request_data.write_json(o);
        o.k(jkey!("requestPrincipal"));
        self.request_principal.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for envelope_response::EnvelopeResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("responseData"));
        self.response_data.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_snapshot_request::FetchSnapshotRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("clusterId"));
        self.cluster_id.write_json(o);
        o.k(jkey!("maxBytes"));
        self.max_bytes.write_json(o);
        o.k(jkey!("replicaId"));
        self.replica_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_snapshot_request::PartitionSnapshot {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("currentLeaderEpoch"));
        self.current_leader_epoch.write_json(o);
        o.k(jkey!("partition"));
        self.partition.write_json(o);
        o.k(jkey!("position"));
        self.position.write_json(o);
        o.k(jkey!("replicaDirectoryId"));
        self.replica_directory_id.write_json(o);
        o.k(jkey!("snapshotId"));
        self.snapshot_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_snapshot_request::SnapshotId {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("endOffset"));
        self.end_offset.write_json(o);
        o.k(jkey!("epoch"));
        self.epoch.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_snapshot_request::TopicSnapshot {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_snapshot_response::FetchSnapshotResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("nodeEndpoints"));
        self.node_endpoints.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_snapshot_response::LeaderIdAndEpoch {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderId"));
        self.leader_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_snapshot_response::NodeEndpoint {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("nodeId"));
        self.node_id.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_snapshot_response::PartitionSnapshot {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("currentLeader"));
        self.current_leader.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("index"));
        self.index.write_json(o);
        o.k(jkey!("position"));
        self.position.write_json(o);
        o.k(jkey!("size"));
        self.size.write_json(o);
        o.k(jkey!("snapshotId"));
        self.snapshot_id.write_json(o);
        o.k(jkey!("unalignedRecords"));
        self.unaligned_records.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_snapshot_response::SnapshotId {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("endOffset"));
        self.end_offset.write_json(o);
        o.k(jkey!("epoch"));
        self.epoch.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for fetch_snapshot_response::TopicSnapshot {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_cluster_request::DescribeClusterRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("endpointType"));
        self.endpoint_type.write_json(o);
        o.k(jkey!("includeClusterAuthorizedOperations"));
        self.include_cluster_authorized_operations.write_json(o);
        o.k(jkey!("includeFencedBrokers"));
        self.include_fenced_brokers.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_cluster_response::DescribeClusterBroker {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("brokerId"));
        self.broker_id.write_json(o);
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("isFenced"));
        self.is_fenced.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        o.k(jkey!("rack"));
        self.rack.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_cluster_response::DescribeClusterResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("brokers"));
        self.brokers.write_json(o);
        o.k(jkey!("clusterAuthorizedOperations"));
        self.cluster_authorized_operations.write_json(o);
        o.k(jkey!("clusterId"));
        self.cluster_id.write_json(o);
        o.k(jkey!("controllerId"));
        self.controller_id.write_json(o);
        o.k(jkey!("endpointType"));
        self.endpoint_type.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_producers_request::DescribeProducersRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_producers_request::TopicRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitionIndexes"));
        self.partition_indexes.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_producers_response::DescribeProducersResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_producers_response::PartitionResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("activeProducers"));
        self.active_producers.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_producers_response::ProducerState {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("coordinatorEpoch"));
        self.coordinator_epoch.write_json(o);
        o.k(jkey!("currentTxnStartOffset"));
        self.current_txn_start_offset.write_json(o);
        o.k(jkey!("lastSequence"));
        self.last_sequence.write_json(o);
        o.k(jkey!("lastTimestamp"));
        self.last_timestamp.write_json(o);
        o.k(jkey!("producerEpoch"));
        self.producer_epoch.write_json(o);
        o.k(jkey!("producerId"));
        self.producer_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_producers_response::TopicResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for broker_registration_request::BrokerRegistrationRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("brokerId"));
        self.broker_id.write_json(o);
        o.k(jkey!("clusterId"));
        self.cluster_id.write_json(o);
        o.k(jkey!("features"));
        self.features.write_json(o);
        o.k(jkey!("incarnationId"));
        self.incarnation_id.write_json(o);
        o.k(jkey!("isMigratingZkBroker"));
        self.is_migrating_zk_broker.write_json(o);
        o.k(jkey!("listeners"));
        self.listeners.write_json(o);
        o.k(jkey!("logDirs"));
        self.log_dirs.write_json(o);
        o.k(jkey!("previousBrokerEpoch"));
        self.previous_broker_epoch.write_json(o);
        o.k(jkey!("rack"));
        self.rack.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for broker_registration_request::Feature {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("maxSupportedVersion"));
        self.max_supported_version.write_json(o);
        o.k(jkey!("minSupportedVersion"));
        self.min_supported_version.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for broker_registration_request::Listener {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        o.k(jkey!("securityProtocol"));
        self.security_protocol.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for broker_registration_response::BrokerRegistrationResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("brokerEpoch"));
        self.broker_epoch.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for broker_heartbeat_request::BrokerHeartbeatRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("brokerEpoch"));
        self.broker_epoch.write_json(o);
        o.k(jkey!("brokerId"));
        self.broker_id.write_json(o);
        o.k(jkey!("currentMetadataOffset"));
        self.current_metadata_offset.write_json(o);
        o.k(jkey!("offlineLogDirs"));
        self.offline_log_dirs.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("wantFence"));
        self.want_fence.write_json(o);
        o.k(jkey!("wantShutDown"));
        self.want_shut_down.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for broker_heartbeat_response::BrokerHeartbeatResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("isCaughtUp"));
        self.is_caught_up.write_json(o);
        o.k(jkey!("isFenced"));
        self.is_fenced.write_json(o);
        o.k(jkey!("shouldShutDown"));
        self.should_shut_down.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for unregister_broker_request::UnregisterBrokerRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("brokerId"));
        self.broker_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for unregister_broker_response::UnregisterBrokerResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_transactions_request::DescribeTransactionsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("transactionalIds"));
        self.transactional_ids.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_transactions_response::DescribeTransactionsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("transactionStates"));
        self.transaction_states.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_transactions_response::TopicData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topic"));
        self.topic.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_transactions_response::TransactionState {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("producerEpoch"));
        self.producer_epoch.write_json(o);
        o.k(jkey!("producerId"));
        self.producer_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        o.k(jkey!("transactionStartTimeMs"));
        self.transaction_start_time_ms.write_json(o);
        o.k(jkey!("transactionState"));
        self.transaction_state.write_json(o);
        o.k(jkey!("transactionTimeoutMs"));
        self.transaction_timeout_ms.write_json(o);
        o.k(jkey!("transactionalId"));
        self.transactional_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_transactions_request::ListTransactionsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("durationFilter"));
        self.duration_filter.write_json(o);
        o.k(jkey!("producerIdFilters"));
        self.producer_id_filters.write_json(o);
        o.k(jkey!("stateFilters"));
        self.state_filters.write_json(o);
        o.k(jkey!("transactionalIdPattern"));
        self.transactional_id_pattern.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_transactions_response::ListTransactionsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("transactionStates"));
        self.transaction_states.write_json(o);
        o.k(jkey!("unknownStateFilters"));
        self.unknown_state_filters.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_transactions_response::TransactionState {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("producerId"));
        self.producer_id.write_json(o);
        o.k(jkey!("transactionState"));
        self.transaction_state.write_json(o);
        o.k(jkey!("transactionalId"));
        self.transactional_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for allocate_producer_ids_request::AllocateProducerIdsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("brokerEpoch"));
        self.broker_epoch.write_json(o);
        o.k(jkey!("brokerId"));
        self.broker_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for allocate_producer_ids_response::AllocateProducerIdsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("producerIdLen"));
        self.producer_id_len.write_json(o);
        o.k(jkey!("producerIdStart"));
        self.producer_id_start.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for consumer_group_heartbeat_request::ConsumerGroupHeartbeatRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("instanceId"));
        self.instance_id.write_json(o);
        o.k(jkey!("memberEpoch"));
        self.member_epoch.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("rackId"));
        self.rack_id.write_json(o);
        o.k(jkey!("rebalanceTimeoutMs"));
        self.rebalance_timeout_ms.write_json(o);
        o.k(jkey!("serverAssignor"));
        self.server_assignor.write_json(o);
        o.k(jkey!("subscribedTopicNames"));
        self.subscribed_topic_names.write_json(o);
        o.k(jkey!("subscribedTopicRegex"));
        self.subscribed_topic_regex.write_json(o);
        o.k(jkey!("topicPartitions"));
        self.topic_partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for consumer_group_heartbeat_request::TopicPartitions {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for consumer_group_heartbeat_response::Assignment {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("topicPartitions"));
        self.topic_partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for consumer_group_heartbeat_response::ConsumerGroupHeartbeatResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("assignment"));
        self.assignment.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("heartbeatIntervalMs"));
        self.heartbeat_interval_ms.write_json(o);
        o.k(jkey!("memberEpoch"));
        self.member_epoch.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for consumer_group_heartbeat_response::TopicPartitions {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for consumer_group_describe_request::ConsumerGroupDescribeRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupIds"));
        self.group_ids.write_json(o);
        o.k(jkey!("includeAuthorizedOperations"));
        self.include_authorized_operations.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for consumer_group_describe_response::Assignment {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("topicPartitions"));
        self.topic_partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for consumer_group_describe_response::ConsumerGroupDescribeResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groups"));
        self.groups.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for consumer_group_describe_response::DescribedGroup {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("assignmentEpoch"));
        self.assignment_epoch.write_json(o);
        o.k(jkey!("assignorName"));
        self.assignor_name.write_json(o);
        o.k(jkey!("authorizedOperations"));
        self.authorized_operations.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("groupEpoch"));
        self.group_epoch.write_json(o);
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("groupState"));
        self.group_state.write_json(o);
        o.k(jkey!("members"));
        self.members.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for consumer_group_describe_response::Member {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("assignment"));
        self.assignment.write_json(o);
        o.k(jkey!("clientHost"));
        self.client_host.write_json(o);
        o.k(jkey!("clientId"));
        self.client_id.write_json(o);
        o.k(jkey!("instanceId"));
        self.instance_id.write_json(o);
        o.k(jkey!("memberEpoch"));
        self.member_epoch.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("memberType"));
        self.member_type.write_json(o);
        o.k(jkey!("rackId"));
        self.rack_id.write_json(o);
        o.k(jkey!("subscribedTopicNames"));
        self.subscribed_topic_names.write_json(o);
        o.k(jkey!("subscribedTopicRegex"));
        self.subscribed_topic_regex.write_json(o);
        o.k(jkey!("targetAssignment"));
        self.target_assignment.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for consumer_group_describe_response::TopicPartitions {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for controller_registration_request::ControllerRegistrationRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("controllerId"));
        self.controller_id.write_json(o);
        o.k(jkey!("features"));
        self.features.write_json(o);
        o.k(jkey!("incarnationId"));
        self.incarnation_id.write_json(o);
        o.k(jkey!("listeners"));
        self.listeners.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("zkMigrationReady"));
        self.zk_migration_ready.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for controller_registration_request::Feature {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("maxSupportedVersion"));
        self.max_supported_version.write_json(o);
        o.k(jkey!("minSupportedVersion"));
        self.min_supported_version.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for controller_registration_request::Listener {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        o.k(jkey!("securityProtocol"));
        self.security_protocol.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for controller_registration_response::ControllerRegistrationResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for get_telemetry_subscriptions_request::GetTelemetrySubscriptionsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("clientInstanceId"));
        self.client_instance_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for get_telemetry_subscriptions_response::GetTelemetrySubscriptionsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("acceptedCompressionTypes"));
        self.accepted_compression_types.write_json(o);
        o.k(jkey!("clientInstanceId"));
        self.client_instance_id.write_json(o);
        o.k(jkey!("deltaTemporality"));
        self.delta_temporality.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("pushIntervalMs"));
        self.push_interval_ms.write_json(o);
        o.k(jkey!("requestedMetrics"));
        self.requested_metrics.write_json(o);
        o.k(jkey!("subscriptionId"));
        self.subscription_id.write_json(o);
        o.k(jkey!("telemetryMaxBytes"));
        self.telemetry_max_bytes.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for push_telemetry_request::PushTelemetryRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("clientInstanceId"));
        self.client_instance_id.write_json(o);
        o.k(jkey!("compressionType"));
        self.compression_type.write_json(o);
        o.k(jkey!("metrics"));
        self.metrics.write_json(o);
        o.k(jkey!("subscriptionId"));
        self.subscription_id.write_json(o);
        o.k(jkey!("terminating"));
        self.terminating.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for push_telemetry_response::PushTelemetryResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for assign_replicas_to_dirs_request::AssignReplicasToDirsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("brokerEpoch"));
        self.broker_epoch.write_json(o);
        o.k(jkey!("brokerId"));
        self.broker_id.write_json(o);
        o.k(jkey!("directories"));
        self.directories.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for assign_replicas_to_dirs_request::DirectoryData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("id"));
        self.id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for assign_replicas_to_dirs_request::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for assign_replicas_to_dirs_request::TopicData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for assign_replicas_to_dirs_response::AssignReplicasToDirsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("directories"));
        self.directories.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for assign_replicas_to_dirs_response::DirectoryData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("id"));
        self.id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for assign_replicas_to_dirs_response::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for assign_replicas_to_dirs_response::TopicData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_config_resources_request::ListConfigResourcesRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("resourceTypes"));
        self.resource_types.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_config_resources_response::ConfigResource {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("resourceName"));
        self.resource_name.write_json(o);
        o.k(jkey!("resourceType"));
        self.resource_type.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for list_config_resources_response::ListConfigResourcesResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("configResources"));
        self.config_resources.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_topic_partitions_request::Cursor {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_topic_partitions_request::DescribeTopicPartitionsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("cursor"));
        self.cursor.write_json(o);
        o.k(jkey!("responsePartitionLimit"));
        self.response_partition_limit.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_topic_partitions_request::TopicRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("name"));
        self.name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_topic_partitions_response::Cursor {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_topic_partitions_response::DescribeTopicPartitionsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("nextCursor"));
        self.next_cursor.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_topic_partitions_response::DescribeTopicPartitionsResponsePartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("eligibleLeaderReplicas"));
        self.eligible_leader_replicas.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("isrNodes"));
        self.isr_nodes.write_json(o);
        o.k(jkey!("lastKnownElr"));
        self.last_known_elr.write_json(o);
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderId"));
        self.leader_id.write_json(o);
        o.k(jkey!("offlineReplicas"));
        self.offline_replicas.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("replicaNodes"));
        self.replica_nodes.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_topic_partitions_response::DescribeTopicPartitionsResponseTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("isInternal"));
        self.is_internal.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicAuthorizedOperations"));
        self.topic_authorized_operations.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_group_heartbeat_request::ShareGroupHeartbeatRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("memberEpoch"));
        self.member_epoch.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("rackId"));
        self.rack_id.write_json(o);
        o.k(jkey!("subscribedTopicNames"));
        self.subscribed_topic_names.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_group_heartbeat_response::Assignment {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("topicPartitions"));
        self.topic_partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_group_heartbeat_response::ShareGroupHeartbeatResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("assignment"));
        self.assignment.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("heartbeatIntervalMs"));
        self.heartbeat_interval_ms.write_json(o);
        o.k(jkey!("memberEpoch"));
        self.member_epoch.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_group_heartbeat_response::TopicPartitions {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_group_describe_request::ShareGroupDescribeRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupIds"));
        self.group_ids.write_json(o);
        o.k(jkey!("includeAuthorizedOperations"));
        self.include_authorized_operations.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_group_describe_response::Assignment {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("topicPartitions"));
        self.topic_partitions.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_group_describe_response::DescribedGroup {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("assignmentEpoch"));
        self.assignment_epoch.write_json(o);
        o.k(jkey!("assignorName"));
        self.assignor_name.write_json(o);
        o.k(jkey!("authorizedOperations"));
        self.authorized_operations.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("groupEpoch"));
        self.group_epoch.write_json(o);
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("groupState"));
        self.group_state.write_json(o);
        o.k(jkey!("members"));
        self.members.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_group_describe_response::Member {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("assignment"));
        self.assignment.write_json(o);
        o.k(jkey!("clientHost"));
        self.client_host.write_json(o);
        o.k(jkey!("clientId"));
        self.client_id.write_json(o);
        o.k(jkey!("memberEpoch"));
        self.member_epoch.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("rackId"));
        self.rack_id.write_json(o);
        o.k(jkey!("subscribedTopicNames"));
        self.subscribed_topic_names.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_group_describe_response::ShareGroupDescribeResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groups"));
        self.groups.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_group_describe_response::TopicPartitions {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_fetch_request::AcknowledgementBatch {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("acknowledgeTypes"));
        self.acknowledge_types.write_json(o);
        o.k(jkey!("firstOffset"));
        self.first_offset.write_json(o);
        o.k(jkey!("lastOffset"));
        self.last_offset.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_fetch_request::FetchPartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("acknowledgementBatches"));
        self.acknowledgement_batches.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("partitionMaxBytes"));
        self.partition_max_bytes.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_fetch_request::FetchTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_fetch_request::ForgottenTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_fetch_request::ShareFetchRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("batchSize"));
        self.batch_size.write_json(o);
        o.k(jkey!("forgottenTopicsData"));
        self.forgotten_topics_data.write_json(o);
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("maxBytes"));
        self.max_bytes.write_json(o);
        o.k(jkey!("maxRecords"));
        self.max_records.write_json(o);
        o.k(jkey!("maxWaitMs"));
        self.max_wait_ms.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("minBytes"));
        self.min_bytes.write_json(o);
        o.k(jkey!("shareSessionEpoch"));
        self.share_session_epoch.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_fetch_response::AcquiredRecords {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("deliveryCount"));
        self.delivery_count.write_json(o);
        o.k(jkey!("firstOffset"));
        self.first_offset.write_json(o);
        o.k(jkey!("lastOffset"));
        self.last_offset.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_fetch_response::LeaderIdAndEpoch {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderId"));
        self.leader_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_fetch_response::NodeEndpoint {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("nodeId"));
        self.node_id.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        o.k(jkey!("rack"));
        self.rack.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_fetch_response::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("acknowledgeErrorCode"));
        self.acknowledge_error_code.write_json(o);
        o.k(jkey!("acknowledgeErrorMessage"));
        self.acknowledge_error_message.write_json(o);
        o.k(jkey!("acquiredRecords"));
        self.acquired_records.write_json(o);
        o.k(jkey!("currentLeader"));
        self.current_leader.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("records"));
        self.records.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_fetch_response::ShareFetchResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("acquisitionLockTimeoutMs"));
        self.acquisition_lock_timeout_ms.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("nodeEndpoints"));
        self.node_endpoints.write_json(o);
        o.k(jkey!("responses"));
        self.responses.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_fetch_response::ShareFetchableTopicResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_acknowledge_request::AcknowledgePartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("acknowledgementBatches"));
        self.acknowledgement_batches.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_acknowledge_request::AcknowledgeTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_acknowledge_request::AcknowledgementBatch {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("acknowledgeTypes"));
        self.acknowledge_types.write_json(o);
        o.k(jkey!("firstOffset"));
        self.first_offset.write_json(o);
        o.k(jkey!("lastOffset"));
        self.last_offset.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_acknowledge_request::ShareAcknowledgeRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("memberId"));
        self.member_id.write_json(o);
        o.k(jkey!("shareSessionEpoch"));
        self.share_session_epoch.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_acknowledge_response::LeaderIdAndEpoch {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderId"));
        self.leader_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_acknowledge_response::NodeEndpoint {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("nodeId"));
        self.node_id.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        o.k(jkey!("rack"));
        self.rack.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_acknowledge_response::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("currentLeader"));
        self.current_leader.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_acknowledge_response::ShareAcknowledgeResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("nodeEndpoints"));
        self.node_endpoints.write_json(o);
        o.k(jkey!("responses"));
        self.responses.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for share_acknowledge_response::ShareAcknowledgeTopicResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for add_raft_voter_request::AddRaftVoterRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("clusterId"));
        self.cluster_id.write_json(o);
        o.k(jkey!("listeners"));
        self.listeners.write_json(o);
        o.k(jkey!("timeoutMs"));
        self.timeout_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("voterDirectoryId"));
        self.voter_directory_id.write_json(o);
        o.k(jkey!("voterId"));
        self.voter_id.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for add_raft_voter_request::Listener {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for add_raft_voter_response::AddRaftVoterResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for remove_raft_voter_request::RemoveRaftVoterRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("clusterId"));
        self.cluster_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("voterDirectoryId"));
        self.voter_directory_id.write_json(o);
        o.k(jkey!("voterId"));
        self.voter_id.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for remove_raft_voter_response::RemoveRaftVoterResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for update_raft_voter_request::KRaftVersionFeature {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("maxSupportedVersion"));
        self.max_supported_version.write_json(o);
        o.k(jkey!("minSupportedVersion"));
        self.min_supported_version.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for update_raft_voter_request::Listener {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("name"));
        self.name.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for update_raft_voter_request::UpdateRaftVoterRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("clusterId"));
        self.cluster_id.write_json(o);
        o.k(jkey!("currentLeaderEpoch"));
        self.current_leader_epoch.write_json(o);
        o.k(jkey!("kRaftVersionFeature"));
        self.k_raft_version_feature.write_json(o);
        o.k(jkey!("listeners"));
        self.listeners.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.k(jkey!("voterDirectoryId"));
        self.voter_directory_id.write_json(o);
        o.k(jkey!("voterId"));
        self.voter_id.write_json(o);
        o.end_object();
    }
}

impl KafkaJson for update_raft_voter_response::CurrentLeader {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("host"));
        self.host.write_json(o);
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("leaderId"));
        self.leader_id.write_json(o);
        o.k(jkey!("port"));
        self.port.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for update_raft_voter_response::UpdateRaftVoterResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("currentLeader"));
        self.current_leader.write_json(o);
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for initialize_share_group_state_request::InitializeShareGroupStateRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for initialize_share_group_state_request::InitializeStateData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for initialize_share_group_state_request::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partition"));
        self.partition.write_json(o);
        o.k(jkey!("startOffset"));
        self.start_offset.write_json(o);
        o.k(jkey!("stateEpoch"));
        self.state_epoch.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for initialize_share_group_state_response::InitializeShareGroupStateResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("results"));
        self.results.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for initialize_share_group_state_response::InitializeStateResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for initialize_share_group_state_response::PartitionResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("partition"));
        self.partition.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for read_share_group_state_request::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("partition"));
        self.partition.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for read_share_group_state_request::ReadShareGroupStateRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for read_share_group_state_request::ReadStateData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for read_share_group_state_response::PartitionResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("partition"));
        self.partition.write_json(o);
        o.k(jkey!("startOffset"));
        self.start_offset.write_json(o);
        o.k(jkey!("stateBatches"));
        self.state_batches.write_json(o);
        o.k(jkey!("stateEpoch"));
        self.state_epoch.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for read_share_group_state_response::ReadShareGroupStateResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("results"));
        self.results.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for read_share_group_state_response::ReadStateResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for read_share_group_state_response::StateBatch {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("deliveryCount"));
        self.delivery_count.write_json(o);
        o.k(jkey!("deliveryState"));
        self.delivery_state.write_json(o);
        o.k(jkey!("firstOffset"));
        self.first_offset.write_json(o);
        o.k(jkey!("lastOffset"));
        self.last_offset.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for write_share_group_state_request::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("partition"));
        self.partition.write_json(o);
        o.k(jkey!("startOffset"));
        self.start_offset.write_json(o);
        o.k(jkey!("stateBatches"));
        self.state_batches.write_json(o);
        o.k(jkey!("stateEpoch"));
        self.state_epoch.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for write_share_group_state_request::StateBatch {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("deliveryCount"));
        self.delivery_count.write_json(o);
        o.k(jkey!("deliveryState"));
        self.delivery_state.write_json(o);
        o.k(jkey!("firstOffset"));
        self.first_offset.write_json(o);
        o.k(jkey!("lastOffset"));
        self.last_offset.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for write_share_group_state_request::WriteShareGroupStateRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for write_share_group_state_request::WriteStateData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for write_share_group_state_response::PartitionResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("partition"));
        self.partition.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for write_share_group_state_response::WriteShareGroupStateResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("results"));
        self.results.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for write_share_group_state_response::WriteStateResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_share_group_state_request::DeleteShareGroupStateRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_share_group_state_request::DeleteStateData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_share_group_state_request::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partition"));
        self.partition.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_share_group_state_response::DeleteShareGroupStateResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("results"));
        self.results.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_share_group_state_response::DeleteStateResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_share_group_state_response::PartitionResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("partition"));
        self.partition.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for read_share_group_state_summary_request::PartitionData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("partition"));
        self.partition.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for read_share_group_state_summary_request::ReadShareGroupStateSummaryRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for read_share_group_state_summary_request::ReadStateSummaryData {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for read_share_group_state_summary_response::PartitionResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("partition"));
        self.partition.write_json(o);
        o.k(jkey!("startOffset"));
        self.start_offset.write_json(o);
        o.k(jkey!("stateEpoch"));
        self.state_epoch.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for read_share_group_state_summary_response::ReadShareGroupStateSummaryResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("results"));
        self.results.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for read_share_group_state_summary_response::ReadStateSummaryResult {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_share_group_offsets_request::DescribeShareGroupOffsetsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groups"));
        self.groups.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_share_group_offsets_request::DescribeShareGroupOffsetsRequestGroup {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_share_group_offsets_request::DescribeShareGroupOffsetsRequestTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_share_group_offsets_response::DescribeShareGroupOffsetsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groups"));
        self.groups.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_share_group_offsets_response::DescribeShareGroupOffsetsResponseGroup {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_share_group_offsets_response::DescribeShareGroupOffsetsResponsePartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("leaderEpoch"));
        self.leader_epoch.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("startOffset"));
        self.start_offset.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for describe_share_group_offsets_response::DescribeShareGroupOffsetsResponseTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_share_group_offsets_request::AlterShareGroupOffsetsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_share_group_offsets_request::AlterShareGroupOffsetsRequestPartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        o.k(jkey!("startOffset"));
        self.start_offset.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_share_group_offsets_request::AlterShareGroupOffsetsRequestTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_share_group_offsets_response::AlterShareGroupOffsetsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("responses"));
        self.responses.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_share_group_offsets_response::AlterShareGroupOffsetsResponsePartition {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("partitionIndex"));
        self.partition_index.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for alter_share_group_offsets_response::AlterShareGroupOffsetsResponseTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("partitions"));
        self.partitions.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_share_group_offsets_request::DeleteShareGroupOffsetsRequest {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("groupId"));
        self.group_id.write_json(o);
        o.k(jkey!("topics"));
        self.topics.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_share_group_offsets_request::DeleteShareGroupOffsetsRequestTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_share_group_offsets_response::DeleteShareGroupOffsetsResponse {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("responses"));
        self.responses.write_json(o);
        o.k(jkey!("throttleTimeMs"));
        self.throttle_time_ms.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}

impl KafkaJson for delete_share_group_offsets_response::DeleteShareGroupOffsetsResponseTopic {
    fn write_json(&self, o: &mut JsonBuf) {
        o.begin_object();
        o.k(jkey!("errorCode"));
        self.error_code.write_json(o);
        o.k(jkey!("errorMessage"));
        self.error_message.write_json(o);
        o.k(jkey!("topicId"));
        self.topic_id.write_json(o);
        o.k(jkey!("topicName"));
        self.topic_name.write_json(o);
        tagged_fields(&self.unknown_tagged_fields, o);
        o.end_object();
    }
}
