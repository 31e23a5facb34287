package io.strata.storage.membership;

import io.strata.common.error.StrataException;
import io.strata.common.metadata.MetadataClient;
import io.strata.proto.TopicPartition;
import io.strata.proto.internal.ControlledShutdownRequest;
import io.strata.proto.internal.ControlledShutdownResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A storage node's half of a controlled shutdown. Before the node stops it asks the controller
 * to hand its leaderships to in-sync replicas and to take it out of the ISRs, then waits until
 * its own metadata shows that change: acks=all appends still waiting here then fail with
 * NOT_LEADER, which gateways retry on the new leaders at once, instead of stalling producers
 * for a node lease until the controller notices the node is gone.
 *
 * <p>Partitions that no other live in-sync replica can take stay led here until the node stops
 * (they are offline until it, or an in-sync replica, returns). While some of them have a live
 * replica that is catching up, and may rejoin the ISR soon, the node asks again every
 * {@value #RETRY_MS} ms. Whatever happens, it gives up after the timeout and lets the node stop:
 * a shutdown must not hang because the metadata service is unreachable.
 *
 * <p>Runs on the thread that stops the node; blocking.
 */
public final class ControlledShutdown {
    private static final Logger log = LoggerFactory.getLogger(ControlledShutdown.class);
    static final long RETRY_MS = 300;
    private static final long POLL_MS = 10;

    /** What the hand-over achieved: partitions still led here (empty when all moved). */
    public record Outcome(List<TopicPartition> stillLed, boolean completed) {
    }

    private ControlledShutdown() {
    }

    /**
     * Asks for the hand-over and waits for it, at most {@code timeout} in all.
     *
     * @param appliedVersion the metadata version this node has applied
     */
    public static Outcome run(MetadataClient metadata, ControlledShutdownRequest request, Duration timeout,
                              LongSupplier appliedVersion) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        List<TopicPartition> stillLed = List.of();
        while (System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
            ControlledShutdownResponse answer;
            try {
                answer = metadata.call(stub -> stub.controlledShutdown(request),
                        Duration.ofNanos(deadline - System.nanoTime()));
            } catch (StrataException e) {
                log.warn("node {}: controlled shutdown failed ({}); stopping without it, so its partitions move only"
                        + " once its lease runs out", request.getNodeId(), e.getMessage());
                return new Outcome(stillLed, false);
            }
            stillLed = answer.getStillLedList();
            while (appliedVersion.getAsLong() < answer.getMetadataVersion() && System.nanoTime() < deadline
                    && !Thread.currentThread().isInterrupted()) {
                sleep(POLL_MS);
            }
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (stillLed.isEmpty()) {
                log.info("node {}: controlled shutdown moved every leadership away in {} ms", request.getNodeId(),
                        tookMs);
                return new Outcome(stillLed, true);
            }
            if (answer.getAwaitingIsr() == 0) {
                log.warn("node {}: no other live in-sync replica can lead {}; they are offline from now until this node"
                        + " or an in-sync replica returns", request.getNodeId(), names(stillLed));
                return new Outcome(stillLed, true);
            }
            sleep(Math.min(RETRY_MS, Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
        }
        log.warn("node {}: controlled shutdown timed out after {} ms; still leading {}", request.getNodeId(),
                timeout.toMillis(), names(stillLed));
        return new Outcome(stillLed, false);
    }

    private static List<String> names(List<TopicPartition> partitions) {
        return partitions.stream().map(p -> p.getTopic() + "-" + p.getPartition()).toList();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
