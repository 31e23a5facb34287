package io.strata.common.server;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.strata.common.net.Channels;
import io.strata.common.net.HostPort;
import io.strata.common.net.LargeFrames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gRPC server as every Strata service runs it: plaintext Netty on one address (accepting
 * {@link LargeFrames large HTTP/2 frames}), the standard health service and server reflection so
 * tools like grpcurl can explore the API. Port 0 picks a free port.
 *
 * <p>Health answers for two names. The server as a whole ({@code ""}) is SERVING once started
 * and NOT_SERVING while stopping: liveness. {@link #READINESS} is SERVING only while the service
 * is ready to take its share of the cluster's work, which a service may decide later than start
 * ({@link #startUnready()}, {@link #ready(boolean)}): readiness probes ask for it.
 */
public final class GrpcServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);
    /** The health service name whose status says whether the service is ready (Kubernetes readiness). */
    public static final String READINESS = "strata.ready";

    private final String name;
    private final Server server;
    private final HealthStatusManager health = new HealthStatusManager();
    private final List<Runnable> shutdownHooks = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Runs the calls of services that may block, when the server runs the others inline; else null. */
    private final ExecutorService callPool;

    public GrpcServer(String name, HostPort bind, int maxInboundMessageBytes, List<BindableService> services) {
        this(name, bind, maxInboundMessageBytes, services, List.of(), Set.of());
    }

    /** A server whose every call also passes {@code interceptors} (metrics; later authentication). */
    public GrpcServer(String name, HostPort bind, int maxInboundMessageBytes, List<BindableService> services,
                      List<ServerInterceptor> interceptors) {
        this(name, bind, maxInboundMessageBytes, services, interceptors, Set.of());
    }

    /**
     * @param interceptors   every call passes these (metrics; later authentication)
     * @param inlineServices names of services (e.g. {@code strata.internal.v1.StorageNode}) whose
     *     handlers never block: their calls run on the transport threads rather than being handed
     *     to a thread pool. On the hot paths that hand-off (a queue transfer and a thread wake-up
     *     per message) costs more CPU than the handler itself. With any inline service, the other
     *     services' calls run on this server's own pool ({@link PooledServiceCalls}); health and
     *     reflection never block and run inline.
     */
    public GrpcServer(String name, HostPort bind, int maxInboundMessageBytes, List<BindableService> services,
                      List<ServerInterceptor> interceptors, Set<String> inlineServices) {
        this.name = name;
        NettyServerBuilder builder = LargeFrames.serverOn(new InetSocketAddress(bind.host(), bind.port()))
                .maxInboundMessageSize(maxInboundMessageBytes)
                // Our channels ping every Channels.KEEPALIVE_SECONDS; gRPC's default would answer GOAWAY.
                .permitKeepAliveTime(Channels.KEEPALIVE_SECONDS / 2, TimeUnit.SECONDS)
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance());
        if (inlineServices.isEmpty()) {
            callPool = null;
            services.forEach(builder::addService);
        } else {
            callPool = Executors.newCachedThreadPool(new ThreadFactoryBuilder().setDaemon(true)
                    .setNameFormat(name.replace(' ', '-') + "-calls-%d").build());
            builder.directExecutor();
            for (BindableService service : services) {
                ServerServiceDefinition definition = service.bindService();
                boolean inline = inlineServices.contains(definition.getServiceDescriptor().getName());
                builder.addService(inline ? definition : PooledServiceCalls.on(definition, callPool));
            }
        }
        interceptors.forEach(builder::intercept);
        this.server = builder.build();
    }

    /**
     * Runs {@code hook} on {@link #close} once the server takes no new calls, before it waits for
     * the running ones: for services that end their endless streams so the wait is short.
     */
    public GrpcServer onShutdown(Runnable hook) {
        shutdownHooks.add(hook);
        return this;
    }

    /** Starts listening, ready at once. */
    public GrpcServer start() {
        startUnready();
        ready(true);
        return this;
    }

    /** Starts listening, not yet ready: the service says when with {@link #ready(boolean)}. */
    public GrpcServer startUnready() {
        health.setStatus(READINESS, ServingStatus.NOT_SERVING);
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(name + " could not listen: " + e.getMessage(), e);
        }
        health.setStatus("", ServingStatus.SERVING);
        log.info("{} listening on port {}", name, port());
        return this;
    }

    /** Sets what the {@link #READINESS} health status answers (ignored once stopping). */
    public void ready(boolean ready) {
        health.setStatus(READINESS, ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    }

    public int port() {
        return server.getPort();
    }

    /** Stops at once: every call in progress is cut (for fault tests that simulate a crash). */
    public void halt() {
        health.enterTerminalState();
        server.shutdownNow();
        shutdownCallPool();
    }

    @Override
    public void close() {
        health.enterTerminalState();
        server.shutdown();
        shutdownHooks.forEach(Runnable::run);
        try {
            if (!server.awaitTermination(3, TimeUnit.SECONDS)) {
                server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        shutdownCallPool();
    }

    private void shutdownCallPool() {
        if (callPool != null) {
            callPool.shutdown(); // calls still running finish on their own; the threads are daemons
        }
    }
}
