package io.strata.storage.log;

import io.strata.common.topic.TopicConfig;
import java.util.Map;

/**
 * How one partition log behaves; built from its topic's configs (Kafka names, see
 * {@link TopicConfig}) plus node-level limits.
 *
 * @param segmentBytes       roll the active segment when it would grow past this size
 * @param segmentMs          roll the active segment when its first batch is this old
 * @param retentionMs        delete closed segments whose newest record is older than this; -1 keeps forever
 * @param retentionBytes     delete oldest closed segments while the log is larger than this; -1 means no limit
 * @param flush              when appended data is fsynced
 * @param maxBatchBytes      largest batch accepted
 * @param indexIntervalBytes bytes of log between two sparse index entries (Kafka: index.interval.bytes)
 */
public record LogConfig(long segmentBytes, long segmentMs, long retentionMs, long retentionBytes, FlushPolicy flush,
                        int maxBatchBytes, int indexIntervalBytes) {

    public static final int DEFAULT_INDEX_INTERVAL_BYTES = 4096;

    /** When appended data reaches the disk. */
    public sealed interface FlushPolicy {
        /** Group commit: an append completes only once an fsync covering it finished. */
        record Batch() implements FlushPolicy {
        }

        /** Fsync every {@code intervalMs}; appends complete once written to the page cache. */
        record Interval(long intervalMs) implements FlushPolicy {
        }

        /** Never fsync on the append path; the OS writes back (segments are still synced when rolled). */
        record Os() implements FlushPolicy {
        }

        static FlushPolicy parse(String value) {
            String v = value.trim();
            if (v.equals("batch")) {
                return new Batch();
            }
            if (v.equals("os")) {
                return new Os();
            }
            return new Interval(Long.parseLong(v.substring("interval:".length())));
        }
    }

    public LogConfig {
        if (segmentBytes < 1024) {
            throw new IllegalArgumentException("segmentBytes must be >= 1024, got " + segmentBytes);
        }
    }

    /** The log config for a topic's (validated) configs, defaults filled in. */
    public static LogConfig from(Map<String, String> topicConfigs, int nodeMaxBatchBytes) {
        return new LogConfig(
                TopicConfig.SEGMENT_BYTES.longIn(topicConfigs),
                TopicConfig.SEGMENT_MS.longIn(topicConfigs),
                TopicConfig.RETENTION_MS.longIn(topicConfigs),
                TopicConfig.RETENTION_BYTES.longIn(topicConfigs),
                FlushPolicy.parse(TopicConfig.FLUSH.valueIn(topicConfigs)),
                Math.min(nodeMaxBatchBytes, TopicConfig.MAX_MESSAGE_BYTES.intIn(topicConfigs)),
                DEFAULT_INDEX_INTERVAL_BYTES);
    }

    /** Topic defaults, with a node batch limit. */
    public static LogConfig defaults(int maxBatchBytes) {
        return new LogConfig(1L << 30, 7L * 24 * 3600 * 1000, 7L * 24 * 3600 * 1000, -1, new FlushPolicy.Batch(),
                maxBatchBytes, DEFAULT_INDEX_INTERVAL_BYTES);
    }

    public LogConfig withSegmentBytes(long bytes) {
        return new LogConfig(bytes, segmentMs, retentionMs, retentionBytes, flush, maxBatchBytes, indexIntervalBytes);
    }

    public LogConfig withFlush(FlushPolicy policy) {
        return new LogConfig(segmentBytes, segmentMs, retentionMs, retentionBytes, policy, maxBatchBytes, indexIntervalBytes);
    }

    public LogConfig withRetention(long ms, long bytes) {
        return new LogConfig(segmentBytes, segmentMs, ms, bytes, flush, maxBatchBytes, indexIntervalBytes);
    }

    public LogConfig withSegmentMs(long ms) {
        return new LogConfig(segmentBytes, ms, retentionMs, retentionBytes, flush, maxBatchBytes, indexIntervalBytes);
    }
}
