package io.strata.metadata.groups;

import io.strata.common.error.Errors;
import io.strata.common.error.StrataException;
import io.strata.common.topic.TopicNames;
import io.strata.proto.ErrorReason;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.GroupHeartbeatRequest;
import io.strata.proto.internal.GroupHeartbeatResponse;
import io.strata.proto.internal.GroupJoinCommand;
import io.strata.proto.internal.GroupLeaveCommand;
import io.strata.proto.internal.GroupMemberRecord;
import io.strata.proto.internal.GroupRecord;
import io.strata.proto.internal.GroupReleaseCommand;
import io.strata.proto.internal.MetadataCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer-group coordinator, run by the metadata Raft leader in the manner of Kafka's
 * KIP-848 protocol: members heartbeat, the server computes assignments, and partitions move by
 * incremental revocation.
 *
 * <p>What is Raft state and what is not: membership, the group epoch, each member's target and
 * owned partitions are replicated ({@link GroupRecord}, changed only by applying commands through
 * {@link GroupChanges}), so a new leader continues every group where the old one stopped. The
 * time of each member's last heartbeat is kept here in memory; a heartbeat that changes nothing
 * is answered without touching Raft. Raft writes happen for a join (heartbeat with member epoch
 * 0), a leave (-1), an expiry (a member silent for its session timeout), and a release (a member
 * reporting that it no longer owns partitions revoked from it, at its current member epoch).
 *
 * <p>Leadership: heartbeats are served only while this peer leads and has applied its term's
 * first entry; other peers answer METADATA_UNAVAILABLE and the caller moves on. Whenever this
 * peer (re)gains leadership every member gets one full session timeout from that moment, since
 * its heartbeats went to the previous leader.
 *
 * <p>Threading: {@link #heartbeat} runs on gRPC threads, {@link #tick} on the coordinator's own
 * scheduler thread; shared state is in concurrent maps and volatile fields.
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);

    /** Session timeout when the member asks for none (Kafka's default). */
    public static final int DEFAULT_SESSION_TIMEOUT_MS = 45_000;
    public static final int MIN_SESSION_TIMEOUT_MS = 1_000;
    public static final int MAX_SESSION_TIMEOUT_MS = 30 * 60_000;
    public static final int MAX_GROUP_ID_LENGTH = 255;
    private static final long TICK_MS = 100;
    /** Longer than any join takes to be written, so an entry not in any group after it is stale. */
    private static final long FORGET_NANOS = TimeUnit.MINUTES.toNanos(1);

    private record MemberKey(String group, String member) {
    }

    private final String peerId;
    private final long heartbeatIntervalMs;
    private final BooleanSupplier isReadyLeader;
    private final Function<String, GroupRecord> group;
    private final Supplier<List<GroupRecord>> groups;
    private final Function<MetadataCommand, CompletableFuture<CommandResult>> propose;
    private final LongSupplier nanoClock;
    private final Map<MemberKey, Long> lastSeen = new ConcurrentHashMap<>();
    private final Set<MemberKey> expiring = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scheduler;
    private volatile boolean leading;

    /**
     * @param heartbeatInterval how often members heartbeat (at most a third of their session timeout)
     * @param isReadyLeader     whether this peer leads the Raft group and has applied its term's first entry
     * @param group             a group's record as this peer applied it, or null
     * @param groups            every group record as this peer applied it
     * @param propose           submits a command to Raft; fails with the command's error
     */
    public GroupCoordinator(String peerId, Duration heartbeatInterval, BooleanSupplier isReadyLeader,
                            Function<String, GroupRecord> group, Supplier<List<GroupRecord>> groups,
                            Function<MetadataCommand, CompletableFuture<CommandResult>> propose, LongSupplier nanoClock) {
        this.peerId = peerId;
        this.heartbeatIntervalMs = heartbeatInterval.toMillis();
        this.isReadyLeader = isReadyLeader;
        this.group = group;
        this.groups = groups;
        this.propose = propose;
        this.nanoClock = nanoClock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "group-coordinator-" + peerId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts checking sessions every 100 ms. */
    public GroupCoordinator start() {
        scheduler.scheduleWithFixedDelay(this::tickSafely, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Called from Ratis (any thread) when the Raft leader changed: sessions are re-granted on the next tick. */
    public void onLeaderChanged() {
        leading = false;
        scheduler.execute(this::tickSafely);
    }

    /**
     * Handles one heartbeat: a join (member epoch 0), a leave (-1), or a member's periodic report
     * of what it owns. Completes with the member's assignment, or fails with UNKNOWN_MEMBER (not in
     * the group: it left or expired), STALE_MEMBER_EPOCH, INVALID_ARGUMENT, or METADATA_UNAVAILABLE
     * on a peer that is not the ready leader.
     */
    public CompletableFuture<GroupHeartbeatResponse> heartbeat(GroupHeartbeatRequest r) {
        if (!isReadyLeader.getAsBoolean()) {
            throw Errors.metadataUnavailable("peer " + peerId + " is not the Raft leader; group heartbeats go to the leader");
        }
        validateGroupId(r.getGroup());
        if (r.getMemberId().isBlank()) {
            throw Errors.invalid("member id is empty");
        }
        MemberKey key = new MemberKey(r.getGroup(), r.getMemberId());
        if (r.getMemberEpoch() == 0) {
            return join(r, key);
        }
        if (r.getMemberEpoch() == -1) {
            return leave(r, key);
        }
        if (r.getMemberEpoch() < -1) {
            throw Errors.invalid("member epoch " + r.getMemberEpoch() + " is invalid (0 joins, -1 leaves)");
        }
        return report(r, key);
    }

    private CompletableFuture<GroupHeartbeatResponse> join(GroupHeartbeatRequest r, MemberKey key) {
        lastSeen.put(key, nanoClock.getAsLong());
        GroupRecord g = group.apply(r.getGroup());
        if (g != null && GroupChanges.find(g, r.getMemberId()) != null) {
            return CompletableFuture.completedFuture(response(g, r.getMemberId())); // a retried join
        }
        GroupMemberRecord member = validateJoin(r);
        return propose.apply(MetadataCommand.newBuilder().setGroupJoin(GroupJoinCommand.newBuilder()
                        .setGroup(r.getGroup()).setMember(member).setAssignor(r.getAssignor())).build())
                .thenApply(result -> {
                    log.info("member {} ({}) joined group '{}' at group epoch {}", r.getMemberId(), r.getClientId(),
                            r.getGroup(), result.getGroup().getGroupEpoch());
                    return response(result.getGroup(), r.getMemberId());
                });
    }

    private CompletableFuture<GroupHeartbeatResponse> leave(GroupHeartbeatRequest r, MemberKey key) {
        lastSeen.remove(key);
        GroupHeartbeatResponse left = GroupHeartbeatResponse.newBuilder().setMemberId(r.getMemberId())
                .setMemberEpoch(-1).build();
        GroupRecord g = group.apply(r.getGroup());
        if (g == null || GroupChanges.find(g, r.getMemberId()) == null) {
            return CompletableFuture.completedFuture(left);
        }
        return propose.apply(MetadataCommand.newBuilder().setGroupLeave(GroupLeaveCommand.newBuilder()
                        .setGroup(r.getGroup()).addMemberIds(r.getMemberId())).build())
                .thenApply(result -> {
                    log.info("member {} left group '{}'", r.getMemberId(), r.getGroup());
                    return left.toBuilder().setGroupEpoch(result.getGroup().getGroupEpoch()).build();
                });
    }

    private CompletableFuture<GroupHeartbeatResponse> report(GroupHeartbeatRequest r, MemberKey key) {
        GroupRecord g = group.apply(r.getGroup());
        GroupMemberRecord m = g == null ? null : GroupChanges.find(g, r.getMemberId());
        if (m == null) {
            throw GroupChanges.unknownMember(r.getGroup(), r.getMemberId());
        }
        if (r.getMemberEpoch() > m.getMemberEpoch()) {
            throw new StrataException(ErrorReason.STALE_MEMBER_EPOCH, "member '" + r.getMemberId() + "' reported member"
                    + " epoch " + r.getMemberEpoch() + " but group '" + r.getGroup() + "' has it at "
                    + m.getMemberEpoch() + "; join again");
        }
        lastSeen.put(key, nanoClock.getAsLong());
        if (GroupChanges.releasable(m, r.getMemberEpoch(), r.getOwnedList()).isEmpty()) {
            return CompletableFuture.completedFuture(response(g, r.getMemberId()));
        }
        return propose.apply(MetadataCommand.newBuilder().setGroupRelease(GroupReleaseCommand.newBuilder()
                        .setGroup(r.getGroup()).setMemberId(r.getMemberId()).setMemberEpoch(r.getMemberEpoch())
                        .addAllOwned(r.getOwnedList())).build())
                .thenApply(result -> response(result.getGroup(), r.getMemberId()));
    }

    private GroupHeartbeatResponse response(GroupRecord g, String memberId) {
        GroupMemberRecord m = GroupChanges.find(g, memberId);
        if (m == null) {
            throw GroupChanges.unknownMember(g.getGroup(), memberId);
        }
        return GroupHeartbeatResponse.newBuilder().setMemberId(memberId).setMemberEpoch(m.getMemberEpoch())
                .setGroupEpoch(g.getGroupEpoch()).setSessionTimeoutMs(m.getSessionTimeoutMs())
                .setHeartbeatIntervalMs(Math.max(1, Math.min(heartbeatIntervalMs, m.getSessionTimeoutMs() / 3)))
                .addAllAssignment(GroupChanges.assignment(m)).build();
    }

    /** The member record a join asks for, or INVALID_ARGUMENT saying what to change. */
    static GroupMemberRecord validateJoin(GroupHeartbeatRequest r) {
        boolean hasList = r.getTopicsCount() > 0;
        boolean hasPattern = !r.getTopicPattern().isEmpty();
        if (hasList == hasPattern) {
            throw Errors.invalid("a join names either topics or a topic pattern (exactly one of them)");
        }
        r.getTopicsList().forEach(TopicNames::validate);
        if (r.getClientId().length() > MAX_GROUP_ID_LENGTH) {
            throw Errors.invalid("client id must be at most " + MAX_GROUP_ID_LENGTH + " characters, got "
                    + r.getClientId().length());
        }
        if (r.getMemberId().length() > 2 * MAX_GROUP_ID_LENGTH) {
            throw Errors.invalid("member id must be at most " + 2 * MAX_GROUP_ID_LENGTH + " characters, got "
                    + r.getMemberId().length());
        }
        if (hasPattern) {
            try {
                Pattern.compile(r.getTopicPattern());
            } catch (PatternSyntaxException e) {
                throw Errors.invalid("topic pattern is not a valid regular expression: " + e.getDescription());
            }
        }
        int timeout = r.getSessionTimeoutMs() == 0 ? DEFAULT_SESSION_TIMEOUT_MS : r.getSessionTimeoutMs();
        if (timeout < MIN_SESSION_TIMEOUT_MS || timeout > MAX_SESSION_TIMEOUT_MS) {
            throw Errors.invalid("session timeout must be between " + MIN_SESSION_TIMEOUT_MS + " and "
                    + MAX_SESSION_TIMEOUT_MS + " ms (0 for " + DEFAULT_SESSION_TIMEOUT_MS + "), got "
                    + r.getSessionTimeoutMs());
        }
        Assignors.of(r.getAssignor());
        return GroupMemberRecord.newBuilder().setMemberId(r.getMemberId()).setClientId(r.getClientId())
                .setGateway(r.getGateway()).addAllTopics(r.getTopicsList()).setTopicPattern(r.getTopicPattern())
                .setSessionTimeoutMs(timeout).build();
    }

    public static void validateGroupId(String group) {
        if (group == null || group.isBlank()) {
            throw Errors.invalid("group id is empty");
        }
        if (group.length() > MAX_GROUP_ID_LENGTH || group.indexOf('\0') >= 0) {
            throw Errors.invalid("group id must be at most " + MAX_GROUP_ID_LENGTH
                    + " characters without NUL; got " + group.length() + " characters");
        }
    }

    /** One pass: grant grace to members new to this leader, expire the ones silent for their session timeout. */
    void tick() {
        if (!isReadyLeader.getAsBoolean()) {
            leading = false;
            return;
        }
        long now = nanoClock.getAsLong();
        List<GroupRecord> all = groups.get();
        if (!leading) {
            lastSeen.clear();
            all.forEach(g -> g.getMembersList().forEach(m -> lastSeen.put(new MemberKey(g.getGroup(), m.getMemberId()), now)));
            leading = true;
            log.info("peer {} coordinates consumer groups: every member has a fresh session", peerId);
            return;
        }
        Set<MemberKey> present = new HashSet<>();
        Map<String, List<String>> expired = new TreeMap<>();
        for (GroupRecord g : all) {
            for (GroupMemberRecord m : g.getMembersList()) {
                MemberKey key = new MemberKey(g.getGroup(), m.getMemberId());
                present.add(key);
                Long seen = lastSeen.putIfAbsent(key, now);
                if (seen != null && now - seen > TimeUnit.MILLISECONDS.toNanos(m.getSessionTimeoutMs())
                        && !expiring.contains(key)) {
                    expired.computeIfAbsent(g.getGroup(), k -> new ArrayList<>()).add(m.getMemberId());
                }
            }
        }
        // Forget members that are gone; a join still being written is not in any group yet.
        lastSeen.entrySet().removeIf(e -> !present.contains(e.getKey()) && now - e.getValue() > FORGET_NANOS);
        expired.forEach(this::expire);
    }

    private void expire(String groupId, List<String> members) {
        List<MemberKey> keys = members.stream().map(m -> new MemberKey(groupId, m)).toList();
        expiring.addAll(keys);
        log.info("members {} of group '{}' missed their session timeout; removing them", members, groupId);
        CompletableFuture<CommandResult> f;
        try {
            f = propose.apply(MetadataCommand.newBuilder().setGroupLeave(GroupLeaveCommand.newBuilder()
                    .setGroup(groupId).addAllMemberIds(members).setExpired(true)).build());
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((result, error) -> {
            keys.forEach(expiring::remove);
            keys.forEach(lastSeen::remove);
            if (error != null) {
                log.warn("removing expired members {} of group '{}' failed: {}", members, groupId, error.toString());
            }
        });
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.warn("group coordinator tick failed", e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
