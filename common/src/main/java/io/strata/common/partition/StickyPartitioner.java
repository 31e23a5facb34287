package io.strata.common.partition;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses the partition of records without a key: the same partition for every record until the
 * caller reports that the batch it was filling is complete ({@link #onNewBatch}), then another
 * partition chosen at random. Sticking to one partition per batch makes batches fuller and
 * fewer, as with Kafka's sticky partitioning.
 *
 * <p>One instance per topic. Thread-safe and lock-free: concurrent callers see one current
 * partition, and concurrent {@link #onNewBatch} calls switch it once per observed partition (a
 * call that finds the partition already switched by another thread does nothing more).
 */
public final class StickyPartitioner {
    private static final int NONE = -1;

    private final AtomicInteger current = new AtomicInteger(NONE);

    /**
     * The partition for the next key-less record, choosing one at random if none is current or
     * the current one is not below {@code numPartitions} (the partition count shrank or changed).
     *
     * @throws IllegalArgumentException if {@code numPartitions} is not positive
     */
    public int partition(int numPartitions) {
        checkPositive(numPartitions);
        while (true) {
            int p = current.get();
            if (p != NONE && p < numPartitions) {
                return p;
            }
            int chosen = ThreadLocalRandom.current().nextInt(numPartitions);
            if (current.compareAndSet(p, chosen)) {
                return chosen;
            }
        }
    }

    /**
     * Reports that the batch of {@code previousPartition} is complete: moves to a different
     * partition chosen at random (the same one only when {@code numPartitions} is 1). Does nothing
     * if the current partition is no longer {@code previousPartition} (another thread switched).
     *
     * @return the partition now current
     */
    public int onNewBatch(int previousPartition, int numPartitions) {
        checkPositive(numPartitions);
        int next = numPartitions == 1 ? 0 : pickOtherThan(previousPartition, numPartitions);
        if (current.compareAndSet(previousPartition, next)) {
            return next;
        }
        return partition(numPartitions);
    }

    /** Reports that the current batch is complete, whichever partition it was for; see {@link #onNewBatch(int, int)}. */
    public int onNewBatch(int numPartitions) {
        return onNewBatch(partition(numPartitions), numPartitions);
    }

    private static int pickOtherThan(int previous, int numPartitions) {
        if (previous < 0 || previous >= numPartitions) {
            return ThreadLocalRandom.current().nextInt(numPartitions);
        }
        int r = ThreadLocalRandom.current().nextInt(numPartitions - 1);
        return r >= previous ? r + 1 : r;
    }

    private static void checkPositive(int numPartitions) {
        if (numPartitions <= 0) {
            throw new IllegalArgumentException("numPartitions must be positive, got " + numPartitions);
        }
    }
}
