package io.strata.metadata.groups;

import java.util.Comparator;

/** A partition of a topic, as assigned to group members; ordered by topic, then partition. */
public record GroupPartition(String topic, int partition) implements Comparable<GroupPartition> {
    private static final Comparator<GroupPartition> ORDER =
            Comparator.comparing(GroupPartition::topic).thenComparingInt(GroupPartition::partition);

    @Override
    public int compareTo(GroupPartition o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
