package io.strata.metadata.state;

import io.strata.common.error.StrataException;
import io.strata.metadata.groups.GroupChanges;
import io.strata.proto.DeleteGroupRequest;
import io.strata.proto.ErrorReason;
import io.strata.proto.FetchOffsetsRequest;
import io.strata.proto.GroupListing;
import io.strata.proto.TopicPartition;
import io.strata.proto.TopicPartitionOffset;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.CommitOffsetsCommand;
import io.strata.proto.internal.CommittedOffset;
import io.strata.proto.internal.GroupJoinCommand;
import io.strata.proto.internal.GroupLeaveCommand;
import io.strata.proto.internal.GroupMemberRecord;
import io.strata.proto.internal.GroupRecord;
import io.strata.proto.internal.GroupReleaseCommand;
import io.strata.proto.internal.TopicRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The consumer-group part of {@link MetadataState}: group records (members, epochs, targets and
 * owned partitions, kept in memory and in the store) and committed offsets (read from the
 * store). Applying a group command validates it, computes the next record with
 * {@link GroupChanges}, and records it in the pending {@link StateChange}.
 *
 * <p>Commit fencing: while a group has members, offsets are accepted only from a member and only
 * for partitions it owns (so a member whose partitions were handed on cannot overwrite the new
 * owner's progress); resets and deletion need a group without members.
 *
 * <p>Not thread-safe; {@link MetadataState} serialises access.
 */
final class GroupState {
    private final MetadataStore store;
    private final Map<String, GroupRecord> groups;
    private final Function<String, TopicRecord> topics;

    GroupState(MetadataStore store, Function<String, TopicRecord> topics) {
        this.store = store;
        this.groups = store.groups();
        this.topics = topics;
    }

    CommandResult join(GroupJoinCommand c, Map<String, Integer> partitionCounts, StateChange change) {
        if (c.getGroup().isEmpty() || c.getGroup().indexOf('\0') >= 0 || c.getMember().getMemberId().isEmpty()) {
            return MetadataState.error(ErrorReason.INVALID_ARGUMENT, "group and member id must be non-empty and free of NUL");
        }
        try {
            return update(GroupChanges.join(groups.get(c.getGroup()), c, partitionCounts), change);
        } catch (StrataException e) {
            return MetadataState.error(e.reason(), e.getMessage());
        }
    }

    CommandResult leave(GroupLeaveCommand c, Map<String, Integer> partitionCounts, StateChange change) {
        GroupRecord g = groups.get(c.getGroup());
        if (g == null) {
            return MetadataState.ok(); // leaving twice is fine
        }
        return update(GroupChanges.leave(g, c.getMemberIdsList(), partitionCounts), change);
    }

    CommandResult release(GroupReleaseCommand c, Map<String, Integer> partitionCounts, StateChange change) {
        GroupRecord g = groups.get(c.getGroup());
        if (g == null) {
            return MetadataState.error(ErrorReason.UNKNOWN_MEMBER,
                    GroupChanges.unknownMember(c.getGroup(), c.getMemberId()).getMessage());
        }
        try {
            return update(GroupChanges.release(g, c, partitionCounts), change);
        } catch (StrataException e) {
            return MetadataState.error(e.reason(), e.getMessage());
        }
    }

    private CommandResult update(GroupRecord next, StateChange change) {
        change.putGroup(next);
        return CommandResult.newBuilder().setGroup(next).build();
    }

    CommandResult delete(DeleteGroupRequest r, StateChange change) {
        GroupRecord g = groups.get(r.getGroup());
        List<CommittedOffset> offsets = r.getGroup().indexOf('\0') >= 0 ? List.of() : store.offsets(r.getGroup());
        if (g == null && offsets.isEmpty()) {
            return MetadataState.error(ErrorReason.UNKNOWN_GROUP, "group '" + r.getGroup()
                    + "' does not exist (it has no members and no committed offsets)");
        }
        if (g != null && g.getMembersCount() > 0) {
            return notEmpty(g, "deleted");
        }
        change.deleteGroup(r.getGroup());
        offsets.forEach(change::deleteOffset);
        return MetadataState.ok();
    }

    /** Recomputes the assignments of every group with members after topics changed. */
    void topicsChanged(Map<String, Integer> partitionCounts, StateChange change) {
        for (GroupRecord g : groups.values()) {
            GroupRecord next = GroupChanges.topicsChanged(g, partitionCounts);
            if (next != g) {
                change.putGroup(next);
            }
        }
    }

    /** Deletes every group's committed offsets of a deleted topic. */
    void topicDeleted(String topic, StateChange change) {
        for (CommittedOffset o : store.offsets(null)) {
            if (o.getTopic().equals(topic)) {
                change.deleteOffset(o);
            }
        }
    }

    /**
     * Applies a commit into {@code change}; {@code earlier} holds what the commands before it in
     * the same Raft entry wrote (for a single command, {@code change} itself).
     */
    CommandResult commitOffsets(CommitOffsetsCommand c, StateChange change, StateChange earlier) {
        if (c.getGroup().isEmpty() || c.getGroup().indexOf('\0') >= 0) {
            return MetadataState.error(ErrorReason.INVALID_ARGUMENT, "group id must be non-empty and free of NUL characters");
        }
        for (TopicPartitionOffset o : c.getOffsetsList()) {
            TopicRecord t = topics.apply(o.getTopic());
            if (t == null) {
                return MetadataState.error(ErrorReason.UNKNOWN_TOPIC, "topic '" + o.getTopic() + "' does not exist");
            }
            if (o.getPartition() < 0 || o.getPartition() >= t.getPartitionsCount()) {
                return MetadataState.error(ErrorReason.UNKNOWN_PARTITION, "topic '" + o.getTopic() + "' has "
                        + t.getPartitionsCount() + " partitions; partition " + o.getPartition() + " does not exist");
            }
            if (o.getOffset() < 0) {
                return MetadataState.error(ErrorReason.INVALID_ARGUMENT, "offset " + o.getOffset() + " for "
                        + o.getTopic() + "-" + o.getPartition() + " is negative");
            }
        }
        CommandResult fenced = fence(c);
        if (fenced != null) {
            return fenced;
        }
        for (TopicPartitionOffset o : c.getOffsetsList()) {
            if (!supersededFor(c, o, earlier)) {
                change.putOffset(CommittedOffset.newBuilder()
                        .setGroup(c.getGroup()).setTopic(o.getTopic()).setPartition(o.getPartition())
                        .setOffset(o.getOffset()).setMetadata(o.getMetadata())
                        .setCommitTimeMs(c.getCommitTimeMs())
                        .setMemberId(c.getMemberId()).setMemberCommitSequence(c.getMemberCommitSequence()).build());
            }
        }
        return MetadataState.ok();
    }

    /**
     * Whether the same member already wrote {@code o}'s partition with a later commit. A commit
     * whose call timed out can still reach the log after the member's next one (its proposal
     * went through another peer, or waited out a leader change); applying it would move the
     * offset backwards. It still answers ok: what it wanted is covered by what the member did since.
     * The same number again (a commit proposed twice, or a partition listed twice) applies: it is
     * the same commit.
     */
    private boolean supersededFor(CommitOffsetsCommand c, TopicPartitionOffset o, StateChange earlier) {
        if (c.getMemberCommitSequence() <= 0) {
            return false;
        }
        CommittedOffset last = earlier.offsetPut(c.getGroup(), o.getTopic(), o.getPartition());
        if (last == null) {
            last = store.offset(c.getGroup(), o.getTopic(), o.getPartition());
        }
        return last != null && last.getMemberId().equals(c.getMemberId())
                && last.getMemberCommitSequence() > c.getMemberCommitSequence();
    }

    /** Why a commit must be refused given the group's members, or null when it may go ahead. */
    private CommandResult fence(CommitOffsetsCommand c) {
        GroupRecord g = groups.get(c.getGroup());
        boolean hasMembers = g != null && g.getMembersCount() > 0;
        if (c.getRequireEmptyGroup() && hasMembers) {
            return notEmpty(g, "reset");
        }
        if (c.getMemberId().isEmpty()) {
            return hasMembers ? notEmpty(g, "committed outside a member's session") : null;
        }
        GroupMemberRecord m = g == null ? null : GroupChanges.find(g, c.getMemberId());
        if (m == null) {
            return MetadataState.error(ErrorReason.UNKNOWN_MEMBER,
                    GroupChanges.unknownMember(c.getGroup(), c.getMemberId()).getMessage());
        }
        Set<String> owned = new TreeSet<>();
        m.getOwnedList().forEach(tp -> owned.add(tp.getTopic() + "-" + tp.getPartition()));
        for (TopicPartitionOffset o : c.getOffsetsList()) {
            String name = o.getTopic() + "-" + o.getPartition();
            if (!owned.contains(name)) {
                return MetadataState.error(ErrorReason.STALE_MEMBER_EPOCH, "member '" + m.getMemberId() + "' of group '"
                        + c.getGroup() + "' does not own " + name + " (it was never assigned to it, or was revoked and"
                        + " released at member epoch " + m.getMemberEpoch() + "); the commit was refused so it cannot"
                        + " overwrite the new owner's progress");
            }
        }
        return null;
    }

    private static CommandResult notEmpty(GroupRecord g, String what) {
        return MetadataState.error(ErrorReason.GROUP_NOT_EMPTY, "group '" + g.getGroup() + "' has "
                + g.getMembersCount() + " active member(s) and cannot be " + what + "; stop its consumers (or wait"
                + " for their sessions to time out) and retry");
    }

    /** Puts the applied change's group records in memory. */
    void applied(StateChange change) {
        groups.putAll(change.groupPuts());
        change.groupDeletes().forEach(groups::remove);
    }

    GroupRecord group(String name) {
        return groups.get(name);
    }

    Collection<GroupRecord> all() {
        return groups.values();
    }

    /** A group's record; one without members when it only has offsets; null when neither exists. */
    GroupRecord describe(String name) {
        GroupRecord g = groups.get(name);
        if (g != null) {
            return g;
        }
        if (name.isEmpty() || name.indexOf('\0') >= 0 || store.offsets(name).isEmpty()) {
            return null;
        }
        return GroupRecord.newBuilder().setGroup(name).build();
    }

    /** A group's committed offsets, limited to {@code request}'s partitions when it names any. */
    List<TopicPartitionOffset> committedOffsets(FetchOffsetsRequest request) {
        List<TopicPartitionOffset> out = new ArrayList<>();
        if (request.getGroup().indexOf('\0') >= 0) {
            return out;
        }
        if (request.getPartitionsCount() == 0) {
            store.offsets(request.getGroup()).forEach(c -> out.add(toOffset(c)));
        } else {
            for (TopicPartition tp : request.getPartitionsList()) {
                CommittedOffset c = store.offset(request.getGroup(), tp.getTopic(), tp.getPartition());
                if (c != null) {
                    out.add(toOffset(c));
                }
            }
        }
        return out;
    }

    /** Every group with members or committed offsets, by name. */
    List<GroupListing> listings() {
        Map<String, GroupListing> out = new TreeMap<>();
        store.offsets(null).forEach(o -> out.put(o.getGroup(), GroupListing.newBuilder().setGroup(o.getGroup())
                .setState(GroupChanges.EMPTY).build()));
        groups.values().forEach(g -> out.put(g.getGroup(), GroupListing.newBuilder().setGroup(g.getGroup())
                .setState(GroupChanges.state(g)).setMembers(g.getMembersCount()).build()));
        return new ArrayList<>(out.values());
    }

    private static TopicPartitionOffset toOffset(CommittedOffset c) {
        return TopicPartitionOffset.newBuilder().setTopic(c.getTopic()).setPartition(c.getPartition())
                .setOffset(c.getOffset()).setMetadata(c.getMetadata()).build();
    }
}
