package io.strata.common.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.strata.proto.internal.MetadataDelta;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.NodeState;
import io.strata.proto.internal.TopicRecord;
import org.junit.jupiter.api.Test;

class MetadataDeltasTest {
    private static NodeRecord node(int id, NodeState state) {
        return NodeRecord.newBuilder().setId(id).setAddress("h:" + id).setState(state).build();
    }

    private static TopicRecord topic(String name, int rf) {
        return TopicRecord.newBuilder().setName(name).setReplicationFactor(rf).build();
    }

    @Test
    void changedRecordsReplaceRemovedOnesGoAndOrderIsById() {
        MetadataImage base = MetadataImage.newBuilder().setVersion(7)
                .addNodes(node(1, NodeState.NODE_ALIVE)).addNodes(node(3, NodeState.NODE_ALIVE))
                .addTopics(topic("a", 1)).addTopics(topic("c", 1)).build();
        MetadataDelta delta = MetadataDelta.newBuilder().setBaseVersion(7).setVersion(9)
                .addChangedNodes(node(2, NodeState.NODE_ALIVE)).addChangedNodes(node(3, NodeState.NODE_FENCED))
                .addRemovedNodes(1).addChangedTopics(topic("b", 2)).addChangedTopics(topic("c", 3))
                .addRemovedTopics("a").build();
        MetadataImage expected = MetadataImage.newBuilder().setVersion(9)
                .addNodes(node(2, NodeState.NODE_ALIVE)).addNodes(node(3, NodeState.NODE_FENCED))
                .addTopics(topic("b", 2)).addTopics(topic("c", 3)).build();
        assertEquals(expected, MetadataDeltas.apply(base, delta));
    }

    @Test
    void aDeltaForAnotherVersionIsRefused() {
        MetadataImage base = MetadataImage.newBuilder().setVersion(7).build();
        assertThrows(IllegalArgumentException.class, () -> MetadataDeltas.apply(base,
                MetadataDelta.newBuilder().setBaseVersion(6).setVersion(8).build()));
    }
}
