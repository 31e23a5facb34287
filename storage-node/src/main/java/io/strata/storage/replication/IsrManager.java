package io.strata.storage.replication;

import io.strata.common.error.StrataException;
import io.strata.common.metadata.MetadataClient;
import io.strata.proto.internal.AlterPartitionRequest;
import io.strata.proto.internal.PartitionRecord;
import io.strata.storage.partition.PartitionReplica;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the ISR of every partition this node leads in line with {@link IsrPolicy}: it asks the
 * metadata service to shrink or expand it through AlterPartition, carrying the leader and
 * partition epochs so a request based on an outdated record is rejected. One request per
 * partition is in flight at a time; the accepted ISR applies at once and comes back through the
 * metadata image as well. While an expansion is in flight the high watermark also waits for the
 * joining replicas, since the controller may commit it (and later elect one of them) before
 * this node hears back.
 *
 * <p>Run {@link #check} periodically from one thread.
 */
public final class IsrManager {
    private static final Logger log = LoggerFactory.getLogger(IsrManager.class);

    private final int nodeId;
    private final MetadataClient metadata;
    private final Supplier<Collection<PartitionReplica>> replicas;
    private final long lagMaxMs;
    private final IntPredicate live;
    private final Set<PartitionReplica> pending = ConcurrentHashMap.newKeySet();
    private final Consumer<Boolean> changed;

    /**
     * @param live    whether a node is live (not fenced, not shutting down) in the latest metadata
     * @param changed told of every accepted ISR change: true when it grew, false when it shrank (metrics)
     */
    public IsrManager(int nodeId, MetadataClient metadata, Supplier<Collection<PartitionReplica>> replicas,
                      long lagMaxMs, IntPredicate live, Consumer<Boolean> changed) {
        this.changed = changed;
        this.live = live;
        this.nodeId = nodeId;
        this.metadata = metadata;
        this.replicas = replicas;
        this.lagMaxMs = lagMaxMs;
    }

    /** Proposes every needed ISR change once. */
    public void check() {
        long now = System.currentTimeMillis();
        for (PartitionReplica replica : replicas.get()) {
            PartitionReplica.Role role = replica.role();
            if (!role.leader() || pending.contains(replica)) {
                continue;
            }
            HighWatermark hw = role.hw();
            Set<Integer> desired = IsrPolicy.desiredIsr(nodeId, role.replicas(), hw.isr(), hw.followers(), hw.value(),
                    hw.leaderSinceMs(), now, lagMaxMs, live);
            if (!desired.equals(new HashSet<>(hw.isr()))) {
                propose(replica, role, desired);
            }
        }
    }

    private void propose(PartitionReplica replica, PartitionReplica.Role role, Set<Integer> desired) {
        pending.add(replica);
        boolean expands = !role.hw().isr().containsAll(desired);
        if (expands) {
            role.hw().expansionPending(desired);
        }
        try {
            AlterPartitionRequest request = AlterPartitionRequest.newBuilder().setTopic(replica.topic())
                    .setPartition(replica.partition()).setLeaderId(nodeId).setLeaderEpoch(role.epoch())
                    .setPartitionEpoch(role.partitionEpoch()).addAllNewIsr(desired).build();
            PartitionRecord accepted = metadata.call(stub -> stub.alterPartition(request));
            log.info("{}-{}: ISR {} -> {}", replica.topic(), replica.partition(), role.hw().isr(), accepted.getIsrList());
            if (accepted.getIsrCount() != role.hw().isr().size()) {
                changed.accept(accepted.getIsrCount() > role.hw().isr().size());
            }
            replica.applyPartitionRecord(accepted);
        } catch (StrataException e) {
            log.info("{}-{}: ISR change to {} refused: {}", replica.topic(), replica.partition(), desired, e.getMessage());
        } finally {
            if (expands) {
                role.hw().expansionDecided();
            }
            pending.remove(replica);
        }
    }
}
