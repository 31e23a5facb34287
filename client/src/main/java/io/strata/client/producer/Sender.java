package io.strata.client.producer;

import io.strata.client.StrataClientException;
import io.strata.common.net.StreamedCalls;
import io.strata.proto.ErrorReason;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer's background loop: takes ready batches from the {@link RecordAccumulator} and
 * sends each as one request on the producer's {@code ProduceStream} call to its gateway
 * ({@link StreamedCalls}), keeping up to {@code max.in.flight} requests outstanding. The
 * accumulator never hands out a second batch of a partition before the first is released, so a
 * partition has at most one request in flight and its records arrive in send order, retries
 * included.
 *
 * <p>Retriable failures ({@link StrataClientException#isRetriable()}: no leader, not enough
 * replicas, gateway unavailable...) are retried after {@code retry.backoff} until the batch's
 * delivery timeout expires; a retry after a lost response may duplicate records (at-least-once;
 * idempotent producing will remove that). Any other failure completes the batch's futures
 * exceptionally with a {@link StrataClientException}.
 *
 * <p>Futures complete on the single {@code callbacks} thread, in order per partition: callbacks
 * attached to them must not block. {@link #run} runs on exactly one thread; {@link #abort()} may
 * be called from any thread.
 */
final class Sender implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);
    /** Extra time a request's answer may take beyond its timeout, for the gateway to report its own. */
    private static final long DEADLINE_GRACE_MS = 2_000;

    private final RecordAccumulator accumulator;
    private final PartitionChooser partitions;
    private final StreamedCalls<ProduceRequest, ProduceResponse> link;
    /** The callbacks thread, or the calling thread once the producer has closed it. */
    private final Executor outcomes;
    private final ProducerConfig config;
    private final ScheduledExecutorService callbacks;
    private final LongSupplier nanoClock;
    private final Semaphore inFlight;
    private volatile boolean aborted;

    Sender(RecordAccumulator accumulator, PartitionChooser partitions,
           StreamedCalls<ProduceRequest, ProduceResponse> link, ProducerConfig config,
           ScheduledExecutorService callbacks, LongSupplier nanoClock) {
        this.accumulator = accumulator;
        this.partitions = partitions;
        this.link = link;
        this.outcomes = task -> {
            try {
                callbacks.execute(task);
            } catch (RejectedExecutionException e) {
                task.run(); // closed: no order left to keep, but the outcome must land
            }
        };
        this.config = config;
        this.callbacks = callbacks;
        this.nanoClock = nanoClock;
        this.inFlight = new Semaphore(config.maxInFlight());
    }

    @Override
    public void run() {
        try {
            while (!aborted) {
                inFlight.acquire();
                ProducerBatch batch = accumulator.awaitBatch(TimeUnit.SECONDS.toNanos(1));
                if (batch == null) {
                    inFlight.release();
                    if (accumulator.closedAndEmpty()) {
                        break;
                    }
                    continue;
                }
                partitions.batchDrained(batch.topic, batch.partition);
                attempt(batch, 1);
            }
            inFlight.acquire(config.maxInFlight()); // every request answered: close may proceed
            link.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.error("producer sender thread failed; queued records will be failed", e);
            throw e;
        }
    }

    /** Stops the loop and fails the requests in flight. */
    void abort() {
        aborted = true;
        link.reset("producer closed");
    }

    private void attempt(ProducerBatch batch, int attempt) {
        long deadlineNanos = batch.createdNanos + config.deliveryTimeout().toNanos();
        long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - nanoClock.getAsLong());
        if (remainingMs <= 0 || aborted) {
            done(batch, aborted ? closedBefore(batch) : new StrataClientException(ErrorReason.TIMEOUT, "delivery.timeout of "
                            + config.deliveryTimeout().toMillis() + " ms expired before " + batch.recordCount()
                            + " records for " + batch.topic + "-" + batch.partition + " were acknowledged (attempts: "
                            + (attempt - 1) + ")"));
            return;
        }
        int attemptMs = (int) Math.min(remainingMs, config.requestTimeout().toMillis());
        ProduceRequest.Builder request;
        try {
            request = batch.toRequest(config.acks(), attemptMs, config.compression());
        } catch (RuntimeException e) {
            done(batch, new StrataClientException(ErrorReason.INVALID_ARGUMENT, "could not encode "
                    + batch.recordCount() + " records for " + batch.topic + ": " + e.getMessage()));
            return;
        }
        link.call(id -> request.setRequestId(id).build(), TimeUnit.MILLISECONDS.toNanos(attemptMs + DEADLINE_GRACE_MS))
                .whenCompleteAsync((response, error) -> {
                    if (error == null) {
                        batch.complete(response, config.acks());
                        done(batch, null);
                    } else {
                        retryOrFail(batch, attempt, deadlineNanos, StrataClientException.from(error));
                    }
                }, outcomes);
    }

    private void retryOrFail(ProducerBatch batch, int attempt, long deadlineNanos, StrataClientException error) {
        long backoffMs = config.retryBackoff().toMillis();
        boolean timeLeft = deadlineNanos - nanoClock.getAsLong() > TimeUnit.MILLISECONDS.toNanos(backoffMs);
        if (aborted) {
            done(batch, closedBefore(batch));
            return;
        }
        if (!error.isRetriable() || !timeLeft) {
            done(batch, error);
            return;
        }
        LOG.debug("retrying produce of {} records to {}-{} after {} (attempt {})", batch.recordCount(),
                batch.topic, batch.partition, error, attempt);
        try {
            callbacks.schedule(() -> attempt(batch, attempt + 1), backoffMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            done(batch, error);
        }
    }

    private static StrataClientException closedBefore(ProducerBatch batch) {
        return new StrataClientException(ErrorReason.TIMEOUT, "producer closed before " + batch.recordCount()
                + " records for " + batch.topic + "-" + batch.partition + " were acknowledged");
    }

    /** The batch is finished (acknowledged when {@code error} is null): free its partition and its slot. */
    private void done(ProducerBatch batch, StrataClientException error) {
        if (error != null) {
            batch.fail(error);
        }
        accumulator.release(batch);
        inFlight.release();
    }
}
