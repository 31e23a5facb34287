package io.strata.metadata.groups;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Moves a group from what its members own to its target assignment without ever letting two
 * members own one partition: a partition is revoked from its old owner first, and given to its
 * new owner only once no other member reports owning it. Members whose partitions do not move
 * keep all of them throughout, so they keep consuming during a rebalance. Pure.
 */
public final class IncrementalRevocation {
    private IncrementalRevocation() {
    }

    /**
     * What each member may own now.
     *
     * @param target member id → target partitions (disjoint across members)
     * @param owned  member id → partitions the member last reported owning
     * @return member id → partitions it may own: its owned partitions that stay with it, plus
     *         target partitions that no other member owns any more
     */
    public static Map<String, Set<GroupPartition>> allowed(Map<String, Set<GroupPartition>> target,
                                                           Map<String, Set<GroupPartition>> owned) {
        Map<String, Set<GroupPartition>> out = new TreeMap<>();
        for (Map.Entry<String, Set<GroupPartition>> e : new TreeMap<>(target).entrySet()) {
            String member = e.getKey();
            Set<GroupPartition> mine = owned.getOrDefault(member, Set.of());
            Set<GroupPartition> allowed = new TreeSet<>();
            for (GroupPartition p : e.getValue()) {
                if (mine.contains(p) || !ownedByOther(p, member, owned)) {
                    allowed.add(p);
                }
            }
            out.put(member, allowed);
        }
        return out;
    }

    /** The partitions {@code member} must give up before it is given anything new. */
    public static Set<GroupPartition> toRevoke(Set<GroupPartition> target, Set<GroupPartition> owned) {
        Set<GroupPartition> out = new TreeSet<>(owned);
        out.removeAll(target);
        return out;
    }

    private static boolean ownedByOther(GroupPartition p, String member, Map<String, Set<GroupPartition>> owned) {
        for (Map.Entry<String, Set<GroupPartition>> e : owned.entrySet()) {
            if (!e.getKey().equals(member) && e.getValue().contains(p)) {
                return true;
            }
        }
        return false;
    }
}
