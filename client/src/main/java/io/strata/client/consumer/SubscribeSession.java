package io.strata.client.consumer;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.strata.client.StrataClientException;
import io.strata.common.net.AliasingMarshaller;
import io.strata.proto.Assignment;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.ErrorReason;
import io.strata.proto.SubscribeRequest;
import io.strata.proto.SubscribeResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code Consumer.Subscribe} bidi stream: the request/response plumbing of a group session.
 *
 * <p>Each request gets a fresh {@code request_id} (1, 2, ...) and a future, kept in a map until
 * the response with the same id arrives. A response carrying {@code error} completes its future
 * exceptionally with a {@link StrataClientException}. Every pushed {@code assignment} event
 * ({@code request_id} 0) is handed to the assignment listener; the answer to {@code join} only
 * completes the join's future.
 * The gateway handles a session's requests in order, so responses arrive in request order.
 *
 * <p>When the stream ends (gateway gone, {@code UNKNOWN_MEMBER}, or closed by the gateway) the
 * session is dead: pending and later requests fail with the cause; the owner opens a new one.
 *
 * <p>Thread-safe: requests may be sent from any thread (sends are serialized); responses arrive on
 * gRPC threads; the listener is called on those threads and must be quick.
 */
final class SubscribeSession {

    private static final Logger LOG = LoggerFactory.getLogger(SubscribeSession.class);
    /** Answers parsed into one reused buffer and their records decoded at once (see {@link SubscribeAnswer}). */
    private static final MethodDescriptor<SubscribeRequest, SubscribeAnswer> SUBSCRIBE =
            ConsumerGrpc.getSubscribeMethod().toBuilder(ConsumerGrpc.getSubscribeMethod().getRequestMarshaller(),
                    AliasingMarshaller.decodingInPlace(SubscribeResponse.getDefaultInstance(), SubscribeAnswer::decode))
                    .build();

    private final Map<Long, CompletableFuture<SubscribeAnswer>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextRequestId = new AtomicLong(1);
    private final Consumer<Assignment> assignmentListener;
    /**
     * Guards sends, {@link #halfClosed} and the first {@link #failure}. Not {@link #requests}: gRPC
     * may report a stream that fails at once before the constructor has assigned it.
     */
    private final Object lock = new Object();
    private final StreamObserver<SubscribeRequest> requests;
    private volatile StrataClientException failure;
    private boolean halfClosed; // guarded by lock

    private SubscribeSession(ConsumerGrpc.ConsumerStub stub, Consumer<Assignment> assignmentListener) {
        this.assignmentListener = assignmentListener;
        this.requests = ClientCalls.asyncBidiStreamingCall(stub.getChannel().newCall(SUBSCRIBE, stub.getCallOptions()),
                new ResponseObserver());
    }

    /** Opens the stream; nothing is sent until the first {@link #request}. */
    static SubscribeSession open(ConsumerGrpc.ConsumerStub stub, Consumer<Assignment> assignmentListener) {
        return new SubscribeSession(stub, assignmentListener);
    }

    /**
     * Sends {@code request} with a new request id.
     *
     * @return the future of its response; fails with {@link StrataClientException} on an
     *         {@code error} answer or when the session dies first
     */
    CompletableFuture<SubscribeAnswer> request(SubscribeRequest.Builder request) {
        CompletableFuture<SubscribeAnswer> future = new CompletableFuture<>();
        long id = nextRequestId.getAndIncrement();
        SubscribeRequest message = request.setRequestId(id).build();
        pending.put(id, future);
        synchronized (lock) {
            StrataClientException dead = failure;
            if (dead == null && halfClosed) {
                dead = new StrataClientException(ErrorReason.UNKNOWN_MEMBER, "consumer session already closed");
            }
            if (dead != null) {
                pending.remove(id);
                future.completeExceptionally(dead);
                return future;
            }
            try {
                requests.onNext(message);
            } catch (RuntimeException e) {
                pending.remove(id);
                future.completeExceptionally(StrataClientException.from(e));
            }
        }
        return future;
    }

    /** True until the stream has ended or was found dead. */
    boolean isOpen() {
        return failure == null;
    }

    /** Why the session died, or null while it is open. */
    StrataClientException failure() {
        return failure;
    }

    /** Half-closes the request side (after {@code leave}); the gateway then ends the stream. Idempotent. */
    void halfClose() {
        synchronized (lock) {
            if (!halfClosed && failure == null) {
                halfClosed = true;
                requests.onCompleted();
            }
        }
    }

    /** Cancels the stream (the gateway drops the member at once) and fails pending requests. Idempotent. */
    void cancel(String why) {
        synchronized (lock) {
            if (failure == null) {
                halfClosed = true;
                requests.onError(Status.CANCELLED.withDescription(why).asRuntimeException());
            }
        }
        die(new StrataClientException(ErrorReason.UNKNOWN_MEMBER, "consumer session cancelled: " + why));
    }

    private void die(StrataClientException cause) {
        synchronized (lock) {
            if (failure == null) {
                failure = cause;
            }
        }
        for (Long id : pending.keySet()) {
            CompletableFuture<SubscribeAnswer> f = pending.remove(id);
            if (f != null) {
                f.completeExceptionally(failure);
            }
        }
    }

    private final class ResponseObserver implements StreamObserver<SubscribeAnswer> {
        @Override
        public void onNext(SubscribeAnswer answer) {
            SubscribeResponse response = answer.response();
            if (response.hasAssignment() && response.getRequestId() == 0) {
                assignmentListener.accept(response.getAssignment());
            }
            if (response.hasError() && response.getError().getReason() == ErrorReason.UNKNOWN_MEMBER) {
                // The member is gone; the gateway closes the session. Answer the request, then die.
                completeRequest(answer);
                die(StrataClientException.fromDetail(response.getError()));
                return;
            }
            if (response.getRequestId() == 0) {
                if (response.hasError()) {
                    LOG.warn("consumer session error pushed by the gateway: {} {}",
                            response.getError().getReason(), response.getError().getMessage());
                }
                return;
            }
            completeRequest(answer);
        }

        private void completeRequest(SubscribeAnswer answer) {
            SubscribeResponse response = answer.response();
            CompletableFuture<SubscribeAnswer> f = pending.remove(response.getRequestId());
            if (f == null) {
                LOG.debug("response to unknown or abandoned request {}", response.getRequestId());
            } else if (response.hasError()) {
                f.completeExceptionally(StrataClientException.fromDetail(response.getError()));
            } else {
                f.complete(answer);
            }
        }

        @Override
        public void onError(Throwable t) {
            die(StrataClientException.from(t));
        }

        @Override
        public void onCompleted() {
            die(new StrataClientException(ErrorReason.UNKNOWN_MEMBER, "consumer session closed by the gateway"));
        }
    }
}
