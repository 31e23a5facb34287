package io.strata.metadata.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.NodeState;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One metadata peer's Raft state and the cluster membership it has applied: role, term, commit
 * and applied index, apply latency, snapshot age, storage nodes by state, partitions and offline
 * partitions, and leader elections
 * (the Raft leader is the controller, so these are controller elections). Gauges read
 * {@link RaftView} at scrape time; apply latency and elections are recorded as they happen.
 * Thread-safe.
 */
public final class RaftMetrics {
    /** What the gauges read; each call answers the peer's state now. */
    public interface RaftView {
        /** 2 leader, 1 follower, 0 anything else (candidate, starting, closed). */
        int role();

        long term();

        long commitIndex();

        long appliedIndex();

        /** Index of the newest snapshot, or -1 when there is none. */
        long snapshotIndex();

        /** Seconds since the newest snapshot was written, or NaN when there is none. */
        double snapshotAgeSeconds();
    }

    private final Timer apply;
    private final Counter elections;

    public RaftMetrics(MeterRegistry registry, RaftView raft, Supplier<MetadataImage> image) {
        Gauge.builder("strata.metadata.raft.role", raft, RaftView::role)
                .description("This peer's Raft role: 2 leader, 1 follower, 0 candidate or not running").register(registry);
        Gauge.builder("strata.metadata.raft.term", raft, RaftView::term).description("Current Raft term")
                .register(registry);
        Gauge.builder("strata.metadata.raft.commit.index", raft, RaftView::commitIndex)
                .description("Highest Raft index known committed").register(registry);
        Gauge.builder("strata.metadata.raft.applied.index", raft, RaftView::appliedIndex)
                .description("Highest Raft index applied to this peer's state").register(registry);
        Gauge.builder("strata.metadata.snapshot.index", raft, RaftView::snapshotIndex)
                .description("Raft index of the newest snapshot (-1: none yet)").register(registry);
        Gauge.builder("strata.metadata.snapshot.age", raft, RaftView::snapshotAgeSeconds).baseUnit("seconds")
                .description("Time since the newest snapshot was taken or installed").register(registry);
        for (NodeState state : new NodeState[] {NodeState.NODE_ALIVE, NodeState.NODE_FENCED,
                NodeState.NODE_SHUTTING_DOWN}) {
            Gauge.builder("strata.metadata.storage.nodes", image, i -> count(i.get(), state))
                    .description("Registered storage nodes by state, as this peer applied them")
                    .tag("state", stateLabel(state)).register(registry);
        }
        Gauge.builder("strata.metadata.partitions", image, i -> partitions(i.get(), false))
                .description("Partitions of every topic, as this peer applied them").register(registry);
        Gauge.builder("strata.metadata.offline.partitions", image, i -> partitions(i.get(), true))
                .description("Partitions with no leader (no live in-sync replica), as this peer applied them")
                .register(registry);
        apply = Timer.builder("strata.metadata.apply").description("Time to apply one Raft entry to the state")
                .serviceLevelObjectives(Duration.ofNanos(100_000), Duration.ofNanos(250_000),
                        Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
                        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
                        Duration.ofMillis(500))
                .register(registry);
        elections = Counter.builder("strata.metadata.leader.elections")
                .description("Raft leader changes this peer saw; the leader runs the controller").register(registry);
    }

    private static String stateLabel(NodeState state) {
        return switch (state) {
            case NODE_ALIVE -> "alive";
            case NODE_FENCED -> "fenced";
            default -> "shutting_down";
        };
    }

    private static double count(MetadataImage image, NodeState state) {
        return image == null ? 0 : image.getNodesList().stream().filter(n -> n.getState() == state).count();
    }

    private static double partitions(MetadataImage image, boolean offlineOnly) {
        if (image == null) {
            return 0;
        }
        long n = 0;
        for (var topic : image.getTopicsList()) {
            for (var p : topic.getPartitionsList()) {
                if (!offlineOnly || p.getLeader() < 0) {
                    n++;
                }
            }
        }
        return n;
    }

    /** One Raft entry took {@code nanos} to apply. */
    public void applied(long nanos) {
        apply.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The Raft group has a new leader. */
    public void leaderChanged() {
        elections.increment();
    }
}
