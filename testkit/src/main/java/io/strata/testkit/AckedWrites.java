package io.strata.testkit;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.strata.proto.Acks;
import io.strata.proto.ConsumedRecord;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.FetchRequest;
import io.strata.proto.FetchResponse;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A producer thread for fault tests: it writes unique acks=all values (10 per request, keyed
 * over 17 keys) through a gateway until stopped, and records where each acknowledged value was
 * stored. Failed requests are only counted: what was never acknowledged may or may not be
 * stored. Afterwards {@link #lost} reads every partition back and names each acknowledged value
 * that is missing or at another position. The counters are thread-safe; start, stop and lost are
 * called from the test's thread.
 */
public final class AckedWrites implements AutoCloseable {
    /** Where an acknowledged value was stored. */
    public record Position(int partition, long offset) {
    }

    private final ManagedChannel channel;
    private final String topic;
    private final Map<String, Position> acked = new ConcurrentHashMap<>();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    private AckedWrites(ManagedChannel channel, String topic) {
        this.channel = channel;
        this.topic = topic;
        this.thread = new Thread(this::produce, "acked-writes-" + topic);
    }

    /** Starts writing to {@code topic} through the gateway {@code channel} is connected to. */
    public static AckedWrites start(ManagedChannel channel, String topic) {
        AckedWrites writes = new AckedWrites(channel, topic);
        writes.thread.start();
        return writes;
    }

    public int acked() {
        return acked.size();
    }

    public int failed() {
        return failed.get();
    }

    /** Stops the producer thread and waits for its last request. */
    public void stop() throws InterruptedException {
        stop.set(true);
        thread.join(60_000);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    /** Acknowledged values not stored where they were acknowledged, after reading every partition. */
    public List<String> lost(int partitions) {
        Map<Position, String> stored = readAll(partitions);
        List<String> lost = new ArrayList<>();
        acked.forEach((value, position) -> {
            if (!value.equals(stored.get(position))) {
                lost.add(value + "@" + position);
            }
        });
        return lost;
    }

    private void produce() {
        ProducerGrpc.ProducerBlockingStub producer = ProducerGrpc.newBlockingStub(channel);
        int next = 0;
        while (!stop.get()) {
            ProduceRequest.Builder request = ProduceRequest.newBuilder().setTopic(topic).setAcks(Acks.ACKS_ALL)
                    .setTimeoutMs(20_000);
            List<String> values = new ArrayList<>();
            for (int i = 0; i < 10; i++, next++) {
                String value = "value-" + next;
                values.add(value);
                request.addRecords(Record.newBuilder().setKey(ByteString.copyFromUtf8("key-" + (next % 17)))
                        .setValue(ByteString.copyFromUtf8(value)));
            }
            try {
                ProduceResponse response = producer.produce(request.build());
                for (int i = 0; i < values.size(); i++) {
                    acked.put(values.get(i), new Position(response.getRecords(i).getPartition(),
                            response.getRecords(i).getOffset()));
                }
            } catch (RuntimeException e) {
                failed.incrementAndGet();
            }
        }
    }

    /** Every record below the high watermark of each partition, by position; offsets must be dense. */
    private Map<Position, String> readAll(int partitions) {
        ConsumerGrpc.ConsumerBlockingStub consumer = ConsumerGrpc.newBlockingStub(channel);
        Map<Position, String> stored = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            long offset = 0;
            while (true) {
                FetchResponse r = consumer.fetch(FetchRequest.newBuilder().setTopic(topic).setPartition(p)
                        .setOffset(offset).setMaxBytes(1 << 20).build());
                for (ConsumedRecord c : r.getRecordsList()) {
                    if (c.getOffset() != offset) {
                        throw new AssertionError("partition " + p + " skips from offset " + offset + " to " + c.getOffset());
                    }
                    stored.put(new Position(p, c.getOffset()), c.getValue().toStringUtf8());
                    offset = c.getOffset() + 1;
                }
                if (r.getRecordsCount() == 0 || offset >= r.getHighWatermark()) {
                    break;
                }
            }
        }
        return stored;
    }
}
