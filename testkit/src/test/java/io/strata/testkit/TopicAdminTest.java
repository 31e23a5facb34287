package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.strata.common.error.StrataException;
import io.strata.proto.AdminGrpc;
import io.strata.proto.AlterTopicConfigsRequest;
import io.strata.proto.CreatePartitionsRequest;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.DeleteTopicRequest;
import io.strata.proto.DescribeClusterRequest;
import io.strata.proto.DescribeTopicRequest;
import io.strata.proto.ElectLeadersRequest;
import io.strata.proto.ErrorReason;
import io.strata.proto.ListTopicsRequest;
import io.strata.proto.NodeDescription;
import io.strata.proto.PartitionDescription;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import io.strata.proto.TopicDescription;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public Admin topic RPCs end to end — client → gateway → metadata service (Raft) → storage
 * nodes following the watch stream — on a real in-JVM cluster.
 */
class TopicAdminTest {
    @TempDir
    static Path dataDir;
    static LocalCluster cluster;
    static ManagedChannel channel;
    static long startedAtMs;

    @BeforeAll
    static void start() {
        startedAtMs = System.currentTimeMillis();
        cluster = LocalCluster.builder().dataDir(dataDir).build().start();
        channel = cluster.gatewayChannel();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close(); // closes the channel too
        }
    }

    private static AdminGrpc.AdminBlockingStub admin() {
        return AdminGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static TopicDescription create(String name, int partitions, int rf) {
        return admin().createTopic(CreateTopicRequest.newBuilder().setName(name).setPartitions(partitions)
                .setReplicationFactor(rf).build()).getTopic();
    }

    private static ErrorReason reasonOf(Executable call) {
        return StrataException.from(assertThrows(RuntimeException.class, call)).reason();
    }

    @Test
    void addedPartitionsArePlacedLikeNewOnesAndAcceptWrites() {
        create("grow", 2, 2);
        TopicDescription grown = admin().createPartitions(CreatePartitionsRequest.newBuilder().setTopic("grow")
                .setTotalCount(5).build()).getTopic();
        assertEquals(5, grown.getPartitionsCount());
        for (PartitionDescription p : grown.getPartitionsList()) {
            assertEquals(2, new HashSet<>(p.getReplicasList()).size(), "two distinct replicas in " + p);
            assertEquals(p.getReplicas(0), p.getLeader());
        }
        assertEquals(grown, admin().describeTopic(DescribeTopicRequest.newBuilder().setName("grow").build()));

        long offset = ProducerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .produce(ProduceRequest.newBuilder().setTopic("grow").setPartition(4)
                        .addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("into a new partition")))
                        .build()).getRecords(0).getOffset();
        assertEquals(0, offset);

        assertEquals(ErrorReason.INVALID_ARGUMENT, reasonOf(() -> admin().createPartitions(
                CreatePartitionsRequest.newBuilder().setTopic("grow").setTotalCount(5).build())));
        assertEquals(ErrorReason.UNKNOWN_TOPIC, reasonOf(() -> admin().createPartitions(
                CreatePartitionsRequest.newBuilder().setTopic("nope").setTotalCount(5).build())));
    }

    @Test
    void alteredConfigsAreValidatedStoredAndRemovable() {
        create("tuned", 1, 2);
        TopicDescription set = admin().alterTopicConfigs(AlterTopicConfigsRequest.newBuilder().setTopic("tuned")
                .putSet("retention.ms", "60000").putSet("min.insync.replicas", "2").build()).getTopic();
        assertEquals("60000", set.getConfigsMap().get("retention.ms"));
        assertEquals("2", set.getConfigsMap().get("min.insync.replicas"));

        TopicDescription removed = admin().alterTopicConfigs(AlterTopicConfigsRequest.newBuilder().setTopic("tuned")
                .addRemove("retention.ms").build()).getTopic();
        assertEquals("604800000", removed.getConfigsMap().get("retention.ms"), "back to the default");
        assertEquals("2", removed.getConfigsMap().get("min.insync.replicas"));

        assertEquals(ErrorReason.INVALID_ARGUMENT, reasonOf(() -> admin().alterTopicConfigs(
                AlterTopicConfigsRequest.newBuilder().setTopic("tuned").putSet("retention.ms", "soon").build())));
        assertEquals(ErrorReason.INVALID_ARGUMENT, reasonOf(() -> admin().alterTopicConfigs(
                AlterTopicConfigsRequest.newBuilder().setTopic("tuned").putSet("no.such.key", "1").build())));
        assertEquals(ErrorReason.INVALID_ARGUMENT, reasonOf(() -> admin().alterTopicConfigs(
                AlterTopicConfigsRequest.newBuilder().setTopic("tuned").putSet("min.insync.replicas", "3").build())),
                "min.insync.replicas above the replication factor");
        assertEquals(ErrorReason.UNKNOWN_TOPIC, reasonOf(() -> admin().alterTopicConfigs(
                AlterTopicConfigsRequest.newBuilder().setTopic("nope").putSet("retention.ms", "1").build())));
        assertEquals(removed, admin().describeTopic(DescribeTopicRequest.newBuilder().setName("tuned").build()),
                "rejected changes left the topic alone");
    }

    @Test
    void electLeadersKeepsPreferredLeadersAndDeleteTopicRemovesIt() {
        create("elect", 3, 3);
        TopicDescription elected = admin().electLeaders(ElectLeadersRequest.newBuilder().setTopic("elect").build())
                .getTopic();
        for (PartitionDescription p : elected.getPartitionsList()) {
            assertEquals(p.getReplicas(0), p.getLeader());
        }
        assertEquals(ErrorReason.UNKNOWN_PARTITION, reasonOf(() -> admin().electLeaders(
                ElectLeadersRequest.newBuilder().setTopic("elect").addPartitions(3).build())));

        admin().deleteTopic(DeleteTopicRequest.newBuilder().setName("elect").build());
        assertFalse(admin().listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList().contains("elect"));
        assertEquals(ErrorReason.UNKNOWN_TOPIC, reasonOf(() -> admin().describeTopic(
                DescribeTopicRequest.newBuilder().setName("elect").build())));
        assertEquals(ErrorReason.UNKNOWN_TOPIC, reasonOf(() -> admin().deleteTopic(
                DeleteTopicRequest.newBuilder().setName("elect").build())));
    }

    @Test
    void storageNodesKeepTheirLeasesByHeartbeating() throws InterruptedException {
        // Outlive one and a half default leases (6 s): without heartbeats every node would be fenced.
        long until = startedAtMs + 9_000;
        while (System.currentTimeMillis() < until) {
            Thread.sleep(100);
        }
        var nodes = admin().describeCluster(DescribeClusterRequest.getDefaultInstance()).getNodesList();
        assertEquals(3, nodes.size());
        for (NodeDescription n : nodes) {
            assertEquals("ALIVE", n.getState(), "node " + n.getId());
        }
    }
}
