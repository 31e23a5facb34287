package io.strata.metadata.reassignment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.metadata.state.MetadataState;
import io.strata.proto.AlterPartitionReassignmentsRequest;
import io.strata.proto.ErrorDetail;
import io.strata.proto.ErrorReason;
import io.strata.proto.PartitionReassignment;
import io.strata.proto.ReassignmentTarget;
import io.strata.proto.internal.AlterPartitionRequest;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.FenceNodesCommand;
import io.strata.proto.internal.MetadataCommand;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.RegisterNodeRequest;
import io.strata.proto.internal.TopicRecord;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reassignment commands applied by the real state machine logic on RocksDB: validation against
 * the registered and live nodes, completion through the ordinary AlterPartition command, and
 * the same result on a replica of the state that replays the same commands.
 */
class ReassignmentStateTest {
    @TempDir
    Path dir;
    private MetadataState state;
    private long index;

    @BeforeEach
    void fourNodesAndATopicOnTheFirstThree() {
        state = MetadataState.open(dir.resolve("db"));
        for (int id = 1; id <= 4; id++) {
            apply(MetadataCommand.newBuilder().setRegisterNode(RegisterNodeRequest.newBuilder().setId(id)
                    .setAddress("h:" + id).setIncarnation(1)).build());
        }
        TopicRecord.Builder t = TopicRecord.newBuilder().setName("orders").setTopicId("id-1").setReplicationFactor(3)
                .putConfigs("min.insync.replicas", "2");
        for (int p = 0; p < 2; p++) {
            t.addPartitions(PartitionRecord.newBuilder().setPartition(p).addAllReplicas(List.of(1, 2, 3)).setLeader(1)
                    .addAllIsr(List.of(1, 2, 3)));
        }
        apply(MetadataCommand.newBuilder().setCreateTopic(t).build());
    }

    @AfterEach
    void close() {
        state.close();
    }

    private CommandResult apply(MetadataCommand command) {
        return state.apply(command, 1, ++index);
    }

    private CommandResult reassign(String topic, int partition, Integer... replicas) {
        return apply(MetadataCommand.newBuilder().setAlterReassignments(AlterPartitionReassignmentsRequest.newBuilder()
                .addTargets(ReassignmentTarget.newBuilder().setTopic(topic).setPartition(partition)
                        .addAllReplicas(List.of(replicas)))).build());
    }

    private PartitionRecord partition(int p) {
        return state.image().getTopics(0).getPartitions(p);
    }

    private CommandResult alterIsr(int p, List<Integer> isr) {
        PartitionRecord now = partition(p);
        return apply(MetadataCommand.newBuilder().setAlterPartition(AlterPartitionRequest.newBuilder()
                .setTopic("orders").setPartition(p).setLeaderId(now.getLeader()).setLeaderEpoch(now.getLeaderEpoch())
                .setPartitionEpoch(now.getPartitionEpoch()).addAllNewIsr(isr)).build());
    }

    private static ErrorDetail refusal(CommandResult r) {
        assertTrue(r.hasError(), "refused: " + r);
        return r.getError();
    }

    @Test
    void theLeadersIsrChangeThatBringsTheLastTargetReplicaInCompletesTheMove() {
        PartitionReassignment started = reassign("orders", 0, 2, 3, 4).getReassignments().getPartitions(0);
        assertEquals(List.of(2, 3, 4, 1), started.getReplicasList());
        assertEquals(List.of(4), started.getAddingReplicasList());
        assertEquals(List.of(1), started.getRemovingReplicasList());
        assertEquals(List.of(4), partition(0).getAddingReplicasList(), "recorded in the replicated state");

        PartitionRecord accepted = alterIsr(0, List.of(1, 2, 3, 4)).getPartition();
        assertEquals(List.of(2, 3, 4), accepted.getReplicasList());
        assertEquals(List.of(2, 3, 4), accepted.getIsrList());
        assertEquals(2, accepted.getLeader(), "node 1 led and was removed");
        assertEquals(1, accepted.getLeaderEpoch());
        assertEquals(accepted, partition(0), "the leader is told the record the image holds");
        assertEquals(List.of(1, 2, 3), partition(1).getReplicasList(), "other partitions untouched");
    }

    @Test
    void cancellingRestoresTheOriginalReplicas() {
        reassign("orders", 1, 4, 2, 3);
        PartitionReassignment cancelled = reassign("orders", 1).getReassignments().getPartitions(0);
        assertEquals(List.of(2, 3, 1), cancelled.getReplicasList());
        assertEquals(0, cancelled.getAddingReplicasCount() + cancelled.getRemovingReplicasCount());
        assertEquals(ErrorReason.NO_REASSIGNMENT_IN_PROGRESS, refusal(reassign("orders", 1)).getReason());
    }

    @Test
    void invalidTargetsAreRefusedNamingTheProblemAndChangeNothing() {
        var before = state.snapshot();
        ErrorDetail unknownNode = refusal(reassign("orders", 0, 2, 3, 9));
        assertEquals(ErrorReason.INVALID_REPLICA_ASSIGNMENT, unknownNode.getReason());
        assertTrue(unknownNode.getMessage().contains("storage node 9, which is not registered; registered nodes are"
                + " [1, 2, 3, 4]"), unknownNode.getMessage());

        ErrorDetail twice = refusal(reassign("orders", 0, 2, 2, 4));
        assertEquals(ErrorReason.INVALID_REPLICA_ASSIGNMENT, twice.getReason());
        assertTrue(twice.getMessage().contains("names node 2 twice"), twice.getMessage());

        ErrorDetail tooFew = refusal(reassign("orders", 0, 4));
        assertEquals(ErrorReason.INVALID_REPLICA_ASSIGNMENT, tooFew.getReason());
        assertTrue(tooFew.getMessage().contains("min.insync.replicas=2"), tooFew.getMessage());

        assertEquals(ErrorReason.UNKNOWN_TOPIC, refusal(reassign("nope", 0, 1, 2)).getReason());
        assertEquals(ErrorReason.UNKNOWN_PARTITION, refusal(reassign("orders", 2, 1, 2)).getReason());
        assertEquals(ErrorReason.INVALID_ARGUMENT, refusal(apply(MetadataCommand.newBuilder()
                .setAlterReassignments(AlterPartitionReassignmentsRequest.getDefaultInstance()).build())).getReason());
        assertEquals(before, state.snapshot());

        apply(MetadataCommand.newBuilder().setFenceNodes(FenceNodesCommand.newBuilder().addNodeIds(4)).build());
        before = state.snapshot();
        ErrorDetail fenced = refusal(reassign("orders", 0, 2, 3, 4));
        assertTrue(fenced.getMessage().contains("adds storage node 4, which is fenced"), fenced.getMessage());
        assertEquals(before, state.snapshot());
    }

    @Test
    void aBatchIsAppliedWholeOrNotAtAll() {
        CommandResult r = apply(MetadataCommand.newBuilder().setAlterReassignments(AlterPartitionReassignmentsRequest
                .newBuilder()
                .addTargets(ReassignmentTarget.newBuilder().setTopic("orders").setPartition(0).addAllReplicas(List.of(2, 3, 4)))
                .addTargets(ReassignmentTarget.newBuilder().setTopic("orders").setPartition(1).addAllReplicas(List.of(7))))
                .build());
        assertEquals(ErrorReason.INVALID_REPLICA_ASSIGNMENT, refusal(r).getReason());
        assertEquals(List.of(1, 2, 3), partition(0).getReplicasList(), "partition 0 was valid but not moved alone");
    }

    @Test
    void aRemovedLeaderThatFailsMidMoveIsReplacedAndTheMoveStillCompletes() {
        reassign("orders", 0, 2, 3, 4);
        apply(MetadataCommand.newBuilder().setFenceNodes(FenceNodesCommand.newBuilder().addNodeIds(1)).build());
        PartitionRecord led = partition(0);
        assertEquals(2, led.getLeader(), "a removing leader that fails over is replaced like any other");
        assertEquals(List.of(4), led.getAddingReplicasList());
        PartitionRecord done = alterIsr(0, List.of(2, 3, 4)).getPartition();
        assertEquals(List.of(2, 3, 4), done.getReplicasList());
        assertEquals(0, done.getRemovingReplicasCount());
    }
}
