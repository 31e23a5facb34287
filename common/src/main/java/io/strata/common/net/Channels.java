package io.strata.common.net;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/**
 * Creates the plaintext gRPC channels every Strata component uses to reach another (and our Java
 * client uses to reach a gateway), with {@link LargeFrames large HTTP/2 frames}.
 */
public final class Channels {
    /** Interval of keepalive pings on long calls (watch streams, long polls); servers permit it. */
    public static final long KEEPALIVE_SECONDS = 30;

    /** Large enough for a max-size fetch or produce plus framing. */
    public static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

    private Channels() {
    }

    /** A channel to {@code address}; every call on it passes {@code interceptors} (e.g. metrics). */
    public static ManagedChannel open(HostPort address, ClientInterceptor... interceptors) {
        return builder(address, interceptors).build();
    }

    /**
     * A channel whose call callbacks run on the transport threads instead of gRPC's pool: only
     * for callers whose callbacks never block, where the hand-off per message would cost more
     * than the callback (storage nodes fetching from each other).
     */
    public static ManagedChannel openInline(HostPort address, ClientInterceptor... interceptors) {
        return builder(address, interceptors).directExecutor().build();
    }

    private static NettyChannelBuilder builder(HostPort address, ClientInterceptor... interceptors) {
        return LargeFrames.channelTo(address.host(), address.port())
                .intercept(interceptors)
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS);
    }

    /** Shuts a channel down, waiting briefly for in-flight calls. */
    public static void close(ManagedChannel channel) {
        close(channel, java.time.Duration.ofSeconds(2));
    }

    /** Shuts a channel down, waiting up to {@code grace} for in-flight calls, then forces it. */
    public static void close(ManagedChannel channel, java.time.Duration grace) {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                channel.shutdownNow();
                channel.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
