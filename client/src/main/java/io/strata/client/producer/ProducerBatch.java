package io.strata.client.producer;

import io.strata.client.StrataClientException;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.RecordPosition;
import java.util.List;

/**
 * Records of one topic with one routing (one explicit partition, or "gateway chooses"),
 * in send order, that travel in one Produce request.
 *
 * <p>Owned by the sender thread once drained; not thread-safe.
 */
final class ProducerBatch {

    final String topic;
    final Integer partition;
    final List<PendingRecord> records;
    final long sizeBytes;
    /** When the oldest record was appended; the delivery timeout counts from here. */
    final long createdNanos;

    ProducerBatch(List<PendingRecord> records) {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("a batch holds at least one record");
        }
        PendingRecord first = records.get(0);
        this.topic = first.topic;
        this.partition = first.partition;
        this.records = List.copyOf(records);
        this.sizeBytes = records.stream().mapToLong(r -> r.sizeBytes).sum();
        this.createdNanos = first.appendNanos;
    }

    /** The Produce request carrying this batch's records. */
    ProduceRequest toRequest(Acks acks, int timeoutMs) {
        ProduceRequest.Builder b = ProduceRequest.newBuilder()
                .setTopic(topic)
                .setAcks(acks.toProto())
                .setTimeoutMs(timeoutMs);
        if (partition != null) {
            b.setPartition(partition);
        }
        for (PendingRecord r : records) {
            b.addRecords(r.record);
        }
        return b.build();
    }

    /**
     * Completes every future from the gateway's answer: position i belongs to record i.
     * With acks=0 the gateway returns no positions and offsets are reported as -1.
     */
    void complete(ProduceResponse response, Acks acks) {
        List<RecordPosition> positions = response.getRecordsList();
        if (positions.isEmpty() && acks == Acks.NONE) {
            int p = partition == null ? -1 : partition;
            records.forEach(r -> r.future.complete(new RecordMetadata(topic, p, -1)));
            return;
        }
        if (positions.size() != records.size()) {
            fail(new StrataClientException(io.strata.proto.ErrorReason.INTERNAL,
                    "gateway answered " + positions.size() + " record positions for " + records.size()
                            + " records sent to topic '" + topic + "'; outcome unknown"));
            return;
        }
        for (int i = 0; i < records.size(); i++) {
            RecordPosition pos = positions.get(i);
            records.get(i).future.complete(new RecordMetadata(topic, pos.getPartition(), pos.getOffset()));
        }
    }

    void fail(Throwable error) {
        records.forEach(r -> r.future.completeExceptionally(error));
    }

    int recordCount() {
        return records.size();
    }
}
