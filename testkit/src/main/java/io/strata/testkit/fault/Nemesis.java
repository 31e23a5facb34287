package io.strata.testkit.fault;

import io.strata.proto.internal.NodeState;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.TopicRecord;
import io.strata.testkit.ProcessCluster;
import io.strata.testkit.history.History;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Injects {@link Fault}s into a {@link ProcessCluster} and recovers from them, recording in the
 * {@link History} when each was injected ({@code inject <fault>}) and recovered
 * ({@code recover <fault>}), with its target. After recovering it waits until the cluster is
 * whole again — every storage node live and every partition of the watched topic fully in sync —
 * so that the next fault meets a healthy cluster (with replication factor 3 and
 * min.insync.replicas=2, two overlapping faults would legitimately stop acks=all writes).
 * Drive it from one thread.
 */
public final class Nemesis {
    /** How long a paused node stays frozen: well beyond the default 2.5 s lease. */
    public static final long PAUSE_MS = 6_000;
    private static final long HEAL_TIMEOUT_MS = 180_000;

    private final ProcessCluster cluster;
    private final History history;
    private final String topic;
    private final Random random;

    public Nemesis(ProcessCluster cluster, History history, String topic, Random random) {
        this.cluster = cluster;
        this.history = history;
        this.topic = topic;
        this.random = random;
    }

    /** Injects {@code fault}, holds it for {@code holdMs} (pauses at least {@link #PAUSE_MS}), recovers, waits until healed. */
    public void apply(Fault fault, long holdMs) {
        switch (fault) {
            case KILL_STORAGE -> {
                int node = leaderOfRandomPartition();
                inject(fault, "storage-" + (node + 1));
                cluster.killStorageNode(node);
                hold(holdMs);
                cluster.startStorageNode(node);
                recover(fault, "storage-" + (node + 1));
            }
            case KILL_METADATA_LEADER, KILL_METADATA_FOLLOWER -> {
                int leader = cluster.metadataLeaderIndex(60_000);
                int peer = fault == Fault.KILL_METADATA_LEADER ? leader
                        : (leader + 1 + random.nextInt(cluster.metadataPeerCount() - 1)) % cluster.metadataPeerCount();
                inject(fault, "metadata-m" + (peer + 1));
                cluster.killMetadataPeer(peer);
                hold(holdMs);
                cluster.startMetadataPeer(peer);
                recover(fault, "metadata-m" + (peer + 1));
            }
            case KILL_GATEWAY -> {
                int gateway = random.nextInt(cluster.gatewayCount());
                inject(fault, "gateway-" + (gateway + 1));
                cluster.killGateway(gateway);
                hold(holdMs);
                cluster.startGateway(gateway);
                recover(fault, "gateway-" + (gateway + 1));
            }
            case PAUSE_STORAGE -> {
                int node = leaderOfRandomPartition();
                inject(fault, "storage-" + (node + 1));
                cluster.pauseStorageNode(node);
                hold(Math.max(holdMs, PAUSE_MS));
                cluster.resumeStorageNode(node);
                recover(fault, "storage-" + (node + 1));
            }
            case PARTITION_STORAGE -> {
                int node = leaderOfRandomPartition();
                inject(fault, "storage-" + (node + 1));
                cluster.isolateStorageNode(node);
                hold(Math.max(holdMs, PAUSE_MS));
                cluster.healPartitions();
                recover(fault, "storage-" + (node + 1));
            }
            case ROLLING_RESTART -> {
                inject(fault, "every storage node");
                for (int node = 0; node < cluster.storageNodeCount(); node++) {
                    awaitHealed();
                    history.nemesis("sigterm", "storage-" + (node + 1));
                    cluster.stopStorageNode(node);
                    hold(holdMs / cluster.storageNodeCount());
                    cluster.startStorageNode(node);
                }
                recover(fault, "every storage node");
            }
            default -> throw new IllegalArgumentException("no such fault: " + fault);
        }
        awaitHealed();
    }

    private void inject(Fault fault, String target) {
        history.nemesis("inject " + fault.id(), target);
    }

    private void recover(Fault fault, String target) {
        history.nemesis("recover " + fault.id(), target);
    }

    /** Index of the storage node leading a random partition of the topic (a random node when none leads). */
    private int leaderOfRandomPartition() {
        List<PartitionRecord> partitions = partitions();
        if (!partitions.isEmpty()) {
            int leader = partitions.get(random.nextInt(partitions.size())).getLeader();
            if (leader >= 1 && leader <= cluster.storageNodeCount()) {
                return leader - 1;
            }
        }
        return random.nextInt(cluster.storageNodeCount());
    }

    private List<PartitionRecord> partitions() {
        return cluster.image().getTopicsList().stream().filter(t -> t.getName().equals(topic)).findFirst()
                .map(TopicRecord::getPartitionsList).orElse(List.of());
    }

    /** Waits until every storage node is live and every partition of the topic has its whole ISR. */
    public void awaitHealed() {
        cluster.await("the cluster to heal: every storage node live, every partition of " + topic + " fully in sync",
                HEAL_TIMEOUT_MS, () -> {
                    var image = cluster.image();
                    long live = image.getNodesList().stream().filter(n -> n.getState() == NodeState.NODE_ALIVE).count();
                    List<PartitionRecord> partitions = partitions();
                    return live == cluster.storageNodeCount() && !partitions.isEmpty() && partitions.stream()
                            .allMatch(p -> p.getIsrCount() == p.getReplicasCount());
                });
    }

    private static void hold(long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a fault was held", e);
        }
    }
}
