package io.strata.common.net;

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

    /** Channels whose callbacks run on gRPC's pool. */
    public NodeChannels() {
        this(false);
    }

    /**
     * @param inlineCallbacks run call callbacks on the transport threads ({@link Channels#openInline});
     *     only for users whose callbacks never block
     */
    public NodeChannels(boolean inlineCallbacks) {
        this.inlineCallbacks = inlineCallbacks;
    }

    public ManagedChannel get(String address) {
        return channels.computeIfAbsent(address, a -> inlineCallbacks ? Channels.openInline(HostPort.parse(a)) : Channels.open(HostPort.parse(a)));
    }

    @Override
    public void close() {
        channels.values().forEach(Channels::close);
        channels.clear();
    }
}
