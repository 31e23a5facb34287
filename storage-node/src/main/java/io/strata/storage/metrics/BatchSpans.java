package io.strata.storage.metrics;

import com.google.protobuf.ByteString;
import io.strata.common.batch.BatchLayout;

/**
 * How many offsets a run of record batches covers, read from their headers only (first base
 * offset to last base offset + last offset delta): the record count of a fetch without decoding
 * it. Equal to the record count unless compaction left gaps, which Strata does not do.
 */
final class BatchSpans {
    private BatchSpans() {
    }

    static long offsets(ByteString batches) {
        int size = batches.size();
        int pos = 0;
        long first = -1;
        long last = -1;
        while (pos + BatchLayout.HEADER_SIZE <= size) {
            long base = readLong(batches, pos + BatchLayout.BASE_OFFSET_OFFSET);
            int length = readInt(batches, pos + BatchLayout.BATCH_LENGTH_OFFSET);
            if (first < 0) {
                first = base;
            }
            last = base + readInt(batches, pos + BatchLayout.LAST_OFFSET_DELTA_OFFSET);
            if (length < BatchLayout.MIN_BATCH_LENGTH) {
                break;
            }
            pos += BatchLayout.LOG_OVERHEAD + length;
        }
        return first < 0 ? 0 : last - first + 1;
    }

    private static int readInt(ByteString b, int at) {
        return (b.byteAt(at) & 0xff) << 24 | (b.byteAt(at + 1) & 0xff) << 16 | (b.byteAt(at + 2) & 0xff) << 8
                | (b.byteAt(at + 3) & 0xff);
    }

    private static long readLong(ByteString b, int at) {
        return (long) readInt(b, at) << 32 | (readInt(b, at + 4) & 0xffffffffL);
    }
}
