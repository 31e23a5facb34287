package io.strata.common.net;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One pooled gRPC channel per storage-node address, shared by every call to that node (gRPC
 * multiplexes calls over it): gateways routing to leaders, followers fetching. Thread-safe.
 */
public final class NodeChannels implements AutoCloseable {
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final boolean inlineCallbacks;
    private final ClientInterceptor[] interceptors;

    /** Channels whose every call passes {@code interceptors} (e.g. metrics); callbacks run on gRPC's pool. */
    public NodeChannels(ClientInterceptor... interceptors) {
        this(false, interceptors);
    }

    /**
     * @param inlineCallbacks run call callbacks on the transport threads ({@link Channels#openInline});
     *     only for users whose callbacks never block
     * @param interceptors    every call passes these (e.g. metrics)
     */
    public NodeChannels(boolean inlineCallbacks, ClientInterceptor... interceptors) {
        this.inlineCallbacks = inlineCallbacks;
        this.interceptors = interceptors.clone();
    }

    public ManagedChannel get(String address) {
        return channels.computeIfAbsent(address, a -> inlineCallbacks
                ? Channels.openInline(HostPort.parse(a), interceptors)
                : Channels.open(HostPort.parse(a), interceptors));
    }

    @Override
    public void close() {
        channels.values().forEach(Channels::close);
        channels.clear();
    }
}
