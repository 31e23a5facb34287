package io.strata.metadata.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.proto.internal.PartitionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class PartitionElectionTest {
    private static PartitionRecord partition(int leader, List<Integer> replicas, List<Integer> isr) {
        return PartitionRecord.newBuilder().setPartition(0).addAllReplicas(replicas).setLeader(leader)
                .addAllIsr(isr).setLeaderEpoch(4).setPartitionEpoch(9).build();
    }

    @Test
    void fencedLeaderIsReplacedByTheFirstLiveIsrMemberInAssignmentOrder() {
        PartitionRecord p = partition(1, List.of(1, 2, 3), List.of(3, 1, 2));
        PartitionRecord after = PartitionElection.onNodeFenced(p, 1, Set.of(2, 3), false);
        assertEquals(2, after.getLeader(), "assignment order, not ISR order");
        assertEquals(List.of(3, 2), after.getIsrList());
        assertEquals(5, after.getLeaderEpoch());
        assertEquals(10, after.getPartitionEpoch());
    }

    @Test
    void fencedFollowerLeavesTheIsrWithoutALeaderChange() {
        PartitionRecord p = partition(1, List.of(1, 2, 3), List.of(1, 2, 3));
        PartitionRecord after = PartitionElection.onNodeFenced(p, 3, Set.of(1, 2), false);
        assertEquals(1, after.getLeader());
        assertEquals(List.of(1, 2), after.getIsrList());
        assertEquals(4, after.getLeaderEpoch(), "leader epoch only moves with the leader");
        assertEquals(10, after.getPartitionEpoch());
    }

    @Test
    void noLiveIsrMemberLeavesThePartitionOfflineUnlessUncleanElectionIsEnabled() {
        PartitionRecord p = partition(1, List.of(1, 2, 3), List.of(1));
        PartitionRecord clean = PartitionElection.onNodeFenced(p, 1, Set.of(2, 3), false);
        assertEquals(PartitionElection.NO_LEADER, clean.getLeader());
        assertEquals(List.of(1), clean.getIsrList(), "the last in-sync replica stays recorded");
        assertEquals(5, clean.getLeaderEpoch());

        PartitionRecord unclean = PartitionElection.onNodeFenced(p, 1, Set.of(2, 3), true);
        assertEquals(2, unclean.getLeader());
        assertEquals(List.of(2), unclean.getIsrList());
    }

    @Test
    void offlinePartitionGetsItsLastIsrMemberBackWhenItReturns() {
        PartitionRecord offline = PartitionElection.onNodeFenced(partition(1, List.of(1, 2), List.of(1)), 1,
                Set.of(2), false);
        assertSame(offline, PartitionElection.onNodeAlive(offline, 2, Set.of(2), true, false),
                "an out-of-sync replica does not lead");
        PartitionRecord back = PartitionElection.onNodeAlive(offline, 1, Set.of(1, 2), false, false);
        assertEquals(1, back.getLeader());
        assertEquals(offline.getLeaderEpoch() + 1, back.getLeaderEpoch());
    }

    @Test
    void preferredElectionNeedsThePreferredReplicaLiveAndInSync() {
        PartitionRecord p = partition(2, List.of(1, 2, 3), List.of(2, 3));
        assertSame(p, PartitionElection.preferredLeader(p, Set.of(1, 2, 3)), "1 is not in the ISR");
        PartitionRecord synced = p.toBuilder().addIsr(1).build();
        assertSame(synced, PartitionElection.preferredLeader(synced, Set.of(2, 3)), "1 is fenced");
        PartitionRecord moved = PartitionElection.preferredLeader(synced, Set.of(1, 2, 3));
        assertEquals(1, moved.getLeader());
        assertEquals(5, moved.getLeaderEpoch());
        assertSame(moved, PartitionElection.preferredLeader(moved, Set.of(1, 2, 3)), "already preferred");
    }

    /** Every ISR, leader and live set over three replicas: the fencing rules always hold. */
    @Test
    void fencingNeverElectsOutsideTheIsrOrAFencedNode() {
        List<Integer> replicas = List.of(1, 2, 3);
        for (int isrMask = 1; isrMask < 8; isrMask++) {
            List<Integer> isr = subset(replicas, isrMask);
            for (int leader : isr) {
                for (int fenced : replicas) {
                    for (int liveMask = 0; liveMask < 8; liveMask++) {
                        Set<Integer> live = new TreeSet<>(subset(replicas, liveMask));
                        live.remove(fenced);
                        if (!live.contains(leader) && leader != fenced) {
                            continue; // a fenced leader would have been handled when it was fenced
                        }
                        PartitionRecord p = partition(leader, replicas, isr);
                        PartitionRecord after = PartitionElection.onNodeFenced(p, fenced, live, false);
                        String c = "isr=" + isr + " leader=" + leader + " fenced=" + fenced + " live=" + live;
                        if (after.getLeader() != PartitionElection.NO_LEADER) {
                            assertTrue(live.contains(after.getLeader()), c);
                            assertTrue(isr.contains(after.getLeader()), c);
                            assertTrue(after.getIsrList().contains(after.getLeader()), c);
                        } else {
                            assertTrue(leader == fenced && isr.stream().noneMatch(live::contains), c);
                        }
                        assertTrue(!after.getIsrList().contains(fenced) || after.getIsrCount() == 1, c);
                        assertTrue(after.getPartitionEpoch() >= p.getPartitionEpoch(), c);
                        assertEquals(after.getLeader() != p.getLeader(), after.getLeaderEpoch() == p.getLeaderEpoch() + 1, c);
                    }
                }
            }
        }
    }

    @Test
    void shuttingDownLeaderHandsOverToTheFirstLiveIsrMemberAndLeavesTheIsr() {
        PartitionRecord p = partition(1, List.of(1, 2, 3), List.of(1, 2, 3));
        PartitionRecord after = PartitionElection.onNodeShuttingDown(p, 1, Set.of(3, 2));
        assertEquals(2, after.getLeader());
        assertEquals(List.of(2, 3), after.getIsrList());
        assertEquals(5, after.getLeaderEpoch());
        assertEquals(10, after.getPartitionEpoch());

        PartitionRecord follower = PartitionElection.onNodeShuttingDown(p, 3, Set.of(1, 2));
        assertEquals(1, follower.getLeader());
        assertEquals(4, follower.getLeaderEpoch(), "a follower leaving changes no leader");
        assertEquals(List.of(1, 2), follower.getIsrList());
    }

    @Test
    void shuttingDownLeaderWithoutAnotherLiveInSyncReplicaKeepsLeading() {
        PartitionRecord alone = partition(1, List.of(1, 2, 3), List.of(1));
        assertSame(alone, PartitionElection.onNodeShuttingDown(alone, 1, Set.of(2, 3)), "2 and 3 are not in sync");
        PartitionRecord othersDown = partition(1, List.of(1, 2), List.of(1, 2));
        assertSame(othersDown, PartitionElection.onNodeShuttingDown(othersDown, 1, Set.of()), "2 is not live");
        PartitionRecord unrelated = partition(2, List.of(2, 3), List.of(2, 3));
        assertSame(unrelated, PartitionElection.onNodeShuttingDown(unrelated, 1, Set.of(2, 3)));
    }

    /** Every ISR, leader and live set over three replicas: a shutdown never elects outside the ISR. */
    @Test
    void controlledShutdownNeverElectsOutsideTheIsrOrANodeThatIsNotLive() {
        List<Integer> replicas = List.of(1, 2, 3);
        for (int isrMask = 1; isrMask < 8; isrMask++) {
            List<Integer> isr = subset(replicas, isrMask);
            for (int leader : isr) {
                for (int stopping : replicas) {
                    for (int liveMask = 0; liveMask < 8; liveMask++) {
                        Set<Integer> live = new TreeSet<>(subset(replicas, liveMask));
                        live.remove(stopping);
                        PartitionRecord p = partition(leader, replicas, isr);
                        PartitionRecord after = PartitionElection.onNodeShuttingDown(p, stopping, live);
                        String c = "isr=" + isr + " leader=" + leader + " stopping=" + stopping + " live=" + live;
                        assertTrue(after.getIsrList().contains(after.getLeader()), c);
                        assertTrue(isr.containsAll(after.getIsrList()), c);
                        if (after.getLeader() != leader) {
                            assertEquals(stopping, leader, c);
                            assertTrue(live.contains(after.getLeader()), c);
                        } else if (leader == stopping) {
                            assertTrue(isr.stream().noneMatch(live::contains), "kept only when none could take it: " + c);
                        }
                        if (after.getLeader() != stopping) {
                            assertTrue(!after.getIsrList().contains(stopping) || after.getIsrCount() == 1, c);
                        }
                    }
                }
            }
        }
    }

    private static List<Integer> subset(List<Integer> all, int mask) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if ((mask & (1 << i)) != 0) {
                out.add(all.get(i));
            }
        }
        return out;
    }
}
