package io.strata.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.cli.perf.PerfCommand;
import io.strata.proto.AdminGrpc;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.DescribeTopicRequest;
import io.strata.proto.FetchOffsetsRequest;
import io.strata.proto.ListOffsetsRequest;
import io.strata.proto.OffsetSpec;
import io.strata.proto.PartitionOffset;
import io.strata.proto.TopicDescription;
import io.strata.proto.TopicPartitionOffset;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code topics alter|add-partitions}, {@code cluster describe}, {@code consume --from-offset|
 * --from-timestamp|--partition} and {@code perf produce|consume|e2e} against a real one-node cluster
 * (metadata peer, storage node and gateway in this JVM on 127.0.0.1): each command's effect is
 * read back through the gateway, not only from what it prints.
 */
@Timeout(180)
class AdminAndPerfCommandsTest extends OneNodeClusterTest {
    private static TopicDescription describe(String topic) {
        return AdminGrpc.newBlockingStub(channel).describeTopic(DescribeTopicRequest.newBuilder().setName(topic).build());
    }

    private static void produceLines(String topic, String lines) {
        ProduceCommand command = new ProduceCommand();
        command.input = new ByteArrayInputStream(lines.getBytes(StandardCharsets.UTF_8));
        CommandRun run = CommandRun.of(command, topic, "--bootstrap", bootstrap);
        assertEquals(0, run.exitCode(), run.err());
    }

    private static long endOffsetSum(String topic) {
        return ConsumerGrpc.newBlockingStub(channel).listOffsets(ListOffsetsRequest.newBuilder().setTopic(topic)
                .setSpec(OffsetSpec.OFFSET_SPEC_LATEST).build()).getOffsetsList().stream()
                .mapToLong(PartitionOffset::getOffset).sum();
    }

    @Test
    void alterSetsAndDeletesConfigsAndDescribeShowsThem() {
        String topic = newTopic(1);
        String defaultRetention = describe(topic).getConfigsMap().get("retention.ms");

        CommandRun set = CommandRun.of(new TopicsCommand(), "alter", "--topic", topic, "--config", "retention.ms=3600000",
                "--config", "min.insync.replicas=1", "--bootstrap", bootstrap);
        assertEquals(0, set.exitCode(), set.err());
        assertTrue(set.out().contains("retention.ms=3600000"), set.out());
        assertEquals("3600000", describe(topic).getConfigsMap().get("retention.ms"));
        CommandRun described = CommandRun.of(new TopicsCommand(), "describe", topic, "--bootstrap", bootstrap);
        assertTrue(described.out().contains("  retention.ms=3600000\n"), described.out());

        CommandRun deleted = CommandRun.of(new TopicsCommand(), "alter", "--topic", topic, "--delete-config",
                "retention.ms", "--bootstrap", bootstrap);
        assertEquals(0, deleted.exitCode(), deleted.err());
        assertEquals(defaultRetention, describe(topic).getConfigsMap().get("retention.ms"), "back to the default");
    }

    @Test
    void alterRejectsUnknownConfigsAndEmptyChanges() {
        String topic = newTopic(1);
        CommandRun unknown = CommandRun.of(new TopicsCommand(), "alter", "--topic", topic, "--config", "no.such.key=1",
                "--bootstrap", bootstrap);
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.err().startsWith("error: INVALID_ARGUMENT") && unknown.err().contains("no.such.key"),
                unknown.err());
        CommandRun nothing = CommandRun.of(new TopicsCommand(), "alter", "--topic", topic, "--bootstrap", bootstrap);
        assertEquals(2, nothing.exitCode());
        assertTrue(nothing.err().contains("nothing to change"), nothing.err());
        CommandRun missing = CommandRun.of(new TopicsCommand(), "alter", "--topic", "absent-topic", "--config",
                "retention.ms=1000", "--bootstrap", bootstrap);
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("UNKNOWN_TOPIC"), missing.err());
    }

    @Test
    void addPartitionsRaisesTheTotalAndRefusesToShrink() {
        String topic = newTopic(2);
        CommandRun grown = CommandRun.of(new TopicsCommand(), "add-partitions", "--topic", topic, "--partitions", "5",
                "--bootstrap", bootstrap);
        assertEquals(0, grown.exitCode(), grown.err());
        assertEquals("topic " + topic + " now has 5 partitions\n", grown.out());
        assertEquals(5, describe(topic).getPartitionsCount());

        CommandRun shrink = CommandRun.of(new TopicsCommand(), "add-partitions", "--topic", topic, "--partitions", "3",
                "--bootstrap", bootstrap);
        assertEquals(1, shrink.exitCode());
        assertTrue(shrink.err().startsWith("error: INVALID_ARGUMENT"), shrink.err());
        assertEquals(5, describe(topic).getPartitionsCount());
    }

    @Test
    void clusterDescribeShowsTheNodeAndTheControllingPeer() {
        CommandRun run = CommandRun.of(new ClusterCommand(), "describe", "--bootstrap", bootstrap);
        assertEquals(0, run.exitCode(), run.err());
        String[] lines = run.out().split("\n");
        Matcher controller = Pattern.compile("^Controller: (\\S+)  StorageNodes: 1 \\(1 alive\\)  MetadataPeers: 1$")
                .matcher(lines[0]);
        assertTrue(controller.matches(), run.out());
        assertTrue(lines[1].matches("NODE +ADDRESS +RACK +STATE"), run.out());
        assertTrue(lines[2].matches("\\d+ +127\\.0\\.0\\.1:\\d+ +\\S+ +ALIVE"), run.out());
        assertTrue(Arrays.stream(lines).anyMatch(l -> l.matches(Pattern.quote(controller.group(1)) + " +\\S+ +LEADER")),
                "the controller is the peer shown as LEADER: " + run.out());
    }

    @Test
    void consumeFromOffsetSeeksEveryAssignedPartition() {
        String topic = newTopic(1);
        produceLines(topic, "r0\nr1\nr2\nr3\nr4\n");
        CommandRun run = CommandRun.of(new ConsumeCommand(), topic, "--group", "g-" + topic, "--from-offset", "3",
                "--max-messages", "2", "--bootstrap", bootstrap);
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("r3\nr4\n", run.out());
        List<TopicPartitionOffset> committed = ConsumerGrpc.newBlockingStub(channel)
                .fetchOffsets(FetchOffsetsRequest.newBuilder().setGroup("g-" + topic).build()).getOffsetsList();
        assertEquals(List.of(5L), committed.stream().map(TopicPartitionOffset::getOffset).toList());
    }

    @Test
    void consumeOnePartitionFromAnOffsetWithoutAGroup() {
        String topic = newTopic(2);
        // Keyed records spread over both partitions by murmur2 (deterministic); partition 0 is read back.
        ProduceCommand produce = new ProduceCommand();
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            lines.append("k").append(i).append(":v").append(i).append('\n');
        }
        produce.input = new ByteArrayInputStream(lines.toString().getBytes(StandardCharsets.UTF_8));
        assertEquals(0, CommandRun.of(produce, topic, "--key-separator", ":", "--bootstrap", bootstrap).exitCode());
        List<String> stored = ConsumerGrpc.newBlockingStub(channel).fetch(io.strata.proto.FetchRequest.newBuilder()
                .setTopic(topic).setPartition(0).setOffset(0).build()).getRecordsList().stream()
                .map(r -> r.getValue().toStringUtf8()).toList();
        assertTrue(stored.size() >= 2 && stored.size() < 20, "both partitions got records: " + stored);

        CommandRun all = CommandRun.of(new ConsumeCommand(), topic, "--partition", "0", "--from-beginning",
                "--timeout-ms", "1500", "--bootstrap", bootstrap);
        assertEquals(0, all.exitCode(), all.err());
        assertEquals(stored, all.out().lines().toList());
        assertEquals("consumed " + stored.size() + " messages\n", all.err());

        CommandRun fromOne = CommandRun.of(new ConsumeCommand(), topic, "--partition", "0", "--from-offset", "1",
                "--timeout-ms", "1500", "--bootstrap", bootstrap);
        assertEquals(0, fromOne.exitCode(), fromOne.err());
        assertEquals(stored.subList(1, stored.size()), fromOne.out().lines().toList());
        assertTrue(ConsumerGrpc.newBlockingStub(channel).fetchOffsets(FetchOffsetsRequest.newBuilder()
                .setGroup("g-" + topic).build()).getOffsetsList().isEmpty(), "no group involved");

        CommandRun both = CommandRun.of(new ConsumeCommand(), topic, "--partition", "0", "--group", "g",
                "--bootstrap", bootstrap);
        assertEquals(2, both.exitCode());
        assertTrue(both.err().contains("drop --group"), both.err());
    }

    @Test
    void consumeFromTimestampSkipsOlderRecordsInMillisOrIso() throws InterruptedException {
        String topic = newTopic(1);
        produceLines(topic, "old1\nold2\n");
        Thread.sleep(50); // the next records get a later timestamp
        long cut = System.currentTimeMillis();
        Thread.sleep(50);
        produceLines(topic, "new1\nnew2\n");

        CommandRun millis = CommandRun.of(new ConsumeCommand(), topic, "--partition", "0", "--from-timestamp",
                Long.toString(cut), "--max-messages", "2", "--bootstrap", bootstrap);
        assertEquals(0, millis.exitCode(), millis.err());
        assertEquals("new1\nnew2\n", millis.out());

        CommandRun iso = CommandRun.of(new ConsumeCommand(), topic, "--group", "g-" + topic, "--from-timestamp",
                Instant.ofEpochMilli(cut).toString(), "--max-messages", "2", "--bootstrap", bootstrap);
        assertEquals(0, iso.exitCode(), iso.err());
        assertEquals("new1\nnew2\n", iso.out());

        CommandRun bad = CommandRun.of(new ConsumeCommand(), topic, "--group", "g", "--from-timestamp", "yesterday",
                "--bootstrap", bootstrap);
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("ISO-8601"), bad.err());
        CommandRun twoStarts = CommandRun.of(new ConsumeCommand(), topic, "--group", "g", "--from-beginning",
                "--from-offset", "1", "--bootstrap", bootstrap);
        assertEquals(2, twoStarts.exitCode());
    }

    @Test
    void perfProduceWritesExactlyNumRecordsAndPerfConsumeReadsThemAll() {
        String topic = newTopic(3);
        CommandRun produced = CommandRun.of(new PerfCommand(), "produce", "--topic", topic, "--num-records", "3000",
                "--record-size", "100", "--acks", "all", "--throughput", "-1", "--producer-props", "linger.ms=2",
                "batch.size=65536", "--bootstrap", bootstrap);
        assertEquals(0, produced.exitCode(), produced.err());
        String last = produced.out().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.matches("3000 records sent, [\\d.]+ records/sec \\([\\d.]+ MB/sec\\), [\\d.]+ ms avg latency, "
                + "[\\d.]+ ms max latency, [\\d.]+ ms 50th, [\\d.]+ ms 95th, [\\d.]+ ms 99th, [\\d.]+ ms 99.9th\\."), last);
        assertEquals(3000, endOffsetSum(topic), "the topic holds exactly the records sent");

        CommandRun consumed = CommandRun.of(new PerfCommand(), "consume", "--topic", topic, "--num-records", "3000",
                "--group", "perf-" + topic, "--bootstrap", bootstrap);
        assertEquals(0, consumed.exitCode(), consumed.err());
        List<String> lines = consumed.out().lines().toList();
        assertEquals("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
                + "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec", lines.get(0));
        String[] figures = lines.get(1).split(", ");
        assertEquals("3000", figures[4], lines.get(1));
        assertEquals(3000 * 100 / 1048576.0, Double.parseDouble(figures[2]), 0.0001, lines.get(1));
        assertEquals(3000, ConsumerGrpc.newBlockingStub(channel).fetchOffsets(FetchOffsetsRequest.newBuilder()
                .setGroup("perf-" + topic).build()).getOffsetsList().stream()
                .mapToLong(TopicPartitionOffset::getOffset).sum(), "committed everything it read");
    }

    @Test
    void perfProduceThrottlesAndReportsProgress() {
        String topic = newTopic(1);
        // 60 records at 10/s take ~6 s: at least one 5 s progress line, and not much faster than asked.
        long start = System.nanoTime();
        CommandRun run = CommandRun.of(new PerfCommand(), "produce", "--topic", topic, "--num-records", "60",
                "--record-size", "10", "--throughput", "10", "--acks", "1", "--bootstrap", bootstrap);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(seconds >= 5.5, "throttled to 10 records/s, took " + seconds + " s");
        assertTrue(run.out().lines().anyMatch(l -> l.matches("\\d+ records sent, [\\d.]+ records/sec \\([\\d.]+ MB/sec\\), "
                + "[\\d.]+ ms avg latency, [\\d.]+ ms max latency\\.")), run.out());
        assertEquals(60, endOffsetSum(topic));
    }

    @Test
    void perfProduceRefusesUnknownPropertiesAndContradictions() {
        CommandRun unknown = CommandRun.of(new PerfCommand(), "produce", "--topic", "never-created", "--num-records", "1",
                "--producer-props", "enable.idempotence=true", "--bootstrap", bootstrap);
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("unknown producer property 'enable.idempotence'")
                && unknown.err().contains("linger.ms"), unknown.err());
        CommandRun contradiction = CommandRun.of(new PerfCommand(), "produce", "--topic", "never-created",
                "--acks", "1", "--producer-props", "acks=all", "--bootstrap", bootstrap);
        assertEquals(2, contradiction.exitCode());
        CommandRun rawOnly = CommandRun.of(new PerfCommand(), "produce", "--topic", "never-created", "--senders", "2",
                "--bootstrap", bootstrap);
        assertEquals(2, rawOnly.exitCode());
        assertTrue(rawOnly.err().contains("--raw"), rawOnly.err());
        assertTrue(AdminGrpc.newBlockingStub(channel).listTopics(io.strata.proto.ListTopicsRequest.getDefaultInstance())
                .getNamesList().stream().noneMatch("never-created"::equals), "refused before creating anything");
    }

    @Test
    void perfE2eWaitsForEachRecordToComeOutOfAPollAndPrintsPercentiles() {
        String topic = newTopic(2);
        CommandRun run = CommandRun.of(new PerfCommand(), "e2e", "--topic", topic, "--num-records", "50",
                "--record-size", "64", "--bootstrap", bootstrap);
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().strip().matches("records=50 avg_us=[\\d.]+ p50_us=[\\d.]+ p90_us=[\\d.]+ p99_us=[\\d.]+ "
                + "p999_us=[\\d.]+ max_us=[\\d.]+"), run.out());
        assertEquals(50, endOffsetSum(topic), "each record sent once");
    }

    @Test
    void perfConsumeFailsWhenFewerRecordsArriveThanAsked() {
        String topic = newTopic(1);
        produceLines(topic, "a\nb\n");
        CommandRun run = CommandRun.of(new PerfCommand(), "consume", "--topic", topic, "--num-records", "5",
                "--timeout-ms", "1000", "--bootstrap", bootstrap);
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("consumed 2 of 5 records"), run.err());
    }
}
