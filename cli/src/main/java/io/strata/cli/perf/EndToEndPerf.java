package io.strata.cli.perf;

import io.strata.client.Bootstrap;
import io.strata.client.consumer.ConsumerConfig;
import io.strata.client.consumer.ConsumerRecord;
import io.strata.client.consumer.OffsetReset;
import io.strata.client.consumer.StrataConsumer;
import io.strata.client.producer.Acks;
import io.strata.client.producer.ProducerConfig;
import io.strata.client.producer.ProducerRecord;
import io.strata.client.producer.StrataProducer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * {@code strata perf e2e}, the loop of Kafka's {@code EndToEndLatency}: one record at a time is sent
 * (linger 0) and waited for, then polled by a consumer that joined at the log end; the time from send
 * to the record coming out of {@code poll} is one sample. Prints percentiles in microseconds, as the
 * Kafka bench's {@code E2ELatencyUs} does.
 */
final class EndToEndPerf {
    record Options(Bootstrap bootstrap, String topic, int partitions, int replicationFactor, int numRecords,
                   int recordSize, Acks acks) {
    }

    private EndToEndPerf() {
    }

    /** Runs the test; returns 0, or 1 when a record did not come back within a minute or came back wrong. */
    static int run(Options o, PrintWriter out, PrintWriter err) throws InterruptedException, ExecutionException {
        PerfTopics.ensure(o.bootstrap(), o.topic(), o.partitions(), o.replicationFactor());
        ConsumerConfig consumerConfig = ConsumerConfig.builder("perf-e2e-" + System.currentTimeMillis())
                .bootstrap(o.bootstrap()).autoOffsetReset(OffsetReset.LATEST).clientId("strata-perf-e2e").build();
        ProducerConfig producerConfig = ProducerConfig.builder().bootstrap(o.bootstrap()).acks(o.acks()).lingerMs(0)
                .build();
        long[] nanos = new long[o.numRecords()];
        try (StrataConsumer consumer = new StrataConsumer(consumerConfig);
             StrataProducer producer = new StrataProducer(producerConfig)) {
            consumer.subscribe(List.of(o.topic()));
            awaitPositions(consumer);
            byte[] value = new byte[o.recordSize()];
            for (int i = 0; i < o.numRecords(); i++) {
                Arrays.fill(value, (byte) ('A' + i % 26));
                long start = System.nanoTime();
                producer.send(ProducerRecord.of(o.topic(), value)).get();
                List<ConsumerRecord> got = consumer.poll(Duration.ofSeconds(60));
                nanos[i] = System.nanoTime() - start;
                if (got.size() != 1 || got.get(0).value()[0] != value[0]) {
                    err.printf("error: record %d came back as %d records%n", i, got.size());
                    err.flush();
                    return 1;
                }
            }
        }
        double avgMicros = Arrays.stream(nanos).average().orElse(0) / 1e3;
        Arrays.sort(nanos);
        out.printf("records=%d avg_us=%.1f p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f%n",
                nanos.length, avgMicros, micros(nanos, 0.50), micros(nanos, 0.90), micros(nanos, 0.99),
                micros(nanos, 0.999), nanos[nanos.length - 1] / 1e3);
        out.flush();
        return 0;
    }

    /** Polls until every assigned partition has its start position (the log end), so no record is missed. */
    private static void awaitPositions(StrataConsumer consumer) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (!consumer.assignment().isEmpty()) {
                    consumer.assignment().forEach(consumer::position);
                    return;
                }
            } catch (IllegalStateException notYet) {
                // a partition's start position is still being looked up
            }
            consumer.poll(Duration.ofMillis(100));
        }
        throw new IllegalStateException("the consumer got no start positions within 30 s");
    }

    private static double micros(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))] / 1e3;
    }
}
