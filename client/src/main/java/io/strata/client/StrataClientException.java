package io.strata.client;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.strata.common.error.StrataException;
import io.strata.proto.ErrorDetail;
import io.strata.proto.ErrorReason;
import java.util.Map;

/**
 * The one exception every Strata client call fails with: a machine-readable {@link ErrorReason},
 * the gRPC status code it arrived with, and the gateway's message a person can act on.
 *
 * <p>Build it from whatever a gRPC call threw with {@link #from(Throwable)}: when the status
 * carries an {@link ErrorDetail} (the normal case with a Strata gateway) its reason and message
 * are used; otherwise (a proxy, a dropped connection, a deadline) the reason is derived from
 * the status code and the message from the status description.
 *
 * <p>Immutable and thread-safe.
 */
public class StrataClientException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorReason reason;
    private final Status.Code statusCode;
    private final transient Map<String, String> context;

    public StrataClientException(ErrorReason reason, String message) {
        this(reason, Status.Code.UNKNOWN, message, Map.of(), null);
    }

    public StrataClientException(ErrorReason reason, Status.Code statusCode, String message,
                                 Map<String, String> context, Throwable cause) {
        super(message, cause);
        this.reason = reason == null || reason == ErrorReason.UNRECOGNIZED ? ErrorReason.ERROR_REASON_UNSPECIFIED : reason;
        this.statusCode = statusCode == null ? Status.Code.UNKNOWN : statusCode;
        this.context = context == null ? Map.of() : Map.copyOf(context);
    }

    /** From an {@link ErrorDetail} received in-band (e.g. a consumer-session {@code error} event). */
    public static StrataClientException fromDetail(ErrorDetail detail) {
        return new StrataClientException(detail.getReason(), Status.Code.UNKNOWN,
                messageOrReason(detail.getMessage(), detail.getReason()), detail.getContextMap(), null);
    }

    /**
     * Converts any throwable from a gRPC call. A {@code StrataClientException} is returned as is;
     * a {@link StatusRuntimeException}/{@link StatusException} is decoded; anything else becomes
     * {@link ErrorReason#INTERNAL} with the original as cause.
     */
    public static StrataClientException from(Throwable t) {
        if (t instanceof StrataClientException e) {
            return e;
        }
        if (t instanceof StrataException e) { // an in-band error of a streamed request
            return new StrataClientException(e.reason(), Status.Code.UNKNOWN,
                    messageOrReason(e.getMessage(), e.reason()), Map.of(), e);
        }
        if (!(t instanceof StatusRuntimeException) && !(t instanceof StatusException)) {
            Throwable cause = t.getCause();
            if (cause instanceof StatusRuntimeException || cause instanceof StatusException
                    || cause instanceof StrataClientException) {
                return from(cause); // CompletionException, ExecutionException wrappers
            }
            return new StrataClientException(ErrorReason.INTERNAL, Status.Code.UNKNOWN,
                    String.valueOf(t.getMessage() == null ? t.getClass().getName() : t.getMessage()), Map.of(), t);
        }
        Status status = Status.fromThrowable(t);
        ErrorDetail detail = StrataException.detailOf(t);
        if (detail != null) {
            return new StrataClientException(detail.getReason(), status.getCode(),
                    messageOrReason(detail.getMessage(), detail.getReason()), detail.getContextMap(), t);
        }
        String description = status.getDescription();
        String message = description == null || description.isBlank()
                ? "gRPC call failed with status " + status.getCode()
                : description;
        if (status.getCode() == Status.Code.UNAVAILABLE && status.getCause() != null && description == null) {
            message = "gateway unavailable: " + status.getCause().getMessage();
        }
        return new StrataClientException(StrataException.reasonFor(status.getCode()), status.getCode(), message,
                Map.of(), t);
    }

    private static String messageOrReason(String message, ErrorReason reason) {
        return message == null || message.isBlank() ? reason.name() : message;
    }

    /** Machine-readable cause; never null ({@code ERROR_REASON_UNSPECIFIED} when unknown). */
    public ErrorReason reason() {
        return reason;
    }

    /** The gRPC status code of the failed call ({@code UNKNOWN} for in-band errors). */
    public Status.Code statusCode() {
        return statusCode;
    }

    /** Structured context from the {@link ErrorDetail}, e.g. {@code {"topic": "orders"}}; may be empty. */
    public Map<String, String> context() {
        return context;
    }

    /** True when nothing was applied and the same request may be sent again after a short backoff. */
    public boolean isRetriable() {
        return StrataException.isRetriable(reason) || statusCode == Status.Code.UNAVAILABLE;
    }

    @Override
    public String toString() {
        return reason + ": " + getMessage();
    }
}
