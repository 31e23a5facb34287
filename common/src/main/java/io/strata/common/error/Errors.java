package io.strata.common.error;

import io.strata.proto.ErrorReason;

/** Factories for the errors every service raises, so their wording is the same everywhere. */
public final class Errors {
    private Errors() {
    }

    public static StrataException invalid(String message) {
        return new StrataException(ErrorReason.INVALID_ARGUMENT, message);
    }

    public static StrataException unknownTopic(String topic) {
        return new StrataException(ErrorReason.UNKNOWN_TOPIC,
                "topic '" + topic + "' does not exist; create it first (strata topics create " + topic + ")");
    }

    public static StrataException unknownPartition(String topic, int partition, int count) {
        return new StrataException(ErrorReason.UNKNOWN_PARTITION,
                "topic '" + topic + "' has " + count + " partitions; partition " + partition + " does not exist");
    }

    public static StrataException notLeader(String topic, int partition, int nodeId) {
        return new StrataException(ErrorReason.NOT_LEADER,
                "node " + nodeId + " is not the leader of " + topic + "-" + partition);
    }

    public static StrataException metadataUnavailable(String detail) {
        return new StrataException(ErrorReason.METADATA_UNAVAILABLE,
                "the metadata service is not reachable or has no leader: " + detail);
    }
}
