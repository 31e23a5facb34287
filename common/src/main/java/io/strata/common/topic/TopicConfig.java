package io.strata.common.topic;

import io.strata.common.error.Errors;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Every per-topic config Strata accepts, with its default, unit and meaning. Keys and
 * meanings follow Kafka's topic configs so that operators' habits carry over. The metadata
 * service stores only keys that were set; readers apply the defaults here.
 */
public enum TopicConfig {
    MIN_INSYNC_REPLICAS("min.insync.replicas", "1", "replicas",
            "With acks=all, the fewest in-sync replicas that must hold a write for it to be acknowledged.",
            between(1, 1000)),
    RETENTION_MS("retention.ms", "604800000", "ms",
            "Delete closed segments whose newest record is older than this; -1 keeps data forever.",
            between(-1, Long.MAX_VALUE)),
    RETENTION_BYTES("retention.bytes", "-1", "bytes",
            "Delete the oldest closed segments while a partition is larger than this; -1 means no limit.",
            between(-1, Long.MAX_VALUE)),
    SEGMENT_BYTES("segment.bytes", "1073741824", "bytes",
            "Roll to a new segment file when the active one reaches this size.",
            between(1024, Integer.MAX_VALUE)),
    SEGMENT_MS("segment.ms", "604800000", "ms",
            "Roll to a new segment file when the active one is this old.",
            between(1, Long.MAX_VALUE)),
    MAX_MESSAGE_BYTES("max.message.bytes", "1048588", "bytes",
            "The largest record batch the partition accepts.",
            between(64, 64L * 1024 * 1024)),
    FLUSH("flush", "batch", "policy",
            "When appended data is fsynced: 'batch' (before acknowledging, group commit), "
                    + "'interval:<ms>' (periodically) or 'os' (left to the OS).",
            v -> v.equals("batch") || v.equals("os")
                    || (v.startsWith("interval:") && between(1, Long.MAX_VALUE).test(v.substring(9)))),
    UNCLEAN_LEADER_ELECTION("unclean.leader.election.enable", "false", "boolean",
            "Allow electing a leader outside the ISR when no in-sync replica is alive (may lose acknowledged data).",
            v -> v.equals("true") || v.equals("false"));

    private final String key;
    private final String defaultValue;
    private final String unit;
    private final String doc;
    private final Predicate<String> valid;

    TopicConfig(String key, String defaultValue, String unit, String doc, Predicate<String> valid) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.unit = unit;
        this.doc = doc;
        this.valid = valid;
    }

    public String key() {
        return key;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String unit() {
        return unit;
    }

    public String doc() {
        return doc;
    }

    /** The config for {@code key}, or INVALID_ARGUMENT naming the known keys. */
    public static TopicConfig of(String key) {
        for (TopicConfig c : values()) {
            if (c.key.equals(key)) {
                return c;
            }
        }
        throw Errors.invalid("unknown topic config '" + key + "'; known configs are "
                + Arrays.stream(values()).map(TopicConfig::key).toList());
    }

    /**
     * Checks every key and value, throwing INVALID_ARGUMENT on the first bad one.
     *
     * @return the configs as they are to be stored: values trimmed
     */
    public static Map<String, String> validate(Map<String, String> configs) {
        Map<String, String> normalized = new TreeMap<>();
        configs.forEach((k, v) -> {
            TopicConfig c = of(k);
            String value = v == null ? "" : v.trim();
            if (!c.valid.test(value)) {
                throw Errors.invalid("topic config " + k + "=" + v + " is invalid: " + c.doc + " (unit: " + c.unit + ")");
            }
            normalized.put(k, value);
        });
        return normalized;
    }

    /** The explicitly set configs completed with defaults for every other key. */
    public static Map<String, String> effective(Map<String, String> set) {
        Map<String, String> all = new TreeMap<>();
        for (TopicConfig c : values()) {
            all.put(c.key, set.getOrDefault(c.key, c.defaultValue));
        }
        return all;
    }

    /** This config's value in {@code set}, or its default. */
    public String valueIn(Map<String, String> set) {
        return set.getOrDefault(key, defaultValue);
    }

    /** This config's value in {@code set} (or its default) as an int; the value must be a validated one. */
    public int intIn(Map<String, String> set) {
        return Math.toIntExact(longIn(set));
    }

    /** This config's value in {@code set} (or its default) as a long; the value must be a validated one. */
    public long longIn(Map<String, String> set) {
        return Long.parseLong(valueIn(set).trim());
    }

    private static Predicate<String> between(long min, long max) {
        return v -> {
            try {
                long n = Long.parseLong(v);
                return n >= min && n <= max;
            } catch (NumberFormatException e) {
                return false;
            }
        };
    }
}
