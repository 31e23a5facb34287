package io.strata.metadata.groups;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The server-side uniform assignor: computes a group's target assignment from its members'
 * subscriptions, the topics' partition counts and the current assignment. Pure and
 * deterministic (members, topics and partitions are visited in sorted order), so every
 * metadata peer computes the same target from the same group state.
 *
 * <ul>
 *   <li>Each partition of a subscribed topic goes to exactly one member subscribed to it.
 *   <li>Sticky: a member keeps the partitions it has while that keeps the group balanced;
 *       partitions move one at a time from the most loaded member, so only the moves balance
 *       needs are made (cost grows with partitions × members per move; fine for groups of
 *       hundreds of partitions, to be revisited for very large ones).
 *   <li>Balanced: no partition can move to an eligible member holding two or more fewer
 *       partitions than its owner — with identical subscriptions, member counts differ by at
 *       most one.
 * </ul>
 */
public final class UniformAssignor {
    private UniformAssignor() {
    }

    /**
     * @param subscriptions member id → subscribed topic names
     * @param partitions    topic name → partition count (topics missing here have no partitions)
     * @param current       member id → partitions it is assigned now (may be stale or overlap)
     * @return member id → target partitions, for every member in {@code subscriptions}
     */
    public static Map<String, Set<GroupPartition>> assign(Map<String, Set<String>> subscriptions,
                                                          Map<String, Integer> partitions,
                                                          Map<String, Set<GroupPartition>> current) {
        Map<String, Set<GroupPartition>> target = new TreeMap<>();
        new TreeMap<>(subscriptions).keySet().forEach(m -> target.put(m, new TreeSet<>()));
        Set<GroupPartition> taken = new TreeSet<>();
        // Keep what members already have, when they may still have it (first claim wins).
        for (Map.Entry<String, Set<GroupPartition>> e : new TreeMap<>(current).entrySet()) {
            Set<String> subscribed = subscriptions.get(e.getKey());
            if (subscribed == null) {
                continue;
            }
            for (GroupPartition p : new TreeSet<>(e.getValue())) {
                if (subscribed.contains(p.topic()) && p.partition() >= 0
                        && p.partition() < partitions.getOrDefault(p.topic(), 0) && taken.add(p)) {
                    target.get(e.getKey()).add(p);
                }
            }
        }
        // Hand out the rest to the least loaded eligible member.
        for (GroupPartition p : allPartitions(subscriptions, partitions)) {
            if (!taken.contains(p)) {
                String to = leastLoaded(eligible(p, subscriptions), target);
                target.get(to).add(p);
                taken.add(p);
            }
        }
        // One partition at a time, from the most loaded owner that has one to give to a member
        // holding two or more fewer, until no such move is left: only the moves balance needs.
        while (moveOne(target, subscriptions)) {
            // keep moving
        }
        return target;
    }

    private static boolean moveOne(Map<String, Set<GroupPartition>> target, Map<String, Set<String>> subscriptions) {
        List<String> owners = new ArrayList<>(target.keySet());
        owners.sort((a, b) -> Integer.compare(target.get(b).size(), target.get(a).size()));
        for (String owner : owners) {
            for (GroupPartition p : target.get(owner)) {
                String to = leastLoaded(eligible(p, subscriptions), target);
                if (target.get(to).size() + 1 < target.get(owner).size()) {
                    target.get(owner).remove(p);
                    target.get(to).add(p);
                    return true;
                }
            }
        }
        return false;
    }

    private static Set<GroupPartition> allPartitions(Map<String, Set<String>> subscriptions,
                                                     Map<String, Integer> partitions) {
        Set<String> topics = new TreeSet<>();
        subscriptions.values().forEach(topics::addAll);
        Set<GroupPartition> out = new TreeSet<>();
        for (String t : topics) {
            for (int i = 0; i < partitions.getOrDefault(t, 0); i++) {
                out.add(new GroupPartition(t, i));
            }
        }
        return out;
    }

    private static List<String> eligible(GroupPartition p, Map<String, Set<String>> subscriptions) {
        List<String> out = new ArrayList<>();
        new TreeMap<>(subscriptions).forEach((m, topics) -> {
            if (topics.contains(p.topic())) {
                out.add(m);
            }
        });
        return out;
    }

    private static String leastLoaded(List<String> members, Map<String, Set<GroupPartition>> target) {
        String best = members.get(0);
        for (String m : members) {
            if (target.get(m).size() < target.get(best).size()) {
                best = m;
            }
        }
        return best;
    }
}
