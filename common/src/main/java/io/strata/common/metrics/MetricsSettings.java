package io.strata.common.metrics;

import io.strata.common.error.Errors;

/**
 * How a service exposes its metrics; every service config carries one. The config records'
 * factories ({@code of}) use {@link #disabled()}, since tests and embedders run several services
 * in one JVM; the launchers ({@code strata metadata|storage|gateway}) default to {@link #defaults()}.
 *
 * @param port                  TCP port of the Prometheus endpoint ({@code http://HOST:PORT/metrics}).
 *                              {@value #DEFAULT_PORT} in {@link #defaults()} (the port the Helm chart
 *                              scrapes); 0 picks a free port; {@value #DISABLED} serves nothing (meters
 *                              are still kept, so turning it on needs no other change)
 * @param host                  interface the endpoint listens on. Default {@code 0.0.0.0} (Prometheus
 *                              scrapes from another host); dev and tests use {@code 127.0.0.1}
 * @param partitionSeriesLimit  at most this many partitions per service get series of their own
 *                              (labels {@code topic} and {@code partition}); the rest of a topic's
 *                              partitions are summed into {@code partition="other"}, so 10,000
 *                              partitions do not make 10,000 series per metric. 0 turns per-partition
 *                              series off. Default {@value #DEFAULT_PARTITION_SERIES_LIMIT}
 */
public record MetricsSettings(int port, String host, int partitionSeriesLimit) {
    public static final int DEFAULT_PORT = 9464;
    public static final int DISABLED = -1;
    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PARTITION_SERIES_LIMIT = 1000;

    public MetricsSettings {
        if (port < DISABLED || port > 65535) {
            throw Errors.invalid("metrics port must be 0..65535, or -1 to serve no metrics; got " + port);
        }
        if (partitionSeriesLimit < 0) {
            throw Errors.invalid("metrics partition series limit must be >= 0 (0 = none), got " + partitionSeriesLimit);
        }
        host = host == null || host.isBlank() ? DEFAULT_HOST : host;
    }

    /** The documented defaults: port {@value #DEFAULT_PORT} on every interface. */
    public static MetricsSettings defaults() {
        return new MetricsSettings(DEFAULT_PORT, DEFAULT_HOST, DEFAULT_PARTITION_SERIES_LIMIT);
    }

    /** No HTTP endpoint (meters are still recorded): the config records' default, for embedding. */
    public static MetricsSettings disabled() {
        return new MetricsSettings(DISABLED, DEFAULT_HOST, DEFAULT_PARTITION_SERIES_LIMIT);
    }

    /** An endpoint on {@code host}, with the default partition series limit. */
    public static MetricsSettings on(String host, int port) {
        return new MetricsSettings(port, host, DEFAULT_PARTITION_SERIES_LIMIT);
    }

    public boolean enabled() {
        return port != DISABLED;
    }

    public MetricsSettings withPartitionSeriesLimit(int limit) {
        return new MetricsSettings(port, host, limit);
    }
}
