package io.strata.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.common.metrics.ServiceMetrics;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.ErrorReason;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's own metrics, beside the per-method gRPC ones (which give requests by status):
 * {@code strata_gateway_routing_retries_total} by reason (a partition leader moved, had none, or
 * answered with a retriable error) and {@code strata_gateway_sessions}, the consumer-group
 * sessions (Subscribe streams) open on this gateway. Thread-safe; a retry costs a map lookup.
 */
public final class GatewayMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> retries = new ConcurrentHashMap<>();

    public GatewayMetrics(ServiceMetrics metrics) {
        this.registry = metrics.registry();
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
}
