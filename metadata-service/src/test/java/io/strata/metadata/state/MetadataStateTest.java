package io.strata.metadata.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.proto.DeleteTopicRequest;
import io.strata.proto.ErrorReason;
import io.strata.proto.FetchOffsetsRequest;
import io.strata.proto.TopicPartitionOffset;
import io.strata.proto.internal.CommitOffsetsCommand;
import io.strata.proto.internal.MetadataCommand;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.RegisterNodeRequest;
import io.strata.proto.internal.TopicRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetadataStateTest {
    private static MetadataCommand register(int id) {
        return MetadataCommand.newBuilder().setRegisterNode(RegisterNodeRequest.newBuilder().setId(id)
                .setAddress("h:" + id).setIncarnation(7)).build();
    }

    private static MetadataCommand topic(String name, int... replicas) {
        TopicRecord.Builder t = TopicRecord.newBuilder().setName(name).setTopicId(name + "-id").setReplicationFactor(1);
        for (int p = 0; p < replicas.length; p++) {
            t.addPartitions(PartitionRecord.newBuilder().setPartition(p).addReplicas(replicas[p])
                    .setLeader(replicas[p]).addIsr(replicas[p]));
        }
        return MetadataCommand.newBuilder().setCreateTopic(t).build();
    }

    private static MetadataCommand commit(String group, String topic, int partition, long offset) {
        return MetadataCommand.newBuilder().setCommitOffsets(CommitOffsetsCommand.newBuilder().setGroup(group)
                .addOffsets(TopicPartitionOffset.newBuilder().setTopic(topic).setPartition(partition).setOffset(offset)))
                .build();
    }

    private static List<MetadataCommand> history() {
        List<MetadataCommand> h = new ArrayList<>();
        h.add(register(1));
        h.add(register(2));
        h.add(topic("a", 1, 2));
        h.add(topic("a", 1));               // duplicate: rejected
        h.add(topic("ghost", 9));           // unregistered node: rejected
        h.add(commit("g", "a", 1, 10));
        h.add(commit("g", "a", 5, 10));     // no such partition: rejected
        h.add(topic("b", 2));
        h.add(MetadataCommand.newBuilder().setDeleteTopic(DeleteTopicRequest.newBuilder().setName("b")).build());
        return h;
    }

    @Test
    void replayingTheSameCommandsGivesTheSameStateAndResults() {
        MetadataState one = new MetadataState();
        MetadataState two = new MetadataState();
        List<MetadataCommand> h = history();
        for (int i = 0; i < h.size(); i++) {
            assertEquals(one.apply(h.get(i), i + 1), two.apply(h.get(i), i + 1));
        }
        assertEquals(one.snapshot(), two.snapshot());
    }

    @Test
    void rejectedCommandsChangeNothingAndSayWhy() {
        MetadataState s = new MetadataState();
        s.apply(register(1), 1);
        s.apply(topic("a", 1), 2);
        var before = s.snapshot();
        assertEquals(ErrorReason.TOPIC_ALREADY_EXISTS, s.apply(topic("a", 1), 3).getError().getReason());
        assertEquals(ErrorReason.NOT_ENOUGH_NODES, s.apply(topic("c", 4), 4).getError().getReason());
        assertEquals(ErrorReason.UNKNOWN_PARTITION, s.apply(commit("g", "a", 3, 1), 5).getError().getReason());
        assertEquals(ErrorReason.UNKNOWN_TOPIC, s.apply(commit("g", "zz", 0, 1), 6).getError().getReason());
        assertEquals(before, s.snapshot());
    }

    @Test
    void snapshotRestoresEverythingIncludingOffsets() {
        MetadataState s = new MetadataState();
        List<MetadataCommand> h = history();
        for (int i = 0; i < h.size(); i++) {
            s.apply(h.get(i), i + 1);
        }
        MetadataState restored = new MetadataState();
        restored.restore(s.snapshot());
        assertEquals(s.image(), restored.image());
        assertEquals(10, restored.committedOffsets(FetchOffsetsRequest.newBuilder().setGroup("g").build())
                .get(0).getOffset());
        assertTrue(restored.image().getTopicsList().stream().noneMatch(t -> t.getName().equals("b")), "b was deleted");
    }

    @Test
    void offsetCommitsDoNotBumpTheImageVersion() {
        MetadataState s = new MetadataState();
        s.apply(register(1), 1);
        s.apply(topic("a", 1), 2);
        long version = s.image().getVersion();
        s.apply(commit("g", "a", 0, 3), 3);
        assertEquals(version, s.image().getVersion(), "watchers are not woken by commits");
    }
}
