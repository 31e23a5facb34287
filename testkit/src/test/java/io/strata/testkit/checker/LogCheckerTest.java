package io.strata.testkit.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.strata.testkit.history.History;
import io.strata.testkit.history.Op;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workload-1 checker on hand-made histories and reads: each kind of problem is counted, and only it. */
class LogCheckerTest {
    @TempDir
    Path dir;

    private History history;
    private final List<StoredRecord> stored = new ArrayList<>();
    private final List<String> gaps = new ArrayList<>();

    private void ack(String key, String value, long offset) {
        Op invoke = history.invoke("writer-0", "produce", 0, List.of(key), List.of(value));
        history.ok(invoke, 0, List.of(offset));
    }

    private void store(long offset, String key, String value) {
        stored.add(new StoredRecord(0, offset, key, value));
    }

    private LogChecker.Result check() {
        return LogChecker.check(history.ops(), new TopicReader.Read(stored, gaps));
    }

    private void fresh() {
        history = new History(dir.resolve("h" + System.nanoTime() + ".log"));
        stored.clear();
        gaps.clear();
    }

    @Test
    void aCleanRunHasNoProblems() {
        fresh();
        ack("a", "v0", 0);
        ack("a", "v1", 1);
        store(0, "a", "v0");
        store(1, "a", "v1");
        assertEquals(new LogChecker.Result(2, 0, 0, 0, 0, 0, List.of()), check());
    }

    @Test
    void anAcknowledgedValueMissingOrMovedIsLost() {
        fresh();
        ack("a", "v0", 0);
        ack("a", "v1", 1);
        store(0, "a", "v1");
        LogChecker.Result r = check();
        assertEquals(2, r.lost(), r.examples().toString());
    }

    @Test
    void twoValuesAcknowledgedAtOneOffsetConflict() {
        fresh();
        ack("a", "v0", 0);
        ack("b", "v1", 0);
        store(0, "a", "v0");
        LogChecker.Result r = check();
        assertEquals(1, r.conflicts(), r.examples().toString());
        assertEquals(1, r.lost());
    }

    @Test
    void aValueNobodySentIsAConflict() {
        fresh();
        ack("a", "v0", 0);
        store(0, "a", "v0");
        store(1, "a", "ghost");
        assertEquals(1, check().conflicts());
    }

    @Test
    void aKeysWritesAcknowledgedInOneOrderAndStoredInAnotherAreReordered() {
        fresh();
        ack("a", "v0", 1);
        ack("a", "v1", 0);
        store(0, "a", "v1");
        store(1, "a", "v0");
        LogChecker.Result r = check();
        assertEquals(1, r.reordered(), r.examples().toString());
        assertEquals(0, r.lost());
    }

    @Test
    void duplicatesAreCountedButAreNotLoss() {
        fresh();
        Op invoke = history.invoke("writer-0", "produce", 0, List.of("a"), List.of("v0"));
        history.failed(invoke, false, "DEADLINE_EXCEEDED");
        ack("a", "v0", 1);
        store(0, "a", "v0");
        store(1, "a", "v0");
        LogChecker.Result r = check();
        assertEquals(1, r.duplicated());
        assertEquals(0, r.lost() + r.conflicts() + r.reordered());
    }

    @Test
    void gapsAreCounted() {
        fresh();
        ack("a", "v0", 0);
        store(0, "a", "v0");
        gaps.add("p0: 1 -> 3");
        assertEquals(1, check().gaps());
    }
}
