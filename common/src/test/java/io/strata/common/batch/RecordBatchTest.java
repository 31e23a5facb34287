package io.strata.common.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RecordBatchTest {

    @ParameterizedTest
    @EnumSource(Compression.class)
    void builtBatchHasHeaderFieldsAndDecodesToTheAppendedRecords(Compression compression) {
        List<Record> records = SampleRecords.generate(1, 25);
        ByteBuffer buffer = SampleRecords.build(compression, records);
        RecordBatch batch = RecordBatch.wrap(buffer);

        batch.ensureValid();
        assertEquals(0L, batch.baseOffset());
        assertEquals(buffer.remaining(), batch.sizeInBytes());
        assertEquals(batch.sizeInBytes() - BatchLayout.LOG_OVERHEAD, batch.batchLength());
        assertEquals(BatchLayout.NO_PARTITION_LEADER_EPOCH, batch.partitionLeaderEpoch());
        assertEquals(2, batch.magic());
        assertEquals(compression, batch.compression());
        assertEquals(24, batch.lastOffsetDelta());
        assertEquals(24L, batch.lastOffset());
        assertEquals(25L, batch.nextOffset());
        assertEquals(25, batch.recordCount());
        assertEquals(records.get(0).timestamp(), batch.baseTimestamp());
        assertEquals(42L, batch.producerId());
        assertEquals(3, batch.producerEpoch());
        assertEquals(17, batch.baseSequence());
        assertFalse(batch.isTransactional());
        assertFalse(batch.isControlBatch());
        assertEquals(records, SampleRecords.decode(batch));
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void aReceiverGetsEveryRecordsFieldsInFreshArraysOfItsOwn(Compression compression) {
        List<Record> records = SampleRecords.generate(7, 25);
        RecordBatch batch = RecordBatch.wrap(SampleRecords.build(compression, records));
        List<byte[]> values = new java.util.ArrayList<>();

        List<Record> received = new java.util.ArrayList<>();
        for (Record r : batch.records(RecordBatch.DEFAULT_MAX_DECOMPRESSED_BYTES, (offset, timestamp, key, value, headers) -> {
            values.add(value);
            return Record.of(offset, timestamp, key, value, headers);
        })) {
            received.add(r);
        }

        assertEquals(records, received);
        values.stream().filter(v -> v != null && v.length > 0).forEach(v -> v[0]++); // the receiver's own arrays
        assertEquals(records, SampleRecords.decode(batch), "the batch did not change");
    }

    @Test
    void compressedBatchIsSmallerThanUncompressedForRepetitiveData() {
        List<Record> records = SampleRecords.generate(3, 10);
        int plain = SampleRecords.build(Compression.NONE, records).remaining();
        for (Compression c : new Compression[] {Compression.GZIP, Compression.SNAPPY, Compression.LZ4, Compression.ZSTD}) {
            int compressed = SampleRecords.build(c, records).remaining();
            assertTrue(compressed < plain * 3 / 4, c + ": " + compressed + " bytes vs " + plain + " uncompressed");
        }
    }

    @Test
    void estimatedSizeIsExactWithoutCompression() {
        RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
        assertEquals(BatchLayout.HEADER_SIZE, builder.estimatedSizeInBytes());
        builder.append(1L, "k".getBytes(StandardCharsets.UTF_8), null);
        builder.append(2L, null, new byte[100], List.of(Header.of("h", null)));
        assertEquals(2, builder.recordCount());
        int estimate = builder.estimatedSizeInBytes();
        assertEquals(estimate, builder.build().remaining());
    }

    @Test
    void builderWithoutProducerWritesNoProducerFields() {
        RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
        builder.append(10L, null, null);
        RecordBatch batch = RecordBatch.wrap(builder.build());
        assertEquals(BatchLayout.NO_PRODUCER_ID, batch.producerId());
        assertEquals(BatchLayout.NO_PRODUCER_EPOCH, batch.producerEpoch());
        assertEquals(BatchLayout.NO_SEQUENCE, batch.baseSequence());
    }

    @Test
    void explicitBaseTimestampIsUsedAndRecordTimestampsStayAbsolute() {
        RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE).baseTimestamp(1_000L);
        builder.append(900L, null, null);
        builder.append(5_000L, null, null);
        RecordBatch batch = RecordBatch.wrap(builder.build());
        batch.ensureValid();
        assertEquals(1_000L, batch.baseTimestamp());
        assertEquals(5_000L, batch.maxTimestamp());
        List<Record> records = SampleRecords.decode(batch);
        assertEquals(900L, records.get(0).timestamp());
        assertEquals(5_000L, records.get(1).timestamp());
    }

    @Test
    void builderRefusesEmptyBatchesAndUseAfterBuild() {
        RecordBatchBuilder empty = new RecordBatchBuilder(Compression.NONE);
        assertThrows(IllegalStateException.class, empty::build);
        RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
        builder.append(1L, null, null);
        builder.build();
        assertThrows(IllegalStateException.class, () -> builder.append(2L, null, null));
        assertThrows(IllegalStateException.class, builder::build);
        assertThrows(IllegalStateException.class, () -> builder.baseTimestamp(3L));
    }

    @Test
    void settingBaseOffsetAndLeaderEpochKeepsTheCrcValidAndShiftsRecordOffsets() {
        List<Record> records = SampleRecords.generate(2, 5);
        RecordBatch batch = RecordBatch.wrap(SampleRecords.build(Compression.LZ4, records));
        long crc = batch.crc();
        batch.setBaseOffset(123_456_789_000L);
        batch.setPartitionLeaderEpoch(77);
        batch.ensureValid();
        assertEquals(crc, batch.crc());
        assertEquals(123_456_789_000L, batch.baseOffset());
        assertEquals(77, batch.partitionLeaderEpoch());
        assertEquals(123_456_789_004L, batch.lastOffset());
        assertEquals(SampleRecords.withBaseOffset(records, 123_456_789_000L), SampleRecords.decode(batch));
    }

    @Test
    void crcMismatchNamesOffsetAndBothValues() {
        ByteBuffer buffer = SampleRecords.build(Compression.NONE, SampleRecords.generate(4, 3));
        RecordBatch batch = RecordBatch.wrap(buffer);
        batch.setBaseOffset(42L);
        long stored = batch.crc();
        buffer.put(BatchLayout.RECORDS_OFFSET + 3, (byte) (buffer.get(BatchLayout.RECORDS_OFFSET + 3) ^ 0x40));
        CorruptBatchException e = assertThrows(CorruptBatchException.class, batch::ensureValid);
        assertEquals(String.format("batch at offset 42: CRC-32C mismatch (stored 0x%08x, computed 0x%08x)",
                stored, batch.computeCrc()), e.getMessage());
        assertFalse(batch.isValid());
    }

    @Test
    void wrongMagicIsReported() {
        ByteBuffer buffer = SampleRecords.build(Compression.NONE, SampleRecords.generate(4, 1));
        buffer.put(BatchLayout.MAGIC_OFFSET, (byte) 1);
        CorruptBatchException e = assertThrows(CorruptBatchException.class, () -> RecordBatch.wrap(buffer).ensureValid());
        assertEquals("batch at offset 0: unsupported magic 1 (expected 2)", e.getMessage());
    }

    @Test
    void batchLengthThatDisagreesWithTheBufferIsReported() {
        ByteBuffer buffer = SampleRecords.build(Compression.NONE, SampleRecords.generate(4, 1));
        int size = buffer.remaining();
        buffer.putInt(BatchLayout.BATCH_LENGTH_OFFSET, size);
        CorruptBatchException e = assertThrows(CorruptBatchException.class, () -> RecordBatch.wrap(buffer).ensureValid());
        assertEquals("batch at offset 0: batchLength " + size + " does not match the batch size (expected "
                + (size - 12) + " for " + size + " bytes)", e.getMessage());
    }

    @Test
    void negativeRecordCountAndUnknownCompressionAreReported() {
        ByteBuffer negative = SampleRecords.build(Compression.NONE, SampleRecords.generate(4, 1));
        negative.putInt(BatchLayout.RECORD_COUNT_OFFSET, -3);
        assertEquals("batch at offset 0: negative recordCount -3",
                assertThrows(CorruptBatchException.class, () -> RecordBatch.wrap(negative).ensureValid()).getMessage());

        ByteBuffer unknown = SampleRecords.build(Compression.NONE, SampleRecords.generate(4, 1));
        unknown.putShort(BatchLayout.ATTRIBUTES_OFFSET, (short) 6);
        assertEquals("batch at offset 0: unknown compression id 6 (expected 0-4)",
                assertThrows(CorruptBatchException.class, () -> RecordBatch.wrap(unknown).ensureValid()).getMessage());
    }

    @Test
    void bufferShorterThanAHeaderIsRejectedOnWrap() {
        CorruptBatchException e = assertThrows(CorruptBatchException.class, () -> RecordBatch.wrap(ByteBuffer.allocate(60)));
        assertTrue(e.getMessage().contains("60 bytes"), e.getMessage());
    }

    @Test
    void readFromAdvancesPastOneBatchAndRejectsTornOrOversizedBatches() {
        ByteBuffer one = SampleRecords.build(Compression.NONE, SampleRecords.generate(5, 2));
        ByteBuffer two = SampleRecords.build(Compression.GZIP, SampleRecords.generate(6, 2));
        ByteBuffer both = SampleRecords.concat(List.of(one, two));

        RecordBatch first = RecordBatch.readFrom(both);
        assertEquals(one.remaining(), both.position());
        assertEquals(Compression.NONE, first.compression());
        RecordBatch second = RecordBatch.readFrom(both);
        assertEquals(Compression.GZIP, second.compression());
        assertFalse(both.hasRemaining());

        ByteBuffer torn = ByteBuffer.wrap(SampleRecords.toArray(one), 0, one.remaining() - 1);
        CorruptBatchException e = assertThrows(CorruptBatchException.class, () -> RecordBatch.readFrom(torn));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertEquals(0, torn.position());

        CorruptBatchException tooBig = assertThrows(CorruptBatchException.class,
                () -> RecordBatch.readFrom(one.duplicate(), one.remaining() - 1));
        assertTrue(tooBig.getMessage().contains("invalid batchLength " + (one.remaining() - 12)), tooBig.getMessage());
    }

    @Test
    void recordWhoseLengthOverrunsTheBatchIsReportedAsCorrupt() {
        ByteBuffer buffer = SampleRecords.build(Compression.NONE, SampleRecords.generate(4, 2));
        buffer.put(BatchLayout.RECORDS_OFFSET, (byte) 0x7e); // varint 63, longer than what follows
        RecordBatch batch = RecordBatch.wrap(buffer);
        CorruptBatchException e = assertThrows(CorruptBatchException.class, () -> SampleRecords.decode(batch));
        assertTrue(e.getMessage().startsWith("batch at offset 0: record 0 of 2 is malformed"), e.getMessage());
    }

    @Test
    void recordCountLargerThanTheRecordsIsReportedAsCorrupt() {
        ByteBuffer buffer = SampleRecords.build(Compression.NONE, SampleRecords.generate(4, 2));
        buffer.putInt(BatchLayout.RECORD_COUNT_OFFSET, 3);
        RecordBatch batch = RecordBatch.wrap(buffer);
        CorruptBatchException e = assertThrows(CorruptBatchException.class, () -> SampleRecords.decode(batch));
        assertTrue(e.getMessage().contains("record 2 of 3"), e.getMessage());
    }

    @Test
    void recordCountSmallerThanTheRecordsIsReportedAsCorrupt() {
        ByteBuffer buffer = SampleRecords.build(Compression.ZSTD, SampleRecords.generate(4, 2));
        buffer.putInt(BatchLayout.RECORD_COUNT_OFFSET, 1);
        RecordBatch batch = RecordBatch.wrap(buffer);
        CorruptBatchException e = assertThrows(CorruptBatchException.class, () -> SampleRecords.decode(batch));
        assertTrue(e.getMessage().contains("bytes left after the 1 records"), e.getMessage());
    }

    @Test
    void garbageInACompressedSectionIsReportedAsCorrupt() {
        for (Compression c : new Compression[] {Compression.GZIP, Compression.SNAPPY, Compression.LZ4, Compression.ZSTD}) {
            ByteBuffer buffer = SampleRecords.build(c, SampleRecords.generate(8, 3));
            for (int i = BatchLayout.RECORDS_OFFSET; i < buffer.limit(); i++) {
                buffer.put(i, (byte) 0x5a);
            }
            RecordBatch batch = RecordBatch.wrap(buffer);
            CorruptBatchException e = assertThrows(CorruptBatchException.class, () -> SampleRecords.decode(batch), c.name());
            assertTrue(e.getMessage().startsWith("batch at offset 0: "), e.getMessage());
        }
    }

    @Test
    void decompressionBeyondTheLimitIsRefused() {
        ByteBuffer buffer = SampleRecords.build(Compression.ZSTD, SampleRecords.generate(3, 10));
        RecordBatch batch = RecordBatch.wrap(buffer);
        CorruptBatchException e = assertThrows(CorruptBatchException.class,
                () -> batch.records(10_000).iterator().hasNext());
        assertTrue(e.getMessage().contains("limit of 10000 bytes"), e.getMessage());
    }

    @Test
    void recordAndHeaderAreImmutableValuesComparedByContent() {
        byte[] key = {1, 2};
        byte[] value = {3};
        Record record = Record.of(5L, 6L, key, value, List.of(Header.of("a", new byte[] {9})));
        key[0] = 100;
        record.value()[0] = 100;
        assertArrayEquals(new byte[] {1, 2}, record.key());
        assertArrayEquals(new byte[] {3}, record.value());
        assertEquals(Record.of(5L, 6L, new byte[] {1, 2}, new byte[] {3}, List.of(Header.of("a", new byte[] {9}))), record);
        assertEquals(Record.of(5L, 6L, new byte[] {1, 2}, new byte[] {3}, List.of(Header.of("a", new byte[] {9}))).hashCode(),
                record.hashCode());
        assertNull(Header.of("n", null).value());
        assertTrue(record.keyBuffer().isReadOnly());
    }
}
