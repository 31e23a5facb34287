package io.strata.metadata.reassignment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.common.topic.PartitionReassignments;
import io.strata.proto.internal.PartitionRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random reassignments driven by random ISR changes (replicas joining, followers dropping out,
 * a cancel now and then), each followed by {@link ReassignmentRules#tryComplete} as the state
 * machine does: the record stays consistent at every step, never holds fewer replicas than it
 * started or ended with, and ends exactly on the target (or on the original replicas after a cancel).
 */
class ReassignmentPropertiesTest {
    private static final Set<Integer> LIVE = Set.of(0, 1, 2, 3, 4, 5);

    @Provide
    Arbitrary<List<Integer>> replicaLists() {
        return Arbitraries.integers().between(0, 5).list().uniqueElements().ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 500)
    void reassignmentsStayConsistentAndEndOnTheirTarget(@ForAll("replicaLists") List<Integer> original,
                                                        @ForAll("replicaLists") List<Integer> target,
                                                        @ForAll long seed) {
        Random random = new Random(seed);
        PartitionRecord p = PartitionRecord.newBuilder().addAllReplicas(original).addAllIsr(original)
                .setLeader(original.get(0)).build();
        p = step(p, ReassignmentRules.start("t-0", p, target, LIVE), original, target);
        List<Integer> expected = target;
        for (int i = 0; i < 200 && PartitionReassignments.inProgress(p); i++) {
            int action = random.nextInt(10);
            PartitionRecord next;
            if (action == 0) {
                next = ReassignmentRules.cancel("t-0", p, LIVE);
                expected = ReassignmentRules.originalReplicas(p);
            } else if (action <= 2) {
                next = dropFollower(p, random);
            } else {
                next = joinIsr(p, random);
            }
            p = step(p, next, original, target);
        }
        assertTrue(!PartitionReassignments.inProgress(p), "finished: " + p);
        assertEquals(expected, p.getReplicasList());
        assertTrue(expected.contains(p.getLeader()));
    }

    /** {@code next} after tryComplete, checked against {@code before}. */
    private static PartitionRecord step(PartitionRecord before, PartitionRecord next, List<Integer> original,
                                        List<Integer> target) {
        PartitionRecord p = ReassignmentRules.tryComplete(next, LIVE);
        List<Integer> replicas = p.getReplicasList();
        assertEquals(replicas.size(), new HashSet<>(replicas).size(), "distinct replicas: " + p);
        assertTrue(replicas.containsAll(p.getIsrList()), "ISR within replicas: " + p);
        assertTrue(p.getIsrList().contains(p.getLeader()), "the leader is in sync: " + p);
        assertTrue(replicas.containsAll(p.getAddingReplicasList()) && replicas.containsAll(p.getRemovingReplicasList()));
        assertTrue(p.getAddingReplicasList().stream().noneMatch(p.getRemovingReplicasList()::contains));
        if (PartitionReassignments.inProgress(p)) {
            assertTrue(replicas.containsAll(original) && replicas.containsAll(target), "no replica dropped early: " + p);
        }
        assertTrue(p.getLeaderEpoch() >= before.getLeaderEpoch());
        assertTrue(p.equals(before) || p.getPartitionEpoch() > before.getPartitionEpoch(), "epoch bumped: " + p);
        assertTrue(p.getLeader() == before.getLeader() || p.getLeaderEpoch() > before.getLeaderEpoch());
        return p;
    }

    /** A replica outside the ISR catches up (the leader's AlterPartition). */
    private static PartitionRecord joinIsr(PartitionRecord p, Random random) {
        List<Integer> out = new ArrayList<>(p.getReplicasList());
        out.removeAll(p.getIsrList());
        if (out.isEmpty()) {
            return p;
        }
        return p.toBuilder().addIsr(out.get(random.nextInt(out.size())))
                .setPartitionEpoch(p.getPartitionEpoch() + 1).build();
    }

    /** A follower falls behind and leaves the ISR (never the leader). */
    private static PartitionRecord dropFollower(PartitionRecord p, Random random) {
        List<Integer> followers = new ArrayList<>(p.getIsrList());
        followers.remove(Integer.valueOf(p.getLeader()));
        if (followers.isEmpty()) {
            return p;
        }
        List<Integer> isr = new ArrayList<>(p.getIsrList());
        isr.remove(followers.get(random.nextInt(followers.size())));
        return p.toBuilder().clearIsr().addAllIsr(isr).setPartitionEpoch(p.getPartitionEpoch() + 1).build();
    }
}
