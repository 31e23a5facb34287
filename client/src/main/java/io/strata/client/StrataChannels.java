package io.strata.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Creates and closes the gRPC channel each client object owns (one channel per producer,
 * consumer or admin; channels are never shared between client objects).
 *
 * <p>Channels are plaintext for now; TLS and credentials will be added here. Thread-safe (stateless).
 */
public final class StrataChannels {

    /** Largest response a client accepts (a poll or fetch may return many records). */
    public static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

    private StrataChannels() {
    }

    /** Opens a plaintext channel to {@code bootstrap}; connecting happens lazily on the first call. */
    public static ManagedChannel open(Bootstrap bootstrap) {
        return NettyChannelBuilder.forAddress(bootstrap.host(), bootstrap.port())
                .usePlaintext()
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .build();
    }

    /** Shuts {@code channel} down, waiting up to {@code grace} for calls to finish, then forces it. */
    public static void close(ManagedChannel channel, Duration grace) {
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
