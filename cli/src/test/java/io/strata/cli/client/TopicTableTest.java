package io.strata.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.strata.proto.PartitionDescription;
import io.strata.proto.TopicDescription;
import org.junit.jupiter.api.Test;

class TopicTableTest {

    @Test
    void describeShowsOneAlignedRowPerPartitionThenSortedConfigs() {
        TopicDescription topic = TopicDescription.newBuilder()
                .setName("orders").setTopicId("abc").setReplicationFactor(3)
                .addPartitions(PartitionDescription.newBuilder().setPartition(1).setLeader(-1).setLeaderEpoch(12)
                        .addReplicas(2).addReplicas(3).addReplicas(1))
                .addPartitions(PartitionDescription.newBuilder().setPartition(0).setLeader(1).setLeaderEpoch(0)
                        .addReplicas(1).addReplicas(2).addReplicas(3).addIsr(1).addIsr(2).addIsr(3))
                .putConfigs("retention.ms", "604800000")
                .putConfigs("min.insync.replicas", "2")
                .build();

        assertEquals("""
                Topic: orders  TopicId: abc  Partitions: 2  ReplicationFactor: 3
                PARTITION  LEADER  EPOCH  REPLICAS  ISR
                0          1       0      1,2,3     1,2,3
                1          none    12     2,3,1     -
                Configs:
                  min.insync.replicas=2
                  retention.ms=604800000
                """, TopicTable.format(topic));
    }

    @Test
    void topicWithoutConfigsSaysNone() {
        String text = TopicTable.format(TopicDescription.newBuilder().setName("t").build());
        assertEquals("Configs: (none)", text.lines().reduce((a, b) -> b).orElseThrow());
    }
}
