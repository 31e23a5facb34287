package io.strata.common.metadata;

import io.strata.proto.internal.MetadataDelta;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.TopicRecord;
import java.util.Map;
import java.util.TreeMap;

/**
 * Applies a Watch stream's {@link MetadataDelta} to the image it was computed against. The
 * result lists nodes by id and topics by name, as the metadata service's images do, so an
 * image built from deltas equals the one the service would send. Pure; thread-safe.
 */
public final class MetadataDeltas {
    private MetadataDeltas() {
    }

    /** {@code base} with {@code delta} applied; {@code delta.base_version} must be {@code base}'s version. */
    public static MetadataImage apply(MetadataImage base, MetadataDelta delta) {
        if (delta.getBaseVersion() != base.getVersion()) {
            throw new IllegalArgumentException("delta from version " + delta.getBaseVersion()
                    + " does not apply to image version " + base.getVersion());
        }
        Map<Integer, NodeRecord> nodes = new TreeMap<>();
        base.getNodesList().forEach(n -> nodes.put(n.getId(), n));
        delta.getRemovedNodesList().forEach(nodes::remove);
        delta.getChangedNodesList().forEach(n -> nodes.put(n.getId(), n));
        Map<String, TopicRecord> topics = new TreeMap<>();
        base.getTopicsList().forEach(t -> topics.put(t.getName(), t));
        delta.getRemovedTopicsList().forEach(topics::remove);
        delta.getChangedTopicsList().forEach(t -> topics.put(t.getName(), t));
        return MetadataImage.newBuilder().setVersion(delta.getVersion()).addAllNodes(nodes.values())
                .addAllTopics(topics.values()).build();
    }
}
