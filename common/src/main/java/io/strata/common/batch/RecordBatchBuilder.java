package io.strata.common.batch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Accumulates records into one batch in the {@link BatchLayout} format and returns it, with
 * baseOffset 0, partitionLeaderEpoch -1 and a correct CRC-32C, from {@link #build()}.
 *
 * <p>Records are encoded straight into one growable buffer as they are appended (no per-record
 * objects). Record offset deltas are 0, 1, 2… in append order; timestamps are stored as deltas
 * from the base timestamp, which is the first record's unless set with {@link #baseTimestamp}.
 * Timestamps are {@link TimestampType#CREATE_TIME}. With a compression other than NONE the
 * records section is compressed as one block at {@link #build()}.
 *
 * <p>Not thread-safe: one thread appends and builds. A builder builds once.
 */
public final class RecordBatchBuilder {
    private static final int INITIAL_CAPACITY = 1024;

    private final Compression compression;
    private final long producerId;
    private final short producerEpoch;
    private final int baseSequence;
    private final GrowableBuffer buffer = new GrowableBuffer(INITIAL_CAPACITY);
    private boolean baseTimestampSet;
    private long baseTimestamp;
    private long maxTimestamp = Long.MIN_VALUE;
    private int recordCount;
    private boolean built;

    /** A builder for a batch without a producer id (not idempotent). */
    public RecordBatchBuilder(Compression compression) {
        this(compression, BatchLayout.NO_PRODUCER_ID, BatchLayout.NO_PRODUCER_EPOCH, BatchLayout.NO_SEQUENCE);
    }

    /** A builder for a batch of an idempotent producer: its id, epoch and the first record's sequence. */
    public RecordBatchBuilder(Compression compression, long producerId, short producerEpoch, int baseSequence) {
        if (compression == null) {
            throw new NullPointerException("compression");
        }
        this.compression = compression;
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
        buffer.skip(BatchLayout.HEADER_SIZE);
    }

    /**
     * Sets the batch's base timestamp instead of taking the first record's.
     *
     * @throws IllegalStateException if a record was already appended
     */
    public RecordBatchBuilder baseTimestamp(long timestamp) {
        if (recordCount > 0 || built) {
            throw new IllegalStateException("the base timestamp must be set before the first append");
        }
        baseTimestamp = timestamp;
        baseTimestampSet = true;
        return this;
    }

    /** Appends a record without headers. */
    public void append(long timestamp, byte[] key, byte[] value) {
        append(timestamp, key, value, List.of());
    }

    /**
     * Appends a record; {@code key} and {@code value} may be null, {@code headers} may be null
     * (no headers). The arrays are copied into the batch before this returns.
     *
     * @throws IllegalStateException after {@link #build()}
     */
    public void append(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        if (built) {
            throw new IllegalStateException("batch already built");
        }
        if (!baseTimestampSet) {
            baseTimestamp = timestamp;
            baseTimestampSet = true;
        }
        int headerCount = headers == null ? 0 : headers.size();
        long timestampDelta = timestamp - baseTimestamp;
        int offsetDelta = recordCount;

        long bodySize = 1L + Varint.sizeOfVarlong(timestampDelta) + Varint.sizeOfVarint(offsetDelta)
                + sizeOfBytes(key) + sizeOfBytes(value) + Varint.sizeOfVarint(headerCount);
        for (int i = 0; i < headerCount; i++) {
            Header h = headers.get(i);
            bodySize += sizeOfBytes(h.keyUtf8()) + sizeOfBytes(h.valueArray());
        }
        if (bodySize > Integer.MAX_VALUE - BatchLayout.HEADER_SIZE - buffer.size() - 5) {
            throw new IllegalArgumentException("record of " + bodySize + " bytes does not fit in a batch");
        }

        buffer.writeVarint((int) bodySize);
        buffer.write(0); // record attributes: unused
        buffer.writeVarlong(timestampDelta);
        buffer.writeVarint(offsetDelta);
        writeBytes(key);
        writeBytes(value);
        buffer.writeVarint(headerCount);
        for (int i = 0; i < headerCount; i++) {
            Header h = headers.get(i);
            writeBytes(h.keyUtf8());
            writeBytes(h.valueArray());
        }
        recordCount++;
        maxTimestamp = Math.max(maxTimestamp, timestamp);
    }

    public int recordCount() {
        return recordCount;
    }

    /**
     * Size of the batch if built now, in bytes. Exact for {@link Compression#NONE}; for other
     * compressions the uncompressed size (normally an over-estimate).
     */
    public int estimatedSizeInBytes() {
        return buffer.size();
    }

    /**
     * Finishes the batch: a buffer, position 0, limit = capacity = batch size, holding exactly one
     * batch with baseOffset 0 and partitionLeaderEpoch -1.
     *
     * @throws IllegalStateException if no record was appended or the batch was already built
     */
    public ByteBuffer build() {
        if (built) {
            throw new IllegalStateException("batch already built");
        }
        if (recordCount == 0) {
            throw new IllegalStateException("cannot build a batch without records");
        }
        built = true;
        GrowableBuffer out = buffer;
        if (compression != Compression.NONE) {
            int recordsSize = buffer.size() - BatchLayout.HEADER_SIZE;
            out = new GrowableBuffer(BatchLayout.HEADER_SIZE + recordsSize / 2 + 64);
            out.skip(BatchLayout.HEADER_SIZE);
            try {
                compression.compress(buffer.array(), BatchLayout.HEADER_SIZE, recordsSize, out);
            } catch (IOException e) {
                throw new UncheckedIOException(compression + " compression of a batch failed", e);
            }
        }
        int size = out.size();
        out.putLong(BatchLayout.BASE_OFFSET_OFFSET, 0L);
        out.putInt(BatchLayout.BATCH_LENGTH_OFFSET, size - BatchLayout.LOG_OVERHEAD);
        out.putInt(BatchLayout.PARTITION_LEADER_EPOCH_OFFSET, BatchLayout.NO_PARTITION_LEADER_EPOCH);
        out.array()[BatchLayout.MAGIC_OFFSET] = BatchLayout.MAGIC_V2;
        out.putShort(BatchLayout.ATTRIBUTES_OFFSET, (short) compression.id());
        out.putInt(BatchLayout.LAST_OFFSET_DELTA_OFFSET, recordCount - 1);
        out.putLong(BatchLayout.BASE_TIMESTAMP_OFFSET, baseTimestamp);
        out.putLong(BatchLayout.MAX_TIMESTAMP_OFFSET, maxTimestamp);
        out.putLong(BatchLayout.PRODUCER_ID_OFFSET, producerId);
        out.putShort(BatchLayout.PRODUCER_EPOCH_OFFSET, producerEpoch);
        out.putInt(BatchLayout.BASE_SEQUENCE_OFFSET, baseSequence);
        out.putInt(BatchLayout.RECORD_COUNT_OFFSET, recordCount);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), BatchLayout.CRC_COVERED_START, size - BatchLayout.CRC_COVERED_START);
        out.putInt(BatchLayout.CRC_OFFSET, (int) crc.getValue());
        return ByteBuffer.wrap(out.array(), 0, size).slice();
    }

    private static int sizeOfBytes(byte[] bytes) {
        return bytes == null ? 1 : Varint.sizeOfVarint(bytes.length) + bytes.length;
    }

    private void writeBytes(byte[] bytes) {
        if (bytes == null) {
            buffer.writeVarint(-1);
        } else {
            buffer.writeVarint(bytes.length);
            buffer.write(bytes);
        }
    }
}
