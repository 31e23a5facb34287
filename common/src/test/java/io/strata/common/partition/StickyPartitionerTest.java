package io.strata.common.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StickyPartitionerTest {

    @Test
    void keepsOnePartitionUntilABatchCompletes() {
        StickyPartitioner sticky = new StickyPartitioner();
        int first = sticky.partition(12);
        for (int i = 0; i < 100; i++) {
            assertEquals(first, sticky.partition(12));
        }
    }

    @Test
    void switchesToADifferentPartitionOnNewBatch() {
        StickyPartitioner sticky = new StickyPartitioner();
        Set<Integer> seen = new HashSet<>();
        int previous = sticky.partition(5);
        seen.add(previous);
        for (int i = 0; i < 200; i++) {
            int next = sticky.onNewBatch(previous, 5);
            assertNotEquals(previous, next);
            assertEquals(next, sticky.partition(5));
            seen.add(next);
            previous = next;
        }
        assertEquals(5, seen.size(), "every partition is eventually chosen");
    }

    @Test
    void singlePartitionIsAlwaysChosen() {
        StickyPartitioner sticky = new StickyPartitioner();
        assertEquals(0, sticky.partition(1));
        assertEquals(0, sticky.onNewBatch(1));
        assertEquals(0, sticky.partition(1));
    }

    @Test
    void staleCompletionFromAnotherPartitionDoesNotSwitch() {
        StickyPartitioner sticky = new StickyPartitioner();
        int current = sticky.partition(8);
        int other = (current + 1) % 8;
        assertEquals(current, sticky.onNewBatch(other, 8));
        assertEquals(current, sticky.partition(8));
    }

    @Test
    void shrunkPartitionCountGivesAPartitionInRange() {
        StickyPartitioner sticky = new StickyPartitioner();
        for (int i = 0; i < 100; i++) {
            int p = sticky.onNewBatch(100);
            if (p >= 3) {
                int q = sticky.partition(3);
                assertTrue(q >= 0 && q < 3, "partition " + q);
                return;
            }
        }
    }

    @Test
    void concurrentCompletionsOfTheSameBatchSwitchOnce() throws Exception {
        StickyPartitioner sticky = new StickyPartitioner();
        int previous = sticky.partition(50);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch start = new CountDownLatch(1);
            Set<Future<Integer>> results = new HashSet<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return sticky.onNewBatch(previous, 50);
                }));
            }
            start.countDown();
            Set<Integer> chosen = new HashSet<>();
            for (Future<Integer> f : results) {
                chosen.add(f.get(10, TimeUnit.SECONDS));
            }
            assertEquals(1, chosen.size(), "all callers agree on the new partition: " + chosen);
            assertNotEquals(previous, chosen.iterator().next());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void nonPositivePartitionCountIsRejected() {
        StickyPartitioner sticky = new StickyPartitioner();
        assertThrows(IllegalArgumentException.class, () -> sticky.partition(0));
        assertThrows(IllegalArgumentException.class, () -> sticky.onNewBatch(-1));
    }
}
