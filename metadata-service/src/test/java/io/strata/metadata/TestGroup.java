package io.strata.metadata;

import io.strata.common.metadata.MetadataClient;
import io.strata.common.net.FreePorts;
import io.strata.common.net.HostPort;
import io.strata.proto.internal.GetImageRequest;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.RegisterNodeRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * A real 3-peer metadata group on loopback for tests, with a failing-over client. Always
 * close it; failure messages from {@link #await} include each peer's role and applied index.
 */
public final class TestGroup implements AutoCloseable {
    private final List<MetadataConfig> configs = new ArrayList<>();
    private final MetadataServer[] peers = new MetadataServer[3];
    private final List<HostPort> apiAddresses;
    private final MetadataClient client;

    public TestGroup(Path dir, UnaryOperator<MetadataConfig> tweak) {
        int[] ports = FreePorts.find(6);
        List<MetadataConfig.Peer> list = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            list.add(new MetadataConfig.Peer("m" + (i + 1), new HostPort("127.0.0.1", ports[2 * i]),
                    new HostPort("127.0.0.1", ports[2 * i + 1])));
        }
        for (MetadataConfig.Peer p : list) {
            configs.add(tweak.apply(MetadataConfig.of(p.id(), list, dir.resolve(p.id()))));
        }
        apiAddresses = list.stream().map(MetadataConfig.Peer::apiAddress).toList();
        client = new MetadataClient(apiAddresses, Duration.ofSeconds(20));
        for (int i = 0; i < 3; i++) {
            start(i);
        }
    }

    public void start(int i) {
        peers[i] = new MetadataServer(configs.get(i)).start();
    }

    public void stop(int i) {
        if (peers[i] != null) {
            peers[i].close();
            peers[i] = null;
        }
    }

    public MetadataServer peer(int i) {
        return peers[i];
    }

    /** The API address of each peer, in peer order. */
    public List<HostPort> apiAddresses() {
        return apiAddresses;
    }

    public MetadataClient client() {
        return client;
    }

    /** Index of the peer that leads now; waits for one. */
    public int leaderIndex() {
        int[] found = {-1};
        await("a Raft leader", () -> {
            for (int i = 0; i < 3; i++) {
                if (peers[i] != null && peers[i].isLeader()) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    public void registerNodes(int count) {
        for (int id = 1; id <= count; id++) {
            RegisterNodeRequest r = RegisterNodeRequest.newBuilder().setId(id).setAddress("127.0.0.1:" + (5000 + id))
                    .setIncarnation(1).build();
            client.call(stub -> stub.registerNode(r));
        }
    }

    public MetadataImage image() {
        return client.call(stub -> stub.getImage(GetImageRequest.newBuilder().setLinearizable(true).build()));
    }

    public void await(String what, BooleanSupplier condition) {
        await(what, 20_000, condition);
    }

    public void await(String what, long timeoutMs, BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what + "\n" + describe()
                        + threads());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Stacks of the threads that talk to the group, to show where a stuck call waits. */
    private static String threads() {
        StringBuilder sb = new StringBuilder("threads:\n");
        Thread.getAllStackTraces().forEach((t, stack) -> {
            String n = t.getName();
            if (n.startsWith("metadata-raft-call") || n.startsWith("pool-") || n.startsWith("leader-loss")
                    || n.startsWith("metadata-controller")) {
                sb.append("  ").append(n).append(' ').append(t.getState()).append('\n');
                for (int i = 0; i < Math.min(stack.length, 25); i++) {
                    sb.append("      at ").append(stack[i]).append('\n');
                }
            }
        });
        return sb.toString();
    }

    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            MetadataServer m = peers[i];
            sb.append("  ").append(configs.get(i).peerId()).append(": ")
                    .append(m == null ? "stopped" : (m.isLeader() ? "LEADER" : "follower") + " applied=" + m.appliedIndex())
                    .append('\n');
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (int i = 0; i < 3; i++) {
            stop(i);
        }
        client.close();
    }
}
