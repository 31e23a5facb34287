package io.strata.cli.perf;

import io.strata.client.Bootstrap;
import io.strata.client.StrataClientException;
import io.strata.client.admin.StrataAdmin;
import io.strata.proto.ErrorReason;
import java.util.Map;

/** The topic a perf command writes to: created when missing, with min.insync.replicas = min(2, RF). */
final class PerfTopics {

    private PerfTopics() {
    }

    /** Creates {@code topic} unless it exists; an existing topic is used as it is. */
    static void ensure(Bootstrap bootstrap, String topic, int partitions, int replicationFactor) {
        try (StrataAdmin admin = new StrataAdmin(bootstrap, StrataAdmin.DEFAULT_REQUEST_TIMEOUT)) {
            try {
                admin.describeTopic(topic);
            } catch (StrataClientException e) {
                if (e.reason() != ErrorReason.UNKNOWN_TOPIC) {
                    throw e;
                }
                admin.createTopic(topic, partitions, replicationFactor,
                        Map.of("min.insync.replicas", Integer.toString(Math.min(2, replicationFactor))));
            }
        }
    }
}
