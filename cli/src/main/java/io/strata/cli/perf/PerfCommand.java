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
        subcommands = {PerfCommand.Log.class, PerfCommand.Produce.class, PerfCommand.Consume.class,
                PerfCommand.EndToEnd.class, PerfCommand.Groups.class})
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

    /** {@code strata perf produce}: produce throughput and latency through the Java client, printed as Kafka's tool does. */
    @Command(name = "produce", mixinStandardHelpOptions = true,
            description = {"Produce throughput and latency, in the style of kafka-producer-perf-test: sends NUM records of",
                    "SIZE random bytes through the Java client (StrataProducer), timing each from send to its callback;",
                    "prints a progress line every 5 s and a total line. Creates the topic (min.insync.replicas=2) when",
                    "missing. --raw instead drives the gateway with pre-encoded batches from SENDERS threads (no client)."})
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

        @Option(names = {"--num-records", "--records"}, defaultValue = "200000",
                description = "Records to send (default: ${DEFAULT-VALUE}).")
        long records;

        @Option(names = "--record-size", defaultValue = "1024", description = "Bytes per record (default: ${DEFAULT-VALUE}).")
        int recordSize;

        @Option(names = "--acks", description = "all, 1 or 0 (default: all, or acks in --producer-props).")
        String acks;

        @Option(names = "--throughput", defaultValue = "-1",
                description = "Records per second to aim at; -1 for as fast as possible (default: ${DEFAULT-VALUE}).")
        long throughput;

        @Option(names = "--producer-props", arity = "1..*", paramLabel = "KEY=VALUE",
                description = {"Producer properties with Kafka's names: acks, linger.ms, batch.size, batch.max.records,",
                        "buffer.memory, max.block.ms, delivery.timeout.ms, request.timeout.ms, retry.backoff.ms,",
                        "max.request.size. Any other name is an error."})
        java.util.Map<String, String> producerProps = new java.util.LinkedHashMap<>();

        @Option(names = "--raw", description = "Pre-encoded batches straight to the gateway's Produce RPC, no client.")
        boolean raw;

        @Option(names = "--batch-records", description = "With --raw: records per batch (default: 64).")
        Integer batchRecords;

        @Option(names = "--senders", description = "With --raw: concurrent senders (default: 6).")
        Integer senders;

        @Option(names = "--in-flight", description = "With --raw: requests outstanding per sender (default: 1).")
        Integer inFlight;

        @Override
        public Integer call() throws Exception {
            if (records < 1 || recordSize < 0) {
                throw usage("--num-records must be at least 1 and --record-size not negative");
            }
            io.strata.client.producer.Acks a;
            try {
                a = acks == null ? null : io.strata.client.producer.Acks.parse(acks);
            } catch (IllegalArgumentException e) {
                throw usage("--acks must be all, 1 or 0, not " + acks);
            }
            if (raw) {
                if (!producerProps.isEmpty() || throughput > 0) {
                    throw usage("--producer-props and --throughput drive the client; --raw does not use one");
                }
                ProducePerf.run(new ProducePerf.Options(bootstrap.resolve(), topic, partitions, replicationFactor, records,
                        recordSize, batchRecords == null ? 64 : batchRecords, senders == null ? 6 : senders,
                        inFlight == null ? 1 : inFlight, (a == null ? io.strata.client.producer.Acks.ALL : a).toProto()),
                        spec.commandLine().getOut());
                return 0;
            }
            if (batchRecords != null || senders != null || inFlight != null) {
                throw usage("--batch-records, --senders and --in-flight only apply with --raw");
            }
            String propAcks = producerProps.get("acks");
            if (a != null && propAcks != null && a != io.strata.client.producer.Acks.parse(propAcks)) {
                throw usage("--acks " + acks + " contradicts --producer-props acks=" + propAcks);
            }
            try {
                return ClientProducePerf.run(new ClientProducePerf.Options(bootstrap.resolve(), topic, partitions,
                        replicationFactor, records, recordSize, a, throughput, producerProps),
                        spec.commandLine().getOut(), spec.commandLine().getErr());
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
        }

        private picocli.CommandLine.ParameterException usage(String message) {
            return new picocli.CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    /** {@code strata perf consume}: consumer throughput through a gateway, printed as Kafka's tool does. */
    @Command(name = "consume", mixinStandardHelpOptions = true,
            description = {"Consume throughput in the style of kafka-consumer-perf-test: a StrataConsumer in group G reads",
                    "NUM records from the beginning, then prints start/end time, MB, MB/sec, records and records/sec."})
    public static final class Consume implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        io.strata.cli.client.BootstrapOption bootstrap;

        @Option(names = "--topic", required = true, description = "Topic to read.")
        String topic;

        @Option(names = "--num-records", required = true, description = "Records to read.")
        long records;

        @Option(names = "--group", description = "Consumer group (default: a new perf-consumer-N group, so it reads from the start).")
        String group;

        @Option(names = "--timeout-ms", defaultValue = "10000",
                description = "Give up after this long without a record (default: ${DEFAULT-VALUE}).")
        long timeoutMs;

        @Override
        public Integer call() {
            if (records < 1 || timeoutMs < 1) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--num-records and --timeout-ms must be at least 1");
            }
            String g = group != null ? group
                    : "perf-consumer-" + java.util.concurrent.ThreadLocalRandom.current().nextInt(100_000);
            return ConsumePerf.run(new ConsumePerf.Options(bootstrap.resolve(), topic, records, g, timeoutMs),
                    spec.commandLine().getOut(), spec.commandLine().getErr());
        }
    }

    /** {@code strata perf e2e}: end-to-end latency, one record at a time, as Kafka's EndToEndLatency measures it. */
    @Command(name = "e2e", mixinStandardHelpOptions = true,
            description = {"End-to-end latency in the style of Kafka's EndToEndLatency: sends one record at a time",
                    "(linger 0) and waits for it to come out of a consumer's poll; prints percentiles in microseconds.",
                    "Creates the topic when missing."})
    public static final class EndToEnd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        io.strata.cli.client.BootstrapOption bootstrap;

        @Option(names = "--topic", defaultValue = "perf-e2e", description = "Topic (default: ${DEFAULT-VALUE}).")
        String topic;

        @Option(names = "--partitions", defaultValue = "1", description = "Partitions if created (default: ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--replication-factor", defaultValue = "3", description = "RF if created (default: ${DEFAULT-VALUE}).")
        int replicationFactor;

        @Option(names = "--num-records", defaultValue = "10000", description = "Records (default: ${DEFAULT-VALUE}).")
        int records;

        @Option(names = "--record-size", defaultValue = "1024", description = "Bytes per record (default: ${DEFAULT-VALUE}).")
        int recordSize;

        @Option(names = "--acks", defaultValue = "all", description = "all, 1 or 0 (default: ${DEFAULT-VALUE}).")
        String acks;

        @Override
        public Integer call() throws Exception {
            if (records < 1 || recordSize < 1) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--num-records and --record-size must be at least 1");
            }
            return EndToEndPerf.run(new EndToEndPerf.Options(bootstrap.resolve(), topic, partitions, replicationFactor,
                    records, recordSize, io.strata.client.producer.Acks.parse(acks)), spec.commandLine().getOut(),
                    spec.commandLine().getErr());
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
