package io.strata.storage.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.strata.common.batch.BatchLayout;
import io.strata.common.batch.Compression;
import io.strata.common.batch.Record;
import io.strata.common.batch.RecordBatch;
import io.strata.common.batch.RecordBatchBuilder;
import io.strata.common.batch.RecordBatches;
import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The segmented log: rolling, indexes, recovery points, retention, truncation, epochs. */
class SegmentedLogTest {
    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final ExecutorService flusher = Executors.newSingleThreadExecutor();
    private final LogConfig small = LogConfig.defaults(1 << 20).withSegmentBytes(4096);

    @AfterEach
    void stop() {
        flusher.shutdownNow();
    }

    private PartitionLog open(LogConfig config) {
        return PartitionLog.open(dir, config, clock::get, flusher, nanos -> { });
    }

    /** A batch of {@code count} records of about 100 bytes, value "v<first+i>", timestamps from {@code ts}. */
    private static ByteBuffer batch(int first, int count, long ts) {
        RecordBatchBuilder b = new RecordBatchBuilder(Compression.NONE);
        for (int i = 0; i < count; i++) {
            b.append(ts + i, null, ("v" + (first + i) + "-" + "x".repeat(90)).getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    /** Appends 100 batches of 3 records (300 records, about 34 KB): several 4 KiB segments. */
    private static void fill(PartitionLog log, long ts) {
        for (int i = 0; i < 100; i++) {
            log.append(batch(i * 3, 3, ts + i * 3), 1);
        }
    }

    private static List<Record> readAll(PartitionLog log, long from) {
        List<Record> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            ByteString chunk = log.read(next, 10_000, Long.MAX_VALUE);
            RecordBatches it = RecordBatches.scan(chunk.asReadOnlyByteBuffer(), Integer.MAX_VALUE);
            while (it.hasNext()) {
                RecordBatch b = it.next();
                b.ensureValid();
                for (Record r : b.records()) {
                    if (r.offset() >= next) {
                        out.add(r);
                    }
                }
                next = b.nextOffset();
            }
        }
        return out;
    }

    private static void assertDense(List<Record> records, long from, long to) {
        assertEquals(to - from, records.size());
        for (int i = 0; i < records.size(); i++) {
            assertEquals(from + i, records.get(i).offset());
            assertTrue(new String(records.get(i).value(), StandardCharsets.UTF_8).startsWith("v" + (from + i) + "-"));
        }
    }

    private long files(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).count();
        }
    }

    @Test
    void rollsBySizeIntoSegmentsWithIndexesAndReadsAcrossThem() throws IOException {
        try (PartitionLog log = open(small)) {
            fill(log, 0);
            assertTrue(log.segmentCount() >= 8, "segments: " + log.segmentCount());
            assertEquals(log.segmentCount() - 1, files(".index"), "every sealed segment has its index file");
            assertEquals(log.segmentCount() - 1, files(".timeindex"));
            assertDense(readAll(log, 0), 0, 300);
            for (long o = 0; o < 300; o += 7) {
                assertEquals(o, readAll(log, o).get(0).offset(), "a read at " + o + " starts with it");
            }
        }
        try (PartitionLog reopened = open(small)) {
            assertEquals(300, reopened.logEndOffset());
            assertDense(readAll(reopened, 0), 0, 300);
            reopened.append(batch(300, 2, 0), 1);
            assertDense(readAll(reopened, 290), 290, 302);
        }
    }

    @Test
    void aReadKeepsItsBytesWhenTheLogIsTruncatedBelowIt() {
        // A read of mapped memory would see zeros or fault (InternalError) once truncation cut the
        // file under it; an answer still being sent must not depend on the file staying as it was.
        try (PartitionLog log = open(small)) {
            fill(log, 0);
            long secondSegment = lastOffset(log.read(0, 10_000, Long.MAX_VALUE)) + 1; // reads stop at a segment's end
            long from = secondSegment + 3;
            ByteString read = log.read(from, 10_000, Long.MAX_VALUE);
            log.truncateTo(from); // cuts the segment the read came from
            assertEquals(from, log.logEndOffset());
            RecordBatches batches = RecordBatches.scan(read.asReadOnlyByteBuffer(), Integer.MAX_VALUE);
            assertEquals(from, batches.next().baseOffset());
            long last = lastOffset(read);
            assertTrue(last > from + 3, "the read holds several batches, up to " + last);
        }
    }

    /** The last offset of the valid batches in {@code read}. */
    private static long lastOffset(ByteString read) {
        RecordBatches batches = RecordBatches.scan(read.asReadOnlyByteBuffer(), Integer.MAX_VALUE);
        long last = -1;
        while (batches.hasNext()) {
            RecordBatch b = batches.next();
            b.ensureValid();
            last = b.lastOffset();
        }
        return last;
    }

    @Test
    void rollsByAgeOfTheActiveSegment() {
        try (PartitionLog log = open(LogConfig.defaults(1 << 20).withSegmentMs(1000))) {
            log.append(batch(0, 1, 0), 1);
            clock.addAndGet(500);
            log.append(batch(1, 1, 0), 1);
            assertEquals(1, log.segmentCount());
            clock.addAndGet(600);
            log.append(batch(2, 1, 0), 1);
            assertEquals(2, log.segmentCount());
            assertDense(readAll(log, 0), 0, 3);
        }
    }

    @Test
    void afterACrashOnlyDataPastTheRecoveryPointIsScannedAndTornTailsAreCut() throws IOException {
        PartitionLog crashed = open(small);
        fill(crashed, 0);
        long end = crashed.logEndOffset();
        // kill -9: no close(). Tear the active segment's last batch.
        Path active = lastSegmentFile();
        long size = Files.size(active);
        try (var ch = java.nio.channels.FileChannel.open(active, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(size - 10);
        }
        try (PartitionLog recovered = open(small)) {
            assertEquals(end - 3, recovered.logEndOffset(), "the torn batch (3 records) is gone");
            assertDense(readAll(recovered, 0), 0, end - 3);
            recovered.append(batch((int) end - 3, 3, 0), 1);
            assertDense(readAll(recovered, 0), 0, end);
        }
    }

    private Path lastSegmentFile() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".log")).sorted().reduce((a, b) -> b).orElseThrow();
        }
    }

    @Test
    void missingOrCorruptIndexFilesAreRebuilt() throws IOException {
        try (PartitionLog log = open(small)) {
            fill(log, 0);
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> indexes = s.filter(p -> p.toString().endsWith(".index")).sorted().toList();
            Files.delete(indexes.get(0));
            Files.write(indexes.get(1), new byte[] {1, 2, 3}); // not a whole entry
            Files.write(indexes.get(2), new byte[8 * 3]);      // three entries claiming offset 0, position 0
        }
        try (PartitionLog reopened = open(small)) {
            assertDense(readAll(reopened, 0), 0, 300);
            for (long o = 0; o < 300; o += 5) {
                assertEquals(o, readAll(reopened, o).get(0).offset());
            }
        }
    }

    @Test
    void retentionDeletesWholeOldSegmentsAndMovesTheLogStart() {
        try (PartitionLog log = open(small.withRetention(60_000, -1))) {
            fill(log, clock.get());
            int before = log.segmentCount();
            assertEquals(0, log.deleteExpiredSegments(Long.MAX_VALUE), "nothing is old yet");
            clock.addAndGet(61_000);
            log.append(batch(300, 1, clock.get()), 1);
            assertTrue(log.deleteExpiredSegments(Long.MAX_VALUE) >= before - 1);
            long start = log.logStartOffset();
            assertTrue(start > 0);
            StrataException e = assertThrows(StrataException.class, () -> log.read(0, 1000, Long.MAX_VALUE));
            assertEquals(ErrorReason.OFFSET_OUT_OF_RANGE, e.reason());
            assertTrue(e.getMessage().contains("[" + start + ", " + log.logEndOffset() + "]"), e.getMessage());
            assertDense(readAll(log, start), start, 301);
        }
    }

    @Test
    void retentionBySizeKeepsTheNewestSegmentsAndNeverTheActiveOne() {
        try (PartitionLog log = open(small.withRetention(-1, 10_000))) {
            fill(log, 0);
            log.deleteExpiredSegments(Long.MAX_VALUE);
            assertTrue(log.size() < 10_000 + 4096, "size " + log.size());
            assertTrue(log.size() >= 10_000 - 4096);
            assertDense(readAll(log, log.logStartOffset()), log.logStartOffset(), 300);
        }
        try (PartitionLog log = open(small.withRetention(-1, 0))) {
            log.deleteExpiredSegments(Long.MAX_VALUE);
            assertEquals(1, log.segmentCount(), "the active segment stays");
        }
    }

    @Test
    void retentionNeverDeletesAtOrAboveTheGivenOffset() {
        try (PartitionLog log = open(small.withRetention(-1, 0))) {
            fill(log, 0);
            log.deleteExpiredSegments(1);
            assertEquals(0, log.logStartOffset());
        }
    }

    @Test
    void truncatingFullyLeavesAnEmptyLogAtTheLeadersStartThatReplicatedBatchesContinue() throws IOException {
        try (PartitionLog log = open(small)) {
            fill(log, 0);
            assertTrue(log.segmentCount() > 1);
            log.truncateFullyAndStartAt(500);
            assertEquals(500, log.logStartOffset());
            assertEquals(500, log.logEndOffset());
            assertEquals(1, log.segmentCount());
            assertEquals(List.of(), log.leaderEpochs(), "nothing of the old history is left");
            assertEquals(1, files(".log"));
            ByteBuffer replicated = batch(500, 3, 0);
            replicated.putLong(BatchLayout.BASE_OFFSET_OFFSET, 500);
            replicated.putInt(BatchLayout.PARTITION_LEADER_EPOCH_OFFSET, 4);
            log.appendAsFollower(replicated).join();
            assertDense(readAll(log, 500), 500, 503);
        }
        try (PartitionLog reopened = open(small)) {
            assertEquals(500, reopened.logStartOffset(), "the new start survives a restart");
            assertDense(readAll(reopened, 500), 500, 503);
            assertEquals(List.of(new LeaderEpochCache.EpochEntry(4, 500)), reopened.leaderEpochs());
        }
    }

    @Test
    void retentionStopsAtTheCommittedEndItIsGiven() {
        try (PartitionLog log = open(small.withRetention(-1, 0))) {
            fill(log, 0);
            assertEquals(300, log.retentionLimit(), "unbounded until a replica bounds it");
            log.limitRetentionTo(() -> 40);
            assertEquals(40, log.retentionLimit());
            log.deleteExpiredSegments(log.retentionLimit());
            assertTrue(log.logStartOffset() <= 40, "start " + log.logStartOffset());
            assertDense(readAll(log, log.logStartOffset()), log.logStartOffset(), 300);
        }
    }

    @Test
    void truncationAcrossSegmentsRemovesRecordsAndTheirEpochs() {
        try (PartitionLog log = open(small)) {
            for (int i = 0; i < 100; i++) {
                log.append(batch(i * 3, 3, 0), i < 50 ? 1 : 2);
            }
            assertEquals(List.of(new LeaderEpochCache.EpochEntry(1, 0), new LeaderEpochCache.EpochEntry(2, 150)),
                    log.leaderEpochs());
            assertEquals(new LeaderEpochCache.EpochEnd(1, 150), log.endOffsetForEpoch(1));
            assertEquals(new LeaderEpochCache.EpochEnd(2, 300), log.endOffsetForEpoch(2));
            assertEquals(new LeaderEpochCache.EpochEnd(2, 300), log.endOffsetForEpoch(7));
            log.truncateTo(120);
            assertEquals(120, log.logEndOffset());
            assertEquals(List.of(new LeaderEpochCache.EpochEntry(1, 0)), log.leaderEpochs());
            assertDense(readAll(log, 0), 0, 120);
            log.append(batch(120, 3, 0), 3);
            assertDense(readAll(log, 100), 100, 123);
        }
        try (PartitionLog reopened = open(small)) {
            assertEquals(123, reopened.logEndOffset());
            assertEquals(List.of(new LeaderEpochCache.EpochEntry(1, 0), new LeaderEpochCache.EpochEntry(3, 120)),
                    reopened.leaderEpochs(), "epochs persist across a restart");
        }
    }

    @Test
    void timestampLookupUsesTheTimeIndexAcrossSegments() {
        try (PartitionLog log = open(small)) {
            fill(log, 10_000); // record o has timestamp 10_000 + o
            assertEquals(0, log.offsetForTimestamp(0));
            assertEquals(137, log.offsetForTimestamp(10_137));
            assertEquals(299, log.offsetForTimestamp(10_299));
            assertEquals(300, log.offsetForTimestamp(99_999));
        }
    }

    @Test
    void idleSegmentsReleaseTheirHandlesAndReadAgainOnDemand() {
        try (PartitionLog log = open(small)) {
            fill(log, 0);
            readAll(log, 0);
            int released = log.releaseIdleSegments(Long.MAX_VALUE);
            assertEquals(log.segmentCount() - 1, released, "every sealed segment let go");
            assertDense(readAll(log, 0), 0, 300);
        }
    }

    @Test
    void compressedBatchesAreStoredAsTheyArrived() {
        try (PartitionLog log = open(small)) {
            RecordBatchBuilder b = new RecordBatchBuilder(Compression.ZSTD);
            for (int i = 0; i < 50; i++) {
                b.append(i, null, ("compressible " + i).getBytes(StandardCharsets.UTF_8));
            }
            ByteBuffer sent = b.build();
            byte[] original = new byte[sent.remaining()];
            sent.duplicate().get(original);
            log.append(sent, 4);
            byte[] stored = log.read(0, 1 << 20, Long.MAX_VALUE).toByteArray();
            RecordBatch back = RecordBatch.readFrom(ByteBuffer.wrap(stored));
            back.ensureValid();
            assertEquals(Compression.ZSTD, back.compression());
            assertEquals(4, back.partitionLeaderEpoch());
            // Only base offset (0 here) and leader epoch differ from what was sent.
            System.arraycopy(original, 0, stored, 0, 12);
            stored[12] = original[12];
            stored[13] = original[13];
            stored[14] = original[14];
            stored[15] = original[15];
            assertArrayEquals(original, stored);
        }
    }

    @Test
    void flushBatchAppendsCompleteOnlyWhenDurableAndReadersSeeOnlyDurableData() {
        try (PartitionLog log = open(small)) {
            PartitionLog.AppendResult r = log.appendAsync(batch(0, 3, 0), 1).join();
            assertEquals(2, r.lastOffset());
            assertEquals(3, log.durableEndOffset());
        }
        try (PartitionLog log = open(small.withFlush(new LogConfig.FlushPolicy.Os()))) {
            log.append(batch(3, 3, 0), 1);
            assertEquals(6, log.durableEndOffset(), "flush=os counts written data as readable");
        }
    }
}
