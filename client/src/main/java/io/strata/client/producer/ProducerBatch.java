package io.strata.client.producer;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.strata.client.StrataClientException;
import io.strata.common.batch.Compression;
import io.strata.common.batch.RecordBatchBuilder;
import io.strata.proto.BatchPosition;
import io.strata.proto.ErrorReason;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import java.util.List;

/**
 * Records of one partition, in send order, that travel in one Produce request as one
 * pre-encoded record batch (Kafka's RecordBatch v2), so the gateway validates and forwards it
 * without re-encoding.
 *
 * <p>Owned by the sender once drained; the encoded batch is built once and reused by retries.
 */
final class ProducerBatch {

    final String topic;
    final int partition;
    final List<PendingRecord> records;
    final long sizeBytes;
    /** When the oldest record was appended; the delivery timeout counts from here. */
    final long createdNanos;
    private ByteString encoded;

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

    /** The Produce request carrying this batch, all but its id; the batch is encoded (and compressed) on first use. */
    ProduceRequest.Builder toRequest(Acks acks, int timeoutMs, Compression compression) {
        if (encoded == null) {
            RecordBatchBuilder builder = new RecordBatchBuilder(compression);
            for (PendingRecord r : records) {
                builder.append(r.timestampMs, r.key, r.value, r.headers);
            }
            encoded = UnsafeByteOperations.unsafeWrap(builder.build());
        }
        return ProduceRequest.newBuilder()
                .setTopic(topic)
                .setPartition(partition)
                .setAcks(acks.toProto())
                .setTimeoutMs(timeoutMs)
                .setBatch(encoded);
    }

    /**
     * Completes every future from the gateway's answer: record i of the batch is at the batch's
     * base offset + i. With acks=0 the gateway returns no position and offsets are reported as -1.
     */
    void complete(ProduceResponse response, Acks acks) {
        if (response.getBatchesCount() == 0 && acks == Acks.NONE) {
            records.forEach(r -> r.future.complete(new RecordMetadata(topic, partition, -1)));
            return;
        }
        if (response.getBatchesCount() != 1 || response.getBatches(0).getRecordCount() != records.size()) {
            fail(new StrataClientException(ErrorReason.INTERNAL, "gateway answered " + response.getBatchesList()
                    + " for one batch of " + records.size() + " records sent to " + topic + "-" + partition
                    + "; outcome unknown"));
            return;
        }
        BatchPosition position = response.getBatches(0);
        for (int i = 0; i < records.size(); i++) {
            records.get(i).future.complete(new RecordMetadata(topic, position.getPartition(),
                    position.getBaseOffset() + i));
        }
    }

    void fail(Throwable error) {
        records.forEach(r -> r.future.completeExceptionally(error));
    }

    int recordCount() {
        return records.size();
    }
}
