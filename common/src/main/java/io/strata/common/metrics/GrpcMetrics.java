package io.strata.common.metrics;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * gRPC call metrics, served and made: {@code strata_grpc_server_requests_seconds} and
 * {@code strata_grpc_client_requests_seconds}, histograms labelled by {@code method}
 * ({@code Service/Method}) and {@code code} (the gRPC status). Their {@code _count} gives the
 * rate, their buckets the latency. A streaming call counts once, when it ends, with its whole
 * lifetime as latency; a call the client cancels counts as CANCELLED.
 * {@code strata_grpc_server_active_calls} counts calls in progress (open streams). Cost per
 * call: a few small objects and lookups in per-method tables; no lock.
 */
public final class GrpcMetrics {
    /** Bucket bounds: produce and fetch latencies from sub-millisecond to long polls. */
    private static final Duration[] BUCKETS = {
            Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    private final MeterRegistry registry;
    private final Map<String, Timer[]> server = new ConcurrentHashMap<>();
    private final Map<String, Timer[]> client = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> active = new ConcurrentHashMap<>();

    GrpcMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Records every call this server answers. */
    public ServerInterceptor serverInterceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                    ServerCallHandler<Q, A> next) {
                Timer[] timers = timers(server, call.getMethodDescriptor());
                AtomicInteger active = activeServerCalls(call.getMethodDescriptor().getFullMethodName());
                active.incrementAndGet();
                long start = System.nanoTime();
                AtomicBoolean ended = new AtomicBoolean();
                Runnable cancelled = () -> {
                    if (ended.compareAndSet(false, true)) {
                        active.decrementAndGet();
                        record(timers, "strata.grpc.server.requests", call.getMethodDescriptor(), Status.CANCELLED,
                                start);
                    }
                };
                ServerCall.Listener<Q> listener = next.startCall(new SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        if (ended.compareAndSet(false, true)) {
                            active.decrementAndGet();
                            record(timers, "strata.grpc.server.requests", call.getMethodDescriptor(), status, start);
                        }
                        super.close(status, trailers);
                    }
                }, headers);
                return new SimpleForwardingServerCallListener<>(listener) {
                    @Override
                    public void onCancel() {
                        cancelled.run();
                        super.onCancel();
                    }
                };
            }
        };
    }

    /** Records every call made through a channel it intercepts. */
    public ClientInterceptor clientInterceptor() {
        return new ClientInterceptor() {
            @Override
            public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options,
                    Channel next) {
                Timer[] timers = timers(client, method);
                return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<A> listener, Metadata headers) {
                        long start = System.nanoTime();
                        super.start(new SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onClose(Status status, Metadata trailers) {
                                record(timers, "strata.grpc.client.requests", method, status, start);
                                super.onClose(status, trailers);
                            }
                        }, headers);
                    }
                };
            }
        };
    }

    /**
     * Calls of {@code fullMethodName} this server is serving now (streams while open); also
     * exported as {@code strata_grpc_server_active_calls}.
     */
    public AtomicInteger activeServerCalls(String fullMethodName) {
        return active.computeIfAbsent(fullMethodName, m -> {
            AtomicInteger n = new AtomicInteger();
            Gauge.builder("strata.grpc.server.active.calls", n, AtomicInteger::get)
                    .description("Calls being served now; a stream counts while it is open")
                    .tag("method", m).register(registry);
            return n;
        });
    }

    /** A latency histogram with the same buckets as the gRPC call metrics, for requests inside streams. */
    public Timer latency(String name, String description, String... tags) {
        return Timer.builder(name).description(description).tags(tags).serviceLevelObjectives(BUCKETS).register(registry);
    }

    private static Timer[] timers(Map<String, Timer[]> byMethod, MethodDescriptor<?, ?> method) {
        return byMethod.computeIfAbsent(method.getFullMethodName(), m -> new Timer[Status.Code.values().length]);
    }

    private void record(Timer[] timers, String name, MethodDescriptor<?, ?> method, Status status, long startNanos) {
        int code = status.getCode().ordinal();
        Timer timer = timers[code];
        if (timer == null) {
            // A benign race: two threads may both build it; the registry returns the same meter.
            timer = latency(name, "gRPC calls by method and status code, with their latency",
                    "method", method.getFullMethodName(), "code", status.getCode().name());
            timers[code] = timer;
        }
        timer.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }
}
