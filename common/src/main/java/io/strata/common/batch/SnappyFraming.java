package io.strata.common.batch;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.xerial.snappy.Snappy;

/**
 * Decoder for snappy-java's {@code SnappyOutputStream} framing, the one Kafka uses: a 16-byte
 * header ({@code 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00}, int32 version, int32 min compatible
 * version = 1) and then chunks, each an int32 BE length followed by one raw snappy block. A
 * header may repeat between chunks (concatenated streams).
 *
 * <p>Written here instead of reading through {@code SnappyInputStream} so that every length is
 * checked against the input and the output limit before anything is allocated (the input is
 * untrusted). Compression uses {@code SnappyOutputStream} itself. Stateless, thread-safe.
 */
final class SnappyFraming {
    private static final byte[] MAGIC = {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    private static final int HEADER_SIZE = 16;

    private SnappyFraming() {
    }

    static void decompress(ByteBuffer src, GrowableBuffer out, int maxBytes) throws IOException {
        byte[] in;
        int pos;
        int end;
        if (src.hasArray()) {
            in = src.array();
            pos = src.arrayOffset() + src.position();
        } else {
            in = new byte[src.remaining()];
            src.duplicate().get(in);
            pos = 0;
        }
        end = pos + src.remaining();
        if (!startsWithMagic(in, pos, end)) {
            throw new IOException("snappy: missing SnappyOutputStream header");
        }
        int start = out.size();
        while (pos < end) {
            if (startsWithMagic(in, pos, end)) {
                if (end - pos < HEADER_SIZE) {
                    throw new IOException("snappy: truncated stream header");
                }
                int compatible = readInt(in, pos + 12);
                if (compatible != 1) {
                    throw new IOException("snappy: unsupported stream version " + compatible + " (expected 1)");
                }
                pos += HEADER_SIZE;
                continue;
            }
            if (end - pos < 4) {
                throw new IOException("snappy: truncated chunk length");
            }
            int chunk = readInt(in, pos);
            pos += 4;
            if (chunk < 0 || chunk > end - pos) {
                throw new IOException("snappy: chunk length " + chunk + " exceeds the " + (end - pos) + " remaining bytes");
            }
            try {
                int length = Snappy.uncompressedLength(in, pos, chunk);
                if (length < 0 || length > maxBytes - (out.size() - start)) {
                    throw new IOException("snappy: decompressed data exceeds the limit of " + maxBytes + " bytes");
                }
                out.ensure(length);
                int n = Snappy.uncompress(in, pos, chunk, out.array(), out.size());
                out.advance(n);
            } catch (RuntimeException e) {
                throw new IOException("snappy: malformed chunk: " + e.getMessage(), e);
            }
            pos += chunk;
        }
    }

    private static boolean startsWithMagic(byte[] in, int pos, int end) {
        if (end - pos < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (in[pos + i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static int readInt(byte[] a, int at) {
        return ((a[at] & 0xff) << 24) | ((a[at + 1] & 0xff) << 16) | ((a[at + 2] & 0xff) << 8) | (a[at + 3] & 0xff);
    }
}
