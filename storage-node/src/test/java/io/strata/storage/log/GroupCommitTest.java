package io.strata.storage.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GroupCommitTest {
    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void oneFsyncCoversEveryAppendThatArrivedWhileTheLastOneRan() throws Exception {
        AtomicLong end = new AtomicLong();
        AtomicInteger fsyncs = new AtomicInteger();
        CountDownLatch firstFsyncStarted = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        List<Long> timed = new CopyOnWriteArrayList<>();
        GroupCommit commit = new GroupCommit(() -> {
            long target = end.get();
            if (fsyncs.incrementAndGet() == 1) {
                firstFsyncStarted.countDown();
                releaseFirst.await();
            }
            return target;
        }, executor, 0, end::get, timed::add);

        end.set(1);
        CompletableFuture<Void> first = commit.awaitDurable(1);
        assertTrue(firstFsyncStarted.await(5, TimeUnit.SECONDS));
        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        for (int i = 2; i <= 11; i++) {
            end.set(i);
            waiting.add(commit.awaitDurable(i));
        }
        assertFalse(first.isDone(), "not durable before its fsync finished");
        waiting.forEach(f -> assertFalse(f.isDone()));
        releaseFirst.countDown();
        CompletableFuture.allOf(waiting.toArray(new CompletableFuture[0])).get(5, TimeUnit.SECONDS);
        assertTrue(first.isDone());
        assertEquals(2, fsyncs.get(), "the ten appends that queued behind the first fsync share one");
        assertEquals(11, commit.durableOffset());
        assertTrue(commit.awaitDurable(5).isDone(), "already durable: no new fsync");
        assertEquals(2, fsyncs.get());
        assertEquals(2, timed.size(), "each fsync timed once");
        assertTrue(timed.get(0) > 0, "the first fsync was held until released: " + timed);
    }

    @Test
    void aFailedFsyncFailsItsWaiters() {
        GroupCommit commit = new GroupCommit(() -> {
            throw new IOException("disk on fire");
        }, executor, 0, () -> 3, nanos -> { });
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> commit.awaitDurable(3).get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("disk on fire"));
        assertEquals(0, commit.durableOffset());
    }
}
