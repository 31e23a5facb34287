package io.strata.testkit.workload;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.strata.common.error.StrataException;
import io.strata.common.net.Channels;
import io.strata.common.net.HostPort;
import io.strata.common.partition.Murmur2Partitioner;
import io.strata.proto.Acks;
import io.strata.proto.ErrorReason;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import io.strata.testkit.history.History;
import io.strata.testkit.history.Op;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Workload 1 of the fault harness: acks=all producers of unique keyed values, one thread per
 * partition (its keys all hash to that partition, so a stalled partition stalls only its own
 * writer, and each key's writes are sent one after another). Request {@code n} of partition
 * {@code p} carries values {@code p<p>-<10n>..p<p>-<10n+9>} over seven keys. Every request is
 * recorded in the {@link History} as invoke, then ok (with the acknowledged offsets), fail
 * (NOT_ENOUGH_REPLICAS: nothing was appended) or info (anything else: it may have been).
 *
 * <p>Writes go through one of several gateways; after a failed request the writer moves to the
 * next one, as a client behind a load balancer would. Counters are thread-safe; start and stop
 * are called from the test's thread.
 */
public final class KeyedWriter implements AutoCloseable {
    private static final int RECORDS_PER_REQUEST = 10;
    private static final int KEYS_PER_PARTITION = 7;

    private final History history;
    private final String topic;
    private final List<ManagedChannel> gateways = new ArrayList<>();
    private final AtomicInteger acked = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();

    private KeyedWriter(History history, String topic, List<HostPort> gatewayAddresses) {
        this.history = history;
        this.topic = topic;
        gatewayAddresses.forEach(a -> gateways.add(Channels.open(a)));
    }

    /** Starts one writer per partition of {@code topic}, spread over {@code gateways}. */
    public static KeyedWriter start(History history, String topic, int partitions, List<HostPort> gateways) {
        KeyedWriter writer = new KeyedWriter(history, topic, gateways);
        for (int p = 0; p < partitions; p++) {
            int partition = p;
            Thread t = new Thread(() -> writer.produce(partition, partitions), "writer-" + topic + "-" + p);
            writer.threads.add(t);
            t.start();
        }
        return writer;
    }

    /** Records acknowledged so far. */
    public int acked() {
        return acked.get();
    }

    /** Requests that failed or timed out. */
    public int failed() {
        return failed.get();
    }

    /** Failed requests by error reason. */
    public Map<String, Integer> errors() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        errors.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    private void produce(int partition, int partitions) {
        List<String> keys = keysFor(partition, partitions, KEYS_PER_PARTITION);
        String process = "writer-" + partition;
        int gateway = partition % gateways.size();
        for (int next = 0; !stop.get(); ) {
            ProduceRequest.Builder request = ProduceRequest.newBuilder().setTopic(topic).setAcks(Acks.ACKS_ALL)
                    .setTimeoutMs(20_000);
            List<String> sentKeys = new ArrayList<>();
            List<String> values = new ArrayList<>();
            for (int i = 0; i < RECORDS_PER_REQUEST; i++, next++) {
                String key = keys.get(next % keys.size());
                String value = "p" + partition + "-" + next;
                sentKeys.add(key);
                values.add(value);
                request.addRecords(Record.newBuilder().setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8(value)));
            }
            Op invoke = history.invoke(process, "produce", partition, sentKeys, values);
            try {
                ProduceResponse response = ProducerGrpc.newBlockingStub(gateways.get(gateway))
                        .withDeadlineAfter(40, TimeUnit.SECONDS).produce(request.build());
                List<Long> offsets = new ArrayList<>();
                response.getRecordsList().forEach(r -> offsets.add(r.getOffset()));
                history.ok(invoke, response.getRecords(0).getPartition(), offsets);
                acked.addAndGet(values.size());
            } catch (RuntimeException e) {
                ErrorReason reason = StrataException.from(e).reason();
                history.failed(invoke, reason == ErrorReason.NOT_ENOUGH_REPLICAS, reason + ": " + e.getMessage());
                failed.incrementAndGet();
                errors.computeIfAbsent(String.valueOf(reason), r -> new AtomicInteger()).incrementAndGet();
                gateway = (gateway + 1) % gateways.size();
                sleep(50); // e.g. NOT_ENOUGH_REPLICAS comes back at once: do not spin
            }
        }
    }

    /** Keys that the murmur2 partitioner sends to {@code partition} of {@code partitions}. */
    public static List<String> keysFor(int partition, int partitions, int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            String key = "key-" + i;
            if (Murmur2Partitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), partitions) == partition) {
                keys.add(key);
            }
        }
        return keys;
    }

    /** Stops the writers, waiting for their requests in flight. */
    public void stop() {
        Threads.stopAndJoin(stop, threads);
    }

    @Override
    public void close() {
        stop();
        gateways.forEach(Channels::close);
    }

    private static void sleep(long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
