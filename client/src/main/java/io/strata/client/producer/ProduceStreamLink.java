package io.strata.client.producer;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.strata.client.StrataClientException;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The producer's one {@code ProduceStream} call to its gateway. Every batch travels as a request
 * on this stream, tagged with an id its answer echoes: a unary call per batch would cost an HTTP/2
 * stream, headers and trailers each time, which on both ends weighed more than the batch itself.
 *
 * <p>A request the gateway does not answer within its time resets the stream. When the stream
 * fails or is reset, every request still waiting fails with a retriable error (the gateway may or
 * may not have appended it, as with a lost unary answer), and the next request opens a new stream.
 * Outcomes run on {@code callbacks}. Thread-safe.
 */
final class ProduceStreamLink {

    /** What becomes of one request: exactly one of these is called, once. */
    interface Outcome {
        void answered(ProduceResponse response);

        void failed(StrataClientException error);
    }

    private final ProducerGrpc.ProducerStub stub;
    private final ScheduledExecutorService callbacks;
    private Stream current; // guarded by this
    private long lastId; // guarded by this

    ProduceStreamLink(ProducerGrpc.ProducerStub stub, ScheduledExecutorService callbacks) {
        this.stub = stub;
        this.callbacks = callbacks;
    }

    /** Sends {@code request}; {@code outcome} learns its answer, or fails if none comes within {@code answerWithinMs}. */
    synchronized void send(ProduceRequest request, long answerWithinMs, Outcome outcome) {
        if (current == null) {
            current = new Stream();
            stub.produceStream(current);
        }
        Stream stream = current;
        long id = ++lastId;
        ScheduledFuture<?> timer = null;
        try {
            timer = callbacks.schedule(() -> stream.expire(id, answerWithinMs), answerWithinMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the producer is closing: its close() fails whatever is left
        }
        stream.pending.put(id, new Waiting(outcome, timer));
        stream.requests.onNext(request.toBuilder().setRequestId(id).build());
    }

    /** Cancels the stream (the producer is aborting): every request still waiting fails. */
    synchronized void abort(String reason) {
        if (current != null) {
            current.reset(reason);
        }
    }

    private void run(Runnable task) {
        try {
            callbacks.execute(task);
        } catch (RejectedExecutionException e) {
            task.run(); // the producer has closed: no ordering left to keep, but the outcome must land
        }
    }

    /** A request sent and not yet answered. */
    private record Waiting(Outcome outcome, ScheduledFuture<?> timer) {
        Outcome answered() {
            if (timer != null) {
                timer.cancel(false);
            }
            return outcome;
        }
    }

    /** Half-closes the stream once nothing is in flight (the producer is closing). */
    synchronized void close() {
        if (current != null && current.pending.isEmpty()) {
            current.requests.onCompleted();
            current = null;
        }
    }

    /** One ProduceStream call and the requests waiting for its answers. */
    private final class Stream implements ClientResponseObserver<ProduceRequest, ProduceResponse> {
        private final Map<Long, Waiting> pending = new HashMap<>(); // guarded by the link
        private ClientCallStreamObserver<ProduceRequest> requests;
        private String resetBecause; // guarded by the link

        @Override
        public void beforeStart(ClientCallStreamObserver<ProduceRequest> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(ProduceResponse response) {
            Waiting waiting;
            synchronized (ProduceStreamLink.this) {
                waiting = pending.remove(response.getRequestId());
            }
            if (waiting != null) { // null: answered after its request timed out and was failed
                Outcome outcome = waiting.answered();
                run(() -> {
                    if (response.hasError()) {
                        outcome.failed(StrataClientException.fromDetail(response.getError()));
                    } else {
                        outcome.answered(response);
                    }
                });
            }
        }

        @Override
        public void onError(Throwable t) {
            String reset;
            synchronized (ProduceStreamLink.this) {
                reset = resetBecause;
            }
            failAll(StrataClientException.from(reset == null ? t
                    : Status.UNAVAILABLE.withDescription(reset).asRuntimeException()));
        }

        @Override
        public void onCompleted() {
            failAll(StrataClientException.from(Status.UNAVAILABLE
                    .withDescription("the gateway ended the produce stream").asRuntimeException()));
        }

        /** Request {@code id} got no answer in time: reset the stream, which fails it and every other waiting one. */
        void expire(long id, long waitedMs) {
            String reason = "no answer from the gateway within " + waitedMs + " ms";
            synchronized (ProduceStreamLink.this) {
                Waiting waiting = pending.remove(id);
                if (waiting == null) {
                    return;
                }
                run(() -> waiting.outcome().failed(StrataClientException.from(
                        Status.DEADLINE_EXCEEDED.withDescription(reason).asRuntimeException())));
                reset("produce stream reset: another request got " + reason);
            }
        }

        /** Cancels this stream; its onError then fails every request still waiting (retriable, with {@code why}). */
        void reset(String why) {
            synchronized (ProduceStreamLink.this) {
                resetBecause = why;
                if (current == this) {
                    current = null; // the next request opens a new stream
                }
                requests.cancel(why, null);
            }
        }

        private void failAll(StrataClientException error) {
            List<Waiting> failed;
            synchronized (ProduceStreamLink.this) {
                if (current == this) {
                    current = null;
                }
                failed = new ArrayList<>(pending.values());
                pending.clear();
            }
            for (Waiting waiting : failed) {
                Outcome outcome = waiting.answered();
                run(() -> outcome.failed(error));
            }
        }
    }
}
