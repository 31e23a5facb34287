package io.strata.storage.partition;

import io.strata.common.error.Errors;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.TopicRecord;
import io.strata.common.topic.TopicConfig;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.NodeState;
import io.strata.storage.log.HighWatermarkCheckpoint;
import io.strata.storage.log.LogConfig;
import io.strata.storage.replication.ReplicaFetcher;
import io.strata.storage.log.LogManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partition replicas this node holds, kept in step with the metadata image: opens a log
 * for every partition assigned here (a new replica starts empty and fetches from the leader),
 * updates roles and epochs, and deletes the data of replicas no longer assigned here (moved
 * away by a reassignment) and of topics that were deleted (or re-created under the same name
 * with a new topic id). Directories of replicas moved away while the node was down are handled
 * by {@link StrayReplicas}.
 *
 * <p>Directory layout: {@code <dataDir>/<topic>-<partition>/} with a {@code topic.id} file and
 * the partition epoch at which the node last opened it ({@code assigned.epoch}), and
 * {@code <dataDir>/replication-offset-checkpoint} with every replica's high watermark, from
 * which a replica opened after a restart starts.
 *
 * <p>Thread-safe: {@link #apply} runs on the watch thread; lookups from request threads.
 */
public final class ReplicaManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);
    private static final String TOPIC_ID_FILE = StrayReplicas.TOPIC_ID_FILE;

    private final int nodeId;
    private final Path dataDir;
    private final int maxBatchBytes;
    private final LogManager logs;
    private final ReplicaFetcher fetcher;
    private final Map<String, PartitionReplica> replicas = new ConcurrentHashMap<>();
    private final StrayReplicas strays;
    private final HighWatermarkCheckpoint hwCheckpoint;
    private final Map<HighWatermarkCheckpoint.Key, Long> checkpointedHws;
    private volatile long appliedVersion;
    private volatile Set<Integer> liveNodes = Set.of();
    /** Replicas on this node outside their partition's ISR in the last applied image (catching up, or stuck). */
    private volatile Set<String> outOfSync = Set.of();

    public ReplicaManager(int nodeId, Path dataDir, int maxBatchBytes, LogManager logs, ReplicaFetcher fetcher) {
        this.fetcher = fetcher;
        this.nodeId = nodeId;
        this.dataDir = dataDir;
        this.maxBatchBytes = maxBatchBytes;
        this.logs = logs;
        this.strays = new StrayReplicas(nodeId, dataDir);
        this.hwCheckpoint = new HighWatermarkCheckpoint(dataDir);
        this.checkpointedHws = hwCheckpoint.read();
    }

    private static String key(String topic, int partition) {
        return topic + "-" + partition;
    }

    /** The replica of (topic, partition) on this node, or UNKNOWN_TOPIC / NOT_LEADER. */
    public PartitionReplica get(String topic, int partition) {
        PartitionReplica r = replicas.get(key(topic, partition));
        if (r == null) {
            throw Errors.notLeader(topic, partition, nodeId);
        }
        return r;
    }

    public synchronized void apply(MetadataImage image) {
        Set<String> wanted = new HashSet<>();
        Set<String> lagging = new HashSet<>();
        for (TopicRecord topic : image.getTopicsList()) {
            for (PartitionRecord p : topic.getPartitionsList()) {
                if (!p.getReplicasList().contains(nodeId)) {
                    continue;
                }
                String key = key(topic.getName(), p.getPartition());
                wanted.add(key);
                if (!p.getIsrList().contains(nodeId)) {
                    lagging.add(key);
                }
                PartitionReplica replica = replicas.computeIfAbsent(key, k -> openReplica(topic, p));
                boolean leads = p.getLeader() == nodeId;
                replica.updateRole(leads, p.getLeaderEpoch(), p.getPartitionEpoch(), p.getLeader(), p.getReplicasList(),
                        p.getIsrList());
                replica.setMinInsyncReplicas(TopicConfig.MIN_INSYNC_REPLICAS.intIn(topic.getConfigsMap()));
                NodeRecord leaderNode = leaderOf(image, p.getLeader());
                if (!leads && leaderNode != null) {
                    fetcher.follow(replica, leaderNode.getAddress(), p.getLeaderEpoch());
                } else {
                    fetcher.stop(replica);
                }
                LogConfig config = LogConfig.from(topic.getConfigsMap(), maxBatchBytes);
                if (!config.equals(replica.log().config())) {
                    replica.log().updateConfig(config);
                }
            }
        }
        for (String key : Set.copyOf(replicas.keySet())) {
            if (!wanted.contains(key)) {
                PartitionReplica removed = replicas.remove(key);
                fetcher.stop(removed);
                removed.close();
                logs.close(removed.log());
                deleteDir(dataDir.resolve(key));
                log.info("node {} dropped replica {} (no longer assigned)", nodeId, key);
            }
        }
        strays.sweep(image, wanted);
        liveNodes = image.getNodesList().stream().filter(n -> n.getState() == NodeState.NODE_ALIVE)
                .map(NodeRecord::getId).collect(java.util.stream.Collectors.toUnmodifiableSet());
        outOfSync = Set.copyOf(lagging);
        appliedVersion = image.getVersion();
    }

    /**
     * Whether this node carries its share: the last applied image has it live and every replica it
     * holds in its partition's ISR. Until then a restart of another node could leave partitions
     * below min.insync.replicas, so readiness (which gates rolling updates and disruption budgets)
     * waits for it.
     */
    public boolean inSync() {
        return appliedVersion > 0 && liveNodes.contains(nodeId) && outOfSync.isEmpty();
    }

    /** Replicas on this node outside their partition's ISR in the last applied image, as topic-partition. */
    public Set<String> outOfSync() {
        return outOfSync;
    }

    /** Whether {@code node} is live (neither fenced nor shutting down) in the last applied image. */
    public boolean isLive(int node) {
        return liveNodes.contains(node);
    }

    /** Writes every replica's high watermark to the node's checkpoint file. */
    public void checkpointHighWatermarks() {
        hwCheckpoint.write(replicas.values().stream().map(r -> new HighWatermarkCheckpoint.Entry(r.topicId(),
                r.topic(), r.partition(), r.checkpointableHighWatermark())).toList());
    }

    private static NodeRecord leaderOf(MetadataImage image, int leaderId) {
        for (NodeRecord n : image.getNodesList()) {
            if (n.getId() == leaderId) {
                return n;
            }
        }
        return null;
    }

    private PartitionReplica openReplica(TopicRecord topic, PartitionRecord p) {
        int partition = p.getPartition();
        Path dir = dataDir.resolve(key(topic.getName(), partition));
        try {
            Path idFile = dir.resolve(TOPIC_ID_FILE);
            if (Files.exists(idFile) && !Files.readString(idFile).equals(topic.getTopicId())) {
                log.info("{} belongs to an older topic of the same name; deleting it", dir);
                deleteDir(dir);
            }
            Files.createDirectories(dir);
            if (!Files.exists(idFile)) {
                Files.writeString(idFile, topic.getTopicId(), StandardCharsets.UTF_8);
            }
            StrayReplicas.recordAssigned(dir, p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir + ": " + e.getMessage(), e);
        }
        long hw = checkpointedHws.getOrDefault(new HighWatermarkCheckpoint.Key(topic.getTopicId(), partition), 0L);
        return new PartitionReplica(topic.getName(), topic.getTopicId(), partition, nodeId,
                logs.open(dir, LogConfig.from(topic.getConfigsMap(), maxBatchBytes)), hw);
    }

    static void deleteDir(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            log.warn("could not delete {}", dir, e);
        }
    }

    /** Every replica on this node. */
    public java.util.Collection<PartitionReplica> all() {
        return java.util.List.copyOf(replicas.values());
    }

    /** The metadata version last applied. */
    public long appliedVersion() {
        return appliedVersion;
    }

    @Override
    public synchronized void close() {
        fetcher.close();
        try {
            checkpointHighWatermarks();
        } catch (RuntimeException e) {
            log.warn("node {} could not checkpoint high watermarks on close", nodeId, e);
        }
        replicas.values().forEach(PartitionReplica::close);
        replicas.clear();
        logs.close();
    }
}
