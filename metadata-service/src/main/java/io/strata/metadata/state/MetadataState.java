package io.strata.metadata.state;

import io.strata.proto.ErrorDetail;
import io.strata.proto.ErrorReason;
import io.strata.proto.FetchOffsetsRequest;
import io.strata.proto.GroupListing;
import io.strata.proto.TopicPartition;
import io.strata.proto.TopicPartitionOffset;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.CommitOffsetsCommand;
import io.strata.proto.internal.CommittedOffset;
import io.strata.proto.internal.MetadataCommand;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.MetadataSnapshot;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.NodeState;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.RegisterNodeRequest;
import io.strata.proto.internal.TopicRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replicated metadata: storage nodes, topics with their partitions, and committed group
 * offsets. Pure and deterministic — every peer applies the same commands in the same order
 * and must reach the same state — so it holds no clocks, randomness or I/O: anything chosen
 * (placement, ids, times) is inside the command.
 *
 * <p>Not thread-safe; the state machine serialises access.
 */
public final class MetadataState {
    private final Map<Integer, NodeRecord> nodes = new TreeMap<>();
    private final Map<String, TopicRecord> topics = new TreeMap<>();
    /** group → (topic, partition) → offset. */
    private final Map<String, Map<OffsetKey, CommittedOffset>> offsets = new TreeMap<>();
    private long imageVersion;
    private MetadataImage image = MetadataImage.getDefaultInstance();

    private record OffsetKey(String topic, int partition) implements Comparable<OffsetKey> {
        private static final Comparator<OffsetKey> ORDER =
                Comparator.comparing(OffsetKey::topic).thenComparingInt(OffsetKey::partition);

        @Override
        public int compareTo(OffsetKey o) {
            return ORDER.compare(this, o);
        }
    }

    /** Applies the command written at Raft log {@code index}; invalid commands change nothing. */
    public CommandResult apply(MetadataCommand command, long index) {
        CommandResult result = switch (command.getCommandCase()) {
            case REGISTER_NODE -> registerNode(command.getRegisterNode());
            case CREATE_TOPIC -> createTopic(command.getCreateTopic());
            case DELETE_TOPIC -> deleteTopic(command.getDeleteTopic().getName());
            case COMMIT_OFFSETS -> commitOffsets(command.getCommitOffsets());
            case COMMAND_NOT_SET -> error(ErrorReason.INVALID_ARGUMENT, "empty metadata command");
        };
        if (!result.hasError() && command.getCommandCase() != MetadataCommand.CommandCase.COMMIT_OFFSETS) {
            imageVersion = index;
            image = null;
        }
        return result;
    }

    private CommandResult registerNode(RegisterNodeRequest r) {
        if (r.getId() < 0) {
            return error(ErrorReason.INVALID_ARGUMENT, "node id must be >= 0, got " + r.getId());
        }
        nodes.put(r.getId(), NodeRecord.newBuilder()
                .setId(r.getId()).setAddress(r.getAddress()).setRack(r.getRack())
                .setIncarnation(r.getIncarnation()).setState(NodeState.NODE_ALIVE).build());
        return ok();
    }

    private CommandResult createTopic(TopicRecord topic) {
        if (topics.containsKey(topic.getName())) {
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
        topics.put(topic.getName(), topic);
        return CommandResult.newBuilder().setTopic(topic).build();
    }

    private CommandResult deleteTopic(String name) {
        if (topics.remove(name) == null) {
            return error(ErrorReason.UNKNOWN_TOPIC, "topic '" + name + "' does not exist");
        }
        for (Map<OffsetKey, CommittedOffset> group : offsets.values()) {
            group.keySet().removeIf(k -> k.topic().equals(name));
        }
        offsets.values().removeIf(Map::isEmpty);
        return ok();
    }

    private CommandResult commitOffsets(CommitOffsetsCommand c) {
        for (TopicPartitionOffset o : c.getOffsetsList()) {
            TopicRecord t = topics.get(o.getTopic());
            if (t == null) {
                return error(ErrorReason.UNKNOWN_TOPIC, "topic '" + o.getTopic() + "' does not exist");
            }
            if (o.getPartition() < 0 || o.getPartition() >= t.getPartitionsCount()) {
                return error(ErrorReason.UNKNOWN_PARTITION, "topic '" + o.getTopic() + "' has "
                        + t.getPartitionsCount() + " partitions; partition " + o.getPartition() + " does not exist");
            }
            if (o.getOffset() < 0) {
                return error(ErrorReason.INVALID_ARGUMENT, "offset " + o.getOffset() + " for "
                        + o.getTopic() + "-" + o.getPartition() + " is negative");
            }
        }
        Map<OffsetKey, CommittedOffset> group = offsets.computeIfAbsent(c.getGroup(), g -> new TreeMap<>());
        for (TopicPartitionOffset o : c.getOffsetsList()) {
            group.put(new OffsetKey(o.getTopic(), o.getPartition()), CommittedOffset.newBuilder()
                    .setGroup(c.getGroup()).setTopic(o.getTopic()).setPartition(o.getPartition())
                    .setOffset(o.getOffset()).setMetadata(o.getMetadata())
                    .setCommitTimeMs(c.getCommitTimeMs()).build());
        }
        return ok();
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

    /** A group's committed offsets, limited to {@code request}'s partitions when it names any. */
    public List<TopicPartitionOffset> committedOffsets(FetchOffsetsRequest request) {
        Map<OffsetKey, CommittedOffset> group = offsets.getOrDefault(request.getGroup(), Map.of());
        List<TopicPartitionOffset> out = new ArrayList<>();
        if (request.getPartitionsCount() == 0) {
            group.values().forEach(c -> out.add(toOffset(c)));
        } else {
            for (TopicPartition tp : request.getPartitionsList()) {
                CommittedOffset c = group.get(new OffsetKey(tp.getTopic(), tp.getPartition()));
                if (c != null) {
                    out.add(toOffset(c));
                }
            }
        }
        return out;
    }

    /** Every group with committed offsets. Membership is not replicated yet, so members are 0. */
    public List<GroupListing> groups() {
        List<GroupListing> out = new ArrayList<>();
        offsets.keySet().forEach(g -> out.add(GroupListing.newBuilder().setGroup(g).setState("EMPTY").build()));
        return out;
    }

    public MetadataSnapshot snapshot() {
        MetadataSnapshot.Builder b = MetadataSnapshot.newBuilder().setImage(image());
        offsets.values().forEach(g -> b.addAllOffsets(g.values()));
        return b.build();
    }

    /** Replaces the whole state with a snapshot's. */
    public void restore(MetadataSnapshot snapshot) {
        nodes.clear();
        topics.clear();
        offsets.clear();
        snapshot.getImage().getNodesList().forEach(n -> nodes.put(n.getId(), n));
        snapshot.getImage().getTopicsList().forEach(t -> topics.put(t.getName(), t));
        for (CommittedOffset c : snapshot.getOffsetsList()) {
            offsets.computeIfAbsent(c.getGroup(), g -> new TreeMap<>())
                    .put(new OffsetKey(c.getTopic(), c.getPartition()), c);
        }
        imageVersion = snapshot.getImage().getVersion();
        image = null;
    }

    private static TopicPartitionOffset toOffset(CommittedOffset c) {
        return TopicPartitionOffset.newBuilder().setTopic(c.getTopic()).setPartition(c.getPartition())
                .setOffset(c.getOffset()).setMetadata(c.getMetadata()).build();
    }

    private static CommandResult ok() {
        return CommandResult.newBuilder().setOk(true).build();
    }

    private static CommandResult error(ErrorReason reason, String message) {
        return CommandResult.newBuilder()
                .setError(ErrorDetail.newBuilder().setReason(reason).setMessage(message)).build();
    }
}
