package io.strata.metadata.groups;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The server-side range assignor, as Kafka's {@code RangeAssignor}: topic by topic, the members
 * subscribed to it (in member-id order) each get one contiguous range of its partitions; with
 * {@code n} partitions and {@code m} members the first {@code n % m} members get
 * {@code n / m + 1} partitions, the rest {@code n / m}. Topics with the same partition count
 * and the same subscribers are therefore co-partitioned: partition {@code i} of each goes to the
 * same member, which is what joins of keyed topics need.
 *
 * <p>Not sticky: a member joining shifts the ranges, so more partitions move than with
 * {@link UniformAssignor}; incremental revocation still keeps unaffected partitions being read.
 * Pure and deterministic.
 */
public final class RangeAssignor {
    private RangeAssignor() {
    }

    /**
     * @param subscriptions member id → subscribed topic names
     * @param partitions    topic name → partition count (topics missing here have no partitions)
     * @return member id → target partitions, for every member in {@code subscriptions}
     */
    public static Map<String, Set<GroupPartition>> assign(Map<String, Set<String>> subscriptions,
                                                          Map<String, Integer> partitions) {
        Map<String, Set<GroupPartition>> target = new TreeMap<>();
        Map<String, List<String>> subscribers = new TreeMap<>();
        new TreeMap<>(subscriptions).forEach((member, topics) -> {
            target.put(member, new TreeSet<>());
            topics.forEach(t -> subscribers.computeIfAbsent(t, k -> new ArrayList<>()).add(member));
        });
        subscribers.forEach((topic, members) -> {
            int count = partitions.getOrDefault(topic, 0);
            int each = count / members.size();
            int extra = count % members.size();
            int next = 0;
            for (int i = 0; i < members.size(); i++) {
                int size = each + (i < extra ? 1 : 0);
                for (int p = next; p < next + size; p++) {
                    target.get(members.get(i)).add(new GroupPartition(topic, p));
                }
                next += size;
            }
        });
        return target;
    }
}
