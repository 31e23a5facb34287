package io.strata.client.producer;

import io.strata.client.Bootstrap;
import io.strata.common.batch.Compression;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link StrataProducer}. Immutable; build with {@link #builder()}.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>bootstrap</td><td>{@link Bootstrap#resolve(String) resolved}</td><td>gateway HOST:PORT</td></tr>
 *   <tr><td>acks</td><td>all</td><td>acknowledgement level, see {@link Acks}</td></tr>
 *   <tr><td>linger.ms</td><td>5 ms</td><td>how long a record may wait for more records to share its request</td></tr>
 *   <tr><td>batch.max.records</td><td>1000</td><td>most records in one Produce request</td></tr>
 *   <tr><td>batch.max.bytes</td><td>1 MiB</td><td>most record bytes in one Produce request (a single larger record goes alone)</td></tr>
 *   <tr><td>buffer.max.bytes</td><td>32 MiB</td><td>record bytes buffered or in flight before {@code send} blocks</td></tr>
 *   <tr><td>max.block</td><td>60 s</td><td>how long {@code send} blocks for buffer space before failing with TIMEOUT</td></tr>
 *   <tr><td>delivery.timeout</td><td>120 s</td><td>upper bound from {@code send} to the future's completion, retries included</td></tr>
 *   <tr><td>request.timeout</td><td>30 s</td><td>longest wait for one Produce attempt</td></tr>
 *   <tr><td>retry.backoff</td><td>100 ms</td><td>pause before re-sending after a retriable error</td></tr>
 *   <tr><td>max.request.bytes</td><td>16 MiB</td><td>the gateway's request limit; larger records fail at once with RECORD_TOO_LARGE</td></tr>
 *   <tr><td>max.in.flight</td><td>5</td><td>Produce requests outstanding at once over all partitions; a partition
 *       never has more than one, so retries cannot reorder it</td></tr>
 *   <tr><td>compression</td><td>none</td><td>batch compression (none, gzip, snappy, lz4, zstd), done by the producer</td></tr>
 * </table>
 */
public final class ProducerConfig {

    public static final long DEFAULT_LINGER_MS = 5;
    public static final int DEFAULT_BATCH_MAX_RECORDS = 1000;
    public static final int DEFAULT_BATCH_MAX_BYTES = 1024 * 1024;
    public static final long DEFAULT_BUFFER_MAX_BYTES = 32L * 1024 * 1024;
    public static final int DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;
    /** Kafka's max.in.flight.requests.per.connection default; one request per partition at a time regardless. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 5;

    private final Bootstrap bootstrap;
    private final Acks acks;
    private final long lingerMs;
    private final int batchMaxRecords;
    private final int batchMaxBytes;
    private final long bufferMaxBytes;
    private final Duration maxBlock;
    private final Duration deliveryTimeout;
    private final Duration requestTimeout;
    private final Duration retryBackoff;
    private final int maxRequestBytes;
    private final int maxInFlight;
    private final Compression compression;

    private ProducerConfig(Builder b) {
        this.bootstrap = b.bootstrap != null ? b.bootstrap : Bootstrap.resolve(null);
        this.acks = b.acks;
        this.lingerMs = requireAtLeast("linger.ms", b.lingerMs, 0);
        this.batchMaxRecords = (int) requireAtLeast("batch.max.records", b.batchMaxRecords, 1);
        this.batchMaxBytes = (int) requireAtLeast("batch.max.bytes", b.batchMaxBytes, 1);
        this.bufferMaxBytes = requireAtLeast("buffer.max.bytes", b.bufferMaxBytes, b.batchMaxBytes);
        this.maxBlock = requirePositive("max.block", b.maxBlock);
        this.deliveryTimeout = requirePositive("delivery.timeout", b.deliveryTimeout);
        this.requestTimeout = requirePositive("request.timeout", b.requestTimeout);
        this.retryBackoff = Objects.requireNonNull(b.retryBackoff, "retry.backoff");
        this.maxRequestBytes = (int) requireAtLeast("max.request.bytes", b.maxRequestBytes, 1);
        this.maxInFlight = (int) requireAtLeast("max.in.flight", b.maxInFlight, 1);
        this.compression = Objects.requireNonNull(b.compression, "compression");
    }

    private static long requireAtLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
        }
        return value;
    }

    private static Duration requirePositive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
        return d;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Bootstrap bootstrap() { return bootstrap; }
    public Acks acks() { return acks; }
    public long lingerMs() { return lingerMs; }
    public int batchMaxRecords() { return batchMaxRecords; }
    public int batchMaxBytes() { return batchMaxBytes; }
    public long bufferMaxBytes() { return bufferMaxBytes; }
    public Duration maxBlock() { return maxBlock; }
    public Duration deliveryTimeout() { return deliveryTimeout; }
    public Duration requestTimeout() { return requestTimeout; }
    public Duration retryBackoff() { return retryBackoff; }
    public int maxRequestBytes() { return maxRequestBytes; }
    public int maxInFlight() { return maxInFlight; }
    public Compression compression() { return compression; }

    @Override
    public String toString() {
        return "ProducerConfig[bootstrap=" + bootstrap + ", acks=" + acks + ", linger.ms=" + lingerMs
                + ", batch.max.records=" + batchMaxRecords + ", batch.max.bytes=" + batchMaxBytes
                + ", buffer.max.bytes=" + bufferMaxBytes + ", max.block=" + maxBlock
                + ", delivery.timeout=" + deliveryTimeout + ", request.timeout=" + requestTimeout
                + ", max.in.flight=" + maxInFlight + ", compression=" + compression + "]";
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder {
        private Bootstrap bootstrap;
        private Acks acks = Acks.ALL;
        private long lingerMs = DEFAULT_LINGER_MS;
        private long batchMaxRecords = DEFAULT_BATCH_MAX_RECORDS;
        private long batchMaxBytes = DEFAULT_BATCH_MAX_BYTES;
        private long bufferMaxBytes = DEFAULT_BUFFER_MAX_BYTES;
        private Duration maxBlock = Duration.ofSeconds(60);
        private Duration deliveryTimeout = Duration.ofSeconds(120);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration retryBackoff = Duration.ofMillis(100);
        private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private long maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private Compression compression = Compression.NONE;

        private Builder() {
        }

        public Builder bootstrap(Bootstrap bootstrap) { this.bootstrap = bootstrap; return this; }
        /** {@code HOST:PORT}; null or blank falls back to {@code STRATA_BOOTSTRAP}, then the default. */
        public Builder bootstrap(String address) { this.bootstrap = Bootstrap.resolve(address); return this; }
        public Builder acks(Acks acks) { this.acks = Objects.requireNonNull(acks, "acks"); return this; }
        public Builder lingerMs(long lingerMs) { this.lingerMs = lingerMs; return this; }
        public Builder batchMaxRecords(int n) { this.batchMaxRecords = n; return this; }
        public Builder batchMaxBytes(int n) { this.batchMaxBytes = n; return this; }
        public Builder bufferMaxBytes(long n) { this.bufferMaxBytes = n; return this; }
        public Builder maxBlock(Duration d) { this.maxBlock = d; return this; }
        public Builder deliveryTimeout(Duration d) { this.deliveryTimeout = d; return this; }
        public Builder requestTimeout(Duration d) { this.requestTimeout = d; return this; }
        public Builder retryBackoff(Duration d) { this.retryBackoff = d; return this; }
        public Builder maxRequestBytes(int n) { this.maxRequestBytes = n; return this; }
        /** Produce requests in flight at once, over all partitions (each partition has at most one). */
        public Builder maxInFlight(int n) { this.maxInFlight = n; return this; }
        /** Batch compression: none, gzip, snappy, lz4 or zstd, as Kafka's compression.type. */
        public Builder compression(Compression c) { this.compression = c; return this; }

        public ProducerConfig build() {
            return new ProducerConfig(this);
        }
    }
}
