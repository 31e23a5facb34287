package io.strata.client;

import io.grpc.ManagedChannel;
import io.strata.common.net.Channels;
import io.strata.common.net.HostPort;
import java.time.Duration;

/**
 * Creates and closes the gRPC channel each client object owns (one channel per producer,
 * consumer or admin; channels are never shared between client objects).
 *
 * <p>Channels are plaintext for now; TLS and credentials will be added here. Thread-safe (stateless).
 */
public final class StrataChannels {

    private StrataChannels() {
    }

    /** Opens a plaintext channel to {@code bootstrap}; connecting happens lazily on the first call. */
    public static ManagedChannel open(Bootstrap bootstrap) {
        return Channels.open(new HostPort(bootstrap.host(), bootstrap.port()));
    }

    /** Shuts {@code channel} down, waiting up to {@code grace} for calls to finish, then forces it. */
    public static void close(ManagedChannel channel, Duration grace) {
        Channels.close(channel, grace);
    }
}
