package io.strata.client.admin;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.strata.client.Bootstrap;
import io.strata.client.StrataChannels;
import io.strata.client.StrataClientException;
import io.strata.client.TopicPartition;
import io.strata.proto.AdminGrpc;
import io.strata.proto.AlterPartitionReassignmentsRequest;
import io.strata.proto.ClusterDescription;
import io.strata.proto.CreatePartitionsRequest;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.DeleteTopicRequest;
import io.strata.proto.DescribeClusterRequest;
import io.strata.proto.DescribeGroupRequest;
import io.strata.proto.DescribeTopicRequest;
import io.strata.proto.GroupDescription;
import io.strata.proto.GroupListing;
import io.strata.proto.ListGroupsRequest;
import io.strata.proto.ListPartitionReassignmentsRequest;
import io.strata.proto.PartitionReassignment;
import io.strata.proto.ReassignmentTarget;
import io.strata.proto.ListTopicsRequest;
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
