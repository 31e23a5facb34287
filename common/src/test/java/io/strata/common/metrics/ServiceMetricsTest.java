package io.strata.common.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.strata.common.error.StrataException;
import io.strata.common.net.Channels;
import io.strata.common.net.HostPort;
import io.strata.common.server.GrpcServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A service's metrics over real sockets: gRPC calls through a real server and channel are
 * counted by method and status on both sides, and the JDK HTTP endpoint serves them at /metrics.
 */
class ServiceMetricsTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void grpcCallsAreCountedByMethodAndStatusAndServedAtMetrics() throws Exception {
        try (ServiceMetrics metrics = new ServiceMetrics("storage", "7", MetricsSettings.on("127.0.0.1", 0)).start()) {
            GrpcServer server = new GrpcServer("test", new HostPort("127.0.0.1", 0), 1 << 20, List.of(),
                    List.of(metrics.grpc().serverInterceptor())).start();
            ManagedChannel channel = Channels.open(new HostPort("127.0.0.1", server.port()),
                    metrics.grpc().clientInterceptor());
            try {
                HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
                health.check(HealthCheckRequest.getDefaultInstance());
                assertThrows(StatusRuntimeException.class,
                        () -> health.check(HealthCheckRequest.newBuilder().setService("no-such-service").build()));
            } finally {
                Channels.close(channel);
                server.close();
            }
            HttpResponse<String> page = get(metrics.url());
            assertEquals(200, page.statusCode());
            String body = page.body();
            String server0k = "strata_grpc_server_requests_seconds_count{code=\"OK\",method=\"grpc.health.v1.Health/Check\","
                    + "node=\"7\",service=\"storage\"} 1";
            assertTrue(body.contains(server0k), body);
            assertTrue(body.contains("strata_grpc_server_requests_seconds_count{code=\"NOT_FOUND\","
                    + "method=\"grpc.health.v1.Health/Check\",node=\"7\",service=\"storage\"} 1"), body);
            assertTrue(body.contains("strata_grpc_client_requests_seconds_count{code=\"OK\","
                    + "method=\"grpc.health.v1.Health/Check\",node=\"7\",service=\"storage\"} 1"), body);
            assertTrue(body.contains("strata_grpc_server_requests_seconds_bucket{"), "latency histogram buckets");
            assertTrue(body.contains("jvm_memory_used_bytes{"), "JVM metrics");
            assertTrue(body.contains("process_cpu_usage{"), "process metrics");
            assertEquals(404, get(metrics.url().replace("/metrics", "/other")).statusCode());
        }
    }

    @Test
    void aBusyMetricsPortIsRefusedWithAMessageNamingTheFlag() {
        try (ServiceMetrics first = new ServiceMetrics("gateway", "a", MetricsSettings.on("127.0.0.1", 0)).start()) {
            int port = URI.create(first.url()).getPort();
            StrataException e = assertThrows(StrataException.class,
                    () -> new ServiceMetrics("gateway", "b", MetricsSettings.on("127.0.0.1", port)).start());
            assertTrue(e.getMessage().contains("--metrics-bind"), e.getMessage());
        }
    }

    @Test
    void disabledMetricsServeNothingButStillCount() {
        try (ServiceMetrics metrics = new ServiceMetrics("metadata", "m1", MetricsSettings.disabled()).start()) {
            assertEquals("", metrics.url());
            assertTrue(metrics.scrape().contains("jvm_memory_used_bytes"));
        }
    }
}
