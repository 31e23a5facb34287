package io.strata.client.consumer;

import io.strata.client.RecordHeader;
import io.strata.client.StrataClientException;
import io.strata.client.TopicPartition;
import io.strata.common.batch.CorruptBatchException;
import io.strata.common.batch.Header;
import io.strata.common.batch.RecordBatch;
import io.strata.common.batch.RecordBatches;
import io.strata.proto.ConsumedRecord;
import io.strata.proto.ErrorReason;
import io.strata.proto.PartitionBatches;
import java.util.ArrayList;
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

    /**
     * The records of a raw poll answer: every record of its batches from {@code start_offset} up to
     * {@code next_offset}, decoded (and decompressed) here.
     *
     * @throws StrataClientException CORRUPT_BATCH if the gateway sent bytes that are not valid batches,
     *     or batches that end before {@code next_offset} (a truncated last batch is not an error to
     *     the batch scanner, which stops before it; here it would skip records unnoticed)
     */
    public static List<ConsumerRecord> fromBatches(PartitionBatches b) {
        List<ConsumerRecord> out = new ArrayList<>();
        try {
            RecordBatches batches = RecordBatches.scan(b.getBatches().asReadOnlyByteBuffer(), Integer.MAX_VALUE);
            long end = b.getStartOffset();
            while (batches.hasNext()) {
                RecordBatch batch = batches.next();
                end = Math.max(end, batch.lastOffset() + 1);
                // The decoder's fresh arrays become the record's own: no second copy of each key and value.
                for (ConsumerRecord r : batch.records(RecordBatch.DEFAULT_MAX_DECOMPRESSED_BYTES,
                        (offset, timestamp, key, value, headers) -> new ConsumerRecord(b.getTopic(), b.getPartition(),
                                offset, timestamp, key, value, headers(headers)))) {
                    if (r.offset() >= b.getStartOffset() && r.offset() < b.getNextOffset()) {
                        out.add(r);
                    }
                }
            }
            if (end < b.getNextOffset()) {
                throw new CorruptBatchException("the batches end at offset " + end + ", short of the answer's next offset "
                        + b.getNextOffset());
            }
        } catch (CorruptBatchException e) {
            throw new StrataClientException(ErrorReason.CORRUPT_BATCH, "records of " + b.getTopic() + "-"
                    + b.getPartition() + " from offset " + b.getStartOffset() + " are corrupt: " + e.getMessage());
        }
        return out;
    }

    private static List<RecordHeader> headers(List<Header> headers) {
        if (headers.isEmpty()) {
            return List.of();
        }
        List<RecordHeader> out = new ArrayList<>(headers.size());
        for (Header h : headers) {
            out.add(new RecordHeader(h.key(), h.value()));
        }
        return out;
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
