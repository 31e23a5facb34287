package io.strata.gateway.consume;

import io.strata.proto.OffsetReset;
import io.strata.proto.OffsetSpec;
import io.strata.proto.TopicPartition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a member starts reading partitions newly given to it: the group's committed offset
 * (a linearizable read, so it sees a commit the previous owner made before releasing the
 * partition), else what {@code auto_offset_reset} chooses — the log start, the high watermark,
 * or, for NONE, no position until the client seeks. Thread-safe.
 */
final class StartPositions {
    private final GroupOffsets offsets;
    private final PartitionReader reader;

    StartPositions(GroupOffsets offsets, PartitionReader reader) {
        this.offsets = offsets;
        this.reader = reader;
    }

    /** Start offsets of {@code partitions} ({@link SessionAssignment#NO_POSITION} where a seek is needed). */
    CompletableFuture<Map<TopicPartition, Long>> resolve(String group, Collection<TopicPartition> partitions,
                                                         OffsetReset reset) {
        if (partitions.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        Map<TopicPartition, Long> start = new ConcurrentHashMap<>(offsets.fetch(group, partitions));
        List<CompletableFuture<Void>> lookups = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            if (start.containsKey(tp)) {
                continue;
            }
            switch (reset) {
                case OFFSET_RESET_NONE -> start.put(tp, SessionAssignment.NO_POSITION);
                case OFFSET_RESET_EARLIEST -> lookups.add(lookup(tp, OffsetSpec.OFFSET_SPEC_EARLIEST, start));
                default -> lookups.add(lookup(tp, OffsetSpec.OFFSET_SPEC_LATEST, start));
            }
        }
        return CompletableFuture.allOf(lookups.toArray(new CompletableFuture[0])).thenApply(v -> Map.copyOf(start));
    }

    private CompletableFuture<Void> lookup(TopicPartition tp, OffsetSpec spec, Map<TopicPartition, Long> into) {
        return reader.listOffset(tp.getTopic(), tp.getPartition(), spec, 0).thenAccept(o -> into.put(tp, o));
    }
}
