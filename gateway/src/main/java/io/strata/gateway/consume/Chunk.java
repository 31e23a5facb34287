package io.strata.gateway.consume;

import com.google.protobuf.ByteString;
import io.strata.common.batch.RecordBatch;
import io.strata.common.batch.RecordBatches;
import io.strata.proto.ConsumedRecord;
import java.util.List;

/**
 * What one read of a partition found, starting at offset {@code from}: decoded {@code records},
 * or with a raw read the {@code raw} batches as stored (CRC-checked; the first may begin before
 * {@code from}), {@code rawRecords} of them from {@code from} on. Then the position after them,
 * and the partition's high watermark and log start.
 */
public record Chunk(long from, List<ConsumedRecord> records, ByteString raw, int rawRecords, long nextOffset,
                   long highWatermark, long logStartOffset) {

    /** A chunk cut in two: the records a poll returns, and what is left for the next poll (null if nothing). */
    record Split(Chunk head, Chunk rest) {
    }

    static Chunk decoded(long from, List<ConsumedRecord> records, long nextOffset, long highWatermark,
                         long logStartOffset) {
        return new Chunk(from, records, null, 0, nextOffset, highWatermark, logStartOffset);
    }

    public boolean isEmpty() {
        return records.isEmpty() && rawRecords == 0;
    }

    public int recordCount() {
        return records.size() + rawRecords;
    }

    /**
     * The first {@code maxRecords} records and the rest. Raw chunks are cut between batches, so the
     * head may hold up to one batch more than asked for.
     */
    Split split(int maxRecords) {
        if (recordCount() <= maxRecords) {
            return new Split(this, null);
        }
        if (maxRecords <= 0) {
            return new Split(new Chunk(from, List.of(), raw == null ? null : ByteString.EMPTY, 0, from,
                    highWatermark, logStartOffset), this);
        }
        return raw == null ? splitRecords(maxRecords) : splitBatches(maxRecords);
    }

    private Split splitRecords(int maxRecords) {
        long cut = records.get(maxRecords).getOffset();
        return new Split(new Chunk(from, records.subList(0, maxRecords), null, 0, cut, highWatermark, logStartOffset),
                new Chunk(cut, records.subList(maxRecords, records.size()), null, 0, nextOffset, highWatermark,
                        logStartOffset));
    }

    private Split splitBatches(int maxRecords) {
        RecordBatches batches = RecordBatches.scan(raw.asReadOnlyByteBuffer(), Integer.MAX_VALUE);
        int taken = 0;
        int bytes = 0;
        long cut = from;
        while (taken < maxRecords && batches.hasNext()) {
            RecordBatch batch = batches.next();
            taken += (int) (batch.lastOffset() - Math.max(from, batch.baseOffset()) + 1);
            bytes += batch.sizeInBytes();
            cut = batch.lastOffset() + 1;
        }
        if (bytes == raw.size()) {
            return new Split(this, null);
        }
        return new Split(new Chunk(from, List.of(), raw.substring(0, bytes), taken, cut, highWatermark, logStartOffset),
                new Chunk(cut, List.of(), raw.substring(bytes), rawRecords - taken, nextOffset, highWatermark,
                        logStartOffset));
    }
}
