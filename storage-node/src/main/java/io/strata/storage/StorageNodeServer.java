package io.strata.storage;

import io.strata.common.error.StrataException;
import io.strata.common.metadata.MetadataClient;
import io.strata.common.net.AliasingMarshaller;
import io.strata.common.net.Channels;
import io.strata.common.metrics.ServiceMetrics;
import io.strata.common.net.HostPort;
import io.strata.common.net.NodeChannels;
import io.strata.storage.replication.IsrManager;
import io.strata.storage.replication.ReplicaFetcher;
import io.strata.common.server.GrpcServer;
import io.strata.proto.ErrorReason;
import io.strata.proto.internal.AppendRequest;
import io.strata.proto.internal.ControlledShutdownRequest;
import io.strata.proto.internal.HeartbeatRequest;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.PartitionHighWatermark;
import io.strata.proto.internal.RegisterNodeRequest;
import io.strata.proto.internal.StorageNodeGrpc;
import io.strata.storage.api.StorageApiService;
import io.strata.storage.log.LogManager;
import io.strata.storage.membership.ControlledShutdown;
import io.strata.storage.metrics.StorageMetrics;
import io.strata.storage.partition.PartitionReplica;
import io.strata.storage.partition.ReplicaManager;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One storage node: serves the StorageNode API, registers with the metadata service (with a
 * new incarnation on every start), keeps its lease by heartbeating (on a daemon thread, as
 * often as the metadata leader asks; a node that stops is fenced and its partitions are led
 * elsewhere) and follows the metadata image to learn which partition replicas it holds and
 * which it leads. Every few seconds, and when it stops, it checkpoints its replicas' high
 * watermarks. Stopping it ({@link #close}, SIGTERM) first hands its leaderships over
 * ({@link ControlledShutdown}).
 *
 * <p>Its health answers ready ({@link GrpcServer#READINESS}) only while the metadata image has it
 * live and every replica it holds in its partition's ISR: a node that restarted is not ready
 * until it caught up, so a rolling update does not stop the next node meanwhile.
 */
public final class StorageNodeServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StorageNodeServer.class);

    private static final long FAILED_HEARTBEAT_RETRY_MS = 500;
    /** How often replica states (log sizes, lag, leaderships) are re-read into gauges. */
    private static final long METRICS_REFRESH_MS = 2_000;

    private final StorageConfig config;
    private final ReplicaManager replicas;
    private final ServiceMetrics serviceMetrics;
    private final StorageMetrics metrics;
    /** Only the replica fetcher calls peers; its callbacks append to the page cache and never block. */
    private final NodeChannels peers;
    private final ScheduledExecutorService replication = replicationScheduler();
    private final ScheduledExecutorService isrChecks = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "isr-manager");
        t.setDaemon(true);
        return t;
    });
    private MetadataClient metadata;

    /** Fetch retries and the timers of fetches in flight, which nearly all end long before they are due. */
    private static ScheduledExecutorService replicationScheduler() {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(2, r -> {
            Thread t = new Thread(r, "replica-fetcher");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        return scheduler;
    }
    private AutoCloseable watch;
    /** What readiness last answered (changed on the watch thread only). */
    private volatile boolean ready;
    /** Set when a stop begins: images that arrive during the controlled shutdown leave it unready. */
    private volatile boolean stopping;
    private ScheduledExecutorService heartbeats;
    private GrpcServer server;
    private RegisterNodeRequest registration;

    public StorageNodeServer(StorageConfig config) {
        this.config = config;
        this.serviceMetrics = new ServiceMetrics("storage", Integer.toString(config.nodeId()), config.metrics());
        this.peers = new NodeChannels(true, serviceMetrics.grpc().clientInterceptor());
        this.replicas = new ReplicaManager(config.nodeId(), config.dataDir(), config.maxBatchBytes(),
                new LogManager(config.logSettings(), System::currentTimeMillis,
                        StorageMetrics.fsyncTimes(serviceMetrics)),
                new ReplicaFetcher(config.nodeId(), peers, replication,
                        StorageMetrics.replicaFetchEvents(serviceMetrics)));
        this.metrics = new StorageMetrics(serviceMetrics, replicas::all);
    }

    public StorageNodeServer start() {
        serviceMetrics.start();
        StorageApiService api = new StorageApiService(replicas, config.maxReadBytes(), metrics);
        server = new GrpcServer("storage node " + config.nodeId(), config.bind(),
                Channels.MAX_INBOUND_MESSAGE_BYTES,
                List.of(() -> AliasingMarshaller.forRequests(api.bindService(),
                        AppendRequest.getDefaultInstance(),
                        List.of(StorageNodeGrpc.getAppendStreamMethod()))),
                List.of(serviceMetrics.grpc().serverInterceptor()),
                // every StorageNode handler is non-blocking: appends write to the page cache and
                // wait for fsync and replication through futures
                Set.of(StorageNodeGrpc.SERVICE_NAME))
                .onShutdown(api::endStreams)
                .startUnready(); // ready once registered and in sync
        HostPort advertised = config.advertised() != null ? config.advertised()
                : new HostPort(config.bind().host(), server.port());
        metadata = new MetadataClient(config.metadata(), config.registerTimeout(),
                serviceMetrics.grpc().clientInterceptor());
        registration = RegisterNodeRequest.newBuilder()
                .setId(config.nodeId()).setAddress(advertised.toString()).setRack(config.rack())
                .setIncarnation(System.currentTimeMillis()).build();
        try {
            metadata.call(stub -> stub.registerNode(registration));
        } catch (StrataException e) {
            closeWithoutControlledShutdown();
            throw e;
        }
        startHeartbeats(registration);
        // ISR changes make blocking metadata calls: their own thread, never the fetch loops'.
        IsrManager isr = new IsrManager(config.nodeId(), metadata, replicas::all, config.replicaLagMaxMs(),
                replicas::isLive, metrics::isrChanged);
        isrChecks.scheduleWithFixedDelay(isr::check, config.replicaLagMaxMs() / 4, config.replicaLagMaxMs() / 4,
                java.util.concurrent.TimeUnit.MILLISECONDS);
        isrChecks.scheduleWithFixedDelay(this::checkpointHighWatermarks, config.hwCheckpointIntervalMs(),
                config.hwCheckpointIntervalMs(), TimeUnit.MILLISECONDS);
        isrChecks.scheduleWithFixedDelay(this::refreshMetrics, 0, METRICS_REFRESH_MS, TimeUnit.MILLISECONDS);
        watch = metadata.watch(this::apply);
        log.info("storage node {} registered as {} (data in {})", config.nodeId(), advertised, config.dataDir());
        return this;
    }

    /** Applies a metadata image; readiness follows whether this node is live and every replica of it in sync. */
    private void apply(MetadataImage image) {
        replicas.apply(image);
        peers.reconnectLive(image);
        boolean inSync = !stopping && replicas.inSync();
        if (inSync != ready) { // the server started unready, as this flag did
            ready = inSync;
            server.ready(inSync);
            if (inSync) {
                log.info("storage node {} ready: live, and every replica it holds in its ISR", config.nodeId());
            } else if (!stopping) {
                log.info("storage node {} not ready: replicas outside their ISR {}", config.nodeId(), replicas.outOfSync());
            }
        }
    }

    private void startHeartbeats(RegisterNodeRequest registration) {
        heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "storage-heartbeat-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
        HeartbeatRequest.Builder beat = HeartbeatRequest.newBuilder().setNodeId(registration.getId())
                .setIncarnation(registration.getIncarnation());
        heartbeats.execute(new Runnable() {
            @Override
            public void run() {
                long nextMs = FAILED_HEARTBEAT_RETRY_MS;
                try {
                    HeartbeatRequest request = withHighWatermarks(beat);
                    nextMs = metadata.call(stub -> stub.heartbeat(request)).getHeartbeatIntervalMs();
                } catch (StrataException e) {
                    if (e.reason() == ErrorReason.INVALID_ARGUMENT) {
                        log.warn("metadata service does not know node {} ({}); registering again",
                                config.nodeId(), e.getMessage());
                        reRegister(registration);
                    } else {
                        log.debug("heartbeat of node {} failed: {}", config.nodeId(), e.getMessage());
                    }
                } catch (RuntimeException e) {
                    log.warn("heartbeat of node {} failed", config.nodeId(), e);
                }
                if (!heartbeats.isShutdown()) {
                    heartbeats.schedule(this, Math.max(1, nextMs), TimeUnit.MILLISECONDS);
                }
            }
        });
    }

    /** The heartbeat, carrying the high watermark of every partition this node leads (for group lag). */
    private HeartbeatRequest withHighWatermarks(HeartbeatRequest.Builder beat) {
        beat.clearHighWatermarks();
        for (PartitionReplica replica : replicas.all()) {
            PartitionReplica.Role role = replica.role();
            if (role.leader()) {
                beat.addHighWatermarks(PartitionHighWatermark.newBuilder().setTopic(replica.topic())
                        .setPartition(replica.partition()).setHighWatermark(role.hw().value()));
            }
        }
        return beat.build();
    }

    private void refreshMetrics() {
        try {
            metrics.refresh();
        } catch (RuntimeException e) {
            log.warn("node {} could not refresh its metrics", config.nodeId(), e);
        }
    }

    /** The Prometheus scrape URL, or empty when metrics are not served. */
    public String metricsUrl() {
        return serviceMetrics.url();
    }

    private void reRegister(RegisterNodeRequest registration) {
        try {
            metadata.call(stub -> stub.registerNode(registration));
        } catch (StrataException e) {
            log.warn("node {} could not register again: {}", config.nodeId(), e.getMessage());
        }
    }

    public int port() {
        return server.port();
    }

    public int nodeId() {
        return config.nodeId();
    }

    /** The metadata version this node has applied. */
    public long metadataVersion() {
        return replicas.appliedVersion();
    }

    private void checkpointHighWatermarks() {
        try {
            replicas.checkpointHighWatermarks();
        } catch (RuntimeException e) {
            log.warn("node {} could not checkpoint its high watermarks", config.nodeId(), e);
        }
    }

    /**
     * Stops the node after a controlled shutdown: the controller first moves its leaderships to
     * in-sync replicas (waiting at most {@code controlledShutdownTimeout}), so producers move on
     * at once rather than after a node lease.
     */
    @Override
    public void close() {
        stopping = true;
        if (server != null) {
            server.ready(false);
        }
        if (registration != null && server != null && !config.controlledShutdownTimeout().isZero()) {
            ControlledShutdown.run(metadata, ControlledShutdownRequest.newBuilder().setNodeId(config.nodeId())
                    .setIncarnation(registration.getIncarnation()).build(), config.controlledShutdownTimeout(),
                    replicas::appliedVersion);
        }
        closeWithoutControlledShutdown();
    }

    /**
     * Stops the node without telling the controller first, as a crash would look to the rest of
     * the cluster: its partitions move only once its lease runs out. (The files are still closed
     * cleanly; use a separate process and SIGKILL for a real crash.)
     */
    public void closeWithoutControlledShutdown() {
        if (heartbeats != null) {
            heartbeats.shutdownNow();
        }
        try {
            if (watch != null) {
                watch.close();
            }
        } catch (Exception e) {
            log.debug("closing watch", e);
        }
        if (server != null) {
            server.close();
        }
        replicas.close();
        replication.shutdownNow();
        isrChecks.shutdownNow();
        peers.close();
        if (metadata != null) {
            metadata.close();
        }
        serviceMetrics.close();
    }
}
