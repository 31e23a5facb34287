package io.strata.metadata.api;

import io.grpc.stub.StreamObserver;
import io.strata.common.error.Errors;
import io.strata.common.error.RpcCalls;
import io.strata.common.topic.TopicConfig;
import io.strata.common.topic.TopicNames;
import io.strata.metadata.placement.ReplicaPlacer;
import io.strata.metadata.state.MetadataStateMachine;
import io.strata.metadata.watch.WatchHub;
import io.strata.metadata.controller.NodeLeaseController;
import io.strata.common.topic.PartitionReassignments;
import io.strata.proto.AlterPartitionReassignmentsRequest;
import io.strata.proto.AlterPartitionReassignmentsResponse;
import io.strata.metadata.groups.GroupCoordinator;
import io.strata.proto.AlterTopicConfigsRequest;
import io.strata.proto.CommitOffsetsRequest;
import io.strata.proto.CreatePartitionsRequest;
import io.strata.proto.ElectLeadersRequest;
import io.strata.proto.CommitOffsetsResponse;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.DeleteTopicRequest;
import io.strata.proto.DeleteTopicResponse;
import io.strata.proto.FetchOffsetsRequest;
import io.strata.proto.FetchOffsetsResponse;
import io.strata.proto.ListGroupsRequest;
import io.strata.proto.ListGroupsResponse;
import io.strata.proto.TopicPartitionOffset;
import io.strata.proto.internal.AlterPartitionRequest;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.GroupHeartbeatRequest;
import io.strata.proto.internal.GroupHeartbeatResponse;
import io.strata.proto.GroupDescription;
import io.strata.proto.DeleteGroupRequest;
import io.strata.proto.DeleteGroupResponse;
import io.strata.proto.DescribeGroupRequest;
import io.strata.proto.ErrorReason;
import io.strata.common.error.StrataException;
import java.util.concurrent.CompletableFuture;
import io.strata.proto.internal.CommitOffsetsCommand;
import io.strata.proto.internal.ControlledShutdownRequest;
import io.strata.proto.internal.ControlledShutdownResponse;
import io.strata.proto.internal.CreatePartitionsCommand;
import io.strata.proto.internal.ElectLeadersCommand;
import io.strata.metadata.metrics.HighWatermarks;
import io.strata.proto.internal.HeartbeatRequest;
import io.strata.proto.internal.HeartbeatResponse;
import io.strata.proto.internal.DescribeQuorumRequest;
import io.strata.proto.internal.DescribeQuorumResponse;
import io.strata.proto.internal.GetImageRequest;
import io.strata.proto.internal.GetLocalStateRequest;
import io.strata.proto.internal.LocalState;
import io.strata.proto.internal.MetadataCommand;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.MetadataQuery;
import io.strata.proto.internal.MetadataServiceGrpc;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.NodeState;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.RegisterNodeRequest;
import io.strata.proto.internal.RegisterNodeResponse;
import io.strata.proto.internal.TopicRecord;
import io.strata.proto.internal.WatchEvent;
import io.strata.proto.internal.WatchRequest;
import java.util.List;
import org.apache.ratis.protocol.RaftPeerId;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The MetadataService gRPC API of one peer. Writes are decided here (placement, ids, times),
 * then proposed to Raft through {@link RaftCommands}, so any peer can take any call; a peer
 * first catches up with everything committed (a linearizable read on itself) before it
 * places replicas from its local state. Reads that must be current go through the leader,
 * Watch streams serve this peer's applied state.
 */
public final class MetadataApiService extends MetadataServiceGrpc.MetadataServiceImplBase {
    /** An upper bound that keeps one topic's metadata well inside a Raft entry. */
    static final int MAX_PARTITIONS = 10_000;

    private final RaftCommands raft;
    private final RaftPeerId self;
    private final MetadataStateMachine stateMachine;
    private final WatchHub watchHub;
    private final NodeLeaseController controller;
    private final GroupCoordinator groups;
    private final boolean electPreferredOnRegister;
    private final Supplier<DescribeQuorumResponse> quorum;
    private final ProposalBatcher<CommitOffsetsCommand, Void> offsetCommits;
    private final ProposalBatcher<TopicRecord, TopicRecord> topicCreations;

    /**
     * @param electPreferredOnRegister move leadership back to a node where it is the preferred replica when it
     *                                 (re)registers or rejoins the ISR
     */
    /** Where heartbeats' high watermarks go, for group lag metrics. */
    private final HighWatermarks highWatermarks;

    public MetadataApiService(RaftCommands raft, RaftPeerId self, MetadataStateMachine stateMachine,
                              WatchHub watchHub, NodeLeaseController controller, GroupCoordinator groups,
                              boolean electPreferredOnRegister,
                              Supplier<DescribeQuorumResponse> quorum, HighWatermarks highWatermarks) {
        this.highWatermarks = highWatermarks;
        this.raft = raft;
        this.self = self;
        this.stateMachine = stateMachine;
        this.watchHub = watchHub;
        this.controller = controller;
        this.groups = groups;
        this.electPreferredOnRegister = electPreferredOnRegister;
        this.quorum = quorum;
        this.offsetCommits = ProposalBatcher.offsetCommits(raft::submit);
        this.topicCreations = ProposalBatcher.topicCreations(raft::submit);
    }

    @Override
    public void registerNode(RegisterNodeRequest request, StreamObserver<RegisterNodeResponse> observer) {
        RpcCalls.async(observer, () -> {
            if (request.getAddress().isBlank()) {
                throw Errors.invalid("node " + request.getId() + " registered without an address");
            }
            RegisterNodeRequest command = request.toBuilder().setElectPreferred(electPreferredOnRegister).build();
            return raft.submit(MetadataCommand.newBuilder().setRegisterNode(command).build())
                    .thenApply(r -> RegisterNodeResponse.getDefaultInstance());
        });
    }

    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> observer) {
        RpcCalls.unary(observer, () -> {
            HeartbeatResponse response = controller.heartbeat(request);
            highWatermarks.report(request, System.currentTimeMillis());
            return response;
        });
    }

    @Override
    public void alterPartition(AlterPartitionRequest request, StreamObserver<PartitionRecord> observer) {
        RpcCalls.async(observer, () -> {
            TopicNames.validate(request.getTopic());
            AlterPartitionRequest command = request.toBuilder().setElectPreferred(electPreferredOnRegister).build();
            return raft.submit(MetadataCommand.newBuilder().setAlterPartition(command).build())
                    .thenApply(CommandResult::getPartition);
        });
    }

    @Override
    public void electLeaders(ElectLeadersRequest request, StreamObserver<TopicRecord> observer) {
        RpcCalls.async(observer, () -> {
            TopicNames.validate(request.getTopic());
            return raft.submit(MetadataCommand.newBuilder().setElectLeaders(ElectLeadersCommand.newBuilder()
                    .setTopic(request.getTopic()).addAllPartitions(request.getPartitionsList())).build())
                    .thenApply(CommandResult::getTopic);
        });
    }

    @Override
    public void createPartitions(CreatePartitionsRequest request, StreamObserver<TopicRecord> observer) {
        RpcCalls.async(observer, () -> raft.syncLocal(self).thenCompose(synced -> raft.submit(
                        MetadataCommand.newBuilder().setCreatePartitions(planPartitions(request,
                                stateMachine.localImage())).build()))
                .thenApply(CommandResult::getTopic));
    }

    /** Validates an add-partitions request and places the new partitions against {@code image}. */
    static CreatePartitionsCommand planPartitions(CreatePartitionsRequest request, MetadataImage image) {
        TopicNames.validate(request.getTopic());
        TopicRecord topic = image.getTopicsList().stream().filter(t -> t.getName().equals(request.getTopic()))
                .findFirst().orElseThrow(() -> Errors.unknownTopic(request.getTopic()));
        int current = topic.getPartitionsCount();
        if (request.getTotalCount() <= current || request.getTotalCount() > MAX_PARTITIONS) {
            throw Errors.invalid("topic '" + topic.getName() + "' has " + current + " partitions; the new total must be"
                    + " greater than that and at most " + MAX_PARTITIONS + ", got " + request.getTotalCount());
        }
        List<List<Integer>> placement = ReplicaPlacer.placeOnRacks(liveNodes(image), request.getTotalCount() - current,
                topic.getReplicationFactor(), randomStart(image));
        CreatePartitionsCommand.Builder command = CreatePartitionsCommand.newBuilder().setTopic(topic.getName());
        for (int i = 0; i < placement.size(); i++) {
            command.addPartitions(newPartition(current + i, placement.get(i)));
        }
        return command.build();
    }

    @Override
    public void alterTopicConfigs(AlterTopicConfigsRequest request, StreamObserver<TopicRecord> observer) {
        RpcCalls.async(observer, () -> {
            TopicNames.validate(request.getTopic());
            TopicConfig.validate(request.getSetMap());
            request.getRemoveList().forEach(TopicConfig::of);
            return raft.submit(MetadataCommand.newBuilder().setAlterTopicConfigs(request).build())
                    .thenApply(CommandResult::getTopic);
        });
    }

    @Override
    public void alterPartitionReassignments(AlterPartitionReassignmentsRequest request,
                                            StreamObserver<AlterPartitionReassignmentsResponse> observer) {
        RpcCalls.async(observer, () -> {
            PartitionReassignments.validate(request);
            return raft.submit(MetadataCommand.newBuilder().setAlterReassignments(request).build())
                    .thenApply(CommandResult::getReassignments);
        });
    }

    private static List<ReplicaPlacer.Node> liveNodes(MetadataImage image) {
        return image.getNodesList().stream().filter(n -> n.getState() == NodeState.NODE_ALIVE)
                .map(n -> new ReplicaPlacer.Node(n.getId(), n.getRack())).toList();
    }

    private static int randomStart(MetadataImage image) {
        int live = liveNodes(image).size();
        return live == 0 ? 0 : ThreadLocalRandom.current().nextInt(live);
    }

    private static PartitionRecord newPartition(int partition, List<Integer> replicas) {
        return PartitionRecord.newBuilder().setPartition(partition).addAllReplicas(replicas)
                .setLeader(replicas.get(0)).setLeaderEpoch(0).setPartitionEpoch(0).addAllIsr(replicas).build();
    }

    @Override
    public void createTopic(CreateTopicRequest request, StreamObserver<TopicRecord> observer) {
        RpcCalls.async(observer, () -> raft.syncLocal(self).thenCompose(synced -> {
            TopicRecord topic = planTopic(request, stateMachine.localImage());
            if (request.getValidateOnly()) {
                return java.util.concurrent.CompletableFuture.completedFuture(topic);
            }
            return topicCreations.submit(topic);
        }));
    }

    /** Validates a create request and decides its placement against {@code image}. */
    static TopicRecord planTopic(CreateTopicRequest request, MetadataImage image) {
        TopicNames.validate(request.getName());
        if (request.getPartitions() < 1 || request.getPartitions() > MAX_PARTITIONS) {
            throw Errors.invalid("partitions must be between 1 and " + MAX_PARTITIONS + ", got " + request.getPartitions());
        }
        if (request.getReplicationFactor() < 1) {
            throw Errors.invalid("replication factor must be at least 1, got " + request.getReplicationFactor());
        }
        java.util.Map<String, String> configs = TopicConfig.validate(request.getConfigsMap());
        int minIsr = TopicConfig.MIN_INSYNC_REPLICAS.intIn(configs);
        if (minIsr > request.getReplicationFactor()) {
            throw Errors.invalid("min.insync.replicas=" + minIsr + " exceeds the replication factor "
                    + request.getReplicationFactor() + "; acks=all writes could never succeed");
        }
        if (image.getTopicsList().stream().anyMatch(t -> t.getName().equals(request.getName()))) {
            throw new io.strata.common.error.StrataException(io.strata.proto.ErrorReason.TOPIC_ALREADY_EXISTS,
                    "topic '" + request.getName() + "' already exists");
        }
        List<List<Integer>> placement = ReplicaPlacer.placeOnRacks(liveNodes(image), request.getPartitions(),
                request.getReplicationFactor(), randomStart(image));
        TopicRecord.Builder topic = TopicRecord.newBuilder()
                .setName(request.getName())
                .setTopicId(UUID.randomUUID().toString())
                .setReplicationFactor(request.getReplicationFactor())
                .putAllConfigs(configs);
        for (int p = 0; p < placement.size(); p++) {
            topic.addPartitions(newPartition(p, placement.get(p)));
        }
        return topic.build();
    }

    @Override
    public void deleteTopic(DeleteTopicRequest request, StreamObserver<DeleteTopicResponse> observer) {
        RpcCalls.async(observer, () -> raft.submit(MetadataCommand.newBuilder().setDeleteTopic(request).build())
                .thenApply(r -> DeleteTopicResponse.getDefaultInstance()));
    }

    @Override
    public void getImage(GetImageRequest request, StreamObserver<MetadataImage> observer) {
        if (!request.getLinearizable()) {
            RpcCalls.unary(observer, stateMachine::localImage);
            return;
        }
        RpcCalls.async(observer, () -> raft.query(MetadataQuery.newBuilder().setImage(true).build(),
                MetadataImage.parser()));
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<WatchEvent> observer) {
        watchHub.subscribe(request.getKnownVersion(), observer);
    }

    @Override
    public void commitOffsets(CommitOffsetsRequest request, StreamObserver<CommitOffsetsResponse> observer) {
        RpcCalls.async(observer, () -> commit(request, false));
    }

    @Override
    public void resetGroupOffsets(CommitOffsetsRequest request, StreamObserver<CommitOffsetsResponse> observer) {
        RpcCalls.async(observer, () -> commit(request, true));
    }

    /** Validates and proposes a commit; {@code reset} requires the group to have no members. */
    private CompletableFuture<CommitOffsetsResponse> commit(CommitOffsetsRequest request, boolean reset) {
        GroupCoordinator.validateGroupId(request.getGroup());
        for (TopicPartitionOffset o : request.getOffsetsList()) {
            if (o.getOffset() < 0) {
                throw Errors.invalid("offset " + o.getOffset() + " for " + o.getTopic() + "-"
                        + o.getPartition() + " is negative");
            }
        }
        CommitOffsetsCommand command = CommitOffsetsCommand.newBuilder().setGroup(request.getGroup())
                .addAllOffsets(request.getOffsetsList()).setCommitTimeMs(System.currentTimeMillis())
                .setMemberId(request.getMemberId()).setMemberCommitSequence(request.getMemberCommitSequence())
                .setRequireEmptyGroup(reset).build();
        return offsetCommits.submit(command).thenApply(v -> CommitOffsetsResponse.getDefaultInstance());
    }

    @Override
    public void groupHeartbeat(GroupHeartbeatRequest request, StreamObserver<GroupHeartbeatResponse> observer) {
        RpcCalls.async(observer, () -> groups.heartbeat(request));
    }

    @Override
    public void describeGroup(DescribeGroupRequest request, StreamObserver<GroupDescription> observer) {
        RpcCalls.async(observer, () -> {
            GroupCoordinator.validateGroupId(request.getGroup());
            return raft.query(MetadataQuery.newBuilder().setDescribeGroup(request.getGroup()).build(),
                    GroupDescription.parser()).thenApply(g -> {
                        if (g.getGroup().isEmpty()) {
                            throw new StrataException(ErrorReason.UNKNOWN_GROUP, "group '" + request.getGroup()
                                    + "' does not exist (it has no members and no committed offsets)");
                        }
                        return g;
                    });
        });
    }

    @Override
    public void deleteGroup(DeleteGroupRequest request, StreamObserver<DeleteGroupResponse> observer) {
        RpcCalls.async(observer, () -> {
            GroupCoordinator.validateGroupId(request.getGroup());
            return raft.submit(MetadataCommand.newBuilder().setDeleteGroup(request).build())
                    .thenApply(r -> DeleteGroupResponse.getDefaultInstance());
        });
    }

    @Override
    public void fetchOffsets(FetchOffsetsRequest request, StreamObserver<FetchOffsetsResponse> observer) {
        RpcCalls.async(observer, () -> raft.query(MetadataQuery.newBuilder().setFetchOffsets(request).build(),
                FetchOffsetsResponse.parser()));
    }

    @Override
    public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> observer) {
        RpcCalls.async(observer, () -> raft.query(MetadataQuery.newBuilder().setListGroups(true).build(),
                ListGroupsResponse.parser()));
    }

    @Override
    public void getLocalState(GetLocalStateRequest request, StreamObserver<LocalState> observer) {
        RpcCalls.unary(observer, () -> stateMachine.localState().toBuilder().setPeerId(self.toString()).build());
    }

    @Override
    public void controlledShutdown(ControlledShutdownRequest request,
                                   StreamObserver<ControlledShutdownResponse> observer) {
        RpcCalls.async(observer, () -> raft.submit(MetadataCommand.newBuilder().setControlledShutdown(request).build())
                .thenApply(CommandResult::getControlledShutdown));
    }

    @Override
    public void describeQuorum(DescribeQuorumRequest request, StreamObserver<DescribeQuorumResponse> observer) {
        RpcCalls.unary(observer, quorum);
    }
}
