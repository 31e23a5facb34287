package io.strata.cli.perf;

import io.strata.client.Bootstrap;
import io.strata.client.consumer.ConsumerConfig;
import io.strata.client.consumer.ConsumerRecord;
import io.strata.client.consumer.OffsetReset;
import io.strata.client.consumer.StrataConsumer;
import java.io.PrintWriter;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code strata perf consume}, modelled on Kafka's {@code kafka-consumer-perf-test}: a real
 * {@link StrataConsumer} in group {@code group} reads {@code numRecords} records of {@code topic}
 * from the beginning (partitions the group has no commit for), then commits and prints one line of
 * figures under Kafka's header. MB means MiB (2^20 bytes), as Kafka prints; key and value bytes count.
 */
final class ConsumePerf {
    private static final double MIB = 1024.0 * 1024.0;
    static final String HEADER = "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
            + "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";

    /** @param timeoutMs the longest wait without a record before giving up */
    record Options(Bootstrap bootstrap, String topic, long numRecords, String group, long timeoutMs) {
    }

    private ConsumePerf() {
    }

    /** Runs the test; returns 0, or 1 when the timeout passed before {@code numRecords} records arrived. */
    static int run(Options o, PrintWriter out, PrintWriter err) {
        ConsumerConfig config = ConsumerConfig.builder(o.group()).bootstrap(o.bootstrap())
                .autoOffsetReset(OffsetReset.EARLIEST).clientId("strata-perf-consume").build();
        long records = 0;
        long bytes = 0;
        long startMs = System.currentTimeMillis();
        long start = System.nanoTime();
        long joined;
        long lastRecord;
        long end;
        boolean timedOut = false;
        try (StrataConsumer consumer = new StrataConsumer(config)) {
            consumer.subscribe(List.of(o.topic()));
            joined = System.nanoTime();
            lastRecord = joined;
            end = joined;
            while (records < o.numRecords()) {
                List<ConsumerRecord> batch = consumer.poll(Duration.ofMillis(Math.min(1_000, o.timeoutMs())));
                long now = System.nanoTime();
                if (batch.isEmpty()) {
                    if (TimeUnit.NANOSECONDS.toMillis(now - lastRecord) >= o.timeoutMs()) {
                        timedOut = true;
                        break;
                    }
                    continue;
                }
                for (ConsumerRecord r : batch) {
                    bytes += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                }
                records += batch.size();
                lastRecord = now;
                end = now;
            }
            consumer.commitSync();
        }
        double seconds = Math.max(1e-9, (end - start) / 1e9);
        double fetchSeconds = Math.max(1e-9, (end - joined) / 1e9);
        long endMs = startMs + TimeUnit.NANOSECONDS.toMillis(end - start);
        SimpleDateFormat time = new SimpleDateFormat("yyyy-MM-dd HH:mm:ss:SSS");
        out.println(HEADER);
        out.printf("%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f%n", time.format(new Date(startMs)),
                time.format(new Date(endMs)), bytes / MIB, bytes / MIB / seconds, records, records / seconds,
                TimeUnit.NANOSECONDS.toMillis(joined - start), TimeUnit.NANOSECONDS.toMillis(end - joined),
                bytes / MIB / fetchSeconds, records / fetchSeconds);
        out.flush();
        if (timedOut) {
            err.printf("error: consumed %d of %d records: no record for %d ms (--timeout-ms)%n", records,
                    o.numRecords(), o.timeoutMs());
            err.flush();
            return 1;
        }
        return 0;
    }
}
