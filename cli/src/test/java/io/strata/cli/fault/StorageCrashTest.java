package io.strata.cli.fault;

import static io.strata.cli.fault.FaultHarness.assertPassed;
import static io.strata.cli.fault.FaultHarness.currentLeader;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.strata.common.net.Channels;
import io.strata.proto.PartitionDescription;
import io.strata.proto.TopicDescription;
import io.strata.testkit.ProcessCluster;
import io.strata.testkit.chaos.Workload;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage nodes as separate processes, killed with SIGKILL — one, then all at once — while the
 * harness workload writes acks=all records with unique values. Afterwards the harness checkers
 * must find every acknowledged record at exactly the offset it was acknowledged with, and the
 * replicas of every partition byte-identical below the high watermark.
 */
class StorageCrashTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dataDir;

    @Test
    void acknowledgedWritesSurviveStorageNodesKilledWithSigkill() throws Exception {
        try (ProcessCluster cluster = FaultHarness.startCluster(dataDir)) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try (Workload load = FaultHarness.startLoad(cluster)) {
                load.awaitMoreAcked(200);
                cluster.killStorageNode(1);
                Thread.sleep(1500);
                cluster.startStorageNode(1);
                load.awaitMoreAcked(200);
                for (int i = 0; i < 3; i++) {
                    cluster.killStorageNode(i);
                }
                for (int i = 0; i < 3; i++) {
                    cluster.startStorageNode(i);
                }
                load.awaitMoreAcked(200);

                assertPassed(load, "SIGKILL of storage nodes");
                String logs = FaultHarness.memberLog(cluster, "storage-1");
                assertTrue(logs.contains("recovered") || logs.contains("truncat"), "node 1 recovered its logs after SIGKILL");
            } finally {
                Channels.close(channel);
            }
        }
    }

    @Test
    void killingEachPartitionLeaderInTurnLosesNoAcknowledgedWrite() throws Exception {
        try (ProcessCluster cluster = FaultHarness.startCluster(dataDir)) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try (Workload load = FaultHarness.startLoad(cluster)) {
                TopicDescription topic = FaultHarness.describeTopic(channel);
                load.awaitMoreAcked(100);
                List<Long> failovers = new ArrayList<>();
                for (PartitionDescription p : topic.getPartitionsList()) {
                    int leader = currentLeader(cluster, p.getPartition());
                    cluster.killStorageNode(leader - 1);
                    long killedAt = System.nanoTime();
                    load.awaitMoreAcked(30);
                    failovers.add((System.nanoTime() - killedAt) / 1_000_000);
                    cluster.startStorageNode(leader - 1);
                }
                load.awaitMoreAcked(100);

                org.slf4j.LoggerFactory.getLogger(StorageCrashTest.class).info(
                        "leader kills: time from kill -9 to 30 more acknowledged records: {} ms", failovers);
                assertPassed(load, "SIGKILL of each leader");
            } finally {
                Channels.close(channel);
            }
        }
    }
}
