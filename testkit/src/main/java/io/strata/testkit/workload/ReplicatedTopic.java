package io.strata.testkit.workload;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.strata.common.error.StrataException;
import io.strata.proto.AdminGrpc;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.ErrorReason;
import io.strata.proto.TopicDescription;
import java.util.concurrent.TimeUnit;

/** The topic fault workloads write: replication factor 3 and min.insync.replicas=2, so one replica may fail. */
public final class ReplicatedTopic {
    private ReplicatedTopic() {
    }

    /**
     * Creates the topic, waiting while fewer than three storage nodes are live: on a loaded
     * machine a node just started can miss its first lease and is fenced until its next heartbeat.
     */
    public static TopicDescription create(ManagedChannel gateway, String name, int partitions) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                return AdminGrpc.newBlockingStub(gateway).withDeadlineAfter(60, TimeUnit.SECONDS)
                        .createTopic(CreateTopicRequest.newBuilder().setName(name).setPartitions(partitions)
                                .setReplicationFactor(3).putConfigs("min.insync.replicas", "2").build()).getTopic();
            } catch (StatusRuntimeException e) {
                if (StrataException.from(e).reason() != ErrorReason.NOT_ENOUGH_NODES || System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    TimeUnit.MILLISECONDS.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while creating " + name, ie);
                }
            }
        }
    }
}
