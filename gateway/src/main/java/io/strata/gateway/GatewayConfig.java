package io.strata.gateway;

import io.strata.common.metrics.MetricsSettings;
import io.strata.common.net.HostPort;
import java.time.Duration;
import java.util.List;

/**
 * Everything one gateway needs to run.
 *
 * @param bind             where the public Producer/Consumer/Admin API listens. Default {@code 127.0.0.1:9400}
 * @param metadata         metadata-service API addresses. Required
 * @param maxRequestBytes  largest request accepted from a client, in bytes. Default 16 MiB
 * @param requestTimeout   default time a produce or admin call may take, retries included. Default 30 s
 * @param fetchMaxBytes    default (and cap of) bytes one fetch or poll returns. Default 1 MiB default, 16 MiB cap
 * @param metrics          the Prometheus endpoint ({@link MetricsSettings}): none by default here, since
 *                         embedders run several services in one JVM; the launcher ({@code strata gateway})
 *                         and the chart serve {@code 0.0.0.0:9464}
 */
public record GatewayConfig(
        HostPort bind,
        List<HostPort> metadata,
        int maxRequestBytes,
        Duration requestTimeout,
        int fetchMaxBytes,
        MetricsSettings metrics) {

    public static final HostPort DEFAULT_BIND = new HostPort("127.0.0.1", 9400);
    public static final int DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_FETCH_MAX_BYTES = 1024 * 1024;
    public static final int FETCH_MAX_BYTES_CAP = 16 * 1024 * 1024;

    public GatewayConfig {
        metadata = List.copyOf(metadata);
    }

    public static GatewayConfig of(HostPort bind, List<HostPort> metadata) {
        return new GatewayConfig(bind, metadata, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_FETCH_MAX_BYTES, MetricsSettings.disabled());
    }

    public GatewayConfig withMetrics(MetricsSettings settings) {
        return new GatewayConfig(bind, metadata, maxRequestBytes, requestTimeout, fetchMaxBytes, settings);
    }
}
