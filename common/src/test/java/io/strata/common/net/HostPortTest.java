package io.strata.common.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.strata.common.error.StrataException;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostPortTest {
    @Test
    void parsesHostsPortsAndLists() {
        assertEquals(new HostPort("127.0.0.1", 9400), HostPort.parse("127.0.0.1:9400"));
        assertEquals(new HostPort("::1", 9400), HostPort.parse("[::1]:9400"));
        assertEquals("[::1]:9400", HostPort.parse("[::1]:9400").toString());
        assertEquals(List.of(new HostPort("a", 1), new HostPort("b", 2)), HostPort.parseList("a:1, b:2"));
    }

    @Test
    void rejectsMalformedAddresses() {
        for (String bad : new String[] {"", "host", ":9", "host:", "host:x", "host:70000"}) {
            assertThrows(StrataException.class, () -> HostPort.parse(bad), bad);
        }
    }
}
