package io.strata.common.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    @Test
    void portsAreDistinctAcrossCallsBindableAndOutsideTheKernelsEphemeralRange() throws IOException {
        int[] first = FreePorts.find(40);
        int[] second = FreePorts.find(40);

        Set<Integer> all = new HashSet<>();
        Arrays.stream(first).forEach(all::add);
        Arrays.stream(second).forEach(all::add);
        assertEquals(80, all.size(), "no port handed out twice");
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        if (Files.exists(range)) {
            int ephemeralStart = Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[0]);
            assertTrue(all.stream().allMatch(p -> p < ephemeralStart), "below " + ephemeralStart + ": " + all);
        }
        for (int port : all) {
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertEquals(port, s.getLocalPort());
            }
        }
    }
}
