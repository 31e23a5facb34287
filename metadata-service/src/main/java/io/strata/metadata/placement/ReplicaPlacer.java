package io.strata.metadata.placement;

import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Chooses the replicas of each new partition. Pure: the caller supplies the live nodes and the
 * start (random in production, fixed in tests).
 *
 * <ul>
 *   <li>The live nodes are put in rack-alternating order (first node of each rack, then the
 *       second of each, …; racks and nodes in each rack by name/id), so consecutive nodes sit
 *       in different racks.
 *   <li>Partition {@code p}'s leader (its first replica) is node {@code (start + p) mod n} of
 *       that order: leaders are spread evenly, each node leads ⌊P/n⌋ or ⌈P/n⌉ partitions.
 *   <li>Each further replica starts from a shifted position (the shift changes every {@code n}
 *       partitions so followers spread too) and takes the first node that is not a replica yet
 *       and whose rack holds the fewest replicas of the partition among racks with nodes left.
 *       So replicas cover {@code min(rf, racks)} racks, and no node holds two replicas.
 *   <li>Without racks (all nodes in rack "") this is plain round-robin, replicas included.
 * </ul>
 */
public final class ReplicaPlacer {
    private ReplicaPlacer() {
    }

    /** A live storage node and its rack ("" when it declared none). */
    public record Node(int id, String rack) {
    }

    /** {@link #placeOnRacks} for nodes without racks. */
    public static List<List<Integer>> place(List<Integer> liveNodes, int partitions, int replicationFactor, int start) {
        return placeOnRacks(liveNodes.stream().map(id -> new Node(id, "")).toList(), partitions, replicationFactor,
                start);
    }

    /**
     * @param liveNodes live storage nodes with their racks, in any order
     * @param start     index into the rack-alternating order of the first partition's leader
     * @return for each partition, its replica node ids; the first is the preferred leader
     */
    public static List<List<Integer>> placeOnRacks(List<Node> liveNodes, int partitions, int replicationFactor,
                                                   int start) {
        int n = liveNodes.size();
        if (replicationFactor > n) {
            throw new StrataException(ErrorReason.NOT_ENOUGH_NODES, "replication factor " + replicationFactor
                    + " needs " + replicationFactor + " live storage nodes, but only " + n + " are live "
                    + liveNodes.stream().map(Node::id).sorted().toList());
        }
        List<Node> order = rackAlternating(liveNodes);
        List<List<Integer>> out = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            int shift = 1 + (p / n) % Math.max(1, n - 1);
            int first = Math.floorMod(start + p, n);
            List<Node> chosen = new ArrayList<>(replicationFactor);
            chosen.add(order.get(first));
            for (int r = 1; r < replicationFactor; r++) {
                chosen.add(next(order, chosen, Math.floorMod(first + r * shift, n)));
            }
            out.add(chosen.stream().map(Node::id).toList());
        }
        return out;
    }

    /** The first node from {@code from} (wrapping) that is unused and in a least-used rack with nodes left. */
    private static Node next(List<Node> order, List<Node> chosen, int from) {
        Map<String, Integer> used = new HashMap<>();
        Map<String, Boolean> hasFree = new HashMap<>();
        for (Node node : order) {
            used.putIfAbsent(node.rack(), 0);
            if (!chosen.contains(node)) {
                hasFree.put(node.rack(), true);
            }
        }
        chosen.forEach(c -> used.merge(c.rack(), 1, Integer::sum));
        int fewest = used.entrySet().stream().filter(e -> hasFree.containsKey(e.getKey()))
                .mapToInt(Map.Entry::getValue).min().orElseThrow();
        for (int i = 0; i < order.size(); i++) {
            Node candidate = order.get((from + i) % order.size());
            if (!chosen.contains(candidate) && used.get(candidate.rack()) == fewest) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free node although " + chosen.size() + " < " + order.size());
    }

    /** Nodes ordered rack by rack in turn: r1[0], r2[0], r3[0], r1[1], … */
    static List<Node> rackAlternating(List<Node> nodes) {
        Map<String, List<Node>> byRack = new TreeMap<>();
        nodes.forEach(node -> byRack.computeIfAbsent(node.rack(), r -> new ArrayList<>()).add(node));
        byRack.values().forEach(list -> list.sort(Comparator.comparingInt(Node::id)));
        List<Node> out = new ArrayList<>(nodes.size());
        for (int i = 0; out.size() < nodes.size(); i++) {
            for (List<Node> rack : byRack.values()) {
                if (i < rack.size()) {
                    out.add(rack.get(i));
                }
            }
        }
        return out;
    }
}
