package io.strata.common.net;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.NodeState;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class NodeChannelsTest {

    /**
     * A node that comes back after its peers' channels failed to reach it is connected to as soon
     * as an image shows it live, not when gRPC's reconnect backoff next lets the channel try. The
     * channel first fails four times against a socket that accepts and hangs up (backoffs of about
     * 1, 1.6 and 2.6 s), so its next attempt is at least 3.2 s away: far longer than the waits below.
     */
    @Test
    void aChannelWaitingOutItsBackoffReconnectsOnceTheImageShowsItsNodeLive() throws Exception {
        int port = FreePorts.find(1)[0];
        String address = "127.0.0.1:" + port;
        try (NodeChannels channels = new NodeChannels()) {
            ManagedChannel channel = channels.get(address);
            try (ServerSocket hangsUp = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"))) {
                channel.getState(true);
                for (int attempt = 0; attempt < 4; attempt++) {
                    hangsUp.accept().close();
                }
            }
            awaitState(channel, ConnectivityState.TRANSIENT_FAILURE);
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)).build().start();
            try {
                channels.reconnectLive(image(address, NodeState.NODE_FENCED));
                assertFalse(reaches(channel, ConnectivityState.READY, 1_000),
                        "a node the image does not show live is left to the backoff");

                channels.reconnectLive(image(address, NodeState.NODE_ALIVE));
                assertTrue(reaches(channel, ConnectivityState.READY, 2_000),
                        "the channel connects at once, not after its backoff; state " + channel.getState(false));
            } finally {
                server.shutdownNow();
            }
        }
    }

    private static MetadataImage image(String address, NodeState state) {
        return MetadataImage.newBuilder().setVersion(1)
                .addNodes(NodeRecord.newBuilder().setId(1).setAddress(address).setIncarnation(1).setState(state))
                .build();
    }

    private static void awaitState(ManagedChannel channel, ConnectivityState wanted) throws InterruptedException {
        assertTrue(reaches(channel, wanted, 10_000), "state " + channel.getState(false) + ", waited for " + wanted);
    }

    /** Whether the channel is in {@code wanted} within {@code ms} (it is never asked to connect here). */
    private static boolean reaches(ManagedChannel channel, ConnectivityState wanted, long ms)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        ConnectivityState now;
        while ((now = channel.getState(false)) != wanted) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            CountDownLatch changed = new CountDownLatch(1);
            channel.notifyWhenStateChanged(now, changed::countDown);
            changed.await(left, TimeUnit.NANOSECONDS);
        }
        return true;
    }
}
