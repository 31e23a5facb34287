package io.strata.testkit.checker;

import io.strata.testkit.history.Op;
import io.strata.testkit.workload.HighWatermarkWatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checker of workload 3, first half: the high watermark of a partition, as read one after
 * another by the {@link HighWatermarkWatcher}, never goes backwards (a consumer would otherwise
 * see committed records disappear). Pure: no I/O.
 */
public final class HighWatermarkChecker {
    private HighWatermarkChecker() {
    }

    /** Every observed step backwards, as "p<partition>: <before> -> <after> (op <index>)". */
    public static List<String> regressions(List<Op> history) {
        Map<Integer, Long> highest = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (Op op : history) {
            if (op.f().equals(HighWatermarkWatcher.F) && op.type() == Op.Type.OK) {
                long hw = op.offsets().get(0);
                Long before = highest.get(op.partition());
                if (before != null && hw < before) {
                    out.add("p" + op.partition() + ": " + before + " -> " + hw + " (op " + op.index() + ")");
                } else {
                    highest.put(op.partition(), hw);
                }
            }
        }
        return out;
    }
}
