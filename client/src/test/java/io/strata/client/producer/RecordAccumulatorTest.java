package io.strata.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.client.StrataClientException;
import io.strata.proto.ErrorReason;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RecordAccumulatorTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private final AtomicLong now = new AtomicLong(1_000 * MS);

    private RecordAccumulator accumulator(int maxRecords, long maxBytes, long lingerMs, long bufferBytes) {
        return new RecordAccumulator(maxRecords, maxBytes, lingerMs, bufferBytes, now::get);
    }

    private PendingRecord record(String topic, Integer partition, String value) {
        return new PendingRecord(topic, partition == null ? 0 : partition, null, value.getBytes(StandardCharsets.UTF_8),
                List.of(), 0, now.get(), new CompletableFuture<>());
    }

    private static List<String> values(ProducerBatch batch) {
        return batch.records.stream().map(r -> new String(r.value, StandardCharsets.UTF_8)).toList();
    }

    /** Drains the next batch and releases it at once, as if it had been acknowledged. */
    private static ProducerBatch drainAndRelease(RecordAccumulator acc, long now) {
        ProducerBatch b = acc.drainReady(now);
        if (b != null) {
            acc.release(b);
        }
        return b;
    }

    @Test
    void recordIsHeldUntilLingerExpires() throws Exception {
        RecordAccumulator acc = accumulator(100, 1 << 20, 5, 1 << 20);
        acc.append(record("t", null, "a"), 0);

        now.addAndGet(4 * MS);
        assertNull(acc.drainReady(now.get()));
        assertEquals(MS, acc.nanosUntilReady(now.get()));

        now.addAndGet(MS);
        ProducerBatch batch = acc.drainReady(now.get());
        assertNotNull(batch);
        assertEquals(List.of("a"), values(batch));
    }

    @Test
    void fullBatchIsReadyWithoutWaitingForLinger() throws Exception {
        RecordAccumulator acc = accumulator(3, 1 << 20, 10_000, 1 << 20);
        acc.append(record("t", null, "a"), 0);
        acc.append(record("t", null, "b"), 0);
        assertNull(acc.drainReady(now.get()));

        acc.append(record("t", null, "c"), 0);
        acc.append(record("t", null, "d"), 0);

        assertEquals(List.of("a", "b", "c"), values(drainAndRelease(acc, now.get())));
        assertNull(acc.drainReady(now.get()), "the remaining record waits for linger again");
    }

    @Test
    void batchStopsBeforeExceedingMaxBytesButAlwaysTakesOneRecord() throws Exception {
        PendingRecord probe = record("t", null, "x".repeat(100));
        long max = 2L * probe.sizeBytes + 1;
        RecordAccumulator acc = accumulator(100, max, 0, 1 << 20);
        for (int i = 0; i < 5; i++) {
            acc.append(record("t", null, "x".repeat(100)), 0);
        }
        assertEquals(2, drainAndRelease(acc, now.get()).recordCount());
        assertEquals(2, drainAndRelease(acc, now.get()).recordCount());
        assertEquals(1, drainAndRelease(acc, now.get()).recordCount());

        RecordAccumulator tiny = accumulator(100, 10, 0, 1 << 20);
        tiny.append(record("t", null, "larger than ten bytes"), 0);
        assertEquals(1, tiny.drainReady(now.get()).recordCount());
    }

    @Test
    void partitionsAreBatchedSeparatelyEachInSendOrder() throws Exception {
        RecordAccumulator acc = accumulator(100, 1 << 20, 0, 1 << 20);
        acc.append(record("t", 0, "a"), 0);
        acc.append(record("t", 1, "b"), 0);
        acc.append(record("t", 0, "c"), 0);
        acc.append(record("t", 1, "d"), 0);

        ProducerBatch first = acc.drainReady(now.get());
        ProducerBatch second = acc.drainReady(now.get());

        assertEquals(List.of("a", "c"), values(first));
        assertEquals(0, first.partition);
        assertEquals(List.of("b", "d"), values(second));
        assertEquals(1, second.partition);
        assertNull(acc.drainReady(now.get()));
    }

    @Test
    void aPartitionWithABatchInFlightIsNotDrainedAgainUntilThatBatchIsReleased() throws Exception {
        RecordAccumulator acc = accumulator(1, 1 << 20, 0, 1 << 20);
        acc.append(record("t", 0, "a"), 0);
        acc.append(record("t", 0, "b"), 0);
        acc.append(record("t", 1, "c"), 0);

        ProducerBatch inFlight = acc.drainReady(now.get());
        assertEquals(List.of("a"), values(inFlight));
        assertEquals(List.of("c"), values(acc.drainReady(now.get())), "other partitions go on");
        assertNull(acc.drainReady(now.get()), "b waits: partition 0 has a batch in flight");
        assertEquals(Long.MAX_VALUE, acc.nanosUntilReady(now.get()), "nothing becomes ready by waiting");

        acc.release(inFlight);
        assertEquals(List.of("b"), values(acc.drainReady(now.get())));
    }

    @Test
    void topicsAreDrainedIntoSeparateBatchesOldestFirst() throws Exception {
        RecordAccumulator acc = accumulator(100, 1 << 20, 0, 1 << 20);
        acc.append(record("b", null, "b1"), 0);
        now.addAndGet(MS);
        acc.append(record("a", null, "a1"), 0);
        acc.append(record("b", null, "b2"), 0);

        ProducerBatch first = acc.drainReady(now.get());
        ProducerBatch second = acc.drainReady(now.get());

        assertEquals("b", first.topic);
        assertEquals(List.of("b1", "b2"), values(first));
        assertEquals("a", second.topic);
        assertEquals(List.of("a1"), values(second));
    }

    @Test
    void flushAndCloseMakeLingeringRecordsReady() throws Exception {
        RecordAccumulator acc = accumulator(100, 1 << 20, 10_000, 1 << 20);
        acc.append(record("t", null, "a"), 0);
        assertNull(acc.drainReady(now.get()));

        acc.beginFlush();
        assertNotNull(drainAndRelease(acc, now.get()));
        acc.endFlush();

        acc.append(record("t", null, "b"), 0);
        assertNull(acc.drainReady(now.get()));
        acc.close();
        assertNotNull(acc.drainReady(now.get()));
        assertTrue(acc.closedAndEmpty());
        assertThrows(IllegalStateException.class, () -> acc.append(record("t", null, "c"), 0));
    }

    @Test
    void awaitAppendedDoneWaitsForQueuedAndInFlightRecordsButNotForLaterOnes() throws Exception {
        RecordAccumulator acc = accumulator(1, 1 << 20, 0, 1 << 20);
        acc.append(record("t", 0, "a"), 0);
        acc.append(record("t", 1, "b"), 0);
        acc.append(record("t", 1, "c"), 0);
        ProducerBatch a = acc.drainReady(now.get());
        ProducerBatch b = acc.drainReady(now.get());

        CountDownLatch done = new CountDownLatch(1);
        Thread flusher = new Thread(() -> {
            try {
                acc.awaitAppendedDone();
                done.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        flusher.start();
        while (flusher.getState() != Thread.State.WAITING) {
            Thread.onSpinWait(); // the wait has begun (it is parked on the accumulator's condition)
        }
        acc.append(record("t", 2, "later"), 0); // appended after the wait began: not waited for

        acc.release(a);
        assertFalse(done.await(50, TimeUnit.MILLISECONDS), "b is still in flight");
        acc.release(b);
        assertFalse(done.await(50, TimeUnit.MILLISECONDS), "c is still queued");
        ProducerBatch c = acc.drainReady(now.get());
        assertEquals(List.of("c"), values(c));
        acc.release(c);
        assertTrue(done.await(5, TimeUnit.SECONDS), "every record appended before the wait is done");
        assertEquals(1, acc.queuedRecords());
        flusher.join();
    }

    @Test
    void awaitAppendedDoneReturnsOnceQueuedRecordsAreAborted() throws Exception {
        RecordAccumulator acc = accumulator(100, 1 << 20, 10_000, 1 << 20);
        acc.append(record("t", 0, "a"), 0);
        Thread aborter = new Thread(() -> {
            sleepQuietly(50);
            acc.abortAll();
        });
        aborter.start();
        acc.awaitAppendedDone();
        assertEquals(0, acc.queuedRecords());
        aborter.join();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void appendFailsWithTimeoutWhenTheBufferStaysFull() throws Exception {
        PendingRecord first = record("t", null, "x".repeat(100));
        RecordAccumulator acc = accumulator(100, 1 << 20, 0, first.sizeBytes + 10);
        acc.append(first, 0);

        StrataClientException e = assertThrows(StrataClientException.class,
                () -> acc.append(record("t", null, "x".repeat(100)), 20 * MS));
        assertEquals(ErrorReason.TIMEOUT, e.reason());
    }

    @Test
    void blockedAppendResumesWhenACompletedBatchReleasesItsBytes() throws Exception {
        PendingRecord first = record("t", null, "x".repeat(100));
        RecordAccumulator acc = accumulator(100, 1 << 20, 0, first.sizeBytes + 10);
        acc.append(first, 0);
        CountDownLatch appended = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread appender = new Thread(() -> {
            try {
                acc.append(record("t", null, "y".repeat(100)), TimeUnit.SECONDS.toNanos(10));
                appended.countDown();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        appender.start();
        assertTrue(!appended.await(100, TimeUnit.MILLISECONDS), "append must block while the buffer is full");

        acc.release(acc.drainReady(now.get()));

        assertTrue(appended.await(5, TimeUnit.SECONDS), "append must resume after release");
        appender.join();
        assertNull(failure.get());
        assertEquals(first.sizeBytes, acc.bufferedBytes());
    }

    @Test
    void recordLargerThanTheWholeBufferIsRejectedAtOnce() {
        RecordAccumulator acc = accumulator(100, 1 << 20, 0, 50);
        StrataClientException e = assertThrows(StrataClientException.class,
                () -> acc.append(record("t", null, "x".repeat(100)), TimeUnit.SECONDS.toNanos(10)));
        assertEquals(ErrorReason.RECORD_TOO_LARGE, e.reason());
    }

    @Test
    void abortAllReturnsQueuedRecordsAndFreesTheirBytes() throws Exception {
        RecordAccumulator acc = accumulator(100, 1 << 20, 10_000, 1 << 20);
        acc.append(record("a", null, "1"), 0);
        acc.append(record("b", 0, "2"), 0);

        assertEquals(2, acc.abortAll().size());
        assertEquals(0, acc.bufferedBytes());
        assertEquals(0, acc.queuedRecords());
    }
}
