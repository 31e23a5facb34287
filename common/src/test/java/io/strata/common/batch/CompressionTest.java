package io.strata.common.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CompressionTest {

    @ParameterizedTest
    @EnumSource(Compression.class)
    void compressedBlockDecompressesToTheOriginalBytes(Compression compression) throws IOException {
        for (int size : new int[] {0, 1, 100, 65_536, 65_537, 300_000}) {
            byte[] data = sample(size);
            byte[] compressed = compression.compress(data, 0, data.length);
            assertArrayEquals(data, compression.decompress(ByteBuffer.wrap(compressed), Integer.MAX_VALUE - 8),
                    compression + " size " + size);
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void decompressionReadsFromDirectBuffersToo(Compression compression) throws IOException {
        byte[] data = sample(10_000);
        byte[] compressed = compression.compress(data, 0, data.length);
        ByteBuffer direct = ByteBuffer.allocateDirect(compressed.length);
        direct.put(compressed).flip();
        assertArrayEquals(data, compression.decompress(direct, 1 << 20));
        assertEquals(0, direct.position());
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void decompressionStopsAtTheSizeLimit(Compression compression) {
        byte[] data = sample(200_000);
        byte[] compressed = compression.compress(data, 0, data.length);
        assertThrows(IOException.class, () -> compression.decompress(ByteBuffer.wrap(compressed), 100_000));
    }

    @Test
    void attributeIdsMatchTheBatchFormat() {
        assertEquals(0, Compression.NONE.id());
        assertEquals(1, Compression.GZIP.id());
        assertEquals(2, Compression.SNAPPY.id());
        assertEquals(3, Compression.LZ4.id());
        assertEquals(4, Compression.ZSTD.id());
        for (Compression c : Compression.values()) {
            assertEquals(c, Compression.forId(c.id()));
        }
        assertThrows(IllegalArgumentException.class, () -> Compression.forId(5));
    }

    @Test
    void lz4FramesWithChecksumsAndContentSizeFromOtherWritersAreRead() throws IOException {
        byte[] data = sample(150_000);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (LZ4FrameOutputStream out = new LZ4FrameOutputStream(bytes, LZ4FrameOutputStream.BLOCKSIZE.SIZE_256KB, data.length,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.BLOCK_CHECKSUM,
                LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM, LZ4FrameOutputStream.FLG.Bits.CONTENT_SIZE)) {
            out.write(data);
        }
        byte[] frame = bytes.toByteArray();
        assertArrayEquals(data, Compression.LZ4.decompress(ByteBuffer.wrap(frame), Integer.MAX_VALUE - 8));

        frame[frame.length - 2] ^= 1; // content checksum
        IOException e = assertThrows(IOException.class,
                () -> Compression.LZ4.decompress(ByteBuffer.wrap(frame), Integer.MAX_VALUE - 8));
        assertEquals(true, e.getMessage().contains("content checksum mismatch"), e.getMessage());
    }

    @Test
    void truncatedFramesAreRejectedWithIoExceptions() {
        byte[] data = sample(100_000);
        for (Compression c : new Compression[] {Compression.GZIP, Compression.SNAPPY, Compression.LZ4, Compression.ZSTD}) {
            byte[] compressed = c.compress(data, 0, data.length);
            for (int cut : new int[] {0, 3, compressed.length / 2, compressed.length - 1}) {
                ByteBuffer torn = ByteBuffer.wrap(compressed, 0, cut);
                assertThrows(IOException.class, () -> c.decompress(torn, Integer.MAX_VALUE - 8), c + " cut at " + cut);
            }
        }
    }

    private static byte[] sample(int size) {
        Random random = new Random(size);
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (random.nextInt(8) == 0 ? random.nextInt() : i % 17);
        }
        return data;
    }
}
