package io.strata.gateway;

import io.grpc.ClientInterceptor;
import io.strata.common.metadata.MetadataClient;
import io.strata.common.metrics.ServiceMetrics;
import io.strata.gateway.metrics.GatewayMetrics;
import io.strata.common.net.AliasingMarshaller;
import io.strata.common.net.HostPort;
import io.strata.common.server.GrpcServer;
import io.strata.gateway.admin.AdminService;
import io.strata.gateway.consume.ConsumerService;
import io.strata.gateway.consume.CoordinatorLink;
import io.strata.gateway.consume.GroupOffsets;
import io.strata.gateway.consume.PartitionReader;
import io.strata.gateway.produce.AppendStreams;
import io.strata.gateway.produce.ProduceHandler;
import io.strata.gateway.produce.ProducerService;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProducerGrpc;
import io.strata.gateway.routing.MetadataCache;
import io.strata.common.net.NodeChannels;
import io.strata.gateway.routing.PartitionRouter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway: serves the public Producer, Consumer and Admin APIs, routing produce and reads
 * to partition leaders from a metadata image it keeps current through the watch stream.
 * Stateless apart from consumer sessions, which live as long as their streams.
 */
public final class GatewayServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

    private final GatewayConfig config;
    private MetadataClient metadata;
    private AutoCloseable watch;
    private NodeChannels channels;
    private PartitionRouter router;
    private AppendStreams appends;
    private GrpcServer server;
    private CoordinatorLink coordinator;
    /**
     * Runs work that may wait on the metadata service (a refresh for a topic the image does not
     * know yet, a group commit), which must not run on transport threads: produce calls and every
     * storage-node answer are handled there.
     */
    private final ExecutorService metadataWaits = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "gateway-metadata-waits");
        t.setDaemon(true);
        return t;
    });
    private ServiceMetrics serviceMetrics;

    public GatewayServer(GatewayConfig config) {
        this.config = config;
    }

    public GatewayServer start() {
        serviceMetrics = new ServiceMetrics("gateway", config.bind().toString(), config.metrics()).start();
        GatewayMetrics metrics = new GatewayMetrics(serviceMetrics);
        ClientInterceptor clientMetrics = serviceMetrics.grpc().clientInterceptor();
        metadata = new MetadataClient(config.metadata(), config.requestTimeout(), clientMetrics);
        MetadataCache cache = new MetadataCache(metadata, metadataWaits);
        // Storage-node answers are handled on the transport threads: a hand-off to a pool per
        // answer cost more CPU than the handling (about 8% of a consuming cluster's). Nothing that
        // follows a routed call may block; what might wait goes to metadataWaits.
        channels = new NodeChannels(true, clientMetrics);
        watch = metadata.watch(image -> {
            cache.update(image);
            channels.reconnectLive(image);
        });
        router = new PartitionRouter(cache, channels, metrics::retried);
        appends = new AppendStreams(channels);
        PartitionReader reader = new PartitionReader(router, config.requestTimeout());
        GroupOffsets offsets = new GroupOffsets(metadata, cache);
        coordinator = new CoordinatorLink(metadata, () -> address().toString());
        ConsumerService consumer = new ConsumerService(cache, reader, offsets, coordinator, metadataWaits,
                config.requestTimeout(), config.fetchMaxBytes());
        ProducerService producer = new ProducerService(
                new ProduceHandler(cache, router, appends, config.requestTimeout()), metrics);
        server = new GrpcServer("gateway", config.bind(), config.maxRequestBytes(), List.of(
                () -> AliasingMarshaller.forRequests(producer.bindService(),
                        ProduceRequest.getDefaultInstance(),
                        List.of(ProducerGrpc.getProduceMethod(), ProducerGrpc.getProduceStreamMethod())),
                consumer,
                new AdminService(metadata, cache, offsets, reader)),
                List.of(serviceMetrics.grpc().serverInterceptor()),
                // producing does not block (see ProducerService); consumer sessions and admin calls
                // wait on the metadata service, so they keep gRPC's pool
                Set.of(ProducerGrpc.SERVICE_NAME));
        server.onShutdown(producer::endStreams).startUnready();
        // Ready once the first metadata image is in: before it every call would wait for it or fail.
        CompletableFuture<Void> firstImage = cache.nextChange();
        if (cache.image().getVersion() > 0) {
            server.ready(true);
        } else {
            firstImage.thenRun(() -> server.ready(true));
        }
        log.info("gateway listening on {}:{}", config.bind().host(), server.port());
        return this;
    }

    public int port() {
        return server.port();
    }

    public HostPort address() {
        return new HostPort(config.bind().host(), server.port());
    }

    /**
     * Stops at once, the way a crash would: consumer-group members hosted here stop heartbeating
     * without leaving (the coordinator removes them when their sessions time out) and every
     * stream is cut. For fault tests.
     */
    public void halt() {
        if (coordinator != null) {
            coordinator.halt();
        }
        if (server != null) {
            server.halt();
        }
        close();
    }

    /** Stops: open consumer sessions leave their groups, calls in progress get a few seconds to finish. */
    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        if (coordinator != null) {
            coordinator.close();
        }
        try {
            if (watch != null) {
                watch.close();
            }
        } catch (Exception e) {
            log.debug("closing watch", e);
        }
        if (router != null) {
            router.close();
        }
        if (appends != null) {
            appends.close();
        }
        if (channels != null) {
            channels.close();
        }
        if (metadata != null) {
            metadata.close();
        }
        metadataWaits.shutdown();
        if (serviceMetrics != null) {
            serviceMetrics.close();
        }
    }

    /** The Prometheus scrape URL, or empty when metrics are not served. */
    public String metricsUrl() {
        return serviceMetrics.url();
    }
}
