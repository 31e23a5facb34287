package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.strata.client.Bootstrap;
import io.strata.client.producer.Acks;
import io.strata.client.producer.ProducerConfig;
import io.strata.client.producer.ProducerRecord;
import io.strata.client.producer.StrataProducer;
import io.strata.proto.ConsumedRecord;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.FetchRequest;
import io.strata.proto.FetchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A producer that writes keyed records with unique values ({@code v<n>}) to a topic with
 * acks=all from a background thread until stopped, remembering where each acknowledged record
 * landed; {@link #assertReadBack} then checks every one of them at its acknowledged partition
 * and offset. At most 256 records are in flight at a time.
 */
final class AcksAllLoad implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AcksAllLoad.class);

    /** Where an acknowledged record landed. */
    record Ack(int partition, long offset) {
    }

    private final String topic;
    private final StrataProducer producer;
    private final Map<String, Ack> acked = new ConcurrentHashMap<>();
    private final AtomicInteger failed = new AtomicInteger();
    private final Semaphore inFlight = new Semaphore(256);
    private final Thread thread;
    private volatile boolean stopped;

    AcksAllLoad(Bootstrap bootstrap, String topic) {
        this.topic = topic;
        this.producer = new StrataProducer(ProducerConfig.builder().bootstrap(bootstrap).acks(Acks.ALL)
                .lingerMs(2).deliveryTimeout(Duration.ofSeconds(120)).build());
        this.thread = new Thread(this::run, "acks-all-load-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        for (int n = 0; !stopped; n++) {
            try {
                inFlight.acquire();
            } catch (InterruptedException e) {
                return;
            }
            String value = "v" + n;
            producer.send(ProducerRecord.of(topic, ("k" + n % 64).getBytes(StandardCharsets.UTF_8),
                    value.getBytes(StandardCharsets.UTF_8))).whenComplete((m, e) -> {
                        if (e == null) {
                            acked.put(value, new Ack(m.partition(), m.offset()));
                        } else {
                            failed.incrementAndGet();
                            log.warn("{} was not acknowledged: {}", value, e.toString());
                        }
                        inFlight.release();
                    });
        }
    }

    int ackedCount() {
        return acked.size();
    }

    int failedCount() {
        return failed.get();
    }

    /** Waits until at least {@code more} further records were acknowledged. */
    void awaitMoreAcks(LocalCluster cluster, int more) {
        int target = acked.size() + more;
        cluster.await(more + " more acknowledged records on " + topic, 60_000, () -> acked.size() >= target);
    }

    /** Stops producing, waits for every record in flight, and returns where each acknowledged one landed. */
    Map<String, Ack> stop() throws InterruptedException {
        stopped = true;
        thread.join(10_000);
        producer.flush();
        producer.close();
        log.info("{}: {} records acknowledged, {} failed", topic, acked.size(), failed.get());
        return new HashMap<>(acked);
    }

    @Override
    public void close() throws InterruptedException {
        if (!stopped) {
            stop();
        }
    }

    /** Every record of {@code acked} is on its partition at its offset (read through the gateway). */
    static void assertReadBack(ManagedChannel channel, String topic, Map<String, Ack> acked) {
        Map<Integer, Map<Long, String>> stored = new HashMap<>();
        ConsumerGrpc.ConsumerBlockingStub consumer = ConsumerGrpc.newBlockingStub(channel);
        for (int partition : acked.values().stream().map(Ack::partition).distinct().toList()) {
            Map<Long, String> values = new HashMap<>();
            long next = acked.values().stream().filter(a -> a.partition() == partition).mapToLong(Ack::offset)
                    .min().orElseThrow();
            long hw = next + 1;
            while (next < hw) {
                FetchResponse r = consumer.withDeadlineAfter(30, TimeUnit.SECONDS).fetch(FetchRequest.newBuilder()
                        .setTopic(topic).setPartition(partition).setOffset(next).setMaxBytes(1 << 20).build());
                for (ConsumedRecord c : r.getRecordsList()) {
                    values.put(c.getOffset(), c.getValue().toStringUtf8());
                }
                hw = r.getHighWatermark();
                next = r.getNextOffset();
            }
            stored.put(partition, values);
        }
        acked.forEach((value, ack) -> assertEquals(value, stored.get(ack.partition()).get(ack.offset()),
                "acknowledged " + value + " at " + topic + "-" + ack.partition() + " offset " + ack.offset()));
        assertTrue(!acked.isEmpty(), "something was acknowledged");
    }
}
