package io.strata.client.consumer;

import io.strata.client.StrataClientException;
import io.strata.client.TopicPartition;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The consumer's commits in flight without waiting: each answer queues its callback, and the
 * application thread runs the queued callbacks ({@link #runCompleted}) inside its next consumer
 * call, so callbacks never run on gRPC threads. Answers on one session come in request order, so
 * an async commit's callback never runs after that of a later commit on the same session.
 *
 * <p>{@link #track} may be called from the application thread only; the completions arrive on
 * any thread. {@link #runCompleted} runs on the application thread.
 */
final class AsyncCommits {
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Runnable> completed = new ConcurrentLinkedQueue<>();

    /** Follows one commit request; {@code callback} may be null (failures are then only logged by the caller). */
    void track(CompletableFuture<?> answer, Map<TopicPartition, Long> offsets, OffsetCommitCallback callback) {
        inFlight.add(answer);
        answer.whenComplete((r, e) -> {
            Exception failure = e == null ? null : StrataClientException.from(unwrap(e));
            if (callback != null) {
                completed.add(() -> callback.onComplete(offsets, failure));
            }
            inFlight.remove(answer);
        });
    }

    /** Runs the callbacks of every commit answered so far, in answer order. */
    void runCompleted() {
        Runnable r;
        while ((r = completed.poll()) != null) {
            r.run();
        }
    }

    /** Waits up to {@code timeoutMs} for the commits in flight (before leaving), then runs their callbacks. */
    void awaitInFlight(long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (CompletableFuture<?> f : Set.copyOf(inFlight)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                f.get(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                // reported through the callback
            }
        }
        runCompleted();
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }
}
