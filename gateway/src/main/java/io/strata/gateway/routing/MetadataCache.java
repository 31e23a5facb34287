package io.strata.gateway.routing;

import io.strata.common.error.Errors;
import io.strata.common.metadata.MetadataClient;
import io.strata.proto.internal.GetImageRequest;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.TopicRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.IntStream;

/**
 * The gateway's copy of the metadata image, fed by the watch stream. Lookups are lock-free
 * reads of an immutable snapshot. A lookup that misses (a topic created a moment ago) forces
 * one linearizable refresh before answering UNKNOWN_TOPIC. The refresh blocks: transport threads
 * use {@link #topicAsync}, which refreshes on the {@code refreshes} executor.
 *
 * <p>Thread-safe.
 */
public final class MetadataCache {
    private final MetadataClient metadata;
    private final Executor refreshes;
    private volatile Snapshot snapshot = new Snapshot(MetadataImage.getDefaultInstance());
    private volatile CompletableFuture<Void> changed = new CompletableFuture<>();

    private static final class Snapshot {
        final MetadataImage image;
        final Map<String, TopicRecord> topics = new HashMap<>();
        final Map<Integer, NodeRecord> nodes = new HashMap<>();

        Snapshot(MetadataImage image) {
            this.image = image;
            image.getTopicsList().forEach(t -> topics.put(t.getName(), t));
            image.getNodesList().forEach(n -> nodes.put(n.getId(), n));
        }
    }

    /** @param refreshes runs the blocking refreshes of {@link #topicAsync} */
    public MetadataCache(MetadataClient metadata, Executor refreshes) {
        this.metadata = metadata;
        this.refreshes = refreshes;
    }

    /** Installs {@code image} if it is newer than the one held. */
    public synchronized void update(MetadataImage image) {
        if (image.getVersion() <= snapshot.image.getVersion() && snapshot.image.getVersion() != 0) {
            return;
        }
        snapshot = new Snapshot(image);
        CompletableFuture<Void> waiting = changed;
        changed = new CompletableFuture<>();
        waiting.complete(null);
    }

    public MetadataImage image() {
        return snapshot.image;
    }

    /** Completes when the next image arrives. */
    public CompletableFuture<Void> nextChange() {
        return changed;
    }

    /** Fetches the newest image from the metadata leader (blocking) and installs it. */
    public void refresh() {
        update(metadata.call(stub -> stub.getImage(GetImageRequest.newBuilder().setLinearizable(true).build())));
    }

    /** The topic, refreshing once if it is not known yet; UNKNOWN_TOPIC if it does not exist. */
    public TopicRecord topic(String name) {
        TopicRecord t = snapshot.topics.get(name);
        if (t == null) {
            refresh();
            t = snapshot.topics.get(name);
        }
        if (t == null) {
            throw Errors.unknownTopic(name);
        }
        return t;
    }

    /**
     * The topic as {@link #topic} finds it, without blocking the caller: at once when the image
     * has it, else once a refresh on the {@code refreshes} executor has answered.
     */
    public CompletableFuture<TopicRecord> topicAsync(String name) {
        TopicRecord t = snapshot.topics.get(name);
        if (t != null) {
            return CompletableFuture.completedFuture(t);
        }
        try {
            return CompletableFuture.supplyAsync(() -> topic(name), refreshes);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(Errors.metadataUnavailable(
                    "the gateway is closing; retry on another gateway"));
        }
    }

    /** The partition of a known topic; UNKNOWN_PARTITION naming the valid range if out of range. */
    public PartitionRecord partition(String topic, int partition) {
        return partitionOf(topic(topic), partition);
    }

    /** The partition of {@code topic}; UNKNOWN_PARTITION naming the valid range if out of range. */
    public static PartitionRecord partitionOf(TopicRecord topic, int partition) {
        if (partition < 0 || partition >= topic.getPartitionsCount()) {
            throw Errors.unknownPartition(topic.getName(), partition, topic.getPartitionsCount());
        }
        return topic.getPartitions(partition);
    }

    /**
     * The partitions a request names, each checked against {@code topic} (UNKNOWN_PARTITION naming
     * the valid range), or every partition of it when the request names none.
     */
    public static List<Integer> partitionsOrAll(TopicRecord topic, List<Integer> requested) {
        if (requested.isEmpty()) {
            return IntStream.range(0, topic.getPartitionsCount()).boxed().toList();
        }
        requested.forEach(p -> partitionOf(topic, p));
        return requested;
    }

    /** The partition as the cached image has it, or null when the image does not know it (never refreshes). */
    public PartitionRecord cachedPartition(String topic, int partition) {
        TopicRecord t = snapshot.topics.get(topic);
        return t == null || partition < 0 || partition >= t.getPartitionsCount() ? null : t.getPartitions(partition);
    }

    /** The node record of {@code nodeId}, or null. */
    public NodeRecord node(int nodeId) {
        return snapshot.nodes.get(nodeId);
    }
}
