package io.strata.client.consumer;

import static io.strata.client.consumer.FakeConsumerService.record;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.strata.client.GrpcTestServer;
import io.strata.client.StrataClientException;
import io.strata.client.TopicPartition;
import io.strata.proto.Assignment;
import io.strata.proto.ErrorDetail;
import io.strata.proto.ErrorReason;
import io.strata.common.batch.Compression;
import io.strata.common.batch.RecordBatchBuilder;
import io.strata.proto.Join;
import io.strata.proto.PartitionBatches;
import io.strata.proto.SubscribeRequest;
import io.strata.proto.SubscribeRequest.OpCase;
import io.strata.proto.TopicPartitionOffset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class StrataConsumerTest {

    private final FakeConsumerService service = new FakeConsumerService();
    private GrpcTestServer server;
    private StrataConsumer consumer;

    @BeforeEach
    void start() {
        server = GrpcTestServer.start(service);
        consumer = new StrataConsumer(ConsumerConfig.builder("g1")
                .bootstrap(server.bootstrap())
                .autoOffsetReset(OffsetReset.EARLIEST)
                .clientId("test-client")
                .maxPollRecords(42)
                .requestTimeout(Duration.ofSeconds(5))
                .build());
    }

    @AfterEach
    void stop() throws Exception {
        consumer.close();
        server.close();
    }

    @Test
    void subscribeJoinsTheGroupAndExposesTheAssignment() {
        consumer.subscribe(List.of("orders"));

        Join join = service.receivedOf(OpCase.JOIN).get(0).getJoin();
        assertEquals("g1", join.getGroup());
        assertEquals(List.of("orders"), join.getTopicsList());
        assertEquals(io.strata.proto.OffsetReset.OFFSET_RESET_EARLIEST, join.getAutoOffsetReset());
        assertEquals("test-client", join.getClientId());
        assertEquals(Set.of(new TopicPartition("orders", 0), new TopicPartition("orders", 1)), consumer.assignment());
        assertEquals("m-1", consumer.memberId());
        assertEquals(1, consumer.groupEpoch());
    }

    @Test
    void subscribeToAnUnknownTopicFailsWithTheGatewayReason() {
        StrataClientException e = assertThrows(StrataClientException.class, () -> consumer.subscribe(List.of("missing")));
        assertEquals(ErrorReason.UNKNOWN_TOPIC, e.reason());
        assertEquals("topic 'missing' does not exist", e.getMessage());
    }

    @Test
    void pollReturnsTheRecordsOfTheAnswerWithTheRequestedLimits() {
        consumer.subscribe(List.of("orders"));
        service.pollAnswers.add(List.of(record("orders", 0, 5, "k", "v5"), record("orders", 1, 3, null, null)));

        List<ConsumerRecord> records = consumer.poll(Duration.ofMillis(250));

        assertEquals(2, records.size());
        ConsumerRecord first = records.get(0);
        assertEquals("orders", first.topic());
        assertEquals(0, first.partition());
        assertEquals(5, first.offset());
        assertEquals(1005, first.timestampMs());
        assertArrayEquals("k".getBytes(StandardCharsets.UTF_8), first.key());
        assertArrayEquals("v5".getBytes(StandardCharsets.UTF_8), first.value());
        assertNull(records.get(1).key());
        assertNull(records.get(1).value());
        SubscribeRequest poll = service.receivedOf(OpCase.POLL).get(0);
        assertEquals(ConsumerConfig.DEFAULT_FETCH_MAX_RECORDS, poll.getPoll().getMaxRecords(), "fetch.max.records");
        assertEquals(250, poll.getPoll().getMaxWaitMs());
    }

    @Test
    void requestIdsAreDistinctAndEchoedAnswersReachTheirCallers() {
        consumer.subscribe(List.of("orders"));
        consumer.poll(Duration.ZERO);
        consumer.poll(Duration.ZERO);

        List<Long> ids = service.received.stream().map(SubscribeRequest::getRequestId).toList();
        assertTrue(ids.size() >= 3, "join and two polls (and perhaps one sent ahead): " + ids);
        assertEquals(ids.size(), ids.stream().distinct().count());
        assertTrue(ids.stream().allMatch(id -> id > 0), "request id 0 is reserved for pushes");
    }

    @Test
    void commitSyncCommitsTheOffsetAfterTheLastRecordReturnedPerPartition() {
        consumer.subscribe(List.of("orders"));
        service.pollAnswers.add(List.of(record("orders", 0, 5, null, "a"), record("orders", 0, 6, null, "b"),
                record("orders", 1, 3, null, "c")));
        consumer.poll(Duration.ZERO);

        consumer.commitSync();

        List<TopicPartitionOffset> offsets = service.receivedOf(OpCase.COMMIT).get(0).getCommit().getOffsetsList();
        Map<String, Long> byPartition = offsets.stream().collect(java.util.stream.Collectors.toMap(
                o -> o.getTopic() + "-" + o.getPartition(), TopicPartitionOffset::getOffset));
        assertEquals(Map.of("orders-0", 7L, "orders-1", 4L), byPartition);
    }

    @Test
    void commitSyncWithNothingConsumedSendsNothing() {
        consumer.subscribe(List.of("orders"));
        consumer.commitSync();
        assertTrue(service.receivedOf(OpCase.COMMIT).isEmpty());
    }

    @Test
    void commitSyncWithExplicitOffsetsSendsExactlyThose() {
        consumer.subscribe(List.of("orders"));

        consumer.commitSync(Map.of(new TopicPartition("orders", 1), 99L));

        TopicPartitionOffset o = service.receivedOf(OpCase.COMMIT).get(0).getCommit().getOffsets(0);
        assertEquals("orders", o.getTopic());
        assertEquals(1, o.getPartition());
        assertEquals(99L, o.getOffset());
    }

    @Test
    void errorAnswerToAPollSurfacesAsAClientExceptionAndTheSessionGoesOn() {
        consumer.subscribe(List.of("orders"));
        service.nextErrors.add(ErrorDetail.newBuilder().setReason(ErrorReason.OFFSET_OUT_OF_RANGE)
                .setMessage("offset 500 is above the log end 10 of orders-0").build());

        StrataClientException e = assertThrows(StrataClientException.class, () -> consumer.poll(Duration.ZERO));
        assertEquals(ErrorReason.OFFSET_OUT_OF_RANGE, e.reason());

        service.pollAnswers.add(List.of(record("orders", 0, 1, null, "x")));
        assertEquals(1, consumer.poll(Duration.ZERO).size());
        assertEquals(1, service.receivedOf(OpCase.JOIN).size(), "no rejoin after a request-level error");
    }

    @Test
    void aPushedAssignmentIsAdoptedInPollAndTheRevokedPartitionReleasedAfterTheListener() throws Exception {
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        consumer.subscribe(List.of("orders"), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
                heard.add("revoked " + partitions + ", still assigned " + consumer.assignment());
            }

            @Override
            public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
                heard.add("assigned " + partitions);
            }
        });
        service.push(Assignment.newBuilder().setMemberId("m-1").setGroupEpoch(2)
                .addPartitions(io.strata.proto.TopicPartition.newBuilder().setTopic("orders").setPartition(1)).build());
        Thread.sleep(200); // the push has arrived; it is adopted only inside poll
        assertEquals(2, consumer.assignment().size());

        consumer.poll(Duration.ZERO);

        assertEquals(Set.of(new TopicPartition("orders", 1)), consumer.assignment());
        assertEquals(2, consumer.groupEpoch());
        assertEquals(List.of("assigned [orders-0, orders-1]",
                "revoked [orders-0], still assigned [orders-0, orders-1]"), heard);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (service.receivedOf(OpCase.RELEASE).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of(io.strata.proto.TopicPartition.newBuilder().setTopic("orders").setPartition(0).build()),
                service.receivedOf(OpCase.RELEASE).get(0).getRelease().getPartitionsList());
        assertTrue(service.receivedOf(OpCase.JOIN).get(0).getJoin().getConfirmRevocations());
    }

    @Test
    void commitSyncSkipsPartitionsNoLongerAssigned() throws Exception {
        consumer.subscribe(List.of("orders"));
        service.pollAnswers.add(List.of(record("orders", 0, 5, null, "a"), record("orders", 1, 3, null, "c")));
        consumer.poll(Duration.ZERO);
        service.push(Assignment.newBuilder().setMemberId("m-1").setGroupEpoch(2)
                .addPartitions(io.strata.proto.TopicPartition.newBuilder().setTopic("orders").setPartition(1)).build());
        // The poll sent ahead by the first poll may have been answered before the push; a poll with
        // time to wait then asks again, and the push precedes that answer on the stream.
        consumer.poll(Duration.ofSeconds(1));

        consumer.commitSync();

        List<TopicPartitionOffset> offsets = service.receivedOf(OpCase.COMMIT).get(0).getCommit().getOffsetsList();
        assertEquals(1, offsets.size());
        assertEquals(1, offsets.get(0).getPartition());
    }

    @Test
    void recordsBeyondMaxPollRecordsAreReturnedByTheNextPollsUnlessASeekMovedThePartition() {
        consumer.subscribe(List.of("orders"));
        List<io.strata.proto.ConsumedRecord> answer = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            answer.add(record("orders", 0, i, null, "v" + i));
        }
        for (int i = 0; i < 50; i++) {
            answer.add(record("orders", 1, i, null, "w" + i));
        }
        service.pollAnswers.add(answer);

        List<ConsumerRecord> first = consumer.poll(Duration.ofMillis(250));
        assertEquals(42, first.size(), "max.poll.records");
        assertEquals(List.of(0L, 41L), List.of(first.get(0).offset(), first.get(41).offset()));
        assertEquals(42, consumer.position(new TopicPartition("orders", 0)));
        consumer.seek("orders", 1, 10); // what was received of partition 1 no longer follows its position

        List<ConsumerRecord> second = consumer.poll(Duration.ofMillis(250));
        assertEquals(8, second.size(), "the rest of partition 0, without asking the gateway");
        assertTrue(second.stream().allMatch(r -> r.partition() == 0 && r.offset() >= 42));
        assertEquals(3, pollsOnceSettled(3), "the first poll, then fetch.max.in.flight (2) sent ahead when records "
                + "were first returned; none while kept records were returned with both on their way");
        for (SubscribeRequest ahead : service.receivedOf(OpCase.POLL).subList(1, 3)) {
            assertEquals(0, ahead.getPoll().getMaxWaitMs(),
                    "a poll sent ahead does not wait: it would hold up the session's commits and seeks");
        }
        assertEquals(50, consumer.position(new TopicPartition("orders", 0)));
        assertEquals(10, consumer.position(new TopicPartition("orders", 1)));
    }

    @Test
    void seekSendsTheTargetAndBecomesTheCommittedPosition() {
        consumer.subscribe(List.of("orders"));

        consumer.seek("orders", 1, 17);
        consumer.commitSync();

        SubscribeRequest seek = service.receivedOf(OpCase.SEEK).get(0);
        assertEquals("orders", seek.getSeek().getTopic());
        assertEquals(1, seek.getSeek().getPartition());
        assertEquals(17, seek.getSeek().getOffset());
        assertEquals(17, service.receivedOf(OpCase.COMMIT).get(0).getCommit().getOffsets(0).getOffset());
    }

    @Test
    void seekToBeginningWithoutPartitionsSeeksEveryAssignedPartition() {
        consumer.subscribe(List.of("orders"));

        consumer.seekToBeginning(List.of());

        List<SubscribeRequest> seeks = service.receivedOf(OpCase.SEEK);
        assertEquals(2, seeks.size());
        assertTrue(seeks.stream().allMatch(s -> s.getSeek().getBeginning()));
    }

    @Test
    void closeLeavesTheGroupAndHalfClosesTheStream() throws Exception {
        consumer.subscribe(List.of("orders"));

        consumer.close();

        assertEquals(1, service.receivedOf(OpCase.LEAVE).size());
        assertTrue(service.clientHalfClosed.await(5, TimeUnit.SECONDS));
        assertThrows(IllegalStateException.class, () -> consumer.poll(Duration.ZERO));
    }

    @Test
    void wakeupInterruptsABlockedPollWhoseAnswerIsReturnedByTheNextPoll() throws Exception {
        consumer.subscribe(List.of("orders"));
        CountDownLatch hold = new CountDownLatch(1);
        service.holdPolls = hold;
        service.pollAnswers.add(List.of(record("orders", 0, 0, null, "held")));
        Thread waker = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            consumer.wakeup();
        });
        waker.start();

        assertThrows(WakeupException.class, () -> consumer.poll(Duration.ofSeconds(10)));
        waker.join();
        hold.countDown();
        service.holdPolls = null;

        List<ConsumerRecord> records = consumer.poll(Duration.ofSeconds(5));
        assertEquals(1, records.size());
        assertEquals("held", new String(records.get(0).value(), StandardCharsets.UTF_8));
        assertEquals(3, pollsOnceSettled(3), "the interrupted poll and the two sent ahead after its answer: "
                + "the interrupted poll was not sent twice");
    }

    @Test
    void fetchMaxInFlightBoundsThePollsSentAheadAndTheirAnswersArriveInOrder() throws Exception {
        consumer.close();
        consumer = new StrataConsumer(ConsumerConfig.builder("g1").bootstrap(server.bootstrap())
                .autoOffsetReset(OffsetReset.EARLIEST).maxPollRecords(10).fetchMaxInFlight(3)
                .requestTimeout(Duration.ofSeconds(5)).build());
        consumer.subscribe(List.of("orders"));
        for (int answer = 0; answer < 4; answer++) {
            List<io.strata.proto.ConsumedRecord> records = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                records.add(record("orders", 0, answer * 10L + i, null, "v" + (answer * 10 + i)));
            }
            service.pollAnswers.add(records);
        }

        List<Long> offsets = new java.util.ArrayList<>();
        while (offsets.size() < 40) {
            consumer.poll(Duration.ofSeconds(1)).forEach(r -> offsets.add(r.offset()));
        }

        assertEquals(java.util.stream.LongStream.range(0, 40).boxed().toList(), offsets,
                "answers to polls sent ahead are returned in the order they were asked for");
        assertEquals(4 + 3, pollsOnceSettled(7), "after each of the four answers the consumer tops its polls "
                + "on the way up to three again; never more than three travel at once");
    }

    /** Polls the gateway received, once {@code expected} arrived (the consumer sends its next poll ahead) and a bit more. */
    private int pollsOnceSettled(int expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (service.receivedOf(OpCase.POLL).size() < expected && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        try {
            Thread.sleep(100); // room for a poll that should not have been sent
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return service.receivedOf(OpCase.POLL).size();
    }

    @Test
    void lostSessionIsRejoinedByTheNextPoll() throws Exception {
        consumer.subscribe(List.of("orders"));
        service.killSession();
        Thread.sleep(100);

        assertEquals(List.of(), consumer.poll(Duration.ZERO));

        assertEquals(2, service.receivedOf(OpCase.JOIN).size());
        assertEquals("m-2", consumer.memberId());
        service.pollAnswers.add(List.of(record("orders", 0, 0, null, "after")));
        assertEquals(1, consumer.poll(Duration.ZERO).size());
    }

    @Test
    void rawBatchesAreDecodedAndRecordsKeptFromOneAnswerSurviveTheNextAnswer() {
        consumer.subscribe(List.of("orders"));
        // 100 records per answer, 42 per poll: the second answer is parsed (into the same receive
        // buffer) while most of the first one's records are still waiting to be returned.
        service.batchAnswers.add(List.of(batches("orders", 0, "a", 100)));
        service.batchAnswers.add(List.of(batches("orders", 1, "b", 100)));

        List<String> values = new ArrayList<>();
        for (int i = 0; i < 50 && values.size() < 200; i++) {
            consumer.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.partition() + ":" + r.offset() + ":"
                    + new String(r.value(), StandardCharsets.UTF_8)));
        }

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            expected.add("0:" + i + ":a" + i + "-" + "x".repeat(1000));
        }
        for (int i = 0; i < 100; i++) {
            expected.add("1:" + i + ":b" + i + "-" + "x".repeat(1000));
        }
        assertEquals(expected, values);
    }

    @Test
    void corruptBatchesFailThePollWithCorruptBatchAndThePartitionsBeforeThemStillArrive() {
        consumer.subscribe(List.of("orders"));
        PartitionBatches whole = batches("orders", 1, "b", 5);
        byte[] flipped = whole.getBatches().toByteArray();
        flipped[flipped.length - 1] ^= 1; // the CRC no longer matches
        PartitionBatches broken = whole.toBuilder().setBatches(ByteString.copyFrom(flipped)).build();
        service.batchAnswers.add(List.of(batches("orders", 0, "a", 3), broken));

        StrataClientException e = assertThrows(StrataClientException.class, () -> consumer.poll(Duration.ofSeconds(2)));
        assertEquals(ErrorReason.CORRUPT_BATCH, e.reason());
        assertEquals(List.of(0L, 1L, 2L), consumer.poll(Duration.ofMillis(100)).stream().map(ConsumerRecord::offset)
                .toList());
    }

    @Test
    void batchesEndingBeforeTheAnswersNextOffsetFailThePollInsteadOfSkippingRecords() {
        consumer.subscribe(List.of("orders"));
        PartitionBatches whole = batches("orders", 0, "a", 5);
        ByteString truncated = whole.getBatches().substring(0, whole.getBatches().size() - 10);
        service.batchAnswers.add(List.of(whole.toBuilder().setBatches(truncated).build()));

        StrataClientException e = assertThrows(StrataClientException.class, () -> consumer.poll(Duration.ofSeconds(2)));
        assertEquals(ErrorReason.CORRUPT_BATCH, e.reason());
        assertTrue(e.getMessage().contains("short of the answer's next offset 5"), e.getMessage());
    }

    /** A raw poll answer for one partition: a batch of {@code count} records with offsets 0.. and values PREFIXi-xxx… */
    private static PartitionBatches batches(String topic, int partition, String prefix, int count) {
        RecordBatchBuilder b = new RecordBatchBuilder(Compression.NONE);
        for (int i = 0; i < count; i++) {
            b.append(1000 + i, null, (prefix + i + "-" + "x".repeat(1000)).getBytes(StandardCharsets.UTF_8));
        }
        return PartitionBatches.newBuilder().setTopic(topic).setPartition(partition).setStartOffset(0)
                .setNextOffset(count).setBatches(ByteString.copyFrom(b.build())).build();
    }

    @Test
    void pollBeforeSubscribeIsAnError() {
        assertThrows(IllegalStateException.class, () -> consumer.poll(Duration.ZERO));
    }

    @Test
    void useFromASecondThreadWhileAPollIsBlockedIsRejected() throws Exception {
        consumer.subscribe(List.of("orders"));
        CountDownLatch hold = new CountDownLatch(1);
        service.holdPolls = hold;
        Thread poller = new Thread(() -> {
            try {
                consumer.poll(Duration.ofSeconds(5));
            } catch (RuntimeException ignored) {
                // woken up below
            }
        });
        poller.start();
        Thread.sleep(100);

        assertThrows(java.util.ConcurrentModificationException.class, () -> consumer.poll(Duration.ZERO));

        hold.countDown();
        poller.join();
        service.holdPolls = null;
    }
}
