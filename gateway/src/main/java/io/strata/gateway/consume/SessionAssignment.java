package io.strata.gateway.consume;

import io.strata.common.error.Errors;
import io.strata.proto.PartitionBatches;
import io.strata.proto.PollResult;
import io.strata.proto.TopicPartition;
import io.strata.proto.TopicPartitionOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one consumer session holds and where it reads: the partitions assigned to it with their
 * positions; newly given partitions whose start positions are still being looked up (held, not
 * read); the partitions revoked from it that are not released yet (never read again, but their
 * positions can still be committed); and the paused ones. A partition given while
 * {@code auto_offset_reset} is NONE and nothing is committed has no position until a seek.
 *
 * <p>Thread-safe (one lock): polls read and advance positions on the session's thread while
 * heartbeats change the assignment on the coordinator link's threads.
 */
final class SessionAssignment {
    /** Position of a partition that must be seeked before it is read (NONE reset, nothing committed). */
    static final long NO_POSITION = -1;

    /** A revoked partition: where it was when revoked, and since when (System.nanoTime). */
    private record Revoked(long position, long sinceNanos) {
    }

    /** What a new assignment changed: partitions revoked, and partitions given back before their release. */
    record Change(List<TopicPartition> revoked, List<TopicPartition> restored) {
        boolean isEmpty() {
            return revoked.isEmpty() && restored.isEmpty();
        }
    }

    private final LinkedHashMap<TopicPartition, Long> active = new LinkedHashMap<>();
    private final Set<TopicPartition> starting = new LinkedHashSet<>();
    private final LinkedHashMap<TopicPartition, Revoked> revoking = new LinkedHashMap<>();
    private final Set<TopicPartition> paused = new HashSet<>();
    private int rotation;

    /**
     * Adopts the partitions a member may read now: assigned partitions missing from it are
     * revoked (no longer read), revoked ones in it are restored with their positions, and new
     * ones wait in {@link #starting()} until {@link #grant} knows where they start (starting ones
     * missing from it are dropped: the client never heard of them).
     */
    synchronized Change update(Collection<TopicPartition> assignment, long nowNanos) {
        Set<TopicPartition> next = new LinkedHashSet<>(assignment);
        List<TopicPartition> revoked = new ArrayList<>();
        for (TopicPartition tp : List.copyOf(active.keySet())) {
            if (!next.contains(tp)) {
                revoking.put(tp, new Revoked(active.remove(tp), nowNanos));
                paused.remove(tp);
                revoked.add(tp);
            }
        }
        starting.retainAll(next);
        List<TopicPartition> restored = new ArrayList<>();
        for (TopicPartition tp : next) {
            Revoked r = revoking.remove(tp);
            if (r != null) {
                active.put(tp, r.position());
                restored.add(tp);
            } else if (!active.containsKey(tp)) {
                starting.add(tp);
            }
        }
        return new Change(revoked, restored);
    }

    /** New partitions waiting for their start positions. */
    synchronized List<TopicPartition> starting() {
        return List.copyOf(starting);
    }

    /**
     * Starts reading the starting partitions found in {@code starts} at those positions
     * ({@link #NO_POSITION}: after a seek); returns those it started.
     */
    synchronized List<TopicPartition> grant(Map<TopicPartition, Long> starts) {
        List<TopicPartition> out = new ArrayList<>();
        starts.forEach((tp, position) -> {
            if (starting.remove(tp)) {
                active.put(tp, position);
                out.add(tp);
            }
        });
        return out;
    }

    /** Releases the named revoked partitions (others are ignored); returns those released. */
    synchronized List<TopicPartition> release(Collection<TopicPartition> partitions) {
        List<TopicPartition> out = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            if (revoking.remove(tp) != null) {
                out.add(tp);
            }
        }
        return out;
    }

    /** Releases partitions revoked before {@code nanos}; returns those released. */
    synchronized List<TopicPartition> releaseRevokedBefore(long nanos) {
        List<TopicPartition> out = new ArrayList<>();
        revoking.entrySet().removeIf(e -> {
            boolean old = e.getValue().sinceNanos() - nanos < 0;
            if (old) {
                out.add(e.getKey());
            }
            return old;
        });
        return out;
    }

    /** Drops everything (the member was removed from its group). */
    synchronized void clear() {
        active.clear();
        starting.clear();
        revoking.clear();
        paused.clear();
    }

    /** Everything the member holds: assigned, starting and not yet released partitions (what heartbeats report). */
    synchronized List<TopicPartition> held() {
        List<TopicPartition> out = new ArrayList<>(active.keySet());
        out.addAll(starting);
        out.addAll(revoking.keySet());
        return out;
    }

    synchronized List<TopicPartition> assigned() {
        return List.copyOf(active.keySet());
    }

    /** Assigned, unpaused partitions with a position, rotated so every poll starts elsewhere. */
    synchronized List<Map.Entry<TopicPartition, Long>> readable() {
        List<Map.Entry<TopicPartition, Long>> out = new ArrayList<>();
        active.forEach((tp, position) -> {
            if (!paused.contains(tp) && position != NO_POSITION) {
                out.add(Map.entry(tp, position));
            }
        });
        if (!out.isEmpty()) {
            Collections.rotate(out, -(rotation++ % out.size()));
        }
        return out;
    }

    /** An assigned partition that needs a seek before it can be read, or null. */
    synchronized TopicPartition unpositioned() {
        return active.entrySet().stream().filter(e -> e.getValue() == NO_POSITION).map(Map.Entry::getKey)
                .findFirst().orElse(null);
    }

    /**
     * What a poll took: the records to return, the new position of every partition it read, and
     * what it left of each read (kept for the next poll).
     */
    record Taken(PollResult result, Map<TopicPartition, Long> positions, Map<TopicPartition, Chunk> rest) {
    }

    /** Takes up to {@code maxRecords} records in partition order and advances positions past them. */
    synchronized Taken take(List<Map.Entry<TopicPartition, Long>> read, List<Chunk> chunks, int maxRecords) {
        PollResult.Builder result = PollResult.newBuilder();
        Map<TopicPartition, Long> positions = new HashMap<>();
        Map<TopicPartition, Chunk> rest = new HashMap<>();
        int taken = 0;
        for (int i = 0; i < read.size(); i++) {
            Chunk chunk = chunks.get(i);
            TopicPartition tp = read.get(i).getKey();
            // A seek or a revocation while reading, or a missing answer, leaves the partition alone.
            if (chunk == null || !read.get(i).getValue().equals(active.get(tp))) {
                continue;
            }
            Chunk.Split split = chunk.split(maxRecords - taken);
            Chunk head = split.head();
            if (head.recordCount() > 0) {
                if (head.raw() != null) { // whole batches: the client skips what lies outside [start, next)
                    result.addBatches(PartitionBatches.newBuilder().setTopic(tp.getTopic())
                            .setPartition(tp.getPartition()).setStartOffset(head.from())
                            .setNextOffset(head.nextOffset()).setBatches(head.raw()));
                } else {
                    result.addAllRecords(head.records());
                }
                taken += head.recordCount();
                active.put(tp, head.nextOffset());
            }
            positions.put(tp, active.get(tp));
            if (split.rest() != null) {
                rest.put(tp, split.rest());
            }
        }
        return new Taken(result.build(), positions, rest);
    }

    /** The partition if it is assigned; INVALID_ARGUMENT listing the assignment otherwise. */
    synchronized TopicPartition requireAssigned(String topic, int partition) {
        TopicPartition tp = TopicPartition.newBuilder().setTopic(topic).setPartition(partition).build();
        if (!active.containsKey(tp)) {
            throw Errors.invalid(topic + "-" + partition + " is not assigned to this member; assigned: "
                    + active.keySet().stream().map(t -> t.getTopic() + "-" + t.getPartition()).toList());
        }
        return tp;
    }

    /** Moves an assigned partition's position; false if it is no longer assigned. */
    synchronized boolean seek(TopicPartition tp, long offset) {
        if (!active.containsKey(tp)) {
            return false;
        }
        active.put(tp, offset);
        return true;
    }

    synchronized void pause(List<TopicPartition> partitions, boolean pause) {
        partitions.forEach(tp -> requireAssigned(tp.getTopic(), tp.getPartition()));
        if (pause) {
            paused.addAll(partitions);
        } else {
            partitions.forEach(paused::remove);
        }
    }

    /** The position of every held partition that has one (assigned and not yet released): what "commit all" commits. */
    synchronized List<TopicPartitionOffset> positions() {
        List<TopicPartitionOffset> out = new ArrayList<>();
        active.forEach((tp, p) -> {
            if (p != NO_POSITION) {
                out.add(position(tp, p));
            }
        });
        revoking.forEach((tp, r) -> {
            if (r.position() != NO_POSITION) {
                out.add(position(tp, r.position()));
            }
        });
        return out;
    }

    /** Positions of the given assigned partitions (those with one). */
    synchronized List<TopicPartitionOffset> positionsOf(Collection<TopicPartition> partitions) {
        List<TopicPartitionOffset> out = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Long p = active.get(tp);
            if (p != null && p != NO_POSITION) {
                out.add(position(tp, p));
            }
        }
        return out;
    }

    static TopicPartitionOffset position(TopicPartition tp, long offset) {
        return TopicPartitionOffset.newBuilder().setTopic(tp.getTopic()).setPartition(tp.getPartition())
                .setOffset(offset).build();
    }
}
