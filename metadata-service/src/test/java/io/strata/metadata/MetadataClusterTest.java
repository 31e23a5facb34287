package io.strata.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.common.error.StrataException;
import io.strata.common.metadata.MetadataClient;
import io.strata.common.net.FreePorts;
import io.strata.common.net.HostPort;
import io.strata.proto.CommitOffsetsRequest;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.ErrorReason;
import io.strata.proto.FetchOffsetsRequest;
import io.strata.proto.TopicPartitionOffset;
import io.strata.proto.internal.GetImageRequest;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.RegisterNodeRequest;
import io.strata.proto.internal.MetadataServiceGrpc;
import io.strata.proto.internal.TopicRecord;
import io.strata.proto.internal.WatchEvent;
import io.strata.proto.internal.WatchRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real 3-peer Ratis group on loopback: writes through any peer, leader loss, full restart, snapshots. */
class MetadataClusterTest {
    @TempDir
    Path dir;

    private final List<MetadataConfig> configs = new ArrayList<>();
    private final MetadataServer[] peers = new MetadataServer[3];
    private MetadataClient client;

    private void startAll(long snapshotEvery) {
        startAll(snapshotEvery, MetadataConfig.DEFAULT_LOG_SEGMENT_BYTES);
    }

    private void startAll(long snapshotEvery, long segmentBytes) {
        if (configs.isEmpty()) {
            int[] ports = FreePorts.find(6);
            List<MetadataConfig.Peer> list = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                list.add(new MetadataConfig.Peer("m" + (i + 1), new HostPort("127.0.0.1", ports[2 * i]),
                        new HostPort("127.0.0.1", ports[2 * i + 1])));
            }
            for (MetadataConfig.Peer p : list) {
                // Nobody heartbeats here (ControllerClusterTest covers leases): a lease longer than any test.
                configs.add(MetadataConfig.of(p.id(), list, dir.resolve(p.id())).withSnapshotEvery(snapshotEvery)
                        .withLogSegmentBytes(segmentBytes).withNodeLease(Duration.ofMinutes(10)));
            }
            client = new MetadataClient(list.stream().map(MetadataConfig.Peer::apiAddress).toList(), Duration.ofSeconds(20));
        }
        for (int i = 0; i < 3; i++) {
            peers[i] = new MetadataServer(configs.get(i)).start();
        }
    }

    private void stopAll() {
        for (int i = 0; i < 3; i++) {
            if (peers[i] != null) {
                peers[i].close();
                peers[i] = null;
            }
        }
    }

    @AfterEach
    void tearDown() {
        stopAll();
        if (client != null) {
            client.close();
        }
    }

    private void registerNodes(int count) {
        for (int id = 1; id <= count; id++) {
            RegisterNodeRequest r = RegisterNodeRequest.newBuilder().setId(id).setAddress("127.0.0.1:" + (5000 + id))
                    .setIncarnation(1).build();
            client.call(stub -> stub.registerNode(r));
        }
    }

    private TopicRecord createTopic(String name, int partitions, int rf) {
        CreateTopicRequest r = CreateTopicRequest.newBuilder().setName(name).setPartitions(partitions)
                .setReplicationFactor(rf).build();
        return client.call(stub -> stub.createTopic(r));
    }

    private MetadataImage image() {
        return client.call(stub -> stub.getImage(GetImageRequest.newBuilder().setLinearizable(true).build()));
    }

    @Test
    void stateSurvivesLeaderLossAndFullRestart() {
        startAll(MetadataConfig.DEFAULT_SNAPSHOT_EVERY);
        registerNodes(3);
        TopicRecord orders = createTopic("orders", 6, 3);
        assertEquals(6, orders.getPartitionsCount());
        client.call(stub -> stub.commitOffsets(CommitOffsetsRequest.newBuilder().setGroup("g")
                .addOffsets(TopicPartitionOffset.newBuilder().setTopic("orders").setPartition(2).setOffset(42)).build()));

        int leader = -1;
        for (int i = 0; i < 3; i++) {
            if (peers[i].isLeader()) {
                leader = i;
            }
        }
        assertTrue(leader >= 0, "a leader was elected");
        peers[leader].close();
        peers[leader] = null;
        createTopic("payments", 2, 3);

        stopAll();
        startAll(MetadataConfig.DEFAULT_SNAPSHOT_EVERY);
        MetadataImage image = image();
        assertEquals(List.of("orders", "payments"), image.getTopicsList().stream().map(TopicRecord::getName).toList());
        assertEquals(orders, image.getTopics(0), "partition assignment unchanged by restart");
        assertEquals(42, client.call(stub -> stub.fetchOffsets(FetchOffsetsRequest.newBuilder().setGroup("g").build()))
                .getOffsets(0).getOffset());
    }

    @Test
    void restartOfAllPeersRecoversIdenticalStateFromDatabaseSnapshotAndLog() {
        startAll(5, 1024);
        registerNodes(3);
        for (int i = 0; i < 12; i++) {
            createTopic("t" + i, 1, 2);
            commitOffset("g", "t" + i, 0, i);
        }
        MetadataImage before = image();
        awaitIdenticalState();
        var dumpBefore = peers[0].dumpState();
        stopAll();
        startAll(5, 1024);
        assertEquals(before.getTopicsList(), image().getTopicsList());
        awaitIdenticalState();
        assertEquals(dumpBefore.getOffsetsList(), peers[0].dumpState().getOffsetsList());
        assertEquals(dumpBefore.getImage().getTopicsList(), peers[0].dumpState().getImage().getTopicsList());
    }

    @Test
    void wipedPeerCatchesUpByInstallingASnapshot() throws Exception {
        startAll(5, 1024);
        registerNodes(3);
        for (int i = 0; i < 20; i++) {
            createTopic("t" + i, 1, 2);
            commitOffset("g", "t" + i, 0, i);
        }
        int leader = leaderIndex();
        int follower = (leader + 1) % 3;
        long followerApplied = peers[follower].appliedIndex();
        assertEquals(0, peers[follower].snapshotLoads());
        peers[follower].close();
        peers[follower] = null;
        deleteRecursively(dir.resolve(configs.get(follower).peerId()));
        // While it is down the group moves on, snapshots, and purges the entries it last had:
        // no log replay can bring it back, only a snapshot.
        for (int i = 20; i < 40; i++) {
            createTopic("t" + i, 1, 2);
            commitOffset("g", "t" + i, 0, i);
        }
        await("the leader purged its log beyond the wiped peer's last entry",
                () -> peers[leader].raftLogStartIndex() > followerApplied + 1);
        peers[follower] = new MetadataServer(configs.get(follower)).start();
        awaitIdenticalState();
        assertTrue(peers[follower].snapshotLoads() >= 1, "the wiped peer loaded a snapshot from the leader");
        assertEquals(40, peers[follower].dumpState().getImage().getTopicsCount());
        assertEquals(40, peers[follower].dumpState().getOffsetsCount());
    }

    @Test
    void concurrentOffsetCommitsAreEachAppliedOrRejectedOnTheirOwn() throws Exception {
        startAll(MetadataConfig.DEFAULT_SNAPSHOT_EVERY);
        registerNodes(3);
        createTopic("c", 4, 3);
        int threads = 16;
        int commits = 20;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads + 1);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String group = "g" + t;
                done.add(pool.submit(() -> {
                    for (int i = 1; i <= commits; i++) {
                        CommitOffsetsRequest.Builder r = CommitOffsetsRequest.newBuilder().setGroup(group);
                        for (int p = 0; p < 4; p++) {
                            r.addOffsets(TopicPartitionOffset.newBuilder().setTopic("c").setPartition(p).setOffset(i));
                        }
                        client.call(stub -> stub.commitOffsets(r.build()));
                    }
                }));
            }
            // Interleaved with the valid ones, and so batched with them: rejected every time, alone.
            done.add(pool.submit(() -> {
                for (int i = 0; i < commits; i++) {
                    StrataException e = assertThrows(StrataException.class, () -> commitOffset("bad", "c", 9, 1));
                    assertEquals(ErrorReason.UNKNOWN_PARTITION, e.reason());
                }
            }));
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        for (int t = 0; t < threads; t++) {
            String group = "g" + t;
            assertEquals(List.of(20L, 20L, 20L, 20L), client.call(stub -> stub.fetchOffsets(FetchOffsetsRequest
                    .newBuilder().setGroup(group).build())).getOffsetsList().stream()
                    .map(TopicPartitionOffset::getOffset).toList(), "group " + group);
        }
        assertTrue(client.call(stub -> stub.fetchOffsets(FetchOffsetsRequest.newBuilder().setGroup("bad").build()))
                .getOffsetsList().isEmpty());
        awaitIdenticalState();
    }

    @Test
    void concurrentCreationsOfOneNameMakeOneTopicAndTheOthersAreToldItExists() throws Exception {
        startAll(MetadataConfig.DEFAULT_SNAPSHOT_EVERY);
        registerNodes(3);
        int threads = 12;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        // All at once, however the creations are grouped into Raft entries (a duplicate is usually
        // refused before it is proposed; MetadataStateTest covers two in one batch).
        java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(threads);
        List<java.util.concurrent.Future<Boolean>> same = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                String own = "own-" + t;
                same.add(pool.submit(() -> {
                    go.await();
                    boolean won;
                    try {
                        createTopic("contested", 1, 3);
                        won = true;
                    } catch (StrataException e) {
                        assertEquals(ErrorReason.TOPIC_ALREADY_EXISTS, e.reason(), e.getMessage());
                        won = false;
                    }
                    go.await();
                    createTopic(own, 2, 3); // distinct names, also batched together: each made
                    return won;
                }));
            }
            int created = 0;
            for (java.util.concurrent.Future<Boolean> f : same) {
                created += f.get() ? 1 : 0;
            }
            assertEquals(1, created, "exactly one creation of 'contested' succeeded");
        } finally {
            pool.shutdown();
        }
        List<String> names = image().getTopicsList().stream().map(TopicRecord::getName).sorted().toList();
        assertEquals(threads + 1, names.size(), names.toString());
        assertTrue(names.contains("contested") && names.contains("own-0") && names.contains("own-11"),
                names.toString());
        awaitIdenticalState();
    }

    private void commitOffset(String group, String topic, int partition, long offset) {
        client.call(stub -> stub.commitOffsets(CommitOffsetsRequest.newBuilder().setGroup(group)
                .addOffsets(TopicPartitionOffset.newBuilder().setTopic(topic).setPartition(partition).setOffset(offset))
                .build()));
    }

    private int leaderIndex() {
        for (int i = 0; i < 3; i++) {
            if (peers[i] != null && peers[i].isLeader()) {
                return i;
            }
        }
        throw new AssertionError("no leader");
    }

    /** Waits until every running peer has applied the same state. */
    private void awaitIdenticalState() {
        await("all peers hold identical state", () -> {
            var first = peers[0].dumpState();
            return first.equals(peers[1].dumpState()) && first.equals(peers[2].dumpState());
        });
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static void deleteRecursively(Path root) throws java.io.IOException {
        try (var walk = java.nio.file.Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
    }

    @Test
    void watchDeliversEveryChangeInVersionOrder() throws Exception {
        startAll(MetadataConfig.DEFAULT_SNAPSHOT_EVERY);
        registerNodes(2);
        List<MetadataImage> seen = new CopyOnWriteArrayList<>();
        try (AutoCloseable w = client.watch(seen::add)) {
            createTopic("a", 1, 1);
            createTopic("b", 1, 1);
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline
                    && (seen.isEmpty() || seen.get(seen.size() - 1).getTopicsCount() < 2)) {
                Thread.sleep(20);
            }
        }
        assertEquals(2, seen.get(seen.size() - 1).getTopicsCount());
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i).getVersion() > seen.get(i - 1).getVersion(), "versions grow");
        }
        assertEquals(image(), seen.get(seen.size() - 1), "the image rebuilt from deltas is the service's image");
    }

    @Test
    void watchStreamSendsAnImageThenDeltasAndAnImageToWhoeverIsTooFarBehind() throws Exception {
        startAll(MetadataConfig.DEFAULT_SNAPSHOT_EVERY);
        registerNodes(2);
        createTopic("first", 1, 1);
        MetadataImage start = image();
        io.grpc.ManagedChannel channel = io.strata.common.net.Channels.open(new HostPort("127.0.0.1", peers[0].apiPort()));
        io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
        try {
            java.util.Iterator<WatchEvent> events = ctx.call(() -> MetadataServiceGrpc.newBlockingStub(channel)
                    .watch(WatchRequest.newBuilder().build()));
            WatchEvent first = events.next();
            assertTrue(first.hasImage(), "a new subscriber starts with an image");
            MetadataImage mine = first.getImage();
            createTopic("second", 1, 1);
            client.call(stub -> stub.deleteTopic(io.strata.proto.DeleteTopicRequest.newBuilder().setName("first").build()));
            while (mine.getVersion() < image().getVersion()) {
                WatchEvent e = events.next();
                assertTrue(e.hasDelta(), "changes after the image come as deltas");
                assertEquals(mine.getVersion(), e.getDelta().getBaseVersion(), "each delta follows the last version");
                mine = io.strata.common.metadata.MetadataDeltas.apply(mine, e.getDelta());
            }
            assertEquals(image(), mine);
            assertTrue(mine.getVersion() > start.getVersion());
        } finally {
            ctx.cancel(null);
        }
        // A subscriber whose version no delta in the history starts from (here: an offset commit's
        // index, never an image version) cannot be brought forward by deltas: it gets an image.
        commitOffset("g", "second", 0, 1);
        long notAnImageVersion = peers[leaderIndex()].appliedIndex();
        createTopic("third", 1, 1);
        io.grpc.Context.CancellableContext ctx2 = io.grpc.Context.current().withCancellation();
        try {
            WatchEvent behind = ctx2.call(() -> MetadataServiceGrpc.newBlockingStub(channel)
                    .watch(WatchRequest.newBuilder().setKnownVersion(notAnImageVersion).build())).next();
            assertTrue(behind.hasImage());
            assertEquals(image(), behind.getImage());
        } finally {
            ctx2.cancel(null);
            io.strata.common.net.Channels.close(channel);
        }
    }

    @Test
    void invalidTopicsAreRejectedWithReasons() {
        startAll(MetadataConfig.DEFAULT_SNAPSHOT_EVERY);
        registerNodes(2);
        assertEquals(ErrorReason.NOT_ENOUGH_NODES, assertThrows(StrataException.class,
                () -> createTopic("wide", 1, 3)).reason());
        assertEquals(ErrorReason.INVALID_TOPIC_NAME, assertThrows(StrataException.class,
                () -> createTopic("bad/name", 1, 1)).reason());
        assertEquals(ErrorReason.INVALID_ARGUMENT, assertThrows(StrataException.class,
                () -> createTopic("zero", 0, 1)).reason());
        createTopic("once", 1, 1);
        assertEquals(ErrorReason.TOPIC_ALREADY_EXISTS, assertThrows(StrataException.class,
                () -> createTopic("once", 1, 1)).reason());
    }
}
