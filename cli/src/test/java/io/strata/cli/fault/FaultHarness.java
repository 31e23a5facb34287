package io.strata.cli.fault;

import io.grpc.ManagedChannel;
import io.strata.common.net.Channels;
import io.strata.proto.AdminGrpc;
import io.strata.proto.DescribeTopicRequest;
import io.strata.proto.TopicDescription;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.TopicRecord;
import io.strata.testkit.ProcessCluster;
import io.strata.testkit.chaos.Workload;
import io.strata.testkit.workload.ReplicatedTopic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What the multi-process fault tests share beyond the test kit's fault harness: the cluster
 * (3 metadata peers, 3 storage nodes, a gateway), the topic ({@value #TOPIC}: {@value #PARTITIONS}
 * partitions, replication factor 3, min.insync.replicas=2), the harness {@link Workload} on it
 * (acks=all keyed writers and a high-watermark watcher, history in the test's data folder) and
 * the lookups the tests' fault steps need. The checks are the harness's: {@link #assertPassed}.
 */
final class FaultHarness {
    static final String TOPIC = "crash";
    static final int PARTITIONS = 3;

    private FaultHarness() {
    }

    /** A cluster of 3 metadata peers, 3 storage nodes and a gateway, each its own JVM, started. */
    static ProcessCluster startCluster(Path dataDir) {
        return new ProcessCluster(StrataLauncher.command(), dataDir, 3, 3, 1).start();
    }

    static TopicDescription createTopic(ManagedChannel channel) {
        return ReplicatedTopic.create(channel, TOPIC, PARTITIONS);
    }

    /** Creates the test topic and starts the harness workload on it; its history goes to {@code <dataDir>/history.log}. */
    static Workload startLoad(ProcessCluster cluster) {
        ManagedChannel channel = Channels.open(cluster.gatewayAddress());
        try {
            createTopic(channel);
        } finally {
            Channels.close(channel);
        }
        return Workload.start(cluster, TOPIC, PARTITIONS, cluster.dataDir().resolve("history.log"));
    }

    /**
     * Stops the load and runs every checker of the harness: nothing acknowledged lost or moved,
     * offsets dense, per-key order kept, high watermarks never backwards, replicas identical below
     * the high watermark.
     */
    static void assertPassed(Workload load, String scenario) {
        load.check(scenario).assertPassed();
    }

    static TopicDescription describeTopic(ManagedChannel channel) {
        return AdminGrpc.newBlockingStub(channel).describeTopic(DescribeTopicRequest.newBuilder().setName(TOPIC)
                .build());
    }

    static PartitionRecord partition(ProcessCluster cluster, int partition) {
        TopicRecord topic = cluster.image().getTopicsList().stream().filter(t -> t.getName().equals(TOPIC))
                .findFirst().orElse(null);
        return topic == null ? PartitionRecord.getDefaultInstance() : topic.getPartitions(partition);
    }

    static int currentLeader(ProcessCluster cluster, int partition) {
        return partition(cluster, partition).getLeader();
    }

    /** Waits until every partition has all three replicas in sync again. */
    static void awaitFullIsr(ProcessCluster cluster) {
        cluster.await("every partition fully in sync", 120_000, () -> {
            for (int p = 0; p < PARTITIONS; p++) {
                if (partition(cluster, p).getIsrCount() != 3) {
                    return false;
                }
            }
            return true;
        });
    }

    /** The output of a member process so far. */
    static String memberLog(ProcessCluster cluster, String member) throws java.io.IOException {
        return Files.readString(cluster.dataDir().resolve("logs").resolve(member + ".log"));
    }

    static void pause(long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
