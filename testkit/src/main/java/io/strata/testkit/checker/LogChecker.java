package io.strata.testkit.checker;

import io.strata.testkit.history.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checker of workload 1: compares the acknowledged produces of a history with a full read of the
 * topic afterwards. Counts
 * <ul>
 *   <li><b>lost</b>: acknowledged values not stored at exactly the offset they were acknowledged at;
 *   <li><b>conflicts</b>: offsets claimed by two different acknowledged values, or holding a value
 *       no writer ever sent;
 *   <li><b>gaps</b>: offsets skipped in a partition (offsets must be dense);
 *   <li><b>reordered</b>: acknowledged writes of one key stored in another order than they were
 *       acknowledged (each key's writes come from one thread, one request at a time);
 *   <li><b>duplicated</b>: values stored more than once — allowed: a retried produce can append
 *       twice until idempotent producing exists.
 * </ul>
 * Pure: no I/O.
 */
public final class LogChecker {
    /** What the check found; {@code examples} names the first few problems of each kind. */
    public record Result(int acked, int lost, int conflicts, int gaps, int reordered, int duplicated,
                         List<String> examples) {
    }

    private static final int EXAMPLES = 5;

    private LogChecker() {
    }

    public static Result check(List<Op> history, TopicReader.Read read) {
        List<String> examples = new ArrayList<>();
        Map<String, String> stored = new HashMap<>(); // "p/offset" -> value
        Map<String, Integer> copies = new HashMap<>();
        for (StoredRecord r : read.records()) {
            stored.put(r.partition() + "/" + r.offset(), r.value());
            copies.merge(r.value(), 1, Integer::sum);
        }
        Map<String, String> claimed = new HashMap<>();
        Map<String, Long> lastOffsetOfKey = new HashMap<>();
        java.util.Set<String> sent = new java.util.HashSet<>();
        int acked = 0;
        int lost = 0;
        int conflicts = 0;
        int reordered = 0;
        for (Op op : history) {
            if (!op.f().equals("produce")) {
                continue;
            }
            if (op.type() == Op.Type.INVOKE) {
                sent.addAll(op.values());
                continue;
            }
            if (op.type() != Op.Type.OK) {
                continue;
            }
            for (int i = 0; i < op.values().size(); i++) {
                acked++;
                String value = op.values().get(i);
                long offset = op.offsets().get(i);
                String position = op.partition() + "/" + offset;
                String other = claimed.putIfAbsent(position, value);
                if (other != null && !other.equals(value)) {
                    conflicts++;
                    note(examples, "offset " + position + " acknowledged for both " + other + " and " + value);
                }
                if (!value.equals(stored.get(position))) {
                    lost++;
                    note(examples, "lost: " + value + " acknowledged at " + position + " (op " + op.index()
                            + "), stored there: " + stored.get(position));
                }
                String key = op.partition() + "/" + op.keys().get(i);
                Long last = lastOffsetOfKey.put(key, offset);
                if (last != null && offset <= last) {
                    reordered++;
                    note(examples, "reordered: key " + op.keys().get(i) + " acknowledged at " + offset + " after "
                            + last + " (op " + op.index() + ")");
                }
            }
        }
        for (StoredRecord r : read.records()) {
            if (!sent.contains(r.value())) {
                conflicts++;
                note(examples, "offset " + r.partition() + "/" + r.offset() + " holds " + r.value()
                        + ", which no writer sent");
            }
        }
        int duplicated = (int) copies.values().stream().filter(n -> n > 1).count();
        read.gaps().stream().limit(EXAMPLES).forEach(g -> note(examples, "gap " + g));
        return new Result(acked, lost, conflicts, read.gaps().size(), reordered, duplicated, examples);
    }

    private static void note(List<String> examples, String problem) {
        if (examples.size() < EXAMPLES * 4) {
            examples.add(problem);
        }
    }
}
