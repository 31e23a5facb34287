package io.strata.client.consumer;

import io.strata.client.TopicPartition;
import java.util.Map;

/**
 * Told how a {@link StrataConsumer#commitAsync} ended, as Kafka's callback of the same name. It runs
 * on the consumer's own thread, inside a later {@code poll}, {@code commitSync}, {@code commitAsync}
 * or {@code close}, so it may use the consumer's state freely but must not block for long.
 */
@FunctionalInterface
public interface OffsetCommitCallback {
    /**
     * @param offsets   the offsets the commit carried: per partition, the next offset to consume
     * @param exception null when they were committed, else why not (a {@link io.strata.client.StrataClientException},
     *                  e.g. STALE_MEMBER_EPOCH when the partition moved to another member meanwhile)
     */
    void onComplete(Map<TopicPartition, Long> offsets, Exception exception);
}
