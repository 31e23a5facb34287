package io.strata.cli.server;

import io.strata.common.error.Errors;
import io.strata.common.metrics.MetricsSettings;
import io.strata.common.net.HostPort;
import picocli.CommandLine.Option;

/** The metrics flags every server command shares. */
final class MetricsOptions {
    static final String DEFAULT_BIND = MetricsSettings.DEFAULT_HOST + ":" + MetricsSettings.DEFAULT_PORT;

    @Option(names = "--metrics-bind", defaultValue = DEFAULT_BIND,
            description = "Serve Prometheus metrics at http://HOST:PORT/metrics; port 0 picks a free port, 'off' "
                    + "serves none (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--metrics-partition-limit", defaultValue = "" + MetricsSettings.DEFAULT_PARTITION_SERIES_LIMIT,
            description = "At most this many partitions get series of their own; the rest are summed per topic as "
                    + "partition=\"other\"; 0 for none (default: ${DEFAULT-VALUE}).")
    int partitionLimit;

    MetricsSettings settings() {
        if ("off".equalsIgnoreCase(bind.trim())) {
            return MetricsSettings.disabled().withPartitionSeriesLimit(partitionLimit);
        }
        HostPort address;
        try {
            address = HostPort.parse(bind);
        } catch (RuntimeException e) {
            throw Errors.invalid("--metrics-bind '" + bind + "' is not HOST:PORT or 'off'");
        }
        return new MetricsSettings(address.port(), address.host(), partitionLimit);
    }
}
