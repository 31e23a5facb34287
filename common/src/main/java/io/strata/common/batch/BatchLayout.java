package io.strata.common.batch;

/**
 * Byte layout of a record batch: the Kafka RecordBatch v2 ("magic 2") header, big-endian.
 *
 * <pre>
 * offset size field
 *      0    8 baseOffset            int64   first offset of the batch (assigned by the leader)
 *      8    4 batchLength           int32   bytes after this field: sizeInBytes - 12
 *     12    4 partitionLeaderEpoch  int32   (assigned by the leader)
 *     16    1 magic                 int8    always 2
 *     17    4 crc                   uint32  CRC-32C of bytes [21, end)
 *     21    2 attributes            int16   bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control
 *     23    4 lastOffsetDelta       int32
 *     27    8 baseTimestamp         int64
 *     35    8 maxTimestamp          int64
 *     43    8 producerId            int64
 *     51    2 producerEpoch         int16
 *     53    4 baseSequence          int32
 *     57    4 recordCount           int32
 *     61    - records               (compressed as one block when compression != none)
 * </pre>
 *
 * <p>The CRC does not cover baseOffset, batchLength, partitionLeaderEpoch or magic, so a leader can
 * assign offsets and epochs in place without recomputing it.
 */
public final class BatchLayout {
    public static final byte MAGIC_V2 = 2;

    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int BATCH_LENGTH_OFFSET = 8;
    public static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
    public static final int MAGIC_OFFSET = 16;
    public static final int CRC_OFFSET = 17;
    public static final int ATTRIBUTES_OFFSET = 21;
    public static final int LAST_OFFSET_DELTA_OFFSET = 23;
    public static final int BASE_TIMESTAMP_OFFSET = 27;
    public static final int MAX_TIMESTAMP_OFFSET = 35;
    public static final int PRODUCER_ID_OFFSET = 43;
    public static final int PRODUCER_EPOCH_OFFSET = 51;
    public static final int BASE_SEQUENCE_OFFSET = 53;
    public static final int RECORD_COUNT_OFFSET = 57;
    public static final int RECORDS_OFFSET = 61;

    /** Size of the batch header, i.e. of a batch holding no records. */
    public static final int HEADER_SIZE = RECORDS_OFFSET;
    /** baseOffset + batchLength: the bytes not counted by batchLength. */
    public static final int LOG_OVERHEAD = 12;
    /** Smallest valid batchLength value. */
    public static final int MIN_BATCH_LENGTH = HEADER_SIZE - LOG_OVERHEAD;

    /** First byte covered by the CRC; the CRC covers everything from here to the end of the batch. */
    public static final int CRC_COVERED_START = ATTRIBUTES_OFFSET;

    public static final int COMPRESSION_MASK = 0x07;
    public static final int TIMESTAMP_TYPE_MASK = 0x08;
    public static final int TRANSACTIONAL_MASK = 0x10;
    public static final int CONTROL_MASK = 0x20;

    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;
    public static final int NO_PARTITION_LEADER_EPOCH = -1;

    private BatchLayout() {
    }
}
