package io.strata.common.partition;

/**
 * Chooses the partition of a keyed record exactly as Kafka's default partitioner does:
 * {@code toPositive(murmur2(key)) % numPartitions}, so data keyed for Kafka lands alike.
 *
 * <p>murmur2 here is Kafka's variant of MurmurHash2 (32-bit, seed {@code 0x9747b28c}, m
 * {@code 0x5bd1e995}, r 24, little-endian 4-byte blocks, tail bytes mixed in as in the reference).
 *
 * <p>Stateless, thread-safe.
 */
public final class Murmur2Partitioner {
    private static final int SEED = 0x9747b28c;
    private static final int M = 0x5bd1e995;
    private static final int R = 24;

    private Murmur2Partitioner() {
    }

    /** Kafka's murmur2 hash of {@code data}. */
    public static int murmur2(byte[] data) {
        int length = data.length;
        int h = SEED ^ length;
        int blocks = length / 4;
        for (int i = 0; i < blocks; i++) {
            int at = i * 4;
            int k = (data[at] & 0xff) | ((data[at + 1] & 0xff) << 8)
                    | ((data[at + 2] & 0xff) << 16) | ((data[at + 3] & 0xff) << 24);
            k *= M;
            k ^= k >>> R;
            k *= M;
            h *= M;
            h ^= k;
        }
        int tail = blocks * 4;
        switch (length % 4) {
            case 3:
                h ^= (data[tail + 2] & 0xff) << 16;
                // fall through
            case 2:
                h ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                h ^= data[tail] & 0xff;
                h *= M;
                break;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= M;
        h ^= h >>> 15;
        return h;
    }

    /**
     * Maps any int to a non-negative one by clearing the sign bit (not {@code Math.abs}, which
     * leaves {@code Integer.MIN_VALUE} negative).
     */
    public static int toPositive(int number) {
        return number & 0x7fffffff;
    }

    /**
     * The partition of a record with {@code key}.
     *
     * @throws IllegalArgumentException if {@code numPartitions} is not positive
     */
    public static int partitionForKey(byte[] key, int numPartitions) {
        if (numPartitions <= 0) {
            throw new IllegalArgumentException("numPartitions must be positive, got " + numPartitions);
        }
        return toPositive(murmur2(key)) % numPartitions;
    }
}
