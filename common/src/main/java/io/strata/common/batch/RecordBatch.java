package io.strata.common.batch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A view over exactly one record batch in the Kafka RecordBatch v2 layout (see
 * {@link BatchLayout}). Nothing is copied or decoded up front: header accessors read the buffer,
 * {@link #records()} decodes (and decompresses) on iteration.
 *
 * <p>Obtaining a view checks only that the header is present; call {@link #ensureValid()} before
 * trusting the header fields or decoding records of untrusted bytes (network, disk).
 *
 * <p>{@link #setBaseOffset} and {@link #setPartitionLeaderEpoch} rewrite the buffer in place
 * (the caller's bytes) and leave the CRC valid, since it does not cover those fields.
 *
 * <p>Thread-safety: readers may share a view (accessors use absolute reads and never move the
 * buffer); the setters must not run concurrently with any other use of the same bytes.
 */
public final class RecordBatch {
    /** Default limit on the decompressed size of a batch's records, see {@link #records(int)}. */
    public static final int DEFAULT_MAX_DECOMPRESSED_BYTES = Integer.MAX_VALUE - 8;

    private final ByteBuffer buf;

    private RecordBatch(ByteBuffer buf) {
        this.buf = buf;
    }

    /**
     * A view of the remaining bytes of {@code buffer}, which must hold exactly one batch (checked
     * by {@link #ensureValid()}). Shares the bytes; the buffer's position is not moved.
     *
     * @throws CorruptBatchException if fewer bytes than a batch header remain
     */
    public static RecordBatch wrap(ByteBuffer buffer) {
        if (buffer.remaining() < BatchLayout.HEADER_SIZE) {
            throw new CorruptBatchException("batch truncated: " + buffer.remaining()
                    + " bytes, less than the " + BatchLayout.HEADER_SIZE + "-byte batch header");
        }
        return new RecordBatch(buffer.slice());
    }

    /**
     * Reads the batch that starts at {@code buffer}'s position and advances the position past it.
     * Equivalent to {@code readFrom(buffer, Integer.MAX_VALUE)}.
     */
    public static RecordBatch readFrom(ByteBuffer buffer) {
        return readFrom(buffer, Integer.MAX_VALUE);
    }

    /**
     * Reads the batch that starts at {@code buffer}'s position and advances the position past it.
     * The view shares the bytes. Only the length is checked, not the CRC.
     *
     * @param maxBatchSize largest acceptable batch, in bytes including the 12-byte log overhead
     * @throws CorruptBatchException if the batchLength is negative, smaller than a header or
     *     larger than {@code maxBatchSize}, or if the buffer ends before the batch does; the
     *     position is then unchanged
     */
    public static RecordBatch readFrom(ByteBuffer buffer, int maxBatchSize) {
        int pos = buffer.position();
        int remaining = buffer.remaining();
        if (remaining < BatchLayout.LOG_OVERHEAD) {
            throw new CorruptBatchException("batch truncated: " + remaining + " bytes, less than the "
                    + BatchLayout.LOG_OVERHEAD + " bytes of baseOffset and batchLength");
        }
        long baseOffset = buffer.getLong(pos + BatchLayout.BASE_OFFSET_OFFSET);
        int size = checkedSize(baseOffset, buffer.getInt(pos + BatchLayout.BATCH_LENGTH_OFFSET), maxBatchSize);
        if (remaining < size) {
            throw new CorruptBatchException("batch at offset " + baseOffset + " truncated: batch is " + size
                    + " bytes but only " + remaining + " remain");
        }
        ByteBuffer slice = buffer.slice();
        slice.limit(size);
        buffer.position(pos + size);
        return new RecordBatch(slice);
    }

    /**
     * The total size in bytes announced by a batchLength field.
     *
     * @throws CorruptBatchException if it is out of range
     */
    static int checkedSize(long baseOffset, int batchLength, int maxBatchSize) {
        long size = (long) batchLength + BatchLayout.LOG_OVERHEAD;
        if (batchLength < BatchLayout.MIN_BATCH_LENGTH || size > maxBatchSize) {
            throw new CorruptBatchException("batch at offset " + baseOffset + ": invalid batchLength " + batchLength
                    + " (expected " + BatchLayout.MIN_BATCH_LENGTH + " to " + ((long) maxBatchSize - BatchLayout.LOG_OVERHEAD)
                    + ", i.e. a batch of " + BatchLayout.HEADER_SIZE + " to " + maxBatchSize + " bytes)");
        }
        return (int) size;
    }

    /**
     * Checks everything that can be checked without decoding records: batchLength matches the
     * view's size, magic is 2, the compression id is known, lastOffsetDelta and recordCount are
     * not negative, and the stored CRC-32C equals the CRC-32C of bytes [attributes, end).
     *
     * @throws CorruptBatchException naming the batch's base offset and expected vs actual values
     */
    public void ensureValid() {
        int size = buf.limit();
        if ((long) batchLength() + BatchLayout.LOG_OVERHEAD != size) {
            throw corrupt("batchLength " + batchLength() + " does not match the batch size (expected "
                    + (size - BatchLayout.LOG_OVERHEAD) + " for " + size + " bytes)");
        }
        if (magic() != BatchLayout.MAGIC_V2) {
            throw corrupt("unsupported magic " + magic() + " (expected " + BatchLayout.MAGIC_V2 + ")");
        }
        int compressionId = attributes() & BatchLayout.COMPRESSION_MASK;
        if (compressionId > Compression.ZSTD.id()) {
            throw corrupt("unknown compression id " + compressionId + " (expected 0-4)");
        }
        if (lastOffsetDelta() < 0) {
            throw corrupt("negative lastOffsetDelta " + lastOffsetDelta());
        }
        if (recordCount() < 0) {
            throw corrupt("negative recordCount " + recordCount());
        }
        long stored = crc();
        long computed = computeCrc();
        if (stored != computed) {
            throw corrupt(String.format("CRC-32C mismatch (stored 0x%08x, computed 0x%08x)", stored, computed));
        }
    }

    /**
     * Everything a producer's batch must satisfy before it is appended, beyond
     * {@link #ensureValid()}: at least one record, offsets dense from delta 0 to
     * lastOffsetDelta = recordCount - 1, and every record decodable (decompressing at most
     * {@code maxDecompressedBytes}). Decodes the whole batch, so it belongs at the edge.
     *
     * @throws CorruptBatchException naming what is wrong
     */
    public void ensureProducerBatchValid(int maxDecompressedBytes) {
        ensureValid();
        ensureDenseOffsets();
        int expected = 0;
        for (Record r : records(maxDecompressedBytes)) {
            if (r.offset() != baseOffset() + expected) {
                throw corrupt("record " + expected + " has offset delta " + (r.offset() - baseOffset())
                        + " (expected " + expected + ")");
            }
            expected++;
        }
    }

    /**
     * The header-only part of {@link #ensureProducerBatchValid}: recordCount > 0 and
     * lastOffsetDelta = recordCount - 1, so the offsets a batch claims are the offsets it holds.
     */
    public void ensureDenseOffsets() {
        if (recordCount() <= 0) {
            throw corrupt("the batch holds no records (recordCount " + recordCount() + ")");
        }
        if (lastOffsetDelta() != recordCount() - 1) {
            throw corrupt("lastOffsetDelta " + lastOffsetDelta() + " does not match recordCount " + recordCount()
                    + " (expected " + (recordCount() - 1) + ")");
        }
    }

    /** True when {@link #ensureValid()} would pass. */
    public boolean isValid() {
        try {
            ensureValid();
            return true;
        } catch (CorruptBatchException e) {
            return false;
        }
    }

    /** CRC-32C of bytes [attributes, end), as an unsigned value. */
    public long computeCrc() {
        CRC32C crc = new CRC32C();
        ByteBuffer covered = buf.duplicate();
        covered.position(BatchLayout.CRC_COVERED_START);
        crc.update(covered);
        return crc.getValue();
    }

    /** Rewrites baseOffset in place; the CRC stays valid. Not thread-safe. */
    public void setBaseOffset(long baseOffset) {
        buf.putLong(BatchLayout.BASE_OFFSET_OFFSET, baseOffset);
    }

    /** Rewrites partitionLeaderEpoch in place; the CRC stays valid. Not thread-safe. */
    public void setPartitionLeaderEpoch(int epoch) {
        buf.putInt(BatchLayout.PARTITION_LEADER_EPOCH_OFFSET, epoch);
    }

    public long baseOffset() {
        return buf.getLong(BatchLayout.BASE_OFFSET_OFFSET);
    }

    public int batchLength() {
        return buf.getInt(BatchLayout.BATCH_LENGTH_OFFSET);
    }

    public int partitionLeaderEpoch() {
        return buf.getInt(BatchLayout.PARTITION_LEADER_EPOCH_OFFSET);
    }

    public byte magic() {
        return buf.get(BatchLayout.MAGIC_OFFSET);
    }

    /** The stored CRC-32C, unsigned. */
    public long crc() {
        return buf.getInt(BatchLayout.CRC_OFFSET) & 0xffffffffL;
    }

    public short attributes() {
        return buf.getShort(BatchLayout.ATTRIBUTES_OFFSET);
    }

    /**
     * The compression of the records section.
     *
     * @throws CorruptBatchException if the attributes hold an unknown compression id
     */
    public Compression compression() {
        int id = attributes() & BatchLayout.COMPRESSION_MASK;
        if (id > Compression.ZSTD.id()) {
            throw corrupt("unknown compression id " + id + " (expected 0-4)");
        }
        return Compression.forId(id);
    }

    public TimestampType timestampType() {
        return (attributes() & BatchLayout.TIMESTAMP_TYPE_MASK) != 0
                ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
    }

    public boolean isTransactional() {
        return (attributes() & BatchLayout.TRANSACTIONAL_MASK) != 0;
    }

    public boolean isControlBatch() {
        return (attributes() & BatchLayout.CONTROL_MASK) != 0;
    }

    public int lastOffsetDelta() {
        return buf.getInt(BatchLayout.LAST_OFFSET_DELTA_OFFSET);
    }

    public long baseTimestamp() {
        return buf.getLong(BatchLayout.BASE_TIMESTAMP_OFFSET);
    }

    public long maxTimestamp() {
        return buf.getLong(BatchLayout.MAX_TIMESTAMP_OFFSET);
    }

    public long producerId() {
        return buf.getLong(BatchLayout.PRODUCER_ID_OFFSET);
    }

    public short producerEpoch() {
        return buf.getShort(BatchLayout.PRODUCER_EPOCH_OFFSET);
    }

    public int baseSequence() {
        return buf.getInt(BatchLayout.BASE_SEQUENCE_OFFSET);
    }

    public int recordCount() {
        return buf.getInt(BatchLayout.RECORD_COUNT_OFFSET);
    }

    /** Total bytes of this batch, including baseOffset and batchLength. */
    public int sizeInBytes() {
        return buf.limit();
    }

    /** baseOffset + lastOffsetDelta. */
    public long lastOffset() {
        return baseOffset() + lastOffsetDelta();
    }

    /** The offset following this batch: lastOffset + 1. */
    public long nextOffset() {
        return lastOffset() + 1;
    }

    /**
     * The batch bytes: a new buffer (position 0, limit {@link #sizeInBytes()}) sharing content
     * with this view, for writing to a file or socket.
     */
    public ByteBuffer buffer() {
        return buf.duplicate();
    }

    /** The records, decoded on iteration; see {@link #records(int)}. */
    public Iterable<Record> records() {
        return records(DEFAULT_MAX_DECOMPRESSED_BYTES);
    }

    /**
     * The records with absolute offsets (baseOffset + offsetDelta) and absolute timestamps
     * (baseTimestamp + timestampDelta, or maxTimestamp for {@link TimestampType#LOG_APPEND_TIME}).
     * Each {@code iterator()} call decodes anew, decompressing the whole records section first when
     * compressed. Iterators throw {@link CorruptBatchException} on undecodable data, on a record
     * count that does not match recordCount, or when decompression would exceed
     * {@code maxDecompressedBytes}. Does not check the CRC: call {@link #ensureValid()} first.
     */
    public Iterable<Record> records(int maxDecompressedBytes) {
        return records(maxDecompressedBytes, Record::owning);
    }

    /**
     * Receives the fields of each decoded record. The key, value and header arrays are fresh
     * copies out of the batch that belong to the receiver alone, so it may keep them without
     * copying again (as {@link Record} does).
     */
    @FunctionalInterface
    public interface RecordReceiver<T> {
        T record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers);
    }

    /**
     * As {@link #records(int)}, each record handed to {@code receiver} as it is decoded: for
     * readers that build their own record type and would otherwise copy every key and value once
     * more out of a {@link Record}.
     */
    public <T> Iterable<T> records(int maxDecompressedBytes, RecordReceiver<T> receiver) {
        return () -> iterator(maxDecompressedBytes, receiver);
    }

    private <T> Iterator<T> iterator(int maxDecompressedBytes, RecordReceiver<T> receiver) {
        ByteBuffer section = buf.duplicate();
        section.position(BatchLayout.RECORDS_OFFSET);
        section = section.slice();
        Compression compression = compression();
        if (compression != Compression.NONE) {
            try {
                section = ByteBuffer.wrap(compression.decompress(section, maxDecompressedBytes));
            } catch (IOException e) {
                throw corrupt("cannot decompress " + compression + " records: " + e.getMessage(), e);
            }
        }
        return new RecordDecoder<>(this, section, receiver);
    }

    CorruptBatchException corrupt(String problem) {
        return new CorruptBatchException("batch at offset " + baseOffset() + ": " + problem);
    }

    CorruptBatchException corrupt(String problem, Throwable cause) {
        return new CorruptBatchException("batch at offset " + baseOffset() + ": " + problem, cause);
    }

    @Override
    public String toString() {
        return "RecordBatch(baseOffset=" + baseOffset() + ", lastOffsetDelta=" + lastOffsetDelta()
                + ", recordCount=" + recordCount() + ", sizeInBytes=" + sizeInBytes()
                + ", partitionLeaderEpoch=" + partitionLeaderEpoch() + ", attributes=" + attributes()
                + ", producerId=" + producerId() + ", producerEpoch=" + producerEpoch()
                + ", baseSequence=" + baseSequence() + ")";
    }
}
