package io.strata.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.strata.testkit.LocalCluster;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the CLI command tests: one real single-node cluster (1 metadata peer, 1 storage node,
 * 1 gateway) per test class, a raw gRPC channel to its gateway for checking what commands did,
 * and fresh topics so tests sharing the cluster do not see each other's records.
 */
abstract class OneNodeClusterTest {
    private static final AtomicInteger TOPICS = new AtomicInteger();

    @TempDir
    static Path dataDir;
    static LocalCluster cluster;
    static ManagedChannel channel;
    static String bootstrap;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.builder().metadataPeers(1).storageNodes(1).dataDir(dataDir).build().start();
        bootstrap = cluster.gatewayAddress().toString();
        channel = cluster.gatewayChannel();
    }

    @AfterAll
    static void stopCluster() {
        cluster.close(); // closes the channel too
    }

    /** A new topic with {@code partitions} partitions (replication factor 1), created through the CLI. */
    static String newTopic(int partitions) {
        String topic = "t" + TOPICS.incrementAndGet();
        CommandRun created = CommandRun.of(new TopicsCommand(), "create", topic, "--partitions",
                Integer.toString(partitions), "--replication-factor", "1", "--bootstrap", bootstrap);
        assertEquals(0, created.exitCode(), created.err());
        return topic;
    }
}
