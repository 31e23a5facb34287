package io.strata.gateway.produce;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.SettableFuture;
import io.strata.common.net.NodeChannels;
import io.strata.common.net.StreamedCalls;
import io.strata.proto.internal.AppendRequest;
import io.strata.proto.internal.AppendResponse;
import io.strata.proto.internal.StorageNodeGrpc;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's appends to partition leaders, pipelined on one {@code AppendStream} call per
 * storage node ({@link StreamedCalls}) rather than a unary call each. A request's
 * {@code timeout_ms} tells the node the time it has; the gateway waits {@link #GRACE_MS} longer
 * for the node's own answer before it takes the node for stuck and resets the stream. Thread-safe.
 */
public final class AppendStreams implements AutoCloseable {
    /** How much longer than its request's time the gateway waits for a node's answer. */
    static final long GRACE_MS = 2_000;

    private final NodeChannels channels;
    private final Map<String, StreamedCalls<AppendRequest, AppendResponse>> byNode = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "gateway-append-timeouts");
        t.setDaemon(true);
        return t;
    });

    public AppendStreams(NodeChannels channels) {
        this.channels = channels;
        timers.setRemoveOnCancelPolicy(true); // most requests are answered long before their time
    }

    /** Sends {@code request} to the node at {@code address}; cancelling the result forgets it (a later answer is dropped). */
    ListenableFuture<AppendResponse> append(String address, AppendRequest.Builder request) {
        CompletableFuture<AppendResponse> answer = byNode.computeIfAbsent(address, this::streamTo)
                .call(id -> request.setRequestId(id).build(),
                        TimeUnit.MILLISECONDS.toNanos(request.getTimeoutMs() + GRACE_MS));
        SettableFuture<AppendResponse> out = SettableFuture.create();
        answer.whenComplete((response, error) -> {
            if (error == null) {
                out.set(response);
            } else {
                out.setException(error);
            }
        });
        out.addListener(() -> {
            if (out.isCancelled()) {
                answer.cancel(false);
            }
        }, MoreExecutors.directExecutor());
        return out;
    }

    private StreamedCalls<AppendRequest, AppendResponse> streamTo(String address) {
        StorageNodeGrpc.StorageNodeStub stub = StorageNodeGrpc.newStub(channels.get(address));
        return new StreamedCalls<>(stub::appendStream, AppendResponse::getRequestId,
                response -> response.hasError() ? response.getError() : null, timers);
    }

    @Override
    public void close() {
        byNode.values().forEach(s -> s.reset("gateway closing"));
        timers.shutdownNow();
    }
}
