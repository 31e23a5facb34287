package io.strata.client.producer;

import io.strata.client.StrataClientException;
import io.strata.proto.ErrorReason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Buffers records between {@code send} and the sender: one FIFO queue per partition, drained
 * into {@link ProducerBatch}es.
 *
 * <p><b>Batching.</b> A batch is the head of one partition's queue, capped at
 * {@code batchMaxRecords} records and {@code batchMaxBytes} bytes (a single larger record forms
 * a batch alone).
 *
 * <p><b>Readiness.</b> A partition's queue is ready when its oldest record has waited
 * {@code lingerMs}, when it holds a full batch, while a flush is in progress, or once the
 * accumulator is closed. Among ready queues the one with the oldest head is drained first.
 *
 * <p><b>Order.</b> Draining a batch mutes its partition until {@link #release} — the batch was
 * acknowledged or failed for good — so a partition has at most one request in flight and a retry
 * can never overtake or be overtaken: each partition receives records in send order.
 *
 * <p><b>Back-pressure.</b> Bytes are accounted from {@link #append} until {@link #release}.
 * {@code append} blocks while the buffer is full.
 *
 * <p><b>Flush.</b> Every appended record gets the next number of one sequence, so "everything
 * appended before now is done" is a comparison with the oldest record still queued or in flight
 * (a partition's records finish in order), not a set of futures to track per record.
 *
 * <p>Thread-safe: any number of appending threads and one draining (sender) thread; all state is
 * guarded by one lock. Time comes from an injected nano clock so tests are deterministic.
 */
final class RecordAccumulator {

    /** One partition of one topic: the key of a queue. */
    record Partition(String topic, int partition) {
    }

    private final int batchMaxRecords;
    private final long batchMaxBytes;
    private final long lingerNanos;
    private final long bufferMaxBytes;
    private final LongSupplier nanoClock;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when records arrive, a partition is unmuted, a flush starts, or the accumulator closes. */
    private final Condition changed = lock.newCondition();
    /** Signalled when buffer bytes are released: a batch is done or queued records were aborted. */
    private final Condition spaceFreed = lock.newCondition();

    private final Map<Partition, PartitionQueue> queues = new LinkedHashMap<>();
    /** The batch in flight per partition: the partition is not drained again until it is released. */
    private final Map<Partition, ProducerBatch> inFlight = new HashMap<>();
    private long nextSeq;
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
            record.seq = nextSeq++;
            PartitionQueue q = queues.computeIfAbsent(new Partition(record.topic, record.partition),
                    p -> new PartitionQueue());
            q.add(record);
            if (q.size() == 1 || isFull(q)) {
                changed.signalAll(); // the sender may need to wake earlier than it planned
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until a batch is ready and removes it, muting its partition. Returns null once the
     * accumulator is closed and empty, or when {@code maxWaitNanos} passed with nothing ready.
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

    /**
     * Removes and returns the ready batch of an unmuted partition whose oldest record is oldest,
     * muting that partition; null when none is ready.
     */
    ProducerBatch drainReady(long nowNanos) {
        lock.lock();
        try {
            Partition best = null;
            long bestAppend = Long.MAX_VALUE;
            for (Map.Entry<Partition, PartitionQueue> e : queues.entrySet()) {
                PartitionQueue q = e.getValue();
                if (!inFlight.containsKey(e.getKey()) && isReady(q, nowNanos) && q.head().appendNanos < bestAppend) {
                    best = e.getKey();
                    bestAppend = q.head().appendNanos;
                }
            }
            if (best == null) {
                return null;
            }
            PartitionQueue q = queues.get(best);
            ProducerBatch batch = new ProducerBatch(q.takeBatch(batchMaxRecords, batchMaxBytes));
            if (q.isEmpty()) {
                queues.remove(best);
            }
            inFlight.put(best, batch);
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Nanoseconds until some unmuted queue becomes ready on its own (linger), 0 if one is ready,
     * MAX_VALUE if none can become ready before something else changes.
     */
    long nanosUntilReady(long nowNanos) {
        lock.lock();
        try {
            long min = Long.MAX_VALUE;
            for (Map.Entry<Partition, PartitionQueue> e : queues.entrySet()) {
                if (inFlight.containsKey(e.getKey())) {
                    continue;
                }
                PartitionQueue q = e.getValue();
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

    private boolean isReady(PartitionQueue q, long nowNanos) {
        return closed
                || flushesInProgress > 0
                || nowNanos - q.head().appendNanos >= lingerNanos
                || isFull(q);
    }

    private boolean isFull(PartitionQueue q) {
        return q.size() >= batchMaxRecords || q.bytes >= batchMaxBytes;
    }

    /**
     * Gives back the buffer bytes of a batch that is done (acknowledged or failed for good) and
     * unmutes its partition, waking blocked appenders and the sender.
     */
    void release(ProducerBatch batch) {
        lock.lock();
        try {
            bufferedBytes -= batch.sizeBytes;
            inFlight.remove(new Partition(batch.topic, batch.partition));
            spaceFreed.signalAll();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks until every record appended before this call is done: acknowledged, failed for good or
     * aborted (its future is complete by then).
     */
    void awaitAppendedDone() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long appended = nextSeq;
            while (oldestUnfinishedSeq() < appended) {
                spaceFreed.await();
            }
        } finally {
            lock.unlock();
        }
    }

    private long oldestUnfinishedSeq() {
        long oldest = Long.MAX_VALUE;
        for (ProducerBatch b : inFlight.values()) {
            oldest = Math.min(oldest, b.records.get(0).seq);
        }
        for (PartitionQueue q : queues.values()) {
            oldest = Math.min(oldest, q.head().seq);
        }
        return oldest;
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
            for (PartitionQueue q : queues.values()) {
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
            return queues.values().stream().mapToInt(PartitionQueue::size).sum();
        } finally {
            lock.unlock();
        }
    }

    /** The queue of one partition with its byte total. Guarded by the accumulator's lock. */
    private static final class PartitionQueue {
        final ArrayDeque<PendingRecord> records = new ArrayDeque<>();
        long bytes;

        void add(PendingRecord r) {
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

        /** Removes the first records, up to {@code maxRecords} and {@code maxBytes} (at least one). */
        List<PendingRecord> takeBatch(int maxRecords, long maxBytes) {
            int limit = Math.min(records.size(), maxRecords);
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
            bytes -= batchBytes;
            return batch;
        }
    }
}
