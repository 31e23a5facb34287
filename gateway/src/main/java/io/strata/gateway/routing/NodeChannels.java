package io.strata.gateway.routing;

import io.grpc.ManagedChannel;
import io.strata.common.net.Channels;
import io.strata.common.net.HostPort;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One pooled gRPC channel per storage-node address, shared by every request the gateway
 * routes (gRPC multiplexes calls over it). Thread-safe.
 */
public final class NodeChannels implements AutoCloseable {
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    public ManagedChannel get(String address) {
        return channels.computeIfAbsent(address, a -> Channels.open(HostPort.parse(a)));
    }

    @Override
    public void close() {
        channels.values().forEach(Channels::close);
        channels.clear();
    }
}
