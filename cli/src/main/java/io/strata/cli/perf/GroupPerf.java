package io.strata.cli.perf;

import io.strata.client.Bootstrap;
import io.strata.client.StrataClientException;
import io.strata.client.TopicPartition;
import io.strata.client.admin.StrataAdmin;
import io.strata.client.consumer.ConsumerConfig;
import io.strata.client.consumer.ConsumerRebalanceListener;
import io.strata.client.consumer.StrataConsumer;
import io.strata.proto.ErrorReason;
import io.strata.proto.GroupDescription;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Rebalance latency of a consumer group through a gateway: real consumers join one at a time,
 * then leave one at a time; after each step it measures the time until the group is stable again
 * (every partition owned by the member its target names, as the coordinator reports it, and every
 * consumer reading what it owns) and how many partitions changed hands. Each consumer polls on its
 * own thread and commits in its revocation callback, as an application would.
 */
final class GroupPerf {
    record Options(Bootstrap bootstrap, String topic, int partitions, int replicationFactor, int members,
                   String assignor) {
    }

    /** One member: a consumer polling on its own thread, counting the partitions it is given. */
    private static final class Member implements ConsumerRebalanceListener {
        final StrataConsumer consumer;
        final AtomicInteger given;
        final Thread thread;
        volatile boolean running = true;

        Member(Options o, String name, AtomicInteger given) {
            this.consumer = new StrataConsumer(ConsumerConfig.builder("perf-group-" + o.topic()).clientId(name)
                    .bootstrap(o.bootstrap()).assignor(o.assignor()).build());
            this.given = given;
            this.thread = new Thread(() -> {
                consumer.subscribe(List.of(o.topic()), this);
                while (running) {
                    consumer.poll(Duration.ofMillis(100));
                }
            }, name);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            consumer.commitSync();
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            given.addAndGet(partitions.size());
        }

        void leave() throws InterruptedException {
            running = false;
            thread.join(60_000);
            consumer.close();
        }
    }

    private GroupPerf() {
    }

    static void run(Options o, PrintWriter out) throws Exception {
        try (StrataAdmin admin = new StrataAdmin(o.bootstrap(), Duration.ofSeconds(30))) {
            ensureTopic(admin, o);
            String group = "perf-group-" + o.topic();
            out.printf("group rebalance: topic %s with %d partitions, %s assignor, up to %d members%n", o.topic(),
                    o.partitions(), o.assignor(), o.members());
            AtomicInteger given = new AtomicInteger();
            List<Member> members = new ArrayList<>();
            List<Long> joins = new ArrayList<>();
            for (int i = 1; i <= o.members(); i++) {
                given.set(0);
                long start = System.nanoTime();
                Member m = new Member(o, "perf-member-" + i, given);
                members.add(m);
                m.thread.start();
                long ms = awaitStable(admin, group, members, o.partitions(), start);
                joins.add(ms);
                out.printf("join  -> %d members: stable after %5d ms, %2d partitions handed over%n", i, ms, given.get());
                out.flush();
            }
            List<Long> leaves = new ArrayList<>();
            while (members.size() > 1) {
                given.set(0);
                long start = System.nanoTime();
                members.remove(members.size() - 1).leave();
                long ms = awaitStable(admin, group, members, o.partitions(), start);
                leaves.add(ms);
                out.printf("leave -> %d members: stable after %5d ms, %2d partitions handed over%n", members.size(), ms,
                        given.get());
                out.flush();
            }
            members.remove(0).leave();
            out.printf("median time to stable: join %d ms, leave %d ms%n", median(joins), median(leaves));
        }
    }

    private static long awaitStable(StrataAdmin admin, String group, List<Member> members, int partitions,
                                    long startNanos) throws InterruptedException {
        long deadline = startNanos + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            int owned = members.stream().mapToInt(m -> m.consumer.assignment().size()).sum();
            if (owned == partitions) {
                GroupDescription g = admin.describeGroup(group);
                if ("STABLE".equals(g.getState()) && g.getMembersCount() == members.size()) {
                    return (System.nanoTime() - startNanos) / 1_000_000;
                }
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("group " + group + " did not become stable within 2 minutes");
    }

    private static void ensureTopic(StrataAdmin admin, Options o) {
        try {
            admin.createTopic(o.topic(), o.partitions(), o.replicationFactor(), Map.of());
        } catch (StrataClientException e) {
            if (e.reason() != ErrorReason.TOPIC_ALREADY_EXISTS) {
                throw e;
            }
            int existing = admin.describeTopic(o.topic()).getPartitionsCount();
            if (existing != o.partitions()) {
                throw new IllegalArgumentException("topic " + o.topic() + " exists with " + existing
                        + " partitions, not " + o.partitions() + "; use another --topic");
            }
        }
    }

    private static long median(List<Long> values) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
