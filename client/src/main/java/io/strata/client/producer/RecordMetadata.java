package io.strata.client.producer;

/**
 * Where an acknowledged record landed. With {@link Acks#NONE} nothing is acknowledged:
 * {@code offset} is -1, and {@code partition} is -1 unless the record named one.
 *
 * @param topic     the topic
 * @param partition the partition the record was appended to
 * @param offset    its offset in the partition
 */
public record RecordMetadata(String topic, int partition, long offset) {

    /** True when the gateway reported an offset (always, except with {@code acks=0}). */
    public boolean hasOffset() {
        return offset >= 0;
    }
}
