package io.strata.testkit.workload;

import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;

/** How workload threads end: their loops watch a stop flag; the owner sets it and waits for them. */
public final class Threads {
    /** Longest wait for one thread: a request in flight may take a full retry cycle to finish. */
    private static final long JOIN_MS = 60_000;

    private Threads() {
    }

    /** Sets {@code stop}, then waits for each of {@code threads} (up to a minute each). */
    public static void stopAndJoin(AtomicBoolean stop, Collection<Thread> threads) {
        stop.set(true);
        for (Thread t : threads) {
            try {
                t.join(JOIN_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
