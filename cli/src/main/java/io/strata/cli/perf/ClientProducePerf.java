package io.strata.cli.perf;

import io.strata.client.Bootstrap;
import io.strata.client.producer.Acks;
import io.strata.client.producer.ProducerConfig;
import io.strata.client.producer.ProducerRecord;
import io.strata.client.producer.StrataProducer;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code strata perf produce}, modelled on Kafka's {@code kafka-producer-perf-test}: one thread sends
 * {@code numRecords} key-less records of {@code recordSize} random bytes through the real Java client
 * ({@link StrataProducer}), optionally throttled to {@code throughput} records/s, and times each
 * record from {@code send} to its callback. Prints a progress line every 5 s and a total line.
 */
final class ClientProducePerf {
    static final long REPORTING_INTERVAL_MS = 5_000;

    /**
     * @param throughput records per second to aim at; 0 or less means as fast as possible
     * @param props      Kafka-named producer properties (see {@link ProducerProps})
     */
    record Options(Bootstrap bootstrap, String topic, int partitions, int replicationFactor, long numRecords,
                   int recordSize, Acks acks, long throughput, Map<String, String> props) {
    }

    private ClientProducePerf() {
    }

    /** Runs the test; returns 0, or 1 when a record failed (the first failure is printed on {@code err}). */
    static int run(Options o, PrintWriter out, PrintWriter err) throws InterruptedException {
        ProducerConfig.Builder builder = ProducerProps.apply(o.props(), ProducerConfig.builder()
                .bootstrap(o.bootstrap()));
        if (o.acks() != null) {
            builder.acks(o.acks());
        }
        PerfTopics.ensure(o.bootstrap(), o.topic(), o.partitions(), o.replicationFactor());
        byte[] payload = new byte[o.recordSize()];
        ThreadLocalRandom.current().nextBytes(payload);
        PerfStats stats = new PerfStats(o.numRecords(), REPORTING_INTERVAL_MS, out);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        try (StrataProducer producer = new StrataProducer(builder.build())) {
            for (long sent = 0; sent < o.numRecords() && failure.get() == null; sent++) {
                long sentAt = System.nanoTime();
                producer.send(ProducerRecord.of(o.topic(), payload)).whenComplete((metadata, error) -> {
                    if (error == null) {
                        stats.record(System.nanoTime() - sentAt, payload.length);
                    } else {
                        failure.compareAndSet(null, error);
                    }
                });
                throttle(o.throughput(), sent + 1, start);
            }
            producer.flush();
        }
        stats.printTotal();
        Throwable error = failure.get();
        if (error != null) {
            err.printf("error: stopped after the first failed record (%d acknowledged): %s%n", stats.count(),
                    error.getMessage() == null ? error.toString() : error.getMessage());
            err.flush();
            return 1;
        }
        return 0;
    }

    /** Sleeps while more than {@code sent} records would have gone out at {@code perSecond} since {@code start}. */
    private static void throttle(long perSecond, long sent, long start) throws InterruptedException {
        if (perSecond <= 0) {
            return;
        }
        long dueNanos = start + TimeUnit.SECONDS.toNanos(sent) / perSecond;
        long aheadNanos = dueNanos - System.nanoTime();
        if (aheadNanos > 1_000_000) { // sleeping less than a millisecond is not precise enough to bother
            TimeUnit.NANOSECONDS.sleep(aheadNanos);
        }
    }
}
