package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.strata.client.Bootstrap;
import io.strata.client.admin.StrataAdmin;
import io.strata.client.producer.Acks;
import io.strata.client.producer.ProducerConfig;
import io.strata.client.producer.ProducerRecord;
import io.strata.client.producer.RecordMetadata;
import io.strata.client.producer.StrataProducer;
import io.strata.common.net.Channels;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.FetchRequest;
import io.strata.proto.FetchResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java producer through the crash of a partition leader: with several requests in flight, its
 * retries must keep every partition in send order, every acknowledged record must be stored at
 * its acknowledged offset, and no record may fail (the new leader takes over well within the
 * delivery timeout). Duplicates from retries after a lost answer are allowed and reported.
 */
class ProducerFailoverTest {
    private static final Logger log = LoggerFactory.getLogger(ProducerFailoverTest.class);
    private static final String TOPIC = "ordered";
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 3000;

    @TempDir
    Path dataDir;
    LocalCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void retriesThroughALeaderCrashKeepEachPartitionInSendOrder() throws Exception {
        cluster = LocalCluster.builder().dataDir(dataDir).build().start();
        Bootstrap bootstrap = Bootstrap.parse(cluster.gatewayAddress().toString());
        int leader;
        try (StrataAdmin admin = new StrataAdmin(bootstrap, Duration.ofSeconds(30))) {
            leader = admin.createTopic(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"))
                    .getPartitions(0).getLeader();
        }
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        ProducerConfig config = ProducerConfig.builder().bootstrap(bootstrap).acks(Acks.ALL).lingerMs(1)
                .batchMaxRecords(20).maxInFlight(PARTITIONS).retryBackoff(Duration.ofMillis(50)).build();
        try (StrataProducer producer = new StrataProducer(config)) {
            for (int i = 0; i < RECORDS; i++) {
                sent.add(producer.send(ProducerRecord.of(TOPIC, i % PARTITIONS, null, value(i))));
                if (i == RECORDS / 3) {
                    producer.flush(); // some acknowledged before the crash, the rest during and after it
                    log.info("crashing storage node {}, leader of {}-0", leader, TOPIC);
                    cluster.stopStorageNodeAbruptly(leader - 1);
                }
                if (i % 100 == 0) {
                    Thread.sleep(5); // spread the writes over the failover
                }
            }
            producer.flush();
        }
        Map<Integer, Map<Long, Integer>> acknowledged = new HashMap<>();
        for (int i = 0; i < RECORDS; i++) {
            RecordMetadata m = sent.get(i).get(1, TimeUnit.SECONDS); // every record made it: none failed
            acknowledged.computeIfAbsent(m.partition(), p -> new HashMap<>()).put(m.offset(), i);
        }
        int duplicates = 0;
        ManagedChannel channel = Channels.open(cluster.gatewayAddress());
        try {
            for (int p = 0; p < PARTITIONS; p++) {
                List<Integer> stored = readAll(channel, p);
                Map<Long, Integer> acked = acknowledged.get(p);
                for (Map.Entry<Long, Integer> e : acked.entrySet()) {
                    assertEquals(e.getValue(), stored.get(e.getKey().intValue()),
                            TOPIC + "-" + p + "@" + e.getKey() + " holds another record than was acknowledged there");
                }
                int last = -1;
                Set<Integer> seen = new HashSet<>();
                for (int v : stored) {
                    if (!seen.add(v)) {
                        duplicates++;
                        continue;
                    }
                    assertTrue(v > last, TOPIC + "-" + p + ": record " + v + " stored after record " + last);
                    last = v;
                }
                assertEquals(acked.size(), seen.size(), "every record sent to " + TOPIC + "-" + p + " is stored");
            }
        } finally {
            Channels.close(channel);
        }
        log.info("{} records through a leader crash: in order, none lost, {} duplicates from retries", RECORDS,
                duplicates);
    }

    private static byte[] value(int i) {
        return Integer.toString(i).getBytes(StandardCharsets.UTF_8);
    }

    /** Every record of a partition, in offset order, as the send index it carries. */
    private static List<Integer> readAll(ManagedChannel channel, int partition) {
        List<Integer> out = new ArrayList<>();
        ConsumerGrpc.ConsumerBlockingStub consumer = ConsumerGrpc.newBlockingStub(channel);
        long offset = 0;
        while (true) {
            FetchResponse r = consumer.withDeadlineAfter(30, TimeUnit.SECONDS).fetch(FetchRequest.newBuilder()
                    .setTopic(TOPIC).setPartition(partition).setOffset(offset).build());
            if (r.getRecordsCount() == 0) {
                return out;
            }
            r.getRecordsList().forEach(c -> out.add(Integer.parseInt(c.getValue().toString(StandardCharsets.UTF_8))));
            offset = r.getNextOffset();
        }
    }
}
