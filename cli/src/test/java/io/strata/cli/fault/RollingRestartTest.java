package io.strata.cli.fault;

import static io.strata.cli.fault.FaultHarness.assertPassed;
import static io.strata.cli.fault.FaultHarness.awaitFullIsr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.strata.common.net.Channels;
import io.strata.testkit.ProcessCluster;
import io.strata.testkit.chaos.Workload;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A rolling restart of every storage node with SIGTERM, as an orchestrator does it: each node in
 * turn is stopped (it hands its leaderships to in-sync replicas first), started again, and given
 * time to rejoin every ISR before the next one goes. The harness workload keeps writing acks=all
 * records all along; none of its requests may fail and the harness checkers must pass. The
 * longest time a writer went without an acknowledgement is reported, not asserted (the machine
 * is shared).
 */
class RollingRestartTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dataDir;

    @Test
    void rollingRestartWithSigtermLosesNothingAndProducersSeeNoError() throws Exception {
        try (ProcessCluster cluster = FaultHarness.startCluster(dataDir)) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try (Workload load = FaultHarness.startLoad(cluster)) {
                load.awaitMoreAcked(300);
                long mark = load.mark();
                List<Long> stopMs = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    awaitFullIsr(cluster);
                    long start = System.nanoTime();
                    cluster.stopStorageNode(i);
                    stopMs.add((System.nanoTime() - start) / 1_000_000);
                    load.awaitMoreAcked(200);
                    cluster.startStorageNode(i);
                    load.awaitMoreAcked(200);
                }
                awaitFullIsr(cluster);
                load.stop();

                LoggerFactory.getLogger(RollingRestartTest.class).info("rolling restart: SIGTERM to exit {} ms; "
                        + "longest time a producer went without an acknowledgement: {} ms", stopMs,
                        load.maxUnavailabilityMsSince(mark));
                assertEquals(0, load.writer().failed(), "producers saw errors: " + load.writer().errors());
                for (int node = 1; node <= 3; node++) {
                    assertTrue(FaultHarness.memberLog(cluster, "storage-" + node)
                            .contains("controlled shutdown moved every leadership away"), "node " + node
                            + " handed its leaderships over before it stopped");
                }
                assertPassed(load, "rolling restart");
            } finally {
                Channels.close(channel);
            }
        }
    }
}
