package io.strata.common.net;

import io.grpc.ClientInterceptor;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.NodeState;
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

    /**
     * Has every channel to a node the image shows live, and that is waiting out gRPC's reconnect
     * backoff, try to connect now. A node that was down for a while is otherwise reached only when
     * that backoff (1 s, growing by 1.6 times per failed attempt to 2 minutes) lets its channel
     * try again: seconds after it came back and, through a preferred-leader election, took back
     * its leaderships, during which every call to it failed at once. Call on every new image.
     */
    public void reconnectLive(MetadataImage image) {
        for (NodeRecord node : image.getNodesList()) {
            ManagedChannel channel = node.getState() == NodeState.NODE_ALIVE ? channels.get(node.getAddress()) : null;
            if (channel != null && channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
                channel.resetConnectBackoff();
            }
        }
    }

    @Override
    public void close() {
        channels.values().forEach(Channels::close);
        channels.clear();
    }
}
