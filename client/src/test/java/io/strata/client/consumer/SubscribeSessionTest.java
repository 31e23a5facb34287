package io.strata.client.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.strata.client.StrataClientException;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.Join;
import io.strata.proto.SubscribeRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SubscribeSessionTest {

    /**
     * A stream that fails while it is being opened (here: its channel is already shut down, and
     * gRPC reports the failure on the opening thread) must leave a dead session, not one that
     * looks open and drops every request until the caller's own timeout.
     */
    @Test
    void aStreamThatFailsWhileOpeningLeavesADeadSession() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", 1).usePlaintext().build();
        channel.shutdownNow();
        ConsumerGrpc.ConsumerStub stub = ConsumerGrpc.newStub(channel).withExecutor(MoreExecutors.directExecutor());

        SubscribeSession session = SubscribeSession.open(stub, assignment -> { });

        assertFalse(session.isOpen());
        CompletableFuture<SubscribeAnswer> joined = session.request(SubscribeRequest.newBuilder()
                .setJoin(Join.newBuilder().setGroup("g").addTopics("t")));
        ExecutionException e = assertThrows(ExecutionException.class, () -> joined.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof StrataClientException, e.getCause().toString());
        assertEquals(Status.Code.UNAVAILABLE, ((StrataClientException) e.getCause()).statusCode());
    }
}
