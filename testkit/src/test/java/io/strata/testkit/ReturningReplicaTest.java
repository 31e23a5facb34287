package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.strata.common.batch.RecordBatch;
import io.strata.common.batch.RecordBatches;
import io.strata.common.net.Channels;
import io.strata.common.net.HostPort;
import io.strata.common.server.GrpcServer;
import io.strata.proto.Acks;
import io.strata.proto.AdminGrpc;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.DescribeTopicRequest;
import io.strata.proto.ListOffsetsRequest;
import io.strata.proto.OffsetSpec;
import io.strata.proto.PartitionDescription;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import io.strata.storage.log.LogManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas that come back — after a controlled stop, after the leader's retention deleted what
 * they would fetch next, or with an empty disk — the hand-over of leadership when a node
 * stops, and the readiness of a node that returns. Real in-JVM cluster, real files; replicas
 * are compared batch by batch on disk.
 */
class ReturningReplicaTest {
    private static final String PADDING = "x".repeat(60);

    @TempDir
    Path dataDir;

    private LocalCluster start() {
        // Retention checks every 200 ms instead of 30 s, so small segments expire while the test runs.
        return LocalCluster.builder().dataDir(dataDir)
                .storageConfig(c -> c.withLogSettings(new LogManager.Settings(4, 200, 60_000))).build().start();
    }

    private static PartitionDescription create(ManagedChannel channel, String topic, Map<String, String> configs) {
        return AdminGrpc.newBlockingStub(channel).createTopic(CreateTopicRequest.newBuilder().setName(topic)
                .setPartitions(1).setReplicationFactor(3).putConfigs("min.insync.replicas", "2")
                .putAllConfigs(configs).build()).getTopic().getPartitions(0);
    }

    private static PartitionDescription describe(ManagedChannel channel, String topic) {
        return AdminGrpc.newBlockingStub(channel).describeTopic(DescribeTopicRequest.newBuilder().setName(topic)
                .build()).getPartitions(0);
    }

    /** Writes {@code batches} acks=all batches of 5 records (about 100 bytes each). */
    private static void produce(ManagedChannel channel, String topic, int batches) {
        ProducerGrpc.ProducerBlockingStub producer = ProducerGrpc.newBlockingStub(channel);
        for (int b = 0; b < batches; b++) {
            ProduceRequest.Builder r = ProduceRequest.newBuilder().setTopic(topic).setPartition(0).setAcks(Acks.ACKS_ALL)
                    .setTimeoutMs(30_000);
            for (int i = 0; i < 5; i++) {
                r.addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("v" + b + "-" + i + PADDING)));
            }
            producer.produce(r.build());
        }
    }

    /** Every whole batch a replica holds on disk, by base offset. */
    private static TreeMap<Long, ByteString> batchesOnDisk(LocalCluster cluster, int node, String topic) {
        Path dir = cluster.dataDir().resolve("storage-" + node).resolve(topic + "-0");
        TreeMap<Long, ByteString> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".log")).sorted(Comparator.naturalOrder()).toList()) {
                RecordBatches it = RecordBatches.scan(ByteBuffer.wrap(Files.readAllBytes(f)), Integer.MAX_VALUE);
                while (it.hasNext()) {
                    RecordBatch b = it.next();
                    out.put(b.baseOffset(), ByteString.copyFrom(b.buffer()));
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return out; // a segment deleted by retention meanwhile: the caller looks again
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Whether {@code follower} holds exactly the leader's batches from where both logs start to the leader's end. */
    private static boolean sameFromCommonStart(TreeMap<Long, ByteString> leader, TreeMap<Long, ByteString> follower) {
        if (leader.isEmpty() || follower.isEmpty()) {
            return false;
        }
        long from = Math.max(leader.firstKey(), follower.firstKey());
        return leader.tailMap(from).equals(follower.tailMap(from));
    }

    private static long earliest(ManagedChannel channel, String topic) {
        return ConsumerGrpc.newBlockingStub(channel).listOffsets(ListOffsetsRequest.newBuilder().setTopic(topic)
                .setSpec(OffsetSpec.OFFSET_SPEC_EARLIEST).build()).getOffsets(0).getOffset();
    }

    @Test
    void aFollowerBehindTheLeadersLogStartEmptiesItsLogAndCatchesUpFromThere() {
        try (LocalCluster cluster = start()) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try {
                PartitionDescription p = create(channel, "aged", Map.of("segment.bytes", "1024",
                        "retention.bytes", "3072"));
                int follower = p.getReplicasList().stream().filter(r -> r != p.getLeader()).findFirst().orElseThrow();
                produce(channel, "aged", 20);
                long followerEnd = 100; // 20 acknowledged batches of 5: every ISR member holds them
                cluster.stopStorageNode(follower - 1);

                produce(channel, "aged", 60);
                cluster.await("the leader's retention to pass the stopped follower's end", 30_000,
                        () -> earliest(channel, "aged") > followerEnd);
                cluster.startStorageNode(follower - 1);
                cluster.await("the follower back in the ISR", 30_000,
                        () -> describe(channel, "aged").getIsrCount() == 3);
                produce(channel, "aged", 5);

                int leader = describe(channel, "aged").getLeader();
                cluster.await("the follower to hold the leader's batches", 30_000, () -> sameFromCommonStart(
                        batchesOnDisk(cluster, leader, "aged"), batchesOnDisk(cluster, follower, "aged")));
                TreeMap<Long, ByteString> mine = batchesOnDisk(cluster, follower, "aged");
                assertTrue(mine.firstKey() > followerEnd, "the old data is gone, the log starts at "
                        + mine.firstKey());
                assertDense(mine);
            } finally {
                Channels.close(channel);
            }
        }
    }

    @Test
    void aNodeWithAnEmptyDiskReplicatesEverythingAgain() throws Exception {
        try (LocalCluster cluster = start()) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try {
                PartitionDescription p = create(channel, "wiped", Map.of("segment.bytes", "4096"));
                int replaced = p.getReplicasList().stream().filter(r -> r != p.getLeader()).findFirst().orElseThrow();
                produce(channel, "wiped", 40);
                cluster.stopStorageNode(replaced - 1);
                deleteTree(cluster.dataDir().resolve("storage-" + replaced));

                cluster.startStorageNode(replaced - 1);
                produce(channel, "wiped", 5);
                cluster.await("the replaced node back in the ISR", 30_000,
                        () -> describe(channel, "wiped").getIsrCount() == 3);
                int leader = describe(channel, "wiped").getLeader();
                cluster.await("the replaced node to hold every batch", 30_000, () -> batchesOnDisk(cluster, leader,
                        "wiped").equals(batchesOnDisk(cluster, replaced, "wiped")));
                TreeMap<Long, ByteString> copy = batchesOnDisk(cluster, replaced, "wiped");
                assertEquals(0, copy.firstKey());
                assertDense(copy);
                assertEquals(225, copy.lastKey() + 5, "45 batches of 5 records");
            } finally {
                Channels.close(channel);
            }
        }
    }

    @Test
    void stoppingALeaderHandsItsPartitionsToInSyncReplicasBeforeItStops() {
        try (LocalCluster cluster = start()) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try {
                PartitionDescription before = create(channel, "handover", Map.of());
                produce(channel, "handover", 5);
                cluster.stopStorageNode(before.getLeader() - 1);

                // No waiting: the controller moved leadership before the node stopped.
                PartitionDescription after = describe(channel, "handover");
                assertNotEquals(before.getLeader(), after.getLeader());
                assertTrue(after.getLeaderEpoch() > before.getLeaderEpoch());
                assertFalse(after.getIsrList().contains(before.getLeader()), "the stopped node left the ISR");
                assertEquals(2, after.getIsrCount());
                produce(channel, "handover", 5);

                cluster.startStorageNode(before.getLeader() - 1);
                cluster.await("the restarted node back in the ISR", 30_000,
                        () -> describe(channel, "handover").getIsrCount() == 3);
            } finally {
                Channels.close(channel);
            }
        }
    }

    /** What node {@code node}'s health service answers for {@code service} ("" is the server as a whole). */
    private static ServingStatus health(LocalCluster cluster, int node, String service) {
        return Health.status(new HostPort("127.0.0.1", cluster.storageNode(node - 1).port()), service);
    }

    @Test
    void aReturningNodeIsReadyOnlyOnceItsReplicasAreBackInTheIsr() {
        try (LocalCluster cluster = start()) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try {
                PartitionDescription p = AdminGrpc.newBlockingStub(channel).createTopic(CreateTopicRequest.newBuilder()
                        .setName("pair").setPartitions(1).setReplicationFactor(2)
                        .putConfigs("min.insync.replicas", "1").build()).getTopic().getPartitions(0);
                int leader = p.getLeader();
                int follower = p.getReplicasList().stream().filter(r -> r != leader).findFirst().orElseThrow();
                produce(channel, "pair", 5);
                cluster.await("the follower ready", 30_000,
                        () -> health(cluster, follower, GrpcServer.READINESS) == ServingStatus.SERVING);

                cluster.stopStorageNode(follower - 1); // a controlled stop takes it out of the ISR
                produce(channel, "pair", 5);
                cluster.stopStorageNodeAbruptly(leader - 1); // the last in-sync replica: nothing to catch up from
                cluster.startStorageNode(follower - 1);
                cluster.await("the returned follower to apply an image", 30_000,
                        () -> cluster.storageNode(follower - 1).metadataVersion() > 0);
                assertEquals(ServingStatus.SERVING, health(cluster, follower, ""), "live");
                assertEquals(ServingStatus.NOT_SERVING, health(cluster, follower, GrpcServer.READINESS),
                        "not ready while its replica is outside the ISR");

                cluster.startStorageNode(leader - 1);
                cluster.await("the follower ready again", 60_000,
                        () -> health(cluster, follower, GrpcServer.READINESS) == ServingStatus.SERVING);
                assertTrue(describe(channel, "pair").getIsrList().contains(follower),
                        "ready only once back in the ISR: " + describe(channel, "pair"));
            } finally {
                Channels.close(channel);
            }
        }
    }

    private static void assertDense(TreeMap<Long, ByteString> batches) {
        long expected = batches.firstKey();
        for (Map.Entry<Long, ByteString> e : batches.entrySet()) {
            assertEquals(expected, e.getKey(), "batches follow each other without a gap");
            RecordBatch b = RecordBatch.readFrom(e.getValue().asReadOnlyByteBuffer(), Integer.MAX_VALUE);
            expected = b.nextOffset();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
