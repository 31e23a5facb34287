package io.strata.metadata.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class UniformAssignorTest {
    private static Map<String, Set<String>> members(int n, Set<String> topics) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            out.put("m" + i, topics);
        }
        return out;
    }

    private static Map<String, Set<GroupPartition>> randomCurrent(Random r, Map<String, Set<String>> subs,
                                                                 Map<String, Integer> partitions) {
        Map<String, Set<GroupPartition>> out = new HashMap<>();
        for (String m : subs.keySet()) {
            Set<GroupPartition> s = new TreeSet<>();
            for (String t : partitions.keySet()) {
                for (int p = 0; p < partitions.get(t) + 1; p++) {
                    if (r.nextInt(3) == 0) {
                        s.add(new GroupPartition(t, p)); // may overlap, may be out of range
                    }
                }
            }
            out.put(m, s);
        }
        return out;
    }

    @Test
    void sameSubscriptionsGiveEveryPartitionToOneMemberAndCountsDifferByAtMostOne() {
        Random r = new Random(42);
        for (int members = 1; members <= 5; members++) {
            for (int pa = 0; pa <= 7; pa++) {
                for (int pb = 0; pb <= 4; pb++) {
                    for (int round = 0; round < 5; round++) {
                        Map<String, Integer> partitions = Map.of("a", pa, "b", pb);
                        Map<String, Set<String>> subs = members(members, Set.of("a", "b"));
                        var target = UniformAssignor.assign(subs, partitions, randomCurrent(r, subs, partitions));
                        Set<GroupPartition> seen = new TreeSet<>();
                        int min = Integer.MAX_VALUE;
                        int max = 0;
                        for (Set<GroupPartition> ps : target.values()) {
                            for (GroupPartition p : ps) {
                                assertTrue(seen.add(p), "assigned twice: " + p);
                                assertTrue(p.partition() < partitions.get(p.topic()), "exists: " + p);
                            }
                            min = Math.min(min, ps.size());
                            max = Math.max(max, ps.size());
                        }
                        assertEquals(pa + pb, seen.size(), "every partition assigned");
                        assertTrue(max - min <= 1, "balanced: " + target);
                    }
                }
            }
        }
    }

    @Test
    void partitionsGoOnlyToSubscribedMembersAndNoMoveImprovesTheBalance() {
        Random r = new Random(7);
        for (int round = 0; round < 500; round++) {
            Map<String, Set<String>> subs = new TreeMap<>();
            for (int m = 0; m < 1 + r.nextInt(4); m++) {
                Set<String> topics = new TreeSet<>();
                for (String t : List.of("a", "b", "c")) {
                    if (r.nextBoolean()) {
                        topics.add(t);
                    }
                }
                subs.put("m" + m, topics);
            }
            Map<String, Integer> partitions = Map.of("a", r.nextInt(6), "b", r.nextInt(6), "c", r.nextInt(6));
            var target = UniformAssignor.assign(subs, partitions, randomCurrent(r, subs, partitions));
            for (var e : target.entrySet()) {
                for (GroupPartition p : e.getValue()) {
                    assertTrue(subs.get(e.getKey()).contains(p.topic()), e.getKey() + " is not subscribed to " + p);
                    for (var other : subs.entrySet()) {
                        if (other.getValue().contains(p.topic())) {
                            assertTrue(target.get(other.getKey()).size() + 1 >= e.getValue().size(),
                                    p + " could move from " + e.getKey() + " to " + other.getKey() + ": " + target);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aJoiningMemberTakesOnlyItsShareAndALeavingMembersPartitionsAloneMove() {
        Map<String, Integer> partitions = Map.of("orders", 12);
        var three = UniformAssignor.assign(members(3, Set.of("orders")), partitions, Map.of());
        var four = UniformAssignor.assign(members(4, Set.of("orders")), partitions, three);
        int moved = 0;
        for (String m : three.keySet()) {
            Set<GroupPartition> kept = new TreeSet<>(three.get(m));
            kept.retainAll(four.get(m));
            moved += three.get(m).size() - kept.size();
            assertEquals(3, four.get(m).size());
        }
        assertEquals(3, moved, "exactly the new member's share moved");

        Map<String, Set<String>> withoutM0 = new TreeMap<>(members(4, Set.of("orders")));
        withoutM0.remove("m0");
        var after = UniformAssignor.assign(withoutM0, partitions, four);
        for (String m : withoutM0.keySet()) {
            assertTrue(after.get(m).containsAll(four.get(m)), m + " kept everything it had");
        }
    }
}
