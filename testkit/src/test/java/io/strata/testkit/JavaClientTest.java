package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.strata.client.Bootstrap;
import io.strata.client.StrataChannels;
import io.strata.client.StrataClientException;
import io.strata.client.TopicPartition;
import io.strata.client.admin.StrataAdmin;
import io.strata.client.consumer.ConsumerConfig;
import io.strata.client.consumer.ConsumerRecord;
import io.strata.client.consumer.OffsetReset;
import io.strata.client.consumer.StrataConsumer;
import io.strata.client.producer.ProducerConfig;
import io.strata.client.producer.ProducerRecord;
import io.strata.client.producer.RecordMetadata;
import io.strata.client.producer.StrataProducer;
import io.strata.proto.ErrorReason;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import io.strata.proto.RecordPosition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java client library against a real in-JVM cluster. */
class JavaClientTest {
    @TempDir
    static Path dataDir;
    static LocalCluster cluster;
    static Bootstrap bootstrap;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.builder().dataDir(dataDir).build().start();
        bootstrap = Bootstrap.parse(cluster.gatewayAddress().toString());
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static StrataAdmin admin() {
        return new StrataAdmin(bootstrap, Duration.ofSeconds(30));
    }

    private static StrataConsumer consumer(String group, OffsetReset reset) {
        return new StrataConsumer(ConsumerConfig.builder(group).bootstrap(bootstrap).autoOffsetReset(reset).build());
    }

    private static List<ConsumerRecord> pollUntil(StrataConsumer consumer, int count) {
        List<ConsumerRecord> out = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 30_000;
        while (out.size() < count && System.currentTimeMillis() < deadline) {
            out.addAll(consumer.poll(Duration.ofMillis(500)));
        }
        return out;
    }

    @Test
    void producerFuturesCarryTheOffsetsTheConsumerReads() throws Exception {
        try (StrataAdmin admin = admin()) {
            admin.createTopic("clicks", 3, 2, Map.of());
        }
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        try (StrataProducer producer = new StrataProducer(ProducerConfig.builder().bootstrap(bootstrap).build())) {
            for (int i = 0; i < 2000; i++) {
                sent.add(producer.send(ProducerRecord.of("clicks", ("user-" + (i % 37)).getBytes(StandardCharsets.UTF_8),
                        Integer.toString(i).getBytes(StandardCharsets.UTF_8))));
            }
            producer.flush();
        }
        try (StrataConsumer consumer = consumer("clicks-readers", OffsetReset.EARLIEST)) {
            consumer.subscribe(List.of("clicks"));
            List<ConsumerRecord> records = pollUntil(consumer, 2000);
            assertEquals(2000, records.size());
            for (ConsumerRecord r : records) {
                int i = Integer.parseInt(new String(r.value(), StandardCharsets.UTF_8));
                RecordMetadata m = sent.get(i).get();
                assertEquals(m.partition(), r.partition(), "record " + i);
                assertEquals(m.offset(), r.offset(), "record " + i);
            }
            consumer.commitSync();
        }
        try (StrataConsumer again = consumer("clicks-readers", OffsetReset.EARLIEST)) {
            again.subscribe(List.of("clicks"));
            assertEquals(0, again.poll(Duration.ofMillis(500)).size(), "the group resumes after its commit");
        }
    }

    @Test
    void produceStreamPipelinesRequestsAndKeepsEachPartitionInStreamOrder() throws Exception {
        try (StrataAdmin admin = admin()) {
            admin.createTopic("streamed", 3, 2, Map.of());
        }
        int requests = 300;
        ManagedChannel channel = StrataChannels.open(bootstrap);
        try {
            LinkedBlockingQueue<ProduceResponse> answers =
                    new LinkedBlockingQueue<>();
            CompletableFuture<Void> done = new CompletableFuture<>();
            StreamObserver<ProduceRequest> stream = ProducerGrpc
                    .newStub(channel).produceStream(new StreamObserver<>() {
                        @Override
                        public void onNext(ProduceResponse r) {
                            answers.add(r);
                        }

                        @Override
                        public void onError(Throwable t) {
                            done.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {
                            done.complete(null);
                        }
                    });
            for (int i = 0; i < requests; i++) { // all sent before any answer is awaited
                stream.onNext(ProduceRequest.newBuilder().setTopic("streamed").setPartition(i % 3)
                        .setRequestId(i).addRecords(Record.newBuilder()
                                .setValue(ByteString.copyFromUtf8(Integer.toString(i)))).build());
            }
            stream.onCompleted();
            done.get(60, TimeUnit.SECONDS);
            assertEquals(requests, answers.size());
            long[] lastOffset = {-1, -1, -1};
            List<ProduceResponse> byId = new ArrayList<>(answers);
            byId.sort(Comparator.comparingLong(ProduceResponse::getRequestId));
            for (ProduceResponse r : byId) {
                assertTrue(!r.hasError(), r.toString());
                RecordPosition pos = r.getRecords(0);
                assertTrue(pos.getOffset() > lastOffset[pos.getPartition()],
                        "request " + r.getRequestId() + " was appended after a later request of its partition");
                lastOffset[pos.getPartition()] = pos.getOffset();
            }
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void groupResumesPartitionsThatWereEmptyWhenItCommitted() {
        try (StrataAdmin admin = admin()) {
            admin.createTopic("sparse", 4, 1, Map.of());
        }
        try (StrataProducer producer = new StrataProducer(ProducerConfig.builder().bootstrap(bootstrap).build())) {
            producer.send(ProducerRecord.of("sparse", 0, null, "first".getBytes(StandardCharsets.UTF_8))).join();
            try (StrataConsumer consumer = consumer("sparse-group", OffsetReset.LATEST)) {
                consumer.subscribe(List.of("sparse"));
                consumer.seekToBeginning(List.of(new TopicPartition("sparse", 0)));
                assertEquals(1, pollUntil(consumer, 1).size());
                consumer.commitSync();
            }
            producer.send(ProducerRecord.of("sparse", 3, null, "later".getBytes(StandardCharsets.UTF_8))).join();
        }
        try (StrataConsumer consumer = consumer("sparse-group", OffsetReset.LATEST)) {
            consumer.subscribe(List.of("sparse"));
            List<ConsumerRecord> records = pollUntil(consumer, 1);
            assertEquals(1, records.size());
            assertEquals("later", new String(records.get(0).value(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void adminErrorsCarryReasons() {
        try (StrataAdmin admin = admin()) {
            assertEquals(ErrorReason.UNKNOWN_TOPIC, assertThrows(StrataClientException.class,
                    () -> admin.describeTopic("missing")).reason());
            assertEquals(ErrorReason.INVALID_TOPIC_NAME, assertThrows(StrataClientException.class,
                    () -> admin.createTopic("no spaces", 1, 1, Map.of())).reason());
            assertEquals(ErrorReason.NOT_ENOUGH_NODES, assertThrows(StrataClientException.class,
                    () -> admin.createTopic("too-wide", 1, 4, Map.of())).reason());
            assertTrue(admin.describeCluster().getNodesCount() == 3);
        }
    }
}
