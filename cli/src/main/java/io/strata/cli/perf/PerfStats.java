package io.strata.cli.perf;

import java.io.PrintWriter;
import java.util.Arrays;

/**
 * Latency and throughput bookkeeping of {@code strata perf produce}, printed in the format of
 * Kafka's {@code kafka-producer-perf-test} so the two can be read side by side: a progress line per
 * reporting window, then a total line with percentiles. MB means MiB (2^20 bytes), as Kafka prints.
 *
 * <p>Thread-safe: {@link #record} is called from producer callbacks, {@link #printTotal} by the
 * main thread after every callback ran. Latencies are kept as a sample of at most ~500,000 values
 * (every k-th record), as Kafka does, so memory stays bounded for long runs.
 */
final class PerfStats {
    private static final double MIB = 1024.0 * 1024.0;
    private static final int MAX_SAMPLES = 500_000;

    private final long start = System.nanoTime();
    private final long reportingIntervalNanos;
    private final int sampling;
    private final long[] samplesMicros;
    private final PrintWriter out;
    private int sampled;
    private long index;
    private long count;
    private long bytes;
    private long maxMicros;
    private long totalMicros;
    private long windowStart = start;
    private long windowCount;
    private long windowBytes;
    private long windowMaxMicros;
    private long windowTotalMicros;

    PerfStats(long numRecords, long reportingIntervalMs, PrintWriter out) {
        this.sampling = (int) Math.max(1, numRecords / MAX_SAMPLES);
        this.samplesMicros = new long[(int) Math.min(numRecords / sampling + 1, MAX_SAMPLES + 1)];
        this.reportingIntervalNanos = reportingIntervalMs * 1_000_000;
        this.out = out;
    }

    /** One acknowledged record of {@code size} bytes, {@code latencyNanos} after its send. */
    synchronized void record(long latencyNanos, int size) {
        long micros = latencyNanos / 1_000;
        count++;
        bytes += size;
        totalMicros += micros;
        maxMicros = Math.max(maxMicros, micros);
        windowCount++;
        windowBytes += size;
        windowTotalMicros += micros;
        windowMaxMicros = Math.max(windowMaxMicros, micros);
        if (index++ % sampling == 0 && sampled < samplesMicros.length) {
            samplesMicros[sampled++] = micros;
        }
        long now = System.nanoTime();
        if (now - windowStart >= reportingIntervalNanos) {
            printWindow(now);
        }
    }

    synchronized long count() {
        return count;
    }

    private void printWindow(long now) {
        double seconds = (now - windowStart) / 1e9;
        out.printf("%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.%n",
                windowCount, windowCount / seconds, windowBytes / MIB / seconds,
                windowCount == 0 ? 0.0 : windowTotalMicros / 1000.0 / windowCount, windowMaxMicros / 1000.0);
        out.flush();
        windowStart = now;
        windowCount = 0;
        windowBytes = 0;
        windowTotalMicros = 0;
        windowMaxMicros = 0;
    }

    /** The closing line: totals since construction and latency percentiles. */
    synchronized void printTotal() {
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] sorted = Arrays.copyOf(samplesMicros, sampled);
        Arrays.sort(sorted);
        out.printf("%d records sent, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, "
                        + "%.2f ms 50th, %.2f ms 95th, %.2f ms 99th, %.2f ms 99.9th.%n",
                count, count / seconds, bytes / MIB / seconds, count == 0 ? 0.0 : totalMicros / 1000.0 / count,
                maxMicros / 1000.0, percentile(sorted, 0.5), percentile(sorted, 0.95), percentile(sorted, 0.99),
                percentile(sorted, 0.999));
        out.flush();
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, (long) (p * sorted.length))] / 1000.0;
    }
}
