package io.strata.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.strata.common.net.Channels;
import io.strata.common.net.HostPort;
import io.strata.proto.AdminGrpc;
import io.strata.proto.ClusterDescription;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.DescribeClusterRequest;
import io.strata.proto.DescribeTopicRequest;
import io.strata.proto.MetadataPeerDescription;
import io.strata.proto.NodeDescription;
import io.strata.proto.PartitionDescription;
import io.strata.proto.TopicDescription;
import io.strata.testkit.checker.LogChecker;
import io.strata.testkit.checker.TopicReader;
import io.strata.testkit.history.History;
import io.strata.testkit.workload.KeyedWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chart and the launcher cannot drift apart: the chart is rendered with the multi-rack
 * values, and every Pod it would create runs locally with exactly the container arguments,
 * environment and ConfigMap files it renders, through the image's entrypoint as the Dockerfile
 * lays it out (see {@link ChartPods}). Only what a cluster would supply is filled in: Pod names,
 * ordinals and zones, loopback addresses for Pod DNS names, directories for volumes. The values
 * override only sizes (4 storage nodes over 3 zones, 1 gateway, small JVM heaps) to fit a
 * shared 2-core machine.
 *
 * <p>The cluster must then form (every Pod passes its gRPC readiness probe), run the first
 * produce and consume that NOTES.txt shows through the gateway Service, register each
 * storage node with its ordinal as id, its zone as rack and its Pod DNS name as address, place
 * replicas in distinct racks, and survive a rolling restart of the storage StatefulSet (SIGTERM,
 * highest ordinal first, each node back in the ISR before the next) under acks=all load without
 * losing an acknowledged record.
 */
class ChartLauncherTest {
    private static final Logger log = LoggerFactory.getLogger(ChartLauncherTest.class);
    private static final String SMALL_JVM = "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError";
    private static final int STORAGE_NODES = 4;
    private static final String[] ZONES = {"zone-a", "zone-b", "zone-c"};
    private static final String TOPIC = "load";
    private static final int PARTITIONS = 6;

    @TempDir
    Path workDir;

    @Test
    void theChartsOwnCommandsFormARackAwareClusterThatSurvivesARollingRestart() throws Exception {
        Map<String, String> sizes = new LinkedHashMap<>();
        sizes.put("storage.replicas", Integer.toString(STORAGE_NODES));
        sizes.put("gateway.replicas", "1");
        for (String role : List.of("metadata", "storage", "gateway")) {
            sizes.put(role + ".javaOpts", SMALL_JVM);
        }
        Manifest manifest = Chart.render(List.of("multi-rack-values.yaml"), sizes);
        String notes = Chart.notes(List.of("multi-rack-values.yaml"), sizes);
        DockerImage image = DockerImage.parse(K8sTools.repoRoot());

        try (ChartPods pods = new ChartPods(manifest, image, workDir, ChartLauncherTest::zoneOf)) {
            pods.startAll();
            HostPort gateway = pods.serviceAddress("strata-gateway");
            ManagedChannel channel = Channels.open(gateway);
            try {
                AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(channel);
                // Ready storage Pods still have to register (readiness is their gRPC server's health).
                assertStorageNodesRegisteredAsTheChartNamesThem(pods, admin);
                assertMetadataPeersAreThePods(pods, admin);

                String consumed = pods.runClient(notesWalkthrough(notes, gateway), Duration.ofMinutes(3));
                assertTrue(consumed.contains("alice") && consumed.contains("order-1") && consumed.contains("bob")
                        && consumed.contains("order-2"), "the NOTES walkthrough consumed what it produced:\n" + consumed);

                TopicDescription topic = admin.createTopic(CreateTopicRequest.newBuilder().setName(TOPIC)
                        .setPartitions(PARTITIONS).setReplicationFactor(3).putConfigs("min.insync.replicas", "2")
                        .build()).getTopic();
                for (PartitionDescription p : topic.getPartitionsList()) {
                    Set<String> racks = p.getReplicasList().stream().map(id -> ZONES[id % ZONES.length])
                            .collect(Collectors.toSet());
                    assertEquals(3, racks.size(), "partition " + p.getPartition() + " has replicas " + p.getReplicasList()
                            + " in racks " + racks + "; each replica belongs in another rack");
                }

                try (History history = new History(workDir.resolve("history.log"));
                     KeyedWriter writes = KeyedWriter.start(history, TOPIC, PARTITIONS, List.of(gateway))) {
                    pods.await("200 acknowledged writes", Duration.ofMinutes(2), () -> writes.acked() >= 200);
                    List<String> restarts = rollingRestart(pods, admin, writes);
                    pods.await("writes after the rolling restart", Duration.ofMinutes(2),
                            () -> writes.acked() >= 200 + 100 * STORAGE_NODES);
                    writes.stop();
                    LogChecker.Result checked = LogChecker.check(history.ops(),
                            TopicReader.readAll(channel, TOPIC, PARTITIONS));
                    log.info("rolling restart {}: acknowledged {} records, {} produce calls failed, lost {}",
                            restarts, writes.acked(), writes.failed(), checked.lost());
                    assertEquals(0, checked.lost() + checked.conflicts() + checked.gaps() + checked.reordered(),
                            "acknowledged records lost, moved or reordered in the rolling restart: " + checked.examples());
                }
            } finally {
                Channels.close(channel);
            }
        }
    }

    /**
     * The "first produce and consume" commands of NOTES.txt, run as written except that the
     * port-forward's 127.0.0.1:9400 is the gateway's local address and {@code bin/strata} is the
     * image's launcher (what {@code bin/strata} runs once built).
     */
    private static String notesWalkthrough(String notes, HostPort gateway) {
        int start = notes.indexOf("A first produce and consume");
        assertTrue(start >= 0, "NOTES.txt shows a first produce and consume:\n" + notes);
        String[] block = notes.substring(notes.indexOf("\n\n", start) + 2).split("\n\n")[0].split("\n");
        List<String> script = new ArrayList<>();
        for (String line : block) {
            script.add(line.strip().replace("127.0.0.1:9400", gateway.toString()).replace("bin/strata", "\"$STRATA\""));
        }
        assertTrue(script.stream().anyMatch(l -> l.contains("produce")) && script.stream().anyMatch(l -> l.contains("consume")),
                "the walkthrough produces and consumes: " + script);
        return String.join("\n", script);
    }

    /** The Node zone the test schedules each Pod in: ordinals round-robin over three zones. */
    private static String zoneOf(String pod) {
        int ordinal = Integer.parseInt(pod.substring(pod.lastIndexOf('-') + 1));
        return ZONES[ordinal % ZONES.length];
    }

    private static void assertStorageNodesRegisteredAsTheChartNamesThem(ChartPods pods, AdminGrpc.AdminBlockingStub admin) {
        pods.await("every storage node to register", Duration.ofMinutes(2),
                () -> admin.describeCluster(DescribeClusterRequest.getDefaultInstance()).getNodesCount() == STORAGE_NODES);
        ClusterDescription cluster = admin.describeCluster(DescribeClusterRequest.getDefaultInstance());
        Set<Integer> ids = new HashSet<>();
        for (NodeDescription node : cluster.getNodesList()) {
            ids.add(node.getId());
            String pod = "strata-storage-" + node.getId();
            assertNotNull(pods.pod(pod), "node id " + node.getId() + " is not the ordinal of a storage Pod");
            assertEquals(zoneOf(pod), node.getRack(), "rack of " + pod + " is its zone label");
            // The advertised address is the Pod's DNS name, here moved to its loopback stand-in.
            assertEquals(pods.network().address(pod, 9431).toString(), node.getAddress(), "address of " + pod);
        }
        assertEquals(Set.of(0, 1, 2, 3), ids, "node ids are the StatefulSet ordinals");
    }

    private static void assertMetadataPeersAreThePods(ChartPods pods, AdminGrpc.AdminBlockingStub admin) {
        pods.await("a metadata leader", Duration.ofMinutes(1), () -> admin.describeCluster(
                DescribeClusterRequest.getDefaultInstance()).getMetadataPeersList().stream()
                .anyMatch(p -> p.getRole().equals("LEADER")));
        Set<String> peers = admin.describeCluster(DescribeClusterRequest.getDefaultInstance()).getMetadataPeersList()
                .stream().map(MetadataPeerDescription::getId).collect(Collectors.toSet());
        assertEquals(Set.of("strata-metadata-0", "strata-metadata-1", "strata-metadata-2"), peers,
                "peer ids are the Pod names");
    }

    /**
     * What a StatefulSet rolling update does to the storage Pods: highest ordinal first, delete
     * (SIGTERM, at most the grace period), recreate on the same volume, wait until ready, and —
     * what minReadySeconds leaves time for — until the node is back in every ISR.
     */
    private static List<String> rollingRestart(ChartPods pods, AdminGrpc.AdminBlockingStub admin, KeyedWriter writes)
            throws InterruptedException {
        List<String> restarts = new ArrayList<>();
        List<LocalPod> storage = new ArrayList<>(pods.of("strata-storage"));
        java.util.Collections.reverse(storage);
        for (LocalPod pod : storage) {
            Duration stopped = pod.terminate();
            assertNotNull(stopped, pod.name() + " did not exit within terminationGracePeriodSeconds ("
                    + pod.terminationGracePeriod().toSeconds() + " s) of SIGTERM\n" + pod.describe());
            long start = System.nanoTime();
            pod.start();
            pods.awaitReady(pod);
            pods.await(pod.name() + " back in the ISR of every partition", Duration.ofMinutes(3),
                    () -> fullIsr(admin));
            int before = writes.acked();
            pods.await("writes to continue after restarting " + pod.name(), Duration.ofMinutes(2),
                    () -> writes.acked() >= before + 50);
            restarts.add(pod.name() + ": stopped in " + stopped.toMillis() + " ms, back in the ISR after "
                    + (System.nanoTime() - start) / 1_000_000 + " ms");
        }
        return restarts;
    }

    private static boolean fullIsr(AdminGrpc.AdminBlockingStub admin) {
        try {
            TopicDescription t = admin.describeTopic(DescribeTopicRequest.newBuilder().setName(TOPIC).build());
            return t.getPartitionsList().stream().allMatch(p -> p.getIsrCount() == p.getReplicasCount());
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Test
    void podEnvironmentIsExpandedAsTheKubeletDoes() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("POD", "strata-storage-2");
        assertEquals("--advertised=strata-storage-2.svc:9431", LocalPod.expand("--advertised=$(POD).svc:9431", env));
        assertEquals("$(POD)", LocalPod.expand("$$(POD)", env), "$$ escapes");
        assertEquals("$(UNSET)", LocalPod.expand("$(UNSET)", env), "unknown variables stay as written");
        assertTrue(LocalPod.expand("a $ b", env).equals("a $ b"));
    }
}
