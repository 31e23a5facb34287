package io.strata.testkit;

import io.strata.common.error.StrataException;
import io.strata.common.metadata.MetadataClient;
import io.strata.proto.ErrorReason;
import io.strata.proto.TopicPartition;
import io.strata.proto.internal.GroupHeartbeatRequest;
import io.strata.proto.internal.GroupHeartbeatResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A group member speaking the coordinator's heartbeat protocol directly, as a gateway does for a
 * session: join (member epoch 0), then report what it owns at the interval the coordinator asks
 * for — at once after letting go of revoked partitions — and leave (-1), or crash (just stop).
 * It records in an {@link OwnershipHistory} when it starts and stops using each partition.
 */
final class SimulatedMember implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SimulatedMember.class);

    private final MetadataClient metadata;
    private final String group;
    private final String id;
    private final int sessionTimeoutMs;
    private final OwnershipHistory history;
    private final Set<TopicPartition> owned = new TreeSet<>(SimulatedMember::compare);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean removed;
    private int epoch;
    private long intervalMs = 100;
    /** When the last heartbeat that got an answer was sent: the coordinator saw the member after that. */
    private volatile long lastAnsweredSendNanos;

    SimulatedMember(MetadataClient metadata, String group, String id, int sessionTimeoutMs, OwnershipHistory history) {
        this.metadata = metadata;
        this.group = group;
        this.id = id;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.history = history;
        this.thread = new Thread(this::run, "member-" + id);
        thread.setDaemon(true);
    }

    /** Joins (blocking) and starts heartbeating. */
    SimulatedMember start() {
        apply(call(GroupHeartbeatRequest.newBuilder().setGroup(group).setMemberId(id).setMemberEpoch(0)
                .setClientId("sim-" + id).setGateway("test").addTopics("orders").setSessionTimeoutMs(sessionTimeoutMs)
                .build()));
        thread.start();
        return this;
    }

    String id() {
        return id;
    }

    synchronized int ownedCount() {
        return owned.size();
    }

    boolean removed() {
        return removed;
    }

    long lastAnsweredSendNanos() {
        return lastAnsweredSendNanos;
    }

    private void run() {
        while (running) {
            boolean releasedSome;
            try {
                GroupHeartbeatRequest beat;
                synchronized (this) {
                    beat = GroupHeartbeatRequest.newBuilder().setGroup(group).setMemberId(id).setMemberEpoch(epoch)
                            .addAllOwned(owned).build();
                }
                releasedSome = apply(call(beat));
            } catch (StrataException e) {
                if (e.reason() == ErrorReason.UNKNOWN_MEMBER) {
                    log.warn("member {} was removed from the group: {}", id, e.getMessage());
                    stopUsingEverything();
                    removed = true;
                    return;
                }
                log.info("heartbeat of {} failed, retrying: {}", id, e.toString());
                releasedSome = false;
            }
            if (!releasedSome) {
                sleep(intervalMs);
            }
        }
    }

    /** Adopts an answer: stops using revoked partitions, starts using granted ones. True when something was revoked. */
    private synchronized boolean apply(GroupHeartbeatResponse r) {
        if (!running) {
            return false;
        }
        Set<TopicPartition> next = new TreeSet<>(SimulatedMember::compare);
        next.addAll(r.getAssignmentList());
        List<TopicPartition> revoked = new ArrayList<>(owned);
        revoked.removeAll(next);
        List<TopicPartition> granted = new ArrayList<>(next);
        granted.removeAll(owned);
        history.released(id, names(revoked));
        history.acquired(id, names(granted));
        owned.clear();
        owned.addAll(next);
        epoch = r.getMemberEpoch();
        intervalMs = r.getHeartbeatIntervalMs();
        return !revoked.isEmpty();
    }

    private GroupHeartbeatResponse call(GroupHeartbeatRequest r) {
        long sent = System.nanoTime();
        GroupHeartbeatResponse answer = metadata.call(stub -> stub.groupHeartbeat(r));
        lastAnsweredSendNanos = sent;
        return answer;
    }

    /** Stops heartbeating and leaves the group (having stopped using its partitions first). */
    void leave() {
        halt();
        stopUsingEverything();
        call(GroupHeartbeatRequest.newBuilder().setGroup(group).setMemberId(id).setMemberEpoch(-1).build());
    }

    /** Stops dead, as a crashed process: it uses nothing any more and says nothing to the coordinator. */
    void crash() {
        halt();
        stopUsingEverything();
    }

    private void halt() {
        running = false;
        thread.interrupt();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void stopUsingEverything() {
        history.released(id, names(owned));
        owned.clear();
    }

    private static List<String> names(java.util.Collection<TopicPartition> tps) {
        return tps.stream().map(tp -> tp.getTopic() + "-" + tp.getPartition()).toList();
    }

    private static int compare(TopicPartition a, TopicPartition b) {
        int c = a.getTopic().compareTo(b.getTopic());
        return c != 0 ? c : Integer.compare(a.getPartition(), b.getPartition());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (running) {
            halt();
        }
    }
}
