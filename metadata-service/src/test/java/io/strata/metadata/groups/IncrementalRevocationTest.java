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

class IncrementalRevocationTest {
    private static GroupPartition p(int i) {
        return new GroupPartition("t", i);
    }

    @Test
    void aMovingPartitionIsRevokedBeforeItIsGivenAndUnaffectedMembersKeepTheirs() {
        Map<String, Set<GroupPartition>> owned = Map.of("a", Set.of(p(0), p(1)), "b", Set.of(p(2), p(3)));
        Map<String, Set<GroupPartition>> target = Map.of("a", Set.of(p(0)), "b", Set.of(p(2), p(3)),
                "c", Set.of(p(1)));
        var allowed = IncrementalRevocation.allowed(target, owned);
        assertEquals(Set.of(p(0)), allowed.get("a"), "a must give up p1");
        assertEquals(Set.of(p(2), p(3)), allowed.get("b"), "b is untouched");
        assertEquals(Set.of(), allowed.get("c"), "c waits until a has let go of p1");
        assertEquals(Set.of(p(1)), IncrementalRevocation.toRevoke(target.get("a"), owned.get("a")));

        Map<String, Set<GroupPartition>> acked = new HashMap<>(owned);
        acked.put("a", Set.of(p(0)));
        assertEquals(Set.of(p(1)), IncrementalRevocation.allowed(target, acked).get("c"));
    }

    /** Random disjoint ownerships and targets: members that adopt what they are allowed converge in two rounds. */
    @Test
    void noPartitionIsEverOwnedTwiceAndTheGroupReachesItsTargetInTwoRounds() {
        Random r = new Random(3);
        List<String> members = List.of("a", "b", "c", "d");
        for (int round = 0; round < 2000; round++) {
            Map<String, Set<GroupPartition>> owned = new TreeMap<>();
            Map<String, Set<GroupPartition>> target = new TreeMap<>();
            members.forEach(m -> {
                owned.put(m, new TreeSet<>());
                target.put(m, new TreeSet<>());
            });
            for (int i = 0; i < 8; i++) {
                if (r.nextInt(4) > 0) {
                    owned.get(members.get(r.nextInt(4))).add(p(i));
                }
                target.get(members.get(r.nextInt(4))).add(p(i));
            }
            Map<String, Set<GroupPartition>> state = owned;
            for (int step = 0; step < 2; step++) {
                var allowed = IncrementalRevocation.allowed(target, state);
                Set<GroupPartition> seen = new TreeSet<>();
                for (String m : members) {
                    for (GroupPartition gp : allowed.get(m)) {
                        assertTrue(seen.add(gp), gp + " allowed to two members: " + allowed);
                    }
                    Set<GroupPartition> keep = new TreeSet<>(state.get(m));
                    keep.retainAll(target.get(m));
                    assertTrue(allowed.get(m).containsAll(keep), m + " keeps what stays with it");
                }
                state = allowed;
            }
            assertEquals(target, state, "converged from " + owned);
        }
    }
}
