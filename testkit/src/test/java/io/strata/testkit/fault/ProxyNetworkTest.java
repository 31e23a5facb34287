package io.strata.testkit.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.strata.common.net.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Partitions through real proxies over loopback, with this JVM as the member whose connections
 * are told apart by pid: an isolated member's proxy drops everything, the other proxies drop
 * only what the isolated process opened, and healing closes the dropping connections so that
 * new ones work.
 */
class ProxyNetworkTest {
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final long self = ProcessHandle.current().pid();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    @Test
    void anIsolatedMemberNeitherReceivesNorSends() throws Exception {
        int[] ports = FreePorts.find(4);
        ProxyNetwork network = new ProxyNetwork(() -> List.of(self));
        closing.add(network);
        int a = network.add("a", ports[0], echoServer(ports[2]));
        network.add("b", ports[1], echoServer(ports[3]));
        Socket throughA = connect(ports[0]);
        Socket throughB = connect(ports[1]);
        assertEquals('x', roundTrip(throughA, 'x'));
        assertEquals('y', roundTrip(throughB, 'y'));

        network.isolate(a, self + 1_000_000); // some other process: only a's own traffic stops
        assertThrows(SocketTimeoutException.class, () -> roundTrip(throughA, '1'));
        assertEquals('2', roundTrip(throughB, '2'));

        network.isolate(a, self); // this process: what it opened through b stops as well
        assertThrows(SocketTimeoutException.class, () -> roundTrip(throughB, '3'));
        Socket newThroughB = connect(ports[1]);
        assertThrows(SocketTimeoutException.class, () -> roundTrip(newThroughB, '4'));

        network.heal();
        assertEquals(-1, readOrEnd(throughB), "a connection that dropped traffic is closed on healing");
        assertEquals('5', roundTrip(connect(ports[1]), '5'));
        assertEquals('6', roundTrip(connect(ports[0]), '6'));
    }

    private int echoServer(int port) throws IOException {
        ServerSocket server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        closing.add(server);
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread echo = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream()) {
                            for (int b; (b = in.read()) >= 0; ) {
                                s.getOutputStream().write(b);
                            }
                        } catch (IOException e) {
                            // The proxy closed the connection.
                        }
                    });
                    echo.setDaemon(true);
                    echo.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return port;
    }

    private Socket connect(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(1_000);
        closing.add(s);
        return s;
    }

    private static int roundTrip(Socket s, char c) throws IOException {
        s.getOutputStream().write(c);
        s.getOutputStream().flush();
        return s.getInputStream().read();
    }

    private static int readOrEnd(Socket s) {
        try {
            s.setSoTimeout(10_000);
            return s.getInputStream().read();
        } catch (IOException e) {
            return -1; // reset: closed as well
        }
    }
}
