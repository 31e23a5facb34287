package io.strata.metadata.reassignment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import io.strata.proto.internal.PartitionRecord;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The reassignment state transitions, one rule at a time. */
class ReassignmentRulesTest {
    private static final Set<Integer> ALL_LIVE = Set.of(1, 2, 3, 4, 5);

    private static PartitionRecord partition(int leader, List<Integer> replicas, List<Integer> isr) {
        return PartitionRecord.newBuilder().setPartition(0).addAllReplicas(replicas).setLeader(leader)
                .addAllIsr(isr).setLeaderEpoch(4).setPartitionEpoch(9).build();
    }

    private static PartitionRecord withIsr(PartitionRecord p, List<Integer> isr) {
        return p.toBuilder().clearIsr().addAllIsr(isr).setPartitionEpoch(p.getPartitionEpoch() + 1).build();
    }

    @Test
    void startRecordsTheUnionWithTheTargetFirstAndKeepsTheLeader() {
        PartitionRecord p = partition(1, List.of(1, 2, 3), List.of(1, 2, 3));
        PartitionRecord moving = ReassignmentRules.start("t-0", p, List.of(2, 3, 4), ALL_LIVE);
        assertEquals(List.of(2, 3, 4, 1), moving.getReplicasList());
        assertEquals(List.of(4), moving.getAddingReplicasList());
        assertEquals(List.of(1), moving.getRemovingReplicasList());
        assertEquals(List.of(1, 2, 3), moving.getIsrList());
        assertEquals(1, moving.getLeader(), "nothing is removed before the new replica is in sync");
        assertEquals(4, moving.getLeaderEpoch());
        assertEquals(10, moving.getPartitionEpoch());
        assertEquals(List.of(2, 3, 4), ReassignmentRules.targetReplicas(moving));
        assertEquals(List.of(2, 3, 1), ReassignmentRules.originalReplicas(moving));
    }

    @Test
    void waitsWhileATargetReplicaIsOutsideTheIsr() {
        PartitionRecord moving = ReassignmentRules.start("t-0", partition(1, List.of(1, 2, 3), List.of(1, 2, 3)),
                List.of(2, 3, 4), ALL_LIVE);
        assertSame(moving, ReassignmentRules.tryComplete(moving, ALL_LIVE));
    }

    @Test
    void completesOnceEveryTargetReplicaIsInSyncMovingTheLeaderAway() {
        PartitionRecord moving = ReassignmentRules.start("t-0", partition(1, List.of(1, 2, 3), List.of(1, 2, 3)),
                List.of(2, 3, 4), ALL_LIVE);
        PartitionRecord done = ReassignmentRules.tryComplete(withIsr(moving, List.of(1, 2, 3, 4)), ALL_LIVE);
        assertEquals(List.of(2, 3, 4), done.getReplicasList());
        assertEquals(List.of(2, 3, 4), done.getIsrList());
        assertEquals(List.of(), done.getAddingReplicasList());
        assertEquals(List.of(), done.getRemovingReplicasList());
        assertEquals(2, done.getLeader(), "the first in-sync target replica leads");
        assertEquals(5, done.getLeaderEpoch());
        assertEquals(12, done.getPartitionEpoch());
    }

    @Test
    void aLeaderThatStaysKeepsLeadingAndItsEpoch() {
        PartitionRecord moving = ReassignmentRules.start("t-0", partition(3, List.of(1, 2, 3), List.of(1, 2, 3)),
                List.of(4, 3, 2), ALL_LIVE);
        PartitionRecord done = ReassignmentRules.tryComplete(withIsr(moving, List.of(1, 2, 3, 4)), ALL_LIVE);
        assertEquals(List.of(4, 3, 2), done.getReplicasList(), "the target's order: node 4 is now preferred");
        assertEquals(3, done.getLeader());
        assertEquals(4, done.getLeaderEpoch());
    }

    @Test
    void completionWaitsForALiveInSyncTargetReplicaToLead() {
        PartitionRecord moving = ReassignmentRules.start("t-0", partition(1, List.of(1, 2), List.of(1, 2)),
                List.of(3), ALL_LIVE);
        PartitionRecord synced = withIsr(moving, List.of(1, 2, 3));
        assertSame(synced, ReassignmentRules.tryComplete(synced, Set.of(1, 2)), "node 3 is fenced");
        assertEquals(3, ReassignmentRules.tryComplete(synced, Set.of(1, 2, 3)).getLeader());
    }

    @Test
    void droppingReplicasThatAreInSyncAlreadyCompletesAtOnce() {
        PartitionRecord p = partition(1, List.of(1, 2, 3), List.of(1, 2, 3));
        PartitionRecord done = ReassignmentRules.start("t-0", p, List.of(2, 3), ALL_LIVE);
        assertEquals(List.of(2, 3), done.getReplicasList());
        assertEquals(List.of(2, 3), done.getIsrList());
        assertEquals(2, done.getLeader());
        assertEquals(5, done.getLeaderEpoch());
        assertTrue(done.getPartitionEpoch() > p.getPartitionEpoch());
    }

    @Test
    void theSameTargetChangesNothingAndAnotherOrderOnlyReordersTheReplicas() {
        PartitionRecord p = partition(1, List.of(1, 2, 3), List.of(1, 2, 3));
        assertSame(p, ReassignmentRules.start("t-0", p, List.of(1, 2, 3), ALL_LIVE));
        PartitionRecord reordered = ReassignmentRules.start("t-0", p, List.of(3, 1, 2), ALL_LIVE);
        assertEquals(List.of(3, 1, 2), reordered.getReplicasList());
        assertEquals(1, reordered.getLeader(), "the leader moves only with an election");
        assertEquals(0, reordered.getAddingReplicasCount() + reordered.getRemovingReplicasCount());
        assertEquals(10, reordered.getPartitionEpoch());
    }

    @Test
    void aNewTargetDuringAReassignmentKeepsTheOriginalReplicasAsItsBase() {
        PartitionRecord moving = ReassignmentRules.start("t-0", partition(1, List.of(1, 2, 3), List.of(1, 2, 3)),
                List.of(2, 3, 4), ALL_LIVE);
        PartitionRecord replaced = ReassignmentRules.start("t-0", withIsr(moving, List.of(1, 2, 3, 4)),
                List.of(2, 3, 5), ALL_LIVE);
        assertEquals(List.of(2, 3, 5, 1), replaced.getReplicasList(), "node 4 was only being added: it leaves at once");
        assertEquals(List.of(5), replaced.getAddingReplicasList());
        assertEquals(List.of(1), replaced.getRemovingReplicasList());
        assertEquals(List.of(1, 2, 3), replaced.getIsrList());
    }

    @Test
    void cancelGoesBackToTheOriginalReplicasAndElectsOneOfThemWhenAnAddedReplicaLed() {
        PartitionRecord moving = ReassignmentRules.start("t-0", partition(1, List.of(1, 2, 3), List.of(1, 2, 3)),
                List.of(4, 5, 1), ALL_LIVE);
        PartitionRecord ledByNew = withIsr(moving, List.of(1, 2, 3, 4)).toBuilder().setLeader(4).setLeaderEpoch(5)
                .build();
        PartitionRecord cancelled = ReassignmentRules.cancel("t-0", ledByNew, ALL_LIVE);
        assertEquals(List.of(1, 2, 3), cancelled.getReplicasList());
        assertEquals(List.of(1, 2, 3), cancelled.getIsrList());
        assertEquals(1, cancelled.getLeader());
        assertEquals(6, cancelled.getLeaderEpoch());
        assertEquals(0, cancelled.getAddingReplicasCount() + cancelled.getRemovingReplicasCount());
    }

    @Test
    void cancelWithoutAReassignmentIsRefused() {
        StrataException e = assertThrows(StrataException.class, () -> ReassignmentRules.cancel("t-0",
                partition(1, List.of(1, 2, 3), List.of(1, 2, 3)), ALL_LIVE));
        assertEquals(ErrorReason.NO_REASSIGNMENT_IN_PROGRESS, e.reason());
        assertTrue(e.getMessage().contains("t-0 is not being reassigned"), e.getMessage());
    }

    @Test
    void cancelThatWouldLeaveNoInSyncReplicaIsRefused() {
        PartitionRecord moving = ReassignmentRules.start("t-0", partition(1, List.of(1), List.of(1)),
                List.of(2, 3), ALL_LIVE);
        // node 1 fell out of the ISR; only the new node 2 holds everything.
        PartitionRecord onlyNewInSync = moving.toBuilder().clearIsr().addIsr(2).setLeader(2).build();
        StrataException e = assertThrows(StrataException.class,
                () -> ReassignmentRules.cancel("t-0", onlyNewInSync, ALL_LIVE));
        assertEquals(ErrorReason.INVALID_REPLICA_ASSIGNMENT, e.reason());
        assertTrue(e.getMessage().contains("no in-sync replica would remain"), e.getMessage());
    }

    @Test
    void droppingTheLeaderWithoutALiveInSyncSuccessorIsRefused() {
        PartitionRecord moving = ReassignmentRules.start("t-0", partition(1, List.of(1, 2), List.of(1, 2)),
                List.of(3, 4, 2), ALL_LIVE);
        PartitionRecord ledByNew = withIsr(moving, List.of(1, 2, 3)).toBuilder().setLeader(3).build();
        StrataException e = assertThrows(StrataException.class,
                () -> ReassignmentRules.cancel("t-0", ledByNew, Set.of(3, 4)));
        assertTrue(e.getMessage().contains("none of the remaining in-sync replicas [1, 2] is live"), e.getMessage());
    }
}
