package io.strata.client.consumer;

import io.strata.client.RecordHeader;
import io.strata.client.TopicPartition;
import io.strata.proto.ConsumedRecord;
import java.util.List;

/**
 * A record as returned by {@link StrataConsumer#poll}. Immutable (do not modify the arrays).
 *
 * @param topic       topic it was read from
 * @param partition   partition it was read from
 * @param offset      its offset in the partition
 * @param timestampMs create time in ms since the epoch
 * @param key         key, or null
 * @param value       value, or null
 * @param headers     headers in produce order
 */
public record ConsumerRecord(String topic, int partition, long offset, long timestampMs,
                             byte[] key, byte[] value, List<RecordHeader> headers) {

    public static ConsumerRecord fromProto(ConsumedRecord r) {
        return new ConsumerRecord(r.getTopic(), r.getPartition(), r.getOffset(), r.getTimestampMs(),
                r.hasKey() ? r.getKey().toByteArray() : null,
                r.hasValue() ? r.getValue().toByteArray() : null,
                RecordHeader.fromProto(r.getHeadersList()));
    }

    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    @Override
    public String toString() {
        return "ConsumerRecord[" + topic + "-" + partition + "@" + offset + ", ts=" + timestampMs
                + ", key=" + (key == null ? "null" : key.length + " bytes")
                + ", value=" + (value == null ? "null" : value.length + " bytes") + "]";
    }
}
