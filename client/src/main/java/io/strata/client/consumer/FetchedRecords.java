package io.strata.client.consumer;

import io.strata.client.TopicPartition;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Set;

/**
 * Records received but not yet returned by {@link StrataConsumer#poll}, as Kafka's consumer keeps
 * its fetched records: the gateway sends whole batches, so an answer can hold more than
 * {@code max.poll.records}, and the rest is returned by the next polls without asking the gateway.
 *
 * <p>A run of one partition's records is returned only while the partition is owned and the member's
 * position (when known) is where the run continues; a seek, a revocation or a new session moves the
 * position and the run is dropped.
 * Runs of paused partitions wait. Not thread-safe (the consumer's thread only).
 */
final class FetchedRecords {
    /** Consecutive records of one partition; {@code expected} is the position they continue from. */
    private static final class Run {
        final TopicPartition partition;
        final List<ConsumerRecord> records;
        final long nextOffset;
        int taken;
        long expected;

        Run(TopicPartition partition, List<ConsumerRecord> records, long expected, long nextOffset) {
            this.partition = partition;
            this.records = records;
            this.expected = expected;
            this.nextOffset = nextOffset;
        }
    }

    private final List<Run> runs = new LinkedList<>();

    /** Keeps {@code records} of a partition read from position {@code from}, after which it is at {@code nextOffset}. */
    void add(TopicPartition partition, List<ConsumerRecord> records, long from, long nextOffset) {
        runs.add(new Run(partition, records, from, nextOffset));
    }

    /**
     * Takes up to {@code max} records of unpaused partitions in the order they arrived, and moves
     * the member's positions past them.
     */
    List<ConsumerRecord> take(int max, MemberAssignment member, Set<TopicPartition> paused) {
        List<ConsumerRecord> out = new ArrayList<>();
        for (Iterator<Run> it = runs.iterator(); it.hasNext() && out.size() < max; ) {
            Run run = it.next();
            Long position = member.position(run.partition);
            if (!member.owns(run.partition) || position != null && position != run.expected) {
                it.remove(); // sought, revoked or rejoined since it was read
                continue;
            }
            if (paused.contains(run.partition)) {
                continue;
            }
            int end = Math.min(run.records.size(), run.taken + max - out.size());
            if (end > run.taken) {
                out.addAll(run.records.subList(run.taken, end));
                run.expected = run.records.get(end - 1).offset() + 1;
                run.taken = end;
            }
            if (run.taken == run.records.size()) {
                run.expected = Math.max(run.expected, run.nextOffset);
                it.remove();
            }
            member.position(run.partition, run.expected);
        }
        return out;
    }

    void clear() {
        runs.clear();
    }
}
