package io.strata.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.strata.proto.ErrorDetail;
import io.strata.proto.ErrorReason;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class StrataClientExceptionTest {

    @Test
    void reasonAndMessageComeFromTheErrorDetail() {
        StatusRuntimeException sre = StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.NOT_FOUND.value())
                .setMessage("status message")
                .addDetails(Any.pack(ErrorDetail.newBuilder()
                        .setReason(ErrorReason.UNKNOWN_TOPIC)
                        .setMessage("topic 'orders' does not exist")
                        .putContext("topic", "orders")
                        .build()))
                .build());

        StrataClientException e = StrataClientException.from(sre);

        assertEquals(ErrorReason.UNKNOWN_TOPIC, e.reason());
        assertEquals("topic 'orders' does not exist", e.getMessage());
        assertEquals(Status.Code.NOT_FOUND, e.statusCode());
        assertEquals("orders", e.context().get("topic"));
        assertSame(sre, e.getCause());
        assertFalse(e.isRetriable());
    }

    @Test
    void statusWithoutDetailFallsBackToCodeAndDescription() {
        StrataClientException e = StrataClientException.from(
                Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after 30s").asRuntimeException());

        assertEquals(ErrorReason.TIMEOUT, e.reason());
        assertEquals("deadline exceeded after 30s", e.getMessage());
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.statusCode());
    }

    @Test
    void statusWithoutDescriptionNamesTheCode() {
        StrataClientException e = StrataClientException.from(Status.PERMISSION_DENIED.asRuntimeException());

        assertEquals(ErrorReason.INTERNAL, e.reason());
        assertTrue(e.getMessage().contains("PERMISSION_DENIED"), e.getMessage());
    }

    @Test
    void unavailableGatewayIsRetriable() {
        StrataClientException e = StrataClientException.from(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException());

        assertEquals(ErrorReason.NODE_UNAVAILABLE, e.reason());
        assertTrue(e.isRetriable());
    }

    @Test
    void leadershipAndReplicaShortageReasonsAreRetriable() {
        assertTrue(new StrataClientException(ErrorReason.LEADER_NOT_AVAILABLE, "x").isRetriable());
        assertTrue(new StrataClientException(ErrorReason.NOT_ENOUGH_REPLICAS, "x").isRetriable());
        assertFalse(new StrataClientException(ErrorReason.RECORD_TOO_LARGE, "x").isRetriable());
        assertFalse(new StrataClientException(ErrorReason.TIMEOUT, "x").isRetriable());
    }

    @Test
    void wrappedStatusExceptionsAreUnwrapped() {
        StatusRuntimeException sre = GrpcTestServer.error(Status.Code.FAILED_PRECONDITION,
                ErrorReason.NOT_ENOUGH_REPLICAS, "only 1 of min.insync.replicas=2 in sync");

        StrataClientException e = StrataClientException.from(new CompletionException(sre));

        assertEquals(ErrorReason.NOT_ENOUGH_REPLICAS, e.reason());
        assertEquals("only 1 of min.insync.replicas=2 in sync", e.getMessage());
    }

    @Test
    void inBandErrorDetailBecomesAnException() {
        StrataClientException e = StrataClientException.fromDetail(ErrorDetail.newBuilder()
                .setReason(ErrorReason.OFFSET_OUT_OF_RANGE).build());

        assertEquals(ErrorReason.OFFSET_OUT_OF_RANGE, e.reason());
        assertEquals("OFFSET_OUT_OF_RANGE", e.getMessage());
    }

    @Test
    void nonGrpcFailuresBecomeInternalWithTheCauseKept() {
        IllegalStateException cause = new IllegalStateException("boom");

        StrataClientException e = StrataClientException.from(cause);

        assertEquals(ErrorReason.INTERNAL, e.reason());
        assertSame(cause, e.getCause());
        assertSame(e, StrataClientException.from(e));
    }
}
