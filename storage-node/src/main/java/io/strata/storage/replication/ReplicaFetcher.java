package io.strata.storage.replication;

import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.strata.common.error.StrataException;
import io.strata.common.net.AliasingMarshaller;
import io.strata.common.net.NodeChannels;
import io.strata.common.net.StreamedCalls;
import io.strata.proto.internal.DivergingEpoch;
import io.strata.proto.internal.ReplicaFetchRequest;
import io.strata.proto.internal.ReplicaFetchRequestOrBuilder;
import io.strata.proto.internal.ReplicaFetchResponse;
import io.strata.proto.internal.StorageNodeGrpc;
import io.strata.storage.log.PartitionLog;
import io.strata.storage.partition.PartitionReplica;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls every partition this node follows from its leader: one long-polling fetch loop per
 * partition, each sending the next request as soon as the previous answer is appended and —
 * under {@code flush=batch} — fsynced, so the durable offset it reports to the leader is always
 * on disk here. The fetches of all partitions led by one node travel on one
 * {@code ReplicaFetchStream} to it ({@link StreamedCalls}): a unary call per fetch cost more than
 * most fetches carry.
 *
 * <p>When the leader answers with a diverging epoch, the follower truncates its log to where the
 * two histories last agree and fetches again (leader-epoch truncation, no reliance on the HW).
 * When the follower's next offset is below the leader's log start (retention deleted it there,
 * e.g. after a long absence), it empties its log and starts again at the leader's log start.
 *
 * <p>Thread-safe. Loops run on gRPC callback threads and the shared scheduler.
 */
public final class ReplicaFetcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    static final int MAX_WAIT_MS = 500;
    static final int MAX_BYTES = 4 * 1024 * 1024;
    /** Fetches whose batches stay in the received message's buffer (appended from there, not copied again). */
    private static final MethodDescriptor<ReplicaFetchRequest, ReplicaFetchResponse> REPLICA_FETCH =
            AliasingMarshaller.forResponses(StorageNodeGrpc.getReplicaFetchStreamMethod(),
                    ReplicaFetchResponse.getDefaultInstance());
    /** How much longer than its long poll a fetch may take before its stream counts as stuck. */
    static final long STUCK_AFTER_MS = MAX_WAIT_MS + 10_000;
    static final long RETRY_MS = 200;

    private final int nodeId;
    private final NodeChannels channels;
    private final ScheduledExecutorService scheduler;
    private final Map<PartitionReplica, Loop> loops = new ConcurrentHashMap<>();
    private final Map<String, StreamedCalls<ReplicaFetchRequest, ReplicaFetchResponse>> leaders =
            new ConcurrentHashMap<>();
    private final Events events;

    /** What the fetcher reports, for metrics. */
    public interface Events {
        /** A fetch was answered after {@code nanos} (a long poll waits up to {@link #MAX_WAIT_MS} for data). */
        void answered(long nanos);

        /** A fetch failed and waits out the retry pause. */
        void failed();
    }

    public ReplicaFetcher(int nodeId, NodeChannels channels, ScheduledExecutorService scheduler, Events events) {
        this.nodeId = nodeId;
        this.channels = channels;
        this.scheduler = scheduler;
        this.events = events;
    }

    /** Follows {@code leaderAddress} at {@code epoch} for {@code replica}, starting a loop if none runs. */
    public void follow(PartitionReplica replica, String leaderAddress, int epoch) {
        Loop loop = loops.computeIfAbsent(replica, r -> new Loop(r));
        loop.retarget(new Target(leaderAddress, epoch));
        loop.start();
    }

    /** Stops fetching for {@code replica} (it became leader, or was removed). */
    public void stop(PartitionReplica replica) {
        Loop loop = loops.remove(replica);
        if (loop != null) {
            loop.stopped = true;
            loop.abandonCall();
        }
    }

    private record Target(String address, int epoch) {
    }

    private StreamedCalls<ReplicaFetchRequest, ReplicaFetchResponse> streamTo(String address) {
        return leaders.computeIfAbsent(address, a -> new StreamedCalls<>(
                answers -> ClientCalls.asyncBidiStreamingCall(channels.get(a).newCall(REPLICA_FETCH, CallOptions.DEFAULT),
                        answers),
                ReplicaFetchResponse::getRequestId,
                response -> response.hasError() ? response.getError() : null, scheduler));
    }

    private final class Loop {
        final PartitionReplica replica;
        volatile Target target;
        volatile boolean stopped;
        private boolean started;
        /** The fetch in flight; cancelled when the leader changes, so that a frozen old leader holds nothing up. */
        private volatile CompletableFuture<ReplicaFetchResponse> call;
        /** The retry waiting after a failed fetch; run at once when the leader changes. */
        private volatile ScheduledFuture<?> pendingRetry;

        Loop(PartitionReplica replica) {
            this.replica = replica;
        }

        /**
         * Points the loop at a new leader or epoch. A fetch still waiting on the old leader is
         * cancelled, so the new leader hears from this follower at once — its high watermark, and
         * so every acks=all write, waits for that — rather than when a frozen old leader answers.
         */
        void retarget(Target next) {
            Target old = target;
            target = next;
            if (old != null && !old.equals(next)) {
                abandonCall();
                ScheduledFuture<?> retry = pendingRetry;
                if (retry != null && retry.cancel(false)) {
                    fetchNow(); // it was waiting out a dead leader: ask the new one now
                }
            }
        }

        void abandonCall() {
            CompletableFuture<ReplicaFetchResponse> c = call;
            if (c != null) {
                c.cancel(false);
            }
        }

        synchronized void start() {
            if (!started) {
                started = true;
                scheduler.execute(this::fetchOrRetry);
            }
        }

        void fetch() {
            if (stopped || !loops.containsKey(replica)) {
                return;
            }
            Target t = target;
            PartitionLog plog = replica.log();
            ReplicaFetchRequest.Builder request = ReplicaFetchRequest.newBuilder()
                    .setTopic(replica.topic()).setPartition(replica.partition()).setReplicaId(nodeId)
                    .setLeaderEpoch(t.epoch()).setFetchOffset(plog.logEndOffset())
                    .setLastFetchedEpoch(latestEpoch(plog)).setDurableOffset(plog.durableEndOffset())
                    .setMaxBytes(MAX_BYTES).setMaxWaitMs(MAX_WAIT_MS);
            long sent = System.nanoTime();
            CompletableFuture<ReplicaFetchResponse> fetched = streamTo(t.address())
                    .call(id -> request.setRequestId(id).build(), TimeUnit.MILLISECONDS.toNanos(STUCK_AFTER_MS));
            call = fetched;
            fetched.whenComplete((response, error) -> {
                if (error == null && t.equals(target)) {
                    events.answered(System.nanoTime() - sent);
                    handle(request, response);
                } else if (!t.equals(target)) {
                    fetchNow(); // the leader was replaced meanwhile: ask the new one
                } else {
                    log.debug("fetch of {}-{} from {} failed: {}", replica.topic(), replica.partition(),
                            t.address(), StrataException.from(error).getMessage());
                    retryLater();
                }
            });
        }

        private void fetchNow() {
            try {
                scheduler.execute(this::fetchOrRetry);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                log.debug("{}-{}: the node is stopping", replica.topic(), replica.partition());
            }
        }

        private void handle(ReplicaFetchRequestOrBuilder request, ReplicaFetchResponse response) {
            try {
                if (response.getBelowLogStart()) {
                    log.info("{}-{}: the leader's log starts at {}, past this replica's end {}; emptying the log and"
                                    + " fetching from there", replica.topic(), replica.partition(),
                            response.getLogStartOffset(), replica.log().logEndOffset());
                    replica.truncateFullyAndStartAt(response.getLogStartOffset());
                    scheduler.execute(this::fetchOrRetry);
                } else if (response.hasDiverging()) {
                    truncateToAgreement(response.getDiverging());
                    scheduler.execute(this::fetchOrRetry);
                } else if (!response.getBatches().isEmpty()) {
                    // Appended as the leader wrote it: the follower path never rewrites the buffer.
                    ByteBuffer batches = response.getBatches().asReadOnlyByteBuffer();
                    // The next fetch starts right here (on the flusher or transport thread), as it
                    // reports the new durable offset: a hand-off to the scheduler would cost a thread
                    // wake-up per fetch.
                    replica.appendAsFollower(batches, response.getHighWatermark()).whenComplete((r, e) -> {
                        if (e != null) {
                            log.warn("{}-{}: appending fetched data failed: {}", replica.topic(), replica.partition(),
                                    e.toString());
                            retryLater();
                        } else {
                            fetchOrRetry();
                        }
                    });
                } else {
                    replica.learnHighWatermark(response.getHighWatermark());
                    fetch();
                }
            } catch (java.util.concurrent.RejectedExecutionException e) {
                log.debug("{}-{}: the node is stopping; fetch answer dropped", replica.topic(), replica.partition());
            } catch (RuntimeException e) {
                log.warn("{}-{}: handling a fetch answer failed: {}", replica.topic(), replica.partition(), e.toString());
                retryLater();
            }
        }

        private void fetchOrRetry() {
            try {
                fetch();
            } catch (RuntimeException e) {
                log.warn("{}-{}: starting the next fetch failed: {}", replica.topic(), replica.partition(), e.toString());
                retryLater();
            }
        }

        private void truncateToAgreement(DivergingEpoch d) {
            PartitionLog plog = replica.log();
            long target = Divergence.truncationOffset(d, plog);
            log.info("{}-{}: diverged from the leader at epoch {}; truncating from {} to {}", replica.topic(),
                    replica.partition(), d.getEpoch(), plog.logEndOffset(), target);
            plog.truncateTo(target);
        }

        private void retryLater() {
            if (!stopped) { // a loop stopped on purpose (leadership, removal, shutdown) did not fail
                events.failed();
                pendingRetry = scheduler.schedule(this::fetchOrRetry, RETRY_MS, TimeUnit.MILLISECONDS);
            }
        }
    }

    static int latestEpoch(PartitionLog plog) {
        var epochs = plog.leaderEpochs();
        return epochs.isEmpty() ? -1 : epochs.get(epochs.size() - 1).epoch();
    }

    @Override
    public void close() {
        loops.values().forEach(l -> {
            l.stopped = true;
            l.abandonCall();
        });
        loops.clear();
        leaders.values().forEach(s -> s.reset("node stopping"));
    }
}
