package io.strata.metadata.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import io.strata.proto.TopicPartition;
import io.strata.proto.internal.GroupJoinCommand;
import io.strata.proto.internal.GroupMemberRecord;
import io.strata.proto.internal.GroupRecord;
import io.strata.proto.internal.GroupReleaseCommand;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class GroupChangesTest {
    private static final Map<String, Integer> SIX = Map.of("orders", 6);

    private static GroupJoinCommand joining(String member, String assignor, String... topics) {
        return GroupJoinCommand.newBuilder().setGroup("g").setAssignor(assignor)
                .setMember(GroupMemberRecord.newBuilder().setMemberId(member).setSessionTimeoutMs(10_000)
                        .addAllTopics(List.of(topics))).build();
    }

    private static GroupJoinCommand pattern(String member, String regex) {
        return GroupJoinCommand.newBuilder().setGroup("g")
                .setMember(GroupMemberRecord.newBuilder().setMemberId(member).setSessionTimeoutMs(10_000)
                        .setTopicPattern(regex)).build();
    }

    private static GroupMemberRecord member(GroupRecord g, String id) {
        return GroupChanges.find(g, id);
    }

    private static Set<GroupPartition> assigned(GroupRecord g, String id) {
        return GroupChanges.partitions(GroupChanges.assignment(member(g, id)));
    }

    /** The member reports owning what it may read: it has let go of everything revoked. */
    private static GroupRecord releaseAll(GroupRecord g, String id, Map<String, Integer> topics) {
        GroupMemberRecord m = member(g, id);
        return GroupChanges.release(g, GroupReleaseCommand.newBuilder().setGroup("g").setMemberId(id)
                .setMemberEpoch(m.getMemberEpoch()).addAllOwned(GroupChanges.assignment(m)).build(), topics);
    }

    @Test
    void aJoiningMemberGetsPartitionsOnlyAfterTheirOwnerReleasedThem() {
        GroupRecord g = GroupChanges.join(null, joining("a", "", "orders"), SIX);
        assertEquals(1, g.getGroupEpoch());
        assertEquals("uniform", g.getAssignor());
        assertEquals(6, assigned(g, "a").size(), "a lone member owns everything at once");
        assertEquals(GroupChanges.STABLE, GroupChanges.state(g));

        g = GroupChanges.join(g, joining("b", "", "orders"), SIX);
        assertEquals(2, g.getGroupEpoch());
        assertEquals(3, assigned(g, "a").size(), "a keeps the half it is not losing");
        assertEquals(3, GroupChanges.revoking(member(g, "a")).size());
        assertEquals(Set.of(), assigned(g, "b"), "b waits until a lets go");
        assertEquals(3, GroupChanges.pending(member(g, "b")).size());
        assertEquals(GroupChanges.ASSIGNING, GroupChanges.state(g));

        int bEpoch = member(g, "b").getMemberEpoch();
        g = releaseAll(g, "a", SIX);
        assertEquals(3, assigned(g, "b").size());
        assertEquals(bEpoch + 1, member(g, "b").getMemberEpoch(), "a grant bumps the member epoch");
        assertEquals(2, g.getGroupEpoch(), "a release does not start a new rebalance");
        assertEquals(GroupChanges.STABLE, GroupChanges.state(g));
    }

    @Test
    void aReportOlderThanTheLastGrantReleasesNothing() {
        GroupRecord g = GroupChanges.join(null, joining("a", "", "orders"), SIX);
        int staleEpoch = member(g, "a").getMemberEpoch() - 1;
        g = GroupChanges.join(g, joining("b", "", "orders"), SIX);
        GroupRecord before = g;
        g = GroupChanges.release(g, GroupReleaseCommand.newBuilder().setGroup("g").setMemberId("a")
                .setMemberEpoch(staleEpoch).build(), SIX);
        assertSame(before, g, "an empty report from before the grant must not free a's partitions");
        assertEquals(StrataException.class, assertThrows(StrataException.class, () -> GroupChanges.release(before,
                GroupReleaseCommand.newBuilder().setGroup("g").setMemberId("zz").build(), SIX)).getClass());
    }

    @Test
    void leavingFreesPartitionsAtOnceAndJoiningTwiceChangesNothing() {
        GroupRecord g = GroupChanges.join(null, joining("a", "", "orders"), SIX);
        g = GroupChanges.join(g, joining("b", "", "orders"), SIX);
        g = releaseAll(g, "a", SIX);
        assertSame(g, GroupChanges.join(g, joining("a", "", "orders"), SIX));
        g = GroupChanges.leave(g, List.of("a"), SIX);
        assertEquals(6, assigned(g, "b").size());
        assertEquals(1, g.getMembersCount());
        assertSame(g, GroupChanges.leave(g, List.of("nobody"), SIX));
        g = GroupChanges.leave(g, List.of("b"), SIX);
        assertEquals(GroupChanges.EMPTY, GroupChanges.state(g));
    }

    @Test
    void membersMustAgreeOnTheAssignorOfANonEmptyGroup() {
        GroupRecord g = GroupChanges.join(null, joining("a", "range", "orders"), SIX);
        GroupRecord ranged = g;
        StrataException e = assertThrows(StrataException.class,
                () -> GroupChanges.join(ranged, joining("b", "uniform", "orders"), SIX));
        assertEquals(ErrorReason.INVALID_ARGUMENT, e.reason());
        assertTrue(e.getMessage().contains("uses the range assignor"), e.getMessage());
        g = GroupChanges.leave(g, List.of("a"), SIX);
        g = GroupChanges.join(g, joining("b", "uniform", "orders"), SIX);
        assertEquals("uniform", g.getAssignor(), "an empty group adopts its first member's choice");
    }

    @Test
    void topicChangesRetargetPatternSubscriptionsAndDropDeletedPartitions() {
        Map<String, Integer> topics = new TreeMap<>(Map.of("orders", 2, "other", 3));
        GroupRecord g = GroupChanges.join(null, pattern("a", "ord.*"), topics);
        assertEquals(2, assigned(g, "a").size());
        assertSame(g, GroupChanges.topicsChanged(g, topics), "nothing changed");

        topics.put("orders-eu", 2);
        GroupRecord grown = GroupChanges.topicsChanged(g, topics);
        assertEquals(g.getGroupEpoch() + 1, grown.getGroupEpoch());
        assertEquals(4, assigned(grown, "a").size(), "a new matching topic is assigned");

        topics.remove("orders");
        GroupRecord shrunk = GroupChanges.topicsChanged(grown, topics);
        assertEquals(Set.of(new GroupPartition("orders-eu", 0), new GroupPartition("orders-eu", 1)),
                GroupChanges.partitions(member(shrunk, "a").getOwnedList()), "deleted partitions are not owned");
    }

    /**
     * Random joins, leaves, partial releases and topic growth: owned sets never overlap, targets
     * partition the subscribed partitions, and once every member releases what it was asked to
     * the group is stable with everything assigned.
     */
    @Test
    void randomHistoriesNeverOwnAPartitionTwiceAndSettle() {
        Random r = new Random(7);
        for (int run = 0; run < 100; run++) {
            Map<String, Integer> topics = new TreeMap<>(Map.of("a", 1 + r.nextInt(6), "b", r.nextInt(4)));
            String assignor = r.nextBoolean() ? "uniform" : "range";
            GroupRecord g = null;
            List<String> live = new ArrayList<>();
            int next = 0;
            for (int step = 0; step < 40; step++) {
                int op = r.nextInt(10);
                if (g == null || op < 3 && live.size() < 5) {
                    String id = "m" + next++;
                    g = GroupChanges.join(g, joining(id, assignor, "a", "b"), topics);
                    live.add(id);
                } else if (op < 4 && !live.isEmpty()) {
                    g = GroupChanges.leave(g, List.of(live.remove(r.nextInt(live.size()))), topics);
                } else if (op < 5) {
                    topics.merge(r.nextBoolean() ? "a" : "b", 1, Integer::sum);
                    g = GroupChanges.topicsChanged(g, topics);
                } else if (!live.isEmpty()) {
                    String id = live.get(r.nextInt(live.size()));
                    GroupMemberRecord m = member(g, id);
                    List<TopicPartition> report = new ArrayList<>(GroupChanges.assignment(m));
                    GroupChanges.revoking(m).forEach(p -> {
                        if (r.nextBoolean()) {
                            report.add(p); // not done with this one yet
                        }
                    });
                    g = GroupChanges.release(g, GroupReleaseCommand.newBuilder().setGroup("g").setMemberId(id)
                            .setMemberEpoch(m.getMemberEpoch() - (r.nextInt(8) == 0 ? 1 : 0))
                            .addAllOwned(report).build(), topics);
                }
                assertConsistent(g, topics);
            }
            for (String id : live) {
                g = releaseAll(g, id, topics);
            }
            for (String id : live) {
                g = releaseAll(g, id, topics); // grants made while others released
            }
            assertConsistent(g, topics);
            if (!live.isEmpty()) {
                assertEquals(GroupChanges.STABLE, GroupChanges.state(g), g::toString);
            }
        }
    }

    private static void assertConsistent(GroupRecord g, Map<String, Integer> topics) {
        Map<GroupPartition, String> owners = new HashMap<>();
        Set<GroupPartition> targeted = new TreeSet<>();
        for (GroupMemberRecord m : g.getMembersList()) {
            for (GroupPartition p : GroupChanges.partitions(m.getOwnedList())) {
                String other = owners.put(p, m.getMemberId());
                assertTrue(other == null, () -> p + " is owned by " + other + " and " + m.getMemberId() + ": " + g);
            }
            for (GroupPartition p : GroupChanges.partitions(m.getTargetList())) {
                assertTrue(targeted.add(p), () -> p + " is in two targets: " + g);
            }
        }
        int total = topics.values().stream().mapToInt(Integer::intValue).sum();
        assertEquals(g.getMembersCount() == 0 ? 0 : total, targeted.size(), "every partition has a target owner");
    }
}
