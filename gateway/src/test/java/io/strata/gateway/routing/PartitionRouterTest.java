package io.strata.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.common.util.concurrent.Futures;
import io.strata.common.error.StrataException;
import io.strata.common.metadata.MetadataClient;
import io.strata.common.net.HostPort;
import io.strata.common.net.NodeChannels;
import io.strata.proto.ErrorReason;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The router is called from transport threads (storage-node answers are handled there), so it
 * must never block its caller, even when a call needs a metadata refresh first.
 */
class PartitionRouterTest {
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(4);

    @Test
    void aCallForATopicTheImageLacksReturnsAtOnceAndFailsWhenTheRefreshGetsNoAnswer() throws Exception {
        // A metadata "service" that accepts connections and never answers: every refresh waits its whole timeout.
        ExecutorService lookups = Executors.newCachedThreadPool();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             MetadataClient metadata = new MetadataClient(
                     List.of(new HostPort("127.0.0.1", silent.getLocalPort())), METADATA_TIMEOUT);
             NodeChannels channels = new NodeChannels();
             PartitionRouter router = new PartitionRouter(new MetadataCache(metadata, lookups), channels, r -> { })) {
            CompletableFuture<Object> call = assertTimeoutPreemptively(METADATA_TIMEOUT.dividedBy(2),
                    () -> router.call("not-in-the-image", 0, Duration.ofSeconds(30),
                            (leader, partition) -> Futures.immediateFuture(new Object())),
                    "call() waited for the metadata refresh");
            assertFalse(call.isDone());

            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> call.get(METADATA_TIMEOUT.multipliedBy(3).toMillis(), TimeUnit.MILLISECONDS));
            assertEquals(ErrorReason.TIMEOUT, ((StrataException) failed.getCause()).reason());
        } finally {
            lookups.shutdownNow();
        }
    }
}
