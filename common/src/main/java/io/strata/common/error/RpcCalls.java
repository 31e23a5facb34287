package io.strata.common.error;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes unary gRPC calls from handler code, turning every failure into a status that
 * carries an {@code ErrorDetail}. Handlers throw {@link StrataException}; anything else is
 * reported as INTERNAL and logged, since it is a bug.
 */
public final class RpcCalls {
    private static final Logger log = LoggerFactory.getLogger(RpcCalls.class);

    private RpcCalls() {
    }

    /** Runs {@code body} now and answers the call with its result or its failure. */
    public static <T> void unary(StreamObserver<T> observer, Supplier<T> body) {
        T result;
        try {
            result = body.get();
        } catch (Throwable t) {
            fail(observer, t);
            return;
        }
        observer.onNext(result);
        observer.onCompleted();
    }

    /** Answers the call when {@code future} completes. */
    public static <T> void async(StreamObserver<T> observer, Supplier<? extends CompletionStage<T>> body) {
        CompletionStage<T> future;
        try {
            future = body.get();
        } catch (Throwable t) {
            fail(observer, t);
            return;
        }
        future.whenComplete((result, error) -> {
            if (error != null) {
                fail(observer, error);
            } else {
                observer.onNext(result);
                observer.onCompleted();
            }
        });
    }

    public static void fail(StreamObserver<?> observer, Throwable t) {
        StrataException e = StrataException.from(t);
        if (e.reason() == io.strata.proto.ErrorReason.INTERNAL) {
            log.warn("internal error answering a call", t);
        }
        try {
            observer.onError(e.toStatusException());
        } catch (IllegalStateException alreadyClosed) {
            log.debug("call already closed", alreadyClosed);
        }
    }
}
