package io.strata.testkit.checker;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The outcome of a fault-injection run: the one summary line the issue asks for
 * ({@code ops, acked, lost, duplicated, reordered, divergent, max unavailability (s)}) and the
 * problems behind it. {@code divergent} counts partitions whose replicas differ below the high
 * watermark plus offsets holding two different records; {@code gaps} (offsets not dense) and
 * {@code hwRegressions} (a high watermark seen going backwards) fail a run as well, and so do the
 * consumer group's {@code groupViolations} ({@link GroupChecker}); {@code group} describes the
 * group's part (empty when the run had no consumer group). Immutable.
 */
public record RunSummary(String name, int ops, int acked, int lost, int duplicated, int reordered, int divergent,
                         int gaps, int hwRegressions, double maxUnavailabilitySeconds, String group,
                         int groupViolations, List<String> problems) {

    /** The summary line; duplicates are allowed, and the line says so. */
    public String line() {
        return String.format(Locale.ROOT, "%s: ops=%d, acked=%d, lost=%d, duplicated=%d (allowed until idempotent "
                        + "producing exists), reordered=%d, divergent=%d, max unavailability=%.1f s%s", name, ops, acked,
                lost, duplicated, reordered, divergent, maxUnavailabilitySeconds,
                gaps + hwRegressions == 0 ? "" : ", gaps=" + gaps + ", hw regressions=" + hwRegressions)
                + (group.isEmpty() ? "" : "; " + group);
    }

    /** Why the run failed; empty when it passed. */
    public List<String> failures() {
        List<String> out = new ArrayList<>();
        if (lost > 0) {
            out.add(lost + " acknowledged records lost");
        }
        if (divergent > 0) {
            out.add(divergent + " divergent partitions or offsets");
        }
        if (reordered > 0) {
            out.add(reordered + " acknowledged writes out of per-key order");
        }
        if (gaps > 0) {
            out.add(gaps + " gaps in offsets");
        }
        if (groupViolations > 0) {
            out.add(groupViolations + " consumer-group violations (" + group + ")");
        }
        if (hwRegressions > 0) {
            out.add(hwRegressions + " high watermarks observed going backwards");
        }
        return out;
    }

    public boolean passed() {
        return failures().isEmpty();
    }

    /** Throws an AssertionError with the summary line and the first problems when the run failed. */
    public void assertPassed() {
        if (!passed()) {
            throw new AssertionError(line() + "\nfailed: " + failures() + "\nfirst problems:\n  "
                    + String.join("\n  ", problems));
        }
    }
}
