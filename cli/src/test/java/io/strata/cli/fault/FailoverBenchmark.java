package io.strata.cli.fault;

import static io.strata.cli.fault.FaultHarness.awaitFullIsr;
import static io.strata.cli.fault.FaultHarness.partition;

import io.strata.testkit.ProcessCluster;
import io.strata.testkit.chaos.Workload;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader failover time with default settings, on a cluster of separate processes (3 metadata
 * peers, 3 storage nodes, a gateway): acks=all writers keep every partition busy; the leader of
 * one partition is killed with SIGKILL, and the sample is the time from the kill to the first
 * acknowledgement of a produce sent after it, on every partition that node led (the slowest of
 * them). The node is restarted and every ISR made whole again before the next sample. Prints
 * lines starting with {@code BENCH}. Not part of {@code mvn verify}:
 *
 * <pre>
 * mvn -B -ntp -pl cli -am -Pbench verify -Dtest=FailoverBenchmark -Dsurefire.failIfNoSpecifiedTests=false [-Dbench.samples=6]
 * </pre>
 */
class FailoverBenchmark {
    private static final Logger log = LoggerFactory.getLogger(FailoverBenchmark.class);

    @TempDir
    Path dataDir;

    @Test
    void leaderFailoverFromKillToFirstAcknowledgedWrite() throws Exception {
        int samples = Integer.getInteger("bench.samples", 6);
        try (ProcessCluster cluster = FaultHarness.startCluster(dataDir)) {
            try (Workload load = FaultHarness.startLoad(cluster)) {
                load.awaitMoreAcked(300);
                List<Long> results = new ArrayList<>();
                for (int s = 0; s < samples; s++) {
                    awaitFullIsr(cluster);
                    load.awaitMoreAcked(100);
                    int victim = partition(cluster, s % FaultHarness.PARTITIONS).getLeader();
                    List<Integer> led = new ArrayList<>();
                    for (int p = 0; p < FaultHarness.PARTITIONS; p++) {
                        if (partition(cluster, p).getLeader() == victim) {
                            led.add(p);
                        }
                    }
                    cluster.killStorageNode(victim - 1);
                    long killed = System.currentTimeMillis();
                    cluster.await("writes acknowledged again on " + led, 60_000,
                            () -> led.stream().allMatch(p -> load.firstAckOfWriteSentAfter(p, killed) > 0));
                    long worst = 0;
                    List<Long> each = new ArrayList<>();
                    for (int p : led) {
                        long ms = load.firstAckOfWriteSentAfter(p, killed) - killed;
                        each.add(ms);
                        worst = Math.max(worst, ms);
                    }
                    results.add(worst);
                    log.info("BENCH failover sample {}: kill -9 of node {} (leading partitions {}) -> first acks=all"
                            + " ack {} ms (per partition {})", s + 1, victim, led, worst, each);
                    cluster.startStorageNode(victim - 1);
                }
                load.stop();
                List<Long> sorted = results.stream().sorted().toList();
                log.info("BENCH failover over {} samples: min {} ms, median {} ms, max {} ms (all: {})", sorted.size(),
                        sorted.get(0), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), results);
            }
        }
    }
}
