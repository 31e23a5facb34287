package io.strata.storage;

import io.strata.common.error.Errors;
import io.strata.common.metrics.MetricsSettings;
import io.strata.common.net.HostPort;
import io.strata.storage.log.LogManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything one storage node needs to run.
 *
 * @param nodeId           unique id of this node in the cluster (>= 0). Required
 * @param bind             where the StorageNode gRPC API listens. Default {@code 127.0.0.1:9430}; port 0 picks one
 * @param advertised       address other components use to reach this node; null means the bound address
 * @param rack             failure domain for rack-aware placement; empty when not declared. Default empty
 * @param dataDir          directory holding one sub-directory per partition replica. Required
 * @param metadata         metadata-service API addresses (any subset of the peers). Required
 * @param maxBatchBytes    largest record batch accepted, in bytes. Default 16 MiB
 * @param maxReadBytes     cap on the bytes one read returns. Default 16 MiB
 * @param registerTimeout  how long start-up waits for the metadata service to accept registration. Default 60 s
 * @param logSettings      background log work: fsync threads (16), retention check interval (30 s),
 *                         release of idle segments' file handles after (60 s)
 * @param replicaLagMaxMs  a follower not caught up with its leader for this long leaves the ISR
 *                         (Kafka's replica.lag.time.max.ms). Default 10 s
 * @param controlledShutdownTimeout how long stopping (SIGTERM, {@code close()}) waits for the
 *                         controller to move this node's leaderships elsewhere before it stops
 *                         anyway; 0 skips the hand-over (partitions move one node lease later). Default 10 s
 * @param hwCheckpointIntervalMs how often every replica's high watermark is written to
 *                         {@code <dataDir>/replication-offset-checkpoint} (also on a clean stop), so a
 *                         restarted node serves what was committed at once (Kafka's
 *                         replica.high.watermark.checkpoint.interval.ms). Default 5 s
 * @param metrics          the Prometheus endpoint ({@link MetricsSettings}): none by default here, since
 *                         embedders run several services in one JVM; the launcher ({@code strata storage})
 *                         and the chart serve {@code 0.0.0.0:9464}. Per-partition series cap 1000 partitions
 */
public record StorageConfig(
        int nodeId,
        HostPort bind,
        HostPort advertised,
        String rack,
        Path dataDir,
        List<HostPort> metadata,
        int maxBatchBytes,
        int maxReadBytes,
        Duration registerTimeout,
        LogManager.Settings logSettings,
        long replicaLagMaxMs,
        Duration controlledShutdownTimeout,
        long hwCheckpointIntervalMs,
        MetricsSettings metrics) {

    public static final int DEFAULT_MAX_BATCH_BYTES = 16 * 1024 * 1024;
    public static final int DEFAULT_MAX_READ_BYTES = 16 * 1024 * 1024;
    public static final Duration DEFAULT_REGISTER_TIMEOUT = Duration.ofSeconds(60);
    public static final long DEFAULT_REPLICA_LAG_MAX_MS = 10_000;
    public static final long DEFAULT_CONTROLLED_SHUTDOWN_TIMEOUT_MS = 10_000;
    public static final long DEFAULT_HW_CHECKPOINT_INTERVAL_MS = 5_000;

    public StorageConfig {
        metadata = List.copyOf(metadata);
        rack = rack == null ? "" : rack;
        if (controlledShutdownTimeout.isNegative()) {
            throw Errors.invalid("controlled shutdown timeout must be >= 0, got " + controlledShutdownTimeout.toMillis()
                    + " ms");
        }
        if (hwCheckpointIntervalMs < 1) {
            throw Errors.invalid("high watermark checkpoint interval must be >= 1 ms, got " + hwCheckpointIntervalMs);
        }
    }

    /** A config with the documented defaults. */
    public static StorageConfig of(int nodeId, HostPort bind, Path dataDir, List<HostPort> metadata) {
        return new StorageConfig(nodeId, bind, null, "", dataDir, metadata, DEFAULT_MAX_BATCH_BYTES,
                DEFAULT_MAX_READ_BYTES, DEFAULT_REGISTER_TIMEOUT, LogManager.Settings.defaults(),
                DEFAULT_REPLICA_LAG_MAX_MS, Duration.ofMillis(DEFAULT_CONTROLLED_SHUTDOWN_TIMEOUT_MS), DEFAULT_HW_CHECKPOINT_INTERVAL_MS,
                MetricsSettings.disabled());
    }

    public StorageConfig withReplicaLagMaxMs(long ms) {
        return new StorageConfig(nodeId, bind, advertised, rack, dataDir, metadata, maxBatchBytes, maxReadBytes,
                registerTimeout, logSettings, ms, controlledShutdownTimeout, hwCheckpointIntervalMs, metrics);
    }

    public StorageConfig withControlledShutdownTimeout(Duration timeout) {
        return new StorageConfig(nodeId, bind, advertised, rack, dataDir, metadata, maxBatchBytes, maxReadBytes,
                registerTimeout, logSettings, replicaLagMaxMs, timeout, hwCheckpointIntervalMs, metrics);
    }

    public StorageConfig withLogSettings(LogManager.Settings settings) {
        return new StorageConfig(nodeId, bind, advertised, rack, dataDir, metadata, maxBatchBytes, maxReadBytes,
                registerTimeout, settings, replicaLagMaxMs, controlledShutdownTimeout, hwCheckpointIntervalMs, metrics);
    }

    public StorageConfig withHwCheckpointIntervalMs(long ms) {
        return new StorageConfig(nodeId, bind, advertised, rack, dataDir, metadata, maxBatchBytes, maxReadBytes,
                registerTimeout, logSettings, replicaLagMaxMs, controlledShutdownTimeout, ms, metrics);
    }

    public StorageConfig withMetrics(MetricsSettings settings) {
        return new StorageConfig(nodeId, bind, advertised, rack, dataDir, metadata, maxBatchBytes, maxReadBytes,
                registerTimeout, logSettings, replicaLagMaxMs, controlledShutdownTimeout, hwCheckpointIntervalMs,
                settings);
    }
}
