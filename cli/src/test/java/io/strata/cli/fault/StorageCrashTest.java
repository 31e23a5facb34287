package io.strata.cli.fault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.strata.common.net.Channels;
import io.strata.proto.AdminGrpc;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.PartitionDescription;
import io.strata.proto.TopicDescription;
import io.strata.testkit.AckedWrites;
import io.strata.testkit.ProcessCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage nodes as separate processes, killed with SIGKILL — one, then all at once — while a
 * producer writes acks=all records with unique values. Afterwards every acknowledged record must
 * be readable at exactly the offset it was acknowledged with, and the replicas of every partition
 * must be byte-identical.
 */
class StorageCrashTest {
    static final String TOPIC = "crash";
    static final int PARTITIONS = 3;

    @TempDir
    Path dataDir;

    @Test
    void acknowledgedWritesSurviveStorageNodesKilledWithSigkill() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(StrataLauncher.command(), dataDir, 3, 3, 1).start()) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try {
                TopicDescription topic = createTopic(channel);
                AckedWrites writes = AckedWrites.start(channel, TOPIC);

                awaitAcked(cluster, writes, 200);
                cluster.killStorageNode(1);
                Thread.sleep(1500);
                cluster.startStorageNode(1);
                awaitAcked(cluster, writes, writes.acked() + 200);
                for (int i = 0; i < 3; i++) {
                    cluster.killStorageNode(i);
                }
                for (int i = 0; i < 3; i++) {
                    cluster.startStorageNode(i);
                }
                awaitAcked(cluster, writes, writes.acked() + 200);
                writes.stop();

                List<String> lost = writes.lost(PARTITIONS);
                org.slf4j.LoggerFactory.getLogger(StorageCrashTest.class).info(
                        "acknowledged {} records, {} produce calls failed", writes.acked(), writes.failed());
                assertEquals(List.of(), lost, "acknowledged records missing or moved, of " + writes.acked()
                        + " acked (" + writes.failed() + " produce calls failed and were not acknowledged)");
                assertReplicasIdentical(cluster, topic);
                String logs = Files.readString(dataDir.resolve("logs").resolve("storage-1.log"));
                assertTrue(logs.contains("recovered") || logs.contains("truncat"), "node 1 recovered its logs after SIGKILL");
            } finally {
                Channels.close(channel);
            }
        }
    }

    private static TopicDescription createTopic(ManagedChannel channel) {
        return AdminGrpc.newBlockingStub(channel).createTopic(CreateTopicRequest.newBuilder()
                .setName(TOPIC).setPartitions(PARTITIONS).setReplicationFactor(3)
                .putConfigs("min.insync.replicas", "2").build()).getTopic();
    }

    private static void awaitAcked(ProcessCluster cluster, AckedWrites writes, int count) {
        cluster.await(count + " acknowledged records", 120_000, () -> writes.acked() >= count);
    }

    private static void assertReplicasIdentical(ProcessCluster cluster, TopicDescription topic) throws Exception {
        for (PartitionDescription p : topic.getPartitionsList()) {
            Path leaderFile = segment(cluster, p.getLeader(), p.getPartition());
            cluster.await("replicas of partition " + p.getPartition() + " to converge", 60_000, () -> {
                try {
                    long size = Files.size(leaderFile);
                    for (int replica : p.getReplicasList()) {
                        if (Files.size(segment(cluster, replica, p.getPartition())) != size) {
                            return false;
                        }
                    }
                    return true;
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            byte[] leader = Files.readAllBytes(leaderFile);
            assertTrue(leader.length > 0);
            for (int replica : p.getReplicasList()) {
                assertArrayEquals(leader, Files.readAllBytes(segment(cluster, replica, p.getPartition())),
                        "partition " + p.getPartition() + " on node " + replica);
            }
        }
    }

    private static Path segment(ProcessCluster cluster, int node, int partition) {
        return cluster.dataDir().resolve("storage-" + node).resolve(TOPIC + "-" + partition)
                .resolve("00000000000000000000.log");
    }

    @Test
    void killingEachPartitionLeaderInTurnLosesNoAcknowledgedWrite() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(StrataLauncher.command(), dataDir, 3, 3, 1).start()) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try {
                TopicDescription topic = createTopic(channel);
                AckedWrites writes = AckedWrites.start(channel, TOPIC);
                awaitAcked(cluster, writes, 100);
                List<Long> failovers = new ArrayList<>();
                for (PartitionDescription p : topic.getPartitionsList()) {
                    int leader = currentLeader(cluster, p.getPartition());
                    int before = writes.acked();
                    cluster.killStorageNode(leader - 1);
                    long killedAt = System.nanoTime();
                    awaitAcked(cluster, writes, before + 30);
                    failovers.add((System.nanoTime() - killedAt) / 1_000_000);
                    cluster.startStorageNode(leader - 1);
                }
                awaitAcked(cluster, writes, writes.acked() + 100);
                writes.stop();

                List<String> lost = writes.lost(PARTITIONS);
                org.slf4j.LoggerFactory.getLogger(StorageCrashTest.class).info(
                        "leader kills: acknowledged {} records, lost {}, {} produce calls failed; time from kill -9 to "
                                + "30 more acknowledged records: {} ms", writes.acked(), lost.size(), writes.failed(),
                        failovers);
                assertEquals(List.of(), lost, "acknowledged records missing or moved");
                TopicDescription now = AdminGrpc.newBlockingStub(channel).describeTopic(
                        io.strata.proto.DescribeTopicRequest.newBuilder().setName(TOPIC).build());
                assertReplicasIdentical(cluster, now);
            } finally {
                Channels.close(channel);
            }
        }
    }

    private static int currentLeader(ProcessCluster cluster, int partition) {
        return cluster.image().getTopicsList().stream().filter(t -> t.getName().equals(TOPIC)).findFirst()
                .orElseThrow().getPartitions(partition).getLeader();
    }
}
