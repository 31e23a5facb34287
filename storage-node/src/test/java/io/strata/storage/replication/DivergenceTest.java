package io.strata.storage.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.common.batch.Compression;
import io.strata.common.batch.RecordBatchBuilder;
import io.strata.proto.internal.DivergingEpoch;
import io.strata.storage.log.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DivergenceTest {
    @TempDir
    Path dir;

    private static ByteBuffer batch(String prefix, int count) {
        RecordBatchBuilder b = new RecordBatchBuilder(Compression.NONE);
        for (int i = 0; i < count; i++) {
            b.append(i, null, (prefix + i).getBytes());
        }
        return b.build();
    }

    private static int lastEpoch(PartitionLog log) {
        return ReplicaFetcher.latestEpoch(log);
    }

    /** Copies what a follower would fetch: everything from its end on, as stored by the leader. */
    private static void replicate(PartitionLog leader, PartitionLog follower) {
        while (follower.logEndOffset() < leader.logEndOffset()) {
            follower.appendAsFollower(leader.read(follower.logEndOffset(), 1 << 20, leader.logEndOffset())
                    .asReadOnlyByteBuffer()).join();
        }
    }

    @Test
    void aFormerLeadersUnreplicatedSuffixIsTruncatedAndReplacedByTheNewLeadersHistory() {
        try (PartitionLog a = PartitionLog.open(dir.resolve("a"), 1 << 20);
             PartitionLog b = PartitionLog.open(dir.resolve("b"), 1 << 20)) {
            // Epoch 0: a leads, b follows and holds offsets 0..9.
            a.append(batch("e0-", 10), 0);
            replicate(a, b);
            // Epoch 1: a keeps leading and writes 10..14, which never reach b.
            a.append(batch("lost-", 5), 1);
            // Epoch 2: b becomes leader and writes 10..19.
            b.append(batch("e2-", 10), 2);

            // a follows b now: its last epoch (1) ends, in b's history, at 10 (b never had epoch 1).
            Optional<DivergingEpoch> d = Divergence.check(b, lastEpoch(a), a.logEndOffset());
            assertTrue(d.isPresent());
            assertEquals(0, d.get().getEpoch());
            assertEquals(10, d.get().getEndOffset());
            a.truncateTo(Divergence.truncationOffset(d.get(), a));
            assertEquals(10, a.logEndOffset());

            assertTrue(Divergence.check(b, lastEpoch(a), a.logEndOffset()).isEmpty(), "histories agree now");
            replicate(b, a);
            assertArrayEquals(b.read(0, 1 << 20, 20).toByteArray(), a.read(0, 1 << 20, 20).toByteArray(),
                    "byte-identical below the end");
            assertEquals(b.leaderEpochs(), a.leaderEpochs());
        }
    }

    @Test
    void aFollowerAheadOfTheLeaderIsCutBackToTheLeadersEnd() {
        try (PartitionLog leader = PartitionLog.open(dir.resolve("l"), 1 << 20);
             PartitionLog follower = PartitionLog.open(dir.resolve("f"), 1 << 20)) {
            leader.append(batch("x", 5), 3);
            replicate(leader, follower);
            Optional<DivergingEpoch> d = Divergence.check(leader, lastEpoch(follower), 9);
            assertTrue(d.isPresent());
            assertEquals(5, d.get().getEndOffset());
            assertTrue(Divergence.check(leader, lastEpoch(follower), 5).isEmpty());
        }
    }

    @Test
    void aFollowerWithNoCommonEpochStartsOver() {
        try (PartitionLog leader = PartitionLog.open(dir.resolve("l2"), 1 << 20);
             PartitionLog follower = PartitionLog.open(dir.resolve("f2"), 1 << 20)) {
            leader.append(batch("new", 3), 5);
            follower.append(batch("old", 4), 2);
            Optional<DivergingEpoch> d = Divergence.check(leader, lastEpoch(follower), follower.logEndOffset());
            assertTrue(d.isPresent());
            assertEquals(-1, d.get().getEpoch());
            assertEquals(0, Divergence.truncationOffset(d.get(), follower));
        }
    }
}
