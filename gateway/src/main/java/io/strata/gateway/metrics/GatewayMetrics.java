package io.strata.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.strata.common.metrics.GrpcMetrics;
import io.strata.common.metrics.ServiceMetrics;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.ErrorReason;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's own metrics, beside the per-method gRPC ones (which give requests by status):
 * {@code strata_gateway_routing_retries_total} by reason (a partition leader moved, had none, or
 * answered with a retriable error) and {@code strata_gateway_sessions}, the consumer-group
 * sessions (Subscribe streams) open on this gateway, and
 * {@code strata_gateway_produce_requests_seconds} by {@code outcome} (OK or the error reason): every
 * produce request with its latency, whether it came as a unary call or on a {@code ProduceStream}
 * (where the Java producer sends, and which the per-method gRPC metrics count once per stream).
 * Thread-safe; a retry or a request costs a map lookup.
 */
public final class GatewayMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> retries = new ConcurrentHashMap<>();
    private final GrpcMetrics grpc;
    private final Map<String, Timer> produceRequests = new ConcurrentHashMap<>();

    public GatewayMetrics(ServiceMetrics metrics) {
        this.registry = metrics.registry();
        this.grpc = metrics.grpc();
        produceTimer("OK");
        AtomicInteger sessions = metrics.grpc().activeServerCalls(ConsumerGrpc.getSubscribeMethod().getFullMethodName());
        Gauge.builder("strata.gateway.sessions", sessions, AtomicInteger::get)
                .description("Consumer-group sessions (Subscribe streams) open on this gateway").register(registry);
        // The usual reasons exist from the start, so a dashboard shows 0 rather than no data.
        for (String reason : new String[] {"leader_moved", ErrorReason.NOT_LEADER.name(),
                ErrorReason.LEADER_NOT_AVAILABLE.name()}) {
            counter(reason);
        }
    }

    private Counter counter(String reason) {
        return retries.computeIfAbsent(reason, r -> Counter.builder("strata.gateway.routing.retries")
                .description("Calls to partition leaders retried transparently, by reason").tag("reason", r)
                .register(registry));
    }

    /** A call to a partition leader is retried, for {@code reason} (an error reason, or leader_moved). */
    public void retried(String reason) {
        counter(reason).increment();
    }

    /** A produce request started at {@code startNanos} ended with {@code outcome} (OK or an error reason). */
    public void produced(String outcome, long startNanos) {
        produceTimer(outcome).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    private Timer produceTimer(String outcome) {
        return produceRequests.computeIfAbsent(outcome, o -> grpc.latency("strata.gateway.produce.requests",
                "Produce requests, unary or on a ProduceStream, by outcome, with their latency", "outcome", o));
    }
}
