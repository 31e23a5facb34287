package io.strata.testkit;

import io.grpc.ManagedChannel;
import io.strata.common.metadata.MetadataClient;
import io.strata.common.net.Channels;
import io.strata.common.net.FreePorts;
import io.strata.common.net.HostPort;
import io.strata.proto.MetadataPeerDescription;
import io.strata.proto.internal.DescribeQuorumRequest;
import io.strata.proto.internal.GetImageRequest;
import io.strata.proto.internal.GetLocalStateRequest;
import io.strata.proto.internal.LocalState;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.MetadataServiceGrpc;
import io.strata.testkit.fault.ProxyNetwork;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Strata cluster of real processes on loopback, one JVM per member, for fault tests: members
 * can be killed with SIGKILL, stopped with SIGTERM, paused with SIGSTOP and restarted on their
 * data, and a storage node of a partitionable cluster cut off the network ({@link ProxyNetwork}).
 * Each process runs the {@code strata} launcher with the same role arguments a deployment
 * uses; its output goes to {@code <dataDir>/logs/<member>.log}.
 *
 * <p>The launcher is given as a command prefix (e.g. {@code java -cp CP io.strata.cli.Strata}),
 * since the test kit does not link the CLI. Not thread-safe: drive it from one thread.
 */
public final class ProcessCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProcessCluster.class);

    static {
        ChildProcesses.killOnExit();
    }
    /**
     * Members serve no metrics: the launcher's fixed default port would clash on one host, and an
     * ephemeral one would be one more bind racing the ports picked in advance for later members.
     */
    private static final String NO_METRICS = "off";

    /** One member: its name, the arguments after the launcher, and its process when running. */
    private static final class Member {
        final String name;
        final List<String> args;
        final int port;
        volatile Process process;
        long spawnedAtMs;

        Member(String name, List<String> args, int port) {
            this.name = name;
            this.args = args;
            this.port = port;
        }
    }

    private final List<String> launcher;
    private final Path dataDir;
    private final List<Member> metadata = new ArrayList<>();
    private final List<Member> storage = new ArrayList<>();
    private final List<Member> gateways = new ArrayList<>();
    private final List<HostPort> metadataApis = new ArrayList<>();
    /** Proxies the members reach storage nodes and metadata APIs through; null when not partitionable. */
    private final ProxyNetwork network;
    /** Per storage node: its proxy's handle in {@link #network}. */
    private final List<Integer> storageProxies = new ArrayList<>();

    /**
     * @param launcher command prefix that runs {@code strata}, e.g. {@code [java, -cp, CP, io.strata.cli.Strata]}
     */
    public ProcessCluster(List<String> launcher, Path dataDir, int metadataPeers, int storageNodes, int gatewayCount) {
        this(launcher, dataDir, metadataPeers, storageNodes, gatewayCount, false);
    }

    /**
     * @param partitionable whether members reach storage nodes and metadata APIs through a
     *                      {@link ProxyNetwork}, so that {@link #isolateStorageNode} can cut one off
     */
    public ProcessCluster(List<String> launcher, Path dataDir, int metadataPeers, int storageNodes, int gatewayCount,
                          boolean partitionable) {
        this.launcher = List.copyOf(launcher);
        this.dataDir = dataDir;
        this.network = partitionable ? new ProxyNetwork(this::memberPids) : null;
        int[] ports = FreePorts.find(metadataPeers * 2 + storageNodes + gatewayCount
                + (partitionable ? metadataPeers + storageNodes : 0));
        int next = 0;
        StringBuilder peers = new StringBuilder();
        for (int i = 1; i <= metadataPeers; i++) {
            int raft = ports[next++];
            int api = ports[next++];
            peers.append(peers.length() == 0 ? "" : ",").append("m").append(i).append("=127.0.0.1:").append(raft)
                    .append("/127.0.0.1:").append(api);
            metadataApis.add(new HostPort("127.0.0.1", api));
        }
        List<String> reachable = new ArrayList<>();
        for (int i = 0; i < metadataPeers; i++) {
            int api = metadataApis.get(i).port();
            int front = partitionable ? ports[next++] : api;
            if (partitionable) {
                network.add("metadata-m" + (i + 1), front, api);
            }
            reachable.add("127.0.0.1:" + front);
        }
        String metadataList = String.join(",", reachable);
        for (int i = 1; i <= metadataPeers; i++) {
            metadata.add(new Member("metadata-m" + i, List.of("metadata", "--id", "m" + i, "--peers", peers.toString(),
                    "--data-dir", dataDir.resolve("metadata-m" + i).toString(), "--metrics-bind", NO_METRICS),
                    metadataApis.get(i - 1).port()));
        }
        for (int i = 1; i <= storageNodes; i++) {
            int port = ports[next++];
            List<String> args = new ArrayList<>(List.of("storage", "--node-id", Integer.toString(i),
                    "--bind", "127.0.0.1:" + port, "--metadata", metadataList,
                    "--data-dir", dataDir.resolve("storage-" + i).toString(), "--metrics-bind", NO_METRICS));
            if (partitionable) {
                int front = ports[next++];
                storageProxies.add(network.add("storage-" + i, front, port));
                args.addAll(List.of("--advertised", "127.0.0.1:" + front));
            }
            storage.add(new Member("storage-" + i, args, port));
        }
        for (int i = 1; i <= gatewayCount; i++) {
            int port = ports[next++];
            gateways.add(new Member("gateway-" + i, List.of("gateway", "--bind", "127.0.0.1:" + port,
                    "--metadata", metadataList, "--metrics-bind", NO_METRICS), port));
        }
    }

    /**
     * Starts every member and waits until the gateways listen and every storage node is registered.
     * Storage nodes start once the metadata peers have elected a leader: a node gives up when it
     * cannot register in time, and a loaded machine can take a while to start three peers.
     */
    public ProcessCluster start() {
        metadata.forEach(this::spawn);
        metadataLeaderIndex(120_000);
        storage.forEach(this::spawn);
        gateways.forEach(this::spawn);
        for (int i = 0; i < storage.size(); i++) {
            awaitStorageRegistered(i);
        }
        gateways.forEach(g -> await(g.name + " to listen", 60_000, () -> listening(g.port)));
        // A node may miss its first lease while every JVM warms up; it is unfenced at its next heartbeat.
        await("every storage node live", 60_000, () -> image().getNodesList().stream()
                .filter(n -> n.getState() == io.strata.proto.internal.NodeState.NODE_ALIVE).count() == storage.size());
        return this;
    }

    private void spawn(Member m) {
        try {
            Path logs = Files.createDirectories(dataDir.resolve("logs"));
            List<String> command = new ArrayList<>(launcher);
            command.addAll(m.args);
            m.spawnedAtMs = System.currentTimeMillis();
            m.process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(m.name + ".log").toFile()))
                    .start();
            log.info("started {} (pid {})", m.name, m.process.pid());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + m.name, e);
        }
    }

    /** SIGKILL: the process dies at once, without any shutdown work. */
    public void killStorageNode(int index) {
        kill(storage.get(index));
    }

    /**
     * SIGTERM, as an orchestrator stops a process: the node hands its leaderships over (controlled
     * shutdown) and exits. Waits for the exit; returns its exit code.
     */
    public int stopStorageNode(int index) {
        Member m = storage.get(index);
        if (m.process == null) {
            throw new IllegalStateException(m.name + " is not running");
        }
        Process p = m.process;
        p.destroy();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError(m.name + " did not exit within 60 s of SIGTERM\n" + describe());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping " + m.name, e);
        }
        m.process = null;
        return p.exitValue();
    }

    /** SIGSTOP: the process freezes (no heartbeats, no answers) until {@link #resumeStorageNode}. */
    public void pauseStorageNode(int index) {
        signal(storage.get(index), "STOP");
    }

    /** SIGCONT: a paused process carries on where it stopped, unaware of the time that passed. */
    public void resumeStorageNode(int index) {
        signal(storage.get(index), "CONT");
    }

    private static void signal(Member m, String signal) {
        if (m.process == null || !m.process.isAlive()) {
            throw new IllegalStateException(m.name + " is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(m.process.pid()))
                    .redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + m.process.pid() + " failed: "
                        + new String(kill.getInputStream().readAllBytes()));
            }
            log.info("sent SIG{} to {} (pid {})", signal, m.name, m.process.pid());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot signal " + m.name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + m.name, e);
        }
    }

    public void startStorageNode(int index) {
        spawn(storage.get(index));
        awaitStorageRegistered(index);
    }

    private void awaitStorageRegistered(int index) {
        Member m = storage.get(index);
        await(m.name + " to listen", 60_000, () -> listening(m.port));
        int nodeId = index + 1;
        // A node registers with its start time as incarnation; an older one is its previous life.
        await(m.name + " to register", 60_000, () -> image().getNodesList().stream()
                .anyMatch(n -> n.getId() == nodeId && n.getIncarnation() >= m.spawnedAtMs));
    }

    /**
     * Cuts storage node {@code index} off the network: nothing it sends reaches another member and
     * nothing reaches it, until {@link #healPartitions}. Needs a partitionable cluster.
     */
    public void isolateStorageNode(int index) {
        if (network == null) {
            throw new IllegalStateException("this cluster was not started partitionable");
        }
        Member m = storage.get(index);
        if (m.process == null) {
            throw new IllegalStateException(m.name + " is not running");
        }
        network.isolate(storageProxies.get(index), m.process.pid());
        log.info("isolated {} (pid {}) from the network", m.name, m.process.pid());
    }

    /** Ends every network partition; members reconnect. */
    public void healPartitions() {
        if (network != null) {
            network.heal();
            log.info("healed the network");
        }
    }

    private List<Long> memberPids() {
        List<Long> pids = new ArrayList<>();
        for (List<Member> group : List.of(metadata, storage, gateways)) {
            for (Member m : group) {
                Process p = m.process;
                if (p != null) {
                    pids.add(p.pid());
                }
            }
        }
        return pids;
    }

    public int storageNodeCount() {
        return storage.size();
    }

    public int metadataPeerCount() {
        return metadata.size();
    }

    public int gatewayCount() {
        return gateways.size();
    }

    /** Whether storage node {@code index} runs now (it may be paused). */
    public boolean storageNodeRunning(int index) {
        return storage.get(index).process != null;
    }

    public void killMetadataPeer(int index) {
        kill(metadata.get(index));
    }

    /** Starts a metadata peer on its data and waits until its API listens (it may still be catching up). */
    public void startMetadataPeer(int index) {
        startMetadataPeers(index);
    }

    /** Starts metadata peers together — every process first, then waits until each API listens. */
    public void startMetadataPeers(int... indexes) {
        for (int i : indexes) {
            spawn(metadata.get(i));
        }
        for (int i : indexes) {
            Member m = metadata.get(i);
            await(m.name + " to listen", 60_000, () -> listening(m.port));
        }
    }

    /** The API addresses of the metadata peers; index i is peer {@code m<i+1>}. */
    public List<HostPort> metadataAddresses() {
        return List.copyOf(metadataApis);
    }

    /**
     * Index of the metadata peer that leads the Raft group now, waiting up to {@code timeoutMs}
     * for one: the peer that every running peer names as leader (DescribeQuorum) and that
     * reports itself as leader, so a peer that just lost leadership is not taken for the leader.
     */
    public int metadataLeaderIndex(long timeoutMs) {
        int[] found = {-1};
        await("a metadata Raft leader all running peers agree on", timeoutMs, () -> {
            found[0] = agreedLeader();
            return found[0] >= 0;
        });
        return found[0];
    }

    private int agreedLeader() {
        String leader = null;
        for (int i = 0; i < metadata.size(); i++) {
            if (metadata.get(i).process == null) {
                continue;
            }
            String named = askPeer(i, stub -> stub.describeQuorum(DescribeQuorumRequest.getDefaultInstance()))
                    .map(q -> q.getPeersList().stream().filter(p -> p.getRole().equals("LEADER"))
                            .map(MetadataPeerDescription::getId).findFirst().orElse(null))
                    .orElse(null);
            if (named == null || (leader != null && !leader.equals(named))) {
                return -1;
            }
            leader = named;
        }
        int index = leader == null ? -1 : Integer.parseInt(leader.substring(1)) - 1;
        return index >= 0 && metadata.get(index).process != null ? index : -1;
    }

    /** What metadata peer {@code index} has applied, read from that peer alone; empty when it does not answer. */
    public Optional<LocalState> metadataLocalState(int index) {
        return askPeer(index, stub -> stub.getLocalState(GetLocalStateRequest.getDefaultInstance()));
    }

    private <T> Optional<T> askPeer(int index, Function<MetadataServiceGrpc.MetadataServiceBlockingStub, T> call) {
        ManagedChannel channel = Channels.open(metadataApis.get(index));
        try {
            return Optional.of(call.apply(MetadataServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)));
        } catch (RuntimeException e) {
            return Optional.empty();
        } finally {
            Channels.close(channel);
        }
    }

    public void killGateway(int index) {
        kill(gateways.get(index));
    }

    public void startGateway(int index) {
        spawn(gateways.get(index));
        await("gateway to listen", 60_000, () -> listening(gateways.get(index).port));
    }

    private static void kill(Member m) {
        if (m.process != null && m.process.isAlive()) {
            m.process.destroyForcibly();
            try {
                m.process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        m.process = null;
    }

    public HostPort gatewayAddress() {
        return new HostPort("127.0.0.1", gateways.get(0).port);
    }

    /** Every gateway's address; a client may use any of them. */
    public List<HostPort> gatewayAddresses() {
        return gateways.stream().map(g -> new HostPort("127.0.0.1", g.port)).toList();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The metadata image as the Raft leader has it. */
    public MetadataImage image() {
        try (MetadataClient client = new MetadataClient(metadataApis, Duration.ofSeconds(10))) {
            return client.call(stub -> stub.getImage(GetImageRequest.newBuilder().setLinearizable(true).build()));
        } catch (RuntimeException e) {
            return MetadataImage.getDefaultInstance();
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Polls {@code condition} until it holds or fails with the members' state after {@code timeoutMs}. */
    public void await(String what, long timeoutMs, BooleanSupplier condition) {
        Await.until(what, timeoutMs, 100, condition, () -> "logs in " + dataDir.resolve("logs") + "\n" + describe());
    }

    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (List<Member> group : List.of(metadata, storage, gateways)) {
            for (Member m : group) {
                sb.append("  ").append(m.name).append(": ")
                        .append(m.process == null ? "stopped" : m.process.isAlive() ? "pid " + m.process.pid() : "exited "
                                + m.process.exitValue()).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (List<Member> group : List.of(gateways, storage, metadata)) {
            group.forEach(ProcessCluster::kill);
        }
        if (network != null) {
            network.close();
        }
    }
}
