package io.strata.storage.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IsrPolicyTest {
    private static final long LAG = 10_000;

    private static HighWatermark.FollowerProgress at(long leo, long caughtUp) {
        return new HighWatermark.FollowerProgress(leo, leo, caughtUp);
    }

    @Test
    void aFollowerNotCaughtUpWithinTheLagLeavesAndTheLeaderStays() {
        Set<Integer> isr = IsrPolicy.desiredIsr(1, List.of(1, 2, 3), Set.of(1, 2, 3),
                Map.of(2, at(100, 95_000), 3, at(40, 80_000)), 100, 0, 100_000, LAG, n -> true);
        assertEquals(Set.of(1, 2), isr);
    }

    @Test
    void followersNotHeardFromGetOneLagPeriodFromTheLeadershipStart() {
        assertEquals(Set.of(1, 2, 3), IsrPolicy.desiredIsr(1, List.of(1, 2, 3), Set.of(1, 2, 3), Map.of(), 0,
                50_000, 55_000, LAG, n -> true));
        assertEquals(Set.of(1), IsrPolicy.desiredIsr(1, List.of(1, 2, 3), Set.of(1, 2, 3), Map.of(), 0,
                50_000, 61_000, LAG, n -> true));
    }

    @Test
    void aReplicaRejoinsOnlyOnceItHoldsEverythingBelowTheHighWatermark() {
        Map<Integer, HighWatermark.FollowerProgress> behind = Map.of(3, at(90, 99_000));
        assertEquals(Set.of(1, 2), IsrPolicy.desiredIsr(1, List.of(1, 2, 3), Set.of(1, 2),
                Map.of(2, at(120, 99_500), 3, behind.get(3)), 100, 0, 100_000, LAG, n -> true));
        assertEquals(Set.of(1, 2, 3), IsrPolicy.desiredIsr(1, List.of(1, 2, 3), Set.of(1, 2),
                Map.of(2, at(120, 99_500), 3, at(100, 99_900)), 100, 0, 100_000, LAG, n -> true));
    }

    @Test
    void aCaughtUpReplicaWhoseNodeIsNotLiveDoesNotRejoin() {
        var progress = Map.of(2, at(120, 99_500), 3, at(100, 99_900));
        assertEquals(Set.of(1, 2), IsrPolicy.desiredIsr(1, List.of(1, 2, 3), Set.of(1, 2), progress, 100, 0, 100_000,
                LAG, n -> n != 3), "node 3 is shutting down (or fenced): the controller would refuse it");
        assertEquals(Set.of(1, 2, 3), IsrPolicy.desiredIsr(1, List.of(1, 2, 3), Set.of(1, 2, 3), progress, 100, 0,
                100_000, LAG, n -> n != 2), "liveness decides only who joins; lag decides who leaves");
    }
}
