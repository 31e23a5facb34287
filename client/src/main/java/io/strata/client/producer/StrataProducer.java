package io.strata.client.producer;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.strata.client.RecordHeader;
import io.strata.client.StrataChannels;
import io.strata.client.StrataClientException;
import io.strata.proto.ErrorReason;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records to a Strata gateway, batching them in the background.
 *
 * <p><b>Flow.</b> {@link #send} converts the record to its protobuf form on the caller's thread
 * and queues it in a per-topic {@link RecordAccumulator}; a sender thread drains ready batches
 * (after {@code linger.ms}, or when full) into structured {@code Produce} requests, one topic per
 * request, and completes each record's future with its {@link RecordMetadata} or a
 * {@link StrataClientException}.
 *
 * <p><b>Ordering: max.in.flight = 1.</b> The gateway processes requests independently, so two
 * requests in flight could be appended in either order. This producer therefore keeps at most
 * <em>one</em> Produce request in flight: records of one topic sent with the same routing (the
 * same explicit partition, or gateway-chosen) reach each partition in {@code send} order, retries
 * included. (The pipelined {@code ProduceStream} RPC will lift this limit later.)
 *
 * <p><b>Back-pressure.</b> At most {@code buffer.max.bytes} of records are queued or in flight;
 * beyond that {@code send} blocks up to {@code max.block}, then returns a future failed with
 * TIMEOUT.
 *
 * <p><b>Delivery.</b> At-least-once: a retry after a lost response may append a record twice.
 *
 * <p><b>Thread-safety.</b> {@code send}, {@code flush} and {@code close} are thread-safe and may be
 * called from many threads. Futures complete on the sender thread: callbacks must be quick and
 * must not call {@code flush}; {@code close} from a callback does not wait.
 */
public final class StrataProducer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StrataProducer.class);
    private static final AtomicInteger IDS = new AtomicInteger();
    /** Room left in a request for everything but the records (topic, fields, framing). */
    private static final int REQUEST_OVERHEAD_BYTES = 1024;

    private final ProducerConfig config;
    private final ManagedChannel channel;
    private final RecordAccumulator accumulator;
    private final Sender sender;
    private final Thread senderThread;
    private final LongSupplier nanoClock = System::nanoTime;
    private final Set<CompletableFuture<RecordMetadata>> incomplete = ConcurrentHashMap.newKeySet();
    private final Object closeLock = new Object();
    private volatile boolean closed;

    public StrataProducer(ProducerConfig config) {
        this.config = config;
        this.channel = StrataChannels.open(config.bootstrap());
        this.accumulator = new RecordAccumulator(config.batchMaxRecords(), config.batchMaxBytes(),
                config.lingerMs(), config.bufferMaxBytes(), nanoClock);
        this.sender = new Sender(accumulator, ProducerGrpc.newBlockingStub(channel), config, nanoClock);
        this.senderThread = new Thread(sender, "strata-producer-" + IDS.incrementAndGet() + "-sender");
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
        PendingRecord pending = new PendingRecord(record.topic(), record.partition(), toProto(record),
                nanoClock.getAsLong(), future);
        int maxRecordBytes = config.maxRequestBytes() - REQUEST_OVERHEAD_BYTES - record.topic().length();
        if (pending.sizeBytes > maxRecordBytes) {
            future.completeExceptionally(new StrataClientException(ErrorReason.RECORD_TOO_LARGE,
                    "record of " + pending.sizeBytes + " bytes for topic '" + record.topic()
                            + "' exceeds the gateway's request limit (max.request.bytes=" + config.maxRequestBytes() + ")"));
            return future;
        }
        incomplete.add(future);
        future.whenComplete((m, e) -> incomplete.remove(future));
        try {
            accumulator.append(pending, config.maxBlock().toNanos());
        } catch (StrataClientException e) {
            future.completeExceptionally(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            incomplete.remove(future);
            throw new StrataClientException(ErrorReason.INTERNAL, "interrupted while waiting for producer buffer space");
        } catch (IllegalStateException e) {
            incomplete.remove(future);
            throw e;
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
        if (Thread.currentThread() == senderThread) {
            throw new IllegalStateException("flush() called from a send callback would deadlock");
        }
        List<CompletableFuture<RecordMetadata>> waitFor = new ArrayList<>(incomplete);
        accumulator.beginFlush();
        try {
            for (CompletableFuture<RecordMetadata> f : waitFor) {
                try {
                    f.get();
                } catch (ExecutionException ignored) {
                    // reported through the future
                }
            }
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
        boolean fromCallback = Thread.currentThread() == senderThread;
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

    private static Record toProto(ProducerRecord r) {
        Record.Builder b = Record.newBuilder();
        if (r.key() != null) {
            b.setKey(ByteString.copyFrom(r.key()));
        }
        if (r.value() != null) {
            b.setValue(ByteString.copyFrom(r.value()));
        }
        for (RecordHeader h : r.headers()) {
            b.addHeaders(h.toProto());
        }
        b.setTimestampMs(r.timestampMs() != null ? r.timestampMs() : System.currentTimeMillis());
        return b.build();
    }
}
