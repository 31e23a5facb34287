package io.strata.gateway.consume;

import io.strata.proto.TopicPartition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The reads of one consumer session, kept between polls as Kafka's consumer keeps its fetches.
 * A poll returns at most {@code max_records}, while one read of a partition brings up to
 * {@code max_bytes}: what the poll did not return is kept for the next one instead of being read
 * again, and partitions with nothing kept are read again right after the poll, so the next poll
 * usually finds records waiting. A kept read is used only while the partition's position is still
 * where the read started, so a seek or a rebalance simply leaves it unused.
 *
 * <p>Holds at most one read per readable partition, and reads at most {@link #SESSION_BYTES} at a
 * time in all (see {@link #partitionBytes}). Thread-safe.
 */
final class ReadAhead {
    /** Most bytes one session reads (and keeps) at a time, over all its partitions. */
    static final int SESSION_BYTES = 16 * 1024 * 1024;
    /** Least bytes read from one partition, however many the session reads. */
    static final int MIN_PARTITION_BYTES = 64 * 1024;

    /** A read of a partition from {@code from}, finished or not; {@code waitMs} &gt; 0 for a long poll. */
    private record Pending(long from, boolean raw, int waitMs, CompletableFuture<Chunk> read) {
        boolean hasRecords() {
            return read.isDone() && !read.isCompletedExceptionally() && !read.join().isEmpty();
        }

        /** Still worth waiting for or using, at this position. */
        boolean usableAt(long position, boolean asRaw, boolean longPoll) {
            return from == position && raw == asRaw && (hasRecords() || !read.isDone() && (longPoll || waitMs == 0));
        }
    }

    private final PartitionReader reader;
    private final Map<TopicPartition, Pending> pending = new HashMap<>();

    ReadAhead(PartitionReader reader) {
        this.reader = reader;
    }

    /** Records already read at each partition's position (null where there are none), dropping reads of other partitions. */
    synchronized List<Chunk> ready(List<Map.Entry<TopicPartition, Long>> partitions, boolean raw) {
        Map<TopicPartition, Pending> kept = new HashMap<>();
        List<Chunk> out = new ArrayList<>();
        for (Map.Entry<TopicPartition, Long> e : partitions) {
            Pending p = pending.get(e.getKey());
            if (p != null) {
                kept.put(e.getKey(), p);
            }
            boolean ready = p != null && p.from() == e.getValue() && p.raw() == raw && p.hasRecords();
            out.add(ready ? p.read().join() : null);
        }
        pending.keySet().retainAll(kept.keySet());
        return out;
    }

    /** Reads every partition (using a read already under way at its position) and waits for all answers. */
    CompletableFuture<List<Chunk>> readAll(List<Map.Entry<TopicPartition, Long>> partitions, int maxBytes,
                                           boolean raw) {
        List<CompletableFuture<Chunk>> reads = start(partitions, maxBytes, 0, raw);
        return CompletableFuture.allOf(reads.toArray(new CompletableFuture[0]))
                .thenApply(v -> reads.stream().map(CompletableFuture::join).toList());
    }

    /**
     * Long-polls every partition; answers as soon as one has records (or all time out). Answers
     * line up with the partitions passed in; one that has not answered yet is null, and its read
     * is kept for the next poll.
     */
    CompletableFuture<List<Chunk>> readFirst(List<Map.Entry<TopicPartition, Long>> partitions, int maxBytes,
                                             int waitMs, boolean raw) {
        List<CompletableFuture<Chunk>> reads = start(partitions, maxBytes, waitMs, raw);
        CompletableFuture<List<Chunk>> result = new CompletableFuture<>();
        Runnable answer = () -> result.complete(reads.stream().map(f -> f.getNow(null)).toList());
        for (CompletableFuture<Chunk> r : reads) {
            r.thenAccept(c -> {
                if (!c.isEmpty()) {
                    answer.run();
                }
            });
        }
        CompletableFuture.allOf(reads.toArray(new CompletableFuture[0])).whenComplete((v, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                answer.run();
            }
        });
        return result;
    }

    /**
     * After a poll: keeps what it left of each partition's read, and starts reading the partitions
     * at {@code positions} that have nothing kept or under way.
     */
    synchronized void afterPoll(Map<TopicPartition, Long> positions, Map<TopicPartition, Chunk> rest, int maxBytes,
                                boolean raw) {
        rest.forEach((tp, chunk) -> pending.put(tp, new Pending(chunk.from(), raw, 0,
                CompletableFuture.completedFuture(chunk))));
        positions.forEach((tp, position) -> {
            Pending p = pending.get(tp);
            if (p == null || !p.usableAt(position, raw, true)) {
                pending.put(tp, read(tp, position, maxBytes, 0, raw));
            }
        });
    }

    /** Bytes to read from each of {@code partitions} partitions: {@code maxBytes}, or less so the session stays within its budget. */
    static int partitionBytes(int maxBytes, int partitions) {
        int share = SESSION_BYTES / Math.max(1, partitions);
        return Math.min(maxBytes, Math.max(MIN_PARTITION_BYTES, share));
    }

    static boolean hasRecords(List<Chunk> chunks) {
        return chunks.stream().anyMatch(c -> c != null && !c.isEmpty());
    }

    private synchronized List<CompletableFuture<Chunk>> start(List<Map.Entry<TopicPartition, Long>> partitions,
                                                              int maxBytes, int waitMs, boolean raw) {
        List<CompletableFuture<Chunk>> reads = new ArrayList<>();
        for (Map.Entry<TopicPartition, Long> e : partitions) {
            Pending p = pending.get(e.getKey());
            if (p == null || !p.usableAt(e.getValue(), raw, waitMs > 0)) {
                p = read(e.getKey(), e.getValue(), maxBytes, waitMs, raw);
                pending.put(e.getKey(), p);
            }
            reads.add(p.read());
        }
        return reads;
    }

    private Pending read(TopicPartition tp, long position, int maxBytes, int waitMs, boolean raw) {
        return new Pending(position, raw, waitMs,
                reader.read(tp.getTopic(), tp.getPartition(), position, maxBytes, waitMs, raw));
    }
}
