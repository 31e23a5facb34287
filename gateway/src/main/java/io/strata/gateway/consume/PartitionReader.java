package io.strata.gateway.consume;

import com.google.protobuf.UnsafeByteOperations;
import io.strata.common.batch.CorruptBatchException;
import io.strata.common.batch.Header;
import io.strata.common.batch.Record;
import io.strata.common.batch.RecordBatch;
import io.strata.common.batch.RecordBatches;
import io.strata.common.error.Errors;
import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import io.strata.gateway.routing.PartitionRouter;
import io.strata.proto.ConsumedRecord;
import io.strata.proto.OffsetSpec;
import io.strata.proto.internal.ListOffsetRequest;
import io.strata.proto.internal.ReadRequest;
import io.strata.proto.internal.ReadResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads records of one partition from its leader and decodes them for clients: whole batches
 * come back from the storage node, records before the requested offset are dropped, and
 * every batch's CRC is checked again (nothing from the network is trusted).
 *
 * <p>Thread-safe; shared by Fetch and by every consumer session.
 */
public final class PartitionReader {
    private final PartitionRouter router;
    private final Duration timeout;

    /** Records read, the offset to read next, and the partition's high watermark. */
    public record Chunk(List<ConsumedRecord> records, long nextOffset, long highWatermark, long logStartOffset) {
    }

    public PartitionReader(PartitionRouter router, Duration timeout) {
        this.router = router;
        this.timeout = timeout;
    }

    public CompletableFuture<Chunk> read(String topic, int partition, long offset, int maxBytes, int maxWaitMs,
                                         int maxRecords) {
        if (offset < 0) {
            throw Errors.invalid("offset " + offset + " is negative");
        }
        ReadRequest request = ReadRequest.newBuilder().setTopic(topic).setPartition(partition).setOffset(offset)
                .setMaxBytes(maxBytes).setMaxWaitMs(maxWaitMs).build();
        return router.call(topic, partition, timeout.plusMillis(maxWaitMs), (leader, p) -> leader.read(request))
                .thenApply(r -> {
                    try {
                        return decode(topic, partition, offset, maxRecords, r);
                    } catch (CorruptBatchException e) {
                        throw new StrataException(ErrorReason.CORRUPT_BATCH, topic + "-" + partition
                                + " returned a corrupt batch reading from offset " + offset + ": " + e.getMessage());
                    }
                });
    }

    private static Chunk decode(String topic, int partition, long from, int maxRecords, ReadResponse response) {
        List<ConsumedRecord> out = new ArrayList<>();
        long next = from;
        RecordBatches batches = RecordBatches.scan(response.getBatches().asReadOnlyByteBuffer(), Integer.MAX_VALUE);
        outer:
        while (batches.hasNext()) {
            RecordBatch batch = batches.next();
            batch.ensureValid();
            if (batch.lastOffset() < from) {
                continue;
            }
            for (Record r : batch.records()) {
                if (r.offset() < from) {
                    continue;
                }
                if (out.size() >= maxRecords) {
                    break outer;
                }
                out.add(toProto(topic, partition, r));
                next = r.offset() + 1;
            }
        }
        return new Chunk(out, next, response.getHighWatermark(), response.getLogStartOffset());
    }

    private static ConsumedRecord toProto(String topic, int partition, Record r) {
        ConsumedRecord.Builder b = ConsumedRecord.newBuilder().setTopic(topic).setPartition(partition)
                .setOffset(r.offset()).setTimestampMs(r.timestamp());
        if (r.key() != null) {
            b.setKey(UnsafeByteOperations.unsafeWrap(r.key()));
        }
        if (r.value() != null) {
            b.setValue(UnsafeByteOperations.unsafeWrap(r.value()));
        }
        for (Header h : r.headers()) {
            io.strata.proto.Header.Builder hb = io.strata.proto.Header.newBuilder().setKey(h.key());
            if (h.value() != null) {
                hb.setValue(UnsafeByteOperations.unsafeWrap(h.value()));
            }
            b.addHeaders(hb);
        }
        return b.build();
    }

    /** Looks up the earliest, latest or first-at-timestamp offset of a partition. */
    public CompletableFuture<Long> listOffset(String topic, int partition, OffsetSpec spec, long timestampMs) {
        ListOffsetRequest request = ListOffsetRequest.newBuilder().setTopic(topic).setPartition(partition)
                .setSpec(spec).setTimestampMs(timestampMs).build();
        return router.call(topic, partition, timeout, (leader, p) -> leader.listOffset(request))
                .thenApply(r -> r.getOffset());
    }
}
