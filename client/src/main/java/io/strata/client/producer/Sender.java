package io.strata.client.producer;

import io.grpc.StatusRuntimeException;
import io.strata.client.StrataClientException;
import io.strata.proto.ErrorReason;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer's background loop: takes ready batches from the {@link RecordAccumulator} and
 * sends each as one blocking {@code Produce} call, so at most one request is in flight and
 * batches reach the gateway in drain order.
 *
 * <p>Retriable failures ({@link StrataClientException#isRetriable()}: no leader, not enough
 * replicas, gateway unavailable...) are retried after {@code retry.backoff} until the batch's
 * delivery timeout expires; a retry after a lost response may duplicate records (at-least-once;
 * idempotent producing will remove that). Any other failure completes the batch's futures
 * exceptionally with a {@link StrataClientException}.
 *
 * <p>Futures are completed on this thread: callbacks attached to them must not block.
 * Runs on exactly one thread; {@link #abort()} may be called from any thread.
 */
final class Sender implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);
    /** Extra time the gRPC deadline gives the gateway to report its own timeout. */
    private static final long DEADLINE_GRACE_MS = 2_000;

    private final RecordAccumulator accumulator;
    private final ProducerGrpc.ProducerBlockingStub stub;
    private final ProducerConfig config;
    private final LongSupplier nanoClock;
    private volatile boolean aborted;

    Sender(RecordAccumulator accumulator, ProducerGrpc.ProducerBlockingStub stub, ProducerConfig config,
           LongSupplier nanoClock) {
        this.accumulator = accumulator;
        this.stub = stub;
        this.config = config;
        this.nanoClock = nanoClock;
    }

    @Override
    public void run() {
        try {
            while (!aborted) {
                ProducerBatch batch = accumulator.awaitBatch(TimeUnit.SECONDS.toNanos(1));
                if (batch == null) {
                    if (accumulator.closedAndEmpty()) {
                        return;
                    }
                    continue;
                }
                try {
                    send(batch);
                } finally {
                    accumulator.release(batch);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.error("producer sender thread failed; queued records will be failed", e);
            throw e;
        }
    }

    /** Stops the loop after the current request (used by a close whose timeout expired). */
    void abort() {
        aborted = true;
    }

    void send(ProducerBatch batch) throws InterruptedException {
        long deadlineNanos = batch.createdNanos + config.deliveryTimeout().toNanos();
        int attempt = 0;
        while (true) {
            attempt++;
            long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - nanoClock.getAsLong());
            if (remainingMs <= 0 || aborted) {
                batch.fail(aborted
                        ? new StrataClientException(ErrorReason.TIMEOUT, "producer closed before "
                                + batch.recordCount() + " records for topic '" + batch.topic + "' were acknowledged")
                        : new StrataClientException(ErrorReason.TIMEOUT, "delivery.timeout of "
                                + config.deliveryTimeout().toMillis() + " ms expired before " + batch.recordCount()
                                + " records for topic '" + batch.topic + "' were acknowledged (attempts: "
                                + (attempt - 1) + ")"));
                return;
            }
            int attemptMs = (int) Math.min(remainingMs, config.requestTimeout().toMillis());
            ProduceRequest request = batch.toRequest(config.acks(), attemptMs);
            try {
                ProduceResponse response = stub
                        .withDeadlineAfter(attemptMs + DEADLINE_GRACE_MS, TimeUnit.MILLISECONDS)
                        .produce(request);
                batch.complete(response, config.acks());
                return;
            } catch (StatusRuntimeException e) {
                StrataClientException error = StrataClientException.from(e);
                if (Thread.currentThread().isInterrupted()) {
                    batch.fail(error);
                    throw new InterruptedException("producer sender interrupted");
                }
                long backoffMs = config.retryBackoff().toMillis();
                boolean timeLeft = deadlineNanos - nanoClock.getAsLong() > TimeUnit.MILLISECONDS.toNanos(backoffMs);
                if (!error.isRetriable() || !timeLeft || aborted) {
                    batch.fail(error);
                    return;
                }
                LOG.debug("retrying produce of {} records to topic '{}' after {} (attempt {})",
                        batch.recordCount(), batch.topic, error, attempt);
                Thread.sleep(backoffMs);
            }
        }
    }
}
