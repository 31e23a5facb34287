package io.strata.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.proto.AdminGrpc;
import io.strata.proto.ConsumedRecord;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.DescribeGroupRequest;
import io.strata.proto.DescribeTopicRequest;
import io.strata.proto.FetchOffsetsRequest;
import io.strata.proto.FetchRequest;
import io.strata.proto.TopicPartitionOffset;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client commands end to end against a real one-node cluster (metadata peer, storage node and
 * gateway in this JVM, on 127.0.0.1): exit codes, what is printed, and what reached the log.
 */
@Timeout(120)
class ClientCommandsTest extends OneNodeClusterTest {
    /** A new single-partition topic, so tests sharing the cluster do not see each other's records. */
    private static String newTopic() {
        return newTopic(1);
    }

    private static CommandRun produce(String stdin, String... args) {
        ProduceCommand command = new ProduceCommand();
        command.input = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        return CommandRun.of(command, args);
    }

    private static List<ConsumedRecord> stored(String topic) {
        return ConsumerGrpc.newBlockingStub(channel)
                .fetch(FetchRequest.newBuilder().setTopic(topic).setPartition(0).setOffset(0).build())
                .getRecordsList();
    }

    @Test
    void topicsCreateThenDescribePrintsTheTable() {
        CommandRun created = CommandRun.of(new TopicsCommand(), "create", "orders", "--partitions", "1",
                "--replication-factor", "1", "--config", "retention.ms=1000", "--bootstrap", bootstrap);
        assertEquals(0, created.exitCode(), created.err());
        assertEquals("created topic orders with 1 partitions and replication factor 1\n", created.out());
        assertEquals("1000", AdminGrpc.newBlockingStub(channel)
                .describeTopic(DescribeTopicRequest.newBuilder().setName("orders").build())
                .getConfigsMap().get("retention.ms"));

        CommandRun described = CommandRun.of(new TopicsCommand(), "describe", "orders", "--bootstrap", bootstrap);
        assertEquals(0, described.exitCode(), described.err());
        assertTrue(described.out().contains("PARTITION  LEADER  EPOCH  REPLICAS  ISR"), described.out());
        assertTrue(described.out().contains("retention.ms=1000"), described.out());

        CommandRun listed = CommandRun.of(new TopicsCommand(), "list", "--bootstrap", bootstrap);
        assertTrue(listed.out().lines().anyMatch("orders"::equals), listed.out());
    }

    @Test
    void gatewayErrorExitsWithOneAndOneLineOnStderr() {
        CommandRun run = CommandRun.of(new TopicsCommand(), "describe", "nope", "--bootstrap", bootstrap);

        assertEquals(1, run.exitCode());
        assertEquals("error: UNKNOWN_TOPIC: topic 'nope' does not exist; create it first (strata topics create nope)\n", run.err());
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
        CommandRun run = produce("", "t", "--acks", "2", "--bootstrap", bootstrap);
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("acks must be one of all, 1, 0"), run.err());
    }

    @Test
    void produceSendsOneRecordPerLineSplittingKeysAndReportsOnStderr() {
        String topic = newTopic();

        CommandRun run = produce("k1:v1\nk2:v:2\n", topic, "--key-separator", ":", "--acks", "1",
                "--bootstrap", bootstrap);

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().matches("produced 2 records to " + topic + " in \\d+ ms\\n"), run.err());
        List<ConsumedRecord> records = stored(topic);
        assertEquals(2, records.size());
        assertEquals("k1", records.get(0).getKey().toStringUtf8());
        assertEquals("v1", records.get(0).getValue().toStringUtf8());
        assertEquals("v:2", records.get(1).getValue().toStringUtf8());
    }

    @Test
    void produceWithoutSeparatorSendsKeylessRecords() {
        String topic = newTopic();

        CommandRun run = produce("a:b\n\n", topic, "--bootstrap", bootstrap);

        assertEquals(0, run.exitCode(), run.err());
        List<ConsumedRecord> records = stored(topic);
        assertEquals(2, records.size());
        assertFalse(records.get(0).hasKey());
        assertEquals("a:b", records.get(0).getValue().toStringUtf8());
        assertEquals("", records.get(1).getValue().toStringUtf8());
    }

    @Test
    void produceToAnUnknownTopicExitsWithOne() {
        CommandRun run = produce("x\n", "missing", "--bootstrap", bootstrap);

        assertEquals(1, run.exitCode());
        assertEquals("error: UNKNOWN_TOPIC: topic 'missing' does not exist; create it first (strata topics create missing)\n", run.err());
    }

    @Test
    void produceStopsAtALineWithoutTheSeparator() {
        String topic = newTopic();

        CommandRun run = produce("k:v\nbroken\n", topic, "--key-separator", ":", "--bootstrap", bootstrap);

        assertEquals(1, run.exitCode());
        assertTrue(run.err().startsWith("error: line 2 has no key separator ':'"), run.err());
        assertEquals(1, stored(topic).size(), "lines before the bad one were still sent");
    }

    @Test
    void consumePrintsKeysAndValuesCommitsAndStopsAfterMaxMessages() {
        String topic = newTopic();
        produce("a:1\nb:2\nc:3\n", topic, "--key-separator", ":", "--bootstrap", bootstrap);

        CommandRun run = CommandRun.of(new ConsumeCommand(), topic, "--group", "g-" + topic, "--from-beginning",
                "--max-messages", "2", "--print-key", "--bootstrap", bootstrap);

        assertEquals(0, run.exitCode(), run.err());
        assertEquals("a\t1\nb\t2\n", run.out());
        assertEquals("consumed 2 messages\n", run.err());
        List<TopicPartitionOffset> committed = ConsumerGrpc.newBlockingStub(channel)
                .fetchOffsets(FetchOffsetsRequest.newBuilder().setGroup("g-" + topic).build()).getOffsetsList();
        assertEquals(List.of(2L), committed.stream().map(TopicPartitionOffset::getOffset).toList(),
                "only printed records are committed");
        assertEquals(0, AdminGrpc.newBlockingStub(channel)
                .describeGroup(DescribeGroupRequest.newBuilder().setGroup("g-" + topic).build())
                .getMembersCount(), "left the group");
    }

    @Test
    void consumeExitsAfterTimeoutWithoutRecordsStartingFromLatestByDefault() {
        String topic = newTopic();
        produce("old\n", topic, "--bootstrap", bootstrap);

        CommandRun run = CommandRun.of(new ConsumeCommand(), topic, "--group", "g-" + topic, "--timeout-ms", "300",
                "--bootstrap", bootstrap);

        assertEquals(0, run.exitCode(), run.err());
        assertEquals("", run.out(), "starts at the end, so the record written before is not shown");
        assertEquals("consumed 0 messages\n", run.err());
    }

    @Test
    void consumeRequiresAGroup() {
        String topic = newTopic();
        CommandRun run = CommandRun.of(new ConsumeCommand(), topic, "--bootstrap", bootstrap);
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--group"), run.err());
        assertEquals(Map.of(), Map.copyOf(AdminGrpc.newBlockingStub(channel)
                .listGroups(io.strata.proto.ListGroupsRequest.getDefaultInstance()).getGroupsList().stream()
                .filter(g -> g.getGroup().contains(topic))
                .collect(java.util.stream.Collectors.toMap(g -> g.getGroup(), g -> g.getMembers()))),
                "no group was joined");
    }
}
