package io.strata.testkit;

import io.grpc.ManagedChannel;
import io.strata.common.metrics.MetricsSettings;
import io.strata.common.net.Channels;
import io.strata.common.net.FreePorts;
import io.strata.common.net.HostPort;
import io.strata.gateway.GatewayConfig;
import io.strata.gateway.GatewayServer;
import io.strata.metadata.MetadataConfig;
import io.strata.metadata.MetadataServer;
import io.strata.storage.StorageConfig;
import io.strata.storage.StorageNodeServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole Strata cluster in one JVM on loopback — real Ratis peers, real storage nodes with
 * their files, real gateways, all speaking gRPC over 127.0.0.1. Used by integration tests and
 * by {@code strata dev}. Any member can be stopped and started again on the same data, the way
 * a process restart would.
 *
 * <p>Ports: with {@code basePort} 0 every port is ephemeral; otherwise the fixed dev layout
 * is used: gateway {@code base + i}, metadata Raft {@code base+10+i}, metadata API
 * {@code base+20+i}, storage {@code base+30+i}; with metrics on, each member serves
 * {@code /metrics} on gateway {@code base+40+i}, metadata {@code base+50+i}, storage
 * {@code base+60+i} (ephemeral ports when {@code basePort} is 0).
 *
 * <p>Data layout under the data directory: {@code metadata-m<i>/}, {@code storage-<i>/}.
 * Not thread-safe: drive it from one thread.
 */
public final class LocalCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
    public static final int DEV_BASE_PORT = 9400;
    private ManagedChannel gatewayChannel;

    private final Path dataDir;
    private final List<MetadataConfig> metadataConfigs = new ArrayList<>();
    private final List<StorageConfig> storageConfigs = new ArrayList<>();
    private final List<GatewayConfig> gatewayConfigs = new ArrayList<>();
    private final MetadataServer[] metadata;
    private final StorageNodeServer[] storage;
    private final GatewayServer[] gateways;

    private LocalCluster(Builder b) {
        this.dataDir = b.dataDir;
        int[] ports = b.basePort == 0 ? FreePorts.find(b.metadataPeers * 2 + b.storageNodes + b.gateways) : null;
        int next = 0;
        List<MetadataConfig.Peer> peers = new ArrayList<>();
        for (int i = 0; i < b.metadataPeers; i++) {
            int raft = ports != null ? ports[next++] : b.basePort + 10 + i + 1;
            int api = ports != null ? ports[next++] : b.basePort + 20 + i + 1;
            peers.add(new MetadataConfig.Peer("m" + (i + 1), new HostPort(b.host, raft), new HostPort(b.host, api)));
        }
        for (int i = 0; i < peers.size(); i++) {
            MetadataConfig.Peer p = peers.get(i);
            metadataConfigs.add(MetadataConfig.of(p.id(), peers, dataDir.resolve("metadata-" + p.id()))
                    .withMetrics(metricsSettings(b, 50 + i + 1)));
        }
        List<HostPort> metadataApis = peers.stream().map(MetadataConfig.Peer::apiAddress).toList();
        for (int i = 0; i < b.storageNodes; i++) {
            int port = ports != null ? ports[next++] : b.basePort + 30 + i + 1;
            storageConfigs.add(b.storageConfig.apply(StorageConfig.of(i + 1, new HostPort(b.host, port),
                    dataDir.resolve("storage-" + (i + 1)), metadataApis).withMetrics(metricsSettings(b, 60 + i + 1))));
        }
        for (int i = 0; i < b.gateways; i++) {
            int port = ports != null ? ports[next++] : b.basePort + i;
            gatewayConfigs.add(GatewayConfig.of(new HostPort(b.host, port), metadataApis)
                    .withMetrics(metricsSettings(b, 40 + i)));
        }
        metadata = new MetadataServer[b.metadataPeers];
        storage = new StorageNodeServer[b.storageNodes];
        gateways = new GatewayServer[b.gateways];
    }

    /** Metrics on loopback at the member's dev-layout port (offset from the base), or none. */
    private static MetricsSettings metricsSettings(Builder b, int offset) {
        if (!b.metrics) {
            return MetricsSettings.disabled();
        }
        return MetricsSettings.on(b.host, b.basePort == 0 ? 0 : b.basePort + offset);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Shape of a cluster. Defaults: 3 metadata peers, 3 storage nodes, 1 gateway, a temp dir, ephemeral ports. */
    public static final class Builder {
        private int metadataPeers = 3;
        private int storageNodes = 3;
        private int gateways = 1;
        private Path dataDir;
        private int basePort;
        private String host = "127.0.0.1";
        private java.util.function.UnaryOperator<StorageConfig> storageConfig = c -> c;
        private boolean metrics;

        /** Every member serves Prometheus metrics at {@code /metrics} (default: off, meters are still kept). */
        public Builder metrics(boolean on) {
            this.metrics = on;
            return this;
        }

        public Builder metadataPeers(int n) {
            this.metadataPeers = n;
            return this;
        }

        public Builder storageNodes(int n) {
            this.storageNodes = n;
            return this;
        }

        public Builder gateways(int n) {
            this.gateways = n;
            return this;
        }

        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** 0 (default) for ephemeral ports, or the base of the fixed dev layout. */
        public Builder basePort(int port) {
            this.basePort = port;
            return this;
        }

        /** Adjusts every storage node's config (e.g. shorter retention checks); default: the documented defaults. */
        public Builder storageConfig(java.util.function.UnaryOperator<StorageConfig> adjust) {
            this.storageConfig = adjust;
            return this;
        }

        public LocalCluster build() {
            if (dataDir == null) {
                try {
                    dataDir = Files.createTempDirectory("strata-cluster-");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return new LocalCluster(this);
        }
    }

    /**
     * Starts every member — metadata peers, then storage nodes (which register), then gateways —
     * and waits until every storage node is live.
     */
    public LocalCluster start() {
        for (int i = 0; i < metadata.length; i++) {
            startMetadataPeer(i);
        }
        for (int i = 0; i < storage.length; i++) {
            startStorageNode(i);
        }
        for (int i = 0; i < gateways.length; i++) {
            gateways[i] = new GatewayServer(gatewayConfigs.get(i)).start();
        }
        // On a loaded machine a node may miss its first lease while everything warms up; it is
        // unfenced at its next heartbeat. Tests start from a cluster whose every node is live.
        await("every storage node live", 60_000, this::storageNodesLive);
        return this;
    }

    private boolean storageNodesLive() {
        for (MetadataServer m : metadata) {
            if (m != null && m.isLeader()) {
                return m.dumpState().getImage().getNodesList().stream()
                        .filter(n -> n.getState() == io.strata.proto.internal.NodeState.NODE_ALIVE)
                        .count() == storage.length;
            }
        }
        return false;
    }

    public void startMetadataPeer(int i) {
        metadata[i] = new MetadataServer(metadataConfigs.get(i)).start();
    }

    public void stopMetadataPeer(int i) {
        if (metadata[i] != null) {
            metadata[i].close();
            metadata[i] = null;
        }
    }

    public void startStorageNode(int i) {
        storage[i] = new StorageNodeServer(storageConfigs.get(i)).start();
    }

    /** Stops a storage node the way SIGTERM does: after handing its leaderships over (controlled shutdown). */
    public void stopStorageNode(int i) {
        if (storage[i] != null) {
            storage[i].close();
            storage[i] = null;
        }
    }

    /**
     * Stops a storage node without a controlled shutdown, so the cluster learns of it only when
     * its lease runs out — what a crash looks like from outside (its files still close cleanly).
     */
    public void stopStorageNodeAbruptly(int i) {
        if (storage[i] != null) {
            storage[i].closeWithoutControlledShutdown();
            storage[i] = null;
        }
    }

    /** Stops every storage node, then starts them again on the same data. */
    public void restartStorageNodes() {
        for (int i = 0; i < storage.length; i++) {
            stopStorageNode(i);
        }
        for (int i = 0; i < storage.length; i++) {
            startStorageNode(i);
        }
    }

    /** Stops gateway {@code i} the way a crash would (see {@link GatewayServer#halt()}). */
    public void haltGateway(int i) {
        if (gateways[i] != null) {
            gateways[i].halt();
            gateways[i] = null;
        }
    }

    public HostPort gatewayAddress() {
        return gatewayAddress(0);
    }

    /** A channel to the first gateway, opened on first use and closed with the cluster. */
    public synchronized ManagedChannel gatewayChannel() {
        if (gatewayChannel == null) {
            gatewayChannel = Channels.open(gatewayAddress());
        }
        return gatewayChannel;
    }

    public HostPort gatewayAddress(int i) {
        return gateways[i].address();
    }

    public List<HostPort> metadataAddresses() {
        return metadataConfigs.stream().map(c -> c.self().apiAddress()).toList();
    }

    public MetadataServer metadataPeer(int i) {
        return metadata[i];
    }

    public StorageNodeServer storageNode(int i) {
        return storage[i];
    }

    /**
     * The scrape URL of every running member that serves metrics, by member name
     * ({@code metadata-m1}, {@code storage-1}, {@code gateway-0}), in start order.
     */
    public java.util.Map<String, String> metricsUrls() {
        java.util.Map<String, String> urls = new java.util.LinkedHashMap<>();
        for (int i = 0; i < metadata.length; i++) {
            if (metadata[i] != null && !metadata[i].metricsUrl().isEmpty()) {
                urls.put("metadata-" + metadata[i].peerId(), metadata[i].metricsUrl());
            }
        }
        for (int i = 0; i < storage.length; i++) {
            if (storage[i] != null && !storage[i].metricsUrl().isEmpty()) {
                urls.put("storage-" + storage[i].nodeId(), storage[i].metricsUrl());
            }
        }
        for (int i = 0; i < gateways.length; i++) {
            if (gateways[i] != null && !gateways[i].metricsUrl().isEmpty()) {
                urls.put("gateway-" + i, gateways[i].metricsUrl());
            }
        }
        return urls;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Waits until {@code condition} holds, polling; fails with the cluster state after {@code timeoutMs}. */
    public void await(String what, long timeoutMs, BooleanSupplier condition) {
        Await.until(what, timeoutMs, 20, condition, this::describe);
    }

    /** A one-screen description of every member, for failure messages. */
    public String describe() {
        StringBuilder sb = new StringBuilder("cluster in ").append(dataDir).append('\n');
        for (int i = 0; i < metadata.length; i++) {
            MetadataServer m = metadata[i];
            sb.append("  metadata ").append(metadataConfigs.get(i).peerId()).append(": ")
                    .append(m == null ? "stopped" : (m.isLeader() ? "LEADER" : "follower") + " applied=" + m.appliedIndex())
                    .append('\n');
        }
        for (int i = 0; i < storage.length; i++) {
            StorageNodeServer s = storage[i];
            sb.append("  storage ").append(i + 1).append(": ")
                    .append(s == null ? "stopped" : "port " + s.port() + " metadata version " + s.metadataVersion())
                    .append('\n');
        }
        for (int i = 0; i < gateways.length; i++) {
            sb.append("  gateway ").append(i).append(": ")
                    .append(gateways[i] == null ? "stopped" : gateways[i].address()).append('\n');
        }
        return sb.toString();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (gatewayChannel != null) {
                Channels.close(gatewayChannel);
                gatewayChannel = null;
            }
        }
        for (int i = 0; i < gateways.length; i++) {
            if (gateways[i] != null) {
                gateways[i].close();
                gateways[i] = null;
            }
        }
        for (int i = 0; i < storage.length; i++) {
            stopStorageNode(i);
        }
        for (int i = 0; i < metadata.length; i++) {
            stopMetadataPeer(i);
        }
        log.info("cluster stopped (data kept in {})", dataDir);
    }
}
