package io.strata.client.producer;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.strata.client.StrataClientException;
import io.strata.common.partition.Murmur2Partitioner;
import io.strata.common.partition.StickyPartitioner;
import io.strata.proto.AdminGrpc;
import io.strata.proto.DescribeTopicRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Chooses each record's partition on the producer, as Kafka's default partitioner does:
 * an explicit partition as given, murmur2(key) % partitions for keyed records (the same choice
 * the gateway makes for other languages), and one sticky partition per topic for key-less
 * records, switched whenever a batch of it is drained. Partition counts come from the gateway's
 * DescribeTopic and are refreshed after {@link #MAX_AGE_NANOS}, so added partitions are used.
 *
 * <p>Thread-safe.
 */
final class PartitionChooser {
    /** How long a topic's partition count is trusted (Kafka's metadata.max.age.ms is 5 minutes). */
    static final long MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private record Known(int partitions, long fetchedNanos) {
    }

    private final AdminGrpc.AdminBlockingStub admin;
    private final LongSupplier nanoClock;
    private final Map<String, Known> known = new ConcurrentHashMap<>();
    private final Map<String, StickyPartitioner> sticky = new ConcurrentHashMap<>();

    PartitionChooser(ManagedChannel channel, LongSupplier nanoClock) {
        this.admin = AdminGrpc.newBlockingStub(channel);
        this.nanoClock = nanoClock;
    }

    /**
     * The partition for {@code record}, asking the gateway for the topic's partition count when
     * it is not known yet or too old (waiting at most {@code maxBlockNanos}).
     *
     * @throws StrataClientException UNKNOWN_TOPIC, UNKNOWN_PARTITION, or why the gateway could not answer
     */
    int partition(ProducerRecord record, long maxBlockNanos) {
        int partitions = partitions(record.topic(), maxBlockNanos);
        if (record.partition() != null) {
            if (record.partition() >= partitions) {
                throw new StrataClientException(io.strata.proto.ErrorReason.UNKNOWN_PARTITION, "topic '"
                        + record.topic() + "' has " + partitions + " partitions; partition " + record.partition()
                        + " does not exist");
            }
            return record.partition();
        }
        if (record.key() != null) {
            return Murmur2Partitioner.partitionForKey(record.key(), partitions);
        }
        return sticky.computeIfAbsent(record.topic(), t -> new StickyPartitioner()).partition(partitions);
    }

    /** A batch of {@code partition} left: key-less records of the topic move to another partition. */
    void batchDrained(String topic, int partition) {
        StickyPartitioner s = sticky.get(topic);
        Known k = known.get(topic);
        if (s != null && k != null) {
            s.onNewBatch(partition, k.partitions());
        }
    }

    private int partitions(String topic, long maxBlockNanos) {
        Known k = known.get(topic);
        long now = nanoClock.getAsLong();
        if (k != null && now - k.fetchedNanos() < MAX_AGE_NANOS) {
            return k.partitions();
        }
        try {
            int count = admin.withDeadlineAfter(Math.max(1, maxBlockNanos), TimeUnit.NANOSECONDS)
                    .describeTopic(DescribeTopicRequest.newBuilder().setName(topic).build()).getPartitionsCount();
            known.put(topic, new Known(count, now));
            return count;
        } catch (StatusRuntimeException e) {
            if (k != null) {
                known.put(topic, new Known(k.partitions(), now)); // keep producing; ask again later
                return k.partitions();
            }
            throw StrataClientException.from(e);
        }
    }
}
