package io.strata.storage.replication;

import io.strata.common.error.StrataException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

/**
 * The leader's view of its followers for one partition, and the high watermark derived from
 * it: HW = the smallest durable log end over the ISR (the leader's own counting only once
 * fsynced, when the flush policy asks for it). It never moves backwards. A follower not heard
 * from since this node became leader holds the HW where it is.
 *
 * <p>While an ISR expansion is in flight the HW also waits for the joining members (Kafka's
 * "maximal ISR"): the controller may already have committed the larger ISR, and may elect
 * any of its members, so nothing they lack may be acknowledged meanwhile.
 *
 * <p>{@code acks=all} appends wait here until the HW passes their last offset.
 *
 * <p>Thread-safe (synchronized); listeners run outside the lock.
 */
public final class HighWatermark {
    /**
     * What the leader knows of one follower.
     *
     * @param lastCaughtUpMs  the last time the follower held everything the leader had when it
     *                        answered the follower's previous fetch
     * @param previousFetchMs when that previous fetch was answered
     * @param leaderEndThen   the leader's log end at that previous fetch
     */
    public record FollowerProgress(long logEndOffset, long durableOffset, long lastCaughtUpMs, long previousFetchMs,
                                   long leaderEndThen) {
        public FollowerProgress(long logEndOffset, long durableOffset, long lastCaughtUpMs) {
            this(logEndOffset, durableOffset, lastCaughtUpMs, lastCaughtUpMs, logEndOffset);
        }
    }

    private final int leaderId;
    private final LongConsumer onAdvance;
    private final Map<Integer, FollowerProgress> followers = new HashMap<>();
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiting = new TreeMap<>();
    private Set<Integer> isr;
    /** Members an AlterPartition in flight adds: they count for the HW until it is decided. */
    private Set<Integer> joining = Set.of();
    private long leaderDurable;
    private long hw;
    private final long leaderSinceMs;
    /** Set once leadership moved on: late waiters fail at once instead of waiting forever. */
    private StrataException abandoned;

    /**
     * @param initial   where the HW starts (what this node knew when it became leader)
     * @param onAdvance told the new HW whenever it moves
     */
    public HighWatermark(int leaderId, Set<Integer> isr, long initial, LongConsumer onAdvance) {
        this(leaderId, isr, initial, onAdvance, System.currentTimeMillis());
    }

    /** As above, with the time this node became leader (followers not heard from count as caught up then). */
    public HighWatermark(int leaderId, Set<Integer> isr, long initial, LongConsumer onAdvance, long leaderSinceMs) {
        this.leaderSinceMs = leaderSinceMs;
        this.leaderId = leaderId;
        this.isr = Set.copyOf(isr);
        this.hw = initial;
        this.onAdvance = onAdvance;
    }

    public synchronized long value() {
        return hw;
    }

    public synchronized Set<Integer> isr() {
        return isr;
    }

    /** An AlterPartition adding {@code members} is about to be sent: count them until {@link #expansionDecided}. */
    public synchronized void expansionPending(Set<Integer> members) {
        joining = Set.copyOf(members);
    }

    /** The expansion was accepted (its ISR applied) or refused: only the ISR counts again. */
    public void expansionDecided() {
        List<CompletableFuture<Void>> done;
        long advanced;
        synchronized (this) {
            joining = Set.of();
            advanced = recompute();
            done = drain();
        }
        finish(done, advanced);
    }

    public void updateIsr(Set<Integer> newIsr) {
        List<CompletableFuture<Void>> done;
        long advanced;
        synchronized (this) {
            isr = Set.copyOf(newIsr);
            advanced = recompute();
            done = drain();
        }
        finish(done, advanced);
    }

    /** The leader's own log is durable up to {@code offset}. */
    public void leaderDurable(long offset) {
        List<CompletableFuture<Void>> done;
        long advanced;
        synchronized (this) {
            leaderDurable = Math.max(leaderDurable, offset);
            advanced = recompute();
            done = drain();
        }
        finish(done, advanced);
    }

    /** A follower fetched at {@code fetchOffset} with its log durable up to {@code durableOffset}. */
    public void followerFetched(int replicaId, long fetchOffset, long durableOffset, long leaderEndOffset, long nowMs) {
        List<CompletableFuture<Void>> done;
        long advanced;
        synchronized (this) {
            FollowerProgress old = followers.get(replicaId);
            long caughtUp;
            if (fetchOffset >= leaderEndOffset) {
                caughtUp = nowMs;
            } else if (old != null && fetchOffset >= old.leaderEndThen()) {
                caughtUp = Math.max(old.lastCaughtUpMs(), old.previousFetchMs());
            } else {
                caughtUp = old == null ? -1 : old.lastCaughtUpMs();
            }
            followers.put(replicaId, new FollowerProgress(fetchOffset, Math.min(durableOffset, fetchOffset), caughtUp,
                    nowMs, leaderEndOffset));
            advanced = recompute();
            done = drain();
        }
        finish(done, advanced);
    }

    public long leaderSinceMs() {
        return leaderSinceMs;
    }

    public synchronized Map<Integer, FollowerProgress> followers() {
        return Map.copyOf(followers);
    }

    /** Completes once the HW is above {@code lastOffset}. */
    public synchronized CompletableFuture<Void> awaitAbove(long lastOffset) {
        if (hw > lastOffset) {
            return CompletableFuture.completedFuture(null);
        }
        if (abandoned != null) {
            return CompletableFuture.failedFuture(abandoned);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        waiting.computeIfAbsent(lastOffset, k -> new ArrayList<>()).add(f);
        return f;
    }

    /** Fails every waiting acks=all append (leadership moved away). */
    public void abandon(StrataException why) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        synchronized (this) {
            abandoned = why;
            waiting.values().forEach(all::addAll);
            waiting.clear();
        }
        all.forEach(f -> f.completeExceptionally(why));
    }

    /** Recomputes the HW; returns the new value if it advanced, else -1. Under the lock. */
    private long recompute() {
        long candidate = leaderDurable;
        for (int member : joining.isEmpty() ? isr : union(isr, joining)) {
            if (member == leaderId) {
                continue;
            }
            FollowerProgress p = followers.get(member);
            if (p == null) {
                return -1;
            }
            candidate = Math.min(candidate, p.durableOffset());
        }
        if (candidate > hw) {
            hw = candidate;
            return hw;
        }
        return -1;
    }

    private static Set<Integer> union(Set<Integer> a, Set<Integer> b) {
        Set<Integer> out = new java.util.HashSet<>(a);
        out.addAll(b);
        return out;
    }

    private List<CompletableFuture<Void>> drain() {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        while (!waiting.isEmpty() && waiting.firstKey() < hw) {
            done.addAll(waiting.pollFirstEntry().getValue());
        }
        return done;
    }

    private void finish(List<CompletableFuture<Void>> done, long advanced) {
        done.forEach(f -> f.complete(null));
        if (advanced >= 0) {
            onAdvance.accept(advanced);
        }
    }
}
