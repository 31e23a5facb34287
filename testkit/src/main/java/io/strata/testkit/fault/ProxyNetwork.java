package io.strata.testkit.fault;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The network partitions of a {@code ProcessCluster}: a {@link TcpProxy} in front of every
 * storage node and every metadata API port, which the members reach each other through (storage
 * nodes advertise their proxy's address; storage nodes and gateways are given the metadata
 * proxies). {@link #isolate} cuts one member off from every other: all connections to it, and
 * all connections it opened to the others, lose their traffic until {@link #heal}.
 *
 * <p>Why proxies rather than network namespaces and veth pairs: every member and the harness
 * share 127.0.0.1 and fixed ports, no member has to be moved into a namespace before it starts,
 * nothing needs root, iptables (absent here) or kernel modules, and CI (a clean clone on this
 * kind of machine) needs nothing installed. The cost is Linux-only owner lookup in /proc and one
 * more hop on the data path; the Raft ports between metadata peers are not proxied, so a partition
 * isolates storage nodes, not metadata peers. Thread-safe.
 */
public final class ProxyNetwork implements AutoCloseable {
    private final List<TcpProxy> proxies = new ArrayList<>();
    private final Supplier<List<Long>> memberPids;

    /** @param memberPids the pids of the running members, to tell whose connection is whose */
    public ProxyNetwork(Supplier<List<Long>> memberPids) {
        this.memberPids = memberPids;
    }

    /** Puts a proxy listening on {@code listenPort} in front of {@code targetPort}; returns its handle. */
    public int add(String name, int listenPort, int targetPort) {
        proxies.add(new TcpProxy(name, listenPort, targetPort, memberPids));
        return proxies.size() - 1;
    }

    /**
     * Cuts the process {@code pid}, whose own proxy is {@code handle}, off from every other member:
     * everything through its proxy, and its connections through the others, is dropped.
     */
    public void isolate(int handle, long pid) {
        for (int i = 0; i < proxies.size(); i++) {
            proxies.get(i).drop(i == handle ? any -> true : client -> client == pid);
        }
    }

    /** Ends every partition. */
    public void heal() {
        proxies.forEach(TcpProxy::heal);
    }

    @Override
    public void close() {
        proxies.forEach(TcpProxy::close);
    }
}
