package io.strata.cli.client;

import io.strata.proto.GroupDescription;
import io.strata.proto.GroupListing;
import io.strata.proto.GroupMember;
import io.strata.proto.PartitionLag;
import io.strata.proto.TopicPartition;
import io.strata.proto.TopicPartitionOffset;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders consumer groups as {@code strata groups} prints them: the group list, a group's
 * description (a header line, its members with their assignments, its committed offsets with
 * lag) and the offsets of a reset. Stateless and thread-safe.
 */
final class GroupTable {
    private GroupTable() {
    }

    static String listing(List<GroupListing> groups) {
        TextTable table = new TextTable("GROUP", "STATE", "MEMBERS");
        groups.forEach(g -> table.row(g.getGroup(), g.getState(), Integer.toString(g.getMembers())));
        return table.render();
    }

    static String description(GroupDescription g) {
        StringBuilder sb = new StringBuilder();
        sb.append("Group: ").append(g.getGroup()).append("  State: ").append(g.getState())
                .append("  Epoch: ").append(g.getGroupEpoch());
        if (!g.getAssignor().isEmpty()) {
            sb.append("  Assignor: ").append(g.getAssignor());
        }
        sb.append('\n');
        if (g.getMembersCount() == 0) {
            sb.append("Members: (none)\n");
        } else {
            TextTable members = new TextTable("MEMBER", "CLIENT", "GATEWAY", "EPOCH", "ASSIGNED", "REVOKING", "PENDING");
            for (GroupMember m : g.getMembersList()) {
                members.row(m.getMemberId(), orDash(m.getClientId()), orDash(m.getGateway()),
                        Integer.toString(m.getMemberEpoch()), partitions(m.getAssignmentList()),
                        partitions(m.getRevokingList()), partitions(m.getPendingList()));
            }
            sb.append(members.render());
        }
        if (g.getOffsetsCount() == 0) {
            sb.append("Offsets: (none committed)\n");
        } else {
            TextTable offsets = new TextTable("TOPIC", "PARTITION", "COMMITTED", "HIGH-WATERMARK", "LAG", "METADATA");
            for (PartitionLag o : g.getOffsetsList()) {
                offsets.row(o.getTopic(), Integer.toString(o.getPartition()), Long.toString(o.getCommitted()),
                        o.getHighWatermark() < 0 ? "?" : Long.toString(o.getHighWatermark()),
                        o.getLag() < 0 ? "?" : Long.toString(o.getLag()), orDash(o.getMetadata()));
            }
            sb.append(offsets.render());
        }
        return sb.toString();
    }

    static String offsets(String group, List<TopicPartitionOffset> offsets) {
        TextTable table = new TextTable("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
        offsets.forEach(o -> table.row(group, o.getTopic(), Integer.toString(o.getPartition()),
                Long.toString(o.getOffset())));
        return table.render();
    }

    private static String partitions(List<TopicPartition> tps) {
        return tps.isEmpty() ? "-" : tps.stream().map(tp -> tp.getTopic() + "-" + tp.getPartition())
                .collect(Collectors.joining(","));
    }

    private static String orDash(String s) {
        return s.isEmpty() ? "-" : s;
    }
}
