package io.strata.metadata.reassignment;

import io.strata.common.error.Errors;
import io.strata.common.error.StrataException;
import io.strata.common.topic.PartitionReassignments;
import io.strata.common.topic.TopicConfig;
import io.strata.proto.AlterPartitionReassignmentsRequest;
import io.strata.proto.AlterPartitionReassignmentsResponse;
import io.strata.proto.ErrorReason;
import io.strata.proto.ReassignmentTarget;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.TopicRecord;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An AlterPartitionReassignments request checked against the metadata state and turned into
 * the changed topic records: every named partition is validated (topic and partition exist,
 * target nodes registered, nodes new to the partition live, enough replicas for the topic's
 * {@code min.insync.replicas}) and moved by {@link ReassignmentRules}. All or nothing: the first
 * invalid entry fails the whole request. Pure; the state machine applies the result.
 *
 * @param topics   the topics changed, by name
 * @param response what the caller is told: each named partition after the change
 */
public record ReassignmentPlan(Map<String, TopicRecord> topics, AlterPartitionReassignmentsResponse response) {

    /**
     * @param topics     every topic, by name
     * @param registered every registered storage node
     * @param live       the registered nodes that are not fenced
     * @throws StrataException naming the first invalid entry and what to change
     */
    public static ReassignmentPlan of(AlterPartitionReassignmentsRequest request, Map<String, TopicRecord> topics,
                                      Set<Integer> registered, Set<Integer> live) {
        PartitionReassignments.validate(request);
        Map<String, TopicRecord.Builder> changed = new TreeMap<>();
        for (ReassignmentTarget t : request.getTargetsList()) {
            TopicRecord topic = topics.get(t.getTopic());
            if (topic == null) {
                throw Errors.unknownTopic(t.getTopic());
            }
            if (t.getPartition() >= topic.getPartitionsCount()) {
                throw Errors.unknownPartition(t.getTopic(), t.getPartition(), topic.getPartitionsCount());
            }
            TopicRecord.Builder b = changed.computeIfAbsent(t.getTopic(), n -> topic.toBuilder());
            PartitionRecord p = b.getPartitions(t.getPartition());
            String name = t.getTopic() + "-" + t.getPartition();
            PartitionRecord next;
            if (t.getReplicasCount() == 0) {
                next = ReassignmentRules.cancel(name, p, live);
            } else {
                checkNodes(name, p, t.getReplicasList(), registered, live);
                checkMinInsync(name, topic, t.getReplicasCount());
                next = ReassignmentRules.start(name, p, t.getReplicasList(), live);
            }
            b.setPartitions(t.getPartition(), next);
        }
        Map<String, TopicRecord> out = new TreeMap<>();
        changed.forEach((name, b) -> out.put(name, b.build()));
        AlterPartitionReassignmentsResponse.Builder response = AlterPartitionReassignmentsResponse.newBuilder();
        for (ReassignmentTarget t : request.getTargetsList()) {
            response.addPartitions(PartitionReassignments.describe(t.getTopic(),
                    out.get(t.getTopic()).getPartitions(t.getPartition())));
        }
        return new ReassignmentPlan(out, response.build());
    }

    private static void checkNodes(String name, PartitionRecord p, List<Integer> target, Set<Integer> registered,
                                   Set<Integer> live) {
        for (int node : target) {
            if (!registered.contains(node)) {
                throw refused("the target " + target + " of " + name + " names storage node " + node
                        + ", which is not registered; registered nodes are " + new TreeSet<>(registered));
            }
            if (!p.getReplicasList().contains(node) && !live.contains(node)) {
                throw refused("the target " + target + " of " + name + " adds storage node " + node
                        + ", which is fenced (it stopped heartbeating), so its replica could never catch up;"
                        + " start the node again or choose a live one from " + new TreeSet<>(live));
            }
        }
    }

    private static void checkMinInsync(String name, TopicRecord topic, int replicas) {
        int minIsr = TopicConfig.MIN_INSYNC_REPLICAS.intIn(topic.getConfigsMap());
        if (replicas < minIsr) {
            throw refused("the target of " + name + " has " + replicas + " replica(s) but topic '" + topic.getName()
                    + "' has min.insync.replicas=" + minIsr + ", so acks=all writes could never succeed; name at"
                    + " least " + minIsr + " nodes or lower min.insync.replicas first");
        }
    }

    private static StrataException refused(String message) {
        return new StrataException(ErrorReason.INVALID_REPLICA_ASSIGNMENT, message);
    }
}
