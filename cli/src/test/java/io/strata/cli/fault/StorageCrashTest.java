package io.strata.cli.fault;

import static io.strata.cli.fault.FaultHarness.assertNothingLost;
import static io.strata.cli.fault.FaultHarness.assertReplicasIdentical;
import static io.strata.cli.fault.FaultHarness.awaitAcked;
import static io.strata.cli.fault.FaultHarness.currentLeader;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.strata.cli.fault.FaultHarness.Load;
import io.strata.common.net.Channels;
import io.strata.proto.PartitionDescription;
import io.strata.proto.TopicDescription;
import io.strata.testkit.AckedWrites;
import io.strata.testkit.ProcessCluster;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage nodes as separate processes, killed with SIGKILL — one, then all at once — while
 * producers write acks=all records with unique values. Afterwards every acknowledged record must
 * be readable at exactly the offset it was acknowledged with, and the replicas of every partition
 * must be byte-identical.
 */
class StorageCrashTest {
    @TempDir
    Path dataDir;

    @Test
    void acknowledgedWritesSurviveStorageNodesKilledWithSigkill() throws Exception {
        try (ProcessCluster cluster = FaultHarness.startCluster(dataDir)) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try {
                TopicDescription topic = FaultHarness.createTopic(channel);
                Load load = Load.start(channel);

                awaitAcked(cluster, load, 200);
                cluster.killStorageNode(1);
                Thread.sleep(1500);
                cluster.startStorageNode(1);
                awaitAcked(cluster, load, load.acked.size() + 200);
                for (int i = 0; i < 3; i++) {
                    cluster.killStorageNode(i);
                }
                for (int i = 0; i < 3; i++) {
                    cluster.startStorageNode(i);
                }
                awaitAcked(cluster, load, load.acked.size() + 200);
                load.stop();

                assertNothingLost(channel, load, "SIGKILL of storage nodes");
                assertReplicasIdentical(cluster, topic);
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
            try {
                TopicDescription topic = FaultHarness.createTopic(channel);
                Load load = Load.start(channel);
                awaitAcked(cluster, load, 100);
                List<Long> failovers = new ArrayList<>();
                for (PartitionDescription p : topic.getPartitionsList()) {
                    int leader = currentLeader(cluster, p.getPartition());
                    int before = load.acked.size();
                    cluster.killStorageNode(leader - 1);
                    long killedAt = System.nanoTime();
                    awaitAcked(cluster, load, before + 30);
                    failovers.add((System.nanoTime() - killedAt) / 1_000_000);
                    cluster.startStorageNode(leader - 1);
                }
                awaitAcked(cluster, load, load.acked.size() + 100);
                load.stop();

                org.slf4j.LoggerFactory.getLogger(StorageCrashTest.class).info(
                        "leader kills: time from kill -9 to 30 more acknowledged records: {} ms", failovers);
                assertNothingLost(channel, load, "SIGKILL of each leader");
                assertReplicasIdentical(cluster, FaultHarness.describeTopic(channel));
            } finally {
                Channels.close(channel);
            }
        }
    }
}
