package io.strata.storage.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A sparse, append-only index of one segment: entries of (key, value) pairs with keys and
 * values never decreasing. Two of them exist per segment:
 * <ul>
 *   <li>offset index {@code <base>.index}: key = batch base offset - segment base (int),
 *       value = file position of that batch (int); 8 bytes an entry;</li>
 *   <li>time index {@code <base>.timeindex}: key = largest timestamp so far (long), value =
 *       base offset - segment base of the batch that reached it (int); 12 bytes an entry.</li>
 * </ul>
 * Entries live in memory (a few bytes per {@code index.interval.bytes} of log) and are written
 * to the file whole when the segment is rolled or the log closes cleanly; both files are
 * derived data, rebuilt from the log whenever they are missing, torn or inconsistent.
 *
 * <p>Thread-safety: one writer (the log's append lock); readers see a consistent prefix
 * through the volatile entry count.
 */
final class SparseIndex {
    private final boolean longKeys;
    private long[] keys = new long[64];
    private int[] values = new int[64];
    private volatile int count;

    private SparseIndex(boolean longKeys) {
        this.longKeys = longKeys;
    }

    static SparseIndex offsets() {
        return new SparseIndex(false);
    }

    static SparseIndex timestamps() {
        return new SparseIndex(true);
    }

    int entrySize() {
        return longKeys ? 12 : 8;
    }

    int count() {
        return count;
    }

    long lastKey() {
        int n = count;
        return n == 0 ? Long.MIN_VALUE : keys[n - 1];
    }

    int lastValue() {
        int n = count;
        return n == 0 ? -1 : values[n - 1];
    }

    /** Appends an entry; single writer only. Keys and values must not decrease. */
    void append(long key, int value) {
        int n = count;
        if (n == keys.length) {
            keys = Arrays.copyOf(keys, n * 2);
            values = Arrays.copyOf(values, n * 2);
        }
        keys[n] = key;
        values[n] = value;
        count = n + 1;
    }

    /** Index of the last entry whose key is <= {@code key}, or -1. */
    int floor(long key) {
        int n = count;
        long[] k = keys;
        int lo = 0;
        int hi = n - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (k[mid] <= key) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return hi;
    }

    /** Index of the first entry whose key is >= {@code key}, or count. */
    int ceiling(long key) {
        int f = floor(key - 1);
        return f + 1;
    }

    long keyAt(int i) {
        return keys[i];
    }

    int valueAt(int i) {
        return values[i];
    }

    /** Drops every entry whose value is >= {@code value} (after a truncation). Single writer only. */
    void truncateValuesFrom(int value) {
        int n = count;
        while (n > 0 && values[n - 1] >= value) {
            n--;
        }
        count = n;
    }

    void clear() {
        count = 0;
    }

    /** Writes all entries to {@code file} (replacing it) and fsyncs it. */
    void writeTo(Path file) throws IOException {
        int n = count;
        ByteBuffer buf = ByteBuffer.allocate(n * entrySize());
        for (int i = 0; i < n; i++) {
            if (longKeys) {
                buf.putLong(keys[i]);
            } else {
                buf.putInt((int) keys[i]);
            }
            buf.putInt(values[i]);
        }
        buf.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    /**
     * Loads entries from {@code file}, or returns false (leaving this index empty) when the file
     * is missing or not a well-formed index for a log of {@code logSize} bytes: a size that is not
     * a whole number of entries, keys or values that decrease, or a position past the log.
     */
    boolean loadFrom(Path file, long logSize) throws IOException {
        clear();
        if (!Files.exists(file)) {
            return false;
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length % entrySize() != 0) {
            return false;
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        long prevKey = Long.MIN_VALUE;
        int prevValue = -1;
        while (buf.hasRemaining()) {
            long key = longKeys ? buf.getLong() : buf.getInt();
            int value = buf.getInt();
            boolean positionOk = longKeys || value < logSize;
            if (key < prevKey || value < prevValue || value < 0 || !positionOk) {
                clear();
                return false;
            }
            append(key, value);
            prevKey = key;
            prevValue = value;
        }
        return true;
    }
}
