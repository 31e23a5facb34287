package io.strata.storage.replication;

import io.strata.proto.internal.DivergingEpoch;
import io.strata.storage.log.LeaderEpochCache;
import io.strata.storage.log.PartitionLog;
import java.util.Optional;

/**
 * Leader-epoch truncation, both halves. The leader compares a follower's (last fetched epoch,
 * fetch offset) with its own epoch history; when that epoch ends earlier in the leader's log
 * (or the leader never had it), the follower's suffix was never committed and must go. The
 * follower then truncates to where both histories provably agree.
 */
public final class Divergence {
    private Divergence() {
    }

    /** The leader's answer to a follower at (lastFetchedEpoch, fetchOffset), if the follower diverged. */
    public static Optional<DivergingEpoch> check(PartitionLog leaderLog, int lastFetchedEpoch, long fetchOffset) {
        if (lastFetchedEpoch >= 0) {
            LeaderEpochCache.EpochEnd e = leaderLog.endOffsetForEpoch(lastFetchedEpoch);
            if (e.epoch() != lastFetchedEpoch || e.endOffset() < fetchOffset) {
                return Optional.of(DivergingEpoch.newBuilder().setEpoch(e.epoch()).setEndOffset(e.endOffset()).build());
            }
        }
        long end = leaderLog.logEndOffset();
        if (fetchOffset > end) {
            LeaderEpochCache.EpochEnd e = leaderLog.endOffsetForEpoch(Integer.MAX_VALUE);
            return Optional.of(DivergingEpoch.newBuilder().setEpoch(e.epoch()).setEndOffset(end).build());
        }
        return Optional.empty();
    }

    /** Where the follower truncates on {@code d}: the end of the last epoch both logs share. */
    public static long truncationOffset(DivergingEpoch d, PartitionLog followerLog) {
        long start = followerLog.logStartOffset();
        if (d.getEpoch() < 0) {
            return start;
        }
        LeaderEpochCache.EpochEnd mine = followerLog.endOffsetForEpoch(d.getEpoch());
        long target = mine.epoch() < 0 ? start : Math.min(d.getEndOffset(), mine.endOffset());
        return Math.max(target, start);
    }
}
