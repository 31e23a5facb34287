package io.strata.testkit.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.strata.testkit.history.History;
import io.strata.testkit.history.Op;
import io.strata.testkit.workload.HighWatermarkWatcher;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** High watermarks read one after another per partition: a step back is reported, steps forward are not. */
class HighWatermarkCheckerTest {
    @TempDir
    Path dir;

    @Test
    void aHighWatermarkGoingBackwardsIsReportedPerPartition() {
        try (History history = new History(dir.resolve("history.log"))) {
            observe(history, 0, 5);
            observe(history, 1, 3);
            observe(history, 0, 7);
            observe(history, 1, 9);
            observe(history, 0, 6);
            observe(history, 0, 8);
            List<String> regressions = HighWatermarkChecker.regressions(history.ops());
            assertEquals(1, regressions.size(), regressions.toString());
            assertEquals(true, regressions.get(0).startsWith("p0: 7 -> 6"), regressions.toString());
        }
    }

    private static void observe(History history, int partition, long hw) {
        Op invoke = history.invoke("hw-watcher", HighWatermarkWatcher.F, partition, List.of(), List.of());
        history.ok(invoke, partition, List.of(hw));
    }
}
