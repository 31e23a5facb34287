package io.strata.metadata.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.proto.DeleteTopicRequest;
import io.strata.proto.ErrorReason;
import io.strata.proto.FetchOffsetsRequest;
import io.strata.proto.TopicPartitionOffset;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.CommitOffsetsBatch;
import io.strata.proto.internal.CreateTopicsBatch;
import io.strata.proto.TopicPartition;
import io.strata.proto.internal.AlterPartitionRequest;
import io.strata.proto.internal.CommitOffsetsCommand;
import io.strata.proto.internal.ControlledShutdownRequest;
import io.strata.proto.internal.ControlledShutdownResponse;
import io.strata.proto.internal.NodeState;
import io.strata.proto.internal.MetadataCommand;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.RegisterNodeRequest;
import io.strata.proto.internal.TopicRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MetadataState on a real RocksDB in a temp dir: determinism, rejection, durability, checkpoints. */
class MetadataStateTest {
    @TempDir
    Path dir;

    private final List<MetadataState> opened = new ArrayList<>();

    private MetadataState open(String name) {
        MetadataState s = MetadataState.open(dir.resolve(name));
        opened.add(s);
        return s;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(MetadataState::close);
    }

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
        MetadataState one = open("one");
        MetadataState two = open("two");
        List<MetadataCommand> h = history();
        for (int i = 0; i < h.size(); i++) {
            assertEquals(one.apply(h.get(i), 1, i + 1), two.apply(h.get(i), 1, i + 1));
        }
        assertEquals(one.snapshot(), two.snapshot());
    }

    @Test
    void rejectedCommandsChangeNothingAndSayWhy() {
        MetadataState s = open("s");
        s.apply(register(1), 1, 1);
        s.apply(topic("a", 1), 1, 2);
        var before = s.snapshot();
        assertEquals(ErrorReason.TOPIC_ALREADY_EXISTS, s.apply(topic("a", 1), 1, 3).getError().getReason());
        assertEquals(ErrorReason.NOT_ENOUGH_NODES, s.apply(topic("c", 4), 1, 4).getError().getReason());
        assertEquals(ErrorReason.UNKNOWN_PARTITION, s.apply(commit("g", "a", 3, 1), 1, 5).getError().getReason());
        assertEquals(ErrorReason.UNKNOWN_TOPIC, s.apply(commit("g", "zz", 0, 1), 1, 6).getError().getReason());
        assertEquals(ErrorReason.INVALID_ARGUMENT, s.apply(commit("g\0x", "a", 0, 1), 1, 7).getError().getReason());
        assertEquals(before, s.snapshot());
        assertEquals(7, s.appliedIndex(), "rejected commands still advance the applied index");
    }

    @Test
    void checkpointRestoresEverythingIncludingOffsetsAndAppliedIndex() throws Exception {
        MetadataState s = open("s");
        List<MetadataCommand> h = history();
        for (int i = 0; i < h.size(); i++) {
            s.apply(h.get(i), 2, i + 1);
        }
        s.checkpoint(dir.resolve("cp"));
        s.apply(register(3), 2, h.size() + 1);
        MetadataState restored = open("cp");
        assertEquals(h.size(), restored.appliedIndex());
        assertEquals(2, restored.appliedTerm());
        assertTrue(restored.image().getNodesList().stream().noneMatch(n -> n.getId() == 3), "taken before node 3");
        assertEquals(s.image().getTopicsList(), restored.image().getTopicsList());
        assertEquals(10, restored.committedOffsets(FetchOffsetsRequest.newBuilder().setGroup("g").build())
                .get(0).getOffset());
        assertTrue(restored.image().getTopicsList().stream().noneMatch(t -> t.getName().equals("b")), "b was deleted");
    }

    @Test
    void offsetCommitsDoNotBumpTheImageVersion() {
        MetadataState s = open("s");
        s.apply(register(1), 1, 1);
        s.apply(topic("a", 1), 1, 2);
        long version = s.image().getVersion();
        s.apply(commit("g", "a", 0, 3), 1, 3);
        assertEquals(version, s.image().getVersion(), "watchers are not woken by commits");
    }

    @Test
    void reopeningTheDatabaseGivesTheSameStateAndAppliedIndex() {
        MetadataState s = open("db");
        List<MetadataCommand> h = history();
        for (int i = 0; i < h.size(); i++) {
            s.apply(h.get(i), 3, i + 1);
        }
        s.advanceApplied(3, h.size() + 5);
        var before = s.snapshot();
        s.close();
        opened.remove(s);
        MetadataState again = open("db");
        assertEquals(before, again.snapshot());
        assertEquals(h.size() + 5, again.appliedIndex());
        assertEquals(3, again.appliedTerm());
    }

    private static MetadataCommand register(int id, long incarnation) {
        return MetadataCommand.newBuilder().setRegisterNode(RegisterNodeRequest.newBuilder().setId(id)
                .setAddress("h:" + id).setIncarnation(incarnation)).build();
    }

    /** A topic whose partition p has {@code replicas[p]} as its replicas and ISR, led by the first. */
    private static MetadataCommand replicatedTopic(String name, List<List<Integer>> replicas) {
        TopicRecord.Builder t = TopicRecord.newBuilder().setName(name).setTopicId(name + "-id")
                .setReplicationFactor(replicas.get(0).size());
        for (int p = 0; p < replicas.size(); p++) {
            t.addPartitions(PartitionRecord.newBuilder().setPartition(p).addAllReplicas(replicas.get(p))
                    .setLeader(replicas.get(p).get(0)).addAllIsr(replicas.get(p)));
        }
        return MetadataCommand.newBuilder().setCreateTopic(t).build();
    }

    private static MetadataCommand controlledShutdown(int id, long incarnation) {
        return MetadataCommand.newBuilder().setControlledShutdown(ControlledShutdownRequest.newBuilder()
                .setNodeId(id).setIncarnation(incarnation)).build();
    }

    private static PartitionRecord partition(MetadataState s, String topic, int p) {
        return s.image().getTopicsList().stream().filter(t -> t.getName().equals(topic)).findFirst().orElseThrow()
                .getPartitions(p);
    }

    private static NodeState state(MetadataState s, int id) {
        return s.image().getNodesList().stream().filter(n -> n.getId() == id).findFirst().orElseThrow().getState();
    }

    @Test
    void controlledShutdownMovesLeadershipOffTheNodeAndReportsWhatItCannotMove() {
        MetadataState s = open("s");
        for (int id = 1; id <= 3; id++) {
            s.apply(register(id), 1, id);
        }
        s.apply(replicatedTopic("t", List.of(List.of(1, 2, 3), List.of(2, 1, 3), List.of(1))), 1, 4);

        CommandResult r = s.apply(controlledShutdown(1, 7), 1, 5);
        ControlledShutdownResponse answer = r.getControlledShutdown();
        assertEquals(List.of(TopicPartition.newBuilder().setTopic("t").setPartition(2).build()),
                answer.getStillLedList(), "a single replica cannot move");
        assertEquals(0, answer.getAwaitingIsr());
        assertEquals(5, answer.getMetadataVersion());
        assertEquals(NodeState.NODE_SHUTTING_DOWN, state(s, 1));
        assertEquals(2, partition(s, "t", 0).getLeader());
        assertEquals(1, partition(s, "t", 0).getLeaderEpoch());
        assertEquals(List.of(2, 3), partition(s, "t", 0).getIsrList());
        assertEquals(List.of(2, 3), partition(s, "t", 1).getIsrList(), "it leaves ISRs it only follows in");
        assertEquals(1, partition(s, "t", 2).getLeader());

        PartitionRecord p0 = partition(s, "t", 0);
        CommandResult rejoin = s.apply(MetadataCommand.newBuilder().setAlterPartition(AlterPartitionRequest.newBuilder()
                .setTopic("t").setPartition(0).setLeaderId(2).setLeaderEpoch(p0.getLeaderEpoch())
                .setPartitionEpoch(p0.getPartitionEpoch()).addAllNewIsr(List.of(2, 3, 1))).build(), 1, 6);
        assertEquals(ErrorReason.INVALID_ARGUMENT, rejoin.getError().getReason(), "a stopping node rejoins no ISR");

        CommandResult again = s.apply(controlledShutdown(1, 7), 1, 7);
        assertEquals(5, again.getControlledShutdown().getMetadataVersion(), "a retry changes nothing more");
        assertEquals(ErrorReason.INVALID_ARGUMENT, s.apply(controlledShutdown(1, 6), 1, 8).getError().getReason(),
                "an older process of node 1 cannot shut it down");

        s.apply(register(1, 9), 1, 9);
        assertEquals(NodeState.NODE_ALIVE, state(s, 1), "the restarted node is live again");
        assertEquals(1, partition(s, "t", 2).getLeader());
    }

    @Test
    void aNodeRegisteringWithANewIncarnationIsNoLongerInSync() {
        MetadataState s = open("s");
        for (int id = 1; id <= 3; id++) {
            s.apply(register(id), 1, id);
        }
        s.apply(replicatedTopic("t", List.of(List.of(1, 2, 3), List.of(2, 3, 1), List.of(1))), 1, 4);
        s.apply(register(1, 7), 1, 5);
        assertEquals(1, partition(s, "t", 0).getLeader(), "the same process registering again changes nothing");

        s.apply(register(1, 8), 1, 6);
        assertEquals(NodeState.NODE_ALIVE, state(s, 1));
        assertEquals(2, partition(s, "t", 0).getLeader(), "its new process may have lost what the old one held");
        assertEquals(List.of(2, 3), partition(s, "t", 0).getIsrList());
        assertEquals(List.of(2, 3), partition(s, "t", 1).getIsrList());
        PartitionRecord sole = partition(s, "t", 2);
        assertEquals(1, sole.getLeader(), "the only replica leads again, in a new epoch");
        assertTrue(sole.getLeaderEpoch() > 0);
    }

    @Test
    void deletingATopicDropsItsCommittedOffsets() {
        MetadataState s = open("s");
        s.apply(register(1), 1, 1);
        s.apply(topic("a", 1), 1, 2);
        s.apply(topic("b", 1), 1, 3);
        s.apply(commit("g", "a", 0, 5), 1, 4);
        s.apply(commit("g", "b", 0, 6), 1, 5);
        s.apply(MetadataCommand.newBuilder().setDeleteTopic(DeleteTopicRequest.newBuilder().setName("a")).build(), 1, 6);
        var left = s.committedOffsets(FetchOffsetsRequest.newBuilder().setGroup("g").build());
        assertEquals(1, left.size());
        assertEquals("b", left.get(0).getTopic());
    }

    @Test
    void eachCommitOfABatchSucceedsOrFailsOnItsOwn() {
        MetadataState s = open("s");
        s.apply(register(1), 1, 1);
        s.apply(topic("a", 1, 1), 1, 2);
        CommitOffsetsCommand good = commit("g", "a", 0, 5).getCommitOffsets();
        // Partition 0 is valid, partition 7 is not: the whole request is rejected, partition 0 included.
        CommitOffsetsCommand bad = good.toBuilder().setGroup("h").addOffsets(TopicPartitionOffset.newBuilder()
                .setTopic("a").setPartition(7).setOffset(1)).build();
        CommitOffsetsCommand later = commit("g", "a", 1, 9).getCommitOffsets();
        CommandResult result = s.apply(MetadataCommand.newBuilder().setCommitOffsetsBatch(CommitOffsetsBatch.newBuilder()
                .addCommits(good).addCommits(bad).addCommits(later)).build(), 1, 3);

        List<CommandResult> results = result.getResults().getResultsList();
        assertEquals(3, results.size());
        assertTrue(results.get(0).getOk());
        assertEquals(ErrorReason.UNKNOWN_PARTITION, results.get(1).getError().getReason());
        assertTrue(results.get(2).getOk());
        assertEquals(List.of(5L, 9L), s.committedOffsets(FetchOffsetsRequest.newBuilder().setGroup("g").build())
                .stream().map(TopicPartitionOffset::getOffset).toList());
        assertEquals(List.of(), s.committedOffsets(FetchOffsetsRequest.newBuilder().setGroup("h").build()),
                "the rejected request left nothing");
        assertEquals(3, s.appliedIndex());
    }

    @Test
    void eachCreationOfABatchSucceedsOrFailsOnItsOwnAndANameTakenEarlierInTheBatchIsTaken() {
        MetadataState s = open("s");
        s.apply(register(1), 1, 1);
        s.apply(topic("a", 1), 1, 2);
        TopicRecord exists = topic("a", 1).getCreateTopic();
        TopicRecord fresh = topic("b", 1, 1).getCreateTopic();
        TopicRecord again = topic("b", 1).getCreateTopic();
        TopicRecord ghost = topic("ghost", 9).getCreateTopic();
        TopicRecord last = topic("c", 1).getCreateTopic();
        CommandResult result = s.apply(MetadataCommand.newBuilder().setCreateTopicsBatch(CreateTopicsBatch.newBuilder()
                .addTopics(exists).addTopics(fresh).addTopics(again).addTopics(ghost).addTopics(last)).build(), 1, 3);

        List<CommandResult> results = result.getResults().getResultsList();
        assertEquals(5, results.size());
        assertEquals(ErrorReason.TOPIC_ALREADY_EXISTS, results.get(0).getError().getReason());
        assertEquals(fresh, results.get(1).getTopic());
        assertEquals(ErrorReason.TOPIC_ALREADY_EXISTS, results.get(2).getError().getReason(),
                "created by the same batch a moment before");
        assertEquals(ErrorReason.NOT_ENOUGH_NODES, results.get(3).getError().getReason());
        assertEquals(last, results.get(4).getTopic());
        assertEquals(List.of("a", "b", "c"), s.image().getTopicsList().stream().map(TopicRecord::getName).sorted()
                .toList());
        assertEquals(2, s.image().getTopicsList().stream().filter(t -> t.getName().equals("b")).findFirst()
                .orElseThrow().getPartitionsCount(), "the first 'b' won");
        assertEquals(3, s.image().getVersion(), "one image change for the whole batch");
    }
}
