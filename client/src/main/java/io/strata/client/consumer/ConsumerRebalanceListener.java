package io.strata.client.consumer;

import io.strata.client.TopicPartition;
import java.util.Collection;

/**
 * Told when the group moves partitions to or from this consumer, as Kafka's listener of the same
 * name. The methods run on the application thread, inside {@link StrataConsumer#poll} (and
 * {@link StrataConsumer#close}, which revokes everything before leaving).
 *
 * <p>{@link #onPartitionsRevoked} runs before the revoked partitions are released to the group:
 * the consumer still owns them, so this is the place to commit their positions
 * ({@code consumer.commitSync()} commits every owned partition, the revoked ones included). Once
 * it returns, the partitions are released and their new owner starts from the last committed offset.
 */
public interface ConsumerRebalanceListener {
    /** Partitions taken from this consumer; still owned (and committable) until this returns. */
    default void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    }

    /**
     * Partitions given to this consumer (the first assignment too); {@link StrataConsumer#position}
     * knows where each starts.
     */
    default void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    }

    /**
     * Partitions this consumer lost without a revocation: its session ended (the gateway went away,
     * or the member was removed after its session timed out), so they may already be owned by
     * another member and can no longer be committed.
     */
    default void onPartitionsLost(Collection<TopicPartition> partitions) {
    }
}
