package io.strata.cli.perf;

import io.strata.client.producer.Acks;
import io.strata.client.producer.ProducerConfig;
import io.strata.common.batch.Compression;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * Maps Kafka producer property names ({@code --producer-props linger.ms=5 batch.size=131072 ...})
 * onto {@link ProducerConfig}, so a Kafka perf command line carries over. A name without a
 * counterpart is an error that lists the accepted ones: silently ignoring {@code compression.type}
 * would make a comparison lie. Stateless and thread-safe.
 */
final class ProducerProps {

    /** Accepted names and how each sets the builder. */
    private static final Map<String, BiConsumer<ProducerConfig.Builder, String>> SETTERS = new TreeMap<>(Map.ofEntries(
            Map.entry("acks", (b, v) -> b.acks(Acks.parse(v))),
            Map.entry("linger.ms", (b, v) -> b.lingerMs(number("linger.ms", v))),
            // Kafka's batch.size is bytes per partition batch, as ours is: one batch is one Produce request.
            Map.entry("batch.size", (b, v) -> b.batchMaxBytes(intNumber("batch.size", v))),
            Map.entry("batch.max.records", (b, v) -> b.batchMaxRecords(intNumber("batch.max.records", v))),
            Map.entry("buffer.memory", (b, v) -> b.bufferMaxBytes(number("buffer.memory", v))),
            Map.entry("max.block.ms", (b, v) -> b.maxBlock(Duration.ofMillis(number("max.block.ms", v)))),
            Map.entry("delivery.timeout.ms",
                    (b, v) -> b.deliveryTimeout(Duration.ofMillis(number("delivery.timeout.ms", v)))),
            Map.entry("request.timeout.ms",
                    (b, v) -> b.requestTimeout(Duration.ofMillis(number("request.timeout.ms", v)))),
            Map.entry("retry.backoff.ms", (b, v) -> b.retryBackoff(Duration.ofMillis(number("retry.backoff.ms", v)))),
            Map.entry("max.request.size", (b, v) -> b.maxRequestBytes(intNumber("max.request.size", v))),
            // Kafka counts requests per broker connection; ours over the one gateway connection.
            Map.entry("max.in.flight.requests.per.connection",
                    (b, v) -> b.maxInFlight(intNumber("max.in.flight.requests.per.connection", v))),
            Map.entry("compression.type", (b, v) -> b.compression(compression(v)))));

    private ProducerProps() {
    }

    /** The names {@link #apply} accepts, sorted. */
    static java.util.Set<String> names() {
        return SETTERS.keySet();
    }

    /**
     * Sets every property of {@code props} on {@code builder}.
     *
     * @throws IllegalArgumentException for an unknown name or a value that is not a number where one is needed
     */
    static ProducerConfig.Builder apply(Map<String, String> props, ProducerConfig.Builder builder) {
        props.forEach((name, value) -> {
            BiConsumer<ProducerConfig.Builder, String> setter = SETTERS.get(name);
            if (setter == null) {
                throw new IllegalArgumentException("unknown producer property '" + name + "'; the Strata producer accepts "
                        + String.join(", ", SETTERS.keySet()));
            }
            setter.accept(builder, value);
        });
        return builder;
    }

    private static Compression compression(String value) {
        try {
            return Compression.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("producer property compression.type must be one of none, gzip, snappy,"
                    + " lz4, zstd; was '" + value + "'");
        }
    }

    private static long number(String name, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("producer property " + name + " must be a whole number, was '" + value + "'");
        }
    }

    private static int intNumber(String name, String value) {
        long n = number(name, value);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("producer property " + name + " must be at most " + Integer.MAX_VALUE
                    + ", was " + n);
        }
        return (int) n;
    }
}
