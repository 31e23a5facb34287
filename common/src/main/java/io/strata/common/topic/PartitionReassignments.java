package io.strata.common.topic;

import io.strata.common.error.Errors;
import io.strata.common.error.StrataException;
import io.strata.proto.AlterPartitionReassignmentsRequest;
import io.strata.proto.ErrorReason;
import io.strata.proto.PartitionReassignment;
import io.strata.proto.ReassignmentTarget;
import io.strata.proto.internal.PartitionRecord;
import java.util.HashSet;
import java.util.Set;

/**
 * What gateways and the metadata service share about partition reassignments: the checks on a
 * request that need no cluster state (topic names, partition and node numbers, nodes named
 * twice) and how a partition record reads as a reassignment. Gateways run the checks for an
 * early answer, the metadata service again before it proposes the change and while it applies
 * it, together with the checks against its state. Stateless and thread-safe.
 */
public final class PartitionReassignments {
    /** More replicas than this per partition is a typo, not a plan. */
    public static final int MAX_REPLICAS = 100;

    private PartitionReassignments() {
    }

    /** Throws INVALID_ARGUMENT, INVALID_TOPIC_NAME or INVALID_REPLICA_ASSIGNMENT naming the first problem. */
    public static void validate(AlterPartitionReassignmentsRequest request) {
        if (request.getTargetsCount() == 0) {
            throw Errors.invalid("the request names no partition; give at least one topic, partition and replica list");
        }
        Set<String> seen = new HashSet<>();
        for (ReassignmentTarget t : request.getTargetsList()) {
            validate(t);
            if (!seen.add(t.getTopic() + "-" + t.getPartition())) {
                throw Errors.invalid("partition " + t.getTopic() + "-" + t.getPartition()
                        + " appears twice in one request; name each partition once");
            }
        }
    }

    /** The checks for one partition's target. */
    public static void validate(ReassignmentTarget t) {
        TopicNames.validate(t.getTopic());
        String name = t.getTopic() + "-" + t.getPartition();
        if (t.getPartition() < 0) {
            throw Errors.invalid("partition " + t.getPartition() + " of topic '" + t.getTopic() + "' is negative");
        }
        if (t.getReplicasCount() > MAX_REPLICAS) {
            throw invalid("the target of " + name + " names " + t.getReplicasCount() + " replicas; at most "
                    + MAX_REPLICAS + " are allowed");
        }
        Set<Integer> nodes = new HashSet<>();
        for (int node : t.getReplicasList()) {
            if (node < 0) {
                throw invalid("the target of " + name + " names node " + node + "; node ids are >= 0");
            }
            if (!nodes.add(node)) {
                throw invalid("the target " + t.getReplicasList() + " of " + name + " names node " + node
                        + " twice; each node holds at most one replica of a partition");
            }
        }
    }

    /** Whether {@code p} is being reassigned: it has replicas to add or to remove. */
    public static boolean inProgress(PartitionRecord p) {
        return p.getAddingReplicasCount() > 0 || p.getRemovingReplicasCount() > 0;
    }

    /** {@code p} of {@code topic} as the Admin API shows a reassignment. */
    public static PartitionReassignment describe(String topic, PartitionRecord p) {
        return PartitionReassignment.newBuilder().setTopic(topic).setPartition(p.getPartition())
                .addAllReplicas(p.getReplicasList()).addAllAddingReplicas(p.getAddingReplicasList())
                .addAllRemovingReplicas(p.getRemovingReplicasList()).addAllIsr(p.getIsrList())
                .setLeader(p.getLeader()).build();
    }

    private static StrataException invalid(String message) {
        return new StrataException(ErrorReason.INVALID_REPLICA_ASSIGNMENT, message);
    }
}
