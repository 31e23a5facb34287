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
}
