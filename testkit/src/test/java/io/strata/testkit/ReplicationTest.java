package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.strata.common.net.Channels;
import io.strata.proto.Acks;
import io.strata.proto.AdminGrpc;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.FetchRequest;
import io.strata.proto.FetchResponse;
import io.strata.proto.PartitionDescription;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import io.strata.proto.TopicDescription;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Follower replication between real storage nodes: what followers hold and what consumers may see. */
class ReplicationTest {
    @TempDir
    Path dataDir;

    private static ProduceRequest.Builder records(String topic, int partition, int from, int count, Acks acks) {
        ProduceRequest.Builder r = ProduceRequest.newBuilder().setTopic(topic).setPartition(partition).setAcks(acks);
        for (int i = from; i < from + count; i++) {
            r.addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("value-" + i)));
        }
        return r;
    }

    private static byte[] segment(LocalCluster cluster, int node, String topic, int partition) throws Exception {
        Path file = cluster.dataDir().resolve("storage-" + node).resolve(topic + "-" + partition)
                .resolve("00000000000000000000.log");
        return Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
    }

    @Test
    void acknowledgedAcksAllWritesAreOnEveryReplicaByteForByte() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().dataDir(dataDir).build().start()) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try {
                TopicDescription topic = AdminGrpc.newBlockingStub(channel).createTopic(CreateTopicRequest.newBuilder()
                        .setName("mirrored").setPartitions(2).setReplicationFactor(3)
                        .putConfigs("min.insync.replicas", "2").build()).getTopic();
                ProducerGrpc.ProducerBlockingStub producer = ProducerGrpc.newBlockingStub(channel);
                for (int round = 0; round < 20; round++) {
                    for (int p = 0; p < 2; p++) {
                        producer.produce(records("mirrored", p, round * 50, 50, Acks.ACKS_ALL).build());
                    }
                }
                for (PartitionDescription p : topic.getPartitionsList()) {
                    byte[] leader = segment(cluster, p.getLeader(), "mirrored", p.getPartition());
                    assertTrue(leader.length > 0);
                    for (int replica : p.getReplicasList()) {
                        // acks=all returned, so every ISR member already has the bytes on disk
                        assertArrayEquals(leader, segment(cluster, replica, "mirrored", p.getPartition()),
                                "replica on node " + replica + " of partition " + p.getPartition());
                    }
                }
            } finally {
                Channels.close(channel);
            }
        }
    }

    @Test
    void followersOfASteadyClusterNeverWaitOutARetry() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().dataDir(dataDir).metrics(true).build().start()) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try {
                TopicDescription topic = AdminGrpc.newBlockingStub(channel).createTopic(CreateTopicRequest.newBuilder()
                        .setName("steady").setPartitions(2).setReplicationFactor(3).build()).getTopic();
                ProducerGrpc.ProducerBlockingStub producer = ProducerGrpc.newBlockingStub(channel);
                for (int p = 0; p < 2; p++) {
                    producer.produce(records("steady", p, 0, 10, Acks.ACKS_ALL).build());
                }
                awaitEveryReplicaLikeItsLeader(cluster, topic); // fetches that failed while leaders settled are done
                double settled = replicaFetchFailures(cluster);

                for (int round = 1; round <= 30; round++) {
                    for (int p = 0; p < 2; p++) {
                        producer.produce(records("steady", p, round * 10, 10, Acks.ACKS_ALL).build());
                    }
                }
                awaitEveryReplicaLikeItsLeader(cluster, topic);

                // A follower whose fetches fail (e.g. born cancelled) still catches up after each retry
                // pause, so only this count shows it.
                assertEquals(settled, replicaFetchFailures(cluster), "fetches failed in a steady cluster");
            } finally {
                Channels.close(channel);
            }
        }
    }

    private void awaitEveryReplicaLikeItsLeader(LocalCluster cluster, TopicDescription topic) {
        cluster.await("every replica holds its leader's bytes", 15_000, () -> {
            try {
                for (PartitionDescription p : topic.getPartitionsList()) {
                    byte[] leader = segment(cluster, p.getLeader(), topic.getName(), p.getPartition());
                    for (int replica : p.getReplicasList()) {
                        if (!java.util.Arrays.equals(leader, segment(cluster, replica, topic.getName(), p.getPartition()))) {
                            return false;
                        }
                    }
                }
                return true;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** strata_storage_replica_fetch_failures_total summed over the storage nodes' scrape endpoints. */
    private static double replicaFetchFailures(LocalCluster cluster) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        double sum = 0;
        for (var e : cluster.metricsUrls().entrySet()) {
            if (!e.getKey().startsWith("storage-")) {
                continue;
            }
            String body = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(e.getValue())).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                if (line.startsWith("strata_storage_replica_fetch_failures_total")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        return sum;
    }

    @Test
    void consumersSeeOnlyWhatTheWholeIsrHolds() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().dataDir(dataDir).build().start()) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try {
                PartitionDescription p = AdminGrpc.newBlockingStub(channel).createTopic(CreateTopicRequest.newBuilder()
                        .setName("guarded").setPartitions(1).setReplicationFactor(3).build()).getTopic().getPartitions(0);
                ProducerGrpc.ProducerBlockingStub producer = ProducerGrpc.newBlockingStub(channel);
                producer.produce(records("guarded", 0, 0, 10, Acks.ACKS_ALL).build());
                for (int replica : p.getReplicasList()) {
                    if (replica != p.getLeader()) {
                        cluster.stopStorageNodeAbruptly(replica - 1);
                    }
                }
                producer.produce(records("guarded", 0, 10, 5, Acks.ACKS_LEADER).build());
                ConsumerGrpc.ConsumerBlockingStub consumer = ConsumerGrpc.newBlockingStub(channel);
                FetchResponse before = consumer.fetch(FetchRequest.newBuilder().setTopic("guarded").setPartition(0)
                        .setOffset(0).build());
                assertEquals(10, before.getHighWatermark(), "the followers do not have offsets 10..14 yet");
                assertEquals(10, before.getRecordsCount());

                for (int replica : p.getReplicasList()) {
                    if (replica != p.getLeader()) {
                        cluster.startStorageNode(replica - 1);
                    }
                }
                cluster.await("the followers to catch up", 30_000, () -> consumer.fetch(FetchRequest.newBuilder()
                        .setTopic("guarded").setPartition(0).setOffset(0).build()).getHighWatermark() == 15);
                FetchResponse after = consumer.fetch(FetchRequest.newBuilder().setTopic("guarded").setPartition(0)
                        .setOffset(0).build());
                assertEquals(15, after.getRecordsCount());
                assertEquals("value-14", after.getRecords(14).getValue().toStringUtf8());
            } finally {
                Channels.close(channel);
            }
        }
    }

    @Test
    void leadershipFailsOverToAnInSyncReplicaAndAcknowledgedWritesSurvive() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().dataDir(dataDir).build().start()) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try {
                AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(channel);
                PartitionDescription before = admin.createTopic(CreateTopicRequest.newBuilder()
                        .setName("failover").setPartitions(1).setReplicationFactor(3)
                        .putConfigs("min.insync.replicas", "2").build()).getTopic().getPartitions(0);
                ProducerGrpc.ProducerBlockingStub producer = ProducerGrpc.newBlockingStub(channel);
                java.util.Map<String, Long> acked = new java.util.HashMap<>();
                ack(acked, producer.produce(records("failover", 0, 0, 50, Acks.ACKS_ALL).build()), 0);

                cluster.stopStorageNodeAbruptly(before.getLeader() - 1);
                long stoppedAt = System.nanoTime();
                ack(acked, producer.produce(records("failover", 0, 50, 50, Acks.ACKS_ALL).setTimeoutMs(30_000).build()), 50);
                long failoverMs = (System.nanoTime() - stoppedAt) / 1_000_000;
                PartitionDescription after = admin.describeTopic(io.strata.proto.DescribeTopicRequest.newBuilder()
                        .setName("failover").build()).getPartitions(0);
                assertTrue(after.getLeader() != before.getLeader(), "a new leader was elected: " + after);
                assertTrue(after.getLeaderEpoch() > before.getLeaderEpoch());
                assertTrue(!after.getIsrList().contains(before.getLeader()), "the lost node left the ISR");
                org.slf4j.LoggerFactory.getLogger(ReplicationTest.class).info("first acks=all produce after the leader"
                        + " stopped succeeded after {} ms", failoverMs);

                cluster.startStorageNode(before.getLeader() - 1);
                ack(acked, producer.produce(records("failover", 0, 100, 50, Acks.ACKS_ALL).build()), 100);
                cluster.await("the returning node to rejoin the ISR", 30_000, () -> admin.describeTopic(
                        io.strata.proto.DescribeTopicRequest.newBuilder().setName("failover").build())
                        .getPartitions(0).getIsrCount() == 3);

                FetchResponse all = ConsumerGrpc.newBlockingStub(channel).fetch(FetchRequest.newBuilder()
                        .setTopic("failover").setPartition(0).setOffset(0).setMaxBytes(1 << 20).build());
                java.util.Map<Long, String> stored = new java.util.HashMap<>();
                all.getRecordsList().forEach(r -> stored.put(r.getOffset(), r.getValue().toStringUtf8()));
                acked.forEach((value, offset) -> assertEquals(value, stored.get(offset), "acked " + value));
                assertEquals(150, acked.size());
            } finally {
                Channels.close(channel);
            }
        }
    }

    private static void ack(java.util.Map<String, Long> acked, io.strata.proto.ProduceResponse response, int from) {
        for (int i = 0; i < response.getRecordsCount(); i++) {
            acked.put("value-" + (from + i), response.getRecords(i).getOffset());
        }
    }
}
