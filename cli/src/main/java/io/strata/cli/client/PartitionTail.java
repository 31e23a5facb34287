package io.strata.cli.client;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.strata.client.Bootstrap;
import io.strata.client.StrataChannels;
import io.strata.client.StrataClientException;
import io.strata.proto.ConsumedRecord;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.FetchRequest;
import io.strata.proto.FetchResponse;
import io.strata.proto.ListOffsetsRequest;
import io.strata.proto.OffsetSpec;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Reads one partition without a consumer group (the stateless {@code Fetch} RPC), as
 * {@code strata consume --partition P} does: nothing is committed and no group is joined, like
 * Kafka's console consumer with {@code --partition}. Not thread-safe; one per command run.
 */
final class PartitionTail implements AutoCloseable {

    /** Longest single long poll, so the idle timeout and shutdown are noticed promptly. */
    private static final int MAX_WAIT_MS = 1_000;
    private static final long RPC_SLACK_MS = 30_000;

    private final ManagedChannel channel;
    private final ConsumerGrpc.ConsumerBlockingStub stub;
    private final String topic;
    private final int partition;

    PartitionTail(Bootstrap bootstrap, String topic, int partition) {
        this.channel = StrataChannels.open(bootstrap);
        this.stub = ConsumerGrpc.newBlockingStub(channel);
        this.topic = topic;
        this.partition = partition;
    }

    /** The offset {@code start} names on this partition (ListOffsets for all but an exact offset). */
    long resolve(StartPoint start) {
        return switch (start.kind()) {
            case OFFSET -> start.value();
            case BEGINNING -> listOffset(OffsetSpec.OFFSET_SPEC_EARLIEST, 0);
            case TIMESTAMP -> listOffset(OffsetSpec.OFFSET_SPEC_TIMESTAMP, start.value());
            case DEFAULT -> listOffset(OffsetSpec.OFFSET_SPEC_LATEST, 0);
        };
    }

    /**
     * Prints records from {@code offset} on until {@code maxMessages} (null: no limit) were printed,
     * {@code idleMs} (null: never) passed without a record, or {@code stop} says so.
     *
     * @return how many records were printed
     */
    long print(long offset, Long maxMessages, Long idleMs, boolean printKey, PrintWriter out, BooleanSupplier stop) {
        long printed = 0;
        long lastRecord = System.nanoTime();
        while ((maxMessages == null || printed < maxMessages) && !stop.getAsBoolean()) {
            int waitMs = MAX_WAIT_MS;
            if (idleMs != null) {
                long idle = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastRecord);
                if (idle >= idleMs) {
                    break;
                }
                waitMs = (int) Math.min(waitMs, idleMs - idle);
            }
            FetchRequest request = FetchRequest.newBuilder().setTopic(topic).setPartition(partition)
                    .setOffset(offset).setMaxWaitMs(waitMs).build();
            FetchResponse response = call(() -> stub.withDeadlineAfter(MAX_WAIT_MS + RPC_SLACK_MS, TimeUnit.MILLISECONDS)
                    .fetch(request));
            for (ConsumedRecord r : response.getRecordsList()) {
                if (maxMessages != null && printed >= maxMessages) {
                    break;
                }
                out.println(KeyValueLine.format(r.hasKey() ? r.getKey().toByteArray() : null,
                        r.hasValue() ? r.getValue().toByteArray() : null, printKey));
                printed++;
                lastRecord = System.nanoTime();
            }
            out.flush();
            offset = Math.max(offset, response.getNextOffset());
        }
        return printed;
    }

    private long listOffset(OffsetSpec spec, long timestampMs) {
        return call(() -> stub.withDeadlineAfter(RPC_SLACK_MS, TimeUnit.MILLISECONDS).listOffsets(
                ListOffsetsRequest.newBuilder().setTopic(topic).addPartitions(partition).setSpec(spec)
                        .setTimestampMs(timestampMs).build()))
                .getOffsetsList().stream().filter(o -> o.getPartition() == partition).findFirst()
                .orElseThrow(() -> new IllegalStateException("the gateway returned no offset for " + topic + "-" + partition))
                .getOffset();
    }

    private static <T> T call(java.util.function.Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw StrataClientException.from(e);
        }
    }

    @Override
    public void close() {
        StrataChannels.close(channel, Duration.ofSeconds(5));
    }
}
