package io.strata.cli.fault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.strata.common.error.StrataException;
import io.strata.common.partition.Murmur2Partitioner;
import io.strata.proto.Acks;
import io.strata.proto.AdminGrpc;
import io.strata.proto.ConsumedRecord;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.DescribeTopicRequest;
import io.strata.proto.FetchRequest;
import io.strata.proto.FetchResponse;
import io.strata.proto.PartitionDescription;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import io.strata.proto.TopicDescription;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.TopicRecord;
import io.strata.testkit.ProcessCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the multi-process fault tests share: the launcher of member processes, the topic they
 * write ({@value #TOPIC}: {@value #PARTITIONS} partitions, replication factor 3,
 * min.insync.replicas=2), an acks=all load that records where every acknowledged value was
 * stored, and the checks that follow a fault — every acknowledged value is read back at exactly
 * its acknowledged offset, offsets are dense, and the replicas of every partition are
 * byte-identical.
 */
final class FaultHarness {
    static final String TOPIC = "crash";
    static final int PARTITIONS = 3;
    private static final Logger log = LoggerFactory.getLogger(FaultHarness.class);

    private FaultHarness() {
    }

    /** The command prefix that runs {@code strata} in a new JVM with this test's classpath. */
    /** A cluster of 3 metadata peers, 3 storage nodes and a gateway, each its own JVM, started. */
    static ProcessCluster startCluster(Path dataDir) {
        return new ProcessCluster(StrataLauncher.command(), dataDir, 3, 3, 1).start();
    }

    /** (partition, offset) where an acknowledged value was stored. */
    record Position(int partition, long offset) {
    }

    /**
     * Creates the test topic, waiting while fewer than three storage nodes are live: on a loaded
     * machine a node just started can miss its first lease and is fenced until its next heartbeat.
     */
    static TopicDescription createTopic(ManagedChannel channel) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                return AdminGrpc.newBlockingStub(channel).createTopic(CreateTopicRequest.newBuilder()
                        .setName(TOPIC).setPartitions(PARTITIONS).setReplicationFactor(3)
                        .putConfigs("min.insync.replicas", "2").build()).getTopic();
            } catch (io.grpc.StatusRuntimeException e) {
                if (StrataException.from(e).reason() != io.strata.proto.ErrorReason.NOT_ENOUGH_NODES
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    static TopicDescription describeTopic(ManagedChannel channel) {
        return AdminGrpc.newBlockingStub(channel).describeTopic(DescribeTopicRequest.newBuilder().setName(TOPIC)
                .build());
    }

    /** Keys that the murmur2 partitioner sends to {@code partition}. */
    static List<String> keysFor(int partition, int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            String key = "key-" + i;
            if (Murmur2Partitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), PARTITIONS) == partition) {
                keys.add(key);
            }
        }
        return keys;
    }

    /**
     * Producers writing keyed acks=all records with unique values until stopped, one thread per
     * partition (its keys all hash to that partition, so a stalled partition stalls only its own
     * writer). Records where each acknowledged value was stored, when each partition's acks
     * arrived, and the longest time each writer went without an ack.
     */
    static final class Load {
        final Map<String, Position> acked = new ConcurrentHashMap<>();
        final AtomicInteger failed = new AtomicInteger();
        final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        /** Per partition: when each acknowledged request was sent → when its acknowledgement came. */
        private final List<ConcurrentSkipListMap<Long, Long>> acks = new ArrayList<>();
        private final List<AtomicLong> longestGapNanos = new ArrayList<>();

        static Load start(ManagedChannel channel) {
            Load load = new Load();
            for (int p = 0; p < PARTITIONS; p++) {
                int partition = p;
                load.acks.add(new ConcurrentSkipListMap<>());
                load.longestGapNanos.add(new AtomicLong());
                Thread t = new Thread(() -> load.produce(channel, partition), "producer-" + p);
                load.threads.add(t);
                t.start();
            }
            return load;
        }

        private void produce(ManagedChannel channel, int partition) {
            ProducerGrpc.ProducerBlockingStub producer = ProducerGrpc.newBlockingStub(channel);
            List<String> keys = keysFor(partition, 7);
            long lastAck = -1;
            for (int next = 0; !stop.get(); ) {
                ProduceRequest.Builder request = ProduceRequest.newBuilder().setTopic(TOPIC).setAcks(Acks.ACKS_ALL)
                        .setTimeoutMs(20_000);
                List<String> values = new ArrayList<>();
                for (int i = 0; i < 10; i++, next++) {
                    String value = "p" + partition + "-value-" + next;
                    values.add(value);
                    request.addRecords(Record.newBuilder().setKey(ByteString.copyFromUtf8(keys.get(next % keys.size())))
                            .setValue(ByteString.copyFromUtf8(value)));
                }
                long sent = System.nanoTime();
                try {
                    ProduceResponse response = producer.produce(request.build());
                    long now = System.nanoTime();
                    for (int i = 0; i < values.size(); i++) {
                        acked.put(values.get(i), new Position(response.getRecords(i).getPartition(),
                                response.getRecords(i).getOffset()));
                    }
                    acks.get(partition).put(sent, now);
                    if (lastAck >= 0) {
                        long gap = now - lastAck;
                        longestGapNanos.get(partition).accumulateAndGet(gap, Math::max);
                        if (gap > TimeUnit.SECONDS.toNanos(1)) {
                            log.info("partition {} went {} ms without an acknowledgement", partition, gap / 1_000_000);
                        }
                    }
                    lastAck = now;
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                    errors.computeIfAbsent(String.valueOf(StrataException.from(e).reason()), r -> new AtomicInteger())
                            .incrementAndGet();
                    pause(50); // e.g. NOT_ENOUGH_REPLICAS comes back at once: do not spin
                }
            }
        }

        /** When the first produce to {@code partition} sent after {@code nanos} was acknowledged, or -1. */
        long firstAckOfWriteSentAfter(int partition, long nanos) {
            Map.Entry<Long, Long> e = acks.get(partition).ceilingEntry(nanos);
            return e == null ? -1 : e.getValue();
        }

        /** The longest any writer waited between two acknowledgements since the last reset, in ms. */
        long longestStallMs() {
            return longestGapNanos.stream().mapToLong(AtomicLong::get).max().orElse(0) / 1_000_000;
        }

        /** Forgets the stalls so far (e.g. the warm-up before a fault). */
        void resetLongestStall() {
            longestGapNanos.forEach(g -> g.set(0));
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(60_000);
            }
        }
    }

    static void awaitAcked(ProcessCluster cluster, Load load, int count) {
        cluster.await(count + " acknowledged records", 120_000, () -> load.acked.size() >= count);
    }

    /** Every record of the topic by position, checking that offsets are dense. */
    static Map<Position, String> readAll(ManagedChannel channel) {
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

    /** Asserts that every acknowledged value is stored at exactly its acknowledged position. */
    static void assertNothingLost(ManagedChannel channel, Load load, String scenario) {
        Map<Position, String> stored = readAll(channel);
        long lost = load.acked.entrySet().stream().filter(e -> !e.getKey().equals(stored.get(e.getValue()))).count();
        log.info("{}: acknowledged {} records, lost {}, {} produce calls failed {}, {} records stored", scenario,
                load.acked.size(), lost, load.failed.get(), load.errors, stored.size());
        assertEquals(0, lost, "acknowledged records missing or moved, of " + load.acked.size() + " acked ("
                + load.failed.get() + " produce calls failed and were not acknowledged: " + load.errors + ")");
    }

    /** Waits until the replicas of every partition converge, then asserts they are byte-identical. */
    static void assertReplicasIdentical(ProcessCluster cluster, TopicDescription topic) throws Exception {
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

    static PartitionRecord partition(ProcessCluster cluster, int partition) {
        TopicRecord topic = cluster.image().getTopicsList().stream().filter(t -> t.getName().equals(TOPIC))
                .findFirst().orElse(null);
        return topic == null ? PartitionRecord.getDefaultInstance() : topic.getPartitions(partition);
    }

    static int currentLeader(ProcessCluster cluster, int partition) {
        return partition(cluster, partition).getLeader();
    }

    /** Waits until every partition has all three replicas in sync again. */
    static void awaitFullIsr(ProcessCluster cluster) {
        cluster.await("every partition fully in sync", 120_000, () -> {
            for (int p = 0; p < PARTITIONS; p++) {
                if (partition(cluster, p).getIsrCount() != 3) {
                    return false;
                }
            }
            return true;
        });
    }

    /** The output of a member process so far. */
    static String memberLog(ProcessCluster cluster, String member) throws java.io.IOException {
        return Files.readString(cluster.dataDir().resolve("logs").resolve(member + ".log"));
    }

    static void pause(long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
