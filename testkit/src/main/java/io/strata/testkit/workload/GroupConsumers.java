package io.strata.testkit.workload;

import io.strata.client.Bootstrap;
import io.strata.client.TopicPartition;
import io.strata.client.consumer.ConsumerConfig;
import io.strata.client.consumer.ConsumerRecord;
import io.strata.client.consumer.OffsetReset;
import io.strata.client.consumer.StrataConsumer;
import io.strata.common.net.HostPort;
import io.strata.testkit.history.History;
import io.strata.testkit.history.Op;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Workload 2 of the fault harness: a consumer group of three members processing the topic with
 * commits after processing (at-least-once), each member through one of the gateways. Every
 * {@link #CHURN_MS} one member is replaced by a new one (it leaves, the group rebalances twice),
 * and the nemesis's gateway kills drop the sessions of the members on that gateway without a
 * leave (their partitions move once the session times out). Recorded in the {@link History}:
 * {@code consume} (ok, per partition of a poll: offsets and values) and {@code commit} (invoke,
 * then ok or info, per partition: the offset committed). Members are threads; counters are
 * thread-safe; start and stop from the test's thread.
 */
public final class GroupConsumers implements AutoCloseable {
    public static final String CONSUME = "consume";
    public static final String COMMIT = "commit";
    static final String GROUP = "chaos-group";
    private static final int MEMBERS = 3;
    private static final long CHURN_MS = 10_000;

    private final History history;
    private final String topic;
    private final List<HostPort> gateways;
    private final Set<String> consumed = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean[] retire = new AtomicBoolean[MEMBERS];

    private GroupConsumers(History history, String topic, List<HostPort> gateways) {
        this.history = history;
        this.topic = topic;
        this.gateways = gateways;
    }

    public static GroupConsumers start(History history, String topic, List<HostPort> gateways) {
        GroupConsumers g = new GroupConsumers(history, topic, gateways);
        for (int slot = 0; slot < MEMBERS; slot++) {
            g.retire[slot] = new AtomicBoolean();
            int s = slot;
            Thread t = new Thread(() -> g.runSlot(s), "group-member-" + slot);
            g.threads.add(t);
            t.start();
        }
        Thread churn = new Thread(g::churn, "group-churn");
        g.threads.add(churn);
        churn.start();
        return g;
    }

    /** Distinct values processed so far. */
    public int consumedCount() {
        return consumed.size();
    }

    /** Whether every value of {@code values} has been processed. */
    public boolean consumedAll(Set<String> values) {
        return consumed.containsAll(values);
    }

    /** One member slot: a member runs until retired by the churn thread, then a new one takes its place. */
    private void runSlot(int slot) {
        for (int generation = 0; !stop.get(); generation++) {
            String process = "member-" + slot + "." + generation;
            HostPort gateway = gateways.get((slot + generation) % gateways.size());
            ConsumerConfig config = ConsumerConfig.builder(GROUP).bootstrap(Bootstrap.parse(gateway.toString()))
                    .autoOffsetReset(OffsetReset.EARLIEST).clientId(process).sessionTimeout(Duration.ofSeconds(10))
                    .requestTimeout(Duration.ofSeconds(15)).build();
            try (StrataConsumer consumer = new StrataConsumer(config)) {
                consumer.subscribe(List.of(topic));
                while (!stop.get() && !retire[slot].getAndSet(false)) {
                    processOnce(consumer, process);
                }
            } catch (RuntimeException e) {
                sleep(500); // closing a member whose gateway is down fails: the next generation starts afresh
            }
        }
    }

    private void processOnce(StrataConsumer consumer, String process) {
        List<ConsumerRecord> records;
        try {
            records = consumer.poll(Duration.ofMillis(500));
        } catch (RuntimeException e) {
            sleep(500); // the session died (e.g. its gateway was killed): the next poll joins again
            return;
        }
        Map<Integer, List<ConsumerRecord>> byPartition = new TreeMap<>();
        records.forEach(r -> byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r));
        byPartition.forEach((partition, rs) -> {
            Op invoke = history.invoke(process, CONSUME, partition, List.of(),
                    rs.stream().map(r -> new String(r.value(), java.nio.charset.StandardCharsets.UTF_8)).toList());
            history.ok(invoke, partition, rs.stream().map(ConsumerRecord::offset).toList());
            invoke.values().forEach(consumed::add);
        });
        if (!records.isEmpty()) {
            commit(consumer, process);
        }
    }

    /** Commits the positions of every assigned partition (where this member reads next), recording each. */
    private void commit(StrataConsumer consumer, String process) {
        Map<TopicPartition, Long> positions = new LinkedHashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            try {
                positions.put(tp, consumer.position(tp));
            } catch (IllegalStateException e) {
                // Assigned in this very poll and not positioned yet: nothing of it to commit.
            }
        }
        List<Op> invokes = new ArrayList<>();
        positions.forEach((tp, offset) -> invokes.add(history.invoke(process, COMMIT, tp.partition(), List.of(),
                List.of(Long.toString(offset)))));
        try {
            consumer.commitSync(positions);
            invokes.forEach(i -> history.ok(i, i.partition(), List.of(Long.parseLong(i.values().get(0)))));
        } catch (RuntimeException e) {
            invokes.forEach(i -> history.failed(i, false, e.toString()));
        }
    }

    private void churn() {
        Random random = new Random();
        while (!stop.get()) {
            sleep(CHURN_MS);
            int slot = random.nextInt(MEMBERS);
            history.nemesis("replace group member", "slot " + slot);
            retire[slot].set(true);
        }
    }

    /** Stops every member (each leaves the group). */
    @Override
    public void close() {
        Threads.stopAndJoin(stop, threads);
    }

    private static void sleep(long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
