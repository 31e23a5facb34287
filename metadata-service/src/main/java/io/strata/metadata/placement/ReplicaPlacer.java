package io.strata.metadata.placement;

import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import java.util.ArrayList;
import java.util.List;

/**
 * Chooses the replicas of each new partition: round-robin over the live storage nodes from
 * a starting node, so replicas — and leaders, which are each partition's first replica —
 * spread evenly, and no node holds two replicas of one partition. Pure: the caller supplies
 * the start (random in production, fixed in tests). Rack awareness is not done yet.
 */
public final class ReplicaPlacer {
    private ReplicaPlacer() {
    }

    /**
     * @param liveNodes ids of live storage nodes, in a stable order
     * @param start     index into {@code liveNodes} of the first partition's leader
     * @return for each partition, its replica node ids; the first is the preferred leader
     */
    public static List<List<Integer>> place(List<Integer> liveNodes, int partitions, int replicationFactor, int start) {
        int n = liveNodes.size();
        if (replicationFactor > n) {
            throw new StrataException(ErrorReason.NOT_ENOUGH_NODES, "replication factor " + replicationFactor
                    + " needs " + replicationFactor + " live storage nodes, but only " + n + " are live " + liveNodes);
        }
        List<List<Integer>> out = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            // Shift the follower sequence every n partitions so followers spread too.
            int shift = 1 + (p / n) % Math.max(1, n - 1);
            List<Integer> replicas = new ArrayList<>(replicationFactor);
            int first = Math.floorMod(start + p, n);
            replicas.add(liveNodes.get(first));
            for (int r = 1; r < replicationFactor; r++) {
                int idx = Math.floorMod(first + r * shift, n);
                while (replicas.contains(liveNodes.get(idx))) {
                    idx = (idx + 1) % n;
                }
                replicas.add(liveNodes.get(idx));
            }
            out.add(replicas);
        }
        return out;
    }
}
