package io.strata.testkit.history;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The record of a fault-injection run, in the manner of Jepsen: every client operation as an
 * invoke followed by ok, fail or info, and every fault as nemesis entries, each with its
 * wall-clock time and a global index that orders them. Entries go to memory (for the checkers)
 * and, line by line, to a file (for a person reading what led to a failure). Thread-safe.
 */
public final class History implements AutoCloseable {
    /** The process name the fault injector records under. */
    public static final String NEMESIS = "nemesis";

    private final List<Op> ops = new ArrayList<>();
    private final BufferedWriter file;

    /** A history that also writes to {@code file} (created, or truncated). */
    public History(Path file) {
        try {
            Files.createDirectories(file.getParent());
            this.file = Files.newBufferedWriter(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the history to " + file, e);
        }
    }

    public Op invoke(String process, String f, int partition, List<String> keys, List<String> values) {
        return add(process, Op.Type.INVOKE, f, partition, keys, values, List.of(), "");
    }

    /** Completes {@code invoke}: acknowledged at {@code offsets}, one per value. */
    public Op ok(Op invoke, int partition, List<Long> offsets) {
        return add(invoke.process(), Op.Type.OK, invoke.f(), partition, invoke.keys(), invoke.values(), offsets, "");
    }

    /** Completes {@code invoke}: definitely not applied ({@code FAIL}) or outcome unknown ({@code INFO}). */
    public Op failed(Op invoke, boolean definite, String why) {
        return add(invoke.process(), definite ? Op.Type.FAIL : Op.Type.INFO, invoke.f(), invoke.partition(),
                invoke.keys(), invoke.values(), List.of(), why);
    }

    /** A nemesis event: {@code f} is e.g. {@code inject kill-storage} and {@code detail} names the target. */
    public Op nemesis(String f, String detail) {
        return add(NEMESIS, Op.Type.INFO, f, -1, List.of(), List.of(), List.of(), detail);
    }

    private synchronized Op add(String process, Op.Type type, String f, int partition, List<String> keys,
                                List<String> values, List<Long> offsets, String detail) {
        Op op = new Op(ops.size(), System.currentTimeMillis(), process, type, f, partition, List.copyOf(keys),
                List.copyOf(values), List.copyOf(offsets), detail == null ? "" : detail);
        ops.add(op);
        try {
            file.write(op.line());
            file.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the history file", e);
        }
        return op;
    }

    /** Every entry so far, in order. */
    public synchronized List<Op> ops() {
        return List.copyOf(ops);
    }

    @Override
    public synchronized void close() {
        try {
            file.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the history file", e);
        }
    }
}
