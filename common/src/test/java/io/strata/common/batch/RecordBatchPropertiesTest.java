package io.strata.common.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.utils.internals.ByteUtils;

class RecordBatchPropertiesTest {

    @Property(tries = 300)
    void randomRecordsRoundTripThroughBuilderAndBatch(@ForAll Compression compression,
            @ForAll("records") List<Record> records) {
        RecordBatch batch = RecordBatch.wrap(SampleRecords.build(compression, records));
        batch.ensureValid();
        assertEquals(records.size(), batch.recordCount());
        assertEquals(records, SampleRecords.decode(batch));
    }

    @Property(tries = 300)
    void rewritingBaseOffsetAndLeaderEpochKeepsTheBatchValid(@ForAll Compression compression,
            @ForAll("records") List<Record> records,
            @ForAll @net.jqwik.api.constraints.LongRange(min = 0, max = Long.MAX_VALUE / 2) long baseOffset,
            @ForAll int epoch) {
        RecordBatch batch = RecordBatch.wrap(SampleRecords.build(compression, records));
        batch.setBaseOffset(baseOffset);
        batch.setPartitionLeaderEpoch(epoch);
        batch.ensureValid();
        assertEquals(baseOffset, batch.baseOffset());
        assertEquals(epoch, batch.partitionLeaderEpoch());
        assertEquals(baseOffset + records.size() - 1, batch.lastOffset());
        assertEquals(SampleRecords.withBaseOffset(records, baseOffset), SampleRecords.decode(batch));
    }

    @Property(tries = 400)
    void flippingAnyByteCoveredByTheCrcMakesTheBatchInvalid(@ForAll Compression compression,
            @ForAll("records") List<Record> records,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int where,
            @ForAll @IntRange(min = 1, max = 255) int mask) {
        ByteBuffer buffer = SampleRecords.build(compression, records);
        int covered = buffer.remaining() - BatchLayout.CRC_COVERED_START;
        int index = BatchLayout.CRC_COVERED_START + where % covered;
        buffer.put(index, (byte) (buffer.get(index) ^ mask));
        assertThrows(CorruptBatchException.class, () -> RecordBatch.wrap(buffer).ensureValid());
    }

    @Property(tries = 300)
    void truncatingSeveralBatchesYieldsExactlyTheWholeBatchesBeforeTheCut(
            @ForAll("severalBatches") List<List<Record>> batches,
            @ForAll Compression compression,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int cutSeed) {
        List<ByteBuffer> encoded = new ArrayList<>();
        for (List<Record> records : batches) {
            encoded.add(SampleRecords.build(compression, records));
        }
        ByteBuffer all = SampleRecords.concat(encoded);
        int cut = cutSeed % (all.remaining() + 1);
        RecordBatches scan = RecordBatches.scan(all.duplicate().limit(cut), 1 << 24);
        int expectedCount = 0;
        int expectedBytes = 0;
        for (ByteBuffer b : encoded) {
            if (expectedBytes + b.remaining() > cut) {
                break;
            }
            expectedBytes += b.remaining();
            expectedCount++;
        }
        int count = 0;
        while (scan.hasNext()) {
            RecordBatch batch = scan.next();
            batch.ensureValid();
            assertEquals(batches.get(count), SampleRecords.decode(batch));
            count++;
        }
        assertEquals(expectedCount, count);
        assertEquals(expectedBytes, scan.validBytes());
        assertEquals(cut != expectedBytes, scan.truncated());
    }

    @Property(tries = 500)
    void varintsMatchKafkaByteUtils(@ForAll int value, @ForAll long longValue) {
        GrowableBuffer ours = new GrowableBuffer(16);
        ours.writeVarint(value);
        ByteBuffer kafka = ByteBuffer.allocate(16);
        ByteUtils.writeVarint(value, kafka);
        kafka.flip();
        assertEquals(kafka, ours.view(0));
        assertEquals(ByteUtils.sizeOfVarint(value), Varint.sizeOfVarint(value));
        assertEquals(value, Varint.readVarint(kafka.duplicate()));

        GrowableBuffer oursLong = new GrowableBuffer(16);
        oursLong.writeVarlong(longValue);
        ByteBuffer kafkaLong = ByteBuffer.allocate(16);
        ByteUtils.writeVarlong(longValue, kafkaLong);
        kafkaLong.flip();
        assertEquals(kafkaLong, oursLong.view(0));
        assertEquals(ByteUtils.sizeOfVarlong(longValue), Varint.sizeOfVarlong(longValue));
        assertEquals(longValue, Varint.readVarlong(kafkaLong.duplicate()));
    }

    @Provide
    Arbitrary<List<Record>> records() {
        return records1().list().ofMinSize(1).ofMaxSize(20).map(RecordBatchPropertiesTest::withSequentialOffsets);
    }

    @Provide
    Arbitrary<List<List<Record>>> severalBatches() {
        return records1().list().ofMinSize(1).ofMaxSize(5).map(RecordBatchPropertiesTest::withSequentialOffsets)
                .list().ofMinSize(2).ofMaxSize(5);
    }

    @Provide
    Arbitrary<Record> records1() {
        Arbitrary<Long> timestamps = Arbitraries.longs().between(SampleRecords.BASE_TIME - 1_000_000L, SampleRecords.BASE_TIME + 1_000_000L);
        Arbitrary<byte[]> keys = Arbitraries.bytes().array(byte[].class).ofMaxSize(40).injectNull(0.2);
        Arbitrary<byte[]> values = Arbitraries.bytes().array(byte[].class).ofMaxSize(500).injectNull(0.1);
        Arbitrary<Header> header = Combinators.combine(
                Arbitraries.strings().ofMaxLength(12),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(20).injectNull(0.3)).as(Header::of);
        Arbitrary<List<Header>> headers = header.list().ofMaxSize(4);
        return Combinators.combine(timestamps, keys, values, headers).as((ts, k, v, h) -> Record.of(0L, ts, k, v, h));
    }

    /** Offsets in a fresh batch are 0, 1, 2…; the generator cannot know a record's index. */
    private static List<Record> withSequentialOffsets(List<Record> records) {
        List<Record> out = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            Record r = records.get(i);
            out.add(Record.of(i, r.timestamp(), r.key(), r.value(), r.headers()));
        }
        return out;
    }
}
