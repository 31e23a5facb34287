package io.strata.client.producer;

import io.strata.client.RecordHeader;
import java.util.List;
import java.util.Objects;

/**
 * A record to send.
 *
 * <p>With {@code partition == null} the gateway chooses the partition: murmur2 of the key
 * (the same choice as Kafka's default partitioner) for keyed records, a sticky partition for
 * key-less ones. With {@code timestampMs == null} the producer stamps the wall-clock time at
 * {@link StrataProducer#send}.
 *
 * <p>Immutable as long as the byte arrays are not modified after the record is handed to
 * {@code send} (they are not copied).
 *
 * @param topic       the topic; required
 * @param partition   explicit partition, or null to let the gateway choose
 * @param key         partitioning key, or null
 * @param value       payload, or null (a tombstone)
 * @param headers     application headers, never null
 * @param timestampMs create time in ms since the epoch, or null for "now"
 */
public record ProducerRecord(String topic, Integer partition, byte[] key, byte[] value,
                             List<RecordHeader> headers, Long timestampMs) {

    public ProducerRecord {
        Objects.requireNonNull(topic, "topic");
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    /** A key-less record the gateway places with its sticky partitioner. */
    public static ProducerRecord of(String topic, byte[] value) {
        return new ProducerRecord(topic, null, null, value, List.of(), null);
    }

    /** A keyed record the gateway places by murmur2(key). */
    public static ProducerRecord of(String topic, byte[] key, byte[] value) {
        return new ProducerRecord(topic, null, key, value, List.of(), null);
    }

    /** A record for an explicit partition. */
    public static ProducerRecord of(String topic, int partition, byte[] key, byte[] value) {
        return new ProducerRecord(topic, partition, key, value, List.of(), null);
    }

    @Override
    public String toString() {
        return "ProducerRecord[topic=" + topic + ", partition=" + partition
                + ", key=" + (key == null ? "null" : key.length + " bytes")
                + ", value=" + (value == null ? "null" : value.length + " bytes")
                + ", headers=" + headers.size() + ", timestampMs=" + timestampMs + "]";
    }
}
