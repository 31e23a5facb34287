package io.strata.testkit.chaos;

import io.strata.testkit.ProcessCluster;
import io.strata.testkit.checker.RunChecks;
import io.strata.testkit.checker.RunSummary;
import io.strata.testkit.history.History;
import io.strata.testkit.history.Op;
import io.strata.testkit.workload.HighWatermarkWatcher;
import io.strata.testkit.workload.KeyedWriter;
import io.strata.testkit.workload.GroupConsumers;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every multi-process fault test runs: one {@link History} (written to a file), the acks=all
 * {@link KeyedWriter} through every gateway, the {@link HighWatermarkWatcher}, and optionally a
 * consumer group ({@link GroupConsumers}); afterwards
 * {@link #check} runs every checker on it. Tests drive the faults themselves (or through
 * {@link ChaosRun}). Drive it from one thread; the counters may be read from any.
 */
public final class Workload implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Workload.class);

    private final ProcessCluster cluster;
    private final String topic;
    private final Path historyFile;
    private final History history;
    private final KeyedWriter writer;
    private final HighWatermarkWatcher watcher;
    /** Workload 2, when asked for; null otherwise. */
    private final GroupConsumers group;
    private boolean stopped;

    private Workload(ProcessCluster cluster, String topic, int partitions, Path historyFile, boolean withGroup) {
        this.cluster = cluster;
        this.topic = topic;
        this.historyFile = historyFile;
        this.history = new History(historyFile);
        this.writer = KeyedWriter.start(history, topic, partitions, cluster.gatewayAddresses());
        this.watcher = HighWatermarkWatcher.start(history, topic, cluster.gatewayAddresses());
        this.group = withGroup ? GroupConsumers.start(history, topic, cluster.gatewayAddresses()) : null;
    }

    /** Starts writing to {@code topic} (which exists) and watching its high watermarks. */
    public static Workload start(ProcessCluster cluster, String topic, int partitions, Path historyFile) {
        return new Workload(cluster, topic, partitions, historyFile, false);
    }

    /** As {@link #start}, with a consumer group processing the topic as well ({@link GroupConsumers}). */
    public static Workload startWithGroup(ProcessCluster cluster, String topic, int partitions, Path historyFile) {
        return new Workload(cluster, topic, partitions, historyFile, true);
    }

    public History history() {
        return history;
    }

    public KeyedWriter writer() {
        return writer;
    }

    /** Records acknowledged so far. */
    public int acked() {
        return writer.acked();
    }

    /** Waits until {@code more} records beyond those acknowledged now are acknowledged (3 minutes at most). */
    public void awaitMoreAcked(int more) {
        int target = writer.acked() + more;
        cluster.await(more + " more acknowledged records", 180_000, () -> writer.acked() >= target);
    }

    /** Index of the next history entry: marks the start of a phase (see {@link #maxUnavailabilityMsSince}). */
    public long mark() {
        return history.ops().size();
    }

    /** The longest time a writer went without an acknowledgement after {@code mark}, in ms. */
    public long maxUnavailabilityMsSince(long mark) {
        List<Op> ops = history.ops();
        return RunChecks.maxUnavailabilityMs(ops.subList((int) mark, ops.size()));
    }

    /**
     * When the first produce to {@code partition} invoked at or after {@code wallMs} was
     * acknowledged (wall-clock ms), or -1 when none was yet.
     */
    public long firstAckOfWriteSentAfter(int partition, long wallMs) {
        String process = "writer-" + partition;
        long invokedAt = -1;
        for (Op op : history.ops()) {
            if (!op.process().equals(process)) {
                continue;
            }
            if (op.type() == Op.Type.INVOKE) {
                invokedAt = op.timeMs();
            } else if (op.type() == Op.Type.OK && invokedAt >= wallMs) {
                return op.timeMs();
            }
        }
        return -1;
    }

    /**
     * Stops writing and watching (idempotent). A consumer group is first given up to three minutes
     * to process every acknowledged record; whatever it missed, its checker reports.
     */
    public void stop() {
        if (!stopped) {
            stopped = true;
            writer.close();
            if (group != null) {
                Set<String> acked = new HashSet<>();
                history.ops().stream().filter(o -> o.f().equals("produce") && o.type() == Op.Type.OK)
                        .forEach(o -> acked.addAll(o.values()));
                try {
                    cluster.await("the consumer group to process all " + acked.size() + " acknowledged records",
                            180_000, () -> group.consumedAll(acked));
                } catch (IllegalStateException e) {
                    log.warn("the consumer group did not process every acknowledged record", e);
                }
                group.close();
            }
            watcher.close();
            log.info("workload on {} stopped: {} records acknowledged, failed requests by reason {}; history in {}",
                    topic, writer.acked(), writer.errors(), historyFile);
        }
    }

    /** Stops the load and runs every checker; the caller asserts on the summary. */
    public RunSummary check(String name) {
        stop();
        RunSummary summary = RunChecks.check(name, cluster, history.ops(), topic);
        log.info("CHAOS {} (history in {})", summary.line(), historyFile);
        return summary;
    }

    @Override
    public void close() {
        stop();
        history.close();
    }
}
