package io.strata.metadata.bench;

import java.util.Arrays;

/** Latency samples in nanoseconds, summarised as p50 / p99 / max in milliseconds. Not thread-safe. */
final class Latencies {
    private long[] samples = new long[64];
    private int count;

    void add(long nanos) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, count * 2);
        }
        samples[count++] = nanos;
    }

    /** Adds every sample of {@code other}. */
    void addAll(Latencies other) {
        for (int i = 0; i < other.count; i++) {
            add(other.samples[i]);
        }
    }

    int count() {
        return count;
    }

    /** e.g. {@code p50 3.1 ms, p99 9.8 ms, max 12.0 ms}. */
    String summary() {
        if (count == 0) {
            return "no samples";
        }
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        return String.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms", ms(percentile(sorted, 0.50)),
                ms(percentile(sorted, 0.99)), ms(sorted[count - 1]));
    }

    /** Nearest-rank percentile of sorted samples. */
    private static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }
}
