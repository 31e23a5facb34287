package io.strata.gateway.produce;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.strata.common.batch.CorruptBatchException;
import io.strata.common.batch.Header;
import io.strata.common.batch.RecordBatch;
import io.strata.common.batch.RecordBatchBuilder;
import io.strata.common.batch.Compression;
import io.strata.common.error.Errors;
import io.strata.common.error.StrataException;
import io.strata.common.partition.Murmur2Partitioner;
import io.strata.common.partition.StickyPartitioner;
import io.strata.common.topic.TopicConfig;
import io.strata.gateway.routing.MetadataCache;
import io.strata.gateway.routing.PartitionRouter;
import io.strata.proto.Acks;
import io.strata.proto.BatchPosition;
import io.strata.proto.ErrorReason;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.Record;
import io.strata.proto.RecordPosition;
import io.strata.proto.internal.AppendRequest;
import io.strata.proto.internal.AppendResponse;
import io.strata.proto.internal.TopicRecord;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Turns one ProduceRequest into appends on partition leaders. Structured records are
 * partitioned (murmur2 for keys, sticky for key-less) and encoded into one RecordBatch v2 per
 * partition; a pre-encoded batch is validated and forwarded as it is. Every input is checked
 * here, at the edge, with an error that says what to change.
 *
 * <p>Thread-safe. Appends to different partitions run in parallel; if one fails the request
 * fails, though other partitions' appends may have succeeded (at-least-once on retry).
 */
public final class ProduceHandler {
    /** Bound on what validating one compressed batch may inflate to (a zip bomb costs no more). */
    static final int MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

    private final MetadataCache cache;
    private final PartitionRouter router;
    private final AppendStreams appends;
    private final Duration defaultTimeout;
    private final Map<String, StickyPartitioner> sticky = new ConcurrentHashMap<>();

    public ProduceHandler(MetadataCache cache, PartitionRouter router, AppendStreams appends, Duration defaultTimeout) {
        this.cache = cache;
        this.router = router;
        this.appends = appends;
        this.defaultTimeout = defaultTimeout;
    }

    /**
     * Produces {@code request} without blocking the calling thread (Produce runs on transport
     * threads): a topic the cached image does not know yet is looked up off this thread.
     */
    public CompletableFuture<ProduceResponse> produce(ProduceRequest request) {
        if (request.getTopic().isEmpty()) {
            throw Errors.invalid("topic is empty");
        }
        if (request.getTimeoutMs() < 0) {
            throw Errors.invalid("timeout_ms is negative (" + request.getTimeoutMs() + ")");
        }
        if (request.getAcks() == Acks.UNRECOGNIZED) {
            throw Errors.invalid("acks value is not one of ACKS_ALL, ACKS_LEADER, ACKS_NONE");
        }
        boolean hasBatch = !request.getBatch().isEmpty();
        if (hasBatch == (request.getRecordsCount() > 0)) {
            throw Errors.invalid("set exactly one of 'records' and 'batch' (got "
                    + (hasBatch ? "both" : "neither") + ")");
        }
        return cache.topicAsync(request.getTopic()).thenCompose(topic -> produce(request, topic, hasBatch));
    }

    private CompletableFuture<ProduceResponse> produce(ProduceRequest request, TopicRecord topic, boolean hasBatch) {
        if (request.hasPartition()) {
            MetadataCache.partitionOf(topic, request.getPartition());
        }
        int maxBatchBytes = TopicConfig.MAX_MESSAGE_BYTES.intIn(topic.getConfigsMap());
        Duration timeout = request.getTimeoutMs() == 0 ? defaultTimeout : Duration.ofMillis(request.getTimeoutMs());
        CompletableFuture<ProduceResponse> response = hasBatch
                ? produceBatch(request, maxBatchBytes, timeout)
                : produceRecords(request, topic, maxBatchBytes, timeout);
        if (request.getAcks() == Acks.ACKS_NONE) {
            return CompletableFuture.completedFuture(ProduceResponse.newBuilder()
                    .setRequestId(request.getRequestId()).build());
        }
        return response;
    }

    private CompletableFuture<ProduceResponse> produceBatch(ProduceRequest request, int maxBatchBytes, Duration timeout) {
        if (!request.hasPartition()) {
            throw Errors.invalid("a pre-encoded 'batch' needs 'partition'");
        }
        RecordBatch batch;
        try {
            ByteBuffer buffer = request.getBatch().asReadOnlyByteBuffer();
            batch = RecordBatch.readFrom(buffer, Integer.MAX_VALUE);
            if (buffer.hasRemaining()) {
                throw new CorruptBatchException(buffer.remaining() + " bytes follow the batch; send exactly one");
            }
            batch.ensureProducerBatchValid(MAX_DECOMPRESSED_BYTES);
        } catch (CorruptBatchException e) {
            throw new StrataException(ErrorReason.CORRUPT_BATCH, "batch for " + request.getTopic() + "-"
                    + request.getPartition() + " is invalid: " + e.getMessage());
        }
        if (batch.sizeInBytes() > maxBatchBytes) {
            throw tooLarge(request.getTopic(), batch.sizeInBytes(), maxBatchBytes);
        }
        return append(request, request.getPartition(), request.getBatch(), timeout)
                .thenApply(a -> ProduceResponse.newBuilder().setRequestId(request.getRequestId())
                        .addBatches(position(request.getPartition(), a)).build());
    }

    private CompletableFuture<ProduceResponse> produceRecords(ProduceRequest request, TopicRecord topic,
                                                              int maxBatchBytes, Duration timeout) {
        int partitions = topic.getPartitionsCount();
        int keylessPartition = -1;
        int[] partitionOf = new int[request.getRecordsCount()];
        Map<Integer, RecordBatchBuilder> builders = new TreeMap<>();
        Map<Integer, List<Integer>> members = new TreeMap<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < request.getRecordsCount(); i++) {
            Record r = request.getRecords(i);
            byte[] key = r.hasKey() ? r.getKey().toByteArray() : null;
            int p;
            if (request.hasPartition()) {
                p = request.getPartition();
            } else if (key != null) {
                p = Murmur2Partitioner.partitionForKey(key, partitions);
            } else {
                if (keylessPartition < 0) {
                    keylessPartition = sticky.computeIfAbsent(topic.getName(), t -> new StickyPartitioner())
                            .partition(partitions);
                }
                p = keylessPartition;
            }
            partitionOf[i] = p;
            RecordBatchBuilder builder = builders.computeIfAbsent(p, x -> new RecordBatchBuilder(Compression.NONE));
            builder.append(r.hasTimestampMs() ? r.getTimestampMs() : now, key,
                    r.hasValue() ? r.getValue().toByteArray() : null,
                    headers(r));
            members.computeIfAbsent(p, x -> new ArrayList<>()).add(i);
        }
        if (keylessPartition >= 0) {
            sticky.get(topic.getName()).onNewBatch(partitions);
        }
        Map<Integer, CompletableFuture<AppendResponse>> appends = new TreeMap<>();
        for (Map.Entry<Integer, RecordBatchBuilder> e : builders.entrySet()) {
            ByteBuffer batch = e.getValue().build();
            if (batch.remaining() > maxBatchBytes) {
                throw tooLarge(topic.getName(), batch.remaining(), maxBatchBytes);
            }
            appends.put(e.getKey(), append(request, e.getKey(), UnsafeByteOperations.unsafeWrap(batch), timeout));
        }
        return CompletableFuture.allOf(appends.values().toArray(new CompletableFuture[0])).thenApply(v -> {
            ProduceResponse.Builder out = ProduceResponse.newBuilder().setRequestId(request.getRequestId());
            long[] offsetOf = new long[partitionOf.length];
            appends.forEach((p, f) -> {
                AppendResponse a = f.join();
                out.addBatches(position(p, a));
                List<Integer> idx = members.get(p);
                for (int k = 0; k < idx.size(); k++) {
                    offsetOf[idx.get(k)] = a.getBaseOffset() + k;
                }
            });
            for (int i = 0; i < partitionOf.length; i++) {
                out.addRecords(RecordPosition.newBuilder().setPartition(partitionOf[i]).setOffset(offsetOf[i]));
            }
            return out.build();
        });
    }

    private CompletableFuture<AppendResponse> append(ProduceRequest request, int partition, ByteString batch,
                                                     Duration timeout) {
        Acks acks = request.getAcks() == Acks.ACKS_UNSPECIFIED ? Acks.ACKS_ALL : request.getAcks();
        return router.call(request.getTopic(), partition, timeout, (leader, p) -> appends.append(leader.address(),
                AppendRequest.newBuilder().setTopic(request.getTopic()).setPartition(partition)
                        .setLeaderEpoch(p.getLeaderEpoch()).setAcks(acks).setBatches(batch)
                        .setTimeoutMs((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(leader.remainingNanos())))));
    }

    private static BatchPosition position(int partition, AppendResponse a) {
        return BatchPosition.newBuilder().setPartition(partition).setBaseOffset(a.getBaseOffset())
                .setRecordCount((int) (a.getLastOffset() - a.getBaseOffset() + 1)).build();
    }

    private static List<Header> headers(Record r) {
        if (r.getHeadersCount() == 0) {
            return List.of();
        }
        List<Header> out = new ArrayList<>(r.getHeadersCount());
        for (io.strata.proto.Header h : r.getHeadersList()) {
            out.add(Header.of(h.getKey(), h.hasValue() ? h.getValue().toByteArray() : null));
        }
        return out;
    }

    private static StrataException tooLarge(String topic, int size, int max) {
        return new StrataException(ErrorReason.RECORD_TOO_LARGE, "a batch of " + size + " bytes for topic '"
                + topic + "' exceeds its max.message.bytes of " + max + "; send fewer or smaller records");
    }
}
