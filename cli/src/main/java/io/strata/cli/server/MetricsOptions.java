package io.strata.cli.server;

import io.strata.common.metrics.MetricsSettings;
import picocli.CommandLine.Option;

/** The metrics flags every server command shares. */
final class MetricsOptions {
    @Option(names = "--metrics-port", defaultValue = "" + MetricsSettings.DEFAULT_PORT,
            description = "Serve Prometheus metrics at http://HOST:PORT/metrics; 0 picks a free port, -1 serves none "
                    + "(default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--metrics-host", defaultValue = MetricsSettings.DEFAULT_HOST,
            description = "Interface the metrics endpoint listens on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--metrics-partition-limit", defaultValue = "" + MetricsSettings.DEFAULT_PARTITION_SERIES_LIMIT,
            description = "At most this many partitions get series of their own; the rest are summed per topic as "
                    + "partition=\"other\"; 0 for none (default: ${DEFAULT-VALUE}).")
    int partitionLimit;

    MetricsSettings settings() {
        return new MetricsSettings(port, host, partitionLimit);
    }
}
