package io.strata.gateway.consume;

import io.grpc.stub.StreamObserver;
import io.strata.common.error.Errors;
import io.strata.common.error.RpcCalls;
import io.strata.gateway.routing.MetadataCache;
import io.strata.proto.CommitOffsetsRequest;
import io.strata.proto.CommitOffsetsResponse;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.FetchOffsetsRequest;
import io.strata.proto.FetchOffsetsResponse;
import io.strata.proto.FetchRequest;
import io.strata.proto.FetchResponse;
import io.strata.proto.ListOffsetsRequest;
import io.strata.proto.ListOffsetsResponse;
import io.strata.proto.OffsetSpec;
import io.strata.proto.PartitionOffset;
import io.strata.proto.SubscribeRequest;
import io.strata.proto.SubscribeResponse;
import io.strata.proto.internal.TopicRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The public Consumer API: group sessions (each Subscribe stream is one member, see
 * {@link ConsumerSession}), stateless fetch, offset lookups and commits.
 */
public final class ConsumerService extends ConsumerGrpc.ConsumerImplBase {
    private final MetadataCache cache;
    private final PartitionReader reader;
    private final GroupOffsets offsets;
    private final CoordinatorLink coordinator;
    private final Executor metadataWaits;
    private final Duration requestTimeout;
    private final int fetchMaxBytes;

    public ConsumerService(MetadataCache cache, PartitionReader reader, GroupOffsets offsets,
                           CoordinatorLink coordinator, Executor metadataWaits, Duration requestTimeout,
                           int fetchMaxBytes) {
        this.cache = cache;
        this.reader = reader;
        this.offsets = offsets;
        this.coordinator = coordinator;
        this.metadataWaits = metadataWaits;
        this.requestTimeout = requestTimeout;
        this.fetchMaxBytes = fetchMaxBytes;
    }

    @Override
    public StreamObserver<SubscribeRequest> subscribe(StreamObserver<SubscribeResponse> observer) {
        return new ConsumerSession(observer, cache, reader, offsets, coordinator, metadataWaits, requestTimeout,
                fetchMaxBytes);
    }

    @Override
    public void fetch(FetchRequest request, StreamObserver<FetchResponse> observer) {
        RpcCalls.async(observer, () -> {
            cache.partition(request.getTopic(), request.getPartition());
            if (request.getMaxBytes() < 0 || request.getMaxWaitMs() < 0) {
                throw Errors.invalid("max_bytes and max_wait_ms must not be negative");
            }
            if (request.getMaxWaitMs() > ConsumerSession.MAX_WAIT_CAP_MS) {
                throw Errors.invalid("max_wait_ms is capped at " + ConsumerSession.MAX_WAIT_CAP_MS);
            }
            int maxBytes = request.getMaxBytes() == 0 ? fetchMaxBytes : request.getMaxBytes();
            return reader.read(request.getTopic(), request.getPartition(), request.getOffset(), maxBytes,
                            request.getMaxWaitMs(), false)
                    .thenApply(c -> FetchResponse.newBuilder().addAllRecords(c.records())
                            .setHighWatermark(c.highWatermark()).setLogStartOffset(c.logStartOffset())
                            .setNextOffset(c.nextOffset()).build());
        });
    }

    @Override
    public void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> observer) {
        RpcCalls.async(observer, () -> {
            TopicRecord topic = cache.topic(request.getTopic());
            if (request.getSpec() == OffsetSpec.OFFSET_SPEC_UNSPECIFIED || request.getSpec() == OffsetSpec.UNRECOGNIZED) {
                throw Errors.invalid("spec must be EARLIEST, LATEST or TIMESTAMP");
            }
            List<Integer> partitions = MetadataCache.partitionsOrAll(topic, request.getPartitionsList());
            Map<Integer, CompletableFuture<Long>> lookups = new java.util.TreeMap<>();
            for (int p : partitions) {
                lookups.put(p, reader.listOffset(request.getTopic(), p, request.getSpec(), request.getTimestampMs()));
            }
            return CompletableFuture.allOf(lookups.values().toArray(new CompletableFuture[0])).thenApply(v -> {
                ListOffsetsResponse.Builder b = ListOffsetsResponse.newBuilder();
                lookups.forEach((p, f) -> b.addOffsets(PartitionOffset.newBuilder().setPartition(p)
                        .setOffset(f.join()).setTimestampMs(-1)));
                return b.build();
            });
        });
    }

    @Override
    public void commitOffsets(CommitOffsetsRequest request, StreamObserver<CommitOffsetsResponse> observer) {
        RpcCalls.unary(observer, () -> {
            offsets.commit(request.getGroup(), request.getOffsetsList(), request.getMemberId(), 0);
            return CommitOffsetsResponse.getDefaultInstance();
        });
    }

    @Override
    public void fetchOffsets(FetchOffsetsRequest request, StreamObserver<FetchOffsetsResponse> observer) {
        RpcCalls.unary(observer, () -> {
            FetchOffsetsResponse.Builder b = FetchOffsetsResponse.newBuilder();
            offsets.fetchWithMetadata(request.getGroup(), request.getPartitionsList()).forEach(b::addOffsets);
            return b.build();
        });
    }
}
