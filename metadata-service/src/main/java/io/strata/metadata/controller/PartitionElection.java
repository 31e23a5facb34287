package io.strata.metadata.controller;

import io.strata.proto.internal.PartitionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The rules that choose a partition's leader and ISR when storage nodes come and go. Pure
 * functions of a partition record and the set of live (unfenced) nodes, so every metadata
 * peer computes the same result when it applies the same command, and the rules can be
 * tested exhaustively.
 *
 * <ul>
 *   <li>A new leader is the first replica, in assignment order, that is live and in the ISR.
 *   <li>Outside the ISR only with {@code unclean.leader.election.enable=true}, and then the
 *       ISR becomes just that leader (the others must catch up from it).
 *   <li>No eligible replica: leader {@code -1}, the partition is offline.
 *   <li>A fenced node leaves the ISR, except when it is the last member: like Kafka, the last
 *       in-sync replica stays recorded so that it can lead again (cleanly) when it returns.
 *   <li>A node in controlled shutdown hands its leadership to the first live ISR member and
 *       leaves the ISR; where no other live replica is in sync it keeps leading (and stays in
 *       the ISR) until it stops, rather than taking the partition offline early.
 *   <li>Every change bumps the partition epoch; every change of leader bumps the leader epoch.
 * </ul>
 */
public final class PartitionElection {
    /** Leader id of a partition without a leader. */
    public static final int NO_LEADER = -1;

    private PartitionElection() {
    }

    /** {@code p} after {@code node} was fenced; {@code live} no longer contains it. */
    public static PartitionRecord onNodeFenced(PartitionRecord p, int node, Set<Integer> live, boolean unclean) {
        List<Integer> isr = new ArrayList<>(p.getIsrList());
        if (isr.size() > 1) {
            isr.remove(Integer.valueOf(node));
        }
        int leader = p.getLeader();
        if (leader == node || leader == NO_LEADER) {
            leader = choose(p.getReplicasList(), isr, live);
            if (leader == NO_LEADER && unclean) {
                leader = firstLive(p.getReplicasList(), live);
                if (leader != NO_LEADER) {
                    isr = List.of(leader);
                }
            }
        }
        return withLeaderAndIsr(p, leader, isr);
    }

    /**
     * {@code p} after {@code node} asked for a controlled shutdown; {@code live} no longer
     * contains it. Never elects outside the ISR: the node is still there to be waited for.
     */
    public static PartitionRecord onNodeShuttingDown(PartitionRecord p, int node, Set<Integer> live) {
        if (!p.getReplicasList().contains(node)) {
            return p;
        }
        List<Integer> isr = new ArrayList<>(p.getIsrList());
        int leader = p.getLeader();
        if (leader == node) {
            List<Integer> others = new ArrayList<>(isr);
            others.remove(Integer.valueOf(node));
            leader = choose(p.getReplicasList(), others, live);
            if (leader == NO_LEADER) {
                return p;
            }
        }
        if (isr.size() > 1) {
            isr.remove(Integer.valueOf(node));
        }
        return withLeaderAndIsr(p, leader, isr);
    }

    /**
     * {@code p} after {@code node} became live again: an offline partition gets a leader, and
     * with {@code preferred} leadership returns to the first replica when it is in the ISR.
     */
    public static PartitionRecord onNodeAlive(PartitionRecord p, int node, Set<Integer> live, boolean preferred,
                                              boolean unclean) {
        if (!p.getReplicasList().contains(node)) {
            return p;
        }
        if (p.getLeader() == NO_LEADER) {
            int leader = choose(p.getReplicasList(), p.getIsrList(), live);
            List<Integer> isr = p.getIsrList();
            if (leader == NO_LEADER && unclean) {
                leader = firstLive(p.getReplicasList(), live);
                isr = leader == NO_LEADER ? isr : List.of(leader);
            }
            return withLeaderAndIsr(p, leader, isr);
        }
        return preferred ? preferredLeader(p, live) : p;
    }

    /** {@code p} with its first replica as leader when that replica is live, in the ISR and not leading yet. */
    public static PartitionRecord preferredLeader(PartitionRecord p, Set<Integer> live) {
        int preferred = p.getReplicas(0);
        if (p.getLeader() == preferred || !live.contains(preferred) || !p.getIsrList().contains(preferred)) {
            return p;
        }
        return withLeaderAndIsr(p, preferred, p.getIsrList());
    }

    /** The first replica in assignment order that is live and in {@code isr}, or {@link #NO_LEADER}. */
    public static int choose(List<Integer> replicas, List<Integer> isr, Set<Integer> live) {
        for (int r : replicas) {
            if (live.contains(r) && isr.contains(r)) {
                return r;
            }
        }
        return NO_LEADER;
    }

    private static int firstLive(List<Integer> replicas, Set<Integer> live) {
        for (int r : replicas) {
            if (live.contains(r)) {
                return r;
            }
        }
        return NO_LEADER;
    }

    /** {@code p} with a leader and ISR; epochs bumped as the rules say, or {@code p} itself when nothing changed. */
    static PartitionRecord withLeaderAndIsr(PartitionRecord p, int leader, List<Integer> isr) {
        boolean leaderChanged = leader != p.getLeader();
        if (!leaderChanged && isr.equals(p.getIsrList())) {
            return p;
        }
        PartitionRecord.Builder b = p.toBuilder().setLeader(leader).clearIsr().addAllIsr(isr)
                .setPartitionEpoch(p.getPartitionEpoch() + 1);
        if (leaderChanged) {
            b.setLeaderEpoch(p.getLeaderEpoch() + 1);
        }
        return b.build();
    }
}
