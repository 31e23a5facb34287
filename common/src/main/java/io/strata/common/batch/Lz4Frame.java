package io.strata.common.batch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The LZ4 frame format as Kafka uses it for magic 1 and 2 batches (Kafka's Lz4BlockOutputStream).
 *
 * <p>Written: magic {@code 0x184D2204} (LE) | FLG {@code 0x60} (version 1, independent blocks, no
 * checksums, no content size) | BD {@code 0x40} (64 KiB max block) | HC = second byte of
 * XXH32(FLG..BD, seed 0) | blocks | end mark (int32 0). Each block is an int32 LE size, with the
 * high bit set when the data is stored uncompressed, followed by the data.
 *
 * <p>Read: the same, and also the optional parts of the format that other writers emit (block
 * checksums, content size, content checksum, block sizes up to 4 MiB), all verified. Dependent
 * blocks and dictionaries are rejected. Kafka's pre-magic-1 "broken" header checksum is rejected.
 *
 * <p>Stateless, thread-safe.
 */
final class Lz4Frame {
    static final int MAGIC = 0x184D2204;
    private static final int BLOCK_SIZE = 64 * 1024;
    private static final int UNCOMPRESSED_FLAG = 0x80000000;

    private static final int FLG_VERSION_MASK = 0xC0;
    private static final int FLG_VERSION_1 = 0x40;
    private static final int FLG_BLOCK_INDEPENDENCE = 0x20;
    private static final int FLG_BLOCK_CHECKSUM = 0x10;
    private static final int FLG_CONTENT_SIZE = 0x08;
    private static final int FLG_CONTENT_CHECKSUM = 0x04;
    private static final int FLG_RESERVED = 0x02;
    private static final int FLG_DICT_ID = 0x01;

    private static final LZ4Compressor COMPRESSOR = LZ4Factory.fastestInstance().fastCompressor();
    private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.fastestInstance().safeDecompressor();
    private static final XXHash32 XXHASH = XXHashFactory.fastestInstance().hash32();

    private Lz4Frame() {
    }

    static void compress(byte[] src, int off, int len, GrowableBuffer out) {
        int start = out.size();
        out.ensure(7);
        byte[] a = out.array();
        writeIntLe(a, start, MAGIC);
        a[start + 4] = (byte) (FLG_VERSION_1 | FLG_BLOCK_INDEPENDENCE);
        a[start + 5] = (byte) (4 << 4);
        a[start + 6] = (byte) (XXHASH.hash(a, start + 4, 2, 0) >> 8);
        out.advance(7);

        int maxCompressed = COMPRESSOR.maxCompressedLength(BLOCK_SIZE);
        for (int pos = off, end = off + len; pos < end; pos += BLOCK_SIZE) {
            int n = Math.min(BLOCK_SIZE, end - pos);
            out.ensure(4 + Math.max(maxCompressed, n));
            a = out.array();
            int sizeAt = out.size();
            int compressed = COMPRESSOR.compress(src, pos, n, a, sizeAt + 4, maxCompressed);
            if (compressed >= n) {
                System.arraycopy(src, pos, a, sizeAt + 4, n);
                writeIntLe(a, sizeAt, n | UNCOMPRESSED_FLAG);
                out.advance(4 + n);
            } else {
                writeIntLe(a, sizeAt, compressed);
                out.advance(4 + compressed);
            }
        }
        out.ensure(4);
        writeIntLe(out.array(), out.size(), 0);
        out.advance(4);
    }

    static void decompress(ByteBuffer src, GrowableBuffer out, int maxBytes) throws IOException {
        ByteBuffer in = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        int start = out.size();
        try {
            int magic = in.getInt();
            if (magic != MAGIC) {
                throw new IOException(String.format("lz4: bad frame magic (expected 0x%08x, found 0x%08x)", MAGIC, magic));
            }
            int descriptorStart = in.position();
            int flg = in.get() & 0xff;
            int bd = in.get() & 0xff;
            if ((flg & FLG_VERSION_MASK) != FLG_VERSION_1) {
                throw new IOException("lz4: unsupported frame version " + (flg >> 6) + " (expected 1)");
            }
            if ((flg & (FLG_RESERVED | FLG_DICT_ID)) != 0 || (bd & 0x8F) != 0) {
                throw new IOException(String.format("lz4: reserved bits or dictionary id set (FLG 0x%02x, BD 0x%02x)", flg, bd));
            }
            if ((flg & FLG_BLOCK_INDEPENDENCE) == 0) {
                throw new IOException("lz4: dependent blocks are not supported");
            }
            int blockSizeId = (bd >> 4) & 0x7;
            if (blockSizeId < 4) {
                throw new IOException("lz4: invalid block size id " + blockSizeId + " (expected 4-7)");
            }
            int maxBlock = 1 << (2 * blockSizeId + 8);
            long contentSize = -1;
            if ((flg & FLG_CONTENT_SIZE) != 0) {
                contentSize = in.getLong();
            }
            int descriptorLength = in.position() - descriptorStart;
            int storedHc = in.get() & 0xff;
            int computedHc = (hash(in, descriptorStart, descriptorLength) >> 8) & 0xff;
            if (storedHc != computedHc) {
                throw new IOException(String.format("lz4: frame header checksum mismatch (stored 0x%02x, computed 0x%02x)",
                        storedHc, computedHc));
            }
            boolean blockChecksum = (flg & FLG_BLOCK_CHECKSUM) != 0;
            while (true) {
                int rawSize = in.getInt();
                if (rawSize == 0) {
                    break;
                }
                boolean uncompressed = (rawSize & UNCOMPRESSED_FLAG) != 0;
                int size = rawSize & ~UNCOMPRESSED_FLAG;
                if (size > maxBlock || size > in.remaining()) {
                    throw new IOException("lz4: block size " + size + " exceeds the max block size " + maxBlock
                            + " or the " + in.remaining() + " remaining bytes");
                }
                int blockAt = in.position();
                if (blockChecksum) {
                    int stored = in.getInt(blockAt + size);
                    int computed = hash(in, blockAt, size);
                    if (stored != computed) {
                        throw new IOException(String.format("lz4: block checksum mismatch (stored 0x%08x, computed 0x%08x)",
                                stored, computed));
                    }
                }
                int room = maxBytes - (out.size() - start);
                if (uncompressed) {
                    if (size > room) {
                        throw tooLarge(maxBytes);
                    }
                    out.ensure(size);
                    in.get(out.array(), out.size(), size);
                    out.advance(size);
                } else {
                    out.ensure(maxBlock);
                    int n;
                    try {
                        n = DECOMPRESSOR.decompress(in, blockAt, size, ByteBuffer.wrap(out.array()), out.size(), maxBlock);
                    } catch (LZ4Exception e) {
                        throw new IOException("lz4: malformed block: " + e.getMessage(), e);
                    }
                    if (n > room) {
                        throw tooLarge(maxBytes);
                    }
                    out.advance(n);
                    in.position(blockAt + size);
                }
                if (blockChecksum) {
                    in.getInt();
                }
            }
            long produced = out.size() - start;
            if (contentSize >= 0 && contentSize != produced) {
                throw new IOException("lz4: content size mismatch (declared " + contentSize + ", decoded " + produced + ")");
            }
            if ((flg & FLG_CONTENT_CHECKSUM) != 0) {
                int stored = in.getInt();
                int computed = XXHASH.hash(out.array(), start, (int) produced, 0);
                if (stored != computed) {
                    throw new IOException(String.format("lz4: content checksum mismatch (stored 0x%08x, computed 0x%08x)",
                            stored, computed));
                }
            }
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new IOException("lz4: frame is truncated", e);
        }
    }

    private static int hash(ByteBuffer buf, int from, int length) {
        return XXHASH.hash(buf, from, length, 0);
    }

    private static IOException tooLarge(int maxBytes) {
        return new IOException("lz4: decompressed data exceeds the limit of " + maxBytes + " bytes");
    }

    private static void writeIntLe(byte[] a, int at, int v) {
        a[at] = (byte) v;
        a[at + 1] = (byte) (v >>> 8);
        a[at + 2] = (byte) (v >>> 16);
        a[at + 3] = (byte) (v >>> 24);
    }
}
