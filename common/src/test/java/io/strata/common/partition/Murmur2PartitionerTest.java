package io.strata.common.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

class Murmur2PartitionerTest {

    @Test
    void partitionForKeyMatchesKafkaForThousandsOfKeysAndEveryPartitionCountUpTo200() {
        Random random = new Random(20261125L);
        for (int i = 0; i < 5_000; i++) {
            byte[] key = new byte[random.nextInt(64)];
            random.nextBytes(key);
            assertEquals(Utils.murmur2(key), Murmur2Partitioner.murmur2(key));
            for (int n = 1; n <= 200; n++) {
                int expected = Utils.toPositive(Utils.murmur2(key)) % n;
                assertEquals(expected, Murmur2Partitioner.partitionForKey(key, n), "key #" + i + ", " + n + " partitions");
                assertEquals(BuiltInPartitioner.partitionForKey(key, n), Murmur2Partitioner.partitionForKey(key, n));
            }
        }
    }

    @Property(tries = 1000)
    void murmur2MatchesKafkaForArbitraryKeys(@ForAll @Size(max = 300) byte[] key,
            @ForAll @IntRange(min = 1, max = 200) int numPartitions) {
        assertEquals(Utils.murmur2(key), Murmur2Partitioner.murmur2(key));
        assertEquals(BuiltInPartitioner.partitionForKey(key, numPartitions),
                Murmur2Partitioner.partitionForKey(key, numPartitions));
    }

    @Property(tries = 300)
    void toPositiveMatchesKafka(@ForAll int number) {
        assertEquals(Utils.toPositive(number), Murmur2Partitioner.toPositive(number));
    }

    @Test
    void toPositiveOfMinValueIsZeroNotNegative() {
        assertEquals(0, Murmur2Partitioner.toPositive(Integer.MIN_VALUE));
        assertEquals(Integer.MAX_VALUE, Murmur2Partitioner.toPositive(-1));
    }

    @Test
    void emptyKeyHasTheKafkaHash() {
        assertEquals(Utils.murmur2(new byte[0]), Murmur2Partitioner.murmur2(new byte[0]));
    }

    @Test
    void nonPositivePartitionCountIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Murmur2Partitioner.partitionForKey(new byte[] {1}, 0));
    }
}
