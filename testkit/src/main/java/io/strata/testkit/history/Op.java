package io.strata.testkit.history;

import java.time.Instant;
import java.util.List;

/**
 * One entry of a {@link History}: a client {@code process} started ({@link Type#INVOKE}) or
 * finished an operation {@code f}, or the nemesis injected or recovered a fault. For a produce,
 * {@code values} are the unique values sent with their {@code keys}; an {@link Type#OK} also holds
 * the {@code partition} and {@code offsets} they were acknowledged at. Immutable.
 */
public record Op(long index, long timeMs, String process, Type type, String f, int partition, List<String> keys,
                 List<String> values, List<Long> offsets, String detail) {
    /** What happened: as in Jepsen, INFO means the outcome is unknown (a timeout) and FAIL that nothing happened. */
    public enum Type { INVOKE, OK, FAIL, INFO }

    /** One line of the history file: time, process, type, operation, then what it carried. */
    public String line() {
        StringBuilder sb = new StringBuilder().append(Instant.ofEpochMilli(timeMs)).append(' ').append(index).append(' ')
                .append(process).append(' ').append(type.name().toLowerCase()).append(' ').append(f);
        if (partition >= 0) {
            sb.append(" p=").append(partition);
        }
        if (!values.isEmpty()) {
            sb.append(" values=").append(values.get(0)).append("..").append(values.get(values.size() - 1));
        }
        if (!offsets.isEmpty()) {
            sb.append(" offsets=").append(offsets.get(0)).append("..").append(offsets.get(offsets.size() - 1));
        }
        if (!detail.isEmpty()) {
            sb.append(' ').append(detail);
        }
        return sb.toString();
    }
}
