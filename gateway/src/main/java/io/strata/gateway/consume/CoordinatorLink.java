package io.strata.gateway.consume;

import io.strata.common.metadata.MetadataClient;
import io.strata.proto.internal.GroupHeartbeatRequest;
import io.strata.proto.internal.GroupHeartbeatResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The gateway's line to the consumer-group coordinator (which runs on the metadata Raft leader),
 * shared by every session: heartbeats are blocking {@link MetadataClient} calls made on this
 * link's own threads, and each member's next heartbeat is scheduled on its timer. Halting the link
 * stops every member's heartbeats without a word to the coordinator, as a crash would: the
 * members are removed when their sessions time out.
 *
 * <p>Thread-safe.
 */
public final class CoordinatorLink implements AutoCloseable {
    private final MetadataClient metadata;
    private final Supplier<String> gatewayAddress;
    private final ExecutorService calls = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "group-heartbeat");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "group-heartbeat-timer");
        t.setDaemon(true);
        return t;
    });

    /** @param gatewayAddress this gateway's public address, shown as each member's host */
    public CoordinatorLink(MetadataClient metadata, Supplier<String> gatewayAddress) {
        this.metadata = metadata;
        this.gatewayAddress = gatewayAddress;
    }

    /** Sends a heartbeat, failing over between metadata peers until the leader answers or {@code timeout} passes. */
    CompletableFuture<GroupHeartbeatResponse> heartbeat(GroupHeartbeatRequest request, Duration timeout) {
        try {
            return CompletableFuture.supplyAsync(() -> metadata.call(stub -> stub.groupHeartbeat(request), timeout),
                    calls);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("the gateway is stopping"));
        }
    }

    /** Runs {@code task} on a link thread after {@code delayMs}; null once the link is closed. */
    ScheduledFuture<?> schedule(Runnable task, long delayMs) {
        try {
            return timer.schedule(() -> {
                try {
                    calls.execute(task);
                } catch (RejectedExecutionException closed) {
                    // the gateway stops: no more heartbeats
                }
            }, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    /** Runs {@code task} on a link thread now; false once the link is closed. */
    boolean execute(Runnable task) {
        try {
            calls.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    String gatewayAddress() {
        return gatewayAddress.get();
    }

    /** Stops at once: heartbeats in progress are abandoned and no member says goodbye. */
    public void halt() {
        timer.shutdownNow();
        calls.shutdownNow();
    }

    /** Stops scheduling heartbeats, letting calls in progress (members leaving) finish for up to 3 s. */
    @Override
    public void close() {
        timer.shutdownNow();
        calls.shutdown();
        try {
            calls.awaitTermination(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        calls.shutdownNow();
    }
}
