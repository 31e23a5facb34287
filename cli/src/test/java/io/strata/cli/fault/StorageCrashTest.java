package io.strata.cli.fault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.strata.common.net.Channels;
import io.strata.proto.Acks;
import io.strata.proto.AdminGrpc;
import io.strata.proto.ConsumedRecord;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.FetchRequest;
import io.strata.proto.FetchResponse;
import io.strata.proto.PartitionDescription;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import io.strata.proto.TopicDescription;
import io.strata.testkit.ProcessCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

    /** (partition, offset) where an acknowledged value was stored. */
    private record Position(int partition, long offset) {
    }

    @Test
    void acknowledgedWritesSurviveStorageNodesKilledWithSigkill() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(StrataLauncher.command(), dataDir, 3, 3, 1).start()) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try {
                TopicDescription topic = createTopic(channel);
                Load load = Load.start(channel);
                Map<String, Position> acked = load.acked;
                AtomicInteger failed = load.failed;
                AtomicBoolean stop = load.stop;
                Thread producer = load.thread;

                awaitAcked(cluster, acked, 200);
                cluster.killStorageNode(1);
                Thread.sleep(1500);
                cluster.startStorageNode(1);
                awaitAcked(cluster, acked, acked.size() + 200);
                for (int i = 0; i < 3; i++) {
                    cluster.killStorageNode(i);
                }
                for (int i = 0; i < 3; i++) {
                    cluster.startStorageNode(i);
                }
                awaitAcked(cluster, acked, acked.size() + 200);
                stop.set(true);
                producer.join(60_000);

                Map<Position, String> stored = readAll(channel);
                org.slf4j.LoggerFactory.getLogger(StorageCrashTest.class).info(
                        "acknowledged {} records, {} produce calls failed, {} records stored", acked.size(),
                        failed.get(), stored.size());
                int lost = 0;
                for (Map.Entry<String, Position> e : acked.entrySet()) {
                    if (!e.getKey().equals(stored.get(e.getValue()))) {
                        lost++;
                    }
                }
                assertEquals(0, lost, "acknowledged records missing or moved, of " + acked.size() + " acked ("
                        + failed.get() + " produce calls failed and were not acknowledged)");
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

    /** A producer thread writing unique acks=all values until stopped, recording where each was acknowledged. */
    private record Load(Map<String, Position> acked, AtomicInteger failed, AtomicBoolean stop, Thread thread) {
        static Load start(ManagedChannel channel) {
            Load load = new Load(new ConcurrentHashMap<>(), new AtomicInteger(), new AtomicBoolean(), null);
            Thread t = new Thread(() -> produce(channel, load.acked, load.failed, load.stop), "producer");
            t.start();
            return new Load(load.acked, load.failed, load.stop, t);
        }
    }

    private static void produce(ManagedChannel channel, Map<String, Position> acked, AtomicInteger failed,
                                AtomicBoolean stop) {
        ProducerGrpc.ProducerBlockingStub producer = ProducerGrpc.newBlockingStub(channel);
        int next = 0;
        while (!stop.get()) {
            ProduceRequest.Builder request = ProduceRequest.newBuilder().setTopic(TOPIC).setAcks(Acks.ACKS_ALL)
                    .setTimeoutMs(20_000);
            List<String> values = new ArrayList<>();
            for (int i = 0; i < 10; i++, next++) {
                String value = "value-" + next;
                values.add(value);
                request.addRecords(Record.newBuilder().setKey(ByteString.copyFromUtf8("key-" + (next % 17)))
                        .setValue(ByteString.copyFromUtf8(value)));
            }
            try {
                ProduceResponse response = producer.produce(request.build());
                for (int i = 0; i < values.size(); i++) {
                    acked.put(values.get(i), new Position(response.getRecords(i).getPartition(),
                            response.getRecords(i).getOffset()));
                }
            } catch (RuntimeException e) {
                failed.incrementAndGet();
            }
        }
    }

    private static void awaitAcked(ProcessCluster cluster, Map<String, Position> acked, int count) {
        cluster.await(count + " acknowledged records", 120_000, () -> acked.size() >= count);
    }

    private static Map<Position, String> readAll(ManagedChannel channel) {
        ConsumerGrpc.ConsumerBlockingStub consumer = ConsumerGrpc.newBlockingStub(channel);
        Map<Position, String> stored = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            long offset = 0;
            while (true) {
                FetchResponse r = consumer.fetch(FetchRequest.newBuilder().setTopic(TOPIC).setPartition(p)
                        .setOffset(offset).setMaxBytes(1 << 20).build());
                for (ConsumedRecord c : r.getRecordsList()) {
                    assertEquals(offset, c.getOffset(), "offsets are dense in partition " + p);
                    stored.put(new Position(p, c.getOffset()), c.getValue().toStringUtf8());
                    offset = c.getOffset() + 1;
                }
                if (r.getRecordsCount() == 0 || offset >= r.getHighWatermark()) {
                    break;
                }
            }
        }
        return stored;
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
                Load load = Load.start(channel);
                Map<String, Position> acked = load.acked;
                AtomicInteger failed = load.failed;
                AtomicBoolean stop = load.stop;
                Thread producer = load.thread;
                awaitAcked(cluster, acked, 100);
                List<Long> failovers = new ArrayList<>();
                for (PartitionDescription p : topic.getPartitionsList()) {
                    int leader = currentLeader(cluster, p.getPartition());
                    int before = acked.size();
                    cluster.killStorageNode(leader - 1);
                    long killedAt = System.nanoTime();
                    awaitAcked(cluster, acked, before + 30);
                    failovers.add((System.nanoTime() - killedAt) / 1_000_000);
                    cluster.startStorageNode(leader - 1);
                }
                awaitAcked(cluster, acked, acked.size() + 100);
                stop.set(true);
                producer.join(60_000);

                Map<Position, String> stored = readAll(channel);
                long lost = acked.entrySet().stream().filter(e -> !e.getKey().equals(stored.get(e.getValue()))).count();
                org.slf4j.LoggerFactory.getLogger(StorageCrashTest.class).info(
                        "leader kills: acknowledged {} records, lost {}, {} produce calls failed; time from kill -9 to "
                                + "30 more acknowledged records: {} ms", acked.size(), lost, failed.get(), failovers);
                assertEquals(0, lost, "acknowledged records missing or moved");
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
