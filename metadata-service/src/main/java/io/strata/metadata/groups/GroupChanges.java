package io.strata.metadata.groups;

import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import io.strata.proto.TopicPartition;
import io.strata.proto.internal.GroupJoinCommand;
import io.strata.proto.internal.GroupMemberRecord;
import io.strata.proto.internal.GroupRecord;
import io.strata.proto.internal.GroupReleaseCommand;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How a consumer group's replicated record changes: a member joins, members leave (or expire),
 * a member releases revoked partitions, or the subscribed topics change. Pure functions from a
 * {@link GroupRecord} and the topics' partition counts to the next record, applied identically
 * on every metadata peer.
 *
 * <p>Invariants every function keeps:
 * <ul>
 *   <li>A partition is in at most one member's {@code owned}: it is added only when no other
 *       member owns it ({@link IncrementalRevocation#allowed}).
 *   <li>A partition leaves a member's {@code owned} only when the member released it (a report at
 *       its current member epoch no longer lists it), left or expired, or the partition is gone.
 *   <li>Targets are the group assignor's answer for the current members and topics; the group
 *       epoch grows whenever membership or a target changes.
 *   <li>A member's epoch grows whenever it is given partitions, so a report older than a grant
 *       can never release the granted partitions.
 * </ul>
 */
public final class GroupChanges {
    public static final String EMPTY = "EMPTY";
    public static final String STABLE = "STABLE";
    public static final String ASSIGNING = "ASSIGNING";

    private GroupChanges() {
    }

    /** Adds the member of {@code c} (a no-op if it is already a member); {@code group} may be null. */
    public static GroupRecord join(GroupRecord group, GroupJoinCommand c, Map<String, Integer> topics) {
        String assignor = Assignors.of(c.getAssignor()).id();
        GroupRecord g = group != null ? group : GroupRecord.newBuilder().setGroup(c.getGroup()).setAssignor(assignor)
                .build();
        if (find(g, c.getMember().getMemberId()) != null) {
            return g;
        }
        if (g.getMembersCount() > 0 && !g.getAssignor().equals(assignor)) {
            throw new StrataException(ErrorReason.INVALID_ARGUMENT, "group '" + g.getGroup() + "' uses the "
                    + g.getAssignor() + " assignor; a member asked for " + assignor + ". Members of a group must agree");
        }
        List<GroupMemberRecord> members = new ArrayList<>(g.getMembersList());
        members.add(c.getMember().toBuilder().setMemberEpoch(1).clearTarget().clearOwned().build());
        return rebalance(g.toBuilder().setAssignor(g.getMembersCount() == 0 ? assignor : g.getAssignor()).build(),
                members, topics, true);
    }

    /** Removes the named members; their partitions are free for the others at once. */
    public static GroupRecord leave(GroupRecord group, Collection<String> memberIds, Map<String, Integer> topics) {
        List<GroupMemberRecord> members = new ArrayList<>(group.getMembersList());
        if (!members.removeIf(m -> memberIds.contains(m.getMemberId()))) {
            return group;
        }
        return rebalance(group, members, topics, true);
    }

    /**
     * Releases the revoked partitions the member no longer reports owning, then hands free
     * partitions to their targets. A report based on an older member epoch releases nothing.
     *
     * @throws StrataException UNKNOWN_MEMBER when the member is not in the group
     */
    public static GroupRecord release(GroupRecord group, GroupReleaseCommand c, Map<String, Integer> topics) {
        GroupMemberRecord m = find(group, c.getMemberId());
        if (m == null) {
            throw unknownMember(group.getGroup(), c.getMemberId());
        }
        Set<GroupPartition> released = releasable(m, c.getMemberEpoch(), c.getOwnedList());
        if (released.isEmpty()) {
            return group;
        }
        Set<GroupPartition> owned = partitions(m.getOwnedList());
        owned.removeAll(released);
        List<GroupMemberRecord> members = new ArrayList<>(group.getMembersList());
        members.set(members.indexOf(m), m.toBuilder().clearOwned().addAllOwned(toProto(owned)).build());
        return rebalance(group, members, topics, false);
    }

    /** Recomputes targets after topics were created, deleted or grown; the same record if nothing changed. */
    public static GroupRecord topicsChanged(GroupRecord group, Map<String, Integer> topics) {
        if (group.getMembersCount() == 0) {
            return group;
        }
        return rebalance(group, group.getMembersList(), topics, false);
    }

    /**
     * The revoked partitions (owned, not in the target) that a report at {@code reportEpoch} no
     * longer lists: empty when the report is older than the member's epoch.
     */
    public static Set<GroupPartition> releasable(GroupMemberRecord m, int reportEpoch, List<TopicPartition> reported) {
        if (reportEpoch != m.getMemberEpoch()) {
            return Set.of();
        }
        Set<GroupPartition> out = partitions(m.getOwnedList());
        out.removeAll(partitions(m.getTargetList()));
        out.removeAll(partitions(reported));
        return out;
    }

    /** What the member may read now: what it owns and keeps. */
    public static List<TopicPartition> assignment(GroupMemberRecord m) {
        Set<GroupPartition> out = partitions(m.getOwnedList());
        out.retainAll(partitions(m.getTargetList()));
        return toProto(out);
    }

    /** Partitions revoked from the member that it has not released yet. */
    public static List<TopicPartition> revoking(GroupMemberRecord m) {
        Set<GroupPartition> out = partitions(m.getOwnedList());
        out.removeAll(partitions(m.getTargetList()));
        return toProto(out);
    }

    /** Target partitions the member waits for (their previous owner has not released them yet). */
    public static List<TopicPartition> pending(GroupMemberRecord m) {
        Set<GroupPartition> out = partitions(m.getTargetList());
        out.removeAll(partitions(m.getOwnedList()));
        return toProto(out);
    }

    /** EMPTY without members, STABLE when every member owns exactly its target, else ASSIGNING. */
    public static String state(GroupRecord g) {
        if (g.getMembersCount() == 0) {
            return EMPTY;
        }
        for (GroupMemberRecord m : g.getMembersList()) {
            if (!partitions(m.getOwnedList()).equals(partitions(m.getTargetList()))) {
                return ASSIGNING;
            }
        }
        return STABLE;
    }

    public static GroupMemberRecord find(GroupRecord g, String memberId) {
        for (GroupMemberRecord m : g.getMembersList()) {
            if (m.getMemberId().equals(memberId)) {
                return m;
            }
        }
        return null;
    }

    public static StrataException unknownMember(String group, String memberId) {
        return new StrataException(ErrorReason.UNKNOWN_MEMBER, "member '" + memberId + "' is not in group '" + group
                + "' (it left, or its session timed out); join again");
    }

    /** The topics a member consumes: its list, or the existing topics its pattern matches. */
    static Set<String> subscribed(GroupMemberRecord m, Collection<String> existing) {
        if (m.getTopicPattern().isEmpty()) {
            return new TreeSet<>(m.getTopicsList());
        }
        Set<String> out = new TreeSet<>();
        try {
            Pattern p = Pattern.compile(m.getTopicPattern());
            existing.stream().filter(t -> p.matcher(t).matches()).forEach(out::add);
        } catch (PatternSyntaxException e) {
            // validated before it was proposed; an unreadable pattern matches nothing
        }
        return out;
    }

    /**
     * Computes new targets for {@code members}, drops owned partitions that no longer exist,
     * bumps the group epoch when membership ({@code membershipChanged}) or a target changed, and
     * hands every free target partition to its member.
     */
    private static GroupRecord rebalance(GroupRecord group, List<GroupMemberRecord> members,
                                         Map<String, Integer> topics, boolean membershipChanged) {
        Map<String, Set<String>> subscriptions = new TreeMap<>();
        Map<String, Set<GroupPartition>> previous = new TreeMap<>();
        Map<String, Set<GroupPartition>> owned = new TreeMap<>();
        Map<String, GroupMemberRecord> byId = new TreeMap<>();
        for (GroupMemberRecord m : members) {
            byId.put(m.getMemberId(), m);
            subscriptions.put(m.getMemberId(), subscribed(m, topics.keySet()));
            previous.put(m.getMemberId(), partitions(m.getTargetList()));
            Set<GroupPartition> mine = partitions(m.getOwnedList());
            mine.removeIf(p -> p.partition() >= topics.getOrDefault(p.topic(), 0));
            owned.put(m.getMemberId(), mine);
        }
        Map<String, Set<GroupPartition>> target = Assignors.of(group.getAssignor())
                .assign(subscriptions, topics, previous);
        Map<String, Set<GroupPartition>> allowed = IncrementalRevocation.allowed(target, owned);
        GroupRecord.Builder out = group.toBuilder().clearMembers();
        boolean changed = membershipChanged;
        for (GroupMemberRecord m : byId.values()) {
            String id = m.getMemberId();
            Set<GroupPartition> mine = owned.get(id);
            boolean granted = mine.addAll(allowed.get(id));
            GroupMemberRecord next = m.toBuilder()
                    .setMemberEpoch(m.getMemberEpoch() + (granted ? 1 : 0))
                    .clearTarget().addAllTarget(toProto(target.get(id)))
                    .clearOwned().addAllOwned(toProto(mine)).build();
            changed |= !target.get(id).equals(previous.get(id));
            out.addMembers(next);
        }
        if (changed) {
            out.setGroupEpoch(group.getGroupEpoch() + 1);
        }
        GroupRecord result = out.build();
        return result.equals(group) ? group : result;
    }

    static Set<GroupPartition> partitions(List<TopicPartition> list) {
        Set<GroupPartition> out = new TreeSet<>();
        list.forEach(tp -> out.add(new GroupPartition(tp.getTopic(), tp.getPartition())));
        return out;
    }

    static List<TopicPartition> toProto(Collection<GroupPartition> set) {
        List<TopicPartition> out = new ArrayList<>(set.size());
        new TreeSet<>(set).forEach(p -> out.add(TopicPartition.newBuilder().setTopic(p.topic())
                .setPartition(p.partition()).build()));
        return out;
    }
}
