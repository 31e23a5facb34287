package io.strata.cli.client;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Where {@code strata consume} starts reading, from its mutually exclusive flags: the group's
 * committed offset (else latest), the beginning, an exact offset, or the first record at or after
 * a time. Immutable.
 *
 * @param kind  which start
 * @param value the offset for {@link Kind#OFFSET}, ms since the epoch for {@link Kind#TIMESTAMP}
 */
record StartPoint(Kind kind, long value) {

    enum Kind { DEFAULT, BEGINNING, OFFSET, TIMESTAMP }

    /**
     * Parses {@code --from-timestamp}: milliseconds since the epoch, or ISO-8601 such as
     * {@code 2026-11-26T05:00:00Z}, {@code 2026-11-26T06:00:00+01:00}, or {@code 2026-11-26T05:00:00}
     * (read as UTC, so the result does not depend on the machine's zone).
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    static long parseTimestamp(String text) {
        String t = text.trim();
        if (t.matches("\\d+")) {
            return Long.parseLong(t);
        }
        try {
            return Instant.parse(t).toEpochMilli();
        } catch (DateTimeException ignored) {
            // try the other forms
        }
        try {
            return OffsetDateTime.parse(t).toInstant().toEpochMilli();
        } catch (DateTimeException ignored) {
            // try the other forms
        }
        try {
            return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("--from-timestamp '" + text + "' is neither milliseconds since the epoch"
                    + " nor ISO-8601 (e.g. 2026-11-26T05:00:00Z, 2026-11-26T06:00:00+01:00, or 2026-11-26T05:00:00 as UTC)");
        }
    }
}
