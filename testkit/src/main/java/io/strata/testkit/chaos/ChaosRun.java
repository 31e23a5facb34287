package io.strata.testkit.chaos;

import io.grpc.ManagedChannel;
import io.strata.common.net.Channels;
import io.strata.testkit.ProcessCluster;
import io.strata.testkit.checker.RunSummary;
import io.strata.testkit.fault.Fault;
import io.strata.testkit.fault.Nemesis;
import io.strata.testkit.history.History;
import io.strata.testkit.history.Op;
import io.strata.testkit.workload.ReplicatedTopic;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Jepsen-style run of the fault harness: starts a partitionable cluster of real processes
 * (3 metadata peers, storage nodes, 2 gateways), creates a replicated topic, runs the acks=all
 * {@link Workload} (acks=all writers, a high-watermark watcher and a consumer group) while the {@link Nemesis}
 * injects faults — a fixed list, or random ones until a duration has passed — then heals, stops
 * the load and runs every checker.
 *
 * <p>Everything lands in {@code <outputRoot>/<name>-<time>/}: {@code history.log} (every
 * operation and fault), {@code faults.log} (inject and recover times only), {@code summary.txt}
 * (the summary line) and {@code logs/<member>.log} per process. The members' data is deleted after
 * a run that passed and kept after one that failed. Drive it from one thread.
 */
public final class ChaosRun {
    private static final Logger log = LoggerFactory.getLogger(ChaosRun.class);
    private static final String TOPIC = "chaos";
    /** Acknowledged records the writers must add after each fault healed: the cluster works again. */
    private static final int PROGRESS_AFTER_FAULT = 100;

    private final String name;
    private final List<String> launcher;
    private final Path outputRoot;
    private int storageNodes = 3;
    private int partitions = 3;
    private long holdMs = 4_000;
    private List<Fault> schedule = List.of();
    private Duration randomFor = Duration.ZERO;
    private long seed = System.nanoTime();

    /**
     * @param launcher   command prefix that runs {@code strata} in a new JVM
     * @param outputRoot where run folders go, e.g. {@code target/chaos}
     */
    public ChaosRun(String name, List<String> launcher, Path outputRoot) {
        this.name = name;
        this.launcher = List.copyOf(launcher);
        this.outputRoot = outputRoot;
    }

    /** Injects these faults in this order (and no random ones). */
    public ChaosRun faults(Fault... faults) {
        this.schedule = List.of(faults);
        return this;
    }

    /** Injects random faults (any of {@link Fault}) until {@code duration} has passed. */
    public ChaosRun randomFaultsFor(Duration duration, long seed) {
        this.randomFor = duration;
        this.seed = seed;
        return this;
    }

    /** How long each fault is held before recovery (a pause or partition at least {@link Nemesis#PAUSE_MS}). */
    public ChaosRun holdMs(long holdMs) {
        this.holdMs = holdMs;
        return this;
    }

    public ChaosRun storageNodes(int storageNodes) {
        this.storageNodes = storageNodes;
        return this;
    }

    /** Runs it; returns the summary, which the caller asserts on. */
    public RunSummary run() {
        Path dir = outputRoot.resolve(name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Random random = new Random(seed);
        RunSummary summary;
        try (ProcessCluster cluster = new ProcessCluster(launcher, dir, 3, storageNodes, 2, true).start()) {
            log.info("chaos run {} in {} (seed {})", name, dir, seed);
            ManagedChannel admin = Channels.open(cluster.gatewayAddress());
            try {
                ReplicatedTopic.create(admin, TOPIC, partitions);
            } finally {
                Channels.close(admin);
            }
            try (Workload load = Workload.startWithGroup(cluster, TOPIC, partitions, dir.resolve("history.log"))) {
                Nemesis nemesis = new Nemesis(cluster, load.history(), TOPIC, random);
                load.awaitMoreAcked(300);
                for (Fault f : schedule) {
                    nemesis.apply(f, holdMs);
                    load.awaitMoreAcked(PROGRESS_AFTER_FAULT);
                }
                Fault[] all = Fault.values();
                long end = System.currentTimeMillis() + randomFor.toMillis();
                while (System.currentTimeMillis() < end) {
                    nemesis.apply(all[random.nextInt(all.length)], 2_000 + random.nextInt((int) holdMs * 2));
                    load.awaitMoreAcked(PROGRESS_AFTER_FAULT);
                }
                load.stop();
                nemesis.awaitHealed();
                summary = load.check(name);
                writeFaultLog(dir, load.history().ops());
            }
            Files.writeString(dir.resolve("summary.txt"), summary.line() + System.lineSeparator()
                    + String.join(System.lineSeparator(), summary.problems()) + System.lineSeparator());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the results of " + name + " to " + dir, e);
        }
        if (summary.passed()) {
            deleteMemberData(dir);
        }
        return summary;
    }

    private static void writeFaultLog(Path dir, List<Op> ops) throws IOException {
        Files.writeString(dir.resolve("faults.log"), ops.stream().filter(o -> o.process().equals(History.NEMESIS))
                .map(Op::line).collect(Collectors.joining(System.lineSeparator(), "", System.lineSeparator())));
    }

    private static void deleteMemberData(Path dir) {
        try (Stream<Path> members = Files.list(dir)) {
            for (Path m : members.filter(p -> p.getFileName().toString().matches("(storage|metadata)-.*")).toList()) {
                try (Stream<Path> tree = Files.walk(m)) {
                    for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException e) {
            log.warn("could not delete the members' data in {}", dir, e);
        }
    }
}
