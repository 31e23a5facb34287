package io.strata.testkit.fault;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy in front of one member's port, able to drop traffic: how the fault harness cuts a
 * node off the network. Each accepted connection is forwarded to the member by two pump threads
 * and tagged with the pid of the process that opened it ({@link SocketOwners}). While a
 * connection matches the drop rule its bytes are read and thrown away in both directions, as a
 * network that loses every packet; when the partition heals such connections are closed, as TCP
 * would time them out, and the members reconnect. Thread-safe.
 */
final class TcpProxy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TcpProxy.class);

    /** One proxied connection and the process at its client end (-1 when unknown). */
    private record Link(Socket client, Socket upstream, long clientPid) {
    }

    private final String name;
    private final int targetPort;
    private final ServerSocket server;
    private final Supplier<List<Long>> memberPids;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private volatile Predicate<Long> drop = pid -> false;

    /**
     * @param memberPids the pids of the cluster's member processes now, among which a connection's
     *                   client is looked for
     */
    TcpProxy(String name, int listenPort, int targetPort, Supplier<List<Long>> memberPids) {
        this.name = name;
        this.targetPort = targetPort;
        this.memberPids = memberPids;
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort));
        } catch (IOException e) {
            throw new UncheckedIOException("proxy " + name + " cannot listen on " + listenPort, e);
        }
        Thread acceptor = new Thread(this::accept, "proxy-" + name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Drops the traffic of connections whose client pid matches {@code rule} from now on. */
    void drop(Predicate<Long> rule) {
        drop = rule;
    }

    /** Forwards everything again; connections that were dropping are closed so that clients reconnect. */
    void heal() {
        Predicate<Long> was = drop;
        drop = pid -> false;
        for (Link l : links) {
            if (was.test(l.clientPid())) {
                close(l);
            }
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                client.setTcpNoDelay(true);
                Socket upstream;
                try {
                    upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    upstream.setTcpNoDelay(true);
                } catch (IOException e) {
                    client.close(); // the member is down: refuse, as its port would
                    continue;
                }
                long pid = SocketOwners.owner(client.getPort(), server.getLocalPort(), memberPids.get()).orElse(-1);
                Link link = new Link(client, upstream, pid);
                links.add(link);
                pump(link, client, upstream, "up");
                pump(link, upstream, client, "down");
            } catch (IOException e) {
                if (!server.isClosed()) {
                    log.warn("proxy {} failed to accept a connection", name, e);
                }
            }
        }
    }

    private void pump(Link link, Socket from, Socket to, String direction) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (!drop.test(link.clientPid())) {
                        out.write(buffer, 0, n);
                    }
                }
            } catch (IOException e) {
                // One side closed or was reset: close the other as well (below).
            } finally {
                close(link);
            }
        }, "proxy-" + name + "-" + direction);
        t.setDaemon(true);
        t.start();
    }

    private void close(Link link) {
        links.remove(link);
        for (Socket s : List.of(link.client(), link.upstream())) {
            try {
                s.close();
            } catch (IOException e) {
                // Already closed.
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // Already closed.
        }
        links.forEach(this::close);
    }
}
