package io.strata.storage.log;

import com.google.protobuf.ByteString;
import io.strata.common.batch.CorruptBatchException;
import io.strata.common.batch.Record;
import io.strata.common.batch.RecordBatch;
import io.strata.common.batch.RecordBatches;
import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one partition replica: a directory of {@link LogSegment}s, the last of which is
 * active, plus two checkpoint files.
 *
 * <pre>
 * &lt;dir&gt;/00000000000000000000.log        batches back to back (RecordBatch v2)
 *        00000000000000000000.index      sparse offset → position (written when sealed)
 *        00000000000000000000.timeindex  sparse max timestamp → offset (written when sealed)
 *        00000000000000052311.log …      the next segment, named by its base offset
 *        recovery-point                  offset up to which segments are sealed and synced; "clean" after a clean close
 *        leader-epoch-checkpoint         epoch → first offset, see {@link LeaderEpochCache}
 * </pre>
 *
 * <p><b>Appends</b> are validated (CRC-32C, magic, sizes, dense offsets) before anything is
 * written, then get consecutive offsets and the leader epoch written into their headers (the
 * CRC does not cover those fields). Durability follows the topic's flush policy: with
 * {@code flush=batch} the returned future completes only after an fsync covering the append
 * ({@link GroupCommit}). A segment is rolled when it would exceed {@code segment.bytes} or is
 * older than {@code segment.ms}; rolling seals it (fsync, index files) and advances the
 * recovery point.
 *
 * <p><b>Crash recovery.</b> On open, segments wholly below the recovery point are trusted
 * (their index files are checked and their end found by walking batch headers); everything
 * after it is scanned batch by batch (CRC, offsets) with indexes rebuilt, and the log is
 * truncated at the first damaged batch — later segments included — so nothing from the damage
 * onward is ever served.
 *
 * <p><b>Retention</b> deletes whole sealed segments by age ({@code retention.ms}, newest record)
 * and size ({@code retention.bytes}) and advances the log start offset.
 *
 * <p><b>Thread-safety.</b> Appends, rolls, truncation and retention are serialised by the
 * append lock; reads take no lock: they use the segment map and the published end offset, and
 * only read bytes below it, which are never rewritten (truncation aside).
 */
public final class PartitionLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);
    static final String RECOVERY_POINT_FILE = "recovery-point";
    private static final ExecutorService SHARED_FLUSHER = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "log-flush-shared");
        t.setDaemon(true);
        return t;
    });

    private final Path dir;
    private final LongSupplier clock;
    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final LeaderEpochCache epochs;
    private final Object appendLock = new Object();
    private final GroupCommit groupCommit;
    private volatile LogConfig config;
    private volatile LogSegment active;
    private volatile long logStartOffset;
    private volatile long endOffset;
    private long recoveryPoint;
    private volatile boolean closed;
    private volatile LongSupplier committedEnd = () -> Long.MAX_VALUE;

    /** What an append assigned. */
    public record AppendResult(long baseOffset, long lastOffset) {
    }

    private PartitionLog(Path dir, LogConfig config, LongSupplier clock, Executor flusher, LongConsumer fsyncNanos)
            throws IOException {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.epochs = LeaderEpochCache.load(dir);
        loadSegments();
        this.groupCommit = new GroupCommit(this::flushActive, flusher, endOffset, () -> endOffset, fsyncNanos);
    }

    /** Opens (creating if needed) the log in {@code dir} with default topic settings. For tools and tests. */
    public static PartitionLog open(Path dir, int maxBatchBytes) {
        return open(dir, LogConfig.defaults(maxBatchBytes), System::currentTimeMillis, SHARED_FLUSHER, nanos -> { });
    }

    /**
     * Opens (creating if needed) the log in {@code dir}, recovering what a crash left.
     *
     * @param flusher    runs fsyncs for group commit; shared by the logs of a node
     * @param fsyncNanos told how long each group-commit fsync took (metrics)
     */
    public static PartitionLog open(Path dir, LogConfig config, LongSupplier clock, Executor flusher,
                                    LongConsumer fsyncNanos) {
        try {
            Files.createDirectories(dir);
            return new PartitionLog(dir, config, clock, flusher, fsyncNanos);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open partition log in " + dir + ": " + e.getMessage(), e);
        }
    }

    private void loadSegments() throws IOException {
        TreeSet<Long> bases = new TreeSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(".log") && name.length() == 24) {
                    bases.add(Long.parseLong(name.substring(0, 20)));
                } else if (name.endsWith(".tmp") || name.endsWith(".deleted")) {
                    Files.delete(f);
                }
            }
        }
        List<String> checkpoint = Checkpoints.read(dir.resolve(RECOVERY_POINT_FILE));
        long point = checkpoint.isEmpty() ? -1 : Long.parseLong(checkpoint.get(0).trim());
        boolean clean = checkpoint.size() > 1 && checkpoint.get(1).trim().equals("clean");
        List<Long> list = new ArrayList<>(bases);
        long now = clock.getAsLong();
        long scannedBytes = 0;
        for (int i = 0; i < list.size(); i++) {
            long base = list.get(i);
            boolean last = i == list.size() - 1;
            boolean trusted = last ? clean : list.get(i + 1) <= point;
            LogSegment s = trusted
                    ? LogSegment.open(dir, base, config.maxBatchBytes(), config.indexIntervalBytes(), epochs::assign, now)
                    : LogSegment.recover(dir, base, config.maxBatchBytes(), config.indexIntervalBytes(), epochs::assign, now);
            if (trusted && last && s.nextOffset() != point) {
                s.close();
                s = LogSegment.recover(dir, base, config.maxBatchBytes(), config.indexIntervalBytes(), epochs::assign, now);
            }
            if (!trusted) {
                scannedBytes += s.size() + s.truncatedBytes();
            }
            if (s.truncatedBytes() > 0) {
                log.warn("{}: truncated {} damaged bytes from segment {}; the log now ends at offset {}", dir,
                        s.truncatedBytes(), base, s.nextOffset());
            }
            segments.put(base, s);
            if (!last && s.nextOffset() != list.get(i + 1)) {
                log.warn("{}: segment {} ends at offset {} but the next starts at {}; deleting every later segment",
                        dir, base, s.nextOffset(), list.get(i + 1));
                for (int j = i + 1; j < list.size(); j++) {
                    LogSegment.recover(dir, list.get(j), config.maxBatchBytes(), config.indexIntervalBytes(),
                            (e, o) -> { }, now).delete();
                }
                break;
            }
        }
        if (segments.isEmpty()) {
            segments.put(0L, LogSegment.create(dir, 0, now));
        }
        active = segments.lastEntry().getValue();
        if (active.isSealed()) {
            active.reopenForAppend();
        }
        endOffset = active.nextOffset();
        logStartOffset = segments.firstKey();
        epochs.truncateFromEnd(endOffset);
        recoveryPoint = active.baseOffset();
        // After a clean close nothing changed: the clean mark stays valid, because any later
        // append moves the active segment's end past it and so forces a scan after a crash.
        if (!(clean && point == endOffset)) {
            active.flush();
            writeRecoveryPoint(false);
        }
        if (scannedBytes > 0) {
            log.info("{}: recovered {} bytes after the recovery point; log is [{}, {})", dir, scannedBytes,
                    logStartOffset, endOffset);
        }
    }

    private void writeRecoveryPoint(boolean clean) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(Long.toString(clean ? endOffset : recoveryPoint));
        if (clean) {
            lines.add("clean");
        }
        Checkpoints.write(dir.resolve(RECOVERY_POINT_FILE), lines);
    }

    /** Appends and waits for durability; see {@link #appendAsync}. */
    public AppendResult append(ByteBuffer batches, int leaderEpoch) {
        try {
            return appendAsync(batches, leaderEpoch).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * Validates {@code batches} (one or more whole batches), assigns them consecutive offsets
     * from the log end and {@code leaderEpoch} (rewriting those header fields in the buffer),
     * and writes them. The future completes when the data is as durable as the flush policy
     * asks: after an fsync covering it for {@code flush=batch}, at once otherwise. Nothing is
     * written when any batch is invalid (CORRUPT_BATCH) or too large (RECORD_TOO_LARGE).
     */
    public CompletableFuture<AppendResult> appendAsync(ByteBuffer batches, int leaderEpoch) {
        return append(batches, leaderEpoch, true);
    }

    /**
     * Appends batches copied from the leader as they are (offsets and epochs already assigned).
     * The first batch must start at the log end; the future completes when the data is as
     * durable as the flush policy asks.
     *
     * @throws StrataException CORRUPT_BATCH for damaged batches, OFFSET_OUT_OF_RANGE when the
     *     batches do not continue this log
     */
    public CompletableFuture<AppendResult> appendAsFollower(ByteBuffer batches) {
        return append(batches, -1, false);
    }

    private CompletableFuture<AppendResult> append(ByteBuffer batches, int leaderEpoch, boolean assignOffsets) {
        LogConfig cfg = config;
        List<RecordBatch> parsed = validate(batches, cfg);
        CompletableFuture<Void> durable;
        AppendResult result;
        synchronized (appendLock) {
            ensureOpen();
            LogSegment segment = active;
            long now = clock.getAsLong();
            if (!segment.isEmpty() && (segment.size() + batches.remaining() > cfg.segmentBytes()
                    || now - segment.createdAtMs() > cfg.segmentMs())) {
                segment = roll(now);
            }
            long next = endOffset;
            long base = next;
            for (RecordBatch b : parsed) {
                if (assignOffsets) {
                    b.setBaseOffset(next);
                    b.setPartitionLeaderEpoch(leaderEpoch);
                } else if (b.baseOffset() != next) {
                    throw new StrataException(ErrorReason.OFFSET_OUT_OF_RANGE, "replicated batch at offset "
                            + b.baseOffset() + " does not continue " + dir.getFileName() + " at " + next);
                }
                epochs.assign(b.partitionLeaderEpoch(), b.baseOffset());
                next = b.nextOffset();
            }
            try {
                segment.append(batches, parsed, cfg.indexIntervalBytes());
            } catch (IOException e) {
                throw LogSegment.unchecked(segment.logFile(), "append to", e);
            }
            endOffset = next;
            result = new AppendResult(base, next - 1);
            durable = cfg.flush() instanceof LogConfig.FlushPolicy.Batch
                    ? groupCommit.awaitDurable(next)
                    : CompletableFuture.completedFuture(null);
        }
        return durable.thenApply(v -> result);
    }

    private static List<RecordBatch> validate(ByteBuffer batches, LogConfig cfg) {
        RecordBatches it = RecordBatches.scan(batches, Integer.MAX_VALUE);
        List<RecordBatch> out = new ArrayList<>();
        try {
            while (it.hasNext()) {
                RecordBatch b = it.next();
                if (b.sizeInBytes() > cfg.maxBatchBytes()) {
                    throw new StrataException(ErrorReason.RECORD_TOO_LARGE, "a batch of " + b.sizeInBytes()
                            + " bytes exceeds the limit of " + cfg.maxBatchBytes() + " bytes");
                }
                b.ensureValid();
                b.ensureDenseOffsets();
                out.add(b);
            }
        } catch (CorruptBatchException e) {
            throw new StrataException(ErrorReason.CORRUPT_BATCH, e.getMessage());
        }
        if (it.truncated() || it.validBytes() != batches.remaining()) {
            throw new StrataException(ErrorReason.CORRUPT_BATCH, "the data ends inside a batch after "
                    + it.validBytes() + " of " + batches.remaining() + " bytes");
        }
        if (out.isEmpty()) {
            throw new StrataException(ErrorReason.INVALID_ARGUMENT, "the append holds no record batches");
        }
        return out;
    }

    /** Seals the active segment and starts a new one at the log end. Under the append lock. */
    private LogSegment roll(long now) {
        LogSegment old = active;
        try {
            old.seal();
            LogSegment next = LogSegment.create(dir, endOffset, now);
            segments.put(endOffset, next);
            active = next;
            groupCommit.advanceTo(endOffset);
            recoveryPoint = next.baseOffset();
            writeRecoveryPoint(false);
            return next;
        } catch (IOException e) {
            throw LogSegment.unchecked(old.logFile(), "rolling", e);
        }
    }

    /** Group-commit flush: fsync the active segment; returns the offset now durable. */
    private long flushActive() throws IOException {
        long target = endOffset;
        active.flush();
        return target;
    }

    /** Starts an fsync of everything appended so far (the {@code flush=interval} policy). */
    public void flushAsync() {
        groupCommit.awaitDurable(endOffset);
    }

    /**
     * Whole batches from the one containing {@code offset}: at most {@code maxBytes} (at least one
     * batch), only batches whose base offset is below {@code maxOffset}, never crossing a segment.
     * Empty from {@code maxOffset} up to the log end: a consumer may already hold offsets up to
     * a previous leader's high watermark, which this log has but not yet below its own.
     *
     * @throws StrataException OFFSET_OUT_OF_RANGE naming the log's range when {@code offset}
     *     is below the log start or above the log end
     */
    public ByteString read(long offset, int maxBytes, long maxOffset) {
        for (int attempt = 0; ; attempt++) {
            long start = logStartOffset;
            long logEnd = endOffset;
            if (offset < start || offset > logEnd) {
                throw new StrataException(ErrorReason.OFFSET_OUT_OF_RANGE, "offset " + offset
                        + " is outside the range [" + start + ", " + logEnd + "] of " + dir.getFileName());
            }
            long end = Math.min(logEnd, maxOffset);
            if (offset >= end) {
                return ByteString.EMPTY;
            }
            try {
                Map.Entry<Long, LogSegment> e = segments.floorEntry(offset);
                while (e != null) {
                    LogSegment.Slice slice = e.getValue().read(offset, maxBytes, end);
                    if (!slice.data().isEmpty()) {
                        return slice.data();
                    }
                    e = segments.higherEntry(e.getKey());
                }
                return ByteString.EMPTY;
            } catch (ClosedChannelException | NoSuchFileException e) {
                // Closed (the replica was removed from this node): NOT_LEADER, so callers look elsewhere.
                ensureOpen();
                if (attempt > 0) {
                    throw new UncheckedIOException("read of " + dir + " at " + offset + " failed", e);
                }
                // a segment was deleted by retention or closed as idle meanwhile: look again
            } catch (IOException e) {
                throw new UncheckedIOException("read of " + dir + " at " + offset + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** The first offset whose record timestamp is >= {@code timestamp}; the log end if none. */
    public long offsetForTimestamp(long timestamp) {
        for (LogSegment s : segments.values()) {
            if (s.maxTimestamp() < timestamp) {
                continue;
            }
            try {
                long from = Math.max(s.offsetForTimestampHint(timestamp), logStartOffset);
                while (from < s.nextOffset()) {
                    ByteString chunk = s.read(from, 1 << 20, endOffset).data();
                    if (chunk.isEmpty()) {
                        break;
                    }
                    RecordBatches batches = RecordBatches.scan(chunk.asReadOnlyByteBuffer(), Integer.MAX_VALUE);
                    while (batches.hasNext()) {
                        RecordBatch b = batches.next();
                        from = b.nextOffset();
                        if (b.maxTimestamp() >= timestamp) {
                            for (Record r : b.records()) {
                                if (r.timestamp() >= timestamp) {
                                    return r.offset();
                                }
                            }
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("timestamp lookup in " + dir + " failed: " + e.getMessage(), e);
            }
        }
        return endOffset;
    }

    /**
     * Removes every record at or after {@code offset} (a follower diverged from its leader).
     * Leader epochs starting there are forgotten too.
     */
    public void truncateTo(long offset) {
        synchronized (appendLock) {
            ensureOpen();
            if (offset >= endOffset) {
                return;
            }
            if (offset < logStartOffset) {
                throw new StrataException(ErrorReason.OFFSET_OUT_OF_RANGE, "cannot truncate " + dir.getFileName()
                        + " to " + offset + ", below its start " + logStartOffset);
            }
            try {
                while (segments.size() > 1 && segments.lastKey() > offset) {
                    segments.pollLastEntry().getValue().delete();
                }
                LogSegment last = segments.lastEntry().getValue();
                last.truncateTo(offset);
                if (last.isSealed()) {
                    last.reopenForAppend();
                }
                active = last;
                endOffset = offset;
                epochs.truncateFromEnd(offset);
                groupCommit.resetTo(Math.min(groupCommit.durableOffset(), offset));
                recoveryPoint = Math.min(recoveryPoint, last.baseOffset());
                writeRecoveryPoint(false);
            } catch (IOException e) {
                throw new UncheckedIOException("truncating " + dir + " to " + offset + " failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Deletes every segment and starts the log again, empty, at {@code offset}: a follower whose
     * next offset its leader no longer has (retention deleted it there), so nothing it holds
     * can be continued. Leader epochs are forgotten too. Newest segments go first, so a crash
     * midway leaves a shorter but contiguous log (which the follower then empties again).
     */
    public void truncateFullyAndStartAt(long offset) {
        synchronized (appendLock) {
            ensureOpen();
            try {
                while (!segments.isEmpty()) {
                    segments.pollLastEntry().getValue().delete();
                }
                LogSegment fresh = LogSegment.create(dir, offset, clock.getAsLong());
                segments.put(offset, fresh);
                active = fresh;
                logStartOffset = offset;
                endOffset = offset;
                epochs.reset(List.of());
                groupCommit.resetTo(offset);
                recoveryPoint = offset;
                writeRecoveryPoint(false);
            } catch (IOException e) {
                throw new UncheckedIOException("restarting " + dir + " at " + offset + " failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Bounds retention to offsets below what {@code committedEnd} returns (the replica's high
     * watermark): data not yet held by every in-sync replica is never deleted, so the log start
     * offset never passes the high watermark and a follower that restarts from it skips nothing
     * uncommitted.
     */
    public void limitRetentionTo(LongSupplier committedEnd) {
        this.committedEnd = committedEnd;
    }

    /** The offset below which retention may delete: durable and committed. */
    public long retentionLimit() {
        return Math.min(durableEndOffset(), committedEnd.getAsLong());
    }

    /**
     * Deletes sealed segments that retention no longer keeps — by age of their newest record
     * and by the total size — but none holding offsets at or above {@code maxDeletableOffset}.
     *
     * @return the number of segments deleted
     */
    public int deleteExpiredSegments(long maxDeletableOffset) {
        synchronized (appendLock) {
            if (closed) {
                return 0;
            }
            LogConfig cfg = config;
            long now = clock.getAsLong();
            long total = size();
            int deleted = 0;
            while (segments.size() > 1) {
                Map.Entry<Long, LogSegment> first = segments.firstEntry();
                LogSegment s = first.getValue();
                long next = segments.higherKey(first.getKey());
                if (s == active || next > maxDeletableOffset) {
                    break;
                }
                boolean byTime = cfg.retentionMs() >= 0 && s.maxTimestamp() >= 0 && now - s.maxTimestamp() > cfg.retentionMs();
                boolean bySize = cfg.retentionBytes() >= 0 && total - s.size() >= cfg.retentionBytes();
                if (!byTime && !bySize) {
                    break;
                }
                segments.remove(first.getKey());
                logStartOffset = next;
                total -= s.size();
                try {
                    s.delete();
                } catch (IOException e) {
                    log.warn("{}: could not delete segment {}", dir, s.baseOffset(), e);
                }
                deleted++;
            }
            return deleted;
        }
    }

    /** Releases file handles, mappings and indexes of sealed segments not read since {@code idleSinceMs}. */
    public int releaseIdleSegments(long idleSinceMs) {
        int released = 0;
        for (LogSegment s : segments.values()) {
            try {
                if (s != active && s.releaseIfIdle(idleSinceMs)) {
                    released++;
                }
            } catch (IOException e) {
                log.debug("releasing {} failed", s.logFile(), e);
            }
        }
        return released;
    }

    /** Where {@code epoch} ends in this log (for leader-epoch truncation by followers). */
    public LeaderEpochCache.EpochEnd endOffsetForEpoch(int epoch) {
        return epochs.endOffsetFor(epoch, endOffset);
    }

    public List<LeaderEpochCache.EpochEntry> leaderEpochs() {
        return epochs.entries();
    }

    public void updateConfig(LogConfig newConfig) {
        this.config = newConfig;
    }

    public LogConfig config() {
        return config;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    /** The offset the next appended record gets. */
    public long logEndOffset() {
        return endOffset;
    }

    /** The offset below which data is known to be on disk (the log end unless {@code flush=batch} is pending). */
    public long durableEndOffset() {
        return config.flush() instanceof LogConfig.FlushPolicy.Batch ? groupCommit.durableOffset() : endOffset;
    }

    /** Bytes of all segments. */
    public long size() {
        long total = 0;
        for (LogSegment s : segments.values()) {
            total += s.size();
        }
        return total;
    }

    public int segmentCount() {
        return segments.size();
    }

    public Path dir() {
        return dir;
    }

    private void ensureOpen() {
        if (closed) {
            throw new StrataException(ErrorReason.NOT_LEADER, "the log " + dir.getFileName() + " is closed");
        }
    }

    /** Clean close: seals the active segment and records a clean recovery point, so reopening scans nothing. */
    @Override
    public void close() {
        synchronized (appendLock) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                active.seal();
                writeRecoveryPoint(true);
            } catch (IOException e) {
                log.warn("{}: unclean close ({}); it will be recovered on open", dir, e.toString());
            }
            for (LogSegment s : segments.values()) {
                try {
                    s.close();
                } catch (IOException e) {
                    log.debug("closing {} failed", s.logFile(), e);
                }
            }
        }
    }
}
