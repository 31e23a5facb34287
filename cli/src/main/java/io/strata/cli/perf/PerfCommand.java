package io.strata.cli.perf;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code strata perf}: benchmarks that print their figures. */
@Command(name = "perf", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {PerfCommand.Log.class, PerfCommand.Produce.class, PerfCommand.Groups.class})
public final class PerfCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** {@code strata perf log}: the storage engine on this machine's disk. */
    @Command(name = "log", mixinStandardHelpOptions = true,
            description = {"Storage engine benchmark: raw disk write bandwidth, log append MB/s with flush=os and",
                    "flush=batch (group commit), catch-up read MB/s, recovery after kill -9, open time of many partitions."})
    public static final class Log implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", defaultValue = "/tmp/strata-perf-log", description = "Scratch directory (deleted after).")
        Path dir;

        @Option(names = "--mib", defaultValue = "1024", description = "MiB written per run (default: ${DEFAULT-VALUE}).")
        long mib;

        @Option(names = "--appenders", defaultValue = "8", description = "Concurrent appenders (default: ${DEFAULT-VALUE}).")
        int appenders;

        @Option(names = "--partitions", split = ",", defaultValue = "1,8", description = "Partition counts (default: ${DEFAULT-VALUE}).")
        int[] partitions;

        @Option(names = "--batch-kib", split = ",", defaultValue = "16,64", description = "Batch sizes in KiB (default: ${DEFAULT-VALUE}).")
        int[] batchKib;

        @Option(names = "--open-partitions", defaultValue = "1000", description = "Partitions for the open-time test.")
        int openPartitions;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            int[] batchBytes = java.util.Arrays.stream(batchKib).map(k -> k * 1024).toArray();
            new LogPerf(dir, mib << 20, out).runAll(appenders, partitions, batchBytes, openPartitions);
            out.flush();
            return 0;
        }
    }

    /** {@code strata perf produce}: acknowledged produce throughput and latency through a gateway. */
    @Command(name = "produce", mixinStandardHelpOptions = true,
            description = {"Produce throughput and per-batch latency through a gateway: SENDERS threads each send",
                    "pre-encoded batches of 1 KiB records to their own partition and wait for every acknowledgement.",
                    "Creates the topic (min.insync.replicas=2) when missing."})
    public static final class Produce implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        io.strata.cli.client.BootstrapOption bootstrap;

        @Option(names = "--topic", defaultValue = "perf", description = "Topic (default: ${DEFAULT-VALUE}).")
        String topic;

        @Option(names = "--partitions", defaultValue = "6", description = "Partitions if created (default: ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--replication-factor", defaultValue = "3", description = "RF if created (default: ${DEFAULT-VALUE}).")
        int replicationFactor;

        @Option(names = "--records", defaultValue = "200000", description = "Records to send (default: ${DEFAULT-VALUE}).")
        long records;

        @Option(names = "--record-size", defaultValue = "1024", description = "Bytes per record (default: ${DEFAULT-VALUE}).")
        int recordSize;

        @Option(names = "--batch-records", defaultValue = "64", description = "Records per batch (default: ${DEFAULT-VALUE}).")
        int batchRecords;

        @Option(names = "--senders", defaultValue = "6", description = "Concurrent senders (default: ${DEFAULT-VALUE}).")
        int senders;

        @Option(names = "--in-flight", defaultValue = "1", description = "Requests outstanding per sender (default: ${DEFAULT-VALUE}).")
        int inFlight;

        @Option(names = "--acks", defaultValue = "all", description = "all, 1 or 0 (default: ${DEFAULT-VALUE}).")
        String acks;

        @Override
        public Integer call() throws Exception {
            io.strata.proto.Acks a = switch (acks) {
                case "all", "-1" -> io.strata.proto.Acks.ACKS_ALL;
                case "1" -> io.strata.proto.Acks.ACKS_LEADER;
                case "0" -> io.strata.proto.Acks.ACKS_NONE;
                default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--acks must be all, 1 or 0, not " + acks);
            };
            ProducePerf.run(new ProducePerf.Options(bootstrap.resolve(), topic, partitions, replicationFactor, records,
                    recordSize, batchRecords, senders, inFlight, a), spec.commandLine().getOut());
            return 0;
        }
    }

    /** {@code strata perf groups}: how long a consumer group takes to settle after members join and leave. */
    @Command(name = "groups", mixinStandardHelpOptions = true,
            description = {"Rebalance latency: MEMBERS consumers join one group one at a time, then leave one at a",
                    "time; prints the time until the group is stable after each step and the partitions moved.",
                    "Creates the topic when missing."})
    public static final class Groups implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        io.strata.cli.client.BootstrapOption bootstrap;

        @Option(names = "--topic", defaultValue = "perf-groups", description = "Topic (default: ${DEFAULT-VALUE}).")
        String topic;

        @Option(names = "--partitions", defaultValue = "12", description = "Partitions (default: ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--replication-factor", defaultValue = "1", description = "RF if created (default: ${DEFAULT-VALUE}).")
        int replicationFactor;

        @Option(names = "--members", defaultValue = "4", description = "Most members at once (default: ${DEFAULT-VALUE}).")
        int members;

        @Option(names = "--assignor", defaultValue = "uniform", description = "uniform or range (default: ${DEFAULT-VALUE}).")
        String assignor;

        @Override
        public Integer call() throws Exception {
            GroupPerf.run(new GroupPerf.Options(bootstrap.resolve(), topic, partitions, replicationFactor, members,
                    assignor), spec.commandLine().getOut());
            return 0;
        }
    }
}
