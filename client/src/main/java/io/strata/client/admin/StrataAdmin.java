package io.strata.client.admin;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.strata.client.Bootstrap;
import io.strata.client.StrataChannels;
import io.strata.client.StrataClientException;
import io.strata.client.TopicPartition;
import io.strata.proto.AdminGrpc;
import io.strata.proto.AlterPartitionReassignmentsRequest;
import io.strata.proto.AlterTopicConfigsRequest;
import io.strata.proto.ClusterDescription;
import io.strata.proto.CreatePartitionsRequest;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.DeleteTopicRequest;
import io.strata.proto.DescribeClusterRequest;
import io.strata.proto.DeleteGroupRequest;
import io.strata.proto.DescribeGroupRequest;
import io.strata.proto.DescribeTopicRequest;
import io.strata.proto.GroupDescription;
import io.strata.proto.GroupListing;
import io.strata.proto.ListGroupsRequest;
import io.strata.proto.ListPartitionReassignmentsRequest;
import io.strata.proto.PartitionReassignment;
import io.strata.proto.ReassignmentTarget;
import io.strata.proto.ListTopicsRequest;
import io.strata.proto.OffsetSpec;
import io.strata.proto.ResetGroupOffsetsRequest;
import io.strata.proto.TopicPartitionOffset;
import io.strata.proto.TopicDescription;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Administers a Strata cluster through a gateway: topics, replica reassignments, cluster membership,
 * consumer groups.
 *
 * <p>Each method is one blocking unary call with a deadline of {@code requestTimeout} (default 30 s)
 * and returns the gateway's protobuf answer; every failure is a {@link StrataClientException}
 * carrying the gateway's {@link io.strata.proto.ErrorReason}.
 *
 * <p>Thread-safe: any number of threads may share one instance (gRPC stubs are thread-safe).
 */
public final class StrataAdmin implements AutoCloseable {

    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final ManagedChannel channel;
    private final AdminGrpc.AdminBlockingStub stub;
    private final Duration requestTimeout;

    public StrataAdmin(Bootstrap bootstrap, Duration requestTimeout) {
        this.channel = StrataChannels.open(bootstrap);
        this.stub = AdminGrpc.newBlockingStub(channel);
        this.requestTimeout = requestTimeout;
    }

    /** An admin for {@code address} ({@code HOST:PORT}, or null for {@code STRATA_BOOTSTRAP}/the default). */
    public static StrataAdmin create(String address) {
        return new StrataAdmin(Bootstrap.resolve(address), DEFAULT_REQUEST_TIMEOUT);
    }

    /**
     * Creates a topic.
     *
     * @param configs topic configs such as {@code min.insync.replicas}; unknown keys are rejected
     * @return the topic as created (partitions, leaders, replicas)
     * @throws StrataClientException e.g. TOPIC_ALREADY_EXISTS, INVALID_TOPIC_NAME, NOT_ENOUGH_NODES
     */
    public TopicDescription createTopic(String name, int partitions, int replicationFactor,
                                        Map<String, String> configs) {
        CreateTopicRequest request = CreateTopicRequest.newBuilder()
                .setName(name)
                .setPartitions(partitions)
                .setReplicationFactor(replicationFactor)
                .putAllConfigs(configs == null ? Map.of() : configs)
                .build();
        return call(s -> s.createTopic(request)).getTopic();
    }

    /** Deletes a topic and all its data. @throws StrataClientException UNKNOWN_TOPIC when it does not exist */
    public void deleteTopic(String name) {
        call(s -> s.deleteTopic(DeleteTopicRequest.newBuilder().setName(name).build()));
    }

    /** Topic names, sorted. */
    public List<String> listTopics() {
        return call(s -> s.listTopics(ListTopicsRequest.getDefaultInstance())).getNamesList();
    }

    /** Partitions, leaders, replicas, ISR and configs of a topic. @throws StrataClientException UNKNOWN_TOPIC */
    public TopicDescription describeTopic(String name) {
        return call(s -> s.describeTopic(DescribeTopicRequest.newBuilder().setName(name).build()));
    }

    /** Raises a topic's partition count to {@code totalCount}. */
    public TopicDescription createPartitions(String topic, int totalCount) {
        return call(s -> s.createPartitions(CreatePartitionsRequest.newBuilder()
                .setTopic(topic).setTotalCount(totalCount).build())).getTopic();
    }

    /**
     * Sets the configs in {@code set} and returns the keys in {@code remove} to their defaults, in one
     * change. @return the topic afterwards, every config with its effective value
     * @throws StrataClientException UNKNOWN_TOPIC, or INVALID_ARGUMENT for an unknown key or a bad value
     */
    public TopicDescription alterTopicConfigs(String topic, Map<String, String> set, List<String> remove) {
        return call(s -> s.alterTopicConfigs(AlterTopicConfigsRequest.newBuilder().setTopic(topic)
                .putAllSet(set).addAllRemove(remove).build())).getTopic();
    }

    /** Storage nodes and metadata peers. */
    public ClusterDescription describeCluster() {
        return call(s -> s.describeCluster(DescribeClusterRequest.getDefaultInstance()));
    }

    /** Every consumer group with its state and member count. */
    public List<GroupListing> listGroups() {
        return call(s -> s.listGroups(ListGroupsRequest.getDefaultInstance())).getGroupsList();
    }

    /** Members, assignments, committed offsets and lag of a group. @throws StrataClientException UNKNOWN_GROUP */
    public GroupDescription describeGroup(String group) {
        return call(s -> s.describeGroup(DescribeGroupRequest.newBuilder().setGroup(group).build()));
    }

    /**
     * Moves one partition's replicas to {@code replicas} (node ids, the first being the preferred
     * leader) while it keeps serving: the new replicas copy the log from the leader, and the old
     * ones are dropped once every new one is in sync. Returns at once; watch progress with
     * {@link #listPartitionReassignments}.
     *
     * @return the partition as the reassignment left it (already moved when nothing had to catch up)
     * @throws StrataClientException INVALID_REPLICA_ASSIGNMENT (unknown, fenced or repeated node, fewer
     *     replicas than min.insync.replicas), UNKNOWN_TOPIC, UNKNOWN_PARTITION
     */
    public PartitionReassignment reassignPartition(String topic, int partition, List<Integer> replicas) {
        return alterPartitionReassignments(Map.of(new TopicPartition(topic, partition), replicas)).get(0);
    }

    /**
     * Cancels a partition's ongoing reassignment: replicas being added are dropped, the original ones stay.
     *
     * @throws StrataClientException NO_REASSIGNMENT_IN_PROGRESS
     */
    public PartitionReassignment cancelPartitionReassignment(String topic, int partition) {
        return alterPartitionReassignments(Map.of(new TopicPartition(topic, partition), List.of())).get(0);
    }

    /**
     * Starts, replaces or (with an empty list) cancels reassignments of several partitions at once;
     * when any entry is invalid none is applied.
     *
     * @return each partition after the change, in the order of {@code targets}' iteration
     */
    public List<PartitionReassignment> alterPartitionReassignments(Map<TopicPartition, List<Integer>> targets) {
        AlterPartitionReassignmentsRequest.Builder request = AlterPartitionReassignmentsRequest.newBuilder();
        targets.forEach((tp, replicas) -> request.addTargets(ReassignmentTarget.newBuilder().setTopic(tp.topic())
                .setPartition(tp.partition()).addAllReplicas(replicas)));
        return call(s -> s.alterPartitionReassignments(request.build())).getPartitionsList();
    }

    /** Partitions being reassigned, of {@code topic} or (null) of every topic, sorted by topic and partition. */
    public List<PartitionReassignment> listPartitionReassignments(String topic) {
        return call(s -> s.listPartitionReassignments(ListPartitionReassignmentsRequest.newBuilder()
                .setTopic(topic == null ? "" : topic).build())).getReassignmentsList();
    }

    /**
     * Deletes a group and its committed offsets.
     *
     * @throws StrataClientException GROUP_NOT_EMPTY while it has members, UNKNOWN_GROUP when there is no such group
     */
    public void deleteGroup(String group) {
        call(s -> s.deleteGroup(DeleteGroupRequest.newBuilder().setGroup(group).build()));
    }

    /** Where {@link #resetGroupOffsets} moves a group's offsets. */
    public record ResetTo(OffsetSpec spec, long value) {
        /** The oldest retained offset. */
        public static ResetTo earliest() {
            return new ResetTo(OffsetSpec.OFFSET_SPEC_EARLIEST, 0);
        }

        /** The high watermark (only records produced from now on). */
        public static ResetTo latest() {
            return new ResetTo(OffsetSpec.OFFSET_SPEC_LATEST, 0);
        }

        /** An exact offset, moved into [log start, high watermark] when outside it. */
        public static ResetTo offset(long offset) {
            return new ResetTo(OffsetSpec.OFFSET_SPEC_UNSPECIFIED, offset);
        }

        /** The first offset whose timestamp is at or after {@code timestampMs} (ms since the epoch). */
        public static ResetTo timestamp(long timestampMs) {
            return new ResetTo(OffsetSpec.OFFSET_SPEC_TIMESTAMP, timestampMs);
        }
    }

    /**
     * Moves a group's committed offsets on a topic.
     *
     * @param partitions the partitions to reset; empty means all of the topic's
     * @param dryRun     only compute the offsets (allowed while the group has members)
     * @return the new offsets, per partition
     * @throws StrataClientException GROUP_NOT_EMPTY while the group has members (unless {@code dryRun}),
     *                               UNKNOWN_TOPIC, UNKNOWN_PARTITION
     */
    public List<TopicPartitionOffset> resetGroupOffsets(String group, String topic, List<Integer> partitions,
                                                        ResetTo to, boolean dryRun) {
        ResetGroupOffsetsRequest request = ResetGroupOffsetsRequest.newBuilder().setGroup(group).setTopic(topic)
                .addAllPartitions(partitions).setTo(to.spec()).setValue(to.value()).setDryRun(dryRun).build();
        return call(s -> s.resetGroupOffsets(request)).getOffsetsList();
    }

    /** Closes the channel, letting calls in progress finish for up to 5 s. Idempotent. */
    @Override
    public void close() {
        StrataChannels.close(channel, Duration.ofSeconds(5));
    }

    private <T> T call(Function<AdminGrpc.AdminBlockingStub, T> rpc) {
        try {
            return rpc.apply(stub.withDeadlineAfter(requestTimeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (StatusRuntimeException e) {
            throw StrataClientException.from(e);
        }
    }
}
