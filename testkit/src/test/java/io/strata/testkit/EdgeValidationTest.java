package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.common.batch.BatchLayout;
import io.strata.common.batch.Compression;
import io.strata.common.batch.RecordBatchBuilder;
import io.strata.common.error.StrataException;
import io.strata.proto.AdminGrpc;
import io.strata.proto.CommitOffsetsRequest;
import io.strata.proto.FetchOffsetsRequest;
import io.strata.proto.ConsumedRecord;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.DescribeTopicRequest;
import io.strata.proto.ErrorDetail;
import io.strata.proto.ErrorReason;
import io.strata.proto.FetchRequest;
import io.strata.proto.FetchResponse;
import io.strata.proto.Header;
import io.strata.proto.Join;
import io.strata.proto.ListOffsetsRequest;
import io.strata.proto.OffsetReset;
import io.strata.proto.OffsetSpec;
import io.strata.proto.Poll;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import io.strata.proto.RecordPosition;
import io.strata.proto.Seek;
import io.strata.proto.SubscribeRequest;
import io.strata.proto.SubscribeResponse;
import io.strata.proto.TopicPartitionOffset;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything a client can get wrong, sent over the raw gRPC API to a real in-JVM cluster: each
 * mistake must come back as the right gRPC status code, the right {@link ErrorReason} and a
 * message that names the problem — never INTERNAL or UNKNOWN — and must leave stored data alone.
 */
class EdgeValidationTest {
    /** 3 partitions, RF 3, default configs. */
    static final String EDGE = "edge";
    /** 1 partition, RF 3, max.message.bytes 2048. */
    static final String SMALL = "small";
    static final int SMALL_MAX = 2048;

    @TempDir
    static Path dataDir;
    static LocalCluster cluster;
    static ManagedChannel channel;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.builder().dataDir(dataDir).build().start();
        channel = cluster.gatewayChannel();
        admin().createTopic(CreateTopicRequest.newBuilder().setName(EDGE).setPartitions(3).setReplicationFactor(3).build());
        admin().createTopic(CreateTopicRequest.newBuilder().setName(SMALL).setPartitions(1).setReplicationFactor(3)
                .putConfigs("max.message.bytes", Integer.toString(SMALL_MAX)).build());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close(); // closes the channel too
        }
    }

    // ================================================================ produce

    @Test
    void produceToAnEmptyTopicNameIsInvalidArgument() {
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "topic is empty",
                () -> producer().produce(ProduceRequest.newBuilder().addRecords(record("k", "v")).build()));
    }

    @Test
    void produceToAnUnknownTopicIsNotFound() {
        expectError(Status.Code.NOT_FOUND, ErrorReason.UNKNOWN_TOPIC, "'no-such-topic' does not exist",
                () -> producer().produce(ProduceRequest.newBuilder().setTopic("no-such-topic")
                        .addRecords(record("k", "v")).build()));
    }

    @Test
    void produceToAPartitionOutOfRangeIsUnknownPartition() {
        for (int partition : new int[] {3, 9, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            expectError(Status.Code.NOT_FOUND, ErrorReason.UNKNOWN_PARTITION,
                    "has 3 partitions; partition " + partition + " does not exist",
                    () -> producer().produce(ProduceRequest.newBuilder().setTopic(EDGE).setPartition(partition)
                            .addRecords(record("k", "v")).build()));
        }
    }

    @Test
    void produceWithBothRecordsAndBatchIsInvalidArgument() {
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "got both",
                () -> producer().produce(ProduceRequest.newBuilder().setTopic(EDGE).setPartition(0)
                        .addRecords(record("k", "v")).setBatch(validBatch(1)).build()));
    }

    @Test
    void produceWithNeitherRecordsNorBatchIsInvalidArgument() {
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "got neither",
                () -> producer().produce(ProduceRequest.newBuilder().setTopic(EDGE).build()));
    }

    @Test
    void produceWithANegativeTimeoutIsInvalidArgument() {
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "timeout_ms is negative (-1)",
                () -> producer().produce(ProduceRequest.newBuilder().setTopic(EDGE).setTimeoutMs(-1)
                        .addRecords(record("k", "v")).build()));
    }

    @Test
    void produceWithAnUnknownAcksValueIsInvalidArgument() {
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "acks",
                () -> producer().produce(ProduceRequest.newBuilder().setTopic(EDGE).setAcksValue(42)
                        .addRecords(record("k", "v")).build()));
    }

    @Test
    void produceOfABatchWithAFlippedByteIsCorruptBatchAndStoresNothing() {
        long before = latest(EDGE, 1);
        byte[] bytes = validBatch(3).toByteArray();
        for (int position : new int[] {BatchLayout.CRC_OFFSET, BatchLayout.ATTRIBUTES_OFFSET + 7,
                BatchLayout.RECORDS_OFFSET + 3, bytes.length - 1}) {
            byte[] flipped = bytes.clone();
            flipped[position] ^= 0x10;
            expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.CORRUPT_BATCH, "CRC-32C mismatch",
                    () -> producer().produce(ProduceRequest.newBuilder().setTopic(EDGE).setPartition(1)
                            .setBatch(ByteString.copyFrom(flipped)).build()));
        }
        assertEquals(before, latest(EDGE, 1), "nothing was appended");
    }

    @Test
    void produceOfABatchWithTrailingBytesIsCorruptBatch() {
        ByteString batch = validBatch(1).concat(ByteString.copyFrom(new byte[] {1, 2, 3}));
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.CORRUPT_BATCH, "3 bytes follow the batch",
                () -> producer().produce(ProduceRequest.newBuilder().setTopic(EDGE).setPartition(1)
                        .setBatch(batch).build()));
    }

    @Test
    void produceOfABatchWithoutPartitionIsInvalidArgument() {
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "needs 'partition'",
                () -> producer().produce(ProduceRequest.newBuilder().setTopic(EDGE).setBatch(validBatch(1)).build()));
    }

    /**
     * A client can compute a correct CRC over records that do not decode. Accepting such a batch
     * would store a poison pill that fails every later read of the partition, so the produce
     * must be refused as CORRUPT_BATCH (as Kafka's broker does), and reads must keep working.
     */
    @Test
    void produceOfABatchWithAValidCrcButUndecodableRecordsIsCorruptBatch() {
        String topic = "poison";
        admin().createTopic(CreateTopicRequest.newBuilder().setName(topic).setPartitions(1).setReplicationFactor(1).build());
        producer().produce(ProduceRequest.newBuilder().setTopic(topic).addRecords(record("k0", "v0")).build());

        byte[] bytes = validBatch(3).toByteArray();
        for (int i = BatchLayout.RECORDS_OFFSET; i < bytes.length; i++) {
            bytes[i] = (byte) 0xEE; // record length -> garbage varints
        }
        fixCrc(bytes);
        Status.Code code = produceStatus(ProduceRequest.newBuilder().setTopic(topic).setPartition(0)
                .setBatch(ByteString.copyFrom(bytes)).build());
        FetchResponse fetched;
        try {
            fetched = consumer().fetch(FetchRequest.newBuilder().setTopic(topic).setPartition(0).setOffset(0).build());
        } catch (StatusRuntimeException e) {
            fail("after a produce answered " + code + ", a fetch of " + topic + "-0 from offset 0 fails with "
                    + e.getStatus() + " / " + StrataException.from(e).reason() + ": the partition is poisoned", e);
            return;
        }
        assertEquals(Status.Code.INVALID_ARGUMENT, code, "a batch whose records do not decode must be refused");
        assertEquals(1, fetched.getRecordsCount(), "only the good record is stored");
    }

    /** lastOffsetDelta claims 1001 offsets for a batch of one record: offsets would jump by 1000. */
    @Test
    void produceOfABatchWhoseLastOffsetDeltaDisagreesWithItsRecordCountIsCorruptBatch() {
        String topic = "offset-gap";
        admin().createTopic(CreateTopicRequest.newBuilder().setName(topic).setPartitions(1).setReplicationFactor(1).build());
        byte[] bytes = validBatch(1).toByteArray();
        ByteBuffer.wrap(bytes).putInt(BatchLayout.LAST_OFFSET_DELTA_OFFSET, 1000);
        fixCrc(bytes);
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.CORRUPT_BATCH, "",
                () -> producer().produce(ProduceRequest.newBuilder().setTopic(topic).setPartition(0)
                        .setBatch(ByteString.copyFrom(bytes)).build()));
        assertEquals(0, latest(topic, 0), "nothing appended, no offsets skipped");
    }

    @Test
    void produceOfARecordLargerThanMaxMessageBytesIsRecordTooLarge() {
        byte[] big = new byte[SMALL_MAX + 1];
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.RECORD_TOO_LARGE, "exceeds its max.message.bytes of 2048",
                () -> producer().produce(ProduceRequest.newBuilder().setTopic(SMALL)
                        .addRecords(Record.newBuilder().setValue(ByteString.copyFrom(big))).build()));

        RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
        builder.append(1000, null, big);
        ByteString batch = ByteString.copyFrom(builder.build());
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.RECORD_TOO_LARGE, "exceeds its max.message.bytes of 2048",
                () -> producer().produce(ProduceRequest.newBuilder().setTopic(SMALL).setPartition(0)
                        .setBatch(batch).build()));
        assertEquals(0, latest(SMALL, 0), "nothing appended");

        ProduceResponse ok = producer().produce(ProduceRequest.newBuilder().setTopic(SMALL)
                .addRecords(Record.newBuilder().setValue(ByteString.copyFrom(new byte[SMALL_MAX / 2]))).build());
        assertEquals(1, ok.getRecordsCount(), "a record within the limit is accepted");
    }

    @Test
    void produceRequestLargerThanTheServerLimitIsResourceExhausted() {
        ByteString value = ByteString.copyFrom(new byte[17 * 1024 * 1024]);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> producer().produce(ProduceRequest.newBuilder().setTopic(EDGE)
                        .addRecords(Record.newBuilder().setValue(value)).build()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
        assertFalse(describe(e).isEmpty(), "the status says why");
        // the gateway is still fine afterwards
        assertEquals(1, producer().produce(ProduceRequest.newBuilder().setTopic(EDGE)
                .addRecords(record("after", "big")).build()).getRecordsCount());
    }

    // ================================================================ create topic

    @Test
    void createTopicWithAnInvalidNameIsInvalidTopicName() {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("", "empty");
        cases.put(".", "'.' or '..'");
        cases.put("..", "'.' or '..'");
        cases.put("a/b", "contains '/'");
        cases.put("x".repeat(250), "250 characters");
        cases.put("héllo", "contains 'é'");
        cases.put("with space", "contains ' '");
        cases.forEach((name, why) -> expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_TOPIC_NAME, why,
                () -> admin().createTopic(CreateTopicRequest.newBuilder().setName(name).setPartitions(1)
                        .setReplicationFactor(1).build())));
    }

    @Test
    void createTopicWithZeroPartitionsIsInvalidArgument() {
        for (int partitions : new int[] {0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "partitions must be between 1 and",
                    () -> admin().createTopic(CreateTopicRequest.newBuilder().setName("p" + (partitions & 0xffff))
                            .setPartitions(partitions).setReplicationFactor(1).build()));
        }
    }

    @Test
    void createTopicWithReplicationFactorZeroIsInvalidArgument() {
        for (int rf : new int[] {0, -3}) {
            expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "replication factor must be at least 1",
                    () -> admin().createTopic(CreateTopicRequest.newBuilder().setName("rf-zero").setPartitions(1)
                            .setReplicationFactor(rf).build()));
        }
    }

    @Test
    void createTopicWithMoreReplicasThanNodesIsNotEnoughNodes() {
        for (int rf : new int[] {4, Integer.MAX_VALUE}) {
            expectError(Status.Code.FAILED_PRECONDITION, ErrorReason.NOT_ENOUGH_NODES, "replication factor " + rf,
                    () -> admin().createTopic(CreateTopicRequest.newBuilder().setName("rf-four").setPartitions(1)
                            .setReplicationFactor(rf).build()));
        }
    }

    @Test
    void createTopicWithAnUnknownConfigKeyIsInvalidArgument() {
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "unknown topic config 'retention.mss'",
                () -> admin().createTopic(CreateTopicRequest.newBuilder().setName("bad-key").setPartitions(1)
                        .setReplicationFactor(1).putConfigs("retention.mss", "1000").build()));
    }

    @Test
    void createTopicWithABadConfigValueIsInvalidArgument() {
        Map<String, String> cases = Map.of(
                "retention.ms", "forever",
                "max.message.bytes", "10",
                "flush", "sometimes",
                "unclean.leader.election.enable", "yes",
                "min.insync.replicas", "0",
                "segment.bytes", "");
        cases.forEach((key, value) -> expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT,
                key + "=" + value + " is invalid",
                () -> admin().createTopic(CreateTopicRequest.newBuilder().setName("bad-value").setPartitions(1)
                        .setReplicationFactor(1).putConfigs(key, value).build())));
    }

    /** min.insync.replicas is validated as a long, but used as an int. */
    @Test
    void createTopicWithAMinInsyncReplicasBeyondIntIsInvalidArgument() {
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "min.insync.replicas",
                () -> admin().createTopic(CreateTopicRequest.newBuilder().setName("huge-min-isr").setPartitions(1)
                        .setReplicationFactor(3).putConfigs("min.insync.replicas", "3000000000").build()));
    }

    /** Config values are validated trimmed: a value with spaces is either refused or works. */
    @Test
    void createTopicWithAPaddedConfigValueIsRefusedOrUsable() {
        String topic = "padded";
        try {
            admin().createTopic(CreateTopicRequest.newBuilder().setName(topic).setPartitions(1).setReplicationFactor(1)
                    .putConfigs("max.message.bytes", " 4096 ").build());
        } catch (StatusRuntimeException e) {
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.toString());
            return;
        }
        try {
            ProduceResponse r = producer().produce(ProduceRequest.newBuilder().setTopic(topic)
                    .addRecords(record("k", "v")).build());
            assertEquals(1, r.getRecordsCount());
        } catch (StatusRuntimeException e) {
            fail("topic '" + topic + "' was created with max.message.bytes=' 4096 ' but a produce to it fails: "
                    + e.getStatus() + " / " + StrataException.from(e).reason(), e);
        }
    }

    @Test
    void createTopicWithMinInsyncReplicasAboveTheReplicationFactorIsInvalidArgument() {
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT,
                "min.insync.replicas=3 exceeds the replication factor 2",
                () -> admin().createTopic(CreateTopicRequest.newBuilder().setName("min-isr").setPartitions(1)
                        .setReplicationFactor(2).putConfigs("min.insync.replicas", "3").build()));
    }

    @Test
    void createTopicTwiceIsTopicAlreadyExists() {
        expectError(Status.Code.ALREADY_EXISTS, ErrorReason.TOPIC_ALREADY_EXISTS, "'edge' already exists",
                () -> admin().createTopic(CreateTopicRequest.newBuilder().setName(EDGE).setPartitions(3)
                        .setReplicationFactor(3).build()));
    }

    // ================================================================ fetch

    @Test
    void fetchAtANegativeOffsetIsInvalidArgument() {
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "offset -1 is negative",
                () -> consumer().fetch(FetchRequest.newBuilder().setTopic(EDGE).setPartition(0).setOffset(-1).build()));
    }

    @Test
    void fetchPastTheEndIsOffsetOutOfRange() {
        String topic = "fetch-end";
        admin().createTopic(CreateTopicRequest.newBuilder().setName(topic).setPartitions(1).setReplicationFactor(3).build());
        producer().produce(ProduceRequest.newBuilder().setTopic(topic)
                .addRecords(record("a", "1")).addRecords(record("b", "2")).build());
        FetchResponse atEnd = consumer().fetch(FetchRequest.newBuilder().setTopic(topic).setOffset(2).build());
        assertEquals(0, atEnd.getRecordsCount(), "fetching at the end is empty, not an error");
        for (long offset : new long[] {3, 1000, Long.MAX_VALUE}) {
            expectError(Status.Code.OUT_OF_RANGE, ErrorReason.OFFSET_OUT_OF_RANGE, "offset " + offset,
                    () -> consumer().fetch(FetchRequest.newBuilder().setTopic(topic).setOffset(offset).build()));
        }
    }

    @Test
    void fetchWithANegativeMaxWaitIsInvalidArgument() {
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "max_wait_ms",
                () -> consumer().fetch(FetchRequest.newBuilder().setTopic(EDGE).setPartition(0).setMaxWaitMs(-1).build()));
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "max_bytes",
                () -> consumer().fetch(FetchRequest.newBuilder().setTopic(EDGE).setPartition(0).setMaxBytes(-1).build()));
    }

    @Test
    void fetchFromAnUnknownTopicOrPartitionIsNotFound() {
        expectError(Status.Code.NOT_FOUND, ErrorReason.UNKNOWN_TOPIC, "'nope' does not exist",
                () -> consumer().fetch(FetchRequest.newBuilder().setTopic("nope").build()));
        expectError(Status.Code.NOT_FOUND, ErrorReason.UNKNOWN_PARTITION, "partition 7 does not exist",
                () -> consumer().fetch(FetchRequest.newBuilder().setTopic(EDGE).setPartition(7).build()));
    }

    // ================================================================ subscribe

    @Test
    void pollBeforeJoinAnswersUnknownMemberInTheResponse() throws Exception {
        try (SubscribeSession session = new SubscribeSession(channel)) {
            SubscribeResponse r = session.call(SubscribeRequest.newBuilder().setPoll(Poll.newBuilder().setMaxWaitMs(10)));
            assertError(r, ErrorReason.UNKNOWN_MEMBER, "join");
            // the stream is still usable
            SubscribeResponse joined = session.call(joining(join("late-joiner").addTopics(EDGE)));
            assertTrue(joined.hasAssignment(), () -> "join after the error: " + joined);
        }
    }

    @Test
    void joinWithAnEmptyGroupIsInvalidArgument() throws Exception {
        try (SubscribeSession session = new SubscribeSession(channel)) {
            assertError(session.call(joining(join("").addTopics(EDGE))), ErrorReason.INVALID_ARGUMENT, "group id is empty");
            assertError(session.call(joining(join("   ").addTopics(EDGE))), ErrorReason.INVALID_ARGUMENT, "group id is empty");
        }
    }

    @Test
    void joinWithBothTopicsAndPatternIsInvalidArgument() throws Exception {
        try (SubscribeSession session = new SubscribeSession(channel)) {
            assertError(session.call(joining(join("g-both").addTopics(EDGE).setTopicPattern("e.*"))),
                    ErrorReason.INVALID_ARGUMENT, "exactly one of 'topics' and 'topic_pattern'");
            assertError(session.call(joining(join("g-neither"))),
                    ErrorReason.INVALID_ARGUMENT, "exactly one of 'topics' and 'topic_pattern'");
        }
    }

    @Test
    void joinWithAnInvalidPatternIsInvalidArgument() throws Exception {
        try (SubscribeSession session = new SubscribeSession(channel)) {
            assertError(session.call(joining(join("g-regex").setTopicPattern("orders["))),
                    ErrorReason.INVALID_ARGUMENT, "not a valid regular expression");
        }
    }

    @Test
    void joinWithAnUnknownTopicIsUnknownTopic() throws Exception {
        try (SubscribeSession session = new SubscribeSession(channel)) {
            assertError(session.call(joining(join("g-unknown").addTopics("missing-topic"))),
                    ErrorReason.UNKNOWN_TOPIC, "'missing-topic' does not exist");
        }
    }

    @Test
    void seekOnAPartitionNotAssignedIsInvalidArgument() throws Exception {
        try (SubscribeSession session = new SubscribeSession(channel)) {
            SubscribeResponse joined = session.call(joining(join("g-seek").addTopics(EDGE)));
            assertTrue(joined.hasAssignment(), () -> "join: " + joined);
            assertError(session.call(SubscribeRequest.newBuilder().setSeek(Seek.newBuilder().setTopic(EDGE)
                    .setPartition(5).setOffset(0))), ErrorReason.INVALID_ARGUMENT, "edge-5 is not assigned");
            assertError(session.call(SubscribeRequest.newBuilder().setSeek(Seek.newBuilder().setTopic(SMALL)
                    .setPartition(0).setBeginning(true))), ErrorReason.INVALID_ARGUMENT, "small-0 is not assigned");
            assertError(session.call(SubscribeRequest.newBuilder().setSeek(Seek.newBuilder().setTopic(EDGE)
                    .setPartition(0).setOffset(-5))), ErrorReason.INVALID_ARGUMENT, "seek offset -5 is negative");
            assertError(session.call(SubscribeRequest.newBuilder().setSeek(Seek.newBuilder().setTopic(EDGE)
                    .setPartition(0))), ErrorReason.INVALID_ARGUMENT, "no target");
        }
    }

    // ================================================================ commit offsets

    @Test
    void commitOfANegativeOffsetIsInvalidArgument() {
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "offset -1 for edge-0 is negative",
                () -> consumer().commitOffsets(CommitOffsetsRequest.newBuilder().setGroup("committer")
                        .addOffsets(TopicPartitionOffset.newBuilder().setTopic(EDGE).setPartition(0).setOffset(-1))
                        .build()));
    }

    @Test
    void commitNamingAPartitionTwiceIsInvalidArgumentAndCommitsNothing() {
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "edge-1 appears twice",
                () -> consumer().commitOffsets(CommitOffsetsRequest.newBuilder().setGroup("twice")
                        .addOffsets(TopicPartitionOffset.newBuilder().setTopic(EDGE).setPartition(0).setOffset(2))
                        .addOffsets(TopicPartitionOffset.newBuilder().setTopic(EDGE).setPartition(1).setOffset(5))
                        .addOffsets(TopicPartitionOffset.newBuilder().setTopic(EDGE).setPartition(1).setOffset(3))
                        .build()));
        assertEquals(0, consumer().fetchOffsets(FetchOffsetsRequest.newBuilder().setGroup("twice").build())
                .getOffsetsCount(), "nothing of the refused commit was stored");
    }

    @Test
    void commitForAnUnknownPartitionIsUnknownPartition() {
        expectError(Status.Code.NOT_FOUND, ErrorReason.UNKNOWN_PARTITION, "partition 3 does not exist",
                () -> consumer().commitOffsets(CommitOffsetsRequest.newBuilder().setGroup("committer")
                        .addOffsets(TopicPartitionOffset.newBuilder().setTopic(EDGE).setPartition(3).setOffset(0))
                        .build()));
        expectError(Status.Code.NOT_FOUND, ErrorReason.UNKNOWN_TOPIC, "'gone' does not exist",
                () -> consumer().commitOffsets(CommitOffsetsRequest.newBuilder().setGroup("committer")
                        .addOffsets(TopicPartitionOffset.newBuilder().setTopic("gone").setPartition(0).setOffset(0))
                        .build()));
        expectError(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_ARGUMENT, "group id is empty",
                () -> consumer().commitOffsets(CommitOffsetsRequest.newBuilder()
                        .addOffsets(TopicPartitionOffset.newBuilder().setTopic(EDGE).setPartition(0).setOffset(0))
                        .build()));
    }

    // ================================================================ fuzz

    /**
     * ~300 random, mostly malformed requests across Produce, Fetch, ListOffsets, CommitOffsets,
     * CreateTopic and DescribeTopic. Every call must succeed or fail with a described status
     * that is neither INTERNAL nor UNKNOWN; 100 records produced before must read back
     * unchanged at their offsets afterwards, and a normal produce must still work.
     */
    @Test
    void randomMalformedRequestsNeverBreakTheClusterOrItsData() {
        String kept = "kept";
        admin().createTopic(CreateTopicRequest.newBuilder().setName(kept).setPartitions(3).setReplicationFactor(3).build());
        admin().createTopic(CreateTopicRequest.newBuilder().setName("fuzz").setPartitions(2).setReplicationFactor(2)
                .build());
        Map<String, ConsumedRecord> known = new TreeMap<>(); // "partition:offset" -> record
        for (int start = 0; start < 100; start += 20) {
            ProduceRequest.Builder request = ProduceRequest.newBuilder().setTopic(kept);
            for (int i = start; i < start + 20; i++) {
                request.addRecords(Record.newBuilder().setKey(ByteString.copyFromUtf8("key-" + i))
                        .setValue(ByteString.copyFromUtf8("value-" + i)).setTimestampMs(1_000_000L + i)
                        .addHeaders(Header.newBuilder().setKey("h").setValue(ByteString.copyFromUtf8("#" + i))));
            }
            ProduceResponse response = producer().produce(request.build());
            for (int i = start; i < start + 20; i++) {
                RecordPosition pos = response.getRecords(i - start);
                ProduceRequest sent = request.build();
                Record r = sent.getRecords(i - start);
                known.put(pos.getPartition() + ":" + pos.getOffset(), ConsumedRecord.newBuilder().setTopic(kept)
                        .setPartition(pos.getPartition()).setOffset(pos.getOffset()).setTimestampMs(r.getTimestampMs())
                        .setKey(r.getKey()).setValue(r.getValue()).addAllHeaders(r.getHeadersList()).build());
            }
        }
        assertEquals(100, known.size(), "100 distinct positions");

        long seed = Long.getLong("strata.fuzz.seed", 0x5EED_2024L); // -Dstrata.fuzz.seed=N to explore
        Fuzzer fuzz = new Fuzzer(new Random(seed));
        List<String> violations = new ArrayList<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < 300; i++) {
            int kind = fuzz.random.nextInt(6);
            fuzz.anchored = kind != 4 && fuzz.random.nextBoolean();
            Object request = switch (kind) {
                case 0 -> fuzz.produce();
                case 1 -> fuzz.fetch();
                case 2 -> fuzz.listOffsets();
                case 3 -> fuzz.commit();
                case 4 -> fuzz.createTopic();
                default -> fuzz.describeTopic();
            };
            String name = request.getClass().getSimpleName();
            try {
                switch (kind) {
                    case 0 -> producer().produce((ProduceRequest) request);
                    case 1 -> consumer().fetch((FetchRequest) request);
                    case 2 -> consumer().listOffsets((ListOffsetsRequest) request);
                    case 3 -> consumer().commitOffsets((CommitOffsetsRequest) request);
                    case 4 -> {
                        CreateTopicRequest create = (CreateTopicRequest) request;
                        admin().createTopic(create);
                        if (!create.getValidateOnly()) {
                            fuzz.created.add(create.getName());
                        }
                    }
                    default -> admin().describeTopic((DescribeTopicRequest) request);
                }
                outcomes.merge(name + " OK", 1, Integer::sum);
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                outcomes.merge(name + " " + code, 1, Integer::sum);
                String description = e.getStatus().getDescription();
                if (code == Status.Code.INTERNAL || code == Status.Code.UNKNOWN
                        || description == null || description.isBlank()) {
                    violations.add("#" + i + " " + name + " -> " + code + " / " + StrataException.from(e).reason()
                            + ": " + description + "\n    request: " + shorten(request.toString()));
                }
            }
        }
        org.slf4j.LoggerFactory.getLogger(EdgeValidationTest.class).info("fuzz outcomes (seed {}): {}", seed, outcomes);

        // The known records are still there, unchanged, at the same offsets.
        List<String> damaged = new ArrayList<>();
        for (int partition = 0; partition < 3; partition++) {
            final int p = partition;
            long next = 0;
            Map<Long, ConsumedRecord> read = new HashMap<>();
            long end = known.keySet().stream().filter(k -> k.startsWith(p + ":"))
                    .mapToLong(k -> Long.parseLong(k.substring(k.indexOf(':') + 1)) + 1).max().orElse(0);
            try {
                while (next < end) {
                    FetchResponse r = consumer().fetch(FetchRequest.newBuilder().setTopic(kept).setPartition(p)
                            .setOffset(next).build());
                    assertTrue(r.getRecordsCount() > 0, "fetch of kept-" + p + " at " + next + " below " + end);
                    r.getRecordsList().forEach(c -> read.put(c.getOffset(), c));
                    next = r.getNextOffset();
                }
            } catch (StatusRuntimeException e) {
                damaged.add("fetch of kept-" + p + " at " + next + " fails: " + e.getStatus() + " / "
                        + StrataException.from(e).reason());
                continue;
            }
            for (Map.Entry<String, ConsumedRecord> k : known.entrySet()) {
                if (k.getKey().startsWith(p + ":")) {
                    ConsumedRecord expected = k.getValue();
                    ConsumedRecord actual = read.get(expected.getOffset());
                    if (!expected.equals(actual)) {
                        damaged.add("kept-" + k.getKey() + ": expected " + expected + " got " + actual);
                    }
                }
            }
        }
        ProduceResponse after = producer().produce(ProduceRequest.newBuilder().setTopic(kept)
                .addRecords(record("after", "fuzz")).build());
        assertEquals(1, after.getRecordsCount(), "a normal produce works after the fuzzing");

        assertTrue(violations.isEmpty() && damaged.isEmpty(), () -> "seed " + seed + ": "
                + violations.size() + " calls answered INTERNAL/UNKNOWN or without a description:\n  "
                + String.join("\n  ", violations) + "\nkept data damaged: " + damaged);
    }

    /** Generates random, mostly malformed requests. */
    private static final class Fuzzer {
        final Random random;

        Fuzzer(Random random) {
            this.random = random;
        }

        /** Topics this fuzzer created, so later requests reach them too. */
        final List<String> created = new ArrayList<>();

        /** When set, topic() and partition() name an existing partition, so the other fields get tested. */
        boolean anchored;

        String topic() {
            if (anchored) {
                return pick("kept", "fuzz");
            }
            return switch (random.nextInt(14)) {
                case 0, 1, 2 -> "kept";
                case 3, 4, 5 -> "fuzz";
                case 6 -> EDGE;
                case 7, 8 -> created.isEmpty() ? "fuzz" : created.get(random.nextInt(created.size()));
                case 9 -> "";
                case 10 -> string(random.nextInt(300));
                case 11 -> unicode(1 + random.nextInt(20));
                case 12 -> "fz-" + alnum(1 + random.nextInt(12));
                default -> pick(".", "..", "a/b", "x".repeat(249), "x".repeat(250), "kept ", "KEPT", "\u0000");
            };
        }

        /** True for the one field in four that gets a wild value; the others stay plausible. */
        boolean wild() {
            return random.nextInt(4) == 0;
        }

        int partition() {
            if (anchored) {
                return random.nextInt(2);
            }
            return switch (random.nextInt(7)) {
                case 0, 1, 2, 3 -> random.nextInt(3);
                case 4 -> -1 - random.nextInt(10);
                case 5 -> pick(Integer.MAX_VALUE, Integer.MIN_VALUE, 3, 10_000);
                default -> random.nextInt();
            };
        }

        long offset() {
            return switch (random.nextInt(5)) {
                case 0, 1 -> random.nextInt(60);
                case 2 -> -1 - random.nextInt(100);
                case 3 -> pick(Long.MAX_VALUE, Long.MIN_VALUE, (long) Integer.MAX_VALUE + 1);
                default -> random.nextLong();
            };
        }

        int smallOrWild() {
            return switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> 1 + random.nextInt(100_000);
                case 2 -> -1 - random.nextInt(1000);
                default -> pick(Integer.MAX_VALUE, Integer.MIN_VALUE);
            };
        }

        ProduceRequest produce() {
            ProduceRequest.Builder b = ProduceRequest.newBuilder().setTopic(topic());
            if (random.nextInt(3) > 0) {
                b.setPartition(partition());
            }
            if (random.nextInt(5) == 0) {
                b.setAcksValue(random.nextInt(3) == 0 ? random.nextInt() : random.nextInt(4));
            }
            if (random.nextInt(5) == 0) {
                b.setTimeoutMs(random.nextInt(3) == 0 ? -1 - random.nextInt(100) : 1 + random.nextInt(5000));
            }
            b.setRequestId(random.nextLong());
            int shape = random.nextInt(4); // 0 records, 1 batch, 2 both, 3 neither
            if (shape == 0 || shape == 2) {
                int n = 1 + random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    b.addRecords(record());
                }
            }
            if (shape == 1 || shape == 2) {
                b.setBatch(batch());
            }
            return b.build();
        }

        Record record() {
            Record.Builder r = Record.newBuilder();
            if (random.nextBoolean()) {
                r.setKey(bytes(random.nextInt(50)));
            }
            if (random.nextInt(5) > 0) {
                r.setValue(bytes(random.nextInt(3) == 0 ? random.nextInt(4000) : random.nextInt(100)));
            }
            if (random.nextBoolean()) {
                r.setTimestampMs(random.nextInt(3) == 0 ? random.nextLong() : random.nextInt(Integer.MAX_VALUE));
            }
            int headers = random.nextInt(3);
            for (int i = 0; i < headers; i++) {
                Header.Builder h = Header.newBuilder().setKey(random.nextBoolean() ? unicode(random.nextInt(8)) : "");
                if (random.nextBoolean()) {
                    h.setValue(bytes(random.nextInt(20)));
                }
                r.addHeaders(h);
            }
            return r.build();
        }

        /**
         * Random bytes; a real batch with a flipped byte, truncated, padded, with a bogus length,
         * or edited and re-checksummed; or a good batch.
         */
        ByteString batch() {
            byte[] real = validBatch(1 + random.nextInt(4)).toByteArray();
            return switch (random.nextInt(7)) {
                case 0 -> bytes(random.nextInt(200));
                case 1 -> {
                    real[random.nextInt(real.length)] ^= (byte) (1 + random.nextInt(255));
                    yield ByteString.copyFrom(real);
                }
                case 2 -> ByteString.copyFrom(real, 0, random.nextInt(real.length));
                case 3 -> ByteString.copyFrom(real).concat(bytes(1 + random.nextInt(30)));
                case 4 -> {
                    ByteBuffer buf = ByteBuffer.wrap(real);
                    buf.putInt(BatchLayout.BATCH_LENGTH_OFFSET, random.nextInt());
                    yield ByteString.copyFrom(real);
                }
                case 5 -> {
                    // any client can compute a CRC: a CRC-valid batch whose header or records are wrong
                    int at = BatchLayout.ATTRIBUTES_OFFSET + random.nextInt(real.length - BatchLayout.ATTRIBUTES_OFFSET);
                    real[at] ^= (byte) (1 + random.nextInt(255));
                    fixCrc(real);
                    yield ByteString.copyFrom(real);
                }
                default -> ByteString.copyFrom(real); // a good batch
            };
        }

        FetchRequest fetch() {
            FetchRequest.Builder b = FetchRequest.newBuilder().setTopic(topic()).setPartition(partition())
                    .setOffset(wild() ? offset() : random.nextInt(40))
                    .setMaxBytes(wild() ? smallOrWild() : pick(0, 1, 100, 1 << 20));
            // a valid wait is kept short, so the fuzz stays fast
            b.setMaxWaitMs(!wild() ? pick(0, 0, 5) : switch (random.nextInt(3)) {
                case 0 -> 1 + random.nextInt(20);
                case 1 -> -1 - random.nextInt(1000);
                default -> pick(60_001, Integer.MAX_VALUE, Integer.MIN_VALUE);
            });
            if (random.nextInt(4) == 0) {
                b.setIsolationValue(random.nextInt(5) - 1);
            }
            return b.build();
        }

        ListOffsetsRequest listOffsets() {
            ListOffsetsRequest.Builder b = ListOffsetsRequest.newBuilder().setTopic(topic())
                    .setSpecValue(random.nextInt(3) == 0 ? random.nextInt(9) - 2 : 1 + random.nextInt(3))
                    .setTimestampMs(random.nextBoolean() ? random.nextLong() : 1_000_000L + random.nextInt(200));
            int n = random.nextInt(4);
            for (int i = 0; i < n; i++) {
                b.addPartitions(partition());
            }
            return b.build();
        }

        CommitOffsetsRequest commit() {
            String group = switch (random.nextInt(5)) {
                case 0 -> "";
                case 1 -> unicode(1 + random.nextInt(30));
                case 2 -> string(250 + random.nextInt(20));
                default -> "fuzz-group-" + random.nextInt(5);
            };
            CommitOffsetsRequest.Builder b = CommitOffsetsRequest.newBuilder().setGroup(group);
            int n = random.nextInt(4);
            for (int i = 0; i < n; i++) {
                b.addOffsets(TopicPartitionOffset.newBuilder().setTopic(topic()).setPartition(partition())
                        .setOffset(offset()).setMetadata(random.nextBoolean() ? "" : unicode(random.nextInt(40))));
            }
            return b.build();
        }

        CreateTopicRequest createTopic() {
            String name = wild() ? topic() : "fz-" + alnum(1 + random.nextInt(12));
            CreateTopicRequest.Builder b = CreateTopicRequest.newBuilder().setName(name)
                    .setPartitions(!wild() ? 1 + random.nextInt(4) : switch (random.nextInt(3)) {
                        case 0 -> -random.nextInt(3);
                        case 1 -> pick(10_001, Integer.MAX_VALUE, Integer.MIN_VALUE);
                        default -> random.nextInt();
                    })
                    .setReplicationFactor(!wild() ? 1 + random.nextInt(3) : switch (random.nextInt(3)) {
                        case 0 -> -random.nextInt(3);
                        case 1 -> 4 + random.nextInt(100);
                        default -> pick(Integer.MAX_VALUE, Integer.MIN_VALUE);
                    })
                    .setValidateOnly(random.nextInt(4) == 0);
            int configs = random.nextInt(3);
            for (int i = 0; i < configs; i++) {
                if (!wild()) {
                    // a valid setting, so that requests get past validation and create topics
                    String[] setting = pick(new String[] {"retention.ms", "-1"}, new String[] {"flush", "os"},
                            new String[] {"max.message.bytes", "4096"}, new String[] {"min.insync.replicas", "1"});
                    b.putConfigs(setting[0], setting[1]);
                    continue;
                }
                String key = random.nextInt(4) == 0 ? unicode(1 + random.nextInt(10)) : pick("min.insync.replicas",
                        "retention.ms", "retention.bytes", "segment.bytes", "segment.ms", "max.message.bytes", "flush",
                        "unclean.leader.election.enable");
                String value = switch (random.nextInt(5)) {
                    case 0 -> Integer.toString(random.nextInt(5000) - 10);
                    case 1 -> Long.toString(random.nextLong());
                    case 2 -> pick("true", "false", "batch", "os", "interval:100", "interval:", "-1", "1", "2", "");
                    case 3 -> pick(" 1", "1 ", "0x10", "1e3", "+5", "99999999999999999999", "3000000000");
                    default -> unicode(random.nextInt(10));
                };
                b.putConfigs(key, value);
            }
            return b.build();
        }

        DescribeTopicRequest describeTopic() {
            return DescribeTopicRequest.newBuilder().setName(topic()).build();
        }

        ByteString bytes(int n) {
            byte[] b = new byte[n];
            random.nextBytes(b);
            return ByteString.copyFrom(b);
        }

        String alnum(int n) {
            String chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < n; i++) {
                sb.append(chars.charAt(random.nextInt(chars.length())));
            }
            return sb.toString();
        }

        String string(int n) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < n; i++) {
                sb.append((char) (32 + random.nextInt(95)));
            }
            return sb.toString();
        }

        String unicode(int n) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < n; i++) {
                switch (random.nextInt(5)) {
                    case 0 -> sb.append(pick("é", "ß", "ü", "中", "文", "Ω", "ж"));
                    case 1 -> sb.appendCodePoint(0x1F600 + random.nextInt(50)); // emoji (surrogate pairs)
                    case 2 -> sb.append((char) random.nextInt(0x20)); // control characters
                    case 3 -> sb.append(pick("/", "\\", "..", " ", "\u200B", "\uFEFF", "%00", "'", "\""));
                    default -> sb.append(alnum(1));
                }
            }
            return sb.toString();
        }

        @SafeVarargs
        final <T> T pick(T... options) {
            return options[random.nextInt(options.length)];
        }
    }

    // ================================================================ helpers

    private static AdminGrpc.AdminBlockingStub admin() {
        return AdminGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static ProducerGrpc.ProducerBlockingStub producer() {
        return ProducerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static ConsumerGrpc.ConsumerBlockingStub consumer() {
        return ConsumerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Asserts that {@code call} fails with {@code code} and {@code reason}, and a message containing {@code part}. */
    private static void expectError(Status.Code code, ErrorReason reason, String part, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call,
                () -> "expected " + code + " / " + reason + " mentioning \"" + part + "\"");
        StrataException se = StrataException.from(e);
        String what = "status " + e.getStatus().getCode() + " / " + se.reason() + ": " + describe(e);
        assertEquals(code, e.getStatus().getCode(), what);
        assertEquals(reason, se.reason(), what);
        assertTrue(se.getMessage() != null && se.getMessage().contains(part),
                "message names the problem (\"" + part + "\"): " + what);
    }

    private static void assertError(SubscribeResponse r, ErrorReason reason, String part) {
        assertTrue(r.hasError(), () -> "expected an error " + reason + " in the response, got " + r);
        ErrorDetail e = r.getError();
        assertEquals(reason, e.getReason(), e::toString);
        assertTrue(e.getMessage().contains(part), () -> "message names the problem (\"" + part + "\"): " + e);
    }

    private static String describe(StatusRuntimeException e) {
        return String.valueOf(e.getStatus().getDescription());
    }

    private static Status.Code produceStatus(ProduceRequest request) {
        try {
            producer().produce(request);
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    private static long latest(String topic, int partition) {
        return consumer().listOffsets(ListOffsetsRequest.newBuilder().setTopic(topic).addPartitions(partition)
                .setSpec(OffsetSpec.OFFSET_SPEC_LATEST).build()).getOffsets(0).getOffset();
    }

    private static Join.Builder join(String group) {
        return Join.newBuilder().setGroup(group).setAutoOffsetReset(OffsetReset.OFFSET_RESET_EARLIEST);
    }

    private static SubscribeRequest.Builder joining(Join.Builder join) {
        return SubscribeRequest.newBuilder().setJoin(join);
    }

    private static Record record(String key, String value) {
        return Record.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build();
    }

    /** A correctly encoded batch of {@code n} small records. */
    private static ByteString validBatch(int n) {
        RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
        for (int i = 0; i < n; i++) {
            builder.append(1000 + i, ("k" + i).getBytes(), ("v" + i).getBytes());
        }
        return ByteString.copyFrom(builder.build());
    }

    /** Recomputes the CRC-32C of a batch after its covered bytes were edited. */
    private static void fixCrc(byte[] batch) {
        CRC32C crc = new CRC32C();
        crc.update(batch, BatchLayout.CRC_COVERED_START, batch.length - BatchLayout.CRC_COVERED_START);
        ByteBuffer.wrap(batch).putInt(BatchLayout.CRC_OFFSET, (int) crc.getValue());
    }

    private static String shorten(String s) {
        String oneLine = s.replace('\n', ' ');
        return oneLine.length() > 400 ? oneLine.substring(0, 400) + "…" : oneLine;
    }
}
