package io.strata.client;

import java.util.Objects;

/**
 * A (topic, partition) pair. Immutable and thread-safe; ordered by topic, then partition.
 */
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition> {

    public TopicPartition {
        Objects.requireNonNull(topic, "topic");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
    }

    public static TopicPartition fromProto(io.strata.proto.TopicPartition tp) {
        return new TopicPartition(tp.getTopic(), tp.getPartition());
    }

    public io.strata.proto.TopicPartition toProto() {
        return io.strata.proto.TopicPartition.newBuilder().setTopic(topic).setPartition(partition).build();
    }

    @Override
    public int compareTo(TopicPartition o) {
        int c = topic.compareTo(o.topic);
        return c != 0 ? c : Integer.compare(partition, o.partition);
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
