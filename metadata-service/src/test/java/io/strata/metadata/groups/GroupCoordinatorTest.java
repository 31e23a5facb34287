package io.strata.metadata.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.common.error.StrataException;
import io.strata.metadata.state.MetadataState;
import io.strata.proto.ErrorReason;
import io.strata.proto.TopicPartition;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.GroupHeartbeatRequest;
import io.strata.proto.internal.GroupHeartbeatResponse;
import io.strata.proto.internal.MetadataCommand;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.RegisterNodeRequest;
import io.strata.proto.internal.TopicRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's session and release logic with a fake clock, over a real {@link MetadataState}
 * (RocksDB in a temp dir) that applies each proposed command the way one Raft peer would.
 */
class GroupCoordinatorTest {
    private static final int SESSION_MS = 3_000;

    @TempDir
    Path dir;

    private MetadataState state;
    private long index;
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final AtomicBoolean leader = new AtomicBoolean(true);
    private GroupCoordinator coordinator;

    @BeforeEach
    void open() {
        state = MetadataState.open(dir);
        apply(MetadataCommand.newBuilder().setRegisterNode(RegisterNodeRequest.newBuilder().setId(1)
                .setAddress("h:1").setIncarnation(1)).build());
        TopicRecord.Builder t = TopicRecord.newBuilder().setName("orders").setTopicId("id").setReplicationFactor(1);
        for (int p = 0; p < 4; p++) {
            t.addPartitions(PartitionRecord.newBuilder().setPartition(p).addReplicas(1).setLeader(1).addIsr(1));
        }
        apply(MetadataCommand.newBuilder().setCreateTopic(t).build());
        coordinator = new GroupCoordinator("m1", Duration.ofSeconds(1), leader::get, state::group,
                state::groupRecords, this::propose, clock::get);
    }

    @AfterEach
    void close() {
        coordinator.close();
        state.close();
    }

    private CommandResult apply(MetadataCommand c) {
        return state.apply(c, 1, ++index);
    }

    private CompletableFuture<CommandResult> propose(MetadataCommand c) {
        CommandResult r = apply(c);
        return r.hasError() ? CompletableFuture.failedFuture(new StrataException(r.getError().getReason(),
                r.getError().getMessage())) : CompletableFuture.completedFuture(r);
    }

    private void advance(long ms) {
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    private GroupHeartbeatResponse join(String member) {
        return coordinator.heartbeat(GroupHeartbeatRequest.newBuilder().setGroup("g").setMemberId(member)
                .setMemberEpoch(0).addTopics("orders").setSessionTimeoutMs(SESSION_MS).build()).join();
    }

    private GroupHeartbeatResponse beat(String member, int epoch, List<TopicPartition> owned) {
        return coordinator.heartbeat(GroupHeartbeatRequest.newBuilder().setGroup("g").setMemberId(member)
                .setMemberEpoch(epoch).addAllOwned(owned).build()).join();
    }

    /** The StrataException a call threw, at once or through its future. */
    private static StrataException failure(Runnable r) {
        RuntimeException e = assertThrows(RuntimeException.class, r::run);
        return StrataException.from(e);
    }

    @Test
    void aSilentMemberExpiresAfterItsSessionTimeoutAndItsPartitionsMoveOn() {
        coordinator.tick(); // becomes the leading coordinator
        GroupHeartbeatResponse a = join("a");
        assertEquals(4, a.getAssignmentCount());
        assertEquals(1000, a.getHeartbeatIntervalMs(), "min(interval, session / 3)");
        GroupHeartbeatResponse b = join("b");
        assertEquals(0, b.getAssignmentCount(), "b waits for a to release");
        a = beat("a", a.getMemberEpoch(), a.getAssignmentList());
        assertEquals(2, a.getAssignmentCount(), "a is told to give up two partitions");
        a = beat("a", a.getMemberEpoch(), a.getAssignmentList());
        b = beat("b", b.getMemberEpoch(), b.getAssignmentList());
        assertEquals(2, b.getAssignmentCount(), "b got them once a released them");

        for (int i = 0; i < 4; i++) { // b keeps heartbeating, a goes silent
            advance(SESSION_MS / 3);
            b = beat("b", b.getMemberEpoch(), b.getAssignmentList());
            coordinator.tick();
        }
        assertNull(GroupChanges.find(state.group("g"), "a"), "a expired");
        b = beat("b", b.getMemberEpoch(), b.getAssignmentList());
        assertEquals(4, b.getAssignmentCount(), "a's partitions went to b at once");
        StrataException e = failure(() -> beat("a", 1, List.of()));
        assertEquals(ErrorReason.UNKNOWN_MEMBER, e.reason());
    }

    @Test
    void aNewLeaderGivesEveryMemberAFullSessionTimeout() {
        coordinator.tick();
        join("a");
        leader.set(false);
        coordinator.onLeaderChanged();
        coordinator.tick();
        advance(SESSION_MS * 2); // heartbeats went to another peer meanwhile
        leader.set(true);
        coordinator.tick();
        assertTrue(GroupChanges.find(state.group("g"), "a") != null, "no expiry right after taking over");
        advance(SESSION_MS - 100);
        coordinator.tick();
        assertTrue(GroupChanges.find(state.group("g"), "a") != null, "still within the grace");
        advance(200);
        coordinator.tick();
        assertNull(GroupChanges.find(state.group("g"), "a"), "expired one session timeout after taking over");
    }

    @Test
    void aStaleReportReleasesNothing() {
        coordinator.tick();
        GroupHeartbeatResponse a = join("a");
        join("b");
        // a's report carries an epoch older than its last grant: it may predate partitions it holds.
        int stale = a.getMemberEpoch() - 1;
        assertTrue(stale >= 1, "a was granted partitions after it joined");
        a = beat("a", stale, List.of());
        assertEquals(4, state.group("g").getMembers(0).getOwnedCount(), "nothing was released");
        a = beat("a", a.getMemberEpoch(), a.getAssignmentList());
        assertEquals(2, state.group("g").getMembers(0).getOwnedCount(), "a report at the current epoch releases");
    }

    @Test
    void onlyTheReadyLeaderAnswersAndBadJoinsAreRefusedWithReasons() {
        leader.set(false);
        assertEquals(ErrorReason.METADATA_UNAVAILABLE, failure(() -> join("a")).reason());
        leader.set(true);
        StrataException both = assertThrows(StrataException.class, () -> coordinator.heartbeat(
                GroupHeartbeatRequest.newBuilder().setGroup("g").setMemberId("x").addTopics("orders")
                        .setTopicPattern("o.*").build()));
        assertTrue(both.getMessage().contains("exactly one"), both.getMessage());
        StrataException timeout = assertThrows(StrataException.class, () -> coordinator.heartbeat(
                GroupHeartbeatRequest.newBuilder().setGroup("g").setMemberId("x").addTopics("orders")
                        .setSessionTimeoutMs(10).build()));
        assertTrue(timeout.getMessage().contains("session timeout must be between"), timeout.getMessage());
        StrataException assignor = assertThrows(StrataException.class, () -> coordinator.heartbeat(
                GroupHeartbeatRequest.newBuilder().setGroup("g").setMemberId("x").addTopics("orders")
                        .setAssignor("sticky").build()));
        assertTrue(assignor.getMessage().contains("unknown assignor 'sticky'"), assignor.getMessage());
        assertEquals(ErrorReason.INVALID_ARGUMENT, assertThrows(StrataException.class, () -> coordinator.heartbeat(
                GroupHeartbeatRequest.newBuilder().setGroup("").setMemberId("x").build())).reason());
        assertEquals(ErrorReason.UNKNOWN_MEMBER, failure(() -> coordinator.heartbeat(
                GroupHeartbeatRequest.newBuilder().setGroup("g").setMemberId("ghost").setMemberEpoch(3).build()))
                .reason());
    }
}
