package io.strata.client.producer;

import java.util.Locale;

/**
 * How many replicas must hold a record before its send completes; the Kafka {@code acks}
 * setting ({@code all}, {@code 1}, {@code 0}).
 */
public enum Acks {
    /** Every in-sync replica, and at least {@code min.insync.replicas} of them ({@code acks=all}). */
    ALL("all", io.strata.proto.Acks.ACKS_ALL),
    /** The partition leader only ({@code acks=1}). */
    LEADER("1", io.strata.proto.Acks.ACKS_LEADER),
    /** Nobody: fire and forget; offsets in {@link RecordMetadata} are -1 ({@code acks=0}). */
    NONE("0", io.strata.proto.Acks.ACKS_NONE);

    private final String configValue;
    private final io.strata.proto.Acks proto;

    Acks(String configValue, io.strata.proto.Acks proto) {
        this.configValue = configValue;
        this.proto = proto;
    }

    /** Parses {@code all} (or {@code -1}), {@code 1} or {@code 0}. */
    public static Acks parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "all", "-1" -> ALL;
            case "1" -> LEADER;
            case "0" -> NONE;
            default -> throw new IllegalArgumentException("acks must be one of all, 1, 0; was '" + value + "'");
        };
    }

    /** The value as written in configs and on the command line. */
    public String configValue() {
        return configValue;
    }

    public io.strata.proto.Acks toProto() {
        return proto;
    }

    @Override
    public String toString() {
        return configValue;
    }
}
