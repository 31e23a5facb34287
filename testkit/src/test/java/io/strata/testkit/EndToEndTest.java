package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.strata.common.net.Channels;
import io.strata.proto.AdminGrpc;
import io.strata.proto.ConsumedRecord;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.Join;
import io.strata.proto.OffsetReset;
import io.strata.proto.Poll;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import io.strata.proto.RecordPosition;
import io.strata.proto.SubscribeRequest;
import io.strata.proto.SubscribeResponse;
import io.strata.proto.Commit;
import io.strata.proto.TopicDescription;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walking skeleton end to end, over the raw gRPC API as any language would call it:
 * a topic with 6 partitions and RF 3, 10,000 keyed records through the gateway, read back by a
 * consumer group exactly once and in per-key order — then again by a new group after every
 * storage node restarted.
 */
class EndToEndTest {
    static final int RECORDS = 10_000;
    static final int KEYS = 100;
    static final int PARTITIONS = 6;

    @TempDir
    Path dataDir;

    @Test
    void keyedRecordsArriveOnceInKeyOrderAndSurviveStorageNodeRestart() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().dataDir(dataDir).build().start()) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try {
                TopicDescription topic = AdminGrpc.newBlockingStub(channel).createTopic(CreateTopicRequest.newBuilder()
                        .setName("orders").setPartitions(PARTITIONS).setReplicationFactor(3).build()).getTopic();
                assertEquals(PARTITIONS, topic.getPartitionsCount());
                topic.getPartitionsList().forEach(p -> assertEquals(3, p.getReplicasCount(), "replicas of " + p));

                produceAll(channel);

                List<ConsumedRecord> first = consumeAll(channel, "first-group");
                assertExactlyOnceInKeyOrder(first);

                cluster.restartStorageNodes();

                List<ConsumedRecord> replay = consumeAll(channel, "replay-group");
                assertExactlyOnceInKeyOrder(replay);
                assertEquals(positions(first), positions(replay), "the replay reads the same offsets");

                try (SubscribeSession again = join(channel, "first-group")) {
                    SubscribeResponse r = again.call(SubscribeRequest.newBuilder()
                            .setPoll(Poll.newBuilder().setMaxWaitMs(200)));
                    assertEquals(0, r.getRecords().getRecordsCount(), "first-group resumes after its commit");
                }
            } finally {
                Channels.close(channel);
            }
        }
    }

    private static void produceAll(ManagedChannel channel) {
        ProducerGrpc.ProducerBlockingStub producer = ProducerGrpc.newBlockingStub(channel);
        for (int start = 0; start < RECORDS; start += 500) {
            ProduceRequest.Builder request = ProduceRequest.newBuilder().setTopic("orders");
            for (int i = start; i < start + 500; i++) {
                request.addRecords(Record.newBuilder().setKey(utf8(key(i))).setValue(utf8(Integer.toString(i))));
            }
            ProduceResponse response = producer.produce(request.build());
            assertEquals(500, response.getRecordsCount());
            for (int i = start; i < start + 500; i++) {
                RecordPosition pos = response.getRecords(i - start);
                int expected = Utils.toPositive(Utils.murmur2(key(i).getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
                assertEquals(expected, pos.getPartition(), "record " + i + " lands where Kafka would put it");
            }
        }
    }

    private static List<ConsumedRecord> consumeAll(ManagedChannel channel, String group) throws Exception {
        List<ConsumedRecord> out = new ArrayList<>();
        try (SubscribeSession session = join(channel, group)) {
            long deadline = System.currentTimeMillis() + 60_000;
            while (out.size() < RECORDS && System.currentTimeMillis() < deadline) {
                SubscribeResponse r = session.call(SubscribeRequest.newBuilder()
                        .setPoll(Poll.newBuilder().setMaxRecords(1000).setMaxWaitMs(500)));
                assertFalse(r.hasError(), () -> "poll failed: " + r.getError());
                out.addAll(r.getRecords().getRecordsList());
                SubscribeResponse c = session.call(SubscribeRequest.newBuilder().setCommit(Commit.getDefaultInstance()));
                assertTrue(c.hasAck(), () -> "commit failed: " + c);
            }
            SubscribeResponse extra = session.call(SubscribeRequest.newBuilder()
                    .setPoll(Poll.newBuilder().setMaxWaitMs(100)));
            assertEquals(0, extra.getRecords().getRecordsCount(), "nothing beyond the records produced");
        }
        return out;
    }

    private static SubscribeSession join(ManagedChannel channel, String group) throws Exception {
        SubscribeSession session = new SubscribeSession(channel);
        SubscribeResponse joined = session.call(SubscribeRequest.newBuilder().setJoin(Join.newBuilder()
                .setGroup(group).addTopics("orders").setAutoOffsetReset(OffsetReset.OFFSET_RESET_EARLIEST)));
        assertEquals(PARTITIONS, joined.getAssignment().getPartitionsCount(), () -> "assignment: " + joined);
        return session;
    }

    private static void assertExactlyOnceInKeyOrder(List<ConsumedRecord> records) {
        assertEquals(RECORDS, records.size(), "records consumed");
        boolean[] seen = new boolean[RECORDS];
        Map<String, Integer> lastPerKey = new HashMap<>();
        for (ConsumedRecord r : records) {
            int i = Integer.parseInt(r.getValue().toStringUtf8());
            assertFalse(seen[i], "record " + i + " delivered twice");
            seen[i] = true;
            String key = r.getKey().toStringUtf8();
            assertEquals(key(i), key);
            Integer previous = lastPerKey.put(key, i);
            assertTrue(previous == null || previous < i, "key " + key + ": " + i + " arrived after " + previous);
        }
    }

    private static List<String> positions(List<ConsumedRecord> records) {
        return records.stream().map(r -> r.getValue().toStringUtf8() + "@" + r.getPartition() + ":" + r.getOffset())
                .sorted().toList();
    }

    private static String key(int i) {
        return "key-" + (i % KEYS);
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
