package io.strata.client.producer;

import io.grpc.ManagedChannel;
import io.strata.client.RecordHeader;
import io.strata.client.StrataChannels;
import io.strata.client.StrataClientException;
import io.strata.common.batch.Header;
import io.strata.proto.ErrorReason;
import io.strata.common.net.StreamedCalls;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records to a Strata gateway, batching them in the background.
 *
 * <p><b>Flow.</b> {@link #send} chooses the record's partition on the caller's thread (explicit,
 * murmur2 of the key, or a sticky partition for key-less records — Kafka's defaults) and queues it
 * in that partition's queue of a {@link RecordAccumulator}; a sender thread drains ready batches
 * (after {@code linger.ms}, or when full), encodes each as one Kafka RecordBatch v2 (compressed if
 * configured) and sends it as a pre-encoded {@code Produce} request, which the gateway validates
 * and forwards without re-encoding. Each record's future completes with its
 * {@link RecordMetadata} or a {@link StrataClientException}.
 *
 * <p><b>Pipelining and order.</b> Up to {@code max.in.flight} requests are outstanding at once,
 * but never two for one partition: a partition's next batch leaves only once the previous one is
 * acknowledged or failed for good, so records of one partition are appended in {@code send}
 * order, retries included (Kafka needs idempotence for that with more than one in flight).
 *
 * <p><b>Back-pressure.</b> At most {@code buffer.max.bytes} of records are queued or in flight;
 * beyond that {@code send} blocks up to {@code max.block}, then returns a future failed with
 * TIMEOUT.
 *
 * <p><b>Delivery.</b> At-least-once: a retry after a lost response may append a record twice.
 *
 * <p><b>Thread-safety.</b> {@code send}, {@code flush} and {@code close} are thread-safe and may be
 * called from many threads. Futures complete on the producer's callback thread, in order per
 * partition: callbacks must be quick and must not call {@code flush}; {@code close} from a callback
 * does not wait.
 */
public final class StrataProducer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StrataProducer.class);
    private static final AtomicInteger IDS = new AtomicInteger();
    /** Room left in a request for everything but the records (topic, fields, framing). */
    private static final int REQUEST_OVERHEAD_BYTES = 1024;

    private final ProducerConfig config;
    private final ManagedChannel channel;
    private final RecordAccumulator accumulator;
    private final PartitionChooser partitions;
    private final Sender sender;
    private final Thread senderThread;
    private final ScheduledThreadPoolExecutor callbacks;
    private volatile Thread callbackThread;
    private final LongSupplier nanoClock = System::nanoTime;
    private final Object closeLock = new Object();
    private volatile boolean closed;

    public StrataProducer(ProducerConfig config) {
        this.config = config;
        this.channel = StrataChannels.open(config.bootstrap());
        this.accumulator = new RecordAccumulator(config.batchMaxRecords(), config.batchMaxBytes(),
                config.lingerMs(), config.bufferMaxBytes(), nanoClock);
        this.partitions = new PartitionChooser(channel, nanoClock);
        int id = IDS.incrementAndGet();
        this.callbacks = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "strata-producer-" + id + "-callbacks");
            t.setDaemon(true);
            callbackThread = t;
            return t;
        });
        this.callbacks.setRemoveOnCancelPolicy(true); // answered requests' timers leave the queue at once
        ProducerGrpc.ProducerStub stub = ProducerGrpc.newStub(channel);
        StreamedCalls<ProduceRequest, ProduceResponse> link = new StreamedCalls<>(stub::produceStream,
                ProduceResponse::getRequestId, response -> response.hasError() ? response.getError() : null, callbacks);
        this.sender = new Sender(accumulator, partitions, link, config, callbacks, nanoClock);
        this.senderThread = new Thread(sender, "strata-producer-" + id + "-sender");
        this.senderThread.setDaemon(true);
        this.senderThread.start();
        LOG.debug("started producer {}", config);
    }

    /**
     * Queues a record for sending. Blocks only while the buffer is full (up to {@code max.block}).
     *
     * @return a future completed with where the record landed, or exceptionally with a
     *         {@link StrataClientException} (e.g. UNKNOWN_TOPIC, RECORD_TOO_LARGE, TIMEOUT)
     * @throws IllegalStateException when the producer is closed
     */
    public CompletableFuture<RecordMetadata> send(ProducerRecord record) {
        if (closed) {
            throw new IllegalStateException("producer is closed; cannot send to topic '" + record.topic() + "'");
        }
        CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        int partition;
        try {
            partition = partitions.partition(record, config.maxBlock().toNanos());
        } catch (StrataClientException e) {
            future.completeExceptionally(e);
            return future;
        }
        PendingRecord pending = new PendingRecord(record.topic(), partition, record.key(), record.value(),
                headers(record), record.timestampMs() != null ? record.timestampMs() : System.currentTimeMillis(),
                nanoClock.getAsLong(), future);
        int maxRecordBytes = config.maxRequestBytes() - REQUEST_OVERHEAD_BYTES - record.topic().length();
        if (pending.sizeBytes > maxRecordBytes) {
            future.completeExceptionally(new StrataClientException(ErrorReason.RECORD_TOO_LARGE,
                    "record of " + pending.sizeBytes + " bytes for topic '" + record.topic()
                            + "' exceeds the gateway's request limit (max.request.bytes=" + config.maxRequestBytes() + ")"));
            return future;
        }
        try {
            accumulator.append(pending, config.maxBlock().toNanos());
        } catch (StrataClientException e) {
            future.completeExceptionally(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StrataClientException(ErrorReason.INTERNAL, "interrupted while waiting for producer buffer space");
        }
        return future;
    }

    /**
     * Sends everything queued now without waiting for {@code linger.ms} and blocks until every
     * record sent before this call is acknowledged or failed. Failures are not thrown here; they
     * are reported through each record's future.
     *
     * @throws IllegalStateException when called from a send callback (it would deadlock)
     */
    public void flush() {
        if (isInternalThread()) {
            throw new IllegalStateException("flush() called from a send callback would deadlock");
        }
        accumulator.beginFlush();
        try {
            accumulator.awaitAppendedDone();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StrataClientException(ErrorReason.INTERNAL, "interrupted while flushing the producer");
        } finally {
            accumulator.endFlush();
        }
    }

    /** Flushes everything sent so far, then stops the sender and closes the channel. Idempotent. */
    @Override
    public void close() {
        close(Duration.ofMillis(Long.MAX_VALUE));
    }

    /**
     * Sends what is queued, waiting up to {@code timeout}; records still unacknowledged after that
     * fail with TIMEOUT. Then closes the channel. Idempotent. From a send callback it does not wait.
     */
    public void close(Duration timeout) {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        boolean fromCallback = isInternalThread();
        accumulator.close(); // refuses new records; queued ones become ready at once
        if (!fromCallback) {
            try {
                senderThread.join(Math.max(1, timeout.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (senderThread.isAlive() && !fromCallback) {
            LOG.warn("producer close timed out after {} ms; failing the request in flight and {} queued records",
                    timeout.toMillis(), accumulator.queuedRecords());
            abortAndWait();
        } else if (fromCallback) {
            sender.abort();
        }
        failAborted();
        StrataChannels.close(channel, Duration.ofSeconds(5));
        callbacks.shutdown();
    }

    private boolean isInternalThread() {
        Thread t = Thread.currentThread();
        return t == senderThread || t == callbackThread;
    }

    private void abortAndWait() {
        sender.abort();
        failAborted();
        senderThread.interrupt();
        try {
            senderThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void failAborted() {
        for (PendingRecord r : accumulator.abortAll()) {
            r.future.completeExceptionally(new StrataClientException(ErrorReason.TIMEOUT,
                    "producer closed before the record for topic '" + r.topic + "' was sent"));
        }
    }

    public ProducerConfig config() {
        return config;
    }

    private static List<Header> headers(ProducerRecord r) {
        if (r.headers().isEmpty()) {
            return List.of();
        }
        List<Header> out = new ArrayList<>(r.headers().size());
        for (RecordHeader h : r.headers()) {
            out.add(Header.of(h.key(), h.value()));
        }
        return out;
    }
}
