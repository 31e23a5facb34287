package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.common.metadata.MetadataClient;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.DescribeGroupRequest;
import io.strata.proto.GroupDescription;
import io.strata.proto.GroupMember;
import io.strata.proto.TopicPartition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group coordinator on a real 3-peer Ratis group (real ports, RocksDB, one real storage node
 * so topics can be placed), driven by members that speak its heartbeat protocol directly and
 * record when they use each partition. The whole ownership history is checked, as is every group
 * record read from the coordinator meanwhile.
 */
class GroupCoordinationTest {
    private static final String GROUP = "billing";
    /** Long enough that a loaded machine never misses a heartbeat by accident. */
    private static final int SESSION_MS = 15_000;
    private static final int SHORT_SESSION_MS = 3_000;

    @TempDir
    Path dataDir;

    private LocalCluster cluster;
    private MetadataClient metadata;
    private final OwnershipHistory history = new OwnershipHistory();
    private final List<SimulatedMember> members = new ArrayList<>();
    private final List<GroupDescription> observed = new CopyOnWriteArrayList<>();
    private volatile boolean observing = true;
    private Thread observer;

    @BeforeEach
    void start() {
        cluster = LocalCluster.builder().dataDir(dataDir).storageNodes(1).gateways(0).build().start();
        metadata = new MetadataClient(cluster.metadataAddresses(), Duration.ofSeconds(20));
        metadata.call(stub -> stub.createTopic(CreateTopicRequest.newBuilder().setName("orders").setPartitions(6)
                .setReplicationFactor(1).build()));
        observer = new Thread(this::observe, "group-observer");
        observer.setDaemon(true);
        observer.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        observing = false;
        observer.join(10_000);
        members.forEach(SimulatedMember::close);
        metadata.close();
        cluster.close();
    }

    /** Reads the group record from the coordinator every 50 ms, for the Raft-state checks. */
    private void observe() {
        while (observing) {
            try {
                observed.add(describe());
            } catch (RuntimeException e) {
                // no group yet, or a leader election: try again
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private GroupDescription describe() {
        return metadata.call(stub -> stub.describeGroup(DescribeGroupRequest.newBuilder().setGroup(GROUP).build()));
    }

    private SimulatedMember join(String id, int sessionMs) {
        SimulatedMember m = new SimulatedMember(metadata, GROUP, id, sessionMs, history).start();
        members.add(m);
        return m;
    }

    /** Waits until the coordinator's group is stable with these members owning these many partitions each. */
    private void awaitStable(Map<String, Integer> expected) {
        BooleanSupplier settled = () -> {
            GroupDescription g = describe();
            if (!"STABLE".equals(g.getState()) || g.getMembersCount() != expected.size()) {
                return false;
            }
            for (GroupMember m : g.getMembersList()) {
                if (!expected.containsKey(m.getMemberId()) || m.getAssignmentCount() != expected.get(m.getMemberId())) {
                    return false;
                }
            }
            Map<String, Set<String>> holders = history.holders();
            return expected.entrySet().stream().allMatch(e ->
                    holders.getOrDefault(e.getKey(), Set.of()).size() == e.getValue());
        };
        cluster.await("group " + expected, 60_000, settled);
    }

    /** Partitions released in a phase by the given members (those that stay in the group). */
    private static List<OwnershipHistory.Event> releasesBy(List<OwnershipHistory.Event> phase, String... owners) {
        Set<String> who = Set.of(owners);
        return phase.stream().filter(e -> !e.acquired() && who.contains(e.owner())).toList();
    }

    @Test
    void threeMembersJoinOneLeavesOneTimesOutAndNoPartitionEverHasTwoOwners() {
        join("a", SESSION_MS);
        awaitStable(Map.of("a", 6));

        long mark = history.mark();
        join("b", SESSION_MS);
        awaitStable(Map.of("a", 3, "b", 3));
        assertEquals(3, releasesBy(history.since(mark), "a").size(), "a gives up only what b needs: " + history);

        mark = history.mark();
        SimulatedMember c = join("c", SHORT_SESSION_MS);
        awaitStable(Map.of("a", 2, "b", 2, "c", 2));
        assertEquals(1, releasesBy(history.since(mark), "a").size(), "one move from a: " + history);
        assertEquals(1, releasesBy(history.since(mark), "b").size(), "one move from b: " + history);

        mark = history.mark();
        members.get(1).leave();
        awaitStable(Map.of("a", 3, "c", 3));
        assertEquals(List.of(), releasesBy(history.since(mark), "a", "c"), "b's leave moves nothing else");

        mark = history.mark();
        c.crash();
        assertTrue(describe().getMembersList().stream().anyMatch(m -> m.getMemberId().equals("c")),
                "a crash says nothing: c is still a member");
        awaitStable(Map.of("a", 6));
        long movedAfterMs = (System.nanoTime() - c.lastAnsweredSendNanos()) / 1_000_000;
        assertTrue(movedAfterMs >= SHORT_SESSION_MS, "c's partitions moved only once its session timed out, "
                + movedAfterMs + " ms after its last heartbeat");
        assertEquals(List.of(), releasesBy(history.since(mark), "a"), "a loses nothing when c expires");

        history.checkOneOwnerAtATime();
        checkObservedRecords();
    }

    @Test
    void theGroupSurvivesAMetadataLeaderFailover() {
        join("a", SESSION_MS);
        join("b", SESSION_MS);
        awaitStable(Map.of("a", 3, "b", 3));
        GroupDescription before = describe();

        int leader = -1;
        for (int i = 0; i < 3; i++) {
            if (cluster.metadataPeer(i).isLeader()) {
                leader = i;
            }
        }
        assertTrue(leader >= 0);
        cluster.stopMetadataPeer(leader);
        // Heartbeats now reach a new leader, which must know the group exactly as it was.
        assertEquals(before, describe(), "the new leader has the same members, epochs and assignments");

        long mark = history.mark();
        join("c", SESSION_MS);
        awaitStable(Map.of("a", 2, "b", 2, "c", 2));
        assertEquals(before.getGroupEpoch() + 1, describe().getGroupEpoch(), "one more epoch: c's join");
        assertEquals(2, releasesBy(history.since(mark), "a", "b").size(), "only the two moves c needs: " + history);
        assertFalse(members.get(0).removed() || members.get(1).removed(), "nobody expired over the failover");

        cluster.startMetadataPeer(leader);
        history.checkOneOwnerAtATime();
        checkObservedRecords();
    }

    /** Every description read from the coordinator had disjoint owned sets, and epochs never went back. */
    private void checkObservedRecords() {
        assertFalse(observed.isEmpty(), "the coordinator was observed");
        int epoch = 0;
        for (GroupDescription g : observed) {
            Set<TopicPartition> seen = new HashSet<>();
            for (GroupMember m : g.getMembersList()) {
                List<TopicPartition> owned = new ArrayList<>(m.getAssignmentList());
                owned.addAll(m.getRevokingList());
                for (TopicPartition tp : owned) {
                    assertTrue(seen.add(tp), () -> tp + " is owned by two members in " + g);
                }
            }
            assertTrue(g.getGroupEpoch() >= epoch, "group epoch went back: " + g);
            epoch = g.getGroupEpoch();
        }
    }
}
