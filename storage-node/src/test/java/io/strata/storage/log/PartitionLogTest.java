package io.strata.storage.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unit tests of {@link PartitionLog} on real files: offset assignment, reads, reopening, crash
 * recovery from a torn or corrupt tail, and validation of appended batches.
 */
class PartitionLogTest {
    static final int MAX_BATCH = 1024 * 1024;
    static final int EPOCH = 7;

    static final String SEGMENT_0 = "00000000000000000000.log";

    @TempDir
    Path dir;

    // ---------------------------------------------------------------- appends and reads

    @Test
    void appendsAssignDenseOffsetsAcrossBatchesAndAppends() {
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            assertEquals(0, log.logEndOffset());
            PartitionLog.AppendResult a = log.append(concat(batch(0, 3), batch(3, 2)), EPOCH);
            assertEquals(new PartitionLog.AppendResult(0, 4), a);
            PartitionLog.AppendResult b = log.append(batch(5, 1), EPOCH);
            assertEquals(new PartitionLog.AppendResult(5, 5), b);
            PartitionLog.AppendResult c = log.append(concat(batch(6, 4), batch(10, 1), batch(11, 2)), EPOCH);
            assertEquals(new PartitionLog.AppendResult(6, 12), c);
            assertEquals(13, log.logEndOffset());

            List<RecordBatch> batches = batchesOf(read(log, 0, Integer.MAX_VALUE, Long.MAX_VALUE));
            assertEquals(List.of(0L, 3L, 5L, 6L, 10L, 11L), batches.stream().map(RecordBatch::baseOffset).toList());
            List<Record> records = recordsOf(batches);
            for (int i = 0; i < records.size(); i++) {
                assertEquals(i, records.get(i).offset());
                assertEquals("v" + i, utf8(records.get(i).value()), "value of offset " + i);
            }
            batches.forEach(batch -> {
                assertTrue(batch.isValid(), "CRC still valid after offsets were assigned: " + batch);
                assertEquals(EPOCH, batch.partitionLeaderEpoch(), "leader epoch of " + batch);
            });
        }
    }

    @Test
    void appendAssignsOffsetsRegardlessOfTheBaseOffsetTheProducerSent() {
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            log.append(batch(0, 2), EPOCH);
            ByteBuffer b = batch(0, 3);
            b.putLong(BatchLayout.BASE_OFFSET_OFFSET, 12345L);
            assertEquals(new PartitionLog.AppendResult(2, 4), log.append(b, EPOCH));
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L), offsets(readAll(log)));
        }
    }

    @Test
    void readStartsWithTheBatchContainingTheOffset() {
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            log.append(concat(batch(0, 3), batch(3, 3), batch(6, 3)), EPOCH);
            for (long offset = 0; offset < 9; offset++) {
                List<RecordBatch> batches = batchesOf(read(log, offset, Integer.MAX_VALUE, Long.MAX_VALUE));
                assertEquals((offset / 3) * 3, batches.get(0).baseOffset(), "first batch read at offset " + offset);
                assertEquals(8, batches.get(batches.size() - 1).lastOffset(), "reads up to the end from " + offset);
            }
        }
    }

    @Test
    void readReturnsWholeBatchesWithinMaxBytes() {
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            ByteBuffer b0 = batch(0, 2);
            ByteBuffer b1 = batch(2, 2);
            ByteBuffer b2 = batch(4, 2);
            int s0 = b0.remaining();
            int s1 = b1.remaining();
            log.append(concat(b0, b1, b2), EPOCH);

            ByteBuffer two = read(log, 0, s0 + s1, Long.MAX_VALUE);
            assertEquals(s0 + s1, two.remaining(), "exactly the two batches that fit");
            assertEquals(List.of(0L, 2L), batchesOf(two).stream().map(RecordBatch::baseOffset).toList());

            ByteBuffer oneAndABit = read(log, 0, s0 + s1 - 1, Long.MAX_VALUE);
            assertEquals(List.of(0L), batchesOf(oneAndABit).stream().map(RecordBatch::baseOffset).toList(),
                    "a batch that does not fit whole is left out");
        }
    }

    @Test
    void readReturnsAtLeastOneBatchEvenIfLargerThanMaxBytes() {
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            RecordBatchBuilder big = new RecordBatchBuilder(Compression.NONE);
            big.append(1000, null, new byte[5000]);
            ByteBuffer bigBatch = big.build();
            int size = bigBatch.remaining();
            log.append(concat(bigBatch, batch(1, 1)), EPOCH);
            for (int maxBytes : new int[] {0, 1, 100, size - 1, size}) {
                List<RecordBatch> batches = batchesOf(read(log, 0, maxBytes, Long.MAX_VALUE));
                assertEquals(1, batches.size(), "one batch with maxBytes " + maxBytes);
                assertEquals(size, batches.get(0).sizeInBytes());
                assertEquals(5000, recordsOf(batches).get(0).value().length);
            }
        }
    }

    @Test
    void readStopsAtMaxOffset() {
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            log.append(concat(batch(0, 2), batch(2, 2), batch(4, 2)), EPOCH);
            assertEquals(List.of(0L, 2L), baseOffsets(read(log, 0, Integer.MAX_VALUE, 4)),
                    "batches starting at or past maxOffset are not returned");
            assertEquals(List.of(0L, 2L), baseOffsets(read(log, 0, Integer.MAX_VALUE, 3)),
                    "the batch holding maxOffset - 1 is returned whole");
            assertEquals(List.of(2L), baseOffsets(read(log, 2, Integer.MAX_VALUE, 3)));
            assertEquals(0, read(log, 4, Integer.MAX_VALUE, 4).remaining(), "reading at maxOffset is empty");
            assertEquals(0, read(log, 5, Integer.MAX_VALUE, 4).remaining(),
                    "past maxOffset but within the log: empty, as a consumer of a new leader may be there");
            StrataException past = assertThrows(StrataException.class, () -> read(log, 7, Integer.MAX_VALUE, 4));
            assertEquals(ErrorReason.OFFSET_OUT_OF_RANGE, past.reason(), "past the log end");
        }
    }

    @Test
    void readAtTheEndIsEmpty() {
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            assertEquals(0, read(log, 0, Integer.MAX_VALUE, Long.MAX_VALUE).remaining(), "an empty log reads empty at 0");
            log.append(batch(0, 3), EPOCH);
            assertEquals(0, read(log, 3, Integer.MAX_VALUE, Long.MAX_VALUE).remaining());
        }
    }

    @Test
    void readOutsideTheLogIsOffsetOutOfRange() {
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            log.append(batch(0, 3), EPOCH);
            for (long offset : new long[] {-1, Long.MIN_VALUE, 4, 100, Long.MAX_VALUE}) {
                StrataException e = assertThrows(StrataException.class,
                        () -> read(log, offset, Integer.MAX_VALUE, Long.MAX_VALUE), "read at " + offset);
                assertEquals(ErrorReason.OFFSET_OUT_OF_RANGE, e.reason(), "read at " + offset);
                assertTrue(e.getMessage().contains(Long.toString(offset)), "message names the offset: " + e.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------- reopening and recovery

    @Test
    void reopeningAfterCloseKeepsAllDataAndOffsets() {
        List<Record> before;
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            log.append(concat(batch(0, 3), batch(3, 4)), EPOCH);
            log.append(batch(7, 2), EPOCH + 1);
            before = readAll(log);
        }
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            assertEquals(9, log.logEndOffset());
            assertEquals(before, readAll(log));
            assertEquals(List.of(0L, 3L, 7L), baseOffsets(read(log, 0, Integer.MAX_VALUE, Long.MAX_VALUE)));
            assertEquals(new PartitionLog.AppendResult(9, 9), log.append(batch(9, 1), EPOCH));
        }
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            assertEquals(10, log.logEndOffset());
            assertEquals(offsetsUpTo(10), offsets(readAll(log)));
        }
    }

    @Test
    void tornTailIsTruncatedOnOpenAndAppendsContinue() throws IOException {
        int[] sizes = writeThreeBatches();
        long intact = sizes[0] + sizes[1];
        truncate(intact + sizes[2] / 2);

        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            assertEquals(5, log.logEndOffset(), "offsets of the torn batch are gone");
            assertEquals(offsetsUpTo(5), offsets(readAll(log)));
            assertEquals(intact, fileSize(), "the torn bytes were cut off");
            assertEquals(new PartitionLog.AppendResult(5, 6), log.append(batch(100, 2), EPOCH));
            assertEquals(offsetsUpTo(7), offsets(readAll(log)));
        }
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            assertEquals(offsetsUpTo(7), offsets(readAll(log)), "the append after recovery survives a reopen");
        }
    }

    @Test
    void tornBatchHeaderIsTruncatedOnOpen() throws IOException {
        int[] sizes = writeThreeBatches();
        long intact = sizes[0] + sizes[1];
        truncate(intact + 5); // not even baseOffset + batchLength of the last batch
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            assertEquals(offsetsUpTo(5), offsets(readAll(log)));
            assertEquals(intact, fileSize());
        }
    }

    @Test
    void flippedByteInTheLastBatchIsTruncatedOnOpenAndAppendsContinue() throws IOException {
        int[] sizes = writeThreeBatches();
        long intact = sizes[0] + sizes[1];
        flip(intact + sizes[2] - 3); // inside the last record's value

        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            assertEquals(5, log.logEndOffset());
            assertEquals(offsetsUpTo(5), offsets(readAll(log)));
            assertEquals(intact, fileSize(), "the corrupt batch was cut off");
            assertEquals(new PartitionLog.AppendResult(5, 5), log.append(batch(0, 1), EPOCH));
            assertEquals(offsetsUpTo(6), offsets(readAll(log)));
        }
    }

    @Test
    void flippedByteInAMiddleBatchDropsItAndEverythingAfter() throws IOException {
        int[] sizes = writeThreeBatches();
        flip(sizes[0] + BatchLayout.RECORDS_OFFSET + 2);
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            assertEquals(offsetsUpTo(2), offsets(readAll(log)), "only the batch before the damage is served");
            assertEquals(sizes[0], fileSize());
        }
    }

    @Test
    void trailingBytesTooShortForAHeaderAreTruncated() throws IOException {
        int[] sizes = writeThreeBatches();
        long total = sizes[0] + sizes[1] + sizes[2];
        try (FileChannel ch = FileChannel.open(logFile(), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0, 0, 0}), total);
        }
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            assertEquals(offsetsUpTo(9), offsets(readAll(log)));
            assertEquals(total, fileSize());
        }
    }

    /**
     * Property: whatever single fault hits the file — a cut at any byte, or one byte flipped
     * anywhere — the reopened log serves exactly a prefix of what was written, keeps every batch
     * that lies entirely before the damage, and drops the damaged batch and all after it. The
     * one exception is the 4-byte partitionLeaderEpoch field, which (as in Kafka's format) the
     * CRC does not cover: a flip there leaves every record intact and served.
     */
    @Test
    void anyTruncationOrFlippedByteLeavesAnExactPrefixOfTheWrittenRecords() throws IOException {
        long seed = 20240611L;
        Random random = new Random(seed);
        for (int c = 0; c < 200; c++) {
            Path caseDir = dir.resolve("case-" + c);
            List<Record> written = new ArrayList<>();
            List<Long> batchEnds = new ArrayList<>(); // file position after each batch
            List<Long> batchNextOffsets = new ArrayList<>();
            List<ByteBuffer> batches = new ArrayList<>();
            int batchCount = 1 + random.nextInt(8);
            long offset = 0;
            long position = 0;
            for (int b = 0; b < batchCount; b++) {
                int n = 1 + random.nextInt(6);
                RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
                for (int r = 0; r < n; r++) {
                    long ts = 1_700_000_000_000L + random.nextInt(1_000_000);
                    byte[] key = random.nextInt(4) == 0 ? null : randomBytes(random, random.nextInt(20));
                    byte[] value = random.nextInt(10) == 0 ? null : randomBytes(random, random.nextInt(120));
                    builder.append(ts, key, value);
                    written.add(Record.of(offset++, ts, key, value, List.of()));
                }
                ByteBuffer batch = builder.build();
                position += batch.remaining();
                batches.add(batch);
                batchEnds.add(position);
                batchNextOffsets.add(offset);
            }
            try (PartitionLog log = PartitionLog.open(caseDir, MAX_BATCH)) {
                log.append(concat(batches.toArray(new ByteBuffer[0])), EPOCH);
            }
            Path file = caseDir.resolve(SEGMENT_0);
            long size = Files.size(file);
            assertEquals(position, size);

            boolean truncate = random.nextBoolean();
            long damageAt = random.nextInt((int) size); // a cut point or the byte to flip
            String fault;
            if (truncate) {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(damageAt);
                }
                fault = "truncated to " + damageAt + " of " + size + " bytes";
            } else {
                int mask = 1 + random.nextInt(255);
                flipByte(file, damageAt, mask);
                fault = "byte " + damageAt + " of " + size + " xor 0x" + Integer.toHexString(mask);
            }
            int intactBatches = 0;
            while (intactBatches < batchCount && batchEnds.get(intactBatches) <= damageAt) {
                intactBatches++;
            }
            long damagedBatchStart = intactBatches == 0 ? 0 : batchEnds.get(intactBatches - 1);
            boolean inUncheckedEpoch = !truncate
                    && damageAt - damagedBatchStart >= BatchLayout.PARTITION_LEADER_EPOCH_OFFSET
                    && damageAt - damagedBatchStart < BatchLayout.MAGIC_OFFSET;
            int expectedBatches = inUncheckedEpoch ? batchCount : intactBatches;
            long expectedEnd = expectedBatches == 0 ? 0 : batchNextOffsets.get(expectedBatches - 1);
            long expectedSize = expectedBatches == 0 ? 0 : batchEnds.get(expectedBatches - 1);
            String what = "case " + c + " (seed " + seed + ", " + batchCount + " batches ending at " + batchEnds
                    + "): " + fault;

            try (PartitionLog log = PartitionLog.open(caseDir, MAX_BATCH)) {
                List<Record> served = readAll(log);
                assertTrue(served.size() <= written.size(), what);
                assertEquals(written.subList(0, served.size()), served, "served records are a prefix; " + what);
                assertEquals(expectedEnd, log.logEndOffset(), "log end offset; " + what);
                assertEquals(expectedEnd, served.size(), "records served; " + what);
                assertEquals(expectedSize, Files.size(file), "file size after recovery; " + what);
                PartitionLog.AppendResult next = log.append(batch(0, 1), EPOCH);
                assertEquals(expectedEnd, next.baseOffset(), "the next append continues at the end; " + what);
            }
        }
    }

    // ---------------------------------------------------------------- rejected appends

    @Test
    void appendRejectsABatchWithABadCrcAndWritesNothing() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            log.append(batch(0, 2), EPOCH);
            long size = fileSize();
            ByteBuffer bad = batch(2, 3);
            bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) ^ 0x40));
            assertRejected(log, concat(batch(2, 1), bad), ErrorReason.CORRUPT_BATCH, "CRC", size);
            ByteBuffer badCrc = batch(2, 1);
            badCrc.putInt(BatchLayout.CRC_OFFSET, badCrc.getInt(BatchLayout.CRC_OFFSET) + 1);
            assertRejected(log, badCrc, ErrorReason.CORRUPT_BATCH, "CRC", size);
        }
    }

    @Test
    void appendRejectsTrailingGarbageAndWritesNothing() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            log.append(batch(0, 2), EPOCH);
            long size = fileSize();
            assertRejected(log, concat(batch(2, 2), ByteBuffer.wrap(new byte[] {1, 2, 3})),
                    ErrorReason.CORRUPT_BATCH, "ends inside a batch", size);
            ByteBuffer full = batch(2, 2);
            ByteBuffer torn = full.slice(0, full.remaining() - 1);
            assertRejected(log, torn, ErrorReason.CORRUPT_BATCH, "ends inside a batch", size);
            byte[] junk = new byte[100];
            new Random(1).nextBytes(junk);
            junk[BatchLayout.MAGIC_OFFSET] = 5;
            assertRejected(log, concat(batch(2, 1), ByteBuffer.wrap(junk)), ErrorReason.CORRUPT_BATCH, "", size);
        }
    }

    @Test
    void appendRejectsAnEmptyBufferAndWritesNothing() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            log.append(batch(0, 2), EPOCH);
            long size = fileSize();
            assertRejected(log, ByteBuffer.allocate(0), ErrorReason.INVALID_ARGUMENT, "no record batches", size);
        }
    }

    @Test
    void appendRejectsABatchWithoutRecordsAndWritesNothing() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            log.append(batch(0, 2), EPOCH);
            long size = fileSize();
            ByteBuffer empty = ByteBuffer.allocate(BatchLayout.HEADER_SIZE);
            empty.putInt(BatchLayout.BATCH_LENGTH_OFFSET, BatchLayout.MIN_BATCH_LENGTH);
            empty.put(BatchLayout.MAGIC_OFFSET, BatchLayout.MAGIC_V2);
            empty.putInt(BatchLayout.LAST_OFFSET_DELTA_OFFSET, 0);
            empty.putInt(BatchLayout.RECORD_COUNT_OFFSET, 0);
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(empty.array(), BatchLayout.CRC_COVERED_START, BatchLayout.HEADER_SIZE - BatchLayout.CRC_COVERED_START);
            empty.putInt(BatchLayout.CRC_OFFSET, (int) crc.getValue());
            assertRejected(log, empty, ErrorReason.CORRUPT_BATCH, "no records", size);
        }
    }

    @Test
    void appendRejectsABatchLargerThanTheMaximum() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, 1024)) {
            log.append(batch(0, 1), EPOCH);
            long size = fileSize();
            RecordBatchBuilder big = new RecordBatchBuilder(Compression.NONE);
            big.append(1, null, new byte[2000]);
            assertRejected(log, big.build(), ErrorReason.RECORD_TOO_LARGE, "1024", size);
        }
    }

    // ---------------------------------------------------------------- timestamps

    @Test
    void offsetForTimestampFindsTheFirstRecordAtOrAfterIt() {
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            // offsets 0..8 with timestamps 1000, 1010, ..., 1080, in three batches of three
            ByteBuffer[] batches = new ByteBuffer[3];
            for (int b = 0; b < 3; b++) {
                RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
                for (int r = 0; r < 3; r++) {
                    int offset = b * 3 + r;
                    builder.append(1000 + 10L * offset, null, utf8("v" + offset));
                }
                batches[b] = builder.build();
            }
            log.append(concat(batches), EPOCH);

            assertEquals(0, log.offsetForTimestamp(Long.MIN_VALUE));
            assertEquals(0, log.offsetForTimestamp(0));
            assertEquals(0, log.offsetForTimestamp(1000));
            assertEquals(1, log.offsetForTimestamp(1001));
            assertEquals(1, log.offsetForTimestamp(1010));
            assertEquals(3, log.offsetForTimestamp(1021), "first record of the next batch");
            assertEquals(4, log.offsetForTimestamp(1040), "a record in the middle of a batch");
            assertEquals(5, log.offsetForTimestamp(1045));
            assertEquals(8, log.offsetForTimestamp(1080), "the last record");
            assertEquals(9, log.offsetForTimestamp(1081), "past the last record: the end offset");
            assertEquals(9, log.offsetForTimestamp(Long.MAX_VALUE));
        }
    }

    @Test
    void offsetForTimestampOnAnEmptyLogIsTheEnd() {
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            assertEquals(0, log.offsetForTimestamp(0));
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Writes batches of 2, 3 and 4 records (offsets 0-1, 2-4, 5-8) in one append; returns their sizes. */
    private int[] writeThreeBatches() throws IOException {
        ByteBuffer a = batch(0, 2);
        ByteBuffer b = batch(2, 3);
        ByteBuffer c = batch(5, 4);
        int[] sizes = {a.remaining(), b.remaining(), c.remaining()};
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            log.append(concat(a, b, c), EPOCH);
            assertEquals(9, log.logEndOffset());
        }
        assertEquals(sizes[0] + sizes[1] + sizes[2], fileSize());
        return sizes;
    }

    @Test
    void aFollowerRestartedAtTheLeadersLogStartContinuesFromThereAndKeepsItAfterReopening() {
        Path followerDir = dir.resolve("follower");
        try (PartitionLog leader = PartitionLog.open(dir.resolve("leader"), MAX_BATCH);
             PartitionLog follower = PartitionLog.open(followerDir, MAX_BATCH)) {
            leader.append(batch(0, 5), EPOCH);
            leader.append(batch(5, 5), EPOCH + 1);
            follower.append(batch(0, 2), EPOCH - 1);

            follower.truncateFullyAndStartAt(5);
            assertEquals(5, follower.logStartOffset());
            assertEquals(5, follower.logEndOffset());
            assertEquals(List.of(), follower.leaderEpochs(), "the stale epochs are gone");
            assertThrows(StrataException.class, () -> follower.read(0, 100, Long.MAX_VALUE));

            follower.appendAsFollower(read(leader, 5, MAX_BATCH, leader.logEndOffset())).join();
            assertEquals(10, follower.logEndOffset());
            assertEquals(List.of(new LeaderEpochCache.EpochEntry(EPOCH + 1, 5)), follower.leaderEpochs());
        }
        try (PartitionLog reopened = PartitionLog.open(followerDir, MAX_BATCH)) {
            assertEquals(5, reopened.logStartOffset());
            assertEquals(10, reopened.logEndOffset());
            assertEquals(List.of(5L, 6L, 7L, 8L, 9L), offsets(recordsOf(batchesOf(read(reopened, 5, MAX_BATCH,
                    Long.MAX_VALUE)))));
        }
    }

    private void assertRejected(PartitionLog log, ByteBuffer batches, ErrorReason reason, String messagePart,
                                long sizeBefore) throws IOException {
        long endBefore = log.logEndOffset();
        List<Record> before = readAll(log);
        StrataException e = assertThrows(StrataException.class, () -> log.append(batches, EPOCH));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage() != null && e.getMessage().contains(messagePart),
                "message '" + e.getMessage() + "' mentions '" + messagePart + "'");
        assertEquals(endBefore, log.logEndOffset(), "log end unchanged");
        assertEquals(sizeBefore, fileSize(), "file size unchanged");
        assertEquals(before, readAll(log), "records unchanged");
    }

    /** A batch of {@code count} records with values "v<firstOffset + i>" and timestamps 1000 + offset. */
    private static ByteBuffer batch(long firstOffset, int count) {
        RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
        for (int i = 0; i < count; i++) {
            long offset = firstOffset + i;
            builder.append(1000 + offset, utf8("k" + offset), utf8("v" + offset));
        }
        return builder.build();
    }

    private static ByteBuffer concat(ByteBuffer... parts) {
        int size = 0;
        for (ByteBuffer p : parts) {
            size += p.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        for (ByteBuffer p : parts) {
            out.put(p.duplicate());
        }
        return out.flip();
    }

    private static ByteBuffer read(PartitionLog log, long offset, int maxBytes, long maxOffset) {
        return log.read(offset, maxBytes, maxOffset).asReadOnlyByteBuffer();
    }

    private static List<RecordBatch> batchesOf(ByteBuffer data) {
        List<RecordBatch> out = new ArrayList<>();
        RecordBatches it = RecordBatches.scan(data, Integer.MAX_VALUE);
        while (it.hasNext()) {
            RecordBatch b = it.next();
            b.ensureValid();
            out.add(b);
        }
        assertFalse(it.truncated(), "a read returns whole batches only");
        assertEquals(data.remaining(), it.validBytes(), "a read holds nothing but batches");
        return out;
    }

    private static List<Long> baseOffsets(ByteBuffer data) {
        return batchesOf(data).stream().map(RecordBatch::baseOffset).toList();
    }

    private static List<Record> recordsOf(List<RecordBatch> batches) {
        List<Record> out = new ArrayList<>();
        for (RecordBatch b : batches) {
            b.records().forEach(out::add);
        }
        return out;
    }

    /** Every record of the log, read from offset 0 in small steps. */
    private static List<Record> readAll(PartitionLog log) {
        List<Record> out = new ArrayList<>();
        long next = 0;
        while (next < log.logEndOffset()) {
            List<RecordBatch> batches = batchesOf(read(log, next, 256, Long.MAX_VALUE));
            assertFalse(batches.isEmpty(), "a read below the end returns a batch");
            for (Record r : recordsOf(batches)) {
                if (r.offset() >= next) {
                    out.add(r);
                }
            }
            next = batches.get(batches.size() - 1).nextOffset();
        }
        assertEquals(0, read(log, next, 256, Long.MAX_VALUE).remaining());
        return out;
    }

    private static List<Long> offsets(List<Record> records) {
        return records.stream().map(Record::offset).toList();
    }

    private static List<Long> offsetsUpTo(long end) {
        List<Long> out = new ArrayList<>();
        for (long o = 0; o < end; o++) {
            out.add(o);
        }
        return out;
    }

    private Path logFile() {
        return dir.resolve(SEGMENT_0);
    }

    private long fileSize() throws IOException {
        return Files.size(logFile());
    }

    private void truncate(long size) throws IOException {
        try (FileChannel ch = FileChannel.open(logFile(), StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
        forgetCleanShutdown(logFile().getParent());
    }

    private void flip(long position) throws IOException {
        flipByte(logFile(), position, 0xFF);
    }

    private static void flipByte(Path file, long position, int mask) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, position);
            one.put(0, (byte) (one.get(0) ^ mask));
            one.rewind();
            ch.write(one, position);
        }
        forgetCleanShutdown(file.getParent());
    }

    /**
     * Damage comes with a crash, and a crash leaves no clean-shutdown mark: remove it, as a
     * kill -9 before {@code close()} would have, so the reopened log must scan its files.
     */
    private static void forgetCleanShutdown(Path logDir) throws IOException {
        Files.deleteIfExists(logDir.resolve(PartitionLog.RECOVERY_POINT_FILE));
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
