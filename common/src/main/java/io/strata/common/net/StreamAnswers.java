package io.strata.common.net;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.strata.common.error.StrataException;
import io.strata.proto.ErrorDetail;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The answering side of a stream whose requests are answered one by one as each completes (the
 * server end of {@link StreamedCalls}): answers may be sent from any thread, one at a time, and
 * the stream ends only once every request is answered and either the caller has ended its side
 * or the server is shutting down ({@link Group#endAll}). An answer to a stream the caller has
 * cancelled is dropped; the caller retries whatever it heard no answer for. Thread-safe.
 */
public final class StreamAnswers<A> {
    private final StreamObserver<A> observer;
    private final Group group;
    private int unanswered; // guarded by observer
    private boolean ending; // guarded by observer
    private boolean ended; // guarded by observer

    private StreamAnswers(StreamObserver<A> observer, Group group) {
        this.observer = observer;
        this.group = group;
    }

    /** A request arrived; one {@link #send} will answer it. */
    public void expect() {
        synchronized (observer) {
            unanswered++;
        }
    }

    public void send(A answer) {
        synchronized (observer) {
            unanswered--;
            if (ended) {
                return; // the caller went away, or a request raced the end of a stream being shut down
            }
            try {
                observer.onNext(answer);
            } catch (StatusRuntimeException e) {
                // cancelled by the caller
            }
            endIfDone();
        }
    }

    /** The caller ended its side: end the stream once every request is answered. */
    public void callerDone() {
        synchronized (observer) {
            ending = true;
            endIfDone();
        }
    }

    /** The caller went away: nothing more can be sent. */
    public void callerFailed() {
        synchronized (observer) {
            ended = true;
            group.open.remove(this);
        }
    }

    private void endIfDone() {
        if (ending && unanswered == 0 && !ended) {
            ended = true;
            group.open.remove(this);
            try {
                observer.onCompleted();
            } catch (StatusRuntimeException e) {
                // cancelled by the caller
            }
        }
    }

    /** The open answering streams of one service, so that a server shutting down can end them. */
    public static final class Group {
        private final Set<StreamAnswers<?>> open = ConcurrentHashMap.newKeySet();

        /** Answers for a stream that has just started. */
        public <A> StreamAnswers<A> answer(StreamObserver<A> observer) {
            StreamAnswers<A> answers = new StreamAnswers<>(observer, this);
            open.add(answers);
            return answers;
        }

        /**
         * A stream whose every request is handled on its own, like a unary call: {@code handle}
         * gives its answer, built with the request's id; a failure, thrown or as the future's,
         * goes back in-band ({@code failed}, given the id {@code idOf} reads). Requests are
         * handled in stream order; answers leave as they complete.
         */
        public <Q, A> StreamObserver<Q> answerEach(StreamObserver<A> observer, ToLongFunction<Q> idOf,
                                                   Function<Q, CompletableFuture<A>> handle,
                                                   BiFunction<Long, ErrorDetail, A> failed) {
            StreamAnswers<A> answers = answer(observer);
            return new StreamObserver<>() {
                @Override
                public void onNext(Q request) {
                    answers.expect();
                    CompletableFuture<A> answer;
                    try {
                        answer = handle.apply(request);
                    } catch (RuntimeException e) {
                        answer = CompletableFuture.failedFuture(e);
                    }
                    answer.whenComplete((a, error) -> answers.send(error == null ? a
                            : failed.apply(idOf.applyAsLong(request), StrataException.from(error).toDetail())));
                }

                @Override
                public void onError(Throwable t) {
                    answers.callerFailed(); // the caller went away; what is pending finishes on its own
                }

                @Override
                public void onCompleted() {
                    answers.callerDone();
                }
            };
        }

        /**
         * Ends every open stream once its requests are answered, as if each caller had ended its
         * side; callers then open new streams elsewhere. For a server that no longer takes calls,
         * so that its graceful shutdown need not wait out these endless streams.
         */
        public void endAll() {
            open.forEach(StreamAnswers::callerDone);
        }
    }
}
