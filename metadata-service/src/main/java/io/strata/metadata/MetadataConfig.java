package io.strata.metadata;

import io.strata.common.error.Errors;
import io.strata.common.metrics.MetricsSettings;
import io.strata.common.net.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything one metadata-service peer needs to run.
 *
 * @param peerId        this peer's id in the Raft group (e.g. {@code m1}); must appear in {@code peers}
 * @param peers         every peer of the group: id, Raft address and API address. Default: none (required)
 * @param apiBind       where this peer serves the MetadataService gRPC API. Default: {@code 127.0.0.1:9420}
 * @param dataDir       directory for the Raft log and snapshots. Default: {@code ./strata-data/metadata-<peerId>}
 * @param clusterName   names the Raft group; peers of one cluster must agree. Default: {@code strata}
 * @param snapshotEvery take a snapshot (and purge the log before it) every this many entries. Default: 10000
 * @param callTimeout   how long an API call waits for the Raft group (no leader, slow quorum). Default: 10 s
 * @param logSegmentBytes roll the Raft log to a new segment file at this size; only whole closed
 *                      segments below a snapshot are purged. Default: 8 MiB
 * @param nodeLease     a storage node that has not heartbeated for this long is fenced; nodes
 *                      heartbeat every third of it. Default: 2.5 s (failover within about 3 s; Kafka: 9 s)
 * @param autoPreferredLeaderElection move leadership back to a node where it is a partition's
 *                      preferred (first) replica as soon as it is live and in the ISR again: when
 *                      it returns (registers or heartbeats after being fenced) and when an
 *                      AlterPartition brings it back into the ISR. Default: true
 * @param groupHeartbeatInterval how often consumer-group members heartbeat (at most a third of
 *                      their session timeout); a rebalance step waits for up to one interval.
 *                      Default: 1 s (Kafka: 5 s)
 * @param metrics       the Prometheus endpoint ({@link MetricsSettings}): none by default here, since
 *                      embedders run several peers in one JVM; the launcher ({@code strata metadata}) and
 *                      the chart serve {@code 0.0.0.0:9464}. Per-partition series cap for group series 1000
 */
public record MetadataConfig(
        String peerId,
        List<Peer> peers,
        HostPort apiBind,
        Path dataDir,
        String clusterName,
        long snapshotEvery,
        Duration callTimeout,
        long logSegmentBytes,
        Duration nodeLease,
        boolean autoPreferredLeaderElection,
        Duration groupHeartbeatInterval,
        MetricsSettings metrics) {

    /** One member of the metadata Raft group. */
    public record Peer(String id, HostPort raftAddress, HostPort apiAddress) {
        /** Parses {@code id=raftHost:raftPort/apiHost:apiPort}. */
        public static Peer parse(String text) {
            int eq = text.indexOf('=');
            int slash = text.indexOf('/');
            if (eq <= 0 || slash < eq) {
                throw Errors.invalid("metadata peer '" + text + "' is not ID=RAFT_HOST:PORT/API_HOST:PORT");
            }
            return new Peer(text.substring(0, eq).trim(), HostPort.parse(text.substring(eq + 1, slash)),
                    HostPort.parse(text.substring(slash + 1)));
        }

        @Override
        public String toString() {
            return id + "=" + raftAddress + "/" + apiAddress;
        }
    }

    public static final long DEFAULT_SNAPSHOT_EVERY = 10_000;
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);
    public static final long DEFAULT_LOG_SEGMENT_BYTES = 8L * 1024 * 1024;
    public static final Duration DEFAULT_NODE_LEASE = Duration.ofMillis(2500);
    public static final Duration DEFAULT_GROUP_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

    public MetadataConfig {
        if (peers.stream().noneMatch(p -> p.id().equals(peerId))) {
            throw Errors.invalid("peer id '" + peerId + "' is not one of the configured peers " + peers);
        }
        peers = List.copyOf(peers);
        if (snapshotEvery < 1 || logSegmentBytes < 1024) {
            throw Errors.invalid("snapshotEvery must be >= 1 and logSegmentBytes >= 1024, got "
                    + snapshotEvery + " and " + logSegmentBytes);
        }
        if (nodeLease.toMillis() < 30) {
            throw Errors.invalid("node lease must be at least 30 ms, got " + nodeLease.toMillis() + " ms");
        }
        if (groupHeartbeatInterval.toMillis() < 10) {
            throw Errors.invalid("group heartbeat interval must be at least 10 ms, got "
                    + groupHeartbeatInterval.toMillis() + " ms");
        }
    }

    /** Parses a comma-separated peer list. */
    public static List<Peer> parsePeers(String text) {
        List<Peer> out = new ArrayList<>();
        for (String p : text.split(",")) {
            if (!p.isBlank()) {
                out.add(Peer.parse(p.trim()));
            }
        }
        return out;
    }

    /** A config with the documented defaults for everything but identity and peers. */
    public static MetadataConfig of(String peerId, List<Peer> peers, Path dataDir) {
        HostPort api = peers.stream().filter(p -> p.id().equals(peerId)).findFirst()
                .map(Peer::apiAddress).orElse(new HostPort("127.0.0.1", 9420));
        return new MetadataConfig(peerId, peers, api, dataDir, "strata", DEFAULT_SNAPSHOT_EVERY, DEFAULT_CALL_TIMEOUT,
                DEFAULT_LOG_SEGMENT_BYTES, DEFAULT_NODE_LEASE, true, DEFAULT_GROUP_HEARTBEAT_INTERVAL,
                MetricsSettings.disabled());
    }

    public MetadataConfig withApiBind(HostPort bind) {
        return new MetadataConfig(peerId, peers, bind, dataDir, clusterName, snapshotEvery, callTimeout,
                logSegmentBytes, nodeLease, autoPreferredLeaderElection,
                groupHeartbeatInterval, metrics);
    }

    public MetadataConfig withSnapshotEvery(long entries) {
        return new MetadataConfig(peerId, peers, apiBind, dataDir, clusterName, entries, callTimeout,
                logSegmentBytes, nodeLease, autoPreferredLeaderElection,
                groupHeartbeatInterval, metrics);
    }

    public MetadataConfig withLogSegmentBytes(long bytes) {
        return new MetadataConfig(peerId, peers, apiBind, dataDir, clusterName, snapshotEvery, callTimeout,
                bytes, nodeLease, autoPreferredLeaderElection, groupHeartbeatInterval, metrics);
    }

    public MetadataConfig withNodeLease(Duration lease) {
        return new MetadataConfig(peerId, peers, apiBind, dataDir, clusterName, snapshotEvery, callTimeout,
                logSegmentBytes, lease, autoPreferredLeaderElection, groupHeartbeatInterval, metrics);
    }

    public MetadataConfig withAutoPreferredLeaderElection(boolean enabled) {
        return new MetadataConfig(peerId, peers, apiBind, dataDir, clusterName, snapshotEvery, callTimeout,
                logSegmentBytes, nodeLease, enabled, groupHeartbeatInterval, metrics);
    }

    public MetadataConfig withGroupHeartbeatInterval(Duration interval) {
        return new MetadataConfig(peerId, peers, apiBind, dataDir, clusterName, snapshotEvery, callTimeout,
                logSegmentBytes, nodeLease, autoPreferredLeaderElection, interval, metrics);
    }

    public MetadataConfig withMetrics(MetricsSettings settings) {
        return new MetadataConfig(peerId, peers, apiBind, dataDir, clusterName, snapshotEvery, callTimeout,
                logSegmentBytes, nodeLease, autoPreferredLeaderElection, groupHeartbeatInterval, settings);
    }

    public Peer self() {
        return peers.stream().filter(p -> p.id().equals(peerId)).findFirst().orElseThrow();
    }
}
