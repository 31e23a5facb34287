package io.strata.testkit.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.strata.testkit.history.History;
import io.strata.testkit.history.Op;
import io.strata.testkit.workload.GroupConsumers;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workload-2 checker on hand-made histories: each kind of violation is counted, and only it. */
class GroupCheckerTest {
    @TempDir
    Path dir;

    @Test
    void aGroupThatProcessedEverythingAndCommittedForwardPasses() {
        try (History h = new History(dir.resolve("h.log"))) {
            produce(h, "v0", "v1");
            consume(h, "m0", 0, 0, "v0");
            commit(h, "m0", 0, 1);
            consume(h, "m1", 0, 1, "v1");
            commit(h, "m1", 0, 2);
            GroupChecker.Result r = GroupChecker.check(h.ops());
            assertEquals(0, r.violations(), r.examples().toString());
            assertEquals(2, r.commits());
        }
    }

    @Test
    void unprocessedRecordsBackwardsCommitsAndCommitsPastConsumptionAreEachCounted() {
        try (History h = new History(dir.resolve("h.log"))) {
            produce(h, "v0", "v1", "v2");
            consume(h, "m0", 0, 0, "v0");
            commit(h, "m0", 0, 1);
            consume(h, "m0", 0, 1, "v1");
            commit(h, "m0", 0, 5);
            commit(h, "m1", 0, 0);
            GroupChecker.Result r = GroupChecker.check(h.ops());
            assertEquals(1, r.unprocessed(), r.examples().toString());
            assertEquals(1, r.pastConsumed(), r.examples().toString());
            assertEquals(1, r.backwards(), r.examples().toString());
        }
    }

    private static void produce(History h, String... values) {
        Op invoke = h.invoke("writer-0", "produce", 0, List.of(values), List.of(values));
        h.ok(invoke, 0, java.util.stream.LongStream.range(0, values.length).boxed().toList());
    }

    private static void consume(History h, String member, int partition, long offset, String value) {
        Op invoke = h.invoke(member, GroupConsumers.CONSUME, partition, List.of(), List.of(value));
        h.ok(invoke, partition, List.of(offset));
    }

    private static void commit(History h, String member, int partition, long offset) {
        Op invoke = h.invoke(member, GroupConsumers.COMMIT, partition, List.of(), List.of(Long.toString(offset)));
        h.ok(invoke, partition, List.of(offset));
    }
}
