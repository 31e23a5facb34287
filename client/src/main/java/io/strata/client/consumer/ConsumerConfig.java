package io.strata.client.consumer;

import io.strata.client.Bootstrap;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Settings of a {@link StrataConsumer}. Immutable; build with {@link #builder(String)}.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>bootstrap</td><td>{@link Bootstrap#resolve(String) resolved}</td><td>gateway HOST:PORT</td></tr>
 *   <tr><td>group</td><td>(required)</td><td>consumer group id</td></tr>
 *   <tr><td>auto.offset.reset</td><td>latest</td><td>start of partitions without a committed offset</td></tr>
 *   <tr><td>client.id</td><td>strata-consumer-N</td><td>name shown in group descriptions</td></tr>
 *   <tr><td>max.poll.records</td><td>500</td><td>most records one {@code poll} returns</td></tr>
 *   <tr><td>fetch.max.records</td><td>2000</td><td>most records one request to the gateway brings (at least
 *       max.poll.records); the consumer keeps what {@code poll} does not return yet for the next polls. Fewer,
 *       larger answers cost less per record (Kafka bounds its fetches in bytes: fetch.max.bytes)</td></tr>
 *   <tr><td>fetch.max.in.flight</td><td>2</td><td>most requests for records on their way to the gateway at once
 *       while records keep coming: with two, the gateway sends the next answer while this consumer decodes the
 *       last. Each brings up to fetch.max.records</td></tr>
 *   <tr><td>session.timeout</td><td>0 (coordinator default, 45 s)</td><td>a member whose gateway is silent
 *       this long is removed from the group (1 s to 30 min)</td></tr>
 *   <tr><td>group.remote.assignor</td><td>uniform</td><td>the server-side assignor: {@code uniform} (balanced,
 *       sticky) or {@code range} (per topic, co-partitioned); members of a group must agree</td></tr>
 *   <tr><td>request.timeout</td><td>30 s</td><td>longest wait for an answer on the session (beyond a poll's own wait)</td></tr>
 * </table>
 */
public final class ConsumerConfig {

    public static final int DEFAULT_MAX_POLL_RECORDS = 500;
    public static final int DEFAULT_FETCH_MAX_RECORDS = 2000;
    public static final int DEFAULT_FETCH_MAX_IN_FLIGHT = 2;
    private static final AtomicInteger CLIENT_IDS = new AtomicInteger();

    private final Bootstrap bootstrap;
    private final String group;
    private final OffsetReset autoOffsetReset;
    private final String clientId;
    private final int maxPollRecords;
    private final int fetchMaxRecords;
    private final int fetchMaxInFlight;
    private final Duration sessionTimeout;
    private final Duration requestTimeout;
    private final String assignor;

    private ConsumerConfig(Builder b) {
        this.bootstrap = b.bootstrap != null ? b.bootstrap : Bootstrap.resolve(null);
        this.group = b.group;
        this.autoOffsetReset = b.autoOffsetReset;
        this.clientId = b.clientId != null ? b.clientId : "strata-consumer-" + CLIENT_IDS.incrementAndGet();
        if (b.maxPollRecords < 1) {
            throw new IllegalArgumentException("max.poll.records must be at least 1, was " + b.maxPollRecords);
        }
        this.maxPollRecords = b.maxPollRecords;
        if (b.fetchMaxRecords < 1) {
            throw new IllegalArgumentException("fetch.max.records must be at least 1, was " + b.fetchMaxRecords);
        }
        this.fetchMaxRecords = Math.max(b.fetchMaxRecords, b.maxPollRecords);
        if (b.fetchMaxInFlight < 1) {
            throw new IllegalArgumentException("fetch.max.in.flight must be at least 1, was " + b.fetchMaxInFlight);
        }
        this.fetchMaxInFlight = b.fetchMaxInFlight;
        this.sessionTimeout = Objects.requireNonNull(b.sessionTimeout, "session.timeout");
        if (b.requestTimeout.isNegative() || b.requestTimeout.isZero()) {
            throw new IllegalArgumentException("request.timeout must be positive, was " + b.requestTimeout);
        }
        this.requestTimeout = b.requestTimeout;
        if (!b.assignor.equals("uniform") && !b.assignor.equals("range")) {
            throw new IllegalArgumentException("group.remote.assignor must be \"uniform\" or \"range\", was "
                    + b.assignor);
        }
        this.assignor = b.assignor;
    }

    /** A builder for a consumer of {@code group}. */
    public static Builder builder(String group) {
        return new Builder(group);
    }

    public Bootstrap bootstrap() { return bootstrap; }
    public String group() { return group; }
    public OffsetReset autoOffsetReset() { return autoOffsetReset; }
    public String clientId() { return clientId; }
    public int maxPollRecords() { return maxPollRecords; }
    /** Records one poll request asks the gateway for: fetch.max.records, at least max.poll.records. */
    public int fetchMaxRecords() { return fetchMaxRecords; }
    /** Most poll requests on their way at once while records keep coming: fetch.max.in.flight. */
    public int fetchMaxInFlight() { return fetchMaxInFlight; }
    public Duration sessionTimeout() { return sessionTimeout; }
    public Duration requestTimeout() { return requestTimeout; }
    public String assignor() { return assignor; }

    @Override
    public String toString() {
        return "ConsumerConfig[bootstrap=" + bootstrap + ", group=" + group + ", auto.offset.reset=" + autoOffsetReset
                + ", client.id=" + clientId + ", max.poll.records=" + maxPollRecords + ", fetch.max.records="
                + fetchMaxRecords + ", fetch.max.in.flight=" + fetchMaxInFlight + ", group.remote.assignor="
                + assignor + "]";
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder {
        private Bootstrap bootstrap;
        private final String group;
        private OffsetReset autoOffsetReset = OffsetReset.LATEST;
        private String clientId;
        private int maxPollRecords = DEFAULT_MAX_POLL_RECORDS;
        private int fetchMaxRecords = DEFAULT_FETCH_MAX_RECORDS;
        private int fetchMaxInFlight = DEFAULT_FETCH_MAX_IN_FLIGHT;
        private Duration sessionTimeout = Duration.ZERO;
        private Duration requestTimeout = Duration.ofSeconds(30);
        private String assignor = "uniform";

        private Builder(String group) {
            Objects.requireNonNull(group, "group");
            if (group.isBlank()) {
                throw new IllegalArgumentException("group must not be empty");
            }
            this.group = group;
        }

        public Builder bootstrap(Bootstrap bootstrap) { this.bootstrap = bootstrap; return this; }
        /** {@code HOST:PORT}; null or blank falls back to {@code STRATA_BOOTSTRAP}, then the default. */
        public Builder bootstrap(String address) { this.bootstrap = Bootstrap.resolve(address); return this; }
        public Builder autoOffsetReset(OffsetReset r) { this.autoOffsetReset = Objects.requireNonNull(r); return this; }
        public Builder clientId(String clientId) { this.clientId = clientId; return this; }
        public Builder maxPollRecords(int n) { this.maxPollRecords = n; return this; }
        public Builder fetchMaxRecords(int n) { this.fetchMaxRecords = n; return this; }
        public Builder fetchMaxInFlight(int n) { this.fetchMaxInFlight = n; return this; }
        public Builder sessionTimeout(Duration d) { this.sessionTimeout = d; return this; }
        public Builder requestTimeout(Duration d) { this.requestTimeout = Objects.requireNonNull(d); return this; }
        /** The server-side assignor: {@code uniform} (default) or {@code range}. */
        public Builder assignor(String name) { this.assignor = Objects.requireNonNull(name); return this; }

        public ConsumerConfig build() {
            return new ConsumerConfig(this);
        }
    }
}
