package io.strata.cli.fault;

import io.strata.testkit.workload.Threads;
import io.strata.common.error.StrataException;
import io.strata.common.metadata.MetadataClient;
import io.strata.common.net.HostPort;
import io.strata.proto.CommitOffsetsRequest;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.ErrorReason;
import io.strata.proto.TopicPartitionOffset;
import io.strata.proto.internal.CommittedOffset;
import io.strata.proto.internal.MetadataSnapshot;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.TopicRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Writers that keep the metadata service busy the way gateways do — one thread creating topics,
 * others committing offsets of many partitions per request — through one {@link MetadataClient}
 * (which fails over between peers), remembering exactly what was acknowledged so that
 * {@link #check} can tell whether a peer's state kept all of it.
 *
 * <p>Offsets: committer {@code n} sends requests k = 1, 2, ... for group {@code g<n>}, each
 * setting offset k on every partition of {@link #OFFSETS_TOPIC}. A request is one Raft command,
 * applied all or nothing. One that failed may still have been applied (only its answer was
 * lost), so a correct state shows, per group, a single k on every partition with
 * {@code lastAcknowledged <= k <= lastSent}. Topics: every acknowledged topic must exist with the
 * id and replicas it was acknowledged with (leaders and ISRs may move afterwards).
 *
 * <p>Thread-safe; the checks are meant for after {@link #close}.
 */
final class MetadataLoad implements AutoCloseable {
    static final String OFFSETS_TOPIC = "offsets";
    static final int OFFSETS_PARTITIONS = 40;

    /** One committer's group and how far its requests got. */
    private record Committer(String group, AtomicLong sent, AtomicLong acknowledged) {
    }

    private final MetadataClient client;
    private final Map<String, TopicRecord> acknowledgedTopics = new ConcurrentHashMap<>();
    /** Topics whose creation was answered TOPIC_ALREADY_EXISTS: an earlier, unanswered try was applied. */
    private final Set<String> existingTopics = ConcurrentHashMap.newKeySet();
    private final List<Committer> committers = new ArrayList<>();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<String> lastFailure = new AtomicReference<>("none");
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();

    MetadataLoad(List<HostPort> metadata, int committerCount) {
        this.client = new MetadataClient(metadata, Duration.ofSeconds(20));
        for (int n = 0; n < committerCount; n++) {
            committers.add(new Committer("g" + n, new AtomicLong(), new AtomicLong()));
        }
    }

    /** Creates the topic the offsets are committed for, then starts the writers. */
    MetadataLoad start() {
        client.call(stub -> stub.createTopic(CreateTopicRequest.newBuilder().setName(OFFSETS_TOPIC)
                .setPartitions(OFFSETS_PARTITIONS).setReplicationFactor(1).build()));
        threads.add(new Thread(this::createTopics, "load-create-topics"));
        for (Committer c : committers) {
            threads.add(new Thread(() -> commitOffsets(c), "load-commit-" + c.group()));
        }
        threads.forEach(Thread::start);
        return this;
    }

    /** Commands acknowledged so far (topic creations and offset commits). */
    long acknowledged() {
        return acknowledged.get();
    }

    String describe() {
        return acknowledged.get() + " commands acknowledged (" + acknowledgedTopics.size() + " topics, "
                + committers.stream().map(c -> c.group() + " up to request " + c.acknowledged().get())
                .collect(Collectors.joining(", ")) + "), " + failed.get() + " failed; last failure: " + lastFailure.get();
    }

    private void createTopics() {
        // One partition, replication factor 1: the storage node only needs to host the topics,
        // and no replica fetchers compete with the metadata peers for the machine's two cores.
        for (int i = 0; !stop.get(); i++) {
            String name = "t-" + i;
            try {
                TopicRecord created = client.call(stub -> stub.createTopic(CreateTopicRequest.newBuilder()
                        .setName(name).setPartitions(1).setReplicationFactor(1).build()));
                acknowledgedTopics.put(name, created);
                acknowledged.incrementAndGet();
            } catch (StrataException e) {
                if (e.reason() == ErrorReason.TOPIC_ALREADY_EXISTS) {
                    existingTopics.add(name);
                }
                failed(e);
            }
        }
    }

    private void commitOffsets(Committer c) {
        while (!stop.get()) {
            long k = c.sent().incrementAndGet();
            CommitOffsetsRequest.Builder request = CommitOffsetsRequest.newBuilder().setGroup(c.group());
            for (int p = 0; p < OFFSETS_PARTITIONS; p++) {
                request.addOffsets(TopicPartitionOffset.newBuilder().setTopic(OFFSETS_TOPIC).setPartition(p)
                        .setOffset(k));
            }
            try {
                client.call(stub -> stub.commitOffsets(request.build()));
                c.acknowledged().set(k);
                acknowledged.incrementAndGet();
            } catch (StrataException e) {
                failed(e);
            }
        }
    }

    private void failed(StrataException e) {
        failed.incrementAndGet();
        lastFailure.set(e.reason() + ": " + e.getMessage());
    }

    /** Everything acknowledged that {@code state} lacks or holds differently; empty when it kept it all. */
    List<String> check(MetadataSnapshot state) {
        List<String> problems = new ArrayList<>();
        Map<String, TopicRecord> topics = state.getImage().getTopicsList().stream()
                .collect(Collectors.toMap(TopicRecord::getName, t -> t));
        acknowledgedTopics.forEach((name, acked) -> {
            TopicRecord stored = topics.get(name);
            if (stored == null) {
                problems.add("acknowledged topic " + name + " is missing");
            } else if (!identity(stored).equals(identity(acked))) {
                problems.add("topic " + name + " was acknowledged as " + identity(acked) + " but is " + identity(stored));
            }
        });
        existingTopics.stream().filter(n -> !topics.containsKey(n))
                .forEach(n -> problems.add("topic " + n + " was reported as existing but is missing"));
        Map<String, List<CommittedOffset>> byGroup = state.getOffsetsList().stream()
                .collect(Collectors.groupingBy(CommittedOffset::getGroup));
        for (Committer c : committers) {
            checkGroup(c, byGroup.getOrDefault(c.group(), List.of()), problems::add);
        }
        return problems;
    }

    private static void checkGroup(Committer c, List<CommittedOffset> stored, java.util.function.Consumer<String> problem) {
        long acked = c.acknowledged().get();
        if (stored.isEmpty() && acked == 0) {
            return;
        }
        Set<Long> values = stored.stream().map(CommittedOffset::getOffset).collect(Collectors.toCollection(TreeSet::new));
        Supplier<String> what = () -> "group " + c.group() + " (acknowledged up to request " + acked + ", sent "
                + c.sent().get() + ") has " + stored.size() + " committed partitions with offsets " + values;
        if (stored.size() != OFFSETS_PARTITIONS || values.size() != 1) {
            problem.accept(what.get() + "; every request set all " + OFFSETS_PARTITIONS + " partitions at once");
        } else if (values.iterator().next() < acked || values.iterator().next() > c.sent().get()) {
            problem.accept(what.get() + "; expected a request between the last acknowledged and the last sent");
        }
    }

    /** What a topic was created as: name, id, replication factor, configs and replica assignment. */
    static String identity(TopicRecord t) {
        return t.getName() + " id=" + t.getTopicId() + " rf=" + t.getReplicationFactor() + " configs="
                + new TreeMap<>(t.getConfigsMap()) + " replicas=" + t.getPartitionsList().stream()
                .map(PartitionRecord::getReplicasList).toList();
    }

    /** Stops the writers, waiting for their calls in flight to finish. */
    @Override
    public void close() {
        Threads.stopAndJoin(stop, threads);
        client.close();
    }
}
