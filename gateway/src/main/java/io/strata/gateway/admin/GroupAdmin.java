package io.strata.gateway.admin;

import io.strata.common.error.Errors;
import io.strata.common.metadata.MetadataClient;
import io.strata.gateway.consume.GroupOffsets;
import io.strata.gateway.consume.PartitionReader;
import io.strata.gateway.routing.MetadataCache;
import io.strata.proto.CommitOffsetsRequest;
import io.strata.proto.DeleteGroupRequest;
import io.strata.proto.DescribeGroupRequest;
import io.strata.proto.GroupDescription;
import io.strata.proto.ListGroupsRequest;
import io.strata.proto.ListGroupsResponse;
import io.strata.proto.OffsetSpec;
import io.strata.proto.PartitionLag;
import io.strata.proto.ResetGroupOffsetsRequest;
import io.strata.proto.ResetGroupOffsetsResponse;
import io.strata.proto.TopicPartitionOffset;
import io.strata.proto.internal.TopicRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The consumer-group half of the Admin API. Listings and descriptions (members, assignments,
 * epochs, state) come from the group coordinator; committed offsets get their lag from the
 * partition leaders' high watermarks. Resets compute the new offsets here — earliest, latest, an
 * exact offset moved into the retained range, or the first offset at a timestamp from the storage
 * nodes' time index — and store them with one write that the metadata service refuses while the
 * group has members. Blocking calls; thread-safe.
 */
final class GroupAdmin {
    private final MetadataClient metadata;
    private final MetadataCache cache;
    private final GroupOffsets offsets;
    private final PartitionReader reader;

    GroupAdmin(MetadataClient metadata, MetadataCache cache, GroupOffsets offsets, PartitionReader reader) {
        this.metadata = metadata;
        this.cache = cache;
        this.offsets = offsets;
        this.reader = reader;
    }

    ListGroupsResponse list(ListGroupsRequest request) {
        return metadata.call(stub -> stub.listGroups(request));
    }

    GroupDescription describe(String group) {
        GroupOffsets.validateGroup(group);
        GroupDescription members = metadata.call(stub -> stub.describeGroup(DescribeGroupRequest.newBuilder()
                .setGroup(group).build()));
        List<TopicPartitionOffset> committed = offsets.fetchWithMetadata(group, List.of());
        List<CompletableFuture<Long>> watermarks = new ArrayList<>();
        for (TopicPartitionOffset o : committed) {
            watermarks.add(reader.listOffset(o.getTopic(), o.getPartition(), OffsetSpec.OFFSET_SPEC_LATEST, 0)
                    .exceptionally(e -> -1L));
        }
        GroupDescription.Builder b = members.toBuilder().clearOffsets();
        for (int i = 0; i < committed.size(); i++) {
            TopicPartitionOffset o = committed.get(i);
            long hw = watermarks.get(i).join();
            b.addOffsets(PartitionLag.newBuilder().setTopic(o.getTopic()).setPartition(o.getPartition())
                    .setCommitted(o.getOffset()).setMetadata(o.getMetadata()).setHighWatermark(hw)
                    .setLag(hw < 0 ? -1 : Math.max(0, hw - o.getOffset())));
        }
        return b.build();
    }

    void delete(String group) {
        GroupOffsets.validateGroup(group);
        metadata.call(stub -> stub.deleteGroup(DeleteGroupRequest.newBuilder().setGroup(group).build()));
    }

    ResetGroupOffsetsResponse reset(ResetGroupOffsetsRequest r) {
        GroupOffsets.validateGroup(r.getGroup());
        TopicRecord topic = cache.topic(r.getTopic());
        List<Integer> partitions = MetadataCache.partitionsOrAll(topic, r.getPartitionsList());
        Map<Integer, CompletableFuture<Long>> targets = new TreeMap<>();
        for (int p : partitions) {
            targets.put(p, target(r, p));
        }
        List<TopicPartitionOffset> reset = new ArrayList<>();
        targets.forEach((p, f) -> reset.add(TopicPartitionOffset.newBuilder().setTopic(r.getTopic()).setPartition(p)
                .setOffset(f.join()).build()));
        if (!r.getDryRun()) {
            metadata.call(stub -> stub.resetGroupOffsets(CommitOffsetsRequest.newBuilder().setGroup(r.getGroup())
                    .addAllOffsets(reset).build()));
        }
        return ResetGroupOffsetsResponse.newBuilder().addAllOffsets(reset).build();
    }

    /** The offset one partition is reset to. */
    private CompletableFuture<Long> target(ResetGroupOffsetsRequest r, int p) {
        String t = r.getTopic();
        return switch (r.getTo()) {
            case OFFSET_SPEC_EARLIEST, OFFSET_SPEC_LATEST -> reader.listOffset(t, p, r.getTo(), 0);
            case OFFSET_SPEC_TIMESTAMP -> {
                if (r.getValue() < 0) {
                    throw Errors.invalid("timestamp " + r.getValue() + " is negative; give ms since the epoch");
                }
                yield reader.listOffset(t, p, OffsetSpec.OFFSET_SPEC_TIMESTAMP, r.getValue());
            }
            case OFFSET_SPEC_UNSPECIFIED -> {
                if (r.getValue() < 0) {
                    throw Errors.invalid("offset " + r.getValue() + " is negative");
                }
                CompletableFuture<Long> earliest = reader.listOffset(t, p, OffsetSpec.OFFSET_SPEC_EARLIEST, 0);
                CompletableFuture<Long> latest = reader.listOffset(t, p, OffsetSpec.OFFSET_SPEC_LATEST, 0);
                yield earliest.thenCombine(latest, (lo, hi) -> Math.max(lo, Math.min(hi, r.getValue())));
            }
            case UNRECOGNIZED -> throw Errors.invalid("reset target " + r.getToValue()
                    + " is unknown; use EARLIEST, LATEST, TIMESTAMP or UNSPECIFIED (an exact offset)");
        };
    }
}
