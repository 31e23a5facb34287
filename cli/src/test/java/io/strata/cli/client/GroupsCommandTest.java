package io.strata.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.client.Bootstrap;
import io.strata.client.consumer.ConsumerConfig;
import io.strata.client.consumer.StrataConsumer;
import io.strata.testkit.LocalCluster;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata groups list|describe|delete|reset-offsets} against a real cluster: the output a
 * person reads, every reset target, and the errors (usage mistakes exit 2, refusals exit 1 with
 * the reason).
 */
class GroupsCommandTest {
    @TempDir
    Path dataDir;

    private String bootstrap;

    private CommandRun groups(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--bootstrap";
        all[args.length + 1] = bootstrap;
        return CommandRun.of(new GroupsCommand(), all);
    }

    @Test
    void groupsAreListedDescribedResetAndDeleted() {
        try (LocalCluster cluster = LocalCluster.builder().dataDir(dataDir).build().start()) {
            bootstrap = cluster.gatewayAddress().toString();
            assertEquals(0, CommandRun.of(new TopicsCommand(), "create", "orders", "--partitions", "2",
                    "--replication-factor", "1", "--bootstrap", bootstrap).exitCode());
            ProduceCommand produce = new ProduceCommand();
            produce.input = new ByteArrayInputStream("a:1\nb:2\nc:3\nd:4\ne:5\nf:6\n".getBytes(StandardCharsets.UTF_8));
            assertEquals(0, CommandRun.of(produce, "orders", "--key-separator", ":", "--bootstrap", bootstrap).exitCode());
            CommandRun consumed = CommandRun.of(new ConsumeCommand(), "orders", "--group", "billing",
                    "--from-beginning", "--max-messages", "6", "--bootstrap", bootstrap);
            assertEquals(0, consumed.exitCode(), consumed.err());

            CommandRun listed = groups("list");
            assertEquals(0, listed.exitCode(), listed.err());
            assertTrue(listed.out().startsWith("GROUP    STATE  MEMBERS\n"), listed.out());
            assertTrue(listed.out().contains("billing  EMPTY  0"), listed.out());

            CommandRun described = groups("describe", "billing");
            assertEquals(0, described.exitCode(), described.err());
            assertTrue(described.out().startsWith("Group: billing  State: EMPTY"), described.out());
            assertTrue(described.out().contains("Members: (none)"), described.out());
            assertTrue(described.out().contains("TOPIC   PARTITION  COMMITTED  HIGH-WATERMARK  LAG  METADATA"),
                    described.out());

            CommandRun dry = groups("reset-offsets", "billing", "--topic", "orders", "--to-earliest");
            assertEquals(0, dry.exitCode(), dry.err());
            assertTrue(dry.out().contains("GROUP    TOPIC   PARTITION  NEW-OFFSET\nbilling  orders  0          0\n"),
                    dry.out());
            assertTrue(dry.out().endsWith("dry run: nothing was changed; add --execute to apply\n"), dry.out());
            assertTrue(groups("describe", "billing").out().contains("LAG  METADATA\norders  0"), "unchanged");
            assertTrue(!groups("describe", "billing").out().matches("(?s).*orders\\s+0\\s+0\\s.*"),
                    "a dry run stores nothing");

            CommandRun executed = groups("reset-offsets", "billing", "--topic", "orders", "--to-offset", "1",
                    "--partitions", "0", "--execute");
            assertEquals(0, executed.exitCode(), executed.err());
            assertTrue(executed.out().contains("billing  orders  0          1\nreset 1 offsets of group billing\n"),
                    executed.out());
            assertTrue(groups("describe", "billing").out().matches("(?s).*\\norders\\s+0\\s+1\\s.*"),
                    groups("describe", "billing").out());
            CommandRun byTime = groups("reset-offsets", "billing", "--topic", "orders", "--to-datetime",
                    "2000-01-01T00:00:00Z", "--execute");
            assertTrue(byTime.out().contains("billing  orders  1          0\n"), byTime.out() + byTime.err());
            CommandRun toEnd = groups("reset-offsets", "billing", "--topic", "orders", "--to-latest", "--execute");
            assertEquals(0, toEnd.exitCode(), toEnd.err());
            assertTrue(groups("describe", "billing").out().matches("(?s).*\\norders\\s+0\\s+(\\d+)\\s+\\1\\s+0\\s.*"),
                    "committed at the high watermark, no lag");

            try (StrataConsumer member = new StrataConsumer(ConsumerConfig.builder("billing")
                    .bootstrap(Bootstrap.parse(bootstrap)).clientId("still-here").build())) {
                member.subscribe(List.of("orders"));
                CommandRun busy = groups("describe", "billing");
                assertTrue(busy.out().contains("State: STABLE"), busy.out());
                assertTrue(busy.out().contains("still-here  " + bootstrap), busy.out());
                assertTrue(busy.out().contains("orders-0,orders-1"), busy.out());
                CommandRun refused = groups("reset-offsets", "billing", "--topic", "orders", "--to-earliest",
                        "--execute");
                assertEquals(1, refused.exitCode());
                assertTrue(refused.err().startsWith("error: GROUP_NOT_EMPTY: group 'billing' has 1 active member(s)"),
                        refused.err());
                CommandRun notDeleted = groups("delete", "billing");
                assertEquals(1, notDeleted.exitCode());
                assertTrue(notDeleted.err().contains("cannot be deleted"), notDeleted.err());
            }
            CommandRun deleted = groups("delete", "billing");
            assertEquals("deleted group billing\n", deleted.out(), deleted.err());
            CommandRun gone = groups("describe", "billing");
            assertEquals(1, gone.exitCode());
            assertTrue(gone.err().startsWith("error: UNKNOWN_GROUP: group 'billing' does not exist"), gone.err());
        }
    }

    @Test
    void resetNeedsExactlyOneTargetAndAReadableTime() {
        bootstrap = "127.0.0.1:1"; // never reached: these are usage errors
        CommandRun none = groups("reset-offsets", "g", "--topic", "t");
        assertEquals(2, none.exitCode());
        assertTrue(none.err().contains("Error: Missing required argument"), none.err());
        CommandRun two = groups("reset-offsets", "g", "--topic", "t", "--to-earliest", "--to-latest");
        assertEquals(2, two.exitCode());
        assertTrue(two.err().contains("mutually exclusive"), two.err());
        CommandRun badTime = groups("reset-offsets", "g", "--topic", "t", "--to-datetime", "yesterday");
        assertEquals(2, badTime.exitCode());
        assertTrue(badTime.err().contains("--to-datetime 'yesterday' is not a date-time"), badTime.err());
        CommandRun bare = CommandRun.of(new GroupsCommand());
        assertEquals(2, bare.exitCode());
        assertTrue(bare.err().contains("one of list, describe, delete, reset-offsets"), bare.err());
    }
}
