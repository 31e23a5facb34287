package io.strata.cli.perf;

import io.strata.storage.perf.LogPerf;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code strata perf}: benchmarks that print their figures. */
@Command(name = "perf", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {PerfCommand.Log.class})
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
}
