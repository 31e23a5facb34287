package io.strata.metadata.groups;

import io.strata.proto.GroupDescription;
import io.strata.proto.GroupMember;
import io.strata.proto.internal.GroupMemberRecord;
import io.strata.proto.internal.GroupRecord;

/** Turns a group's replicated record into the public description (members, assignments, state). Pure. */
public final class GroupDescriptions {
    private GroupDescriptions() {
    }

    /** The description of {@code g}, without committed offsets (the gateway adds those with their lag). */
    public static GroupDescription of(GroupRecord g) {
        GroupDescription.Builder b = GroupDescription.newBuilder().setGroup(g.getGroup())
                .setState(GroupChanges.state(g)).setGroupEpoch(g.getGroupEpoch()).setAssignor(g.getAssignor());
        for (GroupMemberRecord m : g.getMembersList()) {
            b.addMembers(GroupMember.newBuilder().setMemberId(m.getMemberId()).setClientId(m.getClientId())
                    .setGateway(m.getGateway()).setMemberEpoch(m.getMemberEpoch())
                    .addAllAssignment(GroupChanges.assignment(m)).addAllRevoking(GroupChanges.revoking(m))
                    .addAllPending(GroupChanges.pending(m)).addAllTopics(m.getTopicsList())
                    .setTopicPattern(m.getTopicPattern()));
        }
        return b.build();
    }
}
