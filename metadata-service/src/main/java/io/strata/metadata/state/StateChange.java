package io.strata.metadata.state;

import io.strata.proto.internal.CommittedOffset;
import io.strata.proto.internal.GroupRecord;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.TopicRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The effects of one command, computed by {@link MetadataState} before anything is written:
 * records to put and delete (nodes, topics, offsets, groups), and the new image version when
 * the image changed. Written to RocksDB as one batch, then applied to the in-memory view.
 * Not thread-safe.
 */
final class StateChange {
    private final Map<Integer, NodeRecord> nodePuts = new TreeMap<>();
    private final Map<String, TopicRecord> topicPuts = new TreeMap<>();
    private final Set<String> topicDeletes = new TreeSet<>();
    private final List<CommittedOffset> offsetPuts = new ArrayList<>();
    /** The last of {@link #offsetPuts} per group, topic and partition, for commits that check what came before. */
    private final Map<List<Object>, CommittedOffset> lastOffsetPut = new HashMap<>();
    private final List<CommittedOffset> offsetDeletes = new ArrayList<>();
    private final Map<String, GroupRecord> groupPuts = new TreeMap<>();
    private final Set<String> groupDeletes = new TreeSet<>();
    private long imageVersion;

    StateChange putNode(NodeRecord n) {
        nodePuts.put(n.getId(), n);
        return this;
    }

    StateChange putTopic(TopicRecord t) {
        topicDeletes.remove(t.getName());
        topicPuts.put(t.getName(), t);
        return this;
    }

    StateChange deleteTopic(String name) {
        topicPuts.remove(name);
        topicDeletes.add(name);
        return this;
    }

    StateChange putOffset(CommittedOffset o) {
        offsetPuts.add(o);
        lastOffsetPut.put(List.of(o.getGroup(), o.getTopic(), o.getPartition()), o);
        return this;
    }

    StateChange deleteOffset(CommittedOffset o) {
        offsetDeletes.add(o);
        return this;
    }

    StateChange putGroup(GroupRecord g) {
        groupDeletes.remove(g.getGroup());
        groupPuts.put(g.getGroup(), g);
        return this;
    }

    StateChange deleteGroup(String group) {
        groupPuts.remove(group);
        groupDeletes.add(group);
        return this;
    }

    Map<String, GroupRecord> groupPuts() {
        return groupPuts;
    }

    Set<String> groupDeletes() {
        return groupDeletes;
    }

    void imageVersion(long version) {
        this.imageVersion = version;
    }

    Map<Integer, NodeRecord> nodePuts() {
        return nodePuts;
    }

    Map<String, TopicRecord> topicPuts() {
        return topicPuts;
    }

    Set<String> topicDeletes() {
        return topicDeletes;
    }

    List<CommittedOffset> offsetPuts() {
        return offsetPuts;
    }

    /** The last offset this change puts for the partition, or null. */
    CommittedOffset offsetPut(String group, String topic, int partition) {
        return lastOffsetPut.get(List.of(group, topic, partition));
    }

    List<CommittedOffset> offsetDeletes() {
        return offsetDeletes;
    }

    /** The new image version, or 0 when the image did not change. */
    long imageVersion() {
        return imageVersion;
    }

    boolean changesImage() {
        return !nodePuts.isEmpty() || !topicPuts.isEmpty() || !topicDeletes.isEmpty();
    }
}
