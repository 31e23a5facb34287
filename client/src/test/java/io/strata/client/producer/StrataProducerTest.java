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
        server = GrpcTestServer.start(service);
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
        assertTrue(requests.stream().allMatch(r -> r.getRecordsCount() <= 7), "batch.max.records caps every request");
        assertEquals(50, requests.stream().mapToInt(ProduceRequest::getRecordsCount).sum());
        assertEquals("v0", requests.get(0).getRecords(0).getValue().toStringUtf8());
    }

    @Test
    void atMostOneProduceRequestIsInFlight() throws Exception {
        service.delayMs = 5;
        try (StrataProducer producer = new StrataProducer(config().lingerMs(0).batchMaxRecords(2).build())) {
            List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                futures.add(producer.send(ProducerRecord.of("topic-" + (i % 3), utf8("k" + i), utf8("v" + i))));
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        }
        assertTrue(service.requests().size() >= 10, "expected many requests, got " + service.requests().size());
        assertEquals(1, service.maxInFlight.get());
    }

    @Test
    void recordsForDifferentTopicsTravelInDifferentRequests() throws Exception {
        try (StrataProducer producer = new StrataProducer(config().lingerMs(60_000).build())) {
            producer.send(ProducerRecord.of("a", utf8("a1")));
            producer.send(ProducerRecord.of("b", utf8("b1")));
            producer.send(ProducerRecord.of("a", utf8("a2")));
            producer.flush();
        }
        List<ProduceRequest> requests = service.requests();
        assertEquals(2, requests.size());
        assertEquals("a", requests.get(0).getTopic());
        assertEquals(List.of("a1", "a2"),
                requests.get(0).getRecordsList().stream().map(r -> r.getValue().toStringUtf8()).toList());
        assertEquals("b", requests.get(1).getTopic());
        assertEquals(1, requests.get(1).getRecordsCount());
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
        assertEquals("key", request.getRecords(0).getKey().toStringUtf8());
        assertFalse(request.getRecords(0).hasValue(), "a null value is sent as absent (tombstone)");
        assertEquals(1234L, request.getRecords(0).getTimestampMs());
        assertEquals("hv", request.getRecords(0).getHeaders(0).getValue().toStringUtf8());
        assertFalse(request.getRecords(0).getHeaders(1).hasValue());
    }

    @Test
    void keylessRecordWithoutPartitionLetsTheGatewayChoose() throws Exception {
        try (StrataProducer producer = new StrataProducer(config().build())) {
            RecordMetadata m = producer.send(ProducerRecord.of("t", utf8("v"))).get(10, TimeUnit.SECONDS);
            assertEquals(0, m.partition());
        }
        ProduceRequest request = service.requests().get(0);
        assertFalse(request.hasPartition());
        assertFalse(request.getRecords(0).hasKey());
        assertTrue(request.getRecords(0).hasTimestampMs(), "the producer stamps the create time");
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
        service.failer = r -> GrpcTestServer.error(Status.Code.NOT_FOUND, ErrorReason.UNKNOWN_TOPIC,
                "topic '" + r.getTopic() + "' does not exist");
        try (StrataProducer producer = new StrataProducer(config().lingerMs(50).build())) {
            CompletableFuture<RecordMetadata> f1 = producer.send(ProducerRecord.of("nope", utf8("1")));
            CompletableFuture<RecordMetadata> f2 = producer.send(ProducerRecord.of("nope", utf8("2")));
            for (CompletableFuture<RecordMetadata> f : List.of(f1, f2)) {
                StrataClientException e = failure(f);
                assertEquals(ErrorReason.UNKNOWN_TOPIC, e.reason());
                assertEquals("topic 'nope' does not exist", e.getMessage());
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
                .maxBlock(Duration.ofMillis(100)).build();
        StrataProducer producer = new StrataProducer(cfg);
        try {
            CompletableFuture<RecordMetadata> first = producer.send(ProducerRecord.of("t", utf8("x".repeat(200))));
            long start = System.nanoTime();
            CompletableFuture<RecordMetadata> blocked = producer.send(ProducerRecord.of("t", utf8("y".repeat(200))));
            long blockedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertTrue(blockedMs >= 90, "send blocked for max.block, took " + blockedMs + " ms");
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
