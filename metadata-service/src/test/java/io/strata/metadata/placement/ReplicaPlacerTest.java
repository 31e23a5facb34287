package io.strata.metadata.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicaPlacerTest {
    @Test
    void replicasAreDistinctAndLeadersAndReplicasSpreadEvenly() {
        for (int nodes = 1; nodes <= 7; nodes++) {
            List<Integer> live = java.util.stream.IntStream.rangeClosed(1, nodes).boxed().toList();
            for (int rf = 1; rf <= nodes; rf++) {
                for (int start = 0; start < nodes; start++) {
                    int partitions = nodes * 4;
                    List<List<Integer>> placement = ReplicaPlacer.place(live, partitions, rf, start);
                    Map<Integer, Integer> leaders = new HashMap<>();
                    Map<Integer, Integer> replicas = new HashMap<>();
                    for (List<Integer> p : placement) {
                        assertEquals(rf, p.size());
                        assertEquals(rf, new HashSet<>(p).size(), "no node twice in " + p);
                        leaders.merge(p.get(0), 1, Integer::sum);
                        p.forEach(n -> replicas.merge(n, 1, Integer::sum));
                    }
                    for (int n : live) {
                        assertEquals(4, leaders.getOrDefault(n, 0), "leaders on node " + n);
                        assertEquals(4 * rf, replicas.getOrDefault(n, 0), "replicas on node " + n);
                    }
                }
            }
        }
    }

    @Test
    void replicationFactorAboveLiveNodesFailsWithAClearReason() {
        StrataException e = assertThrows(StrataException.class, () -> ReplicaPlacer.place(List.of(1, 2), 1, 3, 0));
        assertEquals(ErrorReason.NOT_ENOUGH_NODES, e.reason());
        assertTrue(e.getMessage().contains("only 2"));
    }

    /** Every way to put up to 6 nodes in up to 3 racks, every replication factor and start, three partition counts. */
    @Test
    void rackAwarePlacementSpreadsReplicasOverRacksAndLeadersOverNodes() {
        for (int nodes = 1; nodes <= 6; nodes++) {
            for (int racks = 1; racks <= Math.min(3, nodes); racks++) {
                for (int layout = 0; layout < Math.pow(racks, nodes); layout++) {
                    List<ReplicaPlacer.Node> live = layout(nodes, racks, layout);
                    long usedRacks = live.stream().map(ReplicaPlacer.Node::rack).distinct().count();
                    Map<Integer, String> rackOf = new HashMap<>();
                    live.forEach(n -> rackOf.put(n.id(), n.rack()));
                    for (int rf = 1; rf <= nodes; rf++) {
                        for (int partitions : new int[] {1, nodes, 2 * nodes + 1}) {
                            for (int start = 0; start < nodes; start++) {
                                check(live, rackOf, usedRacks, rf, partitions, start);
                            }
                        }
                    }
                }
            }
        }
    }

    private static void check(List<ReplicaPlacer.Node> live, Map<Integer, String> rackOf, long racks, int rf,
                              int partitions, int start) {
        List<List<Integer>> placement = ReplicaPlacer.placeOnRacks(live, partitions, rf, start);
        String c = "nodes=" + live + " rf=" + rf + " partitions=" + partitions + " start=" + start;
        assertEquals(partitions, placement.size(), c);
        Map<Integer, Integer> leaders = new HashMap<>();
        for (List<Integer> p : placement) {
            assertEquals(rf, p.size(), c);
            assertEquals(rf, new HashSet<>(p).size(), "no node twice in " + p + " " + c);
            assertTrue(rackOf.keySet().containsAll(p), c);
            long spread = p.stream().map(rackOf::get).distinct().count();
            assertEquals(Math.min(rf, racks), spread, "racks of " + p + " " + c);
            leaders.merge(p.get(0), 1, Integer::sum);
        }
        int min = partitions / live.size();
        for (ReplicaPlacer.Node n : live) {
            int led = leaders.getOrDefault(n.id(), 0);
            assertTrue(led == min || led == min + 1, "node " + n.id() + " leads " + led + " " + c);
        }
    }

    /** Nodes 1..count with rack digits of {@code code} in base {@code racks}. */
    private static List<ReplicaPlacer.Node> layout(int count, int racks, int code) {
        List<ReplicaPlacer.Node> out = new java.util.ArrayList<>();
        for (int id = 1; id <= count; id++) {
            out.add(new ReplicaPlacer.Node(id, "rack-" + (char) ('a' + code % racks)));
            code /= racks;
        }
        return out;
    }

    @Test
    void threeRacksOfTwoPutEveryPartitionInEveryRack() {
        List<ReplicaPlacer.Node> live = List.of(new ReplicaPlacer.Node(1, "a"), new ReplicaPlacer.Node(2, "a"),
                new ReplicaPlacer.Node(3, "b"), new ReplicaPlacer.Node(4, "b"), new ReplicaPlacer.Node(5, "c"),
                new ReplicaPlacer.Node(6, "c"));
        assertEquals(List.of(1, 3, 5, 2, 4, 6), ReplicaPlacer.rackAlternating(live).stream()
                .map(ReplicaPlacer.Node::id).toList());
        for (List<Integer> p : ReplicaPlacer.placeOnRacks(live, 12, 3, 0)) {
            assertEquals(3, p.stream().map(id -> (id + 1) / 2).distinct().count(), "one replica per rack: " + p);
        }
    }
}
