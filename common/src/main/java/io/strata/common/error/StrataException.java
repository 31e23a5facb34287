package io.strata.common.error;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.strata.proto.ErrorDetail;
import io.strata.proto.ErrorReason;

/**
 * A failure with a machine-readable {@link ErrorReason} and a message a person can act on.
 *
 * <p>Crosses gRPC boundaries as a status whose details carry an {@link ErrorDetail}, so any
 * client language can read the reason; {@link #from(Throwable)} turns such a status back into
 * this exception on the Java side.
 */
public final class StrataException extends RuntimeException {
    private final ErrorReason reason;

    public StrataException(ErrorReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public StrataException(ErrorReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public ErrorReason reason() {
        return reason;
    }

    /** Whether nothing was applied and the same request may be sent again (after a metadata refresh). */
    public boolean isRetriable() {
        return isRetriable(reason);
    }

    /**
     * Whether {@code reason} means nothing was applied and a retry may succeed. TIMEOUT is not
     * retriable: the operation may still have taken effect.
     */
    public static boolean isRetriable(ErrorReason reason) {
        return switch (reason) {
            case NOT_LEADER, STALE_LEADER_EPOCH, LEADER_NOT_AVAILABLE, METADATA_UNAVAILABLE,
                    NODE_UNAVAILABLE, NOT_ENOUGH_REPLICAS -> true;
            default -> false;
        };
    }

    public ErrorDetail toDetail() {
        return ErrorDetail.newBuilder().setReason(reason).setMessage(String.valueOf(getMessage())).build();
    }

    public StatusRuntimeException toStatusException() {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(statusCode(reason).value())
                .setMessage(reason.name() + ": " + getMessage())
                .addDetails(Any.pack(toDetail()))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }

    /** The gRPC status code a reason maps to. */
    public static Status.Code statusCode(ErrorReason reason) {
        return switch (reason) {
            case INVALID_ARGUMENT, INVALID_TOPIC_NAME, CORRUPT_BATCH, RECORD_TOO_LARGE, REQUEST_TOO_LARGE,
                    INVALID_REPLICA_ASSIGNMENT ->
                    Status.Code.INVALID_ARGUMENT;
            case UNKNOWN_TOPIC, UNKNOWN_PARTITION, UNKNOWN_GROUP -> Status.Code.NOT_FOUND;
            case TOPIC_ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
            case NOT_LEADER, STALE_LEADER_EPOCH, STALE_PARTITION_EPOCH, NOT_ENOUGH_NODES, UNKNOWN_MEMBER,
                    NO_OFFSET_FOR_PARTITION, NO_REASSIGNMENT_IN_PROGRESS ->
                    Status.Code.FAILED_PRECONDITION;
            case STALE_MEMBER_EPOCH, GROUP_NOT_EMPTY -> Status.Code.FAILED_PRECONDITION;
            case LEADER_NOT_AVAILABLE, METADATA_UNAVAILABLE, NODE_UNAVAILABLE, NOT_ENOUGH_REPLICAS ->
                    Status.Code.UNAVAILABLE;
            case OFFSET_OUT_OF_RANGE -> Status.Code.OUT_OF_RANGE;
            case TIMEOUT -> Status.Code.DEADLINE_EXCEEDED;
            case UNSUPPORTED -> Status.Code.UNIMPLEMENTED;
            default -> Status.Code.INTERNAL;
        };
    }

    /** Converts anything thrown by a call (local or remote) into a StrataException. */
    public static StrataException from(Throwable t) {
        Throwable cause = unwrap(t);
        if (cause instanceof StrataException se) {
            return se;
        }
        if (cause instanceof StatusRuntimeException || cause instanceof io.grpc.StatusException) {
            ErrorDetail d = detailOf(cause);
            if (d != null) {
                return new StrataException(d.getReason(), d.getMessage(), cause);
            }
            Status s = Status.fromThrowable(cause);
            return new StrataException(reasonFor(s.getCode()), s.getCode() + ": " + s.getDescription(), cause);
        }
        if (cause instanceof java.util.concurrent.TimeoutException) {
            // CompletableFuture.orTimeout: the operation did not finish in time, but it may still take effect.
            return new StrataException(ErrorReason.TIMEOUT,
                    "the operation did not complete within its time limit; it may still take effect", cause);
        }
        return new StrataException(ErrorReason.INTERNAL, String.valueOf(cause), cause);
    }

    /** The ErrorDetail a Strata status carries in its details, or null (e.g. a proxy's or transport's status). */
    public static ErrorDetail detailOf(Throwable statusException) {
        com.google.rpc.Status status = StatusProto.fromThrowable(statusException);
        if (status == null) {
            return null;
        }
        for (Any any : status.getDetailsList()) {
            if (any.is(ErrorDetail.class)) {
                try {
                    return any.unpack(ErrorDetail.class);
                } catch (InvalidProtocolBufferException ignored) {
                    return null;
                }
            }
        }
        return null;
    }

    /** The reason given to a status that carries no ErrorDetail. */
    public static ErrorReason reasonFor(Status.Code code) {
        return switch (code) {
            case UNAVAILABLE -> ErrorReason.NODE_UNAVAILABLE;
            case DEADLINE_EXCEEDED -> ErrorReason.TIMEOUT;
            case INVALID_ARGUMENT -> ErrorReason.INVALID_ARGUMENT;
            case OUT_OF_RANGE -> ErrorReason.OFFSET_OUT_OF_RANGE;
            case RESOURCE_EXHAUSTED -> ErrorReason.REQUEST_TOO_LARGE;
            case UNIMPLEMENTED -> ErrorReason.UNSUPPORTED;
            default -> ErrorReason.INTERNAL;
        };
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException
                || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
