package io.strata.client.consumer;

import io.strata.client.TopicPartition;
import io.strata.proto.Assignment;
import io.strata.proto.TopicPartitionOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * A consumer's share of its group: the assignment it has adopted and where it reads each of its
 * partitions next. Assignments the gateway pushes are queued as they arrive and adopted on the
 * application thread ({@link #adoptPushed}), so positions and the rebalance listener are only
 * ever touched by that thread. Adopting a revocation calls the listener while the partitions are
 * still owned, then forgets their positions and releases them; a new partition starts at the
 * position the gateway sent with it.
 *
 * <p>Not thread-safe, except {@link #push} and {@link #current}, which any thread may call.
 */
final class MemberAssignment {
    /** An adopted assignment. Immutable. */
    record State(String memberId, int groupEpoch, Set<TopicPartition> partitions) {
        static final State NONE = new State("", -1, Set.of());

        static State of(Assignment a) {
            TreeSet<TopicPartition> tps = new TreeSet<>();
            a.getPartitionsList().forEach(tp -> tps.add(TopicPartition.fromProto(tp)));
            return new State(a.getMemberId(), a.getGroupEpoch(), Collections.unmodifiableSortedSet(tps));
        }
    }

    private final ConcurrentLinkedQueue<Assignment> pushed = new ConcurrentLinkedQueue<>();
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private volatile State current = State.NONE;
    /** Partitions of the join answer the listener has not heard of yet. */
    private List<TopicPartition> unannounced = List.of();

    /** Queues an assignment the gateway pushed. Any thread. */
    void push(Assignment a) {
        pushed.add(a);
    }

    /** The assignment adopted last. Any thread. */
    State current() {
        return current;
    }

    /** Forgets everything (a new session starts). */
    void reset() {
        pushed.clear();
        positions.clear();
        current = State.NONE;
        unannounced = List.of();
    }

    /** Adopts the answer to join: every partition in it, at the positions it carries. */
    void adoptJoin(Assignment a) {
        current = State.of(a);
        remember(a.getPositionsList());
        unannounced = List.copyOf(current.partitions());
    }

    /**
     * Adopts every queued assignment in order: for each, the listener hears of revoked partitions
     * while they are still owned, then they are forgotten and handed to {@code release}; added
     * partitions take their start positions and the listener hears of them.
     */
    void adoptPushed(ConsumerRebalanceListener listener, Consumer<List<TopicPartition>> release) {
        if (!unannounced.isEmpty()) {
            List<TopicPartition> first = unannounced;
            unannounced = List.of();
            listener.onPartitionsAssigned(first);
        }
        for (Assignment a = pushed.poll(); a != null; a = pushed.poll()) {
            State next = State.of(a);
            List<TopicPartition> revoked = new ArrayList<>(current.partitions());
            revoked.removeAll(next.partitions());
            List<TopicPartition> added = new ArrayList<>(next.partitions());
            added.removeAll(current.partitions());
            if (!revoked.isEmpty()) {
                listener.onPartitionsRevoked(List.copyOf(revoked));
                revoked.forEach(positions::remove);
            }
            current = next;
            if (!revoked.isEmpty()) {
                release.accept(revoked);
            }
            remember(a.getPositionsList());
            if (!added.isEmpty()) {
                listener.onPartitionsAssigned(List.copyOf(added));
            }
        }
    }

    private void remember(List<TopicPartitionOffset> reported) {
        for (TopicPartitionOffset p : reported) {
            positions.put(new TopicPartition(p.getTopic(), p.getPartition()), p.getOffset());
        }
    }

    /** Whether the partition is in the adopted assignment. */
    boolean owns(TopicPartition tp) {
        return current.partitions().contains(tp);
    }

    /** The next offset to read, or null when unknown (not assigned, or it needs a seek). */
    Long position(TopicPartition tp) {
        return owns(tp) ? positions.get(tp) : null;
    }

    void position(TopicPartition tp, long offset) {
        positions.put(tp, offset);
    }

    void forget(TopicPartition tp) {
        positions.remove(tp);
    }

    /** Positions of every owned partition that has one (what a commit of everything commits). */
    Map<TopicPartition, Long> ownedPositions() {
        Map<TopicPartition, Long> out = new HashMap<>();
        positions.forEach((tp, p) -> {
            if (owns(tp)) {
                out.put(tp, p);
            }
        });
        return out;
    }
}
