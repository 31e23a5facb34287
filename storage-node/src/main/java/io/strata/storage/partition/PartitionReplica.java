package io.strata.storage.partition;

import com.google.protobuf.ByteString;
import io.strata.common.error.Errors;
import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import io.strata.storage.log.LeaderEpochCache;
import io.strata.storage.log.PartitionLog;
import io.strata.storage.replication.HighWatermark;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One partition replica on this node: its log and its role as the metadata service last
 * published it — leader (appends, serves reads and follower fetches, owns the high watermark)
 * or follower (appends what it fetched from the leader).
 *
 * <p>Consumers only ever see offsets below the high watermark: the smallest durable log end
 * over the ISR ({@link HighWatermark}), learned from the leader when following.
 *
 * <p>Thread-safe: the role is one immutable value swapped atomically; appends are serialised
 * by the log.
 */
public final class PartitionReplica implements AutoCloseable {
    private final String topic;
    private final String topicId;
    private final int partition;
    private final int nodeId;
    private final PartitionLog log;
    private volatile Role role;
    private volatile int minInsyncReplicas = 1;
    /** The HW as a follower last learned it (a new leader starts from it). */
    private volatile long followerHw;
    /** Completed (and replaced) when the HW moves or the role changes: wakes consumers' long polls. */
    private volatile CompletableFuture<Void> changed = new CompletableFuture<>();
    /** Completed (and replaced) when the log end grows: wakes followers' fetches, before any fsync. */
    private volatile CompletableFuture<Void> appended = new CompletableFuture<>();

    /**
     * Who this replica is in its partition right now.
     *
     * @param epochStart for a leader, its log end when it took this epoch (every acknowledged
     *                   record lies below it); -1 for a follower
     */
    public record Role(boolean leader, int epoch, int partitionEpoch, int leaderId, List<Integer> replicas,
                       HighWatermark hw, long epochStart) {
    }

    /**
     * @param checkpointedHw the high watermark this replica had when its node last checkpointed
     *                       it (0 when unknown); clamped to the log, it is where leadership starts
     */
    public PartitionReplica(String topic, String topicId, int partition, int nodeId, PartitionLog log,
                            long checkpointedHw) {
        this.topic = topic;
        this.topicId = topicId;
        this.partition = partition;
        this.nodeId = nodeId;
        this.log = log;
        this.role = new Role(false, -1, -1, -1, List.of(), null, -1);
        this.followerHw = Math.max(log.logStartOffset(), Math.min(checkpointedHw, log.logEndOffset()));
        log.limitRetentionTo(this::highWatermark);
    }

    /**
     * Applies the role from the latest metadata image. Becoming leader (or a new epoch) starts a
     * fresh high watermark from what was known; losing leadership fails waiting acks=all appends.
     */
    public synchronized void updateRole(boolean isLeader, int epoch, int partitionEpoch, int leaderId,
                                        List<Integer> replicas, List<Integer> isr) {
        Role old = role;
        if (epoch < old.epoch() || (epoch == old.epoch() && partitionEpoch < old.partitionEpoch())) {
            // A stale image (from a lagging metadata peer, or one that raced an AlterPartition reply)
            // must not hand back a leadership the controller already moved on.
            return;
        }
        if (isLeader) {
            if (old.leader() && old.epoch() == epoch) {
                if (partitionEpoch >= old.partitionEpoch()) {
                    old.hw().updateIsr(new HashSet<>(isr));
                    role = new Role(true, epoch, partitionEpoch, leaderId, replicas, old.hw(), old.epochStart());
                }
                return;
            }
            long start = Math.max(log.logStartOffset(),
                    Math.min(old.leader() ? old.hw().value() : followerHw, log.logEndOffset()));
            HighWatermark hw = new HighWatermark(nodeId, new HashSet<>(isr), start, v -> wake());
            role = new Role(true, epoch, partitionEpoch, leaderId, replicas, hw, log.logEndOffset());
            hw.leaderDurable(log.durableEndOffset());
        } else {
            role = new Role(false, epoch, partitionEpoch, leaderId, replicas, null, -1);
        }
        if (old.leader() && (!isLeader || old.epoch() != epoch)) {
            followerHw = old.hw().value();
            old.hw().abandon(Errors.notLeader(topic, partition, nodeId));
        }
        wake();
    }

    public Role role() {
        return role;
    }

    /** Applies a partition record the metadata service returned (an accepted ISR change). */
    public void applyPartitionRecord(io.strata.proto.internal.PartitionRecord p) {
        updateRole(p.getLeader() == nodeId, p.getLeaderEpoch(), p.getPartitionEpoch(), p.getLeader(),
                p.getReplicasList(), p.getIsrList());
    }

    public int minInsyncReplicas() {
        return minInsyncReplicas;
    }

    public void setMinInsyncReplicas(int n) {
        this.minInsyncReplicas = n;
    }

    /** Checks that this replica leads (in any epoch); throws NOT_LEADER. */
    public Role ensureLeader() {
        Role r = role;
        if (!r.leader()) {
            throw Errors.notLeader(topic, partition, nodeId);
        }
        return r;
    }

    /** Checks that this replica leads at {@code requestEpoch}; throws NOT_LEADER / STALE_LEADER_EPOCH. */
    public Role ensureLeader(int requestEpoch) {
        Role r = ensureLeader();
        if (requestEpoch != r.epoch()) {
            ErrorReason reason = requestEpoch < r.epoch() ? ErrorReason.STALE_LEADER_EPOCH : ErrorReason.NOT_LEADER;
            throw new StrataException(reason, "request for " + topic + "-" + partition + " carries leader epoch "
                    + requestEpoch + " but node " + nodeId + " leads at epoch " + r.epoch());
        }
        return r;
    }

    public int currentLeaderEpoch() {
        return role.epoch();
    }

    /**
     * Appends as leader. Completes once the data is as durable as the flush policy asks; with
     * {@code waitForIsr}, only once the high watermark passed it (acks=all).
     */
    public CompletableFuture<PartitionLog.AppendResult> append(ByteBuffer batches, boolean waitForIsr) {
        Role r = ensureLeader();
        CompletableFuture<PartitionLog.AppendResult> durable = log.appendAsync(batches, r.epoch());
        // The data is written (page cache): followers may copy it while the leader's fsync runs.
        wakeFollowers();
        CompletableFuture<PartitionLog.AppendResult> written = durable.whenComplete((res, e) -> {
            if (e == null) {
                r.hw().leaderDurable(log.durableEndOffset());
            }
        });
        if (!waitForIsr) {
            return written;
        }
        // Like Kafka, min.insync.replicas is checked again once the HW passed the append: had the ISR
        // shrunk meanwhile, the HW may have moved with fewer copies than the topic asks for.
        return written.thenCompose(res -> r.hw().awaitAbove(res.lastOffset()).thenApply(v -> {
            if (r.hw().isr().size() < minInsyncReplicas) {
                throw notEnoughReplicas(r, "the records were written but are not acknowledged");
            }
            return res;
        }));
    }

    /** NOT_ENOUGH_REPLICAS for an acks=all append: the ISR of {@code r} is below min.insync.replicas. */
    public StrataException notEnoughReplicas(Role r, String outcome) {
        return new StrataException(ErrorReason.NOT_ENOUGH_REPLICAS, topic + "-" + partition + " has "
                + r.hw().isr().size() + " in-sync replicas " + r.hw().isr() + " but min.insync.replicas is "
                + minInsyncReplicas + "; " + outcome + ". Retry once the other replicas are back in sync, or write"
                + " with acks=1");
    }

    /** Appends batches fetched from the leader; completes when they are durable per the flush policy. */
    public CompletableFuture<PartitionLog.AppendResult> appendAsFollower(ByteBuffer batches, long leaderHw) {
        return log.appendAsFollower(batches).whenComplete((res, e) -> {
            followerHw = Math.min(leaderHw, log.logEndOffset());
            wake();
        });
    }

    /**
     * Empties the log and restarts it at the leader's log start (this follower's next offset is
     * gone there). Everything below that start was committed, so it is the high watermark too.
     */
    public void truncateFullyAndStartAt(long leaderLogStart) {
        log.truncateFullyAndStartAt(leaderLogStart);
        followerHw = leaderLogStart;
    }

    /** Records the leader's HW when a fetch brought no data. */
    public void learnHighWatermark(long leaderHw) {
        followerHw = Math.min(leaderHw, log.logEndOffset());
    }

    private void wake() {
        CompletableFuture<Void> waiting = changed;
        changed = new CompletableFuture<>();
        waiting.complete(null);
        wakeFollowers();
    }

    private void wakeFollowers() {
        CompletableFuture<Void> waiting = appended;
        appended = new CompletableFuture<>();
        waiting.complete(null);
    }

    /** Completes once readable data beyond {@code offset} exists (at once if it already does), or on any change. */
    public CompletableFuture<Void> dataAfter(long offset) {
        CompletableFuture<Void> next = changed;
        if (highWatermark() > offset) {
            return CompletableFuture.completedFuture(null);
        }
        return next;
    }

    /** Completes once the log end is beyond {@code offset} (for follower long polls), or on any change. */
    public CompletableFuture<Void> logEndAfter(long offset) {
        CompletableFuture<Void> next = appended;
        if (log.logEndOffset() > offset) {
            return CompletableFuture.completedFuture(null);
        }
        return next;
    }

    /** Reads for consumers: only below the high watermark. */
    public ByteString read(long offset, int maxBytes) {
        return log.read(offset, maxBytes, highWatermark());
    }

    /** Consumers see only offsets below this. */
    public long highWatermark() {
        Role r = role;
        return r.leader() ? r.hw().value() : followerHw;
    }

    /**
     * The high watermark to give clients that ask where the log ends (ListOffsets), which must
     * never go backwards. A new leader learned the previous leader's HW one fetch late, so its own
     * may start below offsets clients already saw; until it reaches {@link Role#epochStart} (which
     * every acknowledged record lies below) this answers LEADER_NOT_AVAILABLE, which gateways
     * retry, rather than a smaller number (the rule of Kafka's KIP-207).
     */
    public long settledHighWatermark() {
        Role r = ensureLeader();
        long hw = r.hw().value();
        if (hw < r.epochStart()) {
            throw new StrataException(ErrorReason.LEADER_NOT_AVAILABLE, topic + "-" + partition + ": leader " + nodeId
                    + " took epoch " + r.epoch() + " at log end " + r.epochStart() + " and its high watermark (" + hw
                    + ") has not caught up to it yet; retry shortly");
        }
        return hw;
    }

    public long logStartOffset() {
        return log.logStartOffset();
    }

    public long offsetForTimestamp(long timestamp) {
        return log.offsetForTimestamp(timestamp);
    }

    public LeaderEpochCache.EpochEnd endOffsetForEpoch(int epoch) {
        return log.endOffsetForEpoch(epoch);
    }

    public PartitionLog log() {
        return log;
    }

    public String topic() {
        return topic;
    }

    public String topicId() {
        return topicId;
    }

    /** The high watermark to checkpoint: never past this replica's own log end. */
    public long checkpointableHighWatermark() {
        return Math.min(highWatermark(), log.logEndOffset());
    }

    public int partition() {
        return partition;
    }

    public int nodeId() {
        return nodeId;
    }

    /** Wakes long-polling readers and fails waiting appends; the log itself is closed by its owner. */
    @Override
    public void close() {
        Role r = role;
        if (r.leader()) {
            r.hw().abandon(Errors.notLeader(topic, partition, nodeId));
        }
        changed.complete(null);
        appended.complete(null);
    }
}
