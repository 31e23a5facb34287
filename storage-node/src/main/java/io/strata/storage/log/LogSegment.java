package io.strata.storage.log;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.strata.common.batch.BatchLayout;
import io.strata.common.batch.CorruptBatchException;
import io.strata.common.batch.RecordBatch;
import io.strata.common.batch.RecordBatches;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * One segment of a partition log: {@code <baseOffset>.log} holding RecordBatch v2 batches back
 * to back (offsets assigned, dense), with its sparse {@code .index} and {@code .timeindex}
 * (see {@link SparseIndex}). File names are the base offset, 20 digits, zero-padded.
 *
 * <p>Only the active (last) segment is appended to. A rolled segment is fsynced and its index
 * files written; from then on it is immutable, and its channel and in-memory indexes are
 * released when idle and reloaded on demand.
 *
 * <p>Reads copy file bytes into the heap with positional reads ({@code pread}) rather than
 * wrapping a memory mapping: gRPC copies every outgoing message into its own buffers anyway, so
 * a mapping saves no copy, while copying out of mapped pages cost far more CPU than the kernel's
 * copy (in one profile of a consuming cluster, 28% of its CPU against 4% with {@code pread}). Only
 * recovery, which checks a whole segment once, scans it through a mapping.
 *
 * <p>Thread-safety: appends, truncation and rolling happen under the owning log's append
 * lock; reads may run concurrently from any thread; handle management is synchronized.
 */
final class LogSegment {
    /** Bytes read at once while walking batch headers, so that small batches cost no read each. */
    private static final int HEADER_WINDOW_BYTES = 8192;

    private final Path dir;
    private final long baseOffset;
    private final SparseIndex offsetIndex = SparseIndex.offsets();
    private final SparseIndex timeIndex = SparseIndex.timestamps();
    private volatile long size;
    private volatile long nextOffset;
    private volatile long maxTimestamp = -1;
    private volatile boolean indexesLoaded;
    private volatile long createdAtMs;
    private volatile long lastAccessMs;
    private long bytesSinceIndexEntry;
    private boolean sealed;
    private FileChannel channel;

    private LogSegment(Path dir, long baseOffset) {
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.nextOffset = baseOffset;
    }

    static String fileName(long baseOffset, String suffix) {
        return String.format("%020d%s", baseOffset, suffix);
    }

    Path logFile() {
        return dir.resolve(fileName(baseOffset, ".log"));
    }

    private Path indexFile() {
        return dir.resolve(fileName(baseOffset, ".index"));
    }

    private Path timeIndexFile() {
        return dir.resolve(fileName(baseOffset, ".timeindex"));
    }

    /** A new, empty active segment. */
    static LogSegment create(Path dir, long baseOffset, long nowMs) throws IOException {
        LogSegment s = new LogSegment(dir, baseOffset);
        s.channel = FileChannel.open(s.logFile(), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        s.channel.truncate(0);
        Files.deleteIfExists(s.indexFile());
        Files.deleteIfExists(s.timeIndexFile());
        s.indexesLoaded = true;
        s.createdAtMs = nowMs;
        s.lastAccessMs = nowMs;
        return s;
    }

    /**
     * Opens an existing segment by scanning every batch: CRC-32C, magic, sizes and dense offsets
     * are checked and the indexes rebuilt; the file is truncated at the first damaged batch.
     *
     * @param epochs receives (leader epoch, base offset) of every batch kept, in order
     * @return the opened segment; {@link #truncatedBytes()} tells whether damage was cut off
     */
    static LogSegment recover(Path dir, long baseOffset, int maxBatchBytes, int indexIntervalBytes,
                              EpochListener epochs, long nowMs) throws IOException {
        LogSegment s = new LogSegment(dir, baseOffset);
        s.channel = FileChannel.open(s.logFile(), StandardOpenOption.READ, StandardOpenOption.WRITE);
        s.recoverContent(maxBatchBytes, indexIntervalBytes, epochs);
        s.indexesLoaded = true;
        s.createdAtMs = nowMs;
        s.lastAccessMs = nowMs;
        return s;
    }

    /** Receives the epoch of each batch recovery keeps. */
    interface EpochListener {
        void batch(int epoch, long baseOffset);
    }

    private long truncatedBytes;

    long truncatedBytes() {
        return truncatedBytes;
    }

    private void recoverContent(int maxBatchBytes, int indexIntervalBytes, EpochListener epochs) throws IOException {
        long fileSize = channel.size();
        offsetIndex.clear();
        timeIndex.clear();
        long position = 0;
        long expected = baseOffset;
        long maxTs = -1;
        bytesSinceIndexEntry = Long.MAX_VALUE / 2;
        if (fileSize > 0) {
            MappedByteBuffer content = channel.map(FileChannel.MapMode.READ_ONLY, 0, fileSize);
            RecordBatches batches = RecordBatches.scan(content, maxBatchBytes);
            try {
                while (batches.hasNext()) {
                    RecordBatch b = batches.next();
                    if (!b.isValid() || b.baseOffset() != expected || b.recordCount() <= 0
                            || b.lastOffsetDelta() != b.recordCount() - 1) {
                        break;
                    }
                    indexBatch(b.baseOffset(), position, b.sizeInBytes(), b.maxTimestamp(), indexIntervalBytes);
                    epochs.batch(b.partitionLeaderEpoch(), b.baseOffset());
                    maxTs = Math.max(maxTs, b.maxTimestamp());
                    position += b.sizeInBytes();
                    expected = b.nextOffset();
                }
            } catch (CorruptBatchException e) {
                // the scan stops at the damaged batch; everything before it is kept
            }
        }
        size = position;
        nextOffset = expected;
        maxTimestamp = maxTs;
        truncatedBytes = fileSize - position;
        if (truncatedBytes > 0) {
            channel.truncate(position);
            channel.force(true);
        }
    }

    /**
     * Opens a segment that a clean checkpoint vouches for: loads its index files and finds its
     * end by walking batch headers from the last indexed batch. Falls back to
     * {@link #recover} when an index is missing or inconsistent.
     */
    static LogSegment open(Path dir, long baseOffset, int maxBatchBytes, int indexIntervalBytes,
                           EpochListener epochs, long nowMs) throws IOException {
        LogSegment s = new LogSegment(dir, baseOffset);
        long fileSize = Files.size(s.logFile());
        if (!s.offsetIndex.loadFrom(s.indexFile(), fileSize) || !s.timeIndex.loadFrom(s.timeIndexFile(), fileSize)
                || !s.findEnd(fileSize)) {
            return recover(dir, baseOffset, maxBatchBytes, indexIntervalBytes, epochs, nowMs);
        }
        s.indexesLoaded = true;
        s.sealed = true;
        s.createdAtMs = nowMs;
        s.lastAccessMs = nowMs;
        return s;
    }

    /** Walks headers from the last index entry to the end of the file; false if they do not end exactly there. */
    private boolean findEnd(long fileSize) throws IOException {
        int last = offsetIndex.count() - 1;
        long position = last < 0 ? 0 : offsetIndex.valueAt(last);
        long offset = last < 0 ? baseOffset : baseOffset + offsetIndex.keyAt(last);
        ByteBuffer header = ByteBuffer.allocate(BatchLayout.HEADER_SIZE);
        long maxTs = timeIndex.count() == 0 ? -1 : timeIndex.lastKey();
        try (FileChannel ch = FileChannel.open(logFile(), StandardOpenOption.READ)) {
            while (position < fileSize) {
                header.clear();
                if (readFully(ch, header, position) < BatchLayout.HEADER_SIZE) {
                    return false;
                }
                long batchBase = header.getLong(BatchLayout.BASE_OFFSET_OFFSET);
                int length = header.getInt(BatchLayout.BATCH_LENGTH_OFFSET);
                if (batchBase != offset || length < BatchLayout.MIN_BATCH_LENGTH) {
                    return false;
                }
                offset = batchBase + header.getInt(BatchLayout.LAST_OFFSET_DELTA_OFFSET) + 1;
                maxTs = Math.max(maxTs, header.getLong(BatchLayout.MAX_TIMESTAMP_OFFSET));
                position += length + BatchLayout.LOG_OVERHEAD;
            }
        }
        if (position != fileSize) {
            return false;
        }
        size = fileSize;
        nextOffset = offset;
        maxTimestamp = maxTs;
        return true;
    }

    private void indexBatch(long batchBase, long position, int batchSize, long batchMaxTs, int interval) {
        if (bytesSinceIndexEntry >= interval) {
            offsetIndex.append(batchBase - baseOffset, (int) position);
            if (batchMaxTs > timeIndex.lastKey()) {
                timeIndex.append(batchMaxTs, (int) (batchBase - baseOffset));
            }
            bytesSinceIndexEntry = 0;
        }
        bytesSinceIndexEntry += batchSize;
    }

    /**
     * Appends batches (offsets already assigned, starting at {@link #nextOffset()}) to the file.
     * Single writer; the data is in the page cache when this returns, not necessarily on disk.
     */
    void append(ByteBuffer data, List<RecordBatch> batches, int indexIntervalBytes) throws IOException {
        long position = size;
        ByteBuffer src = data.duplicate();
        long at = position;
        while (src.hasRemaining()) {
            at += channel.write(src, at);
        }
        long maxTs = maxTimestamp;
        for (RecordBatch b : batches) {
            indexBatch(b.baseOffset(), position, b.sizeInBytes(), b.maxTimestamp(), indexIntervalBytes);
            position += b.sizeInBytes();
            maxTs = Math.max(maxTs, b.maxTimestamp());
        }
        maxTimestamp = maxTs;
        nextOffset = batches.get(batches.size() - 1).nextOffset();
        size = position;
    }

    /** Fsyncs the log file (data only; the size is implied by the content, recovery rescans). */
    void flush() throws IOException {
        FileChannel ch = channel;
        if (ch != null && ch.isOpen()) {
            ch.force(false);
        }
    }

    /** Makes this segment immutable: fsyncs it and writes its index files. Under the append lock. */
    void seal() throws IOException {
        flush();
        offsetIndex.writeTo(indexFile());
        timeIndex.writeTo(timeIndexFile());
        sealed = true;
    }

    /** Removes every batch at or after {@code offset}; returns the bytes removed. Under the append lock. */
    long truncateTo(long offset) throws IOException {
        if (offset >= nextOffset) {
            return 0;
        }
        long position = positionOf(Math.max(offset, baseOffset));
        long removed = size - position;
        FileChannel ch = channel();
        ch.truncate(position);
        ch.force(true);
        offsetIndex.truncateValuesFrom((int) position);
        timeIndex.truncateValuesFrom((int) (offset - baseOffset));
        size = position;
        nextOffset = Math.max(offset, baseOffset);
        maxTimestamp = timeIndex.count() == 0 ? -1 : timeIndex.lastKey();
        // Batches after the last surviving time-index entry may hold larger timestamps.
        long p = timeIndex.count() == 0 ? 0 : positionOf(baseOffset + timeIndex.valueAt(timeIndex.count() - 1));
        for (BatchHeaders h = new BatchHeaders(p); h.position() < size; h.next()) {
            maxTimestamp = Math.max(maxTimestamp, h.header().getLong(h.at() + BatchLayout.MAX_TIMESTAMP_OFFSET));
        }
        if (sealed) {
            seal();
        }
        return removed;
    }

    /**
     * Position of the first batch whose last offset is >= {@code offset}: the sparse index gives
     * a batch at or before it, then batch headers are walked forward.
     */
    long positionOf(long offset) throws IOException {
        return seek(offset).position();
    }

    /** A header walk stopped at {@link #positionOf}{@code (offset)}. */
    private BatchHeaders seek(long offset) throws IOException {
        ensureIndexesLoaded();
        int entry = offsetIndex.floor(offset - baseOffset);
        long end = size;
        BatchHeaders h = new BatchHeaders(entry < 0 ? 0 : offsetIndex.valueAt(entry));
        for (; h.position() < end; h.next()) {
            ByteBuffer header = h.header();
            if (header.getLong(h.at() + BatchLayout.BASE_OFFSET_OFFSET)
                    + header.getInt(h.at() + BatchLayout.LAST_OFFSET_DELTA_OFFSET) >= offset) {
                break;
            }
        }
        return h;
    }

    /** Walks batch headers from a batch's position, reading {@link #HEADER_WINDOW_BYTES} at a time. */
    private final class BatchHeaders {
        private long position;
        private long windowStart;
        private ByteBuffer window = ByteBuffer.allocate(0);

        BatchHeaders(long position) {
            this.position = position;
        }

        long position() {
            return position;
        }

        /** The buffer holding the current batch's header, at {@link #at()}. */
        ByteBuffer header() throws IOException {
            if (position + BatchLayout.HEADER_SIZE > windowStart + window.limit()) {
                windowStart = position;
                window = copy(position, (int) Math.max(BatchLayout.HEADER_SIZE, Math.min(HEADER_WINDOW_BYTES, size - position)));
            }
            return window;
        }

        int at() {
            return (int) (position - windowStart);
        }

        void next() throws IOException {
            position += header().getInt(at() + BatchLayout.BATCH_LENGTH_OFFSET) + BatchLayout.LOG_OVERHEAD;
        }

        /**
         * The file's {@code length} bytes from the current position: a view of the window when it
         * holds them (a read at the tail, where the walk already read all there is), else a copy.
         */
        ByteBuffer bytes(int length) throws IOException {
            if (position >= windowStart && position + length <= windowStart + window.limit()) {
                return window.slice(at(), length);
            }
            return copy(position, length);
        }
    }

    /**
     * Whole batches from the one containing {@code offset}: at most {@code maxBytes} (but at
     * least one batch), only batches whose base offset is below {@code maxOffset}.
     *
     * @return the batches (possibly empty) and the offset after the last one
     */
    Slice read(long offset, int maxBytes, long maxOffset) throws IOException {
        BatchHeaders at = seek(offset);
        long start = at.position();
        long available = size - start;
        if (available <= 0) {
            return new Slice(ByteString.EMPTY, offset);
        }
        // One read of up to maxBytes, then whole batches of it: a batch per read would cost a
        // system call per batch.
        ByteBuffer data = at.bytes((int) Math.min(available, Math.max(maxBytes, BatchLayout.HEADER_SIZE)));
        int used = 0;
        long next = offset;
        while (used + BatchLayout.HEADER_SIZE <= data.limit()) {
            long batchBase = data.getLong(used + BatchLayout.BASE_OFFSET_OFFSET);
            int batchSize = data.getInt(used + BatchLayout.BATCH_LENGTH_OFFSET) + BatchLayout.LOG_OVERHEAD;
            if (batchBase >= maxOffset) {
                break;
            }
            if (used + batchSize > data.limit()) {
                if (used > 0) {
                    break;
                }
                if (batchSize > available) {
                    throw new IOException("batch at position " + start + " of " + logFile() + " claims " + batchSize
                            + " bytes; the segment holds " + available + " after it");
                }
                data = copy(start, batchSize); // a first batch larger than maxBytes is still returned
            }
            used += batchSize;
            next = batchBase + data.getInt(used - batchSize + BatchLayout.LAST_OFFSET_DELTA_OFFSET) + 1;
        }
        return new Slice(used == 0 ? ByteString.EMPTY
                : UnsafeByteOperations.unsafeWrap(data.array(), data.arrayOffset(), used), next);
    }

    /** Bytes read and the offset that follows them. */
    record Slice(ByteString data, long nextOffset) {
    }

    /** A heap copy of the file's bytes [position, position + length). */
    private ByteBuffer copy(long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        if (readFully(channel(), buf, position) < length) {
            throw new IOException(logFile() + " ended before position " + (position + length));
        }
        return buf.flip();
    }

    private synchronized FileChannel channel() throws IOException {
        lastAccessMs = System.currentTimeMillis();
        if (channel == null || !channel.isOpen()) {
            channel = FileChannel.open(logFile(), StandardOpenOption.READ);
        }
        return channel;
    }

    private synchronized void ensureIndexesLoaded() throws IOException {
        lastAccessMs = System.currentTimeMillis();
        if (!indexesLoaded) {
            if (!offsetIndex.loadFrom(indexFile(), size)) {
                // A sealed segment whose index went missing: an empty index still works (full scan).
                offsetIndex.clear();
            }
            indexesLoaded = true;
        }
    }

    /** Releases the channel and indexes of a sealed segment idle since {@code idleSinceMs}. */
    synchronized boolean releaseIfIdle(long idleSinceMs) throws IOException {
        if (!sealed || lastAccessMs > idleSinceMs || (channel == null && !indexesLoaded)) {
            return false;
        }
        if (channel != null) {
            channel.close();
            channel = null;
        }
        offsetIndex.clear();
        timeIndex.clear();
        indexesLoaded = false;
        return true;
    }

    /** Largest first-record-or-later timestamp index entry position for {@code timestamp}. */
    long offsetForTimestampHint(long timestamp) throws IOException {
        ensureTimeIndexLoaded();
        int i = timeIndex.floor(timestamp - 1);
        return i < 0 ? baseOffset : baseOffset + timeIndex.valueAt(i);
    }

    private synchronized void ensureTimeIndexLoaded() throws IOException {
        if (timeIndex.count() == 0 && sealed && Files.exists(timeIndexFile())) {
            timeIndex.loadFrom(timeIndexFile(), size);
        }
    }

    void close() throws IOException {
        synchronized (this) {
            if (channel != null) {
                channel.close();
                channel = null;
            }
        }
    }

    void delete() throws IOException {
        close();
        Files.deleteIfExists(logFile());
        Files.deleteIfExists(indexFile());
        Files.deleteIfExists(timeIndexFile());
    }

    private static int readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        int total = 0;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    long baseOffset() {
        return baseOffset;
    }

    long nextOffset() {
        return nextOffset;
    }

    long size() {
        return size;
    }

    long maxTimestamp() {
        return maxTimestamp;
    }

    long createdAtMs() {
        return createdAtMs;
    }

    boolean isEmpty() {
        return size == 0;
    }

    boolean isSealed() {
        return sealed;
    }

    /** Makes a segment opened from a clean shutdown the active one again: writable, not sealed. */
    synchronized void reopenForAppend() throws IOException {
        if (channel != null) {
            channel.close();
        }
        channel = FileChannel.open(logFile(), StandardOpenOption.READ, StandardOpenOption.WRITE);
        sealed = false;
        bytesSinceIndexEntry = 0;
    }

    static UncheckedIOException unchecked(Path file, String action, IOException e) {
        return new UncheckedIOException(action + " " + file + " failed: " + e.getMessage(), e);
    }
}
