package io.strata.common.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cap on per-partition series: the first {@code limit} partitions a service asks about get
 * their own {@code partition} label value; later ones share {@value #OTHER} within their topic,
 * so sums by topic stay right while the series count stays bounded. Asked once per partition
 * when its meters are created, never on a hot path. Thread-safe.
 */
public final class PartitionSeries {
    /** The {@code partition} label of every partition beyond the limit. */
    public static final String OTHER = "other";

    private final int limit;
    private final Set<String> admitted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger count = new AtomicInteger();

    public PartitionSeries(int limit) {
        this.limit = limit;
    }

    /** The {@code partition} label value for this partition's meters. */
    public String label(String topic, int partition) {
        String key = topic + "\u0000" + partition;
        if (admitted.contains(key)) {
            return Integer.toString(partition);
        }
        while (true) {
            int n = count.get();
            if (n >= limit) {
                return OTHER;
            }
            if (count.compareAndSet(n, n + 1)) {
                if (!admitted.add(key)) {
                    count.decrementAndGet();
                }
                return Integer.toString(partition);
            }
        }
    }

    /** Frees the partition's slot (its replica left this service). */
    public void release(String topic, int partition) {
        if (admitted.remove(topic + "\u0000" + partition)) {
            count.decrementAndGet();
        }
    }
}
