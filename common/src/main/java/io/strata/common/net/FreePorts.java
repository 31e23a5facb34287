package io.strata.common.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Finds loopback ports that are free right now, for clusters started on ephemeral ports
 * (tests, throw-away dev clusters) whose members must know each other's ports in advance,
 * as Raft peers do.
 *
 * <p>A port is only known free when asked; something else may bind it before the member does.
 * Ports the kernel hands out itself (to outgoing connections and port-0 binds, which a test
 * makes by the hundred) come from its ephemeral range, so candidates come from below that range,
 * and each process walks them from a random start without handing the same port out twice.
 */
public final class FreePorts {
    private static final int LOWEST = 10_000;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    /** The first port of the kernel's ephemeral range (Linux's default when it cannot be read). */
    private static final int EPHEMERAL_START = ephemeralStart();
    private static final AtomicInteger CURSOR = new AtomicInteger(
            ThreadLocalRandom.current().nextInt(Math.max(1, EPHEMERAL_START - LOWEST)));

    private FreePorts() {
    }

    /** {@code count} distinct ports that were free when asked. */
    public static int[] find(int count) {
        int span = EPHEMERAL_START - LOWEST;
        int[] ports = new int[count];
        for (int i = 0; i < count; i++) {
            ports[i] = span >= 1_000 ? belowEphemeralRange(span) : fromKernel();
        }
        return ports;
    }

    private static int belowEphemeralRange(int span) {
        for (int attempt = 0; attempt < span; attempt++) {
            int port = LOWEST + Math.floorMod(CURSOR.getAndIncrement(), span);
            if (bindable(port)) {
                return port;
            }
        }
        throw new UncheckedIOException(new IOException("no free loopback port in " + LOWEST + ".." + EPHEMERAL_START));
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // as servers bind: a port in TIME_WAIT is still usable
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int fromKernel() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free ports: " + e.getMessage(), e);
        }
    }

    private static int ephemeralStart() {
        try {
            // readAllLines, since readString may see a procfs file cut short
            return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
