package io.strata.metadata.controller;

import io.strata.common.error.Errors;
import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.FenceNodesCommand;
import io.strata.proto.internal.HeartbeatRequest;
import io.strata.proto.internal.HeartbeatResponse;
import io.strata.proto.internal.MetadataCommand;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.NodeState;
import io.strata.proto.internal.UnfenceNodeCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Storage-node leases, kept by the Raft leader in memory. Heartbeats renew a node's lease
 * without touching Raft; only state changes are Raft writes: a node whose lease ran out is
 * fenced ({@code FenceNodesCommand}, which also moves its partitions' leadership), and a fenced
 * node that heartbeats again is unfenced ({@code UnfenceNodeCommand}). A node in controlled
 * shutdown keeps heartbeating until it stops, and is fenced like any other once it has.
 *
 * <p>Leadership: the controller acts only while its peer is the Raft leader and has applied
 * its term's first entry (so its image is current). Whenever it (re)gains leadership — it is
 * told of every change through {@link #onLeaderChanged()} and also checks on every tick — it
 * grants every node a full lease from that moment, since heartbeats went to the previous
 * leader. Likewise a node that registers with a new incarnation starts with a full lease.
 *
 * <p>Threading: {@link #heartbeat} runs on gRPC threads, {@link #tick} on the controller's
 * own scheduler thread; shared state is in concurrent maps and volatile fields.
 */
public final class NodeLeaseController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeLeaseController.class);

    private record Lease(long incarnation, long renewedNanos) {
    }

    private final String peerId;
    private final long leaseNanos;
    private final boolean electPreferredOnReturn;
    private final BooleanSupplier isReadyLeader;
    private final Supplier<MetadataImage> image;
    private final Function<MetadataCommand, CompletableFuture<CommandResult>> propose;
    private final LongSupplier nanoClock;
    private final Map<Integer, Lease> leases = new ConcurrentHashMap<>();
    private final Set<Integer> pending = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scheduler;
    private volatile boolean leading;

    /**
     * @param isReadyLeader whether this peer leads the Raft group and has applied its term's first entry
     * @param image         this peer's applied image
     * @param propose       submits a command to Raft
     */
    public NodeLeaseController(String peerId, Duration lease, boolean electPreferredOnReturn,
                               BooleanSupplier isReadyLeader, Supplier<MetadataImage> image,
                               Function<MetadataCommand, CompletableFuture<CommandResult>> propose,
                               LongSupplier nanoClock) {
        this.peerId = peerId;
        this.leaseNanos = lease.toNanos();
        this.electPreferredOnReturn = electPreferredOnReturn;
        this.isReadyLeader = isReadyLeader;
        this.image = image;
        this.propose = propose;
        this.nanoClock = nanoClock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "metadata-controller-" + peerId);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts checking leases, every 25th of a lease (100 ms by default): a node is fenced at most
     * that long after its lease ran out, which is most of what separates failover from the lease.
     */
    public NodeLeaseController start() {
        long period = Math.max(10, TimeUnit.NANOSECONDS.toMillis(leaseNanos) / 25);
        scheduler.scheduleWithFixedDelay(this::tickSafely, period, period, TimeUnit.MILLISECONDS);
        return this;
    }

    /** How often nodes should heartbeat: a third of the lease. */
    public long heartbeatIntervalMs() {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(leaseNanos) / 3);
    }

    /** Called from Ratis (any thread) when the Raft leader changed: leases are re-granted on the next tick. */
    public void onLeaderChanged() {
        leading = false;
        scheduler.execute(this::tickSafely);
    }

    /** Renews a node's lease. Fails with METADATA_UNAVAILABLE on a peer that is not the ready leader. */
    public HeartbeatResponse heartbeat(HeartbeatRequest r) {
        if (!isReadyLeader.getAsBoolean()) {
            throw Errors.metadataUnavailable("peer " + peerId + " is not the Raft leader; heartbeats go to the leader");
        }
        NodeRecord node = find(r.getNodeId());
        if (node == null || node.getIncarnation() != r.getIncarnation()) {
            throw new StrataException(ErrorReason.INVALID_ARGUMENT, "storage node " + r.getNodeId()
                    + " with incarnation " + r.getIncarnation() + " is not registered"
                    + (node == null ? "" : " (the registered incarnation is " + node.getIncarnation() + ")")
                    + "; register again");
        }
        leases.put(r.getNodeId(), new Lease(r.getIncarnation(), nanoClock.getAsLong()));
        if (node.getState() == NodeState.NODE_FENCED && pending.add(r.getNodeId())) {
            log.info("storage node {} is back (incarnation {}); unfencing it", r.getNodeId(), r.getIncarnation());
            submit(MetadataCommand.newBuilder().setUnfenceNode(UnfenceNodeCommand.newBuilder()
                    .setNodeId(r.getNodeId()).setIncarnation(r.getIncarnation())
                    .setElectPreferred(electPreferredOnReturn)).build(), List.of(r.getNodeId()));
        }
        return HeartbeatResponse.newBuilder().setHeartbeatIntervalMs(heartbeatIntervalMs()).build();
    }

    /** One pass: grant grace to nodes new to this leader, fence the ones whose lease ran out. */
    void tick() {
        if (!isReadyLeader.getAsBoolean()) {
            leading = false;
            return;
        }
        long now = nanoClock.getAsLong();
        MetadataImage current = image.get();
        if (!leading) {
            leases.clear();
            current.getNodesList().forEach(n -> leases.put(n.getId(), new Lease(n.getIncarnation(), now)));
            leading = true;
            log.info("peer {} leads the metadata group: every storage node has a fresh lease", peerId);
            return;
        }
        List<Integer> expired = new ArrayList<>();
        for (NodeRecord n : current.getNodesList()) {
            Lease lease = leases.get(n.getId());
            if (lease == null || lease.incarnation() != n.getIncarnation()) {
                leases.put(n.getId(), new Lease(n.getIncarnation(), now));
            } else if (n.getState() != NodeState.NODE_FENCED && now - lease.renewedNanos() > leaseNanos
                    && !pending.contains(n.getId())) {
                expired.add(n.getId());
            }
        }
        if (!expired.isEmpty()) {
            pending.addAll(expired);
            log.info("storage nodes {} missed their lease of {} ms; fencing them", expired,
                    TimeUnit.NANOSECONDS.toMillis(leaseNanos));
            submit(MetadataCommand.newBuilder().setFenceNodes(FenceNodesCommand.newBuilder()
                    .addAllNodeIds(expired)).build(), expired);
        }
    }

    private void submit(MetadataCommand command, List<Integer> nodes) {
        CompletableFuture<CommandResult> f;
        try {
            f = propose.apply(command);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((result, error) -> {
            pending.removeAll(nodes);
            if (error != null) {
                log.warn("controller command for nodes {} failed: {}", nodes, error.toString());
            }
        });
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.warn("controller tick failed", e);
        }
    }

    private NodeRecord find(int id) {
        for (NodeRecord n : image.get().getNodesList()) {
            if (n.getId() == id) {
                return n;
            }
        }
        return null;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
