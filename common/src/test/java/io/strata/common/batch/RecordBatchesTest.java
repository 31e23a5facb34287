package io.strata.common.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class RecordBatchesTest {

    private static List<ByteBuffer> batches() {
        List<ByteBuffer> batches = new ArrayList<>();
        Compression[] compressions = Compression.values();
        long offset = 0;
        for (int i = 0; i < 5; i++) {
            ByteBuffer batch = SampleRecords.build(compressions[i], SampleRecords.generate(i, 1 + i));
            RecordBatch.wrap(batch).setBaseOffset(offset);
            offset += 1 + i;
            batches.add(batch);
        }
        return batches;
    }

    @Test
    void cuttingTheRegionAtEveryByteYieldsExactlyTheWholeBatchesBeforeTheCut() {
        List<ByteBuffer> batches = batches();
        ByteBuffer all = SampleRecords.concat(batches);
        for (int cut = 0; cut <= all.remaining(); cut++) {
            ByteBuffer region = all.duplicate().limit(cut);
            RecordBatches scan = RecordBatches.scan(region, 1 << 20);
            int expectedBytes = 0;
            int count = 0;
            while (scan.hasNext()) {
                RecordBatch batch = scan.next();
                batch.ensureValid();
                assertEquals(batches.get(count).remaining(), batch.sizeInBytes());
                expectedBytes += batch.sizeInBytes();
                count++;
            }
            int wholeBatchBytes = 0;
            int wholeBatches = 0;
            for (ByteBuffer b : batches) {
                if (wholeBatchBytes + b.remaining() > cut) {
                    break;
                }
                wholeBatchBytes += b.remaining();
                wholeBatches++;
            }
            assertEquals(wholeBatches, count, "cut at " + cut);
            assertEquals(wholeBatchBytes, scan.validBytes(), "cut at " + cut);
            assertEquals(expectedBytes, scan.validBytes());
            assertEquals(cut != wholeBatchBytes, scan.truncated(), "cut at " + cut);
        }
    }

    @Test
    void scanningStartsAtTheRegionPositionAndLeavesItUnmoved() {
        ByteBuffer all = SampleRecords.concat(batches());
        int first = RecordBatch.readFrom(all.duplicate()).sizeInBytes();
        ByteBuffer region = all.duplicate().position(first);
        RecordBatches scan = RecordBatches.scan(region, 1 << 20);
        assertEquals(1L, scan.next().baseOffset());
        assertEquals(first, region.position());
    }

    @Test
    void negativeBatchLengthIsCorruptionNotTruncation() {
        ByteBuffer all = SampleRecords.concat(batches());
        int second = RecordBatch.readFrom(all.duplicate()).sizeInBytes();
        all.putInt(second + BatchLayout.BATCH_LENGTH_OFFSET, -5);
        RecordBatches scan = RecordBatches.scan(all, 1 << 20);
        scan.next();
        CorruptBatchException e = assertThrows(CorruptBatchException.class, scan::hasNext);
        assertEquals("batch at offset 1: invalid batchLength -5 (expected 49 to 1048564, i.e. a batch of 61 to 1048576 bytes)"
                + " at byte " + second + " of the region", e.getMessage());
        assertEquals(second, scan.validBytes());
    }

    @Test
    void batchLengthAboveTheMaximumIsCorruptionEvenWhenTheRegionEndsBeforeIt() {
        ByteBuffer header = ByteBuffer.allocate(20);
        header.putLong(0, 7L).putInt(8, Integer.MAX_VALUE);
        RecordBatches scan = RecordBatches.scan(header, 1 << 20);
        CorruptBatchException e = assertThrows(CorruptBatchException.class, scan::hasNext);
        assertTrue(e.getMessage().startsWith("batch at offset 7: invalid batchLength 2147483647"), e.getMessage());
    }

    @Test
    void batchLengthSmallerThanAHeaderIsCorruption() {
        ByteBuffer header = ByteBuffer.allocate(100);
        header.putInt(8, BatchLayout.MIN_BATCH_LENGTH - 1);
        assertThrows(CorruptBatchException.class, () -> RecordBatches.scan(header, 1 << 20).hasNext());
    }

    @Test
    void wrongMagicInAWholeBatchIsCorruption() {
        ByteBuffer all = SampleRecords.concat(batches());
        all.put(BatchLayout.MAGIC_OFFSET, (byte) 0);
        CorruptBatchException e = assertThrows(CorruptBatchException.class, () -> RecordBatches.scan(all, 1 << 20).hasNext());
        assertEquals("batch at offset 0: unsupported magic 0 (expected 2) at byte 0 of the region", e.getMessage());
    }

    @Test
    void emptyRegionHasNoBatchesAndIsNotTruncated() {
        RecordBatches scan = RecordBatches.scan(ByteBuffer.allocate(0), 1 << 20);
        assertFalse(scan.hasNext());
        assertFalse(scan.truncated());
        assertEquals(0, scan.validBytes());
        assertThrows(NoSuchElementException.class, scan::next);
    }
}
