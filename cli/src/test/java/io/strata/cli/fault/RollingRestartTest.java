package io.strata.cli.fault;

import static io.strata.cli.fault.FaultHarness.assertNothingLost;
import static io.strata.cli.fault.FaultHarness.assertReplicasIdentical;
import static io.strata.cli.fault.FaultHarness.awaitAcked;
import static io.strata.cli.fault.FaultHarness.awaitFullIsr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.strata.cli.fault.FaultHarness.Load;
import io.strata.common.net.Channels;
import io.strata.testkit.ProcessCluster;
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
 * time to rejoin every ISR before the next one goes. Producers keep writing acks=all records all
 * along; none of them may see an error or lose an acknowledged record. The longest time a
 * producer went without an acknowledgement is reported, not asserted (the machine is shared).
 */
class RollingRestartTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dataDir;

    @Test
    void rollingRestartWithSigtermLosesNothingAndProducersSeeNoError() throws Exception {
        try (ProcessCluster cluster = FaultHarness.startCluster(dataDir)) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try {
                FaultHarness.createTopic(channel);
                Load load = Load.start(channel);
                awaitAcked(cluster, load, 300);
                load.resetLongestStall();
                List<Long> stopMs = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    awaitFullIsr(cluster);
                    long start = System.nanoTime();
                    cluster.stopStorageNode(i);
                    stopMs.add((System.nanoTime() - start) / 1_000_000);
                    int before = load.acked.size();
                    awaitAcked(cluster, load, before + 200);
                    cluster.startStorageNode(i);
                    awaitAcked(cluster, load, load.acked.size() + 200);
                }
                awaitFullIsr(cluster);
                load.stop();

                LoggerFactory.getLogger(RollingRestartTest.class).info("rolling restart: SIGTERM to exit {} ms; "
                        + "longest time a producer went without an acknowledgement: {} ms", stopMs,
                        load.longestStallMs());
                assertNothingLost(channel, load, "rolling restart");
                assertEquals(0, load.failed.get(), "producers saw errors: " + load.errors);
                for (int node = 1; node <= 3; node++) {
                    assertTrue(FaultHarness.memberLog(cluster, "storage-" + node)
                            .contains("controlled shutdown moved every leadership away"), "node " + node
                            + " handed its leaderships over before it stopped");
                }
                assertReplicasIdentical(cluster, FaultHarness.describeTopic(channel));
            } finally {
                Channels.close(channel);
            }
        }
    }
}
