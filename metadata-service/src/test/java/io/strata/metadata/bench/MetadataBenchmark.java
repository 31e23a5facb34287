package io.strata.metadata.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.metadata.MetadataServer;
import io.strata.metadata.TestGroup;
import io.strata.proto.CreateTopicRequest;
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
 * -Dsurefire.failIfNoSpecifiedTests=false}). Sizes can be changed with
 * {@code -Dbench.topics=N -Dbench.partitions=P -Dbench.clients=C}.
 *
 * <ol>
 *   <li>time to create N topics of P partitions (replication factor 3) through the API, from C
 *       concurrent callers;
 *   <li>size of the newest snapshot (a RocksDB checkpoint) on the leader;
 *   <li>time for a wiped follower to install that snapshot and catch up.
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
            group.await("follower restored from a snapshot", 300_000,
                    () -> restarted.snapshotLoads() >= 1 && restarted.appliedIndex() >= target);
            long installMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - installStart);
            log.info("BENCH newest snapshot on the leader: {} bytes ({} MiB)", snapshotBytes,
                    String.format("%.1f", snapshotBytes / 1048576.0));
            log.info("BENCH wiped follower restart -> snapshot installed and caught up in {} ms", installMs);
            assertTrue(restarted.dumpState().getImage().getTopicsCount() >= topics);
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
