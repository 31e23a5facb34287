package io.strata.metadata.reassignment;

import io.strata.common.error.StrataException;
import io.strata.common.topic.PartitionReassignments;
import io.strata.metadata.controller.PartitionElection;
import io.strata.proto.ErrorReason;
import io.strata.proto.internal.PartitionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The state transitions of a partition reassignment (as Kafka's KIP-455), as pure functions of
 * a partition record and the live nodes, so that every metadata peer computes the same record
 * from the same command and the rules can be tested without a cluster.
 *
 * <ul>
 *   <li><b>Start</b> with target T on a partition whose replicas were O: the replicas become
 *       {@code T ++ (O - T)}, {@code adding = T - O}, {@code removing = O - T}. The new replicas
 *       see the record through the watch, fetch from the leader and join the ISR through the
 *       ordinary AlterPartition path. Nothing is removed yet, so durability never drops below
 *       what O gave.
 *   <li><b>Complete</b> ({@link #tryComplete}) as soon as the ISR holds every replica of T: the
 *       replicas become T, replicas outside T leave the ISR, and when the leader is outside T
 *       the first live in-sync replica of T leads (leader epoch bumped). Applied after every
 *       change of the record, so whichever command brings the last target replica in — or
 *       makes a leader available — finishes the move, on whichever peer leads the Raft group.
 *   <li><b>Replace</b>: starting again during a reassignment keeps O (the replicas minus those
 *       being added) as the base; added replicas that the new target drops leave at once.
 *   <li><b>Cancel</b> is a start with T = O: replicas being added leave at once, O stays (the
 *       ones it keeps in the target's order first). It is refused when no in-sync replica, or
 *       no live one to lead, would remain — the partition would lose acknowledged data.
 *   <li>Every change bumps the partition epoch; every change of leader bumps the leader epoch.
 * </ul>
 */
public final class ReassignmentRules {
    private ReassignmentRules() {
    }

    /** The replicas the partition will have once its reassignment completes. */
    public static List<Integer> targetReplicas(PartitionRecord p) {
        return without(p.getReplicasList(), p.getRemovingReplicasList());
    }

    /** The replicas the partition had before its reassignment started. */
    public static List<Integer> originalReplicas(PartitionRecord p) {
        return without(p.getReplicasList(), p.getAddingReplicasList());
    }

    /**
     * {@code p} reassigned to {@code target} (distinct node ids, validated by the caller), already
     * completed when every target replica is in sync.
     *
     * @param name for error messages, e.g. {@code orders-3}
     * @throws StrataException INVALID_REPLICA_ASSIGNMENT when the change would leave no in-sync
     *     replica, or none that is live to lead
     */
    public static PartitionRecord start(String name, PartitionRecord p, List<Integer> target, Set<Integer> live) {
        List<Integer> original = originalReplicas(p);
        List<Integer> replicas = new ArrayList<>(target);
        replicas.addAll(without(original, target));
        List<Integer> isr = retain(p.getIsrList(), replicas);
        if (isr.isEmpty() && p.getIsrCount() > 0) {
            throw refused(name + ": its in-sync replicas " + p.getIsrList() + " are all replicas being added that the"
                    + " new target drops, so no in-sync replica would remain; keep one of them in the target");
        }
        int leader = p.getLeader();
        if (leader != PartitionElection.NO_LEADER && !replicas.contains(leader)) {
            leader = PartitionElection.choose(replicas, isr, live);
            if (leader == PartitionElection.NO_LEADER) {
                throw refused(name + ": its leader " + p.getLeader() + " would be dropped and none of the remaining"
                        + " in-sync replicas " + isr + " is live to take over; wait until one is");
            }
        }
        PartitionRecord next = with(p, replicas, without(target, original), without(original, target), isr, leader);
        return tryComplete(next, live);
    }

    /**
     * {@code p} with its reassignment cancelled: back to the original replicas.
     *
     * @throws StrataException NO_REASSIGNMENT_IN_PROGRESS, or as {@link #start}
     */
    public static PartitionRecord cancel(String name, PartitionRecord p, Set<Integer> live) {
        if (!PartitionReassignments.inProgress(p)) {
            throw new StrataException(ErrorReason.NO_REASSIGNMENT_IN_PROGRESS, name + " is not being reassigned;"
                    + " its replicas are " + p.getReplicasList() + ". Nothing to cancel");
        }
        return start(name, p, originalReplicas(p), live);
    }

    /** {@code p} with its reassignment completed if every target replica is in sync and one can lead; else {@code p}. */
    public static PartitionRecord tryComplete(PartitionRecord p, Set<Integer> live) {
        if (!PartitionReassignments.inProgress(p)) {
            return p;
        }
        List<Integer> target = targetReplicas(p);
        if (!p.getIsrList().containsAll(target)) {
            return p;
        }
        int leader = p.getLeader();
        if (!target.contains(leader)) {
            leader = PartitionElection.choose(target, p.getIsrList(), live);
            if (leader == PartitionElection.NO_LEADER) {
                return p;
            }
        }
        return with(p, target, List.of(), List.of(), retain(p.getIsrList(), target), leader);
    }

    /** {@code p} with these lists and leader; epochs bumped when anything changed, or {@code p} itself. */
    private static PartitionRecord with(PartitionRecord p, List<Integer> replicas, List<Integer> adding,
                                        List<Integer> removing, List<Integer> isr, int leader) {
        if (replicas.equals(p.getReplicasList()) && adding.equals(p.getAddingReplicasList())
                && removing.equals(p.getRemovingReplicasList()) && isr.equals(p.getIsrList())
                && leader == p.getLeader()) {
            return p;
        }
        PartitionRecord.Builder b = p.toBuilder()
                .clearReplicas().addAllReplicas(replicas)
                .clearAddingReplicas().addAllAddingReplicas(adding)
                .clearRemovingReplicas().addAllRemovingReplicas(removing)
                .clearIsr().addAllIsr(isr)
                .setLeader(leader)
                .setPartitionEpoch(p.getPartitionEpoch() + 1);
        if (leader != p.getLeader()) {
            b.setLeaderEpoch(p.getLeaderEpoch() + 1);
        }
        return b.build();
    }

    /** {@code list} without the members of {@code drop}, in order. */
    private static List<Integer> without(List<Integer> list, List<Integer> drop) {
        return list.stream().filter(x -> !drop.contains(x)).toList();
    }

    /** {@code list} keeping only members of {@code keep}, in order. */
    private static List<Integer> retain(List<Integer> list, List<Integer> keep) {
        return list.stream().filter(keep::contains).toList();
    }

    private static StrataException refused(String message) {
        return new StrataException(ErrorReason.INVALID_REPLICA_ASSIGNMENT, message);
    }
}
