package io.strata.storage.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader epochs of a partition's log: for each epoch, the first offset written in it.
 * Persisted in {@code leader-epoch-checkpoint} (format: line 1 {@code 0} (version), line 2
 * the entry count, then one {@code epoch startOffset} line each) after every change, and
 * truncated together with the log, so {@link #endOffsetFor} can tell a follower where its
 * history diverges from the leader's (leader-epoch truncation).
 *
 * <p>Thread-safety: mutations run under the log's append lock; reads are synchronized.
 */
public final class LeaderEpochCache {
    static final String FILE_NAME = "leader-epoch-checkpoint";

    /** An epoch and the first offset written in it. */
    public record EpochEntry(int epoch, long startOffset) {
    }

    /** The answer to "where does epoch E end": the epoch found and its exclusive end offset. */
    public record EpochEnd(int epoch, long endOffset) {
    }

    private final Path file;
    private final List<EpochEntry> entries = new ArrayList<>();

    private LeaderEpochCache(Path file) {
        this.file = file;
    }

    static LeaderEpochCache load(Path dir) {
        LeaderEpochCache cache = new LeaderEpochCache(dir.resolve(FILE_NAME));
        try {
            List<String> lines = Checkpoints.read(cache.file);
            for (int i = 2; i < lines.size(); i++) {
                String[] parts = lines.get(i).trim().split(" ");
                cache.entries.add(new EpochEntry(Integer.parseInt(parts[0]), Long.parseLong(parts[1])));
            }
        } catch (IOException | RuntimeException e) {
            // A damaged checkpoint is rebuilt from the batches' epochs by recovery.
            cache.entries.clear();
        }
        return cache;
    }

    /** Records that {@code epoch} starts at {@code offset}, if it is newer than the latest epoch. */
    synchronized void assign(int epoch, long offset) {
        if (epoch < 0 || (!entries.isEmpty() && entries.get(entries.size() - 1).epoch() >= epoch)) {
            return;
        }
        entries.add(new EpochEntry(epoch, offset));
        persist();
    }

    /** Forgets epochs that start at or after {@code offset} (the log was truncated there). */
    synchronized void truncateFromEnd(long offset) {
        boolean changed = entries.removeIf(e -> e.startOffset() >= offset);
        if (changed) {
            persist();
        }
    }

    /** Replaces everything (recovery rebuilt the epochs from the log). */
    synchronized void reset(List<EpochEntry> rebuilt) {
        if (!entries.equals(rebuilt)) {
            entries.clear();
            entries.addAll(rebuilt);
            persist();
        }
    }

    /**
     * The end of {@code epoch} in this log: the start offset of the first later epoch (or
     * {@code logEndOffset} when {@code epoch} is the latest), together with the largest epoch
     * <= {@code epoch} that this log has. Returns (-1, -1) when the log has no epoch <= it.
     */
    public synchronized EpochEnd endOffsetFor(int epoch, long logEndOffset) {
        EpochEntry found = null;
        for (int i = 0; i < entries.size(); i++) {
            EpochEntry e = entries.get(i);
            if (e.epoch() > epoch) {
                return found == null ? new EpochEnd(-1, -1) : new EpochEnd(found.epoch(), e.startOffset());
            }
            found = e;
        }
        return found == null ? new EpochEnd(-1, -1) : new EpochEnd(found.epoch(), logEndOffset);
    }

    public synchronized List<EpochEntry> entries() {
        return List.copyOf(entries);
    }

    public synchronized int latestEpoch() {
        return entries.isEmpty() ? -1 : entries.get(entries.size() - 1).epoch();
    }

    private void persist() {
        List<String> lines = new ArrayList<>();
        lines.add("0");
        lines.add(Integer.toString(entries.size()));
        entries.forEach(e -> lines.add(e.epoch() + " " + e.startOffset()));
        try {
            Checkpoints.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
