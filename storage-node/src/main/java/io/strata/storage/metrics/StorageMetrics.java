package io.strata.storage.metrics;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.strata.common.metrics.GrpcMetrics;
import io.strata.common.metrics.ServiceMetrics;
import io.strata.proto.Acks;
import io.strata.storage.partition.PartitionReplica;
import io.strata.storage.replication.ReplicaFetcher;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Events on one storage node: produce and fetch traffic per topic and partition (capped, see
 * {@link io.strata.common.metrics.PartitionSeries}), append latency by acks, ISR shrinks and
 * expands. States (log size, lag, leaderships) are in {@link ReplicaGauges}. Thread-safe; the
 * recording methods take no lock and allocate nothing once a replica's meters exist.
 */
public final class StorageMetrics {
    private static final Duration[] APPEND_BUCKETS = {
            Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofSeconds(5), Duration.ofSeconds(30)};

    private final ServiceMetrics metrics;
    private final MeterRegistry registry;
    private final Map<PartitionReplica, PartitionMeters> byReplica = new ConcurrentHashMap<>();
    private final Timer[] appendByAcks = new Timer[Acks.values().length];
    private final Counter isrShrinks;
    private final Counter isrExpands;
    private final ReplicaGauges gauges;

    /** The meters of one replica, found once and kept. */
    private record PartitionMeters(Counter producedBytes, Counter producedRecords, Counter fetchedBytes,
                                   Counter fetchedRecords) {
    }

    public StorageMetrics(ServiceMetrics metrics, Supplier<Collection<PartitionReplica>> replicas) {
        this.metrics = metrics;
        this.registry = metrics.registry();
        for (Acks acks : Acks.values()) {
            if (acks != Acks.UNRECOGNIZED) {
                appendByAcks[acks.ordinal()] = Timer.builder("strata.storage.append")
                        .description("Leader appends from request to acknowledgement, by acks (all waits for the ISR)")
                        .tag("acks", ackLabel(acks)).serviceLevelObjectives(APPEND_BUCKETS).register(registry);
            }
        }
        isrShrinks = Counter.builder("strata.storage.isr.shrinks").description("ISR shrinks this node proposed and the"
                + " controller accepted").register(registry);
        isrExpands = Counter.builder("strata.storage.isr.expands").description("ISR expands this node proposed and the"
                + " controller accepted").register(registry);
        this.gauges = new ReplicaGauges(metrics, replicas, this::forget);
    }

    /**
     * What this node's follower fetches do: {@code strata_storage_replica_fetch_failures_total},
     * fetches that failed and wait out the retry pause (a few when leaders change, none while a
     * cluster is steady), and {@code strata_storage_replica_fetch_seconds}, how long each answered
     * one took (long polls included). Registered before the rest, because the replica fetcher
     * exists before this class can.
     */
    public static ReplicaFetcher.Events replicaFetchEvents(ServiceMetrics metrics) {
        Counter failures = Counter.builder("strata.storage.replica.fetch.failures").description("Follower fetches that"
                + " failed and were retried after a pause").register(metrics.registry());
        Timer answered = metrics.grpc().latency("strata.storage.replica.fetch",
                "Follower fetches from partition leaders, from request to answer (long polls included)");
        return new ReplicaFetcher.Events() {
            @Override
            public void answered(long nanos) {
                answered.record(nanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void failed() {
                failures.increment();
            }
        };
    }

    /**
     * {@code strata_storage_fsync_seconds}: how long each group-commit fsync of a partition log
     * took (with {@code flush=batch} every acks=all write waits for one on each replica). Registered
     * before the rest, because the log manager exists before this class can.
     */
    public static LongConsumer fsyncTimes(ServiceMetrics metrics) {
        Timer fsyncs = Timer.builder("strata.storage.fsync").description("Group-commit fsyncs of partition logs,"
                + " each covering every append that waited for it").serviceLevelObjectives(APPEND_BUCKETS)
                .register(metrics.registry());
        return nanos -> fsyncs.record(nanos, TimeUnit.NANOSECONDS);
    }

    private static String ackLabel(Acks acks) {
        return switch (acks) {
            case ACKS_NONE -> "0";
            case ACKS_LEADER -> "1";
            default -> "all";
        };
    }

    public GrpcMetrics grpc() {
        return metrics.grpc();
    }

    /** An append of {@code bytes} holding offsets {@code base..last} was acknowledged after {@code nanos}. */
    public void appended(PartitionReplica replica, Acks acks, int bytes, long base, long last, long nanos) {
        PartitionMeters m = meters(replica);
        m.producedBytes.increment(bytes);
        m.producedRecords.increment(last - base + 1);
        Timer t = appendByAcks[acks == Acks.UNRECOGNIZED ? Acks.ACKS_ALL.ordinal() : acks.ordinal()];
        t.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A read (consumer or follower) returned {@code batches}. */
    public void fetched(PartitionReplica replica, ByteString batches) {
        if (batches.isEmpty()) {
            return;
        }
        PartitionMeters m = meters(replica);
        m.fetchedBytes.increment(batches.size());
        m.fetchedRecords.increment(BatchSpans.offsets(batches));
    }

    /** The controller accepted an ISR change this node proposed. */
    public void isrChanged(boolean expanded) {
        (expanded ? isrExpands : isrShrinks).increment();
    }

    /** Re-reads every replica's state into the gauges; run on a timer. */
    public void refresh() {
        gauges.refresh();
    }

    private PartitionMeters meters(PartitionReplica replica) {
        PartitionMeters m = byReplica.get(replica);
        return m != null ? m : byReplica.computeIfAbsent(replica, this::create);
    }

    private PartitionMeters create(PartitionReplica r) {
        String partition = metrics.partitions().label(r.topic(), r.partition());
        return new PartitionMeters(
                counter("strata.storage.produced.bytes", "Bytes appended as leader", r, partition),
                counter("strata.storage.produced.records", "Records appended as leader", r, partition),
                counter("strata.storage.fetched.bytes", "Bytes served to consumers and followers", r, partition),
                counter("strata.storage.fetched.records", "Records served to consumers and followers", r, partition));
    }

    private Counter counter(String name, String description, PartitionReplica r, String partition) {
        return Counter.builder(name).description(description).tags("topic", r.topic(), "partition", partition)
                .register(registry);
    }

    /** Drops the cached meters of a replica this node no longer holds (their series stay until restart). */
    private void forget(PartitionReplica replica) {
        if (byReplica.remove(replica) != null) {
            metrics.partitions().release(replica.topic(), replica.partition());
        }
    }

    /** Exposes a node-level state gauge; used by {@link ReplicaGauges}. */
    static void gauge(MeterRegistry registry, String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }
}
