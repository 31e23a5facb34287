package io.strata.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.strata.client.GrpcTestServer;
import io.strata.client.RecordHeader;
import io.strata.client.StrataClientException;
import io.strata.proto.ErrorReason;
import io.strata.proto.ProduceRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class StrataProducerTest {

    private final FakeProducerService service = new FakeProducerService();
    private GrpcTestServer server;

    @BeforeEach
    void startServer() {
        server = GrpcTestServer.start(service, service.admin);
    }

    @AfterEach
    void stopServer() throws Exception {
        server.close();
    }

    private ProducerConfig.Builder config() {
        return ProducerConfig.builder().bootstrap(server.bootstrap());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> values(ProduceRequest request) {
        return FakeProducerService.records(request).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    private static StrataClientException failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(StrataClientException.class, e.getCause());
    }

    @Test
    void futuresCompleteWithOffsetsInSendOrder() throws Exception {
        try (StrataProducer producer = new StrataProducer(config().batchMaxRecords(7).build())) {
            List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                futures.add(producer.send(ProducerRecord.of("orders", 1, null, utf8("v" + i))));
            }
            for (int i = 0; i < 50; i++) {
                assertEquals(new RecordMetadata("orders", 1, i), futures.get(i).get(10, TimeUnit.SECONDS));
            }
        }
        List<ProduceRequest> requests = service.requests();
        assertTrue(requests.stream().allMatch(r -> values(r).size() <= 7), "batch.max.records caps every request");
        assertEquals(50, requests.stream().mapToInt(r -> values(r).size()).sum());
        assertEquals("v0", values(requests.get(0)).get(0));
    }

    @Test
    void requestsArePipelinedUpToMaxInFlightButOnePerPartition() throws Exception {
        service.delayMs = 20;
        ProducerConfig cfg = config().lingerMs(0).batchMaxRecords(2).maxInFlight(2).build();
        try (StrataProducer producer = new StrataProducer(cfg)) {
            List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                futures.add(producer.send(ProducerRecord.of("t", i % 3, null, utf8("v" + i))));
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
            for (int i = 0; i < 60; i++) {
                assertEquals(i / 3, futures.get(i).get().offset(), "partition order is send order");
            }
        }
        assertEquals(2, service.maxInFlight.get(), "max.in.flight requests overlap");
        assertEquals(1, service.maxInFlightPerPartition.get());
    }

    @Test
    void keyedRecordsGoToMurmur2PartitionsAndKeylessOnesStickTogether() throws Exception {
        try (StrataProducer producer = new StrataProducer(config().lingerMs(60_000).build())) {
            CompletableFuture<RecordMetadata> keyedFuture = producer.send(ProducerRecord.of("t", utf8("key-1"), utf8("v")));
            producer.flush();
            RecordMetadata keyed = keyedFuture.get(10, TimeUnit.SECONDS);
            assertEquals(io.strata.common.partition.Murmur2Partitioner.partitionForKey(utf8("key-1"),
                    FakeProducerService.PARTITIONS), keyed.partition());
            List<CompletableFuture<RecordMetadata>> keyless = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                keyless.add(producer.send(ProducerRecord.of("t", utf8("k" + i))));
            }
            producer.flush();
            assertEquals(1, keyless.stream().map(f -> f.join().partition()).distinct().count(),
                    "key-less records of one batch share a partition");
        }
    }

    @Test
    void compressedBatchesCarryTheRecords() throws Exception {
        try (StrataProducer producer = new StrataProducer(config()
                .compression(io.strata.common.batch.Compression.LZ4).build())) {
            producer.send(ProducerRecord.of("t", 0, null, utf8("a".repeat(1000)))).get(10, TimeUnit.SECONDS);
        }
        ProduceRequest request = service.requests().get(0);
        assertTrue(request.getBatch().size() < 500, "1000 equal bytes compress: " + request.getBatch().size());
        assertEquals(List.of("a".repeat(1000)), values(request));
    }

    @Test
    void unknownTopicFailsTheRecordWithoutAProduceRequest() throws Exception {
        try (StrataProducer producer = new StrataProducer(config().build())) {
            assertEquals(ErrorReason.UNKNOWN_TOPIC, failure(producer.send(ProducerRecord.of("nope", utf8("1")))).reason());
            assertEquals(ErrorReason.UNKNOWN_PARTITION,
                    failure(producer.send(ProducerRecord.of("t", 7, null, utf8("1")))).reason());
        }
        assertTrue(service.requests().isEmpty());
    }

    @Test
    void requestCarriesAcksKeyHeadersTimestampAndExplicitPartition() throws Exception {
        try (StrataProducer producer = new StrataProducer(config().acks(Acks.LEADER).build())) {
            producer.send(new ProducerRecord("t", 2, utf8("key"), null,
                    List.of(new RecordHeader("h", utf8("hv")), new RecordHeader("n", null)), 1234L)).get(10, TimeUnit.SECONDS);
        }
        ProduceRequest request = service.requests().get(0);
        assertEquals(io.strata.proto.Acks.ACKS_LEADER, request.getAcks());
        assertEquals(2, request.getPartition());
        io.strata.common.batch.Record r = FakeProducerService.records(request).get(0);
        assertEquals("key", new String(r.key(), StandardCharsets.UTF_8));
        assertEquals(null, r.value(), "a null value is sent as a tombstone");
        assertEquals(1234L, r.timestamp());
        assertEquals("hv", new String(r.headers().get(0).value(), StandardCharsets.UTF_8));
        assertEquals(null, r.headers().get(1).value());
    }

    @Test
    void acksNoneCompletesFuturesWithoutOffsets() throws Exception {
        try (StrataProducer producer = new StrataProducer(config().acks(Acks.NONE).build())) {
            RecordMetadata m = producer.send(ProducerRecord.of("t", utf8("v"))).get(10, TimeUnit.SECONDS);
            assertEquals(-1, m.offset());
            assertFalse(m.hasOffset());
        }
        assertEquals(io.strata.proto.Acks.ACKS_NONE, service.requests().get(0).getAcks());
    }

    @Test
    void gatewayErrorFailsEveryFutureOfTheRequestWithItsReason() throws Exception {
        service.failer = r -> GrpcTestServer.error(Status.Code.INVALID_ARGUMENT, ErrorReason.RECORD_TOO_LARGE,
                "batch for '" + r.getTopic() + "' is too large");
        try (StrataProducer producer = new StrataProducer(config().lingerMs(50).build())) {
            CompletableFuture<RecordMetadata> f1 = producer.send(ProducerRecord.of("big", 0, null, utf8("1")));
            CompletableFuture<RecordMetadata> f2 = producer.send(ProducerRecord.of("big", 0, null, utf8("2")));
            for (CompletableFuture<RecordMetadata> f : List.of(f1, f2)) {
                StrataClientException e = failure(f);
                assertEquals(ErrorReason.RECORD_TOO_LARGE, e.reason());
                assertEquals("batch for 'big' is too large", e.getMessage());
            }
        }
        assertEquals(1, service.requests().size(), "a non-retriable error is not retried");
    }

    @Test
    void retriableErrorIsRetriedUntilTheGatewayAccepts() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        service.failer = r -> attempts.incrementAndGet() <= 2
                ? GrpcTestServer.error(Status.Code.UNAVAILABLE, ErrorReason.LEADER_NOT_AVAILABLE, "no leader yet")
                : null;
        try (StrataProducer producer = new StrataProducer(config().retryBackoff(Duration.ofMillis(10)).build())) {
            RecordMetadata m = producer.send(ProducerRecord.of("t", 0, null, utf8("v"))).get(10, TimeUnit.SECONDS);
            assertEquals(0, m.offset());
        }
        assertEquals(3, attempts.get());
    }

    @Test
    void retriesStopWhenTheDeliveryTimeoutExpires() throws Exception {
        service.failer = r -> GrpcTestServer.error(Status.Code.UNAVAILABLE, ErrorReason.NOT_ENOUGH_REPLICAS, "isr too small");
        ProducerConfig cfg = config().deliveryTimeout(Duration.ofMillis(300)).retryBackoff(Duration.ofMillis(20)).build();
        try (StrataProducer producer = new StrataProducer(cfg)) {
            StrataClientException e = failure(producer.send(ProducerRecord.of("t", utf8("v"))));
            assertTrue(e.reason() == ErrorReason.NOT_ENOUGH_REPLICAS || e.reason() == ErrorReason.TIMEOUT, e.toString());
        }
        assertTrue(service.requests().size() >= 2, "retried at least once");
    }

    @Test
    void aRequestTheGatewayNeverAnswersResetsTheStreamAndTheOthersWaitingAreRetried() throws Exception {
        // partition 0's request is lost; partition 1's first attempt is answered only after the reset
        service.unanswered = r -> r.getPartition() == 0;
        AtomicInteger partition1Attempts = new AtomicInteger();
        service.delayFor = r -> r.getPartition() == 1 && partition1Attempts.incrementAndGet() == 1 ? 3_000L : 0L;
        ProducerConfig cfg = config().lingerMs(0).requestTimeout(Duration.ofMillis(200))
                .deliveryTimeout(Duration.ofSeconds(20)).build();
        try (StrataProducer producer = new StrataProducer(cfg)) {
            CompletableFuture<RecordMetadata> lost = producer.send(ProducerRecord.of("t", 0, null, utf8("a")));
            Thread.sleep(1_000); // so that this one is still within its time when the first one's ends
            CompletableFuture<RecordMetadata> waiting = producer.send(ProducerRecord.of("t", 1, null, utf8("b")));

            StrataClientException e = failure(lost);
            assertEquals(ErrorReason.TIMEOUT, e.reason(), e.toString());
            assertEquals(1, waiting.get(10, TimeUnit.SECONDS).partition());
            assertEquals(2, partition1Attempts.get(), "the waiting request was sent again after the reset");
            assertEquals(2, service.streams.get(), "the retry went over a new stream");
        }
    }

    @Test
    void requestsWaitingWhenTheGatewayBreaksTheStreamAreRetriedOnANewOne() throws Exception {
        service.gate.drainPermits(); // hold the first request
        try (StrataProducer producer = new StrataProducer(config().lingerMs(0).build())) {
            CompletableFuture<RecordMetadata> f = producer.send(ProducerRecord.of("t", utf8("v")));
            while (service.requests().isEmpty()) {
                Thread.sleep(5);
            }
            service.breakStreams();
            service.gate.release(Integer.MAX_VALUE / 2);
            f.get(10, TimeUnit.SECONDS);
            assertEquals(2, service.streams.get());
            assertEquals(2, service.requests().size(), "sent again after the stream broke");
        }
    }

    @Test
    void flushSendsLingeringRecordsAndWaitsForTheirAcknowledgement() throws Exception {
        try (StrataProducer producer = new StrataProducer(config().lingerMs(60_000).build())) {
            CompletableFuture<RecordMetadata> f = producer.send(ProducerRecord.of("t", utf8("v")));
            assertFalse(f.isDone());
            producer.flush();
            assertTrue(f.isDone());
            assertEquals(0, f.get().offset());
        }
    }

    @Test
    void closeDeliversRecordsStillQueued() throws Exception {
        StrataProducer producer = new StrataProducer(config().lingerMs(60_000).build());
        CompletableFuture<RecordMetadata> f = producer.send(ProducerRecord.of("t", utf8("v")));
        producer.close();
        assertTrue(f.isDone());
        assertEquals(0, f.get().offset());
        assertThrows(IllegalStateException.class, () -> producer.send(ProducerRecord.of("t", utf8("late"))));
        producer.close(); // idempotent
    }

    @Test
    void closeWithTimeoutFailsRecordsTheGatewayNeverAnswered() throws Exception {
        service.gate.drainPermits();
        StrataProducer producer = new StrataProducer(config().lingerMs(0).build());
        CompletableFuture<RecordMetadata> f = producer.send(ProducerRecord.of("t", utf8("v")));
        producer.close(Duration.ofMillis(200));
        StrataClientException e = failure(f);
        assertTrue(e.reason() == ErrorReason.TIMEOUT || e.statusCode() == Status.Code.CANCELLED, e.toString());
        service.gate.release(Integer.MAX_VALUE / 2);
    }

    @Test
    void sendFailsWithTimeoutWhenTheBufferStaysFullForMaxBlock() throws Exception {
        service.gate.drainPermits(); // the gateway holds every request
        ProducerConfig cfg = config().lingerMs(0).batchMaxBytes(256).bufferMaxBytes(300)
                .maxBlock(Duration.ofMillis(1000)).build();
        StrataProducer producer = new StrataProducer(cfg);
        try {
            CompletableFuture<RecordMetadata> first = producer.send(ProducerRecord.of("t", utf8("x".repeat(200))));
            long start = System.nanoTime();
            CompletableFuture<RecordMetadata> blocked = producer.send(ProducerRecord.of("t", utf8("y".repeat(200))));
            long blockedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertTrue(blockedMs >= 900, "send blocked for max.block, took " + blockedMs + " ms: " + blocked);
            assertEquals(ErrorReason.TIMEOUT, failure(blocked).reason());
            service.gate.release(Integer.MAX_VALUE / 2);
            assertEquals(0, first.get(10, TimeUnit.SECONDS).offset());
        } finally {
            service.gate.release(Integer.MAX_VALUE / 2);
            producer.close();
        }
    }

    @Test
    void recordLargerThanTheGatewayRequestLimitFailsWithoutBeingSent() throws Exception {
        try (StrataProducer producer = new StrataProducer(config().maxRequestBytes(4096).build())) {
            StrataClientException e = failure(producer.send(ProducerRecord.of("t", new byte[8192])));
            assertEquals(ErrorReason.RECORD_TOO_LARGE, e.reason());
        }
        assertTrue(service.requests().isEmpty());
    }

    @Test
    void unreachableGatewayFailsFuturesAfterTheDeliveryTimeout() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProducerConfig cfg = ProducerConfig.builder().bootstrap("127.0.0.1:" + port)
                .deliveryTimeout(Duration.ofMillis(500)).retryBackoff(Duration.ofMillis(50)).build();
        try (StrataProducer producer = new StrataProducer(cfg)) {
            StrataClientException e = failure(producer.send(ProducerRecord.of("t", utf8("v"))));
            assertTrue(e.reason() == ErrorReason.NODE_UNAVAILABLE || e.reason() == ErrorReason.TIMEOUT, e.toString());
        }
    }
}
