package io.strata.common.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Our codec against kafka-clients 4.4.0, both directions, every compression type. */
class KafkaInteropTest {
    private static final long PRODUCER_ID = 42L;
    private static final short PRODUCER_EPOCH = 3;
    private static final int BASE_SEQUENCE = 17;

    @ParameterizedTest
    @EnumSource(Compression.class)
    void batchWrittenByStrataIsReadByKafkaClients(Compression compression) {
        List<Record> records = SampleRecords.generate(compression.ordinal(), 40);
        ByteBuffer buffer = SampleRecords.build(compression, records);
        RecordBatch ours = RecordBatch.wrap(buffer);
        ours.setBaseOffset(1_000L);
        ours.setPartitionLeaderEpoch(9);

        MemoryRecords memoryRecords = MemoryRecords.readableRecords(buffer.duplicate());
        List<MutableRecordBatch> batches = new ArrayList<>();
        memoryRecords.batches().forEach(batches::add);
        assertEquals(1, batches.size());
        MutableRecordBatch batch = batches.get(0);
        batch.ensureValid();
        assertTrue(batch.isValid());
        assertEquals(2, batch.magic());
        assertEquals(CompressionType.forId(compression.id()), batch.compressionType());
        assertEquals(1_000L, batch.baseOffset());
        assertEquals(1_039L, batch.lastOffset());
        assertEquals(9, batch.partitionLeaderEpoch());
        assertEquals(PRODUCER_ID, batch.producerId());
        assertEquals(PRODUCER_EPOCH, batch.producerEpoch());
        assertEquals(BASE_SEQUENCE, batch.baseSequence());
        assertEquals(BASE_SEQUENCE + 39, batch.lastSequence());
        assertEquals(buffer.remaining(), batch.sizeInBytes());
        assertEquals(ours.crc(), batch.checksum());
        assertEquals(records.stream().mapToLong(Record::timestamp).max().getAsLong(), batch.maxTimestamp());
        assertEquals(org.apache.kafka.common.record.TimestampType.CREATE_TIME, batch.timestampType());
        assertFalse(batch.isTransactional());
        assertFalse(batch.isControlBatch());

        List<org.apache.kafka.common.record.internal.Record> kafkaRecords = new ArrayList<>();
        batch.forEach(kafkaRecords::add);
        assertEquals(records.size(), kafkaRecords.size());
        for (int i = 0; i < records.size(); i++) {
            Record expected = records.get(i);
            org.apache.kafka.common.record.internal.Record actual = kafkaRecords.get(i);
            actual.ensureValid();
            assertEquals(1_000L + i, actual.offset(), "offset of record " + i);
            assertEquals(expected.timestamp(), actual.timestamp(), "timestamp of record " + i);
            assertArrayEquals(expected.key(), SampleRecords.toArray(actual.key()), "key of record " + i);
            assertEquals(expected.key() != null, actual.hasKey());
            assertArrayEquals(expected.value(), SampleRecords.toArray(actual.value()), "value of record " + i);
            assertEquals(expected.value() != null, actual.hasValue());
            assertEquals(expected.headers().size(), actual.headers().length, "header count of record " + i);
            for (int h = 0; h < expected.headers().size(); h++) {
                assertEquals(expected.headers().get(h).key(), actual.headers()[h].key());
                assertArrayEquals(expected.headers().get(h).value(), actual.headers()[h].value());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void batchWrittenByKafkaClientsIsReadByStrata(Compression compression) {
        List<Record> records = SampleRecords.generate(100 + compression.ordinal(), 40);
        ByteBuffer out = ByteBuffer.allocate(2 * 1024 * 1024);
        MemoryRecordsBuilder builder = MemoryRecords.builder(out, (byte) 2,
                org.apache.kafka.common.compress.Compression.of(CompressionType.forId(compression.id())).build(),
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 5_000L, -1L,
                PRODUCER_ID, PRODUCER_EPOCH, BASE_SEQUENCE, false, 11);
        for (Record r : records) {
            builder.append(r.timestamp(), r.key(), r.value(), kafkaHeaders(r));
        }
        ByteBuffer written = builder.build().buffer();

        RecordBatches scan = RecordBatches.scan(written, Integer.MAX_VALUE);
        assertTrue(scan.hasNext());
        RecordBatch batch = scan.next();
        assertFalse(scan.hasNext());
        assertFalse(scan.truncated());
        assertEquals(written.remaining(), scan.validBytes());

        batch.ensureValid();
        assertEquals(compression, batch.compression());
        assertEquals(5_000L, batch.baseOffset());
        assertEquals(5_039L, batch.lastOffset());
        assertEquals(5_040L, batch.nextOffset());
        assertEquals(11, batch.partitionLeaderEpoch());
        assertEquals(PRODUCER_ID, batch.producerId());
        assertEquals(PRODUCER_EPOCH, batch.producerEpoch());
        assertEquals(BASE_SEQUENCE, batch.baseSequence());
        assertEquals(40, batch.recordCount());
        assertEquals(records.get(0).timestamp(), batch.baseTimestamp());
        assertEquals(records.stream().mapToLong(Record::timestamp).max().getAsLong(), batch.maxTimestamp());
        assertEquals(TimestampType.CREATE_TIME, batch.timestampType());
        assertEquals(SampleRecords.withBaseOffset(records, 5_000L), SampleRecords.decode(batch));
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void logAppendTimeBatchFromKafkaGivesEveryRecordTheBatchTimestamp(Compression compression) {
        List<Record> records = SampleRecords.generate(7, 5);
        ByteBuffer out = ByteBuffer.allocate(1024 * 1024);
        long appendTime = 1_800_000_000_000L;
        MemoryRecordsBuilder builder = MemoryRecords.builder(out, (byte) 2,
                org.apache.kafka.common.compress.Compression.of(CompressionType.forId(compression.id())).build(),
                org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME, 0L, appendTime);
        for (Record r : records) {
            builder.append(r.timestamp(), r.key(), r.value(), kafkaHeaders(r));
        }
        RecordBatch batch = RecordBatch.wrap(builder.build().buffer());
        batch.ensureValid();
        assertEquals(TimestampType.LOG_APPEND_TIME, batch.timestampType());
        for (Record r : batch.records()) {
            assertEquals(appendTime, r.timestamp());
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void severalKafkaBatchesInOneBufferAreScannedInOrder(Compression compression) {
        ByteBuffer out = ByteBuffer.allocate(2 * 1024 * 1024);
        List<List<Record>> expected = new ArrayList<>();
        long offset = 0;
        for (int b = 0; b < 3; b++) {
            List<Record> records = SampleRecords.generate(b, 3 + b);
            MemoryRecordsBuilder builder = MemoryRecords.builder(out, (byte) 2,
                    org.apache.kafka.common.compress.Compression.of(CompressionType.forId(compression.id())).build(),
                    org.apache.kafka.common.record.TimestampType.CREATE_TIME, offset);
            for (Record r : records) {
                builder.append(r.timestamp(), r.key(), r.value(), kafkaHeaders(r));
            }
            builder.close();
            expected.add(SampleRecords.withBaseOffset(records, offset));
            offset += records.size();
        }
        out.flip();
        RecordBatches scan = RecordBatches.scan(out, 1024 * 1024);
        for (List<Record> records : expected) {
            RecordBatch batch = scan.next();
            batch.ensureValid();
            assertEquals(records, SampleRecords.decode(batch));
        }
        assertFalse(scan.hasNext());
        assertEquals(out.remaining(), scan.validBytes());
    }

    private static org.apache.kafka.common.header.Header[] kafkaHeaders(Record r) {
        return r.headers().stream()
                .map(h -> new RecordHeader(h.key(), h.value()))
                .toArray(org.apache.kafka.common.header.Header[]::new);
    }
}
