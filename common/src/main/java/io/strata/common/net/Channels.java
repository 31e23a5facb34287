package io.strata.common.net;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/** Creates the plaintext gRPC channels every Strata component uses to reach another. */
public final class Channels {
    /** Large enough for a max-size fetch or produce plus framing. */
    public static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

    private Channels() {
    }

    public static ManagedChannel open(HostPort address) {
        return NettyChannelBuilder.forAddress(address.host(), address.port())
                .usePlaintext()
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .keepAliveTime(30, TimeUnit.SECONDS)
                .build();
    }

    /** Shuts a channel down, waiting briefly for in-flight calls. */
    public static void close(ManagedChannel channel) {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
