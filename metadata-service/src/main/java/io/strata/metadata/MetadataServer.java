package io.strata.metadata;

import io.strata.common.metrics.ServiceMetrics;
import io.strata.common.net.Channels;
import io.strata.common.server.GrpcServer;
import io.strata.metadata.api.MetadataApiService;
import io.strata.metadata.api.RaftCommands;
import io.strata.metadata.controller.NodeLeaseController;
import io.strata.metadata.groups.GroupCoordinator;
import io.strata.metadata.metrics.GroupMetrics;
import io.strata.metadata.metrics.HighWatermarks;
import io.strata.metadata.metrics.RaftMetrics;
import io.strata.metadata.state.MetadataStateMachine;
import io.strata.metadata.watch.WatchHub;
import io.strata.proto.MetadataPeerDescription;
import io.strata.proto.internal.DescribeQuorumResponse;
import io.strata.proto.internal.MetadataSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One metadata-service peer: a Ratis server running {@link MetadataStateMachine} on its Raft
 * port, and the MetadataService gRPC API on its API port. Start three (or five) with the same
 * peer list to form the group; restart one on the same data directory and it recovers from
 * its snapshot and log.
 */
public final class MetadataServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetadataServer.class);
    /** How often group members, offsets and lag are re-read into gauges. */
    private static final long GROUP_METRICS_REFRESH_MS = 2_000;

    private final MetadataConfig config;
    private final WatchHub watchHub = new WatchHub();
    private final MetadataStateMachine stateMachine;
    private final RaftGroup group;
    private RaftServer raftServer;
    private RaftCommands raft;
    private NodeLeaseController controller;
    private GroupCoordinator groups;
    private GrpcServer api;
    private final ServiceMetrics metrics;
    private final HighWatermarks highWatermarks = new HighWatermarks();
    private final ScheduledExecutorService metricsRefresh = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "metadata-metrics");
        t.setDaemon(true);
        return t;
    });

    public MetadataServer(MetadataConfig config) {
        this.config = config;
        this.stateMachine = new MetadataStateMachine(config.dataDir().resolve("state"), watchHub::publish);
        List<RaftPeer> peers = config.peers().stream().map(p -> RaftPeer.newBuilder()
                .setId(p.id()).setAddress(p.raftAddress().toString()).build()).toList();
        UUID groupUuid = UUID.nameUUIDFromBytes(("strata-metadata:" + config.clusterName()).getBytes(StandardCharsets.UTF_8));
        this.group = RaftGroup.valueOf(RaftGroupId.valueOf(groupUuid), peers);
        this.metrics = new ServiceMetrics("metadata", config.peerId(), config.metrics());
    }

    public MetadataServer start() {
        try {
            metrics.start();
            RaftMetrics raftMetrics = new RaftMetrics(metrics.registry(), new RaftState(), stateMachine::localImage);
            GroupMetrics groupMetrics = new GroupMetrics(metrics.registry(), metrics.partitions(), highWatermarks);
            stateMachine.onApplied(raftMetrics::applied);
            RaftProperties props = raftProperties();
            raftServer = RaftServer.newBuilder()
                    .setServerId(RaftPeerId.valueOf(config.peerId()))
                    .setGroup(group)
                    .setStateMachine(stateMachine)
                    .setProperties(props)
                    .setOption(hasRaftStorage() ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
                    .build();
            raftServer.start();
            RaftClient client = RaftClient.newBuilder()
                    .setProperties(props)
                    .setRaftGroup(group)
                    .setLeaderId(null)
                    .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                            100, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                    .build();
            raft = new RaftCommands(client, config.callTimeout());
            controller = new NodeLeaseController(config.peerId(), config.nodeLease(),
                    config.autoPreferredLeaderElection(), this::isReadyLeader, stateMachine::localImage,
                    raft::submit, System::nanoTime);
            groups = new GroupCoordinator(config.peerId(), config.groupHeartbeatInterval(), this::isReadyLeader,
                    stateMachine::group, stateMachine::groups, raft::submit, System::nanoTime);
            stateMachine.onLeaderChanged(() -> {
                raftMetrics.leaderChanged();
                controller.onLeaderChanged();
                groups.onLeaderChanged();
            });
            controller.start();
            groups.start();
            metricsRefresh.scheduleWithFixedDelay(() -> refreshGroupMetrics(groupMetrics), 0, GROUP_METRICS_REFRESH_MS,
                    TimeUnit.MILLISECONDS);
            api = new GrpcServer("metadata " + config.peerId(), config.apiBind(), Channels.MAX_INBOUND_MESSAGE_BYTES,
                    List.of(new MetadataApiService(raft, RaftPeerId.valueOf(config.peerId()), stateMachine, watchHub,
                            controller, groups,
                            config.autoPreferredLeaderElection(), this::describeQuorum, highWatermarks)),
                    List.of(metrics.grpc().serverInterceptor())).start();
            log.info("metadata peer {} started: raft {} api port {}", config.peerId(),
                    config.self().raftAddress(), api.port());
            return this;
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("metadata peer " + config.peerId() + " failed to start: " + e.getMessage(), e);
        }
    }

    private void refreshGroupMetrics(GroupMetrics groupMetrics) {
        try {
            boolean leader = isReadyLeader();
            groupMetrics.refresh(leader, leader ? stateMachine.groups() : List.of(),
                    leader ? stateMachine.committedOffsets() : List.of(), System.currentTimeMillis());
        } catch (RuntimeException e) {
            log.warn("metadata peer {} could not refresh its group metrics", config.peerId(), e);
        }
    }

    /** The Prometheus scrape URL, or empty when metrics are not served. */
    public String metricsUrl() {
        return metrics.url();
    }

    /** This peer's Raft state as {@link RaftMetrics} reads it at scrape time. */
    private final class RaftState implements RaftMetrics.RaftView {
        private RaftServer.Division division() {
            return raftDivision().orElse(null);
        }

        @Override
        public int role() {
            RaftServer.Division d = division();
            return d == null ? 0 : d.getInfo().isLeader() ? 2 : d.getInfo().isFollower() ? 1 : 0;
        }

        @Override
        public long term() {
            RaftServer.Division d = division();
            return d == null ? 0 : d.getInfo().getCurrentTerm();
        }

        @Override
        public long commitIndex() {
            RaftServer.Division d = division();
            return d == null ? 0 : d.getRaftLog().getLastCommittedIndex();
        }

        @Override
        public long appliedIndex() {
            return MetadataServer.this.appliedIndex();
        }

        @Override
        public long snapshotIndex() {
            SnapshotInfo s = stateMachine.getLatestSnapshot();
            return s == null ? -1 : s.getIndex();
        }

        @Override
        public double snapshotAgeSeconds() {
            SnapshotInfo s = stateMachine.getLatestSnapshot();
            if (!(s instanceof FileListSnapshotInfo files) || files.getFiles().isEmpty()) {
                return Double.NaN;
            }
            try {
                long written = java.nio.file.Files.getLastModifiedTime(files.getFiles().get(0).getPath()).toMillis();
                return Math.max(0, System.currentTimeMillis() - written) / 1000.0;
            } catch (IOException e) {
                return Double.NaN;
            }
        }
    }

    /** Whether an earlier run left this group's Raft storage, which must be recovered, not formatted. */
    private boolean hasRaftStorage() {
        return java.nio.file.Files.isDirectory(raftDir().resolve(group.getGroupId().getUuid().toString()));
    }

    private java.nio.file.Path raftDir() {
        return config.dataDir().resolve("raft");
    }

    private RaftProperties raftProperties() {
        RaftProperties props = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(props, List.of(raftDir().toFile()));
        GrpcConfigKeys.Server.setPort(props, config.self().raftAddress().port());
        GrpcConfigKeys.Server.setHost(props, config.self().raftAddress().host());
        RaftServerConfigKeys.Read.setOption(props, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, config.snapshotEvery());
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(props, true);
        RaftServerConfigKeys.Log.setPurgeGap(props, (int) Math.min(1024, config.snapshotEvery()));
        RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf(config.logSegmentBytes()));
        // Ratis 3.3.0's composed follower appends acknowledge a resent, longer append as if it were
        // the shorter one still being written, so a follower could be counted for entries it never
        // held (see RaftFollowerAppendTest). The plain path appends what is missing and only then replies.
        RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(props, false);
        // A snapshot is a RocksDB checkpoint of several files, each sent as at least one chunk.
        // With Ratis' default of 8 unacknowledged chunks the leader's appender can wait forever
        // on a stream that already failed (seen when the follower restarted mid-install), so
        // let every chunk of a snapshot be in flight and rely on the per-chunk timeout instead.
        GrpcConfigKeys.Server.setInstallSnapshotRequestElementLimit(props, 4096);
        GrpcConfigKeys.Server.setInstallSnapshotRequestTimeout(props, TimeDuration.valueOf(10, TimeUnit.SECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(500, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(1000, TimeUnit.MILLISECONDS));
        return props;
    }

    /** Port of the MetadataService API (useful when configured as 0). */
    public int apiPort() {
        return api.port();
    }

    public String peerId() {
        return config.peerId();
    }

    /** Whether this peer currently leads the Raft group. */
    public boolean isLeader() {
        return raftDivision().map(d -> d.getInfo().isLeader()).orElse(false);
    }

    /** Whether this peer leads the Raft group and has applied its term's first entry. */
    private boolean isReadyLeader() {
        return raftDivision().map(d -> d.getInfo().isLeader() && d.getInfo().isLeaderReady()).orElse(false);
    }

    /** This peer's member of the metadata Raft group; empty before {@link #start} has built it. */
    Optional<RaftServer.Division> raftDivision() {
        try {
            return raftServer == null ? Optional.empty() : Optional.of(raftServer.getDivision(group.getGroupId()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The Raft index this peer has applied. */
    public long appliedIndex() {
        TermIndex ti = stateMachine.getLastAppliedTermIndex();
        return ti == null ? 0 : ti.getIndex();
    }

    /** Everything this peer has applied, for comparing peers in tests and diagnostics. */
    public MetadataSnapshot dumpState() {
        return stateMachine.dump();
    }

    /** How many times this peer loaded its state from a snapshot (installed from the leader or found on start). */
    public int snapshotLoads() {
        return stateMachine.snapshotLoads();
    }

    /** The first index still in this peer's Raft log (above 0 once a snapshot let Ratis purge it). */
    public long raftLogStartIndex() {
        return raftDivision().orElseThrow().getRaftLog().getStartIndex();
    }

    private DescribeQuorumResponse describeQuorum() {
        RaftPeerId leader = raftDivision().map(d -> d.getInfo().getLeaderId()).orElse(null);
        DescribeQuorumResponse.Builder b = DescribeQuorumResponse.newBuilder();
        for (MetadataConfig.Peer p : config.peers()) {
            String role = leader == null ? "UNKNOWN" : leader.toString().equals(p.id()) ? "LEADER" : "FOLLOWER";
            b.addPeers(MetadataPeerDescription.newBuilder().setId(p.id())
                    .setAddress(p.apiAddress().toString()).setRole(role));
        }
        return b.build();
    }

    @Override
    public void close() {
        metricsRefresh.shutdownNow();
        if (api != null) {
            api.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (groups != null) {
            groups.close();
        }
        try {
            if (raft != null) {
                raft.close();
            }
            if (raftServer != null) {
                raftServer.close();
            }
        } catch (IOException e) {
            log.warn("metadata peer {} did not close cleanly", config.peerId(), e);
        }
        watchHub.close();
        metrics.close();
    }
}
