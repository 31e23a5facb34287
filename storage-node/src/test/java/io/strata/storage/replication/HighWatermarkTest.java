package io.strata.storage.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class HighWatermarkTest {
    private final List<Long> advances = new ArrayList<>();

    @Test
    void isTheSmallestDurableEndOverTheIsrAndWaitsForUnheardFollowers() {
        HighWatermark hw = new HighWatermark(1, Set.of(1, 2, 3), 0, advances::add);
        hw.leaderDurable(100);
        assertEquals(0, hw.value(), "followers 2 and 3 have not fetched yet");
        hw.followerFetched(2, 80, 80, 100, 0);
        assertEquals(0, hw.value());
        hw.followerFetched(3, 90, 60, 100, 0);
        assertEquals(60, hw.value(), "follower 3 has only fsynced up to 60");
        hw.followerFetched(3, 100, 100, 100, 0);
        assertEquals(80, hw.value());
        assertEquals(List.of(60L, 80L), advances);
    }

    @Test
    void neverMovesBackwardsAndIgnoresReplicasOutsideTheIsr() {
        HighWatermark hw = new HighWatermark(1, Set.of(1, 2), 50, advances::add);
        hw.leaderDurable(100);
        hw.followerFetched(2, 30, 30, 100, 0);
        assertEquals(50, hw.value(), "a lagging follower does not pull the HW back");
        hw.followerFetched(3, 0, 0, 100, 0);
        hw.followerFetched(2, 100, 100, 100, 0);
        assertEquals(100, hw.value(), "node 3 is not in the ISR");
        hw.updateIsr(Set.of(1));
        hw.leaderDurable(120);
        assertEquals(120, hw.value());
    }

    @Test
    void acksAllWaitersCompleteOncePassedAndFailWhenLeadershipMoves() {
        HighWatermark hw = new HighWatermark(1, Set.of(1, 2), 0, advances::add);
        CompletableFuture<Void> first = hw.awaitAbove(9);
        CompletableFuture<Void> second = hw.awaitAbove(19);
        hw.leaderDurable(20);
        hw.followerFetched(2, 10, 10, 20, 0);
        assertTrue(first.isDone());
        assertFalse(second.isDone());
        hw.abandon(new StrataException(ErrorReason.NOT_LEADER, "moved"));
        assertTrue(second.isCompletedExceptionally());
        assertTrue(hw.awaitAbove(30).isCompletedExceptionally(), "an append that finishes after the move fails too");
    }

    @Test
    void aFollowerThatKeepsUpWithEachPreviousAnswerCountsAsCaughtUpUnderLoad() {
        HighWatermark hw = new HighWatermark(1, Set.of(1, 2), 0, advances::add, 0);
        hw.followerFetched(2, 0, 0, 50, 1_000);     // leader had 50 when answering
        hw.followerFetched(2, 50, 50, 90, 2_000);   // has all of it, though the leader moved on to 90
        assertEquals(1_000, hw.followers().get(2).lastCaughtUpMs());
        hw.followerFetched(2, 90, 90, 130, 3_000);
        assertEquals(2_000, hw.followers().get(2).lastCaughtUpMs());
        hw.followerFetched(2, 95, 95, 140, 4_000);  // fell behind what it was last given
        assertEquals(2_000, hw.followers().get(2).lastCaughtUpMs());
    }

    @Test
    void whileAnExpansionIsInFlightTheJoiningReplicaHoldsTheHighWatermark() {
        HighWatermark hw = new HighWatermark(1, Set.of(1, 2), 0, advances::add, 0);
        hw.leaderDurable(100);
        hw.followerFetched(2, 100, 100, 100, 0);
        hw.followerFetched(3, 80, 80, 100, 0);
        assertEquals(100, hw.value());
        hw.leaderDurable(150);
        hw.expansionPending(Set.of(1, 2, 3));
        CompletableFuture<Void> acked = hw.awaitAbove(120);
        hw.followerFetched(2, 150, 150, 150, 0);
        assertEquals(100, hw.value(), "node 3 may already be in the ISR the controller committed");
        assertFalse(acked.isDone());
        hw.followerFetched(3, 130, 130, 150, 0);
        assertEquals(130, hw.value());
        assertTrue(acked.isDone());
        hw.expansionDecided();
        assertEquals(150, hw.value(), "refused: only the ISR counts again");
    }
}
