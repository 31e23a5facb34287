package io.strata.storage.log;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Group commit for one log: appenders ask for durability up to their last offset and get a
 * future; one flusher at a time fsyncs, and every waiter whose data that fsync covered completes
 * together. While an fsync runs, new appends queue up, so under load one fsync covers many
 * appends and the disk sees few, large syncs instead of one per append.
 *
 * <p>Thread-safe. Flushes run on the shared {@code executor}, never on an appender's thread.
 */
final class GroupCommit {
    /** What a flush must do: fsync, returning the offset up to which data is now durable. */
    interface Flush {
        long run() throws Exception;
    }

    /**
     * How long a flush may wait for appends still streaming in. Appenders released by one fsync
     * append again microseconds later; syncing at once would cover only the first of them. Only
     * flushes that follow another one wait: on a log that was idle (one producer with one batch in
     * flight, a follower between fetches) no other append is coming, and waiting would only add
     * latency and a wake-up to every acknowledgement.
     */
    static final long GATHER_MAX_NANOS = 1_000_000;
    private static final long GATHER_STEP_NANOS = 200_000; // each step is a timed park: a syscall and a wake-up

    private record Waiter(long offset, CompletableFuture<Void> future) {
    }

    private final Flush flush;
    private final Executor executor;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private boolean flushing;
    private volatile long durableOffset;
    private final LongSupplier appendedOffset;
    private final LongConsumer fsyncNanos;

    /**
     * @param appendedOffset the log end as appends move it; a flush waits (up to
     *                       {@link #GATHER_MAX_NANOS}) while it still moves, to cover more appends
     * @param fsyncNanos     told how long each flush took (metrics)
     */
    GroupCommit(Flush flush, Executor executor, long durableOffset, LongSupplier appendedOffset,
                LongConsumer fsyncNanos) {
        this.flush = flush;
        this.executor = executor;
        this.durableOffset = durableOffset;
        this.appendedOffset = appendedOffset;
        this.fsyncNanos = fsyncNanos;
    }

    /** Completes once everything below {@code offset} is on disk. */
    CompletableFuture<Void> awaitDurable(long offset) {
        synchronized (this) {
            if (offset <= durableOffset) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            waiters.add(new Waiter(offset, f));
            if (flushing) {
                return f;
            }
            flushing = true;
            executor.execute(this::flushLoop);
            return f;
        }
    }

    private void flushLoop() {
        for (boolean first = true; ; first = false) {
            long durable;
            Throwable failure = null;
            if (!first) {
                gatherAppends(); // appends arrived during the last fsync: the log is busy
            }
            long started = System.nanoTime();
            try {
                durable = flush.run();
                fsyncNanos.accept(System.nanoTime() - started);
            } catch (Throwable t) {
                durable = durableOffset;
                failure = t;
            }
            synchronized (this) {
                durableOffset = Math.max(durableOffset, durable);
                while (!waiters.isEmpty() && (failure != null || waiters.peek().offset() <= durableOffset)) {
                    Waiter w = waiters.poll();
                    if (failure != null) {
                        w.future().completeExceptionally(failure);
                    } else {
                        w.future().complete(null);
                    }
                }
                if (waiters.isEmpty()) {
                    flushing = false;
                    return;
                }
            }
        }
    }

    private void gatherAppends() {
        long deadline = System.nanoTime() + GATHER_MAX_NANOS;
        long seen = appendedOffset.getAsLong();
        while (System.nanoTime() < deadline) {
            LockSupport.parkNanos(GATHER_STEP_NANOS);
            long now = appendedOffset.getAsLong();
            if (now == seen) {
                return;
            }
            seen = now;
        }
    }

    /** Offset below which data is known to be on disk. */
    long durableOffset() {
        return durableOffset;
    }

    /** Records durability reached by another path (a roll, a periodic flush, truncation). */
    synchronized void advanceTo(long offset) {
        durableOffset = Math.max(durableOffset, offset);
    }

    /** After truncation below the durable point. */
    synchronized void resetTo(long offset) {
        durableOffset = offset;
    }
}
