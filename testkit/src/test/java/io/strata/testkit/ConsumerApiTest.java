package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.client.Bootstrap;
import io.strata.client.StrataClientException;
import io.strata.client.TopicPartition;
import io.strata.client.admin.StrataAdmin;
import io.strata.client.consumer.ConsumerConfig;
import io.strata.client.consumer.ConsumerRecord;
import io.strata.client.consumer.OffsetReset;
import io.strata.client.consumer.StrataConsumer;
import io.strata.client.producer.ProducerConfig;
import io.strata.client.producer.ProducerRecord;
import io.strata.client.producer.StrataProducer;
import io.strata.proto.ErrorReason;
import io.strata.proto.TopicPartitionOffset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer calls beyond subscribe/poll/commitSync against a real in-JVM cluster:
 * {@code commitAsync} with its callback, {@code pause}/{@code resume}/{@code paused}, and
 * {@code subscribe(Pattern)} picking up a topic created after the subscription.
 */
@Timeout(180)
class ConsumerApiTest {
    @TempDir
    static Path dataDir;
    static LocalCluster cluster;
    static Bootstrap bootstrap;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.builder().metadataPeers(1).storageNodes(1).dataDir(dataDir).build().start();
        bootstrap = Bootstrap.parse(cluster.gatewayAddress().toString());
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static void createTopic(String topic, int partitions) {
        try (StrataAdmin admin = new StrataAdmin(bootstrap, Duration.ofSeconds(30))) {
            admin.createTopic(topic, partitions, 1, Map.of());
        }
    }

    /** Writes {@code count} records "p<partition>-<i>" to each of the partitions. */
    private static void produce(String topic, int partitions, int count) {
        try (StrataProducer producer = new StrataProducer(ProducerConfig.builder().bootstrap(bootstrap).build())) {
            for (int p = 0; p < partitions; p++) {
                for (int i = 0; i < count; i++) {
                    producer.send(ProducerRecord.of(topic, p, null, ("p" + p + "-" + i).getBytes(StandardCharsets.UTF_8)));
                }
            }
            producer.flush();
        }
    }

    private static StrataConsumer consumer(String group) {
        return new StrataConsumer(ConsumerConfig.builder(group).bootstrap(bootstrap)
                .autoOffsetReset(OffsetReset.EARLIEST).build());
    }

    /** Polls until {@code done} holds for what arrived, or 30 s passed; returns everything polled. */
    private static List<ConsumerRecord> pollUntil(StrataConsumer consumer, Predicate<List<ConsumerRecord>> done) {
        List<ConsumerRecord> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!done.test(out) && System.nanoTime() < deadline) {
            out.addAll(consumer.poll(Duration.ofMillis(300)));
        }
        return out;
    }

    private static long committed(String group, TopicPartition tp) {
        try (StrataAdmin admin = new StrataAdmin(bootstrap, Duration.ofSeconds(30))) {
            return admin.describeGroup(group).getOffsetsList().stream()
                    .filter(o -> o.getTopic().equals(tp.topic()) && o.getPartition() == tp.partition())
                    .mapToLong(io.strata.proto.PartitionLag::getCommitted).findFirst().orElse(-1);
        }
    }

    @Test
    void commitAsyncRunsItsCallbackOnThePollingThreadAfterTheCommitLanded() {
        createTopic("async", 1);
        produce("async", 1, 10);
        TopicPartition tp = new TopicPartition("async", 0);
        AtomicReference<Map<TopicPartition, Long>> heard = new AtomicReference<>();
        AtomicReference<Thread> on = new AtomicReference<>();
        try (StrataConsumer consumer = consumer("async-g")) {
            consumer.subscribe(List.of("async"));
            assertEquals(10, pollUntil(consumer, r -> r.size() >= 10).size());
            consumer.commitAsync((offsets, e) -> {
                assertNull(e);
                heard.set(offsets);
                on.set(Thread.currentThread());
            });
            pollUntil(consumer, r -> heard.get() != null);
            assertEquals(Map.of(tp, 10L), heard.get());
            assertEquals(Thread.currentThread(), on.get(), "callbacks run inside the consumer's own calls");
            assertEquals(10, committed("async-g", tp));

            AtomicReference<Exception> failure = new AtomicReference<>();
            consumer.commitAsync(Map.of(tp, -5L), (offsets, e) -> failure.set(e));
            consumer.commitSync(); // answers come in order: the async commit's callback has run
            assertNotNull(failure.get(), "a negative offset is refused");
            assertEquals(ErrorReason.INVALID_ARGUMENT, ((StrataClientException) failure.get()).reason());

            consumer.commitAsync(Map.of(tp, 7L), null);
        } // close waits for the commit in flight
        assertEquals(7, committed("async-g", tp));
    }

    @Test
    void pausedPartitionsStayAssignedButReturnNothingUntilResumed() {
        createTopic("pausing", 2);
        produce("pausing", 2, 20);
        TopicPartition p0 = new TopicPartition("pausing", 0);
        TopicPartition p1 = new TopicPartition("pausing", 1);
        try (StrataConsumer consumer = consumer("pausing-g")) {
            consumer.subscribe(List.of("pausing"));
            consumer.pause(List.of(p0));
            assertEquals(Set.of(p0), consumer.paused());

            List<ConsumerRecord> first = pollUntil(consumer, r -> r.size() >= 20);
            first.addAll(consumer.poll(Duration.ofMillis(500)));
            first.addAll(consumer.poll(Duration.ofMillis(500)));
            assertEquals(20, first.size(), "only partition 1 is read");
            assertTrue(first.stream().allMatch(r -> r.partition() == 1), "no record of the paused partition");
            assertEquals(Set.of(p0, p1), consumer.assignment(), "a paused partition stays assigned");

            consumer.resume(List.of(p0));
            assertEquals(Set.of(), consumer.paused());
            List<ConsumerRecord> second = pollUntil(consumer, r -> r.size() >= 20);
            assertEquals(20, second.size());
            assertTrue(second.stream().allMatch(r -> r.partition() == 0));
            assertEquals(0, second.get(0).offset(), "resumed where it was paused");

            assertThrows(IllegalStateException.class, () -> consumer.pause(List.of(new TopicPartition("pausing", 7))));
        }
    }

    /**
     * A read brings far more than a small poll returns; the gateway keeps the rest for later polls
     * (and reads ahead), which must never skip, repeat or reorder a record, nor serve kept records
     * after a seek moved the partition elsewhere.
     */
    @Test
    void smallPollsReturnEveryRecordOnceInOrderAcrossSeeksAndNewWrites() {
        createTopic("small-polls", 3);
        for (int round = 0; round < 3; round++) {
            produce("small-polls", 3, 150); // several batches per partition, each far over one poll
        }
        TopicPartition p0 = new TopicPartition("small-polls", 0);
        TopicPartition p1 = new TopicPartition("small-polls", 1);
        try (StrataConsumer consumer = new StrataConsumer(ConsumerConfig.builder("small-polls-g").bootstrap(bootstrap)
                .autoOffsetReset(OffsetReset.EARLIEST).maxPollRecords(7).build())) {
            consumer.subscribe(List.of("small-polls"));
            Map<Integer, Long> next = new java.util.HashMap<>(Map.of(0, 0L, 1, 0L, 2, 0L));
            boolean sought = false;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (next.values().stream().anyMatch(n -> n < 600) && System.nanoTime() < deadline) {
                List<ConsumerRecord> polled = consumer.poll(Duration.ofMillis(300));
                assertTrue(polled.size() <= 7, "a poll returns at most max.poll.records, got " + polled.size());
                for (ConsumerRecord r : polled) {
                    assertEquals(next.get(r.partition()), r.offset(), "partition " + r.partition() + " in order");
                    assertEquals("p" + r.partition() + "-" + (r.offset() % 150),
                            new String(r.value(), StandardCharsets.UTF_8));
                    next.put(r.partition(), r.offset() + 1);
                }
                if (!sought && next.get(0) > 200 && next.get(1) > 20) {
                    consumer.seek(p0, 5); // back, over records already read ahead
                    consumer.seek(p1, 300); // forward, past them
                    next.put(0, 5L);
                    next.put(1, 300L);
                    sought = true;
                    produce("small-polls", 3, 150); // and new records behind what was read
                }
            }
            assertTrue(sought, "the seeks happened");
            assertEquals(Map.of(0, 600L, 1, 600L, 2, 600L), next, "every record of every partition, once");
        }
    }

    @Test
    void patternSubscriptionPicksUpAMatchingTopicCreatedLater() {
        createTopic("metrics-cpu", 1);
        createTopic("logs-app", 1);
        produce("metrics-cpu", 1, 3);
        try (StrataConsumer consumer = consumer("pattern-g")) {
            consumer.subscribe(Pattern.compile("metrics-.*"));
            assertEquals(Set.of(new TopicPartition("metrics-cpu", 0)), consumer.assignment());
            assertEquals(3, pollUntil(consumer, r -> r.size() >= 3).size());

            createTopic("metrics-disk", 2);
            produce("metrics-disk", 2, 4);
            produce("logs-app", 1, 4);
            List<ConsumerRecord> later = pollUntil(consumer, r -> r.size() >= 8);
            assertEquals(8, later.size());
            assertTrue(later.stream().allMatch(r -> r.topic().equals("metrics-disk")), "logs-app does not match");
            assertEquals(Set.of(new TopicPartition("metrics-cpu", 0), new TopicPartition("metrics-disk", 0),
                    new TopicPartition("metrics-disk", 1)), consumer.assignment());
            assertEquals(List.of("metrics-cpu", "metrics-disk"), consumer.subscription());
        }
        try (StrataConsumer bad = consumer("pattern-bad")) {
            // A literal "(" compiles here but is no valid regex for the gateway, which must say so.
            StrataClientException e = assertThrows(StrataClientException.class,
                    () -> bad.subscribe(Pattern.compile("(", Pattern.LITERAL)));
            assertEquals(ErrorReason.INVALID_ARGUMENT, e.reason());
        }
    }
}
