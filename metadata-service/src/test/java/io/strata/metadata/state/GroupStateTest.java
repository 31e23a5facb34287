package io.strata.metadata.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.proto.DeleteGroupRequest;
import io.strata.proto.DeleteTopicRequest;
import io.strata.proto.ErrorReason;
import io.strata.proto.FetchOffsetsRequest;
import io.strata.proto.TopicPartition;
import io.strata.proto.TopicPartitionOffset;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.CommitOffsetsBatch;
import io.strata.proto.internal.CommitOffsetsCommand;
import io.strata.proto.internal.GroupJoinCommand;
import io.strata.proto.internal.GroupLeaveCommand;
import io.strata.proto.internal.GroupMemberRecord;
import io.strata.proto.internal.MetadataCommand;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.RegisterNodeRequest;
import io.strata.proto.internal.TopicRecord;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group records and commit fencing in MetadataState, on a real RocksDB: what is refused and why. */
class GroupStateTest {
    @TempDir
    Path dir;

    private MetadataState state;
    private long index;

    @BeforeEach
    void open() {
        state = MetadataState.open(dir.resolve("db"));
        apply(MetadataCommand.newBuilder().setRegisterNode(RegisterNodeRequest.newBuilder().setId(1)
                .setAddress("h:1").setIncarnation(1)).build());
        createTopic("orders", 2);
    }

    @AfterEach
    void close() {
        state.close();
    }

    private CommandResult apply(MetadataCommand c) {
        return state.apply(c, 1, ++index);
    }

    private void createTopic(String name, int partitions) {
        TopicRecord.Builder t = TopicRecord.newBuilder().setName(name).setTopicId(name).setReplicationFactor(1);
        for (int p = 0; p < partitions; p++) {
            t.addPartitions(PartitionRecord.newBuilder().setPartition(p).addReplicas(1).setLeader(1).addIsr(1));
        }
        apply(MetadataCommand.newBuilder().setCreateTopic(t).build());
    }

    private CommandResult join(String member) {
        return apply(MetadataCommand.newBuilder().setGroupJoin(GroupJoinCommand.newBuilder().setGroup("g")
                .setMember(GroupMemberRecord.newBuilder().setMemberId(member).setSessionTimeoutMs(5000)
                        .addTopics("orders"))).build());
    }

    private CommandResult commit(String member, int partition, boolean reset) {
        return apply(MetadataCommand.newBuilder().setCommitOffsets(CommitOffsetsCommand.newBuilder().setGroup("g")
                .setMemberId(member).setRequireEmptyGroup(reset)
                .addOffsets(TopicPartitionOffset.newBuilder().setTopic("orders").setPartition(partition).setOffset(5)
                        .setMetadata("checkpoint-7"))).build());
    }

    private static void assertRefused(CommandResult r, ErrorReason reason, String part) {
        assertTrue(r.hasError(), () -> "expected " + reason + ", got " + r);
        assertEquals(reason, r.getError().getReason(), r.getError().getMessage());
        assertTrue(r.getError().getMessage().contains(part), r.getError().getMessage());
    }

    @Test
    void whileAGroupHasMembersOnlyOwnersMayCommitAndNothingElseMayWrite() {
        join("a");
        join("b"); // b waits for a partition a still owns
        assertTrue(commit("a", 0, false).hasOk());
        assertTrue(commit("a", 1, false).hasOk(), "a still owns the partition being revoked");
        assertRefused(commit("b", 1, false), ErrorReason.STALE_MEMBER_EPOCH, "does not own orders-1");
        assertRefused(commit("", 0, false), ErrorReason.GROUP_NOT_EMPTY, "has 2 active member(s)");
        assertRefused(commit("ghost", 0, false), ErrorReason.UNKNOWN_MEMBER, "'ghost' is not in group 'g'");
        assertRefused(commit("a", 0, true), ErrorReason.GROUP_NOT_EMPTY, "cannot be reset");
        assertRefused(apply(MetadataCommand.newBuilder().setDeleteGroup(DeleteGroupRequest.newBuilder().setGroup("g"))
                .build()), ErrorReason.GROUP_NOT_EMPTY, "cannot be deleted");
        assertEquals("checkpoint-7", state.committedOffsets(FetchOffsetsRequest.newBuilder().setGroup("g").build())
                .get(0).getMetadata(), "the metadata string is kept with the offset");

        apply(MetadataCommand.newBuilder().setGroupLeave(GroupLeaveCommand.newBuilder().setGroup("g")
                .addMemberIds("a").addMemberIds("b")).build());
        assertEquals("EMPTY", state.groups().get(0).getState());
        assertTrue(commit("", 0, true).hasOk(), "an empty group can be reset");
        assertRefused(commit("a", 0, false), ErrorReason.UNKNOWN_MEMBER, "join again");
        assertTrue(apply(MetadataCommand.newBuilder().setDeleteGroup(DeleteGroupRequest.newBuilder().setGroup("g"))
                .build()).hasOk());
        assertNull(state.describeGroup("g"), "record and offsets are gone");
        assertRefused(apply(MetadataCommand.newBuilder().setDeleteGroup(DeleteGroupRequest.newBuilder().setGroup("g"))
                .build()), ErrorReason.UNKNOWN_GROUP, "does not exist");
    }

    @Test
    void groupsSurviveReopeningAndFollowTopicChanges() {
        join("a");
        createTopic("later", 1); // not subscribed: nothing changes
        int epoch = state.group("g").getGroupEpoch();
        assertEquals(2, state.group("g").getMembers(0).getOwnedCount());
        apply(MetadataCommand.newBuilder().setDeleteTopic(DeleteTopicRequest.newBuilder().setName("orders")).build());
        assertEquals(0, state.group("g").getMembers(0).getOwnedCount(), "a deleted topic's partitions are not owned");
        assertEquals(epoch + 1, state.group("g").getGroupEpoch());
        var before = state.snapshot();
        state.close();
        state = MetadataState.open(dir.resolve("db"));
        assertEquals(before, state.snapshot(), "groups are in the database, not only in memory");
        assertEquals(1, before.getGroupsCount());
    }

    @Test
    void aMembersCommitThatReachesTheLogLateDoesNotMoveItsOffsetBack() {
        join("a");
        assertTrue(numbered("a", 2, 20).hasOk());
        assertTrue(numbered("a", 1, 10).hasOk(), "a superseded commit is answered ok");
        assertEquals(20, committed(), "commit 1 came after commit 2 and was skipped");
        assertTrue(numbered("a", 3, 15).hasOk());
        assertEquals(15, committed(), "a newer commit may go backwards (a seek, then a commit)");

        CommandResult batch = apply(MetadataCommand.newBuilder().setCommitOffsetsBatch(CommitOffsetsBatch.newBuilder()
                .addCommits(numberedCommit("a", 5, 50)).addCommits(numberedCommit("a", 4, 40))).build());
        assertTrue(batch.getResults().getResults(1).hasOk());
        assertEquals(50, committed(), "within one entry too, the later commit wins");

        state.close();
        state = MetadataState.open(dir.resolve("db"));
        assertTrue(numbered("a", 4, 40).hasOk());
        assertEquals(50, committed(), "who committed last, and which commit, is kept with the offset");
        assertTrue(commit("a", 0, false).hasOk(), "an unnumbered commit always applies");
        assertEquals(5, committed());
    }

    private static CommitOffsetsCommand.Builder numberedCommit(String member, long sequence, long offset) {
        return CommitOffsetsCommand.newBuilder().setGroup("g").setMemberId(member).setMemberCommitSequence(sequence)
                .addOffsets(TopicPartitionOffset.newBuilder().setTopic("orders").setPartition(0).setOffset(offset));
    }

    private CommandResult numbered(String member, long sequence, long offset) {
        return apply(MetadataCommand.newBuilder().setCommitOffsets(numberedCommit(member, sequence, offset)).build());
    }

    private long committed() {
        return state.committedOffsets(FetchOffsetsRequest.newBuilder().setGroup("g")
                .addPartitions(TopicPartition.newBuilder().setTopic("orders").setPartition(0)).build()).get(0).getOffset();
    }
}
