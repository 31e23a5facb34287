package io.strata.client.consumer;

import java.util.Locale;

/** Where a group starts on a partition without a committed offset ({@code auto.offset.reset}). */
public enum OffsetReset {
    /** The oldest retained record. */
    EARLIEST(io.strata.proto.OffsetReset.OFFSET_RESET_EARLIEST),
    /** Only records produced from now on (the default). */
    LATEST(io.strata.proto.OffsetReset.OFFSET_RESET_LATEST),
    /** Fail with NO_OFFSET_FOR_PARTITION. */
    NONE(io.strata.proto.OffsetReset.OFFSET_RESET_NONE);

    private final io.strata.proto.OffsetReset proto;

    OffsetReset(io.strata.proto.OffsetReset proto) {
        this.proto = proto;
    }

    /** Parses {@code earliest}, {@code latest} or {@code none} (case-insensitive). */
    public static OffsetReset parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "earliest" -> EARLIEST;
            case "latest" -> LATEST;
            case "none" -> NONE;
            default -> throw new IllegalArgumentException(
                    "auto.offset.reset must be one of earliest, latest, none; was '" + value + "'");
        };
    }

    public io.strata.proto.OffsetReset toProto() {
        return proto;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
