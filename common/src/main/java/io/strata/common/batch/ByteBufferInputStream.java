package io.strata.common.batch;

import java.io.InputStream;
import java.nio.ByteBuffer;

/** Reads the remaining bytes of a (heap or direct) buffer without copying it first. Not thread-safe. */
final class ByteBufferInputStream extends InputStream {
    private final ByteBuffer buf;

    ByteBufferInputStream(ByteBuffer buf) {
        this.buf = buf.duplicate();
    }

    @Override
    public int read() {
        return buf.hasRemaining() ? buf.get() & 0xff : -1;
    }

    @Override
    public int read(byte[] dst, int off, int len) {
        if (len == 0) {
            return 0;
        }
        if (!buf.hasRemaining()) {
            return -1;
        }
        int n = Math.min(len, buf.remaining());
        buf.get(dst, off, n);
        return n;
    }

    @Override
    public int available() {
        return buf.remaining();
    }
}
