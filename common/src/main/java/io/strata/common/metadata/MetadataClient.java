package io.strata.common.metadata;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.strata.common.error.Errors;
import io.strata.common.error.StrataException;
import io.strata.common.net.Channels;
import io.strata.common.net.HostPort;
import io.strata.proto.ErrorReason;
import io.strata.proto.internal.MetadataDelta;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.MetadataServiceGrpc;
import io.strata.proto.internal.WatchEvent;
import io.strata.proto.internal.WatchRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How storage nodes and gateways talk to the metadata service. Any metadata peer can answer
 * any call (each peer forwards writes to the Raft leader), so calls go to one peer and move
 * on to the next when it is unreachable or has no leader, until the call's deadline.
 *
 * <p>Thread-safe. {@link #watch} keeps one stream open, reconnecting to the next peer when
 * it breaks (asking for the changes after the version it has), applies the stream's deltas
 * to its last image, and delivers whole images, each newer than the last one delivered.
 */
public final class MetadataClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetadataClient.class);

    private final List<HostPort> addresses;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final AtomicInteger current = new AtomicInteger();
    private final Duration callTimeout;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "metadata-watch");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    /** A client whose every call passes {@code interceptors} (e.g. metrics). */
    public MetadataClient(List<HostPort> addresses, Duration callTimeout, ClientInterceptor... interceptors) {
        if (addresses.isEmpty()) {
            throw Errors.invalid("no metadata service address configured");
        }
        this.addresses = List.copyOf(addresses);
        this.callTimeout = callTimeout;
        for (HostPort a : addresses) {
            channels.add(Channels.open(a, interceptors));
        }
    }

    /**
     * Runs {@code call} against a metadata peer, failing over between peers while the
     * failure is retriable and the call timeout has not passed.
     */
    public <T> T call(Function<MetadataServiceGrpc.MetadataServiceBlockingStub, T> call) {
        return call(call, callTimeout);
    }

    /**
     * As {@link #call(Function)}, giving up after {@code timeout} instead of the client's call
     * timeout (a consumer-group heartbeat must fail before its member's session would expire).
     */
    public <T> T call(Function<MetadataServiceGrpc.MetadataServiceBlockingStub, T> call, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        StrataException last = null;
        int attempt = 0;
        while (!closed) {
            int raw = current.get();
            int idx = Math.floorMod(raw, channels.size());
            long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (remainingMs <= 0) {
                break;
            }
            try {
                return call.apply(MetadataServiceGrpc.newBlockingStub(channels.get(idx))
                        .withDeadlineAfter(remainingMs, TimeUnit.MILLISECONDS));
            } catch (RuntimeException e) {
                last = StrataException.from(e);
                if (!isFailover(last, e)) {
                    throw last;
                }
                current.compareAndSet(raw, raw + 1);
                if (++attempt % channels.size() == 0) {
                    sleep(Math.min(200L * attempt / channels.size(), 1000L));
                }
            }
        }
        throw Errors.metadataUnavailable("no answer from " + addresses + " within " + timeout.toMillis()
                + " ms" + (last == null ? "" : " (last error: " + last.getMessage() + ")"));
    }

    private static boolean isFailover(StrataException e, RuntimeException raw) {
        if (e.reason() == ErrorReason.METADATA_UNAVAILABLE || e.reason() == ErrorReason.NODE_UNAVAILABLE) {
            return true;
        }
        Status.Code code = Status.fromThrowable(raw).getCode();
        return code == Status.Code.UNAVAILABLE;
    }

    /** Streams metadata images to {@code listener} until closed. Images arrive in version order. */
    public AutoCloseable watch(Consumer<MetadataImage> listener) {
        Watch w = new Watch(listener);
        w.connect();
        return w::stop;
    }

    private final class Watch {
        private final Consumer<MetadataImage> listener;
        /** The image delivered last; deltas apply on top of it. Touched only by the stream's callbacks. */
        private volatile MetadataImage last;
        /** Version of the image the listener got last: it only ever gets newer ones. */
        private volatile long delivered = -1;
        private volatile boolean stopped;
        private volatile io.grpc.Context.CancellableContext context;

        Watch(Consumer<MetadataImage> listener) {
            this.listener = listener;
        }

        void connect() {
            if (stopped || closed) {
                return;
            }
            int raw = current.get();
            int idx = Math.floorMod(raw, channels.size());
            io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
            context = ctx;
            long known = last == null ? 0 : last.getVersion();
            ctx.run(() -> MetadataServiceGrpc.newStub(channels.get(idx)).watch(
                    WatchRequest.newBuilder().setKnownVersion(known).build(),
                    new StreamObserver<>() {
                        @Override
                        public void onNext(WatchEvent event) {
                            MetadataImage next;
                            if (event.hasDelta()) {
                                MetadataDelta delta = event.getDelta();
                                if (last == null || delta.getBaseVersion() != last.getVersion()) {
                                    // A gap: start over from a full image.
                                    log.debug("metadata delta {}..{} does not follow version {}; resubscribing",
                                            delta.getBaseVersion(), delta.getVersion(),
                                            last == null ? -1 : last.getVersion());
                                    last = null;
                                    ctx.cancel(null);
                                    return;
                                }
                                next = MetadataDeltas.apply(last, delta);
                            } else {
                                next = event.getImage();
                            }
                            last = next;
                            if (next.getVersion() > delivered) {
                                delivered = next.getVersion();
                                try {
                                    listener.accept(next);
                                } catch (RuntimeException e) {
                                    log.warn("metadata listener failed on version {}", next.getVersion(), e);
                                }
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            current.compareAndSet(raw, raw + 1);
                            if (!stopped && !closed) {
                                log.debug("metadata watch on {} broke: {}", addresses.get(idx), t.toString());
                                scheduler.schedule(Watch.this::connect, 300, TimeUnit.MILLISECONDS);
                            }
                        }

                        @Override
                        public void onCompleted() {
                            onError(new IllegalStateException("watch stream ended"));
                        }
                    }));
        }

        void stop() {
            stopped = true;
            io.grpc.Context.CancellableContext ctx = context;
            if (ctx != null) {
                ctx.cancel(null);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Errors.metadataUnavailable("interrupted");
        }
    }

    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        channels.forEach(Channels::close);
    }
}
