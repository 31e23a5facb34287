package io.strata.storage.partition;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.TopicRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which leftover replica directories a restarted node deletes, on real directories. */
class StrayReplicasTest {
    private static final int NODE = 1;

    @TempDir
    Path dataDir;

    private Path replicaDir(String name, String topicId, Integer assignedEpoch) throws Exception {
        Path dir = Files.createDirectories(dataDir.resolve(name));
        Files.writeString(dir.resolve(StrayReplicas.TOPIC_ID_FILE), topicId);
        Files.writeString(dir.resolve("00000000000000000000.log"), "data");
        if (assignedEpoch != null) {
            Files.writeString(dir.resolve(StrayReplicas.EPOCH_FILE), assignedEpoch.toString());
        }
        return dir;
    }

    private static MetadataImage image(String topic, String topicId, List<Integer> replicas, int partitionEpoch) {
        return MetadataImage.newBuilder().addTopics(TopicRecord.newBuilder().setName(topic).setTopicId(topicId)
                .addPartitions(PartitionRecord.newBuilder().setPartition(0).addAllReplicas(replicas)
                        .setPartitionEpoch(partitionEpoch))).build();
    }

    @Test
    void aReplicaMovedAwayAfterTheNodeLastHeldItIsDeleted() throws Exception {
        Path dir = replicaDir("orders-0", "id-1", 3);
        StrayReplicas strays = new StrayReplicas(NODE, dataDir);
        strays.sweep(image("orders", "id-1", List.of(2, 3, 4), 5), Set.of());
        assertFalse(Files.exists(dir));
    }

    @Test
    void anImageThatMayPredateTheDirectoryDeletesNothing() throws Exception {
        Path older = replicaDir("orders-0", "id-1", 5);
        Path otherIncarnation = replicaDir("audit-0", "id-new", 0);
        Path unknownTopic = replicaDir("gone-0", "id-3", 0);
        Path noEpoch = replicaDir("legacy-0", "id-4", null);
        StrayReplicas strays = new StrayReplicas(NODE, dataDir);
        MetadataImage image = image("orders", "id-1", List.of(2, 3, 4), 5).toBuilder()
                .addTopics(image("audit", "id-old", List.of(2), 9).getTopics(0))
                .addTopics(image("legacy", "id-4", List.of(2), 9).getTopics(0)).build();
        strays.sweep(image, Set.of());
        for (Path kept : List.of(older, otherIncarnation, unknownTopic, noEpoch)) {
            assertTrue(Files.exists(kept.resolve("00000000000000000000.log")), kept + " kept");
        }
    }

    @Test
    void aDirectoryTheImageAssignsAgainIsNeverDeletedLater() throws Exception {
        Path dir = replicaDir("orders-0", "id-1", 3);
        StrayReplicas strays = new StrayReplicas(NODE, dataDir);
        strays.sweep(image("orders", "id-1", List.of(1, 2, 3), 4), Set.of("orders-0"));
        strays.sweep(image("orders", "id-1", List.of(2, 3, 4), 9), Set.of());
        assertTrue(Files.exists(dir), "now a live replica: the ReplicaManager owns it");
    }
}
