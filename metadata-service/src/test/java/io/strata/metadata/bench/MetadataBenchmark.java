package io.strata.metadata.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.metadata.MetadataServer;
import io.strata.metadata.TestGroup;
import io.strata.common.metadata.MetadataClient;
import io.strata.common.net.HostPort;
import io.strata.proto.AlterTopicConfigsRequest;
import io.strata.proto.CommitOffsetsRequest;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.TopicPartitionOffset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the metadata service on a real 3-peer group (not part of the default suite; run
 * with {@code mvn -B -ntp -pl metadata-service -am -Pbench verify -Dtest=MetadataBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}, or one method with {@code -Dtest=MetadataBenchmark#name}).
 *
 * <ol>
 *   <li>{@link #createTopicsThenInstallASnapshotOnAWipedFollower}: time to create N topics of P
 *       partitions (replication factor 3) through the API from C concurrent callers
 *       ({@code -Dbench.topics=N -Dbench.partitions=P -Dbench.clients=C}); size of the newest
 *       snapshot (a RocksDB checkpoint) on the leader; time for a wiped follower to install it
 *       and catch up;
 *   <li>{@link #watchFanOut}: latency from one change to its receipt by each of S Watch
 *       subscribers ({@code -Dbench.watchers=S -Dbench.watchRounds=R});
 *   <li>{@link #offsetCommits}: offset commits per second from one client, as a gateway sends
 *       them, for several batch sizes and numbers of requests in flight
 *       ({@code -Dbench.commitSeconds=T} per combination, {@code -Dbench.commitBatches=1,10,100
 *       -Dbench.commitInFlight=1,16}).
 * </ol>
 * Results are logged with the prefix {@code BENCH}.
 */
class MetadataBenchmark {
    private static final Logger log = LoggerFactory.getLogger(MetadataBenchmark.class);

    @TempDir
    Path dir;

    @Test
    void createTopicsThenInstallASnapshotOnAWipedFollower() throws Exception {
        int topics = Integer.getInteger("bench.topics", 10_000);
        int partitions = Integer.getInteger("bench.partitions", 10);
        int clients = Integer.getInteger("bench.clients", 8);
        // No storage nodes heartbeat here: a lease longer than the run keeps the registered ones live.
        try (TestGroup group = new TestGroup(dir, c -> c.withSnapshotEvery(2_000).withLogSegmentBytes(64 << 10)
                .withNodeLease(Duration.ofHours(1)))) {
            group.registerNodes(3);
            long start = System.nanoTime();
            createTopics(group, "topic-", topics, partitions, clients);
            long createMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            log.info("BENCH created {} topics x {} partitions (RF 3) with {} clients in {} ms ({} topics/s)",
                    topics, partitions, clients, createMs, topics * 1000L / Math.max(1, createMs));
            assertEquals(topics, group.image().getTopicsCount());

            int leader = group.leaderIndex();
            int follower = (leader + 1) % 3;
            long followerApplied = group.peer(follower).appliedIndex();
            Path followerDir = dir.resolve("m" + (follower + 1));
            group.stop(follower);
            deleteRecursively(followerDir);
            // Move the group past the wiped follower's log so that only a snapshot can restore it.
            MetadataServer leaderPeer = group.peer(leader);
            int after = 0;
            while (leaderPeer.raftLogStartIndex() <= followerApplied + 1) {
                createTopics(group, "after-" + after++ + "-", 500, 1, clients);
            }
            log.info("BENCH Raft applied index {} after {} topics; leader log starts at {}", leaderPeer.appliedIndex(),
                    topics + 500 * after, leaderPeer.raftLogStartIndex());
            long snapshotBytes = newestSnapshotBytes(dir.resolve("m" + (leader + 1)));
            long target = leaderPeer.appliedIndex();
            long installStart = System.nanoTime();
            group.start(follower);
            MetadataServer restarted = group.peer(follower);
            group.await("follower loaded a snapshot", 300_000, () -> restarted.snapshotLoads() >= 1);
            long loadedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - installStart);
            group.await("follower caught up", 300_000, () -> restarted.appliedIndex() >= target);
            long installMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - installStart);
            log.info("BENCH newest snapshot on the leader: {} bytes ({} MiB)", snapshotBytes,
                    String.format("%.2f", snapshotBytes / 1048576.0));
            log.info("BENCH wiped follower restart -> snapshot installed and loaded in {} ms, caught up in {} ms",
                    loadedMs, installMs);
            assertTrue(restarted.dumpState().getImage().getTopicsCount() >= topics);
        }
    }

    @Test
    void watchFanOut() throws Exception {
        int watchers = Integer.getInteger("bench.watchers", 100);
        int rounds = Integer.getInteger("bench.watchRounds", 50);
        int warmup = 10;
        long markerBase = 1_000_000;
        try (TestGroup group = new TestGroup(dir, c -> c.withNodeLease(Duration.ofHours(1)))) {
            group.registerNodes(3);
            group.client().call(stub -> stub.createTopic(CreateTopicRequest.newBuilder().setName("fanout")
                    .setPartitions(1).setReplicationFactor(3).build()));
            try (WatchSubscribers subscribers = new WatchSubscribers(group.apiAddresses(), watchers, "fanout",
                    "retention.ms", markerBase, warmup + rounds)) {
                subscribers.awaitSubscribed(60_000);
                Latencies lastSinceStart = new Latencies();
                Latencies lastSinceAck = new Latencies();
                Latencies firstSinceStart = new Latencies();
                Latencies ack = new Latencies();
                for (int m = 0; m < warmup + rounds; m++) {
                    AlterTopicConfigsRequest change = AlterTopicConfigsRequest.newBuilder().setTopic("fanout")
                            .putSet("retention.ms", Long.toString(markerBase + m)).build();
                    long start = System.nanoTime();
                    group.client().call(stub -> stub.alterTopicConfigs(change));
                    long acked = System.nanoTime();
                    assertTrue(subscribers.awaitAll(m, 30_000), "every subscriber saw change " + m);
                    if (m >= warmup) {
                        ack.add(acked - start);
                        firstSinceStart.add(subscribers.first(m) - start);
                        lastSinceStart.add(subscribers.last(m) - start);
                        lastSinceAck.add(subscribers.last(m) - acked);
                    }
                    Thread.sleep(20);
                }
                log.info("BENCH watch fan-out, {} subscribers on 3 peers, {} changes (AlterTopicConfigs):", watchers,
                        rounds);
                log.info("BENCH   proposal start -> acknowledged:       {}", ack.summary());
                log.info("BENCH   proposal start -> first subscriber:   {}", firstSinceStart.summary());
                log.info("BENCH   proposal start -> last subscriber:    {}", lastSinceStart.summary());
                log.info("BENCH   acknowledgement -> last subscriber:   {}", lastSinceAck.summary());
            }
        }
    }

    @Test
    void offsetCommits() throws Exception {
        int seconds = Integer.getInteger("bench.commitSeconds", 10);
        int partitions = 100;
        try (TestGroup group = new TestGroup(dir, c -> c.withNodeLease(Duration.ofHours(1)))) {
            group.registerNodes(3);
            group.client().call(stub -> stub.createTopic(CreateTopicRequest.newBuilder().setName("offsets")
                    .setPartitions(partitions).setReplicationFactor(3).build()));
            // A gateway's client sticks to the first peer that answers; start it at a follower, the
            // usual case (2 of 3 peers), so each commit is also forwarded to the leader.
            int follower = (group.leaderIndex() + 1) % 3;
            List<HostPort> addresses = new ArrayList<>(group.apiAddresses());
            java.util.Collections.rotate(addresses, -follower);
            try (MetadataClient gateway = new MetadataClient(addresses, Duration.ofSeconds(20))) {
                // JIT warm-up: without it the first combination measured runs at half speed.
                int warmup = Integer.getInteger("bench.warmupSeconds", 10);
                commitFor(gateway, 10, 16, warmup);
                commitFor(gateway, 10, 1, warmup);
                for (int batch : intsProperty("bench.commitBatches", "1,10,100")) {
                    for (int inFlight : intsProperty("bench.commitInFlight", "1,16")) {
                        commitFor(gateway, batch, inFlight, 2);
                        CommitRun run = commitFor(gateway, batch, inFlight, seconds);
                        log.info("BENCH offset commits, {} partitions per request, {} in flight: {} commits/s, {} "
                                + "partition offsets/s, latency {}", batch, inFlight, run.perSecond(1),
                                run.perSecond(batch), run.latencies().summary());
                    }
                }
            }
        }
    }

    /** A comma-separated list of numbers from system property {@code name}. */
    private static int[] intsProperty(String name, String defaults) {
        return java.util.Arrays.stream(System.getProperty(name, defaults).split(",")).map(String::trim)
                .mapToInt(Integer::parseInt).toArray();
    }

    /** Requests completed in a timed run of {@link #commitFor}, and their latencies. */
    private record CommitRun(long requests, long nanos, Latencies latencies) {
        long perSecond(int perRequest) {
            return requests * perRequest * 1_000_000_000L / nanos;
        }
    }

    /**
     * Commits offsets of partitions 0..batch-1 of topic "offsets" from {@code inFlight} threads
     * (a group each), one blocking request at a time per thread, for {@code seconds}.
     */
    private static CommitRun commitFor(MetadataClient client, int batch, int inFlight, int seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(inFlight);
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        try {
            List<Future<Latencies>> threads = new ArrayList<>();
            for (int t = 0; t < inFlight; t++) {
                String group = "bench-" + t;
                threads.add(pool.submit(() -> {
                    Latencies latencies = new Latencies();
                    for (long offset = 1; System.nanoTime() < end; offset++) {
                        CommitOffsetsRequest.Builder request = CommitOffsetsRequest.newBuilder().setGroup(group);
                        for (int p = 0; p < batch; p++) {
                            request.addOffsets(TopicPartitionOffset.newBuilder().setTopic("offsets").setPartition(p)
                                    .setOffset(offset));
                        }
                        long sent = System.nanoTime();
                        client.call(stub -> stub.commitOffsets(request.build()));
                        latencies.add(System.nanoTime() - sent);
                    }
                    return latencies;
                }));
            }
            Latencies all = new Latencies();
            for (Future<Latencies> f : threads) {
                all.addAll(f.get());
            }
            return new CommitRun(all.count(), System.nanoTime() - start, all);
        } finally {
            pool.shutdown();
        }
    }

    /** Creates {@code count} topics named {@code prefix + i} from {@code clients} threads. */
    private static void createTopics(TestGroup group, String prefix, int count, int partitions, int clients)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int first = c;
                done.add(pool.submit(() -> {
                    for (int i = first; i < count; i += clients) {
                        String name = prefix + i;
                        group.client().call(stub -> stub.createTopic(CreateTopicRequest.newBuilder().setName(name)
                                .setPartitions(partitions).setReplicationFactor(3).build()));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private static long newestSnapshotBytes(Path peerDir) throws IOException {
        Path newest = null;
        try (Stream<Path> walk = Files.walk(peerDir)) {
            for (Path p : walk.filter(Files::isDirectory)
                    .filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).toList()) {
                if (newest == null || index(p) > index(newest)) {
                    newest = p;
                }
            }
        }
        if (newest == null) {
            return -1;
        }
        try (Stream<Path> files = Files.list(newest)) {
            return files.filter(f -> !f.toString().endsWith(".md5")).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static long index(Path snapshotDir) {
        String name = snapshotDir.getFileName().toString();
        return Long.parseLong(name.substring(name.indexOf('_') + 1));
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
