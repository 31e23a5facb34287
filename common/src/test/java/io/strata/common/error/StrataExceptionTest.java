package io.strata.common.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.proto.ErrorReason;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class StrataExceptionTest {
    @Test
    void everyReasonSurvivesTheTripThroughAGrpcStatus() {
        for (ErrorReason reason : ErrorReason.values()) {
            if (reason == ErrorReason.UNRECOGNIZED) {
                continue;
            }
            StatusRuntimeException status = new StrataException(reason, "what happened").toStatusException();
            assertEquals(StrataException.statusCode(reason), status.getStatus().getCode());
            StrataException back = StrataException.from(new CompletionException(status));
            assertEquals(reason, back.reason());
            assertEquals("what happened", back.getMessage());
        }
    }

    @Test
    void statusWithoutDetailMapsByCode() {
        assertEquals(ErrorReason.NODE_UNAVAILABLE,
                StrataException.from(Status.UNAVAILABLE.withDescription("down").asRuntimeException()).reason());
        assertEquals(ErrorReason.TIMEOUT,
                StrataException.from(Status.DEADLINE_EXCEEDED.asRuntimeException()).reason());
    }

    @Test
    void aTimedOutFutureIsATimeoutNotAnInternalError() {
        StrataException e = StrataException.from(new CompletionException(new java.util.concurrent.TimeoutException()));
        assertEquals(ErrorReason.TIMEOUT, e.reason());
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.toStatusException().getStatus().getCode());
    }

    @Test
    void onlyTransientReasonsAreRetriable() {
        assertTrue(new StrataException(ErrorReason.NOT_LEADER, "x").isRetriable());
        assertTrue(!new StrataException(ErrorReason.CORRUPT_BATCH, "x").isRetriable());
        assertTrue(!new StrataException(ErrorReason.UNKNOWN_TOPIC, "x").isRetriable());
    }
}
