package io.strata.storage.partition;

import io.strata.common.error.Errors;
import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import io.strata.storage.log.PartitionLog;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * One partition replica on this node: its log and its role as the metadata service last
 * published it (leader or follower, and the leader epoch).
 *
 * <p>Replication is not implemented yet, so the high watermark is the leader's durable log
 * end: only the leader's copy holds data. The replication protocol replaces that.
 *
 * <p>Thread-safe: role fields are volatile; appends are serialised by the log.
 */
public final class PartitionReplica implements AutoCloseable {
    private final String topic;
    private final int partition;
    private final int nodeId;
    private final PartitionLog log;
    private volatile boolean leader;
    private volatile int leaderEpoch;
    /** Completed (and replaced) after every append, to wake long-polling reads. */
    private volatile CompletableFuture<Void> appended = new CompletableFuture<>();

    public PartitionReplica(String topic, int partition, int nodeId, PartitionLog log) {
        this.topic = topic;
        this.partition = partition;
        this.nodeId = nodeId;
        this.log = log;
    }

    /** Applies the role from the latest metadata image. */
    public void updateRole(boolean isLeader, int epoch) {
        this.leaderEpoch = epoch;
        this.leader = isLeader;
    }

    /** Checks that this replica leads (in any epoch); throws NOT_LEADER. */
    public void ensureLeader() {
        ensureLeader(leaderEpoch);
    }

    /** Checks that this replica leads at {@code requestEpoch}; throws NOT_LEADER / STALE_LEADER_EPOCH. */
    public void ensureLeader(int requestEpoch) {
        if (!leader) {
            throw Errors.notLeader(topic, partition, nodeId);
        }
        if (requestEpoch != leaderEpoch) {
            ErrorReason reason = requestEpoch < leaderEpoch ? ErrorReason.STALE_LEADER_EPOCH : ErrorReason.NOT_LEADER;
            throw new StrataException(reason, "request for " + topic + "-" + partition + " carries leader epoch "
                    + requestEpoch + " but node " + nodeId + " leads at epoch " + leaderEpoch);
        }
    }

    public int currentLeaderEpoch() {
        return leaderEpoch;
    }

    /** Appends as leader; completes once the data is as durable as the topic's flush policy asks. */
    public CompletableFuture<PartitionLog.AppendResult> append(ByteBuffer batches) {
        return log.appendAsync(batches, leaderEpoch).whenComplete((r, e) -> wakeReaders());
    }

    private void wakeReaders() {
        CompletableFuture<Void> waiting = appended;
        appended = new CompletableFuture<>();
        waiting.complete(null);
    }

    /** Completes once data beyond {@code offset} exists (at once if it already does). */
    public CompletableFuture<Void> dataAfter(long offset) {
        CompletableFuture<Void> next = appended;
        if (highWatermark() > offset) {
            return CompletableFuture.completedFuture(null);
        }
        return next;
    }

    public ByteString read(long offset, int maxBytes) {
        return log.read(offset, maxBytes, highWatermark());
    }

    /** Readers see only data that is on disk (as the flush policy defines it). */
    public long highWatermark() {
        return log.durableEndOffset();
    }

    public PartitionLog log() {
        return log;
    }

    public long logStartOffset() {
        return log.logStartOffset();
    }

    public long offsetForTimestamp(long timestamp) {
        return log.offsetForTimestamp(timestamp);
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    /** Wakes long-polling readers; the log itself is closed by its owner. */
    @Override
    public void close() {
        appended.complete(null);
    }
}
