package io.strata.cli.fault;

import static io.strata.cli.fault.FaultHarness.assertPassed;
import static io.strata.cli.fault.FaultHarness.awaitFullIsr;
import static io.strata.cli.fault.FaultHarness.partition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.strata.common.batch.Compression;
import io.strata.common.batch.RecordBatchBuilder;
import io.strata.common.error.StrataException;
import io.strata.common.net.Channels;
import io.strata.common.net.HostPort;
import io.strata.common.net.StreamedCalls;
import io.strata.proto.Acks;
import io.strata.proto.ErrorReason;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import io.strata.proto.internal.AppendRequest;
import io.strata.proto.internal.AppendResponse;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.StorageNodeGrpc;
import io.strata.testkit.ProcessCluster;
import io.strata.testkit.chaos.Workload;
import io.strata.testkit.checker.TopicReader;
import io.strata.testkit.history.Op;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Replication under faults of whole storage-node processes, with acks=all writers throughout:
 * a leader frozen with SIGSTOP for longer than its lease and then resumed, and two of three
 * replicas down under min.insync.replicas=2.
 */
class ReplicationFaultTest {
    /** Longer than the default node lease (2.5 s) with room to spare on a loaded machine. */
    private static final long PAUSE_MS = 6_000;
    private static final String STALE_VALUE = "sent to the old leader at its old epoch";
    private static final String ACKS_1_VALUE = "acks=1 still works";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dataDir;

    /**
     * The old leader comes back believing it still leads; it may have appended records its
     * followers never fetched. It must not acknowledge any of them (its followers now fetch from
     * the new leader, so its high watermark cannot pass them), must step down when it sees the
     * new epoch, truncate what the new leader does not have, and catch up.
     */
    @Test
    void aPausedLeaderAcknowledgesNothingAfterLosingLeadershipAndCatchesUpOnReturn() throws Exception {
        try (ProcessCluster cluster = FaultHarness.startCluster(dataDir)) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try (Workload load = FaultHarness.startLoad(cluster)) {
                load.awaitMoreAcked(300);
                awaitFullIsr(cluster);
                PartitionRecord before = partition(cluster, 0);
                int paused = before.getLeader();

                cluster.pauseStorageNode(paused - 1);
                long pausedAt = System.nanoTime();
                // What a gateway with stale metadata would send: an acks=all append at the old epoch.
                // It waits in the frozen node's socket and is the first thing it reads on waking up.
                ManagedChannel direct = Channels.open(HostPort.parse(address(cluster, paused)));
                ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
                StreamedCalls<AppendRequest, AppendResponse> appends = new StreamedCalls<>(
                        StorageNodeGrpc.newStub(direct)::appendStream, AppendResponse::getRequestId,
                        r -> r.hasError() ? r.getError() : null, timers);
                CompletableFuture<AppendResponse> stale = appends.call(id -> AppendRequest.newBuilder().setRequestId(id)
                                .setTopic(FaultHarness.TOPIC).setPartition(0).setLeaderEpoch(before.getLeaderEpoch())
                                .setAcks(Acks.ACKS_ALL).setBatches(batch(STALE_VALUE)).setTimeoutMs(60_000).build(),
                        TimeUnit.SECONDS.toNanos(62));
                cluster.await("another leader for partition 0", 30_000, () -> {
                    PartitionRecord now = partition(cluster, 0);
                    return now.getLeader() != paused && now.getLeader() >= 0;
                });
                long remaining = PAUSE_MS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pausedAt);
                FaultHarness.pause(Math.max(0, remaining));
                PartitionRecord during = partition(cluster, 0);
                cluster.resumeStorageNode(paused - 1);

                assertNotEquals(paused, during.getLeader());
                assertTrue(during.getLeaderEpoch() > before.getLeaderEpoch());
                assertTrue(!during.getIsrList().contains(paused), "the paused node left the ISR: " + during);
                ExecutionException refused = assertThrows(ExecutionException.class, () -> stale.get(90, TimeUnit.SECONDS),
                        "the old leader acknowledged a write after it lost leadership");
                ErrorReason reason = StrataException.from(refused.getCause()).reason();
                assertTrue(reason == ErrorReason.NOT_LEADER || reason == ErrorReason.STALE_LEADER_EPOCH,
                        refused.getCause().toString());
                appends.reset("done");
                timers.shutdownNow();
                Channels.close(direct);
                load.awaitMoreAcked(300);
                awaitFullIsr(cluster);
                load.stop();

                String log = FaultHarness.memberLog(cluster, "storage-" + paused);
                LoggerFactory.getLogger(ReplicationFaultTest.class).info("SIGSTOP of node {} for {} ms: the resumed "
                        + "node truncated a divergent suffix: {}; longest producer stall {} ms", paused, PAUSE_MS,
                        log.contains("diverged from the leader"), load.maxUnavailabilityMsSince(0));
                assertPassed(load, "SIGSTOP of a leader");
                assertTrue(TopicReader.readAll(channel, FaultHarness.TOPIC, FaultHarness.PARTITIONS).records().stream()
                        .noneMatch(r -> r.value().equals(STALE_VALUE)),
                        "the unacknowledged write to the old leader was truncated away");
            } finally {
                Channels.close(channel);
            }
        }
    }

    @Test
    void withTwoOfThreeReplicasDownAcksAllFailsFastAndResumesWhenTheyReturn() throws Exception {
        try (ProcessCluster cluster = FaultHarness.startCluster(dataDir)) {
            ManagedChannel channel = Channels.open(cluster.gatewayAddress());
            try (Workload load = FaultHarness.startLoad(cluster)) {
                load.awaitMoreAcked(300);
                awaitFullIsr(cluster);

                cluster.killStorageNode(0);
                cluster.killStorageNode(1);
                cluster.await("every ISR shrunk to the surviving node 3", 60_000, () -> {
                    for (int p = 0; p < FaultHarness.PARTITIONS; p++) {
                        if (!partition(cluster, p).getIsrList().equals(List.of(3))) {
                            return false;
                        }
                    }
                    return true;
                });
                // The gateway may retry for up to a minute; refusing an unsatisfiable write must not
                // take anywhere near that (it would end as DEADLINE_EXCEEDED here).
                ProducerGrpc.ProducerBlockingStub probe = ProducerGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(15, TimeUnit.SECONDS);
                StrataException refused = StrataException.from(assertThrows(RuntimeException.class, () -> probe.produce(
                        write(Acks.ACKS_ALL, "refused"))));
                assertEquals(ErrorReason.NOT_ENOUGH_REPLICAS, refused.reason(), refused.getMessage());
                assertTrue(refused.getMessage().contains("min.insync.replicas is 2")
                        && refused.getMessage().contains("nothing was written"), refused.getMessage());
                // In the history, so the checkers know who wrote it; recorded with an unknown outcome
                // because acks=1 is acknowledged by the leader alone and promises no durability.
                Op acks1Probe = load.history().invoke("probe", "produce", 0, List.of(""), List.of(ACKS_1_VALUE));
                ProducerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .produce(write(Acks.ACKS_LEADER, ACKS_1_VALUE));
                load.history().failed(acks1Probe, false, "acks=1: no durability promise");

                cluster.startStorageNode(0);
                cluster.startStorageNode(1);
                awaitFullIsr(cluster);
                load.awaitMoreAcked(300);
                load.stop();

                assertTrue(load.writer().errors().containsKey("NOT_ENOUGH_REPLICAS"), "writers were refused: "
                        + load.writer().errors());
                assertPassed(load, "two of three replicas down");
            } finally {
                Channels.close(channel);
            }
        }
    }

    private static String address(ProcessCluster cluster, int node) {
        return cluster.image().getNodesList().stream().filter(n -> n.getId() == node).findFirst().orElseThrow()
                .getAddress();
    }

    private static ByteString batch(String value) {
        RecordBatchBuilder b = new RecordBatchBuilder(Compression.NONE);
        b.append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8));
        return ByteString.copyFrom(b.build());
    }

    private static ProduceRequest write(Acks acks, String value) {
        return ProduceRequest.newBuilder().setTopic(FaultHarness.TOPIC).setPartition(0).setAcks(acks)
                .setTimeoutMs(60_000).addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8(value))).build();
    }
}
