package io.strata.common.batch;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdException;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.xerial.snappy.SnappyOutputStream;

/**
 * How the records section of a batch is compressed (attributes bits 0-2). The whole records
 * section is one compressed block, in the same stream format Kafka uses, so batches are readable
 * by Kafka clients and vice versa:
 *
 * <ul>
 *   <li>{@link #GZIP}: a gzip stream (RFC 1952), JDK {@code java.util.zip};</li>
 *   <li>{@link #SNAPPY}: snappy-java's {@code SnappyOutputStream} framing (see
 *       {@code SnappyFraming}) — not the snappy "framing format" of the snappy spec;</li>
 *   <li>{@link #LZ4}: the LZ4 frame format with 64 KiB independent blocks (see {@code Lz4Frame});</li>
 *   <li>{@link #ZSTD}: a zstd frame (level 3), read with zstd-jni's streaming decoder.</li>
 * </ul>
 *
 * <p>Thread-safe: every method may be called concurrently.
 */
public enum Compression {
    NONE(0) {
        @Override
        void compress(byte[] src, int off, int len, GrowableBuffer out) {
            out.write(src, off, len);
        }

        @Override
        void decompress(ByteBuffer src, GrowableBuffer out, int maxBytes) throws IOException {
            if (src.remaining() > maxBytes) {
                throw new IOException("data exceeds the limit of " + maxBytes + " bytes");
            }
            out.ensure(src.remaining());
            src.duplicate().get(out.array(), out.size(), src.remaining());
            out.advance(src.remaining());
        }
    },
    GZIP(1) {
        @Override
        void compress(byte[] src, int off, int len, GrowableBuffer out) throws IOException {
            try (OutputStream gz = new GZIPOutputStream(out, 8 * 1024)) {
                gz.write(src, off, len);
            }
        }

        @Override
        void decompress(ByteBuffer src, GrowableBuffer out, int maxBytes) throws IOException {
            try (InputStream in = new GZIPInputStream(new ByteBufferInputStream(src), 8 * 1024)) {
                drain(in, out, maxBytes);
            }
        }
    },
    SNAPPY(2) {
        @Override
        void compress(byte[] src, int off, int len, GrowableBuffer out) throws IOException {
            try (OutputStream snappy = new SnappyOutputStream(out)) {
                snappy.write(src, off, len);
            }
        }

        @Override
        void decompress(ByteBuffer src, GrowableBuffer out, int maxBytes) throws IOException {
            SnappyFraming.decompress(src, out, maxBytes);
        }
    },
    LZ4(3) {
        @Override
        void compress(byte[] src, int off, int len, GrowableBuffer out) {
            Lz4Frame.compress(src, off, len, out);
        }

        @Override
        void decompress(ByteBuffer src, GrowableBuffer out, int maxBytes) throws IOException {
            Lz4Frame.decompress(src, out, maxBytes);
        }
    },
    ZSTD(4) {
        @Override
        void compress(byte[] src, int off, int len, GrowableBuffer out) throws IOException {
            int bound = (int) Math.min(Zstd.compressBound(len), Integer.MAX_VALUE - 8);
            out.ensure(bound);
            long n = Zstd.compressByteArray(out.array(), out.size(), bound, src, off, len, ZSTD_LEVEL);
            if (Zstd.isError(n)) {
                throw new IOException("zstd: " + Zstd.getErrorName(n));
            }
            out.advance((int) n);
        }

        @Override
        void decompress(ByteBuffer src, GrowableBuffer out, int maxBytes) throws IOException {
            if (!src.hasRemaining()) {
                throw new IOException("zstd: no frame (empty input)");
            }
            try (InputStream in = new ZstdInputStreamNoFinalizer(new ByteBufferInputStream(src))) {
                drain(in, out, maxBytes);
            } catch (ZstdException e) {
                throw new IOException("zstd: " + e.getMessage(), e);
            }
        }
    };

    /** Kafka's default zstd level. */
    private static final int ZSTD_LEVEL = 3;
    private static final Compression[] BY_ID = values();

    private final int id;

    Compression(int id) {
        this.id = id;
    }

    /** The value of attributes bits 0-2. */
    public int id() {
        return id;
    }

    /**
     * The compression with attribute id {@code id}.
     *
     * @throws IllegalArgumentException for ids other than 0-4
     */
    public static Compression forId(int id) {
        if (id < 0 || id >= BY_ID.length) {
            throw new IllegalArgumentException("unknown compression id " + id + " (expected 0-4)");
        }
        return BY_ID[id];
    }

    /** Compresses {@code src[off, off+len)} into a new array in this format. */
    public byte[] compress(byte[] src, int off, int len) {
        GrowableBuffer out = new GrowableBuffer(len / 2 + 64);
        try {
            compress(src, off, len, out);
        } catch (IOException e) {
            throw new UncheckedIOException(this + " compression failed", e);
        }
        return Arrays.copyOf(out.array(), out.size());
    }

    /**
     * Decompresses the remaining bytes of {@code src} (its position is not moved).
     *
     * @param maxBytes refuse to produce more than this many bytes (untrusted input)
     * @throws IOException if the data is malformed, truncated or decompresses to more than
     *     {@code maxBytes}
     */
    public byte[] decompress(ByteBuffer src, int maxBytes) throws IOException {
        GrowableBuffer out = new GrowableBuffer((int) Math.min(maxBytes, src.remaining() * 4L + 64));
        decompress(src, out, maxBytes);
        return Arrays.copyOf(out.array(), out.size());
    }

    /** Appends the compressed form of {@code src[off, off+len)} to {@code out}. */
    abstract void compress(byte[] src, int off, int len, GrowableBuffer out) throws IOException;

    /** Appends the decompressed form of {@code src}'s remaining bytes to {@code out}; src's position is not moved. */
    abstract void decompress(ByteBuffer src, GrowableBuffer out, int maxBytes) throws IOException;

    private static void drain(InputStream in, GrowableBuffer out, int maxBytes) throws IOException {
        int start = out.size();
        while (true) {
            out.ensure(8 * 1024);
            int room = out.array().length - out.size();
            int n = in.read(out.array(), out.size(), room);
            if (n < 0) {
                return;
            }
            out.advance(n);
            if (out.size() - start > maxBytes) {
                throw new IOException("decompressed data exceeds the limit of " + maxBytes + " bytes");
            }
        }
    }
}
