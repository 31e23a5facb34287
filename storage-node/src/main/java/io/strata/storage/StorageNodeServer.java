package io.strata.storage;

import io.strata.common.error.StrataException;
import io.strata.common.metadata.MetadataClient;
import io.strata.common.net.Channels;
import io.strata.common.net.HostPort;
import io.strata.common.net.NodeChannels;
import io.strata.storage.replication.ReplicaFetcher;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import io.strata.common.server.GrpcServer;
import io.strata.proto.internal.RegisterNodeRequest;
import io.strata.storage.api.StorageApiService;
import io.strata.storage.log.LogManager;
import io.strata.storage.partition.ReplicaManager;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One storage node: serves the StorageNode API, registers with the metadata service (with a
 * new incarnation on every start) and follows the metadata image to learn which partition
 * replicas it holds and which it leads.
 */
public final class StorageNodeServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StorageNodeServer.class);

    private final StorageConfig config;
    private final ReplicaManager replicas;
    private final NodeChannels peers = new NodeChannels();
    private final ScheduledExecutorService replication = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "replica-fetcher");
        t.setDaemon(true);
        return t;
    });
    private MetadataClient metadata;
    private AutoCloseable watch;
    private GrpcServer server;

    public StorageNodeServer(StorageConfig config) {
        this.config = config;
        this.replicas = new ReplicaManager(config.nodeId(), config.dataDir(), config.maxBatchBytes(),
                new LogManager(config.logSettings(), System::currentTimeMillis),
                new ReplicaFetcher(config.nodeId(), peers, replication));
    }

    public StorageNodeServer start() {
        server = new GrpcServer("storage node " + config.nodeId(), config.bind(),
                Channels.MAX_INBOUND_MESSAGE_BYTES,
                List.of(new StorageApiService(replicas, config.maxReadBytes()))).start();
        HostPort advertised = config.advertised() != null ? config.advertised()
                : new HostPort(config.bind().host(), server.port());
        metadata = new MetadataClient(config.metadata(), config.registerTimeout());
        RegisterNodeRequest registration = RegisterNodeRequest.newBuilder()
                .setId(config.nodeId()).setAddress(advertised.toString()).setRack(config.rack())
                .setIncarnation(System.currentTimeMillis()).build();
        try {
            metadata.call(stub -> stub.registerNode(registration));
        } catch (StrataException e) {
            close();
            throw e;
        }
        watch = metadata.watch(replicas::apply);
        log.info("storage node {} registered as {} (data in {})", config.nodeId(), advertised, config.dataDir());
        return this;
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

    @Override
    public void close() {
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
        peers.close();
        if (metadata != null) {
            metadata.close();
        }
    }
}
