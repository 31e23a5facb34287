package io.strata.common.batch;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An append-only, growable big-endian byte array, usable as an {@link OutputStream} so
 * compressors write straight into it. Also supports in-place writes at an absolute index (to fill
 * in a header once the body is known).
 *
 * <p>Not thread-safe.
 */
final class GrowableBuffer extends OutputStream {
    private byte[] bytes;
    private int size;

    GrowableBuffer(int initialCapacity) {
        bytes = new byte[Math.max(16, initialCapacity)];
    }

    int size() {
        return size;
    }

    byte[] array() {
        return bytes;
    }

    /** Marks {@code n} bytes written directly into {@link #array()} past {@link #size()}. */
    void advance(int n) {
        size += n;
    }

    void reset() {
        size = 0;
    }

    /** Reserves {@code n} zero bytes at the end (e.g. a header filled in later). */
    void skip(int n) {
        ensure(n);
        Arrays.fill(bytes, size, size + n, (byte) 0);
        size += n;
    }

    @Override
    public void write(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] src, int off, int len) {
        ensure(len);
        System.arraycopy(src, off, bytes, size, len);
        size += len;
    }

    @Override
    public void write(byte[] src) {
        write(src, 0, src.length);
    }

    void writeVarint(int value) {
        ensure(5);
        int v = (value << 1) ^ (value >> 31);
        while ((v & 0xffffff80) != 0) {
            bytes[size++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        bytes[size++] = (byte) v;
    }

    void writeVarlong(long value) {
        ensure(10);
        long v = (value << 1) ^ (value >> 63);
        while ((v & 0xffffffffffffff80L) != 0L) {
            bytes[size++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        bytes[size++] = (byte) v;
    }

    void putShort(int index, short v) {
        bytes[index] = (byte) (v >>> 8);
        bytes[index + 1] = (byte) v;
    }

    void putInt(int index, int v) {
        bytes[index] = (byte) (v >>> 24);
        bytes[index + 1] = (byte) (v >>> 16);
        bytes[index + 2] = (byte) (v >>> 8);
        bytes[index + 3] = (byte) v;
    }

    void putLong(int index, long v) {
        putInt(index, (int) (v >>> 32));
        putInt(index + 4, (int) v);
    }

    /** A view of bytes [from, size) sharing this buffer's array (invalidated by later growth). */
    ByteBuffer view(int from) {
        return ByteBuffer.wrap(bytes, from, size - from);
    }

    /** Makes room for {@code extra} more bytes without changing {@link #size()}. */
    void ensure(int extra) {
        int needed = size + extra;
        if (needed < 0) {
            throw new IllegalStateException("buffer would exceed 2 GiB");
        }
        if (needed > bytes.length) {
            long grown = Math.max((long) bytes.length * 2, needed);
            bytes = Arrays.copyOf(bytes, (int) Math.min(grown, Integer.MAX_VALUE - 8));
        }
    }
}
