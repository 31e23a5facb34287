package io.strata.testkit.checker;

import io.strata.common.batch.BatchLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Checker of workload 3, second half: after healing, the replicas of a partition hold the same
 * bytes below the high watermark. Reads the segment files ({@code <baseOffset>.log}, batches in
 * the RecordBatch v2 layout back to back) of each replica's partition directory, keeps the whole
 * batches whose last offset is below the high watermark, and compares. Not thread-safe with
 * respect to the files: call it once the replicas have caught up (see {@link #prefix}).
 */
public final class ReplicaChecker {
    private ReplicaChecker() {
    }

    /**
     * The bytes of every whole batch below {@code highWatermark} in {@code partitionDir}, or null
     * when the replica does not have all of them yet.
     */
    public static byte[] prefix(Path partitionDir, long highWatermark) {
        byte[] bytes = concatenatedSegments(partitionDir);
        ByteBuffer log = ByteBuffer.wrap(bytes);
        int end = 0;
        long next = 0;
        while (end + BatchLayout.HEADER_SIZE <= bytes.length) {
            long last = log.getLong(end) + log.getInt(end + BatchLayout.LAST_OFFSET_DELTA_OFFSET);
            int batchEnd = end + BatchLayout.LOG_OVERHEAD + log.getInt(end + BatchLayout.BATCH_LENGTH_OFFSET);
            if (last >= highWatermark || batchEnd > bytes.length) {
                break;
            }
            end = batchEnd;
            next = last + 1;
        }
        return next == highWatermark ? Arrays.copyOf(bytes, end) : null;
    }

    private static byte[] concatenatedSegments(Path dir) {
        if (!Files.isDirectory(dir)) {
            return new byte[0];
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> segments = files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Path s : segments) {
                out.write(Files.readAllBytes(s));
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the segments of " + dir, e);
        }
    }

    /**
     * Whether every replica directory holds the same bytes below {@code highWatermark}; a replica
     * missing some of them counts as different.
     */
    public static boolean identical(List<Path> replicaDirs, long highWatermark) {
        byte[] first = null;
        for (Path dir : replicaDirs) {
            byte[] p = prefix(dir, highWatermark);
            if (p == null || (first != null && !Arrays.equals(first, p))) {
                return false;
            }
            first = p;
        }
        return true;
    }
}
