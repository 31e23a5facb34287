package io.strata.metadata.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RangeAssignorTest {
    private static Set<GroupPartition> parts(String topic, int... ps) {
        Set<GroupPartition> out = new TreeSet<>();
        for (int p : ps) {
            out.add(new GroupPartition(topic, p));
        }
        return out;
    }

    @Test
    void eachMemberGetsOneContiguousRangeAndTheFirstOnesTakeTheRemainder() {
        Map<String, Set<String>> subs = Map.of("a", Set.of("t"), "b", Set.of("t"), "c", Set.of("t"));
        var target = RangeAssignor.assign(subs, Map.of("t", 7));
        assertEquals(parts("t", 0, 1, 2), target.get("a"));
        assertEquals(parts("t", 3, 4), target.get("b"));
        assertEquals(parts("t", 5, 6), target.get("c"));
    }

    @Test
    void equallyPartitionedTopicsAreCoPartitioned() {
        Map<String, Set<String>> subs = Map.of("m1", Set.of("orders", "payments"), "m2", Set.of("orders", "payments"));
        var target = RangeAssignor.assign(subs, Map.of("orders", 4, "payments", 4));
        for (String m : List.of("m1", "m2")) {
            Set<Integer> orders = new TreeSet<>();
            Set<Integer> payments = new TreeSet<>();
            target.get(m).forEach(p -> (p.topic().equals("orders") ? orders : payments).add(p.partition()));
            assertEquals(orders, payments, "partition i of both topics goes to the same member " + m);
            assertEquals(2, orders.size());
        }
    }

    @Test
    void onlySubscribersShareATopicAndEveryPartitionHasOneOwner() {
        Map<String, Set<String>> subs = new TreeMap<>(Map.of("a", Set.of("x"), "b", Set.of("x", "y"),
                "c", Set.of("y"), "d", Set.of("missing")));
        var target = RangeAssignor.assign(subs, Map.of("x", 5, "y", 3));
        assertEquals(Set.of(), target.get("d"), "a topic without partitions gives nothing");
        Set<GroupPartition> seen = new TreeSet<>();
        target.forEach((m, ps) -> ps.forEach(p -> {
            assertTrue(subs.get(m).contains(p.topic()), m + " got " + p + " without subscribing");
            assertTrue(seen.add(p), p + " has two owners");
        }));
        assertEquals(8, seen.size());
        assertEquals(parts("x", 0, 1, 2), target.get("a"));
        assertEquals(parts("y", 2), target.get("c"));
    }

    @Test
    void noMembersOrNoPartitionsGiveEmptyTargets() {
        assertEquals(Map.of(), RangeAssignor.assign(Map.of(), Map.of("t", 3)));
        assertEquals(Map.of("a", Set.of()), RangeAssignor.assign(Map.of("a", Set.of("t")), Map.of("t", 0)));
    }
}
