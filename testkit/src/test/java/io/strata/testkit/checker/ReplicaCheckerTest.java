package io.strata.testkit.checker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.common.batch.Compression;
import io.strata.common.batch.RecordBatchBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replicas compared on real segment files: only whole batches below the high watermark count. */
class ReplicaCheckerTest {
    @TempDir
    Path dir;

    @Test
    void replicasAgreeBelowTheHighWatermarkEvenWhenTheirTailsDiffer() throws Exception {
        byte[] first = batch(0, "a", "b");
        Path leader = replica("leader", first, batch(2, "c", "d"));
        Path follower = replica("follower", first, batch(2, "x", "y"));
        assertArrayEquals(first, ReplicaChecker.prefix(leader, 2));
        assertTrue(ReplicaChecker.identical(List.of(leader, follower), 2));
        assertFalse(ReplicaChecker.identical(List.of(leader, follower), 4), "they differ in the batch at offsets 2-3");
    }

    @Test
    void aReplicaMissingPartOfWhatIsBelowTheHighWatermarkDiffers() throws Exception {
        Path leader = replica("leader", batch(0, "a", "b"), batch(2, "c", "d"));
        Path behind = replica("behind", batch(0, "a", "b"));
        assertNull(ReplicaChecker.prefix(behind, 4));
        assertFalse(ReplicaChecker.identical(List.of(leader, behind), 4));
        assertTrue(ReplicaChecker.identical(List.of(leader, behind), 2));
    }

    private Path replica(String name, byte[]... batches) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] b : batches) {
            out.write(b);
        }
        Files.write(d.resolve("00000000000000000000.log"), out.toByteArray());
        return d;
    }

    /** A batch of these values at {@code baseOffset}, as a leader stores it. */
    private static byte[] batch(long baseOffset, String... values) {
        RecordBatchBuilder b = new RecordBatchBuilder(Compression.NONE);
        for (String v : values) {
            b.append(1_000L, null, v.getBytes(StandardCharsets.UTF_8));
        }
        ByteBuffer built = b.build();
        byte[] bytes = new byte[built.remaining()];
        built.get(bytes);
        ByteBuffer.wrap(bytes).putLong(0, baseOffset);
        return bytes;
    }
}
