package io.strata.client.producer;

import io.strata.common.batch.Header;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A record accepted by {@code send} and not yet acknowledged: its partition (chosen on the
 * caller's thread), its fields as they go into the batch, its accounted size, and the future to
 * complete.
 *
 * <p>Immutable apart from the future, which is thread-safe, and {@link #seq}, which the
 * accumulator sets under its lock.
 */
final class PendingRecord {

    /** Bytes accounted per record on top of key, value and headers (record framing, bookkeeping). */
    static final int OVERHEAD_BYTES = 24;

    final String topic;
    final int partition;
    final byte[] key;
    final byte[] value;
    final List<Header> headers;
    final long timestampMs;
    final int sizeBytes;
    final long appendNanos;
    final CompletableFuture<RecordMetadata> future;
    /** Position in the accumulator's append order (for flush). */
    long seq;

    PendingRecord(String topic, int partition, byte[] key, byte[] value, List<Header> headers, long timestampMs,
                  long appendNanos, CompletableFuture<RecordMetadata> future) {
        this.topic = topic;
        this.partition = partition;
        this.key = key;
        this.value = value;
        this.headers = headers;
        this.timestampMs = timestampMs;
        this.appendNanos = appendNanos;
        this.future = future;
        int size = OVERHEAD_BYTES + length(key) + length(value);
        for (Header h : headers) {
            size += h.key().length() + (h.valueBuffer() == null ? 0 : h.valueBuffer().remaining()) + 8;
        }
        this.sizeBytes = size;
    }

    private static int length(byte[] b) {
        return b == null ? 0 : b.length;
    }
}
