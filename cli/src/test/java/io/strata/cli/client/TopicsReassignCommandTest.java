package io.strata.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.client.Bootstrap;
import io.strata.client.admin.StrataAdmin;
import io.strata.testkit.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code strata topics reassign} against a real cluster of four storage nodes: move, list, cancel, refusals. */
class TopicsReassignCommandTest {
    @TempDir
    Path dataDir;

    private static CommandRun reassign(String bootstrap, String... args) {
        List<String> all = new ArrayList<>(List.of("reassign"));
        all.addAll(List.of(args));
        all.addAll(List.of("--bootstrap", bootstrap));
        return CommandRun.of(new TopicsCommand(), all.toArray(String[]::new));
    }

    private static String ids(List<Integer> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    @Test
    void movesListsAndCancelsReassignments() {
        try (LocalCluster cluster = LocalCluster.builder().dataDir(dataDir).storageNodes(4).build().start();
             StrataAdmin admin = new StrataAdmin(Bootstrap.parse(cluster.gatewayAddress().toString()),
                     Duration.ofSeconds(30))) {
            String bootstrap = cluster.gatewayAddress().toString();
            List<Integer> placed = admin.createTopic("orders", 1, 3, Map.of("min.insync.replicas", "2"))
                    .getPartitions(0).getReplicasList();
            int spare = List.of(1, 2, 3, 4).stream().filter(n -> !placed.contains(n)).findFirst().orElseThrow();
            List<Integer> target = List.of(spare, placed.get(1), placed.get(2));

            CommandRun moved = reassign(bootstrap, "--topic", "orders", "--partition", "0", "--replicas", ids(target),
                    "--wait");
            assertEquals(0, moved.exitCode(), moved.err());
            List<String> lines = moved.out().lines().toList();
            assertEquals("reassigning orders-0: replicas " + ids(target) + "," + placed.get(0) + ", adding " + spare
                    + ", removing " + placed.get(0), lines.get(0));
            assertTrue(lines.get(1).startsWith("orders-0 moved to replicas " + ids(target) + " (leader "), moved.out());
            assertEquals(target, admin.describeTopic("orders").getPartitions(0).getReplicasList());
            assertEquals("no reassignments in progress\n", reassign(bootstrap, "--list").out());

            // The node moved away stops: a move back onto it stays in progress, so it can be listed and cancelled.
            cluster.stopStorageNodeAbruptly(placed.get(0) - 1);
            CommandRun started = reassign(bootstrap, "--topic", "orders", "--partition", "0", "--replicas",
                    ids(List.of(placed.get(0), placed.get(1), placed.get(2))));
            assertEquals(0, started.exitCode(), started.err());
            CommandRun listed = reassign(bootstrap, "--list", "--topic", "orders");
            List<String[]> table = listed.out().lines().map(l -> l.split(" +")).toList();
            assertEquals(List.of("TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING", "ISR", "LEADER"),
                    List.of(table.get(0)), listed.out());
            assertEquals(List.of("orders", "0", ids(List.of(placed.get(0), placed.get(1), placed.get(2), spare)),
                    "" + placed.get(0), "" + spare), List.of(table.get(1)).subList(0, 5), listed.out());
            CommandRun cancelled = reassign(bootstrap, "--cancel", "--topic", "orders", "--partition", "0");
            assertEquals("cancelled the reassignment of orders-0; its replicas are " + ids(List.of(placed.get(1),
                    placed.get(2), spare)) + "\n", cancelled.out(), cancelled.err());

            CommandRun none = reassign(bootstrap, "--cancel", "--topic", "orders", "--partition", "0");
            assertEquals(1, none.exitCode());
            assertTrue(none.err().startsWith("error: NO_REASSIGNMENT_IN_PROGRESS: orders-0 is not being reassigned"),
                    none.err());
            CommandRun unknown = reassign(bootstrap, "--topic", "orders", "--partition", "0", "--replicas", "1,2,9");
            assertEquals(1, unknown.exitCode());
            assertTrue(unknown.err().contains("INVALID_REPLICA_ASSIGNMENT"), unknown.err());
            CommandRun usage = reassign(bootstrap, "--topic", "orders");
            assertEquals(2, usage.exitCode());
            assertTrue(usage.err().contains("--topic and --partition are required"), usage.err());
        }
    }
}
