package io.strata.cli.server;

import io.strata.common.net.HostPort;
import io.strata.storage.StorageConfig;
import io.strata.storage.StorageNodeServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code strata storage}: one storage node. */
@Command(name = "storage", mixinStandardHelpOptions = true, description = "Run one storage node.")
public final class StorageCommand implements Callable<Integer> {
    @Option(names = "--node-id", required = true, description = "Unique node id (>= 0).")
    int nodeId;

    @Option(names = "--bind", defaultValue = "127.0.0.1:9431", description = "Listen address (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--advertised", description = "Address others use to reach this node (default: the bound address).")
    String advertised;

    @Option(names = "--rack", defaultValue = "", description = "Failure domain for replica placement.")
    String rack;

    @Option(names = "--data-dir", required = true, description = "Directory for partition logs.")
    Path dataDir;

    @Option(names = "--metadata", required = true, description = "Metadata API addresses, HOST:PORT comma-separated.")
    String metadata;

    @Option(names = "--max-batch-bytes", defaultValue = "" + StorageConfig.DEFAULT_MAX_BATCH_BYTES,
            description = "Largest batch accepted (default: ${DEFAULT-VALUE}).")
    int maxBatchBytes;

    @Option(names = "--replica-lag-max-ms", defaultValue = "" + StorageConfig.DEFAULT_REPLICA_LAG_MAX_MS,
            description = "A follower not caught up for this long leaves the ISR (default: ${DEFAULT-VALUE}).")
    long replicaLagMaxMs;

    @Option(names = "--controlled-shutdown-timeout-ms",
            defaultValue = "" + StorageConfig.DEFAULT_CONTROLLED_SHUTDOWN_TIMEOUT_MS,
            description = "On SIGTERM, wait this long for the controller to move this node's leaderships away "
                    + "before stopping; 0 skips it (default: ${DEFAULT-VALUE}).")
    long controlledShutdownTimeoutMs;

    @picocli.CommandLine.Mixin
    MetricsOptions metrics = new MetricsOptions();

    @Override
    public Integer call() {
        StorageConfig defaults = StorageConfig.of(nodeId, HostPort.parse(bind), dataDir, HostPort.parseList(metadata));
        StorageConfig config = new StorageConfig(nodeId, defaults.bind(),
                advertised == null ? null : HostPort.parse(advertised), rack, dataDir, defaults.metadata(),
                maxBatchBytes, defaults.maxReadBytes(), defaults.registerTimeout(), defaults.logSettings(), replicaLagMaxMs,
                Duration.ofMillis(controlledShutdownTimeoutMs), defaults.hwCheckpointIntervalMs(), metrics.settings());
        return ServerRunner.runUntilStopped(new StorageNodeServer(config).start());
    }
}
