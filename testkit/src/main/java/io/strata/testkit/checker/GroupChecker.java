package io.strata.testkit.checker;

import io.strata.testkit.history.Op;
import io.strata.testkit.workload.GroupConsumers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checker of workload 2 ({@link GroupConsumers}) over the history: every acknowledged record was
 * processed by some member at least once; the committed offset of a partition, as acknowledged
 * commits show it, never goes backwards (the workload never resets offsets explicitly, the one
 * case where that is allowed); and no commit is past what the group consumed (offset at most one
 * beyond the highest offset of that partition processed before the commit was acknowledged).
 * Pure: no I/O.
 */
public final class GroupChecker {
    /** What the check found; {@code examples} names the first few problems. */
    public record Result(int consumed, int commits, int unprocessed, int backwards, int pastConsumed,
                         List<String> examples) {
        public int violations() {
            return unprocessed + backwards + pastConsumed;
        }
    }

    private GroupChecker() {
    }

    /** Whether the history holds any consumer-group activity at all. */
    public static boolean present(List<Op> history) {
        return history.stream().anyMatch(o -> o.f().equals(GroupConsumers.CONSUME) || o.f().equals(GroupConsumers.COMMIT));
    }

    public static Result check(List<Op> history) {
        Set<String> acked = new HashSet<>();
        Set<String> consumed = new HashSet<>();
        Map<Integer, Long> maxConsumed = new HashMap<>();
        Map<Integer, Long> committed = new HashMap<>();
        List<String> examples = new ArrayList<>();
        int commits = 0;
        int backwards = 0;
        int past = 0;
        for (Op op : history) {
            if (op.type() != Op.Type.OK) {
                continue;
            }
            switch (op.f()) {
                case "produce" -> acked.addAll(op.values());
                case GroupConsumers.CONSUME -> {
                    consumed.addAll(op.values());
                    op.offsets().forEach(o -> maxConsumed.merge(op.partition(), o, Math::max));
                }
                case GroupConsumers.COMMIT -> {
                    commits++;
                    long offset = op.offsets().get(0);
                    Long before = committed.put(op.partition(), offset);
                    if (before != null && offset < before) {
                        backwards++;
                        note(examples, "commit of p" + op.partition() + " went back from " + before + " to " + offset
                                + " (op " + op.index() + ", " + op.process() + ")");
                    }
                    long limit = maxConsumed.getOrDefault(op.partition(), -1L) + 1;
                    if (offset > limit) {
                        past++;
                        note(examples, "commit of p" + op.partition() + " at " + offset + " past what was consumed ("
                                + limit + ") (op " + op.index() + ", " + op.process() + ")");
                    }
                }
                default -> {
                }
            }
        }
        List<String> missing = acked.stream().filter(v -> !consumed.contains(v)).sorted().toList();
        missing.stream().limit(5).forEach(v -> note(examples, "acknowledged " + v + " was never processed"));
        return new Result(consumed.size(), commits, missing.size(), backwards, past, examples);
    }

    private static void note(List<String> examples, String problem) {
        if (examples.size() < 15) {
            examples.add(problem);
        }
    }
}
