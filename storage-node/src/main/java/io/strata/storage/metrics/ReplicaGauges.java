package io.strata.storage.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.strata.common.metrics.GaugeRows;
import io.strata.common.metrics.ServiceMetrics;
import io.strata.storage.partition.PartitionReplica;
import io.strata.storage.replication.HighWatermark;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The state of a node's replicas as gauges, re-read by {@link #refresh} (a timer, every few
 * seconds): per partition (within the series cap; the rest summed per topic into
 * {@code partition="other"}) log size, segments, log end offset, high watermark and follower
 * lag; per node leaderships, under-replicated and offline partitions. Refresh runs on one
 * thread; the gauges are read by scrapes on another, hence the atomics.
 */
final class ReplicaGauges {
    private final ServiceMetrics metrics;
    private final Supplier<Collection<PartitionReplica>> replicas;
    private final Consumer<PartitionReplica> gone;
    private final MultiGauge logSize;
    private final MultiGauge segments;
    private final MultiGauge logEnd;
    private final MultiGauge highWatermark;
    private final MultiGauge lagRecords;
    private final MultiGauge lagSeconds;
    private final AtomicLong replicaCount = new AtomicLong();
    private final AtomicLong leaders = new AtomicLong();
    private final AtomicLong underReplicated = new AtomicLong();
    private final AtomicLong offline = new AtomicLong();
    private Set<PartitionReplica> known = new HashSet<>();

    ReplicaGauges(ServiceMetrics metrics, Supplier<Collection<PartitionReplica>> replicas,
            Consumer<PartitionReplica> gone) {
        this.metrics = metrics;
        this.replicas = replicas;
        this.gone = gone;
        MeterRegistry r = metrics.registry();
        logSize = MultiGauge.builder("strata.storage.log.size").baseUnit("bytes")
                .description("Bytes in a replica's log segments").register(r);
        segments = MultiGauge.builder("strata.storage.log.segments").description("Segments in a replica's log")
                .register(r);
        logEnd = MultiGauge.builder("strata.storage.log.end.offset").description("Next offset a replica appends at")
                .register(r);
        highWatermark = MultiGauge.builder("strata.storage.high.watermark")
                .description("Offset below which a leader's records are committed (what consumers may read)")
                .register(r);
        lagRecords = MultiGauge.builder("strata.storage.follower.lag.records")
                .description("Records a follower is behind its leader (seen on the leader)").register(r);
        lagSeconds = MultiGauge.builder("strata.storage.follower.lag").baseUnit("seconds")
                .description("Time since a follower was last caught up with its leader (seen on the leader)")
                .register(r);
        StorageMetrics.gauge(r, "strata.storage.partitions", "Partition replicas on this node", replicaCount::get);
        StorageMetrics.gauge(r, "strata.storage.leader.partitions", "Partitions this node leads", leaders::get);
        StorageMetrics.gauge(r, "strata.storage.under.replicated.partitions",
                "Partitions this node leads whose ISR is smaller than their replica set", underReplicated::get);
        StorageMetrics.gauge(r, "strata.storage.offline.partitions",
                "Partitions on this node that have no live leader", offline::get);
    }

    /** A per-partition value, summed when several partitions share the {@code other} label. */
    private static void add(Map<Tags, Double> rows, Tags tags, double value) {
        rows.merge(tags, value, Double::sum);
    }

    void refresh() {
        Map<Tags, Double> size = new HashMap<>();
        Map<Tags, Double> segs = new HashMap<>();
        Map<Tags, Double> ends = new HashMap<>();
        Map<Tags, Double> hws = new HashMap<>();
        Map<Tags, Double> lagR = new HashMap<>();
        Map<Tags, Double> lagS = new HashMap<>();
        long now = System.currentTimeMillis();
        int count = 0;
        int led = 0;
        int under = 0;
        int noLeader = 0;
        Set<PartitionReplica> seen = new HashSet<>();
        for (PartitionReplica replica : replicas.get()) {
            seen.add(replica);
            count++;
            PartitionReplica.Role role = replica.role();
            String label = metrics.partitions().label(replica.topic(), replica.partition());
            Tags tags = Tags.of("topic", replica.topic(), "partition", label);
            add(size, tags, replica.log().size());
            add(segs, tags, replica.log().segmentCount());
            add(ends, tags, replica.log().logEndOffset());
            if (role.leaderId() < 0) {
                noLeader++;
            }
            if (!role.leader()) {
                continue;
            }
            led++;
            HighWatermark hw = role.hw();
            add(hws, tags, hw.value());
            if (hw.isr().size() < role.replicas().size()) {
                under++;
            }
            long end = replica.log().logEndOffset();
            for (var f : hw.followers().entrySet()) {
                Tags followerTags = tags.and("follower", Integer.toString(f.getKey()));
                long behind = Math.max(0, end - f.getValue().logEndOffset());
                long caughtUp = f.getValue().lastCaughtUpMs();
                add(lagR, followerTags, behind);
                // A follower holding everything is not lagging, however long ago its last catch-up was.
                add(lagS, followerTags, behind == 0 || caughtUp <= 0 ? 0 : Math.max(0, now - caughtUp) / 1000.0);
            }
        }
        replicaCount.set(count);
        leaders.set(led);
        underReplicated.set(under);
        offline.set(noLeader);
        GaugeRows.publish(logSize, size);
        GaugeRows.publish(segments, segs);
        GaugeRows.publish(logEnd, ends);
        GaugeRows.publish(highWatermark, hws);
        GaugeRows.publish(lagRecords, lagR);
        GaugeRows.publish(lagSeconds, lagS);
        for (PartitionReplica old : known) {
            if (!seen.contains(old)) {
                gone.accept(old);
            }
        }
        known = seen;
    }
}
