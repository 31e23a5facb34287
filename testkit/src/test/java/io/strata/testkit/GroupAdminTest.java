package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.strata.client.Bootstrap;
import io.strata.client.StrataClientException;
import io.strata.client.admin.StrataAdmin;
import io.strata.client.admin.StrataAdmin.ResetTo;
import io.strata.client.consumer.ConsumerConfig;
import io.strata.client.consumer.OffsetReset;
import io.strata.client.consumer.StrataConsumer;
import io.strata.common.metadata.MetadataClient;
import io.strata.common.net.Channels;
import io.strata.proto.Assignment;
import io.strata.proto.Commit;
import io.strata.proto.CommitOffsetsRequest;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.ErrorReason;
import io.strata.proto.FetchOffsetsRequest;
import io.strata.proto.GroupDescription;
import io.strata.proto.GroupListing;
import io.strata.proto.GroupMember;
import io.strata.proto.Join;
import io.strata.proto.PartitionLag;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import io.strata.proto.Release;
import io.strata.proto.SubscribeRequest;
import io.strata.proto.SubscribeResponse;
import io.strata.proto.TopicPartition;
import io.strata.proto.TopicPartitionOffset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group administration through a real gateway: describe (members, assignments, offsets with lag
 * and metadata), list, delete, and every reset mode, including what is refused while a group has
 * members; a pattern subscription following topic creation and growth; and a revoked partition
 * that can no longer be committed once released.
 */
class GroupAdminTest {
    /** Topic "ledger": partition p holds 10 records with timestamps 1000 * (p + 1) + i. */
    private static final String LEDGER = "ledger";

    @TempDir
    static Path dataDir;
    static LocalCluster cluster;
    static ManagedChannel channel;
    static StrataAdmin admin;
    static Bootstrap bootstrap;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.builder().dataDir(dataDir).build().start();
        channel = Channels.open(cluster.gatewayAddress());
        bootstrap = Bootstrap.parse(cluster.gatewayAddress().toString());
        admin = new StrataAdmin(bootstrap, Duration.ofSeconds(30));
        admin.createTopic(LEDGER, 3, 2, Map.of());
        for (int p = 0; p < 3; p++) {
            ProduceRequest.Builder r = ProduceRequest.newBuilder().setTopic(LEDGER).setPartition(p);
            for (int i = 0; i < 10; i++) {
                r.addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("v" + i))
                        .setTimestampMs(1000L * (p + 1) + i));
            }
            ProducerGrpc.newBlockingStub(channel).produce(r.build());
        }
    }

    @AfterAll
    static void stop() {
        admin.close();
        Channels.close(channel);
        cluster.close();
    }

    private static Map<Integer, Long> committed(String group) {
        Map<Integer, Long> out = new TreeMap<>();
        ConsumerGrpc.newBlockingStub(channel).fetchOffsets(FetchOffsetsRequest.newBuilder().setGroup(group).build())
                .getOffsetsList().forEach(o -> out.put(o.getPartition(), o.getOffset()));
        return out;
    }

    private static Map<Integer, Long> reset(String group, List<Integer> partitions, ResetTo to, boolean dryRun) {
        Map<Integer, Long> out = new TreeMap<>();
        admin.resetGroupOffsets(group, LEDGER, partitions, to, dryRun).forEach(o -> out.put(o.getPartition(),
                o.getOffset()));
        return out;
    }

    private static StrataClientException refused(ErrorReason reason, String part, Executable call) {
        StrataClientException e = assertThrows(StrataClientException.class, call::execute);
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(part), () -> "message names the problem (\"" + part + "\"): " + e);
        return e;
    }

    @Test
    void everyResetModeMovesTheOffsetsAndADryRunStoresNothing() {
        String g = "resetters";
        ConsumerGrpc.newBlockingStub(channel).commitOffsets(CommitOffsetsRequest.newBuilder().setGroup(g)
                .addOffsets(TopicPartitionOffset.newBuilder().setTopic(LEDGER).setPartition(0).setOffset(5)).build());

        assertEquals(Map.of(0, 0L, 1, 0L, 2, 0L), reset(g, List.of(), ResetTo.earliest(), true));
        assertEquals(Map.of(0, 5L), committed(g), "a dry run changes nothing");

        assertEquals(Map.of(0, 0L, 1, 0L, 2, 0L), reset(g, List.of(), ResetTo.earliest(), false));
        assertEquals(Map.of(0, 0L, 1, 0L, 2, 0L), committed(g));
        assertEquals(Map.of(0, 10L, 1, 10L, 2, 10L), reset(g, List.of(), ResetTo.latest(), false));
        assertEquals(Map.of(1, 3L), reset(g, List.of(1), ResetTo.offset(3), false));
        assertEquals(Map.of(0, 10L, 1, 3L, 2, 10L), committed(g), "only the named partition moved");
        assertEquals(Map.of(2, 10L), reset(g, List.of(2), ResetTo.offset(999), false), "clamped to the end");
        // Timestamps come from the storage nodes' time index: partition p has 1000 * (p + 1) + i at offset i.
        assertEquals(Map.of(0, 4L, 1, 0L, 2, 0L), reset(g, List.of(), ResetTo.timestamp(1004), false));
        assertEquals(Map.of(0, 10L, 1, 5L, 2, 0L), reset(g, List.of(), ResetTo.timestamp(2005), false),
                "a time after a partition's last record resets it to its end");
        assertEquals(Map.of(0, 10L, 1, 5L, 2, 0L), committed(g));
    }

    @Test
    void badResetsAndDeletesAreRefusedWithReasons() {
        refused(ErrorReason.UNKNOWN_TOPIC, "'nope' does not exist",
                () -> admin.resetGroupOffsets("g", "nope", List.of(), ResetTo.earliest(), false));
        refused(ErrorReason.UNKNOWN_PARTITION, "partition 7 does not exist",
                () -> admin.resetGroupOffsets("g", LEDGER, List.of(7), ResetTo.earliest(), false));
        refused(ErrorReason.INVALID_ARGUMENT, "offset -4 is negative",
                () -> admin.resetGroupOffsets("g", LEDGER, List.of(), ResetTo.offset(-4), false));
        refused(ErrorReason.INVALID_ARGUMENT, "group id is empty",
                () -> admin.resetGroupOffsets(" ", LEDGER, List.of(), ResetTo.latest(), false));
        refused(ErrorReason.UNKNOWN_GROUP, "does not exist", () -> admin.deleteGroup("never-seen"));
        refused(ErrorReason.UNKNOWN_GROUP, "does not exist", () -> admin.describeGroup("never-seen"));
    }

    @Test
    void aGroupWithMembersIsDescribedAndCannotBeResetOrDeletedUntilItEmpties() {
        String g = "busy";
        try (StrataConsumer consumer = new StrataConsumer(ConsumerConfig.builder(g).bootstrap(bootstrap)
                .clientId("busy-client").autoOffsetReset(OffsetReset.EARLIEST).build())) {
            consumer.subscribe(List.of(LEDGER));
            consumer.commitSync(Map.of(new io.strata.client.TopicPartition(LEDGER, 1), 4L));

            GroupDescription d = admin.describeGroup(g);
            assertEquals("STABLE", d.getState());
            assertEquals("uniform", d.getAssignor());
            assertTrue(d.getGroupEpoch() >= 1);
            GroupMember m = d.getMembers(0);
            assertEquals("busy-client", m.getClientId());
            assertEquals(cluster.gatewayAddress().toString(), m.getGateway());
            assertEquals(3, m.getAssignmentCount());
            assertEquals(List.of(LEDGER), m.getTopicsList());
            PartitionLag lag = d.getOffsetsList().stream().filter(o -> o.getPartition() == 1).findFirst().orElseThrow();
            assertEquals(4, lag.getCommitted());
            assertEquals(10, lag.getHighWatermark());
            assertEquals(6, lag.getLag());
            GroupListing listed = admin.listGroups().stream().filter(l -> l.getGroup().equals(g)).findFirst()
                    .orElseThrow();
            assertEquals(1, listed.getMembers());

            refused(ErrorReason.GROUP_NOT_EMPTY, "has 1 active member(s) and cannot be reset",
                    () -> admin.resetGroupOffsets(g, LEDGER, List.of(), ResetTo.earliest(), false));
            assertEquals(Map.of(0, 0L, 1, 0L, 2, 0L), reset(g, List.of(), ResetTo.earliest(), true),
                    "a dry run is allowed while members consume");
            refused(ErrorReason.GROUP_NOT_EMPTY, "cannot be deleted", () -> admin.deleteGroup(g));
            io.grpc.StatusRuntimeException standalone = assertThrows(io.grpc.StatusRuntimeException.class, () ->
                    ConsumerGrpc.newBlockingStub(channel).commitOffsets(CommitOffsetsRequest.newBuilder().setGroup(g)
                            .addOffsets(TopicPartitionOffset.newBuilder().setTopic(LEDGER).setPartition(0)
                                    .setOffset(1)).build()));
            assertEquals(ErrorReason.GROUP_NOT_EMPTY, StrataClientException.from(standalone).reason(),
                    "a commit outside any session would overwrite the member's progress");
        }
        assertEquals("EMPTY", admin.describeGroup(g).getState(), "closing the consumer left the group at once");
        assertEquals(Map.of(0, 0L, 1, 0L, 2, 0L), reset(g, List.of(), ResetTo.earliest(), false));
        admin.deleteGroup(g);
        refused(ErrorReason.UNKNOWN_GROUP, "does not exist", () -> admin.describeGroup(g));
        assertTrue(admin.listGroups().stream().noneMatch(l -> l.getGroup().equals(g)));
    }

    @Test
    void aPatternSubscriptionFollowsNewTopicsAndPartitionsAndCommitsKeepTheirMetadata() throws Exception {
        try (SubscribeSession session = new SubscribeSession(channel)) {
            SubscribeResponse joined = session.call(SubscribeRequest.newBuilder().setJoin(Join.newBuilder()
                    .setGroup("followers").setTopicPattern("feed-.*").setAutoOffsetReset(
                            io.strata.proto.OffsetReset.OFFSET_RESET_EARLIEST)));
            assertEquals(0, joined.getAssignment().getPartitionsCount(), "no topic matches yet");

            admin.createTopic("feed-a", 2, 1, Map.of());
            session.awaitPush("with feed-a", a -> a.getPartitionsCount() == 2);
            admin.createPartitions("feed-a", 3);
            Assignment grown = session.awaitPush("with feed-a-2", a -> a.getPartitionsCount() == 3);
            assertEquals(0, grown.getPositions(0).getOffset(), "new partitions start at the earliest offset");

            SubscribeResponse ack = session.call(SubscribeRequest.newBuilder().setCommit(Commit.newBuilder()
                    .addOffsets(TopicPartitionOffset.newBuilder().setTopic("feed-a").setPartition(2).setOffset(0)
                            .setMetadata("batch 17"))));
            assertTrue(ack.hasAck(), ack::toString);
            assertEquals("batch 17", admin.describeGroup("followers").getOffsets(0).getMetadata());
        }
    }

    @Test
    void aRevokedPartitionCannotBeCommittedOnceReleased() throws Exception {
        admin.createTopic("pair", 2, 1, Map.of());
        try (SubscribeSession first = new SubscribeSession(channel);
             SubscribeSession second = new SubscribeSession(channel)) {
            Join join = Join.newBuilder().setGroup("pairs").addTopics("pair").setConfirmRevocations(true)
                    .setAutoOffsetReset(io.strata.proto.OffsetReset.OFFSET_RESET_EARLIEST).build();
            assertEquals(2, first.call(SubscribeRequest.newBuilder().setJoin(join)).getAssignment().getPartitionsCount());
            second.call(SubscribeRequest.newBuilder().setJoin(join));

            Assignment revoking = first.awaitPush("revoking one partition", a -> a.getRevokedCount() == 1);
            TopicPartition moving = revoking.getRevoked(0);
            TopicPartitionOffset position = TopicPartitionOffset.newBuilder().setTopic("pair")
                    .setPartition(moving.getPartition()).setOffset(0).build();
            assertTrue(first.call(SubscribeRequest.newBuilder().setCommit(Commit.newBuilder().addOffsets(position)))
                    .hasAck(), "until it is released, the old owner may still commit it");
            Thread.sleep(2_000); // several heartbeats: without a release the partition must stay where it is
            GroupDescription waiting = admin.describeGroup("pairs");
            for (GroupMember m : waiting.getMembersList()) {
                assertTrue(!m.getAssignmentList().contains(moving), () -> "nobody reads it meanwhile: " + waiting);
                assertTrue(m.getRevokingList().contains(moving) || m.getPendingList().contains(moving),
                        () -> "one member is revoking it, the other waits for it: " + waiting);
            }

            SubscribeResponse released = first.call(SubscribeRequest.newBuilder().setRelease(Release.newBuilder()
                    .addPartitions(moving)));
            assertEquals(List.of(moving), released.getAck().getReleasedList());
            second.awaitPush("with the released partition", a -> a.getPartitionsList().contains(moving));
            SubscribeResponse late = first.call(SubscribeRequest.newBuilder().setCommit(Commit.newBuilder()
                    .addOffsets(position)));
            assertEquals(ErrorReason.STALE_MEMBER_EPOCH, late.getError().getReason(), late::toString);
        }
    }

    @Test
    void aSessionsCommitThatReachesTheMetadataLogLateDoesNotMoveTheOffsetBack() throws Exception {
        try (SubscribeSession session = new SubscribeSession(channel);
             MetadataClient metadata = new MetadataClient(cluster.metadataAddresses(), Duration.ofSeconds(20))) {
            String member = session.call(SubscribeRequest.newBuilder().setJoin(Join.newBuilder().setGroup("late")
                    .addTopics(LEDGER))).getAssignment().getMemberId();
            for (long offset : new long[] {3, 7}) { // the session's commits 1 and 2
                assertTrue(session.call(SubscribeRequest.newBuilder().setCommit(Commit.newBuilder()
                        .addOffsets(ledger0(offset)))).hasAck());
            }
            // Commit 1 again, as if its proposal had waited out a leader change and landed only now.
            metadata.call(stub -> stub.commitOffsets(CommitOffsetsRequest.newBuilder().setGroup("late")
                    .setMemberId(member).setMemberCommitSequence(1).addOffsets(ledger0(3)).build()));
            assertEquals(7L, committed("late").get(0), "the late commit 1 was skipped");
            metadata.call(stub -> stub.commitOffsets(CommitOffsetsRequest.newBuilder().setGroup("late")
                    .setMemberId(member).setMemberCommitSequence(3).addOffsets(ledger0(5)).build()));
            assertEquals(5L, committed("late").get(0), "a commit numbered after the session's last one applies");
        }
    }

    private static TopicPartitionOffset ledger0(long offset) {
        return TopicPartitionOffset.newBuilder().setTopic(LEDGER).setPartition(0).setOffset(offset).build();
    }
}
