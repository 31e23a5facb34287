package io.strata.cli.client;

import io.strata.proto.PartitionDescription;
import io.strata.proto.TopicDescription;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders a {@link TopicDescription} as the text {@code strata topics describe} prints: a header
 * line, one aligned row per partition (partition, leader, epoch, replicas, isr), then the configs
 * sorted by key. Stateless and thread-safe.
 */
public final class TopicTable {

    private static final String[] COLUMNS = {"PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR"};

    private TopicTable() {
    }

    public static String format(TopicDescription topic) {
        StringBuilder sb = new StringBuilder();
        sb.append("Topic: ").append(topic.getName())
                .append("  TopicId: ").append(topic.getTopicId())
                .append("  Partitions: ").append(topic.getPartitionsCount())
                .append("  ReplicationFactor: ").append(topic.getReplicationFactor())
                .append('\n');
        TextTable table = new TextTable(COLUMNS);
        topic.getPartitionsList().stream()
                .sorted((a, b) -> Integer.compare(a.getPartition(), b.getPartition()))
                .forEach(p -> table.row(row(p)));
        sb.append(table.render());
        Map<String, String> configs = new TreeMap<>(topic.getConfigsMap());
        sb.append("Configs:");
        if (configs.isEmpty()) {
            sb.append(" (none)\n");
        } else {
            sb.append('\n');
            configs.forEach((k, v) -> sb.append("  ").append(k).append('=').append(v).append('\n'));
        }
        return sb.toString();
    }

    private static String[] row(PartitionDescription p) {
        return new String[] {
                Integer.toString(p.getPartition()),
                p.getLeader() < 0 ? "none" : Integer.toString(p.getLeader()),
                Integer.toString(p.getLeaderEpoch()),
                TextTable.ids(p.getReplicasList()),
                TextTable.ids(p.getIsrList())};
    }
}
