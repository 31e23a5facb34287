package io.strata.storage.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.common.batch.Compression;
import io.strata.common.batch.RecordBatchBuilder;
import io.strata.common.error.StrataException;
import io.strata.common.net.NodeChannels;
import io.strata.proto.ErrorReason;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.NodeState;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.TopicRecord;
import io.strata.storage.log.LogManager;
import io.strata.storage.replication.ReplicaFetcher;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The high watermark a node serves when it takes leadership again, on real logs: the node that
 * leads partition {@code t-0} (replicas 1, 2, 3) stops and starts again while its followers are
 * away, and must serve consumers what was committed before, not start from the log start and
 * hide it until its followers fetch again; nor may it tell anyone a latest offset below what
 * the previous leadership may have told.
 */
class LeaderHighWatermarkTest {
    @TempDir
    Path dataDir;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final NodeChannels channels = new NodeChannels();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        channels.close();
    }

    private ReplicaManager node() {
        return new ReplicaManager(1, dataDir, 1 << 20, new LogManager(LogManager.Settings.defaults(),
                System::currentTimeMillis, nanos -> { }),
                new ReplicaFetcher(1, channels, scheduler, new ReplicaFetcher.Events() {
                    @Override
                    public void answered(long nanos) {
                    }

                    @Override
                    public void failed() {
                    }
                }));
    }

    private static MetadataImage image(String topicId, int leaderEpoch) {
        TopicRecord topic = TopicRecord.newBuilder().setName("t").setTopicId(topicId).setReplicationFactor(3)
                .addPartitions(PartitionRecord.newBuilder().setPartition(0).addAllReplicas(List.of(1, 2, 3))
                        .setLeader(1).setLeaderEpoch(leaderEpoch).addAllIsr(List.of(1, 2, 3)))
                .build();
        MetadataImage.Builder image = MetadataImage.newBuilder().setVersion(leaderEpoch + 1L).addTopics(topic);
        for (int id = 1; id <= 3; id++) {
            image.addNodes(NodeRecord.newBuilder().setId(id).setAddress("127.0.0.1:1").setState(NodeState.NODE_ALIVE));
        }
        return image.build();
    }

    private static ByteBuffer batch(int count) {
        RecordBatchBuilder b = new RecordBatchBuilder(Compression.NONE);
        for (int i = 0; i < count; i++) {
            b.append(0, null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    /** Appends 100 records as leader; both followers report having them, so the HW reaches 100. */
    private static void commit100(ReplicaManager node) {
        PartitionReplica r = node.get("t", 0);
        r.append(batch(100), false).join();
        for (int follower = 2; follower <= 3; follower++) {
            r.role().hw().followerFetched(follower, 100, 100, 100, System.currentTimeMillis());
        }
        assertEquals(100, r.highWatermark());
    }

    @Test
    void aRestartedLeaderServesWhatWasCommittedBeforeItsFollowersFetchAgain() {
        try (ReplicaManager node = node()) {
            node.apply(image("id-1", 0));
            commit100(node);
            node.get("t", 0).append(batch(20), false).join(); // written, not committed
        }
        try (ReplicaManager restarted = node()) {
            restarted.apply(image("id-1", 1));
            PartitionReplica r = restarted.get("t", 0);
            assertEquals(120, r.log().logEndOffset());
            assertEquals(100, r.highWatermark(), "committed before the restart, and nothing more");
            assertEquals(100, readableRecords(r), "consumers read all of it at once");
        }
    }

    @Test
    void aNewLeaderTellsNoLatestOffsetBelowItsEpochStartAndReadsPastItsHighWatermarkAreEmpty() {
        try (ReplicaManager node = node()) {
            node.apply(image("id-1", 0));
            commit100(node);
            node.get("t", 0).append(batch(20), false).join(); // acks=1: acknowledged, not yet committed
        }
        try (ReplicaManager restarted = node()) {
            restarted.apply(image("id-1", 1));
            PartitionReplica r = restarted.get("t", 0);
            assertEquals(100, r.highWatermark());
            StrataException e = assertThrows(StrataException.class, r::settledHighWatermark);
            assertEquals(ErrorReason.LEADER_NOT_AVAILABLE, e.reason(), e.getMessage());
            assertTrue(e.isRetriable());
            assertEquals(0, r.read(110, 1 << 20).size(), "a consumer already at 110 reads nothing yet, no error");

            for (int follower = 2; follower <= 3; follower++) {
                r.role().hw().followerFetched(follower, 120, 120, 120, System.currentTimeMillis());
            }
            assertEquals(120, r.settledHighWatermark(), "settled once it reached the log end it was elected with");
            assertTrue(r.read(110, 1 << 20).size() > 0);
        }
    }

    @Test
    void thePeriodicCheckpointAloneIsEnoughAndATopicCreatedAgainStartsAfresh() throws Exception {
        Path checkpoint = dataDir.resolve("replication-offset-checkpoint");
        try (ReplicaManager node = node()) {
            node.apply(image("id-1", 0));
            commit100(node);
            node.checkpointHighWatermarks();
            assertTrue(Files.readString(checkpoint).contains("id-1 0 100 t"), Files.readString(checkpoint));
        }
        Files.writeString(checkpoint, "0\n1\nid-1 0 60 t\n"); // as a crash after an earlier checkpoint leaves it
        try (ReplicaManager restarted = node()) {
            restarted.apply(image("id-1", 1));
            assertEquals(60, restarted.get("t", 0).highWatermark(), "what the checkpoint says, clamped to the log");
        }
        try (ReplicaManager recreated = node()) {
            recreated.apply(image("id-2", 0));
            recreated.get("t", 0).append(batch(50), false).join(); // the followers never confirmed it
        }
        Files.writeString(checkpoint, "0\n1\nid-1 0 100 t\n");
        try (ReplicaManager again = node()) {
            again.apply(image("id-2", 1));
            assertEquals(0, again.get("t", 0).highWatermark(), "the deleted topic's entry does not apply to the new one");
        }
        Files.writeString(checkpoint, "0\n1\nnot a checkpoint");
        try (ReplicaManager damaged = node()) {
            damaged.apply(image("id-2", 2));
            assertEquals(0, damaged.get("t", 0).highWatermark(), "a damaged file costs freshness only");
        }
    }

    private static int readableRecords(PartitionReplica r) {
        int count = 0;
        long next = 0;
        while (next < r.highWatermark()) {
            var batches = io.strata.common.batch.RecordBatches.scan(r.read(next, 1 << 20).asReadOnlyByteBuffer(),
                    Integer.MAX_VALUE);
            while (batches.hasNext()) {
                var b = batches.next();
                count += b.recordCount();
                next = b.nextOffset();
            }
        }
        return count;
    }
}
