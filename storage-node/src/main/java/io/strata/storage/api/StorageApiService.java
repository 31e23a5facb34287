package io.strata.storage.api;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.strata.common.error.Errors;
import io.strata.common.error.RpcCalls;
import io.strata.common.error.StrataException;
import io.strata.proto.Acks;
import io.strata.proto.internal.DivergingEpoch;
import io.strata.proto.internal.ReplicaFetchRequest;
import io.strata.proto.internal.ReplicaFetchResponse;
import io.strata.storage.replication.Divergence;
import java.util.Optional;
import io.strata.storage.log.PartitionLog;
import io.strata.proto.internal.AppendRequest;
import io.strata.proto.internal.AppendResponse;
import io.strata.proto.internal.ListOffsetRequest;
import io.strata.proto.internal.ListOffsetResponse;
import io.strata.proto.internal.ReadRequest;
import io.strata.proto.internal.ReadResponse;
import io.strata.proto.internal.StorageNodeGrpc;
import io.strata.storage.partition.PartitionReplica;
import io.strata.storage.metrics.StorageMetrics;
import io.strata.storage.partition.ReplicaManager;
import io.strata.common.net.AliasingMarshaller;
import io.strata.common.net.StreamAnswers;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The StorageNode gRPC API: appends to and reads from partitions this node leads. Requests
 * come from gateways, which validated them already; the node still checks everything that
 * could corrupt its log (CRC, sizes, epochs), since nothing from the network is trusted.
 */
public final class StorageApiService extends StorageNodeGrpc.StorageNodeImplBase {
    /** Longest long-poll accepted, so a bad request cannot park a call for hours. */
    static final int MAX_WAIT_MS = 60_000;
    /** An acks=all append whose ISR never catches up fails after this, rather than hanging. */
    static final long ACK_TIMEOUT_MS = 30_000;

    private final ReplicaManager replicas;
    private final int maxReadBytes;
    private final StorageMetrics metrics;
    private final StreamAnswers.Group streams = new StreamAnswers.Group();

    public StorageApiService(ReplicaManager replicas, int maxReadBytes, StorageMetrics metrics) {
        this.replicas = replicas;
        this.maxReadBytes = maxReadBytes;
        this.metrics = metrics;
    }

    /** Ends the open append streams once their appends are answered; gateways reopen them elsewhere. */
    public void endStreams() {
        streams.endAll();
    }

    /** Appends in stream order as they arrive; each answer goes back as soon as its append is acknowledged. */
    @Override
    public StreamObserver<AppendRequest> appendStream(StreamObserver<AppendResponse> observer) {
        return streams.answerEach(observer, AppendRequest::getRequestId, this::append,
                (id, error) -> AppendResponse.newBuilder().setRequestId(id).setError(error).build());
    }

    /**
     * The leader side of replication, one stream per follower and leader: each request records
     * the follower's progress and is answered with data or divergence (see {@link #replicaFetch}).
     */
    @Override
    public StreamObserver<ReplicaFetchRequest> replicaFetchStream(StreamObserver<ReplicaFetchResponse> observer) {
        return streams.answerEach(observer, ReplicaFetchRequest::getRequestId, this::replicaFetch,
                (id, error) -> ReplicaFetchResponse.newBuilder().setRequestId(id).setError(error).build());
    }

    private CompletableFuture<AppendResponse> append(AppendRequest request) {
        long start = System.nanoTime();
        PartitionReplica replica = replicas.get(request.getTopic(), request.getPartition());
        PartitionReplica.Role role = replica.ensureLeader(request.getLeaderEpoch());
        boolean all = request.getAcks() == Acks.ACKS_ALL || request.getAcks() == Acks.ACKS_UNSPECIFIED;
        if (all && role.hw().isr().size() < replica.minInsyncReplicas()) {
            throw replica.notEnoughReplicas(role, "nothing was written");
        }
        if (request.getTimeoutMs() < 0) {
            throw Errors.invalid("timeout_ms is negative (" + request.getTimeoutMs() + ")");
        }
        long timeoutMs = request.getTimeoutMs() == 0 ? ACK_TIMEOUT_MS : Math.min(ACK_TIMEOUT_MS, request.getTimeoutMs());
        // The log rewrites base offset and epoch in place. The request came off the wire (parsed
        // in place by StorageNodeServer's marshaller): its bytes are this call's own.
        ByteBuffer batches = AliasingMarshaller.writableView(request.getBatches());
        return replica.append(batches, all)
                .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .thenApply(result -> {
                    metrics.appended(replica, request.getAcks(), request.getBatches().size(), result.baseOffset(),
                            result.lastOffset(), System.nanoTime() - start);
                    return AppendResponse.newBuilder().setRequestId(request.getRequestId())
                            .setBaseOffset(result.baseOffset()).setLastOffset(result.lastOffset()).build();
                });
    }

    /** Records the follower's progress; answers with data (after a long poll) or divergence. */
    private CompletableFuture<ReplicaFetchResponse> replicaFetch(ReplicaFetchRequest request) {
        if (request.getMaxWaitMs() < 0 || request.getMaxWaitMs() > MAX_WAIT_MS) {
            throw Errors.invalid("max wait " + request.getMaxWaitMs() + " ms is outside 0.." + MAX_WAIT_MS);
        }
        PartitionReplica replica = replicas.get(request.getTopic(), request.getPartition());
        PartitionReplica.Role role = replica.ensureLeader(request.getLeaderEpoch());
        PartitionLog plog = replica.log();
        long end = plog.logEndOffset();
        if (request.getFetchOffset() < plog.logStartOffset()) {
            return CompletableFuture.completedFuture(answer(request).setBelowLogStart(true)
                    .setHighWatermark(role.hw().value()).setLogStartOffset(plog.logStartOffset()).build());
        }
        Optional<DivergingEpoch> diverged = Divergence.check(plog, request.getLastFetchedEpoch(),
                request.getFetchOffset());
        if (diverged.isPresent()) {
            return CompletableFuture.completedFuture(answer(request)
                    .setDiverging(diverged.get()).setHighWatermark(role.hw().value())
                    .setLogStartOffset(plog.logStartOffset()).build());
        }
        role.hw().followerFetched(request.getReplicaId(), request.getFetchOffset(), request.getDurableOffset(),
                end, System.currentTimeMillis());
        CompletableFuture<Void> ready = request.getMaxWaitMs() == 0 || request.getFetchOffset() < end
                ? CompletableFuture.completedFuture(null)
                : replica.logEndAfter(request.getFetchOffset()).copy()
                        .completeOnTimeout(null, request.getMaxWaitMs(), TimeUnit.MILLISECONDS);
        return ready.thenApply(v -> {
            ByteString batches = plog.read(request.getFetchOffset(), request.getMaxBytes() <= 0 ? maxReadBytes
                    : Math.min(request.getMaxBytes(), maxReadBytes), plog.logEndOffset());
            metrics.fetched(replica, batches);
            return answer(request)
                    .setBatches(batches)
                    .setHighWatermark(role.hw().value())
                    .setLogStartOffset(plog.logStartOffset())
                    .build();
        });
    }

    /** An answer to {@code request}, carrying its id. */
    private static ReplicaFetchResponse.Builder answer(ReplicaFetchRequest request) {
        return ReplicaFetchResponse.newBuilder().setRequestId(request.getRequestId());
    }

    @Override
    public void read(ReadRequest request, StreamObserver<ReadResponse> observer) {
        RpcCalls.async(observer, () -> {
            if (request.getMaxWaitMs() < 0 || request.getMaxWaitMs() > MAX_WAIT_MS) {
                throw Errors.invalid("max wait " + request.getMaxWaitMs() + " ms is outside 0.." + MAX_WAIT_MS);
            }
            PartitionReplica replica = replicas.get(request.getTopic(), request.getPartition());
            replica.ensureLeader();
            CompletableFuture<Void> ready = request.getMaxWaitMs() == 0
                    ? CompletableFuture.completedFuture(null)
                    : replica.dataAfter(request.getOffset()).copy()
                            .completeOnTimeout(null, request.getMaxWaitMs(), TimeUnit.MILLISECONDS);
            return ready.thenApply(v -> readNow(replica, request));
        });
    }

    private ReadResponse readNow(PartitionReplica replica, ReadRequest request) {
        int maxBytes = request.getMaxBytes() <= 0 ? maxReadBytes : Math.min(request.getMaxBytes(), maxReadBytes);
        ByteString batches = replica.read(request.getOffset(), maxBytes);
        metrics.fetched(replica, batches);
        return ReadResponse.newBuilder()
                .setBatches(batches)
                .setHighWatermark(replica.highWatermark())
                .setLogStartOffset(replica.logStartOffset())
                .build();
    }

    @Override
    public void listOffset(ListOffsetRequest request, StreamObserver<ListOffsetResponse> observer) {
        RpcCalls.unary(observer, () -> {
            PartitionReplica replica = replicas.get(request.getTopic(), request.getPartition());
            replica.ensureLeader();
            long offset = switch (request.getSpec()) {
                case OFFSET_SPEC_EARLIEST -> replica.logStartOffset();
                case OFFSET_SPEC_LATEST -> replica.settledHighWatermark();
                case OFFSET_SPEC_TIMESTAMP -> Math.min(replica.offsetForTimestamp(request.getTimestampMs()),
                        replica.settledHighWatermark());
                default -> throw Errors.invalid("offset spec is missing (EARLIEST, LATEST or TIMESTAMP)");
            };
            return ListOffsetResponse.newBuilder().setOffset(offset).setTimestampMs(-1).build();
        });
    }
}
