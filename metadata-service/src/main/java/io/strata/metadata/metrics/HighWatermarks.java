package io.strata.metadata.metrics;

import io.strata.proto.internal.HeartbeatRequest;
import io.strata.proto.internal.PartitionHighWatermark;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The high watermarks storage nodes report in their heartbeats (which go to the Raft leader),
 * kept in memory only: they measure group lag, nothing decides on them. A report older than
 * {@link #STALE_MS} (its leader moved, or this peer just became leader) is not used. Thread-safe.
 */
public final class HighWatermarks {
    /** Several heartbeat intervals: a partition whose leader stopped reporting has no lag rather than a wrong one. */
    static final long STALE_MS = 15_000;

    private record Reported(long highWatermark, long atMs) {
    }

    private final Map<String, Reported> byPartition = new ConcurrentHashMap<>();

    /** Records the high watermarks of one heartbeat. */
    public void report(HeartbeatRequest heartbeat, long nowMs) {
        for (PartitionHighWatermark p : heartbeat.getHighWatermarksList()) {
            byPartition.put(key(p.getTopic(), p.getPartition()), new Reported(p.getHighWatermark(), nowMs));
        }
    }

    /** The partition's latest fresh high watermark, or -1 when none is known. */
    long get(String topic, int partition, long nowMs) {
        Reported r = byPartition.get(key(topic, partition));
        return r == null || nowMs - r.atMs > STALE_MS ? -1 : r.highWatermark;
    }

    private static String key(String topic, int partition) {
        return topic + "\u0000" + partition;
    }
}
