package io.strata.gateway.routing;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.strata.common.error.StrataException;
import io.strata.common.net.NodeChannels;
import io.strata.proto.ErrorReason;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.StorageNodeGrpc;
import io.strata.proto.internal.TopicRecord;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends a call to the current leader of a partition and retries it transparently — after the
 * next metadata change, or a short pause — when the leader moved, is unknown or unreachable,
 * until the caller's timeout. Non-retriable errors (unknown topic, corrupt batch, …) fail at once,
 * and so does NOT_ENOUGH_REPLICAS: an ISR takes seconds to grow back, so the caller hears at
 * once that its acks=all write was refused and decides itself whether to retry (the Java
 * producer does, like Kafka's), rather than waiting out its whole timeout here. A call still
 * waiting on a leader that the metadata has since replaced is cancelled and retried on the new one.
 *
 * <p>{@link #call} never blocks its caller, so it may be called from transport threads: a topic the
 * image does not know yet is looked up with {@link MetadataCache#topicAsync}. Thread-safe.
 */
public final class PartitionRouter implements AutoCloseable {
    private static final long RETRY_PAUSE_MS = 100;

    private final MetadataCache cache;
    private final NodeChannels channels;
    private final Consumer<String> retried;
    private final Set<InFlight> inFlight = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gateway-retry");
        t.setDaemon(true);
        return t;
    });

    /** A call to one partition's leader. */
    @FunctionalInterface
    public interface LeaderCall<T> {
        ListenableFuture<T> invoke(Leader leader, PartitionRecord partition);
    }

    /** The leader to call: its address, the time left for the call, and the channel to it. */
    public record Leader(String address, long remainingNanos, Channel channel) {
        /** A stub whose deadline is the time left (made on demand: streamed appends need none). */
        public StorageNodeGrpc.StorageNodeFutureStub stub() {
            return StorageNodeGrpc.newFutureStub(channel).withDeadlineAfter(remainingNanos, TimeUnit.NANOSECONDS);
        }

        /** Options for a call made on {@link #channel}: the deadline of the time left. */
        public CallOptions callOptions() {
            return CallOptions.DEFAULT.withDeadlineAfter(remainingNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** @param retried told the reason of every retry (metrics) */
    public PartitionRouter(MetadataCache cache, NodeChannels channels, Consumer<String> retried) {
        this.retried = retried;
        this.cache = cache;
        this.channels = channels;
        watchLeaderChanges();
    }

    public <T> CompletableFuture<T> call(String topic, int partition, Duration timeout, LeaderCall<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(topic, partition, System.nanoTime() + timeout.toNanos(), call, result);
        return result;
    }

    private <T> void attempt(String topic, int partition, long deadline, LeaderCall<T> call,
                             CompletableFuture<T> result) {
        cache.topicAsync(topic).whenComplete((t, error) -> {
            if (error != null) {
                result.completeExceptionally(StrataException.from(error));
            } else {
                send(t, partition, deadline, call, result);
            }
        });
    }

    /** Sends the call to the partition's current leader. */
    private <T> void send(TopicRecord t, int partition, long deadline, LeaderCall<T> call,
                          CompletableFuture<T> result) {
        String topic = t.getName();
        PartitionRecord p;
        try {
            p = MetadataCache.partitionOf(t, partition);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        NodeRecord leader = p.getLeader() < 0 ? null : cache.node(p.getLeader());
        if (leader == null) {
            retryOrFail(topic, partition, deadline, call, result, new StrataException(
                    ErrorReason.LEADER_NOT_AVAILABLE, topic + "-" + partition + " has no leader right now"));
            return;
        }
        long remaining = Math.max(1, deadline - System.nanoTime());
        ListenableFuture<T> future;
        try {
            future = call.invoke(new Leader(leader.getAddress(), remaining, channels.get(leader.getAddress())), p);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        InFlight sent = new InFlight(topic, partition, p, future, new AtomicBoolean());
        inFlight.add(sent);
        future.addListener(() -> inFlight.remove(sent), MoreExecutors.directExecutor());
        abandonIfLeaderMoved(sent);
        Futures.addCallback(future, new FutureCallback<>() {
            @Override
            public void onSuccess(T value) {
                result.complete(value);
            }

            @Override
            public void onFailure(Throwable t) {
                if (sent.superseded().get()) {
                    retried.accept("leader_moved");
                    retries.execute(() -> attempt(topic, partition, deadline, call, result));
                } else {
                    retryOrFail(topic, partition, deadline, call, result, StrataException.from(t));
                }
            }
        }, MoreExecutors.directExecutor());
    }

    /** A call waiting on a partition leader. */
    private record InFlight(String topic, int partition, PartitionRecord sentTo, ListenableFuture<?> future,
                            AtomicBoolean superseded) {
    }

    /** After every metadata change: abandon the calls whose partition has another leader or epoch now. */
    private void watchLeaderChanges() {
        CompletableFuture<Void> next = cache.nextChange();
        inFlight.forEach(this::abandonIfLeaderMoved);
        next.thenRunAsync(this::watchLeaderChanges, retries);
    }

    /**
     * Cancels a call once the metadata gives its partition another leader or epoch, so that it is
     * retried there at once: a leader that froze (a long GC pause, SIGSTOP, a network partition)
     * would otherwise hold the caller until its deadline although the controller has moved on.
     * Whatever the old leader still does with the request cannot be acknowledged, since its
     * followers no longer fetch from it; a retry may duplicate records (at-least-once).
     */
    private void abandonIfLeaderMoved(InFlight call) {
        PartitionRecord now = cache.cachedPartition(call.topic(), call.partition());
        if (now != null && (now.getLeader() != call.sentTo().getLeader()
                || now.getLeaderEpoch() != call.sentTo().getLeaderEpoch())
                && call.superseded().compareAndSet(false, true)) {
            call.future().cancel(true);
        }
    }

    private <T> void retryOrFail(String topic, int partition, long deadline, LeaderCall<T> call,
                                 CompletableFuture<T> result, StrataException error) {
        if (!error.isRetriable() || error.reason() == ErrorReason.NOT_ENOUGH_REPLICAS
                || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_PAUSE_MS) >= deadline) {
            result.completeExceptionally(error);
            return;
        }
        retried.accept(error.reason().name());
        CompletableFuture<Void> wake = cache.nextChange().copy();
        retries.schedule(() -> wake.complete(null), RETRY_PAUSE_MS, TimeUnit.MILLISECONDS);
        wake.thenRunAsync(() -> attempt(topic, partition, deadline, call, result), retries);
    }

    @Override
    public void close() {
        retries.shutdownNow();
    }
}
