package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.client.Bootstrap;
import io.strata.client.TopicPartition;
import io.strata.client.admin.StrataAdmin;
import io.strata.client.consumer.ConsumerConfig;
import io.strata.client.consumer.ConsumerRebalanceListener;
import io.strata.client.consumer.ConsumerRecord;
import io.strata.client.consumer.OffsetReset;
import io.strata.client.consumer.StrataConsumer;
import io.strata.client.producer.ProducerConfig;
import io.strata.client.producer.ProducerRecord;
import io.strata.client.producer.StrataProducer;
import io.strata.proto.GroupDescription;
import io.strata.proto.GroupMember;
import io.strata.proto.PartitionDescription;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real {@link StrataConsumer}s in one group over two real gateways consume a 6-partition
 * topic while a producer keeps writing: one consumer closes, then the gateway of another is
 * halted as in a crash (its member stops heartbeating and is removed only when its session times
 * out). Every record is consumed exactly once (commits happen after each poll and in the
 * revocation callback), in order within each partition, and no partition ever has two owners
 * (checked over the whole history the consumers record).
 */
class ConsumerGroupTest {
    private static final String TOPIC = "events";
    private static final String GROUP = "workers";

    @TempDir
    Path dataDir;

    /** One consumed record: who, where, and when in the shared history order. */
    private record Consumed(String member, int partition, long offset) {
    }

    /** A consumer on its own thread: poll, record, commit; the rebalance listener records ownership. */
    private final class Worker implements ConsumerRebalanceListener {
        final String name;
        final StrataConsumer consumer;
        final Thread thread;
        volatile boolean running = true;
        volatile Throwable failure;

        Worker(String name, String gateway, Duration sessionTimeout) {
            this.name = name;
            this.consumer = new StrataConsumer(ConsumerConfig.builder(GROUP).bootstrap(Bootstrap.parse(gateway))
                    .clientId(name).autoOffsetReset(OffsetReset.EARLIEST).sessionTimeout(sessionTimeout).build());
            this.thread = new Thread(this::run, "worker-" + name);
        }

        Worker start() {
            thread.start();
            return this;
        }

        private void run() {
            try {
                consumer.subscribe(List.of(TOPIC), this);
                while (running) {
                    for (ConsumerRecord r : consumer.poll(Duration.ofMillis(200))) {
                        String p = TOPIC + "-" + r.partition();
                        if (!history.holds(name, p)) {
                            violations.add(name + " got " + p + "@" + r.offset() + " without owning it");
                        }
                        consumed.add(new Consumed(name, r.partition(), r.offset()));
                    }
                    consumer.commitSync();
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** Stops polling (after its last commit); the consumer stays in the group until closed or crashed. */
        void stopPolling() throws InterruptedException {
            running = false;
            thread.join(60_000);
        }

        Set<TopicPartition> owned() {
            return consumer.assignment();
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            consumer.commitSync();
            history.released(name, names(partitions));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            history.acquired(name, names(partitions));
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            history.released(name, names(partitions));
        }
    }

    private final OwnershipHistory history = new OwnershipHistory();
    private final List<Consumed> consumed = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();

    private static List<String> names(Collection<TopicPartition> tps) {
        return tps.stream().map(TopicPartition::toString).toList();
    }

    @Test
    void membersLeaveAndCrashWhileEveryRecordIsConsumedOnceInOrderByOneOwnerAtATime() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().dataDir(dataDir).gateways(2).build().start()) {
            String gw0 = cluster.gatewayAddress(0).toString();
            String gw1 = cluster.gatewayAddress(1).toString();
            try (StrataAdmin admin = new StrataAdmin(Bootstrap.parse(gw0), Duration.ofSeconds(30))) {
                admin.createTopic(TOPIC, 6, 2, Map.of());
            }
            AtomicLong produced = new AtomicLong();
            StrataProducer producer = new StrataProducer(ProducerConfig.builder().bootstrap(Bootstrap.parse(gw0)).build());
            Thread producing = new Thread(() -> {
                for (int i = 0; !Thread.currentThread().isInterrupted() && i < 100_000; i++) {
                    producer.send(ProducerRecord.of(TOPIC, ("key-" + i % 97).getBytes(StandardCharsets.UTF_8),
                            Integer.toString(i).getBytes(StandardCharsets.UTF_8))).join();
                    produced.incrementAndGet();
                }
            }, "producer");
            producing.start();

            Worker w1 = new Worker("w1", gw0, Duration.ofSeconds(30)).start();
            Worker w2 = new Worker("w2", gw0, Duration.ofSeconds(30)).start();
            Worker w3 = new Worker("w3", gw1, Duration.ofSeconds(4)).start();
            awaitOwned(cluster, Map.of(w1, 2, w2, 2, w3, 2));
            try (StrataAdmin admin = new StrataAdmin(Bootstrap.parse(gw0), Duration.ofSeconds(30))) {
                GroupDescription g = admin.describeGroup(GROUP);
                assertEquals(Set.of(gw0, gw1), g.getMembersList().stream().map(GroupMember::getGateway)
                        .collect(Collectors.toSet()), "members of one group on both gateways: " + g);
            }

            w1.stopPolling();
            w1.consumer.close(); // revokes (commits) and leaves at once
            awaitOwned(cluster, Map.of(w2, 3, w3, 3));

            w3.stopPolling(); // its last poll is committed; then its gateway dies under it
            history.released(w3.name, names(w3.owned()));
            cluster.haltGateway(1);
            try (StrataAdmin admin = new StrataAdmin(Bootstrap.parse(gw0), Duration.ofSeconds(30))) {
                assertTrue(admin.describeGroup(GROUP).getMembersList().stream().anyMatch(m -> m.getClientId()
                        .equals("w3")), "a halted gateway says nothing: w3 stays a member until its session times out");
            }
            awaitOwned(cluster, Map.of(w2, 6));

            producing.interrupt();
            producing.join(60_000);
            producer.close();
            Map<Integer, Long> ends = endOffsets(gw0);
            cluster.await("w2 consumed everything", 120_000, () -> {
                Map<Integer, Long> next = nextOffsets();
                return ends.entrySet().stream().allMatch(e -> next.getOrDefault(e.getKey(), 0L) >= e.getValue());
            });
            w2.stopPolling();
            w2.consumer.close();
            for (Worker w : List.of(w1, w2, w3)) {
                assertTrue(w.failure == null, () -> w.name + " failed: " + w.failure);
            }

            assertEquals(List.of(), violations);
            history.checkOneOwnerAtATime();
            checkEveryRecordOnceInOrder(ends);
            assertTrue(ends.values().stream().mapToLong(Long::longValue).sum() == produced.get(),
                    "every acknowledged record is in the log: " + ends + " vs " + produced.get());
        }
    }

    private void awaitOwned(LocalCluster cluster, Map<Worker, Integer> expected) {
        cluster.await("assignment " + expected.entrySet().stream().map(e -> e.getKey().name + "=" + e.getValue())
                .toList(), 90_000, () -> {
                    for (Map.Entry<Worker, Integer> e : expected.entrySet()) {
                        Worker w = e.getKey();
                        if (w.failure != null) {
                            throw new AssertionError(w.name + " failed", w.failure);
                        }
                        if (w.owned().size() != e.getValue()
                                || history.holders().getOrDefault(w.name, Set.of()).size() != e.getValue()) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    private static Map<Integer, Long> endOffsets(String gateway) {
        try (StrataAdmin admin = new StrataAdmin(Bootstrap.parse(gateway), Duration.ofSeconds(30))) {
            Map<Integer, Long> out = new TreeMap<>();
            for (PartitionDescription p : admin.describeTopic(TOPIC).getPartitionsList()) {
                out.put(p.getPartition(), 0L);
            }
            try (StrataConsumer probe = new StrataConsumer(ConsumerConfig.builder("end-probe")
                    .bootstrap(Bootstrap.parse(gateway)).autoOffsetReset(OffsetReset.LATEST).build())) {
                probe.subscribe(List.of(TOPIC));
                probe.assignment().forEach(tp -> out.put(tp.partition(), probe.position(tp)));
            }
            return out;
        }
    }

    /** Per partition, the offset after the last record consumed so far. */
    private Map<Integer, Long> nextOffsets() {
        Map<Integer, Long> out = new TreeMap<>();
        for (Consumed c : consumed) {
            out.merge(c.partition(), c.offset() + 1, Math::max);
        }
        return out;
    }

    /** Each partition's records were consumed exactly once, from 0 to its end, in offset order. */
    private void checkEveryRecordOnceInOrder(Map<Integer, Long> ends) {
        Map<Integer, List<Consumed>> byPartition = new TreeMap<>();
        consumed.forEach(c -> byPartition.computeIfAbsent(c.partition(), k -> new ArrayList<>()).add(c));
        Map<Integer, Set<String>> owners = new TreeMap<>();
        for (Map.Entry<Integer, Long> e : ends.entrySet()) {
            List<Consumed> records = byPartition.getOrDefault(e.getKey(), List.of());
            for (int i = 0; i < records.size(); i++) {
                Consumed c = records.get(i);
                assertEquals(i, c.offset(), "partition " + e.getKey() + " read in order, once each; at " + c);
                owners.computeIfAbsent(e.getKey(), k -> new TreeSet<>()).add(c.member());
            }
            assertEquals(e.getValue().longValue(), records.size(), "partition " + e.getKey() + " consumed to its end");
        }
        assertTrue(owners.values().stream().anyMatch(s -> s.size() > 1), "partitions changed hands: " + owners);
    }
}
