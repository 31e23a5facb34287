package io.strata.storage;

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
        long replicaLagMaxMs) {

    public static final int DEFAULT_MAX_BATCH_BYTES = 16 * 1024 * 1024;
    public static final int DEFAULT_MAX_READ_BYTES = 16 * 1024 * 1024;
    public static final Duration DEFAULT_REGISTER_TIMEOUT = Duration.ofSeconds(60);
    public static final long DEFAULT_REPLICA_LAG_MAX_MS = 10_000;

    public StorageConfig {
        metadata = List.copyOf(metadata);
        rack = rack == null ? "" : rack;
    }

    /** A config with the documented defaults. */
    public static StorageConfig of(int nodeId, HostPort bind, Path dataDir, List<HostPort> metadata) {
        return new StorageConfig(nodeId, bind, null, "", dataDir, metadata, DEFAULT_MAX_BATCH_BYTES,
                DEFAULT_MAX_READ_BYTES, DEFAULT_REGISTER_TIMEOUT, LogManager.Settings.defaults(),
                DEFAULT_REPLICA_LAG_MAX_MS);
    }

    public StorageConfig withLogSettings(LogManager.Settings settings) {
        return new StorageConfig(nodeId, bind, advertised, rack, dataDir, metadata, maxBatchBytes, maxReadBytes,
                registerTimeout, settings, replicaLagMaxMs);
    }

    public StorageConfig withReplicaLagMaxMs(long ms) {
        return new StorageConfig(nodeId, bind, advertised, rack, dataDir, metadata, maxBatchBytes, maxReadBytes,
                registerTimeout, logSettings, ms);
    }
}
