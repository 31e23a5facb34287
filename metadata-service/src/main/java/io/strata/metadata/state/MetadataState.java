package io.strata.metadata.state;

import io.strata.common.error.StrataException;
import io.strata.common.topic.TopicConfig;
import io.strata.metadata.controller.PartitionElection;
import io.strata.metadata.reassignment.ReassignmentPlan;
import io.strata.metadata.reassignment.ReassignmentRules;
import io.strata.proto.AlterPartitionReassignmentsRequest;
import io.strata.proto.AlterTopicConfigsRequest;
import io.strata.proto.ErrorDetail;
import io.strata.proto.ErrorReason;
import io.strata.proto.FetchOffsetsRequest;
import io.strata.proto.GroupListing;
import io.strata.proto.TopicPartition;
import io.strata.proto.TopicPartitionOffset;
import io.strata.proto.internal.AlterPartitionRequest;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.ControlledShutdownRequest;
import io.strata.proto.internal.ControlledShutdownResponse;
import io.strata.proto.internal.CreatePartitionsCommand;
import io.strata.proto.internal.ElectLeadersCommand;
import io.strata.proto.internal.FenceNodesCommand;
import io.strata.proto.internal.UnfenceNodeCommand;
import io.strata.proto.internal.CommandResults;
import io.strata.proto.internal.CommitOffsetsBatch;
import io.strata.proto.internal.CommitOffsetsCommand;
import io.strata.proto.internal.CommittedOffset;
import io.strata.proto.internal.CreateTopicsBatch;
import io.strata.proto.internal.GroupRecord;
import io.strata.proto.internal.MetadataCommand;
import io.strata.proto.internal.MetadataDelta;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.MetadataSnapshot;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.NodeState;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.RegisterNodeRequest;
import io.strata.proto.internal.TopicRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The replicated metadata: storage nodes, topics with their partitions, consumer groups and
 * their committed offsets ({@link GroupState}), kept in a RocksDB {@link MetadataStore}. Applying a command is pure logic — validate
 * it against the current state and compute a {@link StateChange} — followed by one atomic
 * write of that change together with the command's Raft term and index. Every peer applies
 * the same commands in the same order and reaches the same state, so nothing here reads
 * clocks or randomness: anything chosen (placement, ids, times) is inside the command.
 *
 * <p>Nodes, topics and groups are also held in memory (nodes and topics make up the image that
 * every change republishes); offsets are read from the database.
 *
 * <p>Not thread-safe; the state machine serialises access.
 */
public final class MetadataState implements AutoCloseable {
    private final MetadataStore store;
    private final Map<Integer, NodeRecord> nodes;
    private final Map<String, TopicRecord> topics;
    private final GroupState groups;
    private long imageVersion;
    private MetadataStore.Applied applied;
    private MetadataImage image;
    private MetadataDelta lastDelta;

    private MetadataState(MetadataStore store) {
        this.store = store;
        this.nodes = store.nodes();
        this.topics = store.topics();
        this.groups = new GroupState(store, topics::get);
        this.imageVersion = store.imageVersion();
        this.applied = store.applied();
    }

    /** Opens the state stored in {@code dir} (empty if there is none). */
    public static MetadataState open(Path dir) {
        return new MetadataState(MetadataStore.open(dir));
    }

    /** The Raft index of the last command applied (0 for none). */
    public long appliedIndex() {
        return applied.index();
    }

    /** The Raft term of the last command applied (0 for none). */
    public long appliedTerm() {
        return applied.term();
    }

    /**
     * Applies the command written at Raft log {@code index} of {@code term}; invalid commands
     * change nothing but the recorded applied index. Commands at or below the applied index are
     * already in the state and must not be passed again.
     */
    public CommandResult apply(MetadataCommand command, long term, long index) {
        if (index <= applied.index()) {
            throw new IllegalStateException("command at index " + index + " is already applied (applied index "
                    + applied.index() + ")");
        }
        StateChange change = new StateChange();
        CommandResult result = switch (command.getCommandCase()) {
            case REGISTER_NODE -> registerNode(command.getRegisterNode(), change);
            case CREATE_TOPIC -> createTopic(command.getCreateTopic(), change);
            case DELETE_TOPIC -> deleteTopic(command.getDeleteTopic().getName(), change);
            case COMMIT_OFFSETS -> groups.commitOffsets(command.getCommitOffsets(), change, change);
            case COMMIT_OFFSETS_BATCH -> commitOffsetsBatch(command.getCommitOffsetsBatch(), change);
            case CREATE_TOPICS_BATCH -> createTopicsBatch(command.getCreateTopicsBatch(), change);
            case FENCE_NODES -> fenceNodes(command.getFenceNodes(), change);
            case UNFENCE_NODE -> unfenceNode(command.getUnfenceNode(), change);
            case ALTER_PARTITION -> alterPartition(command.getAlterPartition(), change);
            case ELECT_LEADERS -> electLeaders(command.getElectLeaders(), change);
            case CREATE_PARTITIONS -> createPartitions(command.getCreatePartitions(), change);
            case ALTER_TOPIC_CONFIGS -> alterTopicConfigs(command.getAlterTopicConfigs(), change);
            case ALTER_REASSIGNMENTS -> alterReassignments(command.getAlterReassignments(), change);
            case GROUP_JOIN -> groups.join(command.getGroupJoin(), partitionCounts(change), change);
            case GROUP_LEAVE -> groups.leave(command.getGroupLeave(), partitionCounts(change), change);
            case GROUP_RELEASE -> groups.release(command.getGroupRelease(), partitionCounts(change), change);
            case DELETE_GROUP -> groups.delete(command.getDeleteGroup(), change);
            case CONTROLLED_SHUTDOWN -> controlledShutdown(command.getControlledShutdown(), index, change);
            case COMMAND_NOT_SET -> error(ErrorReason.INVALID_ARGUMENT, "empty metadata command");
        };
        if (result.hasError()) {
            change = new StateChange();
        } else if (changesPartitionCounts(command)) {
            groups.topicsChanged(partitionCounts(change), change);
        }
        if (change.changesImage()) {
            change.imageVersion(index);
        }
        store.write(change, term, index);
        applied = new MetadataStore.Applied(term, index);
        nodes.putAll(change.nodePuts());
        topics.putAll(change.topicPuts());
        change.topicDeletes().forEach(topics::remove);
        groups.applied(change);
        if (change.imageVersion() > 0) {
            lastDelta = MetadataDelta.newBuilder().setBaseVersion(imageVersion).setVersion(change.imageVersion())
                    .addAllChangedNodes(change.nodePuts().values()).addAllChangedTopics(change.topicPuts().values())
                    .addAllRemovedTopics(change.topicDeletes()).build();
            imageVersion = change.imageVersion();
            image = null;
        }
        return result;
    }

    private static boolean changesPartitionCounts(MetadataCommand command) {
        return switch (command.getCommandCase()) {
            case CREATE_TOPIC, CREATE_TOPICS_BATCH, DELETE_TOPIC, CREATE_PARTITIONS -> true;
            default -> false;
        };
    }

    /** Topic name → partition count as of the pending change (what group assignments are computed over). */
    private Map<String, Integer> partitionCounts(StateChange change) {
        Map<String, Integer> out = new java.util.TreeMap<>();
        topics.forEach((name, t) -> out.put(name, t.getPartitionsCount()));
        change.topicPuts().forEach((name, t) -> out.put(name, t.getPartitionsCount()));
        change.topicDeletes().forEach(out::remove);
        return out;
    }

    /** Records that the Raft log reached {@code index} without a command (leader no-op, configuration). */
    public void advanceApplied(long term, long index) {
        if (index > applied.index()) {
            store.write(new StateChange(), term, index);
            applied = new MetadataStore.Applied(term, index);
        }
    }

    private CommandResult registerNode(RegisterNodeRequest r, StateChange change) {
        if (r.getId() < 0) {
            return error(ErrorReason.INVALID_ARGUMENT, "node id must be >= 0, got " + r.getId());
        }
        NodeRecord previous = nodes.get(r.getId());
        if (previous != null && previous.getIncarnation() != r.getIncarnation()
                && previous.getState() != NodeState.NODE_FENCED) {
            // A new process: whatever its previous life held (it may have crashed, or come back
            // with an empty disk) is not known to be in sync, so that life is fenced first.
            fenceNodes(FenceNodesCommand.newBuilder().addNodeIds(r.getId()).build(), change);
        }
        change.putNode(NodeRecord.newBuilder()
                .setId(r.getId()).setAddress(r.getAddress()).setRack(r.getRack())
                .setIncarnation(r.getIncarnation()).setState(NodeState.NODE_ALIVE).build());
        nodeBecameAlive(r.getId(), r.getElectPreferred(), change);
        return ok();
    }

    private CommandResult unfenceNode(UnfenceNodeCommand c, StateChange change) {
        NodeRecord n = nodes.get(c.getNodeId());
        if (n == null) {
            return error(ErrorReason.INVALID_ARGUMENT, "storage node " + c.getNodeId() + " is not registered");
        }
        if (n.getIncarnation() != c.getIncarnation()) {
            return error(ErrorReason.INVALID_ARGUMENT, "storage node " + c.getNodeId() + " heartbeated with incarnation "
                    + c.getIncarnation() + " but is registered with " + n.getIncarnation() + "; register again");
        }
        if (n.getState() == NodeState.NODE_ALIVE) {
            return ok();
        }
        change.putNode(n.toBuilder().setState(NodeState.NODE_ALIVE).build());
        nodeBecameAlive(c.getNodeId(), c.getElectPreferred(), change);
        return ok();
    }

    /** Leadership changes for a node that just became live: offline partitions, optionally preferred leaders. */
    private void nodeBecameAlive(int node, boolean preferred, StateChange change) {
        Set<Integer> live = liveNodes(change);
        for (TopicRecord t : topics.values()) {
            TopicRecord current = change.topicPuts().getOrDefault(t.getName(), t);
            boolean unclean = unclean(current);
            updatePartitions(current, p -> PartitionElection.onNodeAlive(p, node, live, preferred, unclean), live, change);
        }
    }

    /**
     * A node about to stop: marked shutting down (unless already fenced), its leaderships handed
     * to in-sync replicas and its ISR memberships dropped where the partition can do without it.
     */
    private CommandResult controlledShutdown(ControlledShutdownRequest r, long index, StateChange change) {
        NodeRecord n = nodes.get(r.getNodeId());
        if (n == null || n.getIncarnation() != r.getIncarnation()) {
            return error(ErrorReason.INVALID_ARGUMENT, "storage node " + r.getNodeId() + " with incarnation "
                    + r.getIncarnation() + " is not registered" + (n == null ? "" : " (the registered incarnation is "
                    + n.getIncarnation() + ")") + "; a stale process cannot shut the current one down");
        }
        if (n.getState() == NodeState.NODE_ALIVE) {
            change.putNode(n.toBuilder().setState(NodeState.NODE_SHUTTING_DOWN).build());
        }
        Set<Integer> live = liveNodes(change);
        ControlledShutdownResponse.Builder out = ControlledShutdownResponse.newBuilder();
        for (TopicRecord t : topics.values()) {
            updatePartitions(t, p -> PartitionElection.onNodeShuttingDown(p, r.getNodeId(), live), live, change);
            for (PartitionRecord p : change.topicPuts().getOrDefault(t.getName(), t).getPartitionsList()) {
                if (p.getLeader() == r.getNodeId()) {
                    out.addStillLed(TopicPartition.newBuilder().setTopic(t.getName()).setPartition(p.getPartition()));
                    if (p.getReplicasList().stream().anyMatch(x -> live.contains(x) && !p.getIsrList().contains(x))) {
                        out.setAwaitingIsr(out.getAwaitingIsr() + 1);
                    }
                }
            }
        }
        out.setMetadataVersion(change.changesImage() ? index : imageVersion);
        return CommandResult.newBuilder().setControlledShutdown(out).build();
    }

    private CommandResult fenceNodes(FenceNodesCommand c, StateChange change) {
        for (int id : c.getNodeIdsList()) {
            NodeRecord n = change.nodePuts().getOrDefault(id, nodes.get(id));
            if (n == null || n.getState() == NodeState.NODE_FENCED) {
                continue;
            }
            change.putNode(n.toBuilder().setState(NodeState.NODE_FENCED).build());
            Set<Integer> live = liveNodes(change);
            for (TopicRecord t : topics.values()) {
                TopicRecord current = change.topicPuts().getOrDefault(t.getName(), t);
                boolean unclean = unclean(current);
                updatePartitions(current, p -> p.getReplicasList().contains(id)
                        ? PartitionElection.onNodeFenced(p, id, live, unclean) : p, live, change);
            }
        }
        return ok();
    }

    private CommandResult alterPartition(AlterPartitionRequest r, StateChange change) {
        TopicRecord t = topics.get(r.getTopic());
        if (t == null) {
            return error(ErrorReason.UNKNOWN_TOPIC, "topic '" + r.getTopic() + "' does not exist");
        }
        if (r.getPartition() < 0 || r.getPartition() >= t.getPartitionsCount()) {
            return error(ErrorReason.UNKNOWN_PARTITION, "topic '" + r.getTopic() + "' has "
                    + t.getPartitionsCount() + " partitions; partition " + r.getPartition() + " does not exist");
        }
        PartitionRecord p = t.getPartitions(r.getPartition());
        String name = r.getTopic() + "-" + r.getPartition();
        if (r.getLeaderId() != p.getLeader()) {
            return error(ErrorReason.NOT_LEADER, "node " + r.getLeaderId() + " is not the leader of " + name
                    + " (the leader is " + p.getLeader() + ")");
        }
        if (r.getLeaderEpoch() != p.getLeaderEpoch()) {
            return error(ErrorReason.STALE_LEADER_EPOCH, name + " is at leader epoch " + p.getLeaderEpoch()
                    + ", the request was made at " + r.getLeaderEpoch());
        }
        if (r.getPartitionEpoch() != p.getPartitionEpoch()) {
            return error(ErrorReason.STALE_PARTITION_EPOCH, name + " is at partition epoch " + p.getPartitionEpoch()
                    + ", the request was made at " + r.getPartitionEpoch() + "; refresh metadata and retry");
        }
        Set<Integer> newIsr = new TreeSet<>(r.getNewIsrList());
        if (newIsr.size() != r.getNewIsrCount() || !newIsr.contains(p.getLeader())
                || !p.getReplicasList().containsAll(newIsr)) {
            return error(ErrorReason.INVALID_ARGUMENT, "new ISR " + r.getNewIsrList() + " of " + name
                    + " must be distinct replicas " + p.getReplicasList() + " including the leader " + p.getLeader());
        }
        Set<Integer> live = liveNodes(change);
        for (int member : newIsr) {
            if (!p.getIsrList().contains(member) && !live.contains(member)) {
                return error(ErrorReason.INVALID_ARGUMENT, "node " + member + " is fenced and cannot join the ISR of "
                        + name);
            }
        }
        List<Integer> isr = new ArrayList<>(r.getNewIsrList());
        PartitionRecord updated = p.toBuilder().clearIsr().addAllIsr(isr)
                .setPartitionEpoch(p.getPartitionEpoch() + 1).build();
        if (r.getElectPreferred() && !p.getIsrList().contains(p.getReplicas(0))) {
            updated = PartitionElection.preferredLeader(updated, live);
        }
        updated = ReassignmentRules.tryComplete(updated, live);
        change.putTopic(t.toBuilder().setPartitions(p.getPartition(), updated).build());
        return CommandResult.newBuilder().setPartition(updated).build();
    }

    private CommandResult electLeaders(ElectLeadersCommand c, StateChange change) {
        TopicRecord t = topics.get(c.getTopic());
        if (t == null) {
            return error(ErrorReason.UNKNOWN_TOPIC, "topic '" + c.getTopic() + "' does not exist");
        }
        for (int p : c.getPartitionsList()) {
            if (p < 0 || p >= t.getPartitionsCount()) {
                return error(ErrorReason.UNKNOWN_PARTITION, "topic '" + c.getTopic() + "' has "
                        + t.getPartitionsCount() + " partitions; partition " + p + " does not exist");
            }
        }
        Set<Integer> live = liveNodes(change);
        Set<Integer> chosen = new TreeSet<>(c.getPartitionsList());
        updatePartitions(t, p -> chosen.isEmpty() || chosen.contains(p.getPartition())
                ? PartitionElection.preferredLeader(p, live) : p, live, change);
        return CommandResult.newBuilder().setTopic(change.topicPuts().getOrDefault(t.getName(), t)).build();
    }

    private CommandResult createPartitions(CreatePartitionsCommand c, StateChange change) {
        TopicRecord t = topics.get(c.getTopic());
        if (t == null) {
            return error(ErrorReason.UNKNOWN_TOPIC, "topic '" + c.getTopic() + "' does not exist");
        }
        TopicRecord.Builder b = t.toBuilder();
        for (PartitionRecord p : c.getPartitionsList()) {
            if (p.getPartition() != b.getPartitionsCount()) {
                return error(ErrorReason.INVALID_ARGUMENT, "topic '" + c.getTopic() + "' has "
                        + b.getPartitionsCount() + " partitions; cannot add partition " + p.getPartition());
            }
            for (int replica : p.getReplicasList()) {
                if (!nodes.containsKey(replica)) {
                    return error(ErrorReason.NOT_ENOUGH_NODES, "partition " + p.getPartition()
                            + " names storage node " + replica + ", which is not registered");
                }
            }
            b.addPartitions(p);
        }
        TopicRecord updated = b.build();
        change.putTopic(updated);
        return CommandResult.newBuilder().setTopic(updated).build();
    }

    private CommandResult alterTopicConfigs(AlterTopicConfigsRequest c, StateChange change) {
        TopicRecord t = topics.get(c.getTopic());
        if (t == null) {
            return error(ErrorReason.UNKNOWN_TOPIC, "topic '" + c.getTopic() + "' does not exist");
        }
        Map<String, String> merged = new java.util.TreeMap<>(t.getConfigsMap());
        c.getRemoveList().forEach(merged::remove);
        merged.putAll(c.getSetMap());
        Map<String, String> configs;
        try {
            configs = TopicConfig.validate(merged);
        } catch (StrataException e) {
            return error(e.reason(), e.getMessage());
        }
        int minIsr = TopicConfig.MIN_INSYNC_REPLICAS.intIn(configs);
        if (minIsr > t.getReplicationFactor()) {
            return error(ErrorReason.INVALID_ARGUMENT, "min.insync.replicas=" + minIsr + " exceeds the replication factor "
                    + t.getReplicationFactor() + " of topic '" + t.getName() + "'; acks=all writes could never succeed");
        }
        TopicRecord updated = t.toBuilder().clearConfigs().putAllConfigs(configs).build();
        change.putTopic(updated);
        return CommandResult.newBuilder().setTopic(updated).build();
    }

    /**
     * Replaces the partitions of {@code t} that {@code rule} changes; records the topic when any did.
     * A reassignment that the new leaders, ISRs or live nodes let finish completes in the same change.
     */
    private static void updatePartitions(TopicRecord t, java.util.function.UnaryOperator<PartitionRecord> rule,
                                         Set<Integer> live, StateChange change) {
        TopicRecord.Builder b = null;
        for (int i = 0; i < t.getPartitionsCount(); i++) {
            PartitionRecord before = t.getPartitions(i);
            PartitionRecord after = ReassignmentRules.tryComplete(rule.apply(before), live);
            if (after != before) {
                if (b == null) {
                    b = t.toBuilder();
                }
                b.setPartitions(i, after);
            }
        }
        if (b != null) {
            change.putTopic(b.build());
        }
    }

    private CommandResult alterReassignments(AlterPartitionReassignmentsRequest r, StateChange change) {
        ReassignmentPlan plan;
        try {
            plan = ReassignmentPlan.of(r, topics, nodes.keySet(), liveNodes(change));
        } catch (StrataException e) {
            return error(e.reason(), e.getMessage());
        }
        plan.topics().values().forEach(change::putTopic);
        return CommandResult.newBuilder().setReassignments(plan.response()).build();
    }

    /** Live nodes as of the pending change. */
    private Set<Integer> liveNodes(StateChange change) {
        Set<Integer> live = new TreeSet<>();
        for (NodeRecord n : nodes.values()) {
            NodeRecord now = change.nodePuts().getOrDefault(n.getId(), n);
            if (now.getState() == NodeState.NODE_ALIVE) {
                live.add(n.getId());
            }
        }
        change.nodePuts().values().stream().filter(n -> n.getState() == NodeState.NODE_ALIVE)
                .forEach(n -> live.add(n.getId()));
        return live;
    }

    private static boolean unclean(TopicRecord t) {
        return "true".equals(t.getConfigsMap().get(TopicConfig.UNCLEAN_LEADER_ELECTION.key()));
    }

    private CommandResult createTopic(TopicRecord topic, StateChange change) {
        if (topics.containsKey(topic.getName()) || change.topicPuts().containsKey(topic.getName())) {
            return error(ErrorReason.TOPIC_ALREADY_EXISTS, "topic '" + topic.getName() + "' already exists");
        }
        for (PartitionRecord p : topic.getPartitionsList()) {
            for (int replica : p.getReplicasList()) {
                if (!nodes.containsKey(replica)) {
                    return error(ErrorReason.NOT_ENOUGH_NODES, "partition " + p.getPartition()
                            + " names storage node " + replica + ", which is not registered");
                }
            }
        }
        change.putTopic(topic);
        return CommandResult.newBuilder().setTopic(topic).build();
    }

    private CommandResult deleteTopic(String name, StateChange change) {
        if (!topics.containsKey(name)) {
            return error(ErrorReason.UNKNOWN_TOPIC, "topic '" + name + "' does not exist");
        }
        change.deleteTopic(name);
        groups.topicDeleted(name, change);
        return ok();
    }

    /**
     * Applies each commit of a batch as if it were a command of its own: one that is rejected
     * leaves no trace (its effects are collected apart and only kept on success), the others apply.
     */
    private CommandResult commitOffsetsBatch(CommitOffsetsBatch batch, StateChange change) {
        CommandResults.Builder results = CommandResults.newBuilder();
        for (CommitOffsetsCommand c : batch.getCommitsList()) {
            StateChange own = new StateChange();
            CommandResult result = groups.commitOffsets(c, own, change);
            if (!result.hasError()) {
                own.offsetPuts().forEach(change::putOffset);
                own.offsetDeletes().forEach(change::deleteOffset);
            }
            results.addResults(result);
        }
        return CommandResult.newBuilder().setResults(results).build();
    }

    /**
     * Creates each topic of a batch as if it were a command of its own: a creation that is
     * rejected changes nothing (it checks before it puts), and a name created earlier in the batch
     * counts as taken.
     */
    private CommandResult createTopicsBatch(CreateTopicsBatch batch, StateChange change) {
        CommandResults.Builder results = CommandResults.newBuilder();
        for (TopicRecord topic : batch.getTopicsList()) {
            results.addResults(createTopic(topic, change));
        }
        return CommandResult.newBuilder().setResults(results).build();
    }

    /** The image gateways and storage nodes route by; rebuilt lazily after a change. */
    public MetadataImage image() {
        if (image == null) {
            image = MetadataImage.newBuilder()
                    .setVersion(imageVersion)
                    .addAllNodes(nodes.values())
                    .addAllTopics(topics.values())
                    .build();
        }
        return image;
    }

    /** The change that produced the current image, or null when it was loaded rather than applied. */
    public MetadataDelta lastDelta() {
        return lastDelta != null && lastDelta.getVersion() == imageVersion ? lastDelta : null;
    }

    /** A group's committed offsets, limited to {@code request}'s partitions when it names any. */
    public List<TopicPartitionOffset> committedOffsets(FetchOffsetsRequest request) {
        return groups.committedOffsets(request);
    }

    /** Every committed offset of every group (for metrics). */
    public List<CommittedOffset> allCommittedOffsets() {
        return store.offsets(null);
    }

    /** Every group with members or committed offsets, by name. */
    public List<GroupListing> groups() {
        return groups.listings();
    }

    /** A group's record (one without members when it only has offsets), or null when it has neither. */
    public GroupRecord describeGroup(String group) {
        return groups.describe(group);
    }

    /** A group's record, or null when it has none (members are kept until they leave or expire). */
    public GroupRecord group(String group) {
        return groups.group(group);
    }

    /** Every group record. */
    public List<GroupRecord> groupRecords() {
        return new ArrayList<>(groups.all());
    }

    /** Everything in the state as one message, for comparisons and diagnostics. */
    public MetadataSnapshot snapshot() {
        return MetadataSnapshot.newBuilder().setImage(image()).addAllOffsets(store.offsets(null))
                .addAllGroups(groups.all()).build();
    }

    /**
     * Writes a consistent copy of the state into {@code target} (which must not exist);
     * {@link #open} on that directory gives back this state, applied index included.
     */
    public void checkpoint(Path target) throws IOException {
        store.checkpoint(target);
    }

    @Override
    public void close() {
        store.close();
    }

    static CommandResult ok() {
        return CommandResult.newBuilder().setOk(true).build();
    }

    static CommandResult error(ErrorReason reason, String message) {
        return CommandResult.newBuilder()
                .setError(ErrorDetail.newBuilder().setReason(reason).setMessage(message)).build();
    }
}
