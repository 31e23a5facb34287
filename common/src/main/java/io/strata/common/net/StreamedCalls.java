package io.strata.common.net;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.strata.common.error.StrataException;
import io.strata.proto.ErrorDetail;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.ToLongFunction;

/**
 * Request/answer pairs multiplexed on one bidirectional gRPC stream, in place of a unary call
 * each: a unary call costs an HTTP/2 stream, headers, trailers and call objects on both ends,
 * which for a hot path of small messages weighs more than the message. Each request is tagged
 * with an id that its answer echoes; answers may come in any order.
 *
 * <p>A request not answered within its time fails with DEADLINE_EXCEEDED and resets the stream
 * (a peer that stopped answering would hold every later request too). When the stream fails or is
 * reset, every request still waiting fails with UNAVAILABLE, so callers retry it (the peer may or
 * may not have acted on it, as with a lost unary answer), and the next request opens a new stream.
 * Cancelling a returned future forgets its request; a later answer is dropped. An answer that
 * carries an {@link ErrorDetail} fails its future with a {@link StrataException}.
 *
 * <p>Futures complete on the stream's callback threads, or on {@code timers} for timeouts.
 * Thread-safe.
 *
 * @param <Q> request message
 * @param <A> answer message
 */
public final class StreamedCalls<Q, A> {

    private final Function<StreamObserver<A>, StreamObserver<Q>> open;
    private final ToLongFunction<A> idOf;
    private final Function<A, ErrorDetail> errorOf;
    private final ScheduledExecutorService timers;
    private Stream current; // guarded by this
    private long lastId; // guarded by this

    /**
     * @param open    starts the stream call, e.g. {@code stub::produceStream}
     * @param idOf    the id an answer echoes
     * @param errorOf the in-band error of an answer, or null when it succeeded
     * @param timers  runs the timeouts
     */
    public StreamedCalls(Function<StreamObserver<A>, StreamObserver<Q>> open, ToLongFunction<A> idOf,
                         Function<A, ErrorDetail> errorOf, ScheduledExecutorService timers) {
        this.open = open;
        this.idOf = idOf;
        this.errorOf = errorOf;
        this.timers = timers;
    }

    /**
     * Sends the request {@code withId} builds with the id its answer will echo (the id is known
     * only here, and building the request once is cheaper than rebuilding it to add the id); the
     * future fails if no answer comes within {@code timeoutNanos}.
     */
    public CompletableFuture<A> call(LongFunction<Q> withId, long timeoutNanos) {
        CompletableFuture<A> answer = new CompletableFuture<>();
        synchronized (this) {
            Stream stream = current;
            if (stream == null) {
                Stream opened = new Stream();
                stream = opened;
                current = opened;
                // In the root context: a stream opened inside a served call's context would be
                // cancelled, with every request on it, when that call ends.
                Context.ROOT.run(() -> open.apply(opened));
            }
            if (stream.failure != null) { // it failed as it opened (a callback run inline: peer down)
                answer.completeExceptionally(stream.failure);
                return answer;
            }
            long id = ++lastId;
            ScheduledFuture<?> timer = null;
            Stream sentOn = stream;
            try {
                timer = timers.schedule(() -> sentOn.expire(id, timeoutNanos), timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                answer.completeExceptionally(Status.UNAVAILABLE.withDescription("closed").asRuntimeException());
                return answer;
            }
            stream.pending.put(id, new Waiting(answer, timer));
            stream.requests.onNext(withId.apply(id));
            answer.whenComplete((a, e) -> {
                if (answer.isCancelled()) {
                    sentOn.forget(id);
                }
            });
        }
        return answer;
    }

    /** Cancels the stream: every request still waiting fails with UNAVAILABLE and {@code why}. */
    public void reset(String why) {
        Stream stream;
        synchronized (this) {
            stream = current;
        }
        if (stream != null) {
            stream.reset(why);
        }
    }

    /** Half-closes the stream if no request waits on it. */
    public synchronized void close() {
        if (current != null && current.pending.isEmpty()) {
            current.requests.onCompleted();
            current = null;
        }
    }

    /** A request sent and not yet answered. */
    private record Waiting(CompletableFuture<?> answer, ScheduledFuture<?> timer) {
        void stopTimer() {
            timer.cancel(false);
        }
    }

    /** One stream call and the requests waiting for its answers. */
    private final class Stream implements ClientResponseObserver<Q, A> {
        private final Map<Long, Waiting> pending = new HashMap<>(); // guarded by StreamedCalls.this
        private ClientCallStreamObserver<Q> requests;
        private String resetBecause; // guarded by StreamedCalls.this
        private Throwable failure; // guarded by StreamedCalls.this

        @Override
        public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
            this.requests = requestStream;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void onNext(A answer) {
            Waiting waiting;
            synchronized (StreamedCalls.this) {
                waiting = pending.remove(idOf.applyAsLong(answer));
            }
            if (waiting == null) {
                return; // its request timed out, or its caller gave up on it
            }
            waiting.stopTimer();
            ErrorDetail error = errorOf.apply(answer);
            CompletableFuture<A> future = (CompletableFuture<A>) waiting.answer();
            if (error == null) {
                future.complete(answer);
            } else {
                future.completeExceptionally(new StrataException(error.getReason(), error.getMessage()));
            }
        }

        @Override
        public void onError(Throwable t) {
            String reset;
            synchronized (StreamedCalls.this) {
                reset = resetBecause;
            }
            failAll(reset == null ? t : Status.UNAVAILABLE.withDescription(reset).asRuntimeException());
        }

        @Override
        public void onCompleted() {
            failAll(Status.UNAVAILABLE.withDescription("the peer ended the stream").asRuntimeException());
        }

        void forget(long id) {
            synchronized (StreamedCalls.this) {
                Waiting waiting = pending.remove(id);
                if (waiting != null) {
                    waiting.stopTimer();
                }
            }
        }

        /** Request {@code id} got no answer in time: fail it and reset the stream, which fails the others. */
        void expire(long id, long waitedNanos) {
            String reason = "no answer within " + TimeUnit.NANOSECONDS.toMillis(waitedNanos) + " ms";
            Waiting waiting;
            synchronized (StreamedCalls.this) {
                waiting = pending.remove(id);
            }
            if (waiting != null) {
                waiting.answer().completeExceptionally(
                        Status.DEADLINE_EXCEEDED.withDescription(reason).asRuntimeException());
                reset("stream reset: another request got " + reason);
            }
        }

        /** Cancels this stream; onError then fails every request still waiting, with UNAVAILABLE and {@code why}. */
        void reset(String why) {
            synchronized (StreamedCalls.this) {
                resetBecause = why;
                if (current == this) {
                    current = null; // the next request opens a new stream; none is sent on this one
                }
            }
            requests.cancel(why, null); // outside the lock: it may fail the waiting requests inline
        }

        private void failAll(Throwable error) {
            List<Waiting> failed;
            synchronized (StreamedCalls.this) {
                failure = error;
                if (current == this) {
                    current = null;
                }
                failed = new ArrayList<>(pending.values());
                pending.clear();
            }
            for (Waiting waiting : failed) {
                waiting.stopTimer();
                waiting.answer().completeExceptionally(error);
            }
        }
    }
}
