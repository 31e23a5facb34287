package io.strata.storage.log;

import io.strata.common.batch.CorruptBatchException;
import io.strata.common.batch.RecordBatch;
import io.strata.common.batch.RecordBatches;
import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one partition replica: RecordBatch v2 batches back to back in a single file,
 * {@code 00000000000000000000.log}, with an in-memory index of every batch (base offset, file
 * position, max timestamp) rebuilt by scanning the file on open.
 *
 * <p>This is the walking skeleton's log: one file, no retention, fsync on every append. The
 * segmented engine (indexes on disk, retention, group commit) replaces it.
 *
 * <p>Crash safety: {@link #open} scans every batch, checks its CRC-32C and that offsets are
 * dense, and truncates the file at the first torn or corrupt batch, so nothing after damage is
 * ever served. An append is acknowledged only after {@code fsync}.
 *
 * <p>Thread-safety: appends are serialised by a lock; reads take no lock — they see a published
 * index snapshot and read only bytes it covers, which are never rewritten.
 */
public final class PartitionLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);
    static final String FILE_NAME = "00000000000000000000.log";

    private final Path file;
    private final FileChannel channel;
    private final int maxBatchBytes;
    private final Object appendLock = new Object();
    private volatile Index index;

    /** Batches of the log, appended in order; arrays are shared by successive snapshots. */
    private record Index(long[] baseOffsets, long[] positions, long[] maxTimestamps, int count,
                         long endOffset, long endPosition) {
        Index append(long baseOffset, long position, long maxTimestamp, long nextOffset, long nextPosition) {
            long[] b = baseOffsets;
            long[] p = positions;
            long[] t = maxTimestamps;
            if (count == b.length) {
                int cap = Math.max(16, count * 2);
                b = Arrays.copyOf(b, cap);
                p = Arrays.copyOf(p, cap);
                t = Arrays.copyOf(t, cap);
            }
            b[count] = baseOffset;
            p[count] = position;
            t[count] = maxTimestamp;
            return new Index(b, p, t, count + 1, nextOffset, nextPosition);
        }

        /** Index of the batch containing {@code offset} (count must be > 0 and offset in range). */
        int batchContaining(long offset) {
            int i = Arrays.binarySearch(baseOffsets, 0, count, offset);
            return i >= 0 ? i : -i - 2;
        }
    }

    /** What an append assigned. */
    public record AppendResult(long baseOffset, long lastOffset) {
    }

    private PartitionLog(Path file, FileChannel channel, int maxBatchBytes, Index index) {
        this.file = file;
        this.channel = channel;
        this.maxBatchBytes = maxBatchBytes;
        this.index = index;
    }

    /** Opens (creating if needed) the log in {@code dir}, recovering from a torn or corrupt tail. */
    public static PartitionLog open(Path dir, int maxBatchBytes) {
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(FILE_NAME);
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            Index index = recover(file, channel, maxBatchBytes);
            return new PartitionLog(file, channel, maxBatchBytes, index);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open partition log in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Index recover(Path file, FileChannel channel, int maxBatchBytes) throws IOException {
        long size = channel.size();
        Index index = new Index(new long[16], new long[16], new long[16], 0, 0, 0);
        if (size == 0) {
            return index;
        }
        ByteBuffer content = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        RecordBatches batches = RecordBatches.scan(content, maxBatchBytes);
        String damage = null;
        try {
            while (batches.hasNext()) {
                RecordBatch batch = batches.next();
                if (!batch.isValid()) {
                    damage = "CRC-32C mismatch in the batch at offset " + batch.baseOffset();
                    break;
                }
                if (batch.baseOffset() != index.endOffset()) {
                    damage = "batch base offset " + batch.baseOffset() + " where " + index.endOffset() + " was expected";
                    break;
                }
                index = index.append(batch.baseOffset(), index.endPosition(), batch.maxTimestamp(),
                        batch.nextOffset(), index.endPosition() + batch.sizeInBytes());
            }
            if (damage == null && batches.truncated()) {
                damage = "a torn batch at the end";
            }
        } catch (CorruptBatchException e) {
            damage = e.getMessage();
        }
        if (damage != null || index.endPosition() != size) {
            log.warn("{}: {}; truncating from {} to {} bytes (offsets below {} kept)", file,
                    damage == null ? "trailing bytes" : damage, size, index.endPosition(), index.endOffset());
            channel.truncate(index.endPosition());
            channel.force(true);
        }
        return index;
    }

    /**
     * Validates the batches in {@code batches} (CRC-32C, magic, size), assigns them consecutive
     * offsets from the log end and {@code leaderEpoch}, writes and fsyncs them. Rewrites the
     * buffer's offset and epoch fields in place. Nothing is written if any batch is invalid.
     */
    public AppendResult append(ByteBuffer batches, int leaderEpoch) {
        RecordBatch[] parsed = validate(batches);
        synchronized (appendLock) {
            Index current = index;
            long next = current.endOffset();
            long base = next;
            for (RecordBatch b : parsed) {
                b.setBaseOffset(next);
                b.setPartitionLeaderEpoch(leaderEpoch);
                next = b.nextOffset();
            }
            try {
                ByteBuffer data = batches.duplicate();
                long position = current.endPosition();
                while (data.hasRemaining()) {
                    position += channel.write(data, position);
                }
                channel.force(false);
            } catch (IOException e) {
                throw new UncheckedIOException("append to " + file + " failed: " + e.getMessage(), e);
            }
            Index updated = current;
            long position = current.endPosition();
            for (RecordBatch b : parsed) {
                updated = updated.append(b.baseOffset(), position, b.maxTimestamp(), b.nextOffset(),
                        position + b.sizeInBytes());
                position += b.sizeInBytes();
            }
            index = updated;
            return new AppendResult(base, next - 1);
        }
    }

    private RecordBatch[] validate(ByteBuffer batches) {
        RecordBatches it = RecordBatches.scan(batches, maxBatchBytes);
        java.util.List<RecordBatch> out = new java.util.ArrayList<>();
        try {
            while (it.hasNext()) {
                RecordBatch b = it.next();
                b.ensureValid();
                b.ensureDenseOffsets();
                out.add(b);
            }
        } catch (CorruptBatchException e) {
            throw new StrataException(ErrorReason.CORRUPT_BATCH, e.getMessage());
        }
        if (it.truncated() || it.validBytes() != batches.remaining()) {
            throw new StrataException(ErrorReason.CORRUPT_BATCH, "the data ends inside a batch after "
                    + it.validBytes() + " of " + batches.remaining() + " bytes (or a batch exceeds "
                    + maxBatchBytes + " bytes)");
        }
        if (out.isEmpty()) {
            throw new StrataException(ErrorReason.INVALID_ARGUMENT, "the append holds no record batches");
        }
        return out.toArray(new RecordBatch[0]);
    }

    /**
     * Reads whole batches starting with the one containing {@code offset}, up to {@code maxBytes}
     * (but always at least one batch), not past {@code maxOffset} (exclusive).
     *
     * @return the batches, empty when {@code offset} is the end
     * @throws StrataException OFFSET_OUT_OF_RANGE when offset lies outside [start, end]
     */
    public ByteBuffer read(long offset, int maxBytes, long maxOffset) {
        Index idx = index;
        long end = Math.min(idx.endOffset(), maxOffset);
        if (offset < 0 || offset > end) {
            throw new StrataException(ErrorReason.OFFSET_OUT_OF_RANGE, "offset " + offset
                    + " is outside the readable range [0, " + end + "] of " + file.getParent().getFileName());
        }
        if (offset == end) {
            return ByteBuffer.allocate(0);
        }
        int first = idx.batchContaining(offset);
        long from = idx.positions()[first];
        int last = first;
        while (last + 1 < idx.count() && idx.baseOffsets()[last + 1] < end
                && positionAfter(idx, last + 1) - from <= maxBytes) {
            last++;
        }
        long to = positionAfter(idx, last);
        ByteBuffer out = ByteBuffer.allocate((int) (to - from));
        try {
            while (out.hasRemaining()) {
                int n = channel.read(out, from + out.position());
                if (n < 0) {
                    throw new IOException("unexpected end of file at " + (from + out.position()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("read of " + file + " failed: " + e.getMessage(), e);
        }
        return out.flip();
    }

    private static long positionAfter(Index idx, int batch) {
        return batch + 1 < idx.count() ? idx.positions()[batch + 1] : idx.endPosition();
    }

    /**
     * The first offset whose record timestamp is >= {@code timestamp}, found through the
     * batches' max timestamps and then the records of the one batch; the end offset if none.
     */
    public long offsetForTimestamp(long timestamp) {
        Index idx = index;
        for (int i = 0; i < idx.count(); i++) {
            if (idx.maxTimestamps()[i] >= timestamp) {
                RecordBatch batch = RecordBatch.readFrom(read(idx.baseOffsets()[i], 0, idx.endOffset()));
                for (io.strata.common.batch.Record r : batch.records()) {
                    if (r.timestamp() >= timestamp) {
                        return r.offset();
                    }
                }
                return batch.nextOffset();
            }
        }
        return idx.endOffset();
    }

    public long logStartOffset() {
        return 0;
    }

    /** The offset the next appended record gets. */
    public long logEndOffset() {
        return index.endOffset();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("closing {} failed", file, e);
        }
    }
}
