package io.strata.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.testkit.LocalCluster;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's five-minute walk-through, command for command, against a real cluster: create a
 * topic, produce keyed lines, consume them with a group, resume the group after a new record,
 * and replay everything with a new group.
 */
class ReadmeWalkthroughTest {
    @TempDir
    Path dataDir;

    @Test
    void walkthroughFromTheReadmeWorks() {
        try (LocalCluster cluster = LocalCluster.builder().dataDir(dataDir).build().start()) {
            String bootstrap = cluster.gatewayAddress().toString();

            CommandRun created = CommandRun.of(new TopicsCommand(), "create", "orders", "--partitions", "6",
                    "--replication-factor", "3", "--bootstrap", bootstrap);
            assertEquals(0, created.exitCode(), created.err());
            CommandRun described = CommandRun.of(new TopicsCommand(), "describe", "orders", "--bootstrap", bootstrap);
            assertTrue(described.out().contains("Partitions: 6"), described.out());

            CommandRun produced = produce("alice:order-1\nbob:order-2\nalice:order-3\ncarol:order-4\n",
                    "orders", "--key-separator", ":", "--bootstrap", bootstrap);
            assertEquals(0, produced.exitCode(), produced.err());

            CommandRun billing = consume(bootstrap, "--group", "billing", "--from-beginning", "--max-messages", "4",
                    "--print-key");
            assertEquals(List.of("alice\torder-1", "alice\torder-3", "bob\torder-2", "carol\torder-4"),
                    billing.out().lines().sorted().toList());
            assertTrue(billing.out().indexOf("order-1") < billing.out().indexOf("order-3"), "per-key order");

            // dave's partition returned nothing to billing so far; the group must still resume there.
            produce("dave:order-5\n", "orders", "--key-separator", ":", "--bootstrap", bootstrap);
            CommandRun resumed = consume(bootstrap, "--group", "billing", "--max-messages", "1", "--timeout-ms", "10000");
            assertEquals(List.of("order-5"), resumed.out().lines().toList(), resumed.err());

            CommandRun replay = consume(bootstrap, "--group", "audit", "--from-beginning", "--max-messages", "5");
            assertEquals(5, replay.out().lines().count(), replay.err());
        }
    }

    private static CommandRun produce(String stdin, String... args) {
        ProduceCommand command = new ProduceCommand();
        command.input = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        return CommandRun.of(command, args);
    }

    private static CommandRun consume(String bootstrap, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "orders";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--bootstrap";
        all[args.length + 2] = bootstrap;
        return CommandRun.of(new ConsumeCommand(), all);
    }
}
