package io.strata.client.producer;

import io.strata.client.StrataClientException;
import io.strata.proto.ErrorReason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Buffers records between {@code send} and the sender thread: one FIFO queue per topic,
 * drained into {@link ProducerBatch}es.
 *
 * <p><b>Batching.</b> A batch is the longest prefix of a topic's queue whose records share one
 * routing (the same explicit partition, or all "gateway chooses"), capped at
 * {@code batchMaxRecords} records and {@code batchMaxBytes} bytes (a single larger record forms
 * a batch alone). Draining only prefixes keeps every topic's records in send order, so with one
 * request in flight a partition receives records in the order they were sent.
 *
 * <p><b>Readiness.</b> A topic's queue is ready when its oldest record has waited
 * {@code lingerMs}, when it holds a full batch, when its head batch cannot grow (a record with a
 * different routing follows it), while a flush is in progress, or once the accumulator is closed.
 * Among ready queues the one with the oldest head is drained first.
 *
 * <p><b>Back-pressure.</b> Bytes are accounted from {@link #append} until {@link #release} (after
 * the batch's futures completed). {@code append} blocks while the buffer is full.
 *
 * <p>Thread-safe: any number of appending threads and one draining (sender) thread; all state is
 * guarded by one lock. Time comes from an injected nano clock so tests are deterministic.
 */
final class RecordAccumulator {

    private final int batchMaxRecords;
    private final long batchMaxBytes;
    private final long lingerNanos;
    private final long bufferMaxBytes;
    private final LongSupplier nanoClock;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when records arrive, a flush starts, or the accumulator closes. */
    private final Condition changed = lock.newCondition();
    /** Signalled when buffer bytes are released. */
    private final Condition spaceFreed = lock.newCondition();

    private final Map<String, TopicQueue> queues = new LinkedHashMap<>();
    private long bufferedBytes;
    private int flushesInProgress;
    private boolean closed;

    RecordAccumulator(int batchMaxRecords, long batchMaxBytes, long lingerMs, long bufferMaxBytes,
                      LongSupplier nanoClock) {
        this.batchMaxRecords = batchMaxRecords;
        this.batchMaxBytes = batchMaxBytes;
        this.lingerNanos = TimeUnit.MILLISECONDS.toNanos(lingerMs);
        this.bufferMaxBytes = bufferMaxBytes;
        this.nanoClock = nanoClock;
    }

    /**
     * Queues a record, blocking up to {@code maxBlockNanos} for buffer space.
     *
     * @throws StrataClientException with TIMEOUT when no space freed up in time
     * @throws IllegalStateException when the accumulator is closed
     */
    void append(PendingRecord record, long maxBlockNanos) throws InterruptedException {
        if (record.sizeBytes > bufferMaxBytes) {
            throw new StrataClientException(ErrorReason.RECORD_TOO_LARGE, "record of " + record.sizeBytes
                    + " bytes is larger than buffer.max.bytes=" + bufferMaxBytes);
        }
        lock.lockInterruptibly();
        try {
            long remaining = maxBlockNanos;
            while (!closed && bufferedBytes + record.sizeBytes > bufferMaxBytes) {
                if (remaining <= 0) {
                    throw new StrataClientException(ErrorReason.TIMEOUT, "producer buffer full ("
                            + bufferedBytes + " of buffer.max.bytes=" + bufferMaxBytes + " bytes) for "
                            + TimeUnit.NANOSECONDS.toMillis(maxBlockNanos)
                            + " ms (max.block); the gateway is not keeping up or unreachable");
                }
                remaining = spaceFreed.awaitNanos(remaining);
            }
            if (closed) {
                throw new IllegalStateException("producer is closed");
            }
            bufferedBytes += record.sizeBytes;
            queues.computeIfAbsent(record.topic, t -> new TopicQueue()).add(record);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until a batch is ready and removes it. Returns null once the accumulator is closed and
     * empty, or when {@code maxWaitNanos} passed with nothing ready.
     */
    ProducerBatch awaitBatch(long maxWaitNanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long deadline = nanoClock.getAsLong() + maxWaitNanos;
            while (true) {
                long now = nanoClock.getAsLong();
                ProducerBatch batch = drainReady(now);
                if (batch != null) {
                    return batch;
                }
                if (closed && queues.isEmpty()) {
                    return null;
                }
                long wait = Math.min(nanosUntilReady(now), deadline - now);
                if (wait <= 0) {
                    return null;
                }
                changed.awaitNanos(wait);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Removes and returns the ready batch whose oldest record is oldest, or null when none is ready. */
    ProducerBatch drainReady(long nowNanos) {
        lock.lock();
        try {
            String best = null;
            long bestAppend = Long.MAX_VALUE;
            for (Map.Entry<String, TopicQueue> e : queues.entrySet()) {
                TopicQueue q = e.getValue();
                if (isReady(q, nowNanos) && q.head().appendNanos < bestAppend) {
                    best = e.getKey();
                    bestAppend = q.head().appendNanos;
                }
            }
            if (best == null) {
                return null;
            }
            TopicQueue q = queues.get(best);
            ProducerBatch batch = new ProducerBatch(q.takeBatch(batchMaxRecords, batchMaxBytes));
            if (q.isEmpty()) {
                queues.remove(best);
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /** Nanoseconds until some queue becomes ready on its own (linger), 0 if one is ready, MAX_VALUE if empty. */
    long nanosUntilReady(long nowNanos) {
        lock.lock();
        try {
            long min = Long.MAX_VALUE;
            for (TopicQueue q : queues.values()) {
                if (isReady(q, nowNanos)) {
                    return 0;
                }
                min = Math.min(min, q.head().appendNanos + lingerNanos - nowNanos);
            }
            return min;
        } finally {
            lock.unlock();
        }
    }

    private boolean isReady(TopicQueue q, long nowNanos) {
        return closed
                || flushesInProgress > 0
                || nowNanos - q.head().appendNanos >= lingerNanos
                || q.size() >= batchMaxRecords
                || q.bytes >= batchMaxBytes
                || q.headBatchClosed();
    }

    /** Gives back the buffer bytes of a completed batch, waking blocked appenders. */
    void release(ProducerBatch batch) {
        lock.lock();
        try {
            bufferedBytes -= batch.sizeBytes;
            spaceFreed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Makes every queued record ready at once until the matching {@link #endFlush()}. */
    void beginFlush() {
        lock.lock();
        try {
            flushesInProgress++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void endFlush() {
        lock.lock();
        try {
            flushesInProgress--;
        } finally {
            lock.unlock();
        }
    }

    /** Refuses further appends; queued records become ready at once and are still drained. */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
            spaceFreed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Removes every queued record (for a forced close); their futures are the caller's to fail. */
    List<PendingRecord> abortAll() {
        lock.lock();
        try {
            List<PendingRecord> aborted = new ArrayList<>();
            for (TopicQueue q : queues.values()) {
                aborted.addAll(q.records);
                bufferedBytes -= q.bytes;
            }
            queues.clear();
            spaceFreed.signalAll();
            return aborted;
        } finally {
            lock.unlock();
        }
    }

    /** True once {@link #close()} was called and every queued record has been drained. */
    boolean closedAndEmpty() {
        lock.lock();
        try {
            return closed && queues.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** Record bytes queued or in flight (for tests and metrics). */
    long bufferedBytes() {
        lock.lock();
        try {
            return bufferedBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Records still queued, not yet drained. */
    int queuedRecords() {
        lock.lock();
        try {
            return queues.values().stream().mapToInt(TopicQueue::size).sum();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The queue of one topic, with its byte total and its runs (maximal stretches of consecutive
     * records with one routing), so readiness and draining never scan the queue.
     * Guarded by the accumulator's lock.
     */
    private static final class TopicQueue {
        final ArrayDeque<PendingRecord> records = new ArrayDeque<>();
        /** Lengths of consecutive same-routing runs, front first; sums to records.size(). */
        private final ArrayDeque<int[]> runs = new ArrayDeque<>();
        long bytes;

        void add(PendingRecord r) {
            PendingRecord last = records.peekLast();
            if (last != null && last.sameRouting(r)) {
                runs.peekLast()[0]++;
            } else {
                runs.addLast(new int[] {1});
            }
            records.addLast(r);
            bytes += r.sizeBytes;
        }

        PendingRecord head() {
            return records.peekFirst();
        }

        int size() {
            return records.size();
        }

        boolean isEmpty() {
            return records.isEmpty();
        }

        /** True when a record with a different routing follows the head's run, so the head batch cannot grow. */
        boolean headBatchClosed() {
            return runs.size() > 1;
        }

        /** Removes the head run's first records, up to {@code maxRecords} and {@code maxBytes} (at least one). */
        List<PendingRecord> takeBatch(int maxRecords, long maxBytes) {
            int[] run = runs.peekFirst();
            int limit = Math.min(run[0], maxRecords);
            List<PendingRecord> batch = new ArrayList<>(limit);
            long batchBytes = 0;
            while (batch.size() < limit) {
                PendingRecord r = records.peekFirst();
                if (!batch.isEmpty() && batchBytes + r.sizeBytes > maxBytes) {
                    break;
                }
                batch.add(records.pollFirst());
                batchBytes += r.sizeBytes;
            }
            run[0] -= batch.size();
            if (run[0] == 0) {
                runs.pollFirst();
            }
            bytes -= batchBytes;
            return batch;
        }
    }
}
