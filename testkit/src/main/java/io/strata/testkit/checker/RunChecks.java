package io.strata.testkit.checker;

import io.grpc.ManagedChannel;
import io.strata.common.net.Channels;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.ListOffsetsRequest;
import io.strata.proto.OffsetSpec;
import io.strata.proto.PartitionOffset;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.TopicRecord;
import io.strata.testkit.ProcessCluster;
import io.strata.testkit.history.Op;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs every checker of the fault harness on a healed cluster once the writers stopped: reads the
 * topic back ({@link LogChecker}), checks the high watermarks seen ({@link HighWatermarkChecker}),
 * waits for the replicas to converge and compares them below the high watermark
 * ({@link ReplicaChecker}), checks the consumer group when there was one ({@link GroupChecker}),
 * and measures the longest time a writer went without an
 * acknowledgement. One set of checks for every fault test.
 */
public final class RunChecks {
    private static final long CONVERGE_MS = 90_000;

    private RunChecks() {
    }

    public static RunSummary check(String name, ProcessCluster cluster, List<Op> history, String topic) {
        ManagedChannel gateway = Channels.open(cluster.gatewayAddress());
        try {
            TopicRecord record = cluster.image().getTopicsList().stream().filter(t -> t.getName().equals(topic))
                    .findFirst().orElseThrow(() -> new AssertionError("topic " + topic + " is missing"));
            LogChecker.Result log = LogChecker.check(history, TopicReader.readAll(gateway, topic,
                    record.getPartitionsCount()));
            List<String> problems = new ArrayList<>(log.examples());
            List<String> regressions = HighWatermarkChecker.regressions(history);
            regressions.stream().limit(5).forEach(r -> problems.add("high watermark went backwards: " + r));
            int divergentPartitions = divergentReplicas(cluster, gateway, record, problems);
            int ops = (int) history.stream().filter(o -> o.f().equals("produce") && o.type() == Op.Type.INVOKE).count();
            String group = "";
            int groupViolations = 0;
            if (GroupChecker.present(history)) {
                GroupChecker.Result g = GroupChecker.check(history);
                group = "group: processed=" + g.consumed() + ", commits=" + g.commits() + ", unprocessed="
                        + g.unprocessed() + ", commits backwards=" + g.backwards() + ", past consumed=" + g.pastConsumed();
                groupViolations = g.violations();
                problems.addAll(g.examples());
            }
            return new RunSummary(name, ops, log.acked(), log.lost(), log.duplicated(), log.reordered(),
                    divergentPartitions + log.conflicts(), log.gaps(), regressions.size(),
                    maxUnavailabilityMs(history) / 1000.0, group, groupViolations, problems);
        } finally {
            Channels.close(gateway);
        }
    }

    /** Partitions whose replicas still differ below the high watermark after waiting for them to converge. */
    private static int divergentReplicas(ProcessCluster cluster, ManagedChannel gateway, TopicRecord topic,
                                         List<String> problems) {
        Map<Integer, Long> hw = ConsumerGrpc.newBlockingStub(gateway).withDeadlineAfter(30, TimeUnit.SECONDS)
                .listOffsets(ListOffsetsRequest.newBuilder().setTopic(topic.getName())
                        .setSpec(OffsetSpec.OFFSET_SPEC_LATEST).build()).getOffsetsList().stream()
                .collect(Collectors.toMap(PartitionOffset::getPartition, PartitionOffset::getOffset));
        int divergent = 0;
        for (PartitionRecord p : topic.getPartitionsList()) {
            List<Path> dirs = p.getReplicasList().stream().map(node -> cluster.dataDir().resolve("storage-" + node)
                    .resolve(topic.getName() + "-" + p.getPartition())).toList();
            long highWatermark = hw.getOrDefault(p.getPartition(), 0L);
            try {
                cluster.await("replicas of " + topic.getName() + "-" + p.getPartition() + " identical below the "
                        + "high watermark " + highWatermark, CONVERGE_MS, () -> ReplicaChecker.identical(dirs,
                        highWatermark));
            } catch (IllegalStateException e) {
                divergent++;
                problems.add("replicas of partition " + p.getPartition() + " differ below the high watermark "
                        + highWatermark + ": " + dirs);
            }
        }
        return divergent;
    }

    /** The longest time any writer went between two acknowledgements, in ms. */
    public static long maxUnavailabilityMs(List<Op> history) {
        Map<String, Long> lastOk = new java.util.HashMap<>();
        long worst = 0;
        for (Op op : history) {
            if (op.f().equals("produce") && op.type() == Op.Type.OK) {
                Long before = lastOk.put(op.process(), op.timeMs());
                if (before != null) {
                    worst = Math.max(worst, op.timeMs() - before);
                }
            }
        }
        return worst;
    }
}
