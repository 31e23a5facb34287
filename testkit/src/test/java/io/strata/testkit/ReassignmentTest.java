package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.strata.client.Bootstrap;
import io.strata.client.StrataClientException;
import io.strata.client.TopicPartition;
import io.strata.client.admin.StrataAdmin;
import io.strata.common.batch.RecordBatch;
import io.strata.common.batch.RecordBatches;
import io.strata.common.net.Channels;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.ErrorReason;
import io.strata.proto.FetchRequest;
import io.strata.proto.ListOffsetsRequest;
import io.strata.proto.OffsetSpec;
import io.strata.proto.PartitionDescription;
import io.strata.proto.PartitionReassignment;
import io.strata.storage.log.LogManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replica reassignment on a real cluster of 3 metadata peers and 4 storage nodes: partitions move
 * between nodes while an acks=all producer writes, and afterwards every acknowledged record is at
 * its acknowledged offset, the target replicas hold byte-identical logs, and the replicas moved
 * away have deleted their directories.
 */
class ReassignmentTest {
    private static final Logger log = LoggerFactory.getLogger(ReassignmentTest.class);
    private static final List<Integer> FIRST_THREE = List.of(1, 2, 3);
    private static final long MOVE_TIMEOUT_MS = 90_000;

    @TempDir
    Path dataDir;

    private static LocalCluster.Builder fourNodes(Path dir) {
        return LocalCluster.builder().dataDir(dir).storageNodes(4);
    }

    private static StrataAdmin admin(LocalCluster cluster) {
        return new StrataAdmin(Bootstrap.parse(cluster.gatewayAddress().toString()), Duration.ofSeconds(30));
    }

    /** Creates {@code topic} (RF 3, min.insync.replicas 2) and moves every partition onto nodes 1, 2, 3. */
    private static void createOnFirstThree(LocalCluster cluster, StrataAdmin admin, String topic, int partitions,
                                           Map<String, String> configs) {
        Map<String, String> all = new LinkedHashMap<>(configs);
        all.put("min.insync.replicas", "2");
        admin.createTopic(topic, partitions, 3, all);
        Map<TopicPartition, List<Integer>> targets = new LinkedHashMap<>();
        IntStream.range(0, partitions).forEach(p -> targets.put(new TopicPartition(topic, p), FIRST_THREE));
        admin.alterPartitionReassignments(targets);
        IntStream.range(0, partitions).forEach(p -> awaitMoved(cluster, admin, topic, p, FIRST_THREE));
    }

    private static void awaitMoved(LocalCluster cluster, StrataAdmin admin, String topic, int partition,
                                   List<Integer> target) {
        cluster.await(topic + "-" + partition + " to move to " + target, MOVE_TIMEOUT_MS, () -> {
            PartitionDescription p = admin.describeTopic(topic).getPartitions(partition);
            return p.getReplicasList().equals(target) && p.getAddingReplicasCount() == 0
                    && p.getRemovingReplicasCount() == 0 && p.getIsrCount() == target.size();
        });
    }

    private static Path replicaDir(LocalCluster cluster, int node, String topic, int partition) {
        return cluster.dataDir().resolve("storage-" + node).resolve(topic + "-" + partition);
    }

    private static void awaitDeleted(LocalCluster cluster, int node, String topic, int partition) {
        Path dir = replicaDir(cluster, node, topic, partition);
        cluster.await(dir + " to be deleted", 30_000, () -> !Files.exists(dir));
    }

    /** The replica's segments back to back: its whole batch stream from its log start. */
    private static byte[] logBytes(LocalCluster cluster, int node, String topic, int partition) {
        Path dir = replicaDir(cluster, node, topic, partition);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                out.write(Files.readAllBytes(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * The replicas' logs become byte-identical once producing stopped, and they end exactly at the
     * high watermark: everything compared is committed data.
     */
    private static void assertIdenticalReplicas(LocalCluster cluster, ManagedChannel channel, String topic,
                                                int partition, List<Integer> replicas) {
        cluster.await("replicas " + replicas + " of " + topic + "-" + partition + " to hold identical logs", 30_000,
                () -> replicas.stream().map(n -> logBytes(cluster, n, topic, partition))
                        .allMatch(b -> Arrays.equals(b, logBytes(cluster, replicas.get(0), topic, partition))));
        long hw = ConsumerGrpc.newBlockingStub(channel).fetch(FetchRequest.newBuilder().setTopic(topic)
                .setPartition(partition).setOffset(0).setMaxBytes(1).build()).getHighWatermark();
        RecordBatches batches = RecordBatches.scan(ByteBuffer.wrap(logBytes(cluster, replicas.get(0), topic,
                partition)), Integer.MAX_VALUE);
        long end = 0;
        while (batches.hasNext()) {
            RecordBatch b = batches.next();
            b.ensureValid();
            end = b.nextOffset();
        }
        assertEquals(hw, end, "the compared logs hold exactly the committed offsets [0, HW)");
    }

    @Test
    void partitionsMoveWhileAcksAllProducersWriteAndNoAcknowledgedRecordIsLost() throws Exception {
        try (LocalCluster cluster = fourNodes(dataDir).build().start(); StrataAdmin admin = admin(cluster)) {
            createOnFirstThree(cluster, admin, "moving", 3, Map.of());
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try (AcksAllLoad load = new AcksAllLoad(Bootstrap.parse(cluster.gatewayAddress().toString()), "moving")) {
                load.awaitMoreAcks(cluster, 2_000);

                PartitionReassignment p0 = admin.reassignPartition("moving", 0, List.of(2, 3, 4));
                assertEquals(List.of(2, 3, 4, 1), p0.getReplicasList());
                assertEquals(List.of(4), p0.getAddingReplicasList());
                assertEquals(List.of(1), p0.getRemovingReplicasList());
                long started = System.nanoTime();
                PartitionDescription before1 = admin.describeTopic("moving").getPartitions(1);
                List<Integer> target1 = new ArrayList<>(List.of(4));
                FIRST_THREE.stream().filter(n -> n != before1.getLeader()).forEach(target1::add);
                admin.reassignPartition("moving", 1, target1);
                int ackedAtStart = load.ackedCount();

                awaitMoved(cluster, admin, "moving", 0, List.of(2, 3, 4));
                long p0Ms = (System.nanoTime() - started) / 1_000_000;
                awaitMoved(cluster, admin, "moving", 1, target1);
                long bothMs = (System.nanoTime() - started) / 1_000_000;
                int ackedDuringMoves = load.ackedCount() - ackedAtStart;
                load.awaitMoreAcks(cluster, 1_000);
                Map<String, AcksAllLoad.Ack> acked = load.stop();

                PartitionDescription after1 = admin.describeTopic("moving").getPartitions(1);
                assertNotEquals(before1.getLeader(), after1.getLeader(), "leadership moved off the removed node");
                assertTrue(target1.contains(after1.getLeader()));
                assertTrue(after1.getLeaderEpoch() > before1.getLeaderEpoch());
                assertTrue(admin.listPartitionReassignments(null).isEmpty());
                assertTrue(ackedDuringMoves > 0, "writes were acknowledged while the replicas moved");
                assertEquals(0, load.failedCount(), "every record was acknowledged");
                AcksAllLoad.assertReadBack(channel, "moving", acked);
                assertIdenticalReplicas(cluster, channel, "moving", 0, List.of(2, 3, 4));
                assertIdenticalReplicas(cluster, channel, "moving", 1, target1);
                assertIdenticalReplicas(cluster, channel, "moving", 2, FIRST_THREE);
                awaitDeleted(cluster, 1, "moving", 0);
                awaitDeleted(cluster, before1.getLeader(), "moving", 1);
                log.info("reassignment under acks=all load: {}-0 moved in {} ms, both partitions in {} ms;"
                        + " {} records acknowledged meanwhile, {} in all", "moving", p0Ms, bothMs, ackedDuringMoves,
                        acked.size());
            } finally {
                Channels.close(channel);
            }
        }
    }

    @Test
    void aReassignmentCompletesAcrossAMetadataFailoverAndARemovedNodeCleansUpWhenItReturns() throws Exception {
        try (LocalCluster cluster = fourNodes(dataDir).build().start(); StrataAdmin admin = admin(cluster)) {
            createOnFirstThree(cluster, admin, "failover", 1, Map.of());
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try (AcksAllLoad load = new AcksAllLoad(Bootstrap.parse(cluster.gatewayAddress().toString()), "failover")) {
                load.awaitMoreAcks(cluster, 500);
                // Node 4 stops before it can copy anything, so the move stays in progress across the failover.
                cluster.stopStorageNodeAbruptly(3);
                PartitionReassignment started = admin.reassignPartition("failover", 0, List.of(2, 3, 4));
                assertEquals(List.of(4), started.getAddingReplicasList());

                int metadataLeader = IntStream.range(0, 3).filter(i -> cluster.metadataPeer(i).isLeader())
                        .findFirst().orElseThrow();
                cluster.stopMetadataPeer(metadataLeader);
                cluster.await("another metadata leader", 30_000, () -> IntStream.range(0, 3)
                        .anyMatch(i -> i != metadataLeader && cluster.metadataPeer(i).isLeader()));
                cluster.stopStorageNode(0); // node 1, being removed, goes away too (and may have led)
                load.awaitMoreAcks(cluster, 500);
                assertEquals(1, admin.listPartitionReassignments("failover").size(), "waits for node 4");

                cluster.startStorageNode(3);
                awaitMoved(cluster, admin, "failover", 0, List.of(2, 3, 4));
                load.awaitMoreAcks(cluster, 500);
                Map<String, AcksAllLoad.Ack> acked = load.stop();
                assertEquals(0, load.failedCount(), "every record was acknowledged");

                assertTrue(Files.exists(replicaDir(cluster, 1, "failover", 0)), "node 1 was down when it was removed");
                cluster.startStorageNode(0);
                awaitDeleted(cluster, 1, "failover", 0);
                cluster.startMetadataPeer(metadataLeader);
                AcksAllLoad.assertReadBack(channel, "failover", acked);
                assertIdenticalReplicas(cluster, channel, "failover", 0, List.of(2, 3, 4));
            } finally {
                Channels.close(channel);
            }
        }
    }

    @Test
    void cancellingAReassignmentKeepsTheOriginalReplicas() throws Exception {
        try (LocalCluster cluster = fourNodes(dataDir).build().start(); StrataAdmin admin = admin(cluster)) {
            createOnFirstThree(cluster, admin, "kept", 1, Map.of());
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try (AcksAllLoad load = new AcksAllLoad(Bootstrap.parse(cluster.gatewayAddress().toString()), "kept")) {
                load.awaitMoreAcks(cluster, 500);
                cluster.stopStorageNodeAbruptly(3); // node 4 cannot catch up: the move is still running when cancelled
                PartitionReassignment moving = admin.reassignPartition("kept", 0, List.of(4, 2, 3));
                assertEquals(List.of(4, 2, 3, 1), moving.getReplicasList());
                List<PartitionReassignment> listed = admin.listPartitionReassignments(null);
                assertEquals(1, listed.size());
                assertEquals(List.of(4), listed.get(0).getAddingReplicasList());
                assertEquals(List.of(1), listed.get(0).getRemovingReplicasList());

                PartitionReassignment cancelled = admin.cancelPartitionReassignment("kept", 0);
                assertEquals(Set.copyOf(FIRST_THREE), Set.copyOf(cancelled.getReplicasList()));
                assertEquals(0, cancelled.getAddingReplicasCount() + cancelled.getRemovingReplicasCount());
                assertTrue(admin.listPartitionReassignments(null).isEmpty());
                StrataClientException again = assertThrows(StrataClientException.class,
                        () -> admin.cancelPartitionReassignment("kept", 0));
                assertEquals(ErrorReason.NO_REASSIGNMENT_IN_PROGRESS, again.reason());
                assertTrue(again.getMessage().contains("kept-0 is not being reassigned"), again.getMessage());

                cluster.startStorageNode(3);
                load.awaitMoreAcks(cluster, 500);
                Map<String, AcksAllLoad.Ack> acked = load.stop();
                AcksAllLoad.assertReadBack(channel, "kept", acked);
                assertIdenticalReplicas(cluster, channel, "kept", 0, cancelled.getReplicasList());
                assertFalse(Files.exists(replicaDir(cluster, 4, "kept", 0)), "node 4 never became a replica");
            } finally {
                Channels.close(channel);
            }
        }
    }

    @Test
    void invalidReassignmentsAreRefusedWithReasonsThatSayWhatToChange() {
        try (LocalCluster cluster = fourNodes(dataDir).build().start(); StrataAdmin admin = admin(cluster)) {
            createOnFirstThree(cluster, admin, "strict", 1, Map.of());
            assertRefused(ErrorReason.INVALID_REPLICA_ASSIGNMENT, "storage node 9, which is not registered",
                    () -> admin.reassignPartition("strict", 0, List.of(1, 2, 9)));
            assertRefused(ErrorReason.INVALID_REPLICA_ASSIGNMENT, "names node 1 twice",
                    () -> admin.reassignPartition("strict", 0, List.of(1, 1, 2)));
            assertRefused(ErrorReason.INVALID_REPLICA_ASSIGNMENT, "names node -1; node ids are >= 0",
                    () -> admin.reassignPartition("strict", 0, List.of(1, -1)));
            assertRefused(ErrorReason.INVALID_REPLICA_ASSIGNMENT, "min.insync.replicas=2",
                    () -> admin.reassignPartition("strict", 0, List.of(4)));
            assertRefused(ErrorReason.UNKNOWN_TOPIC, "topic 'nope' does not exist",
                    () -> admin.reassignPartition("nope", 0, List.of(1, 2)));
            assertRefused(ErrorReason.UNKNOWN_PARTITION, "has 1 partitions; partition 5 does not exist",
                    () -> admin.reassignPartition("strict", 5, List.of(1, 2)));
            assertRefused(ErrorReason.INVALID_TOPIC_NAME, "contains ' '",
                    () -> admin.reassignPartition("bad name", 0, List.of(1, 2)));
            assertRefused(ErrorReason.NO_REASSIGNMENT_IN_PROGRESS, "strict-0 is not being reassigned",
                    () -> admin.cancelPartitionReassignment("strict", 0));
            assertRefused(ErrorReason.INVALID_ARGUMENT, "names no partition",
                    () -> admin.alterPartitionReassignments(Map.of()));

            cluster.stopStorageNode(3);
            cluster.await("node 4 to be fenced", 30_000, () -> admin.describeCluster().getNodesList().stream()
                    .anyMatch(n -> n.getId() == 4 && n.getState().equals("FENCED")));
            assertRefused(ErrorReason.INVALID_REPLICA_ASSIGNMENT, "adds storage node 4, which is fenced",
                    () -> admin.reassignPartition("strict", 0, List.of(1, 2, 4)));
            assertEquals(FIRST_THREE, admin.describeTopic("strict").getPartitions(0).getReplicasList(), "unchanged");
        }
    }

    private static void assertRefused(ErrorReason reason, String messagePart, Runnable call) {
        StrataClientException e = assertThrows(StrataClientException.class, call::run);
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }

    @Test
    void aNewReplicaOfAPartitionWhoseOldSegmentsWereDeletedStartsAtTheLeadersLogStart() throws Exception {
        LocalCluster.Builder shape = fourNodes(dataDir)
                .storageConfig(c -> c.withLogSettings(new LogManager.Settings(4, 200, 60_000)));
        try (LocalCluster cluster = shape.build().start(); StrataAdmin admin = admin(cluster)) {
            createOnFirstThree(cluster, admin, "trimmed", 1, Map.of("segment.bytes", "4096",
                    "retention.bytes", "16384"));
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try (AcksAllLoad load = new AcksAllLoad(Bootstrap.parse(cluster.gatewayAddress().toString()), "trimmed")) {
                ConsumerGrpc.ConsumerBlockingStub consumer = ConsumerGrpc.newBlockingStub(channel);
                cluster.await("retention to delete the first segments", 60_000,
                        () -> logStart(consumer, "trimmed") > 0);

                admin.reassignPartition("trimmed", 0, List.of(2, 3, 4));
                awaitMoved(cluster, admin, "trimmed", 0, List.of(2, 3, 4));
                Map<String, AcksAllLoad.Ack> acked = load.stop();
                // With nothing appended any more, one retention pass settles the log start.
                long[] start = {-1};
                cluster.await("the log start to settle", 30_000, () -> {
                    long now = logStart(consumer, "trimmed");
                    boolean settled = now == start[0];
                    start[0] = now;
                    sleep(500);
                    return settled;
                });
                try (Stream<Path> files = Files.list(replicaDir(cluster, 4, "trimmed", 0))) {
                    assertTrue(files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".log"))
                            .noneMatch(n -> n.equals("00000000000000000000.log")), "node 4 never had offset 0");
                }
                acked.values().removeIf(a -> a.offset() < start[0]);
                AcksAllLoad.assertReadBack(channel, "trimmed", acked);
            } finally {
                Channels.close(channel);
            }
        }
    }

    private static long logStart(ConsumerGrpc.ConsumerBlockingStub consumer, String topic) {
        return consumer.listOffsets(ListOffsetsRequest.newBuilder().setTopic(topic).addPartitions(0)
                .setSpec(OffsetSpec.OFFSET_SPEC_EARLIEST).build()).getOffsets(0).getOffset();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
