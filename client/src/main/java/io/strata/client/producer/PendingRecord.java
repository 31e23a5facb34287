package io.strata.client.producer;

import io.strata.proto.Record;
import java.util.concurrent.CompletableFuture;

/**
 * A record accepted by {@code send} and not yet acknowledged: its protobuf form (built on the
 * caller's thread), its routing, its accounted size, and the future to complete.
 *
 * <p>Immutable apart from the future, which is thread-safe.
 */
final class PendingRecord {

    /** Bytes accounted per record on top of its serialized size (framing, bookkeeping). */
    static final int OVERHEAD_BYTES = 16;

    final String topic;
    /** Explicit partition, or null when the gateway chooses. */
    final Integer partition;
    final Record record;
    final int sizeBytes;
    final long appendNanos;
    final CompletableFuture<RecordMetadata> future;

    PendingRecord(String topic, Integer partition, Record record, long appendNanos,
                  CompletableFuture<RecordMetadata> future) {
        this.topic = topic;
        this.partition = partition;
        this.record = record;
        this.sizeBytes = record.getSerializedSize() + OVERHEAD_BYTES;
        this.appendNanos = appendNanos;
        this.future = future;
    }

    /** True when this record may share a Produce request with {@code other} (same topic and routing). */
    boolean sameRouting(PendingRecord other) {
        return topic.equals(other.topic)
                && (partition == null ? other.partition == null : partition.equals(other.partition));
    }
}
