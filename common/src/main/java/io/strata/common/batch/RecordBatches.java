package io.strata.common.batch;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Iterates over consecutive batches in a region of bytes (a log segment, a fetch response).
 *
 * <p>Stops without error when the region ends: exactly at a batch boundary, or inside a batch (a
 * torn write, or a response cut at a size limit), in which case {@link #truncated()} becomes true
 * and {@link #validBytes()} tells where the whole batches end. A batchLength that is negative,
 * smaller than a batch header or larger than the maximum batch size, or a magic other than 2, is
 * corruption: {@link #hasNext()} throws {@link CorruptBatchException} and the iterator stays at
 * that batch. CRCs are not checked here; call {@link RecordBatch#ensureValid()} on each batch.
 *
 * <p>The region's own position and limit are not moved; batches share its bytes. Not thread-safe.
 */
public final class RecordBatches implements Iterator<RecordBatch> {
    private final ByteBuffer region;
    private final int maxBatchSize;
    private final int start;
    private int position;
    private boolean truncated;

    private RecordBatches(ByteBuffer region, int maxBatchSize) {
        this.region = region.duplicate();
        this.maxBatchSize = maxBatchSize;
        this.start = region.position();
        this.position = start;
    }

    /**
     * Iterates over the batches in {@code region}'s remaining bytes.
     *
     * @param maxBatchSize largest acceptable batch, in bytes including the 12-byte log overhead
     */
    public static RecordBatches scan(ByteBuffer region, int maxBatchSize) {
        if (maxBatchSize < BatchLayout.HEADER_SIZE) {
            throw new IllegalArgumentException("maxBatchSize " + maxBatchSize + " is smaller than a batch header ("
                    + BatchLayout.HEADER_SIZE + " bytes)");
        }
        return new RecordBatches(region, maxBatchSize);
    }

    /**
     * True if a whole batch starts at the current position.
     *
     * @throws CorruptBatchException if the next batch has an invalid batchLength or magic
     */
    @Override
    public boolean hasNext() {
        int remaining = region.limit() - position;
        if (remaining == 0) {
            return false;
        }
        if (remaining < BatchLayout.LOG_OVERHEAD) {
            truncated = true;
            return false;
        }
        long baseOffset = region.getLong(position + BatchLayout.BASE_OFFSET_OFFSET);
        int size;
        try {
            size = RecordBatch.checkedSize(baseOffset, region.getInt(position + BatchLayout.BATCH_LENGTH_OFFSET), maxBatchSize);
        } catch (CorruptBatchException e) {
            throw new CorruptBatchException(e.getMessage() + " at byte " + (position - start) + " of the region");
        }
        if (remaining < size) {
            truncated = true;
            return false;
        }
        byte magic = region.get(position + BatchLayout.MAGIC_OFFSET);
        if (magic != BatchLayout.MAGIC_V2) {
            throw new CorruptBatchException("batch at offset " + baseOffset + ": unsupported magic " + magic
                    + " (expected " + BatchLayout.MAGIC_V2 + ") at byte " + (position - start) + " of the region");
        }
        return true;
    }

    @Override
    public RecordBatch next() {
        if (!hasNext()) {
            throw new NoSuchElementException(truncated ? "the region ends inside a batch" : "no more batches");
        }
        ByteBuffer view = region.duplicate();
        view.position(position);
        RecordBatch batch = RecordBatch.readFrom(view, maxBatchSize);
        position = view.position();
        return batch;
    }

    /** Bytes of the whole batches returned by {@link #next()} so far, from the region's start. */
    public int validBytes() {
        return position - start;
    }

    /** True once {@link #hasNext()} found that the region ends inside a batch. */
    public boolean truncated() {
        return truncated;
    }
}
