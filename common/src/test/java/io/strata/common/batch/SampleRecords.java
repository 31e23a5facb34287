package io.strata.common.batch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Deterministic test records covering null/empty keys and values, headers, large values and timestamp jitter. */
final class SampleRecords {
    static final long BASE_TIME = 1_764_000_000_000L;

    private SampleRecords() {
    }

    /** Records with offsets 0..count-1 (offsets relative to the batch). */
    static List<Record> generate(long seed, int count) {
        Random random = new Random(seed);
        List<Record> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long timestamp = BASE_TIME + random.nextInt(20_000) - 10_000;
            byte[] key = switch (i % 4) {
                case 0 -> null;
                case 1 -> new byte[0];
                default -> ("key-" + i).getBytes(StandardCharsets.UTF_8);
            };
            byte[] value;
            if (i % 7 == 3) {
                value = null;
            } else if (i == 5) {
                value = compressibleBytes(random, 200_000); // spans several 64 KiB lz4 blocks
            } else if (i == 6) {
                value = randomBytes(random, 70_000); // incompressible: stored lz4 blocks
            } else {
                value = compressibleBytes(random, random.nextInt(300));
            }
            List<Header> headers = new ArrayList<>();
            for (int h = 0; h < i % 3; h++) {
                headers.add(Header.of("h" + h + "-ü", h == 1 ? null : randomBytes(random, h + 3)));
            }
            records.add(Record.of(i, timestamp, key, value, headers));
        }
        return records;
    }

    static ByteBuffer build(Compression compression, List<Record> records) {
        RecordBatchBuilder builder = new RecordBatchBuilder(compression, 42L, (short) 3, 17);
        for (Record r : records) {
            builder.append(r.timestamp(), r.key(), r.value(), r.headers());
        }
        return builder.build();
    }

    /** {@code records} with offsets shifted by {@code baseOffset}. */
    static List<Record> withBaseOffset(List<Record> records, long baseOffset) {
        List<Record> shifted = new ArrayList<>(records.size());
        for (Record r : records) {
            shifted.add(Record.of(r.offset() + baseOffset, r.timestamp(), r.key(), r.value(), r.headers()));
        }
        return shifted;
    }

    static List<Record> decode(RecordBatch batch) {
        List<Record> out = new ArrayList<>();
        batch.records().forEach(out::add);
        return out;
    }

    static byte[] toArray(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    static ByteBuffer concat(List<ByteBuffer> buffers) {
        int size = buffers.stream().mapToInt(ByteBuffer::remaining).sum();
        ByteBuffer all = ByteBuffer.allocate(size);
        buffers.forEach(b -> all.put(b.duplicate()));
        return all.flip();
    }

    private static byte[] compressibleBytes(Random random, int size) {
        byte[] bytes = new byte[size];
        byte[] word = "strata-event-".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < size; i++) {
            bytes[i] = random.nextInt(10) == 0 ? (byte) random.nextInt() : word[i % word.length];
        }
        return bytes;
    }

    private static byte[] randomBytes(Random random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    static String describe(byte[] bytes) {
        return bytes == null ? "null" : Arrays.toString(bytes);
    }
}
