package io.strata.gateway.consume;

import io.strata.common.error.Errors;
import io.strata.common.metadata.MetadataClient;
import io.strata.gateway.routing.MetadataCache;
import io.strata.proto.CommitOffsetsRequest;
import io.strata.proto.FetchOffsetsRequest;
import io.strata.proto.TopicPartition;
import io.strata.proto.TopicPartitionOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Committed group offsets, which live in the metadata service. Validates commits at the
 * edge (group, topic, partition, offset, each partition once) so the Raft log only sees sensible
 * commands.
 * Blocking calls; thread-safe.
 */
public final class GroupOffsets {
    private final MetadataClient metadata;
    private final MetadataCache cache;

    public GroupOffsets(MetadataClient metadata, MetadataCache cache) {
        this.metadata = metadata;
        this.cache = cache;
    }

    /**
     * Commits offsets as {@code memberId} (empty: outside any session, refused with GROUP_NOT_EMPTY
     * while the group has members; a member may commit only partitions it owns). {@code sequence}
     * numbers a session's commits from 1 up (0 outside a session): the metadata service then
     * skips this commit wherever a later one of the member got there first.
     */
    public void commit(String group, List<TopicPartitionOffset> offsets, String memberId, long sequence) {
        validateGroup(group);
        Set<TopicPartition> named = new HashSet<>();
        for (TopicPartitionOffset o : offsets) {
            cache.partition(o.getTopic(), o.getPartition());
            if (!named.add(TopicPartition.newBuilder().setTopic(o.getTopic()).setPartition(o.getPartition()).build())) {
                // Which of the two should win is a guess; refuse rather than store one of them.
                throw Errors.invalid(o.getTopic() + "-" + o.getPartition() + " appears twice in one commit;"
                        + " name each partition once");
            }
            if (o.getOffset() < 0) {
                throw Errors.invalid("offset " + o.getOffset() + " for " + o.getTopic() + "-" + o.getPartition()
                        + " is negative");
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        CommitOffsetsRequest request = CommitOffsetsRequest.newBuilder().setGroup(group).addAllOffsets(offsets)
                .setMemberId(memberId).setMemberCommitSequence(sequence).build();
        metadata.call(stub -> stub.commitOffsets(request));
    }

    /** Committed offsets of {@code partitions} (all of the group's when empty); missing ones are absent. */
    public Map<TopicPartition, Long> fetch(String group, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> out = new HashMap<>();
        for (TopicPartitionOffset o : fetchWithMetadata(group, partitions)) {
            out.put(TopicPartition.newBuilder().setTopic(o.getTopic()).setPartition(o.getPartition()).build(),
                    o.getOffset());
        }
        return out;
    }

    /** As {@link #fetch}, with each commit's metadata string; a linearizable read. */
    public List<TopicPartitionOffset> fetchWithMetadata(String group, Collection<TopicPartition> partitions) {
        validateGroup(group);
        FetchOffsetsRequest request = FetchOffsetsRequest.newBuilder().setGroup(group).addAllPartitions(partitions).build();
        return metadata.call(stub -> stub.fetchOffsets(request)).getOffsetsList();
    }

    public static void validateGroup(String group) {
        if (group == null || group.isBlank()) {
            throw Errors.invalid("group id is empty");
        }
        if (group.length() > 255) {
            throw Errors.invalid("group id is " + group.length() + " characters long; the limit is 255");
        }
    }
}
