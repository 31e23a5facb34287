package io.strata.client.consumer;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A wakeup signal a blocked consumer call can be interrupted with, without interrupting its thread.
 *
 * <p>{@link #request()} is thread-safe; {@link #await} and {@link #throwIfRequested()} are called by
 * the consumer's thread. A request made while no call is blocked is delivered to the next call.
 */
final class Wakeup {

    private volatile CompletableFuture<Void> signal = new CompletableFuture<>();

    void request() {
        signal.complete(null);
    }

    /** Consumes a pending request by throwing {@link WakeupException}. */
    void throwIfRequested() {
        if (signal.isDone()) {
            signal = new CompletableFuture<>();
            throw new WakeupException();
        }
    }

    /**
     * Waits for {@code future}; a result wins over a simultaneous wakeup.
     *
     * @throws WakeupException when woken before {@code future} completed (the future is left running)
     */
    <T> T await(CompletableFuture<T> future, long timeoutMs)
            throws ExecutionException, TimeoutException, InterruptedException {
        throwIfRequested();
        try {
            CompletableFuture.anyOf(future, signal).get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // the future failed; reported by future.get() below
        }
        if (future.isDone()) {
            return future.get();
        }
        throwIfRequested();
        throw new IllegalStateException("unreachable: neither the future nor the wakeup completed");
    }
}
