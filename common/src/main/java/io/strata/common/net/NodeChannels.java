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
    private final ClientInterceptor[] interceptors;

    /** Channels whose every call passes {@code interceptors} (e.g. metrics). */
    public NodeChannels(ClientInterceptor... interceptors) {
        this.interceptors = interceptors.clone();
    }

    public ManagedChannel get(String address) {
        return channels.computeIfAbsent(address, a -> Channels.open(HostPort.parse(a), interceptors));
    }

    @Override
    public void close() {
        channels.values().forEach(Channels::close);
        channels.clear();
    }
}
