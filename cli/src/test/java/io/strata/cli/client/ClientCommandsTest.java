package io.strata.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.proto.Record;
import io.strata.proto.SubscribeRequest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client commands end to end against an in-memory gateway on 127.0.0.1. */
@Timeout(60)
class ClientCommandsTest {

    private FakeGateway gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new FakeGateway();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private CommandRun produce(String stdin, String... args) {
        ProduceCommand command = new ProduceCommand();
        command.input = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        return CommandRun.of(command, args);
    }

    @Test
    void topicsCreateThenDescribePrintsTheTable() {
        CommandRun created = CommandRun.of(new TopicsCommand(), "create", "orders", "--partitions", "1",
                "--replication-factor", "1", "--config", "retention.ms=1000", "--bootstrap", gateway.address());
        assertEquals(0, created.exitCode(), created.err());
        assertEquals("created topic orders with 1 partitions and replication factor 1\n", created.out());
        assertEquals(Map.of("retention.ms", "1000"), gateway.topics.get("orders").getConfigsMap());

        CommandRun described = CommandRun.of(new TopicsCommand(), "describe", "orders", "--bootstrap", gateway.address());
        assertEquals(0, described.exitCode(), described.err());
        assertTrue(described.out().contains("PARTITION  LEADER  EPOCH  REPLICAS  ISR"), described.out());
        assertTrue(described.out().contains("retention.ms=1000"), described.out());

        CommandRun listed = CommandRun.of(new TopicsCommand(), "list", "--bootstrap", gateway.address());
        assertEquals("orders\n", listed.out());
    }

    @Test
    void gatewayErrorExitsWithOneAndOneLineOnStderr() {
        CommandRun run = CommandRun.of(new TopicsCommand(), "describe", "nope", "--bootstrap", gateway.address());

        assertEquals(1, run.exitCode());
        assertEquals("error: UNKNOWN_TOPIC: topic 'nope' does not exist\n", run.err());
        assertEquals("", run.out());
    }

    @Test
    void malformedBootstrapExitsWithOneNamingTheAddress() {
        CommandRun run = CommandRun.of(new TopicsCommand(), "list", "--bootstrap", "no-port");

        assertEquals(1, run.exitCode());
        assertTrue(run.err().startsWith("error: bootstrap address 'no-port'"), run.err());
        assertEquals(1, run.err().lines().count());
    }

    @Test
    void helpWorksOnEveryCommandAndMentionsBootstrap() {
        for (Object command : List.of(new ProduceCommand(), new ConsumeCommand(), new TopicsCreateCommand())) {
            CommandRun run = CommandRun.of(command, "--help");
            assertEquals(0, run.exitCode());
            assertTrue(run.out().contains("--bootstrap=HOST:PORT"), run.out());
        }
        CommandRun topics = CommandRun.of(new TopicsCommand(), "--help");
        assertEquals(0, topics.exitCode());
        assertTrue(topics.out().contains("describe"), topics.out());
    }

    @Test
    void invalidAcksIsAUsageError() {
        CommandRun run = produce("", "t", "--acks", "2", "--bootstrap", gateway.address());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("acks must be one of all, 1, 0"), run.err());
    }

    @Test
    void produceSendsOneRecordPerLineSplittingKeysAndReportsOnStderr() {
        gateway.topics.put("t", io.strata.proto.TopicDescription.newBuilder().setName("t").build());

        CommandRun run = produce("k1:v1\nk2:v:2\n", "t", "--key-separator", ":", "--acks", "1",
                "--bootstrap", gateway.address());

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().matches("produced 2 records to t in \\d+ ms\\n"), run.err());
        List<Record> records = gateway.produced;
        assertEquals(2, records.size());
        assertEquals("k1", records.get(0).getKey().toStringUtf8());
        assertEquals("v1", records.get(0).getValue().toStringUtf8());
        assertEquals("v:2", records.get(1).getValue().toStringUtf8());
    }

    @Test
    void produceWithoutSeparatorSendsKeylessRecords() {
        gateway.topics.put("t", io.strata.proto.TopicDescription.newBuilder().setName("t").build());

        CommandRun run = produce("a:b\n\n", "t", "--bootstrap", gateway.address());

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(2, gateway.produced.size());
        assertFalse(gateway.produced.get(0).hasKey());
        assertEquals("a:b", gateway.produced.get(0).getValue().toStringUtf8());
        assertEquals("", gateway.produced.get(1).getValue().toStringUtf8());
    }

    @Test
    void produceToAnUnknownTopicExitsWithOne() {
        CommandRun run = produce("x\n", "missing", "--bootstrap", gateway.address());

        assertEquals(1, run.exitCode());
        assertEquals("error: UNKNOWN_TOPIC: topic 'missing' does not exist\n", run.err());
    }

    @Test
    void produceStopsAtALineWithoutTheSeparator() {
        gateway.topics.put("t", io.strata.proto.TopicDescription.newBuilder().setName("t").build());

        CommandRun run = produce("k:v\nbroken\n", "t", "--key-separator", ":", "--bootstrap", gateway.address());

        assertEquals(1, run.exitCode());
        assertTrue(run.err().startsWith("error: line 2 has no key separator ':'"), run.err());
        assertEquals(1, gateway.produced.size(), "lines before the bad one were still sent");
    }

    @Test
    void consumePrintsKeysAndValuesCommitsAndStopsAfterMaxMessages() {
        gateway.topics.put("t", io.strata.proto.TopicDescription.newBuilder().setName("t").build());
        produce("a:1\nb:2\nc:3\n", "t", "--key-separator", ":", "--bootstrap", gateway.address());

        CommandRun run = CommandRun.of(new ConsumeCommand(), "t", "--group", "g", "--from-beginning",
                "--max-messages", "2", "--print-key", "--bootstrap", gateway.address());

        assertEquals(0, run.exitCode(), run.err());
        assertEquals("a\t1\nb\t2\n", run.out());
        assertEquals("consumed 2 messages\n", run.err());
        SubscribeRequest join = gateway.subscribeRequests.get(0);
        assertEquals(io.strata.proto.OffsetReset.OFFSET_RESET_EARLIEST, join.getJoin().getAutoOffsetReset());
        SubscribeRequest commit = gateway.subscribeRequests.stream()
                .filter(SubscribeRequest::hasCommit).findFirst().orElseThrow();
        assertEquals(2, commit.getCommit().getOffsets(0).getOffset(), "only printed records are committed");
        assertTrue(gateway.subscribeRequests.stream().anyMatch(SubscribeRequest::hasLeave), "left the group");
    }

    @Test
    void consumeExitsAfterTimeoutWithoutRecordsStartingFromLatestByDefault() {
        CommandRun run = CommandRun.of(new ConsumeCommand(), "t", "--group", "g", "--timeout-ms", "300",
                "--bootstrap", gateway.address());

        assertEquals(0, run.exitCode(), run.err());
        assertEquals("", run.out());
        assertEquals("consumed 0 messages\n", run.err());
        assertEquals(io.strata.proto.OffsetReset.OFFSET_RESET_LATEST,
                gateway.subscribeRequests.get(0).getJoin().getAutoOffsetReset());
    }

    @Test
    void consumeRequiresAGroup() {
        CommandRun run = CommandRun.of(new ConsumeCommand(), "t", "--bootstrap", gateway.address());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--group"), run.err());
        assertNull(gateway.subscribeRequests.isEmpty() ? null : "joined");
    }
}
