package io.strata.gateway.consume;

import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import io.strata.proto.TopicPartition;
import io.strata.proto.internal.GroupHeartbeatRequest;
import io.strata.proto.internal.GroupHeartbeatResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's membership in its group: the heartbeat loop with the coordinator. It joins
 * (member epoch 0), then every heartbeat interval reports the partitions the session holds;
 * {@link #beatSoon} sends the next report at once (after a release). Heartbeats of one member
 * never overlap, and each report carries the member epoch of the last answer.
 *
 * <p>Answers are handed to the {@link Listener} on a link thread, one at a time and in order;
 * while it is busy (looking up where new partitions start) heartbeats go on, and only the newest
 * answer that arrived meanwhile is handed over next — each answer carries the whole assignment.
 * Reporting the newest epoch before the listener adopted its answer is safe: the session holds
 * (and reports) everything it may still use, and the coordinator only releases revoked partitions
 * a report leaves out.
 *
 * <p>Fencing: when the coordinator says the member is gone (UNKNOWN_MEMBER, STALE_MEMBER_EPOCH),
 * or when no heartbeat got through for a whole session timeout — measured from the sending of the
 * last answered one, so this side gives up no later than the coordinator can expire the member —
 * the listener is told to drop everything. Revocations the client has not released within a
 * session timeout are released before each heartbeat.
 *
 * <p>Thread-safe: state under this object's lock; the listener is called outside it.
 */
final class GroupMembership {
    private static final Logger log = LoggerFactory.getLogger(GroupMembership.class);

    /** The session side of a membership. Called on link threads. */
    interface Listener {
        /** Every partition the session holds: assigned, starting, and revoked but not yet released. */
        List<TopicPartition> held();

        /** Adopts an answer's assignment (may block while start positions are looked up). */
        void adopt(GroupHeartbeatResponse response);

        /** Releases partitions revoked before {@code nanos} (System.nanoTime) that the client never released. */
        void releaseRevokedBefore(long nanos);

        /** The member is no longer in the group: drop everything and end the session. */
        void fenced(StrataException why);
    }

    private final CoordinatorLink link;
    private final GroupHeartbeatRequest joinRequest;
    private final Listener listener;
    private final Duration joinTimeout;
    private int epoch;
    private long sessionTimeoutMs;
    private long intervalMs;
    private long lastAnsweredSendNanos;
    private boolean running;
    private boolean inFlight;
    private boolean again;
    private boolean adopting;
    private GroupHeartbeatResponse pending;
    private ScheduledFuture<?> next;
    private CompletableFuture<Void> left;

    /** @param joinRequest the join (member epoch 0, with identity and subscription) */
    GroupMembership(CoordinatorLink link, GroupHeartbeatRequest joinRequest, Listener listener, Duration joinTimeout) {
        this.link = link;
        this.joinRequest = joinRequest;
        this.listener = listener;
        this.joinTimeout = joinTimeout;
    }

    String memberId() {
        return joinRequest.getMemberId();
    }

    /** Joins the group and, once the coordinator answered, starts heartbeating; completes with that answer. */
    CompletableFuture<GroupHeartbeatResponse> join() {
        long sent = System.nanoTime();
        return link.heartbeat(joinRequest, joinTimeout).thenApply(r -> {
            synchronized (this) {
                if (left == null) {
                    epoch = r.getMemberEpoch();
                    sessionTimeoutMs = r.getSessionTimeoutMs();
                    intervalMs = r.getHeartbeatIntervalMs();
                    lastAnsweredSendNanos = sent;
                    running = true;
                    scheduleNext(intervalMs);
                    return r;
                }
            }
            sendLeave(); // the session ended while joining; the leave may have overtaken the join
            return r;
        });
    }

    /** Sends the next heartbeat now, or right after the one in flight. */
    synchronized void beatSoon() {
        if (!running) {
            return;
        }
        if (inFlight) {
            again = true;
        } else {
            scheduleNext(0);
        }
    }

    private void scheduleNext(long delayMs) {
        if (next != null) {
            next.cancel(false);
        }
        next = link.schedule(this::beat, delayMs);
    }

    private void beat() {
        long sent = System.nanoTime();
        long remainingNanos;
        int reportEpoch;
        synchronized (this) {
            if (!running || inFlight) {
                return;
            }
            inFlight = true;
            again = false;
            remainingNanos = lastAnsweredSendNanos + TimeUnit.MILLISECONDS.toNanos(sessionTimeoutMs) - sent;
            reportEpoch = epoch;
        }
        if (remainingNanos <= 0) {
            fence(new StrataException(ErrorReason.UNKNOWN_MEMBER, "the group coordinator could not be reached for"
                    + " the whole session timeout (" + sessionTimeoutMs + " ms), so member '" + memberId()
                    + "' was dropped; join again"));
            return;
        }
        listener.releaseRevokedBefore(sent - TimeUnit.MILLISECONDS.toNanos(sessionTimeoutMs));
        GroupHeartbeatRequest request = GroupHeartbeatRequest.newBuilder().setGroup(joinRequest.getGroup())
                .setMemberId(joinRequest.getMemberId()).setMemberEpoch(reportEpoch).addAllOwned(listener.held()).build();
        link.heartbeat(request, Duration.ofNanos(remainingNanos)).whenComplete((r, e) -> answered(sent, r, e));
    }

    private void answered(long sent, GroupHeartbeatResponse r, Throwable error) {
        if (error != null) {
            StrataException e = StrataException.from(error);
            if (e.reason() == ErrorReason.UNKNOWN_MEMBER || e.reason() == ErrorReason.STALE_MEMBER_EPOCH) {
                fence(e);
                return;
            }
            log.debug("heartbeat of member {} failed, retrying: {}", memberId(), e.toString());
        }
        synchronized (this) {
            inFlight = false;
            if (!running) {
                return;
            }
            if (error == null) {
                lastAnsweredSendNanos = sent;
                epoch = r.getMemberEpoch();
                intervalMs = r.getHeartbeatIntervalMs();
                sessionTimeoutMs = r.getSessionTimeoutMs();
            }
            scheduleNext(again ? 0 : intervalMs);
            if (error != null) {
                return;
            }
            if (adopting) {
                pending = r;
                return;
            }
            adopting = true;
        }
        if (!link.execute(() -> adoptInOrder(r))) {
            synchronized (this) {
                adopting = false;
            }
        }
    }

    /** Hands answers to the listener one at a time: this one, then the newest that arrived meanwhile. */
    private void adoptInOrder(GroupHeartbeatResponse first) {
        GroupHeartbeatResponse r = first;
        while (r != null) {
            try {
                listener.adopt(r);
            } catch (RuntimeException e) {
                log.warn("member {} could not adopt its assignment", memberId(), e);
            }
            synchronized (this) {
                r = running ? pending : null;
                pending = null;
                if (r == null) {
                    adopting = false;
                }
            }
        }
    }

    private void fence(StrataException why) {
        synchronized (this) {
            inFlight = false;
            if (!running) {
                return;
            }
            running = false;
            if (next != null) {
                next.cancel(false);
            }
        }
        log.info("member {} of group '{}' is no longer in the group: {}", memberId(), joinRequest.getGroup(),
                why.getMessage());
        listener.fenced(why);
    }

    /** Stops heartbeating and leaves the group (once; later calls return the same future). Never fails. */
    synchronized CompletableFuture<Void> leave() {
        if (left == null) {
            running = false;
            if (next != null) {
                next.cancel(false);
            }
            left = sendLeave();
        }
        return left;
    }

    private CompletableFuture<Void> sendLeave() {
        GroupHeartbeatRequest leave = GroupHeartbeatRequest.newBuilder().setGroup(joinRequest.getGroup())
                .setMemberId(joinRequest.getMemberId()).setMemberEpoch(-1).build();
        return link.heartbeat(leave, joinTimeout).handle((r, e) -> {
            if (e != null) {
                log.info("member {} could not leave group '{}' ({}); its session will time out", memberId(),
                        joinRequest.getGroup(), StrataException.from(e).getMessage());
            }
            return null;
        });
    }
}
