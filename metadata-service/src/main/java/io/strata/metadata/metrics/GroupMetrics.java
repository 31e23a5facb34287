package io.strata.metadata.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.strata.common.metrics.GaugeRows;
import io.strata.common.metrics.PartitionSeries;
import io.strata.proto.internal.CommittedOffset;
import io.strata.proto.internal.GroupRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Consumer groups as the metadata leader sees them, re-read by {@link #refresh} on a timer:
 * {@code strata_group_members}, {@code strata_group_rebalances_total} (group epoch bumps: every
 * join, leave or subscription change starts a rebalance), {@code strata_group_committed_offset}
 * and {@code strata_group_lag} per group, topic and partition (lag = the partition's high
 * watermark, from heartbeats, minus the committed offset). Partitions beyond the series cap
 * have their lag summed per group and topic into {@code partition="other"} and no committed
 * offset series. On a follower every series is withdrawn. Refreshed from one thread.
 */
public final class GroupMetrics {
    private final MeterRegistry registry;
    private final PartitionSeries partitions;
    private final HighWatermarks highWatermarks;
    private final MultiGauge members;
    private final MultiGauge committed;
    private final MultiGauge lag;
    private final Map<String, Integer> epochs = new HashMap<>();

    public GroupMetrics(MeterRegistry registry, PartitionSeries partitions, HighWatermarks highWatermarks) {
        this.registry = registry;
        this.partitions = partitions;
        this.highWatermarks = highWatermarks;
        members = MultiGauge.builder("strata.group.members").description("Members of a consumer group").register(registry);
        committed = MultiGauge.builder("strata.group.committed.offset")
                .description("Offset a group committed for a partition (the next record it will read)").register(registry);
        lag = MultiGauge.builder("strata.group.lag").baseUnit("records")
                .description("Records of a partition a group has not committed yet: high watermark - committed offset")
                .register(registry);
    }

    /**
     * Re-reads the groups. {@code leader} false withdraws every series (only the leader knows
     * current high watermarks).
     */
    public void refresh(boolean leader, List<GroupRecord> groups, List<CommittedOffset> offsets, long nowMs) {
        if (!leader) {
            members.register(List.of(), true);
            committed.register(List.of(), true);
            lag.register(List.of(), true);
            epochs.clear();
            return;
        }
        List<MultiGauge.Row<?>> memberRows = new ArrayList<>();
        for (GroupRecord g : groups) {
            memberRows.add(MultiGauge.Row.of(Tags.of("group", g.getGroup()), g.getMembersCount()));
            Integer before = epochs.put(g.getGroup(), g.getGroupEpoch());
            int bumps = before == null ? 0 : g.getGroupEpoch() - before;
            Counter rebalances = Counter.builder("strata.group.rebalances").tag("group", g.getGroup())
                    .description("Rebalances of a group (group epoch bumps seen by the metadata leader)")
                    .register(registry);
            if (bumps > 0) {
                rebalances.increment(bumps);
            }
        }
        Map<Tags, Double> committedRows = new HashMap<>();
        Map<Tags, Double> lagRows = new HashMap<>();
        for (CommittedOffset o : offsets) {
            String label = partitions.label(o.getTopic(), o.getPartition());
            Tags tags = Tags.of("group", o.getGroup(), "topic", o.getTopic(), "partition", label);
            if (!PartitionSeries.OTHER.equals(label)) {
                committedRows.put(tags, (double) o.getOffset());
            }
            long hw = highWatermarks.get(o.getTopic(), o.getPartition(), nowMs);
            if (hw >= 0) {
                lagRows.merge(tags, (double) Math.max(0, hw - o.getOffset()), Double::sum);
            }
        }
        members.register(memberRows, true);
        GaugeRows.publish(committed, committedRows);
        GaugeRows.publish(lag, lagRows);
    }
}
