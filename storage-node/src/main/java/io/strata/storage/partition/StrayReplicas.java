package io.strata.storage.partition;

import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.TopicRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replica directories found on disk at start-up that the metadata image does not assign to this
 * node — typically because the node was down while a reassignment moved the partition away. A
 * running node deletes a replica the moment a committed image drops it; a restarted node cannot
 * do the same with the first image it sees, which may come from a metadata peer that lags behind
 * what the node saw before it stopped. So a directory is deleted only when the image proves it
 * stale: the image holds the same topic (same topic id), its partition does not list this node
 * and is at a later partition epoch than the one recorded in the directory ({@value #EPOCH_FILE})
 * when this node last opened it as a replica — so the node was removed after that. (Had it been
 * added back since, it could not have caught up while down, so nothing in the directory is needed.)
 * Everything else is kept: directories of topics the image does not know or knows under another
 * id (the image may predate them), or without a recorded epoch.
 *
 * <p>Not thread-safe: used under the {@link ReplicaManager}'s lock.
 */
final class StrayReplicas {
    private static final Logger log = LoggerFactory.getLogger(StrayReplicas.class);
    static final String TOPIC_ID_FILE = "topic.id";
    static final String EPOCH_FILE = "assigned.epoch";

    private final int nodeId;
    private final Map<String, Path> candidates = new HashMap<>();

    /** Lists the replica directories of {@code dataDir}; all are candidates until the image assigns them. */
    StrayReplicas(int nodeId, Path dataDir) {
        this.nodeId = nodeId;
        if (!Files.isDirectory(dataDir)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(dataDir)) {
            dirs.filter(d -> Files.exists(d.resolve(TOPIC_ID_FILE)))
                    .forEach(d -> candidates.put(d.getFileName().toString(), d));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /** Records in {@code dir} that this node holds a replica of {@code p} as of its partition epoch. */
    static void recordAssigned(Path dir, PartitionRecord p) throws IOException {
        Files.writeString(dir.resolve(EPOCH_FILE), Integer.toString(p.getPartitionEpoch()), StandardCharsets.UTF_8);
    }

    /**
     * Forgets candidates in {@code assigned} (directory names of replicas this node holds) and
     * deletes those {@code image} proves stale.
     */
    void sweep(MetadataImage image, Set<String> assigned) {
        if (candidates.isEmpty()) {
            return;
        }
        candidates.keySet().removeAll(assigned);
        Map<String, TopicRecord> topics = new HashMap<>();
        image.getTopicsList().forEach(t -> topics.put(t.getName(), t));
        candidates.values().removeIf(dir -> {
            String why = staleBecause(dir, topics);
            if (why == null) {
                return false;
            }
            log.info("node {} deletes {}: {}", nodeId, dir, why);
            ReplicaManager.deleteDir(dir);
            return true;
        });
    }

    /** Why {@code dir} is stale according to {@code topics}, or null when it may still be needed. */
    private String staleBecause(Path dir, Map<String, TopicRecord> topics) {
        String name = dir.getFileName().toString();
        int dash = name.lastIndexOf('-');
        TopicRecord topic = dash > 0 ? topics.get(name.substring(0, dash)) : null;
        if (topic == null) {
            return null;
        }
        try {
            String topicId = Files.readString(dir.resolve(TOPIC_ID_FILE)).trim();
            if (!topicId.equals(topic.getTopicId())) {
                return null;
            }
            int partition = Integer.parseInt(name.substring(dash + 1));
            Path epochFile = dir.resolve(EPOCH_FILE);
            if (partition >= topic.getPartitionsCount() || !Files.exists(epochFile)) {
                return null;
            }
            PartitionRecord p = topic.getPartitions(partition);
            int assignedAt = Integer.parseInt(Files.readString(epochFile).trim());
            if (!p.getReplicasList().contains(nodeId) && p.getPartitionEpoch() > assignedAt) {
                return "the partition moved to " + p.getReplicasList() + " (partition epoch " + p.getPartitionEpoch()
                        + ") after this node last held it (epoch " + assignedAt + ")";
            }
            return null;
        } catch (IOException | NumberFormatException e) {
            log.warn("cannot tell whether {} is still needed; keeping it: {}", dir, e.toString());
            return null;
        }
    }
}
