package io.strata.gateway.consume;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.strata.common.batch.CorruptBatchException;
import io.strata.common.batch.Header;
import io.strata.common.batch.RecordBatch;
import io.strata.common.batch.RecordBatches;
import io.strata.common.error.Errors;
import io.strata.common.error.StrataException;
import io.strata.common.net.AliasingMarshaller;
import io.strata.proto.ErrorReason;
import io.strata.gateway.routing.PartitionRouter;
import io.strata.proto.ConsumedRecord;
import io.strata.proto.OffsetSpec;
import io.strata.proto.internal.ListOffsetRequest;
import io.strata.proto.internal.ReadRequest;
import io.strata.proto.internal.ReadResponse;
import io.strata.proto.internal.StorageNodeGrpc;
import java.nio.ByteBuffer;
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
    /** Storage reads whose batches stay in the received message's buffer (not copied out of it again). */
    private static final MethodDescriptor<ReadRequest, ReadResponse> READ =
            AliasingMarshaller.forResponses(StorageNodeGrpc.getReadMethod(), ReadResponse.getDefaultInstance());

    private final PartitionRouter router;
    private final Duration timeout;

    public PartitionReader(PartitionRouter router, Duration timeout) {
        this.router = router;
        this.timeout = timeout;
    }

    /**
     * Reads from {@code offset}: every record the leader returns, decoded, or with {@code raw} the
     * batches as stored, checked (CRC) but not decoded.
     */
    public CompletableFuture<Chunk> read(String topic, int partition, long offset, int maxBytes, int maxWaitMs,
                                         boolean raw) {
        if (offset < 0) {
            throw Errors.invalid("offset " + offset + " is negative");
        }
        ReadRequest request = ReadRequest.newBuilder().setTopic(topic).setPartition(partition).setOffset(offset)
                .setMaxBytes(maxBytes).setMaxWaitMs(maxWaitMs).build();
        return router.call(topic, partition, timeout.plusMillis(maxWaitMs), (leader, p) -> ClientCalls.futureUnaryCall(
                        leader.channel().newCall(READ, leader.callOptions()), request))
                .thenApply(r -> {
                    try {
                        return raw ? keepRaw(offset, r) : decode(topic, partition, offset, r);
                    } catch (CorruptBatchException e) {
                        throw new StrataException(ErrorReason.CORRUPT_BATCH, topic + "-" + partition
                                + " returned a corrupt batch reading from offset " + offset + ": " + e.getMessage());
                    }
                });
    }

    private static Chunk decode(String topic, int partition, long from, ReadResponse response) {
        List<ConsumedRecord> out = new ArrayList<>();
        long next = from;
        RecordBatches batches = RecordBatches.scan(response.getBatches().asReadOnlyByteBuffer(), Integer.MAX_VALUE);
        while (batches.hasNext()) {
            RecordBatch batch = batches.next();
            batch.ensureValid();
            if (batch.lastOffset() < from) {
                continue;
            }
            for (ConsumedRecord r : batch.records(RecordBatch.DEFAULT_MAX_DECOMPRESSED_BYTES,
                    (offset, timestamp, key, value, headers) -> toProto(topic, partition, offset, timestamp, key,
                            value, headers))) {
                if (r.getOffset() < from) {
                    continue;
                }
                out.add(r);
                next = r.getOffset() + 1;
            }
        }
        return Chunk.decoded(from, out, next, response.getHighWatermark(), response.getLogStartOffset());
    }

    /** The batches from the one holding {@code from} on, each CRC-checked. */
    private static Chunk keepRaw(long from, ReadResponse response) {
        ByteString all = response.getBatches();
        RecordBatches batches = RecordBatches.scan(all.asReadOnlyByteBuffer(), Integer.MAX_VALUE);
        int start = -1;
        int end = 0;
        int records = 0;
        long next = from;
        int position = 0;
        while (batches.hasNext()) {
            RecordBatch batch = batches.next();
            int size = batch.sizeInBytes();
            if (batch.lastOffset() >= from) {
                batch.ensureValid();
                if (start < 0) {
                    start = position;
                }
                records += (int) (batch.lastOffset() - Math.max(from, batch.baseOffset()) + 1);
                next = batch.lastOffset() + 1;
                end = position + size;
            }
            position += size;
        }
        ByteString kept = start < 0 ? ByteString.EMPTY : all.substring(start, end);
        return new Chunk(from, List.of(), kept, records, next, response.getHighWatermark(), response.getLogStartOffset());
    }

    /** The record as the public API carries it, sharing the decoder's fresh arrays rather than copying them. */
    private static ConsumedRecord toProto(String topic, int partition, long offset, long timestamp, byte[] key,
                                          byte[] value, List<Header> headers) {
        ConsumedRecord.Builder b = ConsumedRecord.newBuilder().setTopic(topic).setPartition(partition)
                .setOffset(offset).setTimestampMs(timestamp);
        if (key != null) {
            b.setKey(UnsafeByteOperations.unsafeWrap(key));
        }
        if (value != null) {
            b.setValue(UnsafeByteOperations.unsafeWrap(value));
        }
        for (Header h : headers) {
            io.strata.proto.Header.Builder hb = io.strata.proto.Header.newBuilder().setKey(h.key());
            ByteBuffer headerValue = h.valueBuffer();
            if (headerValue != null) {
                hb.setValue(ByteString.copyFrom(headerValue));
            }
            b.addHeaders(hb);
        }
        return b.build();
    }

    /** Looks up the earliest, latest or first-at-timestamp offset of a partition. */
    public CompletableFuture<Long> listOffset(String topic, int partition, OffsetSpec spec, long timestampMs) {
        ListOffsetRequest request = ListOffsetRequest.newBuilder().setTopic(topic).setPartition(partition)
                .setSpec(spec).setTimestampMs(timestampMs).build();
        return router.call(topic, partition, timeout, (leader, p) -> leader.stub().listOffset(request))
                .thenApply(r -> r.getOffset());
    }
}
