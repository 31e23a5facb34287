package io.strata.storage.replication;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntPredicate;

/**
 * Which replicas belong in a partition's ISR, as its leader sees them. Pure: the leader applies
 * the answer through AlterPartition, fenced by the partition epoch.
 * <ul>
 *   <li>A follower in the ISR that has not been caught up to the leader's log end within
 *       {@code lagMaxMs} (replica.lag.time.max.ms) leaves it — counted from when this node
 *       became leader for followers not heard from since.</li>
 *   <li>A replica outside the ISR rejoins once it holds everything below the current high
 *       watermark (its log end is at or past it) and was caught up within {@code lagMaxMs} —
 *       and only while its node is live: a node in controlled shutdown (or fenced) may still
 *       fetch, but the controller would refuse it.</li>
 *   <li>The leader itself always stays.</li>
 * </ul>
 */
public final class IsrPolicy {
    private IsrPolicy() {
    }

    public static Set<Integer> desiredIsr(int leaderId, List<Integer> replicas, Set<Integer> isr,
                                          Map<Integer, HighWatermark.FollowerProgress> followers, long hw,
                                          long leaderSinceMs, long nowMs, long lagMaxMs, IntPredicate live) {
        Set<Integer> out = new TreeSet<>();
        out.add(leaderId);
        for (int replica : replicas) {
            if (replica == leaderId) {
                continue;
            }
            HighWatermark.FollowerProgress p = followers.get(replica);
            long caughtUp = p == null ? leaderSinceMs : Math.max(p.lastCaughtUpMs(), leaderSinceMs);
            boolean recent = nowMs - caughtUp <= lagMaxMs;
            if (isr.contains(replica)) {
                if (recent) {
                    out.add(replica);
                }
            } else if (p != null && recent && p.logEndOffset() >= hw && p.lastCaughtUpMs() >= leaderSinceMs
                    && live.test(replica)) {
                out.add(replica);
            }
        }
        return out;
    }
}
